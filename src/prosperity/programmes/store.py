"""The programme store: its own database, never touched by a statistics build.

By default an embedded SQLite file (``./programmes.sqlite``); any SQLAlchemy URL with ``--programmes-db`` or
``PROSPERITY_PROGRAMMES_DB`` (e.g. ``postgresql+psycopg://user@host/programmes``). The schema is created and
upgraded by Alembic migrations when the store is opened. Only portable SQL is used (SQLAlchemy Core and ORM).

>>> store = ProgrammeStore.open("programmes.sqlite")                  # doctest: +SKIP
>>> with store.session() as s:                                        # doctest: +SKIP
...     submission_id = save_return(s, checked_return)
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from prosperity.errors import ProsperityError
from prosperity.programmes import model as m
from prosperity.programmes import service_model as _service  # noqa: F401 - its tables belong to the same schema
from prosperity.programmes.funds import funds
from prosperity.programmes.returns import Return, Row
from prosperity.programmes.years import Round

ENV = "PROSPERITY_PROGRAMMES_DB"
#: the newest Alembic revision (``migrations/versions``); a store at it opens without loading Alembic
SCHEMA_REVISION = "0003"
DEFAULT_FILE = "programmes.sqlite"


class StoreError(ProsperityError):
    """The programme store cannot be opened or written."""


def default_url() -> str:
    return os.environ.get(ENV) or DEFAULT_FILE


def to_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a plain file path (``programmes.sqlite`` → ``sqlite:///programmes.sqlite``)."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text)}"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@dataclass
class ProgrammeStore:
    engine: Engine
    url: str

    @classmethod
    def open(cls, target: str | Path | None = None, *, create: bool = True) -> ProgrammeStore:
        """Open (and create or upgrade to the newest schema) the store at ``target`` (default: :func:`default_url`).

        With ``create=False`` a missing SQLite file is an error instead of a new, empty store.
        """
        text = to_url(target if target is not None else default_url())
        try:
            url = make_url(text)
        except ArgumentError as e:
            raise StoreError(f"{text!r} is not a database URL or file path ({e})") from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.exists() and not create:
                raise StoreError(f"no programme store at {path}: import a return or load the Towns Fund awards first "
                                 "(`prosperity programmes template` shows how)")  # fmt: skip
            if not path.parent.exists():
                raise StoreError(f"cannot create the programme store {path}: folder {path.parent} does not exist")
        try:
            engine = create_engine(url, future=True)
        except (ArgumentError, ImportError) as e:
            raise StoreError(f"cannot open the programme store {url.render_as_string(hide_password=True)}: {e}") from None
        if url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, url.render_as_string(hide_password=True))
        store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision, and the configured funds into the fund table."""
        try:
            with self.engine.begin() as conn:
                if self._revision(conn) != SCHEMA_REVISION:
                    from alembic import command
                    from alembic.config import Config

                    cfg = Config()
                    cfg.set_main_option("script_location", "prosperity.programmes:migrations")
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            with self.session() as s, s.begin():
                have = {f.id: f for f in s.scalars(select(m.Fund))}
                for f in funds().values():
                    row = have.get(f.id) or m.Fund(id=f.id)
                    row.name, row.funder = f.name, f.funder
                    s.add(row)
        except OperationalError as e:
            raise StoreError(f"cannot open the programme store {self.url}: {e.orig}") from None

    @staticmethod
    def _revision(conn: Any) -> str | None:
        from sqlalchemy import inspect, text

        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    @contextmanager
    def session(self) -> Iterator[Session]:
        maker = sessionmaker(self.engine, expire_on_commit=False)
        with maker() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()


