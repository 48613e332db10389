"""Reentry window: seeded ensemble, `--at` cut-off, ground track, CLI end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import Time
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.core.spacecraft import Spacecraft
from deorbit.estimation.drag_fit import DragFit
from deorbit.reentry.window import (
    DENSITY_SIGMA,
    DRAG_CHANGE_SIGMA,
    _draw_samples,
    predict_reentry,
    scale_for_time,
)

OMID = "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle"
# Omid (2009-004A) decayed on 2009-04-25 (Space-Track SATCAT decay date; also McDowell's
# Jonathan's Space Report no. 609); the last set in the file is 2009-04-24T20:40.
OMID_DECAY = Time("2009-04-25T12:00:00", scale="utc")


def _fit(k: float, sigma: float) -> DragFit:
    return DragFit(k, sigma, 0.0, 0.0, Spacecraft(1.0, 1.0), None, [], np.zeros(0))


def test_samples_are_seeded_and_spread_as_specified():
    lvl1, s1 = _draw_samples(_fit(2.0, 0.02), ["WEAK", "AVERAGE", "STRONG"], 4000, 7, 0.17)
    lvl2, s2 = _draw_samples(_fit(2.0, 0.02), ["WEAK", "AVERAGE", "STRONG"], 4000, 7, 0.17)
    assert np.array_equal(s1, s2) and np.array_equal(lvl1, lvl2)
    # log-normal with median k: spread = sqrt(ln(1.17)^2 + ln(1.02)^2 + 0.15^2)
    expected = math.hypot(math.log1p(DENSITY_SIGMA), math.log1p(0.02), DRAG_CHANGE_SIGMA)
    assert np.std(np.log(s1)) == pytest.approx(expected, rel=0.05)
    assert np.median(s1) == pytest.approx(2.0, rel=0.02)
    assert np.mean(np.log(s1)) == pytest.approx(math.log(2.0), abs=3 * expected / math.sqrt(4000))
    # AVERAGE drawn half the time, WEAK and STRONG a quarter each
    assert np.mean(lvl1 == 1) == pytest.approx(0.5, abs=0.03)
    assert np.mean(lvl1 == 0) == pytest.approx(0.25, abs=0.03)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rel=st.floats(0.0, 0.5))
def test_a_100_sample_ensemble_is_centred_on_the_fitted_scale_whatever_the_seed(seed, rel):
    """Stratified draws: the median of 100 samples lies within the two middle slices
    (|z| <= ndtri(0.51) = 0.0251) of the fitted scale, for every seed; plain draws wander
    by about 0.125 sigma."""
    lvl, s = _draw_samples(_fit(3.0, 3.0 * rel), ["OBSERVED"], 100, seed, DENSITY_SIGMA)
    sigma = math.sqrt(math.log1p(rel) ** 2 + math.log1p(DENSITY_SIGMA) ** 2 + DRAG_CHANGE_SIGMA**2)
    assert abs(math.log(np.median(s) / 3.0)) <= 0.0251 * sigma
    assert np.all(lvl == 0)


@settings(max_examples=50, deadline=None)
@given(
    power=st.floats(0.5, 2.0),
    target=st.floats(-1.0, 1.0),
)
def test_scale_for_time_inverts_a_monotone_reentry_law(power, target):
    """Reentry time t = c / k**p within the samples: the scale comes back from the time
    (log-log interpolation is exact for a power law); beyond them t ~ 1/k from the end."""
    k = np.geomspace(0.5, 2.0, 9)
    t = 1e6 / k**power
    inside = 1e6 * np.exp(target * math.log(2.0) * power)  # the time of scale 2**-target
    assert scale_for_time(k, t, inside) == pytest.approx(2.0**-target, rel=1e-9)
    later = t.max() * 1.5
    assert scale_for_time(k, t, later) == pytest.approx(k.min() / 1.5, rel=1e-9)
    # samples that stay up (inf) carry no time and are left out
    assert scale_for_time(np.append(k, 0.01), np.append(t, np.inf), inside) == pytest.approx(
        2.0**-target, rel=1e-9
    )


def test_omid_window_contains_the_decay_and_is_reproducible(shared_data):
    from deorbit.formats.catalog import read_elements

    sets = read_elements(shared_data / OMID)
    a = predict_reentry(sets, at="2009-04-20T00:00:00Z", samples=60, seed=3)
    b = predict_reentry(sets, at="2009-04-20T00:00:00Z", samples=60, seed=3, ground_track=False)
    assert a.median == b.median and a.p05 == b.p05
    assert a.p05 < a.median < a.p95
    assert a.p05.mjd - 0.5 <= OMID_DECAY.mjd <= a.p95.mjd + 0.5
    # the trajectories behind the interface points come down at the percentiles they stand
    # for (within 2 % of the remaining time: the nodes' log-log interpolation)
    for key, when in (("p05", a.p05), ("p50", a.median), ("p95", a.p95)):
        remaining = when.mjd - a.as_of.mjd
        assert abs(a.points[key][0].mjd - when.mjd) < 0.02 * remaining, key
    # only sets up to --at were used
    assert a.fit.end.mjd <= Time("2009-04-20T00:00:00", scale="utc").mjd
    gj = a.geojson()
    kinds = [f["geometry"]["type"] for f in gj["features"]]
    assert "MultiLineString" in kinds and kinds.count("Point") >= 3
    for f in gj["features"]:
        if f["geometry"]["type"] == "MultiLineString":
            for line in f["geometry"]["coordinates"]:
                lons = np.array([p[0] for p in line])
                assert np.all(np.abs(np.diff(lons)) < 180)
                # Omid's inclination is 55.44 deg (TLE); geodetic latitude exceeds the
                # geocentric one by at most 0.19 deg (WGS 84 flattening, at 45 deg)
                assert all(abs(p[1]) <= 55.44 + 0.2 for p in line)


def test_cli_reentry_json_and_files(shared_data, tmp_path, capsys):
    code = main(
        [
            "reentry",
            str(shared_data / OMID),
            "--at",
            "2009-04-22T00:00:00Z",
            "--samples",
            "40",
            "--json",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["norad_id"] == 33506 and out["samples"] == 40
    assert "half the first-pass remaining time" in out["fit_window"]
    assert out["p05"] <= out["median"] <= out["p95"]
    assert json.loads((tmp_path / "reentry.geojson").read_text())["type"] == "FeatureCollection"
    assert json.loads((tmp_path / "reentry.json").read_text())["median"] == out["median"]
    # the ensemble's spreads are stated: a 2009 hindcast draws one (observed) solar level
    u = out["uncertainty"]
    assert u["density_sigma"] == DENSITY_SIGMA and u["drag_change_sigma"] == DRAG_CHANGE_SIGMA
    assert u["solar_levels"] == {"OBSERVED": 1.0}
    expected = math.sqrt(
        math.log1p(u["fit_sigma"]) ** 2 + math.log1p(DENSITY_SIGMA) ** 2 + DRAG_CHANGE_SIGMA**2
    )
    assert u["total_log_sigma"] == pytest.approx(expected, rel=1e-12)


def test_cli_errors_are_one_line(shared_data, tmp_path, capsys):
    assert main(["reentry", str(tmp_path / "missing.tle")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["reentry", str(shared_data / OMID), "--at", "2001-01-01T00:00:00Z"]) == 2
    assert "no element sets" in capsys.readouterr().err
    assert main(["reentry", str(shared_data / OMID), "--at", "not a date"]) == 2


STARLINK_44724 = "tle/starlink_histories_2020-2026/starlink_44724.tle.gz"


def test_prediction_after_the_observed_weather_uses_the_forecast_and_says_so(shared_data, capsys):
    from deorbit.environment.space_weather import CelestrakSpaceWeather

    last_observed = CelestrakSpaceWeather().last_observed  # 2026-08-06 in the bundled file
    late = "2026-09-01T00:00:00Z"
    code = main(
        ["reentry", str(shared_data / STARLINK_44724), "--at", late, "--samples", "20", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    # the weather after the last observed day is the WEAK/AVERAGE/STRONG forecast, and the
    # output names the day where the observations end
    assert out["weather"].startswith(f"observed to {last_observed}")
    assert out["weather"].endswith("then forecast")
    assert out["as_of"].startswith("2026-09-01")


def test_prediction_inside_the_forecast_era_draws_the_three_levels(shared_data):
    from deorbit.formats.catalog import read_elements

    sets = read_elements(shared_data / STARLINK_44724)
    # the last set is 2026-05-14T08:15 (139 km); predict from the evening before
    pred = predict_reentry(sets, at="2026-05-13T12:00:00Z", samples=30, ground_track=False)
    assert pred.weather == "observed to the prediction date, then forecast"
    assert set(pred.sample_levels) == {"WEAK", "AVERAGE", "STRONG"}
    # only sets up to --at were fitted
    assert pred.fit.end.mjd <= Time("2026-05-13T12:00:00", scale="utc").mjd


def test_fit_window_spans_half_the_remaining_time():
    from deorbit.estimation.drag_fit import remaining_window_days

    assert remaining_window_days(1.0) == 1.0  # the 1-day floor
    assert remaining_window_days(3.0) == 1.5
    assert remaining_window_days(20.0) == pytest.approx(10.0)
    assert remaining_window_days(500.0) == 60.0  # the cap


def test_omid_median_is_the_fitted_scales_own_reentry_and_the_window_follows_it(shared_data):
    """Hindcast (one solar level): the ensemble's median is the reentry of the fitted scale
    itself (median-1 factors), and the fit window is half the remaining time."""
    from deorbit.formats.catalog import read_elements
    from deorbit.reentry.window import _nominal_interface_s, environment_for

    sets = read_elements(shared_data / OMID)
    pred = predict_reentry(sets, at="2009-04-15T00:00:00Z", samples=101, ground_track=False)
    assert "half the first-pass remaining time" in pred.fit_window
    used_days = (pred.fit.end - pred.fit.used[0].epoch).to_value("day")
    expected_window = 0.5 * float(pred.fit_window.split("remaining time ")[1].split(" d")[0])
    assert used_days <= expected_window + 1e-6 and used_days > expected_window - 1.5
    forces = environment_for(pred.as_of).reference
    t = _nominal_interface_s(pred.start, pred.fit.spacecraft, forces, pred.fit.k, 1e9)
    nominal = pred.start.epoch.mjd + t / 86400.0
    # the sample median of 101 draws scatters by ~2 % of the scale: the fitted scale's own
    # reentry lies between the samples' 40th and 60th percentiles
    p40, p60 = np.percentile(pred.sample_times.mjd, [40, 60])
    assert p40 < nominal < p60


def test_a_short_window_with_too_few_sets_is_doubled_or_the_first_fit_kept(shared_data):
    """Omid with every third set: 1.5 days before the last set the 1-day window holds fewer
    than 4 sets and is doubled (the fit then uses the 2-day sets, and says so); 2.5 days
    before, the 1.5-day window would have to reach the first (altitude-rule) window, so the
    first fit is kept, with the reason."""
    from deorbit.estimation.drag_fit import fit_from_elements
    from deorbit.formats.catalog import read_elements
    from deorbit.reentry.window import environment_for

    thin = read_elements(shared_data / OMID)[::3]
    pred = predict_reentry(thin, at="2009-04-23T12:00:00Z", samples=20, ground_track=False)
    assert pred.fit_window.startswith("1.0 d = half the first-pass remaining time")
    assert pred.fit_window.endswith("widened to 2 d for 4 usable sets")
    usable = [s for s in thin if s.epoch.mjd <= pred.as_of.mjd]
    again = fit_from_elements(usable, environment_for(pred.as_of).reference, window_days=2.0)
    assert pred.fit.k == again.k and pred.fit.used == again.used

    pred = predict_reentry(thin, at="2009-04-22T00:00:00Z", samples=20, ground_track=False)
    assert pred.fit_window.startswith("altitude rule (")
    assert "(need 4 or more)" in pred.fit_window
