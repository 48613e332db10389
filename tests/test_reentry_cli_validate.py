"""End-to-end CLI: ``deorbit validate --iss`` and the exclusion reasons of ``deorbit validate``,
``deorbit reentry``'s rejected sets grouped by reason."""

from __future__ import annotations

import json
import shutil

from astropy.time import Time

from deorbit.cli import main
from deorbit.estimation.drag_fit import MeanObservation, rejection_groups

ISS_2021 = "tle/iss/iss_25544_2021-01_2022-03.3le"


def test_validate_iss_json_has_the_three_ways(shared_data, capsys):
    code = main(
        [
            "validate",
            "--iss",
            str(shared_data / ISS_2021),
            "--iss-fit-days",
            "20",
            "--iss-predict-days",
            "20",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fit_days"] == 20.0 and out["predict_days"] == 20.0
    checks = out["checks"]
    # docs/validation.md: three manoeuvre-free stretches of 40 days in 2021-01 -> 2022-03
    assert len(checks) >= 2
    assert all(c["observed_m"] > 0 for c in checks)
    assert checks[0]["error_previous"] is None  # the first stretch has no previous one
    assert checks[1]["error_previous"] is not None
    # the B*-derived Cd A/m of the ISS is far from physical (scale 1 is 40-90 % short)
    assert out["summary"]["scale_1"]["median"] < -0.4
    assert out["summary"]["stretches"] == len(checks)


def test_validate_iss_table_shows_previous_and_scale1(shared_data, capsys):
    # docs/validation.md: the 2025 GP history has no 40-day stretch without a reboost
    path = shared_data / "tle/iss/iss_25544_2025-09_2025-12_spacetrack_gp.json"
    assert main(["validate", "--iss", str(path)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # the header words (the table folds them at 80 columns)
    assert all(w in text for w in ("prev.", "stretch", "scale", "error", "k fit"))
    assert "no manoeuvre-free stretch of 40 days" in text


def test_validate_iss_bad_inputs_are_one_line(tmp_path, capsys):
    assert main(["validate", "--iss", str(tmp_path / "missing.tle")]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing.tle" in err and len(err.splitlines()) == 1
    f = tmp_path / "x.tle"
    f.write_text("")
    assert main(["validate", "--iss", str(f), "--iss-fit-days", "0"]) == 2
    assert "--iss-fit-days" in capsys.readouterr().err


def test_validate_status_is_wrapped_not_cut(shared_data, tmp_path, capsys):
    # Delfi-C3's history is cut a month before its reentry (SOURCES.md): its status is long
    (tmp_path / "decayed").mkdir()
    shutil.copy(shared_data / "tle/decayed/delfi-c3_32789.tle.gz", tmp_path / "decayed")
    assert main(["validate", "--data", str(tmp_path), "--starlink", "0"]) == 0
    text = capsys.readouterr().out
    # the reason in full after the table, wrapped at the terminal's width
    tail = text.split("└")[-1]
    assert "the end is not in the data (truth not available)" in " ".join(tail.split())
    assert "delfi-c3_32789 T-90 d: last set 2023-10-13" in " ".join(tail.split())
    # the table names the object by kind and NORAD number (80 columns)
    table = text.split("└")[0]
    assert "delfi-c3" in table and "32789" in table and "delfi-c3_32789" not in table


def _obs(day: float) -> MeanObservation:
    return MeanObservation(Time(60000.0 + day, format="mjd", scale="utc"), 6.6e6, f"x @ {day}")


def test_rejection_groups_count_and_span():
    rejected = [
        (_obs(0.0), "before a manoeuvre: raise near 2023-02-25"),
        (_obs(1.0), "before a manoeuvre: raise near 2023-02-25"),
        (_obs(2.5), "before a manoeuvre: raise near 2023-02-25"),
        (_obs(4.0), "residual +412 m > 3 sigma (90 m)"),
        (_obs(5.0), "residual -388 m > 3 sigma (90 m)"),
    ]
    groups = rejection_groups(rejected)
    assert [(why, n) for why, n, _a, _b in groups] == [
        ("before a manoeuvre: raise near 2023-02-25", 3),
        ("residual > 3 sigma (90 m)", 2),
    ]
    assert groups[0][2].mjd == 60000.0 and groups[0][3].mjd == 60002.5


def test_reentry_prints_one_line_per_reason(shared_data, capsys):
    # Starlink 44236 (2020-08): a lowering from about 2020-08-06 that the detector does not
    # resolve; the fit window's split test drops the sets before it (one line for them all).
    # A 4-day window (given) holds the change; the default, half the remaining time, is 2 days
    path = shared_data / "tle/starlink_histories_2020-2026/starlink_44236.tle.gz"
    code = main(
        ["reentry", str(path), "--at", "2020-08-08T16:23:00Z", "--samples", "20", "--window", "4"]
    )
    assert code == 0
    text = capsys.readouterr().out
    lines = [ln for ln in text.splitlines() if "rejected" in ln]
    assert "change of the decay" in " ".join(text.split())
    # one line per reason: as many "rejected" lines as distinct reasons, each with a count
    assert 1 <= len(lines) <= 3
    assert " sets (" in text


def test_reentry_of_a_history_whose_fit_comes_down_before_its_last_set(shared_data, capsys):
    # Starlink 44242: the fit over its last days (a thrusting descent) passes 120 km before
    # its last set; one line naming the object and both times, exit 2, no traceback
    path = shared_data / "tle/starlink_histories_2020-2026/starlink_44242.tle.gz"
    code = main(["reentry", str(path), "--samples", "20"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "NORAD 44242" in err and "before 2020-08-21T07:11:00Z" in err