def drop_database(admin: Engine, name: str, *, tries: int = 10) -> None:
    """Drop the PostgreSQL database ``name`` (a scratch one: a test's or a benchmark's) through ``admin``, an
    AUTOCOMMIT engine on another database of the same server.

    Not ``WITH (FORCE)``: that asks to end every session on the database, and PostgreSQL refuses it to a role without
    ``pg_signal_backend`` when one of them is an autovacuum worker (PostgreSQL 15 manual, DROP DATABASE; seen in CI).
    A plain ``DROP DATABASE`` stops autovacuum itself; the role's own sessions left open are ended first (a role
    may signal its own backends), and the drop is tried again while one is still closing.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    quoted = admin.dialect.identifier_preparer.quote(name)
    for attempt in range(tries):
        with admin.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name "
                           "AND usename = current_user AND pid <> pg_backend_pid()"), {"name": name})  # fmt: skip
            try:
                c.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
                return
            except DBAPIError as e:
                if getattr(e.orig, "sqlstate", None) != "55006" or attempt == tries - 1:  # object_in_use
                    raise
        time.sleep(0.5)


# ---- writing a return ------------------------------------------------------------------------------------
def _round(s: Session, r: Round) -> None:
    """The reporting round's row, made if missing. Two approvals of a new round's first returns may run at once on
    PostgreSQL: there the insert skips a row another transaction made (``ON CONFLICT DO NOTHING``, waiting for it)."""
    if s.get(m.ReportingRound, r.id) is not None:
        return
    values = {"id": r.id, "financial_year": r.fy, "period_start": r.start, "period_end": r.end}
    dialect = s.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        from sqlalchemy.dialects import postgresql, sqlite

        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(m.ReportingRound)
        s.execute(ins.values(**values).on_conflict_do_nothing(index_elements=["id"]))
    else:
        s.add(m.ReportingRound(**values))


def _describe(obj: Any, row: Row, keys: Iterable[str], submission_id: int, file: str) -> None:
    for k in keys:
        setattr(obj, k, row[k])
    obj.described_by = submission_id
    obj.source = f"return {file}"


PROGRAMME_FIELDS = ("title", "description", "lead_organisation", "lead_org_id", "area_code", "status", "planned_start",
                    "planned_end", "actual_start", "actual_end")  # fmt: skip
PROJECT_FIELDS = ("title", "description", "delivery_organisation", "delivery_org_id", "intervention_theme", "area_code",
                  "postcode", "status", "delivery_stage", "planned_start", "planned_end", "actual_start", "actual_end")


def latest_submission(s: Session, round_id: str, programme_ids: Iterable[str]) -> m.Submission | None:
    """The newest submission for ``round_id`` covering any of the programmes (the one a new return corrects)."""
    q = (select(m.Submission).join(m.SubmissionProgramme)
         .where(m.Submission.round_id == round_id, m.SubmissionProgramme.programme_id.in_(list(programme_ids)))
         .order_by(m.Submission.id.desc()).limit(1))  # fmt: skip
    return s.scalars(q).first()


def already_stored(s: Session, ret: Return) -> int | None:
    """The submission this very file (same checksum) was already stored as, for the same round; else None."""
    h = ret.header
    if h is None or h["round"] is None:
        return None
    q = select(m.Submission.id).where(m.Submission.file_sha256 == ret.sha256, m.Submission.round_id == h["round"].id)
    return s.scalars(q.order_by(m.Submission.id.desc()).limit(1)).first()


def save_return(s: Session, ret: Return, *, received_at: datetime | None = None) -> int:
    """Store a checked return as a new submission, in one transaction; returns its id.

    The caller has validated it (:func:`prosperity.programmes.validate.check_return`): a return with errors must
    never reach this function. Programmes and projects it describes are created or their descriptions updated;
    everything it reports is added under the new submission, and nothing earlier is changed.
    """
    try:
        with s.begin():
            return add_return(s, ret, received_at=received_at)
    except SQLAlchemyError as e:
        raise StoreError(f"{ret.file}: the return could not be stored, and nothing was changed: {e}") from None


def add_return(s: Session, ret: Return, *, received_at: datetime | None = None) -> int:
    """:func:`save_return` inside the caller's transaction (the returns service approves and stores in one)."""
    if ret.errors:
        raise StoreError(f"{ret.file}: a return with errors is never stored")
    h = ret.header
    assert h is not None
    rnd: Round = h["round"]
    _round(s, rnd)
    programme_ids = [r["programme_code"] for r in ret.rows("programmes")]
    previous = latest_submission(s, rnd.id, programme_ids)
    sub = m.Submission(round_id=rnd.id, fund_id=h["fund"], received_at=received_at or datetime.now(UTC),
                       file_name=ret.file[:300], file_format=ret.format, file_sha256=ret.sha256,
                       template_version=h.get("template_version"), organisation=h["organisation"],
                       submitted_by=h["submitted_by"], sign_off_name=h["sign_off_name"],
                       sign_off_role=h["sign_off_role"], sign_off_date=h["sign_off_date"],
                       overall_rag=h["overall_rag"], commentary=h["commentary"],
                       supersedes_id=previous.id if previous else None)  # fmt: skip
    s.add(sub)
    s.flush()
    for r in ret.rows("programmes"):
        p = s.get(m.Programme, r["programme_code"]) or m.Programme(id=r["programme_code"], fund_id=h["fund"])
        _describe(p, r, PROGRAMME_FIELDS, sub.id, ret.file)
        p.outcomes = [m.ProgrammeOutcome(outcome_id=o) for o in dict.fromkeys(r.get("outcome_ids", []))]
        s.add(p)
        sub.programmes.append(m.SubmissionProgramme(programme_id=p.id))
    s.flush()
    for r in ret.rows("projects"):
        p = s.get(m.Project, r["project_code"]) or m.Project(id=r["project_code"])
        p.programme_id = r["programme_code"]
        _describe(p, r, PROJECT_FIELDS, sub.id, ret.file)
        s.add(p)
    s.flush()
    _facts(s, ret, sub.id)
    if ret.warnings:
        s.execute(insert(m.SubmissionIssue), [
            {"submission_id": sub.id, "severity": i.severity, "rule": i.rule, "message": i.message,
             "file": i.file[:300], "sheet": i.sheet, "row_number": i.row, "column_name": i.column}
            for i in ret.warnings])  # fmt: skip
    return sub.id


