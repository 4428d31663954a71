"""The return template: an XLSX workbook with one sheet per table, or the same tables as a CSV bundle.

``prosperity programmes template --out return.xlsx`` writes it empty, with an "About" sheet explaining every
column, drop-down lists for the columns with choices, and frozen header rows. ``--example`` fills it with an
illustrative return (invented figures for an invented programme) that imports cleanly, to show what goes where.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prosperity.programmes.columns import SHEETS, TEMPLATE_VERSION, Column, Sheet
from prosperity.programmes.funds import funds
from prosperity.programmes.years import Round, fy_bounds, fy_of, parse_round, round_of

Tables = Mapping[str, Sequence[Mapping[str, Any]]]


def _choices(c: Column) -> tuple[str, ...]:
    return tuple(funds()) if c.key == "fund" else c.choices


def _cell(c: Column, v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Round):
        return v.id
    if c.kind == "money" and isinstance(v, int):
        return v / 100
    if c.kind == "ids" and isinstance(v, list | tuple):
        return "; ".join(v)
    if c.kind == "yesno" and isinstance(v, bool):
        return "yes" if v else "no"
    return v


def about_rows() -> list[list[str]]:
    rows = [["Programme return template", f"version {TEMPLATE_VERSION}"], [],
            ["How to fill it in", "One sheet per table. Keep the sheet names and the header rows as they are; add one "
             "row per item below the header. Dates as 2025-09-30 (or 30/09/2025), money in pounds to the penny, "
             "financial years as 2025-26, rounds as 2025-26-H1. Each return is the whole picture as at the end of its "
             "round: every actual transaction to date, and forecasts for the periods after it. A correction is sent "
             "as a new return for the same round; the earlier one is kept."],
            ["Import it", "prosperity programmes import return.xlsx (every problem is listed with its sheet, row and "
             "column; a return with an error is not stored)."], [],
            ["Funds", "Tolerance before a project adjustment request is needed, and its source"]]  # fmt: skip
    for f in funds().values():
        tol = f"{f.tolerance:.0%}" if f.tolerance is not None else "none published"
        rows.append([f.id, f"{f.name}: {tol}. {f.tolerance_source}"])
    rows += [[], ["Sheet / column", "What goes in it"]]
    for s in SHEETS:
        rows.append([s.name, s.help + (" Required." if s.required else " Optional: leave it empty if it does not apply.")])
        for c in s.columns:
            kind = {"money": "pounds", "date": "date", "fy": "financial year", "round": "reporting round",
                    "ids": "ids separated by ;", "yesno": "yes or no", "integer": "whole number", "number": "number",
                    "code": "code"}.get(c.kind, "text")  # fmt: skip
            choices = _choices(c)
            text = f"{'Required' if c.required else 'Optional'}; {kind}"
            text += f": one of {', '.join(choices)}" if choices else ""
            rows.append([f"  {c.label}", f"{text}. {c.help}".strip()])
    return rows


def write_workbook(path: Path, tables: Tables | None = None) -> Path:
    """The template at ``path`` (``.xlsx``), with ``tables`` (sheet key → rows of column key → value) filled in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    tables = tables or {}
    wb = Workbook(write_only=False)
    about = wb.active
    about.title = "About"
    for r in about_rows():
        about.append(r)
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 120
    for row in about.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    about["A1"].font = Font(bold=True, size=14)
    head_fill = PatternFill("solid", fgColor="DCE6F0")
    for s in SHEETS:
        ws = wb.create_sheet(s.name)
        ws.append([c.label for c in s.columns])
        for i, c in enumerate(s.columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=True)
            cell.fill = head_fill
            ws.column_dimensions[get_column_letter(i)].width = max(c.width, len(c.label) + 2)
            choices = _choices(c)
            if choices and len(",".join(choices)) < 250:
                dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=not c.required,
                                    showErrorMessage=True, error=f"Choose one of: {', '.join(choices)}")  # fmt: skip
                dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}5000")
                ws.add_data_validation(dv)
            if c.kind == "date":
                for row in range(2, 2 + len(tables.get(s.key, ()))):
                    ws.cell(row=row, column=i).number_format = "yyyy-mm-dd"
            if c.kind == "money":
                for row in range(2, 2 + len(tables.get(s.key, ()))):
                    ws.cell(row=row, column=i).number_format = "#,##0.00"
        ws.freeze_panes = "A2"
        for n, row in enumerate(tables.get(s.key, ()), start=2):
            for i, c in enumerate(s.columns, start=1):
                ws.cell(row=n, column=i, value=_cell(c, row.get(c.key)))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _csv_cell(c: Column, v: Any) -> str:
    v = _cell(c, v)
    if v is None:
        return ""
    if isinstance(v, float) and c.kind == "money":
        return f"{v:.2f}"
    return v.isoformat() if isinstance(v, date) else str(v)


