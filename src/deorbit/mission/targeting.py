"""Targeting of a controlled reentry: the perigee-lowering series and the final burn, with
finite thrust, so that the debris footprint's centre falls on the zone's aim point.

Along the track (:func:`plan_final_burn`, and the last step of :func:`plan_final_phase`)
-------------------------------------------------------------------------------------------
A trial final burn gives the "lead": how long after the burn centre the coast track passes over
the footprint centre. The burn is centred ``lead`` before the chosen pass, then moved by the
along-track miss of the footprint centre divided by the ground speed, then by secant steps,
until the miss is below the tolerance. The final burn's Δv is the impulsive Δv (vis-viva) that
lowers the vacuum perigee to ``target_perigee`` from the radius at the burn; its duration
follows from the rocket equation.

Across the track (:func:`plan_final_phase`)
-------------------------------------------
The final burn can only move the footprint along its ground track, so the revolution of the
final burn must pass over the aim. Between revolutions the track moves ~22.4 deg of longitude
(~550 km across the track at Point Nemo, where the ISS track runs ~70 deg from north). We phase
the track the way a deorbit team does, through the period: the lowering series sets the orbit
flown during the ~4-day coast, and a lower perigee means a shorter period, so the revolution
reaches the aim's latitude earlier, when the Earth has turned less. Per revolution and per
branch of the track (north- and southbound near the aim's latitude), the longitude at which it
crosses the aim's latitude is a smooth function of the series perigee: we tabulate it over
``perigee_range`` (numerical coasts, cheap), and start the series up to ``delays`` later (a few
days longer on the higher orbit) where no revolution within ``window`` of the nominal date can be
brought over the aim; the zero crossing closest to the nominal date wins. The series perigee is
then refined by secant steps on the footprint centre's actual cross-track miss (each step a full
along-track targeting), until it is below ``cross_tolerance``; above ``cross_limit`` there is no
plan (InfeasibleError).

Why no out-of-plane component: moving the footprint across the track with the final burn costs
about 1 m/s per 0.85 km (Δv/v x R over a quarter revolution), i.e. ~300 m/s for the ~275 km
between tracks; a change of inclination in the lowering burns costs as much. Phasing costs no
propellant beyond the lowering itself.

Reach of the phasing, and the phasing burn (:func:`plan_phasing_burn`)
---------------------------------------------------------------------
The drift: a perigee 1 km lower (apogee kept) shortens the period by dP = 3P/(2a) x 0.5 km
= 0.60 s (P = 5,310 s, a = 6,598 km at 220 km), 9.8 s per day (16.3 revolutions), so a given
revolution reaches the aim's latitude 9.8 s earlier and the Earth has turned 9.8 s x 366 deg/day
(Earth rotation plus nodal regression) = 0.042 deg less: the ground track drifts ~0.04 deg
(~1 km across the track at Point Nemo) per day per km of perigee; 0.17 deg per km over the 4-day
coast (our coasts: 0.18 deg/km between 185 and 210 km, drag included). The series perigees of
160-210 km thus move the track by ~10-13 deg (more below 185 km, where drag shortens the period
further, but a 160 km series decays within the coast) of the 22.4 deg between revolutions; the
two branches of the track near the aim (north- and southbound, ~4 deg apart modulo 22.4 deg)
leave a gap of ~18 deg to cover. A later start of the series does NOT close it: the phase only
accrues through the difference of the periods, ~0.2-0.6 deg per day of delay (our coasts: state
12 of ``benchmarks/targeting_coverage.py``, 3.4 -> 2.8 deg over 4 days of delay). What does
close it is the other sign: a posigrade *phasing burn* that raises the perigee above the
stack's (a longer period, the track drifts the other way, at the same ~0.17 deg per km over the
coast). It costs ~0.3 m/s per km (v/4a at 220 km), plus about as much more in the final burn
from the higher orbit: ~16 m/s for the ~28 km the hardest of 24 start phases needs. It is
tried only when the lowering series cannot centre the footprint within ``cross_tolerance``
(``phasing_raise`` m above the stack's mean perigee at most, default 40 km); its Δv and
propellant are the first entries of the plan's burns like a lowering burn's. Coverage of 24
start phases: 22/24 within 25 km without it, 24/24 with it (benchmarks/RESULTS.md).

The lowering series (:func:`plan_lowering_burns`): ``burns`` retrograde burns one revolution
apart, each an equal step of the vacuum perigee from the stack's mean perigee to the series
perigee, Δv by vis-viva at the mean apogee radius. During the iterations the footprint is flown
with the two extreme-ballistic-coefficient fragment types (they make heel and toe); the final
plan is flown with the whole fragment list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from deorbit.core.constants import G0, GM_EARTH, WGS84_A
from deorbit.core.geodesy import great_circle_distance
from deorbit.core.kepler import perigee_apogee_radius
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import RETROGRADE, FiniteBurn, ImpulsiveBurn, propellant_for_dv
from deorbit.errors import BurnError, InfeasibleError, InputError
from deorbit.propagation.events import BREAKUP_ALTITUDE
from deorbit.propagation.mean_elements import MeanElements, mean_elements
from deorbit.propagation.numerical import NumericalPropagator
from deorbit.reentry.breakup import BREAKUP_DELTA_V, release
from deorbit.reentry.casualty import EFFECTIVE_PERIGEE_LIMIT
from deorbit.reentry.entry import EntryResult, fly_to_breakup
from deorbit.reentry.footprint import Footprint, along_cross, fly_fragments
from deorbit.reentry.fragments import FragmentList, default_iss_fragments
from deorbit.reentry.zones import SPOUA_PROXY, TargetZone

FINAL_BURN = "final burn"
DEFAULT_TARGET_PERIGEE = 0.0
"""Default vacuum perigee after the final burn, m above the equatorial radius: 0 km, well
below the 50 km "effective perigee" ceiling of NASA-STD-8719.14C §4.6.5.9 (steeper entry,
shorter footprint)."""


EFFECTIVE_PERIGEE_GOAL = EFFECTIVE_PERIGEE_LIMIT - 10e3
"""Highest effective perigee (m) the final burn is allowed to leave before more delta-v is
added: 10 km (our margin) under the 50 km ceiling of NASA-STD-8719.14C §4.6.5.9."""
PERIGEE_PER_DELTA_V = -4.0 * 6.6e6 / 7.79e3
"""First guess of d(perigee)/d(delta-v), m per m/s, for a retrograde burn in a near-circular
orbit at ~220 km: -4 r / v (vis-viva, small delta-v; r 6,600 km, v 7.79 km/s)."""


@dataclass(frozen=True)
class Engine:
    """The deorbit engine(s): total ``thrust`` N, specific impulse ``isp`` s, direction in the
    local orbital ``frame`` (retrograde by default)."""

    thrust: float
    isp: float
    direction: tuple[float, float, float] = RETROGRADE
    frame: str = "VNC"

    def __post_init__(self) -> None:
        for key in ("thrust", "isp"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"engine {key} must be > 0, got {value!r}")

    def burn(
        self, mass: float, delta_v: float, centre: float, name: str = FINAL_BURN
    ) -> FiniteBurn:
        """A finite burn of ideal ``delta_v`` m/s for a stack of ``mass`` kg, centred at
        ``centre`` s after the epoch (rocket equation for the propellant)."""
        if not (math.isfinite(delta_v) and delta_v > 0):
            raise BurnError(f"{name}: delta-v must be > 0 m/s, got {delta_v}")
        propellant = propellant_for_dv(mass, delta_v, self.isp)
        duration = propellant / (self.thrust / (self.isp * G0))
        return FiniteBurn(
            centre - 0.5 * duration,
            duration,
            self.thrust,
            self.isp,
            self.direction,
            self.frame,
            name,
        )


def _apogee_speed(ra: float, rp: float) -> float:
    """Speed (m/s) at apogee radius ``ra`` of an orbit with perigee radius ``rp`` (vis-viva)."""
    return math.sqrt(2.0 * GM_EARTH * rp / (ra * (ra + rp)))


def perigee_lowering_delta_v(r: np.ndarray, v: np.ndarray, target_perigee: float) -> float:
    """Impulsive retrograde Δv (m/s) at position ``r`` that puts the vacuum perigee at
    ``target_perigee`` m above the equatorial radius (vis-viva; the burn point becomes apogee)."""
    rn = float(np.linalg.norm(r))
    rp = WGS84_A + target_perigee
    if not 0 < rp < rn:
        raise InputError(f"target perigee {target_perigee / 1e3:g} km is not below the stack")
    return max(float(np.linalg.norm(v)) - _apogee_speed(rn, rp), 0.0)


@dataclass
class TargetingResult:
    """The planned burns, the resulting entry and footprint, and the misses (m).

    ``burns`` holds the perigee-lowering burns then the final burn, times in s after the
    epoch of ``state`` (the state the plan starts from); ``delta_v`` the ideal Δv (m/s) of each
    burn in that order; ``planned_perigees`` the vacuum perigee (m above the equatorial radius)
    each lowering burn aims at; ``series_perigee`` the last of them (None without a series).
    """

    burns: list[FiniteBurn | ImpulsiveBurn]
    final_burn: FiniteBurn
    final_delta_v: float
    entry: EntryResult
    footprint: Footprint
    along_miss: float
    cross_miss: float
    revolution: int
    iterations: int
    effective_perigee: float
    history: list[tuple[float, float]] = field(default_factory=list)
    delta_v: list[float] = field(default_factory=list)
    planned_perigees: list[float] = field(default_factory=list)
    series_perigee: float | None = None
    state: State | None = None
    cross_history: list[tuple[float, float]] = field(default_factory=list)
    series_delay: float = 0.0
    branch: int = 0
    phasing_delta_v: float = 0.0

    @property
    def lowering_burns(self) -> list[FiniteBurn | ImpulsiveBurn]:
        """The burns before the final burn."""
        return [b for b in self.burns if b is not self.final_burn]

    def perigee_after(self, burn: FiniteBurn, zonal_degree: int = 6) -> float:
        """Mean vacuum perigee (m above the equatorial radius) just after ``burn``, from the
        flown trajectory (mean elements remove the J2 short-period swing of the osculating
        perigee, several km at 220 km)."""
        ev = self.entry.trajectory.event(f"{burn.name} end")
        if ev is None:
            raise InfeasibleError(f"the flight has no end of {burn.name!r}")
        me = mean_elements(State(ev.time, ev.y[:3], ev.y[3:6]), zonal_degree)
        return me.a * (1.0 - me.e) - WGS84_A


def fly_plan(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    burns: Sequence[FiniteBurn | ImpulsiveBurn],
    fragments: FragmentList,
    breakup_altitude: float = BREAKUP_ALTITUDE,
    breakup_dv: float = BREAKUP_DELTA_V,
    seed: int = 0,
    max_duration: float = 3 * 86400.0,
) -> tuple[EntryResult, Footprint | None]:
    """Fly the burns to breakup and the pieces to the ground (footprint None when the stack
    does not reach the breakup altitude within ``max_duration`` s)."""
    entry = fly_to_breakup(state, spacecraft, forces, burns, breakup_altitude, max_duration)
    if not entry.reached:
        return entry, None
    cloud = release(entry.y, fragments, breakup_dv, seed)
    return entry, fly_fragments(entry.time, cloud, forces, fragments)


def _effective_perigee(entry: EntryResult, name: str) -> float:
    ev = entry.trajectory.event(f"{name} end")
    if ev is None:
        return math.nan
    rp, _ = perigee_apogee_radius(ev.y[:3], ev.y[3:6])
    return float(rp) - WGS84_A


@dataclass
class _Along:
    """Outcome of the along-track iteration."""

    entry: EntryResult
    footprint: Footprint
    burn: FiniteBurn
    along: float
    cross: float
    iterations: int
    history: list[tuple[float, float]]


def _target_along(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    engine: Engine,
    lowering: list[FiniteBurn | ImpulsiveBurn],
    mass: float,
    dv: float,
    centre: float,
    ground_speed: float,
    zone: TargetZone,
    fragments: FragmentList,
    breakup_altitude: float,
    breakup_dv: float,
    seed: int,
    tolerance: float,
    max_iterations: int,
) -> _Along:
    """Move the final burn's centre (s) until the footprint centre's along-track miss is
    below ``tolerance`` m: first step by the ground speed, then secant steps."""
    aim_lat, aim_lon = zone.aim
    history: list[tuple[float, float]] = []
    prev: tuple[float, float] | None = None
    for it in range(1, max_iterations + 1):
        burn = engine.burn(mass, dv, centre)
        entry, fp = fly_plan(
            state,
            spacecraft,
            forces,
            [*lowering, burn],
            fragments,
            breakup_altitude,
            breakup_dv,
            seed,
            max_duration=centre + 6 * 3600.0,
        )
        if fp is None:
            raise InfeasibleError(
                f"final burn of {dv:.1f} m/s at t+{centre:.0f} s does not bring the stack down",
                None,
            )
        c_lat, c_lon = fp.centre
        a, c = along_cross(aim_lat, aim_lon, fp.azimuth, np.array([c_lat]), np.array([c_lon]))
        miss = float(a[0])  # > 0: footprint centre downrange of the aim
        history.append((centre, miss))
        if abs(miss) <= tolerance:
            return _Along(entry, fp, burn, miss, float(c[0]), it, history)
        if prev is not None and prev[1] != miss:
            slope = (miss - prev[1]) / (centre - prev[0])
        else:
            slope = ground_speed
        prev = (centre, miss)
        centre = centre - miss / slope
    raise InfeasibleError(
        f"targeting did not converge in {max_iterations} iterations "
        f"(last along-track miss {history[-1][1] / 1e3:.1f} km)",
        None,
    )


def _coast(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    lowering: Sequence[FiniteBurn | ImpulsiveBurn],
    until: float,
):
    """The stack's flight without the final burn, sampled every 10 s, with its ground track
    (lat, lon rad) and ground speed (m/s, median)."""
    coast = NumericalPropagator(forces).propagate(
        state, spacecraft, until, burns=lowering, output_step=10.0
    )
    q = coast.quantities()
    lat, lon = q["latitude"], q["longitude"]
    step = great_circle_distance(lat[1:], lon[1:], lat[:-1], lon[:-1]) / np.diff(coast.t)
    return coast, lat, lon, float(np.median(step))


def _lead(coast, lat, lon, fp: Footprint, centre: float, period: float) -> float:
    """Time from a burn centred at ``centre`` s to the coast track's pass over the footprint
    centre, s (searched within two revolutions after the burn)."""
    c_lat, c_lon = fp.centre
    window = np.flatnonzero((coast.t >= centre) & (coast.t <= centre + 2 * period))
    if window.size == 0:
        raise InfeasibleError("the coast ends before the footprint's revolution", None)
    d = great_circle_distance(lat[window], lon[window], c_lat, c_lon)
    return float(coast.t[window[int(np.argmin(d))]]) - centre


def plan_final_burn(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    engine: Engine,
    *,
    fragments: FragmentList | None = None,
    zone: TargetZone = SPOUA_PROXY,
    delta_v: float | None = None,
    target_perigee: float = DEFAULT_TARGET_PERIGEE,
    lowering_burns: Sequence[FiniteBurn | ImpulsiveBurn] = (),
    earliest: float = 600.0,
    search_window: float = 86400.0,
    breakup_altitude: float = BREAKUP_ALTITUDE,
    breakup_dv: float = BREAKUP_DELTA_V,
    tolerance: float = 5e3,
    max_iterations: int = 8,
    seed: int = 0,
) -> TargetingResult:
    """Plan the final burn (along-track only) so that the footprint centre falls on
    ``zone``'s aim point, given lowering burns: the revolution whose coast track passes
    closest to the aim within ``search_window`` s, then the burn time.

    ``earliest`` s after the epoch (and after the lowering burns) is the earliest burn start.
    :func:`plan_final_phase` also plans the lowering burns and corrects the cross-track miss.

    Raises
    ------
    InfeasibleError
        No revolution passes the aim or the iteration does not converge.
    """
    fragments = fragments or default_iss_fragments()
    lowering = list(lowering_burns)
    t_free = max([earliest] + [b.end for b in lowering])
    coast, lat, lon, ground_speed = _coast(
        state, spacecraft, forces, lowering, t_free + search_window
    )
    t = coast.t
    if t[-1] < t_free + 0.5 * search_window:
        raise InfeasibleError("the stack reenters before the search window ends", None)
    aim_lat, aim_lon = zone.aim
    dist = great_circle_distance(lat, lon, aim_lat, aim_lon)
    k_free = int(np.searchsorted(t, t_free))
    y_free = coast.y[k_free]
    mass_free = float(y_free[6])
    dv = (
        delta_v
        if delta_v is not None
        else perigee_lowering_delta_v(y_free[:3], y_free[3:6], target_perigee)
    )
    a = float(np.linalg.norm(y_free[:3]))
    period = 2 * math.pi * math.sqrt(a**3 / GM_EARTH)

    # trial: lead time from burn centre to the coast-track pass over the footprint centre
    half = engine.burn(mass_free, dv, 0.0).duration / 2
    trial_centre = t_free + half
    trial = _target_along(
        state, spacecraft, forces, engine, lowering, mass_free, dv, trial_centre, ground_speed,
        zone, fragments, breakup_altitude, breakup_dv, seed, math.inf, 1,
    )  # fmt: skip
    lead = _lead(coast, lat, lon, trial.footprint, trial_centre, period)

    # candidate passes: local minima of the distance to the aim, one per revolution
    mins = np.flatnonzero((dist[1:-1] < dist[:-2]) & (dist[1:-1] <= dist[2:])) + 1
    ok = [k for k in mins if t[k] - lead - half >= t_free]
    if not ok:
        raise InfeasibleError("no revolution in the search window passes near the aim point", None)
    best = min(ok, key=lambda k: dist[k])
    revolution = int(np.sum(mins < best))
    res = _target_along(
        state, spacecraft, forces, engine, lowering, mass_free, dv, float(t[best]) - lead,
        ground_speed, zone, fragments, breakup_altitude, breakup_dv, seed, tolerance,
        max_iterations,
    )  # fmt: skip
    return TargetingResult(
        [*lowering, res.burn],
        res.burn,
        dv,
        res.entry,
        res.footprint,
        res.along,
        res.cross,
        revolution,
        res.iterations,
        _effective_perigee(res.entry, FINAL_BURN),
        res.history,
        state=state,
    )


# -- perigee-lowering series and cross-track control ------------------------------------------


def plan_lowering_burns(
    state: State,
    mass: float,
    engine: Engine,
    burns: int,
    perigee: float,
    first: float = 600.0,
    zonal_degree: int = 6,
    mean: MeanElements | None = None,
) -> tuple[list[FiniteBurn], list[float], list[float]]:
    """The perigee-lowering series: ``burns`` retrograde finite burns one (mean) revolution
    apart, the first centred ``first`` s after the state's epoch, each taking an equal step
    off the vacuum perigee (m above the equatorial radius) from the state's mean perigee down to
    ``perigee``. The burn point becomes the apogee, so each Δv follows from vis-viva at the
    mean apogee radius; the propellant from the rocket equation on the stack's ``mass`` kg.

    ``mean`` (the state's mean elements) saves recomputing them.

    Returns (burns, ideal Δv per burn m/s, planned perigee after each burn m).
    """
    if burns < 1:
        raise InputError(f"the lowering series needs at least 1 burn, got {burns}")
    me = mean if mean is not None else mean_elements(state, zonal_degree)
    ra, rp0 = me.a * (1.0 + me.e), me.a * (1.0 - me.e)
    rp_end = WGS84_A + perigee
    if not WGS84_A < rp_end < rp0:
        raise InputError(
            f"series perigee {perigee / 1e3:g} km is not below the stack's perigee "
            f"{(rp0 - WGS84_A) / 1e3:.1f} km"
        )
    period = 2.0 * math.pi * math.sqrt(me.a**3 / GM_EARTH)
    steps = [rp0 + (rp_end - rp0) * (k + 1) / burns for k in range(burns)]
    out, dvs, m = [], [], mass
    before = rp0
    for k, rp in enumerate(steps):
        dv = _apogee_speed(ra, before) - _apogee_speed(ra, rp)
        b = engine.burn(m, dv, first + k * period, f"perigee-lowering burn {k + 1}")
        out.append(b)
        dvs.append(dv)
        m -= b.propellant
        before = rp
    return out, dvs, [float(rp - WGS84_A) for rp in steps]


PROGRADE = (1.0, 0.0, 0.0)
"""Posigrade thrust direction in the VNC frame."""
DEFAULT_PHASING_RAISE = 40e3
"""Default reach of the posigrade phasing burn: up to 40 km above the stack's mean perigee, m
(our choice from the coverage sweep, ``benchmarks/targeting_coverage.py``: the hardest of 24
start phases needs ~28 km, ~1 deg of track spacing between sampled phases adds ~6 km; module
docstring)."""
PHASING_BURN = "phasing burn"


def plan_phasing_burn(
    state: State,
    mass: float,
    engine: Engine,
    perigee: float,
    first: float = 600.0,
    zonal_degree: int = 6,
    mean: MeanElements | None = None,
) -> tuple[list[FiniteBurn], list[float], list[float]]:
    """The posigrade phasing burn: one finite burn centred ``first`` s after the state's epoch
    that raises the apsis opposite the burn point (taken at the mean apogee radius) from the
    state's mean perigee to ``perigee`` m above the equatorial radius; above the burn point
    that apsis becomes the new apogee and the burn point the new perigee. It lengthens the
    period instead of shortening it (module docstring, "phasing burn"). Δv by vis-viva at the
    mean apogee radius, propellant by the rocket equation on ``mass`` kg.

    Returns ([burn], [ideal Δv m/s], [planned perigee m]) like :func:`plan_lowering_burns`.
    """
    me = mean if mean is not None else mean_elements(state, zonal_degree)
    ra, rp0 = me.a * (1.0 + me.e), me.a * (1.0 - me.e)
    rp = WGS84_A + perigee
    if not rp > rp0:
        raise InputError(
            f"phasing perigee {perigee / 1e3:g} km is not above the stack's perigee "
            f"{(rp0 - WGS84_A) / 1e3:.1f} km"
        )
    dv = _apogee_speed(ra, rp) - _apogee_speed(ra, rp0)
    b = replace(engine, direction=PROGRADE).burn(mass, dv, first, PHASING_BURN)
    return [b], [dv], [float(perigee)]


def _aim_crossings(
    t: np.ndarray, lat: np.ndarray, lon: np.ndarray, aim_lat: float, aim_lon: float
) -> dict[tuple[int, int], tuple[float, float]]:
    """Where the ground track crosses the aim's latitude: {(revolution, branch): (t s,
    longitude offset from the aim rad, wrapped to ±pi)}; ``revolution`` counts ascending-node
    passes since the start, ``branch`` is +1 northbound, -1 southbound."""
    rev = np.concatenate([[0], np.cumsum((lat[1:] >= 0) & (lat[:-1] < 0))])
    f = lat - aim_lat
    ks = np.flatnonzero(np.sign(f[1:]) != np.sign(f[:-1]))
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for k in ks:
        w = f[k] / (f[k] - f[k + 1])
        dl = (lon[k + 1] - lon[k] + math.pi) % (2 * math.pi) - math.pi
        lon_c = lon[k] + w * dl
        branch = 1 if lat[k + 1] > lat[k] else -1
        offset = (lon_c - aim_lon + math.pi) % (2 * math.pi) - math.pi
        out[(int(rev[k]), branch)] = (float(t[k] + w * (t[k + 1] - t[k])), float(offset))
    return out


def _probe(fragments: FragmentList) -> FragmentList:
    """The fragment types of lowest and highest ballistic coefficient: they make the heel and
    the toe, hence the footprint centre, at a fraction of the cost of the whole list."""
    betas = [t.ballistic_coefficient for t in fragments.types]
    lo, hi = int(np.argmin(betas)), int(np.argmax(betas))
    types = (fragments.types[lo],) if lo == hi else (fragments.types[lo], fragments.types[hi])
    return FragmentList(types, fragments.source)


def plan_final_phase(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    engine: Engine,
    *,
    fragments: FragmentList | None = None,
    zone: TargetZone = SPOUA_PROXY,
    series_burns: int = 2,
    series_perigee: float = 180e3,
    perigee_range: tuple[float, float] = (160e3, 210e3),
    final_after: float = 4 * 86400.0,
    window: float = 0.5 * 86400.0,
    first: float = 600.0,
    delays: Sequence[float] = (0.0, 86400.0, 2 * 86400.0),
    target_perigee: float = DEFAULT_TARGET_PERIGEE,
    breakup_altitude: float = BREAKUP_ALTITUDE,
    breakup_dv: float = BREAKUP_DELTA_V,
    along_tolerance: float = 5e3,
    cross_tolerance: float = 5e3,
    cross_limit: float = 25e3,
    grid: int = 6,
    max_cross_iterations: int = 6,
    phasing_raise: float = DEFAULT_PHASING_RAISE,
    seed: int = 0,
    robust_perigee: float | None = None,
) -> TargetingResult:
    """Plan the lowering series and the final burn from ``state`` (start of the final phase)
    so that the footprint centre lands on ``zone``'s aim point, along AND across the track.

    The series (``series_burns`` burns, see :func:`plan_lowering_burns`) starts ``first`` s
    after the epoch; the final burn is centred within ``window`` s of ``final_after`` s after
    the first lowering burn. The series perigee is the control of the cross-track miss: it sets
    the period over the coast, hence where the Earth has turned to when a revolution passes the
    aim's latitude. It is searched within ``perigee_range`` m (see the module docstring); with
    ``robust_perigee`` m, within ``[robust_perigee, perigee_range[1]]`` (and the phasing burn)
    first, the whole range only when that finds no plan.

    Raises
    ------
    InfeasibleError
        No revolution within the window can be brought over the aim within the perigee range,
        the stack reenters during the coast, or the cross-track miss stays above
        ``cross_limit`` m.
    """
    if robust_perigee is not None and perigee_range[0] < robust_perigee < perigee_range[1]:
        # series that stay above ``robust_perigee`` first (they survive the coast under a
        # denser atmosphere than the nominal one); the whole range only if none serves
        settings = dict(locals())
        del settings["robust_perigee"]
        settings["perigee_range"] = (robust_perigee, perigee_range[1])
        settings["series_perigee"] = max(series_perigee, robust_perigee)
        try:
            return plan_final_phase(**settings)
        except InfeasibleError:
            pass
    fragments = fragments or default_iss_fragments()
    probe = _probe(fragments)
    lo, hi = perigee_range
    if not lo <= series_perigee <= hi:
        raise InputError(
            f"series perigee {series_perigee / 1e3:g} km outside the searched range "
            f"{lo / 1e3:g}-{hi / 1e3:g} km"
        )
    aim_lat, aim_lon = zone.aim
    zonal = forces.zonal_degree
    mean0 = mean_elements(state, zonal)
    # the series must lower the perigee: keep the range 1 km under the stack's mean perigee
    rp_mean = mean0.a * (1.0 - mean0.e) - WGS84_A
    top = rp_mean - 1e3
    if lo > top:
        raise InfeasibleError(
            f"the stack's mean perigee {(top + 1e3) / 1e3:.1f} km is not above the series "
            f"perigees {lo / 1e3:g}-{hi / 1e3:g} km",
            None,
        )
    hi = min(hi, top)
    series_perigee = min(series_perigee, hi)
    target_t = first + final_after

    def coast_end(start: float) -> float:
        return start + final_after + window + 3 * 3600.0

    until = coast_end(first)

    def coast_for(h: float, start: float):
        if h > rp_mean:
            lowering, dvs, planned = plan_phasing_burn(
                state, spacecraft.mass, engine, h, start, zonal, mean0
            )
        else:
            lowering, dvs, planned = plan_lowering_burns(
                state, spacecraft.mass, engine, series_burns, h, start, zonal, mean0
            )
        coast, lat, lon, speed = _coast(state, spacecraft, forces, lowering, coast_end(start))
        return lowering, dvs, planned, coast, lat, lon, speed

    # 1. nominal coast, trial final burn at the nominal date: the lead from burn centre to the
    #    footprint centre's pass, and the final burn's Δv
    lowering, dvs, planned, coast, lat, lon, speed = coast_for(series_perigee, first)
    if coast.t[-1] < until - 1.0:
        raise InfeasibleError(
            f"with a series perigee of {series_perigee / 1e3:g} km the stack reenters "
            f"{coast.t[-1] / 86400.0:.1f} days into the final phase, before the final burn",
            None,
        )
    k0 = min(int(np.searchsorted(coast.t, target_t)), coast.t.size - 1)
    y0 = coast.y[k0]
    dv = perigee_lowering_delta_v(y0[:3], y0[3:6], target_perigee)
    period = 2 * math.pi * math.sqrt(float(np.linalg.norm(y0[:3])) ** 3 / GM_EARTH)
    trial = _target_along(
        state, spacecraft, forces, engine, lowering, float(y0[6]), dv, target_t, speed, zone,
        probe, breakup_altitude, breakup_dv, seed, math.inf, 1,
    )  # fmt: skip
    lead = _lead(coast, lat, lon, trial.footprint, target_t, period)
    half = trial.burn.duration / 2

    # 2. the aim-latitude crossings of every revolution, over a grid of series start delays
    #    and series perigees; per revolution and branch the longitude offset from the aim as a
    #    function of the series perigee (zero where the track passes over the aim)
    def search(grid_h: np.ndarray) -> list[tuple]:
        candidates: list[tuple] = []
        for delay in delays:
            rows = []
            for h_ in grid_h:
                _l, _d, _p, c, la, lo_, _s = coast_for(float(h_), first + delay)
                # a coast that decays early still serves the revolutions flown 6 h before its end
                cross = _aim_crossings(c.t, la, lo_, aim_lat, aim_lon)
                alive = c.t[-1] - (6 * 3600.0 if c.t[-1] < coast_end(first + delay) - 1 else 0.0)
                rows.append({k: v for k, v in cross.items() if v[0] <= alive})
            t_goal = target_t + delay
            if grid_h.size == 1:  # no perigee range: each revolution as it comes
                for label, (t1, d1) in rows[0].items():
                    centre = t1 - lead
                    if (
                        abs(centre - t_goal) <= window
                        and centre - half >= first + delay + 2 * period
                    ):
                        candidates.append(
                            (round(abs(d1), 4), delay, abs(centre - t_goal), label, lo, 0.0)
                        )
            for j in range(len(grid_h) - 1):
                for label, (t1, d1) in rows[j].items():
                    if label not in rows[j + 1]:
                        continue
                    t2, d2 = rows[j + 1][label]
                    if max(abs(d1), abs(d2)) > math.radians(30.0):
                        continue
                    # zero of the offset within this interval, else its smaller end
                    w = (
                        d1 / (d1 - d2)
                        if d1 * d2 <= 0 and d1 != d2
                        else (0.0 if abs(d1) < abs(d2) else 1.0)
                    )
                    h_star = float(grid_h[j] + w * (grid_h[j + 1] - grid_h[j]))
                    off = abs(d1 + w * (d2 - d1))
                    centre = t1 + w * (t2 - t1) - lead
                    if abs(centre - t_goal) > window or centre - half < first + delay + 2 * period:
                        continue
                    slope = (d2 - d1) / (grid_h[j + 1] - grid_h[j])  # rad of longitude per m
                    candidates.append(
                        (round(off, 4), delay, abs(centre - t_goal), label, h_star, slope)
                    )
            if any(c[0] == 0.0 for c in candidates):
                break  # a revolution passes over the aim: no later start needed
        return candidates

    # cross-track metres per radian of longitude offset at the aim
    c_per_lon = abs(along_cross(aim_lat, aim_lon, trial.footprint.azimuth, aim_lat,
                                aim_lon + 1e-3)[1][0]) / 1e-3  # fmt: skip

    # 3. fly each trial series perigee: along-track targeting, then a secant step on the
    #    footprint centre's cross-track miss
    def refine(candidate: tuple, b_lo: float, b_hi: float) -> tuple | None:
        _off, delay, _gap, label, h, slope_lon = candidate
        start = first + delay
        slope = slope_lon * c_per_lon
        best: tuple | None = None
        prev: tuple[float, float] | None = None
        for _ in range(max_cross_iterations):
            lowering, dvs, planned, coast, lat, lon, speed = coast_for(h, start)
            crossings = _aim_crossings(coast.t, lat, lon, aim_lat, aim_lon)
            if label not in crossings:
                break
            centre = crossings[label][0] - lead
            k = min(int(np.searchsorted(coast.t, centre - half)), coast.t.size - 1)
            y = coast.y[k]
            dv = perigee_lowering_delta_v(y[:3], y[3:6], target_perigee)
            res = _target_along(
                state, spacecraft, forces, engine, lowering, float(y[6]), dv, centre, speed, zone,
                probe, breakup_altitude, breakup_dv, seed, along_tolerance, 8,
            )  # fmt: skip
            cross_history.append((h, res.cross))
            if best is None or abs(res.cross) < abs(best[1].cross):
                best = (h, res, lowering, dvs, planned, dv, float(y[6]), speed, delay, label)
            if abs(res.cross) <= cross_tolerance:
                break
            if prev is not None and prev[1] != res.cross and prev[0] != h:
                slope = (res.cross - prev[1]) / (h - prev[0])
            if slope == 0:
                break
            prev = (h, res.cross)
            h = min(max(h - res.cross / slope, b_lo), b_hi)
            if prev[0] == h:
                break
        return best

    cross_history: list[tuple[float, float]] = []
    grid_h = np.linspace(lo, hi, max(grid, 2)) if hi > lo else np.array([lo])
    candidates = search(grid_h)
    best = refine(min(candidates), lo, hi) if candidates else None
    # the posigrade phasing burn, only where the lowering series cannot centre the footprint
    raise_lo, raise_hi = rp_mean + 1e3, rp_mean + phasing_raise
    if phasing_raise >= 2e3 and (best is None or abs(best[1].cross) > cross_tolerance):
        n_raise = max(3, round(max(grid, 2) * (raise_hi - raise_lo) / max(hi - lo, 10e3)) + 1)
        raised = search(np.linspace(raise_lo, raise_hi, n_raise))
        candidates += raised
        other = refine(min(raised), raise_lo, raise_hi) if raised else None
        if other is not None and (best is None or abs(other[1].cross) < abs(best[1].cross)):
            best = other
    reach = f"series perigees of {lo / 1e3:g}-{hi / 1e3:g} km" + (
        f" or a phasing burn up to {raise_hi / 1e3:.0f} km" if phasing_raise >= 2e3 else ""
    )
    if not candidates:
        raise InfeasibleError(
            f"no revolution within {window / 3600:g} h of the final-burn date passes the aim's "
            f"latitude for {reach}",
            None,
        )
    if best is None or abs(best[1].cross) > cross_limit:
        got = "no flight" if best is None else f"{abs(best[1].cross) / 1e3:.1f} km"
        raise InfeasibleError(
            f"the cross-track miss cannot be brought below {cross_limit / 1e3:g} km "
            f"(best {got}) with {reach}",
            None,
        )
    h, res, lowering, dvs, planned, dv, mass, speed, delay, label = best

    def target_whole(dv: float, burn: FiniteBurn) -> _Along:
        """Along-track targeting with the whole fragment list, from ``burn``'s centre."""
        return _target_along(
            state, spacecraft, forces, engine, lowering, mass, dv,
            burn.start + burn.duration / 2, speed, zone, fragments, breakup_altitude,
            breakup_dv, seed, along_tolerance, 8,
        )  # fmt: skip

    # the whole fragment list, from the probe's burn time
    res = target_whole(dv, res.burn)
    # A long finite burn (from a raised orbit, after a phasing burn) loses so much of its
    # delta-v off the burn point that the effective perigee can end above the ceiling: add
    # delta-v (secant on the effective perigee, vis-viva slope first) and re-target.
    eff = _effective_perigee(res.entry, FINAL_BURN)
    prev: tuple[float, float] | None = None
    for _ in range(3):
        if not eff > EFFECTIVE_PERIGEE_GOAL:
            break
        slope = PERIGEE_PER_DELTA_V
        if prev is not None and dv != prev[0] and (eff - prev[1]) / (dv - prev[0]) < 0:
            slope = (eff - prev[1]) / (dv - prev[0])
        prev = (dv, eff)
        dv = dv + (EFFECTIVE_PERIGEE_GOAL - 10e3 - eff) / slope
        res = target_whole(dv, res.burn)
        eff = _effective_perigee(res.entry, FINAL_BURN)
    return TargetingResult(
        [*lowering, res.burn],
        res.burn,
        dv,
        res.entry,
        res.footprint,
        res.along,
        res.cross,
        label[0],
        res.iterations,
        eff,
        res.history,
        [*dvs, dv],
        planned,
        h,
        state,
        cross_history,
        series_delay=delay,
        branch=label[1],
        phasing_delta_v=float(dvs[0]) if h > rp_mean else 0.0,
    )


