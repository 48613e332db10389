"""Plan report: every section from a full results folder, "Not computed" for absent files,
clear errors for broken folders, ``deorbit report`` end to end, and a real ``deorbit plan``."""

from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.report import ReportError, folder_kind, write_plan_report, write_report
from deorbit.report.page import fmt, label, table
from deorbit.report.plan_report import SECTIONS
from test_report_fixtures import (
    PLAN_FULL_FIGURES,
    check_offline_page,
    make_plan_folder,
    make_reentry_folder,
    make_screen_folder,
)


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    out = make_plan_folder(tmp_path_factory.mktemp("plan") / "full")
    path = write_plan_report(out)
    return out, path.read_text(encoding="utf-8")


def test_full_plan_report_has_every_section_and_figure(full_report):
    out, text = full_report
    assert check_offline_page(text, SECTIONS) == PLAN_FULL_FIGURES
    assert "Not computed" not in text
    # headline: the three final-burn dates and descent lengths
    for day in ("2031-02-20 10:00", "2030-09-16 01:13", "2030-03-02 05:00"):
        assert day in text
    assert "descent 2.71 years" in text
    # traffic from the bundled history (28 real flights), budgets, compliance, failures
    assert "28 flights" in text and "fig-traffic-gantt" in text
    assert "russian_segment" in text and "usdv" in text
    compliance = text.split('<section id="compliance">')[1].split("</section>")[0]
    assert compliance.count('<span class="fail">FAIL</span>') == 1  # STRONG's 4.7-1c row
    assert compliance.count('<span class="pass">PASS</span>') == 5
    summary = text.split('<section id="summary">')[1].split("</section>")[0]
    assert summary.count('<span class="fail">FAIL</span>') == 1  # STRONG is not feasible
    assert "stopped halfway" in text and "1.68e-02" in text
    # WEAK has no footprint: its final arc from the OEM on the world map and the close-up
    assert text.count('"name":"WEAK final arc (OEM)"') == 2
    # notes are escaped, never markup
    assert "a &lt;note&gt; with markup" in text and "<note>" not in text
    # inputs and versions
    for name in ("numpy", "pymsis", "sgp4", "astropy", "space-weather", "trajectory.parquet"):
        assert name in text
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary file left"


def test_partial_plan_folder_says_not_computed(tmp_path):
    out = make_plan_folder(tmp_path / "partial", full=False)
    text = write_plan_report(out).read_text(encoding="utf-8")
    check_offline_page(text, SECTIONS)
    for sid in ("descent", "traffic", "maps", "final-phase", "compliance", "failures"):
        body = text.split(f'<section id="{sid}">')[1].split("</section>")[0]
        assert "Not computed" in body, sid
    assert 'id="fig-milestones"' in text and 'id="fig-budgets"' in text


def test_traffic_without_schedule_draws_crew_aboard(tmp_path):
    from deorbit.report import write_traffic_results

    out = make_plan_folder(tmp_path / "p", full=False)
    write_traffic_results(out, generate=False)
    (out / "traffic_schedule.csv").unlink()
    text = write_plan_report(out).read_text(encoding="utf-8")
    body = text.split('<section id="traffic">')[1].split("</section>")[0]
    assert 'id="fig-crew-aboard"' in body and "Not computed" not in body
    assert '"name":"crew aboard USOS"' in body and '"name":"crew aboard ROS"' in body


def test_final_arc_from_an_earth_fixed_oem(tmp_path):
    """The map's fallback track reads the final OEM through formats.oem.read_oem_fixed: an
    ITRF arc is drawn too; a frame that cannot be made Earth-fixed is an error naming it."""
    from astropy.time import Time

    from deorbit.formats.oem import write_oem
    from test_report_fixtures import circular_arc

    out = make_plan_folder(tmp_path / "p", full=False)
    times, r, v = circular_arc(Time("2030-09-16T01:13:50", scale="utc"))
    write_oem(out / "final_average.oem", times, r, v, frame="ITRS")
    text = write_plan_report(out).read_text(encoding="utf-8")
    assert text.count('"name":"AVERAGE final arc (OEM)"') == 2  # world map and close-up
    write_oem(out / "final_average.oem", times, r, v, frame="GCRS")
    with pytest.raises(ReportError, match=r"final_average\.oem: cannot read the OEM: .*'GCRF'"):
        write_plan_report(out)
    with pytest.raises(ReportError) as exc:
        write_plan_report(out)
    assert str(exc.value).count("final_average.oem") == 1


def test_rebuild_replaces_the_page(full_report):
    out, _ = full_report
    (out / "report.html").write_text("old")
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_folder_kinds(tmp_path):
    assert folder_kind(make_plan_folder(tmp_path / "p", full=False)) == "plan"
    assert folder_kind(make_reentry_folder(tmp_path / "r")) == "reentry"
    assert folder_kind(make_screen_folder(tmp_path / "s")) == "screen"
    assert write_report(tmp_path / "s").name == "report.html"


def test_not_a_results_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ReportError, match="not a deorbit results folder"):
        write_report(tmp_path)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path) in err and "summary.json" in err
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "no such results folder" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_broken_files_are_named(tmp_path):
    out = tmp_path / "bad"
    out.mkdir()
    (out / "summary.json").write_text('{"levels":\n not json')
    with pytest.raises(ReportError, match=r"summary\.json:2: not JSON"):
        write_plan_report(out)
    (out / "summary.json").write_text(json.dumps({"levels": "AVERAGE"}))
    with pytest.raises(ReportError, match="'levels' must be a list"):
        write_plan_report(out)
    make_plan_folder(out, full=False)
    (out / "trajectory.parquet").write_text("not parquet")
    with pytest.raises(ReportError, match=r"trajectory\.parquet: not a readable Parquet file"):
        write_plan_report(out)
    (out / "trajectory.parquet").unlink()
    fp = out / "footprint_average.geojson"
    fp.write_text('{"type": "FeatureCollection", "features": {"a": 1}}')
    with pytest.raises(ReportError, match=r"footprint_average\.geojson: .*'features' list"):
        write_plan_report(out)
    fp.write_text('{"type":\n "FeatureCollection",,}')
    with pytest.raises(ReportError, match=r"footprint_average\.geojson:2: not JSON"):
        write_plan_report(out)
    assert not (out / "report.html").exists()


@given(st.lists(st.text(max_size=20), min_size=1, max_size=4))
def test_table_cells_are_escaped(cells):
    text = table(["c"] * len(cells), [cells])
    tds = re.findall(r"<td>(.*?)</td>", text, flags=re.S)
    assert [html.unescape(t) for t in tds] == [c if c else "" for c in cells]
    assert "<script" not in text.replace("&lt;script", "")


@given(st.floats(min_value=-1e300, max_value=1e300) | st.just(float("nan")))
def test_numbers_never_print_nan(x):
    out = fmt(x)
    assert "nan" not in out.lower()
    if x == x and x != 0:
        assert float(out.replace(",", "")) == pytest.approx(x, rel=0.06)


def test_labels_carry_units():
    assert label("delta_v_m_s") == "delta v (m/s)"
    assert label("foreign_land_km") == "foreign land (km)"
    assert label("pieces") == "pieces"


def test_real_plan_folder_reports(plan_average):
    """The files `deorbit plan` really writes (whatever subset of them) make a report."""
    text = write_report(plan_average).read_text(encoding="utf-8")
    n = check_offline_page(text, SECTIONS)
    assert n >= 4  # milestones, descent, budgets, world map of the final arc at least
    assert "AVERAGE" in text and "fig-map-world" in text
