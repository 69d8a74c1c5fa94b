"""Small inline SVG charts, drawn on the server: the page loads nothing from anywhere else.

Each function returns SVG markup built only from numbers and escaped labels, ready to embed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

WIDTH = 560
HEIGHT = 160
PAD = 28
COLOURS = {"available": "#2f855a", "on_retirement": "#d69e2e", "retired": "#718096", "bar": "#3182ce"}


def _svg(body: str, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def window_bars(counts: Sequence[int], limit: int, label: str, since: str = "1 h ago") -> str:
    """Requests per window as bars, oldest left, with the limit as a red line.

    The scale follows the busiest window (a few requests against the IP's 3000 would be
    invisible otherwise); a limit above the scale is named at the top instead of drawn.
    """
    busiest = max(counts, default=0)
    top = max(busiest * 1.25, 1.0) if limit > busiest * 1.25 else float(limit) * 1.1
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = plot_w / max(len(counts), 1)
    parts = [f'<text x="{PAD}" y="16" font-size="11" fill="#444">{escape(label)}</text>']
    for i, n in enumerate(counts):
        h = plot_h * n / top
        x = PAD + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{PAD + plot_h - h:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="{COLOURS["bar"]}"><title>{n}</title></rect>'
        )
    limit_y = PAD + plot_h - plot_h * limit / top if limit <= top else PAD - 6
    if limit <= top:
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{limit_y:.1f}" y2="{limit_y:.1f}" '
            'stroke="#c53030" stroke-dasharray="4 3"/>'
        )
    parts.append(
        f'<text x="{WIDTH - PAD}" y="{limit_y - 3:.1f}" font-size="10" fill="#c53030" '
        f'text-anchor="end">limit {limit}{"" if limit <= top else " (above the scale)"}</text>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" font-size="10" fill="#666" text-anchor="end">{int(top)}</text>'
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{PAD + plot_h}" y2="{PAD + plot_h}" stroke="#999"/>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10" fill="#666">{escape(since)}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" fill="#666" text-anchor="end">now</text>'
    )
    return _svg("".join(parts), HEIGHT, label)


def stacked_bars(rows: Sequence[tuple[str, Decimal, Decimal, Decimal]], label: str) -> str:
    """One horizontal bar per row: available, on retirement and retired RECs stacked."""
    row_h, label_w = 22, 170
    height = PAD + row_h * max(len(rows), 1) + 24
    top = max((sum(r[1:], Decimal(0)) for r in rows), default=Decimal(0)) or Decimal(1)
    plot_w = WIDTH - label_w - PAD
    parts = [f'<text x="4" y="16" font-size="11" fill="#444">{escape(label)}</text>']
    for i, (name, *values) in enumerate(rows):
        y = PAD + i * row_h
        parts.append(f'<text x="4" y="{y + 14}" font-size="11">{escape(name)}</text>')
        x = float(label_w)
        for bucket, value in zip(("available", "on_retirement", "retired"), values, strict=True):
            w = float(plot_w * value / top)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{COLOURS[bucket]}"><title>{bucket}: {value}</title></rect>'
            )
            x += w
    legend_y = height - 8
    for j, bucket in enumerate(("available", "on_retirement", "retired")):
        lx = label_w + j * 120
        parts.append(
            f'<rect x="{lx}" y="{legend_y - 9}" width="10" height="10" fill="{COLOURS[bucket]}"/>'
            f'<text x="{lx + 14}" y="{legend_y}" font-size="10">{bucket.replace("_", " ")}</text>'
        )
    return _svg("".join(parts), height, label)
