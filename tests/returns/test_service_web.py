"""The returns service through its pages and API, on SQLite and PostgreSQL: sign-in and cookies, lock-out, CSRF on
every state-changing request, other programmes' returns, self-approval, uploads, formula injection, the audit log
and the public pages."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from prosperity.programmes.auth import LOCK_MINUTES, MAX_FAILURES
from prosperity.programmes.service_model import AppUser, AuditEntry
from prosperity.programmes.template import example_tables, write_workbook
from prosperity.programmes.workflow import MAX_UPLOAD
from tests.returns.conftest import PASSWORD, ROUND
from tests.returns.web import User, form_token


def _audit_count(store) -> int:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def _start(sam: User) -> int:
    r = sam.post("/returns", {"programme": "EX-TC", "round": ROUND})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2])


def _fill(sam: User, rid: int, content: dict[str, str]) -> dict:
    r = sam.api(f"/api/v1/returns/{rid}/content", {"version": sam.state(rid)["version"], "sheets": content})
    assert r.status_code == 200, r.text
    return r.json()


def _submitted(sam: User, content: dict[str, str]) -> int:
    rid = _start(sam)
    _fill(sam, rid, content)
    r = sam.post(f"/returns/{rid}/submit", {"version": sam.state(rid)["version"]})
    assert r.status_code == 303, r.text
    return rid


def test_sign_in_cookie_hashing_and_lock_out(app, store, people) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    page = c.get("/returns/sign-in")
    assert page.headers["cache-control"].startswith("no-store")
    r = c.post("/returns/sign-in", data={"username": "sam", "password": PASSWORD, "csrf_token": form_token(page.text)})
    set_cookie = r.headers["set-cookie"].lower()
    assert "prosperity_session=" in set_cookie and "httponly" in set_cookie and "samesite=strict" in set_cookie
    assert "secure" not in set_cookie.replace("prosperity_sign_in", "")  # plain http on loopback: no Secure flag
    with store.session() as s:
        assert s.scalar(select(AppUser.password_hash).where(AppUser.username == "sam")).startswith("$argon2id$")
    # an https deployment marks the cookie Secure
    app.state.public_url = "https://returns.example.org"
    c2 = TestClient(app, follow_redirects=False, base_url="https://testserver")
    page = c2.get("/returns/sign-in")
    r = c2.post("/returns/sign-in", data={"username": "sam", "password": PASSWORD, "csrf_token": form_token(page.text)})
    assert "; secure" in r.headers["set-cookie"].lower()
    app.state.public_url = "http://127.0.0.1:8000"
    # lock-out: after MAX_FAILURES wrong passwords even the right one is refused, with the same message
    c3 = TestClient(app, follow_redirects=False)
    token = form_token(c3.get("/returns/sign-in").text)
    for _ in range(MAX_FAILURES):
        r = c3.post("/returns/sign-in", data={"username": "ann", "password": "wrong password!", "csrf_token": token})
        assert r.status_code == 401 and "Sign-in failed" in r.text
    r = c3.post("/returns/sign-in", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 401 and f"locked for {LOCK_MINUTES} minutes" in r.text
    unknown = c3.post("/returns/sign-in", data={"username": "nobody", "password": PASSWORD, "csrf_token": token})
    assert unknown.status_code == 401 and unknown.text.count("Sign-in failed") == r.text.count("Sign-in failed")
    # a sign-in without the form's token is refused
    assert c3.post("/returns/sign-in", data={"username": "sam", "password": PASSWORD}).status_code == 403
    # pages need a session
    assert TestClient(app, follow_redirects=False).get("/returns").status_code == 303
    assert TestClient(app).get("/api/v1/returns").status_code == 401


def test_every_state_changing_request_needs_the_csrf_token(app, store, people, content) -> None:
    sam, ann, ada = User(app, "sam"), User(app, "ann"), User(app, "ada")
    rid = _submitted(sam, content)
    draft_rid = None
    before = (_audit_count(store), sam.state(rid))
    v = before[1]["version"]
    attempts = [
        (sam, "/returns", {"programme": "EX-TC", "round": "2024-25-H2"}),
        (ann, f"/returns/{rid}/approve", {"version": v}),
        (ann, f"/returns/{rid}/send-back", {"version": v, "comment": "no"}),
        (ann, f"/returns/{rid}/comment", {"comment": "hello"}),
        (sam, f"/returns/{rid}/edit", {"version": v, "sheet_progress": "x"}),
        (ada, "/returns/admin/public", {"programme": "EX-TC", "public": "yes"}),
        (sam, "/returns/sign-out", {}),
    ]
    for user, path, data in attempts:
        r = user.post(path, data, csrf=False)
        assert r.status_code == 403 and "security token" in r.text, path
        r = user.client.post(path, data={**data, "csrf_token": "forged" + user.csrf[6:]})
        assert r.status_code == 403, path
        api = user.api("/api/v1" + path if path.startswith("/returns/") else path, data, csrf=False)
        assert api.status_code in (403, 404, 405), path
    r = sam.client.post(f"/returns/{rid}/upload", files={"file": ("x.csv", b"a,b\n")}, data={"version": v})
    assert r.status_code == 403
    for path in ("submit", "approve", "send-back", "comment", "content"):
        assert ann.api(f"/api/v1/returns/{rid}/{path}", {"version": v, "comment": "x"}, csrf=False).status_code == 403
    assert (_audit_count(store), sam.state(rid)) == before  # nothing changed
    assert sam.get("/returns").status_code == 200  # still signed in: the sign-out without a token was refused
    assert draft_rid is None


def test_other_programmes_returns_cannot_be_read_or_changed(app, store, people, content) -> None:
    sam, olly = User(app, "sam"), User(app, "olly")
    rid = _submitted(sam, content)
    before = (_audit_count(store), sam.state(rid))
    for path in (f"/returns/{rid}", f"/returns/{rid}/edit", f"/api/v1/returns/{rid}", f"/returns/{rid}/sheets/Spend.csv"):
        r = olly.get(path)
        assert r.status_code == 404 and "Example" not in r.text, path
    assert olly.get("/api/v1/returns").json() == []
    assert "EX-TC" not in olly.get("/returns").text
    v = before[1]["version"]
    for path, data in ((f"/returns/{rid}/edit", {"version": v, "sheet_progress": "x"}),
                       (f"/returns/{rid}/submit", {"version": v}), (f"/returns/{rid}/comment", {"comment": "x"}),
                       (f"/returns/{rid}/approve", {"version": v})):  # fmt: skip
        assert olly.post(path, data).status_code == 404, path
        assert olly.api("/api/v1" + path.replace("/edit", "/content"), {**data, "sheets": {}}).status_code == 404, path
    r = olly.client.post(f"/returns/{rid}/upload", files={"file": ("Progress.csv", b"a\n")},
                         data={"version": v, "csrf_token": olly.csrf})  # fmt: skip
    assert r.status_code == 404
    assert olly.post("/returns", {"programme": "EX-TC", "round": "2024-25-H2"}).status_code == 403
    assert olly.get("/returns/admin/audit").status_code == 403
    assert (_audit_count(store), sam.state(rid)) == before


def test_approval_journey_and_no_self_approval(app, store, people, content) -> None:
    sam, ann, ada = User(app, "sam"), User(app, "ann"), User(app, "ada")
    rid = _submitted(sam, content)
    v = sam.state(rid)["version"]
    assert sam.post(f"/returns/{rid}/approve", {"version": v}).status_code == 403  # a submitter never approves
    r = ann.post(f"/returns/{rid}/send-back", {"version": v, "comment": "Forecasts look high"})
    assert r.status_code == 303 and sam.state(rid)["state"] == "returned"
    page = sam.get(f"/returns/{rid}").text
    assert "Forecasts look high" in page and "Returned for changes" in page
    # an administrator who edits and submits it cannot approve it
    ada_v = sam.state(rid)["version"]
    assert ada.post(f"/returns/{rid}/edit", {"version": ada_v, "sheet_progress": content["progress"]}).status_code == 303
    assert ada.post(f"/returns/{rid}/submit", {"version": ada_v + 1}).status_code == 303
    r = ada.post(f"/returns/{rid}/approve", {"version": ada_v + 2})
    assert r.status_code == 403 and "another approver" in r.text
    # the second of two approvers acting on the same version is refused, clearly
    assert ann.post(f"/returns/{rid}/approve", {"version": ada_v + 2}).status_code == 303
    r = User(app, "abe").post(f"/returns/{rid}/send-back", {"version": ada_v + 2, "comment": "late"})
    assert r.status_code == 409 and "Not saved: Ann changed this return" in r.text
    assert sam.state(rid)["state"] == "approved"


def test_a_second_save_of_the_same_version_is_refused(app, store, people, content) -> None:
    sam = User(app, "sam")
    rid = _start(sam)
    v = sam.state(rid)["version"]
    first = sam.post(f"/returns/{rid}/edit", {"version": v, **{f"sheet_{k}": t for k, t in content.items()}})
    assert first.status_code == 303
    second = sam.post(f"/returns/{rid}/edit", {"version": v, "sheet_progress": "Project code\n"})
    assert second.status_code == 409 and "Not saved" in second.text and "Open it again" in second.text
    assert "EX-TC-01" in sam.state(rid)["content"]["progress"]


def _xlsx_with(tmp_path: Path, extra: dict[str, bytes], types_extra: bytes = b"") -> bytes:
    src = write_workbook(tmp_path / "base.xlsx", example_tables(ROUND))
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml" and types_extra:
                data = data.replace(b"</Types>", types_extra + b"</Types>")
            zout.writestr(item, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    return out.getvalue()


def test_uploads_are_limited_in_size_and_kind(app, store, people, content, tmp_path: Path) -> None:
    sam = User(app, "sam")
    rid = _start(sam)

    def upload(name: str, data: bytes):  # type: ignore[no-untyped-def]
        return sam.client.post(f"/returns/{rid}/upload", files={"file": (name, data)},
                               data={"version": sam.state(rid)["version"], "csrf_token": sam.csrf})  # fmt: skip

    good = write_workbook(tmp_path / "runcorn.xlsx", example_tables(ROUND)).read_bytes()
    r = upload("runcorn.xlsx", good)
    assert r.status_code == 303
    state = sam.state(rid)
    assert state["source"] == "runcorn.xlsx" and not [i for i in state["issues"] if i["severity"] == "error"]
    version = state["version"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(good and io.BytesIO(good)) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            z.writestr(item, zin.read(item))
        z.writestr("xl/worksheets/sheet99.xml", b"\0" * (60 * 1024 * 1024))  # 60 MB of zeros: ~60 KB compressed
    cases = {
        "bomb.xlsx": (bomb.getvalue(), "unpacks to more than"),
        "macros.xlsx": (_xlsx_with(tmp_path, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}), "macros"),
        "links.xlsx": (_xlsx_with(tmp_path, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
                       "links to other workbooks"),
        "book.xlsm": (good, "macro-enabled"),
        "notes.txt": (b"hello", "not an .xlsx workbook"),
        "fake.xlsx": (b"PK\x03\x04 not really", "not an Excel workbook"),
        "Other.csv": (b"a,b\n", "must be named as one of the template"),
        "Spend.csv": (b"\xff\xfe\x00bad", "not UTF-8"),
    }
    for name, (data, message) in cases.items():
        r = upload(name, data)
        assert r.status_code == 400 and message in r.text, (name, r.text[:500])
    too_big = upload("big.xlsx", b"PK" + b"\0" * (MAX_UPLOAD + 300 * 1024))
    assert too_big.status_code == 413
    assert sam.state(rid)["version"] == version  # nothing refused changed the return
    # one sheet as CSV replaces that sheet only, and its messages are located
    bad_spend = content["spend"].replace("Contractor's valuation", "Contractor's valuation", 1)
    lines = bad_spend.splitlines()
    cells = next(csv.reader([lines[1]]))
    cells[6] = "lots"  # the value column
    out = io.StringIO()
    csv.writer(out).writerows([next(csv.reader([lines[0]])), cells])
    assert upload("Spend.csv", out.getvalue().encode()).status_code == 303
    errors = [i for i in sam.state(rid)["issues"] if i["severity"] == "error"]
    assert errors and errors[0]["where"].startswith("Spend.csv, sheet 'Spend', row 2, column G")
    page = sam.get(f"/returns/{rid}/edit").text
    assert 'role="alert"' in page and "Spend" in page


def test_formula_injection_is_neutralised_in_csv_downloads(app, store, people, content) -> None:
    sam, ada = User(app, "sam"), User(app, "ada")
    rid = _start(sam)
    evil = '=HYPERLINK("http://evil.example/","Click for details")'
    quoted = '"' + evil.replace('"', '""') + '"'
    sheets = {**content, "progress": content["progress"].replace("Works on site and on programme.", quoted)}
    _fill(sam, rid, sheets)
    sam.post(f"/returns/{rid}/comment", {"comment": "@SUM(1+1)*cmd|' /C calc'!A0"})
    downloaded = sam.get(f"/returns/{rid}/sheets/Progress.csv")
    cells = [c for row in csv.reader(io.StringIO(downloaded.text)) for c in row]
    assert "'" + evil in cells and evil not in cells
    log = ada.get("/returns/admin/audit?format=csv").text
    for row in csv.reader(io.StringIO(log)):
        for c in row:
            assert not c.startswith(("=", "+", "@", "\t", "\r")) and not (c.startswith("-") and len(c) > 1
                                                                         and not c[1:].replace(".", "").isdigit())
    entries = ada.get("/returns/admin/audit?format=json").json()
    assert any(e["action"] == "commented" and "@SUM" in e["after"] for e in entries)


def test_the_audit_log_is_readable_exportable_and_unalterable(app, store, people, content) -> None:
    sam, ada = User(app, "sam"), User(app, "ada")
    rid = _submitted(sam, content)
    assert sam.get("/returns/admin/audit").status_code == 403
    page = ada.get("/returns/admin/audit")
    assert page.status_code == 200 and "submitted" in page.text and "sam" in page.text
    rows = list(csv.DictReader(io.StringIO(ada.get("/returns/admin/audit?format=csv").text)))
    mine = [r for r in rows if r["object"] == f"return {rid}"]
    assert [r["action"] for r in mine] == ["created", "saved", "submitted"]
    assert json.loads(mine[2]["before"])["state"] == "draft" and json.loads(mine[2]["after"])["state"] == "submitted"
    n = len(rows)
    for method in ("post", "put", "delete", "patch"):
        r = getattr(ada.client, method)("/returns/admin/audit", **({"data": {"csrf_token": ada.csrf}}
                                                                    if method != "delete" else {}))  # fmt: skip
        assert r.status_code == 405
    # not even the database's own connection can change or remove an entry
    for sql in ("UPDATE audit_entry SET actor = 'mallory'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(text(sql))
    assert _audit_count(store) == n


def test_public_pages_show_only_approved_and_published_programmes(app, store, people, content) -> None:
    from fastapi.testclient import TestClient

    from prosperity.programmes.auth import add_user
    from prosperity.programmes.workflow import content_from_tables
    from tests.returns.conftest import renamed

    with store.session() as s, s.begin():
        add_user(s, "oscar", PASSWORD, "approver", ["EX-OT"])
    sam, ann, olly, ada = User(app, "sam"), User(app, "ann"), User(app, "olly"), User(app, "ada")
    public = TestClient(app)
    rid = _submitted(sam, content)
    assert "Example town centre programme" not in public.get("/programmes").text  # submitted, not approved
    ann.post(f"/returns/{rid}/approve", {"version": sam.state(rid)["version"]})
    other = content_from_tables(renamed(example_tables(ROUND), "EX-OT"))
    r = olly.post("/returns", {"programme": "EX-OT", "round": ROUND})
    orid = int(r.headers["location"].split("/")[2])
    _fill(olly, orid, other)
    olly.post(f"/returns/{orid}/submit", {"version": olly.state(orid)["version"]})
    User(app, "oscar").post(f"/returns/{orid}/approve", {"version": olly.state(orid)["version"]})
    assert olly.state(orid)["state"] == "approved"
    # approved but not published: not on the public pages or API
    assert public.get("/api/v1/programmes").json()["data"] == []
    assert public.get("/api/v1/programmes/rounds").json()["data"] == []
    assert public.get("/programmes/EX-TC").status_code == 404
    assert ada.post("/returns/admin/public", {"programme": "EX-TC", "public": "yes"}).status_code == 303
    data = public.get("/api/v1/programmes").json()["data"]
    assert [d["programme"] for d in data] == ["EX-TC"] and data[0]["spent_to_date_gbp"] > 0
    assert [r["round"] for r in public.get("/api/v1/programmes/rounds").json()["data"]] == [ROUND]
    assert public.get("/programmes/EX-TC").status_code == 200
    assert public.get("/programmes/EX-OT").status_code == 404
    assert public.get("/api/v1/programmes/EX-OT").status_code == 404
    assert all(row["project"].startswith("EX-TC") for row in public.get("/api/v1/programmes/exceptions").json()["data"])
    ada.post("/returns/admin/public", {"programme": "EX-TC", "public": "no"})
    assert public.get("/api/v1/programmes").json()["data"] == []
