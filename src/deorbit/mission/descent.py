"""The ISS descent plan: phases flown under a solar-activity scenario, milestones found by the
propagators, delta-v and propellant per vehicle.

Long-term part (orbit-averaged mean elements, :class:`AveragedPropagator`):

1. operations: each time the lowest point of the mean orbit falls to the band's floor (an event
   of the propagator) a reboost lifts it back to the band's top, until the lowering starts;
2. lowering: a retrograde burn every ``interval_days`` takes ``rate_km_per_month`` off the
   mean altitude on top of natural decay, until the USDV docks;
3. the USDV docks ``months_before_final_burn`` before the final burn. That date depends on
   when the station reaches the final-sequence altitude, which depends on the docking (the
   USDV's mass lowers the decay): a fixed-point iteration over whole runs, restarted from the
   last checkpoint before the docking;
4. the last crew leaves when the mean altitude crosses ``crew_departure.altitude_km`` (event);
5. the final sequence starts when the lowest point of the mean orbit reaches
   ``final.start_altitude_km`` (terminal event).

Final sequence (hand-over to :func:`deorbit.mission.targeting.plan_final_phase`: numerical
Cowell propagation with finite burns, USDV thrust and Isp): from the osculating state when the
final sequence starts, the perigee-lowering series, a coast, and about
``final_burn_after_days`` after the first lowering burn the final burn, all timed so that the
debris footprint's centre falls on the zone's aim point (along and across the track). Their
propellant is booked in the ledger; the entry trajectory (to breakup) is the level's final arc.
An infeasible final phase leaves the long-term plan valid and is reported as the level's
``final_phase_error``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.constants import WGS84_A
from deorbit.core.elements import ElementSet
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import iso
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import CelestrakSpaceWeather, default_space_weather
from deorbit.errors import InfeasibleError, ScenarioError
from deorbit.formats.catalog import bundled_iss, latest, read_elements, select
from deorbit.mission.phases import Ledger, VehicleAccount, tangential_dv_for_da
from deorbit.mission.scenario import Scenario
from deorbit.mission.targeting import (
    Engine,
    TargetingResult,
    plan_final_phase,
    targeting_settings,
)
from deorbit.propagation.averaged import AveragedPropagator
from deorbit.propagation.mean_elements import MeanElements, mean_elements, osculating_state
from deorbit.propagation.sgp4 import osculating_state_at_epoch
from deorbit.propagation.trajectory import Trajectory
from deorbit.reentry.zones import zone_named

DAY = 86400.0
MONTH = 365.25 / 12.0 * DAY
HORIZON_YEARS = 15.0
"""Give up when the final-sequence altitude is not reached within this many years."""
ENTRY_INTERFACE = 120e3
"""Reentry interface altitude, m (the customary 400,000 ft ~ 122 km rounded; the value the
project uses for reentry, deorbit.propagation.events.REENTRY_INTERFACE_ALTITUDE)."""


@dataclass(frozen=True)
class Milestone:
    """An event of the plan: ``t`` s after the plan's epoch, at mean altitude ``altitude`` m."""

    name: str
    t: float
    altitude: float
    phase: str


@dataclass(frozen=True)
class BurnRecord:
    """One manoeuvre: who, when (s after the epoch), delta-v (m/s), propellant (kg)."""

    phase: str
    vehicle: str
    t: float
    delta_v: float
    propellant: float
    altitude_before: float
    altitude_after: float


@dataclass(frozen=True)
class FinalPhaseStart:
    """Hand-over to the final-phase targeting (:mod:`deorbit.mission.targeting`): the
    osculating TEME state when the final sequence starts (lowest point of the mean orbit at
    ``start_altitude_km``), the stack (mass incl. the USDV and its remaining propellant, kg) and
    the USDV engine (thrust N, Isp s)."""

    state: State
    spacecraft: Spacecraft
    thrust: float
    isp: float

    @property
    def epoch(self) -> Time:
        """Start of the final sequence (UTC)."""
        return self.state.epoch


