"""The evaluation section of the State of the City Region report: its data and its Jinja partial.

The report reads stored results only (computed by ``prosperity build``; see :mod:`prosperity.evaluate.store`):

* ``report_section(wh, framework, as_of)`` gives the data for the section: one entry per shipped evaluation,
  either its stored result turned into what the partial shows (``section_data``: the question, the verdict,
  one row per estimate with its worded finding, whose wording follows the evidence grade, and the sources by
  title, publisher and release date), or, where nothing is stored for these figures, the plain reason;
* ``render_report_section(section)`` renders them with the partial ``_evaluation_section.html`` (in this
  package's templates), which the report can also include itself with ``ev`` bound to one entry.

Wiring it into the report is the report's job (issue 16).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from prosperity.evaluate.store import not_stored_text, stored_results
from prosperity.evaluate.tables import estimate_rows
from prosperity.evaluate.words import METHOD_WORDS
from prosperity.warehouse import Warehouse

PARTIAL = "_evaluation_section.html"


def section_data(result: dict[str, Any]) -> dict[str, Any]:
    rows = [{**r, "method_words": METHOD_WORDS.get(r["method"], r["method"])} for r in estimate_rows(result)]
    methods = sorted({r["source"] for e in result["estimates"] for r in e["results"] if r.get("source")})
    return {
        "status": "done", "as_of": result["as_of"],
        "id": result["id"], "title": result["title"], "question": result["question"], "verdict": result["verdict"],
        "rows": rows,
        "methods": "; ".join(m for m in methods if m) + f"; evidence graded by the {result['rules']['grading']}",
        "sources": [{"title": s["title"], "publisher": s["publisher"] or "publisher not given",
                     "release_date": s["release_date"]} for s in result["releases"]],
    }  # fmt: skip


def render_section(result: dict[str, Any]) -> Markup:
    from prosperity.evaluate.web import env

    return Markup(env().get_template(PARTIAL).render(ev=section_data(result)))


def report_section(wh: Warehouse, framework: str | Path | None = None, as_of: str | None = None) -> list[dict[str, Any]]:
    """The evaluation section's data: every shipped evaluation as stored for the releases ``as_of`` (never computed)."""
    from prosperity.framework import shipped_framework_path

    fw = Path(framework) if framework is not None else shipped_framework_path()
    out: list[dict[str, Any]] = []
    for loaded, found in stored_results(wh, fw, as_of):
        if isinstance(loaded, str):
            continue  # a broken file: the framework check reports it; a report shows what can be shown
        if found.result is not None:
            out.append(section_data(found.result))
        else:
            sp = loaded.spec
            out.append({"status": found.status, "id": sp.id, "title": sp.title, "question": sp.question,
                        # no date in the sentence: the edition states its moment once, and an edition made
                        # again from its printed --as-of must read the same, byte for byte
                        "message": not_stored_text(found)})  # fmt: skip
    return out


def render_report_section(section: list[dict[str, Any]]) -> Markup:
    """The HTML of every entry of :func:`report_section`, one ``<section>`` each."""
    from prosperity.evaluate.web import env

    t = env().get_template(PARTIAL)
    return Markup("\n".join(t.render(ev=ev) for ev in section))
