"""Atmosphere models: NRLMSIS through pymsis, Vallado's exponential model, scaling.

Reference values come from pymsis's own test suite and from the NRLMSIS 2.1 authors' reference
output shipped with pymsis (``pymsis/tests/msis2.1_test_ref_dp.txt``); every figure below
names its file and row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymsis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.environment import atmosphere as atm
from deorbit.environment.atmosphere import (
    NRLMSIS,
    AtmosphereModel,
    Exponential,
    Scaled,
    mjd_to_datetime64,
)
from deorbit.environment.indices import SolarIndices, SpaceWeatherSource
from deorbit.errors import AtmosphereError

MJD_1970 = 40587.0  # 1970-01-01T00:00 UTC as an MJD (definition: MJD 0 = 1858-11-17)
MJD_2010 = 55197.0  # 2010-01-01T00:00 UTC


class ConstantSource:
    """A space-weather source with the same indices at every instant (test-only)."""

    def __init__(self, f107: float, f107a: float, ap: float | list[float]) -> None:
        self.f107, self.f107a = f107, f107a
        self.ap = np.broadcast_to(np.asarray(ap, dtype=float), (7,))
        self.name = f"constant F10.7={f107} F10.7a={f107a} Ap={self.ap[0]}"

    def indices(self, mjd_utc: np.ndarray) -> SolarIndices:
        n = np.size(mjd_utc)
        return SolarIndices(
            np.full(n, float(self.f107)), np.full(n, float(self.f107a)), np.tile(self.ap, (n, 1))
        )

    def coverage(self) -> tuple[float, float]:
        return (-np.inf, np.inf)


def test_constant_source_is_a_space_weather_source() -> None:
    assert isinstance(ConstantSource(150, 150, 4), SpaceWeatherSource)


# --- NRLMSIS against pymsis's own reference values ---------------------------------------

# pymsis tests/test_msis.py, fixtures `input_data` (2010-01-01T12:00, lon 0, lat 0, alt 200 km,
# F10.7 = F10.7a = 150, ap = 3 for all seven) and `expected_output` / `expected_output00`
# (first element: total mass density, kg/m^3).
PYMSIS_21_RHO = 2.466441e-10
PYMSIS_00_RHO = 2.790941e-10


@pytest.mark.parametrize(
    ("version", "expected", "rtol"),
    [
        # 7 significant digits printed; float32 output: 7e-7 seen for 2.1 (pymsis asserts 1e-5)
        ("2.1", PYMSIS_21_RHO, 2e-6),
        ("00", PYMSIS_00_RHO, 1e-6),
    ],
)
def test_nrlmsis_matches_pymsis_test_suite_values(version: str, expected: float, rtol: float):
    model = NRLMSIS(ConstantSource(150, 150, 3), version)
    rho = model.density(MJD_2010 + 0.5, 0.0, 0.0, 200e3)
    assert rho.shape == ()
    assert rho == pytest.approx(expected, rel=rtol)


# Rows of pymsis/tests/msis2.1_test_ref_dp.txt (NRLMSIS 2.1 reference output of the model
# authors, shipped with pymsis 0.13). Row = line number in that file (line 1 is the header).
# Columns used: iyd (yyddd), sec (UT s), alt (km), glat, glong (deg), f107a, f107, Ap; rho in
# g/cm^3. Printed with 4 significant digits, so agreement is to 2e-3 (as pymsis's own
# test_regression.py asserts).
MSIS21_REF_ROWS = [
    # row, iyd, sec, alt_km, glat, glong, f107a, f107, ap, rho_g_cm3
    (125, 75112, 24270, 205.5, -17.1, -118.0, 70.7, 67.5, 15.0, 0.1131e-12),
    (149, 11328, 8432, 250.0, -6.9, -38.6, 146.0, 140.0, 7.0, 0.5989e-13),
    (173, 10351, 42720, 282.6, -72.0, -99.4, 83.8, 84.1, 4.0, 0.1527e-13),
    (181, 73185, 12398, 354.2, 82.3, 102.8, 87.4, 90.4, 5.0, 0.2862e-14),
    (189, 77229, 78825, 386.7, 22.6, -89.7, 87.8, 85.1, 29.0, 0.2361e-14),
    (197, 79026, 70695, 468.8, -19.5, 44.6, 193.1, 212.7, 28.0, 0.2079e-14),
]


def _iyd_to_mjd(iyd: int, sec: float) -> float:
    """MJD of the reference file's two-digit-year day-of-year ``yyddd`` plus UT seconds
    (years above 60 are 19xx, as pymsis's test_regression.py reads them)."""
    yy, doy = divmod(int(iyd), 1000)
    year = 1900 + yy if yy > 60 else 2000 + yy
    jan1 = np.datetime64(f"{year:04d}-01-01")
    days = (jan1 - np.datetime64("1858-11-17")).astype(int)
    return float(days + doy - 1 + sec / 86400.0)


@pytest.mark.parametrize("row", MSIS21_REF_ROWS, ids=lambda r: f"row{r[0]}")
def test_nrlmsis21_reproduces_authors_reference_rows(row) -> None:
    _, iyd, sec, alt_km, glat, glong, f107a, f107, ap, rho_cgs = row
    model = NRLMSIS(ConstantSource(f107, f107a, ap), "2.1")
    mjd = _iyd_to_mjd(iyd, sec)
    rho = model.density(mjd, np.radians(glat), np.radians(glong), alt_km * 1e3)
    assert rho == pytest.approx(rho_cgs * 1e3, rel=2e-3)  # g/cm^3 -> kg/m^3
    # and exactly what a direct pymsis call gives for the same inputs
    date = np.datetime64(f"{1900 + iyd // 1000 if iyd // 1000 > 60 else 2000 + iyd // 1000}")
    date = date + np.timedelta64(iyd % 1000 - 1, "D") + np.timedelta64(int(sec), "s")
    raw = pymsis.calculate(date, glong, glat, alt_km, f107, f107a, [[ap] * 7], version="2.1")
    assert rho == pytest.approx(float(np.squeeze(raw)[0]), rel=1e-12)


_REF_FILE = Path(pymsis.__file__).parent / "tests" / "msis2.1_test_ref_dp.txt"


@pytest.mark.skipif(not _REF_FILE.exists(), reason="pymsis installed without its test files")
def test_nrlmsis21_all_thermosphere_rows_of_reference_file_in_one_call() -> None:
    """Every row at or above 100 km of msis2.1_test_ref_dp.txt, through one vectorised call
    per row's indices (the source is per-row constant, so one model per row set)."""
    rows = [line.split() for line in _REF_FILE.read_text().splitlines()[1:]]
    rows = [r for r in rows if float(r[2]) >= 100.0]
    assert len(rows) >= 90
    for r in rows:
        iyd, sec, alt, lat, lon, _stl, f107a, f107, ap = (float(x) for x in r[:9])
        model = NRLMSIS(ConstantSource(f107, f107a, ap), "2.1")
        rho = model.density(_iyd_to_mjd(int(iyd), sec), np.radians(lat), np.radians(lon), alt * 1e3)
        assert rho == pytest.approx(float(r[14]) * 1e3, rel=2e-3), r


def test_nrlmsis_is_vectorised_and_broadcasts() -> None:
    model = NRLMSIS(ConstantSource(150, 150, 3), "00")
    alts = np.linspace(150e3, 900e3, 7)
    lats = np.radians(np.linspace(-80, 80, 5))[:, None]
    rho = model.density(MJD_2010 + 0.5, lats, 0.3, alts)
    assert rho.shape == (5, 7)
    one = model.density(MJD_2010 + 0.5, lats[2, 0], 0.3, alts[3])
    assert rho[2, 3] == one


def test_mjd_to_datetime64_is_exact_to_the_microsecond() -> None:
    got = mjd_to_datetime64(np.array([MJD_1970, MJD_2010 + 0.5, 60341.0 + 1.5 / 86400]))
    assert got[0] == np.datetime64("1970-01-01T00:00:00")
    assert got[1] == np.datetime64("2010-01-01T12:00:00")
    assert got[2] == np.datetime64("2024-02-01T00:00:01.500000")


def test_nrlmsis_state_gives_temperature_and_species() -> None:
    model = NRLMSIS(ConstantSource(150, 150, 3), "2.1")
    st_ = model.state(MJD_2010 + 0.5, 0.0, 0.0, np.array([200e3, 400e3]))
    # pymsis tests/test_msis.py expected_output: temperature 9.846238e02 K, N2 2.929253e15 m^-3
    assert st_.temperature[0] == pytest.approx(984.6238, rel=2e-6)
    assert st_.number_density["N2"][0] == pytest.approx(2.929253e15, rel=1e-5)  # pymsis: 1e-5
    assert st_.density.shape == (2,)
    assert np.all(st_.temperature > 0)


def test_models_implement_the_protocol() -> None:
    src = ConstantSource(150, 150, 3)
    for model in (NRLMSIS(src), Exponential(), Scaled(Exponential(), 2.0)):
        assert isinstance(model, AtmosphereModel)
        assert model.name


# --- monotonic decrease, F10.7 sensitivity ------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    day=st.floats(0, 3650),
    lat=st.floats(-np.pi / 2, np.pi / 2),
    lon=st.floats(-np.pi, np.pi),
    f107=st.floats(65, 300),
    ap=st.floats(0, 200),
    version=st.sampled_from(["00", "2.1"]),
)
def test_nrlmsis_density_decreases_with_altitude(day, lat, lon, f107, ap, version) -> None:
    """Strictly decreasing from 150 km up, and 0 > 100 > 150 km. Not between 100 and 150 km:
    under storm-time heating near the poles the model itself can be slightly inverted there
    (hypothesis found NRLMSISE-00 at 86 deg N, F10.7 278, Ap 200: 1.7994e-8 kg/m^3 at 110 km,
    1.8023e-8 at 120 km)."""
    model = NRLMSIS(ConstantSource(f107, f107, ap), version)
    alts = np.linspace(150e3, 1000e3, 86)
    rho = model.density(MJD_2010 + day, lat, lon, alts)
    assert np.all(np.diff(rho) < 0)
    low = model.density(MJD_2010 + day, lat, lon, np.array([0.0, 100e3, 150e3]))
    assert low[0] > low[1] > low[2]


