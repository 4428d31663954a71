"""Assessing a framework: for an area, a user-defined group, or everything the build stores.

The same calls serve the command line and a notebook::

    from prosperity.assess.run import assess_area
    with Warehouse.open("prosperity.duckdb") as wh:
        for a in assess_area(wh, "E47000004", strategy="lcr-local-industrial-strategy-2020"):
            print(a.status, a.sentences[0])
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

from prosperity import __version__
from prosperity.assess.engine import Assessment, Assessor
from prosperity.assess.spec import Spec, specs_from_framework
from prosperity.errors import NotFound, ProsperityError
from prosperity.warehouse import Warehouse

CITY_REGION = "E47000004"


def load_specs(framework_path: str | Path | None = None, strategy: str | None = None,
               indicator: str | None = None) -> tuple[list[Spec], Any]:  # fmt: skip
    """The specs of a framework (the shipped one by default), filtered to a strategy or an indicator."""
    from prosperity.framework import load_framework, shipped_framework_path

    fw = load_framework(framework_path or shipped_framework_path())
    if strategy and strategy not in fw.strategies:
        raise NotFound(f"unknown strategy {strategy!r}; the framework has {', '.join(sorted(fw.strategies))}")
    specs = specs_from_framework(fw, strategy)
    if indicator:
        specs = [s for s in specs if s.id == indicator]
        if not specs:
            known = fw.indicators.get(indicator)
            why = "it has no warehouse data (see `prosperity framework coverage`)" if known else "no such indicator"
            raise NotFound(f"cannot assess indicator {indicator!r}: {why}")
    return specs, fw


def assess_area(wh: Warehouse, area: str, *, framework: str | Path | None = None, strategy: str | None = None,
                indicator: str | None = None, as_of: str | None = None) -> list[Assessment]:  # fmt: skip
    """Every framework indicator (or those of one strategy, or one indicator) assessed for ``area``."""
    wh.area(area)  # raises NotFound for an unknown code
    specs, _ = load_specs(framework, strategy, indicator)
    assessor = Assessor(wh, as_of)
    return [assessor.assess(s, area) for s in specs]


def assess_group(wh: Warehouse, name: str, members: list[str], *, framework: str | Path | None = None,
                 strategy: str | None = None, indicator: str | None = None,
                 as_of: str | None = None) -> list[Assessment]:  # fmt: skip
    """A user-defined group of areas, built from its members where each indicator's rule allows."""
    if len(members) < 2:
        raise ProsperityError("a group needs at least two member areas (--members CODE,CODE,…)")
    for m in members:
        wh.area(m)
    specs, _ = load_specs(framework, strategy, indicator)
    assessor = Assessor(wh, as_of)
    return [assessor.assess(s, name, area_name=name, members=list(members)) for s in specs]


def areas_to_assess(wh: Warehouse) -> list[str]:
    """The city region, its six councils, and every other combined authority as peers."""
    assessor = Assessor(wh)
    return [CITY_REGION, *wh.members(CITY_REGION), *[c for c in assessor.combined_authorities() if c != CITY_REGION]]


def framework_digest(framework_path: Path) -> str:
    h = hashlib.sha256(__version__.encode())
    root = framework_path if framework_path.is_dir() else framework_path.parent
    for p in sorted(root.rglob("*.y*ml")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def store_assessments(con: duckdb.DuckDBPyConnection, db_path: Path, framework_path: Path | None = None) -> int:
    """Assess everything and replace the stored assessments (derived data, recomputable at any date)."""
    from prosperity.framework import shipped_framework_path

    path = framework_path or shipped_framework_path()
    wh = Warehouse(con, db_path)
    specs, fw = load_specs(path)
    assessor = Assessor(wh)
    rows = []
    for area in areas_to_assess(wh):
        for spec in specs:
            a = assessor.assess(spec, area)
            rows.append((a.indicator, a.area, a.status, a.period, a.value, json.dumps(a.as_dict())))
    con.execute("DELETE FROM assessments")
    con.executemany("INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?, now())", rows)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('assessments_digest', ?)", [assessment_digest(con, path)])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('framework_errors', ?)", [str(len(fw.errors))])
    return len(rows)


def assessment_digest(con: duckdb.DuckDBPyConnection, framework_path: Path) -> str:
    """What stored assessments depend on: the framework's files, the code version and the current releases."""
    releases = con.execute("SELECT string_agg(CAST(release_id AS TEXT), ',' ORDER BY release_id) "
                           "FROM current_releases").fetchone()[0]  # fmt: skip
    return hashlib.sha256(f"{framework_digest(framework_path)}|{releases}".encode()).hexdigest()
