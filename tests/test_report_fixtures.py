"""Results folders for the report tests, written by hand in the formats the commands write
(``deorbit plan``: summary.json, timeline.csv, trajectory.parquet, final_<level>.oem/.json,
footprint/montecarlo GeoJSON, traffic CSVs; ``deorbit reentry --out``; ``deorbit screen
--out``), and the checks every offline page must pass. Imported by tests/test_report_*.py;
the tests here check the builders themselves."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from astropy.time import Time, TimeDelta

from deorbit.formats.geojson import feature_collection, point_feature, track_features
from deorbit.formats.oem import write_oem

LEVELS = ("WEAK", "AVERAGE", "STRONG")
EPOCH = "2026-07-10T03:41:07Z"
# A final burn in the South Pacific (the SPOUA proxy box 160W-90W, 30S-55S of
# deorbit.reentry.zones; the aim point near Point Nemo, 48.9S 123.4W)
ZONE_RING = [[-160.0, -55.0], [-90.0, -55.0], [-90.0, -30.0], [-160.0, -30.0], [-160.0, -55.0]]
AIM = (-48.9, -123.4)
FINAL_BURN = {
    "WEAK": "2031-02-20T10:00:00Z",
    "AVERAGE": "2030-09-16T01:13:50Z",
    "STRONG": "2030-03-02T05:00:00Z",
}


def _milestones(level: str) -> dict[str, str]:
    burn = Time(FINAL_BURN[level].rstrip("Z"), scale="utc")
    return {
        "plan starts": EPOCH,
        "lowering starts": "2028-01-01T00:00:00Z",
        "USDV docks": (burn - TimeDelta(560, format="jd")).isot[:19] + "Z",
        "last crew leaves": (burn - TimeDelta(330, format="jd")).isot[:19] + "Z",
        "final sequence starts": (burn - TimeDelta(4, format="jd")).isot[:19] + "Z",
        "final burn": FINAL_BURN[level],
        "entry interface 120 km": (burn + TimeDelta(1960, format="sec")).isot[:19] + "Z",
    }


def _vehicles(scale: float) -> list[dict]:
    return [
        {
            "vehicle": "russian_segment",
            "burns": 16,
            "delta_v_m_s": 27.2 * scale,
            "propellant_used_kg": 4122.8 * scale,
            "propellant_budget_kg": 31500.0,
            "propellant_remaining_kg": 31500.0 - 4122.8 * scale,
            "reserve_fraction": 0.1,
            "margin_kg": 24227.2,
            "shortfall_kg": 0.0,
        },
        {
            "vehicle": "usdv",
            "burns": 3,
            "delta_v_m_s": 45.0,
            "propellant_used_kg": 7192.0,
            "propellant_budget_kg": 16000.0,
            "propellant_remaining_kg": 8808.0,
            "reserve_fraction": 0.1,
            "margin_kg": 7208.0,
            "shortfall_kg": 0.0,
        },
    ]


def circular_arc(epoch: Time, minutes: float = 30.0) -> tuple[Time, np.ndarray, np.ndarray]:
    """A 220 km circular orbit at 51.64 deg inclination (two-body), positions m, m/s."""
    gm, r = 3.986004418e14, 6378137.0 + 220e3  # GM: WGS 84 / IERS value
    n = math.sqrt(gm / r**3)
    t = np.arange(0.0, minutes * 60.0 + 1, 60.0)
    u = n * t + 2.0
    inc, raan = math.radians(51.64), 1.0
    p = np.stack([np.cos(u), np.sin(u), np.zeros_like(u)], axis=1)
    q = np.stack([-np.sin(u), np.cos(u), np.zeros_like(u)], axis=1)
    rx = np.array(
        [[1, 0, 0], [0, math.cos(inc), -math.sin(inc)], [0, math.sin(inc), math.cos(inc)]]
    )
    rz = np.array(
        [[math.cos(raan), -math.sin(raan), 0], [math.sin(raan), math.cos(raan), 0], [0, 0, 1]]
    )
    m = rz @ rx
    return epoch + TimeDelta(t, format="sec"), r * p @ m.T, r * n * q @ m.T


def footprint_collection(level: str) -> dict:
    """The shape :func:`deorbit.reentry.footprint.footprint_geojson` writes."""
    shift = {"WEAK": -2.0, "AVERAGE": 0.0, "STRONG": 2.0}[level]
    lon = np.linspace(-129.0, -117.0, 12) + shift
    lat = np.linspace(-46.9, -50.0, 12)
    feats = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [lon[0], lat[0] + 0.3],
                        [lon[-1], lat[-1] + 0.3],
                        [lon[-1], lat[-1] - 0.3],
                        [lon[0], lat[0] - 0.3],
                        [lon[0], lat[0] + 0.3],
                    ]
                ],
            },
            "properties": {"kind": "footprint", "length_km": 962.2, "width_km": 13.1},
        }
    ]
    for x, y in zip(lon, lat, strict=True):
        feats.append(
            point_feature(
                float(x),
                float(y),
                {
                    "kind": "impact",
                    "fragment": "truss",
                    "mass_kg": 120.0,
                    "time": "2030-09-16T02:05:00Z",
                },
            )
        )
    feats.append(point_feature(-133.1 + shift, -45.5, {"kind": "breakup"}))
    track_lon = np.linspace(150.0, 240.0, 40)
    track_lon = (track_lon + 180.0) % 360.0 - 180.0  # crosses the antimeridian
    feats.append(track_features(track_lon, np.linspace(-10.0, -46.0, 40), {"kind": "ground track"}))
    feats.append(
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ZONE_RING]},
            "properties": {"kind": "target zone", "name": "SPOUA proxy", "source": "test"},
        }
    )
    feats.append(point_feature(AIM[1], AIM[0], {"kind": "aim point"}))
    return feature_collection(feats)


def final_json(level: str, failing: bool) -> dict:
    return {
        "burn_start": FINAL_BURN[level],
        "delta_v_m_s": 63.76,
        "effective_perigee_km": 28.7,
        "length_km": 962.25,
        "pieces": 12,
        "foreign_land_km": 2892.6,
        "casualty_expectation": 0.0,
        "zone": {"name": "SPOUA proxy", "aim_lat_deg": AIM[0], "aim_lon_deg": AIM[1]},
        "montecarlo": {
            "n": 1000,
            "p_inside": 0.987,
            "foreign_land_km": {"p01": 2400.0, "p50": 2890.0},
        },
        "compliance": [
            {
                "requirement": "4.7-1b no debris near foreign land",
                "limit": ">= 370 km",
                "value": "2893 km",
                "pass": True,
            },
            {
                "requirement": "4.7-1c P(burn failure) x E(uncontrolled)",
                "limit": "< 0.0001",
                "value": "1.68e-03",
                "pass": not failing,
            },
        ],
        "failures": [
            {
                "case": "not executed",
                "outcome": "uncontrolled",
                "casualty_expectation": 0.0168,
                "foreign_land_km": None,
            },
            {
                "case": "stopped halfway",
                "outcome": "mis-targeted",
                "casualty_expectation": 0.0092,
                "foreign_land_km": 0.0,
            },
        ],
    }


def make_plan_folder(out: Path, full: bool = True) -> Path:
    """A plan results folder: ``full`` writes every file a plan run can write (three levels,
    the STRONG one with a failing compliance row); otherwise summary.json (one level) only."""
    out.mkdir(parents=True, exist_ok=True)
    levels = LEVELS if full else ("AVERAGE",)
    summary = {
        "scenario": "iss",
        "elements_epoch": EPOCH,
        "published": {
            "descent_years": 2.5,
            "descent_source": "test",
            "reentry": "2031-01-15T00:00:00Z",
            "reentry_source": "test",
        },
        "levels": [
            {
                "level": lv,
                "feasible": lv != "STRONG" or not full,
                "milestones": _milestones(lv),
                "milestone_altitudes_km": {
                    k: 400.0 - 40 * i for i, k in enumerate(_milestones(lv))
                },
                "descent_days": 989.0 + 100 * i,
                "descent_years": (989.0 + 100 * i) / 365.25,
                "effective_perigee_km": 48.4,
                "vehicles": _vehicles(1.0 + 0.1 * i),
                "usdv_docking_iterations": 10,
                "notes": ["a <note> with markup"] if lv == "AVERAGE" else [],
            }
            for i, lv in enumerate(levels)
        ],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    if not full:
        return out
    rows, frames = [], []
    for i, lv in enumerate(levels):
        for name, t in _milestones(lv).items():
            rows.append(
                {
                    "level": lv,
                    "kind": "milestone",
                    "name": name,
                    "phase": "x",
                    "utc": t,
                    "mean_altitude_km": 300.0,
                    "delta_v_m_s": None,
                    "propellant_kg": None,
                    "vehicle": None,
                }
            )
        rows.append(
            {
                "level": lv,
                "kind": "burn",
                "name": "operations burn",
                "phase": "ops",
                "utc": "2027-02-10T07:47:24Z",
                "mean_altitude_km": 406.0,
                "delta_v_m_s": 5.77,
                "propellant_kg": 877.3,
                "vehicle": "russian_segment",
            }
        )
        utc = pd.date_range("2026-07-10", FINAL_BURN[lv][:10], periods=200, tz="UTC")
        x = np.linspace(0.0, 1.0, utc.size)
        alt = 420.0 - 200.0 * x**3
        frames.append(
            pd.DataFrame(
                {
                    "level": lv,
                    "utc": utc,
                    "t_s": (utc - utc[0]).total_seconds(),
                    "mean_altitude_km": alt,
                    "lowest_altitude_km": alt - 5.0,
                    "decay_rate_m_per_day": 30.0 + 1000.0 * x**4 * (1 + 0.2 * i),
                }
            )
        )
        burn = Time(FINAL_BURN[lv].rstrip("Z"), scale="utc")
        times, r, v = circular_arc(burn)
        write_oem(
            out / f"final_{lv.lower()}.oem",
            times,
            r,
            v,
            frame="TEME",
            object_name="ISS",
            object_id="25544",
        )
        (out / f"final_{lv.lower()}.json").write_text(json.dumps(final_json(lv, lv == "STRONG")))
        if lv != "WEAK":  # WEAK: the map falls back to the OEM ground track
            (out / f"footprint_{lv.lower()}.geojson").write_text(
                json.dumps(footprint_collection(lv))
            )
        envelope = [
            [-131.0, -45.0],
            [-114.0, -49.0],
            [-115.0, -52.0],
            [-132.0, -47.0],
            [-131.0, -45.0],
        ]
        (out / f"montecarlo_{lv.lower()}.geojson").write_text(
            json.dumps(
                feature_collection(
                    [
                        {
                            "type": "Feature",
                            "geometry": {"type": "Polygon", "coordinates": [envelope]},
                            "properties": {"level": 0.99},
                        }
                    ]
                )
            )
        )
    pd.DataFrame(rows).to_csv(out / "timeline.csv", index=False)
    pd.concat(frames, ignore_index=True).to_parquet(out / "trajectory.parquet", index=False)
    from deorbit.report import write_traffic_results

    write_traffic_results(out, generate=False)
    return out


PLAN_FULL_FIGURES = 6  # milestones, descent, traffic Gantt, budgets, world map, close-up


def make_reentry_folder(out: Path, with_samples: bool = True) -> Path:
    """A ``deorbit reentry --out`` folder (the fields ReentryPrediction.summary writes)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    med = Time("2009-04-25T08:00:00", scale="utc")
    times = med + TimeDelta(rng.normal(0.0, 6.0, 80), format="jd") / 24.0
    data = {
        "object": "OMID",
        "norad_id": 33506,
        "as_of": "2009-04-20T00:00:00Z",
        "weather": "observed",
        "method": "averaged",
        "samples": 80,
        "seed": 3,
        "mean_altitude_km": 180.2,
        "fit": {
            "k": 1.12,
            "sigma_k": 0.03,
            "ballistic_coefficient_kg_m2": 95.3,
            "rms_m": 210.0,
            "sets_used": 14,
            "first": "2009-04-10T00:00:00Z",
            "last": "2009-04-19T20:00:00Z",
            "rejected": [{"set": "33506 2009-04-12", "reason": "outlier (5.1 sigma)"}],
        },
        "interface_altitude_km": 120.0,
        "median": "2009-04-25T08:00:00Z",
        "p05": "2009-04-25T00:00:00Z",
        "p95": "2009-04-25T17:00:00Z",
        "remaining_days": 5.33,
        "window_hours": 17.0,
        "expected_impact": {"time": "2009-04-25T08:10:00Z", "lat_deg": -20.0, "lon_deg": 40.0},
        "window_points": {
            "median": {"time": "2009-04-25T08:00:00Z", "lat_deg": -10.0, "lon_deg": 30.0}
        },
    }
    if with_samples:
        data["sample_times"] = [t + "Z" for t in times.strftime("%Y-%m-%dT%H:%M:%S")]
    (out / "reentry.json").write_text(json.dumps(data))
    lon = (np.linspace(0.0, 720.0, 300) + 180.0) % 360.0 - 180.0
    lat = 55.4 * np.sin(np.radians(np.linspace(0.0, 720.0, 300)))
    gj = feature_collection(
        [
            track_features(lon, lat, {"name": "OMID ground track over the 5-95 % window"}),
            point_feature(30.0, -10.0, {"name": "interface median", "time": data["median"]}),
        ]
    )
    (out / "reentry.geojson").write_text(json.dumps(gj))
    return out