@dataclass
class LevelResult:
    """The descent under one solar-activity scenario.

    ``final_start`` is the hand-over when the final sequence starts; ``final_phase`` the
    targeted lowering series and final burn (None when infeasible: ``final_phase_error`` says
    why, or in fast mode); ``final_arc`` its flight to breakup; ``forces`` the level's force
    model (for the final-phase evaluation)."""

    level: str
    epoch: Time
    milestones: list[Milestone]
    burns: list[BurnRecord]
    ledger: Ledger
    t: np.ndarray
    mean_altitude: np.ndarray
    perigee_altitude: np.ndarray
    final_arc: Trajectory | None
    final_start: FinalPhaseStart | None
    effective_perigee: float | None
    docking_iterations: int
    notes: list[str] = field(default_factory=list)
    final_phase: TargetingResult | None = None
    final_phase_error: str | None = None
    forces: ForceModel | None = None

    def milestone(self, name: str) -> Milestone | None:
        """The first milestone called ``name``."""
        return next((m for m in self.milestones if m.name == name), None)

    def time_of(self, name: str) -> Time | None:
        """UTC of milestone ``name``."""
        m = self.milestone(name)
        return None if m is None else self.epoch + TimeDelta(m.t, format="sec")

    @property
    def feasible(self) -> bool:
        """Every vehicle within its usable propellant and the final phase planned."""
        return self.ledger.feasible and self.final_phase is not None

    @property
    def descent_days(self) -> float | None:
        """Lowering start to final burn, days."""
        a, b = self.milestone("lowering starts"), self.milestone("final burn")
        return None if a is None or b is None else (b.t - a.t) / DAY

    @property
    def decay_rate(self) -> np.ndarray:
        """Decay rate of the mean altitude, m/day (positive down); NaN over the output
        intervals that hold a burn (a step, not decay)."""
        dt = np.diff(self.t) / DAY
        dh = -np.diff(self.mean_altitude)
        rate = np.full(self.t.size, np.nan)
        ok = dt > 0
        rate[1:][ok] = dh[ok] / dt[ok]
        burn_t = np.array([b.t for b in self.burns])
        if burn_t.size:
            # a burn at a sample time shows in the interval that ends at the next sample
            k = np.searchsorted(self.t, burn_t, side="right")
            rate[k[k < self.t.size]] = np.nan
        rate[0] = rate[1] if self.t.size > 1 else np.nan
        return rate


@dataclass
class _Run:
    """Mutable state of one long-term run (copied at checkpoints)."""

    t: float
    y: np.ndarray
    mass: float
    ledger: Ledger
    hist_t: list[np.ndarray]
    hist_y: list[np.ndarray]
    milestones: list[Milestone]
    burns: list[BurnRecord]
    next_burn: float = 0.0
    crew_done: bool = False
    docked: bool = False
    final_t: float | None = None

    def copy(self) -> _Run:
        return _Run(
            self.t,
            self.y.copy(),
            self.mass,
            copy.deepcopy(self.ledger),
            list(self.hist_t),
            list(self.hist_y),
            list(self.milestones),
            list(self.burns),
            self.next_burn,
            self.crew_done,
            self.docked,
            self.final_t,
        )

    @property
    def mean_altitude(self) -> float:
        return float(self.y[0] - WGS84_A)

    @property
    def lowest_altitude(self) -> float:
        return float(self.y[0] * (1 - math.hypot(self.y[1], self.y[2])) - WGS84_A)


def start_elements(scenario: Scenario, base: Path | None = None) -> ElementSet:
    """The scenario's starting element set (``bundled:iss`` or a file, relative to ``base``)."""
    spec = scenario.start.elements
    if spec == "bundled:iss":
        return bundled_iss()
    path = Path(spec)
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.exists():
        raise ScenarioError(f"start.elements: no such file {str(path)!r}")
    sets = read_elements(path)
    return latest(select(sets, norad=scenario.start.norad))


def forces_for(scenario: Scenario, level: str) -> ForceModel:
    """NRLMSIS drag under the ``level`` solar-activity forecast (WEAK, AVERAGE, STRONG) or the
    OBSERVED CelesTrak history (past periods only: a plan running past the last observed day
    stops with a SpaceWeatherRangeError), zonal gravity or the full field, and the Sun and Moon
    when the scenario asks (both act in the numerical final phase only)."""
    env = scenario.environment
    if level == "OBSERVED":
        sw = CelestrakSpaceWeather(use_predictions=False)
    else:
        sw = default_space_weather(level)
    return ForceModel(
        NRLMSIS(sw, "00" if env.atmosphere == "msis00" else "2.1"),
        zonal_degree=env.zonal_degree,
        third_body=env.third_body,
        gravity_field=env.gravity_field,
    )


