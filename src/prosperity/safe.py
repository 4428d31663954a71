"""Output that cannot be turned against its reader: spreadsheet-safe CSV cells and links that are only web addresses.

**CSV cells (formula injection).** A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, in some programs, tab or carriage return) as a formula, so a publisher's label such as
``=HYPERLINK("http://evil.example", "click")`` would become a live link or worse (OWASP, "CSV Injection",
owasp.org/www-community/attacks/CSV_Injection). The rule every CSV the product writes follows:

- numbers (``int``, ``float``, DuckDB numeric columns) are written as numbers, negative ones included;
- a **text** cell whose first character is one of ``= + - @``, tab or carriage return gets a leading apostrophe
  (``'=HYPERLINK(…)``), which spreadsheets show as text and never evaluate;
- except text that is a plain number (``-3.5``, ``+2e-3``: data, and no formula) and a cell that is that one
  character alone (a publisher's ``-`` marker), which cannot be a formula.

:func:`csv_cell` applies the rule to one Python value; :func:`csv_sql` is the same rule as a DuckDB expression
for files written by ``COPY``. Both are tested to agree.

**Links.** :func:`http_url` returns a URL only if it is an ``http`` or ``https`` address with a host; anything else
(``javascript:``, ``data:``, relative or malformed text) is ``None`` and templates show it as text, never as a link.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

#: A cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SQL_TRIGGER = r"^[=+\-@\t\r]"
_SQL_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (the rule in the module docstring)."""
    if len(text) > 1 and text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(v: Any) -> Any:
    """A Python value as a CSV cell: ``None`` empty, numbers as numbers, text neutralised."""
    if v is None:
        return ""
    if isinstance(v, bool | int):
        return v
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return neutralise(str(v))


def csv_sql(column: str) -> str:
    """The neutralising rule as a DuckDB expression over a text column (``column`` must already be quoted)."""
    c = column
    return (f"CASE WHEN length({c}) > 1 AND regexp_matches({c}, '{_SQL_TRIGGER}') "
            f"AND NOT regexp_matches({c}, '{_SQL_NUMBER}') THEN '''' || {c} ELSE {c} END")  # fmt: skip


def http_url(url: Any) -> str | None:
    """``url`` if it is an http(s) address with a host, else ``None`` (to be shown as text, not linked)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text
