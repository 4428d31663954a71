"""The report's charts in print: every label at 8 points or more, colours told apart by readers with a colour-vision
deficiency, honest axes, and no chart of a single point.

Each chart is an SVG image carried in the page (``data:image/svg+xml``). Its printed text size is the font size of
each text in the SVG's own units × the scale at which the page places the SVG (its laid-out width over its
viewBox width), read from the typesetter's layout of the same HTML.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from prosperity.report import ReportResult

SVG = "{http://www.w3.org/2000/svg}"
PT_PER_CSS_PX = 0.75  # CSS: 96 px to the inch, 72 points to the inch
SMALLEST_PT = 8.0


def _charts(html: str) -> list[tuple[str, str, str]]:
    """(src, alt, SVG text) of every image in the report."""
    out = []
    for m in re.finditer(r'<img class="([a-z]+)" alt="([^"]*)" src="(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+))">', html):
        out.append((m.group(3), m.group(2), base64.b64decode(m.group(4)).decode("utf-8")))
    return out


def _rules(root: ET.Element) -> list[tuple[list[set[str]], dict[str, str]]]:
    """The chart's own stylesheet: (selectors as sets of classes, declarations)."""
    out = []
    for style in root.iter(f"{SVG}style"):
        for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", style.text or ""):
            decls = dict(tuple(x.strip() for x in d.split(":", 1)) for d in body.split(";") if ":" in d)
            sels = [set(re.findall(r"\.([\w-]+)", s)) for s in sel.split(",")]
            out.append((sels, decls))
    return out


def _style(el: ET.Element, ancestors: list[ET.Element], rules: list, prop: str) -> str | None:
    """A property of an element: its own attribute; else the last stylesheet rule whose classes it has (or, for a
    descendant selector such as ``.grid line``, it and its ancestors have); else, for an inherited property, its
    parent's."""
    if el.get(prop):
        return el.get(prop)
    own = set((el.get("class") or "").split())
    around = own | {c for a in ancestors for c in (a.get("class") or "").split()}
    found = None
    for selectors, decls in rules:
        if prop in decls and any(s and (s <= own or s <= around) for s in selectors):
            found = decls[prop]
    if found or prop not in ("font-size", "fill") or not ancestors:
        return found
    return _style(ancestors[-1], ancestors[:-1], rules, prop)


def _walk(el: ET.Element, ancestors: list[ET.Element]):
    yield el, ancestors
    for child in el:
        yield from _walk(child, [*ancestors, el])


@pytest.fixture(scope="module")
def placed(lcr_report: ReportResult) -> dict[str, float]:
    """The printed width in points of each image, by its ``src``, from the layout of the printer that printed the
    report: Chromium's print layout of the page (A4 less its margins: 180 mm, 680 CSS pixels, wide), or
    WeasyPrint's."""
    import json

    html = lcr_report.html.read_text(encoding="utf-8")
    printer = json.loads(lcr_report.edition.read_text(encoding="utf-8"))["printed_by"]
    widths: dict[str, float] = {}
    if printer.startswith("Chromium"):
        from playwright.sync_api import sync_playwright

        from prosperity.report.pdf import ARGS, chromium

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=[*ARGS, "--no-sandbox"])
            page = browser.new_page(viewport={"width": round(180 / 25.4 * 96), "height": 1000})
            page.emulate_media(media="print")
            page.set_content(html, wait_until="load")
            for src, width in page.eval_on_selector_all(
                    "img", "els => els.map(e => [e.getAttribute('src'), e.getBoundingClientRect().width])"):
                widths[src] = width * PT_PER_CSS_PX
            browser.close()
        return widths
    import weasyprint
    from weasyprint.formatting_structure import boxes

    document = weasyprint.HTML(string=html, base_url=str(lcr_report.out)).render()
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.ReplacedBox) and box.element is not None and box.element.tag == "img":
                widths[box.element.get("src")] = box.width * PT_PER_CSS_PX
    return widths


