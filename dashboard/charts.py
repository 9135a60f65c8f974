"""Charts rendered on the server as inline SVG: no JavaScript library, no CDN, works offline.

Each function returns safe markup sized by ``viewBox`` (it scales with the page); colours come
from CSS classes in ``dashboard/dashboard.css`` (``series-0``..``series-4``, ``state-ok``...),
and every bar or point has a ``<title>`` so hovering shows its exact value.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 160
LEFT, BOTTOM, TOP = 48, 20, 8


def _fmt(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _frame(body: list[str], label: str, maximum: float, unit: str, first: str, last: str) -> SafeString:
    plot_bottom = HEIGHT - BOTTOM
    parts = [
        f'<svg class="dashboard-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}"'
        ' preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH}" y2="{plot_bottom}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end">{escape(_fmt(maximum))}{escape(unit)}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{plot_bottom}" text-anchor="end">0</text>',
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 4}">{escape(first)}</text>',
        f'<text class="tick" x="{WIDTH}" y="{HEIGHT - 4}" text-anchor="end">{escape(last)}</text>',
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    label: str,
    unit: str = "",
) -> SafeString:
    """Stacked bars: one bar per label, one stacked segment per ``(name, values)`` series."""
    count = len(labels)
    totals = [sum(values[i] for _, values in series) for i in range(count)]
    maximum = max(totals, default=0) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(count, 1)
    body = []
    for i, text in enumerate(labels):
        base = HEIGHT - BOTTOM
        for index, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            height = value / maximum * plot_height
            base -= height
            body.append(
                f'<rect class="series-{index}" x="{LEFT + i * slot + slot * 0.1:.1f}" y="{base:.1f}" '
                f'width="{max(slot * 0.8, 0.5):.1f}" height="{height:.1f}">'
                f"<title>{escape(text)}: {escape(_fmt(value))}{escape(unit)} {escape(name)}</title></rect>"
            )
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    return _frame(body, label, maximum if any(totals) else 0, unit, first, last)


def line_chart(
    labels: Sequence[str], values: Sequence[float | None], *, label: str, unit: str = ""
) -> SafeString:
    """A line through the known values (``None`` leaves a gap), with a dot per value."""
    known = [v for v in values if v is not None]
    maximum = max(known, default=0) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    body, path = [], []
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            path.append(None)
            continue
        x = LEFT + i * slot + slot / 2
        y = HEIGHT - BOTTOM - value / maximum * plot_height
        path.append((x, y))
        body.append(
            f'<circle class="series-0" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
            f"<title>{escape(text)}: {escape(_fmt(value))}{escape(unit)}</title></circle>"
        )
    segments, current = [], []
    for point in [*path, None]:
        if point is None:
            if len(current) > 1:
                segments.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in current))
            current = []
        else:
            current.append(point)
    if segments:
        body.insert(0, f'<path class="line series-0" d="{" ".join(segments)}"/>')
    first, last = (labels[0], labels[-1]) if labels else ("", "")
    return _frame(body, label, maximum if known else 0, unit, first, last)


def timeline(
    rows: Sequence[tuple[str, Sequence[tuple[float, float, str, str]]]], *, label: str
) -> SafeString:
    """One strip per row; segments are ``(start, end, state, title)`` with start/end in 0..1."""
    name_width, row_height = 220, 18
    height = max(len(rows), 1) * (row_height + 6) + 4
    parts = [
        f'<svg class="dashboard-timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    span = WIDTH - name_width
    for index, (name, segments) in enumerate(rows):
        y = 4 + index * (row_height + 6)
        parts.append(f'<text class="tick" x="0" y="{y + 13}">{escape(name[:34])}</text>')
        parts.append(
            f'<rect class="state-none" x="{name_width}" y="{y}" width="{span}" height="{row_height}"/>'
        )
        for start, end, state, title in segments:
            x = name_width + start * span
            width = max((end - start) * span, 1.5)
            parts.append(
                f'<rect class="state-{escape(state)}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_height}">'
                f"<title>{escape(title)}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
