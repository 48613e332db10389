"""Colours and the plotly layout every report figure shares (one colour per solar level)."""

from __future__ import annotations

import plotly.graph_objects as go

LEVEL_COLOURS = {
    "WEAK": "#2f7bbf",
    "AVERAGE": "#e08a00",
    "STRONG": "#c8323c",
    "OBSERVED": "#5a5a5a",
}
"""Solar-activity level -> colour, the same in every plot and table of a report."""

OTHER_COLOURS = ("#7b4fa6", "#2a9d8f", "#8c564b", "#e377c2")
LAND = "#d9d4c7"
LAND_EDGE = "#a8a294"
OCEAN = "#eef4f8"
ZONE = "#1b9e77"
PASS = "#1a7f37"
FAIL = "#c8323c"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def level_colour(level: str, index: int = 0) -> str:
    """The colour of a solar level (a fallback colour for unknown names)."""
    return LEVEL_COLOURS.get(level.upper(), OTHER_COLOURS[index % len(OTHER_COLOURS)])


def style(fig: go.Figure, height: int = 420) -> go.Figure:
    """Apply the report's layout to ``fig`` (white background, light grid, system font; no
    title: the report's section headings name the figures)."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        font={"family": FONT, "size": 13, "color": "#222"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig
