"""Line charts drawn on the server: plain functions from readings to an SVG drawing model.

The partial ``charts.html#line-chart`` draws the model; nothing here knows about requests, the
database or HTML, so the scaling, the threshold lines and the gaps are tested as plain values.

X is days since the infusion: day 0 is the infusion's calendar day, and a reading at 18:00 on day 3
sits at x = 3.75, so a day is the stretch from one whole number to the next. Y is the reading's own
unit. A check-in that did not measure a value leaves a gap in the line, never a zero.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Which side of a threshold the rule fires on, as the rule table writes it.
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}

# A gap longer than this many days between two readings is a missing check-in: the line breaks.
MAX_GAP_DAYS = 1.5


@dataclass(frozen=True, slots=True)
class Reading:
    """One check-in's value; ``value`` is None when that check-in did not measure it."""

    x: float
    value: float | None
    when: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A rule's line: the rule fires when a value compares to ``value`` by ``op``."""

    value: float
    op: str
    label: str

    def __post_init__(self) -> None:
        if self.op not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def breached(self, value: float) -> bool:
        return COMPARISONS[self.op](value, self.value)


@dataclass(frozen=True, slots=True)
class Series:
    """One line on a chart; ``style`` is a CSS modifier ("primary" draws dots, else squares).

    ``checked`` says whether the chart's threshold lines are about this series (the systolic
    line is not about the diastolic pressure drawn beside it).
    """

    name: str
    readings: Sequence[Reading]
    style: str = "primary"
    checked: bool = True

    def past_a_line(self, value: float, thresholds: Sequence[Threshold]) -> bool:
        return self.checked and any(t.breached(value) for t in thresholds)


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical line at a day, such as an infusion."""

    day: float
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    text: str
    alert: bool


@dataclass(frozen=True, slots=True)
class DrawnSeries:
    name: str
    style: str
    paths: list[str]
    dots: list[Dot]


@dataclass(frozen=True, slots=True)
class DrawnThreshold:
    y: float
    label: str
    label_y: float


@dataclass(frozen=True, slots=True)
class DrawnMarker:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Row:
    when: str
    values: list[str]


@dataclass(frozen=True, slots=True)
class Box:
    """The drawing's size and the margins around the plot, in SVG user units."""

    width: int = 560
    height: int = 240
    left: int = 48
    right: int = 12
    top: int = 18
    bottom: int = 42

    @property
    def plot_left(self) -> int:
        return self.left

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_top(self) -> int:
        return self.top

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


WIDE = Box()
NARROW = Box(width=310, height=220, left=40, right=6)


@dataclass(frozen=True, slots=True)
class LineChart:
    slug: str
    title: str
    description: str
    unit: str
    box: Box
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    x_grid: list[float]
    thresholds: list[DrawnThreshold]
    markers: list[DrawnMarker]
    series: list[DrawnSeries]
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    x_title: str = ""

    @property
    def has_readings(self) -> bool:
        return any(s.dots for s in self.series)


# -- scaling ---------------------------------------------------------------------------------------


def scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    """Maps ``value`` from the range lo..hi onto out_lo..out_hi (either may run backwards)."""
    if hi == lo:
        return (out_lo + out_hi) / 2
    return round(out_lo + (value - lo) * (out_hi - out_lo) / (hi - lo), 2)


def nice_step(span: float, count: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    raw = span / max(count, 1)
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power  # pragma: no cover (the loop always returns)


def y_range(
    values: Iterable[float],
    thresholds: Iterable[Threshold],
    *,
    min_span: float,
    floor: float | None = None,
    ceiling: float | None = None,
    count: int = 5,
) -> tuple[float, float, float]:
    """The y range (low, high, tick step) that shows every value and every threshold line.

    The range is at least ``min_span`` wide, padded, rounded out to whole tick steps, and kept
    within ``floor``..``ceiling`` (an oxygen level never goes over 100 %).
    """
    points = [*values, *(t.value for t in thresholds)]
    if not points:
        points = [floor or 0.0]
    lo, hi = min(points), max(points)
    if hi - lo < min_span:
        middle = (lo + hi) / 2
        lo, hi = middle - min_span / 2, middle + min_span / 2
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, count)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if floor is not None:
        lo = max(lo, floor)
    if ceiling is not None:
        hi = min(hi, ceiling)
    return lo, hi, step


