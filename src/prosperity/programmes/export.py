"""Open formats out: IATI 2.03 activity XML and 360Giving JSON, from a round's submissions.

**IATI.** Each programme is an activity at hierarchy 1 and each project an activity at hierarchy 2, linked by
``related-activity`` (1 parent, 2 child). Budgets keep their type (1 original, 2 revised) and status (1
indicative, 2 committed); forecasts are planned disbursements; spend is transactions (4 expenditure, 3
disbursement, 2 outgoing commitment, 1 incoming funds); the capital share of the budget is ``capital-spend``.
Each output or outcome is a ``result`` (type 1 or 2) with one ``indicator`` (measure, ascending, baseline,
periods with target and actual). The link to the strategy is an indicator ``reference`` of vocabulary 99 (the
reporting organisation's own) with the code ``indicator:<id>`` or ``outcome:<id>``, at indicator level only
(IATI rule 8.11.1). IATI has no capital flag on a transaction, so capital and revenue rows of the same
transaction are written as one.

**360Giving.** A project delivered by an organisation other than its programme's lead is a grant from the lead
(``fundingOrganization``) to the delivery organisation (``recipientOrganization``), with its disbursements.
Dates are written as full date-times so that each matches exactly one branch of the schema's date ``oneOf``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

from prosperity import __version__
from prosperity.errors import ProsperityError
from prosperity.programmes.columns import ACTIVITY_STATUS, MEASURES, RESULT_KINDS, TRANSACTION_TYPES
from prosperity.programmes.importer import FRAMEWORK_VOCABULARY
from prosperity.programmes.portfolio import Portfolio, _chosen_budgets
from prosperity.programmes.store import Picture

GOVERNMENT = "10"  # IATI OrganisationType: Government


class ExportError(ProsperityError):
    pass


def _money(pence: int) -> str:
    return f"{pence / 100:.2f}"


def _narr(parent: Any, tag: str, text: str | None) -> Any:
    el = etree.SubElement(parent, tag)
    etree.SubElement(el, "narrative").text = text or ""
    return el


def _date(parent: Any, tag: str, d: date) -> None:
    etree.SubElement(parent, tag, {"iso-date": d.isoformat()})


def _ident(prefix: str, code: str) -> str:
    """An IATI identifier begins with the reporting organisation's identifier (a code imported from IATI already does)."""
    return code if code.startswith(prefix + "-") else f"{prefix}-{code}"


def _activity(root: Any, ident: str, org_ref: str, org_name: str, title: str, description: str | None, status: str,
              hierarchy: int, stamp: str, dates: dict[str, date | None]) -> Any:  # fmt: skip
    a = etree.SubElement(root, "iati-activity", {"default-currency": "GBP", "hierarchy": str(hierarchy),
                                                 "last-updated-datetime": stamp,
                                                 "{http://www.w3.org/XML/1998/namespace}lang": "en"})  # fmt: skip
    etree.SubElement(a, "iati-identifier").text = ident
    rep = etree.SubElement(a, "reporting-org", {"ref": org_ref, "type": GOVERNMENT})
    etree.SubElement(rep, "narrative").text = org_name
    _narr(a, "title", title)
    _narr(a, "description", description or title).set("type", "1")  # the schema requires a description
    return a


def _participants(a: Any, funder: str | None, implementer: str | None, implementer_ref: str | None) -> None:
    if funder:
        p = etree.SubElement(a, "participating-org", {"role": "1"})
        etree.SubElement(p, "narrative").text = funder
    if implementer:
        attrs = {"role": "4"} | ({"ref": implementer_ref} if implementer_ref else {})
        p = etree.SubElement(a, "participating-org", attrs)
        etree.SubElement(p, "narrative").text = implementer


def _status_and_dates(a: Any, status: str, dates: dict[str, date | None]) -> None:
    etree.SubElement(a, "activity-status", {"code": str(ACTIVITY_STATUS.get(status, 2))})
    for code, key in (("1", "planned_start"), ("2", "actual_start"), ("3", "planned_end"), ("4", "actual_end")):
        if dates.get(key):
            etree.SubElement(a, "activity-date", {"iso-date": dates[key].isoformat(), "type": code})  # type: ignore[union-attr]
    etree.SubElement(a, "recipient-country", {"code": "GB", "percentage": "100"})


