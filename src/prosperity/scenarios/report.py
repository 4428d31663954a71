"""The scenarios section of the State of the City Region report: its data, and a Jinja partial to render it.

>>> with Warehouse.open() as wh:                                   # doctest: +SKIP
...     section = report_section(wh, as_of="2026-11-30")
...     html = render_section(section)

``report_section`` runs every scenario of the framework at its pinned vintage (and ``as_of``) and returns plain
data: a title, an introduction, and for each scenario its claim, sentences, charts (inline SVG with the dashboard's
chart classes, which the report styles for print), caveats and releases, or why it cannot be run. The partial is
``prosperity/scenarios/templates/_report_section.html``; :func:`render_section` renders it on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from prosperity.scenarios.figures import scenario_charts
from prosperity.scenarios.read import ScenarioDataError
from prosperity.scenarios.run import document_titles, run_scenario
from prosperity.scenarios.spec import METHODS, ScenarioError, load_scenario, scenario_files
from prosperity.warehouse import Warehouse

PARTIAL = "_report_section.html"
TITLE = "What it would take: scenarios and claim checks"
INTRO = ("Each scenario works out, from the statistics in this report, what one of the strategies' promises would "
         "take, or whether a strategy's own numbers add up. The assumptions, their ranges and sources, and every "
         "figure used are published with the scenario on the dashboard.")  # fmt: skip


def report_section(wh: Warehouse, *, as_of: str | None = None, folder: Path | None = None,
                   framework: Any | None = None) -> dict[str, Any]:  # fmt: skip
    """The data of the report's scenarios section (see the module docstring)."""
    titles = document_titles(framework)
    items = []
    for path in scenario_files(folder):
        try:
            loaded = load_scenario(path)
        except ScenarioError:
            continue  # a broken scenario file is reported by the dashboard and the command line, not in the report
        spec = loaded.spec
        item: dict[str, Any] = {"id": spec.id, "title": spec.title, "method": spec.method}
        try:
            res = run_scenario(wh, loaded, as_of, titles=titles)
        except ScenarioDataError as e:
            role = str(e).split(":", 1)[0].removeprefix("inputs.")
            what = METHODS[spec.method]["inputs"].get(role, "a statistic it needs")
            item.update(runs=False, claim=None, cannot_run=(f"it needs {what}, which is not held for this edition"
                                                            if e.missing else str(e)))  # fmt: skip
            items.append(item)
            continue
        item.update(runs=True, claim=res["claim"], sentences=res["sentences"], caveats=res["caveats"],
                    releases=res["releases"], figures=[{"svg": f.svg, "caption": f.caption} for f in scenario_charts(res)],
                    result=res)  # fmt: skip
        items.append(item)
    return {"title": TITLE, "intro": INTRO, "scenarios": items, "as_of": as_of}


def render_section(section: dict[str, Any]) -> Markup:
    """The section rendered with its partial (autoescaped; the charts are already-escaped SVG)."""
    from prosperity.scenarios.web import env

    return Markup(env().get_template(PARTIAL).render(section=section))
