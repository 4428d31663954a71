"""Read a return: an XLSX workbook (one sheet per table), a CSV bundle (one file per table) or IATI 2.03 XML.

Reading is the first layer of validation (the schema): sheet and column names, types, required cells and
choices. Every problem is recorded with its file, sheet, row and column; nothing here touches the store.

>>> ret = read_return(Path("runcorn-2025-26-H1.xlsx"))     # doctest: +SKIP
>>> [str(i) for i in ret.errors]                          # doctest: +SKIP
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from prosperity.errors import ProsperityError
from prosperity.programmes.columns import (
    ACTIVITY_STATUS,
    BY_CSV,
    BY_KEY,
    BY_NAME,
    CODE,
    IGNORED_SHEETS,
    MEASURES,
    SHEETS,
    TRANSACTION_TYPES,
    Column,
    Sheet,
    norm_header,
)
from prosperity.programmes.funds import funds
from prosperity.programmes.returns import Return, Row
from prosperity.programmes.years import fy_of, normalise_fy, parse_round

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 500_000


class ReturnUnreadable(ProsperityError):
    """The file is not a return that can be read at all (missing, not a workbook, not a folder of CSV files)."""


def _letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(f.name.encode() + b"\0")
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


# ---- cell values ------------------------------------------------------------------------------------------
class CellError(ValueError):
    pass


_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat()
    return str(v).strip()


def parse_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _text(v)
    m = _UK_DATE.match(s)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(s[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}(T|$)", s) else _bad_date(s)
    except ValueError as e:
        raise CellError(f"{s!r} is not a date ({e}); write it as 2025-09-30 or 30/09/2025") from None


def _bad_date(s: str) -> date:
    raise CellError(f"{s!r} is not a date; write it as 2025-09-30 or 30/09/2025")


def parse_money(v: Any) -> int:
    """Pounds (to the penny) → pence: ``1,234.50``, ``£1234.5``, ``-200`` → 123450, 123450, -20000."""
    if isinstance(v, bool):
        raise CellError(f"{v!r} is not an amount of money")
    if isinstance(v, int | Decimal):
        d = Decimal(v)
    elif isinstance(v, float):
        d = Decimal(repr(v))
    else:
        s = _text(v).replace(",", "").replace("£", "").replace(" ", "")
        if re.fullmatch(r"\(\d+(\.\d+)?\)", s):  # accountants' negative
            s = "-" + s[1:-1]
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise CellError(f"{_text(v)!r} is not an amount of money; write pounds as a number, e.g. 1250000 or "
                            "1,250,000.00") from None  # fmt: skip
    if not d.is_finite():
        raise CellError(f"{_text(v)!r} is not an amount of money")
    pence = d * 100
    if abs(pence - pence.to_integral_value()) > Decimal("0.000001"):
        raise CellError(f"{_text(v)} has fractions of a penny; give pounds to at most two decimal places")
    if abs(pence) >= Decimal(10) ** 15:
        raise CellError(f"{_text(v)} is too large for an amount of money")
    return int(pence.to_integral_value())


def parse_number(v: Any) -> float:
    if isinstance(v, bool):
        raise CellError(f"{v!r} is not a number")
    if isinstance(v, int | float | Decimal):
        f = float(v)
    else:
        s = _text(v).replace(",", "")
        try:
            f = float(s)
        except ValueError:
            raise CellError(f"{_text(v)!r} is not a number") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise CellError(f"{_text(v)!r} is not a finite number")
    return f


def _choices(col: Column) -> tuple[str, ...]:
    return tuple(funds()) if col.key == "fund" and col.kind == "choice" else col.choices


def parse_cell(col: Column, v: Any) -> Any:
    """A cell's value of the column's kind; CellError with what was expected otherwise."""
    kind = col.kind
    if kind == "text":
        return _text(v)
    if kind == "code":
        s = _text(v)
        if not CODE.match(s):
            raise CellError(f"{s[:60]!r} is not a code: use letters, digits and . _ / - only (at most 80 characters)")
        return s
    if kind == "date":
        return parse_date(v)
    if kind == "money":
        return parse_money(v)
    if kind == "number":
        return parse_number(v)
    if kind == "integer":
        f = parse_number(v)
        if not f.is_integer():
            raise CellError(f"{_text(v)!r} is not a whole number")
        return int(f)
    if kind == "choice":
        s = re.sub(r"^\d+\.\s*", "", _text(v)).strip().casefold()  # "3. Ongoing - delayed" style numbering
        choices = _choices(col)
        for c in choices:
            if s == c.casefold():
                return c
        close = difflib.get_close_matches(s, list(choices), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CellError(f"{_text(v)[:60]!r} is not one of: {', '.join(choices)}{hint}")
    if kind == "fy":
        try:
            return normalise_fy(_text(v))
        except ValueError as e:
            raise CellError(str(e)) from None
    if kind == "round":
        try:
            return parse_round(_text(v))
        except ValueError as e:
            raise CellError(str(e)) from None
    if kind == "ids":
        parts = [p.strip() for p in re.split(r"[;,\n]", _text(v)) if p.strip()]
        bad = [p for p in parts if not CODE.match(p)]
        if bad:
            raise CellError(f"{bad[0][:60]!r} is not an id; separate ids with ';'")
        return parts
    if kind == "yesno":
        s = _text(v).casefold()
        if s in ("yes", "y", "true", "1"):
            return True
        if s in ("no", "n", "false", "0"):
            return False
        raise CellError(f"{_text(v)!r} is not yes or no")
    raise AssertionError(f"unknown column kind {kind}")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# ---- tables -------------------------------------------------------------------------------------------------
def _header_map(ret: Return, sheet: Sheet, header: list[Any], where: dict[str, Any]) -> dict[int, Column] | None:
    """Column index → column from the header row; records wrong, missing and repeated headers."""
    by_norm = {norm_header(c.label): c for c in sheet.columns} | {norm_header(c.key): c for c in sheet.columns}
    mapping: dict[int, Column] = {}
    seen: dict[str, str] = {}
    ok = True
    for i, h in enumerate(header):
        if _blank(h):
            continue
        col = by_norm.get(norm_header(h))
        letter = _letter(i)
        if col is None:
            close = difflib.get_close_matches(norm_header(h), list(by_norm), n=1, cutoff=0.6)
            hint = f"; did you mean {next(c.label for n, c in by_norm.items() if n == close[0])!r}?" if close else ""
            ret.issue("error", "schema.column", f"unknown column {str(h)[:60]!r}{hint or '.'} The columns of this "
                      "sheet are: "
                      + ", ".join(repr(c.label) for c in sheet.columns), **where, column=None)  # fmt: skip
            ret.issues[-1] = _at(ret.issues[-1], 1, f"{letter} {str(h)[:60]!r}")
            ok = False
            continue
        if col.key in seen:
            ret.issue("error", "schema.column", f"column {col.label!r} appears twice (also column {seen[col.key]})",
                      **where)  # fmt: skip
            ret.issues[-1] = _at(ret.issues[-1], 1, f"{letter} {str(h)[:60]!r}")
            ok = False
            continue
        seen[col.key] = letter
        mapping[i] = col
    for c in sheet.columns:
        if c.required and c.key not in seen:
            ret.issue("error", "schema.column", f"required column {c.label!r} is missing from the header row", **where)
            ret.issues[-1] = _at(ret.issues[-1], 1, None)
            ok = False
    return mapping if ok else None


def _at(issue: Any, row: int | None, column: str | None) -> Any:
    from dataclasses import replace

    return replace(issue, row=row, column=column)


def _read_rows(ret: Return, sheet: Sheet, rows: Iterable[tuple[int, list[Any]]], where: dict[str, Any],
               name: str) -> None:  # fmt: skip
    it = iter(rows)
    header: list[Any] | None = None
    for _, values in it:
        if any(not _blank(v) for v in values):
            header = values
            break
    out: list[Row] = []
    ret.tables[sheet.key] = out
    if header is None:
        if sheet.required:
            ret.issue("error", "schema.empty", "the sheet is empty: it needs its header row and at least one row",
                      **where)  # fmt: skip
        return
    mapping = _header_map(ret, sheet, header, where)
    if mapping is None:
        return
    letters = {c.key: _letter(i) for i, c in mapping.items()}
    for number, values in it:
        if all(_blank(v) for v in values):
            continue
        if len(out) >= MAX_ROWS:
            ret.issue("error", "schema.size", f"more than {MAX_ROWS:,} rows; split the return", **where)
            return
        row = Row(sheet, number, {}, letters, name)
        for i, col in mapping.items():
            v = values[i] if i < len(values) else None
            if _blank(v):
                row.values[col.key] = None
                if col.required:
                    ret.issue("error", "schema.required", f"{col.label} is required", row, col.key)
                continue
            try:
                row.values[col.key] = parse_cell(col, v)
            except CellError as e:
                row.values[col.key] = None
                ret.issue("error", f"schema.{col.kind}", str(e), row, col.key)
        for c in sheet.columns:
            row.values.setdefault(c.key, None)
        out.append(row)
    if sheet.one_row and len(out) != 1:
        ret.issue("error", "schema.one-row", f"this sheet has exactly one row of answers; found {len(out)}", **where)
    elif sheet.required and not out and not sheet.one_row:
        ret.issue("error", "schema.empty", "the sheet has no rows", **where)


def _sheet_problem(ret: Return, name: str, known: dict[str, Sheet], kind: str) -> None:
    from prosperity.programmes.returns import Issue

    close = difflib.get_close_matches(name.casefold(), list(known), n=1, cutoff=0.5)
    label = (lambda s: s.name) if kind == "sheet" else (lambda s: s.csv)  # noqa: E731
    hint = f"; did you mean {label(known[close[0]])!r}?" if close else "."
    expected = ", ".join(repr(label(s)) for s in SHEETS) + (" (and an optional 'About' sheet)" if kind == "sheet" else "")
    message = f"{kind} {name[:60]!r} is not part of a return{hint} Expected: {expected}"
    if kind == "sheet":
        ret.issues.append(Issue("error", "schema.sheet", message, ret.file, name[:60]))
    else:
        ret.issues.append(Issue("error", "schema.sheet", message, f"{ret.file}/{name[:60]}"))


def read_xlsx(path: Path, display: str | None = None) -> Return:
    from openpyxl import load_workbook

    ret = Return(display or path.name, str(path), "xlsx", _sha256_of(path))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise ReturnUnreadable(f"{ret.file}: not an Excel workbook that can be read ({type(e).__name__}: {e}); save "
                               "it as .xlsx from the template") from None  # fmt: skip
    try:
        present: dict[str, str] = {}
        for name in wb.sheetnames:
            key = name.strip().casefold()
            if key in IGNORED_SHEETS:
                continue
            if key not in BY_NAME:
                _sheet_problem(ret, name, BY_NAME, "sheet")
                continue
            present[BY_NAME[key].key] = name
        for s in SHEETS:
            if s.required and s.key not in present:
                ret.issue("error", "schema.sheet", f"required sheet {s.name!r} is missing; the workbook has "
                          + ", ".join(repr(n) for n in wb.sheetnames))  # fmt: skip
        for key, name in present.items():
            ws = wb[name]
            rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
            _read_rows(ret, BY_KEY[key], rows, {"sheet_key": key}, name)
            for r in ret.tables[key]:
                r.sheet_name = name
    finally:
        wb.close()
    _fix_sheet_names(ret, present)
    return ret


def _fix_sheet_names(ret: Return, present: dict[str, str]) -> None:
    """Sheet-level issues were recorded with the template's sheet name; show the name the workbook uses."""
    from dataclasses import replace

    names = {BY_KEY[k].name: v for k, v in present.items()}
    ret.issues = [replace(i, sheet=names.get(i.sheet or "", i.sheet)) for i in ret.issues]


