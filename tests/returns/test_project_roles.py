"""Roles per project, on SQLite and PostgreSQL: a submitter named for one project of a programme reads, drafts and
submits only that project's returns (never another project's, nor the whole programme's), through the workflow,
the pages and the API (guessed ids, replayed forms, CSRF intact); a project's approved return joins what stands
for its programme's round; roles are changed and listed from the command line, every change in the audit log; and
the migration that brought project roles keeps every existing account's role."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from prosperity.cli import app as cli
from prosperity.programmes import model as m
from prosperity.programmes.auth import AuthError, Forbidden, account_of, add_user, set_role
from prosperity.programmes.service_model import AppUser, AuditEntry, UserProject
from prosperity.programmes.store import ProgrammeStore, current_submissions
from prosperity.programmes.workflow import (
    WorkflowError,
    approve,
    create_return,
    get_return,
    project_part,
    save_content,
    standing,
    submit,
    visible_returns,
)
from tests.returns.conftest import NEXT_ROUND, PASSWORD, ROUND
from tests.returns.web import User

runner = CliRunner()


def _rows(text_: str, column: str) -> list[str]:
    return [r[column] for r in csv.DictReader(io.StringIO(text_))]


def _project_return(store: ProgrammeStore, who, project: str, content: dict[str, str], round_id: str = ROUND):  # type: ignore[no-untyped-def]
    """A submitted return for ``project`` of EX-TC holding that project's part of ``content``."""
    with store.session() as s:
        r = create_return(s, who, "EX-TC", round_id, project)
    with store.session() as s:
        r = save_content(s, who, r.id, r.version, project_part(content, project), "web form")
        assert [i for i in r.issues if i["severity"] == "error"] == [], r.issues
        return submit(s, who, r.id, r.version)


def test_project_submitters_work_on_their_project_only(store: ProgrammeStore, people, content) -> None:
    pat, quinn, sam = people["pat"], people["quinn"], people["sam"]
    assert (pat.programmes, pat.projects) == (frozenset(), frozenset({("EX-TC", "EX-TC-01")}))
    with store.session() as s:
        for programme, project in (("EX-TC", None), ("EX-TC", "EX-TC-02"), ("EX-OT", "EX-TC-01")):
            with pytest.raises(Forbidden, match="you do not submit returns for"):
                create_return(s, pat, programme, ROUND, project)
    mine = _project_return(store, pat, "EX-TC-01", content)
    assert (mine.project_id, mine.state) == ("EX-TC-01", "submitted")
    # its own return is one project's part: no other project's rows, and no "project missing" warnings for them
    assert set(_rows(mine.content["spend"], "Project code")) == {"EX-TC-01"}
    assert not any(i["rule"] == "fund.missing-project" for i in mine.issues)
    with store.session() as s:
        with pytest.raises(WorkflowError, match="already has an open return"):
            create_return(s, pat, "EX-TC", ROUND, "EX-TC-01")
        with pytest.raises(WorkflowError, match="open project returns"):
            create_return(s, sam, "EX-TC", ROUND)  # the whole programme's return waits for its projects' returns
        theirs = create_return(s, quinn, "EX-TC", ROUND, "EX-TC-02")
        # quinn cannot see, save over or submit pat's; pat cannot see quinn's; sam (the programme's) sees both
        for who, rid in ((quinn, mine.id), (pat, theirs.id)):
            with pytest.raises(WorkflowError, match="no return"):
                get_return(s, who, rid)
            with pytest.raises(WorkflowError, match="no return"):
                save_content(s, who, rid, 2, content, "web form")
            with pytest.raises(WorkflowError, match="no return"):
                submit(s, who, rid, 2)
        assert [r.id for r in visible_returns(s, pat)] == [mine.id]
        assert {r.id for r in visible_returns(s, sam)} == {mine.id, theirs.id}
        # a project's return that reports another project's rows, or a risk to the whole programme, is located
        r = save_content(s, quinn, theirs.id, theirs.version, content, "web form")
    refused = [i for i in r.issues if i["rule"] == "service.project"]
    assert refused and all(i["severity"] == "error" for i in refused)
    assert any("it cannot report on project EX-TC-01" in i["message"] and i["column"].endswith("'Project code'")
               and i["row"] >= 2
               and i["sheet"] == "Spend" for i in refused)  # fmt: skip
    with store.session() as s, pytest.raises(WorkflowError, match="error"):
        submit(s, quinn, theirs.id, r.version)