def make_screen_folder(out: Path, n: int = 5) -> Path:
    """A ``deorbit screen --out`` folder (screen.json as --json prints it)."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "norad_id": 40000 + k,
            "name": f"OBJECT {k} (NORAD {40000 + k})",
            "median": f"2026-08-{10 + 3 * k:02d}T12:00:00Z",
            "p05": f"2026-08-{9 + 3 * k:02d}T12:00:00Z",
            "p95": f"2026-08-{11 + 3 * k:02d}T12:00:00Z",
            "fraction_within_horizon": 1.0,
        }
        for k in range(n)
    ]
    rows.append(
        {
            "norad_id": 49999,
            "name": "SLOW & <ODD>",
            "median": None,
            "p05": "2026-10-01T00:00:00Z",
            "p95": None,
            "fraction_within_horizon": 0.2,
        }
    )
    data = {
        "objects": 300,
        "ensemble_candidates": n + 1,
        "horizon_days": 90.0,
        "weather": "observed",
        "reentries": rows,
        "catalog": "cat.tle",
        "not_screened": [{"norad_id": 1, "name": "X", "reason": "eccentric orbit"}],
    }
    (out / "screen.json").write_text(json.dumps(data))
    return out


_SRC = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?([^"'\s>]+)""", re.I)


def check_offline_page(text: str, sections: tuple[str, ...]) -> int:
    """Assert the page is self-contained: plotly's bundle exactly once, no external script,
    link, image or frame, every section id present. Returns the number of figures."""
    import plotly.offline

    assert text.count(plotly.offline.get_plotlyjs()) == 1
    for _tag, _attr, url in _SRC.findall(text):
        assert not url.lower().startswith(("http:", "https:", "//")), url
        assert "cdn" not in url.lower(), url
    for sid in sections:
        assert f'<section id="{sid}">' in text, sid
    n = text.count('class="figure deorbit-figure"')
    assert f'<meta name="deorbit-figures" content="{n}">' in text
    return n


def test_fixture_plan_folder_is_complete(tmp_path):
    out = make_plan_folder(tmp_path / "plan")
    names = {p.name for p in out.iterdir()}
    for lv in ("weak", "average", "strong"):
        assert {f"final_{lv}.oem", f"final_{lv}.json", f"montecarlo_{lv}.geojson"} <= names
    assert {
        "summary.json",
        "timeline.csv",
        "trajectory.parquet",
        "traffic_schedule.csv",
        "crew_aboard.csv",
    } <= names


def test_fixture_oem_arc_is_a_220_km_circle(tmp_path):
    t, r, v = circular_arc(Time("2030-01-01T00:00:00", scale="utc"), 10.0)
    assert np.allclose(np.linalg.norm(r, axis=1), 6378137.0 + 220e3)
    assert np.allclose(np.einsum("ij,ij->i", r, v), 0.0, atol=1e-3)
    assert len(t) == 11
