"""Propagation results: times, states, events, why it stopped, and saved quantities."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from astropy.time import Time, TimeDelta

from deorbit.core.constants import WGS84_A
from deorbit.core.kepler import perigee_apogee_radius
from deorbit.core.time import iso
from deorbit.errors import InputError
from deorbit.formats.atomic import atomic_path
from deorbit.formats.oem import write_oem


@dataclass(frozen=True)
class Event:
    """Something the propagator found: ``name`` at ``t`` seconds after the epoch, with the state
    there (``y``: Cowell ``[r, v, m]``)."""

    name: str
    t: float
    y: np.ndarray
    epoch: Time

    @property
    def time(self) -> Time:
        """The event's instant."""
        return self.epoch + TimeDelta(self.t, format="sec")

    def __str__(self) -> str:
        return f"{self.name} at {iso(self.time)}"


@dataclass
class Trajectory:
    """A Cowell trajectory: ``t`` (s from ``epoch``), ``y`` (N, 7) = position m, velocity m/s,
    mass kg in TEME; the events found, and ``stop_reason`` in words."""

    epoch: Time
    t: np.ndarray
    y: np.ndarray
    events: list[Event] = field(default_factory=list)
    stop_reason: str = ""
    saved: dict[str, np.ndarray] = field(default_factory=dict)
    frame: str = "TEME"

    @property
    def times(self) -> Time:
        """Output instants as astropy Time."""
        return self.epoch + TimeDelta(self.t, format="sec")

    @property
    def r(self) -> np.ndarray:
        """Positions (N, 3), m."""
        return self.y[:, :3]

    @property
    def v(self) -> np.ndarray:
        """Velocities (N, 3), m/s."""
        return self.y[:, 3:6]

    @property
    def mass(self) -> np.ndarray:
        """Mass (N,), kg."""
        return self.y[:, 6]

    @property
    def end_time(self) -> Time:
        """Last instant."""
        return self.epoch + TimeDelta(float(self.t[-1]), format="sec")

    def followed_by(self, nxt: Trajectory) -> Trajectory:
        """This trajectory continued by ``nxt``, a propagation that starts from this one's last
        state (its first point, the same state, is not repeated); times and events count from
        this one's epoch, and the stop reason is ``nxt``'s."""
        off = float(self.t[-1])
        events = self.events + [Event(e.name, e.t + off, e.y, self.epoch) for e in nxt.events]
        saved = {
            k: np.concatenate([v, nxt.saved[k][1:]])
            for k, v in self.saved.items()
            if k in nxt.saved
        }
        return Trajectory(
            self.epoch,
            np.concatenate([self.t, off + nxt.t[1:]]),
            np.concatenate([self.y, nxt.y[1:]]),
            events,
            nxt.stop_reason,
            saved,
            self.frame,
        )

    def event(self, name: str) -> Event | None:
        """First event called ``name``, if any."""
        return next((e for e in self.events if e.name == name), None)

    def quantities(self) -> dict[str, np.ndarray]:
        """Saved quantities per output point: altitude, latitude, longitude, density (from the
        propagation's own flight conditions) and osculating perigee/apogee altitudes above the
        equatorial radius (m, rad, kg/m^3)."""
        q = dict(self.saved)
        rp, ra = perigee_apogee_radius(self.r, self.v)
        q["perigee_altitude"] = rp - WGS84_A
        q["apogee_altitude"] = ra - WGS84_A
        q["mass"] = self.mass
        return q

    def to_frame(self) -> pd.DataFrame:
        """A table in user units: UTC time, km, km/s, kg, degrees."""
        q = self.quantities()
        df = pd.DataFrame(
            {
                "time_utc": np.char.add(self.times.utc.isot, "Z"),
                "t_s": self.t,
                "x_km": self.y[:, 0] / 1e3,
                "y_km": self.y[:, 1] / 1e3,
                "z_km": self.y[:, 2] / 1e3,
                "vx_km_s": self.y[:, 3] / 1e3,
                "vy_km_s": self.y[:, 4] / 1e3,
                "vz_km_s": self.y[:, 5] / 1e3,
                "mass_kg": self.mass,
            }
        )
        if "altitude" in q:
            df["altitude_km"] = q["altitude"] / 1e3
            df["latitude_deg"] = np.degrees(q["latitude"])
            df["longitude_deg"] = np.degrees(q["longitude"])
            if "density" in q:
                df["density_kg_m3"] = q["density"]
        df["perigee_altitude_km"] = q["perigee_altitude"] / 1e3
        df["apogee_altitude_km"] = q["apogee_altitude"] / 1e3
        return df

    def write(self, path: str | Path) -> Path:
        """Write the trajectory as CSV, Parquet or CCSDS OEM by the file extension (``.csv``,
        ``.parquet``, ``.oem``); atomically (a temporary file renamed into place)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet", ".oem"):
            raise InputError(f"unknown trajectory format {suffix!r}: use .csv, .parquet or .oem")
        if suffix == ".oem":  # write_oem is atomic itself
            write_oem(path, self.times, self.r, self.v, frame=self.frame)
            return path
        with atomic_path(path) as tmp:
            if suffix == ".csv":
                self.to_frame().to_csv(tmp, index=False)
            else:
                self.to_frame().to_parquet(tmp, index=False)
        return path
