"""Accounts, roles, sign-in and sessions of the returns service.

- Passwords are hashed with Argon2id (``argon2-cffi``'s defaults: RFC 9106's second recommended option, 64 MiB,
  3 passes), and re-hashed when those parameters change.
- A session is a random 256-bit token in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` whenever the
  site is served over HTTPS); the store keeps only its SHA-256, with its CSRF token and expiry, so that signing out,
  disabling an account or changing its role ends its sessions at once.
- After :data:`MAX_FAILURES` failed sign-ins in a row an account is locked for :data:`LOCK_MINUTES` minutes; the
  message never says whether the name exists (an unknown name costs a hash too).

Roles (:data:`~prosperity.programmes.service_model.ROLES`): a *viewer* reads the returns of its programmes; a
*submitter* also drafts, edits and submits them, for named programmes (all their projects, and the whole
programme's return) or for named projects (only those projects' returns); an *approver* reads the returns of its
programmes and approves or returns what others submitted; an *administrator* does everything, manages accounts,
reads and exports the audit log and marks programmes public.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prosperity.errors import ProsperityError
from prosperity.programmes import model as m
from prosperity.programmes.columns import CODE
from prosperity.programmes.service_model import ROLES, AppUser, AuditEntry, UserProgramme, UserProject, UserSession

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")


class AuthError(ProsperityError):
    """An account cannot be created or changed as asked."""


class Forbidden(ProsperityError):
    """The signed-in user may not do this (403)."""


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def audit(s: Session, actor: str, action: str, kind: str, object_id: object, *, programme: str | None = None,
          before: dict | None = None, after: dict | None = None) -> None:  # fmt: skip
    """Append one entry to the audit log, in the caller's transaction (so it commits with the change or not at all)."""
    s.add(AuditEntry(at=now(), actor=actor, action=action, object_kind=kind, object_id=str(object_id),
                     programme_id=programme, before=before, after=after))  # fmt: skip


