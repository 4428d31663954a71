"""The programme store's tables (SQLAlchemy 2): funds, programmes, projects, allocations, and every return.

The shape follows IATI 2.03 (budget, planned disbursement and transaction kept apart; result → indicator →
baseline → period with target and actual) and MHCLG's Towns Fund post-award data store (one stored submission
per reporting round, never overwritten; ratings, risks, milestones, change requests per project). Money is held
as whole pence in 64-bit integers, so sums are exact on SQLite and PostgreSQL alike.

Identity tables (``fund``, ``programme``, ``project``, ``allocation``, ``reporting_round``) hold what a return
refers to. Everything a return reports (budgets, spend, forecasts, indicators, ratings, milestones, risks,
change requests) belongs to its ``submission`` and is never updated: a correction is a new submission for the
same round, which ``supersedes`` the earlier one. A submission has a surrogate integer key and no workflow
columns yet, so an approval state and an optimistic-lock version can be added as plain columns.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}  # fmt: skip
Code = String(80)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Fund(Base):
    __tablename__ = "fund"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str] = mapped_column(String(200))


class Programme(Base):
    """A funded programme (IATI activity, hierarchy 1): a Town Deal, a UKSPF investment plan."""

    __tablename__ = "programme"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    fund_id: Mapped[str] = mapped_column(ForeignKey("fund.id"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    lead_organisation: Mapped[str | None] = mapped_column(String(300))
    lead_org_id: Mapped[str | None] = mapped_column(String(120))
    area_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default="implementation")
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)  # where the record came from: an award file, a return
    #: the newest submission whose Programmes sheet described it (descriptive fields follow the newest return)
    described_by: Mapped[int | None] = mapped_column(Integer)  # a submission id (no constraint: created before it)
    projects: Mapped[list[Project]] = relationship(back_populates="programme", order_by="Project.id")
    outcomes: Mapped[list[ProgrammeOutcome]] = relationship(cascade="all, delete-orphan",
                                                            order_by="ProgrammeOutcome.outcome_id")


class ProgrammeOutcome(Base):
    """A strategy outcome (framework id) that a programme means to move: a claim of contribution, not of impact."""

    __tablename__ = "programme_outcome"
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    outcome_id: Mapped[str] = mapped_column(String(120), primary_key=True)


class Project(Base):
    """A project of a programme (IATI activity, hierarchy 2), e.g. ``TD-RCN-03``."""

    __tablename__ = "project"
    id: Mapped[str] = mapped_column(Code, primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    delivery_organisation: Mapped[str | None] = mapped_column(String(300))
    delivery_org_id: Mapped[str | None] = mapped_column(String(120))
    intervention_theme: Mapped[str | None] = mapped_column(String(200))
    area_code: Mapped[str | None] = mapped_column(String(12))
    postcode: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default="implementation")
    delivery_stage: Mapped[str | None] = mapped_column(String(40))
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    described_by: Mapped[int | None] = mapped_column(Integer)  # a submission id (no constraint: created before it)
    programme: Mapped[Programme] = relationship(back_populates="projects")


class Allocation(Base):
    """Money a funder allocated: to a project, or to a whole programme when ``project_id`` is null.

    ``expense_type`` is ``capital`` (CDEL), ``revenue`` (RDEL) or ``total`` (not split); ``financial_year`` is
    null for a whole-life allocation. ``source`` names the funder's document the figure comes from.
    """

    __tablename__ = "allocation"
    __table_args__ = (UniqueConstraint("programme_id", "project_id", "expense_type", "financial_year", "source",
                                       name="uq_allocation_key"),)  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"), index=True)
    expense_type: Mapped[str] = mapped_column(String(10))
    financial_year: Mapped[str | None] = mapped_column(String(7))
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportingRound(Base):
    __tablename__ = "reporting_round"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)  # 2025-26-H1
    financial_year: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)


class Submission(Base):
    """One return as received: kept whole, never overwritten. A correction is a new submission."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("reporting_round.id"), index=True)
    fund_id: Mapped[str] = mapped_column(ForeignKey("fund.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str] = mapped_column(String(300))
    file_format: Mapped[str] = mapped_column(String(10))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    template_version: Mapped[str | None] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(300))
    submitted_by: Mapped[str] = mapped_column(String(200))
    sign_off_name: Mapped[str] = mapped_column(String(200))
    sign_off_role: Mapped[str] = mapped_column(String(200))
    sign_off_date: Mapped[date] = mapped_column(Date)
    overall_rag: Mapped[str | None] = mapped_column(String(12))
    commentary: Mapped[str | None] = mapped_column(Text)
    #: the submission for the same round and programmes that this one corrects
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    programmes: Mapped[list[SubmissionProgramme]] = relationship(cascade="all, delete-orphan")


class SubmissionProgramme(Base):
    __tablename__ = "submission_programme"
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"), primary_key=True, index=True)


class SubmissionFact:
    """Columns every reported row has: its submission, its project, and the row of the file it came from."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    source_row: Mapped[int | None] = mapped_column(Integer)


class BudgetLine(SubmissionFact, Base):
    """IATI budget: a period of at most a year (rule 7.5.3), original or revised, indicative or committed."""

    __tablename__ = "budget_line"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    budget_type: Mapped[str] = mapped_column(String(10))
    budget_status: Mapped[str] = mapped_column(String(12))
    capital_pence: Mapped[int] = mapped_column(BigInteger)
    revenue_pence: Mapped[int] = mapped_column(BigInteger)


class Spend(SubmissionFact, Base):
    """IATI transaction: an actual, dated movement of money."""

    __tablename__ = "spend"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(120))
    transaction_date: Mapped[date] = mapped_column(Date)
    financial_year: Mapped[str] = mapped_column(String(7))
    expense_type: Mapped[str] = mapped_column(String(10))
    transaction_type: Mapped[str] = mapped_column(String(20))
    value_pence: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class Forecast(SubmissionFact, Base):
    """IATI planned disbursement: forecast spend for a period after the round, kept with every round's return."""

    __tablename__ = "forecast"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    expense_type: Mapped[str] = mapped_column(String(10))
    value_pence: Mapped[int] = mapped_column(BigInteger)


class ResultIndicator(SubmissionFact, Base):
    """IATI result/indicator: an output or outcome with unit, polarity, baseline and a link to the strategy."""

    __tablename__ = "result_indicator"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    code: Mapped[str] = mapped_column(Code)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(120))
    measure: Mapped[str] = mapped_column(String(12))
    ascending: Mapped[bool] = mapped_column(Boolean)
    baseline_date: Mapped[date | None] = mapped_column(Date)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    framework_indicator: Mapped[str | None] = mapped_column(String(120), index=True)
    framework_outcome: Mapped[str | None] = mapped_column(String(120), index=True)
    definition: Mapped[str | None] = mapped_column(Text)
    periods: Mapped[list[IndicatorPeriod]] = relationship(order_by="IndicatorPeriod.period_start",
                                                          cascade="all, delete-orphan")  # fmt: skip