def test_approved_project_returns_compose_the_programme_s_round(store: ProgrammeStore, people, content) -> None:
    pat, quinn, sam, ann = people["pat"], people["quinn"], people["sam"], people["ann"]
    first = _project_return(store, pat, "EX-TC-01", content)
    with store.session() as s, pytest.raises(Forbidden):
        approve(s, pat, first.id, first.version)  # a submitter never approves
    with store.session() as s:
        first = approve(s, ann, first.id, first.version)
        subs = current_submissions(s, ROUND)
        spend = s.scalars(select(m.Spend.project_id).where(m.Spend.submission_id == subs["EX-TC"].id)).all()
    assert set(spend) == {"EX-TC-01"}  # what is approved so far for the round: one project
    second = _project_return(store, quinn, "EX-TC-02", content)
    with store.session() as s:
        second = approve(s, ann, second.id, second.version)
        sub = current_submissions(s, ROUND)["EX-TC"]
        assert sub.id == second.submission_id and sub.supersedes_id == first.submission_id
        stored = sorted(s.scalars(select(m.Spend.reference).where(m.Spend.submission_id == sub.id)))
        whole = standing(s, "EX-TC", ROUND)
    # both projects' figures now stand for the round, exactly as the programme's whole return has them
    expected = [r["Reference"] for r in csv.DictReader(io.StringIO(content["spend"]))]
    assert stored == sorted(expected)
    assert sorted(_rows(whole["spend"], "Reference")) == sorted(expected)
    # the next round's draft for a project starts from that project's part of what stands; the programme's from all
    with store.session() as s:
        nxt = create_return(s, pat, "EX-TC", NEXT_ROUND, "EX-TC-01")
        assert set(_rows(nxt.content["spend"], "Project code")) == {"EX-TC-01"} and NEXT_ROUND in nxt.content["return"]
    with store.session() as s, pytest.raises(WorkflowError, match="open project returns"):
        create_return(s, sam, "EX-TC", NEXT_ROUND)


def _start(user: User, choice: str, round_id: str = ROUND) -> int:
    r = user.post("/returns", {"programme": choice, "round": round_id})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2])


def _submit(user: User, rid: int, sheets: dict[str, str]) -> None:
    r = user.api(f"/api/v1/returns/{rid}/content", {"version": user.state(rid)["version"], "sheets": sheets})
    assert r.status_code == 200, r.text
    r = user.post(f"/returns/{rid}/submit", {"version": user.state(rid)["version"]})
    assert r.status_code == 303, r.text