def _project_money(a: Any, p: Picture) -> None:
    for b in sorted(p.budgets, key=lambda b: (b.period_start, b.budget_type != "original")):
        el = etree.SubElement(a, "budget", {"type": "2" if b.budget_type == "revised" else "1",
                                            "status": "2" if b.budget_status == "committed" else "1"})  # fmt: skip
        _date(el, "period-start", b.period_start)
        _date(el, "period-end", b.period_end)
        v = etree.SubElement(el, "value", {"currency": "GBP", "value-date": b.period_start.isoformat()})
        v.text = _money(b.capital_pence + b.revenue_pence)
    planned: dict[tuple[date, date], int] = defaultdict(int)
    for f in p.forecasts:
        planned[(f.period_start, f.period_end)] += f.value_pence
    for (start, end), value in sorted(planned.items()):
        el = etree.SubElement(a, "planned-disbursement", {"type": "1"})
        _date(el, "period-start", start)
        _date(el, "period-end", end)
        v = etree.SubElement(el, "value", {"currency": "GBP", "value-date": start.isoformat()})
        v.text = _money(value)
    chosen = _chosen_budgets(p)
    total = sum(b.capital_pence + b.revenue_pence for b in chosen)
    if total > 0:
        share = sum(b.capital_pence for b in chosen) / total * 100
        etree.SubElement(a, "capital-spend", {"percentage": f"{share:.2f}".rstrip("0").rstrip(".")})
    merged: dict[tuple[Any, ...], int] = defaultdict(int)
    for t in p.spend:
        merged[(t.transaction_type, t.transaction_date, t.reference, t.description or "")] += t.value_pence
    for (ttype, when, ref, desc), value in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][2] or "", kv[0][0])):
        el = etree.SubElement(a, "transaction", {"ref": ref} if ref else {})
        etree.SubElement(el, "transaction-type", {"code": str(TRANSACTION_TYPES[ttype])})
        _date(el, "transaction-date", when)
        v = etree.SubElement(el, "value", {"currency": "GBP", "value-date": when.isoformat()})
        v.text = _money(value)
        if desc:
            _narr(el, "description", desc)


def _results(a: Any, p: Picture, base_url: str | None) -> None:
    for ind in p.indicators:
        res = etree.SubElement(a, "result", {"type": str(RESULT_KINDS[ind.kind]), "aggregation-status": "0"})
        _narr(res, "title", ind.title)
        el = etree.SubElement(res, "indicator", {"measure": str(MEASURES[ind.measure]),
                                                 "ascending": "1" if ind.ascending else "0"})  # fmt: skip
        _narr(el, "title", ind.title)
        _narr(el, "description", ind.unit if not ind.definition else f"{ind.unit}. {ind.definition}")
        for kind, ref in (("indicator", ind.framework_indicator), ("outcome", ind.framework_outcome)):
            if ref:
                attrs = {"vocabulary": FRAMEWORK_VOCABULARY, "code": f"{kind}:{ref}"}
                if base_url:
                    page = "indicators" if kind == "indicator" else "outcomes"
                    attrs["indicator-uri"] = f"{base_url.rstrip('/')}/{page}/{ref}"
                etree.SubElement(el, "reference", attrs)
        if ind.baseline_date is not None or ind.baseline_value is not None:
            attrs = {"year": str((ind.baseline_date or date.today()).year)}
            if ind.baseline_date:
                attrs["iso-date"] = ind.baseline_date.isoformat()
            if ind.baseline_value is not None and ind.measure != "qualitative":
                attrs["value"] = f"{ind.baseline_value:g}"
            etree.SubElement(el, "baseline", attrs)
        for per in ind.periods:
            pe = etree.SubElement(el, "period")
            _date(pe, "period-start", per.period_start)
            _date(pe, "period-end", per.period_end)
            if per.target is not None:
                etree.SubElement(pe, "target", {"value": f"{per.target:g}"})
            if per.actual is not None:
                act = etree.SubElement(pe, "actual", {"value": f"{per.actual:g}"})
                if per.comment:
                    _narr(act, "comment", per.comment)


