"""The returns service on the web: sign-in, the workflow's pages (``/returns…``) and a JSON API for signed-in
users (``/api/v1/returns…``). Nothing here is public: every page and endpoint needs a session.

- Sessions: :mod:`prosperity.programmes.auth` (``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the public
  address is ``https``).
- CSRF: every state-changing request carries the session's token, as the form field ``csrf_token`` or the header
  ``X-CSRF-Token``, compared in constant time; the sign-in form, before a session exists, uses a double-submit
  cookie. A request without it is refused (403) and changes nothing.
- A return of a programme (or, for a submitter named for projects, of a project) the user does not work on answers
  exactly as a return that does not exist (404).
- Responses are ``no-store``: a shared cache never keeps one user's page for another.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prosperity.programmes import workflow as wf
from prosperity.programmes.auth import (
    SIGN_IN_FAILED,
    Account,
    AuthError,
    Forbidden,
    _aware,
    audit,
    authenticate,
    end_session,
    now,
    same_token,
    session_of,
    start_session,
)
from prosperity.programmes.columns import BY_CSV, CODE, SHEETS
from prosperity.programmes.service_model import AuditEntry, PublicProgramme
from prosperity.programmes.store import ProgrammeStore, StoreError
from prosperity.safe import neutralise

router = APIRouter()
COOKIE = "prosperity_session"
SIGN_IN_COOKIE = "prosperity_sign_in"
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
#: the largest request body the returns pages accept: an uploaded workbook and the form around it
MAX_BODY = wf.MAX_UPLOAD + 256 * 1024
STATE_TEXT = {"draft": "Draft", "submitted": "Submitted for approval", "approved": "Approved",
              "returned": "Returned for changes"}


def _store(request: Request) -> ProgrammeStore:
    state = request.app.state
    if getattr(state, "programmes_store", None) is None:
        from prosperity.programmes.web import store_of

        if store_of(request) is None:  # an embedded store that does not exist yet: make it
            try:
                state.programmes_store = ProgrammeStore.open(getattr(state, "programmes_db", None))
            except StoreError as e:
                raise wf.WorkflowError(str(e)) from None
    return state.programmes_store


def _page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    from prosperity.programmes.web import env

    return HTMLResponse(env().get_template(template).render(nav="returns", **ctx), status_code=status, headers=NO_STORE)


def _secure(request: Request) -> bool:
    return str(getattr(request.app.state, "public_url", "")).startswith("https://") or request.url.scheme == "https"


def _who(request: Request, s: Session) -> tuple[Account, str] | None:
    return session_of(s, request.cookies.get(COOKIE))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, acct: Account | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status, headers=NO_STORE)
    return _page("returns/message.html", status, title={403: "Not allowed", 404: "Not found", 409: "Not saved"}.get(
        status, "Cannot do that"), message=message, account=acct)  # fmt: skip


def _sign_in_needed(request: Request) -> Response:
    if _is_api(request):
        return JSONResponse({"ok": False, "error": "sign in first (POST /returns/sign-in)", "status": 401},
                            status_code=401, headers=NO_STORE)  # fmt: skip
    return RedirectResponse("/returns/sign-in", status_code=303, headers=NO_STORE)


async def _form(request: Request) -> dict[str, Any]:
    if _is_api(request):
        try:
            body = await request.json()
        except ValueError:
            raise wf.WorkflowError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise wf.WorkflowError("the request body must be a JSON object")
        return body
    form = await request.form(max_files=1, max_fields=40, max_part_size=wf.MAX_UPLOAD)
    return dict(form)


def _status(e: Exception) -> int:
    if isinstance(e, wf.Conflict):
        return 409
    if isinstance(e, Forbidden):
        return 403
    if isinstance(e, wf.WorkflowError) and str(e).startswith("no return"):
        return 404
    return 400


async def _act(request: Request, action: Any, *, need_csrf: bool = True) -> Response:
    """Run ``action(session, account, fields)`` for a signed-in user, checking the CSRF token first."""
    try:
        store = _store(request)
    except wf.WorkflowError as e:
        return _error(request, 503, str(e))
    with store.session() as s:
        who = _who(request, s)
        s.rollback()
        if who is None:
            return _sign_in_needed(request)
        acct, csrf = who
        try:
            fields = await _form(request)
        except wf.WorkflowError as e:
            return _error(request, 400, str(e), acct)
        except Exception:  # noqa: BLE001 - a malformed multipart body
            return _error(request, 400, "the form could not be read; send it again", acct)
        given = request.headers.get("x-csrf-token") or fields.get("csrf_token")
        if need_csrf and not same_token(csrf, given if isinstance(given, str) else None):
            return _error(request, 403, "refused: the form's security token is missing or wrong (open the page again "
                          "and resend it); nothing was changed", acct)  # fmt: skip
        try:
            return await action(s, acct, csrf, fields)
        except (wf.WorkflowError, Forbidden, AuthError) as e:
            s.rollback()
            return _error(request, _status(e), str(e), acct)


def _signed_in(request: Request, handle: Any) -> Response:
    """``handle(session, account, csrf)`` for a signed-in user; the sign-in page (or 401) otherwise."""
    try:
        store = _store(request)
    except wf.WorkflowError as e:
        return _error(request, 503, str(e))
    with store.session() as s:
        who = _who(request, s)
        if who is None:
            return _sign_in_needed(request)
        try:
            return handle(s, *who)
        except (wf.WorkflowError, Forbidden) as e:
            return _error(request, _status(e), str(e), who[0])


async def _off(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in a worker thread: checking a return takes seconds of work that must not stall the event loop
    (every other request's reading and writing, and its connections' keep-alive timers, wait on it)."""
    return await run_in_threadpool(fn, *args)


