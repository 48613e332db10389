"""Burns: impulsive (a velocity change at an instant) and finite (thrust over a duration),
with propellant accounted for by the rocket equation / mass flow ``T / (Isp g0)``.

Directions are unit vectors in a local orbital frame: ``"VNC"`` (velocity, orbit normal,
co-normal) or ``"RSW"`` (radial, along-track, cross-track). Retrograde is ``(-1, 0, 0)`` in VNC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deorbit.core.constants import G0
from deorbit.errors import BurnError

FRAMES = ("VNC", "RSW")
RETROGRADE = (-1.0, 0.0, 0.0)
"""Against the velocity, in the VNC frame."""


def _unit(direction: tuple[float, float, float], what: str) -> tuple[float, float, float]:
    d = np.asarray(direction, dtype=float)
    n = float(np.linalg.norm(d)) if d.shape == (3,) else 0.0
    if d.shape != (3,) or not np.all(np.isfinite(d)) or n == 0.0:
        raise BurnError(f"{what}: direction must be a non-zero 3-vector, got {direction!r}")
    return (float(d[0] / n), float(d[1] / n), float(d[2] / n))


def propellant_for_dv(mass: float, dv: float, isp: float) -> float:
    """Propellant (kg) for ``|dv|`` (m/s) on a stack of ``mass`` kg at ``isp`` s: the rocket
    equation ``m_p = m0 (1 - exp(-dv / (Isp g0)))``."""
    return mass * (1.0 - math.exp(-abs(dv) / (isp * G0)))


@dataclass(frozen=True)
class FiniteBurn:
    """Thrust ``thrust`` N at specific impulse ``isp`` s from ``start`` (s after the
    propagation epoch) for ``duration`` s, along ``direction`` in ``frame``."""

    start: float
    duration: float
    thrust: float
    isp: float
    direction: tuple[float, float, float] = RETROGRADE
    frame: str = "VNC"
    name: str = "burn"

    def __post_init__(self) -> None:
        for key in ("start", "duration", "thrust", "isp"):
            value = getattr(self, key)
            if not math.isfinite(value):
                raise BurnError(f"{self.name}: {key} must be finite, got {value!r}")
        if self.duration <= 0:
            raise BurnError(f"{self.name}: duration must be > 0 s, got {self.duration}")
        if self.thrust <= 0:
            raise BurnError(f"{self.name}: thrust must be > 0 N, got {self.thrust}")
        if self.isp <= 0:
            raise BurnError(f"{self.name}: Isp must be > 0 s, got {self.isp}")
        if self.frame not in FRAMES:
            raise BurnError(f"{self.name}: frame must be one of {FRAMES}, got {self.frame!r}")
        object.__setattr__(self, "direction", _unit(self.direction, self.name))

    @property
    def end(self) -> float:
        """End of the burn, s after the epoch."""
        return self.start + self.duration

    @property
    def mass_flow(self) -> float:
        """Propellant mass flow, kg/s."""
        return self.thrust / (self.isp * G0)

    @property
    def propellant(self) -> float:
        """Propellant the burn consumes, kg."""
        return self.mass_flow * self.duration

    def delta_v(self, initial_mass: float) -> float:
        """Ideal velocity change (rocket equation) for a stack of ``initial_mass`` kg, m/s."""
        final = initial_mass - self.propellant
        if final <= 0:
            raise BurnError(f"{self.name}: consumes {self.propellant:.0f} kg, more than the mass")
        return self.isp * G0 * math.log(initial_mass / final)


@dataclass(frozen=True)
class ImpulsiveBurn:
    """An instantaneous velocity change ``delta_v`` m/s at ``time`` s after the epoch along
    ``direction`` in ``frame``; the rocket equation with ``isp`` s gives the propellant."""

    time: float
    delta_v: float
    isp: float
    direction: tuple[float, float, float] = RETROGRADE
    frame: str = "VNC"
    name: str = "impulse"

    def __post_init__(self) -> None:
        for key in ("time", "delta_v", "isp"):
            value = getattr(self, key)
            if not math.isfinite(value):
                raise BurnError(f"{self.name}: {key} must be finite, got {value!r}")
        if self.delta_v < 0:
            raise BurnError(f"{self.name}: delta-v must be >= 0 m/s, got {self.delta_v}")
        if self.isp <= 0:
            raise BurnError(f"{self.name}: Isp must be > 0 s, got {self.isp}")
        if self.frame not in FRAMES:
            raise BurnError(f"{self.name}: frame must be one of {FRAMES}, got {self.frame!r}")
        object.__setattr__(self, "direction", _unit(self.direction, self.name))

    @property
    def end(self) -> float:
        """When the impulse is over, s after the epoch: its ``time`` (as :attr:`FiniteBurn.end`
        for a finite burn)."""
        return self.time

    def propellant(self, initial_mass: float) -> float:
        """Propellant consumed by a stack of ``initial_mass`` kg, kg."""
        return propellant_for_dv(initial_mass, self.delta_v, self.isp)

    def apply(self, r: np.ndarray, v: np.ndarray, mass: float) -> tuple[np.ndarray, float]:
        """New velocity (m/s) and mass (kg) after the impulse at state (r, v)."""
        e1, e2, e3 = local_frame(r, v, self.frame)
        d = self.direction
        dv = self.delta_v * (d[0] * e1 + d[1] * e2 + d[2] * e3)
        return v + dv, mass - self.propellant(mass)


def local_frame(r: np.ndarray, v: np.ndarray, frame: str) -> tuple[np.ndarray, ...]:
    """Unit vectors of the VNC or RSW frame at state (r, v), in the inertial frame."""
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    n = np.cross(r, v)
    n = n / np.linalg.norm(n)
    if frame == "VNC":
        vh = v / np.linalg.norm(v)
        return vh, n, np.cross(vh, n)
    rh = r / np.linalg.norm(r)
    return rh, np.cross(n, rh), n
