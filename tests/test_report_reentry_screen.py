"""Reentry and screening reports: sections from hand-made folders, and the commands
``deorbit reentry --out`` and ``deorbit screen --out`` writing report.html end to end."""

from __future__ import annotations

import csv
import json
import re

import pytest

from deorbit.cli import main
from deorbit.report import (
    ReportError,
    reentry_report,
    screen_report,
    write_reentry_report,
    write_screen_report,
)
from test_report_fixtures import check_offline_page, make_reentry_folder, make_screen_folder

OMID = "tle/decayed/omid_33506_2009-004A_2009-02_2009-04.tle"


def test_reentry_report_sections(tmp_path):
    out = make_reentry_folder(tmp_path / "r")
    text = write_reentry_report(out).read_text(encoding="utf-8")
    assert check_offline_page(text, reentry_report.SECTIONS) == 2  # window, map
    assert "1.120 ± 0.030" in text and "95.3" in text  # drag scale and B
    assert "outlier (5.1 sigma)" in text  # the rejected set
    assert "17.0 h" in text and "ensemble samples" in text
    # the track, cut twice at the antimeridian, is one trace (one legend entry) on the map
    track = "OMID ground track over the 5-95 % window"
    assert text.count(f'"name":"{track}"') == 1
    assert "2009-04-25 00:00 to 2009-04-25 17:00" in text  # the 5-95 % card


def test_reentry_report_without_samples_or_track(tmp_path):
    out = make_reentry_folder(tmp_path / "r", with_samples=False)
    (out / "reentry.geojson").unlink()
    text = write_reentry_report(out).read_text(encoding="utf-8")
    assert check_offline_page(text, reentry_report.SECTIONS) == 1
    assert "not in reentry.json" in text and "Not computed: reentry.geojson" in text


def test_reentry_report_refuses_other_json(tmp_path):
    (tmp_path / "reentry.json").write_text(json.dumps({"object": "x"}))
    with pytest.raises(ReportError, match="'median'"):
        write_reentry_report(tmp_path)


def test_screen_report_sorted_table_and_timeline(tmp_path):
    out = make_screen_folder(tmp_path / "s", n=5)
    text = write_screen_report(out).read_text(encoding="utf-8")
    assert check_offline_page(text, screen_report.SECTIONS) == 1
    body = text.split('<table class="data" id="screen-table">')[1].split("</table>")[0]
    ids = [int(x) for x in re.findall(r"<td>(4\d{4})</td>", body)]
    assert ids == [40000, 40001, 40002, 40003, 40004, 49999]  # the file's order, by median
    assert "SLOW &amp; &lt;ODD&gt;" in text and "after horizon" in text
    assert "eccentric orbit" in text


def test_cli_reentry_out_writes_the_report(shared_data, tmp_path):
    out = tmp_path / "omid"
    args = ["reentry", str(shared_data / OMID), "--at", "2009-04-20T00:00:00Z"]
    assert main([*args, "--samples", "40", "--out", str(out)]) == 0
    data = json.loads((out / "reentry.json").read_text())
    assert len(data["sample_times"]) == 40
    assert data["p05"] <= sorted(data["sample_times"])[20] <= data["p95"]
    text = (out / "report.html").read_text(encoding="utf-8")
    assert check_offline_page(text, reentry_report.SECTIONS) == 2


def test_cli_screen_out_writes_json_csv_and_report(shared_data, tmp_path, capsys):
    from deorbit.formats.catalog import read_elements

    sets = read_elements(shared_data / OMID)
    cat = tmp_path / "cat.tle"
    cat.write_text("\n".join(sets[-1].to_tle_lines()) + "\n")
    out = tmp_path / "screen"
    assert (
        main(
            [
                "screen",
                str(cat),
                "--within",
                "30d",
                "--samples",
                "20",
                "--workers",
                "1",
                "--json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((out / "screen.json").read_text())
    assert saved == {**printed, "catalog": "cat.tle"}
    with open(out / "screen.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["norad_id"]) for r in rows] == [r["norad_id"] for r in printed["reentries"]]
    assert rows and rows[0]["norad_id"] == "33506"  # Omid, days before its decay
    text = (out / "report.html").read_text(encoding="utf-8")
    check_offline_page(text, screen_report.SECTIONS)
    assert "33506" in text


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # erfa, NaN time
def test_samples_that_stay_up_are_null_in_reentry_json(tmp_path):
    """A sample that does not come down within the horizon (NaN time) is written as null (an
    astropy strftime of the NaN time raised ValueError, so ``reentry --out`` crashed), and the
    report counts it in the ensemble without drawing it."""
    import numpy as np
    from astropy.time import Time, TimeDelta

    from deorbit.cli.reentry_cmd import sample_times_iso

    t = Time("2009-04-25T00:00:00", scale="utc") + TimeDelta(
        np.array([0.0, np.nan, 3600.0]), format="sec"
    )
    assert sample_times_iso(t) == ["2009-04-25T00:00:00Z", None, "2009-04-25T01:00:00Z"]
    out = make_reentry_folder(tmp_path / "r")
    data = json.loads((out / "reentry.json").read_text())
    data["sample_times"][:3] = [None, None, None]
    (out / "reentry.json").write_text(json.dumps(data))
    text = write_reentry_report(out).read_text(encoding="utf-8")
    assert check_offline_page(text, reentry_report.SECTIONS) == 2
    assert "80 ensemble samples, 3 not down within the prediction horizon." in text


def test_reentry_report_of_an_open_window_names_the_horizon(tmp_path):
    """More than 5 % of the samples still up at the horizon: reentry.json has no 95 % point
    (null) and the report's window card says "open" and where the horizon ends."""
    out = make_reentry_folder(tmp_path / "r")
    data = json.loads((out / "reentry.json").read_text())
    data.update(p95=None, window_hours=None, horizon_end="2009-05-01T00:00:00Z")
    data["sample_times"][-10:] = [None] * 10
    (out / "reentry.json").write_text(json.dumps(data))
    text = write_reentry_report(out).read_text(encoding="utf-8")
    assert check_offline_page(text, reentry_report.SECTIONS) == 2
    assert "2009-04-25 00:00 to after 2009-05-01 00:00 (the horizon)" in text
    assert ">open<" in text
