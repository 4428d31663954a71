"""A reporting round's picture of every programme and project: money, ratings, outputs, risks, milestones.

This applies the pure rules of :mod:`prosperity.programmes.ratings` to what the round's submissions report,
and is what the review pack, the dashboard pages, the API and the command line read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prosperity.programmes import model as m
from prosperity.programmes import ratings as r
from prosperity.programmes.columns import SPEND_TYPES
from prosperity.programmes.funds import Fund, funds
from prosperity.programmes.store import (
    AllocationKey,
    Picture,
    allocations,
    current_submissions,
    pictures,
    programme_risks,
)
from prosperity.programmes.years import Round, parse_round


@dataclass
class IndicatorView:
    code: str
    kind: str
    title: str
    unit: str
    measure: str
    ascending: bool
    baseline: float | None
    achieved: float  # sum of actuals of the periods ended by the round (unit measures), else the latest actual
    profiled: float  # sum of targets of those periods
    whole_life_target: float
    rating: r.Rating | None
    framework_indicator: str | None
    framework_outcome: str | None


@dataclass
class ProjectView:
    project: m.Project
    programme: m.Programme
    fund: Fund | None
    submission: m.Submission
    allocation: dict[str, int]
    budget_total: int
    budget_year: int
    actual_to_date: int
    actual_capital: int
    actual_revenue: int
    profile_to_date: int
    forecast_after: int  # forecast spend after the round, all years
    outturn_year: int
    variance: r.Rating
    spend_profile: r.Rating
    outputs: list[IndicatorView]
    output_rating: str | None
    risks: list[tuple[m.Risk, r.Rating]]
    risk_rating: str | None
    slip: r.Slip | None
    declared: dict[str, str | None]
    computed: dict[str, str | None]
    disagreements: list[str]
    changes: list[dict[str, Any]]
    milestones: list[m.Milestone]
    progress: m.Progress | None

    @property
    def code(self) -> str:
        return self.project.id

    @property
    def headroom(self) -> int | None:
        """Allocation left after spend to date and forecasts (None without an allocation)."""
        total = sum(self.allocation.values())
        return None if not self.allocation else total - self.actual_to_date - self.forecast_after

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.code, "title": self.project.title, "programme": self.programme.id,
            "fund": self.fund.id if self.fund else None, "submission": self.submission.id,
            "round": self.submission.round_id, "status": self.project.status,
            "allocation_gbp": {k: v / 100 for k, v in self.allocation.items()},
            "budget_whole_life_gbp": self.budget_total / 100, "budget_year_gbp": self.budget_year / 100,
            "spent_to_date_gbp": self.actual_to_date / 100, "spent_capital_gbp": self.actual_capital / 100,
            "spent_revenue_gbp": self.actual_revenue / 100, "profile_to_date_gbp": self.profile_to_date / 100,
            "forecast_after_round_gbp": self.forecast_after / 100, "forecast_outturn_year_gbp": self.outturn_year / 100,
            "headroom_gbp": None if self.headroom is None else self.headroom / 100,
            "ratings": {"forecast_variance": self.variance.as_dict(), "spend_against_profile": self.spend_profile.as_dict(),
                        "outputs": self.output_rating, "risk": self.risk_rating},
            "computed": self.computed, "declared": self.declared, "disagreements": self.disagreements,
            "capital_slip": None if self.slip is None else {"financial_year": self.slip.financial_year,
                                                             "amount_gbp": self.slip.amount / 100, "text": self.slip.text},
            "outputs": [{"code": i.code, "kind": i.kind, "title": i.title, "unit": i.unit, "achieved": i.achieved,
                         "profiled_to_date": i.profiled, "whole_life_target": i.whole_life_target,
                         "rating": i.rating.as_dict() if i.rating else None, "framework_indicator": i.framework_indicator,
                         "framework_outcome": i.framework_outcome} for i in self.outputs],
            "change_requests": self.changes,
        }  # fmt: skip


@dataclass
class Portfolio:
    round: Round
    submissions: dict[str, m.Submission]  # programme → its current submission for the round
    programmes: dict[str, m.Programme]
    projects: list[ProjectView]
    missing: list[dict[str, Any]]  # programmes with no return for the round
    programme_risks: list[tuple[m.Risk, r.Rating]]
    issues: list[m.SubmissionIssue]
    s_curve: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def by_programme(self) -> dict[str, list[ProjectView]]:
        out: dict[str, list[ProjectView]] = defaultdict(list)
        for p in self.projects:
            out[p.programme.id].append(p)
        return dict(out)

    def totals(self, views: list[ProjectView] | None = None) -> dict[str, int]:
        vs = self.projects if views is None else views
        return {"allocation": sum(sum(v.allocation.values()) for v in vs) + sum(
                    self._programme_allocation(p) for p in {v.programme.id for v in vs}),
                "budget": sum(v.budget_total for v in vs), "budget_year": sum(v.budget_year for v in vs),
                "spent": sum(v.actual_to_date for v in vs), "profile": sum(v.profile_to_date for v in vs),
                "forecast_after": sum(v.forecast_after for v in vs), "outturn_year": sum(v.outturn_year for v in vs)}

    _programme_alloc: dict[str, int] = field(default_factory=dict)

    def _programme_allocation(self, programme: str) -> int:
        return self._programme_alloc.get(programme, 0)

    def rag_counts(self, key: str) -> dict[str, int]:
        counts = {r.GREEN: 0, r.AMBER: 0, r.RED: 0, "not rated": 0}
        for v in self.projects:
            counts[v.computed.get(key) or "not rated"] += 1
        return counts


def _chosen_budgets(p: Picture) -> list[m.BudgetLine]:
    """Per period, the revised budget where there is one, else the original (IATI budget @type 2 over 1)."""
    best: dict[tuple[date, date], m.BudgetLine] = {}
    for b in p.budgets:
        k = (b.period_start, b.period_end)
        if k not in best or (b.budget_type == "revised" and best[k].budget_type != "revised"):
            best[k] = b
    return list(best.values())


def _indicator(ind: m.ResultIndicator, rnd: Round) -> IndicatorView:
    ended = [p for p in ind.periods if p.period_end <= rnd.end]
    total_target = sum(p.target or 0 for p in ind.periods)
    rating = None
    if ind.measure == "unit":
        achieved = sum(p.actual or 0 for p in ended)
        profiled = sum(p.target or 0 for p in ended)
        rating = r.output_delivery_index(achieved, profiled, ind.unit) if ind.ascending else None
    else:  # a percentage or score is not summed: the latest ended period's actual against its target
        last = ended[-1] if ended else None
        achieved = (last.actual or 0) if last else 0
        profiled = (last.target or 0) if last else 0
    return IndicatorView(ind.code, ind.kind, ind.title, ind.unit, ind.measure, ind.ascending, ind.baseline_value,
                         achieved, profiled, total_target, rating, ind.framework_indicator, ind.framework_outcome)


def project_view(p: Picture, rnd: Round, alloc: dict[str, int]) -> ProjectView:
    fund = funds().get(p.submission.fund_id)
    tol = fund.tolerance if fund else None
    budgets = _chosen_budgets(p)
    spend = [t for t in p.spend if t.transaction_type in SPEND_TYPES and t.transaction_date <= rnd.end]
    actual = sum(t.value_pence for t in spend)
    actual_year = sum(t.value_pence for t in spend if t.financial_year == rnd.fy)
    forecasts_year = sum(f.value_pence for f in p.forecasts if f.financial_year == rnd.fy)
    budget_year = sum(b.capital_pence + b.revenue_pence for b in budgets if b.financial_year == rnd.fy)
    spans = ((b.period_start, b.period_end, b.capital_pence + b.revenue_pence) for b in budgets)
    profile = round(r.prorated(spans, rnd.end))
    cap_budget_year = sum(b.capital_pence for b in budgets if b.financial_year == rnd.fy)
    cap_outturn = sum(t.value_pence for t in spend if t.financial_year == rnd.fy and t.expense_type == "capital") + sum(
        f.value_pence for f in p.forecasts if f.financial_year == rnd.fy and f.expense_type == "capital")
    later_budget = sum(b.capital_pence for b in budgets if b.financial_year > rnd.fy)
    later_forecast = sum(f.value_pence for f in p.forecasts if f.financial_year > rnd.fy and f.expense_type == "capital")
    slip = r.capital_slip(rnd.fy, cap_budget_year, cap_outturn, later_budget, later_forecast)
    variance = r.forecast_variance(budget_year, actual_year + forecasts_year, tol, capital_slip=slip is not None,
                                   no_slip_rule=bool(fund and fund.no_slip_between_years))  # fmt: skip
    spi = r.spend_profile_index(actual, profile, tol)
    outputs = [_indicator(i, rnd) for i in p.indicators]
    output_rating = r.worst(i.rating for i in outputs if i.kind == "output")
    risks = [(x, r.risk_rating(x.impact, x.likelihood)) for x in p.risks]
    risk_rag = r.worst(rt for _, rt in risks)
    computed = {"spend": r.worst([variance, spi]), "delivery": output_rating, "risk": risk_rag}
    declared = {"spend": p.progress.spend_rag if p.progress else None,
                "delivery": p.progress.delivery_rag if p.progress else None,
                "risk": p.progress.risk_rag if p.progress else None}  # fmt: skip
    disagreements = [k for k in ("spend", "delivery", "risk") if r.disagrees(declared[k], computed[k])]
    changes = []
    for c in p.changes:
        share, breached = r.change_against_tolerance(c.baseline_value, c.proposed_value, tol)
        changes.append({"reference": c.reference, "kind": c.kind, "description": c.description,
                        "agreed": c.baseline_value, "proposed": c.proposed_value, "change": share,
                        "beyond_tolerance": breached, "tolerance": tol, "status": c.status})  # fmt: skip
    return ProjectView(
        p.project, p.project.programme, fund, p.submission, alloc, sum(b.capital_pence + b.revenue_pence for b in budgets),
        budget_year, actual, sum(t.value_pence for t in spend if t.expense_type == "capital"),
        sum(t.value_pence for t in spend if t.expense_type == "revenue"), profile,
        sum(f.value_pence for f in p.forecasts), actual_year + forecasts_year, variance, spi, outputs, output_rating,
        risks, risk_rag, slip, declared, computed, disagreements, changes, p.milestones, p.progress)  # fmt: skip


def _s_curve(pics: list[Picture], rnd: Round) -> dict[str, list[tuple[float, float]]]:
    """Cumulative actual spend by month and cumulative profile (budget, pro rata) in £ million, x in years."""
    events: dict[date, int] = defaultdict(int)
    budgets: list[m.BudgetLine] = []
    forecasts: list[m.Forecast] = []
    for p in pics:
        for t in p.spend:
            if t.transaction_type in SPEND_TYPES and t.transaction_date <= rnd.end:
                events[date(t.transaction_date.year, t.transaction_date.month, 1)] += t.value_pence
        budgets += _chosen_budgets(p)
        forecasts += p.forecasts
    if not budgets and not events:
        return {}
    first = min([b.period_start for b in budgets] + list(events))
    last = max([b.period_end for b in budgets] + [rnd.end] + [f.period_end for f in forecasts])

    def x(d: date) -> float:
        return round(d.year + (d.month - 1) / 12 + (d.day - 1) / 365, 4)

    months = []
    d = date(first.year, first.month, 1)
    while d <= last:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    profile, actual, forecast = [], [], []
    cum = 0
    spans = [(b.period_start, b.period_end, b.capital_pence + b.revenue_pence) for b in budgets]
    for mo in months:
        end = date(mo.year + (mo.month == 12), mo.month % 12 + 1, 1) - timedelta(days=1)
        profile.append((x(end), round(r.prorated(spans, end) / 1e8, 4)))
        if mo <= rnd.end:
            cum += events.get(mo, 0)
            actual.append((x(min(end, rnd.end)), round(cum / 1e8, 4)))
    fspans = [(f.period_start, f.period_end, f.value_pence) for f in forecasts]
    base = cum
    for mo in months:
        end = date(mo.year + (mo.month == 12), mo.month % 12 + 1, 1) - timedelta(days=1)
        if end > rnd.end:
            forecast.append((x(end), round((base + r.prorated(fspans, end)) / 1e8, 4)))
    if forecast and actual:
        forecast.insert(0, actual[-1])
    return {"profile": profile, "actual": actual, "forecast": forecast}


def review_round(s: Session, round_id: str, only: Collection[str] | None = None) -> Portfolio:
    """Everything the round's submissions report, rated (only for the programmes in ``only`` when it is given: the
    public pages of a shared returns service show the programmes an administrator has published)."""
    rnd = parse_round(round_id)
    subs = current_submissions(s, rnd.id)
    if only is not None:
        subs = {k: v for k, v in subs.items() if k in only}
    pics = pictures(s, subs.values())
    alloc = allocations(s)
    views = [project_view(p, rnd, alloc.get(AllocationKey(p.project.programme_id, p.project.id), {}))
             for p in sorted(pics.values(), key=lambda x: x.project.id)]  # fmt: skip
    from sqlalchemy.orm import selectinload

    programmes = {p.id: p for p in s.scalars(select(m.Programme).order_by(m.Programme.id).options(
        selectinload(m.Programme.outcomes), selectinload(m.Programme.projects)))}  # loaded now: read after the session
    if only is not None:
        programmes = {k: v for k, v in programmes.items() if k in only}
    missing = []
    for pid, prog in programmes.items():
        if pid in subs or prog.status in ("closed", "cancelled"):
            continue
        last = s.scalars(select(m.Submission).join(m.SubmissionProgramme)
                         .where(m.SubmissionProgramme.programme_id == pid).order_by(m.Submission.id.desc()).limit(1)).first()
        missing.append({"programme": prog, "last_round": last.round_id if last else None})
    prisks = [(x, r.risk_rating(x.impact, x.likelihood)) for x in programme_risks(s, subs.values())]
    issues = list(s.scalars(select(m.SubmissionIssue).where(
        m.SubmissionIssue.submission_id.in_([x.id for x in subs.values()])).order_by(m.SubmissionIssue.id)))  # fmt: skip
    pf = Portfolio(rnd, subs, programmes, views, missing, prisks, issues, _s_curve(list(pics.values()), rnd))
    pf._programme_alloc = {k.programme_id: sum(v.values()) for k, v in alloc.items()
                           if k.project_id is None and k.programme_id in subs}  # fmt: skip
    return pf


def exceptions(pf: Portfolio) -> list[dict[str, str]]:
    """What the board should look at: red ratings, breaches, disagreements, slips, pending changes, missing returns."""
    out: list[dict[str, str]] = []
    for v in pf.projects:
        where = f"{v.code} {v.project.title}"
        for rt in (v.variance, v.spend_profile):
            if rt.rag == r.RED:
                out.append({"project": where, "kind": f"{rt.measure}: red", "detail": rt.text})
        for i in v.outputs:
            if i.rating and i.rating.rag == r.RED:
                out.append({"project": where, "kind": "outputs against profile: red",
                            "detail": f"{i.title}: {i.rating.text}"})
        if v.slip:
            out.append({"project": where, "kind": "capital slipping across a financial year", "detail": v.slip.text})
        if v.headroom is not None and v.headroom < 0:
            out.append({"project": where, "kind": "over allocation",
                        "detail": f"Spend and forecast exceed the allocation by {r.pounds(-v.headroom)}."})  # fmt: skip
        for k in v.disagreements:
            out.append({"project": where, "kind": f"declared {k} rating disagrees with the figures",
                        "detail": f"Declared {v.declared[k]}; computed {v.computed[k]}."})  # fmt: skip
        for c in v.changes:
            if c["beyond_tolerance"] and c["status"] not in ("approved", "rejected"):
                out.append({"project": where, "kind": "change beyond tolerance awaiting decision",
                            "detail": f"{c['reference']} ({c['kind']}): {c['agreed']:,g} to {c['proposed']:,g}, a change of "
                                      f"{c['change']:.0%} against a tolerance of {c['tolerance']:.0%}; {c['status']}."})
        for ms in v.milestones:
            if ms.actual_date is None and (ms.forecast_date or ms.baseline_date) <= pf.round.end:
                out.append({"project": where, "kind": "milestone overdue",
                            "detail": f"{ms.title}: due {ms.forecast_date or ms.baseline_date}, not reported done."})
    for miss in pf.missing:
        p = miss["programme"]
        last = f"; its last return was for {miss['last_round']}" if miss["last_round"] else "; no return has been received"
        out.append({"project": f"{p.id} {p.title}", "kind": "no return for this round",
                    "detail": f"Programme {p.id}{last}."})
    return out
