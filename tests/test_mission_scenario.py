"""Scenario files: the bundled ISS scenario, units, and one-line errors naming file/line/key."""

from __future__ import annotations

import pytest

from deorbit.cli import main
from deorbit.errors import ScenarioError
from deorbit.mission.scenario import load_scenario, parse_scenario, scenario_text


@pytest.fixture(scope="module")
def iss_text() -> str:
    return scenario_text("iss")[0]


def test_bundled_iss_scenario_holds_the_sourced_figures():
    s = load_scenario("iss")
    # NASA OEM header, Dec 2021 (reference/iss_deorbit_facts.md §2)
    assert s.station.mass_kg == 448009
    assert s.station.drag_area_m2["xvv"] == pytest.approx(1492.3)
    assert s.station.cd == pytest.approx(2.05)
    # ~16,000 kg USDV propellant (SpaceX 17 Jul 2024, facts §1.2)
    assert s.vehicles["usdv"].propellant_kg == 16000
    # 330 km crew departure, ~220 km USDV burns, 4 days, 18 months (traffic facts §3.2)
    assert s.phases.crew_departure.altitude_km == 330
    assert s.phases.final.start_altitude_km == 220
    assert s.phases.final.final_burn_after_days == 4
    assert s.phases.usdv_docking.months_before_final_burn == 18


def test_quantity_strings_convert_to_the_key_unit(iss_text):
    text = iss_text.replace("altitude_km = 330", 'altitude_km = "330000 m"')
    assert parse_scenario(text).phases.crew_departure.altitude_km == pytest.approx(330.0)
    text = iss_text.replace("mass_kg = 448009", 'mass_kg = "448.009 t"')
    assert parse_scenario(text).station.mass_kg == pytest.approx(448009.0)


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "my.toml")
    return str(info.value)


def test_unknown_key_names_key_file_and_line(iss_text):
    text = iss_text.replace("series_burns = 2", "series_burns = 2\nseries_bruns = 3")
    msg = _error(text)
    assert "my.toml" in msg and "series_bruns" in msg and "unknown key" in msg
    line = text.splitlines().index("series_bruns = 3") + 1
    assert f":{line}:" in msg


def test_wrong_unit_is_named(iss_text):
    msg = _error(iss_text.replace("altitude_km = 330", 'altitude_km = "330 kg"'))
    assert "wrong unit" in msg and "crew_departure.altitude_km" in msg


def test_missing_value_is_named(iss_text):
    msg = _error(iss_text.replace("isp_s = 300\n", "", 1))
    assert "missing value" in msg and "vehicles.russian_segment.isp_s" in msg


def test_unknown_vehicle_and_bad_order_are_refused(iss_text):
    assert "not a vehicle" in _error(iss_text.replace('vehicle = "usdv"', 'vehicle = "tug"', 1))
    assert "series_perigee_km" in _error(
        iss_text.replace("series_perigee_km = 180", "series_perigee_km = 240")
    )
    assert "not valid TOML" in _error(iss_text + "\n[[[")


def test_scenario_show_round_trips(capsys, tmp_path):
    assert main(["scenario", "show", "iss"]) == 0
    shown = capsys.readouterr().out
    assert parse_scenario(shown) == load_scenario("iss")
    assert main(["scenario", "show", "nope"]) == 2


def test_plan_with_a_bad_scenario_is_one_line_exit_2(capsys, tmp_path, iss_text):
    bad = tmp_path / "my.toml"
    bad.write_text(iss_text.replace("cd = 2.05", "cd = -1"))
    assert main(["plan", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "station.cd" in err and "my.toml" in err
    assert not (tmp_path / "out").exists()


def test_observed_weather_beyond_the_history_is_a_clear_error(capsys, tmp_path):
    # the bundled plan runs to ~2031; observed space weather ends in 2026-08 (SW-All snapshot)
    assert main(["plan", "--levels", "OBSERVED", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "2026" in err


def test_optional_force_models_reach_the_plans_force_model(iss_text):
    """The Sun and Moon and the EGM96 field are switched on in the scenario's environment and
    reach the force model of every solar level; a degree outside 0, 2..20 is refused."""
    from deorbit.mission.descent import forces_for

    assert not forces_for(load_scenario("iss"), "AVERAGE").third_body  # bundled: off
    text = iss_text.replace("third_body = false", "third_body = true").replace(
        "gravity_field = 0", "gravity_field = 12"
    )
    forces = forces_for(parse_scenario(text), "WEAK")
    assert forces.third_body and forces.gravity_field == 12
    for bad in ("1", "21"):
        msg = _error(iss_text.replace("gravity_field = 0", f"gravity_field = {bad}"))
        assert "gravity_field" in msg and "my.toml" in msg
