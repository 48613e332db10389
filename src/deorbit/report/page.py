"""The HTML page of a report: skeleton, CSS, plotly's JavaScript inlined once, sections,
tables and escaping. Nothing on the page loads anything from the network."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import plotly.offline

from deorbit import __version__
from deorbit.formats.atomic import write_text_atomic
from deorbit.report.theme import FAIL, FONT, PASS

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
"""plotly config of every figure: no plotly.com logo link (the page stays offline)."""

CSS = f"""
:root {{ --ink:#1f2328; --muted:#59636e; --line:#d8dee4; --bg:#f6f8fa; --accent:#0b5cad; }}
* {{ box-sizing: border-box; }}
body {{ margin:0; font-family:{FONT}; color:var(--ink); background:var(--bg); line-height:1.45; }}
header.top {{ background:#0d2238; color:#fff; padding:22px 32px 18px; }}
header.top h1 {{ margin:0 0 4px; font-size:26px; font-weight:650; letter-spacing:.2px; }}
header.top p {{ margin:0; color:#c4d2e0; font-size:14px; }}
nav {{ background:#fff; border-bottom:1px solid var(--line); padding:8px 32px;
  position:sticky; top:0; z-index:10; font-size:14px; display:flex; flex-wrap:wrap;
  gap:4px 18px; }}
nav a {{ color:var(--accent); text-decoration:none; white-space:nowrap; }}
main {{ max-width:1280px; margin:0 auto; padding:18px 24px 48px; }}
section {{ background:#fff; border:1px solid var(--line); border-radius:8px; padding:18px 22px;
  margin:18px 0; }}
section h2 {{ margin:0 0 10px; font-size:19px; font-weight:650; }}
section h3 {{ margin:16px 0 6px; font-size:15px; font-weight:600; }}
p.note, p.missing {{ color:var(--muted); font-size:13.5px; }}
p.missing {{ font-style:italic; }}
.cards {{ display:flex; flex-wrap:wrap; gap:12px; margin:6px 0 4px; }}
.card {{ flex:1 1 200px; border:1px solid var(--line); border-left:5px solid var(--c,#888);
  border-radius:6px; padding:10px 14px; background:#fff; }}
.card .k {{ font-size:12px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); }}
.card .v {{ font-size:22px; font-weight:650; margin:2px 0; }}
.card .s {{ font-size:13px; color:var(--muted); }}
table.data {{ border-collapse:collapse; width:100%; font-size:13.5px; margin:6px 0 10px; }}
table.data th, table.data td {{ border-bottom:1px solid var(--line); padding:5px 8px;
  text-align:left; vertical-align:top; }}
table.data th {{ background:var(--bg); font-weight:600; }}
table.data td.num {{ text-align:right; font-variant-numeric:tabular-nums; }}
table.data tr:hover td {{ background:#f0f6fc; }}
.pass {{ color:#fff; background:{PASS}; border-radius:4px; padding:1px 7px; font-weight:600; }}
.fail {{ color:#fff; background:{FAIL}; border-radius:4px; padding:1px 7px; font-weight:600; }}
.swatch {{ display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px;
  background:var(--c,#888); }}
.figure {{ width:100%; }}
footer {{ color:var(--muted); font-size:12.5px; text-align:center; padding:8px; }}
"""


def esc(value: object) -> str:
    """HTML-escaped text of ``value`` (None -> an en dash)."""
    if value is None:
        return "&ndash;"
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int | None = None) -> str:
    """A number for a table: integers with thousands separators; floats with ``digits``
    decimals, or (by default) to about three significant figures (e-notation below 0.01
    and from 10 million); None and NaN as an en dash. Anything else: its escaped text."""
    if value is None:
        return "&ndash;"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "&ndash;"
        if digits is not None:
            return f"{value:,.{digits}f}"
        a = abs(value)
        if a == 0:
            return "0"
        if a < 0.01 or a >= 1e7:
            return f"{value:.2e}"
        if a >= 1000:
            return f"{value:,.0f}"
        if a >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    return esc(value)


_UNITS = (
    ("_m_s", " (m/s)"),
    ("_km", " (km)"),
    ("_deg", " (deg)"),
    ("_kg", " (kg)"),
    ("_s", " (s)"),
    ("_m", " (m)"),
)


def label(key: str) -> str:
    """A JSON key as a table label: ``delta_v_m_s`` -> ``delta v (m/s)``."""
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return key[: -len(suffix)].replace("_", " ") + unit
    return key.replace("_", " ")


def utc_text(text: str | None) -> str:
    """An ISO UTC timestamp shortened for people, as plain text (for cards and titles, which
    escape it): ``2030-09-16 01:46`` (None -> ``-``)."""
    return str(text).replace("T", " ")[:16] if text else "-"


def utc(text: str | None) -> str:
    """:func:`utc_text` as HTML for a table cell (None -> en dash)."""
    return esc(utc_text(text)) if text else "&ndash;"


def verdict(passed: bool | None) -> str:
    """A coloured PASS / FAIL badge (en dash when unknown)."""
    if passed is None:
        return "&ndash;"
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


@dataclass(frozen=True)
class Cell:
    """A table cell: ready-made HTML, right-aligned when ``numeric``."""

    html: str
    numeric: bool = False


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], css_id: str = "") -> str:
    """An HTML table. Cells that are :class:`Cell` are inserted as given; numbers are
    formatted by :func:`fmt` and right-aligned; anything else is escaped text."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        tds = []
        for v in row:
            if isinstance(v, Cell):
                tds.append(f'<td class="num">{v.html}</td>' if v.numeric else f"<td>{v.html}</td>")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                tds.append(f'<td class="num">{fmt(v)}</td>')
            else:
                tds.append(f"<td>{esc(v) if v is not None else '&ndash;'}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    attr = f' id="{esc(css_id)}"' if css_id else ""
    return (
        f'<table class="data"{attr}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def missing(what: str) -> str:
    """The line a section shows for something not in the results folder."""
    return f'<p class="missing">Not computed: {esc(what)}.</p>'


@dataclass
class Page:
    """One report page: a title, a subtitle and ordered sections of HTML; figures are counted
    so that tests can check every one of them rendered."""

    title: str
    subtitle: str = ""
    sections: list[tuple[str, str, str]] = field(default_factory=list)
    figures: int = 0

    def figure(self, fig: go.Figure, name: str) -> str:
        """The HTML of a plotly figure (no JavaScript bundle: the page inlines it once)."""
        self.figures += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"fig-{name}",
            config=PLOTLY_CONFIG,
        )
        return f'<div class="figure deorbit-figure" data-name="{esc(name)}">{div}</div>'

    def add(self, section_id: str, heading: str, body: str) -> None:
        """Append a section (``section_id`` is its HTML id and anchor)."""
        self.sections.append((section_id, heading, body))

    def render(self) -> str:
        """The complete, self-contained HTML document."""
        nav = "".join(f'<a href="#{esc(i)}">{esc(h)}</a>' for i, h, _ in self.sections)
        body = "".join(
            f'<section id="{esc(i)}"><h2>{esc(h)}</h2>{b}</section>' for i, h, b in self.sections
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="deorbit {esc(__version__)}">'
            f'<meta name="deorbit-figures" content="{self.figures}">'
            f"<title>{esc(self.title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>'
            f'</head><body><header class="top"><h1>{esc(self.title)}</h1>'
            f"<p>{esc(self.subtitle)}</p></header><nav>{nav}</nav><main>{body}</main>"
            f"<footer>Made by deorbit {esc(__version__)}. Self-contained: open it offline."
            "</footer></body></html>\n"
        )

    def write(self, path: Path) -> Path:
        """Write the page atomically to ``path``."""
        return write_text_atomic(path, self.render())


def cards(items: Sequence[tuple[str, str, str, str]]) -> str:
    """Headline cards: (label, value, small print, colour) each; value and small print are
    escaped."""
    out = []
    for label, value, small, colour in items:
        out.append(
            f'<div class="card" style="--c:{esc(colour)}"><div class="k">{esc(label)}</div>'
            f'<div class="v">{esc(value)}</div><div class="s">{esc(small)}</div></div>'
        )
    return f'<div class="cards">{"".join(out)}</div>'
