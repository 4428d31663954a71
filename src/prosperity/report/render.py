"""The report as HTML (self-contained: inline CSS and SVG) and the words that go between its figures.

Every phrase here restates a field of an assessment (see README, "Assessments"); nothing is computed.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from prosperity import __version__
from prosperity.assess import status as st
from prosperity.assess.engine import Assessment
from prosperity.assess.sentences import short_unit
from prosperity.report.data import Report, TargetRow
from prosperity.report.findings import RULES as FINDING_RULES
from prosperity.report.findings import date_text, source_text
from prosperity.report.findings import figure as value
from prosperity.safe import http_url

STATUS_HELP = {st.css_class(name): text for name, text in st.SHORT.items()}
GAP_GROUPS = (
    ("none", "Promised, but no statistic measures it yet"),
    ("live", "Measured by a statistic not yet loaded for this edition"),
    ("unresolved", "Measured by a statistic this edition does not hold"),
    ("no-figure", "Measured, but with no figure for this area"),
)


def _percent_gap(a: Assessment, b: dict[str, Any]) -> str:
    diff = b["difference"]
    where = "above" if diff > 0 else "below" if diff < 0 else "level with"
    if diff == 0:
        return where
    if a.unit.strip().startswith("%"):
        return f"{abs(diff):.1f} percentage points {where}"
    if b.get("ratio"):
        return f"{abs(b['ratio'] - 1):.1%} {where}"
    return f"{value(a, abs(diff), full=False)} {where}"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def bench(a: Assessment) -> str:
    """The benchmark comparison in a table cell: "10.8% below UK less Extra-Regio (£41.87, 2023)"."""
    b = a.benchmark
    if not b:
        if any("a total, not a rate" in n for n in a.notes):
            return "A total: judged by its trend only"
        return "No benchmark figure for this period"
    ref = f"{b['area_name']} ({value(a, b['value'], full=False)})"
    if b["comparison"] in ("not_compared",) or str(b.get("method", "")).startswith("no-interval") or not b["significant"]:
        if b["comparison"] == "similar":
            return f"Similar to {ref}: within the 95% confidence interval"
        return _first_upper(f"{_percent_gap(a, b)} {ref}; no significance claimed")
    words = {"better": "Significantly better than", "worse": "Significantly worse than",
             "higher": "Significantly higher than", "lower": "Significantly lower than"}  # fmt: skip
    return f"{words.get(b['comparison'], b['comparison'])} {ref} ({_percent_gap(a, b)})"


def trend(a: Assessment) -> str:
    """The trend cell: the judged series' change and the status the trend rule gives it."""
    t = a.trend or {}
    if t.get("from_value") is None or t.get("from_period") == t.get("to_period"):
        return "One period only: too few points to judge"
    span = f"{t.get('from_label') or t['from_period']}–{t.get('to_label') or t['to_period']}"
    rate = f", {t['cagr']:+.1%} a year" if t.get("cagr") is not None else ""
    words = t.get("status") or st.NOT_JUDGED
    if t.get("real_terms"):
        r = t["real_terms"]
        return (f"Real terms {r['from_period']}–{r['to_period']}, {r['cagr']:+.2%} a year: {words} "
                f"(cash {span}{rate}, not judged)")  # fmt: skip
    if t.get("basis") == "current prices":
        return f"Cash terms {span}{rate}: not judged (no real-terms series)"
    if a.read_area:
        return f"{a.read_area['name']}'s figures {span}{rate}: not judged"
    text = f"{span}{rate}: {words}"
    if t.get("marker"):
        marker = {"increasing": "significant increase", "decreasing": "significant decrease",
                  "no_significant_change": "no significant change",
                  "cannot_be_calculated": "test not possible"}.get(t["marker"], t["marker"])  # fmt: skip
        text += f" (Fingertips test: {marker})"
    return text


def other_target(rows: list[TargetRow], target_id: str, fallback: str) -> str:
    """Another target of the report in words ("reach zero by 2035, in the …Growth Plan"), never by its id."""
    for row in rows:
        if row.target.id == target_id:
            text = target_text(row)
            return f"{text[:1].lower()}{text[1:]}, in the {row.strategy.title}"
    return fallback


