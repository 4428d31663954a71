"""Bulk download of the whole warehouse: one CSV per table and a Frictionless Data Package descriptor.

``datapackage.json`` follows the Frictionless *Tabular Data Package* specification (specs.frictionlessdata.io):
each resource names its CSV file and a Table Schema whose field types are mapped from DuckDB's column types.
The CSVs are written once by DuckDB's ``COPY`` into a cache folder (the warehouse is read-only while served;
each opened warehouse has its own folder) and the zip is assembled from them on first request, so later
downloads are plain file transfers. Text cells are neutralised for spreadsheets by the rule of
:mod:`prosperity.safe` (numbers stay numbers).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from prosperity import __version__
from prosperity.safe import csv_sql
from prosperity.warehouse import Warehouse

ISO = "strftime({c}, '%Y-%m-%dT%H:%M:%S')"
#: Table name → (description, SELECT). Timestamps are written as ISO 8601 text; JSON columns as JSON text.
TABLES: dict[str, tuple[str, str]] = {
    "releases": ("Every loaded edition of every source file: checksum, publisher's release date, when loaded.",
                 f"""SELECT release_id, dataset_id, source, title, publisher, file_name, sha256, publisher_release_date,
                           {ISO.format(c='loaded_at')} AS loaded_at, origin, live_url, row_count, set_aside,
                           previous_release_id FROM releases ORDER BY release_id"""),
    "indicators": ("Every indicator the warehouse holds, with unit, decimal places, source and caveats.",
                   "SELECT * FROM indicators ORDER BY indicator_id"),
    "breakdowns": ("The breakdowns (industries, domains, sectors) of each indicator.",
                   "SELECT * FROM breakdowns ORDER BY indicator_id, breakdown"),
    "areas": ("Every area with its GSS or ITL code, name and level.", "SELECT * FROM areas ORDER BY code"),
    "area_parents": ("The area hierarchy: each child's parents at each depth.",
                     "SELECT * FROM area_parents ORDER BY child, depth, parent"),
    "area_neighbours": ("ONS's most similar local authorities, by kind and rank.",
                        "SELECT * FROM area_neighbours ORDER BY area_code, kind, rank"),
    "observations": ("Every observation of every release (revisions included): value, 95% interval, status. "
                     "The latest figures are those of each dataset's highest release_id.",
                     """SELECT release_id, indicator_id, area_code, period, period_start, period_end, breakdown, value,
                               lci_95, uci_95, status, note FROM observations
                        ORDER BY release_id, indicator_id, area_code, breakdown, period_start"""),
    "assessments": ("The stored assessments: one row per framework indicator and area, the full judgement as JSON.",
                    f"""SELECT indicator, area, status, period, value, {ISO.format(c='computed_at')} AS computed_at,
                               assessment FROM assessments ORDER BY area, indicator"""),
}  # fmt: skip
PRIMARY_KEYS = {"releases": ["release_id"], "indicators": ["indicator_id"], "areas": ["code"],
                "assessments": ["indicator", "area"]}  # fmt: skip
TYPES = {"VARCHAR": "string", "INTEGER": "integer", "BIGINT": "integer", "SMALLINT": "integer", "DOUBLE": "number",
         "FLOAT": "number", "DECIMAL": "number", "BOOLEAN": "boolean", "DATE": "date", "JSON": "object"}  # fmt: skip
ZIP_NAME = "prosperity-warehouse.zip"


#: DuckDB's memory limit while a bulk CSV is written (a setting, like the server's PROSPERITY_DUCKDB_MEMORY)
DOWNLOAD_MEMORY = os.environ.get("PROSPERITY_DOWNLOAD_MEMORY") or "2GB"


def _memory(text: str) -> str:
    """A DuckDB memory size such as ``2GB`` or ``488.2 MiB``, checked before it is written into a SET statement."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip()):
        raise ValueError(f"not a memory size: {text!r}; expected a number and a unit such as 2GB")
    return text.strip()


