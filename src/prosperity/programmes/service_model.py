"""The returns service's tables: accounts, their programmes and projects, sessions, returns in their workflow, comments, the
audit log and what is published. Same declarative base (and Alembic history) as the programme store.

A return in the service (``service_return``) holds its content as the template's CSV bundle (sheet key → CSV text)
until it is approved; approval stores it as a :class:`~prosperity.programmes.model.Submission`, so the statistics
pages and the review pack only ever see approved returns. ``version`` is the optimistic lock: every change is an
``UPDATE … WHERE version = :seen``. ``audit_entry`` is only ever inserted into; triggers in migration 0002 refuse an
``UPDATE`` or ``DELETE`` on it on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prosperity.programmes.model import Base, Code

ROLES = ("viewer", "submitter", "approver", "administrator")
STATES = ("draft", "submitted", "approved", "returned")


class AppUser(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserProgramme(Base):
    """A programme a viewer, submitter or approver works on (a code: the programme may not be stored yet)."""

    __tablename__ = "user_programme"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    programme_id: Mapped[str] = mapped_column(Code, primary_key=True)


class UserProject(Base):
    """A single project a submitter works on (migration 0003), with its programme: such a submitter reads, drafts
    and submits that project's returns only, never its programme's other projects or the whole programme's return."""

    __tablename__ = "user_project"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(Code, primary_key=True)
    programme_id: Mapped[str] = mapped_column(Code)


class UserSession(Base):
    """A signed-in browser: the SHA-256 of its cookie's random token (the token itself is never stored)."""

    __tablename__ = "user_session"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceReturn(Base):
    __tablename__ = "service_return"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[str] = mapped_column(Code, index=True)
    #: a return for one project of the programme; None for the whole programme's return (migration 0003)
    project_id: Mapped[str | None] = mapped_column(Code)
    round_id: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)  # sheet key → CSV text
    source_name: Mapped[str] = mapped_column(String(300))  # the uploaded workbook's name, or "web form"
    issues: Mapped[list] = mapped_column(JSON)  # the validation messages of the content as saved
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))  # once approved


class ReturnComment(Base):
    __tablename__ = "return_comment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("service_return.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """One action: who (user name, kept as text so that it survives the account), when, what, before and after."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    object_kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(80))
    programme_id: Mapped[str | None] = mapped_column(Code)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class PublicProgramme(Base):
    """A programme an administrator has marked public: its approved figures appear on the public pages and API."""

    __tablename__ = "public_programme"
    __table_args__ = (UniqueConstraint("programme_id", name="uq_public_programme_programme_id"),)
    programme_id: Mapped[str] = mapped_column(Code, primary_key=True)
    marked_by: Mapped[str] = mapped_column(String(80))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


Index("ix_service_return_programme_round", ServiceReturn.programme_id, ServiceReturn.round_id)
Index("ix_service_return_programme_project_round", ServiceReturn.programme_id, ServiceReturn.project_id,
      ServiceReturn.round_id)
Index("ix_audit_entry_object", AuditEntry.object_kind, AuditEntry.object_id)
