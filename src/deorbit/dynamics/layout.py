"""Index layout of the float parameter vector that carries a force-model configuration into the
compiled kernels (numba functions take plain arrays, not objects).

Build the vector with :meth:`deorbit.dynamics.forces.ForceModel.parameters`; never by hand.
"""

from __future__ import annotations

MODEL = 0
"""0 = Cowell (Cartesian state), 1 = orbit-averaged mean elements."""
MU = 1
"""Gravitational parameter, m^3/s^2."""
R_REF = 2
"""Reference radius of the zonal coefficients, m."""
ZONAL_DEGREE = 3
"""Highest zonal degree (0/1 = point mass only; at most 6)."""
J_FIRST = 4
"""``p[J_FIRST + n]`` = J_n for n = 0..6 (slots 4..10)."""
DRAG_ON = 11
"""1.0 when drag is on."""
CDA = 12
"""Drag coefficient times reference area, m^2."""
DENSITY_SCALE = 13
"""Multiplier on the atmosphere model's density (dimensionless)."""
THETA0 = 14
"""Greenwich mean sidereal angle at t = 0, rad."""
OMEGA_EARTH = 15
"""Earth rotation rate used for the frame rotation and the co-rotating atmosphere, rad/s."""
GRID_T0 = 16
"""Seconds to add to t to get the density grid's time (grid epoch offset), s."""
THRUST_ON = 17
"""1.0 while a finite burn is firing."""
THRUST = 18
"""Thrust, N."""
ISP = 19
"""Specific impulse, s."""
THRUST_FRAME = 20
"""0 = VNC (velocity, orbit normal, co-normal), 1 = RSW (radial, along-track, cross-track)."""
THRUST_DIR = 21
"""Slots 21..23: unit thrust direction in that frame."""
G0 = 24
"""Standard gravity for the mass flow, m/s^2."""
N_QUAD = 25
"""Averaged model: quadrature points around the orbit."""
AVG_J2 = 26
"""Averaged model: 1.0 to include the J2 secular drift of the node and perigee."""
MIN_ALTITUDE = 27
"""Altitude (m) below which a state is treated as having hit the ground (stop)."""
THIRD_BODY = 28
"""Cowell: 1.0 to add the Sun's and the Moon's point-mass perturbations."""
TT0 = 29
"""TT days from J2000.0 at t = 0 (for the Sun and Moon positions)."""
FIELD_DEGREE = 30
"""Cowell: degree and order of the full gravity field (0 = the zonal model); its unnormalised
coefficients follow the vector's fixed part, from ``p[SIZE]`` on (C then S, row-major)."""
SIZE = 31
"""Length of the parameter vector's fixed part."""
