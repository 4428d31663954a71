"""The evaluation charts, drawn with the site's own server-side SVG line chart (:func:`prosperity.web.charts.line_chart`).

* the area's actual path and its synthetic comparison on one chart, with the start marked;
* the gap (actual minus synthetic) with the placebo band: the range of gaps chance produces among comparison areas;
* the placebos as a "spaghetti" chart: every comparison area's own gap, the treated area's drawn over them.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from prosperity.evaluate.words import _lower
from prosperity.web.charts import Line, Marker, line_chart


def _start_marker(est: dict[str, Any], y: float) -> list[Marker]:
    return [Marker(f"{est['start']}: the intervention starts", est["start"] - 0.5, y, role="target")]


def paths_chart(est: dict[str, Any], sc: dict[str, Any], chart_id: str) -> Markup:
    actual = [(p["year"], p["value"]) for p in est["actual"]]
    synth = [(p["year"], p["synthetic"]) for p in sc.get("paths", [])]
    lines = [Line(est["area_name"], actual, "main")]
    if synth:
        lines.append(Line(f"synthetic {est['area_name']}", synth, "benchmark"))
    ys = [y for _, y in actual + synth]
    markers = _start_marker(est, min(ys)) if ys else []
    label = _lower(est["label"])
    desc = (f"{est['area_name']}'s {label} each year and, dashed, the synthetic comparison built from "
            f"{len(est['donors'])} comparison areas" + ("; the comparison is shown only before the start because its "
                                                        "fit was too poor to use" if sc.get("refused") else "") + ".")
    return line_chart(lines, markers, title=f"{est['label']}: {est['area_name']} and its synthetic comparison",
                      desc=desc, y_label=est["unit"] or "", chart_id=chart_id)


def gap_chart(est: dict[str, Any], sc: dict[str, Any], chart_id: str) -> Markup:
    gaps = [(p["year"], p["actual"] - p["synthetic"]) for p in sc["paths"]]
    band = sc.get("placebo_band")
    post = [y for y, _ in gaps if y >= est["start"]]
    lines = [Line("gap: actual minus synthetic", gaps, "main")]
    if band is not None and post:
        lines[0].band = [(y, -band, band) for y in post]
    lines.append(Line("no difference", [(gaps[0][0], 0.0), (gaps[-1][0], 0.0)], "benchmark"))
    return line_chart(lines, _start_marker(est, 0.0), title=f"Gap between {est['area_name']} and its synthetic comparison",
                      desc=(f"The difference each year; the shaded band after the start is the range of gaps "
                            f"(±{band:,.2f}) that 90% of comparison areas show when given the start date on paper."
                            if band is not None else "The difference each year."),
                      y_label=f"difference ({est['unit'] or ''})", chart_id=chart_id)


def placebo_chart(est: dict[str, Any], sc: dict[str, Any], chart_id: str) -> Markup:
    years = [p["year"] for p in sc["paths"]]
    lines = [Line(f"{pl['area']} (placebo)", list(zip(years, pl["gaps"], strict=True)), "peer")
             for pl in sc.get("placebos", [])]
    lines.append(Line(est["area_name"], [(p["year"], p["actual"] - p["synthetic"]) for p in sc["paths"]], "main"))
    title = f"Placebo test: {est['area_name']} against every comparison area"
    return line_chart(lines, _start_marker(est, 0.0), title=title,
                      desc=(f"Grey lines: each of {len(sc.get('placebos', []))} comparison areas' gap from its own "
                            f"synthetic comparison, as if it had been treated in {est['start']}. Dark line: "
                            f"{est['area_name']}. Placebo p-value {sc['p_value']:.2f}."),
                      y_label=f"gap ({est['unit'] or ''})", chart_id=chart_id)
