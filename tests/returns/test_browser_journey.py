"""The returns journey in Debian's Chromium: a submitter uploads and submits, an approver returns it with a
comment, the submitter corrects it in the web form and resubmits, another approver approves; axe-core audits every
form page (sign-in, start, edit with and without errors, decision) for WCAG 2.2 AA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prosperity.programmes.auth import add_user
from prosperity.programmes.store import ProgrammeStore
from prosperity.programmes.template import example_tables, write_workbook
from tests.returns.conftest import PASSWORD, ROUND
from tests.web.conftest import LOOSE, _free_port, launch_chromium, serious_axe_violations, serve_in_thread

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Chromium for this module only (as tests/web's, but closed when the module ends: two sync Playwright sessions
    cannot be open at once in one thread, and tests/web opens its own)."""
    yield from launch_chromium()


@pytest.fixture(scope="module")
def service(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from prosperity.web.app import create_app
    from prosperity.web.limits import Limits

    db = tmp_path_factory.mktemp("returns") / "programmes.sqlite"
    store = ProgrammeStore.open(db)
    with store.session() as s, s.begin():
        add_user(s, "sam", PASSWORD, "submitter", ["EX-TC"], display_name="Sam Submitter")
        add_user(s, "ann", PASSWORD, "approver", ["EX-TC"], display_name="Ann Approver")
    app = create_app(warehouse_path, limits=Limits(**LOOSE))
    app.state.programmes_db = str(db)
    app.state.programmes_store = store
    port = _free_port()
    running = serve_in_thread(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    next(running)
    yield f"http://127.0.0.1:{port}"
    next(running, None)
    store.close()


def audit(page, what: str) -> None:  # type: ignore[no-untyped-def]
    bad = serious_axe_violations(page)
    assert bad == [], (what, bad)
    assert page.locator("h1").count() == 1


def signed_in(browser, service: str, name: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(service + "/returns/sign-in")
    audit(page, "sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(service + "/returns")
    return context, page


def test_submit_return_resubmit_approve(browser, service: str, tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "example-return.xlsx", example_tables(ROUND))
    bad_sheet = tmp_path / "Progress.csv"
    bad_sheet.write_text("Project code,Delivery status,Delivery rating,Spend rating,Risk rating\n"
                         "EX-TC-01,splendid,green,green,green\n", encoding="utf-8")  # fmt: skip
    sam_ctx, sam = signed_in(browser, service, "sam")
    ann_ctx, ann = signed_in(browser, service, "ann")
    try:
        # wrong password: the message is announced
        ctx = browser.new_context(bypass_csp=True)
        p = ctx.new_page()
        p.goto(service + "/returns/sign-in")
        p.get_by_label("User name").fill("sam")
        p.get_by_label("Password").fill("not the password")
        p.get_by_role("button", name="Sign in").click()
        assert p.get_by_role("alert").inner_text().startswith("Sign-in failed")
        audit(p, "sign-in with an error")
        ctx.close()

        audit(sam, "returns list with the start form")
        sam.get_by_label("Reporting round").fill(ROUND)
        sam.get_by_role("button", name="Start the return").click()
        sam.wait_for_url("**/edit")
        rid = sam.url.split("/")[-2]
        audit(sam, "edit, empty return")
        # a sheet with a mistake: the message names sheet, row and column
        sam.get_by_label("The return workbook").set_input_files(str(workbook))
        sam.get_by_role("button", name="Upload and check").click()
        assert "No errors" in sam.get_by_role("status").inner_text()
        sam.get_by_label("The return workbook").set_input_files(str(bad_sheet))
        sam.get_by_role("button", name="Upload and check").click()
        assert "error(s) to correct" in sam.get_by_role("alert").inner_text()
        table = sam.locator("#messages table").inner_text()
        assert "Progress" in table and "splendid" in table
        audit(sam, "edit, with errors")
        sam.get_by_label("The return workbook").set_input_files(str(workbook))
        sam.get_by_role("button", name="Upload and check").click()
        assert "No errors" in sam.get_by_role("status").inner_text()
        sam.get_by_role("link", name="Back to the return").click()
        audit(sam, "return page for the submitter")
        sam.get_by_role("button", name="Submit for approval").click()
        assert "Submitted for approval" in sam.locator("dl").inner_text()

        ann.goto(f"{service}/returns/{rid}")
        audit(ann, "return page with the decision forms")
        ann.get_by_label("What needs changing").fill("The market hall commentary is out of date.")
        ann.get_by_role("button", name="Return for changes").click()
        assert "Returned for changes" in ann.locator("dl").inner_text()

        sam.goto(f"{service}/returns/{rid}")
        assert "The market hall commentary is out of date." in sam.locator("blockquote").inner_text()
        sam.get_by_role("link", name="Edit or upload the return").click()
        box = sam.get_by_label("Sheet 'Progress'")
        box.fill(box.input_value().replace("Works on site and on programme.", "Works on site; roof complete."))
        sam.get_by_role("button", name="Save draft and check").click()
        assert "No errors" in sam.get_by_role("status").inner_text()
        sam.get_by_role("link", name="Back to the return").click()
        sam.get_by_role("button", name="Submit for approval").click()

        ann.goto(f"{service}/returns/{rid}")
        ann.get_by_role("button", name="Approve").click()
        assert "Approved" in ann.locator("dl").inner_text()
        public = ann.context.browser.new_context().new_page()
        public.goto(service + "/api/v1/programmes")
        assert "EX-TC" not in public.content()  # approved, not yet published
        public.context.close()
    finally:
        sam_ctx.close()
        ann_ctx.close()
