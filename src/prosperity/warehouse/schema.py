"""The warehouse schema, changed only through registered, recorded migrations.

Observations are never updated or deleted: each belongs to the release (one loaded edition of one
dataset) it came from. "Latest" is a view over the newest release of every dataset, and
:func:`as_of_sql` gives the same view as it stood on a past date, so an old report can be rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: list[tuple[int, str, Migration]] = []


def migration(version: int, name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((version, name, fn))
        MIGRATIONS.sort(key=lambda m: m[0])
        return fn

    return register


@migration(1, "initial schema")
def _initial(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE SEQUENCE release_seq START 1;
        CREATE TABLE releases (
            release_id INTEGER PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            source TEXT NOT NULL,
            title TEXT NOT NULL,
            publisher TEXT,
            file_name TEXT NOT NULL,
            files JSON NOT NULL,
            sha256 TEXT NOT NULL,
            publisher_release_date DATE,
            loaded_at TIMESTAMP NOT NULL,
            origin TEXT NOT NULL,
            live_url TEXT,
            metadata JSON,
            row_count BIGINT NOT NULL,
            set_aside BIGINT NOT NULL DEFAULT 0,
            previous_release_id INTEGER
        );
        CREATE TABLE rejections (
            dataset_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            context TEXT NOT NULL,
            rejected_at TIMESTAMP NOT NULL,
            message TEXT NOT NULL
        );
        CREATE TABLE areas (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            level TEXT NOT NULL,
            start_year INTEGER,
            end_year INTEGER,
            registered_by TEXT NOT NULL
        );
        CREATE TABLE area_parents (
            child TEXT NOT NULL,
            parent TEXT NOT NULL,
            depth INTEGER NOT NULL,
            registered_by TEXT NOT NULL
        );
        CREATE TABLE area_neighbours (
            area_code TEXT NOT NULL,
            kind TEXT NOT NULL,
            rank INTEGER NOT NULL,
            neighbour_code TEXT NOT NULL
        );
        CREATE TABLE area_clusters (
            area_code TEXT NOT NULL,
            kind TEXT NOT NULL,
            cluster TEXT NOT NULL,
            description TEXT
        );
        CREATE TABLE documents (
            name TEXT PRIMARY KEY,
            registered_by TEXT NOT NULL,
            media_type TEXT NOT NULL,
            content TEXT NOT NULL
        );
        CREATE TABLE indicators (
            indicator_id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL,
            release_id INTEGER NOT NULL,
            label TEXT NOT NULL,
            publisher_name TEXT NOT NULL,
            measure TEXT,
            unit TEXT,
            prefix TEXT,
            suffix TEXT,
            decimal_places INTEGER,
            subtitle TEXT,
            description TEXT,
            caveats TEXT,
            source_org TEXT,
            source_url TEXT,
            experimental BOOLEAN,
            breakdown_kind TEXT
        );
        CREATE TABLE observations (
            release_id INTEGER NOT NULL,
            indicator_id TEXT NOT NULL,
            area_code TEXT NOT NULL,
            period TEXT NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            breakdown TEXT NOT NULL,
            value DOUBLE,
            lci_95 DOUBLE,
            uci_95 DOUBLE,
            status TEXT,
            note TEXT
        );
        CREATE TABLE breakdowns (
            indicator_id TEXT NOT NULL,
            breakdown TEXT NOT NULL,
            label TEXT NOT NULL
        );
        CREATE TABLE sic2007 (
            code TEXT NOT NULL,
            level TEXT NOT NULL,
            name TEXT NOT NULL,
            section TEXT,
            section_name TEXT
        );
        CREATE VIEW current_releases AS
            SELECT r.* FROM releases r
            WHERE r.release_id = (SELECT max(r2.release_id) FROM releases r2 WHERE r2.dataset_id = r.dataset_id);
        CREATE VIEW latest_observations AS
            SELECT o.* FROM observations o JOIN current_releases USING (release_id);
        """
    )


