"""Server-rendered SVG bar charts (no JavaScript, no build step). Every text is escaped."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CLASSES = ("bar-a", "bar-b")


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def text_width(text: str) -> int:
    """Rough width in pixels of 12px text: CJK characters are about twice as wide as Latin ones."""
    return sum(12 if ord(ch) >= 0x2E80 else 7 for ch in text)


def hbar_chart(*, labels: list[str], series: list[tuple[str, list]], title: str) -> SafeString:
    """Horizontal bars: one row per label, one bar per series in each row."""
    width, bar_h, gap = 720, 12, 10
    label_width = min(340, max([text_width(label) for label in labels] + [60]) + 12)
    row_h = bar_h * len(series) + gap
    height = row_h * len(labels) + 10
    top = max([v for _, values in series for v in values] + [0]) or 1
    plot = width - label_width - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, label in enumerate(labels):
        y = i * row_h + 5
        parts.append(f'<text x="{label_width - 6}" y="{y + row_h / 2}" text-anchor="end">{escape(label)}</text>')
        for j, (_name, values) in enumerate(series):
            value = values[i]
            w = round(plot * value / top, 1)
            by = y + j * bar_h
            parts.append(
                f'<rect class="{CLASSES[j % 2]}" x="{label_width}" y="{by}" width="{w}" height="{bar_h - 2}"/>'
                f'<text x="{label_width + w + 4}" y="{by + bar_h - 3}">{escape(_number(value))}</text>'
            )
    parts.append(f'<line class="axis" x1="{label_width}" y1="0" x2="{label_width}" y2="{height}"/></svg>')
    return mark_safe("".join(parts))  # noqa: S308 — built from escaped text and numbers


def column_chart(*, labels: list[str], series: list[tuple[str, list]], title: str) -> SafeString:
    """Vertical grouped columns, one group per label (months)."""
    width, height, bottom, left = 720, 220, 30, 30
    plot_h = height - bottom - 20
    top = max([v for _, values in series for v in values] + [0]) or 1
    group_w = (width - left) / max(len(labels), 1)
    bar_w = max(2.0, (group_w - 6) / max(len(series), 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    base = height - bottom
    for i, label in enumerate(labels):
        gx = left + i * group_w + 3
        for j, (_name, values) in enumerate(series):
            value = values[i]
            h = round(plot_h * value / top, 1)
            x = round(gx + j * bar_w, 1)
            parts.append(
                f'<rect class="{CLASSES[j % 2]}" x="{x}" y="{base - h}" width="{round(bar_w - 1, 1)}" height="{h}">'
                f"<title>{escape(label)}: {escape(_number(value))}</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + bar_w / 2}" y="{base - h - 3}" text-anchor="middle">{escape(_number(value))}</text>'
                )
        parts.append(
            f'<text x="{gx + group_w / 2 - 3}" y="{height - 10}" text-anchor="middle">{escape(label[2:])}</text>'
        )
    parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{width}" y2="{base}"/></svg>')
    return mark_safe("".join(parts))  # noqa: S308 — built from escaped text and numbers
