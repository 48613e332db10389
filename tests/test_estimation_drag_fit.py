"""Drag-scale fit: recovers a known scale from synthetic histories; fits real TLE histories."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time, TimeDelta
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import Exponential
from deorbit.estimation import FitError, MeanObservation, fit_drag_scale, fit_from_elements
from deorbit.propagation.averaged import AveragedPropagator
from deorbit.propagation.mean_elements import MeanElements

EPOCH = Time("2024-01-01T00:00:00", scale="utc")
START = MeanElements(EPOCH, WGS84_A + 300e3, 1e-4, 0.0, np.radians(51.6), 0.3)
SC = Spacecraft(1.0, 0.01 / 2.2, 2.2)
FORCES = ForceModel(Exponential())


def _synthetic(k_true: float, noise_m: float, seed: int) -> list[MeanObservation]:
    sc = Spacecraft(1.0, SC.drag_area * k_true, 2.2)
    tr = AveragedPropagator(FORCES).propagate(START, sc, 20 * 86400.0, output_step=3600.0)
    t = np.linspace(0.0, 20 * 86400.0, 41)
    a = np.interp(t, tr.t, tr.y[:, 0])
    a += np.random.default_rng(seed).normal(0.0, noise_m, t.size)
    return [
        MeanObservation(EPOCH + TimeDelta(ti, format="sec"), ai, f"#{j}")
        for j, (ti, ai) in enumerate(zip(t, a, strict=True))
    ]


def test_recovers_known_scale_within_its_sigma():
    obs = _synthetic(1.7, noise_m=30.0, seed=3)
    fit = fit_drag_scale(obs, START, SC, FORCES)
    assert abs(fit.k - 1.7) < 3 * fit.sigma_k
    assert fit.sigma_k / fit.k < 0.05
    assert 10.0 < fit.rms < 60.0  # the 30 m noise we added
    assert fit.ballistic_coefficient == pytest.approx(1.0 / (0.01 * fit.k))
    # pure Gaussian noise: only the rare far tail is clipped (this seed has a 3.5-sigma draw)
    assert len(fit.rejected) <= 3
    assert all("sigma" in why for _o, why in fit.rejected)


def test_noise_free_history_gives_exact_scale():
    fit = fit_drag_scale(_synthetic(0.6, 0.0, 0), START, SC, FORCES)
    assert fit.k == pytest.approx(0.6, rel=2e-3)


def test_manoeuvre_and_bad_set_are_rejected_with_reasons():
    obs = _synthetic(1.2, noise_m=20.0, seed=5)
    # a reboost after set 10: every later set 2 km higher; the model must fit only the tail
    obs = obs[:11] + [MeanObservation(o.epoch, o.a + 2000.0, o.label) for o in obs[11:]]
    # a bad set (5 km off)
    obs[25] = MeanObservation(obs[25].epoch, obs[25].a - 5000.0, "bad")
    start = MeanElements(obs[11].epoch, obs[11].a, START.ex, START.ey, START.i, START.raan)
    fit = fit_drag_scale(obs[11:], start, SC, FORCES)
    assert any(o.label == "bad" and "sigma" in why for o, why in fit.rejected)
    fit_all = fit_drag_scale(obs, START, SC, FORCES)
    reasons = [why for _o, why in fit_all.rejected]
    assert sum("manoeuvre" in r for r in reasons) == 11
    assert abs(fit_all.k - 1.2) < max(3 * fit_all.sigma_k, 0.05)


def test_too_few_sets_is_a_clear_error():
    with pytest.raises(FitError, match="need 4"):
        fit_drag_scale(_synthetic(1.0, 0.0, 0)[:3], START, SC, FORCES)


def test_real_history_omid(shared_data):
    from deorbit.environment.atmosphere import NRLMSIS
    from deorbit.environment.space_weather import CelestrakSpaceWeather
    from deorbit.formats.catalog import read_elements

    sets = read_elements(shared_data / "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle")
    forces = ForceModel(NRLMSIS(CelestrakSpaceWeather(), "00"))
    fit = fit_from_elements(sets, forces, window_days=10, at="2009-04-14T00:00:00Z")
    # Omid's B* underestimates its drag; the fit is a well-determined factor of a few
    assert 1.5 < fit.k < 6.0
    assert fit.relative_sigma < 0.05
    assert fit.rms < 500.0
    assert fit.end.mjd <= Time("2009-04-14T00:00:00", scale="utc").mjd


@settings(max_examples=5, deadline=None)
@given(st.floats(0.3, 2.0))  # above ~2.4 this 300 km orbit reenters within the 20 days
def test_property_any_scale_is_recovered(k_true):
    fit = fit_drag_scale(_synthetic(k_true, 0.0, 0), START, SC, FORCES)
    assert fit.k == pytest.approx(k_true, rel=5e-3)
    assert abs(fit.a0_offset) < 5.0


def test_fit_window_starts_after_the_last_manoeuvre(shared_data):
    # the ISS lowered its orbit on 2021-12-03 at 07:58 UTC (NASA ISS blog; ~310 m, Roscosmos):
    # a 10-day window ending on 2021-12-09 must not span it
    from deorbit.environment.atmosphere import NRLMSIS
    from deorbit.environment.space_weather import CelestrakSpaceWeather
    from deorbit.formats.catalog import read_elements

    sets = read_elements(shared_data / "tle/iss/iss_25544_2021-01_2022-03.3le")
    forces = ForceModel(NRLMSIS(CelestrakSpaceWeather(), "00"))
    at = "2021-12-09T12:00:00Z"
    fit = fit_from_elements(sets, forces, window_days=10, at=at)
    burn = Time("2021-12-03T07:58:00", scale="utc").mjd
    assert fit.used[0].epoch.mjd > burn + 1.0
    reasons = {why for _o, why in fit.rejected}
    assert any("lowering near 2021-12-03" in why for why in reasons), reasons
    blind = fit_from_elements(sets, forces, window_days=10, at=at, manoeuvre_check=False)
    assert blind.used[0].epoch.mjd < burn


def test_a_fit_that_comes_down_before_the_date_is_decayed_not_a_start_below_the_interface():
    """A fitted model whose mean altitude passes the 120 km interface before the requested
    date is no start for a prediction (its crossing would never be seen): DecayedError."""
    from dataclasses import replace

    from deorbit.errors import DecayedError
    from deorbit.estimation import fitted_state_at

    fit = fit_drag_scale(_synthetic(1.0, 0.0, 0), START, SC, FORCES)
    # the same history with 200 times the drag: down from 300 km within days
    heavy = replace(fit, k=200.0)
    with pytest.raises(DecayedError, match="before 2024-01-21"):
        fitted_state_at(heavy, FORCES, EPOCH + TimeDelta(20.0, format="jd"))
    # the fitted scale itself stays up: a state at the date, above the interface
    state = fitted_state_at(fit, FORCES, EPOCH + TimeDelta(20.0, format="jd"))
    assert state.a - WGS84_A > 200e3
    assert abs((state.epoch - (EPOCH + TimeDelta(20.0, format="jd"))).to_value("sec")) < 1.0
