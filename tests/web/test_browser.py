"""End-to-end in Debian's Chromium: every page type, charts drawn, keyboard navigation, axe-core audit.

Chromium and axe-core are installed by ``.ci/run`` (``apt-get install chromium``; ``npm install axe-core`` outside
the repository). Locally, the tests skip with the reason when Chromium is absent.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import serious_axe_violations
from tests.web.test_pages import PAGES

pytestmark = pytest.mark.browser
AUDITED = ["home", "outcome", "indicator", "indicator for a council", "indicators", "areas", "area", "compare",
           "methodology", "home for Greater Manchester"]


@pytest.fixture(scope="module")
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    p = context.new_page()
    p.set_default_timeout(20_000)
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.errors = errors  # type: ignore[attr-defined]
    yield p
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_loads_without_errors(page, live_server, name: str) -> None:
    page.errors.clear()
    response = page.goto(live_server + PAGES[name])
    assert response is not None and response.status == 200
    assert page.locator("h1").count() == 1
    assert page.errors == []  # no CSP violations, no missing resources


def test_charts_render_with_size_and_marks(page, live_server) -> None:
    page.goto(live_server + "/indicators/employment-rate?area=E08000012")
    chart = page.locator("svg.chart")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 120
    assert page.locator("svg.chart polyline.line.main").count() == 1
    assert page.locator("svg.chart polygon.band").count() == 1
    line_box = page.locator("svg.chart polyline.line.main").bounding_box()
    assert line_box and line_box["width"] > 50
    colour = page.eval_on_selector("svg.chart polyline.line.main", "e => getComputedStyle(e).stroke")
    assert colour not in ("none", "")  # the stylesheet reached the SVG
    paths = page.locator("svg.map path.area")
    assert paths.count() > 10
    drawn = "es => es.filter(e => e.getBoundingClientRect().width > 0).length"
    filled = page.eval_on_selector_all("svg.map path.area", drawn)
    assert filled > 10


def test_every_page_reflows_at_320_px_without_sideways_scrolling(browser, live_server) -> None:
    """WCAG 2.2 success criterion 1.4.10 (Reflow): content at 320 CSS pixels wide needs no sideways scrolling."""
    context = browser.new_context(viewport={"width": 320, "height": 800})
    p = context.new_page()
    try:
        for name in PAGES:
            p.goto(live_server + PAGES[name])
            overflow = p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at 320px"
    finally:
        context.close()


def test_keyboard_reaches_skip_link_and_main_navigation(page, live_server) -> None:
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.goto(live_server + "/")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim()"))
    for link in ("Strategies", "Indicators", "Areas", "Compare", "Methodology"):
        assert link in seen, seen
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus indicator
    page.goto(live_server + "/")
    for _ in range(40):  # the first outcome link is reachable and opens its page
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href') || ''").startswith("/outcomes/"):
            break
    else:
        pytest.fail("no outcome link reachable by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url("**/outcomes/**")


@pytest.mark.parametrize("name", AUDITED)
def test_axe_finds_no_serious_or_critical_violations(page, live_server, name: str) -> None:
    page.goto(live_server + PAGES[name])
    bad = serious_axe_violations(page)
    assert bad == [], bad
