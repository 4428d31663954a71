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
from typing import Any

from markupsafe import Markup

from prosperity.web.charts import nice_ticks

#: Okabe and Ito's colour-blind-safe palette (blue, vermillion), black and a grey
MAIN, ACCENT, INK, GREY = "#0072b2", "#d55e00", "#1b1b1b", "#8c8c8c"
#: the drawing size of the report's charts: about the width of the printed text column in points, so that the
#: text sizes below are (at least) the printed sizes; nothing is smaller than 9 points
LINE_WIDTH, LINE_HEIGHT = 480, 230
LINE_MARGIN = {"left": 58, "right": 12, "top": 10, "bottom": 30}
FONT = 10

#: the dashboard's chart classes (web/static/style.css), with the report's colours and print sizes
LINE_STYLE = (
    "<style>"
    ".grid line{stroke:#dddddd;stroke-width:1}.grid .axis,.grid .xtick{stroke:#555555}"
    f".tick{{font-size:{FONT}px;fill:#333333;font-family:'DejaVu Sans',sans-serif}}"
    f".axis-label{{font-size:{FONT}px;fill:#333333;font-family:'DejaVu Sans',sans-serif}}"
    ".line{fill:none;stroke-linejoin:round;stroke-linecap:round}"
    f".line.main{{stroke:{MAIN};stroke-width:2.5}}.pt.main{{fill:{MAIN}}}"
    f".band{{fill:{MAIN};fill-opacity:0.18}}"
    f".line.benchmark{{stroke:{INK};stroke-width:1.6;stroke-dasharray:6 3}}.pt.benchmark{{fill:{INK}}}"
    f".line.peer{{stroke:{GREY};stroke-width:1}}.pt.peer{{fill:{GREY}}}"
    f".line.projection{{stroke:{ACCENT};stroke-width:1.8;stroke-dasharray:2 3}}"
    f".marker.target{{fill:{ACCENT};stroke:#ffffff;stroke-width:1}}"
    f".marker.superseded{{fill:#ffffff;stroke:{ACCENT};stroke-width:2}}"
    ".map .area{stroke:#ffffff;stroke-width:0.6}.map .outline{stroke:#1b1b1b;stroke-width:1.5;fill:none}"
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
    row, label_w, value_w, width = 18, 170, 96, 480
    top, axis_h = 6, 30
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

    font = f"font-family=\"DejaVu Sans, sans-serif\" font-size=\"{FONT}\""
    bottom = top + row * len(bars)
    out.append('<g aria-hidden="true">')
    for t in ticks:
        out.append(f'<line x1="{sx(t)}" x2="{sx(t)}" y1="{top}" y2="{bottom}" stroke="#e3e3e3"/>'
                   f'<text x="{sx(t)}" y="{bottom + 13}" text-anchor="middle" fill="#333" {font}>{t:,g}</text>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{bottom + 27}" text-anchor="middle" fill="#333" {font}>'
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
        out.append(f'<g><text x="{x0 - 5}" y="{y + 13}" text-anchor="end" fill="{INK}" {font}{weight}>'
                   f"{escape(b.label)}</text>"
                   f'<rect x="{left}" y="{y + 3}" width="{max(right - left, 0.5)}" height="{row - 6}" fill="{colour}"/>'
                   f'<text x="{x1 + 6}" y="{y + 13}" fill="{INK}" {font}{weight}>{escape(b.value_text)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def member_map(wh: Any, values: dict[str, float], labels: dict[str, str], *, title: str, desc: str,
               chart_id: str) -> Markup | None:  # fmt: skip
    """A choropleth of member places (local authorities) from the warehouse's boundaries, or None without them."""
    import json

    from prosperity.errors import NotFound
    from prosperity.web import charts, topo

    try:
        topology = json.loads(wh.document("boundaries"))
    except NotFound:
        return None
    if "ltla" not in topology.get("objects", {}):
        return None
    found = topo.shapes_for(topology, "ltla", set(values))
    if len(found) < 2:
        return None
    paths, height = topo.project({c: rings for c, (_, rings) in found.items()}, 230, 230)
    names = {c: name for c, (name, _) in found.items()}
    breaks = charts.classes(list(values.values()))
    svg = charts.choropleth(paths, names, values, labels, set(), height=height, title=title, desc=desc,
                            chart_id=chart_id, width=230, breaks=breaks)  # fmt: skip
    return styled(svg)


def as_image(svg: str) -> str:
    """An inline SVG chart as an ``<img>`` whose ``alt`` is its title and description: a tagged PDF keeps the
    alternative text of images (not of inline SVG), and a browser shows both the same. Text in a chart drawn in
    the dashboard's larger size is scaled up so that it prints at 9 points or more."""
    import base64
    import re

    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    alt = " ".join(x.group(1).strip() for x in (title, desc) if x)
    note = ""
    floor = axis_floor(svg)
    if floor is not None and floor > 0 and "not at zero" not in alt:  # a chart drawn elsewhere: say it here
        note = f"The vertical axis starts at {floor:,g}, not at zero."
        alt = f"{alt} {note}"
    if "<style>" not in svg:
        box = re.search(r'viewBox="0 0 ([\d.]+) ', svg)
        width = float(box.group(1)) if box else LINE_WIDTH
        size = max(FONT, round(9 * width / LINE_WIDTH))
        svg = str(styled(svg, LINE_STYLE.replace(f"font-size:{FONT}px", f"font-size:{size}px")))
        svg = _room_for_labels(svg, size)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    cls = "map" if 'class="map"' in svg[:200] else "bars" if 'class="bars"' in svg[:200] else "chart"
    image = f'<img class="{cls}" alt="{alt}" src="data:image/svg+xml;base64,{data}">'
    return image + (f'<span class="axis-note">{note}</span>' if note else "")


#: the width a chart is printed at (the text column of an A4 page, in points), and the smallest size its text may
#: print at when a chart is widened to hold its labels
PRINT_WIDTH, SMALLEST_PRINT = 510, 8.1
CHAR = 0.55  # a character's mean width in DejaVu Sans, as a share of the font size


def _room_for_labels(svg: str, size: float) -> str:
    """A chart drawn for the dashboard, whose labels set against its left edge would be cut off at the print size
    of its text: long labels set on two lines (three if they must), and the drawing widened to the left to hold
    them, never so far that its text prints under :data:`SMALLEST_PRINT` points (the chart tests check that it
    does not). A label's width is estimated at 0.55 of the font size a character, about the mean advance of
    DejaVu Sans in words."""
    import html
    import re
    import textwrap

    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if box is None:
        return svg
    width, height = float(box.group(1)), float(box.group(2))
    most = max(0.0, size * PRINT_WIDTH / SMALLEST_PRINT - width)  # the widest the drawing may grow
    left = 0.0

    def wrap(m: re.Match[str]) -> str:
        nonlocal left
        x, label = float(m.group(2)), m.group(3)
        text = html.unescape(label)
        per_line = max(8, int((x + most - 4) / (CHAR * size)))
        if len(text) <= per_line:
            left = min(left, x - CHAR * size * len(text))
            return m.group(0)
        lines = textwrap.wrap(text, per_line)
        left = min(left, x - CHAR * size * max(len(t) for t in lines))
        first = -(len(lines) - 1) / 2 * 1.05
        spans = "".join(f'<tspan x="{m.group(2)}" dy="{first if i == 0 else 1.05:g}em">{html.escape(t)}</tspan>'
                        for i, t in enumerate(lines))  # fmt: skip
        return f"{m.group(1)}{spans}</text>"

    svg = re.sub(r'(<text class="tick" x="([\d.]+)"[^>]*text-anchor="end"[^>]*>)([^<]*)</text>', wrap, svg)
    if left >= 0:
        return svg
    pad = min(-left + 4, most)
    return svg.replace(box.group(0), f'viewBox="{-pad:g} 0 {width + pad:g} {height:g}"', 1)


def axis_floor(svg: str) -> float | None:
    """Where a line chart's vertical axis starts: its lowest tick (the labels set against the axis), or None for
    a chart that is not a line chart (bars start at zero; a map has no axis)."""
    import re

    if not re.match(r'<svg class="chart"', svg.lstrip()) or "<polyline" not in svg:
        return None
    ticks = []
    for label in re.findall(r'<text class="tick"[^>]*text-anchor="end"[^>]*>([^<]*)</text>', svg):
        try:
            ticks.append(float(label.replace(",", "")))
        except ValueError:
            continue
    return min(ticks) if ticks else None
