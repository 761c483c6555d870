"""Bar charts of survey results as inline SVG, drawn on the server.

The CSP forbids scripts and ``style`` attributes, so the charts use presentation attributes
(and classes from app.css) only. Every label goes through ``Markup.format``, which escapes it:
an option typed as ``<script>`` is drawn as text. Each chart carries a ``<title>`` and an
``aria-label``; the pages show the same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

LABEL_WIDTH = 230
BAR_WIDTH = 330
COUNT_WIDTH = 60
WIDTH = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
ROW = 26
BAR_HEIGHT = 18
LEGEND_LINE = 20
CHAR_WIDTH = 7  # about, at the charts' 12px font
LABEL_CHARS = 30  # longer labels are shortened on the chart (the table has them in full)
# Colours for the parts of a stacked bar; the classes let app.css change them.
PALETTE = ("#0d6efd", "#20c997", "#ffc107", "#fd7e14", "#6f42c1", "#d63384", "#6c757d")


def scale_labels(labels: Sequence[str], low_label: str, high_label: str) -> tuple[str, ...]:
    """A 1–5 scale's labels with its end labels beside the 1 and the 5 ("1 · Not at all")."""
    ends = {labels[0]: low_label, labels[-1]: high_label} if labels else {}
    return tuple(f"{label} · {ends[label]}" if ends.get(label) else label for label in labels)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _svg(title: str, height: float, body: Markup, width: int = WIDTH) -> Markup:
    return Markup(
        '<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" font-size="12" xmlns="http://www.w3.org/2000/svg">'
        "<title>{title}</title>{body}</svg>"
    ).format(title=title, width=width, height=height, body=body)


def _label(y: float, text: str) -> Markup:
    return Markup(
        '<text class="chart-label" x="{x}" y="{y}" text-anchor="end" dominant-baseline="middle">'
        "<title>{full}</title>{short}</text>"
    ).format(x=LABEL_WIDTH - 8, y=y, full=text, short=_short(text))


def _scaled(value: float, largest: float) -> float:
    return round(BAR_WIDTH * value / largest, 1) if largest else 0


def bar_chart(labels: Sequence[str], counts: Sequence[int], *, title: str) -> Markup:
    """Horizontal bars, one per label, with its count at the end of the bar."""
    largest = max(counts, default=0)
    rows = []
    for index, (label, count) in enumerate(zip(labels, counts, strict=True)):
        top = index * ROW + (ROW - BAR_HEIGHT) / 2
        width = _scaled(count, largest)
        rows.append(_label(index * ROW + ROW / 2, label))
        rows.append(
            Markup(
                '<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}">'
                "<title>{label}: {count}</title></rect>"
                '<text class="chart-count" x="{cx}" y="{cy}" dominant-baseline="middle">'
                "{count}</text>"
            ).format(
                x=LABEL_WIDTH,
                y=top,
                w=width,
                h=BAR_HEIGHT,
                fill=PALETTE[0],
                label=label,
                count=count,
                cx=LABEL_WIDTH + width + 6,
                cy=index * ROW + ROW / 2,
            )
        )
    return _svg(title, max(len(labels), 1) * ROW, Markup("").join(rows))


