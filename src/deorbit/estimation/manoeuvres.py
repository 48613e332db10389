"""Manoeuvre detection in a TLE history: where the decay of the mean semi-major axis stops
looking like drag.

The observed quantity is the mean semi-major axis of each element set (SGP4's Brouwer mean
``a``; sets less than an hour apart are one orbit determination). Sets are grouped into nodes
(:data:`NODE_DAYS`), and between consecutive nodes the observed drop of ``a`` is compared with
the drop drag would give: the King-Hele rate ``da/dt = -rho (Cd A / m) sqrt(mu a)`` (King-Hele,
"Satellite Orbits in an Atmosphere", 1987, eq. 3.5, e = 0) with NRLMSIS-00 averaged over
latitude and longitude at the node's altitude and day, **observed** space weather. Intervals are
merged until the model drop is at least :data:`MIN_SNR` times the noise of the drop (the TLE
scatter of ``a`` is estimated from the sets themselves), so every interval gives an apparent drag
scale ``k = observed drop / model drop`` with a relative error of at most about 1/MIN_SNR from the
element sets.

Two kinds of manoeuvre are detected:

* **raise**: the mean ``a`` rises between two intervals by more than :data:`RISE_SIGMA` times the
  noise of the drop (drag cannot raise an orbit);
* **decay-rate change** (a change point): the apparent scale ``log k`` of a stretch between
  raises is split where a two-level model fits best (binary segmentation, weighted least squares);
  a split is accepted when the chi-square falls by more than :data:`CHANGE_CHI2` and the two
  levels differ by more than a factor :data:`CHANGE_FACTOR`. Each ``log k`` carries the TLE noise
  plus a density-model error of :data:`DENSITY_LOG_SIGMA` per interval (day-to-day NRLMSIS error
  after the observed indices; the 15-20 % usually quoted, Emmert 2015, Adv. Space Res. 56, 773,
  rounded up because intervals are short). A thruster that lowers or holds an orbit changes the
  apparent scale by a factor of several; natural decay keeps it within tens of percent from
  week to week.

Everything before the last detected manoeuvre is "not natural decay"; :attr:`ManoeuvreReport.
natural_since` gives the epoch from which the history is drag only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time

from deorbit.core.constants import GM_EARTH, WGS84_A
from deorbit.core.elements import ElementSet
from deorbit.core.time import iso
from deorbit.environment.atmosphere import NRLMSIS, AtmosphereModel
from deorbit.environment.space_weather import CelestrakSpaceWeather
from deorbit.errors import InputError

DEDUP_DAYS = 1.0 / 24.0
"""Sets closer than this are re-issues of one orbit determination (the last one is kept)."""
NODE_DAYS = 0.125
"""Sets within this span are one node (median a); short, so that a node never straddles a burn
between sets a few hours apart."""
MIN_SNR = 4.0
"""An interval is extended until its model drop is at least this many times its noise."""
RISE_SIGMA = 5.0
"""A rise of mean a by more than this many sigma of the drop noise is a manoeuvre."""
MIN_RISE_M = 100.0
"""... and by more than this many metres (TLE mean a scatters by tens of metres set to set)."""
CHANGE_CHI2 = 25.0
"""Chi-square reduction that accepts a change point (5 sigma for one extra parameter)."""
CHANGE_FACTOR = 2.0
"""Smallest factor between the apparent drag scales on either side of an accepted change point."""
LOWERING_FACTOR = 4.0
"""An interval is a lowering only when it lost more than this many times the height drag gives
(besides the sigma and metre limits). ASSUMPTION: geomagnetic storms can raise the density two-
to threefold for hours beyond what the 3-hourly indices give the model, which must not count as
a burn; checked on the natural decays in the shared data (no lowering in their last 70 days)."""
LOCAL_INTERVALS = 6
"""Intervals on either side that give the reference drag scale of the lowering test."""
MERGE_DAYS = 1.0
"""Manoeuvres closer than this are one event (a burn split over intervals, or a reboost and the
unsettled orbit determinations right after it)."""
DENSITY_LOG_SIGMA = 0.25
"""Per-interval density-model error of NRLMSIS-00 with observed indices (log units)."""
MIN_SIGMA_A_M = 10.0
"""Floor of the estimated TLE noise of mean a (m)."""
MAX_ALT_M = 990e3
"""Highest node altitude (m) given to the density model; higher nodes are clipped to it."""
DEFAULT_CDA_PER_KG = 0.01
"""Nominal Cd A / m (m^2/kg) when no set has a positive B*; the fitted scale absorbs it."""
_LAT = np.radians(np.linspace(-60.0, 60.0, 7))
_LON = np.radians(np.arange(0.0, 360.0, 45.0))


@dataclass(frozen=True)
class Manoeuvre:
    """A detected manoeuvre. ``epoch`` is the middle of the interval where it shows;
    ``start``/``end`` bound it (the sets either side). ``delta_a_m`` is the change of the mean
    a not explained by drag (m, + = raised); ``delta_v_m_s`` the equivalent tangential
    delta-v for a circular orbit, ``|delta a| n / 2`` (Gauss, circular)."""

    kind: str
    epoch: Time
    start: Time
    end: Time
    delta_a_m: float
    delta_v_m_s: float
    detail: str

    def describe(self) -> str:
        """One line for reports."""
        return f"{self.kind} near {iso(self.epoch)[:16]} ({self.detail})"


@dataclass
class DecayIntervals:
    """Per-interval decay analysis: times are MJD (UTC); drops in metres (+ = lost height)."""

    t0: np.ndarray
    t1: np.ndarray
    a0: np.ndarray
    observed_drop: np.ndarray
    model_drop: np.ndarray
    sigma_drop: np.ndarray

    @property
    def scale(self) -> np.ndarray:
        """Apparent drag scale observed / model per interval."""
        return self.observed_drop / self.model_drop


@dataclass
class ManoeuvreReport:
    """Manoeuvres found in one history, and the epoch from which it is drag only."""

    manoeuvres: list[Manoeuvre]
    intervals: DecayIntervals
    first: Time
    last: Time
    sigma_a_m: float
    segments: list[tuple[float, float, float]] = field(default_factory=list)
    """(start MJD, end MJD, apparent scale) of each stretch between manoeuvres; the scale is the
    observed over the model drop summed over the stretch."""

    @property
    def natural_since(self) -> Time:
        """End of the last manoeuvre (the first set of the history when there is none)."""
        return self.manoeuvres[-1].end if self.manoeuvres else self.first

    def before(self, when: Time) -> list[Manoeuvre]:
        """Manoeuvres that started before ``when``."""
        return [m for m in self.manoeuvres if m.start.mjd < when.mjd]

    def after(self, when: Time) -> list[Manoeuvre]:
        """Manoeuvres that end after ``when``."""
        return [m for m in self.manoeuvres if m.end.mjd > when.mjd]


def dedup(sets: Sequence[ElementSet]) -> list[ElementSet]:
    """``sets`` by epoch, with re-issues of one orbit determination (sets less than
    :data:`DEDUP_DAYS` apart) reduced to the last one."""
    kept: list[ElementSet] = []
    for s in sorted(sets, key=lambda s: s.epoch.mjd):
        if kept and s.epoch.mjd - kept[-1].epoch.mjd < DEDUP_DAYS:
            kept[-1] = s
        else:
            kept.append(s)
    return kept


def _noise_of_a(t: np.ndarray, a: np.ndarray) -> float:
    """Robust TLE noise of a single set's mean a (m): the scatter of each set about the line
    through its two neighbours, 1.4826 MAD / sqrt(1.5) (the line's own error adds half the
    variance for equal spacing)."""
    if a.size < 5:
        return MIN_SIGMA_A_M
    w = (t[1:-1] - t[:-2]) / np.maximum(t[2:] - t[:-2], 1e-9)
    line = a[:-2] + w * (a[2:] - a[:-2])
    d = a[1:-1] - line
    return max(1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(1.5), MIN_SIGMA_A_M)


def _not_outliers(t: np.ndarray, a: np.ndarray, sigma_a: float) -> np.ndarray:
    """Mask of the sets to keep: a set is a bad set (not a manoeuvre) when it lies more than
    max(RISE_SIGMA sigma, MIN_RISE_M) off the line through its neighbours while the next set
    continues the trend of the two before it (a burn moves every later set; a bad set only
    itself)."""
    keep = np.ones(t.size, dtype=bool)
    lim = max(RISE_SIGMA * sigma_a, MIN_RISE_M)
    for i in range(2, t.size - 1):
        w = (t[i] - t[i - 1]) / max(t[i + 1] - t[i - 1], 1e-9)
        off = a[i] - (a[i - 1] + w * (a[i + 1] - a[i - 1]))
        slope = (a[i - 1] - a[i - 2]) / max(t[i - 1] - t[i - 2], 1e-9)
        trend = a[i + 1] - (a[i - 1] + slope * (t[i + 1] - t[i - 1]))
        if abs(off) > lim and abs(trend) < 0.5 * abs(off):
            keep[i] = False
    return keep


def _nodes(t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(epoch MJD, median a, number of sets) of groups of sets within NODE_DAYS."""
    groups: list[list[int]] = []
    for i in range(t.size):
        if groups and t[i] - t[groups[-1][0]] < NODE_DAYS:
            groups[-1].append(i)
        else:
            groups.append([i])
    tn = np.array([float(np.median(t[g])) for g in groups])
    an = np.array([float(np.median(a[g])) for g in groups])
    nn = np.array([len(g) for g in groups])
    return tn, an, nn