def _version(fields: dict[str, Any]) -> int:
    try:
        return int(str(fields.get("version", "")))
    except ValueError:
        raise wf.WorkflowError("the form has no version of the return; open it again") from None


# ---- signing in and out ---------------------------------------------------------------------------------------
@router.get("/returns/sign-in", include_in_schema=False)
def sign_in_page(request: Request) -> HTMLResponse:
    token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = _page("returns/sign_in.html", title="Sign in to the returns service", csrf=token, error=None)
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/returns/sign-in")  # fmt: skip
    return response


@router.post("/returns/sign-in", include_in_schema=False)
async def sign_in(request: Request) -> Response:
    try:
        store = _store(request)
        form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    except wf.WorkflowError as e:
        return _error(request, 503, str(e))
    except Exception:  # noqa: BLE001 - a malformed body
        return _error(request, 400, "the form could not be read; send it again")
    token = request.cookies.get(SIGN_IN_COOKIE)
    if not same_token(token, form.get("csrf_token") if isinstance(form.get("csrf_token"), str) else None):
        return _error(request, 403, "refused: the sign-in form's security token is missing or wrong (open the sign-in "
                      "page again; cookies must be allowed)")  # fmt: skip
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    with store.session() as s:
        user = authenticate(s, username, password)
        if user is None:
            r = _page("returns/sign_in.html", 401, title="Sign in to the returns service", csrf=token, error=SIGN_IN_FAILED,
                      username=username[:80])  # fmt: skip
            return r
        session_token = start_session(s, user)
    response = RedirectResponse("/returns", status_code=303, headers=NO_STORE)
    response.set_cookie(COOKIE, session_token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(SIGN_IN_COOKIE, path="/returns/sign-in")
    return response


@router.post("/returns/sign-out", include_in_schema=False)
async def sign_out(request: Request) -> Response:
    async def act(s: Session, acct: Account, csrf: str, fields: dict[str, Any]) -> Response:
        end_session(s, request.cookies.get(COOKIE))
        response = RedirectResponse("/returns/sign-in", status_code=303, headers=NO_STORE)
        response.delete_cookie(COOKIE, path="/")
        return response

    return await _act(request, act)


# ---- the list and a new return -----------------------------------------------------------------------------------
def _list_ctx(s: Session, acct: Account) -> dict[str, Any]:
    rows = wf.visible_returns(s, acct)
    public = set(s.scalars(select(PublicProgramme.programme_id)))
    return {"returns": rows, "states": STATE_TEXT, "public": sorted(public),
            "may_start": _startable(acct),
            "people": wf.names(s, {r.updated_by for r in rows})}  # fmt: skip


def _startable(acct: Account) -> list[tuple[str, str]]:
    """(value, label) of what a submitter may start a return for: whole programmes, and single projects."""
    if acct.role != "submitter":
        return []
    return [*((p, f"{p} (the whole programme)") for p in sorted(acct.programmes)),
            *((f"{g}:{p}", f"Project {p} of {g}") for g, p in sorted(acct.projects))]


def _programme_and_project(value: str, project: str) -> tuple[str, str | None]:
    """The form's choice ``PROGRAMME`` or ``PROGRAMME:PROJECT`` (or a separate ``project`` field, as the API takes)."""
    programme, _, part = value.strip().partition(":")
    return programme.strip(), (part or project).strip() or None


@router.get("/returns", include_in_schema=False)
def returns_page(request: Request) -> Response:
    return _signed_in(request, lambda s, acct, csrf: _page("returns/list.html", title="Returns", account=acct,
                                                           csrf=csrf, **_list_ctx(s, acct)))  # fmt: skip


@router.post("/returns", include_in_schema=False)
async def start_return(request: Request) -> Response:
    async def act(s: Session, acct: Account, csrf: str, f: dict[str, Any]) -> Response:
        programme, project = _programme_and_project(str(f.get("programme", "")), str(f.get("project", "")))
        r = await _off(wf.create_return, s, acct, programme, str(f.get("round", "")).strip(), project)
        return RedirectResponse(f"/returns/{r.id}/edit", status_code=303, headers=NO_STORE)

    return await _act(request, act)


# ---- one return --------------------------------------------------------------------------------------------------
def _view_ctx(s: Session, acct: Account, r: Any) -> dict[str, Any]:
    prior = wf.last_approved(s, r)
    comments = wf.comments(s, r)
    people = wf.names(s, {r.created_by, r.updated_by, r.submitted_by, r.decided_by, *(c.user_id for c in comments)})
    issues = wf.issue_objects(r)
    return {"r": r, "prior": prior, "diff": wf.differences(wf.prior_content(s, r, prior), r.content) if prior else None,
            "comments": comments, "people": people, "states": STATE_TEXT,
            "errors": [i for i in issues if i.severity == "error"],
            "warnings": [i for i in issues if i.severity == "warning"],
            "may_edit": acct.submits(r.programme_id, r.project_id) and r.state in wf.EDITABLE,
            "may_decide": acct.approves(r.programme_id) and r.state == "submitted" and r.submitted_by != acct.id,
            "may_comment": acct.submits(r.programme_id, r.project_id) or acct.approves(r.programme_id)}  # fmt: skip


@router.get("/returns/{rid}", include_in_schema=False)
def return_page(request: Request, rid: int) -> Response:
    return _read(request, rid, "returns/return.html")


@router.get("/returns/{rid}/edit", include_in_schema=False)
def edit_page(request: Request, rid: int) -> Response:
    return _read(request, rid, "returns/edit.html")


def _read(request: Request, rid: int, template: str) -> Response:
    def handle(s: Session, acct: Account, csrf: str) -> Response:
        r = wf.get_return(s, acct, rid)
        ctx = _view_ctx(s, acct, r)
        if template == "returns/edit.html" and not ctx["may_edit"]:
            return _error(request, 403, f"this return is {STATE_TEXT[r.state].lower()} and you cannot change it", acct)
        what = f"project {r.project_id} of {r.programme_id}" if r.project_id else r.programme_id
        return _page(template, title=f"Return for {what}, {r.round_id}", account=acct, csrf=csrf,
                     sheets=SHEETS, **ctx)  # fmt: skip

    return _signed_in(request, handle)


@router.get("/returns/{rid}/sheets/{name}", include_in_schema=False)
def sheet_download(request: Request, rid: int, name: str) -> Response:
    """One sheet of the return as CSV, every text cell neutralised against formula injection."""
    sheet = BY_CSV.get(name.casefold())

    def handle(s: Session, acct: Account, csrf: str) -> Response:
        r = wf.get_return(s, acct, rid)
        if sheet is None:
            return _error(request, 404, f"no sheet {name[:40]!r}; the sheets are " + ", ".join(x.csv for x in SHEETS))
        buf = io.StringIO()
        rows = csv.reader(io.StringIO(r.content.get(sheet.key, "")))
        csv.writer(buf, lineterminator="\r\n").writerows([[neutralise(c) for c in row] for row in rows])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
            **NO_STORE, "content-disposition": f'attachment; filename="return-{rid}-{sheet.csv}"'})  # fmt: skip

    return _signed_in(request, handle)


