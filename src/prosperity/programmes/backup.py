"""``prosperity returns export`` / ``import``: everything in the programme store, audit log included, in one file.

The file is JSON: the schema revision and, for every table (sign-in sessions excepted: they are not worth
restoring), its columns and its rows in primary-key order. Values are written by column type (times in UTC ISO
8601, dates ISO, JSON as JSON), so a store exported from SQLite can be restored into PostgreSQL and the reverse, and
an export of the restored store is byte-for-byte the same file. Restoring needs an empty store (a fresh database):
it never merges into, or overwrites, one in use.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text

from prosperity.errors import ProsperityError
from prosperity.programmes.model import Base
from prosperity.programmes.store import SCHEMA_REVISION, ProgrammeStore

FORMAT = "prosperity programme store backup"
SKIPPED = ("user_session",)
FILLED_ON_OPEN = ("fund",)  # the configured funds, written whenever a store is opened


class BackupError(ProsperityError):
    """A backup file that cannot be restored here, or a store it cannot be restored into."""


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


def _out(v: Any, kind: Any) -> Any:
    if v is None:
        return None
    if isinstance(kind, DateTime):
        v = v if v.tzinfo is not None else v.replace(tzinfo=UTC)
        return v.astimezone(UTC).isoformat()
    if isinstance(kind, Date):
        return v.isoformat()
    return v


def _in(v: Any, kind: Any) -> Any:
    if v is None:
        return None
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return date.fromisoformat(v)
    return v


def export_store(store: ProgrammeStore, path: Path) -> dict[str, int]:
    """Write everything to ``path`` (gzip-compressed when it ends in ``.gz``); returns rows written per table."""
    doc: dict[str, Any] = {"format": FORMAT, "schema_revision": SCHEMA_REVISION, "tables": {}}
    counts = {}
    with store.engine.connect() as c, c.begin():  # one snapshot of the whole store
        if c.dialect.name == "postgresql":
            c.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        for t in _tables():
            cols = list(t.columns)
            pk = list(t.primary_key.columns) or cols
            rows = [[_out(r[i], col.type) for i, col in enumerate(cols)] for r in c.execute(select(t).order_by(*pk))]
            doc["tables"][t.name] = {"columns": [col.name for col in cols], "rows": rows}
            counts[t.name] = len(rows)
    data = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return counts


def import_store(store: ProgrammeStore, path: Path) -> dict[str, int]:
    """Restore ``path`` into ``store``, which must hold no programmes, returns, accounts or audit entries."""
    raw = path.read_bytes()
    try:
        doc = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    except (OSError, ValueError) as e:
        raise BackupError(f"{path.name}: not a programme store backup ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BackupError(f"{path.name}: not a programme store backup (written by `prosperity returns export`)")
    if doc.get("schema_revision") != SCHEMA_REVISION:
        raise BackupError(f"{path.name}: written at schema revision {doc.get('schema_revision')!r}; this version "
                          f"restores revision {SCHEMA_REVISION} (restore it with the version that wrote it)")  # fmt: skip
    tables = {t.name: t for t in _tables()}
    unknown = set(doc["tables"]) - set(tables)
    if unknown:
        raise BackupError(f"{path.name}: tables this version does not know: {', '.join(sorted(unknown))}")
    counts = {}
    with store.engine.begin() as c:
        for t in tables.values():
            if t.name not in FILLED_ON_OPEN and c.execute(select(func.count()).select_from(t)).scalar():
                raise BackupError(f"the store {store.url} already holds data (table {t.name}); restore into an empty "
                                  "database")  # fmt: skip
        for name in FILLED_ON_OPEN:
            c.execute(delete(tables[name]))
        for t in tables.values():
            part = doc["tables"].get(t.name, {"columns": [], "rows": []})
            cols = part["columns"]
            missing = [col for col in cols if col not in t.columns]
            if missing:
                raise BackupError(f"{path.name}: table {t.name} has columns this version does not know: {missing}")
            rows = [{col: _in(v, t.columns[col].type) for col, v in zip(cols, r, strict=True)} for r in part["rows"]]
            if rows:
                c.execute(insert(t), rows)
            counts[t.name] = len(rows)
            if c.dialect.name == "postgresql" and "id" in t.columns and t.columns["id"].autoincrement is not False:
                seq = c.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}).scalar()
                if seq:
                    c.execute(text("SELECT setval(:s, COALESCE((SELECT max(id) FROM " + t.name + "), 0) + 1, false)"),
                              {"s": seq})  # fmt: skip
    return counts
