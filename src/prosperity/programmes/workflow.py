"""The returns workflow: draft → submitted → approved or returned (and returned → submitted again).

A return's content is the template's CSV bundle held as text (sheet key → CSV), whether it came from an uploaded
workbook or the web form; every save is checked by the same layers as ``prosperity programmes import``
(:func:`prosperity.programmes.validate.check_return`), and the messages keep their sheet, row and column. Only an
approved return becomes a stored submission (:func:`prosperity.programmes.store.add_return`), in the same
transaction as its approval and its audit entry.

Every change is an ``UPDATE … WHERE id = :id AND version = :seen``: a second person saving what the first has
already changed is refused (:class:`Conflict`) with who changed it and when, never silently overwritten.

A return is a whole programme's (``project_id`` empty) or one project's. A project's return holds only that
project's rows (and its programme's row); approving it stores a new submission for the programme's round: what
stands for the round (every return approved for it, in order: :func:`standing`) with that project's rows replaced
(:func:`compose`). So the store keeps one whole submission per programme and round, never overwritten, and a
project's submitter never sees or changes another project's figures. Approvals of one programme are taken one at a
time (rows locked on PostgreSQL, the write lock on SQLite) so that two never compose on the same base.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from prosperity.errors import ProsperityError
from prosperity.programmes.auth import Account, Forbidden, _aware, audit, now
from prosperity.programmes.columns import BY_CSV, BY_KEY, BY_NAME, CODE, IGNORED_SHEETS, SHEETS, norm_header
from prosperity.programmes.importer import read_csv_bundle
from prosperity.programmes.returns import Issue, Return
from prosperity.programmes.service_model import AppUser, AuditEntry, ReturnComment, ServiceReturn
from prosperity.programmes.store import add_return
from prosperity.programmes.validate import Framework, check_return, framework_ids
from prosperity.programmes.years import parse_round

MAX_UPLOAD = 5 * 1024 * 1024  # bytes of an uploaded workbook or CSV file
MAX_UNPACKED = 50 * 1024 * 1024  # bytes a workbook may unpack to
MAX_RATIO = 100  # how many times larger than its compressed size a part of a workbook may be (zip bombs)
MAX_PARTS = 1000
MAX_CELLS = 2_000_000
MAX_COMMENT = 4000
OPEN = ("draft", "submitted", "returned")
EDITABLE = ("draft", "returned")
WEB_FORM = "web form"


class WorkflowError(ProsperityError):
    """An action that the return's state or the request does not allow (a clear message, nothing changed)."""


class Conflict(WorkflowError):
    """Somebody else changed the return since it was read: the save is refused."""


class UploadRefused(WorkflowError):
    """An uploaded file that is not accepted (size, type, macros, external links, a zip bomb)."""


@cache
def _framework() -> Framework:
    return framework_ids()


# ---- content -----------------------------------------------------------------------------------------------------
def _csv_text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def empty_content() -> dict[str, str]:
    return {s.key: _csv_text([[c.label for c in s.columns]]) for s in SHEETS}


