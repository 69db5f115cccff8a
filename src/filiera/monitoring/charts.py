"""Server-side SVG charts for the reports: a pure module (no Django). A line chart of one series over years and a
horizontal bar chart of a breakdown, as SVG text to embed inline in HTML (WeasyPrint draws it in the PDF).

Values are placed proportionally on a scale from zero (or from the lowest value, when one is negative) up to a
round number above the highest; every text is escaped; the output depends on the input only (coordinates are
rounded to a tenth of a pixel), so the same data always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

INK = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
COLOURS = ("#0d6efd", "#198754", "#d63384", "#fd7e14", "#6f42c1", "#20c997")
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'

Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _n(value: float) -> str:
    """A coordinate: one decimal, no trailing zeros, no negative zero."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks` intervals."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def scale(values: Sequence[float | None], ticks: int = 4) -> tuple[float, float, float]:
    """(low, high, step) of an axis showing every value: from zero (or below, for negative values) to a round
    number at or above the highest value."""
    known = [v for v in values if v is not None]
    low = min([0.0, *known])
    high = max([0.0, *known])
    step = nice_step(high - low, ticks)
    low = step * math.floor(low / step)
    high = step * math.ceil(high / step)
    if high == low:
        high = low + step
    return low, high, step


def _frame(width: float, height: float, title: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{escape(title)}" {FONT} font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="12" font-size="11" font-weight="bold" fill="{INK}">{escape(title)}</text>',
        *body,
        "</svg>",
    ]) + "\n"


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *, width: float = 480,
               height: float = 200, format_value: Formatter = _plain, format_tick: Formatter | None = None,
               colour: str = COLOURS[0]) -> str:
    """A line over `labels` (the years), one point per value; an unknown value (None) leaves a gap. Each point is
    labelled with `format_value`, the axis with `format_tick` (by default the same)."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    low, high, step = scale(values)
    ticks = [low + k * step for k in range(round((high - low) / step) + 1)]
    tick_labels = [(format_tick or format_value)(tick) for tick in ticks]
    # Room on the left for the longest tick label (about 6 px a character at this size).
    left, right, top, bottom = 10.0 + 6 * max(len(label) for label in tick_labels), 12.0, 28.0, 22.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(labels) if labels else 0)

    body = []
    for tick, tick_label in zip(ticks, tick_labels, strict=True):
        y = y_of(tick)
        body.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - right)}" y2="{_n(y)}" stroke="{GRID}" '
                    f'stroke-width="{1 if tick else 1.2}"/>')
        body.append(f'<text x="{_n(left - 4)}" y="{_n(y + 3.5)}" text-anchor="end" fill="{MUTED}">'
                    f"{escape(tick_label)}</text>")
    for i, label in enumerate(labels):
        body.append(f'<text x="{_n(x_of(i))}" y="{_n(height - 6)}" text-anchor="middle" fill="{MUTED}">'
                    f"{escape(str(label))}</text>")
    # The line, broken where a value is unknown.
    path, pen_down = [], False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{_n(x_of(i))} {_n(y_of(value))}")
        pen_down = True
    if path:
        body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, value in enumerate(values):
        if value is None:
            continue
        x, y = x_of(i), y_of(value)
        body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{colour}" data-value="{escape(repr(value))}"/>')
        body.append(f'<text x="{_n(x)}" y="{_n(y - 6)}" text-anchor="middle" fill="{INK}">'
                    f"{escape(format_value(value))}</text>")
    return _frame(width, height, title, body)


def bar_chart(title: str, items: Sequence[tuple[str, float]], *, width: float = 480, bar_height: float = 16,
              label_width: float = 170, format_value: Formatter = _plain, colour: str = COLOURS[1]) -> str:
    """Horizontal bars, one per (label, value), in the order given; lengths proportional to the values, each
    labelled with its value."""
    top, gap, right = 24.0, 6.0, 56.0
    plot_w = width - label_width - right
    highest = max([v for _label, v in items if v > 0], default=0.0)
    height = top + len(items) * (bar_height + gap) + 4
    body = [f'<line x1="{_n(label_width)}" y1="{_n(top - 2)}" x2="{_n(label_width)}" y2="{_n(height - 4)}" '
            f'stroke="{GRID}"/>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        length = plot_w * max(value, 0) / highest if highest else 0.0
        text = str(label)
        shown = text if len(text) <= 30 else text[:29] + "…"
        body.append(f'<text x="{_n(label_width - 6)}" y="{_n(y + bar_height * 0.7)}" text-anchor="end" '
                    f'fill="{INK}">{escape(shown)}</text>')
        body.append(f'<rect x="{_n(label_width)}" y="{_n(y)}" width="{_n(length)}" height="{_n(bar_height)}" '
                    f'fill="{colour}" data-value="{escape(repr(value))}"><title>{escape(text)}</title></rect>')
        body.append(f'<text x="{_n(label_width + length + 4)}" y="{_n(y + bar_height * 0.7)}" fill="{INK}">'
                    f"{escape(format_value(value))}</text>")
    return _frame(width, height, title, body)
