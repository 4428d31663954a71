"""Reading the warehouse: areas, indicators, series and releases, as typed results.

>>> with Warehouse.open("prosperity.duckdb") as wh:              # doctest: +SKIP
...     wh.latest("gross-value-added-per-hour-worked", "E47000004").value
37.33...
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from prosperity.errors import NotFound, WarehouseError
from prosperity.periods import period_label
from prosperity.warehouse.schema import as_of_sql, end_of, pending

DEFAULT_DB = "prosperity.duckdb"
SMALL_LEVELS = ", ".join(f"'{lv}'" for lv in ("lsoa", "msoa", "ward", "parish", "community", "westminster-constituency",
                                              "senedd-constituency", "senedd-region"))


def default_db() -> Path:
    return Path(os.environ.get("PROSPERITY_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class Observation:
    indicator_id: str
    area_code: str
    period: str
    breakdown: str
    value: float | None
    lci_95: float | None
    uci_95: float | None
    status: str | None
    note: str | None
    unit: str | None
    release_id: int
    dataset_id: str
    release_date: str | None
    loaded_at: str

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator_id, "area": self.area_code, "period": self.period,
            "period_label": self.period_label, "breakdown": self.breakdown, "value": self.value,
            "lci_95": self.lci_95, "uci_95": self.uci_95, "status": self.status, "note": self.note,
            "unit": self.unit, "release_id": self.release_id, "dataset": self.dataset_id,
            "release_date": self.release_date, "loaded_at": self.loaded_at,
        }  # fmt: skip


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


class Warehouse:
    """A read-only view of a built warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path):
        self.con = con
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None = None, read_only: bool = True) -> Warehouse:
        p = Path(path) if path is not None else default_db()
        if not p.exists():
            raise WarehouseError(f"no warehouse at {p}; build one with `prosperity build --mirror DIR`")
        try:
            con = duckdb.connect(str(p), read_only=read_only)
        except duckdb.Error as e:
            raise WarehouseError(f"{p} cannot be opened as a warehouse: {e}") from None
        try:
            if pending(con):
                con.close()
                raise WarehouseError(f"{p} was built by an older version; rebuild it with `prosperity build`")
        except duckdb.Error:
            con.close()
            raise WarehouseError(f"{p} is not a prosperity warehouse") from None
        return cls(con, p)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.close()

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return _rows(self.con.execute(sql, params or []))

    # ---- indicators --------------------------------------------------------------------------------------
    def indicator_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT indicator_id FROM indicators").fetchall()}

    def indicators(self, dataset: str | None = None, search: str | None = None) -> list[dict[str, Any]]:
        sql = """SELECT i.indicator_id AS id, i.label, i.unit, i.dataset_id AS dataset, i.source_org AS source,
                        r.publisher_release_date AS release_date, i.breakdown_kind,
                        (SELECT min(period) FROM latest_observations o WHERE o.indicator_id = i.indicator_id)
                            AS first_period,
                        (SELECT max(period) FROM latest_observations o WHERE o.indicator_id = i.indicator_id)
                            AS last_period
                 FROM indicators i JOIN current_releases r ON r.dataset_id = i.dataset_id
                 WHERE ($dataset IS NULL OR i.dataset_id = $dataset)
                   AND ($search IS NULL OR i.label ILIKE '%' || $search || '%'
                        OR i.indicator_id ILIKE '%' || $search || '%')
                 ORDER BY i.indicator_id"""
        rows = self.query(sql, {"dataset": dataset, "search": search})
        for r in rows:
            r["first_period"] = period_label(r["first_period"]) if r["first_period"] else None
            r["last_period"] = period_label(r["last_period"]) if r["last_period"] else None
        return rows

    def indicator(self, indicator_id: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM indicators WHERE indicator_id = ?", [indicator_id])
        if not rows:
            raise NotFound(self._suggest("indicator", indicator_id, self.indicator_ids()))
        return rows[0]

    def breakdowns(self, indicator_id: str) -> set[str]:
        sql = "SELECT DISTINCT breakdown FROM latest_observations WHERE indicator_id = ?"
        return {r[0] for r in self.con.execute(sql, [indicator_id]).fetchall()}

    # ---- areas -------------------------------------------------------------------------------------------
    def area(self, code: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM areas WHERE code = ?", [code])
        if not rows:
            names = self.query("SELECT code FROM areas WHERE name ILIKE ? LIMIT 5", [code])
            hint = f"; did you mean {', '.join(r['code'] for r in names)}?" if names else ""
            raise NotFound(f"unknown area code {code!r}{hint}")
        return rows[0]

    def areas(self, level: str | None = None, parent: str | None = None, search: str | None = None,
              include_small: bool = False) -> list[dict[str, Any]]:  # fmt: skip
        sql = f"""SELECT a.code, a.name, a.level,
                        (SELECT string_agg(p.parent, ',' ORDER BY p.depth) FROM area_parents p
                         WHERE p.child = a.code AND p.depth = 1) AS parent
                 FROM areas a
                 WHERE ($level IS NULL OR a.level = $level)
                   AND ($parent IS NULL OR a.code IN (SELECT child FROM area_parents WHERE parent = $parent))
                   AND ($search IS NULL OR a.name ILIKE '%' || $search || '%' OR a.code ILIKE $search || '%')
                   AND ($small OR $level IS NOT NULL OR $parent IS NOT NULL OR a.level NOT IN ({SMALL_LEVELS}))
                 ORDER BY a.code"""
        return self.query(sql, {"level": level, "parent": parent, "search": search, "small": include_small})

    def members(self, code: str) -> list[str]:
        """The areas directly below ``code`` that statistics are published for (a combined authority's local
        authorities), leaving out small areas such as LSOAs and wards (see :meth:`lsoas`)."""
        sql = f"""SELECT p.child FROM area_parents p JOIN areas a ON a.code = p.child
                  WHERE p.parent = ? AND p.depth = 1 AND a.level NOT IN ({SMALL_LEVELS}) ORDER BY p.child"""
        return [r[0] for r in self.con.execute(sql, [code]).fetchall()]

    def lsoas(self, code: str) -> list[str]:
        """The LSOAs (2011) within a local authority, or within the members of a combined authority."""
        las = self.members(code) or [code]
        sql = """SELECT p.child FROM area_parents p JOIN areas a ON a.code = p.child
                 WHERE list_contains(?, p.parent) AND p.depth = 1 AND a.level = 'lsoa' ORDER BY p.child"""
        return [r[0] for r in self.con.execute(sql, [las]).fetchall()]

    def neighbours(self, code: str, kind: str = "global") -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT neighbour_code FROM area_neighbours WHERE area_code = ? AND kind = ? ORDER BY rank",
            [code, kind]).fetchall()]  # fmt: skip

    # ---- observations ------------------------------------------------------------------------------------
    def series(self, indicator_id: str, area_code: str, breakdown: str | None = "", history: bool = False,
               as_of: str | None = None) -> list[Observation]:  # fmt: skip
        """One area's series. ``history`` gives every release's values (revisions), not only the latest."""
        source = "observations" if history else as_of_sql(as_of)
        sql = f"""SELECT o.indicator_id, o.area_code, o.period, o.breakdown, o.value, o.lci_95, o.uci_95, o.status,
                         o.note, i.unit, o.release_id, r.dataset_id, CAST(r.publisher_release_date AS TEXT),
                         CAST(r.loaded_at AS TEXT)
                  FROM {source} o JOIN releases r USING (release_id)
                  LEFT JOIN indicators i ON i.indicator_id = o.indicator_id
                  WHERE o.indicator_id = $ind AND o.area_code = $area AND ($brk IS NULL OR o.breakdown = $brk)
                  ORDER BY o.breakdown, o.period_start, o.period_end, o.release_id"""
        params: dict[str, Any] = {"ind": indicator_id, "area": area_code, "brk": breakdown}
        if as_of is not None and not history:
            params["as_of"] = end_of(as_of)
        return [Observation(*r) for r in self.con.execute(sql, params).fetchall()]

    def latest(self, indicator_id: str, area_code: str, breakdown: str = "") -> Observation | None:
        """The most recent period's value from the latest release, or ``None``."""
        rows = [o for o in self.series(indicator_id, area_code, breakdown) if o.value is not None]
        return rows[-1] if rows else None

    def releases(self, dataset: str | None = None) -> list[dict[str, Any]]:
        return self.query(
            """SELECT release_id, dataset_id AS dataset, title, file_name, sha256, publisher_release_date AS release_date,
                      publisher_release_dates AS release_dates, loaded_at, origin, row_count AS rows, set_aside,
                      previous_release_id, same_content_as AS same_as, notes,
                      release_id IN (SELECT release_id FROM current_releases) AS current
               FROM releases WHERE ($d IS NULL OR dataset_id = $d) ORDER BY release_id""",
            {"d": dataset},
        )

    def indicator_versions(self, indicator_id: str) -> list[dict[str, Any]]:
        """An indicator's metadata as each release gave it (labels, units, decimal places …), oldest first."""
        return self.query(
            """SELECT v.*, r.loaded_at, r.publisher_release_date AS release_date FROM indicator_versions v
               JOIN releases r USING (release_id) WHERE v.indicator_id = ? ORDER BY v.release_id""", [indicator_id])

    def document(self, name: str) -> str:
        row = self.con.execute("SELECT content FROM documents WHERE name = ?", [name]).fetchone()
        if not row:
            raise NotFound(f"no document {name!r} in the warehouse")
        return str(row[0])

    @staticmethod
    def _suggest(kind: str, wanted: str, known: set[str]) -> str:
        close = difflib.get_close_matches(wanted, sorted(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `prosperity indicators` lists them"
        return f"unknown {kind} {wanted!r}{hint}"
