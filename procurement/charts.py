"""Horizontal bar charts drawn on the server as SVG: the geometry here, the markup in a template.

Pure code: the dashboard hands in labelled values and links; `components/_bar_chart.html` draws
them (every coordinate a number computed here, every label escaped by the template) beside a table
that says the same in text.
"""

from __future__ import annotations

from dataclasses import dataclass

LABEL_WIDTH = 200
BAR_AREA = 300
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
TOP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to measure (drawn as no bar, shown as "—")
    url: str
    display: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    display: str  # in the table and the bar's name
    short: str  # beside the bar
    url: str
    y: int
    text_y: int
    width: float


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    label_heading: str
    value_heading: str
    rows: tuple[Row, ...]
    width: int
    height: int
    label_x: int = LABEL_WIDTH - 8
    bar_x: int = LABEL_WIDTH
    bar_area: int = BAR_AREA
    bar_height: int = BAR_HEIGHT
    value_x: int = LABEL_WIDTH + BAR_AREA + 8
    list_url: str = ""


def _display(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    bars: list[Bar],
    label_heading: str,
    value_heading: str,
    list_url: str = "",
) -> Chart:
    """Bars scaled to the largest value; a chart of zeros draws empty tracks, never a division by 0."""
    largest = max((b.value for b in bars if b.value is not None), default=0) or 1
    rows = tuple(
        Row(
            label=bar.label,
            display=bar.display or _display(bar.value),
            short=_display(bar.value),
            url=bar.url,
            y=TOP + index * ROW_HEIGHT,
            text_y=TOP + index * ROW_HEIGHT + BAR_HEIGHT - 4,
            width=round(BAR_AREA * max(0.0, float(bar.value or 0)) / largest, 1),
        )
        for index, bar in enumerate(bars)
    )
    return Chart(
        key=key,
        title=title,
        description=description,
        label_heading=label_heading,
        value_heading=value_heading,
        rows=rows,
        width=LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        height=TOP * 2 + max(1, len(rows)) * ROW_HEIGHT,
        list_url=list_url,
    )