def targeting_settings(final) -> dict:
    """The keyword arguments of :func:`plan_final_phase` (SI) from a scenario's
    ``phases.final`` (:class:`deorbit.mission.scenario.FinalSequence`, file units)."""
    day = 86400.0
    lo, hi = final.perigee_range
    return {
        "series_burns": final.series_burns,
        "series_perigee": final.series_perigee_km * 1e3,
        "perigee_range": (lo * 1e3, hi * 1e3),
        "final_after": final.final_burn_after_days * day,
        "window": final.final_burn_window_days * day,
        "delays": tuple(k * day for k in range(math.floor(final.series_delay_max_days) + 1)),
        "target_perigee": final.final_burn_perigee_km * 1e3,
        "cross_tolerance": final.cross_track_tolerance_km * 1e3,
        "cross_limit": final.cross_track_limit_km * 1e3,
        "phasing_raise": final.phasing_raise_max_km * 1e3,
        "robust_perigee": None
        if final.series_perigee_robust_km is None
        else final.series_perigee_robust_km * 1e3,
    }


def failure_burn(burn: FiniteBurn, fraction: float) -> FiniteBurn | None:
    """The final burn cut to ``fraction`` of its duration (None when 0: not executed)."""
    if not 0.0 <= fraction <= 1.0:
        raise InputError(f"burn fraction must be in [0, 1], got {fraction}")
    if fraction == 0.0:
        return None
    return replace(burn, duration=burn.duration * fraction)