def content_from_tables(tables: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Content from template tables (sheet key → rows of column key → value), as the template writes them."""
    from prosperity.programmes.template import write_csv_bundle

    with tempfile.TemporaryDirectory() as d:
        write_csv_bundle(Path(d), tables)
        return {s.key: (Path(d) / s.csv).read_text(encoding="utf-8") for s in SHEETS}


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def check_workbook_archive(data: bytes, name: str) -> None:
    """Refuse a workbook that is too large, unpacks to too much (a zip bomb), or holds macros or external links."""
    if len(data) > MAX_UPLOAD:
        raise UploadRefused(f"{name}: larger than {MAX_UPLOAD // 2**20} MB; a return is far smaller")
    if not name.lower().endswith(".xlsx"):
        kind = "a macro-enabled workbook" if name.lower().endswith((".xlsm", ".xlsb")) else "not an .xlsx workbook"
        raise UploadRefused(f"{name}: {kind}; upload the template saved as an Excel workbook (.xlsx) or one sheet "
                            "as a CSV file")  # fmt: skip
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused(f"{name}: not an Excel workbook (the file is not an .xlsx package)") from None
    if len(parts) > MAX_PARTS:
        raise UploadRefused(f"{name}: holds {len(parts)} parts; a workbook from the template holds a few dozen")
    total = 0
    for p in parts:
        total += p.file_size
        if total > MAX_UNPACKED:
            raise UploadRefused(f"{name}: unpacks to more than {MAX_UNPACKED // 2**20} MB; refused (a return is far "
                                "smaller, and a file that expands this much can be an attack)")  # fmt: skip
        if p.file_size > 1024 * 1024 and p.file_size > MAX_RATIO * max(p.compress_size, 1):
            raise UploadRefused(f"{name}: part {p.filename[:80]!r} expands {p.file_size // max(p.compress_size, 1)} "
                                "times; refused as a possible zip bomb")  # fmt: skip
        low = p.filename.lower()
        if low.endswith("vbaproject.bin") or "/activex/" in low or low.endswith(".bin") and "xl/" in low:
            raise UploadRefused(f"{name}: contains macros or embedded programs ({p.filename[:80]}); save it as a "
                                "plain .xlsx workbook without macros")  # fmt: skip
        if low.startswith("xl/externallinks/") or low == "xl/connections.xml":
            raise UploadRefused(f"{name}: links to other workbooks or data connections ({p.filename[:80]}); "
                                "paste values instead of links and upload again")  # fmt: skip
    try:
        types = z.read("[Content_Types].xml")
    except KeyError:
        raise UploadRefused(f"{name}: not an Excel workbook (no [Content_Types].xml)") from None
    if b"macroEnabled" in types or b"vbaProject" in types:
        raise UploadRefused(f"{name}: a macro-enabled workbook; save it as a plain .xlsx workbook")


def content_from_workbook(data: bytes, name: str) -> dict[str, str]:
    """The content of an uploaded workbook: each of the template's sheets as CSV text, rows and columns where they
    were (so that a message's row and column are the workbook's own)."""
    from openpyxl import load_workbook

    check_workbook_archive(data, name)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise UploadRefused(f"{name}: not an Excel workbook that can be read ({type(e).__name__})") from None
    out: dict[str, str] = {}
    cells = 0
    try:
        for sheet_name in wb.sheetnames:
            key = sheet_name.strip().casefold()
            if key in IGNORED_SHEETS:
                continue
            if key not in BY_NAME:
                expected = ", ".join(repr(s.name) for s in SHEETS)
                raise UploadRefused(f"{name}: sheet {sheet_name[:60]!r} is not part of a return. Expected: {expected} "
                                    "(and an optional 'About' sheet)")  # fmt: skip
            rows = []
            for r in wb[sheet_name].iter_rows(values_only=True):
                cells += len(r)
                if cells > MAX_CELLS:
                    raise UploadRefused(f"{name}: more than {MAX_CELLS:,} cells; a return is far smaller")
                rows.append([_cell_text(v) for v in r])
            while rows and not any(rows[-1]):
                rows.pop()
            out[BY_NAME[key].key] = _csv_text(rows)
    finally:
        wb.close()
    return out


def sheet_from_csv(data: bytes, name: str) -> tuple[str, str]:
    """One sheet from an uploaded CSV file named as in the template's CSV bundle (``Spend.csv``): (key, text)."""
    if len(data) > MAX_UPLOAD:
        raise UploadRefused(f"{name}: larger than {MAX_UPLOAD // 2**20} MB; a return is far smaller")
    sheet = BY_CSV.get(Path(name).name.casefold())
    if sheet is None:
        raise UploadRefused(f"{name}: a CSV file must be named as one of the template's sheets: "
                            + ", ".join(s.csv for s in SHEETS))  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UploadRefused(f"{name}: not UTF-8 text ({e.reason} at byte {e.start}); save it as CSV UTF-8") from None
    if "\0" in text:
        raise UploadRefused(f"{name}: not a text file")
    return sheet.key, text


def read_content(content: dict[str, str], source: str) -> Return:
    """The content read as a CSV bundle (schema layer only), messages naming ``source`` instead of a file."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        for key, text in content.items():
            if key in BY_KEY:
                (folder / BY_KEY[key].csv).write_text(text, encoding="utf-8")
        ret = read_csv_bundle(folder, display=source)
    ret.csv_files = {k: source for k in ret.csv_files}
    from dataclasses import replace

    ret.issues = [replace(i, file=source) for i in ret.issues]
    ret.file = source
    return ret


def check_content(s: Session, r: ServiceReturn, content: dict[str, str], source: str, *, whole: bool = False) -> Return:
    """Every message for this content: the import's layers, then this service's own rules that a return speaks only
    for its programme and round, and a project's return only for its project (``whole``: the content is the whole
    programme's, as a project's return composes it on approval)."""
    ret = read_content(content, source)
    ret = check_return(ret, s, _framework())
    h = ret.header
    if h is not None and h["round"] is not None and h["round"].id != r.round_id:
        ret.issue("error", "service.round", f"this return is for round {r.round_id}; the Return sheet says "
                  f"{h['round'].id}", h, "round")  # fmt: skip
    for key in ("programmes", "projects", "risks"):
        for row in ret.rows(key):
            if row["programme_code"] not in (None, r.programme_id):
                ret.issue("error", "service.programme", f"this return is for programme {r.programme_id}; it cannot "
                          f"report on programme {row['programme_code']}", row, "programme_code")  # fmt: skip
    if r.project_id is not None and not whole:
        _project_rules(ret, r.project_id)
    return ret


def _project_rules(ret: Return, project: str) -> None:
    """A project's return speaks only for its project (other projects' absence is no concern of it)."""
    ret.issues = [i for i in ret.issues if i.rule != "fund.missing-project"]
    for sheet in PROJECT_SHEETS:
        for row in ret.rows(sheet.key):
            code = row["project_code"]
            if code is None and sheet.key == "risks":
                ret.issue("error", "service.project", f"this return is for project {project}: a risk to the whole "
                          "programme belongs in the programme's own return", row, "project_code")  # fmt: skip
            elif code is not None and code != project:
                ret.issue("error", "service.project", f"this return is for project {project}; it cannot report on "
                          f"project {code}", row, "project_code")  # fmt: skip


# ---- a project's part of a programme's content, and a programme's content with a project's part in it ----------
PROJECT_SHEETS = tuple(s for s in SHEETS if any(c.key == "project_code" for c in s.columns))


def _table(text: str) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(text or ""))]


def _column(key: str, labels: list[str], column: str) -> int | None:
    want = norm_header(BY_KEY[key].column(column).label)
    return next((i for i, h in enumerate(labels) if norm_header(h) == want), None)


def _of(row: list[str], i: int | None, project: str) -> bool:
    return i is not None and i < len(row) and row[i].strip() == project


def project_part(content: dict[str, str], project: str) -> dict[str, str]:
    """``content`` with only ``project``'s rows on the sheets that name a project (others whole)."""
    out = dict(content)
    for sheet in PROJECT_SHEETS:
        rows = _table(content.get(sheet.key, ""))
        if rows:
            i = _column(sheet.key, rows[0], "project_code")
            out[sheet.key] = _csv_text([rows[0], *(r for r in rows[1:] if _of(r, i, project))])
    return out


