"""Assessing a framework: for an area, a user-defined group, or everything the build stores.

The same calls serve the command line and a notebook::

    from prosperity.assess.run import assess_area
    with Warehouse.open("prosperity.duckdb") as wh:
        for a in assess_area(wh, "E47000004", strategy="lcr-local-industrial-strategy-2020"):
            print(a.status, a.sentences[0])
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from prosperity import __version__
from prosperity.assess.engine import Assessment, Assessor
from prosperity.assess.spec import Spec, specs_from_framework
from prosperity.errors import NotFound, ProsperityError
from prosperity.warehouse import Warehouse
from prosperity.warehouse.schema import RELEASES_AT

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


#: the levels of the places a framework is assessed for in the build: councils, combined authorities, regions
#: and nations (ONS's local authority levels across the UK; LSOAs, wards and constituencies are read, not assessed)
ASSESSED_LEVELS = ("metropolitan-district", "unitary-authority", "non-metropolitan-district", "london-borough",
                   "council-area", "district", "combined-authority", "region", "nation")  # fmt: skip


def areas_to_assess(wh: Warehouse) -> list[str]:
    """Every current council, combined authority, region and nation with figures, and every combined
    authority of the current boundaries (the city region's peers), in code order, the city region first."""
    assessor = Assessor(wh)
    rows = wh.con.execute(
        """SELECT a.code FROM areas a
           WHERE list_contains($levels, a.level) AND a.end_year IS NULL
             AND EXISTS (SELECT 1 FROM observations o WHERE o.area_code = a.code)
           ORDER BY a.code""",
        {"levels": list(ASSESSED_LEVELS)},
    ).fetchall()  # fmt: skip
    found = dict.fromkeys([CITY_REGION, *wh.members(CITY_REGION), *assessor.combined_authorities(), *(r[0] for r in rows)])
    known = {r[0] for r in wh.con.execute("SELECT code FROM areas WHERE list_contains(?, code)", [list(found)]).fetchall()}
    return [c for c in found if c in known]


def assessment_plan(wh: Warehouse, framework_path: Path) -> dict[Path, list[str]]:
    """Which areas are assessed against which framework in the build: the one place that choice is made.

    Each area is assessed against the framework it is reported against (:func:`frameworks_for_area`: the one
    whose ``applies_to`` names it, else the default one beside ``framework_path``, such as the Explore Local
    Statistics framework), or against ``framework_path`` where no framework beside it applies.
    """
    from prosperity.framework import frameworks_for_area

    plan: dict[Path, list[str]] = {}
    for area in areas_to_assess(wh):
        found = frameworks_for_area(area, framework_path.parent) if framework_path.is_dir() else []
        plan.setdefault(found[0] if found else framework_path, []).append(area)
    return plan


def plan_frameworks(framework_path: Path) -> list[Path]:
    """Every framework the build may assess with: ``framework_path`` and the frameworks beside it."""
    from prosperity.framework import framework_paths

    beside = framework_paths(framework_path.parent) if framework_path.is_dir() else []
    return sorted({framework_path.resolve(), *(p.resolve() for p in beside)})


def framework_digest(framework_path: Path) -> str:
    h = hashlib.sha256(__version__.encode())
    root = framework_path if framework_path.is_dir() else framework_path.parent
    for p in sorted(root.rglob("*.y*ml")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def store_assessments(con: duckdb.DuckDBPyConnection, db_path: Path, framework_path: Path | None = None) -> int:
    """Assess everything and store the result as the current edition of the stored assessments.

    One :class:`Assessor` serves every area, so each indicator is read once for all areas (one query per
    indicator and breakdown) and the figures every area is compared with are tallied once; the rows are written
    a few thousand to a statement.

    Earlier editions are kept (schema migration 7): a stored row is valid from the edition that computed it until
    the first edition whose assessment of its indicator and area differs, or that used other frameworks or code
    (:func:`method_digest`). Only changed assessments are written; an unchanged one stays as it was. Editions
    made with other frameworks or code than this one are dropped: no site of this code reads them.
    """
    from prosperity.framework import shipped_framework_path

    path = framework_path or shipped_framework_path()
    wh = Warehouse(con, db_path)
    assessor = Assessor(wh)
    errors, stored = 0, 0
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[str, str]] = set()
    con.execute("CREATE OR REPLACE TEMP TABLE fresh_assessments AS SELECT indicator, area, status, period, value, "
                "assessment FROM assessments LIMIT 0")  # fmt: skip
    plan = {fw_path: (areas, *load_specs(fw_path)) for fw_path, areas in assessment_plan(wh, path).items()}
    assessor.read_many(key for _, specs, _ in plan.values() for spec in specs for key in spec_series(spec))
    for areas, specs, fw in plan.values():
        errors += len(fw.errors)
        for area in areas:
            for spec in specs:
                if (spec.id, area) in seen:  # an indicator two frameworks share is stored once for an area
                    continue
                seen.add((spec.id, area))
                a = assessor.assess(spec, area)
                rows.append((a.indicator, a.area, a.status, a.period, a.value, a.to_json()))
            if len(rows) >= BATCH:
                stored += _insert(con, rows)
    stored += _insert(con, rows)
    _new_edition(con, method_digest(path), current_release_ids(con))
    con.execute("DROP TABLE fresh_assessments")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('assessments_digest', ?)", [assessment_digest(con, path)])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('framework_errors', ?)", [str(errors)])
    return stored