FAILURE_MODES = (
    ("not executed", 0.0, 1.0),
    ("stopped halfway", 0.5, 1.0),
    ("under-performing (80 % thrust)", 1.0, 0.8),
)
"""Final-burn failure modes: (name, fraction of the duration flown, fraction of the thrust)."""


@dataclass
class FailureCase:
    """What happens when the final burn fails: ``outcome`` is ``mis-targeted`` (it still comes
    down within hours, at ``lat``/``lon`` rad) or ``uncontrolled``; ``expectation`` is the
    casualty expectation and ``foreign_clearance`` m the smallest distance to foreign land
    (NaN when uncontrolled)."""

    name: str
    outcome: str
    expectation: float
    foreign_clearance: float
    footprint: Footprint | None


def failure_cases(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    plan: TargetingResult,
    fragments: FragmentList | None = None,
    breakup_dv: float = BREAKUP_DELTA_V,
    seed: int = 0,
    window: float = 6 * 3600.0,
) -> list[FailureCase]:
    """Fly each of :data:`FAILURE_MODES`; a stack still above the breakup altitude ``window`` s
    after the planned burn end counts as an uncontrolled reentry (E = DA x orbit-averaged
    population density, NASA-STD-8719.14C Eq. 4.7-2)."""
    from deorbit.reentry.casualty import (
        controlled_expectation,
        land_clearance,
        uncontrolled_expectation,
    )

    fragments = fragments or default_iss_fragments()
    pieces = fragments.pieces()
    inclination = state.keplerian().i
    e_unc = uncontrolled_expectation(pieces["area"], inclination)
    others = plan.lowering_burns
    out = []
    for name, frac, thrust_frac in FAILURE_MODES:
        burn = failure_burn(plan.final_burn, frac)
        if burn is None:
            out.append(FailureCase(name, "uncontrolled", e_unc, math.nan, None))
            continue
        burn = replace(burn, thrust=burn.thrust * thrust_frac)
        _entry, fp = fly_plan(
            state,
            spacecraft,
            forces,
            [*others, burn],
            fragments,
            plan.entry.breakup_altitude,
            breakup_dv,
            seed,
            max_duration=plan.final_burn.end + window,
        )
        if fp is None:
            out.append(FailureCase(name, "uncontrolled", e_unc, math.nan, None))
        else:
            e = controlled_expectation(fp.lat, fp.lon, fp.area)
            foreign, _ = land_clearance(fp.lat, fp.lon)
            out.append(FailureCase(name, "mis-targeted", e, foreign, fp))
    return out