def compose(base: dict[str, str] | None, part: dict[str, str], project: str) -> dict[str, str]:
    """A programme's content: ``base`` (what stands for the round) with ``project``'s rows replaced by ``part``'s.

    The Return sheet is ``part``'s (who returns this, and who signed it off); the Programmes sheet stays ``base``'s
    (a project's return does not redescribe its programme) unless ``base`` has none. ``part``'s columns are matched
    to ``base``'s by heading, so a workbook with its columns in another order composes the same."""
    if not base:
        return dict(part)
    out = {**base, "return": part.get("return", "")}
    if not any(any(c.strip() for c in r) for r in _table(base.get("programmes", ""))[1:]):
        out["programmes"] = part.get("programmes", "")
    for sheet in PROJECT_SHEETS:
        old, new = _table(base.get(sheet.key, "")), _table(part.get(sheet.key, ""))
        if not old:
            out[sheet.key] = part.get(sheet.key, "")
            continue
        labels, i = old[0], _column(sheet.key, old[0], "project_code")
        kept = [r for r in old[1:] if not _of(r, i, project)]
        added: list[list[str]] = []
        if new:
            heads = [norm_header(h) for h in new[0]]
            where = [heads.index(norm_header(h)) if norm_header(h) in heads else None for h in labels]
            added = [[(r[j] if j is not None and j < len(r) else "") for j in where] for r in new[1:]
                     if any(c.strip() for c in r)]  # fmt: skip
        out[sheet.key] = _csv_text([labels, *kept, *added])
    return out


