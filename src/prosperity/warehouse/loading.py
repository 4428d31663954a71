"""Staging, validating and committing one dataset as one release.

A source's ``load`` function reads its files into the staging table ``stage_obs`` (all text, each row
remembering the file, line and column it came from) and declares its indicators. :meth:`LoadContext.finish`
then checks everything (numbers, suppression markers, periods, area codes, duplicate keys) and either
commits the dataset as a new release or raises :class:`~prosperity.errors.ValidationError` naming the file,
row and column. Nothing is written to the warehouse's permanent tables until every check has passed.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from prosperity.errors import ValidationError
from prosperity.periods import normalise_period, parse_period

if TYPE_CHECKING:  # the sources import this module: no import back at run time
    from prosperity.sources.base import Dataset, FileRef

# Markers publishers put where a value is withheld or missing. Kept as the observation's status, never zero.
SUPPRESSION_MARKERS = (
    "x", "..", ".", ":", "-", "*", "c", "u", "z", "w", "n/a", "na",
    "[c]", "[x]", "[z]", "[u]", "[w]", "[low]", "[k]",
)  # fmt: skip

STAGE_COLUMNS = (
    "file", "row_no", "value_column", "indicator_id", "area_code", "area_name", "area_level",
    "period_raw", "breakdown", "value_raw", "lci_raw", "uci_raw", "status", "note",
)  # fmt: skip


@dataclass
class IndicatorMeta:
    indicator_id: str
    label: str
    publisher_name: str
    measure: str | None = None
    unit: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    decimal_places: int | None = None
    subtitle: str | None = None
    description: str | None = None
    caveats: str | None = None
    source_org: str | None = None
    source_url: str | None = None
    experimental: bool | None = None
    breakdown_kind: str | None = None


@dataclass
class AreaRow:
    code: str
    name: str
    level: str
    start_year: int | None = None
    end_year: int | None = None


@dataclass
class LoadOutcome:
    dataset_id: str
    release_id: int | None
    rows: int
    set_aside: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class LoadContext:
    """What a source's ``load`` function works through while its dataset is staged."""

    def __init__(self, con: duckdb.DuckDBPyConnection, dataset: Dataset, local: dict[str, Path], origin: str):
        self.con = con
        self.dataset = dataset
        self.local = local  # mirror path -> local file
        self.origin = origin
        self.indicators: dict[str, IndicatorMeta] = {}
        self.breakdown_labels: dict[tuple[str, str], str] = {}
        self.metadata: dict[str, Any] = {}
        self.release_date: date | None = dataset.release_date
        self.set_aside: list[tuple[int, str]] = []
        self.warnings: list[str] = []
        self.new_areas: dict[str, AreaRow] = {}
        self.reference_writes: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
        # Which area codes this dataset may declare itself (beyond the register): ITL codes by default.
        self.prepared: Callable[[], Any] | None = None  # result of the dataset's ``prepare`` step, if any
        self.declares_areas: Callable[[str, str | None, str | None], AreaRow | None] = file_declared_area
        self._repeated = 0  # keys staged more than once (set by validate): only then are rows de-duplicated
        con.execute("DROP TABLE IF EXISTS stage_obs")
        con.execute(f"CREATE TEMP TABLE stage_obs ({', '.join(c + ' TEXT' for c in STAGE_COLUMNS)})")
        con.execute("ALTER TABLE stage_obs ALTER row_no TYPE INTEGER")

    # ---- files -------------------------------------------------------------------------------------------
    def path(self, ref: FileRef | str) -> Path:
        key = ref if isinstance(ref, str) else ref.path
        return self.local[key]

    def name(self, ref: FileRef | str) -> str:
        """The file's name as messages give it: its path inside the mirror."""
        return ref if isinstance(ref, str) else ref.path

    def read_json(self, ref: FileRef) -> Any:
        try:
            with self.path(ref).open(encoding="utf-8-sig") as fh:
                return json.load(fh)
        except json.JSONDecodeError as e:
            raise ValidationError(self.name(ref), f"not valid JSON: {e.msg}", row=e.lineno) from None

    def read_header(self, ref: FileRef, skip: int = 0) -> list[str]:
        path = self.path(ref)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            for _ in range(skip):
                next(reader, None)
            header = next(reader, None)
        if not header:
            raise ValidationError(self.name(ref), "the file is empty; expected a header row")
        return [h.strip() for h in header]

    def read_csv(self, ref: FileRef, table: str, *, header_line: int = 1) -> list[str]:
        """Read a CSV file into a temporary all-text table ``table`` with a ``row_no`` column (its line).

        Returns the header. A row with too few or too many fields rejects the file, naming the line.
        """
        header = self.read_header(ref, skip=header_line - 1)
        seen: dict[str, int] = {}
        names = []
        for h in header:
            n = seen.get(h, 0)
            seen[h] = n + 1
            names.append(h if n == 0 else f"{h}#{n + 1}")
        cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
        con = self.con
        con.execute("DROP TABLE IF EXISTS rej_errors; DROP TABLE IF EXISTS rej_scans")
        con.execute(f"DROP VIEW IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {table}_data")
        path = str(self.path(ref)).replace("'", "''")
        try:
            con.execute(
                f"""CREATE TEMP TABLE {table}_data AS SELECT * FROM read_csv('{path}', header=false,
                    skip={header_line}, delim=',', quote='"', escape='"', auto_detect=false,
                    store_rejects=true, rejects_table='rej_errors', rejects_scan='rej_scans',
                    columns={{{cols}}})"""
            )
        except duckdb.Error as e:
            raise ValidationError(self.name(ref), f"could not be read as CSV: {str(e).splitlines()[0]}") from None
        rej = con.execute("SELECT line, error_message FROM rej_errors ORDER BY line LIMIT 1").fetchone()
        if rej:
            total = con.execute("SELECT count(DISTINCT line) FROM rej_errors").fetchone()[0]
            more = f" ({total - 1} more malformed lines)" if total > 1 else ""
            msg = (
                f"malformed row: {rej[1]}; expected {len(names)} fields as in the header "
                f"(is the file truncated?){more}"
            )
            raise ValidationError(self.name(ref), msg, row=int(rej[0]))
        n, first = con.execute(f"SELECT count(*), min(rowid) FROM {table}_data").fetchone()
        if n == 0:
            raise ValidationError(self.name(ref), "has a header but no data rows")
        # A view names the columns and numbers the rows by their line in the file, without copying the data.
        renames = ", ".join(f'c{i} AS "{name}"' for i, name in enumerate(names))
        con.execute(
            f"CREATE TEMP VIEW {table} AS "
            f"SELECT CAST(rowid - {first} + {header_line + 1} AS INTEGER) AS row_no, {renames} FROM {table}_data"
        )
        return names

    @staticmethod
    def check_columns(file: str, header: list[str], required: list[str], optional: list[str]) -> None:
        """Reject a file whose columns are not the ones its schema names."""
        missing = [c for c in required if c not in header]
        allowed = set(required) | set(optional)
        unexpected = [c for c in header if c.split("#")[0] not in allowed]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append("missing column(s) " + ", ".join(repr(c) for c in missing))
            if unexpected:
                parts.append("unexpected column(s) " + ", ".join(repr(c) for c in unexpected))
            raise ValidationError(
                file, "; ".join(parts) + "; expected columns " + ", ".join(required) + " (and optionally "
                + ", ".join(optional) + ")", row=1,
            )  # fmt: skip

    # ---- staging -----------------------------------------------------------------------------------------
    def stage(self, select_sql: str, params: list[Any] | None = None) -> None:
        """Append rows to ``stage_obs``; ``select_sql`` must yield the columns in :data:`STAGE_COLUMNS`."""
        self.con.execute(f"INSERT INTO stage_obs ({', '.join(STAGE_COLUMNS)}) {select_sql}", params or [])

    def stage_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Append Python rows (in :data:`STAGE_COLUMNS` order) to ``stage_obs``, e.g. cells read from a workbook."""
        bulk_insert(self.con, "stage_obs", list(STAGE_COLUMNS), rows)

    def set_aside_where(self, condition: str, reason: str) -> None:
        """Remove staged rows matching ``condition`` (SQL), counting them in the summary with ``reason``."""
        n = self.con.execute(f"SELECT count(*) FROM stage_obs WHERE {condition}").fetchone()[0]
        if n:
            self.con.execute(f"DELETE FROM stage_obs WHERE {condition}")
            self.set_aside.append((int(n), reason))

    def add_indicator(self, meta: IndicatorMeta) -> None:
        self.indicators[meta.indicator_id] = meta

    def add_area(self, area: AreaRow) -> None:
        self.new_areas.setdefault(area.code, area)

    def write_reference(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Rows for a reference table, replacing what this dataset registered there before."""
        self.reference_writes.append((table, columns, rows))

    # ---- validation --------------------------------------------------------------------------------------
    def _first(self, where: str, what: str, expected: str, column_expr: str = "value_column") -> None:
        row = self.con.execute(
            f"SELECT file, row_no, {column_expr}, {what} FROM stage_obs WHERE {where} ORDER BY file, row_no LIMIT 1"
        ).fetchone()
        if row:
            n = self.con.execute(f"SELECT count(*) FROM stage_obs WHERE {where}").fetchone()[0]
            more = f" ({n - 1} more rows like it)" if n > 1 else ""
            raise ValidationError(row[0], f"{row[3]!r} {expected}{more}", row=row[1], column=row[2])

    def validate(self) -> None:
        con = self.con
        registrable = self.declares_areas
        markers = ", ".join("'" + m.replace("'", "''") + "'" for m in SUPPRESSION_MARKERS)
        n = con.execute("SELECT count(*) FROM stage_obs").fetchone()[0]
        if n == 0:
            raise ValidationError(self.dataset.main_file.path, "no observations found in the file")
        checks = [
            ("area_code IS NULL OR trim(area_code) = ''", "area_code", "is an empty area code", "'area code'"),
            ("indicator_id IS NULL OR trim(indicator_id) = ''", "indicator_id", "is an empty indicator name",
             "'indicator'"),
        ]  # fmt: skip
        for raw, col in (("value_raw", "value_column"), ("lci_raw", "'lower 95% limit'"),
                         ("uci_raw", "'upper 95% limit'")):  # fmt: skip
            checks.append((
                f"{raw} IS NOT NULL AND trim({raw}) <> '' AND lower(trim({raw})) NOT IN ({markers}) AND NOT "
                f"coalesce(isfinite(TRY_CAST(replace(trim({raw}), ',', '') AS DOUBLE)), false)",
                raw,
                "is not a number; expected a number (thousands separators allowed) or a suppression marker ("
                + ", ".join(SUPPRESSION_MARKERS[:6]) + ", [c] …)",
                col,
            ))  # fmt: skip
        # One scan counts every kind of problem; only a kind that occurs is looked up row by row.
        counts = con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c[0]})" for c in checks) + " FROM stage_obs"
        ).fetchone()
        for check, count in zip(checks, counts, strict=True):
            if count:
                self._first(*check)
        # Periods: few distinct values, normalised in Python.
        bad_periods = []
        mapping = []
        for (raw,) in con.execute("SELECT DISTINCT period_raw FROM stage_obs").fetchall():
            try:
                canon = normalise_period(raw or "")
                p = parse_period(canon)
                mapping.append((raw, canon, p.start, p.end))
            except ValueError as e:
                bad_periods.append((raw, str(e)))
        if bad_periods:
            raw, msg = bad_periods[0]
            row = con.execute(
                "SELECT file, row_no FROM stage_obs WHERE period_raw IS NOT DISTINCT FROM ? ORDER BY row_no LIMIT 1",
                [raw],
            ).fetchone()
            raise ValidationError(row[0], msg, row=row[1], column="period")
        con.execute("DROP TABLE IF EXISTS period_map")
        con.execute("CREATE TEMP TABLE period_map (period_raw TEXT, period TEXT, period_start DATE, period_end DATE)")
        con.executemany("INSERT INTO period_map VALUES (?, ?, ?, ?)", mapping)
        # Areas: known to the registry, or of a kind a file may declare (ITL areas), else unknown.
        unknown = con.execute(
            """SELECT s.area_code, any_value(s.area_name), any_value(s.area_level), min(s.row_no), any_value(s.file)
               FROM stage_obs s LEFT JOIN areas a ON a.code = s.area_code
               WHERE a.code IS NULL GROUP BY s.area_code ORDER BY min(s.row_no)"""
        ).fetchall()
        for code, name, level, row_no, file in unknown:
            if code in self.new_areas:
                continue
            area = registrable(code, name, level)
            if area is None:
                n_unknown = sum(1 for u in unknown if u[0] not in self.new_areas and registrable(*u[:3]) is None)
                more = f" ({n_unknown - 1} more unknown codes)" if n_unknown > 1 else ""
                raise ValidationError(
                    file,
                    f"unknown area code {code!r} ({name or 'no name'}); expected a GSS code in the area "
                    f"register (ONS geography, the local authority register) or an ITL code{more}",
                    row=row_no,
                    column="area code",
                )
            self.new_areas[code] = area
        if self.new_areas:  # provenance: which areas this release registered, from its own file
            self.metadata["areas_registered"] = sorted(self.new_areas)
        # Duplicate keys: identical repeats are set aside; different values reject the file.
        dup = None
        self._repeated = repeated = con.execute(
            """SELECT count(*) FROM (SELECT 1 FROM stage_obs GROUP BY indicator_id, area_code, breakdown, period_raw
               HAVING count(*) > 1)"""
        ).fetchone()[0]
        if repeated:
            dup = con.execute(
                """WITH keys AS (SELECT indicator_id, area_code, breakdown, period_raw FROM stage_obs
                                 GROUP BY ALL HAVING count(*) > 1)
                   SELECT s.indicator_id, s.area_code, s.breakdown, s.period_raw,
                          list(s.file || '|' || s.row_no || '|' || coalesce(s.value_raw, '') ORDER BY s.file, s.row_no)
                   FROM stage_obs s SEMI JOIN keys k USING (indicator_id, area_code, breakdown, period_raw)
                   GROUP BY s.indicator_id, s.area_code, s.breakdown, s.period_raw
                   HAVING count(DISTINCT (replace(trim(coalesce(s.value_raw, '')), ',', ''),
                                          replace(trim(coalesce(s.lci_raw, '')), ',', ''),
                                          replace(trim(coalesce(s.uci_raw, '')), ',', ''),
                                          coalesce(s.status, ''))) > 1
                   LIMIT 1"""
            ).fetchone()
        if dup:
            ind, area, brk, period, places = dup
            where = [p.split("|") for p in places]
            what = f"{ind} for {area} in {period}" + (f" ({brk})" if brk else "")
            shown = "; ".join(f"row {r} of {f} has {v!r}" if f != where[0][0] else f"row {r} has {v!r}"
                              for f, r, v in where[:4])  # fmt: skip
            raise ValidationError(
                where[0][0],
                f"duplicate key with different values: {what}: {shown}; "
                "expected one value per indicator, area, period and breakdown",
                row=int(where[0][1]),
            )
        missing_meta = con.execute("SELECT DISTINCT indicator_id FROM stage_obs").fetchall()
        for (ind,) in missing_meta:
            if ind not in self.indicators:
                raise ValidationError(self.dataset.main_file.path, f"indicator {ind!r} has no metadata")
        owners = con.execute(
            "SELECT indicator_id, dataset_id FROM indicators WHERE dataset_id <> ? AND indicator_id IN "
            "(SELECT DISTINCT indicator_id FROM stage_obs)",
            [self.dataset.id],
        ).fetchone()
        if owners:
            raise ValidationError(
                self.dataset.main_file.path,
                f"indicator id {owners[0]!r} is already published by dataset {owners[1]!r}; "
                "an indicator id belongs to one dataset",
            )

    # ---- commit ------------------------------------------------------------------------------------------
    def commit(self, digest: str, files: list[dict[str, Any]], previous: int | None) -> LoadOutcome:
        con = self.con
        ds = self.dataset
        release_id = con.execute("SELECT nextval('release_seq')").fetchone()[0]
        if self.new_areas:
            bulk_insert(con, "areas", ["code", "name", "level", "start_year", "end_year", "registered_by"],
                        [(a.code, a.name, a.level, a.start_year, a.end_year, ds.id) for a in self.new_areas.values()],
                        on_conflict_ignore=True)  # fmt: skip
        for table, columns, rows in self.reference_writes:
            if "registered_by" in columns:
                con.execute(f"DELETE FROM {table} WHERE registered_by = ?", [ds.id])
            else:
                con.execute(f"DELETE FROM {table}")
            bulk_insert(con, table, columns, rows, on_conflict_ignore=(table == "areas"))
        rows = 0
        if ds.kind == "observations":
            markers = ", ".join("'" + m.replace("'", "''") + "'" for m in SUPPRESSION_MARKERS)

            def num(col: str) -> str:  # formats were validated above
                return f"TRY_CAST(replace(trim({col}), ',', '') AS DOUBLE)"

            def marker(col: str) -> str:
                return f"CASE WHEN lower(trim({col})) IN ({markers}) THEN trim({col}) END"

            distinct = "DISTINCT" if self._repeated else ""
            con.execute(
                f"""INSERT INTO observations
                    SELECT {distinct} {release_id}, s.indicator_id, s.area_code, m.period, m.period_start, m.period_end,
                           coalesce(s.breakdown, ''), {num('s.value_raw')}, {num('s.lci_raw')}, {num('s.uci_raw')},
                           coalesce(nullif(trim(s.status), ''), {marker('s.value_raw')}),
                           nullif(trim(s.note), '')
                    FROM stage_obs s JOIN period_map m ON m.period_raw IS NOT DISTINCT FROM s.period_raw"""
            )
            rows = con.execute("SELECT count(*) FROM observations WHERE release_id = ?", [release_id]).fetchone()[0]
            staged = con.execute("SELECT count(*) FROM stage_obs").fetchone()[0]
            if staged > rows:
                self.set_aside.append((int(staged - rows), "identical duplicate rows"))
            for meta in self.indicators.values():
                con.execute("DELETE FROM indicators WHERE indicator_id = ?", [meta.indicator_id])
                d = asdict(meta)
                cols = ["dataset_id", "release_id", *d.keys()]
                con.execute(
                    f"INSERT INTO indicators ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [ds.id, release_id, *d.values()],
                )
            for (ind, brk), label in self.breakdown_labels.items():
                con.execute("DELETE FROM breakdowns WHERE indicator_id = ? AND breakdown = ?", [ind, brk])
                con.execute("INSERT INTO breakdowns VALUES (?, ?, ?)", [ind, brk, label])
        else:
            rows = sum(len(r) for _, _, r in self.reference_writes)
        con.execute(
            """INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)""",
            [
                release_id, ds.id, ds.source, ds.title, ds.publisher, ds.main_file.path, json.dumps(files), digest,
                self.release_date, self.origin, ds.main_file.url, json.dumps(self.metadata, default=str), rows,
                sum(n for n, _ in self.set_aside), previous,
            ],
        )  # fmt: skip
        return LoadOutcome(ds.id, release_id, int(rows), self.set_aside, self.warnings)