@settings(max_examples=50, deadline=None)
@given(alt=st.floats(0, 3000e3), dz=st.floats(1.0, 500e3))
def test_exponential_density_decreases_with_altitude(alt: float, dz: float) -> None:
    model = Exponential()
    lo, hi = model.density(0.0, 0.0, 0.0, np.array([alt, alt + dz]))
    assert hi < lo


@pytest.mark.parametrize("version", ["00", "2.0", "2.1"])
def test_higher_f107_gives_higher_density_at_400_km(version: str) -> None:
    lats = np.radians(np.array([-60.0, 0.0, 45.0]))
    lons = np.radians(np.array([0.0, 120.0, -100.0]))
    low = NRLMSIS(ConstantSource(70, 70, 4), version).density(MJD_2010 + 0.3, lats, lons, 400e3)
    high = NRLMSIS(ConstantSource(200, 200, 4), version).density(MJD_2010 + 0.3, lats, lons, 400e3)
    assert np.all(high > 2.0 * low)  # a factor of several between solar minimum and maximum
    daily_only = NRLMSIS(ConstantSource(150, 70, 4), version).density(
        MJD_2010 + 0.3, lats, lons, 400e3
    )
    assert np.all(daily_only > low)


def test_storm_time_ap_mode_uses_three_hourly_history() -> None:
    quiet_now = ConstantSource(150, 150, [10, 10, 10, 10, 10, 10, 10])
    storm_before = ConstantSource(150, 150, [10, 10, 10, 10, 10, 150, 150])
    daily = [
        NRLMSIS(s, "2.1").density(MJD_2010, 1.0, 0.0, 400e3) for s in (quiet_now, storm_before)
    ]
    storm = [
        NRLMSIS(s, "2.1", storm_time_ap=True).density(MJD_2010, 1.0, 0.0, 400e3)
        for s in (quiet_now, storm_before)
    ]
    assert daily[0] == daily[1]  # daily mode reads ap[:, 0] only
    assert storm[1] > storm[0]