class IndicatorPeriod(Base):
    """IATI result/indicator/period: a target (the profile) and an actual for one period."""

    __tablename__ = "indicator_period"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("result_indicator.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[int | None] = mapped_column(Integer)


class Progress(SubmissionFact, Base):
    """The project's declared ratings this round (Towns Fund Project Progress; IPA five-point scale)."""

    __tablename__ = "progress"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    delivery_status: Mapped[str] = mapped_column(String(20))
    delivery_rag: Mapped[str] = mapped_column(String(12))
    spend_rag: Mapped[str] = mapped_column(String(12))
    risk_rag: Mapped[str] = mapped_column(String(12))
    delay_factor: Mapped[str | None] = mapped_column(Text)
    commentary: Mapped[str | None] = mapped_column(Text)


class Milestone(SubmissionFact, Base):
    __tablename__ = "milestone"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    baseline_date: Mapped[date] = mapped_column(Date)
    forecast_date: Mapped[date | None] = mapped_column(Date)
    actual_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))


class Risk(SubmissionFact, Base):
    """A risk scored after mitigation on the Towns Fund scales: impact 1-6 × likelihood 1-4."""

    __tablename__ = "risk"
    programme_id: Mapped[str] = mapped_column(ForeignKey("programme.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"))
    title: Mapped[str] = mapped_column(String(500))
    category: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    mitigation: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[int] = mapped_column(Integer)
    likelihood: Mapped[int] = mapped_column(Integer)
    proximity: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(200))


class ChangeRequest(SubmissionFact, Base):
    __tablename__ = "change_request"
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"), index=True)
    reference: Mapped[str] = mapped_column(Code)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    baseline_value: Mapped[float] = mapped_column(Float)
    proposed_value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date | None] = mapped_column(Date)


class SubmissionIssue(Base):
    """A warning found in an accepted return (data quality), with where it is. Errors are never stored: a return
    with an error is rejected whole."""

    __tablename__ = "submission_issue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(String(300))
    sheet: Mapped[str | None] = mapped_column(String(100))
    row_number: Mapped[int | None] = mapped_column(Integer)
    column_name: Mapped[str | None] = mapped_column(String(120))


Index("ix_submission_round_received", Submission.round_id, Submission.received_at)
FACT_TABLES = (BudgetLine, Spend, Forecast, ResultIndicator, Progress, Milestone, Risk, ChangeRequest)
