"""End to end, as a person sees it: open each report in headless Chromium with the network
blocked, fail on any JavaScript error, check every plot and the map rendered, save a
screenshot (to tmp_path, and to $DEORBIT_SCREENSHOT_DIR when set).

Chromium is Debian's ``chromium`` package; the session fixture installs it with apt-get when
it is missing and we are root, and skips with the reason otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deorbit.report import write_report
from test_report_fixtures import make_plan_folder, make_reentry_folder, make_screen_folder

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _install_chromium() -> str | None:
    """None when /usr/bin/chromium is there (installing it if we can); else why not."""
    if CHROMIUM.exists():
        return None
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "chromium is not installed and we are not root to apt-get it"
    if shutil.which("apt-get") is None:
        return "chromium is not installed and there is no apt-get"
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        if subprocess.run(cmd, capture_output=True, timeout=600, env=env).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, timeout=300, env=env)
            done = subprocess.run(cmd, capture_output=True, timeout=600, env=env)
            if done.returncode != 0:
                return f"apt-get install chromium failed: {done.stderr.decode()[-300:]}"
    except (subprocess.TimeoutExpired, OSError) as exc:
        return f"apt-get install chromium failed: {exc}"
    return None if CHROMIUM.exists() else "chromium installed but /usr/bin/chromium is absent"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    why = _install_chromium()
    if why:
        pytest.skip(why)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    return {
        "plan": write_report(make_plan_folder(root / "plan")),
        "reentry": write_report(make_reentry_folder(root / "reentry")),
        "screen": write_report(make_screen_folder(root / "screen")),
    }


def _open(browser, path: Path, png: Path) -> dict:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    expected = int(page.get_attribute('meta[name="deorbit-figures"]', "content"))
    page.wait_for_function(
        "n => document.querySelectorAll('.deorbit-figure .js-plotly-plot .main-svg').length >= n",
        arg=expected,
        timeout=30000,
    )
    rendered = page.eval_on_selector_all(
        ".deorbit-figure",
        "els => els.map(e => [e.dataset.name, e.querySelectorAll('.main-svg').length,"
        " e.querySelectorAll('.scatterlayer path, .barlayer path').length])",
    )
    page.screenshot(path=str(png), full_page=True)
    shots = os.environ.get("DEORBIT_SCREENSHOT_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(shots) / png.name)
    page.close()
    return {"errors": errors, "blocked": blocked, "expected": expected, "rendered": rendered}


@pytest.mark.parametrize("kind", ["plan", "reentry", "screen"])
def test_report_renders_offline_without_errors(browser, reports, kind, tmp_path):
    png = tmp_path / f"report_{kind}.png"
    got = _open(browser, reports[kind], png)
    assert got["errors"] == [], got["errors"]
    assert got["blocked"] == [], f"the page tried the network: {got['blocked']}"
    assert got["expected"] == len(got["rendered"]) > 0
    for name, svgs, paths in got["rendered"]:
        assert svgs >= 1, f"figure {name} did not render"
        assert paths >= 1, f"figure {name} drew nothing"
    maps = [r for r in got["rendered"] if r[0].startswith("map")]
    if kind in ("plan", "reentry"):
        # land (Natural Earth polygons) plus tracks/zones: many drawn paths
        assert maps and all(paths >= 3 for _, _, paths in maps)
    assert png.stat().st_size > 20_000  # a real picture, not a blank page