def bulk_insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple[Any, ...]],
                on_conflict_ignore: bool = False) -> None:
    """Insert many Python rows at once (through a temporary CSV file, far faster than ``executemany``)."""
    if not rows:
        return
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8", delete=False) as fh:
        csv.writer(fh).writerows(["\\N" if v is None else v for v in r] for r in rows)
        tmp = fh.name
    try:
        spec = ", ".join(f"'c{i}': '{types[c]}'" for i, c in enumerate(columns))
        names = ", ".join(f"c{i}" for i in range(len(columns)))
        conflict = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {names} FROM read_csv('{tmp}', header=false, "
            f"auto_detect=false, delim=',', quote='\"', escape='\"', nullstr='\\N', columns={{{spec}}}){conflict}"
        )
    finally:
        os.unlink(tmp)


_CODE_LEVELS = {
    "K02": "uk", "K03": "great-britain", "K04": "england-and-wales", "E92": "nation", "W92": "nation",
    "S92": "nation", "N92": "nation", "E12": "region", "E47": "combined-authority", "E61": "combined-authority",
    "W42": "city-region", "N34": "city-region", "E10": "county", "E11": "metropolitan-county",
    "E13": "inner-outer-london", "E06": "unitary-authority", "E07": "non-metropolitan-district",
    "E08": "metropolitan-district", "E09": "london-borough", "W06": "unitary-authority", "S12": "council-area",
    "N09": "district", "E67": "combined-local-authorities", "K99": "pseudo", "E01": "lsoa", "W01": "lsoa",
    "E02": "msoa", "W02": "msoa", "E05": "ward", "W05": "ward", "E04": "parish", "W04": "community",
    "E14": "westminster-constituency", "W07": "westminster-constituency", "S14": "westminster-constituency",
    "N05": "ward", "N06": "westminster-constituency", "W09": "senedd-constituency", "W10": "senedd-region",
}  # fmt: skip
_ITL_RE = re.compile(r"^TL[C-NZ](\w{0,3})$")


