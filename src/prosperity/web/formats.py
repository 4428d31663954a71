"""One view, many formats: JSON and CSV from the same rows, paging, and the one error envelope.

Every data endpoint answers ``?format=json`` (the default) or ``?format=csv`` (or ``Accept: text/csv``).
Lists are paged with ``limit`` and ``offset`` and report ``total``. Errors always have the shape
``{"ok": false, "error": "...", "status": 400}`` (as Datasette's ``assert_canonical_error`` requires).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from prosperity.safe import csv_cell, neutralise
from prosperity.web.queries import BadParameter

FORMATS = ("json", "csv")
MAX_LIMIT = 1000


def wanted_format(request: Request) -> str:
    f = request.query_params.get("format")
    if f is not None:
        if f not in FORMATS:
            raise BadParameter("format", f"{f[:20]!r} is not a format; use json or csv")
        return f
    return "csv" if "text/csv" in request.headers.get("accept", "") else "json"


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, default=_jsonable, separators=(",", ":")).encode()


def error(status: int, message: str) -> JSONResponse:
    return Json({"ok": False, "error": message, "status": status}, status_code=status)


def _cell(v: Any) -> Any:
    """One CSV cell: JSON for nested values, numbers as numbers, text neutralised (:mod:`prosperity.safe`)."""
    if isinstance(v, dict | list | tuple):
        return neutralise(json.dumps(v, ensure_ascii=False, default=_jsonable))
    return csv_cell(v)


def _filename(name: str) -> str:
    """A download's file name: letters, digits, dot, hyphen and underscore only (it goes into a header)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120] or "data"


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in cols])
    return buf.getvalue()


def csv_response(rows: list[dict[str, Any]], name: str, columns: list[str] | None = None,
                 total: int | None = None) -> Response:  # fmt: skip
    headers = {"content-disposition": f'attachment; filename="{_filename(name)}.csv"'}
    if total is not None:
        headers["x-total-count"] = str(total)
    return Response(csv_text(rows, columns), media_type="text/csv; charset=utf-8", headers=headers)


def paged(request: Request, rows: list[dict[str, Any]], limit: int, offset: int, name: str,
          columns: list[str] | None = None, extra: dict[str, Any] | None = None) -> Response:  # fmt: skip
    fmt = wanted_format(request)
    page = rows[offset: offset + limit]
    if fmt == "csv":
        return csv_response(page, name, columns, total=len(rows))
    nxt = None
    if offset + limit < len(rows):
        q = dict(request.query_params)
        q.update(offset=str(offset + limit), limit=str(limit))
        nxt = f"{request.url.path}?{urlencode(q)}"
    return Json({"ok": True, "total": len(rows), "limit": limit, "offset": offset, "next": nxt, **(extra or {}),
                 "data": page})  # fmt: skip


def single(request: Request, data: dict[str, Any], csv_rows: list[dict[str, Any]], name: str,
           columns: list[str] | None = None) -> Response:  # fmt: skip
    if wanted_format(request) == "csv":
        return csv_response(csv_rows, name, columns)
    return Json({"ok": True, "data": data})
