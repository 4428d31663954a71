"""Checking a return in three layers, each issue named by file, sheet, row, column and rule id.

1. **Schema** (``schema.*``): sheet and column names, types, required cells, choices (while reading, in
   :mod:`prosperity.programmes.importer`); then unique keys and references between sheets and to the store.
2. **Standard rules**, with the ids of the IATI 2.03 ruleset (``IATI-Rulesets/rulesets/standard.json``) and the
   360Giving data quality tool's test names (``lib360dataquality/cove/threesixtygiving.py``): ``iati-7.5.3`` no
   budget period over a year, ``iati-8.6.3`` periods start before they end, ``iati-11.2.1`` no future-dated
   transaction, ``iati-11.1.2``/``11.1.3``/``11.1.5`` activity dates, ``iati-8.6.1`` indicator periods,
   ``iati-8.8.1``/``8.9.1``/``8.10.1`` baseline, target and actual values for numeric measures; and 360Giving's
   organisation identifier and title warnings (``360g-…``).
3. **Fund rules** (``fund.*``), after MHCLG's Towns Fund and Pathfinder validations: spend and forecast never
   above the allocation, capital and revenue separately (``validate_funding_spent``); a negative spend needs a
   reason; dates in the financial year named beside them; actual spend not after the round, forecasts after it;
   a cause of delay for a delayed project; at least one risk for each live project; at most 250 words of
   commentary (UKSPF); a sign-off not in the future; strategy ids that exist in the framework.

Errors reject the return whole (nothing is stored); warnings are kept with the stored submission as its data
quality record.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from prosperity.programmes import model as m
from prosperity.programmes.columns import SHEETS, SPEND_TYPES
from prosperity.programmes.funds import funds
from prosperity.programmes.returns import Return, Row
from prosperity.programmes.store import allocations
from prosperity.programmes.years import fy_bounds, longer_than_a_year

WORD_LIMIT = 250
#: org-id.guide prefixes a UK grant-maker's recipients commonly carry (360Giving data quality tool's list is longer)
ORG_PREFIXES = ("GB-CHC", "GB-COH", "GB-LAE", "GB-LAS", "GB-LANI", "GB-PLA", "GB-GOR", "GB-GOVUK", "GB-EDU", "GB-NHS",
                "GB-SC", "GB-NIC", "GB-MPR", "GB-REV", "GB-UKPRN", "GB-SHPE", "GB-UKCRN", "360G")  # fmt: skip
CHARITY = re.compile(r"^GB-CHC-\d{6,7}$")
COMPANY = re.compile(r"^GB-COH-[A-Z0-9]{8}$")


@dataclass
class Framework:
    """The strategy ids a return may link to."""

    outcomes: set[str] = field(default_factory=set)
    indicators: set[str] = field(default_factory=set)
    outcome_indicators: dict[str, set[str]] = field(default_factory=dict)


def framework_ids(path: str | Path | None = None) -> Framework:
    from prosperity.framework import load_framework, shipped_framework_path

    fw = load_framework(path or shipped_framework_path())
    outs = fw.outcomes()
    return Framework(set(outs), set(fw.indicators), {k: {r.indicator for r in o.indicators} for k, o in outs.items()})


def check_return(ret: Return, session: Session, framework: Framework, *, today: date | None = None) -> Return:
    """Run layers 1 (what reading left) to 3 on ``ret``; issues are added to ``ret.issues``. Returns ``ret``."""
    day = today or date.today()
    if ret.errors and not ret.header:
        return ret  # without its Return sheet nothing else can be judged
    _keys(ret)
    _references(ret, session)
    _standard(ret, day)
    _fund(ret, session, framework, day)
    _quality(ret)
    return ret


# ---- layer 1: keys and references --------------------------------------------------------------------------
def _keys(ret: Return) -> None:
    for s in SHEETS:
        if not s.unique:
            continue
        seen: dict[tuple[object, ...], Row] = {}
        for r in ret.rows(s.key):
            key = tuple(r[k] for k in s.unique)
            if any(v is None for k, v in zip(s.unique, key, strict=True) if s.column(k).required):
                continue
            if key in seen:
                what = ", ".join(f"{s.column(k).label} {v}" for k, v in zip(s.unique, key, strict=True) if v is not None)
                ret.issue("error", "schema.unique", f"duplicate: {what} is already on row {seen[key].number}; each "
                          f"appears once", r, s.unique[-1] if len(s.unique) > 1 and s.key != "projects" else s.unique[0])
            else:
                seen[key] = r


def _references(ret: Return, session: Session) -> None:
    h = ret.header
    fund = h["fund"] if h else None
    programmes = {r["programme_code"]: r for r in ret.rows("programmes") if r["programme_code"]}
    projects = {r["project_code"]: r for r in ret.rows("projects") if r["project_code"]}
    stored_prog = {p.id: p for p in session.scalars(select(m.Programme).where(m.Programme.id.in_(list(programmes))))}
    stored_proj = {p.id: p for p in session.scalars(select(m.Project).where(m.Project.id.in_(list(projects))))}
    for code, r in programmes.items():
        p = stored_prog.get(code)
        if p is not None and fund and p.fund_id != fund:
            name = funds()[p.fund_id].name if p.fund_id in funds() else p.fund_id
            ret.issue("error", "schema.fund", f"programme {code} is funded by {name}"
                      f"; this return is for {funds()[fund].name}: one return, one fund", r, "programme_code")  # fmt: skip
    for code, r in projects.items():
        prog = r["programme_code"]
        if prog and prog not in programmes:
            ret.issue("error", "schema.reference", f"programme {prog} is not on the Programmes sheet", r, "programme_code")
        p = stored_proj.get(code)
        if p is not None and prog and p.programme_id != prog:
            ret.issue("error", "schema.reference", f"project {code} belongs to programme {p.programme_id}; a return "
                      f"cannot move it to {prog}", r, "programme_code")  # fmt: skip
    indicators = {(r["project_code"], r["indicator_code"]) for r in ret.rows("indicators")}
    for s in SHEETS:
        for col, target in s.refs.items():
            known = programmes if target == "programmes" else projects
            for r in ret.rows(s.key):
                v = r[col]
                if v is not None and v not in known:
                    ret.issue("error", "schema.reference", f"{'programme' if target == 'programmes' else 'project'} "
                              f"{v} is not on the {'Programmes' if target == 'programmes' else 'Projects'} sheet", r, col)
    for r in ret.rows("periods"):
        key = (r["project_code"], r["indicator_code"])
        if r["project_code"] in projects and r["indicator_code"] and key not in indicators:
            ret.issue("error", "schema.reference", f"indicator {r['indicator_code']} of project {r['project_code']} is "
                      "not on the Indicators sheet", r, "indicator_code")  # fmt: skip
    for r in ret.rows("risks"):
        proj = projects.get(r["project_code"]) if r["project_code"] else None
        if proj is not None and r["programme_code"] and proj["programme_code"] != r["programme_code"]:
            ret.issue("error", "schema.reference", f"project {r['project_code']} is in programme "
                      f"{proj['programme_code']}, not {r['programme_code']}", r, "programme_code")  # fmt: skip


# ---- layer 2: IATI and 360Giving rules ---------------------------------------------------------------------
def _period(ret: Return, r: Row, start: str, end: str, *, year_limit: bool) -> bool:
    a, b = r[start], r[end]
    if a is None or b is None:
        return False
    if a > b:
        rule = "iati-8.6.3" if r.sheet.key in ("budgets", "forecasts") else "iati-8.6.1"
        ret.issue("error", rule, f"the period starts ({a}) after it ends ({b})", r, end)
        return False
    if year_limit and longer_than_a_year(a, b):
        ret.issue("error", "iati-7.5.3", f"the period {a} to {b} is longer than one year; split it by financial year",
                  r, end)  # fmt: skip
        return False
    return True


def _activity_dates(ret: Return, r: Row, day: date) -> None:
    for a, b, rule in (("planned_start", "planned_end", "iati-11.1.2"), ("actual_start", "actual_end", "iati-11.1.3")):
        if r[a] and r[b] and r[a] > r[b]:
            ret.issue("error", rule, f"{r.sheet.column(a).label.lower()} {r[a]} is after "
                      f"{r.sheet.column(b).label.lower()} {r[b]}", r, b)  # fmt: skip
    for k in ("actual_start", "actual_end"):
        if r[k] and r[k] > day:
            ret.issue("error", "iati-11.1.5", f"an actual date cannot be in the future ({r[k]}); use the planned date",
                      r, k)  # fmt: skip


def _standard(ret: Return, day: date) -> None:
    for r in ret.rows("programmes") + ret.rows("projects"):
        _activity_dates(ret, r, day)
    for key in ("budgets", "forecasts"):
        for r in ret.rows(key):
            _period(ret, r, "period_start", "period_end", year_limit=True)
    for r in ret.rows("spend"):
        if r["date"] and r["date"] > day:
            ret.issue("error", "iati-11.2.1", f"the transaction date {r['date']} is in the future", r, "date")
    measures = {(r["project_code"], r["indicator_code"]): r["measure"] for r in ret.rows("indicators")}
    for r in ret.rows("indicators"):
        numeric = r["measure"] not in (None, "qualitative")
        if numeric and r["baseline_value"] is None:
            ret.issue("error", "iati-8.8.1", f"a baseline value is required for a {r['measure']} measure (use 0 for a "
                      "new output with nothing delivered before)", r, "baseline_value")  # fmt: skip
        if r["measure"] == "qualitative" and r["baseline_value"] is not None:
            ret.issue("warning", "iati-8.8.3", "a qualitative indicator should have no baseline value", r,
                      "baseline_value")  # fmt: skip
    rnd = ret.round()
    for r in ret.rows("periods"):
        ok = _period(ret, r, "period_start", "period_end", year_limit=False)
        measure = measures.get((r["project_code"], r["indicator_code"]))
        if measure in (None, "qualitative"):
            continue
        if r["target"] is None:
            ret.issue("error", "iati-8.9.1", f"a target value is required for a {measure} measure", r, "target")
        if ok and rnd is not None:
            if r["actual"] is None and r["period_end"] <= rnd.end:
                ret.issue("error", "iati-8.10.1", f"the period ended on {r['period_end']}, by the end of the round "
                          f"({rnd.end}): give its actual value (0 if nothing was delivered)", r, "actual")  # fmt: skip
            if r["actual"] is not None and r["period_start"] > rnd.end:
                ret.issue("error", "fund.actual-after-round", f"an actual for a period that starts after the round "
                          f"({rnd.end}); leave it blank until it is reported", r, "actual")  # fmt: skip


# ---- layer 3: fund rules -------------------------------------------------------------------------------------
def _in_fy(ret: Return, r: Row, fy_col: str, cols: Iterable[str]) -> None:
    fy = r[fy_col]
    if fy is None:
        return
    first, last = fy_bounds(fy)
    for c in cols:
        v = r[c]
        if v is not None and not first <= v <= last:
            ret.issue("error", "fund.financial-year", f"{v} is not in financial year {fy} ({first} to {last}); give "
                      "the right financial year or date", r, c)  # fmt: skip
            return


def _words(text: str | None) -> int:
    return len(re.findall(r"\S+", text or ""))


def _fund(ret: Return, session: Session, framework: Framework, day: date) -> None:
    h = ret.header
    rnd = ret.round()
    if h is not None:
        if h["sign_off_date"] and h["sign_off_date"] > day:
            ret.issue("error", "fund.sign-off-date", f"the sign-off date {h['sign_off_date']} is in the future", h,
                      "sign_off_date")  # fmt: skip
        if _words(h["commentary"]) > WORD_LIMIT:
            ret.issue("error", "fund.commentary-length", f"{_words(h['commentary'])} words; at most {WORD_LIMIT}", h,
                      "commentary")  # fmt: skip
    for r in ret.rows("budgets"):
        _in_fy(ret, r, "financial_year", ("period_start", "period_end"))
        if None not in (r["capital"], r["revenue"], r["total"]) and r["capital"] + r["revenue"] != r["total"]:
            ret.issue("error", "fund.total", f"the total £{r['total'] / 100:,.2f} does not add up: capital "
                      f"£{r['capital'] / 100:,.2f} plus revenue £{r['revenue'] / 100:,.2f} is "
                      f"£{(r['capital'] + r['revenue']) / 100:,.2f}", r, "total")  # fmt: skip
        for c in ("capital", "revenue"):
            if r[c] is not None and r[c] < 0:
                ret.issue("error", "fund.negative-budget", "a budget cannot be negative", r, c)
    for r in ret.rows("spend"):
        _in_fy(ret, r, "financial_year", ("date",))
        if r["value"] is not None and r["value"] < 0 and not (r["reason"] or "").strip():
            ret.issue("error", "fund.negative-spend", f"a negative spend (£{r['value'] / 100:,.2f}) needs a reason (a "
                      f"refund, a reversal) in column {r.column_text('reason')}", r, "value")  # fmt: skip
        if rnd and r["date"] and r["date"] > rnd.end:
            ret.issue("error", "fund.actual-after-round", f"spend dated {r['date']} is after the end of round {rnd.id} "
                      f"({rnd.end}); report it next round, or as a forecast", r, "date")  # fmt: skip
    for r in ret.rows("forecasts"):
        _in_fy(ret, r, "financial_year", ("period_start", "period_end"))
        if rnd and r["period_start"] and r["period_start"] <= rnd.end:
            ret.issue("error", "fund.forecast-in-round", f"a forecast must be for a period after the round (which ends "
                      f"{rnd.end}); spend up to then is actual spend, on the Spend sheet", r, "period_start")  # fmt: skip
        if r["value"] is not None and r["value"] < 0:
            ret.issue("error", "fund.negative-forecast", "a forecast cannot be negative", r, "value")
    for r in ret.rows("progress"):
        if r["delivery_status"] == "delayed" and not (r["delay_factor"] or "").strip():
            ret.issue("error", "fund.delay-factor", "a delayed project needs its main cause of delay", r, "delay_factor")
        if _words(r["commentary"]) > WORD_LIMIT:
            ret.issue("error", "fund.commentary-length", f"{_words(r['commentary'])} words; at most {WORD_LIMIT}", r,
                      "commentary")  # fmt: skip
    for r in ret.rows("risks"):
        for col, top in (("impact", 6), ("likelihood", 4), ("proximity", 5)):
            if r[col] is not None and not 1 <= r[col] <= top:
                ret.issue("error", "schema.range", f"{r[col]} is outside the scale 1 to {top}", r, col)
    for r in ret.rows("milestones"):
        if r["actual_date"] and r["actual_date"] > day:
            ret.issue("error", "iati-11.1.5", f"an actual date cannot be in the future ({r['actual_date']})", r,
                      "actual_date")  # fmt: skip
    _framework(ret, framework)
    _allocations(ret, session)
    _risks_and_progress(ret, session)


def _framework(ret: Return, fw: Framework) -> None:
    import difflib

    def unknown(r: Row, col: str, value: str, known: set[str], what: str) -> None:
        close = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        ret.issue("error", "fund.framework-id", f"{value!r} is not a {what} of the strategy framework{hint}", r, col)

    for r in ret.rows("programmes"):
        for o in r.get("outcome_ids", []):
            if o not in fw.outcomes:
                unknown(r, "outcome_ids", o, fw.outcomes, "strategy outcome")
    for r in ret.rows("indicators"):
        if r["framework_indicator"] and r["framework_indicator"] not in fw.indicators:
            unknown(r, "framework_indicator", r["framework_indicator"], fw.indicators, "strategy indicator")
        if r["framework_outcome"] and r["framework_outcome"] not in fw.outcomes:
            unknown(r, "framework_outcome", r["framework_outcome"], fw.outcomes, "strategy outcome")
        ind, out = r["framework_indicator"], r["framework_outcome"]
        if ind in fw.indicators and out in fw.outcomes and ind not in fw.outcome_indicators.get(out, set()):
            ret.issue("warning", "fund.framework-link", f"strategy indicator {ind!r} is not one of outcome {out!r}'s "
                      "indicators; the link is kept as given", r, "framework_indicator")  # fmt: skip


def _money(p: int) -> str:
    return f"£{p / 100:,.2f}"


def _allocations(ret: Return, session: Session) -> None:
    """MHCLG ``validate_funding_spent``: actual spend plus forecast, by capital and revenue, within the allocation."""
    alloc = allocations(session)
    projects = {r["project_code"]: r for r in ret.rows("projects") if r["project_code"]}
    sums: dict[tuple[str, str], int] = defaultdict(int)
    rows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in ret.rows("spend"):
        if r["transaction_type"] in SPEND_TYPES and r["value"] is not None and r["project_code"] in projects:
            sums[(r["project_code"], r["expense_type"])] += r["value"]
            rows[(r["project_code"], r["expense_type"])].append(r.number)
    for r in ret.rows("forecasts"):
        if r["value"] is not None and r["project_code"] in projects:
            sums[(r["project_code"], r["expense_type"])] += r["value"]
    by_programme: dict[str, int] = defaultdict(int)
    for (proj, _), v in sums.items():
        by_programme[projects[proj]["programme_code"]] += v
    for key, amounts in alloc.items():
        if key.project_id is not None:
            r = projects.get(key.project_id)
            if r is None:
                continue
            for etype in ("capital", "revenue", "total"):
                if etype not in amounts:
                    continue
                used = (sums[(key.project_id, "capital")] + sums[(key.project_id, "revenue")] if etype == "total"
                        else sums[(key.project_id, etype)])  # fmt: skip
                if used > amounts[etype]:
                    word = {"capital": "capital (CDEL)", "revenue": "revenue (RDEL)", "total": ""}[etype]
                    ret.issue("error", "fund.allocation", f"The total {word} amount is greater than your allocation: "
                              f"project {key.project_id}'s {etype} spend and forecast come to {_money(used)}, "
                              f"{_money(used - amounts[etype])} over its {etype} allocation of {_money(amounts[etype])} "
                              "(see its rows on the Spend and Forecasts sheets)", r, "project_code")  # fmt: skip
        elif "total" in amounts and key.programme_id in by_programme:
            used = by_programme[key.programme_id]
            if used > amounts["total"]:
                r = next(x for x in ret.rows("programmes") if x["programme_code"] == key.programme_id)
                ret.issue("error", "fund.allocation", f"The total amount is greater than your allocation: programme "
                          f"{key.programme_id}'s spend and forecast come to {_money(used)}, "
                          f"{_money(used - amounts['total'])} over its allocation of {_money(amounts['total'])}", r,
                          "programme_code")  # fmt: skip


def _risks_and_progress(ret: Return, session: Session) -> None:
    has_risk = {r["project_code"] for r in ret.rows("risks") if r["project_code"]}
    has_progress = {r["project_code"] for r in ret.rows("progress")}
    completed = {r["project_code"] for r in ret.rows("progress") if r["delivery_status"] == "completed"}
    for r in ret.rows("projects"):
        code = r["project_code"]
        if code is None or r["status"] in ("closed", "cancelled"):
            continue
        if code not in has_progress:
            ret.issue("warning", "fund.no-progress", "no row on the Progress sheet: the project's own ratings are "
                      "missing from the review", r, "project_code")  # fmt: skip
        if code not in has_risk and code not in completed:
            ret.issue("warning", "fund.project-risk", "a project still in delivery should have at least one risk "
                      "(Towns Fund validate_project_risks)", r, "project_code")  # fmt: skip
    programmes = [r["programme_code"] for r in ret.rows("programmes") if r["programme_code"]]
    listed = {r["project_code"] for r in ret.rows("projects")}
    for p in session.scalars(select(m.Project).where(m.Project.programme_id.in_(programmes))):
        if p.id not in listed:
            prog = next(x for x in ret.rows("programmes") if x["programme_code"] == p.programme_id)
            ret.issue("warning", "fund.missing-project", f"project {p.id} of programme {p.programme_id} is not in this "
                      "return", prog, "programme_code")  # fmt: skip


# ---- data quality warnings (360Giving usefulness and accuracy tests) --------------------------------------------
def _quality(ret: Return) -> None:
    for r in ret.rows("programmes") + ret.rows("projects"):
        col = "lead_org_id" if r.sheet.key == "programmes" else "delivery_org_id"
        oid = r[col]
        if oid:
            if not oid.upper().startswith(ORG_PREFIXES):
                ret.issue("warning", "360g-OrganizationIdUnrecognisedPrefix", f"{oid!r} has no recognised org-id.guide "
                          "prefix (GB-CHC, GB-COH, GB-LAE …)", r, col)  # fmt: skip
            elif oid.upper().startswith("GB-CHC") and not CHARITY.match(oid.upper()):
                ret.issue("warning", "360g-RecipientOrgCharityNumber", f"{oid!r}: a charity number has 6 or 7 digits",
                          r, col)  # fmt: skip
            elif oid.upper().startswith("GB-COH") and not COMPANY.match(oid.upper()):
                ret.issue("warning", "360g-RecipientOrgCompanyNumber", f"{oid!r}: a company number has 8 characters",
                          r, col)  # fmt: skip
        if r["title"] and r["description"] and r["title"].strip() == r["description"].strip():
            ret.issue("warning", "360g-TitleDescriptionSame", "the description repeats the title", r, "description")
        if r.sheet.key == "projects" and not r["area_code"] and not r["postcode"]:
            ret.issue("warning", "360g-NoBeneficiaryLocation", "no area code or postcode: the project cannot be placed",
                      r, "area_code")  # fmt: skip