class _Descent:
    """One solar level's descent (see the module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        mean0: MeanElements,
        forces: ForceModel,
        rate_km_per_month: float | None = None,
        lowering_start: Time | None = None,
    ) -> None:
        self.s = scenario
        self.mean0 = mean0
        self.epoch = mean0.epoch
        self.forces = forces
        self.prop = AveragedPropagator(forces)
        st = scenario.station
        self.area = st.drag_area_m2[st.attitude]
        self.rate = (
            scenario.phases.lowering.rate_km_per_month
            if rate_km_per_month is None
            else rate_km_per_month
        )
        start = scenario.lowering_start if lowering_start is None else lowering_start
        self.t_low = max(float((start - self.epoch).to_value("s")), 0.0)
        self.notes: list[str] = []

    # -- long-term ---------------------------------------------------------------------------
    def _advance(
        self, run: _Run, until: float, stop_below: float, events: tuple[float, ...] = ()
    ) -> list[tuple[str, float]]:
        me = MeanElements(self.epoch + TimeDelta(run.t, format="sec"), *run.y)
        sc = Spacecraft(run.mass, self.area, self.s.station.cd)
        tr = self.prop.propagate(
            me, sc, until - run.t, stop_below=stop_below, mean_altitude_events=events
        )
        run.hist_t.append(tr.t[1:] + run.t)
        run.hist_y.append(tr.y[1:, :5])
        evs = [(name, run.t + te) for name, te in tr.events]
        run.t += float(tr.t[-1])
        run.y = tr.y[-1, :5].copy()
        return evs

    def _burn(self, run: _Run, phase: str, vehicle: str, da: float) -> None:
        v = self.s.vehicles[vehicle]
        dv = tangential_dv_for_da(float(run.y[0]), da)
        before = run.mean_altitude
        prop = run.ledger.spend(vehicle, run.mass, dv, v.isp_s)
        run.mass -= prop
        run.y[0] += da
        run.burns.append(BurnRecord(phase, vehicle, run.t, dv, prop, before, run.mean_altitude))

    def _mark(self, run: _Run, name: str, phase: str, t: float | None = None) -> None:
        run.milestones.append(Milestone(name, run.t if t is None else t, run.mean_altitude, phase))

    def operations(self) -> _Run:
        """Reboost phase up to the lowering start; returns the run at the lowering start."""
        s = self.s
        accounts = {
            name: VehicleAccount(name, v.propellant_kg, s.phases.final.propellant_margin)
            for name, v in s.vehicles.items()
        }
        y0 = self.mean0.vector(s.station.mass_kg)
        run = _Run(
            0.0,
            y0[:5].copy(),
            s.station.mass_kg,
            Ledger(accounts),
            [np.array([0.0])],
            [y0[None, :5]],
            [],
            [],
        )
        self._mark(run, "plan starts", "operations")
        lo, hi = (h * 1e3 for h in s.phases.operations.band_km)
        horizon = HORIZON_YEARS * 365.25 * DAY
        while run.t < self.t_low - 1.0:
            self._advance(run, self.t_low, lo)
            if run.t < self.t_low - 1.0:
                if run.t > horizon:
                    raise InfeasibleError("operations phase does not end within the horizon")
                self._burn(run, "operations", s.phases.operations.vehicle, hi - run.lowest_altitude)
        self._mark(run, "lowering starts", "lowering")
        run.next_burn = run.t
        return run

    def lowering(self, run: _Run, dock_t: float | None) -> _Run:
        """Lowering, USDV docking, crew departure, down to the final-sequence altitude;
        fills ``self.checkpoints``."""
        s, ph = self.s, self.s.phases
        crew_alt = ph.crew_departure.altitude_km * 1e3
        final_alt = ph.final.start_altitude_km * 1e3
        step = ph.lowering.interval_days * DAY
        da = -self.rate * 1e3 * step / MONTH
        horizon = HORIZON_YEARS * 365.25 * DAY
        self.checkpoints: list[_Run] = []
        while True:
            if not run.docked and dock_t is not None and run.t >= dock_t - 1.0:
                run.docked = True
                run.mass += s.vehicles[ph.usdv_docking.vehicle].mass_kg
                self._mark(run, "USDV docks", "drift-down")
            if not run.docked:
                self.checkpoints.append(run.copy())
            if not run.docked and self.rate > 0 and run.t >= run.next_burn - 1.0:
                self._burn(run, "lowering", ph.lowering.vehicle, da)
                run.next_burn += step
            if not run.crew_done and run.mean_altitude < crew_alt:
                run.crew_done = True
                self._mark(run, "last crew leaves", "drift-down")
            if run.lowest_altitude <= final_alt:
                self._mark(run, "final sequence starts", "final")
                run.final_t = run.t
                return run
            target = run.t + 365.25 * DAY
            if not run.docked and self.rate > 0:
                target = min(target, run.next_burn)
            if not run.docked and dock_t is not None:
                target = min(target, max(dock_t, run.t + 1.0))
            events = () if run.crew_done else (crew_alt,)
            for name, te in self._advance(run, target, final_alt, events):
                if name.startswith("mean altitude") and not run.crew_done:
                    run.crew_done = True
                    alt = crew_alt
                    run.milestones.append(Milestone("last crew leaves", te, alt, "drift-down"))
            if run.t > horizon:
                raise InfeasibleError(
                    f"the station does not reach {final_alt / 1e3:g} km within "
                    f"{HORIZON_YEARS:g} years"
                )

    def long_term(self, max_passes: int = 12) -> tuple[_Run, int]:
        """Operations then lowering, with the USDV docking date solved so that it docks
        ``months_before_final_burn`` before the final burn.

        ``g(dock) = final(dock) - lead - dock`` decreases with ``dock`` (a later docking means
        more lowering burns, an earlier final burn); its root is bracketed by
        ``[final_nodock - lead, final_nodock]`` and found by regula falsi (Illinois) to a day.
        Each trial restarts from the undocked run's last checkpoint before its docking date.
        """
        ph = self.s.phases
        base = self.operations()
        lead = ph.usdv_docking.months_before_final_burn * MONTH - (
            ph.final.final_burn_after_days * DAY
        )
        free = self.lowering(base.copy(), None)
        undocked = list(self.checkpoints)
        assert free.final_t is not None

        def trial(dock: float) -> tuple[float, _Run]:
            ok = [c for c in undocked if c.t <= dock]
            run = self.lowering((ok[-1] if ok else base).copy(), dock)
            assert run.final_t is not None
            return run.final_t - lead - dock, run

        lo = max(free.final_t - lead, self.t_low)
        hi = max(free.final_t, self.t_low + DAY)
        g_lo, run_lo = trial(lo)
        passes = 2
        if g_lo <= 0:  # already docked at the lowering start and still too short
            return run_lo, passes
        g_hi, _ = trial(hi)
        passes += 1
        side = 0
        while hi - lo > DAY and passes < max_passes:
            mid = (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
            mid = min(max(mid, lo + 0.5 * DAY), hi - 0.5 * DAY)
            g_mid, run_mid = trial(mid)
            passes += 1
            if g_mid >= 0:
                lo, g_lo, run_lo = mid, g_mid, run_mid
                if side == 1:
                    g_hi /= 2
                side = 1
            else:
                hi, g_hi = mid, g_mid
                if side == -1:
                    g_lo /= 2
                side = -1
            if abs(g_mid) < DAY:
                return run_mid, passes
        # docking at least the stated lead before the final burn
        return run_lo, passes

    # -- final sequence ----------------------------------------------------------------------
    def final_start(self, run: _Run) -> FinalPhaseStart:
        """The hand-over at "final sequence starts": osculating state, the stack with the
        USDV's propellant still in its tanks (reserve included), the USDV engine."""
        s, fin = self.s, self.s.phases.final
        usdv = s.vehicles[fin.vehicle]
        acc = run.ledger.accounts[fin.vehicle]
        epoch0 = self.epoch + TimeDelta(run.t, format="sec")
        osc = osculating_state(MeanElements(epoch0, *run.y), 0.0, s.environment.zonal_degree)
        sc = Spacecraft(
            run.mass,
            self.area,
            s.station.cd,
            propellant=min(max(acc.budget - acc.used, 0.0), 0.5 * run.mass),
            name=s.station.name,
        )
        return FinalPhaseStart(osc, sc, usdv.thrust_n, usdv.isp_s)

    def final_sequence(
        self, run: _Run
    ) -> tuple[FinalPhaseStart, TargetingResult | None, str | None]:
        """Plan and fly the USDV's lowering series and final burn from the hand-over state
        (:func:`deorbit.mission.targeting.plan_final_phase`, scenario values), book their
        propellant in the run's ledger and their milestones. An infeasible final phase is
        returned as its reason (the long-term plan stays valid)."""
        fin = self.s.phases.final
        start = self.final_start(run)
        t0 = run.t
        try:
            plan = plan_final_phase(
                start.state,
                start.spacecraft,
                self.forces,
                Engine(start.thrust, start.isp),
                zone=zone_named(fin.zone),
                **targeting_settings(fin),
            )
        except InfeasibleError as exc:
            self.notes.append(f"final phase infeasible: {exc}")
            return start, None, str(exc)
        mass = run.mass
        for burn, dv in zip(plan.burns, plan.delta_v, strict=True):
            prop = run.ledger.spend(fin.vehicle, mass, dv, start.isp)
            mass -= prop
            final = burn is plan.final_burn
            run.burns.append(
                BurnRecord(
                    "final",
                    fin.vehicle,
                    t0 + burn.start,
                    dv,
                    prop,
                    run.mean_altitude,
                    plan.effective_perigee if final else run.mean_altitude,
                )
            )
        run.mass = mass
        first = plan.burns[0]
        alt = run.mean_altitude
        run.milestones.append(Milestone("USDV burn series starts", t0 + first.start, alt, "final"))
        run.milestones.append(Milestone("final burn", t0 + plan.final_burn.start, alt, "final"))
        traj = plan.entry.trajectory
        h = traj.quantities()["altitude"]
        below = np.flatnonzero((traj.t > plan.final_burn.start) & (h <= ENTRY_INTERFACE))
        if below.size:
            run.milestones.append(
                Milestone("entry interface 120 km", t0 + float(traj.t[below[0]]), ENTRY_INTERFACE,
                          "final")
            )  # fmt: skip
        run.milestones.append(
            Milestone("breakup", t0 + float(plan.entry.t), plan.entry.breakup_altitude, "final")
        )
        return start, plan, None