def _new_edition(con: duckdb.DuckDBPyConnection, digest: str, releases: str) -> int:
    """Record an edition of the assessments in ``fresh_assessments``: close every current row whose assessment
    changed (or that this edition does not assess, or that was made with other frameworks or code) and add the
    changed and new ones. Returns the edition's number."""
    edition = con.execute("SELECT coalesce(max(edition), 0) + 1 FROM assessment_editions").fetchone()[0]
    con.execute("INSERT INTO assessment_editions SELECT $e, (SELECT max(loaded_at) FROM releases), $d, $r, now()",
                {"e": edition, "d": digest, "r": releases})  # fmt: skip
    # the current rows this edition keeps: the same assessment, made with the same frameworks and code
    con.execute(
        """CREATE OR REPLACE TEMP TABLE kept_assessments AS
           SELECT v.indicator, v.area FROM assessment_versions v JOIN fresh_assessments f USING (indicator, area)
           WHERE v.to_edition IS NULL AND CAST(f.assessment AS TEXT) = CAST(v.assessment AS TEXT)
             AND v.from_edition IN (SELECT edition FROM assessment_editions WHERE digest = $d)""",
        {"d": digest},
    )
    con.execute(
        """UPDATE assessment_versions SET to_edition = $e
           WHERE to_edition IS NULL AND (indicator, area) NOT IN (SELECT (indicator, area) FROM kept_assessments)""",
        {"e": edition},
    )
    # Past rows made with other frameworks or code are never read again (a site reads only the editions of its
    # own), nor are rows stored before editions were kept (schema migration 7): derived data, recomputable at any
    # date, so they go rather than grow the file at every change of code
    con.execute("""DELETE FROM assessment_versions WHERE to_edition IS NOT NULL AND (from_edition IS NULL OR
                   from_edition IN (SELECT edition FROM assessment_editions WHERE digest <> $d))""", {"d": digest})
    con.execute("DELETE FROM assessment_editions WHERE digest <> $d", {"d": digest})
    con.execute(
        """INSERT INTO assessment_versions
           SELECT f.indicator, f.area, f.status, f.period, f.value, f.assessment, now(), $e, NULL
           FROM fresh_assessments f ANTI JOIN kept_assessments k USING (indicator, area)""",
        {"e": edition},
    )
    con.execute("DROP TABLE kept_assessments")
    return edition


def spec_series(spec: Spec) -> list[tuple[str, str]]:
    """The (indicator, breakdown) series an indicator's assessment reads for every area: its own, and those its
    aggregation rule builds a group's figure from (others, such as real-terms series, are read as they are met)."""
    rule = spec.aggregation
    return [(spec.warehouse, spec.breakdown), *((ind, "") for ind in (rule.numerator, rule.denominator, rule.weight)
                                                 if ind)]  # fmt: skip


#: assessments written per statement: bounded, so memory does not grow with the number of areas
BATCH = 5000


def _insert(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> int:
    """Write ``rows`` in one statement (columns passed as lists and unnested) and empty the list."""
    n = len(rows)
    if n:
        cols = list(zip(*rows, strict=True))
        con.execute(
            """INSERT INTO fresh_assessments SELECT unnest($ind), unnest($area), unnest($status), unnest($period),
                      unnest($value), CAST(unnest($json) AS JSON)""",
            {"ind": list(cols[0]), "area": list(cols[1]), "status": list(cols[2]), "period": list(cols[3]),
             "value": list(cols[4]), "json": list(cols[5])},
        )  # fmt: skip
        rows.clear()
    return n


def code_digest() -> str:
    """The source of the code that makes assessments (the assessment engine and the methods it applies), so that
    stored assessments are made again when the rules change, not only when the version number does."""
    import prosperity.assess
    import prosperity.methods

    h = hashlib.sha256()
    for package in (prosperity.assess, prosperity.methods):
        root = Path(package.__file__).parent
        for p in sorted(root.rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def current_release_ids(con: duckdb.DuckDBPyConnection, as_of: str | None = None) -> str:
    """The releases current now, or at ``as_of`` (a moment), as text: what an edition of assessments was computed
    from."""
    if as_of is None:
        sql, params = "SELECT release_id FROM current_releases", {}
    else:
        sql, params = RELEASES_AT, {"as_of": as_of}
    row = con.execute(f"SELECT string_agg(CAST(r AS TEXT), ',' ORDER BY r) FROM ({sql}) t(r)", params).fetchone()
    return row[0] if row and row[0] is not None else ""


def method_digest(framework_path: Path) -> str:
    """What assessments depend on besides the data: the files of the frameworks the build assesses with (this one
    and those beside it) and the code (version and the engine's and methods' source). The same for any of those
    frameworks' paths."""
    frameworks = "|".join(framework_digest(p) for p in plan_frameworks(Path(framework_path)))
    return hashlib.sha256(f"{frameworks}|{code_digest()}".encode()).hexdigest()


def assessment_digest(con: duckdb.DuckDBPyConnection, framework_path: Path) -> str:
    """What stored assessments depend on: the frameworks and code (:func:`method_digest`) and the current
    releases. The same for any of those frameworks' paths."""
    return hashlib.sha256(f"{method_digest(framework_path)}|{current_release_ids(con)}".encode()).hexdigest()