def read_csv_bundle(folder: Path, display: str | None = None) -> Return:
    ret = Return(display or folder.name, str(folder), "csv", _sha256_of(folder))
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    present: dict[str, Path] = {}
    for p in files:
        key = p.name.casefold()
        if key in ("readme.md", "readme.txt", "about.csv"):
            continue
        if key not in BY_CSV:
            _sheet_problem(ret, p.name, BY_CSV, "file")
            continue
        present[BY_CSV[key].key] = p
        ret.csv_files[BY_CSV[key].key] = f"{ret.file}/{p.name}"
    for s in SHEETS:
        if s.required and s.key not in present:
            ret.issue("error", "schema.sheet", f"required file {s.csv!r} (sheet {s.name!r}) is missing from the bundle")
    for key, p in present.items():
        try:
            with p.open(encoding="utf-8-sig", newline="") as fh:
                rows = [(i, list(r)) for i, r in enumerate(csv.reader(fh), start=1)]
        except UnicodeDecodeError as e:
            ret.issue("error", "schema.encoding", f"not UTF-8 text ({e.reason} at byte {e.start}); save it as CSV "
                      "UTF-8", sheet_key=key)  # fmt: skip
            continue
        except csv.Error as e:
            ret.issue("error", "schema.csv", f"not a readable CSV file: {e}", sheet_key=key)
            continue
        _read_rows(ret, BY_KEY[key], rows, {"sheet_key": key}, BY_KEY[key].name)
    return ret


