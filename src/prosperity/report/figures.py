"""The report's charts, as inline SVG that both a browser and WeasyPrint draw as vector graphics.

Time series use the dashboard's line chart (:func:`prosperity.web.charts.line_chart`); the dashboard styles it
with CSS classes from its stylesheet, so :func:`styled` puts the same look inside each SVG (WeasyPrint draws
every SVG on its own, without the page's stylesheet). The one chart the dashboard does not have, a ranked bar
chart of places (peers, member places), is drawn here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from prosperity.web.charts import nice_ticks

MAIN, ACCENT, INK, GREY = "#1d5a8c", "#b4481c", "#1b1b1b", "#8c8c8c"

#: the dashboard's chart classes (web/static/style.css), with the report's colours and print sizes
LINE_STYLE = (
    "<style>"
    ".grid line{stroke:#dddddd;stroke-width:1}.grid .axis,.grid .xtick{stroke:#555555}"
    ".tick{font-size:11px;fill:#333333;font-family:'DejaVu Sans',sans-serif}"
    ".axis-label{font-size:11px;fill:#333333;font-family:'DejaVu Sans',sans-serif}"
    ".line{fill:none;stroke-linejoin:round;stroke-linecap:round}"
    f".line.main{{stroke:{MAIN};stroke-width:3}}.pt.main{{fill:{MAIN}}}"
    f".band{{fill:{MAIN};fill-opacity:0.18}}"
    f".line.benchmark{{stroke:{INK};stroke-width:2;stroke-dasharray:7 4}}.pt.benchmark{{fill:{INK}}}"
    f".line.peer{{stroke:{GREY};stroke-width:1}}.pt.peer{{fill:{GREY}}}"
    f".line.projection{{stroke:{ACCENT};stroke-width:2;stroke-dasharray:3 4}}"
    f".marker.target{{fill:{ACCENT};stroke:#ffffff;stroke-width:1}}"
    f".marker.superseded{{fill:#ffffff;stroke:{ACCENT};stroke-width:2}}"
    "</style>"
)


def styled(svg: str, style: str = LINE_STYLE) -> Markup:
    """The SVG with ``style`` as its first child, so it looks the same wherever it is drawn."""
    text = str(svg)
    head_end = text.index(">") + 1
    return Markup(text[:head_end] + style + text[head_end:])


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    value_text: str
    highlight: bool = False


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str, axis_label: str, chart_id: str,
              reference: tuple[str, float] | None = None) -> Markup:  # fmt: skip
    """Horizontal bars, one per place, in the order given; highlighted places dark, others grey.

    ``reference`` draws a labelled dashed line (e.g. the median of the peers). Every bar is labelled with its
    value, so the chart can be read without the axis.
    """
    row, label_w, value_w, width = 22, 230, 150, 720
    top, axis_h = 8, 34
    height = top + row * len(bars) + axis_h
    t_id, d_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{t_id} {d_id}" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="{t_id}">{escape(title)}</title>'
           f'<desc id="{d_id}">{escape(desc)}</desc>']  # fmt: skip
    if not bars:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">No figures to chart</text></svg>')
        return Markup("".join(out))
    values = [b.value for b in bars] + ([reference[1]] if reference else [])
    lo, hi = min(min(values), 0.0), max(max(values), 0.0)
    ticks = nice_ticks(lo, hi, 5)
    lo, hi = ticks[0], ticks[-1]
    x0, x1 = label_w, width - value_w

    def sx(v: float) -> float:
        return round(x0 + (v - lo) / ((hi - lo) or 1) * (x1 - x0), 1)

    font = "font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\""
    bottom = top + row * len(bars)
    out.append('<g aria-hidden="true">')
    for t in ticks:
        out.append(f'<line x1="{sx(t)}" x2="{sx(t)}" y1="{top}" y2="{bottom}" stroke="#e3e3e3"/>'
                   f'<text x="{sx(t)}" y="{bottom + 16}" text-anchor="middle" fill="#333" {font}>{t:,g}</text>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{bottom + 31}" text-anchor="middle" fill="#333" {font}>'
               f"{escape(axis_label)}</text></g>")  # fmt: skip
    if reference:  # under the bars, so that it never crosses a label
        name, v = reference
        out.append(f'<g><line x1="{sx(v)}" x2="{sx(v)}" y1="{top - 4}" y2="{bottom}" stroke="{ACCENT}" '
                   f'stroke-width="1.5" stroke-dasharray="4 3"/><title>{escape(name)}</title></g>')  # fmt: skip
    for i, b in enumerate(bars):
        y = top + i * row
        colour = MAIN if b.highlight else "#a9b7c6"
        weight = ' font-weight="bold"' if b.highlight else ""
        left, right = sorted((sx(0.0), sx(b.value)))
        out.append(f'<g><text x="{x0 - 6}" y="{y + 15}" text-anchor="end" fill="{INK}" {font}{weight}>'
                   f"{escape(b.label)}</text>"
                   f'<rect x="{left}" y="{y + 4}" width="{max(right - left, 0.5)}" height="{row - 8}" fill="{colour}"/>'
                   f'<text x="{x1 + 8}" y="{y + 15}" fill="{INK}" {font}{weight}>{escape(b.value_text)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))