def _orbit_averaged_density(
    mjd: np.ndarray, alt_m: np.ndarray, model: AtmosphereModel
) -> np.ndarray:
    """Model density averaged over 7 latitudes (+-60 deg) x 8 longitudes, kg/m^3."""
    alt = np.clip(alt_m, 80e3, MAX_ALT_M)
    m, la, lo = np.meshgrid(mjd, _LAT, _LON, indexing="ij")
    al = np.broadcast_to(alt[:, None, None], m.shape)
    return model.density(m, la, lo, al).mean(axis=(1, 2))


def nominal_cda_per_kg(sets: Sequence[ElementSet]) -> float:
    """Median B*-derived Cd A / m of ``sets`` (m^2/kg; :data:`DEFAULT_CDA_PER_KG` when no set
    has a positive B*)."""
    cda = [s.drag_area_per_mass for s in sets if s.bstar > 0]
    return float(np.median(cda)) if cda else DEFAULT_CDA_PER_KG


def _series(sets: Sequence[ElementSet]) -> tuple[np.ndarray, np.ndarray, float]:
    """(epoch MJD, mean a m) of the de-duplicated sets and their nominal Cd A / m."""
    ordered = dedup(sets)
    t = np.array([s.epoch.utc.mjd for s in ordered])
    a = np.array([s.semi_major_axis for s in ordered])
    return t, a, nominal_cda_per_kg(ordered)