async def _save(request: Request, rid: int, content_of: Any) -> Response:
    async def act(s: Session, acct: Account, csrf: str, f: dict[str, Any]) -> Response:
        content, source = await content_of(f)
        r = await _off(wf.save_content, s, acct, rid, _version(f), content, source)
        if _is_api(request):
            return JSONResponse(_return_json(r), headers=NO_STORE)
        n = sum(1 for i in r.issues if i["severity"] == "error")
        return RedirectResponse(f"/returns/{rid}/edit?saved={'errors' if n else 'ok'}#messages", status_code=303,
                                headers=NO_STORE)  # fmt: skip

    return await _act(request, act)


@router.post("/returns/{rid}/edit", include_in_schema=False)
async def save_form(request: Request, rid: int) -> Response:
    async def content_of(f: dict[str, Any]) -> tuple[dict[str, str], str]:
        content = {s.key: str(f[f"sheet_{s.key}"]).replace("\r\n", "\n") for s in SHEETS if f"sheet_{s.key}" in f}
        return content, wf.WEB_FORM

    return await _save(request, rid, content_of)


@router.post("/returns/{rid}/upload", include_in_schema=False)
async def upload(request: Request, rid: int) -> Response:
    async def content_of(f: dict[str, Any]) -> tuple[dict[str, str], str]:
        file = f.get("file")
        if file is None or isinstance(file, str) or not getattr(file, "filename", ""):
            raise wf.UploadRefused("choose a file to upload: the return workbook (.xlsx) or one sheet as CSV")
        name = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        data = await file.read(wf.MAX_UPLOAD + 1)
        if name.lower().endswith(".csv"):
            key, text = wf.sheet_from_csv(data, name)
            return {key: text}, name
        return await _off(wf.content_from_workbook, data, name), name

    return await _save(request, rid, content_of)