def target_text(row: TargetRow) -> str:
    """The target in words: the assessment's resolved wording, else from the framework."""
    if row.assessed and row.assessed.get("resolved"):
        text = str(row.assessed["resolved"])
        return text[:1].upper() + text[1:]
    t = row.target
    unit = (t.unit or "").strip()

    def amount(v: float | None) -> str:
        if v is None:
            return "no value"
        if unit.startswith("£"):
            return f"£{v:,g}" + (f" {unit[1:].strip()}" if unit[1:].strip() else "")
        return f"{v:,g}{unit}" if unit.startswith("%") else f"{v:,g} {unit}".rstrip()

    if t.kind == "zero":
        return f"Zero by {t.date}"
    if t.kind == "range":
        return f"Between {amount(t.low)} and {amount(t.high)} by {t.date}"
    if t.kind == "change_from_baseline" and t.baseline is not None:
        return f"A change of {'+' if (t.value or 0) > 0 else ''}{amount(t.value)} from {t.baseline.period} by {t.date}"
    if t.kind == "ratio_to_benchmark":
        return f"{amount(t.value)} of {t.benchmark} by {t.date}"
    return f"{amount(t.value)} by {t.date}"


def rate_text(row: TargetRow) -> str:
    t, a = row.assessed or {}, row.item.assessment
    rate = t.get("required_rate") or {}
    if t.get("kind") in ("close_gap", "ratio_to_benchmark"):
        return "—"  # on the benchmark's scale (benchmark = 100): see the trend of the gap
    if a is None or rate.get("absolute_per_year") is None:
        return rate.get("note") or "—"
    text = f"{rate['absolute_per_year']:+,.2f} {short_unit(a.unit)} a year"
    if rate.get("compound_per_year") is not None:
        text += f" ({rate['compound_per_year']:+.1%} a year compound)"
    return f"{text} from {rate['from_year']}"


def trend_to_target(row: TargetRow) -> str:
    """Where the recent trend takes the indicator, for the targets table."""
    t, a = row.assessed or {}, row.item.assessment
    if t.get("kind") == "close_gap" and t.get("gap"):
        g = t["gap"]
        w = "–".join(str(y) for y in (g.get("trend_window") or []))
        closes = f"The gap closes in {g['closes_in']}" if g.get("closes_in") else "The gap does not close"
        return f"{closes} (trend of {w}); now {g['index']:.1f} with the benchmark at 100"
    text = f"Reached in {t['projected_year']}" if t.get("projected_year") else f"Not reached by {t.get('date')}"
    if t.get("projected_value") is not None and a is not None:
        text += f"; {value(a, t['projected_value'], full=False)} in {t['date']}"
    if t.get("projection_window"):
        text += f" (trend of {'–'.join(str(y) for y in t['projection_window'])})"
    return text


def target_sentence(row: TargetRow) -> str:
    """The assessment's own sentence about this target: its sentences end with one per target, in order."""
    a = row.item.assessment
    if a is None or row.assessed is None or row.assessed not in a.targets:
        return ""
    i = a.targets.index(row.assessed)
    return a.sentences[len(a.sentences) - len(a.targets) + i]


def notes(a: Assessment) -> str:
    """The assessment's notes as one sentence: "a; b."."""
    return "; ".join(n.strip().rstrip(".") for n in a.notes if n.strip()) + "."


def count_words(counts: list[tuple[str, str, int]]) -> str:
    parts = [f"{n} {words.lower()}" for _, words, n in counts if n]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "none"


def gap_words(direction: str) -> str:
    return {"narrowing": "Yes: narrowing", "widening": "No: widening", "no_change": "No change"}.get(
        direction, direction.capitalize())


def member_name(m: dict[str, Any], code: str) -> str:
    return next((v["name"] for v in m["values"] if v["area"] == code), code)


def member_value(m: dict[str, Any], code: str) -> float | None:
    return next((v["value"] for v in m["values"] if v["area"] == code), None)


def edition_text(r: Report) -> str:
    """The edition as readers name it: by its statistics' newest publication date and its identity."""
    if not r.releases:
        return "no statistics"
    when = f"statistics published up to {date_text(r.published_to)}" if r.published_to else "statistics"
    return f"{when} (edition {r.edition_id})"


def edition_sentence(r: Report) -> str:
    return (f"This edition uses {len(r.releases)} releases of official statistics, listed below with each publisher's "
            f"release date and file checksum; the newest was published on {date_text(r.published_to)}. Its identity, "
            f"{r.edition_id}, is a checksum of those releases, so any copy made from the same releases has the same "
            "identity. To make exactly this edition again, whatever has been loaded since, run:")  # fmt: skip