def y_ticks(lo: float, hi: float, step: float, decimals: int) -> list[tuple[float, str]]:
    """The tick values from the first step at or above ``lo`` to ``hi``, with their labels."""
    first = math.ceil(round(lo / step, 9)) * step
    ticks = []
    value = first
    while value <= hi + step / 1000:
        ticks.append((value, format_value(value, decimals)))
        value = round(value + step, 9)
    return ticks


def day_step(days: int, most: int) -> int:
    """How many days apart the labelled days are so that at most ``most`` labels fit."""
    for step in (1, 2, 5, 7, 10, 14, 28, 50, 100, 200, 500):
        if days / step <= most:
            return step
    return 1000


def day_labels(first: int, last: int, most: int) -> list[int]:
    """The days to label on the x axis: every day, or every few days, always with day 0."""
    step = day_step(last - first + 1, most)
    return [day for day in range(first, last + 1) if day % step == 0]


def segments(readings: Sequence[Reading], max_gap: float = MAX_GAP_DAYS) -> list[list[Reading]]:
    """The readings split into runs a line may join: a check-in without the value breaks the line,
    and so does a stretch of more than ``max_gap`` days without any check-in."""
    runs: list[list[Reading]] = []
    current: list[Reading] = []
    for reading in sorted(readings, key=lambda r: r.x):
        if reading.value is None or (current and reading.x - current[-1].x > max_gap):
            if current:
                runs.append(current)
            current = []
        if reading.value is not None:
            current.append(reading)
    if current:
        runs.append(current)
    return runs


def format_value(value: float, decimals: int) -> str:
    """A reading as the reader writes numbers: 36.8 in English, 36,8 in Spanish."""
    return formats.number_format(value, decimals)


def label_positions(ys: Sequence[float], *, gap: float = 13.0) -> list[float]:
    """Where each threshold's label goes: just above its line, or below when the line above
    would cover it. ``ys`` are the lines' y positions (smaller is higher up)."""
    placed: list[float] = []
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    result = [0.0] * len(ys)
    for i in order:
        above = ys[i] - 4
        if placed and above - placed[-1] < gap:
            above = ys[i] + 12
        result[i] = above
        placed.append(above)
    return result


