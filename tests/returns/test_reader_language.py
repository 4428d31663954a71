"""The returns service speaks its readers' language too: a programme officer and an approver, signed in, and a
member of the public reading the published portfolio meet no tool vocabulary (no warehouse, mirror, fetch, internal
release numbers, dataset or strategy ids).

Two things are theirs, not ours, and are left out of the check: names of workbook and CSV files (filing them is
what the service is for), and the return's own cells shown for editing (an officer may write an outcome's code)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.reader_language import findings, report, tool_vocabulary
from tests.returns.conftest import ROUND
from tests.returns.web import User

THEIRS = re.compile(r"<textarea\b.*?</textarea>", re.S | re.I)


def test_returns_pages_speak_the_readers_language(app, store, people, content, warehouse_path: Path) -> None:  # type: ignore[no-untyped-def]
    pattern = re.compile(pattern_text(tool_vocabulary(warehouse_path)), re.I)
    sam, ann, ada = User(app, "sam"), User(app, "ann"), User(app, "ada")
    rid = int(sam.post("/returns", {"programme": "EX-TC", "round": ROUND}).headers["location"].split("/")[2])
    pages = [(f"{p} (new, submitter)", sam.get(p)) for p in ("/returns", f"/returns/{rid}", f"/returns/{rid}/edit")]
    assert sam.api(f"/api/v1/returns/{rid}/content", {"version": sam.state(rid)["version"], "sheets": content}).is_success
    pages += [(f"{p} (filled, submitter)", sam.get(p)) for p in (f"/returns/{rid}", f"/returns/{rid}/edit")]
    assert sam.post(f"/returns/{rid}/submit", {"version": sam.state(rid)["version"]}).status_code == 303
    pages += [(f"{p} (approver)", ann.get(p)) for p in ("/returns", f"/returns/{rid}")]
    assert ann.post(f"/returns/{rid}/approve", {"version": sam.state(rid)["version"]}).status_code == 303
    pages += [(f"{p} (administrator)", ada.get(p)) for p in ("/returns", "/returns/admin/audit", "/returns/sign-in")]
    assert ada.post("/returns/admin/public", {"programme": "EX-TC", "public": "yes"}).status_code == 303
    public = TestClient(app)
    pages += [(f"{p} (public)", public.get(p)) for p in ("/programmes", "/programmes/EX-TC", "/programmes/EX-TC-01")]
    not_ok = [f"{where}: {r.status_code}" for where, r in pages if r.status_code != 200]
    assert not not_ok, f"pages the check meant to read did not render: {not_ok}"
    found = [f for where, r in pages for f in findings(where, THEIRS.sub(" ", r.text), pattern)]
    assert not found, report(found)


def pattern_text(pattern: re.Pattern[str]) -> str:
    """The site's pattern without its file endings (a returns service names the files it takes)."""
    ending = r"\.(?:txt|csv|xlsx|ya?ml|md|py|cs)\b|"
    assert ending in pattern.pattern, "the shared pattern changed: update this test's exception"
    return pattern.pattern.replace(ending, "")
