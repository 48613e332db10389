"""Physical constants, SI units. Each value names its source."""

from __future__ import annotations

# WGS 84 (NIMA TR8350.2, 3rd ed., 2000, Table 3.1): semi-major axis and flattening.
WGS84_A = 6378137.0
"""WGS 84 equatorial radius, m."""
WGS84_F = 1.0 / 298.257223563
"""WGS 84 flattening (dimensionless)."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS 84 first eccentricity squared (dimensionless)."""

# EGM2008 (Pavlis et al. 2012, J. Geophys. Res. 117, B04406): GM and reference radius; the
# same GM as WGS 84 (NIMA TR8350.2 Table 3.1: 3.986004418e14 m^3/s^2).
GM_EARTH = 3.986004418e14
"""Earth's gravitational parameter, m^3/s^2."""
R_EARTH_EGM = 6378136.3
"""EGM2008 reference radius, m."""

# Sun and Moon gravitational parameters: JPL DE430 (Folkner, Williams, Boggs, Park & Kuchynka
# 2014, "The Planetary and Lunar Ephemerides DE430 and DE431", IPN Progress Report 42-196,
# Table 8): GM_Sun = 132712440041.939400 km^3/s^2, GM_Moon = 4902.800066 km^3/s^2.
GM_SUN = 1.327124400419394e20
"""Sun's gravitational parameter, m^3/s^2."""
GM_MOON = 4.902800066e12
"""Moon's gravitational parameter, m^3/s^2."""

# Earth rotation rate (IERS Conventions 2010, Petit & Luzum, Table 1.1; also WGS 84).
OMEGA_EARTH = 7.292115e-5
"""Mean angular velocity of the Earth, rad/s."""

# Standard gravity (CGPM 1901 / ISO 80000-3) for rocket-equation Isp conversions.
G0 = 9.80665
"""Standard acceleration of gravity, m/s^2."""

SECONDS_PER_DAY = 86400.0
"""Seconds per day."""
