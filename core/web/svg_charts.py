"""The geometry of the graph view's charts (bar, line, pie), drawn as inline SVG by the
graph.html template: no plotting library, nothing but rectangles, polylines, circles and
arc paths whose coordinates are computed here. Colors come from CSS classes (c0...c7),
so that the page needs no inline style.

A chart is categories (the first group-by) and series (the second group-by, else one
series named after the measure): `values[s][c]` is the number of series `s` in category
`c`. Bars of several series are stacked; lines draw one polyline per series; a pie
shows the total of each category.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 80, 16, 16, 84
COLORS = 8
LABEL_CHARS = 16  # longer category labels are shortened on the axis (full in tooltips)


@dataclass
class ChartData:
    """What a chart shows: category and series labels and the numbers."""

    categories: list[str]
    series: list[str]
    values: list[list[float]]  # values[series][category]
    format: Callable[[float], str] = str
    tick_format: Callable[[float], str] | None = None  # axis ticks (else `format`)

    def total(self, category: int) -> float:
        """The sum of every series in one category."""
        return sum(row[category] for row in self.values)


@dataclass
class Shape:
    """One drawn mark with its tooltip: kind is rect, circle or path."""

    kind: str
    css: str
    title: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    r: float = 0
    d: str = ""


@dataclass
class Text:
    """A label: axis ticks, category names, axis titles."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    css: str = ""
    rotate: float = 0
    full: str = ""  # the whole label when `text` was shortened


@dataclass
class Chart:
    """Everything the template draws."""

    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    shapes: list[Shape] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css, points) polylines
    grid: list[tuple[float, float, float, float]] = field(default_factory=list)
    axes: list[tuple[float, float, float, float]] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css, label)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks covering low..high and zero: steps of 1, 2, 2.5 or 5 times a
    power of ten."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-12:
        high = low + 1
    step = _nice_step((high - low) / count)
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    steps = round((stop - start) / step)
    return [_clean(start + index * step) for index in range(steps + 1)]


def _nice_step(raw: float) -> float:
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    nice = next(n for n in (1, 2, 2.5, 5, 10) if fraction <= n + 1e-9)
    return nice * 10**exponent


def _clean(value: float) -> float:
    value = round(value, 10)
    return 0.0 if value == 0 else value


def shorten(label: str, size: int = LABEL_CHARS) -> str:
    """A label cut to `size` characters with an ellipsis."""
    return label if len(label) <= size else label[: size - 1] + "…"


def css(index: int) -> str:
    """The color class of the index-th series or slice."""
    return f"c{index % COLORS}"


def draw(kind: str, data: ChartData, x_title: str, y_title: str) -> Chart:
    """The chart of `kind` (bar, line or pie)."""
    if kind == "pie":
        return _pie(data)
    chart = Chart(kind)
    several = len(data.series) > 1
    if several:
        chart.legend = [(css(i), label) for i, label in enumerate(data.series)]
    if kind == "bar":
        positive = [sum(max(v, 0) for v in col) for col in zip(*data.values)]
        negative = [sum(min(v, 0) for v in col) for col in zip(*data.values)]
        ticks = nice_ticks(min(negative, default=0), max(positive, default=0))
    else:
        flat = [v for row in data.values for v in row]
        ticks = nice_ticks(min(flat, default=0), max(flat, default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return round(TOP + plot_height * (high - value) / (high - low), 2)

    for tick in ticks:
        y = y_of(tick)
        chart.grid.append((LEFT, y, LEFT + plot_width, y))
        chart.texts.append(Text(LEFT - 8, y + 4, (data.tick_format or data.format)(tick),
                                "end", "tick"))
    chart.axes = [(LEFT, TOP, LEFT, TOP + plot_height),
                  (LEFT, y_of(0), LEFT + plot_width, y_of(0))]
    count = len(data.categories)
    band = plot_width / max(count, 1)
    rotate = count > 6
    for index, label in enumerate(data.categories):
        center = round(LEFT + band * (index + 0.5), 2)
        y = TOP + plot_height + 18
        chart.texts.append(Text(center, y, shorten(label), "end" if rotate else "middle",
                                "category", -35 if rotate else 0,
                                label if len(label) > LABEL_CHARS else ""))
    chart.texts.append(Text(LEFT + plot_width / 2, HEIGHT - 6, x_title, "middle", "axis-title"))
    chart.texts.append(Text(16, TOP + plot_height / 2, y_title, "middle", "axis-title", -90))
    if kind == "bar":
        _bars(chart, data, band, y_of)
    else:
        _lines(chart, data, band, y_of)
    return chart


def _tooltip(data: ChartData, category: int, series: int) -> str:
    value = data.format(data.values[series][category])
    if len(data.series) > 1:
        return f"{data.categories[category]} · {data.series[series]}: {value}"
    return f"{data.categories[category]}: {value}"


def _bars(chart: Chart, data: ChartData, band: float, y_of) -> None:
    width = round(band * 0.6, 2)
    for category in range(len(data.categories)):
        x = round(LEFT + band * category + band * 0.2, 2)
        above = below = 0.0
        for series, row in enumerate(data.values):
            value = row[category]
            if value == 0 and len(data.series) > 1:
                continue  # nothing to stack (the hidden table still says 0)
            if value >= 0:
                top, bottom = y_of(above + value), y_of(above)
                above += value
            else:
                top, bottom = y_of(below), y_of(below + value)
                below += value
            chart.shapes.append(Shape("rect", f"bar {css(series)}",
                                      _tooltip(data, category, series), x=x, y=top,
                                      width=width, height=round(bottom - top, 2)))


def _lines(chart: Chart, data: ChartData, band: float, y_of) -> None:
    for series, row in enumerate(data.values):
        points = [(round(LEFT + band * (i + 0.5), 2), y_of(v)) for i, v in enumerate(row)]
        chart.lines.append((f"line {css(series)}", " ".join(f"{x},{y}" for x, y in points)))
        for category, (x, y) in enumerate(points):
            chart.shapes.append(Shape("circle", f"point {css(series)}",
                                      _tooltip(data, category, series), x=x, y=y, r=4))


def _pie(data: ChartData) -> Chart:
    """One slice per category with a positive total (the legend names them)."""
    chart = Chart("pie", width=400)
    totals = [(i, data.total(i)) for i in range(len(data.categories))]
    totals = [(i, t) for i, t in totals if t > 0]
    whole = sum(t for _i, t in totals)
    if whole <= 0:
        return chart
    cx, cy, radius = 200, HEIGHT / 2, 150
    angle = -math.pi / 2
    for slot, (index, total) in enumerate(totals):
        share = total / whole
        title = f"{data.categories[index]}: {data.format(total)} ({share:.1%})"
        chart.legend.append((css(slot), data.categories[index]))
        if share > 0.999999:
            chart.shapes.append(Shape("circle", f"slice {css(slot)}", title, x=cx, y=cy,
                                      r=radius))
            continue
        end = angle + share * 2 * math.pi
        x0, y0 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        x1, y1 = cx + radius * math.cos(end), cy + radius * math.sin(end)
        large = 1 if share > 0.5 else 0
        path = (f"M{cx:.2f},{cy:.2f} L{x0:.2f},{y0:.2f} "
                f"A{radius},{radius} 0 {large} 1 {x1:.2f},{y1:.2f} Z")
        chart.shapes.append(Shape("path", f"slice {css(slot)}", title, d=path))
        angle = end
    return chart