def read_return(path: Path, display: str | None = None) -> Return:
    """Read a workbook (``.xlsx``) or a CSV bundle (a folder) into a :class:`Return`, with any schema issues."""
    if not path.exists():
        raise ReturnUnreadable(f"{path}: no such file or folder")
    if path.is_dir():
        return read_csv_bundle(path, display)
    if path.stat().st_size > MAX_BYTES:
        raise ReturnUnreadable(f"{path.name}: larger than {MAX_BYTES // 2**20} MB; split the return")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, display)
    if path.suffix.lower() == ".xml":
        raise ReturnUnreadable(f"{path.name}: an IATI XML file needs --round, --fund and --programme (see "
                               "`prosperity programmes import --help`)")  # fmt: skip
    if path.suffix.lower() == ".csv":
        raise ReturnUnreadable(f"{path.name}: a CSV return is a folder of files, one per sheet (return.csv, "
                               "programmes.csv, projects.csv, …); give the folder")  # fmt: skip
    raise ReturnUnreadable(f"{path.name}: not a return; give an .xlsx workbook, a folder of CSV files, or IATI XML")


# ---- IATI 2.03 activity XML ----------------------------------------------------------------------------------
IATI_STATUS = {v: k for k, v in ACTIVITY_STATUS.items()}
IATI_TRANSACTION = {str(v): k for k, v in TRANSACTION_TYPES.items()}
IATI_MEASURE = {str(v): k for k, v in MEASURES.items()}
FRAMEWORK_VOCABULARY = "99"  # IATI IndicatorVocabulary 99: reporting organisation


