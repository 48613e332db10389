"""The controlled final phase of one solar level of the descent plan, as ``deorbit plan``
reports it.

The descent (:mod:`deorbit.mission.descent`) hands the state at "final sequence starts" to
:func:`deorbit.mission.targeting.plan_final_phase`, which plans the USDV's perigee-lowering
series and final burn onto the zone's aim point (along and across the track) and books their
propellant. :func:`run_final_phase_for_level` takes that plan and adds what the deorbit team
must show: the debris footprint, its distance to land, the casualty expectation, the
NASA-STD-8719.14C compliance table, the final-burn failure cases and a seeded Monte Carlo of the
final phase (:func:`deorbit.montecarlo.controlled.run_final_phase`).

Units: SI inside; the JSON dictionary (``FinalPhaseReport.data``) uses km, degrees, m/s, kg
and ISO UTC strings, its keys name the unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.time import TimeDelta

from deorbit.core.constants import GM_EARTH
from deorbit.core.time import iso
from deorbit.errors import InfeasibleError
from deorbit.mission.descent import LevelResult
from deorbit.mission.scenario import Scenario
from deorbit.mission.targeting import FailureCase, TargetingResult, failure_cases
from deorbit.reentry.casualty import (
    Requirement,
    compliance_table,
    controlled_expectation,
    land_clearance,
    uncontrolled_expectation,
)
from deorbit.reentry.footprint import Footprint, footprint_geojson
from deorbit.reentry.fragments import FragmentList, default_iss_fragments
from deorbit.reentry.zones import TargetZone, zone_named


def plan_compliance(
    plan: TargetingResult,
    fragments: FragmentList,
    zone: TargetZone,
    failure_probability: float,
    inclination: float,
) -> list[Requirement]:
    """The NASA-STD-8719.14C table (:func:`compliance_table`) of ``plan``'s nominal footprint:
    its fraction of pieces inside ``zone``, the plan's effective perigee, and the uncontrolled
    casualty expectation of ``fragments`` at ``inclination`` rad for a final burn that fails
    with ``failure_probability``."""
    fp = plan.footprint
    e_unc = uncontrolled_expectation(fragments.pieces()["area"], inclination)
    in_zone = float(np.mean(zone.contains(fp.lat, fp.lon)))
    return compliance_table(
        fp.lat, fp.lon, fp.area, plan.effective_perigee, failure_probability, e_unc, in_zone
    )


def footprint_summary(fp: Footprint) -> dict[str, Any]:
    """The footprint in user units: extent (km), pieces, centre/heel/toe (deg), breakup."""
    c_lat, c_lon = fp.centre
    return {
        "length_km": round(fp.length / 1e3, 2),
        "width_km": round(fp.width / 1e3, 2),
        "pieces": int(fp.lat.size),
        "centre_lat_deg": round(math.degrees(c_lat), 4),
        "centre_lon_deg": round(math.degrees(c_lon), 4),
        "heel_lat_lon_deg": [round(math.degrees(x), 4) for x in fp.heel],
        "toe_lat_lon_deg": [round(math.degrees(x), 4) for x in fp.toe],
        "breakup_time": iso(fp.epoch),
        "breakup_lat_deg": round(math.degrees(fp.breakup_lat), 4),
        "breakup_lon_deg": round(math.degrees(fp.breakup_lon), 4),
    }


def compliance_rows(rows: Sequence[Requirement]) -> list[dict[str, Any]]:
    """The compliance table as JSON-friendly rows."""
    return [
        {"requirement": r.requirement, "limit": r.limit, "value": r.value, "pass": r.passed}
        for r in rows
    ]


def failure_rows(fails: Sequence[FailureCase]) -> list[dict[str, Any]]:
    """The failure cases as JSON-friendly rows (distance to foreign land None when the
    reentry is uncontrolled)."""
    return [
        {
            "case": f.name,
            "outcome": f.outcome,
            "casualty_expectation": f.expectation,
            "foreign_land_km": None
            if math.isnan(f.foreign_clearance)
            else round(f.foreign_clearance / 1e3, 1),
        }
        for f in fails
    ]


def burn_rows(plan: TargetingResult, vehicle: str, zonal_degree: int = 6) -> list[dict[str, Any]]:
    """The plan's burns in user units. ``perigee_after_km``: the mean vacuum perigee after a
    lowering burn (above the equatorial radius), the osculating vacuum perigee (effective
    perigee) after the final burn."""
    if plan.state is None:
        raise InfeasibleError("the targeting result has no start state", None)
    epoch = plan.state.epoch
    dv: list[float | None] = (
        list(plan.delta_v)
        if plan.delta_v
        else [plan.final_delta_v if b is plan.final_burn else None for b in plan.burns]
    )
    rows = []
    for k, b in enumerate(plan.burns):
        final = b is plan.final_burn
        perigee = plan.effective_perigee if final else plan.perigee_after(b, zonal_degree)
        rows.append(
            {
                "name": b.name,
                "vehicle": vehicle,
                "start_utc": iso(epoch + TimeDelta(b.start, format="sec")),
                "duration_s": round(float(b.duration), 1),
                "delta_v_m_s": round(float(dv[k]), 3) if dv[k] is not None else None,
                "propellant_kg": round(float(b.propellant), 1),
                "perigee_after_km": round(float(perigee) / 1e3, 2),
            }
        )
    return rows


@dataclass
class FinalPhaseReport:
    """One level's final phase: ``data`` (the ``final_<level>.json`` content),
    ``footprint_geojson`` (ground track from one revolution before the final burn to breakup,
    impacts, zone)
    and the Monte Carlo result (``montecarlo.envelope_geojson()``, ``.p_inside``)."""

    level: str
    plan: TargetingResult
    data: dict[str, Any]
    footprint_geojson: dict[str, Any]
    montecarlo: Any

    @property
    def all_pass(self) -> bool:
        """Every row of the compliance table passes."""
        return all(row["pass"] for row in self.data["compliance"])

    def headline(self) -> dict[str, Any]:
        """The figures ``summary.json`` carries per level under ``final_phase``."""
        d = self.data
        return {
            "final_burn_utc": d["final_burn_utc"],
            "cross_miss_km": d["cross_miss_km"],
            "along_miss_km": d["along_miss_km"],
            "foreign_land_km": d["foreign_land_km"],
            "casualty_expectation": d["casualty_expectation"],
            "p_inside": float(self.montecarlo.p_inside),
            "all_pass": self.all_pass,
        }


def run_final_phase_for_level(
    scenario: Scenario,
    result: LevelResult,
    samples: int | None = None,
    seed: int = 0,
    fragments: FragmentList | None = None,
) -> FinalPhaseReport:
    """Footprint, land clearance, casualty expectation, compliance, failure cases and Monte
    Carlo (``samples`` runs, default the scenario's ``montecarlo_samples``; ``seed``) of the
    level's planned final phase.

    Raises
    ------
    InfeasibleError
        The level has no final phase (its reason), or it was planned in fast mode.
    """
    from deorbit.montecarlo.controlled import run_final_phase

    fin = scenario.phases.final
    plan = result.final_phase
    if plan is None or result.final_start is None or result.forces is None:
        why = result.final_phase_error or "the final sequence was not flown"
        raise InfeasibleError(f"{result.level}: final phase infeasible: {why}", None)
    fragments = fragments or default_iss_fragments()
    zone = zone_named(fin.zone)
    n = fin.montecarlo_samples if samples is None else samples
    if n < 1:
        raise InfeasibleError(f"the Monte Carlo needs at least 1 sample, got {n}", None)
    forces = result.forces
    spacecraft = result.final_start.spacecraft
    fp = plan.footprint
    foreign, us_ant = land_clearance(fp.lat, fp.lon)
    e_ctrl = controlled_expectation(fp.lat, fp.lon, fp.area)
    assert plan.state is not None
    inclination = float(plan.state.keplerian().i)
    rows = plan_compliance(plan, fragments, zone, fin.burn_failure_probability, inclination)
    fails = failure_cases(
        plan.state, spacecraft, forces, plan, fragments, seed=seed, window=6 * 3600.0
    )
    mc = run_final_phase(plan, spacecraft, forces, fragments, zone, n, seed)
    epoch = plan.state.epoch
    data = {
        "level": result.level.lower(),
        "burns": burn_rows(plan, fin.vehicle, scenario.environment.zonal_degree),
        "final_burn_utc": iso(epoch + TimeDelta(plan.final_burn.start, format="sec")),
        "revolution": int(plan.revolution),
        "series_perigee_km": None
        if plan.series_perigee is None
        else round(plan.series_perigee / 1e3, 2),
        "along_miss_km": round(plan.along_miss / 1e3, 3),
        "cross_miss_km": round(plan.cross_miss / 1e3, 3),
        "effective_perigee_km": round(plan.effective_perigee / 1e3, 2),
        "footprint": footprint_summary(fp),
        "foreign_land_km": round(foreign / 1e3, 1),
        "us_antarctica_km": round(us_ant / 1e3, 1),
        "casualty_expectation": e_ctrl,
        "compliance": compliance_rows(rows),
        "failures": failure_rows(fails),
        "montecarlo": mc.summary(),
        "zone": {
            "name": zone.name,
            "aim_lat_deg": zone.aim_lat_deg,
            "aim_lon_deg": zone.aim_lon_deg,
        },
    }
    traj = plan.entry.trajectory
    q = traj.quantities()
    # the final ground track: the revolution before the final burn, the burn and the entry
    k_burn = int(np.searchsorted(traj.t, plan.final_burn.start))
    a = float(np.linalg.norm(traj.y[min(k_burn, traj.t.size - 1), :3]))
    keep = traj.t >= plan.final_burn.start - 2 * math.pi * math.sqrt(a**3 / GM_EARTH)
    geo = footprint_geojson(
        fp, q["latitude"][keep], q["longitude"][keep], zone, {"level": result.level.lower()}
    )
    return FinalPhaseReport(result.level, plan, data, geo, mc)