def standing(s: Session, programme: str, round_id: str, *, upto: int | None = None) -> dict[str, str] | None:
    """What stands for ``programme`` in ``round_id``: every return approved for it in the order they were stored
    (a whole programme's replaces all, a project's replaces its project's rows); as it stood after submission
    ``upto`` if given. None if nothing is approved for that round."""
    q = select(ServiceReturn).where(ServiceReturn.programme_id == programme, ServiceReturn.round_id == round_id,
                                    ServiceReturn.state == "approved", ServiceReturn.submission_id.is_not(None))
    if upto is not None:
        q = q.where(ServiceReturn.submission_id <= upto)
    out: dict[str, str] | None = None
    for x in s.scalars(q.order_by(ServiceReturn.submission_id)):
        out = dict(x.content) if x.project_id is None else compose(out, x.content, x.project_id)
    return out


def prior_content(s: Session, r: ServiceReturn, prior: ServiceReturn) -> dict[str, str]:
    """What ``r`` is compared with (and a new draft starts from): the programme's content as it stood once ``prior``
    was approved, only ``r``'s project's part if ``r`` is a project's return."""
    whole = standing(s, prior.programme_id, prior.round_id, upto=prior.submission_id) or dict(prior.content)
    return project_part(whole, r.project_id) if r.project_id else whole


def issue_dicts(ret: Return) -> list[dict[str, Any]]:
    return [i.as_dict() for i in ret.issues]


# ---- reading --------------------------------------------------------------------------------------------------
def get_return(s: Session, acct: Account, rid: int) -> ServiceReturn:
    """The return if this account may read it; the same "no such return" otherwise, so that ids tell nothing."""
    r = s.get(ServiceReturn, rid)
    if r is None or not acct.reads(r.programme_id, r.project_id):
        raise WorkflowError(f"no return {rid} that you can see")
    return r


def visible_returns(s: Session, acct: Account) -> list[ServiceReturn]:
    q = select(ServiceReturn).order_by(ServiceReturn.round_id.desc(), ServiceReturn.programme_id, ServiceReturn.id.desc())
    if not acct.admin:
        one_by_one = [and_(ServiceReturn.programme_id == g, ServiceReturn.project_id == p) for g, p in sorted(acct.projects)]
        q = q.where(or_(ServiceReturn.programme_id.in_(sorted(acct.programmes)), *one_by_one))
    return list(s.scalars(q))


def names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id: u.display_name for u in s.scalars(select(AppUser).where(AppUser.id.in_(wanted)))}


def comments(s: Session, r: ServiceReturn) -> list[ReturnComment]:
    return list(s.scalars(select(ReturnComment).where(ReturnComment.return_id == r.id).order_by(ReturnComment.id)))


def last_approved(s: Session, r: ServiceReturn) -> ServiceReturn | None:
    """The programme's latest approved return other than ``r`` (its last approved round); for a project's return,
    the latest approved that covers its project (the whole programme's, or that project's)."""
    q = select(ServiceReturn).where(ServiceReturn.programme_id == r.programme_id, ServiceReturn.state == "approved",
                                    ServiceReturn.id != r.id)
    if r.project_id is not None:
        q = q.where(or_(ServiceReturn.project_id.is_(None), ServiceReturn.project_id == r.project_id))
    q = q.order_by(ServiceReturn.round_id.desc(), ServiceReturn.decided_at.desc(), ServiceReturn.id.desc()).limit(1)
    return s.scalars(q).first()


def _begin(s: Session) -> Any:
    """A transaction for one action; a read the caller left open (autobegun) is ended first."""
    if s.in_transaction():
        if s.new or s.dirty or s.deleted:
            raise RuntimeError("an action runs in its own transaction: commit the session's changes first")
        s.commit()
    return s.begin()


# ---- changing --------------------------------------------------------------------------------------------------
def _record(r: ServiceReturn, *, content: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"state": r.state, "version": r.version, "source": r.source_name}
    if r.project_id is not None:
        out["project"] = r.project_id
    if content:
        out["content"] = dict(r.content)
    return out