def _audit_count(store: ProgrammeStore) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_a_project_submitter_cannot_reach_other_returns_through_pages_or_api(app, store, people, content) -> None:
    sam, pat, quinn = User(app, "sam"), User(app, "pat"), User(app, "quinn")
    whole = _start(sam, "EX-TC", NEXT_ROUND)  # the whole programme's return (a draft), another round
    assert sam.api(f"/api/v1/returns/{whole}/content", {"version": 1, "sheets": content}).status_code == 200
    other = _start(quinn, "EX-TC:EX-TC-02")  # another project's
    _submit(quinn, other, project_part(content, "EX-TC-02"))
    page = pat.get("/returns").text
    assert 'value="EX-TC:EX-TC-01"' in page and 'value="EX-TC"' not in page  # it may start only its project's
    mine = _start(pat, "EX-TC:EX-TC-01")
    assert pat.state(mine)["project"] == "EX-TC-01"
    session = pat.get("/api/v1/returns-session").json()
    assert (session["programmes"], session["projects"]) == ([], [{"programme": "EX-TC", "project": "EX-TC-01"}])
    before = (_audit_count(store), sam.state(whole), quinn.state(other))
    # ids guessed: of every id up to well past the last, only its own answers; the others as if they did not exist
    for rid in range(1, mine + 5):
        r = pat.get(f"/api/v1/returns/{rid}")
        assert r.status_code == (200 if rid == mine else 404), rid
    assert [r["id"] for r in pat.get("/api/v1/returns").json()] == [mine]
    listing = pat.get("/returns").text
    assert f'href="/returns/{whole}"' not in listing and f'href="/returns/{other}"' not in listing
    for rid in (whole, other):
        for path in (f"/returns/{rid}", f"/returns/{rid}/edit", f"/returns/{rid}/sheets/Spend.csv"):
            r = pat.get(path)
            assert r.status_code == 404 and "EX-TC-02" not in r.text and "Shopfront" not in r.text, path
        # forms replayed with the right version and pat's own valid token: refused as not found, nothing changed
        v = (sam if rid == whole else quinn).state(rid)["version"]
        for path, data in ((f"/returns/{rid}/edit", {"version": v, "sheet_progress": "x"}),
                           (f"/returns/{rid}/submit", {"version": v}), (f"/returns/{rid}/comment", {"comment": "x"}),
                           (f"/returns/{rid}/approve", {"version": v}),
                           (f"/returns/{rid}/send-back", {"version": v, "comment": "x"})):  # fmt: skip
            assert pat.post(path, data).status_code == 404, path
            api = "/api/v1" + path.replace("/edit", "/content")
            assert pat.api(api, {**data, "sheets": {"progress": "x"}}).status_code == 404, path
        r = pat.client.post(f"/returns/{rid}/upload", files={"file": ("Progress.csv", b"Project code\n")},
                            data={"version": v, "csrf_token": pat.csrf})  # fmt: skip
        assert r.status_code == 404
    # starting a return for the whole programme or another project, by form or API, is refused
    for choice in ("EX-TC", "EX-TC:EX-TC-02", "EX-OT:EX-TC-01"):
        assert pat.post("/returns", {"programme": choice, "round": "2024-25-H2"}).status_code == 403, choice
    r = pat.api("/api/v1/returns", {"programme": "EX-TC", "project": "EX-TC-02", "round": "2024-25-H2"})
    assert r.status_code == 403 and "project EX-TC-02 of programme EX-TC" in r.json()["error"]
    assert pat.api("/api/v1/returns", {"programme": "EX-TC", "round": "2024-25-H2"}).status_code == 403
    # CSRF is as strict on its own return: no token or a forged one changes nothing
    v = pat.state(mine)["version"]
    assert pat.post(f"/returns/{mine}/edit", {"version": v, "sheet_progress": "x"}, csrf=False).status_code == 403
    assert pat.client.post(f"/returns/{mine}/edit", data={"version": v, "sheet_progress": "x",
                                                          "csrf_token": "forged" + pat.csrf[6:]}).status_code == 403
    assert pat.api(f"/api/v1/returns/{mine}/content", {"version": v, "sheets": {}}, csrf=False).status_code == 403
    assert pat.state(mine)["version"] == v
    assert (_audit_count(store), sam.state(whole), quinn.state(other)) == before
    # its own project's return goes through: saved, submitted, approved by the programme's approver
    _submit(pat, mine, project_part(content, "EX-TC-01"))
    assert pat.post(f"/returns/{mine}/approve", {"version": pat.state(mine)["version"]}).status_code == 403
    ann = User(app, "ann")
    assert ann.post(f"/returns/{mine}/approve", {"version": pat.state(mine)["version"]}).status_code == 303
    assert pat.state(mine)["state"] == "approved"
    assert "project EX-TC-01" in pat.get(f"/returns/{mine}").text


