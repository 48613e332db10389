"""The fit window's test for a change of the decay rate (drag_fit._after_rate_change) and the
detector's middle-stretch test, on real Starlink tails."""

from __future__ import annotations

import pytest

from deorbit.estimation.drag_fit import FitError, fit_from_elements
from deorbit.formats.catalog import read_elements
from deorbit.reentry.window import environment_for

STARLINK = "tle/starlink_histories_2020-2026"


def _fit(path, at):
    env = environment_for(at, hindcast=True)
    return fit_from_elements(read_elements(path), env.reference, at=at)


def test_start_of_a_lowering_inside_the_window_is_cut(shared_data):
    # Starlink 44236, 2020-08: the mean a falls 1.5 km/day at 245 km until 2020-08-06, then
    # 6 km/day at 240 km and 14 km/day at 225 km (B* 0.7e-3 -> 2e-3): a lowering the detector
    # does not resolve. One constant scale over 08-05 .. 08-08 leaves residuals of +-3 km
    # (rms 1.5 km; the prediction from 08-08 was +105 % late); after the split the fit keeps
    # the sets after the change only
    fit = _fit(shared_data / STARLINK / "starlink_44236.tle.gz", "2020-08-08T16:23:00Z")
    cut = [o for o, w in fit.rejected if "change of the decay rate" in w]
    assert len(cut) >= 4
    assert max(o.epoch.mjd for o in cut) < min(o.epoch.mjd for o in fit.used)
    assert fit.rms < 500.0


def test_end_of_a_lowering_detected_leaves_too_few_sets(shared_data):
    # Starlink 44737, 2025-03: lowered until about 2025-03-18 (8-9 km/day at 270 km, B* 3e-3),
    # natural decay after (4 km/day at 255 km, B* 1.1e-3); the detector finds the change of
    # the decay rate, and 3 sets after it (plus a day to settle) are too few for a fit
    with pytest.raises(FitError, match=r"after the last manoeuvre.*decay-rate change"):
        _fit(shared_data / STARLINK / "starlink_44737.tle.gz", "2025-03-23T01:08:00Z")


def test_natural_decay_is_not_split(shared_data):
    # Omid (natural decay, 2009): no change of the rate in its last days
    path = shared_data / "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle"
    fit = _fit(path, "2009-04-22T00:55:00Z")
    assert not [w for _o, w in fit.rejected if "change of the decay rate" in w]
