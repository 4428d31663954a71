"""A scenario's charts as accessible inline SVG: its paths on the dashboard's line chart
(:func:`prosperity.web.charts.line_chart`), and a bar chart of parts (shift-share, the Kaya decomposition).

Every text node is escaped here; bar colours are SVG presentation attributes, so the pages' Content-Security-Policy
(no inline styles) holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from prosperity.web import charts

POSITIVE, NEGATIVE, TOTAL = "#1d5a8c", "#b4481c", "#1b1b1b"


@dataclass
class Chart:
    svg: Markup
    legend: list[dict[str, str]]
    caption: str


def _fmt(v: float, unit: str) -> str:
    if unit.startswith("£"):
        return f"{'-' if v < 0 else ''}£{abs(v):,.0f}" if abs(v) >= 100 else f"{'-' if v < 0 else ''}£{abs(v):,.2f}"
    return f"{v:+,.0f} {unit}".strip() if abs(v) >= 10 else f"{v:+,.2f} {unit}".strip()


def bar_chart(bars: Sequence[tuple[str, float, str]], *, title: str, desc: str, unit: str, chart_id: str,
              width: int = 720) -> Markup:  # fmt: skip
    """Horizontal bars from a zero line: ``(label, value, kind)`` with kind ``part`` or ``total``."""
    row, label_w, pad = 30, 250, 12
    height = pad * 2 + row * len(bars) + 20
    vals = [v for _, v, _ in bars] or [0.0]
    lo, hi = min(0.0, *vals), max(0.0, *vals)
    span = (hi - lo) or 1.0
    # value labels sit beyond the end of each bar: leave room for them on both sides
    left, right = label_w + (100 if lo < 0 else 10), width - (100 if hi > 0 else 10)

    def sx(v: float) -> float:
        return round(left + (v - lo) / span * (right - left), 1)

    t_id, d_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{t_id} {d_id}" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="{t_id}">{escape(title)}</title>'
           f'<desc id="{d_id}">{escape(desc)}</desc>']  # fmt: skip
    zero = sx(0.0)
    for i, (label, v, kind) in enumerate(bars):
        y = pad + i * row
        x0, x1 = sorted((zero, sx(v)))
        fill = TOTAL if kind == "total" else (POSITIVE if v >= 0 else NEGATIVE)
        text = f"{label}: {_fmt(v, unit)}"
        out.append(f'<text class="tick" x="{label_w - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
                   f'<rect x="{x0}" y="{y + 5}" width="{max(x1 - x0, 1)}" height="{row - 10}" fill="{fill}">'
                   f"<title>{escape(text)}</title></rect>"
                   f'<text class="tick" x="{x1 + 6 if v >= 0 else x0 - 6}" y="{y + 19}" '
                   f'text-anchor="{"start" if v >= 0 else "end"}">{escape(_fmt(v, unit))}</text>')  # fmt: skip
    out.append(f'<line class="axis" x1="{zero}" x2="{zero}" y1="{pad}" y2="{pad + row * len(bars)}" stroke="#555"/>')
    out.append("</svg>")
    return Markup("".join(out))


def _lines(result: dict[str, Any], keep: set[str] | None = None) -> list[charts.Line]:
    lines: dict[str, charts.Line] = {}
    for p in result["paths"]:
        if keep is not None and p["series"] not in keep:
            continue
        ln = lines.setdefault(p["series"], charts.Line(p["series"], [], p["role"]))
        ln.points.append((p["year"] + 0.5, p["value"]))
    return list(lines.values())


def _legend(lines: Sequence[charts.Line]) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for ln in lines:
        if not any(x["cls"] == ln.role and x["label"] == ln.label for x in seen):
            seen.append({"cls": ln.role, "label": ln.label})
    return seen


def scenario_charts(result: dict[str, Any]) -> list[Chart]:
    """The charts of a scenario's page and report section."""
    method, ch, sid = result["scenario"]["method"], result["chart"], result["scenario"]["id"]
    out: list[Chart] = []
    if method == "shift_share":
        r = result["results"]
        unit = "£"
        bars = [("Gap", r["gap"], "total"), ("Industry mix", r["mix"], "part"),
                ("Productivity within industries", r["within"], "part"), ("Interaction", r["interaction"], "part")]
        out.append(Chart(bar_chart(bars, title=ch["title"], unit=unit, chart_id=f"{sid}-parts",
                                   desc="The gap in GVA per job and its three parts, which add up to it; the same "
                                        "figures are in the table below."),
                         [], f"{ch['title']} ({r['unit']})."))  # fmt: skip
        rows = sorted(result["tables"]["industries"], key=lambda t: t["mix"] + t["within"] + t["interaction"])
        bars = [(t["industry"], t["mix"] + t["within"] + t["interaction"], "part") for t in rows]
        out.append(Chart(bar_chart(bars, title="Each industry's contribution to the gap", unit=unit,
                                   chart_id=f"{sid}-industries",
                                   desc="Each industry group's contribution (mix, within and interaction together) to "
                                        "the gap in GVA per job; the table below gives the parts."),
                         [], f"Each industry's contribution to the gap ({r['unit']})."))  # fmt: skip
        return out
    if method == "emissions":
        r = result["results"]
        bars = [("Change", r["change"], "total")] + [(k[0].upper() + k[1:], v, "part") for k, v in r["effects"].items()]
        out.append(Chart(bar_chart(bars, title=f"What changed emissions, {r['from_year']} to {r['to_year']}",
                                   unit=r["unit"], chart_id=f"{sid}-kaya",
                                   desc="The change in emissions and the effects of population, output per head and "
                                        "emissions per unit of output, which add up to it."),
                         [], f"The Kaya identity decomposed by LMDI-I ({r['unit']})."))  # fmt: skip
        for p in result["tables"]["pathways"]:
            t = p["target_year"]
            keep = {"measured"} | {s["series"] for s in result["paths"] if s["series"].endswith(f"{t})")
                                   or s["series"].endswith(f"by {t}")}  # fmt: skip
            lines = _lines(result, keep)
            svg = charts.line_chart(lines, [charts.Marker(f"Net zero by {t}", t + 0.5, 0.0)],
                                    title=f"{ch['title']}: net zero by {t}", y_label=ch["y_label"],
                                    desc=f"Measured emissions and two paths to net zero by {t}: a straight line, and a "
                                         "constant percentage fall with the same carbon budget.",
                                    chart_id=f"{sid}-{t}")  # fmt: skip
            out.append(Chart(svg, _legend(lines) + [{"cls": "target", "label": "Net zero"}],
                             f"Paths to net zero by {t} ({ch['unit']})."))  # fmt: skip
        return out
    lines = _lines(result)
    if not lines:
        return out
    markers = []
    if ch.get("target"):
        markers.append(charts.Marker(f"Target: {ch['target']['value']:g} by {ch['target']['year']}",
                                     ch["target"]["year"] + 0.5, ch["target"]["value"]))  # fmt: skip
    svg = charts.line_chart(lines, markers, title=ch["title"], y_label=ch["y_label"], chart_id=f"{sid}-paths",
                            desc=f"{ch['title']}: {', '.join(ln.label for ln in lines)}. The figures are in the "
                                 "downloads below.")  # fmt: skip
    legend = _legend(lines) + ([{"cls": "target", "label": "Target"}] if markers else [])
    out.append(Chart(svg, legend, f"{ch['title']} ({ch['unit']})."))
    return out