def test_no_chart_label_prints_under_8_points(lcr_report: ReportResult, placed: dict[str, float]):
    html = lcr_report.html.read_text(encoding="utf-8")
    charts = _charts(html)
    assert len(charts) == lcr_report.figures
    texts = 0
    for src, alt, svg in charts:
        root = ET.fromstring(svg)
        view = [float(v) for v in root.get("viewBox", "").split()]
        assert len(view) == 4, alt[:80]
        assert src in placed, f"chart not laid out: {alt[:80]}"
        scale = placed[src] / view[2]  # points per unit of the SVG's drawing
        rules = _rules(root)
        for el, ancestors in _walk(root, []):
            if el.tag != f"{SVG}text" or not "".join(el.itertext()).strip():
                continue
            size = _style(el, ancestors, rules, "font-size")
            assert size, f"a label without a font size in {alt[:80]}"
            printed = float(re.sub(r"(px|pt)$", "", size)) * scale
            texts += 1
            assert printed >= SMALLEST_PT, (f"{''.join(el.itertext())!r} prints at {printed:.1f} pt in {alt[:80]}")
    assert texts > 10 * len(charts) // 2  # the charts do carry labels (ticks, axis titles, bar labels)


def test_no_text_in_the_printed_report_is_under_8_points(lcr_report: ReportResult):
    """The same, read back from the PDF: every run of text on every page, its size × the text and drawing
    matrices that place it."""
    from pypdf import PdfReader

    assert lcr_report.pdf is not None
    smallest: list[tuple[float, int, str]] = []

    for n, page in enumerate(PdfReader(lcr_report.pdf).pages, 1):

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, n: int = n) -> None:
            if not text.strip():
                return
            # the vertical scale of text space in points: the second row of Tm × CTM
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            printed = size * (c * c + d * d) ** 0.5
            if printed < SMALLEST_PT - 0.05:
                smallest.append((round(printed, 2), n, text.strip()[:40]))

        page.extract_text(visitor_text=visit)
    assert not smallest, smallest[:10]


# ---- colour -------------------------------------------------------------------------------------------------------
#: the smallest difference, in CAM02-UCS ΔE′, between two colours that tell series or classes apart in one chart,
#: for normal vision and for each full (severity 100) deficiency of Machado, Oliveira and Fernandes (2009): eight
#: times the CAM02-UCS unit difference (Luo, Cui and Li, 2006); red against green (#d62728, #2ca02c) is 5 for a
#: reader with deuteranopia
SMALLEST_DELTA_E = 8.0
CVD = ("deuteranomaly", "protanomaly", "tritanomaly")
NEUTRAL_TEXT = re.compile(r"^#(?:fff(?:fff)?|000(?:000)?)$", re.I)