def write_csv_bundle(folder: Path, tables: Tables | None = None, *, sheets: Sequence[Sheet] = SHEETS) -> Path:
    """The same tables as a folder of CSV files (UTF-8, one per sheet, named as ``Sheet.csv``)."""
    tables = tables or {}
    folder.mkdir(parents=True, exist_ok=True)
    for s in sheets:
        with (folder / s.csv).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow([c.label for c in s.columns])
            for row in tables.get(s.key, ()):
                w.writerow([_csv_cell(c, row.get(c.key)) for c in s.columns])
    return folder


def last_complete_round(today: date | None = None) -> Round:
    """The most recent half-year round that has ended by ``today``."""
    r = round_of(today or date.today())
    return round_of(r.start - timedelta(days=1))


def example_tables(rnd: Round | str | None = None) -> dict[str, list[dict[str, Any]]]:
    """An illustrative return: an invented UKSPF-funded programme of two projects, complete and consistent.

    Every figure is made up to show what goes where; nothing refers to a real programme.
    """
    r = parse_round(rnd) if isinstance(rnd, str) else (rnd or last_complete_round())
    fy0 = fy_of(fy_bounds(r.fy)[0] - timedelta(days=1))  # the year before the round's
    fy1, fy2 = r.fy, fy_of(fy_bounds(r.fy)[1] + timedelta(days=1))
    s0, e0 = fy_bounds(fy0)
    s1, e1 = fy_bounds(fy1)
    s2, e2 = fy_bounds(fy2)
    h = lambda y, half: (date(y, 4, 1), date(y, 9, 30)) if half == 1 else (date(y, 10, 1), date(y + 1, 3, 31))  # noqa: E731
    y0, y1, y2 = s0.year, s1.year, s2.year
    prog = "EX-TC"
    out: dict[str, list[dict[str, Any]]] = {k.key: [] for k in SHEETS}
    out["return"].append({"round": r, "fund": "ukspf", "organisation": "Example Borough Council",
                          "submitted_by": "A. Officer", "sign_off_name": "B. Director",
                          "sign_off_role": "Section 151 officer",
                          "sign_off_date": min(r.end + timedelta(days=20), date.today()), "overall_rag": "amber/green",
                          "commentary": "Illustrative return with invented figures. The market hall works are on "
                                        "site; shopfront grants opened later than planned."})  # fmt: skip
    out["programmes"].append({"programme_code": prog, "title": "Example town centre programme (illustrative)",
                              "description": "An invented programme showing how a return is filled in.",
                              "lead_organisation": "Example Borough Council", "lead_org_id": "GB-LAE-EXA",
                              "status": "implementation",
                              "planned_start": s0, "planned_end": e2, "actual_start": s0, "outcome_ids": ["lis-o03"]})
    projects = [("EX-TC-01", "Market hall refurbishment", ("Example Borough Council", "GB-LAE-EXA"), 1_200_000_00,
                 300_000_00),
                ("EX-TC-02", "Shopfront improvement grants", ("Example Town Centre Partnership", "GB-CHC-1234567"),
                 400_000_00, 100_000_00)]  # fmt: skip
    for code, title, (org, org_id), cap, rev in projects:
        out["projects"].append({"project_code": code, "programme_code": prog, "title": title,
                                "delivery_organisation": org, "delivery_org_id": org_id,
                                "intervention_theme": "Town centres",
                                "postcode": "EX1 1AA", "status": "implementation", "delivery_stage": "project delivery",
                                "planned_start": s0, "planned_end": e2, "actual_start": s0 + timedelta(days=30)})
        for fy, share in ((fy0, 0.3), (fy1, 0.4), (fy2, 0.3)):
            a, b = fy_bounds(fy)
            out["budgets"].append({"project_code": code, "financial_year": fy, "period_start": a, "period_end": b,
                                   "budget_type": "original", "budget_status": "committed", "capital": int(cap * share),
                                   "revenue": int(rev * share), "total": int(cap * share) + int(rev * share)})  # fmt: skip
    # actual spend to the end of the round: the market hall on profile, the shopfront grants behind it
    pace = {"EX-TC-01": 1.0, "EX-TC-02": 0.55}
    n = 0
    for code, _, _, cap, rev in projects:
        for (_, b), share in ((h(y0, 1), 0.15), (h(y0, 2), 0.15), (h(y1, 1), 0.2)):
            if b > r.end:
                continue
            n += 1
            out["spend"].append({"project_code": code, "reference": f"INV-{n:04d}", "date": b - timedelta(days=10),
                                 "financial_year": fy_of(b), "expense_type": "capital",
                                 "transaction_type": "expenditure", "value": int(cap * share * pace[code]),
                                 "description": "Contractor's valuation"})  # fmt: skip
            out["spend"].append({"project_code": code, "reference": f"PAY-{n:04d}", "date": b - timedelta(days=5),
                                 "financial_year": fy_of(b), "expense_type": "revenue",
                                 "transaction_type": "expenditure", "value": int(rev * share),
                                 "description": "Project management"})  # fmt: skip
    out["spend"].append({"project_code": "EX-TC-01", "reference": "CR-0001", "date": r.end - timedelta(days=3),
                         "financial_year": fy_of(r.end), "expense_type": "capital", "transaction_type": "expenditure",
                         "value": -1_250_00, "description": "Credit note",
                         "reason": "Overcharge refunded by the contractor"})
    for code, _, _, cap, rev in projects:
        for (a, b), share in ((h(y1, 2), 0.2), (h(y2, 1), 0.15), (h(y2, 2), 0.15)):
            if a <= r.end:
                continue
            behind = (1 - pace[code]) * 0.2 if (a, b) == h(y2, 2) else 0
            out["forecasts"].append({"project_code": code, "financial_year": fy_of(a), "period_start": a,
                                     "period_end": b, "expense_type": "capital", "value": int(cap * (share + behind))})
            out["forecasts"].append({"project_code": code, "financial_year": fy_of(a), "period_start": a,
                                     "period_end": b, "expense_type": "revenue", "value": int(rev * share)})  # fmt: skip
    inds = [("EX-TC-01", "OUT-1", "output", "Commercial floorspace refurbished", "square metres", "town-centre-vacancy",
             "lis-o03", (0, 400, 800, 800, 1000, 1000), 1.0),
            ("EX-TC-02", "OUT-2", "output", "Shopfronts improved", "shopfronts", None, "lis-o03",
             (0, 5, 10, 10, 10, 5), 0.5),
            ("EX-TC-01", "OC-1", "outcome", "Jobs in the reopened market hall", "jobs", "filled-jobs", None,
             (0, 0, 0, 0, 20, 30), 1.0)]  # fmt: skip
    for code, ic, kind, title, unit, fi, fo, targets, pace_out in inds:
        out["indicators"].append({"project_code": code, "indicator_code": ic, "kind": kind, "title": title,
                                  "unit": unit, "measure": "unit", "higher_is_better": True, "baseline_date": s0,
                                  "baseline_value": 0, "framework_indicator": fi, "framework_outcome": fo})  # fmt: skip
        periods = [h(y0, 1), h(y0, 2), h(y1, 1), h(y1, 2), h(y2, 1), h(y2, 2)]
        for (a, b), t in zip(periods, targets, strict=True):
            actual = round(t * pace_out) if b <= r.end else None
            out["periods"].append({"project_code": code, "indicator_code": ic, "period_start": a, "period_end": b,
                                   "target": t, "actual": actual})  # fmt: skip
    out["progress"] += [
        {"project_code": "EX-TC-01", "delivery_status": "on track", "delivery_rag": "green", "spend_rag": "green",
         "risk_rag": "amber/green", "commentary": "Works on site and on programme."},
        {"project_code": "EX-TC-02", "delivery_status": "delayed", "delivery_rag": "amber", "spend_rag": "green",
         "risk_rag": "amber", "delay_factor": "Procurement", "commentary": "The grant scheme opened late."},
    ]  # fmt: skip
    out["milestones"] += [
        {"project_code": "EX-TC-01", "milestone": "Main contractor appointed", "baseline_date": s0 + timedelta(days=60),
         "forecast_date": s0 + timedelta(days=60), "actual_date": s0 + timedelta(days=75), "status": "complete"},
        {"project_code": "EX-TC-01", "milestone": "Market hall reopens", "baseline_date": r.end + timedelta(days=120),
         "forecast_date": r.end + timedelta(days=150), "status": "on track"},
        {"project_code": "EX-TC-02", "milestone": "Grant round closes", "baseline_date": r.end + timedelta(days=45),
         "forecast_date": r.end + timedelta(days=100), "status": "at risk"},
    ]  # fmt: skip
    out["risks"] += [
        {"programme_code": prog, "project_code": "EX-TC-01", "risk": "Construction cost inflation", "category": "Financial",
         "mitigation": "Fixed-price contract; contingency held", "impact": 4, "likelihood": 3, "proximity": 3,
         "owner": "Project manager"},
        {"programme_code": prog, "project_code": "EX-TC-02", "risk": "Low take-up of grants", "category": "Delivery",
         "mitigation": "Targeted outreach to traders", "impact": 3, "likelihood": 3, "proximity": 4,
         "owner": "Town centre manager"},
        {"programme_code": prog, "project_code": None, "risk": "Capacity of the programme team", "category": "Resourcing",
         "mitigation": "Interim post approved", "impact": 2, "likelihood": 2, "proximity": 2, "owner": "Programme director"},
    ]  # fmt: skip
    out["changes"].append({"project_code": "EX-TC-02", "reference": "PAR-001", "kind": "output",
                           "description": "Fewer, larger shopfront grants", "baseline_value": 40, "proposed_value": 30,
                           "status": "submitted"})  # fmt: skip
    return out