# -- the chart -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """A chart to draw: ``line_chart``'s arguments, drawn by ``draw()``.

    The drawing is a function of these plain values and the reader's language (its words and
    number format) alone, so the fingerprint of the values names the drawing: a page may keep a
    drawn chart under it with the language (``{% cache %}`` in ``charts.html``) and draw again
    only for a fingerprint it has not kept.
    """

    slug: str
    title: str
    unit: str
    series: Sequence[Series]
    days: tuple[int, int]
    thresholds: Sequence[Threshold] = ()
    decimals: int = 0
    min_span: float = 10
    floor: float | None = None
    ceiling: float | None = None
    markers: Sequence[Marker] = ()
    box: Box = WIDE

    @property
    def fingerprint(self) -> str:
        """Every value of the plan as one text (``{% cache %}`` hashes it into the key)."""
        return repr(self)

    def draw(self) -> LineChart:
        return line_chart(**{f.name: getattr(self, f.name) for f in fields(self)})


def line_chart(
    *,
    slug: str,
    title: str,
    unit: str,
    series: Sequence[Series],
    thresholds: Sequence[Threshold] = (),
    days: tuple[int, int],
    decimals: int = 0,
    min_span: float = 10,
    floor: float | None = None,
    ceiling: float | None = None,
    markers: Sequence[Marker] = (),
    box: Box = WIDE,
) -> LineChart:
    """A chart of ``series`` over the days ``days[0]``..``days[1]`` (both drawn whole)."""
    first_day, last_day = days
    x_lo, x_hi = first_day, last_day + 1
    values = [r.value for s in series for r in s.readings if r.value is not None]
    lo, hi, step = y_range(values, thresholds, min_span=min_span, floor=floor, ceiling=ceiling)

    def x_at(x: float) -> float:
        return scale(x, x_lo, x_hi, box.plot_left, box.plot_right)

    def y_at(value: float) -> float:
        return scale(value, lo, hi, box.plot_bottom, box.plot_top)

    drawn_series = []
    for s in series:
        paths = [
            " ".join(f"{x_at(r.x)},{y_at(r.value)}" for r in run if r.value is not None)
            for run in segments(s.readings)
            if len(run) > 1
        ]
        dots = [
            Dot(
                x_at(r.x),
                y_at(r.value),
                f"{r.when}: {format_value(r.value, decimals)} {unit}",
                s.past_a_line(r.value, thresholds),
            )
            for r in s.readings
            if r.value is not None
        ]
        drawn_series.append(DrawnSeries(s.name, s.style, paths, dots))

    lines = [t for t in thresholds if lo <= t.value <= hi]
    line_ys = [y_at(t.value) for t in lines]
    drawn_thresholds = [
        DrawnThreshold(y, t.label, label_y)
        for t, y, label_y in zip(lines, line_ys, label_positions(line_ys), strict=True)
    ]
    most_labels = max(3, int((box.plot_right - box.plot_left) // 34))
    labelled = day_labels(first_day, last_day, most_labels)
    return LineChart(
        slug=slug,
        title=title,
        description=describe(title, unit, series, thresholds, decimals),
        unit=unit,
        box=box,
        y_ticks=[Tick(y_at(v), label) for v, label in y_ticks(lo, hi, step, decimals)],
        x_ticks=[Tick(x_at(day + 0.5), str(day)) for day in labelled],
        x_grid=[x_at(day) for day in labelled if day != first_day],
        thresholds=drawn_thresholds,
        markers=[DrawnMarker(x_at(m.day), m.label) for m in markers if x_lo <= m.day <= x_hi],
        series=drawn_series,
        headers=[s.name for s in series],
        rows=table_rows(series, decimals, unit),
        x_title=_("Days since the infusion (day 0 is the infusion day)"),
    )


def table_rows(series: Sequence[Series], decimals: int, unit: str) -> list[Row]:
    """The text alternative: one row per check-in, a value per series or "not measured"."""
    moments: dict[tuple[float, str], list[str]] = {}
    for index, s in enumerate(series):
        for r in s.readings:
            values = moments.setdefault((r.x, r.when), [_("not measured")] * len(series))
            if r.value is not None:
                values[index] = f"{format_value(r.value, decimals)} {unit}"
    return [Row(when, values) for (_x, when), values in sorted(moments.items())]


def describe(
    title: str,
    unit: str,
    series: Sequence[Series],
    thresholds: Sequence[Threshold],
    decimals: int,
) -> str:
    """One or two sentences a screen reader says before the table of values."""
    sentences = []
    for s in series:
        measured = [r for r in s.readings if r.value is not None]
        missing = len(s.readings) - len(measured)
        if not measured:
            sentences.append(_("%(name)s: no readings.") % {"name": s.name})
            continue
        low = min(measured, key=lambda r: r.value)
        high = max(measured, key=lambda r: r.value)
        text = ngettext(
            "%(name)s: %(count)d reading, %(value)s.",
            "%(name)s: %(count)d readings, lowest %(low)s (%(low_when)s), "
            "highest %(high)s (%(high_when)s).",
            len(measured),
        ) % {
            "name": s.name,
            "count": len(measured),
            "value": f"{format_value(low.value, decimals)} {unit}",
            "low": f"{format_value(low.value, decimals)} {unit}",
            "low_when": low.when,
            "high": f"{format_value(high.value, decimals)} {unit}",
            "high_when": high.when,
        }
        beyond = sum(1 for r in measured if s.past_a_line(r.value, thresholds))
        if thresholds and s.checked:
            text += " " + ngettext(
                "%(count)d reading is past a line.",
                "%(count)d readings are past a line.",
                beyond,
            ) % {"count": beyond}
        if missing:
            text += " " + ngettext(
                "%(count)d check-in did not measure it.",
                "%(count)d check-ins did not measure it.",
                missing,
            ) % {"count": missing}
        sentences.append(text)
    if thresholds:
        sentences.append(_("Lines: %(lines)s.") % {"lines": "; ".join(t.label for t in thresholds)})
    return " ".join(sentences)