# ---- accounts ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """The signed-in user as a request sees it.

    ``programmes``: programmes it works on as a whole (every project, and the programme's own return);
    ``projects``: (programme, project) pairs a submitter works on one by one. Every check takes the return's
    programme and project (None for a whole programme's return).
    """

    id: int
    username: str
    display_name: str
    role: str
    programmes: frozenset[str]
    projects: frozenset[tuple[str, str]] = frozenset()

    @property
    def admin(self) -> bool:
        return self.role == "administrator"

    def reads(self, programme: str, project: str | None = None) -> bool:
        return self.admin or programme in self.programmes or (project is not None
                                                               and (programme, project) in self.projects)

    def submits(self, programme: str, project: str | None = None) -> bool:
        return self.admin or (self.role == "submitter" and self.reads(programme, project))

    def approves(self, programme: str, project: str | None = None) -> bool:
        return self.admin or (self.role == "approver" and programme in self.programmes)

    def projects_of(self, programme: str) -> list[str]:
        """The projects of ``programme`` this account is named for one by one."""
        return sorted(p for g, p in self.projects if g == programme)


def account_of(s: Session, user: AppUser) -> Account:
    progs = frozenset(s.scalars(select(UserProgramme.programme_id).where(UserProgramme.user_id == user.id)))
    projs = frozenset((g, p) for g, p in s.execute(select(UserProject.programme_id, UserProject.project_id)
                                                   .where(UserProject.user_id == user.id)))  # fmt: skip
    return Account(user.id, user.username, user.display_name, user.role, progs, projs)


def scope_text(programmes: list[str] | frozenset[str], projects: list[tuple[str, str]] | frozenset[tuple[str, str]]) -> str:
    """Programmes and projects as a listing shows them: ``EX-OT, EX-TC-01 (project of EX-TC)``."""
    return ", ".join([*sorted(programmes), *(f"{p} (project of {g})" for g, p in sorted(projects, key=lambda x: x[::-1]))])


def _snapshot(s: Session, u: AppUser) -> dict:
    a = account_of(s, u)
    return {"username": u.username, "display_name": u.display_name, "role": u.role, "disabled": u.disabled,
            "programmes": sorted(a.programmes), "projects": [f"{g}:{p}" for g, p in sorted(a.projects)]}  # fmt: skip


PROJECT_HINT = "name its programme too, as PROGRAMME:PROJECT (for example TD-RCN:TD-RCN-01)"


def _check_role(role: str, programmes: list[str], projects: list[str] | None = None) -> None:
    projects = projects or []
    if role not in ROLES:
        raise AuthError(f"role {role!r} is not one of {', '.join(ROLES)}")
    bad = [p for p in programmes if not CODE.match(p)]
    if bad:
        raise AuthError(f"programme code {bad[0][:80]!r} is not a code such as TD-RCN (letters, digits, . _ / -)")
    for text in projects:
        if not all(CODE.match(part) for part in text.split(":", 1)) or text.count(":") > 1:
            raise AuthError(f"project {text[:80]!r} is not a project code such as TD-RCN-01, or {PROJECT_HINT}")
    if projects and role != "submitter":
        raise AuthError(f"only a submitter works on named projects; a{'n' if role[0] in 'aeiou' else ''} {role} works "
                        "on named programmes (--programme)")  # fmt: skip
    if role in ("viewer", "approver") and not programmes:
        raise AuthError(f"a{'n' if role[0] in 'aeiou' else ''} {role} works on named programmes: give at least one "
                        "--programme")  # fmt: skip
    if role == "submitter" and not programmes and not projects:
        raise AuthError("a submitter works on named programmes or projects: give at least one --programme or --project")


def _resolve_projects(s: Session, projects: list[str]) -> list[tuple[str, str]]:
    """(programme, project) for each ``PROJECT`` (its programme read from the store) or ``PROGRAMME:PROJECT``."""
    out: dict[str, str] = {}
    for text in projects:
        given, _, code = text.rpartition(":")
        stored = s.get(m.Project, code)
        if stored is None and not given:
            raise AuthError(f"project {code[:80]} is not in the programme store yet: {PROJECT_HINT}")
        if stored is not None and given and stored.programme_id != given:
            raise AuthError(f"project {code} belongs to programme {stored.programme_id}, not {given}")
        out[code] = given or stored.programme_id  # type: ignore[union-attr]
    return [(g, p) for p, g in out.items()]


def _grant(s: Session, u: AppUser, programmes: list[str], projects: list[tuple[str, str]]) -> None:
    for p in dict.fromkeys(programmes):
        s.add(UserProgramme(user_id=u.id, programme_id=p))
    for g, p in projects:
        s.add(UserProject(user_id=u.id, project_id=p, programme_id=g))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password is shorter than {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AuthError("the password is longer than 1024 characters")


def add_user(s: Session, username: str, password: str, role: str, programmes: list[str], *,
             projects: list[str] | None = None, display_name: str | None = None,
             actor: str = "command line") -> AppUser:  # fmt: skip
    """Create an account (in the caller's transaction). ``projects``: ``PROJECT`` or ``PROGRAMME:PROJECT`` each."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AuthError(f"user name {username[:80]!r} must be 2-80 lower-case letters, digits or . _ @ -")
    _check_role(role, programmes, projects)
    check_password(password)
    if s.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
        raise AuthError(f"user {username} already exists (use `prosperity users set-role` to change it)")
    pairs = _resolve_projects(s, projects or [])
    u = AppUser(username=username, display_name=(display_name or username)[:200], password_hash=hasher().hash(password),
                role=role, disabled=False, failed_logins=0, created_at=now())  # fmt: skip
    s.add(u)
    s.flush()
    _grant(s, u, programmes, pairs)
    s.flush()
    audit(s, actor, "user added", "user", username, after=_snapshot(s, u))
    return u


def _user(s: Session, username: str) -> AppUser:
    u = s.scalar(select(AppUser).where(AppUser.username == username.strip().lower()))
    if u is None:
        raise AuthError(f"no user {username[:80]!r}")
    return u


def set_role(s: Session, username: str, role: str, programmes: list[str], *, projects: list[str] | None = None,
             actor: str = "command line") -> AppUser:  # fmt: skip
    """Replace an account's role, programmes and projects (audited before and after; its sessions end)."""
    _check_role(role, programmes, projects)
    u = _user(s, username)
    pairs = _resolve_projects(s, projects or [])
    before = _snapshot(s, u)
    u.role = role
    s.execute(delete(UserProgramme).where(UserProgramme.user_id == u.id))
    s.execute(delete(UserProject).where(UserProject.user_id == u.id))
    s.flush()
    _grant(s, u, programmes, pairs)
    s.execute(delete(UserSession).where(UserSession.user_id == u.id))  # a changed role signs in again
    s.flush()
    audit(s, actor, "role changed", "user", u.username, before=before, after=_snapshot(s, u))
    return u


def set_disabled(s: Session, username: str, disabled: bool = True, *, actor: str = "command line") -> AppUser:
    u = _user(s, username)
    before = _snapshot(s, u)
    u.disabled = disabled
    if disabled:
        s.execute(delete(UserSession).where(UserSession.user_id == u.id))
    else:
        u.failed_logins, u.locked_until = 0, None
    s.flush()
    audit(s, actor, "user disabled" if disabled else "user enabled", "user", u.username, before=before,
          after=_snapshot(s, u))  # fmt: skip
    return u


def set_password(s: Session, username: str, password: str, *, actor: str = "command line") -> AppUser:
    check_password(password)
    u = _user(s, username)
    u.password_hash = hasher().hash(password)
    u.failed_logins, u.locked_until = 0, None
    s.execute(delete(UserSession).where(UserSession.user_id == u.id))
    audit(s, actor, "password set", "user", u.username)
    return u


# ---- signing in ------------------------------------------------------------------------------------------------
SIGN_IN_FAILED = ("Sign-in failed: the user name or password is wrong, or the account is disabled or locked for "
                  f"{LOCK_MINUTES} minutes after {MAX_FAILURES} failed attempts.")  # fmt: skip


def authenticate(s: Session, username: str, password: str) -> AppUser | None:
    """The account if ``password`` is right and the account is usable; else None (after counting the failure).

    Commits its own changes (a failed attempt must be counted even though the request fails).
    """
    name = username.strip().lower()[:80]
    with s.begin():
        u = s.scalar(select(AppUser).where(AppUser.username == name).with_for_update())
        if u is None:
            with suppress(VerificationError):  # the same work as for a real account: timing tells no names
                hasher().verify(_dummy_hash(), password[:1024])
            return None
        locked = _aware(u.locked_until)
        if u.disabled or (locked is not None and locked > now()):
            audit(s, name, "sign-in refused", "user", name, after={"reason": "disabled" if u.disabled else "locked"})
            return None
        try:
            hasher().verify(u.password_hash, password[:1024])
        except (VerificationError, InvalidHashError):
            u.failed_logins += 1
            if u.failed_logins >= MAX_FAILURES:
                u.locked_until, u.failed_logins = now() + timedelta(minutes=LOCK_MINUTES), 0
                audit(s, name, "account locked", "user", name, after={"locked_until": u.locked_until.isoformat()})
            return None
        u.failed_logins, u.locked_until = 0, None
        if hasher().check_needs_rehash(u.password_hash):
            u.password_hash = hasher().hash(password)
        audit(s, name, "signed in", "user", name)
        return u


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(s: Session, user: AppUser) -> str:
    """A new session for ``user``; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    with s.begin():
        t = now()
        s.execute(delete(UserSession).where(UserSession.expires_at < t))
        s.add(UserSession(token_sha256=_sha(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                          created_at=t, expires_at=t + timedelta(hours=SESSION_HOURS)))  # fmt: skip
    return token


def session_of(s: Session, token: str | None) -> tuple[Account, str] | None:
    """The account and CSRF token of a live session, or None."""
    if not token or len(token) > 100:
        return None
    row = s.execute(select(UserSession, AppUser).join(AppUser, AppUser.id == UserSession.user_id)
                    .where(UserSession.token_sha256 == _sha(token))).first()  # fmt: skip
    if row is None:
        return None
    sess, user = row
    if user.disabled or _aware(sess.expires_at) <= now():
        return None
    return account_of(s, user), sess.csrf_token


def end_session(s: Session, token: str | None) -> None:
    if token:
        with s.begin():
            s.execute(delete(UserSession).where(UserSession.token_sha256 == _sha(token)))


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
