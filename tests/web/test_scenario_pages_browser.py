"""The scenario pages in Debian's Chromium: they load without errors, draw their charts, fit a phone's width and
pass an axe-core audit (skipped with the reason where Chromium or axe-core is missing). Here, beside test_browser.py,
so that one browser and one server serve both."""

from __future__ import annotations

import pytest

from tests.web.conftest import serious_axe_violations

pytestmark = pytest.mark.browser
PAGES = ["/scenarios", "/scenarios/growth-plan-productivity-gap", "/scenarios/plan-for-prosperity-rd-claim",
         "/scenarios/net-zero-pathways", "/scenarios/lis-productivity-shift-share"]  # fmt: skip


@pytest.fixture(scope="module")
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    p = context.new_page()
    p.set_default_timeout(60_000)
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.errors = errors  # type: ignore[attr-defined]
    yield p
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_scenario_pages_load_and_pass_axe(page, live_server, path: str) -> None:
    page.errors.clear()
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    assert page.locator("h1").count() == 1 and page.errors == []  # no CSP violations, no missing resources
    bad = serious_axe_violations(page)
    assert bad == [], bad


def test_scenario_charts_are_drawn(page, live_server) -> None:
    page.goto(live_server + "/scenarios/net-zero-pathways")
    assert page.locator("svg.chart").count() == 3
    box = page.locator("svg.chart polyline.line.main").first.bounding_box()
    assert box and box["width"] > 100
    bars = page.eval_on_selector_all("svg.bars rect", "es => es.filter(e => e.getBoundingClientRect().width > 0).length")
    assert bars == 4


def test_scenario_pages_fit_a_phone(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800})
    p = context.new_page()
    p.set_default_timeout(60_000)
    try:
        for path in PAGES[:4]:
            p.goto(live_server + path)
            overflow = p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 360px"
    finally:
        context.close()
