"""The home page opens with findings written by the report's rules from the stored assessments, then the status
table of every target and headline outcome; another place's home page uses its own framework's headlines."""

from __future__ import annotations

import html as htmllib
import re

from prosperity.report.findings import RULES


def _findings(page: str) -> list[str]:
    block = page[page.index('id="h-findings"'):page.index("</ol>", page.index('id="h-findings"'))]
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r"<li><p>(.*?)</p>", block, re.S)]


def test_the_home_page_opens_with_findings_and_the_status_table(client) -> None:
    page = client.get("/").text
    found = _findings(page)
    assert 5 <= len(found) <= 10, found
    assert page.index('id="h-findings"') < page.index('id="h-status"') < page.index('class="strategy"')
    api = {a["indicator"]: a for a in client.get("/api/v1/assessments?area=E47000004").json()["data"]}
    productivity = api["gva-per-hour-worked"]
    # the headline outcome's finding carries the stored figure with its unit and period
    assert any(f"£{productivity['value']:.2f} per hour" in f and productivity["period_label"] in f for f in found)
    for _, text in RULES[:2]:
        assert htmllib.escape(text, quote=False)[:40] in page or text[:40] in page
    status = page[page.index('id="h-status"'):]
    status = status[:status.index("</table>")]
    assert status.count("<tr>") >= 6 and "headline outcome" in status


def test_another_place_gets_findings_from_its_own_framework(client) -> None:
    page = client.get("/?area=E47000001").text
    found = _findings(page)
    assert found and all("Liverpool" not in f for f in found)
    assert "Greater Manchester" in page and "Growth Plan" not in page
