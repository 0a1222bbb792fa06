"""Charts drawn on the server as SVG: bars, stacked bars, lines and a heat map.

Each chart is an accessible image (``role="img"`` with its title and a description that
reads the data), every text is escaped, numbers are formatted in the user's language, and
every bar, point and cell carries a tooltip with its exact value. No JavaScript.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from callcenter import i18n as domain_i18n
from web import i18n

PALETTE = ("#3b6ea5", "#e07b39", "#5a9e5a", "#c0504d", "#8064a2", "#4bacc6", "#9b9b9b")
Format = Callable[[float], str]
_ids = itertools.count(1)
ROW, LABEL_W, WIDTH = 22, 170, 640


def number(value: float) -> str:
    """A figure as the user's language writes it (1 234,5 in Russian)."""
    rounded = round(value, 1)
    shown = int(rounded) if rounded == int(rounded) else rounded
    return domain_i18n.format_number(shown, i18n.LANGUAGE.get())


def hours(value: float) -> str:
    """Hours as h:mm: an agent's few minutes read 0:04, not a rounded 0."""
    minutes = round(value * 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _open(title: str, desc: str, width: int, height: int) -> str:
    n = next(_ids)
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart{n}-t chart{n}-d" '
        f'font-family="sans-serif" font-size="12">'
        f'<title id="chart{n}-t">{escape(title)}</title><desc id="chart{n}-d">{escape(desc)}</desc>'
    )


def _empty(title: str) -> Markup:
    message = i18n.gettext("No data for this period")
    return _finish(
        [
            _open(title, message, WIDTH, 40),
            f'<text x="{WIDTH // 2}" y="24" text-anchor="middle" fill="#777">'
            f"{escape(message)}</text>",
        ]
    )


def _finish(parts: list[str]) -> Markup:
    """The drawing as markup: every text in ``parts`` went through ``escape``."""
    return Markup("".join(parts) + "</svg>")  # noqa: S704


def _described(labels: Sequence[str], values: Sequence[float], fmt: Format) -> str:
    return "; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values, strict=True))


def _legend(names: Sequence[str], y: int) -> str:
    parts, x = [], LABEL_W
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 9}">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return "".join(parts)


def bars(
    title: str, labels: Sequence[str], values: Sequence[float], *, fmt: Format = number
) -> Markup:
    """Horizontal bars, one per label, each with its value at its end."""
    if not labels:
        return _empty(title)
    top = max(max(values), 0) or 1
    span = WIDTH - LABEL_W - 70
    parts = [_open(title, _described(labels, values, fmt), WIDTH, ROW * len(labels) + 8)]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y, w = 4 + i * ROW, max(0.0, value) / top * span
        tip = escape(f"{label}: {fmt(value)}")
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" '
            f'fill="{PALETTE[0]}"><title>{tip}</title></rect>'
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 14}">{escape(fmt(value))}</text>'
        )
    return _finish(parts)


def stacked_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    fmt: Format = number,
) -> Markup:
    """Horizontal bars split into the series' parts (e.g. answered / abandoned), a legend."""
    if not labels or not series:
        return _empty(title)
    totals = [sum(max(0.0, s[1][i]) for s in series) for i in range(len(labels))]
    top, span = max(totals) or 1, WIDTH - LABEL_W - 70
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{name} {fmt(values[i])}" for name, values in series)
        for i, label in enumerate(labels)
    )
    height = ROW * len(labels) + 30
    parts = [_open(title, desc, WIDTH, height)]
    for i, label in enumerate(labels):
        y, x = 4 + i * ROW, float(LABEL_W)
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
        )
        for k, (name, values) in enumerate(series):
            w = max(0.0, values[i]) / top * span
            tip = escape(f"{label}, {name}: {fmt(values[i])}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{tip}</title></rect>'
            )
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 14}">{escape(fmt(totals[i]))}</text>')
    parts.append(_legend([name for name, _ in series], height - 16))
    return _finish(parts)


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    fmt: Format = number,
) -> Markup:
    """Lines over labelled points (days, hours); a missing value breaks the line."""
    if not labels or not series:
        return _empty(title)
    known = [v for _, values in series for v in values if v is not None]
    top = max(known + [0.0]) or 1
    left, right, plot_h, base = 60, WIDTH - 10, 160, 170
    step = (right - left) / max(1, len(labels) - 1)
    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{lb} {fmt(v)}" for lb, v in zip(labels, values, strict=True) if v is not None)
        for name, values in series
    )
    parts = [_open(title, desc, WIDTH, base + 46)]
    for tick in range(5):
        value, y = top * tick / 4, base - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>'
        )
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (left + i * step, base - plot_h * v / top, labels[i], v)
            for i, v in enumerate(values)
            if v is not None
        ]
        for run in _runs(values, points):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y, label, v in points:
            tip = escape(f"{name}, {label}: {fmt(v)}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{tip}</title></circle>"
            )
    parts.append(_legend([name for name, _ in series], base + 30))
    return _finish(parts)


def _runs(values: Sequence[float | None], points: list) -> list[list]:
    """The points split where a value is missing."""
    runs: list[list] = [[]]
    it = iter(points)
    for v in values:
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(next(it))
    return [r for r in runs if len(r) > 1]


def heat_map(
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float]],
    *,
    fmt: Format = number,
) -> Markup:
    """A grid (e.g. weekdays x hours of the day), darker where the value is larger."""
    top = max((v for row in values for v in row), default=0)
    if not rows or not columns or top <= 0:
        return _empty(title)
    left = max(50, 10 + 7 * max(len(r) for r in rows))  # the longest row label fits
    cell_w, cell_h = (WIDTH - left) / len(columns), 22
    desc = "; ".join(
        f"{r}: " + ", ".join(f"{c} {fmt(v)}" for c, v in zip(columns, vals, strict=True) if v)
        for r, vals in zip(rows, values, strict=True)
        if any(vals)
    )
    parts = [_open(title, desc, WIDTH, cell_h * len(rows) + 24)]
    for j, column in enumerate(columns):
        parts.append(
            f'<text x="{left + (j + 0.5) * cell_w:.1f}" y="{cell_h * len(rows) + 16}" '
            f'text-anchor="middle" font-size="10">{escape(column)}</text>'
        )
    for i, (row, vals) in enumerate(zip(rows, values, strict=True)):
        y = i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(row)}</text>')
        for j, v in enumerate(vals):
            shade = 0.06 + 0.94 * max(0.0, v) / top if v else 0.0
            tip = escape(f"{row}, {columns[j]}: {fmt(v)}")
            parts.append(
                f'<rect x="{left + j * cell_w:.1f}" y="{y + 1}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 2}" fill="{PALETTE[0]}" fill-opacity="{shade:.2f}" '
                f'stroke="#eee"><title>{tip}</title></rect>'
            )
    return _finish(parts)
