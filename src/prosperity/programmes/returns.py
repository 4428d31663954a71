"""A return as read from a file, before it is checked or stored, and the issues found in it.

Every row remembers where it came from (file, sheet, row, and the column letter of each field), so that every
message can point a programme office at the cell to fix, as the 360Giving data quality tool does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from prosperity.errors import ProsperityError
from prosperity.programmes.columns import BY_KEY, Sheet
from prosperity.programmes.years import Round

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in a return: where (file, sheet, row, column), which rule, and what is wrong."""

    severity: Severity
    rule: str
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # "E 'Value (£)'" or "'Value (£)'"

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "rule": self.rule, "message": self.message, "file": self.file,
                "sheet": self.sheet, "row": self.row, "column": self.column, "where": self.where}  # fmt: skip


@dataclass
class Row:
    """One row of one table: its typed values and where each came from."""

    sheet: Sheet
    number: int  # the row number in the sheet (the header is row 1), or the line of an XML element
    values: dict[str, Any]
    letters: dict[str, str] = field(default_factory=dict)  # column key → column letter in the sheet
    sheet_name: str | None = None  # as named in the file (a CSV file's name, an XML element)

    def get(self, key: str, default: Any = None) -> Any:
        v = self.values.get(key)
        return default if v is None else v

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def column_text(self, key: str) -> str:
        label = self.sheet.column(key).label if any(c.key == key for c in self.sheet.columns) else key
        letter = self.letters.get(key)
        return f"{letter} '{label}'" if letter else f"'{label}'"


@dataclass
class Return:
    """A whole return: its file, its tables of rows, and what the reader already found wrong."""

    file: str  # as shown in messages: the name the office gave it
    path: str
    format: Literal["xlsx", "csv", "iati"]
    sha256: str
    tables: dict[str, list[Row]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    csv_files: dict[str, str] = field(default_factory=dict)  # sheet key → file name, for a CSV bundle

    def rows(self, key: str) -> list[Row]:
        return self.tables.get(key, [])

    @property
    def header(self) -> Row | None:
        rows = self.rows("return")
        return rows[0] if rows else None

    def round(self) -> Round | None:
        h = self.header
        return h.get("round") if h else None

    def today(self) -> date:
        return date.today()

    def issue(self, severity: Severity, rule: str, message: str, row: Row | None = None, column: str | None = None,
              sheet_key: str | None = None) -> Issue:  # fmt: skip
        """Record an issue at ``row`` (and ``column``), or at a whole sheet."""
        if row is not None:
            sheet = row.sheet_name or row.sheet.name
            file = self.csv_files.get(row.sheet.key, self.file)
            it = Issue(severity, rule, message, file, sheet, row.number, row.column_text(column) if column else None)
        else:
            sheet = BY_KEY[sheet_key].name if sheet_key else None
            file = self.csv_files.get(sheet_key or "", self.file)
            it = Issue(severity, rule, message, file, sheet)
        self.issues.append(it)
        return it

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


class ReturnRejected(ProsperityError):
    """A return broke one or more rules and was not stored; nothing changed. ``issues`` says where and why."""

    def __init__(self, file: str, issues: list[Issue]):
        self.file = file
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        head = f"{file}: return rejected with {len(errors)} error(s); nothing was stored"
        shown = "\n".join(f"  {i}" for i in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{head}\n{shown}{more}")


def sheet_for(key: str) -> Sheet:
    return BY_KEY[key]
