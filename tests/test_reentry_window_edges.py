"""Edges of a reentry window: samples that stay up past the horizon, the solar level each
interface point is flown in, sparse histories, and the progress a long prediction reports."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.errors import InputError
from deorbit.reentry.window import (
    interface_percentiles,
    interpolate_nodes,
    level_for_time,
    predict_reentry,
)

OMID = "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(1.0, 1e9, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.floats(0.0, 100.0), min_size=1, max_size=5),
)
def test_interface_percentiles_are_numpys_when_every_sample_comes_down(times, q):
    got = interface_percentiles(np.array(times), tuple(q))
    assert got == pytest.approx(tuple(np.percentile(times, q)), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(1.0, 1e9, allow_nan=False), min_size=1, max_size=60),
    st.integers(1, 60),
    st.floats(0.0, 100.0),
)
def test_a_percentile_touching_a_sample_still_up_is_after_the_horizon_never_nan(times, up, q):
    t = np.array(times + [math.inf] * up)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's own percentile warns here (inf - inf)
        (got,) = interface_percentiles(t, (q,))
    assert not math.isnan(got)
    s = np.sort(t)
    pos = q / 100.0 * (t.size - 1)
    i = math.floor(pos)
    j = min(i + 1, t.size - 1)
    if math.isfinite(s[i]) and (pos == i or math.isfinite(s[j])):
        # both neighbours came down: numpy's value (a stand-in for "up" changes nothing)
        assert got == pytest.approx(float(np.percentile(np.where(up_mask(t), 1e18, t), q)))
    else:
        assert got == math.inf


def up_mask(t: np.ndarray) -> np.ndarray:
    return ~np.isfinite(t)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 2.0), st.floats(0.3, 0.95))
def test_samples_next_to_a_node_still_up_come_down_when_the_law_says_so(power, cut):
    """Reentry time = C k^-power (a power law the log-log interpolation holds exactly), with the
    horizon placed between two nodes: every sample the law brings down before the horizon gets
    its law time, every other one stays up (inf). Interpolating towards the inf node used to
    count the whole interval as staying up."""
    nodes = np.geomspace(1.0, 5.0, 7)
    law = 100.0 * 86400.0 * nodes**-power
    horizon = float(np.exp(np.log(law[1]) + cut * (np.log(law[0]) - np.log(law[1]))))
    times = np.where(law <= horizon, law, np.inf)
    assert np.isinf(times[0]) and np.isfinite(times[1])
    scales = np.geomspace(1.0, 5.0, 200)
    got = interpolate_nodes(scales, nodes, times, horizon)
    want = 100.0 * 86400.0 * scales**-power
    down = want <= horizon * (1 - 1e-9)
    assert np.allclose(got[down], want[down], rtol=1e-9)
    assert np.all(np.isinf(got[want > horizon * (1 + 1e-9)]))


def test_each_interface_point_is_flown_in_the_solar_level_whose_samples_reach_its_time():
    levels = np.array(["AVERAGE"] * 4 + ["STRONG"] * 3 + ["WEAK"] * 3)
    days = np.array([900, 1000, 1200, 1500, 300, 400, 600, 2000, 3000, math.inf]) * 86400.0
    # inside the reference level's own times: the reference level
    assert level_for_time(levels, days, 1100 * 86400.0, "AVERAGE") == "AVERAGE"
    # an early 5th percentile only the STRONG samples reach (the reference level's scale for
    # it would be an extrapolation, a year off on a long horizon)
    assert level_for_time(levels, days, 350 * 86400.0, "AVERAGE") == "STRONG"
    assert level_for_time(levels, days, 2500 * 86400.0, "AVERAGE") == "WEAK"
    # beyond every sample: the level whose nearest sample is closest in log time
    assert level_for_time(levels, days, 100 * 86400.0, "AVERAGE") == "STRONG"
    assert level_for_time(levels, days, 9000 * 86400.0, "AVERAGE") == "WEAK"


def test_a_window_whose_95_percent_point_is_after_the_horizon_is_open(shared_data):
    """Omid ten days before its decay, followed for 12 days only: more than 5 % of the
    samples are still up at the horizon, so the 95 % point is unknown (None, not the last
    sample that came down), and the truth counts as inside once it is after the 5 % point."""
    from deorbit.formats.catalog import read_elements
    from deorbit.reentry.validation import Row

    sets = read_elements(shared_data / OMID)
    horizon_years = 12.0 / 365.25
    pred = predict_reentry(sets, at="2009-04-15T00:00:00Z", samples=40, horizon_years=horizon_years)
    assert pred.p95 is None and pred.window_hours is None
    assert pred.horizon_end.mjd == pytest.approx(pred.start.epoch.mjd + 12.0, abs=1e-6)
    up = np.isnan(pred.sample_times.jd)
    assert up.sum() > 0.05 * 40
    s = pred.summary()
    assert s["p95"] is None and s["window_hours"] is None
    assert s["horizon_end"].startswith(pred.horizon_end.isot[:16])
    assert "p95" not in s["window_points"] and "p05" in s["window_points"]
    # the track runs over the horizon's last days (where the late samples still fly)
    assert pred.track is not None and pred.track[0][-1].mjd <= pred.horizon_end.mjd + 1e-6
    row = Row("omid", 10, pred.as_of, pred.median, pred.median, pred.p05, None, "", "ok")
    assert row.inside_window


def test_cli_reports_an_open_window_and_refuses_a_bad_horizon(shared_data, capsys):
    args = ["reentry", str(shared_data / OMID), "--at", "2009-04-15T00:00:00Z", "--samples", "40"]
    assert main([*args, "--horizon", str(12.0 / 365.25)]) == 0
    # the table's words in order, across its wrapped lines and borders
    words = " ".join(w for w in capsys.readouterr().out.split() if w not in "│┌┐└┘─┬┴┼├┤")
    assert "(horizon)" in words and "(window open: the 95 % point is after the horizon)" in words
    for bad in ("0", "-1", "nan", "150"):
        assert main([*args, "--horizon", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "horizon must be more than 0" in err


def test_a_sparse_history_widens_the_first_window_and_says_so(shared_data):
    """Omid with one set in twelve (about one every four days): the altitude rule's window
    at 30 days to go holds fewer than 4 sets; it is doubled instead of refusing."""
    from deorbit.formats.catalog import read_elements

    sparse = read_elements(shared_data / OMID)[::12]
    with pytest.raises(InputError):
        predict_reentry(sparse, at="2009-03-26T00:00:00Z", samples=20, horizon_years=-1.0)
    pred = predict_reentry(sparse, at="2009-03-26T00:00:00Z", samples=20, ground_track=False)
    assert "first pass: the altitude rule's" in pred.fit_window
    assert "fewer than 4 usable sets, widened to" in pred.fit_window
    assert len(pred.fit.used) >= 4


def test_predict_reentry_reports_its_progress_to_the_end(shared_data):
    from deorbit.formats.catalog import read_elements

    calls: list[tuple[float, float]] = []
    predict_reentry(
        read_elements(shared_data / OMID),
        at="2009-04-20T00:00:00Z",
        samples=20,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls and calls[-1][0] == calls[-1][1]
    done = [c[0] for c in calls]
    assert done == sorted(done) and len({c[1] for c in calls}) == 1


def test_a_single_element_set_predicts_from_its_calibrated_b_star(shared_data, tmp_path, capsys):
    """One TLE, ten days before Omid's decay: no history to fit, so the drag is the set's B*
    times the factor calibrated on real reentries (2.16), with that calibration's spread (0.63
    in ln k in all). The window holds the decay (2009-04-25: Space-Track SATCAT decay date)."""
    from astropy.time import Time

    from deorbit.estimation.drag_fit import (
        BSTAR_DRAG_FACTOR,
        BSTAR_TOTAL_LOG_SIGMA,
        TooFewSetsError,
    )
    from deorbit.formats.catalog import read_elements
    from deorbit.formats.tle import write_tle_file

    sets = read_elements(shared_data / OMID)
    one = [s for s in sets if s.epoch.mjd <= Time("2009-04-15T00:00:00").mjd][-1:]
    with pytest.raises(TooFewSetsError):
        predict_reentry(one, samples=20, ground_track=False, bstar_fallback=False)
    pred = predict_reentry(one, samples=100, ground_track=False)
    assert pred.fit.kind == "bstar" and pred.fit.k == BSTAR_DRAG_FACTOR
    assert pred.fit_window.startswith("no fit (only 1 usable element set")
    assert pred.uncertainty["total_log_sigma"] == pytest.approx(BSTAR_TOTAL_LOG_SIGMA)
    decay = Time("2009-04-25T12:00:00", scale="utc")
    assert pred.p05 < decay < pred.p95
    # end to end: one line of a TLE file in, a prediction out, the JSON says what it is
    path = tmp_path / "one.tle"
    write_tle_file(path, one)
    assert main(["reentry", str(path), "--samples", "40", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fit"]["kind"] == "bstar" and out["fit"]["sets_used"] == 1


def test_a_placeholder_b_star_in_the_newest_set_is_outvoted(shared_data):
    """Catalogue sets sometimes carry B* = 1e-4 when the drag could not be solved for
    (Starlink 44257 on 2022-01-23: 0.0039 before, 0.0001 then). With three sets the drag is
    their median, not the newest set's."""
    import dataclasses

    from deorbit.estimation.drag_fit import bstar_drag
    from deorbit.formats.catalog import read_elements

    three = read_elements(shared_data / OMID)[100:103]
    three[-1] = dataclasses.replace(three[-1], bstar=1e-4 * min(s.bstar for s in three))
    fit = bstar_drag(three, 0.15, 0.17)
    cda = sorted(s.drag_area_per_mass for s in three)[1]
    assert fit.spacecraft.cd * fit.spacecraft.drag_area / fit.spacecraft.mass == pytest.approx(cda)
    assert fit.start.epoch == three[-1].epoch