@migration(2, "stored assessments and settings")
def _assessments(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE assessments (
            indicator TEXT NOT NULL,
            area TEXT NOT NULL,
            status TEXT NOT NULL,
            period TEXT,
            value DOUBLE,
            assessment JSON NOT NULL,
            computed_at TIMESTAMP NOT NULL
        );
        """
    )


@migration(3, "row digests of every release")
def _digests(con: duckdb.DuckDBPyConnection) -> None:
    from prosperity.warehouse.integrity import REFERENCE_TABLES, record

    con.execute(
        """
        CREATE TABLE release_digests (
            release_id INTEGER NOT NULL,
            part TEXT NOT NULL,
            row_count BIGINT NOT NULL,
            digest TEXT NOT NULL,
            quick TEXT,
            engine TEXT,
            recorded TEXT NOT NULL,
            recorded_at TIMESTAMP NOT NULL
        )
        """
    )
    current = {r[0] for r in con.execute("SELECT release_id FROM current_releases").fetchall()}
    for release_id, dataset_id in con.execute("SELECT release_id, dataset_id FROM releases").fetchall():
        tables = []
        if release_id in current:
            for table, who in REFERENCE_TABLES.items():
                if who and con.execute(f"SELECT count(*) FROM {table} WHERE {who} = ?", [dataset_id]).fetchone()[0]:
                    tables.append(table)
        record(con, release_id, dataset_id, tables, recorded="migration")


@migration(4, "kinds of rejection")
def _rejection_kinds(con: duckdb.DuckDBPyConnection) -> None:
    """Only a judgement on a file's content is remembered against it: ``invalid`` (it breaks a rule) or ``shrunk``
    (held back as far smaller than the release it would replace). Failures recorded before kinds existed (a reader's
    error, out of memory) become ``error``, which no build skips."""
    con.execute("ALTER TABLE rejections ADD COLUMN kind TEXT NOT NULL DEFAULT 'invalid'")
    con.execute("UPDATE rejections SET kind = 'error' WHERE message LIKE '%: could not be read (%Error%'")


@migration(5, "indicator metadata versioned with its release; every publisher date; reverted files; notes")
def _revisions(con: duckdb.DuckDBPyConnection) -> None:
    """``indicator_versions`` keeps each release's indicator metadata (``indicators`` stays the current one). A
    warehouse from before has only the current metadata: it becomes the version of the release it came with.
    Releases gain every publisher date the files give, the earlier release whose files they repeat (a publisher
    going back to earlier figures), and notes (indicators gone or renamed, dates that could not be read)."""
    from prosperity.warehouse.integrity import record_part

    con.execute("CREATE TABLE indicator_versions AS SELECT release_id, * EXCLUDE (release_id) FROM indicators")
    con.execute("ALTER TABLE releases ADD COLUMN publisher_release_dates DATE[]")
    con.execute("ALTER TABLE releases ADD COLUMN same_content_as INTEGER")
    con.execute("ALTER TABLE releases ADD COLUMN notes JSON")
    con.execute("UPDATE releases SET publisher_release_dates = [publisher_release_date] "
                "WHERE publisher_release_date IS NOT NULL")  # fmt: skip
    for (release_id,) in con.execute("SELECT DISTINCT release_id FROM indicator_versions").fetchall():
        record_part(con, release_id, "indicators", "migration")


@migration(6, "other names of areas, from the local authority register")
def _area_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE area_names (name TEXT NOT NULL, code TEXT NOT NULL, registered_by TEXT NOT NULL)")


@migration(7, "assessments kept for every edition")
def _assessment_editions(con: duckdb.DuckDBPyConnection) -> None:
    """Stored assessments become versions: each row is valid from the edition (one build's assessing, with the
    releases current then and the digest of the frameworks and code it used) that computed it until the first
    edition whose assessment of that indicator and area differs, so a past edition is read as stored and an
    unchanged assessment costs nothing to keep. ``assessments`` stays the current edition, as a view. Rows stored
    before this migration have no known edition: they stay current until the next build replaces them, and are
    never read for a past moment."""
    con.execute(
        """
        ALTER TABLE assessments RENAME TO assessment_versions;
        ALTER TABLE assessment_versions ADD COLUMN from_edition INTEGER;
        ALTER TABLE assessment_versions ADD COLUMN to_edition INTEGER;
        CREATE TABLE assessment_editions (
            edition INTEGER PRIMARY KEY,
            moment TIMESTAMP,
            digest TEXT NOT NULL,
            releases TEXT NOT NULL,
            stored_at TIMESTAMP NOT NULL
        );
        CREATE VIEW assessments AS
            SELECT indicator, area, status, period, value, assessment, computed_at
            FROM assessment_versions WHERE to_edition IS NULL;
        """
    )


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def pending(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, Migration]]:
    """Migrations not yet applied (read-only: applies nothing)."""
    have = current_version(con)
    return [m for m in MIGRATIONS if m[0] > have]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations in order, recording each."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER, name TEXT, applied_at TIMESTAMP)")
    applied = []
    for version, name, fn in pending(con):
        fn(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        applied.append(version)
    return applied


def end_of(as_of: str) -> str:
    """``--as-of 2026-11-23`` means everything loaded by the end of that day; a full timestamp is exact."""
    from datetime import date, datetime

    text = as_of.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.max.time()).isoformat()
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        from prosperity.errors import ProsperityError

        raise ProsperityError(f"--as-of {as_of!r} is not a date; expected YYYY-MM-DD or an ISO timestamp") from None


#: the releases that stood at a moment (bound as ``$as_of``): each dataset's newest loaded by then
RELEASES_AT = "SELECT max(release_id) FROM releases WHERE loaded_at <= CAST($as_of AS TIMESTAMP) GROUP BY dataset_id"


def as_of_sql(as_of: str | None) -> str:
    """SQL for the observations as they stood at ``as_of`` (an ISO date or timestamp), or the latest.

    The result is a subquery usable in a ``FROM`` clause. Parameters are bound by the caller as ``$as_of``.
    """
    if as_of is None:
        return "latest_observations"
    return f"(SELECT o.* FROM observations o WHERE o.release_id IN ({RELEASES_AT}))"