def _apply(s: Session, acct: Account, r: ServiceReturn, seen: int, states: tuple[str, ...], values: dict[str, Any],
           action: str, *, content: bool = False, extra: dict[str, Any] | None = None) -> ServiceReturn:  # fmt: skip
    """Change ``r`` if it is still at version ``seen`` and in one of ``states``; audit it; in the caller's
    transaction. Raises :class:`Conflict` (someone else changed it) or :class:`WorkflowError` (wrong state)."""
    before = _record(r, content=content)
    t = now()
    res = s.execute(update(ServiceReturn)
                    .where(ServiceReturn.id == r.id, ServiceReturn.version == seen, ServiceReturn.state.in_(states))
                    .values(version=ServiceReturn.version + 1, updated_by=acct.id, updated_at=t, **values)
                    .execution_options(synchronize_session=False))  # fmt: skip
    if res.rowcount != 1:  # nothing was changed; read what is there now
        fresh = s.get(ServiceReturn, r.id, populate_existing=True)
        assert fresh is not None
        if fresh.version != seen:
            who = names(s, {fresh.updated_by}).get(fresh.updated_by, "someone")
            when = _aware(fresh.updated_at).strftime("%d %B %Y at %H:%M:%S UTC")
            raise Conflict(f"Not saved: {who} changed this return on {when}, after you opened it (it is now "
                           f"{fresh.state}, version {fresh.version}; you had version {seen}). Open it again to see "
                           "their changes, then make yours.")  # fmt: skip
        raise WorkflowError(f"this return is {fresh.state}; it cannot be {action} now")
    s.refresh(r)
    after = _record(r, content=content) | (extra or {})
    audit(s, acct.username, action, "return", r.id, programme=r.programme_id, before=before, after=after)
    return r


def create_return(s: Session, acct: Account, programme: str, round_id: str, project: str | None = None) -> ServiceReturn:
    """A new draft for ``programme`` (or one ``project`` of it) and ``round_id``, starting from what was last
    approved for it.

    One open return at a time for a programme's round: either the whole programme's, or one per project."""
    project = project or None
    if not CODE.match(programme or ""):
        raise WorkflowError(f"programme code {programme[:80]!r} is not a code such as TD-RCN")
    if project is not None and not CODE.match(project):
        raise WorkflowError(f"project code {project[:80]!r} is not a code such as TD-RCN-01")
    if not acct.submits(programme, project):
        what = f"project {project} of programme {programme}" if project else f"programme {programme} as a whole"
        mine = acct.projects_of(programme)
        hint = f" (you submit for {', '.join(mine)}: choose one of those projects)" if mine and not project else ""
        raise Forbidden(f"you do not submit returns for {what}{hint}")
    try:
        rnd = parse_round(round_id)
    except (ValueError, ProsperityError) as e:
        raise WorkflowError(f"round {round_id[:20]!r}: {e}") from None
    with _begin(s):
        q = select(ServiceReturn.id, ServiceReturn.project_id).where(
            ServiceReturn.programme_id == programme, ServiceReturn.round_id == rnd.id, ServiceReturn.state.in_(OPEN))
        for open_, its_project in s.execute(q.order_by(ServiceReturn.id)):
            if its_project is None:
                raise WorkflowError(f"programme {programme} already has an open return for {rnd.id} (return {open_}, "
                                    "for the whole programme); continue that one")  # fmt: skip
            if project is None:
                raise WorkflowError(f"programme {programme} has open project returns for {rnd.id} (return {open_}, "
                                    f"for project {its_project}): they are approved or returned first")  # fmt: skip
            if its_project == project:
                raise WorkflowError(f"project {project} already has an open return for {rnd.id} (return {open_}); "
                                    "continue that one")  # fmt: skip
        t = now()
        r = ServiceReturn(programme_id=programme, project_id=project, round_id=rnd.id, state="draft", version=1,
                          content=empty_content(), source_name=WEB_FORM, issues=[], created_by=acct.id, created_at=t,
                          updated_by=acct.id, updated_at=t)  # fmt: skip
        prior = last_approved(s, r)
        if prior is not None:
            r.content = _with_round(prior_content(s, r, prior), rnd.id)
        r.issues = issue_dicts(check_content(s, r, r.content, r.source_name))
        s.add(r)
        s.flush()
        audit(s, acct.username, "created", "return", r.id, programme=programme, after=_record(r, content=True))
        return r


def _with_round(content: dict[str, str], round_id: str) -> dict[str, str]:
    """The Return sheet's round set to ``round_id`` (a new round starts from the last approved return)."""
    rows = list(csv.reader(io.StringIO(content.get("return", ""))))
    if len(rows) >= 2:
        labels = [norm_header(h) for h in rows[0]]
        col = next((i for i, h in enumerate(labels) if h == norm_header(BY_KEY["return"].column("round").label)), None)
        if col is not None and col < len(rows[1]):
            rows[1][col] = round_id
            content["return"] = _csv_text(rows)
    return content