def plan_level(
    scenario: Scenario,
    mean0: MeanElements,
    level: str,
    rate_km_per_month: float | None = None,
    lowering_start: Time | None = None,
    final_sequence: bool = True,
) -> LevelResult:
    """The descent under one solar-activity ``level`` (WEAK, AVERAGE, STRONG)."""
    d = _Descent(scenario, mean0, forces_for(scenario, level), rate_km_per_month, lowering_start)
    run, passes = d.long_term()
    arc = eff = plan = error = None
    start = d.final_start(run)
    notes = d.notes
    if final_sequence:
        start, plan, error = d.final_sequence(run)
        if plan is not None:
            arc, eff = plan.entry.trajectory, plan.effective_perigee
    else:
        t_fb = run.t + 600.0 + scenario.phases.final.final_burn_after_days * DAY
        run.milestones.append(Milestone("final burn", t_fb, run.mean_altitude, "final"))
        notes.append("final sequence not flown (fast mode): final burn = start + 4 days")
    hist_t = np.concatenate(run.hist_t)
    hist_y = np.concatenate(run.hist_y)
    e = np.hypot(hist_y[:, 1], hist_y[:, 2])
    order = np.argsort([m.t for m in run.milestones], kind="stable")
    return LevelResult(
        level,
        d.epoch,
        [run.milestones[i] for i in order],
        run.burns,
        run.ledger,
        hist_t,
        hist_y[:, 0] - WGS84_A,
        hist_y[:, 0] * (1 - e) - WGS84_A,
        arc,
        start,
        eff,
        passes,
        notes,
        plan,
        error,
        d.forces,
    )