def iati_xml(pf: Portfolio, pics: dict[str, Picture], *, org_ref: str | None = None, org_name: str | None = None,
             base_url: str | None = None, now: datetime | None = None) -> bytes:  # fmt: skip
    """The round's programmes and projects as one IATI 2.03 ``iati-activities`` document (UTF-8 bytes)."""
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", {"version": "2.03", "generated-datetime": stamp})
    by_prog: dict[str, list[Picture]] = defaultdict(list)
    for p in pics.values():
        by_prog[p.project.programme_id].append(p)
    for pid, sub in sorted(pf.submissions.items()):
        prog = pf.programmes[pid]
        ref = org_ref or prog.lead_org_id
        if not ref:
            raise ExportError(f"programme {pid} has no lead organisation identifier, which IATI requires of the "
                              "reporting organisation: give one on the Programmes sheet, or --org-ref GB-…")  # fmt: skip
        name = org_name or prog.lead_organisation or sub.organisation
        pident = _ident(ref, pid)
        dates = {k: getattr(prog, k) for k in ("planned_start", "planned_end", "actual_start", "actual_end")}
        if not any(dates.values()):  # the schema needs an activity date: the programme spans its projects' dates
            starts = [d for p in by_prog.get(pid, []) for d in (p.project.planned_start, p.project.actual_start) if d]
            if not starts:
                raise ExportError(f"programme {pid} and its projects have no start date, which IATI requires: give a "
                                  "planned start on the Programmes sheet")  # fmt: skip
            dates["planned_start"] = min(starts)
        a = _activity(root, pident, ref, name, prog.title, prog.description, prog.status, 1, stamp, dates)
        _participants(a, None, prog.lead_organisation, prog.lead_org_id)
        _status_and_dates(a, prog.status, dates)
        for p in sorted(by_prog.get(pid, []), key=lambda x: x.project.id):
            etree.SubElement(a, "related-activity", {"ref": _ident(ref, p.project.id), "type": "2"})
        for p in sorted(by_prog.get(pid, []), key=lambda x: x.project.id):
            pr = p.project
            pd = {k: getattr(pr, k) for k in ("planned_start", "planned_end", "actual_start", "actual_end")}
            b = _activity(root, _ident(ref, pr.id), ref, name, pr.title, pr.description, pr.status, 2, stamp, pd)
            _participants(b, prog.lead_organisation, pr.delivery_organisation, pr.delivery_org_id)
            _status_and_dates(b, pr.status, pd)
            _project_money(b, p)
            etree.SubElement(b, "related-activity", {"ref": pident, "type": "1"})
            _results(b, p, base_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _stamp(d: date | datetime) -> str:
    if isinstance(d, datetime):
        return (d if d.tzinfo else d.replace(tzinfo=UTC)).replace(microsecond=0).isoformat()
    return f"{d.isoformat()}T00:00:00+00:00"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "organisation"


def giving_json(pf: Portfolio, pics: dict[str, Picture], *, prefix: str = "360G-prosperity",
                now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """The round's grants (projects delivered by an organisation other than the lead) as a 360Giving package."""
    grants = []
    for code, p in sorted(pics.items()):
        pr, prog = p.project, pf.programmes[p.project.programme_id]
        if not pr.delivery_organisation or pr.delivery_organisation == prog.lead_organisation:
            continue
        funder_id = prog.lead_org_id or f"{prefix}-{_slug(prog.lead_organisation or prog.id)}"
        recipient_id = pr.delivery_org_id or f"{prefix}-{_slug(pr.delivery_organisation)}"
        view = next((v for v in pf.projects if v.code == code), None)
        amount = sum(view.allocation.values()) if view and view.allocation else sum(
            b.capital_pence + b.revenue_pence for b in _chosen_budgets(p))
        grant: dict[str, Any] = {
            "id": f"{prefix}-{code}", "title": pr.title,
            "description": pr.description or f"{pr.title}, a project of {prog.title}.",
            "currency": "GBP", "amountAwarded": amount / 100,
            "awardDate": _stamp(pr.actual_start or pr.planned_start or p.submission.sign_off_date),
            "recipientOrganization": [{"id": recipient_id, "name": pr.delivery_organisation}],
            "fundingOrganization": [{"id": funder_id, "name": prog.lead_organisation or prog.title}],
            "grantProgramme": [{"code": prog.id, "title": prog.title}],
            "dateModified": _stamp(p.submission.received_at),
        }  # fmt: skip
        paid = [t for t in p.spend if t.transaction_type in ("disbursement", "expenditure")]
        if paid:
            grant["amountDisbursed"] = sum(t.value_pence for t in paid) / 100
            grant["disbursementTransaction"] = [
                {"id": f"{prefix}-{code}-{n}", "transactionDate": _stamp(t.transaction_date), "value": t.value_pence / 100,
                 "currency": "GBP"} for n, t in enumerate(sorted(paid, key=lambda t: (t.transaction_date, t.id)), start=1)]
        if pr.planned_start and pr.planned_end:
            grant["plannedDates"] = [{"startDate": _stamp(pr.planned_start), "endDate": _stamp(pr.planned_end)}]
        if pr.area_code:
            grant["beneficiaryLocation"] = [{"geoCode": pr.area_code}]
        grants.append(grant)
    if not grants:
        raise ExportError(f"no grants in round {pf.round.id}: 360Giving describes grants, and no project is delivered "
                          "by an organisation other than its programme's lead")  # fmt: skip
    return {"version": "1.4", "title": f"Grants reported in round {pf.round.id}",
            "issued": _stamp(now or datetime.now(UTC)), "publisher": {"name": f"prosperity {__version__}"},
            "grants": grants}  # fmt: skip


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
