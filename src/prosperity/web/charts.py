"""Server-side SVG charts: a time-series chart and a choropleth map, as accessible inline SVG.

Why hand-written SVG and not matplotlib: the pages must carry charts *inline* with ``<title>``/``<desc>``,
CSS classes (so the Content-Security-Policy can forbid inline styles), keyboard-free reading and a few
kilobytes per chart; matplotlib's SVG backend writes inline ``style`` attributes, absolute sizes and glyph
paths, and would add a large dependency for two chart types. Every text node is escaped here, so framework
labels and publishers' names cannot inject markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 340
MARGIN = {"left": 64, "right": 16, "top": 16, "bottom": 36}
#: Sequential palette for maps (ColorBrewer "Blues", 5 classes), light to dark; text never sits on it.
MAP_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


@dataclass
class Line:
    """One line of a chart. ``role`` picks its look: main, benchmark, peer, projection."""

    label: str
    points: list[tuple[float, float]]
    role: str = "main"
    band: list[tuple[float, float, float]] = field(default_factory=list)  # (x, lower, upper)


@dataclass
class Marker:
    label: str
    x: float
    y: float
    role: str = "target"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``lo``..``hi`` (steps of 1, 2, 2.5 or 5 × 10ⁿ)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi == lo:
        hi, lo = hi + (abs(hi) or 1) * 0.5, lo - (abs(lo) or 1) * 0.5
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt_tick(v: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (2.5 → one, 0.05 → two)."""
    dp = 0
    while dp < 6 and abs(step * 10**dp - round(step * 10**dp)) > 1e-9:
        dp += 1
    return f"{v:,.{dp}f}"


def y_ticks(lines: Sequence[Line], markers: Sequence[Marker] = ()) -> list[float]:
    """The value axis of a line chart: from zero where the figures are closer to zero than they are spread,
    otherwise from just below the lowest figure (a caption should then say the axis does not start at zero)."""
    ys = [y for ln in lines for _, y in ln.points] + [m.y for m in markers]
    ys += [v for ln in lines for _, lo, hi in ln.band for v in (lo, hi)]
    if not ys:
        return [0.0]
    return nice_ticks(min(min(ys), 0) if min(ys) >= 0 and min(ys) < (max(ys) - min(ys)) else min(ys), max(ys))


