"""Mission scenario files (TOML), validated with pydantic.

A scenario describes the station (mass, Cd, drag area per attitude mode), the vehicles with
their engines and propellant, the environment and the phases of the end-of-life descent. Keys
name their unit (``mass_kg``, ``altitude_km``, ``interval_days``); a value is a plain number in
that unit, or a string ``"<number> <unit>"`` in another unit of the same kind (``"420000 m"``
for a ``_km`` key), converted on reading. A unit of the wrong kind, an unknown key, a missing
value or a bad type is one :class:`~deorbit.errors.ScenarioError` naming the file, the line and
the key.

Parsed scenarios hold the file's units (km, days, kg); :mod:`deorbit.mission.descent` converts
to SI where it builds its objects.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from astropy.time import Time
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from deorbit.core.time import to_time
from deorbit.dynamics.gravity import FIELD_MAX_DEGREE
from deorbit.errors import DeorbitError, ScenarioError

SCENARIO_DIR = Path(__file__).with_name("scenarios")
"""The bundled scenarios (package data)."""

# unit -> (kind, factor to the key's base unit of that kind)
_UNITS: dict[str, tuple[str, float]] = {
    "km": ("length", 1.0),
    "m": ("length", 1e-3),
    "kg": ("mass", 1.0),
    "t": ("mass", 1e3),
    "days": ("time", 1.0),
    "d": ("time", 1.0),
    "s": ("time", 1.0 / 86400.0),
    "h": ("time", 1.0 / 24.0),
    "months": ("time", 365.25 / 12.0),
    "years": ("time", 365.25),
    "N": ("force", 1.0),
    "kN": ("force", 1e3),
    "m2": ("area", 1.0),
    "m^2": ("area", 1.0),
}
_QUANTITY = re.compile(r"^\s*([-+0-9.eE]+)\s*([A-Za-z^0-9]+)\s*$")


def _quantity(base: str):
    """A validator accepting a number (in ``base``) or ``"<number> <unit>"`` of the same kind."""
    kind, _ = _UNITS[base]

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            match = _QUANTITY.match(value)
            if not match:
                raise ValueError(f"expected a number in {base} or '<number> <unit>', got {value!r}")
            number, unit = match.groups()
            if unit not in _UNITS:
                raise ValueError(f"unknown unit {unit!r} in {value!r} (expected {base})")
            got_kind, factor = _UNITS[unit]
            if got_kind != kind:
                raise ValueError(
                    f"wrong unit {unit!r} in {value!r}: this key is a {kind} in {base}"
                )
            return float(number) * factor / _UNITS[base][1]
        return value

    return BeforeValidator(convert)


Km = Annotated[float, _quantity("km")]
Kg = Annotated[float, _quantity("kg"), Field(ge=0)]
Days = Annotated[float, _quantity("days"), Field(gt=0)]
Newton = Annotated[float, _quantity("N"), Field(gt=0)]
Area = Annotated[float, _quantity("m2"), Field(gt=0)]
Level = Literal["WEAK", "AVERAGE", "STRONG", "OBSERVED"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Start(_Strict):
    """Where the plan starts: an element-set file (``bundled:iss`` = newest bundled ISS TLE)."""

    elements: str
    norad: int | None = None


class Station(_Strict):
    """The station stack without the USDV: total mass (kg), Cd, drag area per attitude mode."""

    name: str = "ISS"
    mass_kg: Kg
    cd: float = Field(gt=0)
    drag_area_m2: dict[str, Area]
    attitude: str

    @model_validator(mode="after")
    def _attitude_known(self) -> Station:
        if self.attitude not in self.drag_area_m2:
            known = ", ".join(sorted(self.drag_area_m2))
            raise ValueError(f"attitude {self.attitude!r} has no drag area (known: {known})")
        return self


class Vehicle(_Strict):
    """An engine and its propellant: thrust (N), Isp (s), usable propellant (kg); ``mass_kg``
    is the vehicle's own mass added to the stack when it docks (0 for propellant already on
    the station)."""

    role: str = ""
    thrust_n: Newton
    isp_s: float = Field(gt=0)
    propellant_kg: Kg
    mass_kg: Kg = 0.0


class Environment(_Strict):
    """Atmosphere and the solar-activity scenarios to run."""

    atmosphere: Literal["msis00", "msis21"] = "msis00"
    levels: list[Level] = ["WEAK", "AVERAGE", "STRONG"]
    zonal_degree: int = Field(6, ge=2, le=6)
    third_body: bool = False
    """The Sun and the Moon in the numerical (final-phase) propagation."""
    gravity_field: int = Field(0, ge=0, le=FIELD_MAX_DEGREE)
    """0: the zonal model; 2-20: the full EGM96 field to that degree and order in the
    numerical (final-phase) propagation."""

    @model_validator(mode="after")
    def _field(self) -> Environment:
        if self.gravity_field == 1:
            raise ValueError(
                f"gravity_field must be 0 (zonal model) or 2..{FIELD_MAX_DEGREE}, got 1"
            )
        return self


class Operations(_Strict):
    """Reboosts keep the lowest altitude of the mean orbit in ``band_km`` until ``until``."""

    until: str
    band_km: tuple[Km, Km]
    vehicle: str

    @model_validator(mode="after")
    def _band(self) -> Operations:
        lo, hi = self.band_km
        if not 150.0 < lo < hi:
            raise ValueError(
                f"band_km must be [low, high] with 150 < low < high, got {self.band_km}"
            )
        return self


class Lowering(_Strict):
    """Active lowering: retrograde burns every ``interval_days`` taking ``rate_km_per_month``
    off the mean altitude on top of natural decay, from the end of operations until the USDV
    docks."""

    vehicle: str
    rate_km_per_month: float = Field(ge=0)
    interval_days: Days


class UsdvDocking(_Strict):
    """The USDV docks this long before the final reentry burn (its mass joins the stack)."""

    vehicle: str
    months_before_final_burn: float = Field(gt=0)


class CrewDeparture(_Strict):
    """The last crew leaves when the mean altitude falls through ``altitude_km``."""

    altitude_km: Km


class FinalSequence(_Strict):
    """From ``start_altitude_km`` (lowest point of the mean orbit) the USDV lowers perigee in
    ``series_burns`` burns (one revolution apart) to a series perigee near
    ``series_perigee_km``; about ``final_burn_after_days`` after the first of them it does the
    final burn to a vacuum perigee of ``final_burn_perigee_km`` (effective perigee at or below
    ``effective_perigee_km``), aimed at the ``zone``'s aim point.

    Cross-track control: the series perigee is searched within ``series_perigee_range_km`` and
    the series may start up to ``series_delay_max_days`` (whole days) late, the final burn
    within ``final_burn_window_days`` of its nominal date, until the footprint centre's
    cross-track miss is below ``cross_track_tolerance_km`` (no plan above
    ``cross_track_limit_km``). Where no series perigee in the range brings a revolution over
    the aim, one posigrade phasing burn may instead raise the perigee up to
    ``phasing_raise_max_km`` above the stack's mean perigee (a longer period; 0 disables it).
    With ``series_perigee_robust_km``, series perigees at or above it (and the phasing burn)
    are tried first, the rest of the range only when none of them serves.
    ``montecarlo_samples`` dispersed runs of the final phase, and
    ``burn_failure_probability`` for NASA-STD-8719.14C Req. 4.7-1c."""

    vehicle: str
    start_altitude_km: Km
    series_burns: int = Field(ge=1, le=10)
    series_perigee_km: Km
    series_perigee_range_km: tuple[Km, Km] | None = None
    series_delay_max_days: float = Field(2.0, ge=0, le=10)
    series_perigee_robust_km: Km | None = None
    phasing_raise_max_km: Km = Field(40.0, ge=0, le=100)
    final_burn_after_days: Days
    final_burn_window_days: Days = 0.5
    final_burn_perigee_km: Km = 0.0
    effective_perigee_km: Km
    propellant_margin: float = Field(0.1, ge=0, lt=1)
    zone: str = "spoua"
    cross_track_tolerance_km: Km = Field(5.0, gt=0)
    cross_track_limit_km: Km = Field(25.0, gt=0)
    montecarlo_samples: int = Field(1000, ge=1, le=1_000_000)
    burn_failure_probability: float = Field(0.1, ge=0, le=1)

    @model_validator(mode="after")
    def _final_checks(self) -> FinalSequence:
        from deorbit.reentry.zones import ZONES

        if self.zone.lower() not in ZONES:
            raise ValueError(f"zone {self.zone!r} unknown (known: {', '.join(ZONES)})")
        lo, hi = self.perigee_range
        if not lo <= self.series_perigee_km <= hi:
            raise ValueError(
                f"series_perigee_km {self.series_perigee_km:g} outside series_perigee_range_km "
                f"[{lo:g}, {hi:g}]"
            )
        if self.final_burn_perigee_km > self.effective_perigee_km:
            raise ValueError("final_burn_perigee_km must not exceed effective_perigee_km")
        if self.cross_track_tolerance_km > self.cross_track_limit_km:
            raise ValueError("cross_track_tolerance_km must not exceed cross_track_limit_km")
        return self

    @property
    def perigee_range(self) -> tuple[float, float]:
        """Searched series perigees (km): the range given, else the nominal value alone."""
        if self.series_perigee_range_km is None:
            return (self.series_perigee_km, self.series_perigee_km)
        return self.series_perigee_range_km


class Phases(_Strict):
    """The phases of the descent, in order."""

    operations: Operations
    lowering: Lowering
    usdv_docking: UsdvDocking
    crew_departure: CrewDeparture
    final: FinalSequence


class Published(_Strict):
    """Published figures shown beside ours."""

    descent_years: float | None = None
    descent_source: str = ""
    reentry: str | None = None
    reentry_source: str = ""


class Scenario(_Strict):
    """A whole scenario file."""

    name: str
    description: str = ""
    start: Start
    station: Station
    environment: Environment = Environment()
    vehicles: dict[str, Vehicle]
    phases: Phases
    published: Published = Published()

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        p = self.phases
        for where, name in (
            ("phases.operations.vehicle", p.operations.vehicle),
            ("phases.lowering.vehicle", p.lowering.vehicle),
            ("phases.usdv_docking.vehicle", p.usdv_docking.vehicle),
            ("phases.final.vehicle", p.final.vehicle),
        ):
            if name not in self.vehicles:
                raise ValueError(
                    f"{where} = {name!r} is not a vehicle (known: {', '.join(self.vehicles)})"
                )
        to_time(p.operations.until)  # a bad date is an error here, not mid-run
        f = p.final
        lo, hi = f.perigee_range
        if not f.effective_perigee_km < lo <= hi < f.start_altitude_km:
            raise ValueError(
                "phases.final needs effective_perigee_km < series perigees < start_altitude_km"
            )
        if not f.start_altitude_km < p.crew_departure.altitude_km < p.operations.band_km[0]:
            raise ValueError(
                "phases need final.start_altitude_km < crew_departure.altitude_km < "
                "operations.band_km[0]"
            )
        return self

    @property
    def lowering_start(self) -> Time:
        """End of operations = start of the lowering (UTC)."""
        return to_time(self.phases.operations.until)


def _line_of(text: str, key: str) -> int | None:
    """1-based line of the first assignment to ``key`` (or table named ``key``), if any."""
    pattern = re.compile(rf"^\s*(\[+[^\]]*\b{re.escape(key)}\]+|{re.escape(key)}\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _error_message(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return key, f"unknown key {key!r}"
    if kind == "missing":
        return key, f"missing value for {key!r}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return key, f"{key}: {msg}"


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse and validate scenario TOML ``text`` (``source`` names it in messages).

    Raises
    ------
    ScenarioError
        Not TOML, an unknown key, a missing value, a wrong unit or type, an inconsistent phase.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ScenarioError(f"not valid TOML: {exc}", source=source, line=line) from None
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key, message = _error_message(first)
        last = key.split(".")[-1] if key else ""
        line = _line_of(text, last) if last and not last.isdigit() else None
        raise ScenarioError(message, source=source, line=line) from None
    except DeorbitError as exc:  # a bad date inside a validator
        raise ScenarioError(str(exc), source=source) from None


def bundled_scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    """(TOML text, source name) of a bundled scenario name or a file path."""
    path = Path(name_or_path)
    if path.suffix != ".toml" and (SCENARIO_DIR / f"{name_or_path}.toml").exists():
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.exists():
        known = ", ".join(bundled_scenarios())
        raise ScenarioError(
            f"no scenario file or bundled scenario {str(name_or_path)!r} (bundled: {known})"
        )
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read: {exc}", source=str(path)) from None


def load_scenario(name_or_path: str | Path = "iss") -> Scenario:
    """A validated scenario: a bundled name (``"iss"``) or a TOML file path."""
    text, source = scenario_text(name_or_path)
    return parse_scenario(text, source)