@dataclass
class DescentPlan:
    """The descent under each solar-activity scenario."""

    scenario: Scenario
    elements: ElementSet
    results: list[LevelResult]


def initial_mean(es: ElementSet, zonal_degree: int = 6) -> MeanElements:
    """Mean elements of the element set's SGP4 state at its epoch."""
    r, v = osculating_state_at_epoch(es)
    return mean_elements(State(es.epoch, r, v), zonal_degree)


def plan_descent(
    scenario: Scenario,
    levels: list[str] | None = None,
    base: Path | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> DescentPlan:
    """Run the scenario under each solar level (the scenario's own list by default);
    ``progress(done, total)`` counts finished levels."""
    es = start_elements(scenario, base)
    mean0 = initial_mean(es, scenario.environment.zonal_degree)
    chosen = levels or list(scenario.environment.levels)
    results = []
    for k, level in enumerate(chosen):
        if progress is not None:
            progress(k, len(chosen))
        results.append(plan_level(scenario, mean0, level))
    if progress is not None:
        progress(len(chosen), len(chosen))
    return DescentPlan(scenario, es, results)


def final_phase_start(
    scenario: Scenario, level: str = "AVERAGE", base: Path | None = None
) -> FinalPhaseStart:
    """State, epoch and stack when the final sequence starts under ``level`` (the long-term
    part only; for :mod:`deorbit.mission.targeting`)."""
    es = start_elements(scenario, base)
    res = plan_level(
        scenario, initial_mean(es, scenario.environment.zonal_degree), level, final_sequence=False
    )
    assert res.final_start is not None
    return res.final_start


def when(result: LevelResult, name: str) -> str | None:
    """ISO date of a milestone, or None."""
    t = result.time_of(name)
    return None if t is None else iso(t)