def save_content(s: Session, acct: Account, rid: int, seen: int, content: dict[str, str], source: str) -> ServiceReturn:
    """Save new content (all sheets, or the sheets given replacing those of the same name) as the draft."""
    unknown = [k for k in content if k not in BY_KEY]
    if unknown:
        raise WorkflowError(f"{unknown[0][:40]!r} is not a sheet of the return")
    with _begin(s):
        r = get_return(s, acct, rid)
        _may_submit(acct, r)
        merged = {**r.content, **content}
        issues = issue_dicts(check_content(s, r, merged, source))
        if r.state not in EDITABLE:
            raise WorkflowError(f"this return is {r.state}; only a draft or a returned return can be changed")
        return _apply(s, acct, r, seen, EDITABLE, {"content": merged, "issues": issues, "source_name": source[:300]},
                      "saved", content=True)  # fmt: skip


def submit(s: Session, acct: Account, rid: int, seen: int) -> ServiceReturn:
    with _begin(s):
        r = get_return(s, acct, rid)
        _may_submit(acct, r)
        errors = [i for i in r.issues if i["severity"] == "error"]
        if errors:
            raise WorkflowError(f"this return has {len(errors)} error(s) to correct before it can be submitted; "
                                "each is listed with its sheet, row and column")  # fmt: skip
        return _apply(s, acct, r, seen, EDITABLE, {"state": "submitted", "submitted_by": acct.id, "submitted_at": now()},
                      "submitted")  # fmt: skip


def _may_submit(acct: Account, r: ServiceReturn) -> None:
    if not acct.submits(r.programme_id, r.project_id):
        raise Forbidden(f"you do not submit returns for {_what(r)}")


def _what(r: ServiceReturn) -> str:
    return f"project {r.project_id} of programme {r.programme_id}" if r.project_id else f"programme {r.programme_id}"


def _edited_by(s: Session, r: ServiceReturn, username: str) -> bool:
    q = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_kind == "return", AuditEntry.object_id == str(r.id), AuditEntry.actor == username,
        AuditEntry.action.in_(("created", "saved", "submitted")))  # fmt: skip
    return bool(s.scalar(q))


def _may_decide(s: Session, acct: Account, r: ServiceReturn) -> None:
    if not acct.approves(r.programme_id):
        raise Forbidden(f"you do not approve returns for programme {r.programme_id}")
    if r.submitted_by == acct.id or _edited_by(s, r, acct.username):
        raise Forbidden("you prepared or submitted this return, so you cannot approve or return it: another approver "
                        "must")  # fmt: skip


def approve(s: Session, acct: Account, rid: int, seen: int, comment: str = "") -> ServiceReturn:
    """Approve a submitted return: it is stored as the programme's submission for its round, in one transaction (a
    project's return composed into what stands for the round: :func:`compose`)."""
    with _begin(s):
        r = get_return(s, acct, rid)
        _may_decide(s, acct, r)
        # one approval of this programme at a time: lock its returns (PostgreSQL), then write (on SQLite the write
        # takes the database's lock) before reading what stands, so that no two approvals compose on the same base
        # or both make the programme's and projects' rows
        s.scalars(select(ServiceReturn.id).where(ServiceReturn.programme_id == r.programme_id)
                  .order_by(ServiceReturn.id).with_for_update()).all()  # fmt: skip
        t = now()
        _apply(s, acct, r, seen, ("submitted",), {"state": "approved", "decided_by": acct.id, "decided_at": t},
               "approved", extra={"comment": comment[:MAX_COMMENT]} if comment else None)  # fmt: skip
        if r.project_id is None:
            ret = check_content(s, r, r.content, r.source_name)
        else:
            whole = compose(standing(s, r.programme_id, r.round_id), r.content, r.project_id)
            ret = check_content(s, r, whole, r.source_name, whole=True)
        if ret.errors:
            shown = "; ".join(str(i) for i in ret.errors[:3])
            raise WorkflowError(f"this return now has {len(ret.errors)} error(s) (the stored figures changed since it "
                                f"was submitted, or the programme's other approved figures conflict with it): {shown}; "
                                "return it so they can be corrected")  # fmt: skip
        ret.file = f"{r.source_name} (return {r.id})"
        sid = add_return(s, ret, received_at=_aware(r.submitted_at))
        s.execute(update(ServiceReturn).where(ServiceReturn.id == r.id).values(submission_id=sid)
                  .execution_options(synchronize_session=False))  # fmt: skip
        if comment.strip():
            _comment(s, acct, r, comment)
    s.refresh(r)
    return r


