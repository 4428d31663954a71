"""The full Liverpool City Region report on the real mirror: the PDF looks like a document, the HTML is accessible,
and the figures in both are the assessments' figures with their units and periods."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from prosperity.assess.run import assess_area
from prosperity.assess.sentences import fmt
from prosperity.report import ReportResult, write_report
from prosperity.report.findings import RULES
from prosperity.warehouse import Warehouse
from tests.report.conftest import FIXED_NOW, LCR


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_page_renders_and_none_is_blank(lcr_report: ReportResult):
    assert lcr_report.pdf is not None
    doc = pdfium.PdfDocument(lcr_report.pdf)
    assert len(doc) == lcr_report.pages and len(doc) >= 10
    for i in range(len(doc)):
        image = doc[i].render(scale=0.4).to_pil().convert("L")
        w, h = image.size
        assert w > 200 and h > 300, f"page {i + 1} is {w}×{h}"
        dark = sum(image.histogram()[:200])  # pixels clearly darker than the white paper
        assert dark / (w * h) > 0.005, f"page {i + 1} is blank"
    doc.close()


def test_the_pdf_is_typeset_with_vector_charts_and_real_text(lcr_report: ReportResult):
    assert lcr_report.pdf is not None
    raw = lcr_report.pdf.read_bytes()
    assert raw.startswith(b"%PDF-")
    reader = PdfReader(lcr_report.pdf)
    printed_by = json.loads(lcr_report.edition.read_text(encoding="utf-8"))["printed_by"]
    assert printed_by.split()[0] in ("Chromium", "WeasyPrint")
    assert reader.metadata is not None and printed_by.split()[0] in (reader.metadata.producer or "")
    # charts are drawn as paths and text, not embedded as images
    images = sum(len(page.images) for page in reader.pages)
    assert images == 0
    assert lcr_report.figures >= 10


def test_headline_figures_are_in_the_pdf_text(lcr_report: ReportResult, warehouse_path: Path):
    assert lcr_report.pdf is not None
    text = _flat(_text(lcr_report.pdf))
    # ONS, regional and subregional labour productivity, released 19 June 2025: the city region's GVA per hour, 2023
    assert "£37.33 per hour, current prices, 2023" in text
    assert "Liverpool City Region" in text and "State of the City Region".upper() in text.upper()
    with Warehouse.open(warehouse_path) as wh:
        found = {a.indicator: a for a in assess_area(wh, LCR)}
    for ind in ("gva-per-hour-worked", "gva-total", "filled-jobs", "employment-rate"):
        a = found[ind]
        figure = fmt(a.value, a.unit, None if a.derivation else a.source.get("decimal_places"))
        assert f"{figure}, {a.period_label}" in text, (ind, figure)
    assert "Page 1 of" in text


def test_the_report_opens_with_findings_then_the_status_table(lcr_report: ReportResult):
    assert lcr_report.pdf is not None
    first = _flat(PdfReader(lcr_report.pdf).pages[0].extract_text())
    assert "Findings" in first and "How these findings were chosen" in first
    m = json.loads(lcr_report.edition.read_text(encoding="utf-8"))
    found = m["findings"]
    assert 5 <= len(found) <= 10
    # each finding restates an assessment by a written rule, with its figure, period and source
    assert [f["rule"] for f in found] == sorted((f["rule"] for f in found), key=[r for r, _ in RULES].index)
    assert _flat(found[0]["text"])[:60] in first
    by_ind = {r["indicator"]: r for r in m["assessments"]}
    for f in found:
        assert f["figure"] == by_ind[f["indicator"]]["value_text"] and f["period"] == by_ind[f["indicator"]]["period_label"]
        assert f["source"] and f["figure"] in f["text"] or f["rule"] == "members-gap"
    html = lcr_report.html.read_text(encoding="utf-8")
    order = [html.index(f'id="{s}"') for s in ("findings", "status", "changes", "headline", "inequality", "targets",
                                               "quality", "appendix-a", "gaps", "methodology", "glossary")]  # fmt: skip
    assert order == sorted(order)
    # the status table lists every current target and headline outcome with its status
    status = html[html.index('id="status"'):html.index('id="changes"')]
    assert status.count("<tr>") - 1 >= 5 and "GVA per hour worked" in status


def test_the_main_body_is_at_most_about_24_pages_and_the_detail_is_in_appendices(lcr_report: ReportResult):
    assert lcr_report.pdf is not None
    pages = [_flat(p.extract_text() or "") for p in PdfReader(lcr_report.pdf).pages]
    appendix = next(i for i, t in enumerate(pages) if "Appendix A. Every indicator" in t and "Contents" not in t)
    assert appendix <= 24, f"the main body runs to {appendix} pages"
    after = " ".join(pages[appendix:])
    for title in ("Targets in detail", "Evaluations in full", "Scenarios in full", "What no data measures yet",
                  "Methods and sources", "Glossary"):  # fmt: skip
        assert re.search(rf"Appendix [B-G]\. {title}", after), title
    # the main body summarises what the appendices give in full
    html = lcr_report.html.read_text(encoding="utf-8")
    main = html[:html.index('id="appendix-a"')]
    assert 'id="evaluation"' in main and 'id="scenarios"' in main and "What the figures show:" in main
    assert main.count("<img ") < lcr_report.figures // 2  # most charts are in the appendices
    for detail in ("targets-detail", "evaluation-detail", "scenarios-detail"):
        assert f'href="#{detail}"' in main and f'id="{detail}"' in html[html.index('id="appendix-a"'):]


def test_the_pdf_is_tagged_with_an_outline_language_and_alt_text_for_every_chart(lcr_report: ReportResult):
    """PDF/UA-1: a structure tree (headings, tables, figures with alternative text), the document's language and
    title, marked content, and an outline from the headings."""
    assert lcr_report.pdf is not None
    reader = PdfReader(lcr_report.pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-GB"
    assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode("utf-8")
    kinds: dict[str, int] = {}
    alts: list[str] = []

    def walk(node: object, depth: int = 0) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for k in node:
                walk(k, depth)
            return
        if not hasattr(node, "get"):
            return
        kind = node.get("/S")
        if kind is not None:
            kinds[str(kind)] = kinds.get(str(kind), 0) + 1
            if str(kind) == "/Figure":
                alts.append(str(node.get("/Alt") or ""))
        if "/K" in node and depth < 200:
            walk(node["/K"], depth + 1)

    walk(root["/StructTreeRoot"])
    for kind in ("/H1", "/H2", "/Table", "/TH", "/TD", "/P", "/Figure", "/Caption"):
        assert kinds.get(kind), f"no {kind} in the structure tree: {sorted(kinds)}"
    assert len(alts) == lcr_report.figures and all(len(a) > 20 for a in alts), alts[:3]
    titles: list[str] = []

    def outline(items: list) -> None:
        for o in items:
            outline(o) if isinstance(o, list) else titles.append(o.title)

    outline(reader.outline)
    assert {"Findings", "Every target and headline outcome", "Appendix G. Glossary",
            "Appendix A. Every indicator, strategy by strategy"} <= set(titles), titles[:10]
    assert all("  " not in t for t in titles)  # each bookmark reads as its heading does
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata.title == "State of the City Region: Liverpool City Region"


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_is_self_contained_and_accessible(lcr_report: ReportResult):
    html = lcr_report.html.read_text(encoding="utf-8")
    p = _Outline()
    p.feed(html)
    tags = [t for t, _ in p.tags]
    attrs = dict(p.tags[0][1]) if p.tags[0][0] == "html" else {}
    assert attrs.get("lang") == "en-GB"
    for landmark in ("header", "nav", "main", "footer"):
        assert tags.count(landmark) == 1, landmark
    assert tags.count("h1") == 1
    # headings never skip a level on the way down
    levels = [int(t[1]) for t in tags if re.fullmatch(r"h[1-6]", t)]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    # tables are real tables: a caption and header cells with a scope
    assert tags.count("table") >= 10 and tags.count("caption") == tags.count("table")
    scopes = [a.get("scope") for t, a in p.tags if t == "th"]
    assert scopes and all(s in ("col", "row", "rowgroup", "colgroup") for s in scopes)
    # charts are SVG images carried in the page, each with its title and description as alternative text;
    # nothing is fetched from elsewhere
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == lcr_report.figures
    assert all((a.get("src") or "").startswith("data:image/svg+xml;base64,") and len(a.get("alt") or "") > 20
               for a in imgs)  # fmt: skip
    assert not [a for t, a in p.tags if t in ("link", "script", "iframe")]
    assert "<style>" in html and "&#34;" not in html.split("</style>")[0]


def test_numbers_carry_units_and_sources_sit_beside_them(lcr_report: ReportResult):
    html = lcr_report.html.read_text(encoding="utf-8")
    assert "£37.33 per hour, current prices, 2023." in html
    assert "Office for National Statistics, released 19 June 2025" in html
    assert "Figure 1." in html


def test_the_edition_manifest_records_every_release_and_file(lcr_report: ReportResult, warehouse_path: Path):
    m = json.loads(lcr_report.edition.read_text(encoding="utf-8"))
    assert m["area"] == LCR and m["as_of"] is None and m["generated_at"] == FIXED_NOW.isoformat(timespec="seconds")
    assert m["strategies"][0] == "growth-plan-2025" and "igp-2018" not in m["strategies"]
    assert len(m["framework"]["digest"]) == 64
    assert m["releases"] and all(len(r["sha256"]) == 64 and r["release_id"] for r in m["releases"])
    with Warehouse.open(warehouse_path) as wh:
        known = {r["release_id"]: r["sha256"] for r in wh.releases()}
    assert all(known[r["release_id"]] == r["sha256"] for r in m["releases"])
    assert "els/gross-value-added" in {r["dataset_id"] for r in m["releases"]}
    import hashlib

    assert m["files"]["index.html"] == hashlib.sha256(lcr_report.html.read_bytes()).hexdigest()
    assert m["pages"] == lcr_report.pages
    html = lcr_report.html.read_text(encoding="utf-8")
    for r in m["releases"]:  # every release used is listed in the report by its checksum, not an internal id
        assert f"<code>{r['sha256'][:12]}</code>" in html and f"<code>{r['dataset_id']}</code>" not in html


def test_same_inputs_give_the_same_report(lcr_report: ReportResult, warehouse_path: Path, tmp_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        again = write_report(wh, LCR, tmp_path / "again", now=FIXED_NOW, pdf=False,
                             commentary=tmp_path / "no-commentary.yaml")  # fmt: skip
    assert again.html.read_bytes() == lcr_report.html.read_bytes()
    assert "generated_at" not in lcr_report.html.read_text(encoding="utf-8")


def test_one_strategy_and_a_council(warehouse_path: Path, tmp_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        one = write_report(wh, LCR, tmp_path / "pfp", strategy="plan-for-prosperity-2022", pdf=False)
        council = write_report(wh, "E08000012", tmp_path / "liverpool", pdf=False)
    html = one.html.read_text(encoding="utf-8")
    assert "Plan for Prosperity (2022)" in html and 'id="lis-2020"' not in html
    liverpool = council.html.read_text(encoding="utf-8")
    assert 'id="igp-2018"' in liverpool and "<h1>Liverpool</h1>" in liverpool


def test_unknown_area_or_strategy_is_a_clear_error(warehouse_path: Path, tmp_path: Path):
    from prosperity.errors import NotFound, ProsperityError

    with Warehouse.open(warehouse_path) as wh:
        with pytest.raises(NotFound, match="unknown area code"):
            write_report(wh, "E99999999", tmp_path / "x", pdf=False)
        with pytest.raises(NotFound, match="unknown strategy"):
            write_report(wh, LCR, tmp_path / "x", strategy="no-such-plan", pdf=False)
        with pytest.raises(ProsperityError, match="not a date"):
            write_report(wh, LCR, tmp_path / "x", as_of="last tuesday", pdf=False)


def test_the_inequality_section_maps_neighbourhood_deprivation_in_the_six_councils(lcr_report: ReportResult):
    """Issue 16 point 2: a choropleth of the councils by the share of their neighbourhoods in England's most
    deprived tenth, by the IoD 2019 (each council's own LSOAs summarised) and 2025 (MHCLG's council summaries)."""
    html = lcr_report.html.read_text(encoding="utf-8")
    section = html[html.index('id="inequality"'):html.index('id="targets"')]
    for edition in ("2019", "2025"):
        at = section.index(f"Indices of Deprivation {edition}:")
        figure = section[section.rindex("<figure", 0, at):section.index("</figure>", at)]
        assert "<img " in figure and "Map of 6 places" in figure, edition
        for council in ("Halton", "Knowsley", "Liverpool", "St. Helens", "Sefton", "Wirral"):
            assert council in figure, (edition, council)
    # IoD 2019 File 1: 145 of Liverpool's 298 LSOAs are in England's most deprived decile (48.7%)
    assert re.search(r"Liverpool 48\.7 ?%|Liverpool 49 ?%", section), "Liverpool's IoD 2019 share"


def test_a_failure_of_weasyprints_tagging_is_a_plain_message_and_leaves_no_partial_pdf(tmp_path: Path, monkeypatch):
    """WeasyPrint 69 can fail inside its PDF tagging on some long tables ("Table wrapper without a table", seen on a
    500-project review pack); the fallback typesetter then says so plainly instead of a traceback."""
    from weasyprint.document import Document

    from prosperity.errors import ProsperityError
    from prosperity.report import typeset

    def tagging_fails(self, target=None, **options):  # type: ignore[no-untyped-def]
        Path(target).write_bytes(b"%PDF-1.7 partial")
        raise ValueError("Table wrapper without a table")

    monkeypatch.setattr(Document, "write_pdf", tagging_fails)
    target = tmp_path / "review.pdf"
    with pytest.raises(ProsperityError, match="failed while tagging the PDF .*Table wrapper without a table"):
        typeset("<table><tr><td>1</td></tr></table>", target, title="A test")
    assert not target.exists()
