"""The evaluation section of the State of the City Region report: its data and its Jinja partial.

``section_data(result)`` turns an evaluation result into what the partial ``_evaluation_section.html`` (in this
package's templates) shows: the question, the verdict, one row per estimate with its worded finding (whose
wording follows the evidence grade), and the sources by title, publisher and release date. Wiring it into the
report is the report's job (after its restructure): ``render_section(result)`` gives the HTML.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from prosperity.evaluate.tables import estimate_rows
from prosperity.evaluate.words import METHOD_WORDS

PARTIAL = "_evaluation_section.html"


def section_data(result: dict[str, Any]) -> dict[str, Any]:
    rows = [{**r, "method_words": METHOD_WORDS.get(r["method"], r["method"])} for r in estimate_rows(result)]
    methods = sorted({r["source"] for e in result["estimates"] for r in e["results"] if r.get("source")})
    return {
        "id": result["id"], "title": result["title"], "question": result["question"], "verdict": result["verdict"],
        "rows": rows,
        "methods": "; ".join(m for m in methods if m) + f"; evidence graded by the {result['rules']['grading']}",
        "sources": [{"title": s["title"], "publisher": s["publisher"] or "publisher not given",
                     "release_date": s["release_date"]} for s in result["releases"]],
    }  # fmt: skip


def render_section(result: dict[str, Any]) -> Markup:
    from prosperity.evaluate.web import env

    return Markup(env().get_template(PARTIAL).render(ev=section_data(result)))
