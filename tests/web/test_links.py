"""No page links to a page that is not there: a crawl from one page of every type (issue 16, point 7)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

SEEDS = ("/", "/?area=E47000001", "/indicators", "/areas", "/areas?search=st+helens", "/areas/E47000004",
         "/areas/E08000012", "/areas/E47000001", "/areas/E07000123", "/compare", "/methodology", "/scenarios",
         "/programmes",
         "/compare?areas=E47000004,E47000001&indicators=gva-per-hour-worked,employment-rate",
         "/indicators/gva-per-hour-worked", "/indicators/gva-per-hour-worked?area=E07000123",
         "/indicators/claimant-rate?area=E47000001")  # fmt: skip


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(client, url: str) -> set[str]:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    parser = Links()
    parser.feed(page.text)
    out = set()
    for href in parser.hrefs:
        full = urljoin(url, href.split("#")[0])
        parts = urlsplit(full)
        if not parts.netloc and full and not parts.path.startswith(("/api/", "/static/")):
            out.add(full)
    return out


def test_no_page_links_to_a_missing_page(client):
    linked: dict[str, str] = {}
    for seed in SEEDS:
        for link in _links(client, seed):
            linked.setdefault(link, seed)
    outcome_pages = sorted(u for u in linked if u.startswith("/outcomes/"))[:3]
    for page in outcome_pages:  # outcome pages link to their indicators
        for link in _links(client, page):
            linked.setdefault(link, page)
    assert any(u.startswith("/indicators/") for u in linked) and any(u.startswith("/outcomes/") for u in linked)
    broken = {}
    for link, source in sorted(linked.items()):
        status = client.get(link).status_code
        if status != 200:
            broken[link] = (status, source)
    assert not broken, f"{len(broken)} links to missing pages (link: status, found on): {broken}"