def level_of_code(code: str) -> str:
    """The kind of area a code names, from its GSS entity prefix or the ITL code's length."""
    if m := _ITL_RE.match(code):
        return f"itl{len(m.group(1)) + 1}" if len(m.group(1)) < 3 else "itl3"
    if code == "TLB":
        return "itl1"
    return _CODE_LEVELS.get(code[:3], "other")


def itl_registrable(code: str, name: str | None, declared: str | None) -> AreaRow | None:
    """ITL codes are a classification that files may declare themselves; GSS codes must be registered."""
    if (_ITL_RE.match(code) or code == "TLB") and name:
        return AreaRow(code, name, level_of_code(code))
    return None


_GSS_RE = re.compile(r"^[EWSNK]\d{8}$")
#: GSS entity codes of the geographies the area register covers (local authorities and above): a code of these
#: must be in the register; a file cannot add one.
_REGISTERED_ENTITIES = frozenset({
    "E06", "E07", "E08", "E09", "E10", "E11", "E12", "E13", "E47", "E61", "E92", "W06", "W92", "S12", "S92",
    "N09", "N92", "K02", "K03", "K04",
})  # fmt: skip


def file_declared_area(code: str, name: str | None, declared: str | None) -> AreaRow | None:
    """An area a file may register itself: an ITL code, or a well-formed GSS code of a geography the register
    lacks (police force areas E23…, health geographies, wards) that the file names *and* places in a geography
    (``declared``: the file's own geography column). A malformed code, or one without a name or geography, is not."""
    if area := itl_registrable(code, name, declared):
        return area
    if (_GSS_RE.match(code or "") and code[:3] not in _REGISTERED_ENTITIES and name and name.strip() and declared
            and declared.strip()):
        level = level_of_code(code)
        if level == "other":
            level = re.sub(r"[^a-z0-9]+", "-", declared.strip().lower()).strip("-") or "other"
        return AreaRow(code, name.strip(), level)
    return None
