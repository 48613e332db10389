"""The fit window's test for a change of the decay rate (drag_fit._after_rate_change)."""

from __future__ import annotations

from deorbit.estimation.drag_fit import SPLIT_FACTOR, fit_from_elements
from deorbit.formats.catalog import read_elements
from deorbit.reentry.window import environment_for


def _fit(path, at):
    env = environment_for(at, hindcast=True)
    return fit_from_elements(read_elements(path), env.reference, at=at)


def test_end_of_a_lowering_inside_the_window_is_cut(shared_data):
    # Starlink 44737: 2025-03-16 -> 03-18 the mean a falls 8-9 km/day (a lowering, B* 3e-3),
    # 03-18 -> 03-20 4 km/day at a lower altitude (natural decay, B* 1.1e-3): one constant
    # scale over both gives residuals of +-2.9 km (rms 1.9 km)
    path = shared_data / "tle/starlink_histories_2020-2026/starlink_44737.tle.gz"
    fit = _fit(path, "2025-03-23T01:08:00Z")
    why = [w for _o, w in fit.rejected if "change of the decay rate" in w]
    assert len(why) == 4
    assert fit.rms < 200.0
    assert all(o.epoch.mjd > w[0].epoch.mjd for o in fit.used for w in fit.rejected)
    assert 0.8 < fit.k < 1.4


def test_natural_decay_is_not_split(shared_data):
    # Omid (natural decay, 2009): no change of the rate in its last days
    path = shared_data / "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle"
    fit = _fit(path, "2009-04-22T00:55:00Z")
    assert not [w for _o, w in fit.rejected if "change of the decay rate" in w]
    assert SPLIT_FACTOR == 2.0  # the detector's CHANGE_FACTOR, not tuned here
