"""Phase policies as manoeuvres on mean elements, and the propellant ledger per vehicle.

Reboosts and lowering burns are short next to the months between them, so in the long-term
(orbit-averaged) part of the descent they are impulsive tangential burns on a near-circular
orbit: ``da = 2 a dv / v`` with ``v = sqrt(GM / a)`` (Gauss' equation for the semi-major axis,
tangential thrust, e -> 0; Vallado, "Fundamentals of Astrodynamics", 4th ed., eq. 9-24).
Propellant follows the rocket equation ``m_p = m0 (1 - exp(-dv / (Isp g0)))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from deorbit.core.constants import GM_EARTH
from deorbit.dynamics.thrust import propellant_for_dv
from deorbit.errors import InfeasibleError

__all__ = ["Ledger", "VehicleAccount", "propellant_for_dv", "tangential_dv_for_da"]


def tangential_dv_for_da(a: float, da: float) -> float:
    """Tangential velocity change (m/s, signed) that changes the semi-major axis ``a`` (m) of a
    near-circular orbit by ``da`` (m)."""
    return math.sqrt(GM_EARTH / a) * da / (2.0 * a)


@dataclass
class VehicleAccount:
    """Propellant and delta-v of one vehicle over the plan (kg, m/s)."""

    name: str
    budget: float
    margin: float
    used: float = 0.0
    delta_v: float = 0.0
    burns: int = 0
    shortfall: float = 0.0

    @property
    def usable(self) -> float:
        """Budget less the reserve, kg."""
        return self.budget * (1.0 - self.margin)

    @property
    def remaining(self) -> float:
        """Propellant left, kg (never negative: what is missing is ``shortfall``)."""
        return max(self.budget - self.used, 0.0)

    def as_dict(self) -> dict[str, float | int | str]:
        """JSON-friendly summary."""
        return {
            "vehicle": self.name,
            "burns": self.burns,
            "delta_v_m_s": self.delta_v,
            "propellant_used_kg": self.used,
            "propellant_budget_kg": self.budget,
            "propellant_remaining_kg": self.remaining,
            "reserve_fraction": self.margin,
            "margin_kg": self.usable - self.used,
            "shortfall_kg": self.shortfall,
        }


@dataclass
class Ledger:
    """Propellant accounts of all vehicles; a burn beyond the usable propellant is recorded
    as a shortfall (the plan is then infeasible) rather than driving a tank negative."""

    accounts: dict[str, VehicleAccount] = field(default_factory=dict)

    def spend(self, vehicle: str, mass: float, dv: float, isp: float) -> float:
        """Book a burn of ``dv`` m/s by ``vehicle`` on a ``mass`` kg stack; returns the
        propellant (kg) it consumes."""
        acc = self.accounts[vehicle]
        need = propellant_for_dv(mass, dv, isp)
        available = acc.usable - acc.used
        if need > available:
            acc.shortfall += need - max(available, 0.0)
        acc.used += need
        acc.delta_v += abs(dv)
        acc.burns += 1
        return need

    @property
    def feasible(self) -> bool:
        """No vehicle needed more than its usable propellant."""
        return all(a.shortfall == 0.0 for a in self.accounts.values())

    def check(self) -> None:
        """Raise :class:`InfeasibleError` naming the first vehicle short of propellant."""
        for acc in self.accounts.values():
            if acc.shortfall > 0:
                raise InfeasibleError(
                    f"{acc.name} needs {acc.used:.0f} kg of propellant but has "
                    f"{acc.usable:.0f} kg usable",
                    shortfall=acc.shortfall,
                )