# --- the exponential model: Vallado (2013) Table 8-4 -------------------------------------

# (h0 km, rho0 kg/m^3, H km) rows of Vallado, "Fundamentals of Astrodynamics and
# Applications", 4th ed. (2013), Table 8-4.
VALLADO_ROWS = [
    (0.0, 1.225, 7.249),
    (100.0, 5.297e-7, 5.877),
    (150.0, 2.070e-9, 22.523),
    (400.0, 3.725e-12, 58.515),
    (500.0, 6.967e-13, 63.822),
    (1000.0, 3.019e-15, 268.00),
]


@pytest.mark.parametrize(("h0", "rho0", "H"), VALLADO_ROWS)
def test_exponential_at_layer_base_is_nominal_density(h0: float, rho0: float, H: float) -> None:
    assert Exponential().density(0.0, 0.0, 0.0, h0 * 1e3) == pytest.approx(rho0, rel=1e-15)


@pytest.mark.parametrize(("h0", "rho0", "H"), VALLADO_ROWS)
def test_exponential_inside_layer_is_analytic(h0: float, rho0: float, H: float) -> None:
    dz = 7.5  # km, inside every listed layer (the thinnest, 25-30 km, is not listed)
    expected = rho0 * np.exp(-dz / H)
    got = Exponential().density(0.0, 0.3, 1.0, (h0 + dz) * 1e3)
    assert got == pytest.approx(expected, rel=1e-14)