def line_chart(lines: Sequence[Line], markers: Sequence[Marker], *, title: str, desc: str, y_label: str,
               chart_id: str, width: int = WIDTH, height: int = HEIGHT,
               margin: dict[str, int] | None = None) -> Markup:  # fmt: skip
    """An SVG line chart with optional interval band, dashed benchmark and projection, and target markers.

    ``width`` and ``height`` are the drawing's own units (its viewBox): a print document draws it at about that
    many points wide, so its text keeps the size its stylesheet gives it.
    """
    xs = [x for ln in lines for x, _ in ln.points] + [m.x for m in markers]
    m_ = margin or MARGIN
    t_id, d_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{t_id} {d_id}" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{t_id}">{escape(title)}</title>'
            f'<desc id="{d_id}">{escape(desc)}</desc>')  # fmt: skip
    if not xs:
        return Markup(head + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="axis-label">'
                      "No figures to chart</text></svg>")  # fmt: skip
    x_lo, x_hi = min(xs), max(xs)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    y_ticks_ = y_ticks(lines, markers)
    y_lo, y_hi = y_ticks_[0], y_ticks_[-1]
    left, right = m_["left"], width - m_["right"]
    top, bottom = m_["top"], height - m_["bottom"]

    def sx(x: float) -> float:
        return round(left + (x - x_lo) / (x_hi - x_lo) * (right - left), 1)

    def sy(y: float) -> float:
        return round(bottom - (y - y_lo) / ((y_hi - y_lo) or 1) * (bottom - top), 1)

    out = [head, '<g class="grid" aria-hidden="true">']
    step = y_ticks_[1] - y_ticks_[0] if len(y_ticks_) > 1 else 1
    for t in y_ticks_:
        out.append(f'<line x1="{left}" x2="{right}" y1="{sy(t)}" y2="{sy(t)}"/>'
                   f'<text class="tick" x="{left - 6}" y="{sy(t) + 4}" text-anchor="end">'
                   f"{escape(_fmt_tick(t, step))}</text>")
    year_step = next(s for s in (1, 2, 5, 10, 20, 50) if (x_hi - x_lo) / s <= max(3, (right - left) // 70))
    for yr in range(math.ceil(x_lo), math.floor(x_hi) + 1):
        if yr % year_step == 0:
            out.append(f'<line class="xtick" x1="{sx(yr)}" x2="{sx(yr)}" y1="{bottom}" y2="{bottom + 4}"/>'
                       f'<text class="tick" x="{sx(yr)}" y="{bottom + 18}" text-anchor="middle">{yr}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/></g>')
    out.append(f'<text class="axis-label" x="12" y="{(top + bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 12 {(top + bottom) / 2})">{escape(y_label)}</text>')  # fmt: skip
    order = {"peer": 0, "main": 2, "benchmark": 1, "projection": 3}
    for ln in sorted(lines, key=lambda ln: order.get(ln.role, 1)):
        if ln.band:
            upper = " ".join(f"{sx(x)},{sy(hi)}" for x, _, hi in ln.band)
            lower = " ".join(f"{sx(x)},{sy(lo)}" for x, lo, _ in reversed(ln.band))
            out.append(f'<polygon class="band" points="{upper} {lower}"><title>{escape(ln.label)}: 95% confidence '
                       "interval</title></polygon>")  # fmt: skip
        if len(ln.points) == 1:
            x, y = ln.points[0]
            out.append(f'<circle class="pt {ln.role}" cx="{sx(x)}" cy="{sy(y)}" r="3.5">'
                       f"<title>{escape(ln.label)}</title></circle>")
            continue
        pts = " ".join(f"{sx(x)},{sy(y)}" for x, y in ln.points)
        out.append(f'<polyline class="line {ln.role}" points="{pts}"><title>{escape(ln.label)}</title></polyline>')
        if ln.role == "main":
            out.extend(f'<circle class="pt main" cx="{sx(x)}" cy="{sy(y)}" r="2.5"/>' for x, y in ln.points)
    for m in markers:
        cx, cy = sx(m.x), sy(m.y)
        out.append(f'<path class="marker {m.role}" d="M{cx},{cy - 7}L{cx + 7},{cy}L{cx},{cy + 7}L{cx - 7},{cy}Z">'
                   f"<title>{escape(m.label)}</title></path>")
    out.append("</svg>")
    return Markup("".join(out))


def classes(values: Sequence[float], n: int = 5) -> list[float]:
    """Class breaks by quantiles of ``values`` (``n - 1`` inner breaks), rounded for reading."""
    v = sorted(values)
    if not v:
        return []
    breaks = []
    for i in range(1, n):
        q = v[min(len(v) - 1, int(round(i * (len(v) - 1) / n)))]
        if not breaks or q > breaks[-1]:
            breaks.append(q)
    return breaks


def class_of(value: float, breaks: Sequence[float]) -> int:
    return sum(1 for b in breaks if value >= b)


def choropleth(paths: dict[str, str], names: dict[str, str], values: dict[str, float], labels: dict[str, str],
               highlight: set[str], *, height: float, title: str, desc: str, chart_id: str, width: float = 480,
               breaks: Sequence[float] = ()) -> Markup:  # fmt: skip
    """A choropleth map: each area's path filled by its class; areas without a figure hatched; ``highlight`` outlined."""
    t_id, d_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [f'<svg class="map" viewBox="0 0 {width:g} {height:.0f}" role="img" aria-labelledby="{t_id} {d_id}" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="{t_id}">{escape(title)}</title><desc id="{d_id}">'
           f'{escape(desc)}</desc><defs><pattern id="{chart_id}-nodata" width="6" height="6" '
           'patternUnits="userSpaceOnUse">'
           '<path d="M0,6L6,0" stroke="#8a8a8a" stroke-width="1"/></pattern></defs>']  # fmt: skip
    for code, d in paths.items():
        if code in values:
            fill = MAP_COLOURS[min(class_of(values[code], breaks), len(MAP_COLOURS) - 1)]
            tip = f"{names.get(code, code)}: {labels.get(code, '')}"
        else:
            fill = f"url(#{chart_id}-nodata)"
            tip = f"{names.get(code, code)}: no figure"
        cls = "area hl" if code in highlight else "area"
        out.append(f'<path class="{cls}" d="{d}" fill="{fill}"><title>{escape(tip)}</title></path>')
    for code in highlight:  # drawn again on top so the outline is not hidden by neighbours
        if code in paths:
            out.append(f'<path class="outline" d="{paths[code]}" fill="none"/>')
    out.append("</svg>")
    return Markup("".join(out))