def _safe_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                           load_dtd=False)  # fmt: skip


def _narrative(el: Any, tag: str) -> str | None:
    if el is None:
        return None
    node = el.find(tag)
    if node is None:
        return None
    texts = [n.text.strip() for n in node.findall("narrative") if n.text and n.text.strip()]
    en = [n.text.strip() for n in node.findall("narrative")
          if n.text and n.text.strip() and n.get("{http://www.w3.org/XML/1998/namespace}lang", "en") == "en"]  # fmt: skip
    return (en or texts or [None])[0]


def read_iati(path: Path, *, round_id: str, fund: str, programme: str, organisation: str, submitted_by: str,
              display: str | None = None, today: date | None = None) -> Return:  # fmt: skip
    """IATI 2.03 activities as a return: each ``iati-activity`` a project of ``programme``.

    Budgets (``@type`` original or revised, ``@status``), planned disbursements (as forecasts), transactions
    (expenditure, disbursement, commitment, incoming funds) and results (``result/indicator`` with baseline,
    periods, targets and actuals) are read; ``capital-spend/@percentage`` splits values into capital and revenue.
    An indicator ``reference`` of vocabulary 99 with a code ``indicator:ID`` or ``outcome:ID`` is the link to a
    strategy indicator or outcome (the form :mod:`prosperity.programmes.export` writes).
    """
    from lxml import etree

    ret = Return(display or path.name, str(path), "iati", _sha256_of(path))
    if path.stat().st_size > MAX_BYTES:
        raise ReturnUnreadable(f"{ret.file}: larger than {MAX_BYTES // 2**20} MB")
    try:
        tree = etree.parse(str(path), _safe_parser())
    except etree.XMLSyntaxError as e:
        raise ReturnUnreadable(f"{ret.file}, line {e.lineno}: not well-formed XML ({e.msg})") from None
    root = tree.getroot()
    if root.tag != "iati-activities" or not str(root.get("version", "")).startswith("2."):
        found = f"<{root.tag}" + (f' version="{root.get("version")}"' if root.get("version") else "") + ">"
        raise ReturnUnreadable(f"{ret.file}, line {root.sourceline}: not IATI 2.0x activity XML: the root element is "
                               f'{found}; expected <iati-activities version="2.03">')  # fmt: skip

    def add(key: str, line: int | None, element: str, values: dict[str, Any]) -> Row:
        sheet = BY_KEY[key]
        row = Row(sheet, line or 0, {c.key: values.get(c.key) for c in sheet.columns}, {}, f"<{element}>")
        ret.tables.setdefault(key, []).append(row)
        return row

    def date_of(el: Any, attr: str = "iso-date") -> date | None:
        if el is None or el.get(attr) is None:
            return None
        try:
            return parse_date(el.get(attr))
        except CellError as e:
            ret.issues.append(_xml_issue(ret, el, f"@{attr}", str(e)))
            return None

    def money_of(el: Any) -> int | None:
        if el is None or el.text is None:
            return None
        try:
            return parse_money(el.text)
        except CellError as e:
            ret.issues.append(_xml_issue(ret, el, "value", str(e)))
            return None

    try:
        rnd = parse_round(round_id)
    except ValueError as e:
        raise ReturnUnreadable(str(e)) from None
    day = today or date.today()
    add("return", root.sourceline, "iati-activities", {
        "round": rnd, "fund": fund, "organisation": organisation, "submitted_by": submitted_by,
        "sign_off_name": submitted_by, "sign_off_role": "imported from IATI activity XML", "sign_off_date": day,
        "commentary": None})  # fmt: skip
    reporting = root.find("iati-activity/reporting-org")
    add("programmes", root.sourceline, "iati-activities", {
        "programme_code": programme, "title": programme, "lead_organisation": _narrative(root.find("iati-activity"),
                                                                                          "reporting-org") or organisation,
        "lead_org_id": reporting.get("ref") if reporting is not None else None, "status": "implementation",
        "outcome_ids": []})  # fmt: skip
    for act in root.findall("iati-activity"):
        ident = (act.findtext("iati-identifier") or "").strip()
        if not CODE.match(ident):
            ret.issues.append(_xml_issue(ret, act.find("iati-identifier") if act.find("iati-identifier") is not None
                                         else act, "iati-identifier", f"{ident[:60]!r} is not usable as a project code"))
            continue
        dates = {d.get("type"): date_of(d) for d in act.findall("activity-date")}
        status = act.find("activity-status")
        impl = act.find("participating-org[@role='4']")
        add("projects", act.sourceline, "iati-activity", {
            "project_code": ident, "programme_code": programme, "title": _narrative(act, "title") or ident,
            "description": _narrative(act, "description"),
            "delivery_organisation": _narrative(impl, ".") if impl is not None else _narrative(act, "reporting-org"),
            "delivery_org_id": impl.get("ref") if impl is not None else None,
            "status": IATI_STATUS.get(int(status.get("code"))) if status is not None and str(status.get("code")).isdigit()
            else "implementation",
            "planned_start": dates.get("1"), "actual_start": dates.get("2"), "planned_end": dates.get("3"),
            "actual_end": dates.get("4")})  # fmt: skip
        cap = act.find("capital-spend")
        share = Decimal(cap.get("percentage")) / 100 if cap is not None and cap.get("percentage") else Decimal(0)

        def split(pence: int, share: Decimal = share) -> tuple[int, int]:
            capital = int((Decimal(pence) * share).to_integral_value())
            return capital, pence - capital

        for b in act.findall("budget"):
            start, end, value = date_of(b.find("period-start")), date_of(b.find("period-end")), money_of(b.find("value"))
            if start is None or end is None or value is None:
                continue
            capital, revenue = split(value)
            add("budgets", b.sourceline, "budget", {
                "project_code": ident, "financial_year": fy_of(start), "period_start": start, "period_end": end,
                "budget_type": "revised" if b.get("type") == "2" else "original",
                "budget_status": "committed" if b.get("status") == "2" else "indicative",
                "capital": capital, "revenue": revenue, "total": value})  # fmt: skip
        for p in act.findall("planned-disbursement"):
            start, end, value = date_of(p.find("period-start")), date_of(p.find("period-end")), money_of(p.find("value"))
            if start is None or value is None:
                continue
            for etype, v in zip(("capital", "revenue"), split(value), strict=True):
                if v or (etype == "revenue" and not share) or (etype == "capital" and share == 1):
                    add("forecasts", p.sourceline, "planned-disbursement", {
                        "project_code": ident, "financial_year": fy_of(start), "period_start": start,
                        "period_end": end or start, "expense_type": etype, "value": v})  # fmt: skip
        for t in act.findall("transaction"):
            code = (t.find("transaction-type").get("code") if t.find("transaction-type") is not None else None)
            ttype = IATI_TRANSACTION.get(str(code))
            if ttype is None:
                ret.issues.append(_xml_issue(ret, t, "transaction-type", f"transaction type {code!r} is not one a "
                                             "return holds (1 incoming funds, 2 commitment, 3 disbursement, 4 "
                                             "expenditure); left out", "warning"))  # fmt: skip
                continue
            when, value = date_of(t.find("transaction-date")), money_of(t.find("value"))
            if when is None or value is None:
                ret.issues.append(_xml_issue(ret, t, "transaction-date", "a transaction needs a date and a value"))
                continue
            for etype, v in zip(("capital", "revenue"), split(value), strict=True):
                if v or (etype == "revenue" and not share) or (etype == "capital" and share == 1):
                    add("spend", t.sourceline, "transaction", {
                        "project_code": ident, "reference": t.get("ref"), "date": when, "financial_year": fy_of(when),
                        "expense_type": etype, "transaction_type": ttype, "value": v,
                        "description": _narrative(t, "description")})  # fmt: skip
        for n, res in enumerate(act.findall("result"), start=1):
            kind = {"1": "output", "2": "outcome", "3": "outcome"}.get(str(res.get("type")))
            if kind is None:
                ret.issues.append(_xml_issue(ret, res, "@type", f"result type {res.get('type')!r} is neither output "
                                             "(1) nor outcome (2, 3)"))  # fmt: skip
                continue
            for m, ind in enumerate(res.findall("indicator"), start=1):
                code = f"R{n}.{m}"
                refs = {}
                for r in ind.findall("reference"):
                    c = str(r.get("code") or "")
                    if r.get("vocabulary") == FRAMEWORK_VOCABULARY and c.partition(":")[0] in ("indicator", "outcome"):
                        refs[c.partition(":")[0]] = c.partition(":")[2]
                base = ind.find("baseline")
                bdate = date_of(base) if base is not None and base.get("iso-date") else (
                    date(int(base.get("year")), 1, 1) if base is not None and str(base.get("year", "")).isdigit() else None)
                bval = None
                if base is not None and base.get("value") not in (None, ""):
                    try:
                        bval = parse_number(base.get("value"))
                    except CellError as e:
                        ret.issues.append(_xml_issue(ret, base, "@value", str(e)))
                add("indicators", ind.sourceline, "indicator", {
                    "project_code": ident, "indicator_code": code, "kind": kind,
                    "title": _narrative(ind, "title") or _narrative(res, "title") or code,
                    "unit": _narrative(ind, "description") or "units",
                    "measure": IATI_MEASURE.get(str(ind.get("measure")), "unit"),
                    "higher_is_better": str(ind.get("ascending", "1")) in ("1", "true"),
                    "baseline_date": bdate, "baseline_value": bval,
                    "framework_indicator": refs.get("indicator"), "framework_outcome": refs.get("outcome"),
                    "definition": _narrative(ind, "description")})  # fmt: skip
                for per in ind.findall("period"):
                    vals: dict[str, float | None] = {}
                    for tag in ("target", "actual"):
                        el = per.find(tag)
                        vals[tag] = None
                        if el is not None and el.get("value") not in (None, ""):
                            try:
                                vals[tag] = parse_number(el.get("value"))
                            except CellError as e:
                                ret.issues.append(_xml_issue(ret, el, "@value", str(e)))
                    comment = _narrative(per.find("actual"), "comment") if per.find("actual") is not None else None
                    add("periods", per.sourceline, "period", {
                        "project_code": ident, "indicator_code": code,
                        "period_start": date_of(per.find("period-start")), "period_end": date_of(per.find("period-end")),
                        "target": vals["target"], "actual": vals["actual"], "comment": comment})  # fmt: skip
    for s in SHEETS:
        ret.tables.setdefault(s.key, [])
    if not ret.rows("projects"):
        ret.issue("error", "schema.empty", "the file has no iati-activity with a usable iati-identifier",
                  sheet_key="projects")  # fmt: skip
    return ret


def _xml_issue(ret: Return, el: Any, column: str, message: str, severity: str = "error") -> Any:
    from prosperity.programmes.returns import Issue

    return Issue(severity, "schema.iati", message, ret.file, f"<{el.tag}>", el.sourceline, column)  # type: ignore[arg-type]


def iter_tables(ret: Return) -> Iterator[tuple[Sheet, list[Row]]]:
    for s in SHEETS:
        yield s, ret.rows(s.key)