def _facts(s: Session, ret: Return, sid: int) -> None:
    def rows(key: str, make: Any) -> list[dict[str, Any]]:
        return [{"submission_id": sid, "source_row": r.number, **make(r)} for r in ret.rows(key)]

    tables = [
        (m.BudgetLine, rows("budgets", lambda r: {
            "project_id": r["project_code"], "financial_year": r["financial_year"], "period_start": r["period_start"],
            "period_end": r["period_end"], "budget_type": r["budget_type"], "budget_status": r["budget_status"],
            "capital_pence": r["capital"], "revenue_pence": r["revenue"]})),
        (m.Spend, rows("spend", lambda r: {
            "project_id": r["project_code"], "reference": r["reference"], "transaction_date": r["date"],
            "financial_year": r["financial_year"], "expense_type": r["expense_type"],
            "transaction_type": r["transaction_type"], "value_pence": r["value"], "description": r["description"],
            "reason": r["reason"]})),
        (m.Forecast, rows("forecasts", lambda r: {
            "project_id": r["project_code"], "financial_year": r["financial_year"], "period_start": r["period_start"],
            "period_end": r["period_end"], "expense_type": r["expense_type"], "value_pence": r["value"]})),
        (m.Progress, rows("progress", lambda r: {
            "project_id": r["project_code"], **{k: r[k] for k in ("delivery_status", "delivery_rag", "spend_rag",
                                                                  "risk_rag", "delay_factor", "commentary")}})),
        (m.Milestone, rows("milestones", lambda r: {
            "project_id": r["project_code"], "title": r["milestone"], "baseline_date": r["baseline_date"],
            "forecast_date": r["forecast_date"], "actual_date": r["actual_date"], "status": r["status"]})),
        (m.Risk, rows("risks", lambda r: {
            "programme_id": r["programme_code"], "project_id": r["project_code"], "title": r["risk"],
            **{k: r[k] for k in ("category", "description", "mitigation", "impact", "likelihood", "proximity",
                                 "owner")}})),
        (m.ChangeRequest, rows("changes", lambda r: {
            "project_id": r["project_code"], **{k: r[k] for k in ("reference", "kind", "description", "baseline_value",
                                                                  "proposed_value", "status", "decided_on")}})),
    ]  # fmt: skip
    for table, values in tables:
        if values:
            s.execute(insert(table), values)
    indicators = ret.rows("indicators")
    if not indicators:
        return
    values = [{"submission_id": sid, "source_row": r.number, "project_id": r["project_code"],
               "code": r["indicator_code"], "kind": r["kind"], "title": r["title"], "unit": r["unit"],
               "measure": r["measure"], "ascending": bool(r["higher_is_better"]), "baseline_date": r["baseline_date"],
               "baseline_value": r["baseline_value"], "framework_indicator": r["framework_indicator"],
               "framework_outcome": r["framework_outcome"], "definition": r["definition"]} for r in indicators]  # fmt: skip
    ids = s.scalars(insert(m.ResultIndicator).returning(m.ResultIndicator.id, sort_by_parameter_order=True), values).all()
    by_key = {(r["project_code"], r["indicator_code"]): i for r, i in zip(indicators, ids, strict=True)}
    periods = [{"indicator_id": by_key[(r["project_code"], r["indicator_code"])], "period_start": r["period_start"],
                "period_end": r["period_end"], "target": r["target"], "actual": r["actual"], "comment": r["comment"],
                "source_row": r.number} for r in ret.rows("periods")]  # fmt: skip
    if periods:
        s.execute(insert(m.IndicatorPeriod), periods)


# ---- reading ------------------------------------------------------------------------------------------------
def rounds(s: Session) -> list[m.ReportingRound]:
    return list(s.scalars(select(m.ReportingRound).order_by(m.ReportingRound.period_end, m.ReportingRound.id)))


