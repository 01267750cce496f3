"""Small inline SVG charts for the HTML report: no scripts, no external files, print well."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

INK = "#1d2330"
MUTED = "#6b7485"
ACCENT = "#1f4e8c"
WARN = "#d7263d"


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 640,
    height: int = 200,
    highlight: Sequence[bool] | None = None,
    every: int = 1,
) -> Markup:
    """Vertical bars with their values; ``every``: label only every n-th bar."""
    n = max(len(values), 1)
    top = max([*values, 1.0])
    pad_left, pad_bottom, pad_top = 8, 34, 16
    plot_h = height - pad_bottom - pad_top
    step = (width - pad_left * 2) / n
    bar_w = max(step * 0.7, 1)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = pad_left + i * step + (step - bar_w) / 2
        h = plot_h * value / top
        y = pad_top + plot_h - h
        color = WARN if highlight and highlight[i] else ACCENT
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"/>'
        )
        if value and (n <= 24 or i % every == 0):
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="10" fill="{INK}">{value:.0f}</text>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_bottom + 14}" '
                f'text-anchor="middle" font-size="10" fill="{MUTED}">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - pad_left}" '
        f'y2="{pad_top + plot_h}" stroke="{MUTED}" stroke-width="0.5"/></svg>'
    )
    return Markup("".join(parts))


def hbars(labels: Sequence[str], values: Sequence[float], *, width: int = 640) -> Markup:
    """Horizontal bars, one row per label (names too long to stand under a bar).

    ``width`` should be about the pixels the chart is shown in: the SVG scales to its box,
    so a wide viewBox in a narrow column shrinks the labels below reading size."""
    row = 22
    # 12 px text: a CJK character is about 12 px wide, a Latin one about 7.
    longest = max((sum(12 if ord(c) > 0x2E7F else 7 for c in label) for label in labels), default=0)
    label_w = min(longest + 12, width // 2)
    height = row * max(len(values), 1) + 8
    top = max([*values, 1.0])
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        w = (width - label_w - 60) * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{ACCENT}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="{INK}">'
            f"{value:.0f}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def spark(values: Sequence[float], *, width: int = 140, height: int = 36) -> Markup:
    """A small line of a figure over the periods, the last point (this period) in red."""
    n = len(values)
    if n < 2:
        return Markup("")
    top = max([*values, 1.0])
    xs = [4 + i * (width - 8) / (n - 1) for i in range(n)]
    ys = [height - 4 - (height - 8) * v / top for v in values]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<polyline points="{points}" fill="none" stroke="{ACCENT}" stroke-width="1.5"/>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="3" fill="{WARN}"/></svg>'
    )


def lines(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """A few figures over the periods, with a legend."""
    colors = [ACCENT, WARN, "#2a9d6f", "#f29e1f", "#7b4fb0"]
    n = len(labels)
    top = max([1.0, *(v for values in series.values() for v in values)])
    pad, bottom, legend = 40, 30, 20
    plot_h = height - bottom - legend - 10
    xs = [pad + i * (width - 2 * pad) / max(n - 1, 1) for i in range(n)]
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img">']
    # A scale: the top of the plot is the largest value, the bottom is zero.
    for y, value in ((legend + 10, top), (legend + 10 + plot_h, 0.0)):
        parts.append(
            f'<line x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}" stroke="{MUTED}" '
            f'stroke-width="0.4" stroke-dasharray="3 3"/>'
            f'<text x="{pad - 4}" y="{y + 3}" text-anchor="end" font-size="9" '
            f'fill="{MUTED}">{value:.0f}</text>'
        )
    for x, label in zip(xs, labels, strict=True):
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    for k, (name, values) in enumerate(series.items()):
        color = colors[k % len(colors)]
        ys = [legend + 10 + plot_h - plot_h * v / top for v in values]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
            f'<rect x="{pad + k * 150}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{pad + k * 150 + 14}" y="13" font-size="11" fill="{INK}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