# ---- tables for people -------------------------------------------------------------------------------------------
def _cell(v: Any, kind: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, str):
        return v
    if kind == "pct":
        return f"{v * 100:,.1f}%"
    if kind == "pct2":
        return f"{v * 100:,.2f}%"
    if kind == "money":
        if abs(v) >= 1e8:
            return f"£{v / 1e9:,.2f} bn"
        return f"£{v / 1e6:,.0f} m" if abs(v) >= 1e6 else f"£{v:,.0f}"
    if kind == "pounds":
        return f"£{v:,.2f}" if abs(v) < 1000 else f"£{v:,.0f}"
    if kind == "int":
        return f"{v:,.0f}" if isinstance(v, float | int) else str(v)
    if kind == "year":
        return str(v)
    return f"{v:,.3f}" if isinstance(v, float) and abs(v) < 10 else (f"{v:,.0f}" if isinstance(v, float) else str(v))


#: each known table: caption and its columns as (key, heading, kind)
TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "cumulative_gva": ("Cumulative extra GVA from more R&D, by base year and end year (base-year prices)", [
        ("base", "Base", "text"), ("base_year", "Base year", "year"), ("to_year", "To", "year"),
        ("cumulative_low", "Low", "money"), ("cumulative_central", "Central", "money"),
        ("cumulative_high", "High", "money"), ("rate_needed", "Return needed for the claim", "pct"),
        ("verdict", "Against the evidence", "text")]),
    "bases": ("The city region's figures in each base year", [
        ("base", "Base", "text"), ("gva_year", "GVA year", "year"), ("gva", "GVA", "money"),
        ("productivity_year", "Productivity year", "year"), ("productivity", "GVA per hour", "pounds"),
        ("jobs_year", "Jobs year", "year"), ("jobs", "Filled jobs", "int"),
        ("extra_rd_in_target_year", "Extra R&D needed in the target year", "money"),
        ("productivity_share_of_claim", "The claimed % of productivity, in £ per hour", "pounds"),
        ("jobs_share_of_claim", "The claimed % of jobs, in jobs", "int"),
        ("claim_reached_central", "Claimed GVA reached (central)", "year")]),
    "pathways": ("Net zero: the yearly reduction needed and achieved", [
        ("target_year", "Net zero by", "year"), ("from_year", "From", "year"), ("from_value", "Emissions then", "int"),
        ("linear_per_year", "Straight line: less each year", "int"), ("constant_rate", "Constant fall a year", "pct"),
        ("budget", "Carbon budget", "int"), ("achieved_per_year", "Change a year (last five years)", "int"),
        ("achieved_rate", "Change, % a year", "pct"), ("on_track_linear", "On track (straight line)", "text"),
        ("on_track_constant", "On track (constant %)", "text"), ("methods_agree", "Methods agree", "text")]),
    "kaya_steps": ("Year-on-year changes in emissions and their effects (LMDI-I)", [
        ("from_year", "From", "year"), ("to_year", "To", "year"), ("change", "Change", "int"),
        ("effect_0", "Population", "int"), ("effect_1", "Output per head", "int"),
        ("effect_2", "Emissions per unit of output", "int")]),
    "industries": ("The gap by industry: shares of jobs, productivity and the three parts", [
        ("industry", "Industry", "text"), ("area_share", "Share of jobs here", "pct"),
        ("benchmark_share", "Share of jobs in the benchmark", "pct"), ("area_productivity", "GVA per job here", "pounds"),
        ("benchmark_productivity", "GVA per job in the benchmark", "pounds"), ("mix", "Mix", "pounds"),
        ("within", "Within", "pounds"), ("interaction", "Interaction", "pounds")]),
}  # fmt: skip