def decay_intervals(
    t: np.ndarray,
    a: np.ndarray,
    cda_per_kg: float,
    atmosphere: AtmosphereModel | None = None,
) -> tuple[DecayIntervals, float]:
    """Observed vs model drop of the mean a between nodes of the series (``t`` MJD UTC sorted,
    ``a`` mean semi-major axis m; see module doc), with the estimated noise of one value of
    ``a`` (m). ``cda_per_kg``: nominal Cd A / m (m^2/kg). NRLMSIS-00 with observed weather by
    default."""
    t = np.asarray(t, dtype=float)
    a = np.asarray(a, dtype=float)
    if t.size < 4:
        raise InputError(f"manoeuvre detection needs 4 or more element sets, got {t.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.diff(t) > 0)):
        raise InputError("manoeuvre detection needs finite a and strictly increasing epochs")
    sigma_a = _noise_of_a(t, a)
    keep = _not_outliers(t, a, sigma_a)
    t, a = t[keep], a[keep]
    model = atmosphere or NRLMSIS(CelestrakSpaceWeather(), "00")
    tn, an, nn = _nodes(t, a)
    sig_n = sigma_a / np.sqrt(nn)
    rho = _orbit_averaged_density(tn, an - WGS84_A, model)
    rate = rho * cda_per_kg * np.sqrt(GM_EARTH * an) * 86400.0  # m/day of decay
    # the expected drop uses the history's typical apparent scale (B* is rarely the physical
    # Cd A / m): a first pass over node pairs gives it as the median of the positive ratios
    pair_obs = an[:-1] - an[1:]
    pair_mod = 0.5 * (rate[1:] + rate[:-1]) * np.diff(tn)
    ratio = pair_obs / np.maximum(pair_mod, 1e-30)
    k_typ = float(np.median(ratio[ratio > 0])) if np.any(ratio > 0) else 1.0
    k_typ = max(k_typ, 1e-3)
    t0, t1, a0, obs, mod, sig = _walk(tn, an, sig_n, rate, k_typ)
    iv = DecayIntervals(*(np.array(x) for x in (t0, t1, a0, obs, mod, sig)))
    return iv, sigma_a


def _walk(tn, an, sig_n, rate, k_typ):
    """Intervals between nodes, each closed once its expected drop (``k_typ`` x model) is
    MIN_SNR x its noise, at the end of the data, or at a rise (a raise must not be averaged
    away)."""
    t0, t1, a0, obs, mod, sig = [], [], [], [], [], []
    i = 0
    while i < tn.size - 1:
        j = i + 1
        drop = 0.0
        while True:
            drop += 0.5 * (rate[j - 1] + rate[j]) * (tn[j] - tn[j - 1])
            noise = math.hypot(sig_n[i], sig_n[j])
            big_rise = an[j] - an[j - 1] > max(RISE_SIGMA * noise, MIN_RISE_M)
            big_fall = an[j - 1] - an[j] > max(RISE_SIGMA * noise, MIN_RISE_M) + 2 * k_typ * (
                0.5 * (rate[j - 1] + rate[j]) * (tn[j] - tn[j - 1])
            )
            if k_typ * drop >= MIN_SNR * noise or j == tn.size - 1 or big_rise or big_fall:
                break
            j += 1
        t0.append(tn[i])
        t1.append(tn[j])
        a0.append(an[i])
        obs.append(an[i] - an[j])
        mod.append(drop)
        sig.append(math.hypot(sig_n[i], sig_n[j]))
        i = j
    return t0, t1, a0, obs, mod, sig


def _best_split(y: np.ndarray, w: np.ndarray) -> tuple[int, float]:
    """Index splitting y into [:i], [i:] with the largest weighted chi-square reduction."""
    n = y.size
    cw = np.cumsum(w)
    cwy = np.cumsum(w * y)
    cwy2 = np.cumsum(w * y * y)
    tot = cwy2[-1] - cwy[-1] ** 2 / cw[-1]
    best, gain = -1, 0.0
    for i in range(2, n - 1):  # at least two intervals on each side
        left = cwy2[i - 1] - cwy[i - 1] ** 2 / cw[i - 1]
        rw, ry, ry2 = cw[-1] - cw[i - 1], cwy[-1] - cwy[i - 1], cwy2[-1] - cwy2[i - 1]
        right = ry2 - ry**2 / rw
        g = tot - left - right
        if g > gain:
            best, gain = i, float(g)
    return best, gain


def _merge(found: list[Manoeuvre], n_rev: np.ndarray) -> list[Manoeuvre]:
    """Join manoeuvres less than MERGE_DAYS apart (kind of the larger, delta a summed; change
    points are kept apart from impulsive events)."""
    out: list[Manoeuvre] = []
    for m in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and m.start.mjd - prev.end.mjd <= MERGE_DAYS
            and "change" not in prev.kind
            and "change" not in m.kind
        ):
            da = prev.delta_a_m + m.delta_a_m
            kind = prev.kind if abs(prev.delta_a_m) >= abs(m.delta_a_m) else m.kind
            span = (m.end - prev.start).to_value("day")
            verb = "rose" if da >= 0 else "fell"
            dv = abs(da) * float(np.median(n_rev)) / 2.0
            out[-1] = Manoeuvre(
                kind,
                Time(0.5 * (prev.start.mjd + m.end.mjd), format="mjd", scale="utc"),
                prev.start,
                m.end,
                da,
                dv,
                f"mean a {verb} {abs(da):.0f} m net, beyond drag, in {span:.1f} d",
            )
        else:
            out.append(m)
    return out