def targets_sentence(r: Report) -> str:
    n = len(r.targets)
    if not n:
        return "The strategies set no targets."
    words = ", ".join(f"{v} {k}" for k, v in sorted(r.target_counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"Of the {n} targets, {words}."


def members_sentence(r: Report) -> str:
    rows = [i.assessment.members.get("gap_trend") or {} for i in r.members if i.assessment and i.assessment.members]
    known = [g.get("direction") for g in rows if g.get("direction")]
    if not known:
        return "No indicator has figures for the member places over enough years to say whether the gaps are narrowing."
    narrowing = sum(1 for d in known if d == "narrowing")
    widening = sum(1 for d in known if d == "widening")
    return (f"Of the {len(known)} indicators with figures for every member place over several years, the gap between "
            f"the places has narrowed on {narrowing} and widened on {widening}"
            + (f" and not changed on {len(known) - narrowing - widening}" if len(known) - narrowing - widening else "")
            + ".")  # fmt: skip


GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Benchmark", "The area a figure is compared with: England, or the United Kingdom where England is not "
                  "published."),
    ("Chained volume measures (real terms)", "Money figures with the effect of price changes removed, so that "
                                             "years can be compared."),
    ("Combined authority", "A group of councils that take decisions together on matters such as transport and "
                           "economic development, often led by a mayor."),
    ("Compound annual growth rate", "The steady yearly rate of change that would take a figure from its first "
                                    "value to its last over the years between."),
    ("Confidence interval (95%)", "The range within which the true value is expected to lie, given the "
                                  "uncertainty of a survey or an estimate; where it does not include the benchmark, "
                                  "the difference is called significant."),
    ("Current prices (cash terms)", "Money figures as spent at the time, including the effect of inflation; not "
                                    "judged over time in this report."),
    ("Gross value added (GVA)", "The value of the goods and services an area produces, less what was used up in "
                                "producing them: the area's output."),
    ("Indices of Deprivation", "The government's relative measure of deprivation for every neighbourhood in "
                               "England, from seven domains: income, employment, education, health, crime, barriers "
                               "to housing and services, and living environment."),
    ("Lower-layer super output area (LSOA)", "A neighbourhood of about 1,500 residents, the unit the Indices of "
                                             "Deprivation rank."),
    ("Median absolute deviation bands", "Oflog's way of describing how far a place is from the middle of its peers: "
                                        "“broadly similar to”, “worse than” or “much worse than” the median."),
    ("Peers", "The places an area is ranked among: the other combined authorities, or for a council the 20 councils "
              "ONS finds most similar."),
    ("Productivity", "Gross value added per hour worked: how much the area produces for each hour of work."),
    ("Status", "One word for how an indicator stands: on track, off track, met or missed for a target; improving, "
               "worsening, no clear change or too few points to judge for a trend; not judged; or no data."),
    ("Target", "A value a strategy says an indicator should reach by a date."),
)


def reader(text: str) -> str:
    """A note written for analysts, in the reader's words: no commands, no internal ids, no tool vocabulary."""
    import re

    from prosperity.framework.model import LIVE_SOURCES

    def live(m: re.Match[str]) -> str:
        return f"its figures come from {LIVE_SOURCES.get(m.group(1), m.group(1)).split(' (')[0]}, not yet loaded " \
               "for this edition"

    text = re.sub(r"\s*\(`[^`]*`\)", "", text)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"needs (?:a )?live fetch (?:from )?([a-z-]+)(?: [\w .:/-]+?)?(?=[;:,.)]|$)", live, text)
    text = re.sub(r"\b[a-z0-9]+(?:-[a-z0-9]+){2,}\b", "this statistic", text)
    text = re.sub(r"\bthe mirror\b", "this edition", text, flags=re.I)
    text = re.sub(r"\bthe warehouse\b", "this edition", text, flags=re.I)
    text = re.sub(r"\b(?:live )?fetch(?:ed|es)?\b", "load", text)
    return " ".join(text.split())


def method_name(method: str) -> str:
    """A method's id as words: ``fingertips-ci-overlap-95`` → "Fingertips ci overlap 95"."""
    names = {"direction-of-travel-cagr": "Direction of travel and compound annual growth rate",
             "dispersion-range-ratio-cv": "Spread between places: range, highest ÷ lowest, coefficient of variation",
             "gap-trend-cv": "Is the gap between places narrowing (coefficient of variation over time)",
             "competition-rank-1224": "Rank among peers (standard competition ranking, 1224)",
             "oflog-mads-from-median": "Oflog's bands of median absolute deviations from the median",
             "difference-and-ratio-no-significance": "Difference and ratio to the benchmark, without a significance "
                                                     "claim",
             "fingertips-ci-overlap-95": "Fingertips comparison with the benchmark by 95% confidence intervals",
             "fingertips-trend-marker-ci": "Fingertips recent trend marker (weighted least squares, χ² test)",
             "iod-area-summary": "Indices of Deprivation area summaries (MHCLG)",
             "aggregate-sum": "Built from member places: sum of counts",
             "aggregate-weighted-mean": "Built from member places: weighted mean",
             "dns-linear-projection": "German sustainability strategy: linear projection to the target year",
             "opensdg-cagr-ratio": "Statistics Canada / Open SDG: ratio of compound growth rates"}  # fmt: skip
    return names.get(method, method.replace("-", " ").capitalize())