def _hex(value: str) -> tuple[float, float, float] | None:
    value = value.strip()
    if not value.startswith("#"):
        return None
    v = value[1:]
    if len(v) == 3:
        v = "".join(ch * 2 for ch in v)
    return tuple(int(v[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _data_colours(svg: str) -> set[str]:
    """The colours that mark data in a chart: lines, points, target markers, bars, map classes, reference lines
    (not grid lines, text or the white of the paper)."""
    root = ET.fromstring(svg)
    rules = _rules(root)
    found: set[str] = set()
    for el, ancestors in _walk(root, []):
        tag = el.tag.removeprefix(SVG)
        classes = set((el.get("class") or "").split())
        if any("grid" in (a.get("class") or "") for a in ancestors) or tag in ("text", "svg", "g", "title", "desc"):
            continue
        if tag in ("pattern", "defs") or any(a.tag.endswith("pattern") for a in ancestors):
            continue
        if "band" in classes or "outline" in classes:
            continue  # a line's interval is the line's colour, lighter; an outline is the black of the page
        for prop in ("stroke", "fill"):
            colour = _style(el, ancestors, rules, prop)
            if colour and _hex(colour) and not NEUTRAL_TEXT.match(colour) and colour.lower() not in ("#e3e3e3", "#dddddd"):
                if tag == "line" and prop == "stroke" and not el.get("stroke-dasharray"):
                    continue  # axis and tick lines
                found.add(colour.lower())
    return found


def test_chart_colours_are_told_apart_with_any_colour_vision(lcr_report: ReportResult):
    from colorspacious import cspace_convert, deltaE

    html = lcr_report.html.read_text(encoding="utf-8")
    checked = 0
    for _, alt, svg in _charts(html):
        colours = sorted(_data_colours(svg))
        for one, two in itertools.combinations(colours, 2):
            checked += 1
            for vision in (None, *CVD):
                a, b = _hex(one), _hex(two)
                if vision is not None:
                    space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
                    a, b = (cspace_convert(c, space, "sRGB1").clip(0, 1) for c in (a, b))
                d = float(deltaE(a, b, input_space="sRGB1"))
                seen = vision or "normal vision"
                assert d >= SMALLEST_DELTA_E, f"{one} and {two} differ by ΔE′ {d:.1f} ({seen}) in {alt[:80]}"
    assert checked >= 10


def test_the_palette_is_okabe_and_itos():
    """The report's series colours are from Okabe and Ito's Color Universal Design palette (2008), chosen to be
    told apart by people with any common colour-vision deficiency; maps use ColorBrewer's sequential Blues."""
    from prosperity.report import figures
    from prosperity.web.charts import MAP_COLOURS

    okabe_ito = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
    assert {figures.MAIN.lower(), figures.ACCENT.lower()} <= okabe_ito
    assert MAP_COLOURS == ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


# ---- axes and points ----------------------------------------------------------------------------------------------
def _y_ticks(svg: str) -> list[float]:
    """The values on a line chart's vertical axis: the tick labels set against the axis (right-aligned)."""
    root = ET.fromstring(svg)
    out = []
    for el in root.iter(f"{SVG}text"):
        if "tick" in (el.get("class") or "") and el.get("text-anchor") == "end":
            with contextlib.suppress(ValueError):
                out.append(float("".join(el.itertext()).replace(",", "")))
    return out


def test_an_axis_that_does_not_start_at_zero_says_so(lcr_report: ReportResult):
    html = lcr_report.html.read_text(encoding="utf-8")
    figures = re.findall(r"<figure\b.*?</figure>", html, re.S)
    lines = 0
    for fig in figures:
        for _, alt, svg in _charts(fig):
            if 'class="chart' not in svg[:120] or "polyline" not in svg:
                continue
            ticks = _y_ticks(svg)
            assert ticks, alt[:80]
            lines += 1
            visible = re.sub(r"<[^>]+>", " ", fig)  # the words around the chart, not its alternative text
            if min(ticks) > 0:
                said = f"starts at {min(ticks):,g}, not at zero"
                assert said in alt and said in visible, f"{alt[:80]}: the axis starts at {min(ticks):,g}"
            else:
                assert "not at zero" not in alt, alt[:80]
    assert lines >= 10


def test_no_chart_is_a_single_point(lcr_report: ReportResult):
    html = lcr_report.html.read_text(encoding="utf-8")
    for _, alt, svg in _charts(html):
        root = ET.fromstring(svg)
        kind = root.get("class") or ""
        if "map" in kind:
            assert len([p for p in root.iter(f"{SVG}path") if "area" in (p.get("class") or "")]) >= 2, alt[:80]
        elif "bars" in kind:
            assert len(list(root.iter(f"{SVG}rect"))) >= 2, alt[:80]
        else:
            lines = [pl for pl in root.iter(f"{SVG}polyline")]
            assert lines and max(len(pl.get("points", "").split()) for pl in lines) >= 2, alt[:80]


def test_the_charts_are_all_found(lcr_report: ReportResult):
    html = lcr_report.html.read_text(encoding="utf-8")
    assert len(_charts(html)) == html.count("<img ") == lcr_report.figures
    assert Path(lcr_report.html).exists()