def stacked_chart(
    labels: Sequence[str],
    groups: Sequence[str],
    rows_of_counts: Sequence[Sequence[int]],
    *,
    title: str,
) -> Markup:
    """One horizontal bar per group (a sex, an economy) with a coloured part per label and a
    legend above; ``rows_of_counts[i]`` are group i's counts per label. All bars share one
    scale, so groups compare by size."""
    largest = max((sum(counts) for counts in rows_of_counts), default=0)
    legend, legend_height = _legend(labels)
    rows = []
    for row, (group, counts) in enumerate(zip(groups, rows_of_counts, strict=True)):
        middle = legend_height + row * ROW + ROW / 2
        rows.append(_label(middle, group))
        x = float(LABEL_WIDTH)
        for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
            width = _scaled(count, largest)
            if count:
                rows.append(
                    Markup(
                        '<rect class="chart-c{n}" x="{x}" y="{y}" width="{w}" height="{h}" '
                        'fill="{fill}"><title>{group}, {label}: {count}</title></rect>'
                    ).format(
                        n=i % len(PALETTE),
                        x=round(x, 1),
                        y=middle - BAR_HEIGHT / 2,
                        w=width,
                        h=BAR_HEIGHT,
                        fill=PALETTE[i % len(PALETTE)],
                        group=group,
                        label=label,
                        count=count,
                    )
                )
            x += width
        rows.append(
            Markup(
                '<text class="chart-count" x="{x}" y="{y}" dominant-baseline="middle">{total}'
                "</text>"
            ).format(x=round(x, 1) + 6, y=middle, total=sum(counts))
        )
    height = legend_height + max(len(groups), 1) * ROW
    return _svg(title, height, legend + Markup("").join(rows))


def _legend(labels: Sequence[str]) -> tuple[Markup, int]:
    """A swatch and label per category, left to right, as many to a line as the longest label
    allows; returns the legend and its height."""
    longest = max((len(_short(label)) for label in labels), default=1)
    per_line = max(1, min(len(labels), (WIDTH - 16) // (longest * CHAR_WIDTH + 24)))
    items = []
    for i, label in enumerate(labels):
        x = 8 + (i % per_line) * ((WIDTH - 16) // per_line)
        y = 4 + LEGEND_LINE * (i // per_line)
        items.append(
            Markup(
                '<rect class="chart-c{n}" x="{x}" y="{y}" width="12" height="12" fill="{fill}"/>'
                '<text class="chart-legend" x="{tx}" y="{ty}" dominant-baseline="middle">'
                "<title>{label}</title>{short}</text>"
            ).format(
                n=i % len(PALETTE),
                x=x,
                y=y,
                fill=PALETTE[i % len(PALETTE)],
                tx=x + 16,
                ty=y + 6,
                label=label,
                short=_short(label),
            )
        )
    lines = max(1, -(-len(labels) // per_line))
    return Markup("").join(items), LEGEND_LINE * lines


def outcome_chart(pct: float | None, target_pct: int | None, *, title: str) -> Markup:
    """A 0–100 % bar for an outcome figure, its value at the end and a line at its target.

    Narrower than the other charts (no label column) so it stays legible inside a card."""
    left, track, middle = 4, BAR_WIDTH, 14 + BAR_HEIGHT / 2
    parts = [
        Markup(
            '<rect class="chart-track" x="{x}" y="14" width="{w}" height="{h}" fill="#e9ecef"/>'
        ).format(x=left, w=track, h=BAR_HEIGHT)
    ]
    if pct is not None:
        parts.append(
            Markup(
                '<rect class="chart-bar" x="{x}" y="14" width="{w}" height="{h}" fill="{fill}"/>'
                '<text class="chart-count" x="{tx}" y="{ty}" dominant-baseline="middle">'
                "{pct:.1f}%</text>"
            ).format(
                x=left,
                w=round(track * min(pct, 100) / 100, 1),
                h=BAR_HEIGHT,
                fill=PALETTE[0],
                tx=left + track + 6,
                ty=middle,
                pct=pct,
            )
        )
    if target_pct is not None:
        x = left + round(track * min(max(target_pct, 0), 100) / 100, 1)
        parts.append(
            Markup(
                '<line class="chart-target" x1="{x}" x2="{x}" y1="8" y2="{y2}" stroke="#dc3545" '
                'stroke-width="2"/><text class="chart-legend" x="{x}" y="{ty}" '
                'text-anchor="middle">target {target}%</text>'
            ).format(x=x, y2=20 + BAR_HEIGHT, ty=34 + BAR_HEIGHT, target=target_pct)
        )
    width = left + track + COUNT_WIDTH
    return _svg(title, 40 + BAR_HEIGHT, Markup("").join(parts), width)