def _decision(name: str) -> Any:
    async def act(s: Session, acct: Account, csrf: str, f: dict[str, Any], rid: int, request: Request) -> Response:
        comment = str(f.get("comment", ""))
        if name == "submit":
            r = await _off(wf.submit, s, acct, rid, _version(f))
        elif name == "approve":
            r = await _off(wf.approve, s, acct, rid, _version(f), comment)
        elif name == "send-back":
            r = await _off(wf.send_back, s, acct, rid, _version(f), comment)
        else:
            await _off(wf.add_comment, s, acct, rid, comment)
            r = await _off(wf.get_return, s, acct, rid)
        if _is_api(request):
            return JSONResponse(_return_json(r), headers=NO_STORE)
        return RedirectResponse(f"/returns/{rid}", status_code=303, headers=NO_STORE)

    return act


for _name in ("submit", "approve", "send-back", "comment"):
    def _route(name: str = _name) -> None:
        act = _decision(name)

        async def page(request: Request, rid: int) -> Response:
            return await _act(request, lambda s, a, c, f: act(s, a, c, f, rid, request))

        router.add_api_route(f"/returns/{{rid}}/{name}", page, methods=["POST"], include_in_schema=False)
        router.add_api_route(f"/api/v1/returns/{{rid}}/{name}", page, methods=["POST"], include_in_schema=False)

    _route()


# ---- the JSON API for signed-in users ----------------------------------------------------------------------------
def _return_json(r: Any, content: bool = False) -> dict[str, Any]:
    out = {"id": r.id, "programme": r.programme_id, "project": r.project_id, "round": r.round_id, "state": r.state,
           "version": r.version, "source": r.source_name, "issues": r.issues, "submission": r.submission_id,
           "updated_at": r.updated_at.isoformat() if r.updated_at else None}  # fmt: skip
    if content:
        out["content"] = r.content
    return out


@router.get("/api/v1/returns", include_in_schema=False)
def api_returns(request: Request) -> Response:
    return _signed_in(request, lambda s, acct, csrf: JSONResponse([_return_json(r) for r in wf.visible_returns(s, acct)],
                                                                  headers=NO_STORE))  # fmt: skip


@router.get("/api/v1/returns/{rid}", include_in_schema=False)
def api_return(request: Request, rid: int) -> Response:
    return _signed_in(request, lambda s, acct, csrf: JSONResponse(_return_json(wf.get_return(s, acct, rid), content=True),
                                                                  headers=NO_STORE))  # fmt: skip