def send_back(s: Session, acct: Account, rid: int, seen: int, comment: str) -> ServiceReturn:
    """Return a submitted return to its programme office, saying why."""
    if not comment.strip():
        raise WorkflowError("say why the return goes back: the comment is required")
    with _begin(s):
        r = get_return(s, acct, rid)
        _may_decide(s, acct, r)
        _apply(s, acct, r, seen, ("submitted",), {"state": "returned", "decided_by": acct.id, "decided_at": now()},
               "returned", extra={"comment": comment[:MAX_COMMENT]})  # fmt: skip
        _comment(s, acct, r, comment)
    return r


def _comment(s: Session, acct: Account, r: ServiceReturn, body: str) -> None:
    body = body.strip()[:MAX_COMMENT]
    c = ReturnComment(return_id=r.id, user_id=acct.id, created_at=now(), body=body)
    s.add(c)
    audit(s, acct.username, "commented", "return", r.id, programme=r.programme_id, after={"comment": body})


def add_comment(s: Session, acct: Account, rid: int, body: str) -> None:
    if not body.strip():
        raise WorkflowError("the comment is empty")
    with _begin(s):
        r = get_return(s, acct, rid)
        if not (acct.submits(r.programme_id, r.project_id) or acct.approves(r.programme_id)):
            raise Forbidden("viewers read returns; they do not comment")
        _comment(s, acct, r, body)


# ---- differences from the last approved round --------------------------------------------------------------------
@dataclass
class Change:
    sheet: str
    kind: str  # added, removed, changed
    row: str  # what identifies the row
    cells: list[tuple[str, str, str]]  # (column, before, after)


def _rows(text: str, key: str) -> tuple[list[str], dict[tuple[str, ...], dict[str, str]]]:
    sheet = BY_KEY[key]
    rows = list(csv.reader(io.StringIO(text or "")))
    if not rows:
        return [], {}
    labels = rows[0]
    by_label = {norm_header(c.label): c.key for c in sheet.columns}
    keys = [by_label.get(norm_header(h), h) for h in labels]
    out: dict[tuple[str, ...], dict[str, str]] = {}
    for n, r in enumerate(rows[1:], start=2):
        if not any(x.strip() for x in r):
            continue
        d = {k: (r[i].strip() if i < len(r) else "") for i, k in enumerate(keys)}
        if sheet.one_row:
            ident: tuple[str, ...] = ()
        else:
            ident = tuple(d.get(u, "") for u in sheet.unique) if sheet.unique else tuple(d.values())
        if ident in out:
            ident = (*ident, f"row {n}")
        out[ident] = d
    return labels, out


def differences(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    """Row by row, sheet by sheet: rows added, removed, and cells changed (rows matched by the sheet's key columns)."""
    out: list[Change] = []
    for s in SHEETS:
        _, old = _rows(before.get(s.key, ""), s.key)
        _, new = _rows(after.get(s.key, ""), s.key)
        label = {c.key: c.label for c in s.columns}
        for k in new.keys() - old.keys():
            out.append(Change(s.name, "added", " / ".join(x for x in k if x), []))
        for k in old.keys() - new.keys():
            out.append(Change(s.name, "removed", " / ".join(x for x in k if x), []))
        for k in new.keys() & old.keys():
            cells = [(label.get(c, c), old[k].get(c, ""), v) for c, v in new[k].items() if old[k].get(c, "") != v]
            if cells:
                out.append(Change(s.name, "changed", " / ".join(x for x in k if x), cells))
    order = {s.name: i for i, s in enumerate(SHEETS)}
    return sorted(out, key=lambda c: (order[c.sheet], c.kind, c.row))


def issue_objects(r: ServiceReturn) -> list[Issue]:
    return [Issue(i["severity"], i["rule"], i["message"], i["file"], i.get("sheet"), i.get("row"), i.get("column"))
            for i in r.issues]  # fmt: skip