def _log_scale(iv: DecayIntervals, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log apparent drag scale of intervals ``idx`` and its weight (1 / variance: TLE noise of
    the drop plus the density-model error). A non-positive apparent scale (height held or
    gained, within the noise) is floored at the noise level: its log then says "far less decay
    than drag gives"."""
    kk = np.maximum(iv.scale[idx], iv.sigma_drop[idx] / iv.model_drop[idx])
    sig_log = np.hypot(iv.sigma_drop[idx] / (kk * iv.model_drop[idx]), DENSITY_LOG_SIGMA)
    return np.log(kk), 1.0 / sig_log**2


def _weighted_median(y: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(y)
    c = np.cumsum(w[order])
    return float(y[order][np.searchsorted(c, 0.5 * c[-1])])


def _wmean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def _best_bump(y: np.ndarray, w: np.ndarray) -> tuple[int, int, float]:
    """Indices (i, j) of the middle stretch y[i:j] that, as a level of its own against one
    level for y[:i] and y[j:] together, gives the largest weighted chi-square reduction (each
    part at least two intervals)."""
    n = y.size
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cwy = np.concatenate([[0.0], np.cumsum(w * y)])
    cwy2 = np.concatenate([[0.0], np.cumsum(w * y * y)])
    tot = cwy2[-1] - cwy[-1] ** 2 / cw[-1]
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = (i >= 2) & (j - i >= 2) & (n - j >= 2)
    if not ok.any():
        return -1, -1, 0.0
    iw, jw = i[ok], j[ok]
    mw, my, my2 = cw[jw] - cw[iw], cwy[jw] - cwy[iw], cwy2[jw] - cwy2[iw]
    ow, oy, oy2 = cw[-1] - mw, cwy[-1] - my, cwy2[-1] - my2
    gain = tot - (my2 - my**2 / mw) - (oy2 - oy**2 / ow)
    b = int(np.argmax(gain))
    return int(iw[b]), int(jw[b]), float(gain[b])


def _change_points(y: np.ndarray, w: np.ndarray, lo: int, hi: int, out: list[int]) -> None:
    """Binary segmentation of y[lo:hi] (see module doc); appends accepted split indices. When
    no single split is accepted, a middle stretch at a level of its own (the apparent scale
    falls while a thruster holds the orbit, then returns; or rises while it lowers it, then
    returns) is tested with the same limits: a single split cannot see it, as each side of
    any one split mixes the two levels."""
    if hi - lo < 4:
        return
    i, gain = _best_split(y[lo:hi], w[lo:hi])
    if i >= 0 and gain >= CHANGE_CHI2:
        left = _wmean(y[lo : lo + i], w[lo : lo + i])
        right = _wmean(y[lo + i : hi], w[lo + i : hi])
        if abs(right - left) >= math.log(CHANGE_FACTOR):
            out.append(lo + i)
            _change_points(y, w, lo, lo + i, out)
            _change_points(y, w, lo + i, hi, out)
            return
    if hi - lo < 6:
        return
    i, j, gain = _best_bump(y[lo:hi], w[lo:hi])
    if i < 0 or gain < CHANGE_CHI2:
        return
    mid = _wmean(y[lo + i : lo + j], w[lo + i : lo + j])
    before = _wmean(y[lo : lo + i], w[lo : lo + i])
    after = _wmean(y[lo + j : hi], w[lo + j : hi])
    if min(abs(mid - before), abs(mid - after)) < math.log(CHANGE_FACTOR):
        return
    out.extend([lo + i, lo + j])
    _change_points(y, w, lo, lo + i, out)
    _change_points(y, w, lo + i, lo + j, out)
    _change_points(y, w, lo + j, hi, out)


def detect_manoeuvres(
    sets: Sequence[ElementSet],
    cda_per_kg: float | None = None,
    atmosphere: AtmosphereModel | None = None,
) -> ManoeuvreReport:
    """Raises, lowerings and decay-rate changes in the history ``sets`` of one object (see the
    module doc). ``cda_per_kg`` defaults to the median B*-derived Cd A / m.

    Raises
    ------
    InputError
        Fewer than 4 distinct element sets, or sets of several objects.
    """
    ids = {s.norad_id for s in sets}
    if len(ids) > 1:
        raise InputError(f"manoeuvre detection needs one object's sets, got {len(ids)} objects")
    t, a, cda = _series(sets)
    return detect_in_series(t, a, cda if cda_per_kg is None else cda_per_kg, atmosphere)


def detect_in_series(
    t: np.ndarray,
    a: np.ndarray,
    cda_per_kg: float,
    atmosphere: AtmosphereModel | None = None,
) -> ManoeuvreReport:
    """:func:`detect_manoeuvres` on a series: ``t`` epochs (MJD UTC, increasing), ``a`` mean
    semi-major axes (m), ``cda_per_kg`` the nominal Cd A / m (m^2/kg)."""
    iv, sigma_a = decay_intervals(t, a, cda_per_kg, atmosphere)
    first = Time(float(t[0]), format="mjd", scale="utc")
    last = Time(float(t[-1]), format="mjd", scale="utc")

    def when(mjd: float) -> Time:
        return Time(mjd, format="mjd", scale="utc")

    n_rev = np.sqrt(GM_EARTH / iv.a0**3)  # rad/s

    def impulsive(kind: str, j: int, da: float, detail: str) -> Manoeuvre:
        """An impulsive manoeuvre in interval ``j`` (delta a ``da`` m)."""
        mid = when(0.5 * (iv.t0[j] + iv.t1[j]))
        dv = abs(da) * float(n_rev[j]) / 2.0
        days = f"in {iv.t1[j] - iv.t0[j]:.1f} d"
        return Manoeuvre(kind, mid, when(iv.t0[j]), when(iv.t1[j]), da, dv, f"{detail} {days}")

    found: list[Manoeuvre] = []
    is_raise = -iv.observed_drop > np.maximum(RISE_SIGMA * iv.sigma_drop, MIN_RISE_M)
    for j in np.flatnonzero(is_raise):
        da = float(-iv.observed_drop[j])
        found.append(impulsive("raise", j, da, f"mean a rose {da:.0f} m"))
    # lowerings: an interval that lost far more height than the stretch's typical drag scale
    # gives (an impulsive retrograde burn, e.g. a debris-avoidance manoeuvre)
    is_lower = np.zeros_like(is_raise)
    edges = sorted({0, *(np.flatnonzero(is_raise) + 1).tolist(), iv.t0.size})
    for lo, hi in itertools.pairwise(edges):
        idx = np.arange(lo, hi)
        idx = idx[~is_raise[idx]]
        if idx.size < 3:
            continue
        # the reference scale is local (the neighbours on either side, not the interval
        # itself): a stretch can hold a slow thrusting phase and a drag-only phase
        y, w = _log_scale(iv, idx)
        k_ref = np.empty(idx.size)
        for m in range(idx.size):
            near = [p for p in range(max(0, m - LOCAL_INTERVALS), m + LOCAL_INTERVALS + 1)]
            near = [p for p in near if p != m and p < idx.size]
            k_ref[m] = _weighted_median(y[near], w[near])
        expected = np.exp(k_ref) * iv.model_drop[idx]
        excess = iv.observed_drop[idx] - expected
        # the density error is covered by LOWERING_FACTOR; the sigma test is the TLE noise
        big = (excess > np.maximum(RISE_SIGMA * iv.sigma_drop[idx], MIN_RISE_M)) & (
            iv.observed_drop[idx] > LOWERING_FACTOR * expected
        )
        is_lower[idx[big]] = True
        for j, ex in zip(idx[big], excess[big], strict=True):
            found.append(
                impulsive("lowering", j, -float(ex), f"mean a fell {ex:.0f} m more than drag gives")
            )
    jump = is_raise | is_lower
    # change points in log k within each stretch between raises and lowerings
    segments: list[tuple[float, float, float]] = []
    edges = sorted({0, *(np.flatnonzero(jump) + 1).tolist(), iv.t0.size})
    for lo, hi in itertools.pairwise(edges):
        idx = np.arange(lo, hi)
        idx = idx[~jump[idx]]
        if idx.size == 0:
            continue
        y, w = _log_scale(iv, idx)
        cps: list[int] = []
        _change_points(y, w, 0, idx.size, cps)
        cps.sort()
        bounds = [0, *cps, idx.size]
        local = [
            (
                float(iv.t0[idx[b0]]),
                float(iv.t1[idx[b1 - 1]]),
                # the level as a ratio of sums (unbiased by the noise of single intervals)
                float(np.sum(iv.observed_drop[idx[b0:b1]]) / np.sum(iv.model_drop[idx[b0:b1]])),
            )
            for b0, b1 in itertools.pairwise(bounds)
        ]
        segments.extend(local)
        for n_cp, c in enumerate(cps):
            j0, j1 = idx[c - 1], idx[c]
            kb, ka = local[n_cp][2], local[n_cp + 1][2]
            found.append(
                Manoeuvre(
                    "decay-rate change",
                    when(iv.t0[j1]),
                    when(iv.t0[j0]),
                    when(iv.t1[j1]),
                    0.0,
                    0.0,
                    f"apparent drag scale x{kb:.2g} before, x{ka:.2g} after",
                )
            )
    found = _merge(sorted(found, key=lambda m: m.start.mjd), n_rev)
    segments.sort()
    return ManoeuvreReport(found, iv, first, last, sigma_a, segments)