@router.post("/api/v1/returns/{rid}/content", include_in_schema=False)
async def api_save(request: Request, rid: int) -> Response:
    async def content_of(f: dict[str, Any]) -> tuple[dict[str, str], str]:
        sheets = f.get("sheets")
        if not isinstance(sheets, dict) or not all(isinstance(v, str) for v in sheets.values()):
            raise wf.WorkflowError("body.sheets: an object of sheet key → CSV text")
        return sheets, wf.WEB_FORM

    return await _save(request, rid, content_of)


@router.post("/api/v1/returns", include_in_schema=False)
async def api_start(request: Request) -> Response:
    async def act(s: Session, acct: Account, csrf: str, f: dict[str, Any]) -> Response:
        programme, project = _programme_and_project(str(f.get("programme", "")), str(f.get("project") or ""))
        r = await _off(wf.create_return, s, acct, programme, str(f.get("round", "")), project)
        return JSONResponse(_return_json(r), status_code=201, headers=NO_STORE)

    return await _act(request, act)


@router.get("/api/v1/returns-session", include_in_schema=False)
def api_session(request: Request) -> Response:
    """Who is signed in, and the CSRF token their requests must carry (read by the same-origin API client)."""
    return _signed_in(request, lambda s, acct, csrf: JSONResponse({
        "username": acct.username, "role": acct.role, "programmes": sorted(acct.programmes),
        "projects": [{"programme": g, "project": p} for g, p in sorted(acct.projects)], "csrf_token": csrf},
        headers=NO_STORE))  # fmt: skip


# ---- administration: the audit log and what is public --------------------------------------------------------------
def audit_rows(s: Session) -> list[dict[str, Any]]:
    return [{"id": e.id, "at": _aware(e.at).isoformat(), "actor": e.actor, "action": e.action,
             "object": f"{e.object_kind} {e.object_id}", "programme": e.programme_id or "",
             "before": json.dumps(e.before, ensure_ascii=False, sort_keys=True) if e.before is not None else "",
             "after": json.dumps(e.after, ensure_ascii=False, sort_keys=True) if e.after is not None else ""}
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]  # fmt: skip


def audit_csv(rows: list[dict[str, Any]]) -> str:
    """The audit log as CSV, every text cell neutralised against formula injection (:mod:`prosperity.safe`)."""
    buf = io.StringIO()
    cols = ["id", "at", "actor", "action", "object", "programme", "before", "after"]
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] if isinstance(r[c], int) else neutralise(str(r[c])) for c in cols])
    return buf.getvalue()


@router.get("/returns/admin/audit", include_in_schema=False)
def audit_page(request: Request, format: str | None = None) -> Response:  # noqa: A002
    return _signed_in(request, lambda s, acct, csrf: _audit(request, s, acct, csrf, format))


def _audit(request: Request, s: Session, acct: Account, csrf: str, format: str | None) -> Response:  # noqa: A002
    if not acct.admin:
        return _error(request, 403, "only an administrator reads the audit log", acct)
    rows = audit_rows(s)
    if format == "csv":
        return Response(audit_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={**NO_STORE, "content-disposition": 'attachment; filename="audit-log.csv"'})  # fmt: skip
    if format == "json":
        return JSONResponse(rows, headers={**NO_STORE, "content-disposition": 'attachment; filename="audit-log.json"'})
    return _page("returns/audit.html", title="Audit log", account=acct, csrf=csrf, rows=rows[-500:][::-1],
                 total=len(rows))


@router.post("/returns/admin/public", include_in_schema=False)
async def mark_public(request: Request) -> Response:
    async def act(s: Session, acct: Account, csrf: str, f: dict[str, Any]) -> Response:
        if not acct.admin:
            raise Forbidden("only an administrator marks programmes public")
        code = str(f.get("programme", "")).strip()
        if not CODE.match(code):
            raise wf.WorkflowError(f"programme code {code[:80]!r} is not a code such as TD-RCN")
        publish = str(f.get("public", "yes")) == "yes"
        with s.begin():
            was = s.get(PublicProgramme, code) is not None
            s.execute(delete(PublicProgramme).where(PublicProgramme.programme_id == code))
            if publish:
                s.add(PublicProgramme(programme_id=code, marked_by=acct.username, marked_at=now()))
            audit(s, acct.username, "published" if publish else "withdrawn", "programme", code, programme=code,
                  before={"public": was}, after={"public": publish})  # fmt: skip
        return RedirectResponse("/returns", status_code=303, headers=NO_STORE)

    return await _act(request, act)
