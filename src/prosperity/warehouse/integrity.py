"""Each release's stored rows, hashed when it is loaded and checked afterwards.

A release's observations are never changed after its load; this module makes that checkable. When a release is
committed, a digest of each *part* of it is recorded in ``release_digests``:

- ``observations``: the release's observations;
- ``release``: the release's own record (dataset, files and their SHA-256, dates, row counts, metadata);
- ``indicators``: the indicator metadata the release came with (``indicator_versions``);
- for reference datasets, each table they write (``areas``, ``area_parents``, ``area_neighbours`` …). Reference
  data is replaced, not versioned, so these parts are checked for a dataset's current release only.

Two digests are kept for each part. The **row digest** is order-independent and does not depend on DuckDB's
internals: every row is written out as text (fields as DuckDB casts them to text: ISO 8601 dates, shortest
round-trip numbers), hashed with MD5, and the hashes summed (as two 64-bit halves), with the row count. The
**quick digest** sums DuckDB's own 64-bit ``hash()`` of the rows: many times faster, but only comparable under the
DuckDB version that recorded it. A build checks every release at its start with the quick digest (falling back to
the row digest where DuckDB has changed); ``prosperity verify`` checks the row digests.

These are integrity checks, not signatures: they find rows changed by anything that did not also rewrite the
digests (a statement smuggled in by a file, a tool run on the wrong file, a disk fault). MD5 is used because it
is the cheapest hash DuckDB offers that does not change between its versions.

Digests recorded by the migration that introduced them (for warehouses built before) say so (``recorded`` is
``migration``): they vouch for the rows from then on, not for the load itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from prosperity.warehouse.sql import quote_ident

# The columns of each part, with their kinds: every field is hashed as its text, except "derived" ones (computed
# from other columns), which only the quick digest covers.
OBSERVATION_COLUMNS = (("indicator_id", "t"), ("area_code", "t"), ("period", "t"), ("period_start", "derived"),
                       ("period_end", "derived"), ("breakdown", "t"), ("value", "n"), ("lci_95", "n"), ("uci_95", "n"),
                       ("status", "t"), ("note", "t"))  # fmt: skip
RELEASE_COLUMNS = (("dataset_id", "t"), ("source", "t"), ("title", "t"), ("publisher", "t"), ("file_name", "t"),
                   ("files", "t"), ("sha256", "t"), ("publisher_release_date", "d"), ("loaded_at", "d"),
                   ("origin", "t"), ("live_url", "t"), ("metadata", "t"), ("row_count", "i"), ("set_aside", "i"),
                   ("previous_release_id", "i"))  # fmt: skip
INDICATOR_COLUMNS = tuple((c, "t") for c in (
    "indicator_id", "dataset_id", "label", "publisher_name", "measure", "unit", "prefix", "suffix", "decimal_places",
    "subtitle", "description", "caveats", "source_org", "source_url", "experimental", "breakdown_kind"))  # fmt: skip
#: Reference tables: which column says who wrote a row (None: the whole table belongs to one dataset), and the
#: columns hashed. Column lists are fixed here, so that a column added later never changes an earlier digest.
REFERENCE_TABLES = {"areas": "registered_by", "area_parents": "registered_by", "documents": "registered_by",
                    "area_neighbours": None, "area_clusters": None, "sic2007": None}  # fmt: skip
REFERENCE_COLUMNS = {
    "areas": ("code", "name", "level", "start_year", "end_year", "registered_by"),
    "area_parents": ("child", "parent", "depth", "registered_by"),
    "documents": ("name", "registered_by", "media_type", "content"),
    "area_neighbours": ("area_code", "kind", "rank", "neighbour_code"),
    "area_clusters": ("area_code", "kind", "cluster", "description"),
    "sic2007": ("code", "level", "name", "section", "section_name"),
}


def _row_text(columns: Iterable[tuple[str, str]]) -> str:
    """A row as text: each field as DuckDB writes it as text (ISO 8601 dates, shortest round-trip numbers), NULL as
    U+001E, fields separated by U+001F."""
    return "concat_ws(chr(31), " + ", ".join(f"coalesce(CAST({quote_ident(c)} AS TEXT), chr(30))"
                                             for c, _ in columns) + ")"


def _digest_select(columns: tuple[tuple[str, str], ...], source: str, group: str | None) -> str:
    """SQL giving (group, rows, row digest, quick digest) for ``source`` (a table or subquery).

    The row digest leaves out columns derived from others (kind ``"derived"``: an observation's start and end
    dates come from its period), which the quick digest covers: it is the costly one.
    """
    key = f"{group}, " if group else ""
    by = " GROUP BY ALL" if group else ""
    names = ", ".join(quote_ident(c) for c, _ in columns)
    stable = tuple(c for c in columns if c[1] != "derived")
    return f"""SELECT {key}count(*) AS n,
                      coalesce(sum(('0x' || left(h, 16))::UBIGINT::HUGEINT), 0) AS hi,
                      coalesce(sum(('0x' || substr(h, 17, 16))::UBIGINT::HUGEINT), 0) AS lo,
                      coalesce(sum(q::HUGEINT), 0) AS quick
               FROM (SELECT {key}md5({_row_text(stable)}) AS h, hash({names}) AS q FROM {source}){by}"""


def _quick_select(columns: tuple[tuple[str, str], ...], source: str, group: str | None) -> str:
    key = f"{group}, " if group else ""
    by = " GROUP BY ALL" if group else ""
    names = ", ".join(quote_ident(c) for c, _ in columns)
    return f"SELECT {key}count(*) AS n, coalesce(sum(hash({names})::HUGEINT), 0) AS quick FROM {source}{by}"


def _fmt(n: int, hi: int, lo: int) -> str:
    return f"{n}:{int(hi):x}:{int(lo):x}"


def _quick(n: int, quick: int) -> str:
    return f"{n}:{int(quick):x}"


def _parts(con: duckdb.DuckDBPyConnection, release_id: int) -> list[tuple[str, tuple, str]]:
    """The parts of one release: (part, columns, source SQL) — the source is a subquery over its rows."""
    parts: list[tuple[str, tuple, str]] = [
        ("observations", OBSERVATION_COLUMNS, f"(SELECT * FROM observations WHERE release_id = {int(release_id)})"),
        ("release", RELEASE_COLUMNS, f"(SELECT * FROM releases WHERE release_id = {int(release_id)})"),
    ]
    if _has_table(con, "indicator_versions"):
        parts.append(("indicators", INDICATOR_COLUMNS,
                      f"(SELECT * FROM indicator_versions WHERE release_id = {int(release_id)})"))
    return parts


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def _reference_part(con: duckdb.DuckDBPyConnection, table: str, dataset_id: str) -> tuple[tuple, str]:
    cols = tuple((c, "t") for c in REFERENCE_COLUMNS[table])
    who = REFERENCE_TABLES[table]
    source = f"(SELECT * FROM {quote_ident(table)}" + (f" WHERE {quote_ident(who)} = $ds)" if who else ")")
    return cols, source


def _part_sources(con: duckdb.DuckDBPyConnection, release_id: int, dataset_id: str,
                  reference_tables: Iterable[str]) -> list[tuple[str, tuple, str, dict[str, str]]]:  # fmt: skip
    out = [(part, cols, source, {}) for part, cols, source in _parts(con, release_id)]
    for table in dict.fromkeys(reference_tables):
        if table in REFERENCE_TABLES:
            cols, source = _reference_part(con, table, dataset_id)
            out.append((f"table:{table}", cols, source, {"ds": dataset_id} if "$ds" in source else {}))
    return out


def record(con: duckdb.DuckDBPyConnection, release_id: int, dataset_id: str, reference_tables: Iterable[str] = (),
           recorded: str = "load", stable: bool = True) -> None:  # fmt: skip
    """Record the digests of every part of a release, as it stands now (at its load).

    With ``stable=False`` only the quick digests are computed now (inside the load's transaction, so they are
    recorded with the release), and the row digests are left for :func:`record_stable` (which a build runs on its
    other core while the next dataset loads).
    """
    engine = duckdb.__version__
    rows = []
    for part, cols, source, params in _part_sources(con, release_id, dataset_id, reference_tables):
        if stable:
            n, hi, lo, quick = con.execute(_digest_select(cols, source, None), params).fetchone()
            digest = _fmt(n, hi, lo)
        else:
            n, quick = con.execute(_quick_select(cols, source, None), params).fetchone()
            digest = ""  # to come (record_stable)
        rows.append((release_id, part, n, digest, _quick(n, quick), engine, recorded))
    con.execute("DELETE FROM release_digests WHERE release_id = ?", [release_id])
    con.executemany("INSERT INTO release_digests VALUES (?, ?, ?, ?, ?, ?, ?, now())", rows)


def record_stable(con: duckdb.DuckDBPyConnection, release_id: int, dataset_id: str) -> None:
    """Add the row digests a release's load left to come, from its stored rows, checked first against the quick
    digests recorded at the load (so a row digest never vouches for rows changed in between)."""
    pending = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT part, quick, engine FROM release_digests WHERE release_id = ? AND digest = ''",
        [release_id]).fetchall()}  # fmt: skip
    if not pending:
        return
    tables = [p.split(":", 1)[1] for p in pending if p.startswith("table:")]
    for part, cols, source, params in _part_sources(con, release_id, dataset_id, tables):
        if part not in pending:
            continue
        n, hi, lo, quick = con.execute(_digest_select(cols, source, None), params).fetchone()
        quick_rec, engine_rec = pending[part]
        if engine_rec == duckdb.__version__ and _quick(n, quick) != quick_rec:
            continue  # changed since its load: left without a row digest, and verify says it changed
        con.execute("UPDATE release_digests SET digest = ? WHERE release_id = ? AND part = ?",
                    [_fmt(n, hi, lo), release_id, part])  # fmt: skip


def record_part(con: duckdb.DuckDBPyConnection, release_id: int, part: str, recorded: str = "load") -> None:
    """Record (or record again) the digest of one part of a release, as it stands now."""
    for name, cols, source in _parts(con, release_id):
        if name == part:
            n, hi, lo, quick = con.execute(_digest_select(cols, source, None)).fetchone()
            con.execute("DELETE FROM release_digests WHERE release_id = ? AND part = ?", [release_id, part])
            con.execute("INSERT INTO release_digests VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                        [release_id, part, n, _fmt(n, hi, lo), _quick(n, quick), duckdb.__version__, recorded])


@dataclass
class PartCheck:
    release_id: int
    dataset_id: str
    part: str
    status: str  # intact, changed, not recorded, superseded
    rows_recorded: int | None = None
    rows_now: int | None = None
    recorded: str | None = None

    @property
    def problem(self) -> bool:
        return self.status == "changed"

    def describe(self) -> str:
        what = "its observations" if self.part == "observations" else (
            "its record" if self.part == "release" else "its indicator metadata" if self.part == "indicators"
            else f"its rows in {self.part.split(':', 1)[-1]}")  # fmt: skip
        if self.status == "changed":
            counts = (f" ({self.rows_recorded:,} rows when loaded, {self.rows_now:,} now)"
                      if self.rows_recorded != self.rows_now else " (same number of rows, different values)")
            return f"release {self.release_id} ({self.dataset_id}): {what} changed since it was loaded{counts}"
        return f"release {self.release_id} ({self.dataset_id}): {what} {self.status}"


@dataclass
class Verification:
    checks: list[PartCheck]
    orphans: int = 0  # observations belonging to no release

    @property
    def problems(self) -> list[str]:
        out = [c.describe() for c in self.checks if c.problem]
        if self.orphans:
            out.append(f"{self.orphans:,} observations belong to no release")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def releases(self) -> int:
        return len({c.release_id for c in self.checks})


def verify(con: duckdb.DuckDBPyConnection, quick: bool = False) -> Verification:
    """Check every release's parts against the digests recorded at its load.

    ``quick`` compares DuckDB's own hashes where the recording DuckDB version is the running one (a build does this
    at its start); otherwise, and always without ``quick``, the stable row digests are recomputed.
    """
    if not _has_table(con, "release_digests"):
        return Verification([])
    engine = duckdb.__version__
    releases = con.execute(
        "SELECT release_id, dataset_id, release_id IN (SELECT release_id FROM current_releases) FROM releases "
        "ORDER BY release_id").fetchall()  # fmt: skip
    recorded: dict[tuple[int, str], tuple[int, str, str | None, str | None, str]] = {
        (r[0], r[1]): (r[2], r[3], r[4], r[5], r[6])
        for r in con.execute("SELECT release_id, part, row_count, digest, quick, engine, recorded FROM release_digests")
        .fetchall()}  # fmt: skip
    checks: list[PartCheck] = []
    # Observations and release records of every release, each in one grouped scan.
    now: dict[tuple[int, str], tuple[int, str, str]] = {}
    grouped = [("observations", OBSERVATION_COLUMNS, "observations"), ("release", RELEASE_COLUMNS, "releases")]
    if _has_table(con, "indicator_versions"):
        grouped.append(("indicators", INDICATOR_COLUMNS, "indicator_versions"))
    for part, cols, table in grouped:
        needs_full = not quick or any(v[3] != engine and v[1] for k, v in recorded.items() if k[1] == part)
        if needs_full:
            for rid, n, hi, lo, q in con.execute(_digest_select(cols, table, "release_id")).fetchall():
                now[(rid, part)] = (n, _fmt(n, hi, lo), _quick(n, q))
        else:
            for rid, n, q in con.execute(_quick_select(cols, table, "release_id")).fetchall():
                now[(rid, part)] = (n, "", _quick(n, q))
    for rid, dataset_id, current in releases:
        parts = [k[1] for k in recorded if k[0] == rid]
        if not parts:
            checks.append(PartCheck(rid, dataset_id, "observations", "not recorded"))
            continue
        for part in sorted(parts):
            n_rec, digest, quick_rec, engine_rec, how = recorded[(rid, part)]
            if part.startswith("table:"):
                if not current:
                    checks.append(PartCheck(rid, dataset_id, part, "superseded", n_rec, None, how))
                    continue
                cols, source = _reference_part(con, part.split(":", 1)[1], dataset_id)
                params = {"ds": dataset_id} if "$ds" in source else {}
                if quick and engine_rec == engine:
                    n, q = con.execute(_quick_select(cols, source, None), params).fetchone()
                    got = (n, "", _quick(n, q))
                else:
                    n, hi, lo, q = con.execute(_digest_select(cols, source, None), params).fetchone()
                    got = (n, _fmt(n, hi, lo), _quick(n, q))
            else:
                got = now.get((rid, part), (0, _fmt(0, 0, 0), _quick(0, 0)))
            if engine_rec != engine and not digest:  # no row digest, and the quick one is another DuckDB's
                checks.append(PartCheck(rid, dataset_id, part, "not recorded", n_rec, got[0], how))
                continue
            same_quick = engine_rec != engine or got[2] == quick_rec  # the quick digest, where this DuckDB made it
            same_rows = not (got[1] and digest) or got[1] == digest  # the row digest, where it was computed
            same = same_quick and same_rows
            checks.append(PartCheck(rid, dataset_id, part, "intact" if same else "changed", n_rec, got[0], how))
    orphans = con.execute(
        "SELECT count(*) FROM observations WHERE release_id NOT IN (SELECT release_id FROM releases)").fetchone()[0]
    return Verification(checks, int(orphans))