def display_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The result's tables with readable headings and formatted cells (``true``/``false`` as yes/no)."""
    out = []
    for name, rows in result["tables"].items():
        if not rows:
            continue
        caption, cols = TABLES.get(name, (name.replace("_", " ").capitalize(),
                                          [(k, k.replace("_", " "), "num") for k in rows[0]]))  # fmt: skip
        out.append({"id": name, "caption": caption, "headings": [h for _, h, _ in cols],
                    "rows": [[_cell(r.get(k), kind) for k, _, kind in cols] for r in rows]})  # fmt: skip
    return out


def input_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure used once, with its value as text and its source in words."""
    from prosperity.scenarios.run import date_text, figure_text

    releases = {r["dataset"]: r for r in result["releases"]}
    groups: dict[tuple[Any, ...], dict[int, dict[str, Any]]] = {}
    for i in result["inputs"]:
        groups.setdefault((i["role"], i["of"], i["area"], i["breakdown"], i["indicator"]), {})[i["year"]] = i
    out = []
    for by_year in groups.values():
        years = sorted(by_year)
        first, last = by_year[years[0]], by_year[years[-1]]
        rel = releases.get(first["dataset"], {})
        when = date_text(rel.get("release_date"))
        source = (rel.get("publisher") or rel.get("title") or "") + (f", released {when}" if when else "")
        if len(years) > 3:  # a series: its span, first and last values (every value is in the downloads)
            row = {**first, "period_label": f"{first['period_label']} to {last['period_label']} ({len(years)} years)",
                   "value_text": f"{figure_text(first['value'] * first['scale'], first['unit'])} to "
                                 f"{figure_text(last['value'] * last['scale'], last['unit'])}"}  # fmt: skip
            out.append({**row, "source": source})
            continue
        out += [{**by_year[y], "value_text": figure_text(by_year[y]["value"] * by_year[y]["scale"], by_year[y]["unit"]),
                 "source": source} for y in years]  # fmt: skip
    return out