def theme_words(items: list[Any]) -> str:
    """The statuses of a theme's indicators in a few words: "2 improving, 1 worsening, 3 no data"."""
    from collections import Counter

    c = Counter(i.status for i in items)
    order = ["met", "on track", "off track", "missed", "improving", "worsening", "no clear change",
             "too few points to judge", "not judged", "no data"]  # fmt: skip
    keys = sorted(c, key=lambda k: order.index(k) if k in order else len(order))
    return ", ".join(f"{c[k]} {k}" for k in keys) or "none"


def as_images(html: str) -> str:
    """Every inline SVG chart as an image with its title and description as alternative text (see
    :func:`prosperity.report.figures.as_image`)."""
    import re

    from prosperity.report.figures import as_image

    return re.sub(r"<svg\b.*?</svg>", lambda m: as_image(m.group(0)), html, flags=re.S)


def appendices(r: Report) -> dict[str, str]:
    """The appendices this edition has, in order, each with its lettered title ("Appendix B. Targets in detail"):
    the detail the main body summarises (indicators, targets, evaluations, scenarios), then what is not measured,
    the methods and the glossary."""
    found = [("appendix-a", "Every indicator, strategy by strategy")]
    if r.target_figures:
        found.append(("targets-detail", "Targets in detail"))
    for s in r.sections:
        if s.get("kind") == "evaluation" and s.get("html"):
            found.append(("evaluation-detail", "Evaluations in full"))
        elif s.get("kind") == "scenarios" and s.get("html"):
            found.append(("scenarios-detail", "Scenarios in full"))
    found += [("gaps", "What no data measures yet"), ("methodology", "Methods and sources"), ("glossary", "Glossary")]
    return {key: f"Appendix {chr(ord('A') + i)}. {title}" for i, (key, title) in enumerate(found)}


def demote(html: str) -> Markup:
    """A section written to stand at the top of a page (its headings from ``<h2>``), one level further down, to
    stand inside an appendix."""
    import re

    return Markup(re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", str(html)))


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string for the page's stylesheet: letters, digits and plain punctuation as they
    are, anything else as a CSS escape (so no quote, backslash or ``<`` of a name from a file reaches the
    stylesheet as itself)."""
    return Markup('"' + "".join(c if c.isalnum() or c in " .,:;-()" else f"\\{ord(c):x} " for c in text) + '"')


def render_html(r: Report) -> str:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                      keep_trailing_newline=True)  # fmt: skip
    files = resources.files("prosperity.report").joinpath("templates")
    template = env.from_string(files.joinpath("report.html").read_text(encoding="utf-8"))
    css = Markup(files.joinpath("report.css").read_text(encoding="utf-8"))  # a stylesheet, not text to escape
    members = {v["area"] for i in r.members for v in (i.assessment.members or {}).get("values", [])} if r.members else set()
    by_figure = {f.number: it for f, it in zip(r.headline_figures, [i for _, g in r.headlines for i in g
                                                                     if i.has_figure], strict=False)}  # fmt: skip
    named = appendices(r)
    html = template.render(
        r=r, css=css, version=__version__, value=value, bench=bench, trend=trend, src=source_text, date=date_text,
        target_text=target_text, other_target=other_target, rate_text=rate_text, target_sentence=target_sentence,
        count_words=count_words,
        notes=lambda a: reader(notes(a)), gap_words=gap_words, member_name=member_name, member_value=member_value,
        status_help=STATUS_HELP, gap_groups=GAP_GROUPS, edition_text=edition_text(r),
        edition_sentence=edition_sentence(r), targets_sentence=targets_sentence(r),
        members_sentence=members_sentence(r), extra_headlines=[], total=sum(n for _, _, n in r.counts),
        member_count=len(members), finding_rules=FINDING_RULES, css_class=st.css_class, reader=reader,
        method_name=method_name, theme_words=theme_words, glossary=GLOSSARY, trend_to_target=trend_to_target,
        headline_item=lambda f: _headline_item(r, f, by_figure), http_url=http_url, appendices=named,
        appendix_name=named.__getitem__, appendix_ref=lambda key: "appendix " + named[key].split(".")[0][-1],
        demote=demote, css_string=css_string,
    )  # fmt: skip
    return as_images(html)


def _headline_item(r: Report, f: Any, by_figure: dict[int, Any]) -> Any:
    for _, group in r.headlines:
        for it in group:
            if f.caption.startswith(it.label):
                return it
    return by_figure[f.number]