def test_exponential_worked_values() -> None:
    # 420 km: 3.725e-12 exp(-20/58.515) = 2.6475e-12 kg/m^3 (hand calculation from Table 8-4)
    assert Exponential().density(0, 0, 0, 420e3) == pytest.approx(2.6475e-12, rel=1e-4)
    # 2000 km: the open-ended top layer, 3.019e-15 exp(-1000/268)
    assert Exponential().density(0, 0, 0, 2000e3) == pytest.approx(
        3.019e-15 * np.exp(-1000 / 268.0), rel=1e-14
    )


def test_exponential_ignores_time_and_position() -> None:
    rho = Exponential().density(np.array([0.0, 6e4]), np.array([[-1.0], [1.0]]), 2.0, 300e3)
    assert rho.shape == (2, 2)
    assert np.all(rho == rho.flat[0])


# --- scaling --------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(factor=st.floats(1e-3, 1e3), alt=st.floats(0, 2000e3))
def test_scaled_density_is_exactly_factor_times_model(factor: float, alt: float) -> None:
    base = Exponential()
    assert Scaled(base, factor).density(0, 0, 0, alt) == factor * base.density(0, 0, 0, alt)


def test_scaled_nrlmsis() -> None:
    base = NRLMSIS(ConstantSource(150, 150, 3), "00")
    args = (MJD_2010, np.array([0.1, 0.2]), 0.0, 400e3)
    assert np.array_equal(Scaled(base, 1.25).density(*args), 1.25 * base.density(*args))
    assert "1.25" in Scaled(base, 1.25).name


@pytest.mark.parametrize("factor", [0.0, -1.0, float("nan"), float("inf"), "abc"])
def test_scaled_refuses_bad_factor(factor) -> None:
    with pytest.raises(AtmosphereError, match="scale factor"):
        Scaled(Exponential(), factor)


# --- bad input is named, never NaN ----------------------------------------------------------


@pytest.mark.parametrize(
    ("alt", "match"),
    [(-1.0, r"-0\.001 km"), (1000.001e3, "1000 km"), (float("nan"), "alt_m\\[0\\] = nan")],
)
def test_nrlmsis_refuses_bad_altitude(alt: float, match: str) -> None:
    model = NRLMSIS(ConstantSource(150, 150, 3))
    with pytest.raises(AtmosphereError, match=match):
        model.density(MJD_2010, 0.0, 0.0, alt)


def test_bad_inputs_are_named() -> None:
    model = NRLMSIS(ConstantSource(150, 150, 3))
    with pytest.raises(AtmosphereError, match=r"mjd_utc\[1\] = nan"):
        model.density(np.array([MJD_2010, np.nan]), 0.0, 0.0, 400e3)
    with pytest.raises(AtmosphereError, match="latitude"):
        model.density(MJD_2010, 2.0, 0.0, 400e3)
    with pytest.raises(AtmosphereError, match="broadcast"):
        model.density(np.zeros(3), np.zeros(2), 0.0, 400e3)
    with pytest.raises(AtmosphereError, match="-5 m"):
        Exponential().density(0.0, 0.0, 0.0, -5.0)
    with pytest.raises(AtmosphereError, match="version"):
        NRLMSIS(ConstantSource(150, 150, 3), "1.0")
    with pytest.raises(AtmosphereError, match="space-weather source"):
        NRLMSIS(object())  # type: ignore[arg-type]


def test_bad_space_weather_values_are_named() -> None:
    model = NRLMSIS(ConstantSource(float("nan"), 150, 3))
    with pytest.raises(AtmosphereError, match=r"F10\.7 = nan at MJD 55197"):
        model.density(MJD_2010, 0.0, 0.0, 400e3)


def test_nan_from_pymsis_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def nan_calculate(dates, *args, **kwargs):
        return np.full((np.size(dates), 11), np.nan, dtype=np.float32)

    monkeypatch.setattr(atm.pymsis, "calculate", nan_calculate)
    model = NRLMSIS(ConstantSource(150, 150, 3), "2.1")
    with pytest.raises(AtmosphereError, match=r"returned density nan .* alt 400\.0000 km"):
        model.density(MJD_2010, 0.0, 0.0, 400e3)


def test_empty_input_gives_empty_output() -> None:
    model = NRLMSIS(ConstantSource(150, 150, 3))
    assert model.density(np.array([]), 0.0, 0.0, 400e3).shape == (0,)
