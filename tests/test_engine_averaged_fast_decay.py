"""The averaged propagator on very fast decays: it stops at its floor, whatever the drag.

Before the fix, a light object (Cd A/m 0.05 m^2/kg at 300 km with the exponential atmosphere)
made an integrator trial stage jump past the end of the decay (a <= 0 or e >= 1); the density
kernel then raised "non-finite altitude" instead of the step being rejected.
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import Exponential
from deorbit.propagation.averaged import AVERAGING_FLOOR_EVENT, AveragedPropagator
from deorbit.propagation.mean_elements import MeanElements

EPOCH = Time("2024-01-01T00:00:00", scale="utc")
START = MeanElements(EPOCH, WGS84_A + 300e3, 1e-4, 0.0, np.radians(51.6), 0.3)
FORCES = ForceModel(Exponential())
CDA_PER_KG = 0.01
"""m^2/kg at scale 1 (Cd 2.2): from 300 km this object is down in about 49 days."""


def _time_to_floor(scale: float) -> float:
    sc = Spacecraft(1.0, CDA_PER_KG * scale / 2.2, 2.2)
    tr = AveragedPropagator(FORCES).propagate(START, sc, 200 * 86400.0, stop_below=80e3)
    assert tr.stop_reason.startswith(AVERAGING_FLOOR_EVENT)
    return float(tr.t[-1])


@settings(max_examples=12, deadline=None)
@given(st.floats(min_value=0.5, max_value=300.0))
def test_any_drag_stops_at_the_floor_and_the_time_scales_as_one_over_the_drag(scale):
    # a static atmosphere: the decay equation in a is da/dt ~ -k f(a), so t(floor) ~ 1/k exactly
    reference = _time_to_floor(1.0)
    assert abs(_time_to_floor(scale) * scale / reference - 1.0) < 0.01
