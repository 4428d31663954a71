"""The workflow on both databases: draft → submitted → returned → submitted → approved, located messages, the
differences from the last approved round, optimistic locking and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prosperity.programmes import model as m
from prosperity.programmes.auth import Forbidden
from prosperity.programmes.service_model import AuditEntry
from prosperity.programmes.store import ProgrammeStore, current_submissions
from prosperity.programmes.workflow import (
    Conflict,
    WorkflowError,
    approve,
    create_return,
    differences,
    get_return,
    last_approved,
    save_content,
    send_back,
    submit,
)
from tests.returns.conftest import NEXT_ROUND, ROUND


def _edit(content: dict[str, str], sheet: str, old: str, new: str) -> dict[str, str]:
    assert old in content[sheet]
    return {sheet: content[sheet].replace(old, new, 1)}


def test_the_whole_journey_and_its_audit(store: ProgrammeStore, people, content) -> None:
    sam, ann = people["sam"], people["ann"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
        assert (r.state, r.version) == ("draft", 1)
        assert any(i["severity"] == "error" for i in r.issues)  # an empty return: required sheets have no rows
    with store.session() as s:
        r = save_content(s, sam, r.id, 1, content, "return.xlsx")
        assert [i for i in r.issues if i["severity"] == "error"] == []
        r = submit(s, sam, r.id, r.version)
        assert r.state == "submitted"
    with store.session() as s:
        r = send_back(s, ann, r.id, r.version, "The shopfront grants' forecast looks high")
        assert r.state == "returned"
    with store.session() as s:
        r = save_content(s, sam, r.id, r.version, _edit(content, "progress", "Works on site and on programme.",
                                                         "Works on site; roof complete."), "web form")  # fmt: skip
        r = submit(s, sam, r.id, r.version)
    with store.session() as s:
        assert current_submissions(s, ROUND) == {}  # nothing is a submission before it is approved
    with store.session() as s:
        r = approve(s, ann, r.id, r.version)
        assert r.state == "approved" and r.submission_id is not None
        subs = current_submissions(s, ROUND)
        assert subs["EX-TC"].id == r.submission_id
        progress = s.scalars(select(m.Progress).where(m.Progress.submission_id == r.submission_id)).all()
        assert "Works on site; roof complete." in {p.commentary for p in progress}
        log = s.scalars(select(AuditEntry).where(AuditEntry.object_id == str(r.id)).order_by(AuditEntry.id)).all()
    actions = [(e.actor, e.action) for e in log]
    assert actions == [("sam", "created"), ("sam", "saved"), ("sam", "submitted"), ("ann", "returned"),
                       ("ann", "commented"), ("sam", "saved"), ("sam", "submitted"), ("ann", "approved")]  # fmt: skip
    saved = [e for e in log if e.action == "saved"][1]
    assert "Works on site and on programme." in saved.before["content"]["progress"]
    assert "roof complete" in saved.after["content"]["progress"]
    assert (log[-1].before["state"], log[-1].after["state"]) == ("submitted", "approved")
    assert all(e.at is not None for e in log)


def test_messages_are_located(store: ProgrammeStore, people, content) -> None:
    sam = people["sam"]
    lines = content["spend"].splitlines()
    cells = lines[1].split(",")
    cells[2] = "31/02/2025"  # not a date
    bad = {"spend": "\n".join([lines[0], ",".join(cells), *lines[2:]])}
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
        r = save_content(s, sam, r.id, r.version, {**content, **bad}, "runcorn.xlsx")
    errors = [i for i in r.issues if i["severity"] == "error"]
    assert errors and errors[0]["sheet"] == "Spend" and errors[0]["row"] == 2
    assert errors[0]["column"].startswith("C ")
    assert errors[0]["where"].startswith("runcorn.xlsx, sheet 'Spend', row 2, column C")
    with store.session() as s, pytest.raises(WorkflowError, match="error.*before it can be submitted"):
        submit(s, sam, r.id, r.version)


def test_a_return_speaks_only_for_its_programme(store: ProgrammeStore, people, content) -> None:
    olly = people["olly"]  # submits for EX-OT, and tries to send EX-TC's figures under it
    with store.session() as s:
        r = create_return(s, olly, "EX-OT", ROUND)
        r = save_content(s, olly, r.id, r.version, content, "web form")
    assert any(i["rule"] == "service.programme" for i in r.issues)
    with store.session() as s, pytest.raises(WorkflowError):
        submit(s, olly, r.id, r.version)


def test_second_save_is_refused_not_overwritten(store: ProgrammeStore, people, content) -> None:
    sam = people["sam"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
    seen = r.version
    with store.session() as s:
        save_content(s, sam, r.id, seen, content, "first.xlsx")
    with store.session() as s, pytest.raises(Conflict, match=r"Not saved: Sam changed this return .* you had version 1"):
        save_content(s, sam, r.id, seen, _edit(content, "progress", "Works on site", "Nothing"), "second.xlsx")
    with store.session() as s:
        kept = get_return(s, sam, r.id)
        assert kept.source_name == "first.xlsx" and "Nothing" not in kept.content["progress"]
        assert kept.version == 2


def test_self_approval_and_other_programmes_refused(store: ProgrammeStore, people, content) -> None:
    sam, ann, olly = people["sam"], people["ann"], people["olly"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
        r = save_content(s, sam, r.id, r.version, content, "web form")
        r = submit(s, sam, r.id, r.version)
    with store.session() as s, pytest.raises(Forbidden):
        approve(s, sam, r.id, r.version)  # a submitter never approves
    with store.session() as s, pytest.raises(WorkflowError, match="no return"):
        get_return(s, olly, r.id)  # another programme's return does not exist for them
    with store.session() as s, pytest.raises(WorkflowError, match="no return"):
        save_content(s, olly, r.id, r.version, content, "web form")
    # an approver who edited the return cannot approve it
    with store.session() as s:
        r = send_back(s, ann, r.id, r.version, "Please check")
    from dataclasses import replace

    both = replace(ann, role="administrator")  # an administrator may edit; then cannot approve what they edited
    with store.session() as s:
        r = save_content(s, both, r.id, r.version, content, "web form")
        r = submit(s, sam, r.id, r.version)
    with store.session() as s, pytest.raises(Forbidden, match="prepared or submitted"):
        approve(s, both, r.id, r.version)
    with store.session() as s:
        assert approve(s, people["abe"], r.id, r.version).state == "approved"


def test_differences_from_the_last_approved_round(store: ProgrammeStore, people, content) -> None:
    sam, ann = people["sam"], people["ann"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
        r = save_content(s, sam, r.id, r.version, content, "web form")
        r = submit(s, sam, r.id, r.version)
        approve(s, ann, r.id, r.version)
    with store.session() as s:
        r2 = create_return(s, sam, "EX-TC", NEXT_ROUND)
        assert NEXT_ROUND in r2.content["return"]  # started from the last approved return, for the new round
        r2 = save_content(s, sam, r2.id, r2.version, _edit(r2.content, "progress", "Works on site and on programme.",
                                                           "Roof on."), "web form")  # fmt: skip
        prior = last_approved(s, r2)
    assert prior is not None and prior.id == r.id
    diff = differences(prior.content, r2.content)
    assert [(d.sheet, d.kind, d.row) for d in diff] == [("Return", "changed", ""), ("Progress", "changed", "EX-TC-01")]
    assert diff[1].cells == [("Commentary", "Works on site and on programme.", "Roof on.")]


def test_a_crash_mid_approval_leaves_the_last_committed_state(store: ProgrammeStore, people, content,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import prosperity.programmes.workflow as wf

    sam, ann = people["sam"], people["ann"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
    with store.session() as s:
        r = save_content(s, sam, r.id, r.version, content, "web form")
    with store.session() as s:
        r = submit(s, sam, r.id, r.version)
    real = wf.add_return

    def crash(*args, **kw):  # type: ignore[no-untyped-def]
        real(*args, **kw)  # the submission's rows are written …
        raise RuntimeError("the server stopped")  # … and the process dies before the commit

    monkeypatch.setattr(wf, "add_return", crash)
    with store.session() as s, pytest.raises(RuntimeError):
        approve(s, ann, r.id, r.version)
    with store.session() as s:
        kept = get_return(s, sam, r.id)
        assert (kept.state, kept.version, kept.submission_id) == ("submitted", r.version, None)
        assert s.scalars(select(m.Submission)).all() == [] and s.scalars(select(m.Spend)).all() == []
        assert "approved" not in {e.action for e in s.scalars(select(AuditEntry))}
    monkeypatch.setattr(wf, "add_return", real)
    with store.session() as s:
        assert approve(s, ann, r.id, r.version).state == "approved"
