"""The traffic part of a plan's results folder: the flight schedule (the bundled real record
and manifest, continued by the schedule generator to the last crew's departure) and the crew
aboard per segment over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from deorbit.formats.atomic import write_text_atomic
from deorbit.traffic.schedule import Schedule

SCHEDULE_FILE = "traffic_schedule.csv"
CREW_FILE = "crew_aboard.csv"


def merged_schedule(
    reentry: dt.datetime | None = None,
    decrew: dt.datetime | None = None,
    generate: bool = True,
) -> Schedule:
    """The bundled history, continued by the generator (``deorbit traffic plan``'s default
    request; ``reentry``/``decrew`` override its dates) unless ``generate`` is False.
    Generated flights replace history flights of the same id."""
    from deorbit.traffic.generator import PlanRequest, plan
    from deorbit.traffic.schedule_io import load_history

    history = load_history()
    if not generate:
        return history.sorted()
    dates = {"reentry": reentry} if reentry is not None else {}
    future = plan(PlanRequest(history=history, decrew=decrew, **dates))
    ids = {f.id for f in future.flights}
    flights = [f for f in history.flights if f.id not in ids] + list(future.flights)
    merged = replace(
        future,
        flights=flights,
        name=f"{history.name} + {future.name}",
        check_from=history.check_from,
    )
    return merged.sorted()


def write_traffic_results(
    out_dir: Path,
    reentry: dt.datetime | None = None,
    decrew: dt.datetime | None = None,
    generate: bool = True,
) -> list[Path]:
    """Write ``traffic_schedule.csv`` (every flight, the schedule CSV format that
    ``deorbit traffic check`` reads) and ``crew_aboard.csv`` (time, total, US, RU, NASA,
    Roscosmos, names) into ``out_dir`` atomically; returns their paths.

    Generating the future flights costs about 10 s (CP-SAT, 2 s deterministic limit);
    ``generate=False`` writes the bundled history only.
    """
    from deorbit.traffic.schedule_io import write_schedule
    from deorbit.traffic.timeline import crew_aboard

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    schedule = merged_schedule(reentry, decrew, generate)
    sched = write_schedule(schedule, out / SCHEDULE_FILE)
    crew = write_text_atomic(out / CREW_FILE, crew_aboard(schedule).to_csv(index=False))
    return [sched, crew]