def _ident(name: str) -> str:
    """A column name as a quoted DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


class Downloads:
    """Writes and caches the warehouse's CSVs, descriptor and zip."""

    def __init__(self, folder: Path | None = None):
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="prosperity-download-")
        self.folder = folder or Path(self._tmp.name)  # type: ignore[union-attr]
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def schema(self, wh: Warehouse, table: str) -> dict[str, Any]:
        cols = wh.con.execute(f"DESCRIBE {TABLES[table][1]}").fetchall()
        fields = []
        for name, dtype, *_ in cols:
            base = str(dtype).split("(")[0]
            field = {"name": name, "type": TYPES.get(base, "string")}
            if name in ("loaded_at", "computed_at"):
                field.update(type="datetime", format="%Y-%m-%dT%H:%M:%S")
            fields.append(field)
        schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
        if table in PRIMARY_KEYS:
            schema["primaryKey"] = PRIMARY_KEYS[table]
        return schema

    def descriptor(self, wh: Warehouse, base_url: str = "") -> dict[str, Any]:
        current = wh.query("""SELECT dataset_id, title, publisher, live_url, CAST(publisher_release_date AS TEXT) AS d
                              FROM current_releases ORDER BY dataset_id""")  # fmt: skip
        return {
            "profile": "tabular-data-package",
            "name": "prosperity-warehouse",
            "title": "prosperity warehouse: official statistics, releases and assessments",
            "description": "Every table of the warehouse as CSV. Observations belong to releases and are never "
                           "overwritten; see the releases table for each file's checksum and publisher's release date.",
            "version": __version__,
            "sources": [{"title": f"{r['title']} ({r['dataset_id']}), released {r['d'] or 'undated'}",
                         "path": r["live_url"] or "", "publisher": r["publisher"]} for r in current],
            "resources": [{"name": t.replace("_", "-"), "path": f"{base_url}{t}.csv", "profile": "tabular-data-resource",
                           "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "description": desc,
                           "schema": self.schema(wh, t)} for t, (desc, _) in TABLES.items()],
        }  # fmt: skip

    def export_sql(self, wh: Warehouse, table: str) -> str:
        """The table's SELECT with every text column neutralised for spreadsheets (numbers untouched)."""
        select = TABLES[table][1]
        exprs = []
        for name, dtype, *_ in wh.con.execute(f"DESCRIBE {select}").fetchall():
            col = _ident(name)
            exprs.append(f"{csv_sql(col)} AS {col}" if str(dtype) == "VARCHAR" else col)
        return f"SELECT {', '.join(exprs)} FROM ({select})"

    def csv(self, wh: Warehouse, table: str) -> Path:
        path = self.folder / f"{table}.csv"
        with self._lock:
            if not path.exists():
                part = path.with_suffix(".part")
                target = str(part).replace("'", "''")
                # Sorting a whole table (the stored assessments of every area are a few hundred MB of JSON) needs
                # more than the server's per-request memory limit: lift it for this one copy, then restore it.
                (limit,) = wh.con.execute("SELECT current_setting('memory_limit')").fetchone()
                wh.con.execute(f"SET memory_limit = '{_memory(DOWNLOAD_MEMORY)}'")
                try:
                    wh.con.execute(f"COPY ({self.export_sql(wh, table)}) TO '{target}' (FORMAT csv, HEADER true)")
                finally:
                    wh.con.execute(f"SET memory_limit = '{_memory(limit)}'")
                part.rename(path)
        return path

    def zip(self, wh: Warehouse) -> Path:
        path = self.folder / ZIP_NAME
        if path.exists():
            return path
        files = {t: self.csv(wh, t) for t in TABLES}
        with self._lock:
            if not path.exists():
                part = path.with_suffix(".part")
                with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                    z.writestr("datapackage.json", json.dumps(self.descriptor(wh), indent=2))
                    for t, f in files.items():
                        z.write(f, f"{t}.csv")
                part.rename(path)
        return path