def current_submissions(s: Session, round_id: str) -> dict[str, m.Submission]:
    """For each programme, the submission that stands for ``round_id``: the newest received for that round.

    (A returns workflow would add "…that has been approved" here, and only here.)
    """
    q = (select(m.SubmissionProgramme.programme_id, func.max(m.Submission.id))
         .join(m.Submission).where(m.Submission.round_id == round_id)
         .group_by(m.SubmissionProgramme.programme_id))  # fmt: skip
    latest = {p: i for p, i in s.execute(q).all()}
    subs = {x.id: x for x in s.scalars(select(m.Submission).where(m.Submission.id.in_(set(latest.values()))))}
    return {p: subs[i] for p, i in latest.items()}


@dataclass
class Picture:
    """One project as one submission reports it."""

    project: m.Project
    submission: m.Submission
    budgets: list[m.BudgetLine] = field(default_factory=list)
    spend: list[m.Spend] = field(default_factory=list)
    forecasts: list[m.Forecast] = field(default_factory=list)
    indicators: list[m.ResultIndicator] = field(default_factory=list)
    progress: m.Progress | None = None
    milestones: list[m.Milestone] = field(default_factory=list)
    risks: list[m.Risk] = field(default_factory=list)
    changes: list[m.ChangeRequest] = field(default_factory=list)


def pictures(s: Session, submissions: Iterable[m.Submission]) -> dict[str, Picture]:
    """Every project of these submissions with what its submission reports about it, read in a few queries."""
    subs = {x.id: x for x in submissions}
    if not subs:
        return {}
    ids = list(subs)
    by_sub_programme = {(sp.submission_id, sp.programme_id) for sp in
                        s.scalars(select(m.SubmissionProgramme).where(m.SubmissionProgramme.submission_id.in_(ids)))}
    out: dict[str, Picture] = {}
    rows = defaultdict(list)
    for table in (m.BudgetLine, m.Spend, m.Forecast, m.Progress, m.Milestone, m.Risk, m.ChangeRequest):
        for r in s.scalars(select(table).where(table.submission_id.in_(ids)).order_by(table.id)):
            rows[table].append(r)
    from sqlalchemy.orm import selectinload

    inds = list(s.scalars(select(m.ResultIndicator).where(m.ResultIndicator.submission_id.in_(ids))
                          .options(selectinload(m.ResultIndicator.periods)).order_by(m.ResultIndicator.id)))  # fmt: skip
    project_ids = {r.project_id for t in rows.values() for r in t if r.project_id} | {i.project_id for i in inds}
    programme_of = {p for _, p in by_sub_programme}
    projects = {p.id: p for p in s.scalars(select(m.Project).where(
        (m.Project.id.in_(project_ids)) | (m.Project.programme_id.in_(programme_of))))}  # fmt: skip
    sub_of_programme = {p: sid for sid, p in by_sub_programme}
    for p in projects.values():
        sid = sub_of_programme.get(p.programme_id)
        if sid is not None:
            out[p.id] = Picture(p, subs[sid])

    def pic(r: Any) -> Picture | None:
        x = out.get(r.project_id) if r.project_id else None
        return x if x is not None and x.submission.id == r.submission_id else None

    lists = {m.BudgetLine: "budgets", m.Spend: "spend", m.Forecast: "forecasts", m.Milestone: "milestones",
             m.Risk: "risks", m.ChangeRequest: "changes"}
    for table, attr in lists.items():
        for r in rows[table]:
            if (x := pic(r)) is not None:
                getattr(x, attr).append(r)
    for r in rows[m.Progress]:
        if (x := pic(r)) is not None:
            x.progress = r
    for r in inds:
        if (x := pic(r)) is not None:
            x.indicators.append(r)
    return out


def programme_risks(s: Session, submissions: Iterable[m.Submission]) -> list[m.Risk]:
    """Programme-level risks (no project) of these submissions."""
    ids = [x.id for x in submissions]
    return list(s.scalars(select(m.Risk).where(m.Risk.submission_id.in_(ids), m.Risk.project_id.is_(None))))


@dataclass(frozen=True)
class AllocationKey:
    programme_id: str
    project_id: str | None


def allocations(s: Session) -> dict[AllocationKey, dict[str, int]]:
    """Whole-life allocations by programme or project and expense type (capital, revenue, total), in pence."""
    out: dict[AllocationKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in s.scalars(select(m.Allocation)):
        out[AllocationKey(a.programme_id, a.project_id)][a.expense_type] += a.amount_pence
    return {k: dict(v) for k, v in out.items()}


def allocation_sources(s: Session) -> list[str]:
    return list(s.scalars(select(m.Allocation.source).distinct().order_by(m.Allocation.source)))
