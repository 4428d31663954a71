"""The bi-annual implementation review pack (Local Industrial Strategy, chapter 7: "bi-annual reviews of
implementation progress"): HTML and PDF from a round's returns, beside the outcomes' official statistics.

``DIR/index.html`` is self-contained (inline CSS and SVG); ``DIR/review.pdf`` is the same document typeset by
WeasyPrint; ``DIR/pack.json`` records the round, every return used (with its checksum) and the allocations'
source, so the pack can be traced to exactly what was received.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from prosperity import __version__
from prosperity.programmes import ratings as r
from prosperity.programmes.outcomes import CONTRIBUTION_NOTE, OutcomeLink, outcome_links, warehouse_assessor
from prosperity.programmes.portfolio import Portfolio, exceptions, review_round
from prosperity.programmes.store import ProgrammeStore, allocation_sources

MAIN, ACCENT, INK = "#1d5a8c", "#b4481c", "#1b1b1b"
RAG_COLOURS = {"green": "#00703c", "amber": "#b35c00", "red": "#b4271c"}


@dataclass
class ReviewResult:
    out: Path
    html: Path
    pdf: Path | None
    manifest: Path
    pages: int
    submissions: int
    projects: int
    exceptions: int
    seconds: float
    messages: list[str] = field(default_factory=list)


# ---- words and numbers ------------------------------------------------------------------------------------------
def money(pence: int | float | None) -> str:
    """£ in words a board reads: £1.25m, £350k, £950."""
    if pence is None:
        return "—"
    p = pence / 100
    sign = "−" if p < 0 else ""
    p = abs(p)
    if p >= 1e6:
        return f"{sign}£{p / 1e6:,.2f}m"
    if p >= 1e4:
        return f"{sign}£{p / 1e3:,.0f}k"
    return f"{sign}£{p:,.0f}"


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v:+.1%}" if abs(v) < 10 else f"{v:+.0%}"


def share(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def rag(v: str | None) -> Markup:
    text = (v or "not rated").capitalize()
    cls = (v or "none").replace("/", "-")
    return Markup(f'<span class="rag rag-{cls}">{Markup.escape(text)}</span>')


def day(d: dt.date | None) -> str:
    return "—" if d is None else f"{d.day} {d:%B %Y}"


# ---- charts -------------------------------------------------------------------------------------------------------
def s_curve_svg(curve: dict[str, list[tuple[float, float]]], title: str) -> Markup:
    from prosperity.report.figures import styled
    from prosperity.web.charts import Line, line_chart

    lines = []
    if curve.get("profile"):
        lines.append(Line("Profile (approved budget, cumulative)", curve["profile"], "benchmark"))
    if curve.get("forecast"):
        lines.append(Line("Forecast", curve["forecast"], "projection"))
    if curve.get("actual"):
        lines.append(Line("Actual spend", curve["actual"], "main"))
    last = (curve.get("actual") or [(0, 0)])[-1][1]
    prof = next((y for x, y in reversed(curve.get("profile", [])) if x <= (curve.get("actual") or [(0, 0)])[-1][0]), None)
    desc = (f"Cumulative spend reached £{last:,.2f} million by the end of the round"
            + (f", against £{prof:,.2f} million profiled by then" if prof is not None else "") + ".")  # fmt: skip
    return styled(line_chart(lines, [], title=title, desc=desc, y_label="£ million, cumulative", chart_id="s-curve"))


CHART_PROJECTS = 30


def variance_svg(pf: Portfolio) -> Markup:
    """The projects furthest from their budget for the year (at most :data:`CHART_PROJECTS`), largest first."""
    from prosperity.report.figures import Bar, bar_chart

    rated = sorted((v for v in pf.projects if v.variance.value is not None), key=lambda v: -abs(v.variance.value or 0))
    bars = [Bar(f"{v.code}", (v.variance.value or 0) * 100, pct(v.variance.value), v.variance.rag == r.RED)
            for v in rated[:CHART_PROJECTS]]  # fmt: skip
    return bar_chart(bars, title="Forecast outturn against budget, this financial year, by project",
                     desc="Per cent over (right) or under (left) the approved budget for the year; red projects dark.",
                     axis_label="% of the year's approved budget", chart_id="variance")  # fmt: skip


def heat_map_svg(counts: dict[tuple[int, int], int]) -> Markup:
    """Risks after mitigation by impact (1-6, across) and likelihood (1-4, up), coloured by the Towns Fund bands."""
    from html import escape

    cell, left, top = 64, 120, 16
    w, h = left + cell * 6 + 10, top + cell * 4 + 58
    out = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="hm-t hm-d" xmlns="http://www.w3.org/2000/svg">'
           '<title id="hm-t">Risks by impact and likelihood after mitigation</title>'
           f'<desc id="hm-d">{sum(counts.values())} risks; the number in each cell counts the risks there.</desc>']
    font = 'font-family="DejaVu Sans, sans-serif" font-size="12"'
    b = r.bands()
    for lk in range(1, 5):
        y = top + (4 - lk) * cell
        out.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" {font}>Likelihood {lk}</text>')
        for im in range(1, 7):
            x = left + (im - 1) * cell
            score = im * lk
            colour = "#f4c7c3" if score >= b.risk_red else "#fde2b8" if score >= b.risk_amber else "#cce5d6"
            n = counts.get((im, lk), 0)
            out.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}"/>')
            if n:
                out.append(f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 6}" text-anchor="middle" font-weight="bold" '
                           f'font-family="DejaVu Sans, sans-serif" font-size="18">{n}</text>')  # fmt: skip
    for im in range(1, 7):
        x = left + (im - 1) * cell + cell / 2
        out.append(f'<text x="{x}" y="{top + 4 * cell + 16}" text-anchor="middle" {font}>{im}</text>')
    out.append(f'<text x="{left + 3 * cell}" y="{top + 4 * cell + 36}" text-anchor="middle" {font}>'
               f"{escape('Impact after mitigation (1 marginal … 6 critical)')}</text></svg>")  # fmt: skip
    return Markup("".join(out))


# ---- the pack's data ------------------------------------------------------------------------------------------------
@dataclass
class Pack:
    pf: Portfolio
    generated: dt.date
    totals: dict[str, int]
    by_fund: list[dict[str, Any]]
    by_programme: list[dict[str, Any]]
    exceptions: list[dict[str, str]]
    outputs_by_theme: list[tuple[str, list[dict[str, Any]]]]
    outcomes: list[OutcomeLink]
    risks: list[dict[str, Any]]
    heat: dict[tuple[int, int], int]
    milestones: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    quality: list[tuple[str, int, list[Any]]]
    commentary: list[dict[str, Any]]
    returns: list[dict[str, Any]]
    sources: list[str]
    statistics_note: str | None
    horizon: dt.date
    charts: dict[str, Markup] = field(default_factory=dict)


QUALITY_WORDS = {
    "fund.missing-project": "Projects of a programme missing from its return",
    "fund.no-progress": "Projects without their own ratings",
    "fund.project-risk": "Projects in delivery with no risk recorded",
    "fund.framework-link": "Outputs linked to an indicator outside the named outcome",
    "360g-NoBeneficiaryLocation": "Projects that cannot be placed (no area code or postcode)",
    "360g-OrganizationIdUnrecognisedPrefix": "Organisation identifiers without a recognised prefix",
    "360g-RecipientOrgCharityNumber": "Charity numbers of the wrong length",
    "360g-RecipientOrgCompanyNumber": "Company numbers of the wrong length",
    "360g-TitleDescriptionSame": "Descriptions that repeat the title",
    "iati-8.8.3": "Qualitative indicators given a numeric baseline",
}


def build_pack(store: ProgrammeStore, round_id: str, *, wh: Any = None, fw: Any = None,
               today: dt.date | None = None) -> Pack:
    """Everything the pack shows, from the round's returns (and the warehouse's assessments, if one is given)."""
    from prosperity.framework import load_framework, shipped_framework_path

    fw = fw or load_framework(shipped_framework_path())
    with store.session() as s:
        pf = review_round(s, round_id)
        sources = allocation_sources(s)
        ex = exceptions(pf)
        assess = warehouse_assessor(wh, fw) if wh is not None else None
        links = outcome_links(pf, fw, assess)
        progs = []
        for pid, views in sorted(pf.by_programme().items()):
            t = pf.totals(views)
            p = pf.programmes[pid]
            progs.append({"programme": p, "fund": views[0].fund.name if views[0].fund else p.fund_id, "totals": t,
                          "views": views, "variance": (t["outturn_year"] - t["budget_year"]) / t["budget_year"]
                          if t["budget_year"] else None,
                          "spi": t["spent"] / t["profile"] if t["profile"] else None,
                          "submission": pf.submissions[pid]})  # fmt: skip
        funds_rows: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())  # type: ignore[arg-type]
        for g in progs:
            row = funds_rows[g["fund"]]
            for k, v in g["totals"].items():
                row[k] += v
            row["programmes"] += 1
            row["projects"] += len(g["views"])
            row["red"] += sum(1 for v in g["views"] if r.RED in v.computed.values())
        by_fund = [{"fund": f, **dict(c)} for f, c in sorted(funds_rows.items())]
        themes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in pf.projects:
            for i in v.outputs:
                themes[v.project.intervention_theme or "No theme given"].append({"view": v, "ind": i})
        risks = [{"risk": x, "rating": rt, "view": v} for v in pf.projects for x, rt in v.risks]
        risks += [{"risk": x, "rating": rt, "view": None} for x, rt in pf.programme_risks]
        risks.sort(key=lambda d: (-(d["rating"].value or 0), -(d["risk"].proximity or 0), d["risk"].title))
        heat = Counter((d["risk"].impact, d["risk"].likelihood) for d in risks)
        horizon = pf.round.end + dt.timedelta(days=183)
        milestones = sorted(({"ms": ms, "view": v, "due": ms.forecast_date or ms.baseline_date,
                              "late_days": ((ms.forecast_date or ms.baseline_date) - ms.baseline_date).days}
                             for v in pf.projects for ms in v.milestones
                             if ms.actual_date is None and (ms.forecast_date or ms.baseline_date) <= horizon),
                            key=lambda d: d["due"])  # fmt: skip
        changes = [{"view": v, **c} for v in pf.projects for c in v.changes]
        by_rule: dict[str, list[Any]] = defaultdict(list)
        for i in pf.issues:
            by_rule[i.rule].append(i)
        quality = sorted(((QUALITY_WORDS.get(k, k), len(v), v) for k, v in by_rule.items()), key=lambda t: -t[1])
        commentary = []
        for pid, sub in sorted(pf.submissions.items()):
            notes = [(v, v.progress.commentary) for v in pf.projects
                     if v.programme.id == pid and v.progress and v.progress.commentary]
            commentary.append({"who": sub.organisation, "what": pf.programmes[pid].title, "text": sub.commentary,
                               "rag": sub.overall_rag, "projects": notes})
        returns = [{"programme": pf.programmes[pid], "sub": sub} for pid, sub in sorted(pf.submissions.items())]
    note = None if wh is not None else ("The official statistics were not available when this pack was made, so each "
                                        "outcome's indicators are listed without figures.")  # fmt: skip
    pack = Pack(pf, today or dt.date.today(), pf.totals(), by_fund, progs, ex, sorted(themes.items()), links,
                risks[:10], dict(heat), milestones, changes, quality, commentary, returns, sources, note, horizon)
    if pf.s_curve:
        pack.charts["s_curve"] = s_curve_svg(pf.s_curve, f"Cumulative spend against profile, all programmes, to "
                                                         f"{day(pf.round.end)} and forecast")  # fmt: skip
    if any(v.variance.value is not None for v in pf.projects):
        pack.charts["variance"] = variance_svg(pf)
    pack.charts["heat"] = heat_map_svg(pack.heat)
    return pack


def render_html(pack: Pack) -> str:
    from prosperity.assess.sentences import fmt

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    files = resources.files("prosperity.programmes").joinpath("templates")
    template = env.from_string(files.joinpath("review.html").read_text(encoding="utf-8"))
    css = Markup(files.joinpath("review.css").read_text(encoding="utf-8"))
    return template.render(p=pack, pf=pack.pf, css=css, version=__version__, money=money, pct=pct, share=share, rag=rag,
                           day=day, contribution_note=CONTRIBUTION_NOTE, pounds=r.pounds, value=fmt)  # fmt: skip


def write_review(store: ProgrammeStore, round_id: str, out: Path, *, warehouse: Path | None = None,
                 framework: Path | None = None, pdf: bool = True, today: dt.date | None = None,
                 now: dt.datetime | None = None) -> ReviewResult:  # fmt: skip
    """Write ``index.html``, ``review.pdf`` and ``pack.json`` for ``round_id`` into ``out``."""
    from prosperity.errors import ProsperityError
    from prosperity.framework import load_framework, shipped_framework_path
    from prosperity.warehouse import Warehouse, default_db

    started = time.perf_counter()
    messages: list[str] = []
    fw = load_framework(framework or shipped_framework_path())
    wh_path = warehouse or default_db()
    wh = None
    if Path(wh_path).exists():
        try:
            wh = Warehouse.open(wh_path, read_only=True)
        except ProsperityError as e:
            messages.append(f"the statistics warehouse could not be opened ({e}); outcomes are shown without figures")
    else:
        messages.append(f"no statistics warehouse at {wh_path} (`prosperity build` makes one): outcomes are shown "
                        "without their indicators' figures")  # fmt: skip
    try:
        pack = build_pack(store, round_id, wh=wh, fw=fw, today=today)
    finally:
        if wh is not None:
            wh.close()
    if not pack.pf.submissions:
        raise ProsperityError(f"no returns for round {round_id}: import them first (`prosperity programmes import`)")
    html = render_html(pack)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "index.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path, pages = None, 0
    if pdf:  # printed as the annual report is: a tagged PDF by Chromium, else typeset by WeasyPrint
        from prosperity.report import print_report, start_printer

        pdf_path = out / "review.pdf"
        with start_printer() as printer:
            pages, _, _ = print_report(html, pdf_path, title=f"Implementation review, {pack.pf.round.label}",
                                       printer=printer)  # fmt: skip
    manifest = {
        "pack": "Implementation review", "round": pack.pf.round.id,
        "generated_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "prosperity_version": __version__, "statistics_warehouse": str(wh_path) if wh is not None else None,
        "returns": [{"submission": x["sub"].id, "programme": x["programme"].id, "file": x["sub"].file_name,
                     "sha256": x["sub"].file_sha256, "received_at": x["sub"].received_at.isoformat(timespec="seconds"),
                     "corrects": x["sub"].supersedes_id} for x in pack.returns],
        "allocations": pack.sources, "missing_returns": [m_["programme"].id for m_ in pack.pf.missing],
        "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (html_path, pdf_path) if p is not None},
        "pages": pages or None, "messages": messages,
    }  # fmt: skip
    (out / "pack.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ReviewResult(out, html_path, pdf_path, out / "pack.json", pages, len(pack.pf.submissions),
                        len(pack.pf.projects), len(pack.exceptions), time.perf_counter() - started, messages)  # fmt: skip


# ---- for the State of the City Region report (wired in by the report's owners) ------------------------------------
def report_section(store: ProgrammeStore, round_id: str, *, wh: Any = None, fw: Any = None) -> dict[str, Any]:
    """The data for a "Programmes and the outcomes they claim" report section; render it with
    :func:`report_partial` (a Jinja partial expecting ``section`` and a ``money`` function, e.g. :func:`money`)."""
    pack = build_pack(store, round_id, wh=wh, fw=fw)
    return {"round": pack.pf.round, "totals": pack.totals, "by_fund": pack.by_fund, "outcomes": pack.outcomes,
            "exceptions": len(pack.exceptions), "missing": [x["programme"] for x in pack.pf.missing],
            "contribution_note": CONTRIBUTION_NOTE, "sources": pack.sources}  # fmt: skip


def report_partial() -> str:
    """The Jinja source of the report section partial."""
    return resources.files("prosperity.programmes").joinpath("templates", "_report_section.html").read_text(encoding="utf-8")