def test_roles_per_project_from_the_command_line_and_in_the_audit_log(store_url: str, app, store, people) -> None:
    env = {"PROSPERITY_PROGRAMMES_DB": store_url}
    pat = User(app, "pat")
    assert pat.get("/api/v1/returns").status_code == 200
    r = runner.invoke(cli, ["users", "set-role", "pat", "submitter", "--project", "EX-TC-02"], env=env)
    assert r.exit_code != 0 and "not in the programme store yet" in r.output and "PROGRAMME:PROJECT" in r.output
    r = runner.invoke(cli, ["users", "set-role", "pat", "approver", "-p", "EX-TC", "--project", "EX-TC:EX-TC-02"],
                      env=env)  # fmt: skip
    assert r.exit_code != 0 and "only a submitter works on named projects" in r.output
    r = runner.invoke(cli, ["users", "set-role", "pat", "submitter", "--project", "EX-TC:EX-TC-01:x"], env=env)
    assert r.exit_code != 0 and "is not a project code" in r.output
    r = runner.invoke(cli, ["users", "set-role", "pat", "submitter", "-p", "EX-OT", "--project", "EX-TC:EX-TC-02"],
                      env=env)  # fmt: skip
    assert r.exit_code == 0 and "pat is now submitter for EX-OT, EX-TC-02 (project of EX-TC)" in r.output, r.output
    assert pat.get("/api/v1/returns").status_code == 401  # a changed role signs in again
    r = runner.invoke(cli, ["users", "add", "rita", "--role", "submitter", "--project", "EX-TC:EX-TC-01",
                            "--password-stdin"], input=PASSWORD + "\n", env=env)  # fmt: skip
    assert r.exit_code == 0 and "as submitter for EX-TC-01 (project of EX-TC)" in r.output, r.output
    listing = runner.invoke(cli, ["users", "list"], env=env).output
    assert "pat\tsubmitter\tEX-OT, EX-TC-02 (project of EX-TC)\tactive" in listing
    assert "rita\tsubmitter\tEX-TC-01 (project of EX-TC)\tactive" in listing
    assert "sam\tsubmitter\tEX-TC\tactive" in listing
    with store.session() as s:
        changed = s.scalars(select(AuditEntry).where(AuditEntry.action == "role changed")).all()
        added = s.scalars(select(AuditEntry).where(AuditEntry.action == "user added", AuditEntry.object_id == "rita"))
        assert [e.actor for e in changed] == ["command line"] and added.one().after["projects"] == ["EX-TC:EX-TC-01"]
        assert (changed[0].before["programmes"], changed[0].before["projects"]) == ([], ["EX-TC:EX-TC-01"])
        assert (changed[0].after["programmes"], changed[0].after["projects"]) == (["EX-OT"], ["EX-TC:EX-TC-02"])
        # a project in the store is named by its code alone (its programme read from the store)
        s.add(m.Programme(id="EX-TC", fund_id="towns-fund", title="Example"))
        s.flush()
        s.add(m.Project(id="EX-TC-01", programme_id="EX-TC", title="Market hall"))
        s.commit()
        with s.begin():
            u = set_role(s, "pat", "submitter", [], projects=["EX-TC-01"], actor="ada")
            assert account_of(s, u).projects == frozenset({("EX-TC", "EX-TC-01")})
        with s.begin(), pytest.raises(AuthError, match="belongs to programme EX-TC, not EX-OT"):
            set_role(s, "pat", "submitter", [], projects=["EX-OT:EX-TC-01"])
        assert s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "role changed")).all()[-1] == "ada"


def test_the_migration_keeps_existing_roles(store_url: str) -> None:
    """A store made at revision 0002 (programme roles only), with accounts in it, upgraded to project roles."""
    from alembic import command
    from alembic.config import Config

    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", "prosperity.programmes:migrations")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
            for name, role in (("sam", "submitter"), ("ann", "approver"), ("ada", "administrator")):
                conn.execute(text("INSERT INTO app_user (username, display_name, password_hash, role, disabled, "
                                  "failed_logins, created_at) VALUES (:n, :n, 'x', :r, false, 0, CURRENT_TIMESTAMP)"),
                             {"n": name, "r": role})  # fmt: skip
            for name, code in (("sam", "EX-TC"), ("sam", "EX-OT"), ("ann", "EX-TC")):
                conn.execute(text("INSERT INTO user_programme (user_id, programme_id) SELECT id, :c FROM app_user "
                                  "WHERE username = :n"), {"n": name, "c": code})  # fmt: skip
    finally:
        engine.dispose()
    store = ProgrammeStore.open(store_url)  # upgrades to the newest revision
    try:
        with store.session() as s:
            accounts = {u.username: account_of(s, u) for u in s.scalars(select(AppUser))}
            assert s.scalar(select(func.count()).select_from(UserProject)) == 0
        assert {n: (a.role, sorted(a.programmes), a.projects) for n, a in accounts.items()} == {
            "sam": ("submitter", ["EX-OT", "EX-TC"], frozenset()), "ann": ("approver", ["EX-TC"], frozenset()),
            "ada": ("administrator", [], frozenset())}  # fmt: skip
        assert accounts["sam"].submits("EX-TC", "EX-TC-02") and accounts["sam"].submits("EX-TC")
        with store.session() as s, s.begin():
            add_user(s, "pat", PASSWORD, "submitter", [], projects=["EX-TC:EX-TC-01"])
    finally:
        store.close()


def test_a_project_return_survives_export_and_import(store: ProgrammeStore, people, content, tmp_path: Path) -> None:
    from prosperity.programmes.backup import export_store, import_store

    _project_return(store, people["pat"], "EX-TC-01", content)
    out = tmp_path / "backup.json"
    export_store(store, out)
    restored = ProgrammeStore.open(tmp_path / "restored.sqlite")
    try:
        import_store(restored, out)
        with restored.session() as s:
            pat = account_of(s, s.scalars(select(AppUser).where(AppUser.username == "pat")).one())
            assert pat.projects == frozenset({("EX-TC", "EX-TC-01")})
            assert [(r.project_id, r.state) for r in visible_returns(s, pat)] == [("EX-TC-01", "submitted")]
    finally:
        restored.close()


def test_two_project_returns_approved_at_once_both_stand(store: ProgrammeStore, people, content) -> None:
    """Two approvers approving two projects' returns of a new round at the same moment: the approvals are taken one
    at a time, so the round's standing submission holds both projects (and the round's row is made once)."""
    import threading

    if store.engine.dialect.name != "postgresql":
        pytest.skip("the shared deployment's case: on one analyst's embedded store SQLite's own lock serialises writes")
    first = _project_return(store, people["pat"], "EX-TC-01", content)
    second = _project_return(store, people["quinn"], "EX-TC-02", content)
    start, failures = threading.Barrier(2), []

    def decide(who: str, r) -> None:  # type: ignore[no-untyped-def]
        try:
            with store.session() as s:
                start.wait()
                approve(s, people[who], r.id, r.version)
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(e)

    threads = [threading.Thread(target=decide, args=("ann", first)), threading.Thread(target=decide, args=("abe", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    with store.session() as s:
        sub = current_submissions(s, ROUND)["EX-TC"]
        stood = set(s.scalars(select(m.Spend.project_id).where(m.Spend.submission_id == sub.id)))
        assert s.scalar(select(func.count()).select_from(m.ReportingRound)) == 1
    assert stood == {"EX-TC-01", "EX-TC-02"}
