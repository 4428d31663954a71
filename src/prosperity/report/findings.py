"""Headline findings: what the assessments say, written as findings, each by a stated rule, ranked.

Nothing here computes a statistic. A finding restates an assessment's own figures and judgements (status, gap
to the benchmark, trend, rank, target projection, the gap between member places) under one of the written
rules below, with the figure, its period and its source. The rules, in the order findings are ranked:

1. **Targets** (``target``): every current target of the reported strategies that the cited method judges
   (met, missed, on track, off track); the headline outcomes' targets first, then those missed or off track.
2. **Headline outcomes** (``headline``): the framework's headline outcomes (``headlines`` in its manifest): the
   latest figure, the gap to the benchmark and the judged trend.
3. **Significant gaps** (``significant-gap``): indicators whose figure differs from the benchmark's by more than
   its 95% confidence interval allows (Fingertips' comparison), the worse first.
4. **Trends** (``trend``): indicators the written trend rule judges improving or worsening, the fastest change
   first.
5. **Rank among peers** (``peer-rank``): indicators on which the area is first or last of its peers.
6. **Gaps inside the area** (``members-gap``): indicators on which the gap between the member places has
   narrowed or widened over up to ten years (rates only, never totals).

One finding per indicator; at most three from each of rules 3 to 6, and ten in all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from prosperity.assess.engine import Assessment
from prosperity.assess.sentences import fmt, short_unit

#: The rules, in ranking order: (id, the rule as a reader reads it).
RULES: tuple[tuple[str, str], ...] = (
    ("target", "Every current target of these strategies, with the status the cited method gives it (met, missed, "
               "on track or off track); the headline outcomes' targets first, then those missed or off track."),
    ("headline", "Each headline outcome of the framework: its latest figure, the gap to the benchmark and its judged "
                 "trend."),
    ("significant-gap", "Indicators whose figure is significantly better or worse than the benchmark's (outside "
                        "the 95% confidence interval), the worse first."),
    ("trend", "Indicators that the written trend rule judges improving or worsening, the fastest change first."),
    ("peer-rank", "Indicators on which the area ranks first or last among its peers."),
    ("members-gap", "Indicators (rates, never totals) on which the gap between the member places has narrowed or "
                    "widened over up to ten years."),
)
RULE_TEXT = dict(RULES)
MAX_FINDINGS, MIN_FINDINGS, MAX_PER_RULE = 10, 5, 3
JUDGED_TARGET = ("met", "missed", "on track", "off track")


@dataclass(frozen=True)
class Finding:
    """One headline finding."""

    rule: str  # an id of RULES
    indicator: str
    label: str
    status: str
    text: str  # the finding, in a sentence
    figure: str  # the latest figure with its unit
    period: str
    source: str
    anchor: str = ""

    @property
    def rule_text(self) -> str:
        return RULE_TEXT[self.rule]

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "indicator": self.indicator, "label": self.label, "status": self.status,
                "text": self.text, "figure": self.figure, "period": self.period, "source": self.source}  # fmt: skip


# ---- how a figure and its source are written (the report and the home page both use these) --------------------
def dp_of(a: Assessment) -> int | None:
    return None if a.derivation else a.source.get("decimal_places")


def figure(a: Assessment, v: float | None = None, *, full: bool = True) -> str:
    """A figure of an assessment with its unit (the full unit, or its first part: "£ per hour")."""
    unit = a.unit if full else short_unit(a.unit)
    return fmt(a.value if v is None else v, unit, dp_of(a))


def date_text(iso: str | None) -> str:
    if not iso:
        return "not recorded"
    from datetime import date

    d = date.fromisoformat(str(iso)[:10])
    return f"{d.day} {d:%B %Y}"


def main_release(a: Assessment) -> dict[str, Any]:
    """The release the assessed figure itself came from (the first of its dataset), else the first used."""
    for r in a.releases:
        if r.get("dataset_id") == a.source.get("dataset"):
            return r
    return a.releases[0] if a.releases else {}


def source_text(a: Assessment) -> str:
    r = main_release(a)
    publisher = a.source.get("publisher") or r.get("publisher") or "publisher not recorded"
    publisher = " and ".join(p.strip() for p in str(publisher).split("|"))  # joint publishers: "A|B"
    if r.get("release_date"):
        return f"{publisher}, released {date_text(r['release_date'])}"
    return f"{publisher} (release date not recorded)"


def from_dict(d: dict[str, Any]) -> Assessment:
    """An assessment from its stored JSON form (``Assessment.as_dict``), e.g. the build's stored assessments."""
    names = Assessment.__dataclass_fields__
    return Assessment(**{k: v for k, v in d.items() if k in names})


Fmt = Callable[[Assessment, float | None], str]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _gap(a: Assessment, value: Fmt) -> str:
    """The gap to the benchmark in words: "11.9% below England (£42.39)"."""
    b = a.benchmark or {}
    if b.get("value") is None or b.get("difference") is None or a.value is None:
        return ""
    diff = b["difference"]
    if diff == 0:
        return f"level with {b['area_name']}"
    where = "above" if diff > 0 else "below"
    if a.unit.strip().startswith("%"):
        size = f"{abs(diff):.1f} percentage points"
    elif b.get("ratio"):
        size = f"{abs(b['ratio'] - 1):.1%}"
    else:
        size = value(a, abs(diff))
    return f"{size} {where} {b['area_name']} ({value(a, b['value'])})"


def _trend_words(a: Assessment) -> str:
    """The judged trend, as the assessment states it: "improving since 2013", or nothing."""
    t = a.trend or {}
    real = t.get("real_terms") or {}
    status = real.get("status") or t.get("status") or (a.status if a.status in ("improving", "worsening",
                                                                                "no clear change") else None)
    if not status or status in ("not judged", "no data"):
        return ""
    if status == "too few points to judge":
        return "with too few comparable periods to judge a trend"
    start = real.get("from_period") or t.get("from_label") or t.get("from_period")
    span = f" since {str(start)[:4]}" if start else ""
    words = {"improving": "improving", "worsening": "worsening", "no clear change": "with no clear change",
             "too few points to judge": "with too few points to judge a trend"}.get(status, status)  # fmt: skip
    return f"{words}{' in real terms' if real else ''}{span}"


def _targets(a: Assessment) -> list[dict[str, Any]]:
    return [t for t in a.targets if not t.get("superseded_by") and t.get("status") in JUDGED_TARGET]


def _target_finding(a: Assessment, t: dict[str, Any], value: Fmt) -> str:
    what = str(t.get("resolved") or t.get("kind") or "its target").rstrip(".")
    status = t["status"]
    lead = {"met": f"{a.label} has met the target of {what}",
            "missed": f"{a.label} missed the target of {what}",
            "on track": f"{a.label} is on track for the target of {what}",
            "off track": f"{a.label} is off track for the target of {what}"}[status]  # fmt: skip
    tail = ""
    if status in ("on track", "off track"):
        if t.get("projected_year"):
            tail = f": on the recent trend it is reached in {t['projected_year']}"
        elif t.get("projected_value") is not None and t.get("date"):
            tail = f": on the recent trend it would be {value(a, t['projected_value'])} in {t['date']}"
    return _sentence(f"{lead}{tail} (latest {value(a, a.value)}, {a.period_label})")


def _headline_finding(a: Assessment, value: Fmt) -> str:
    parts = [f"{a.label} was {value(a, a.value)} ({a.period_label})"]
    gap = _gap(a, value)
    if gap:
        parts.append(gap)
    trend = _trend_words(a)
    text = ", ".join(parts)
    return _sentence(f"{text}; {trend}" if trend else text)


def _significant(a: Assessment) -> bool:
    b = a.benchmark or {}
    return bool(b.get("significant")) and b.get("comparison") in ("better", "worse")


def _significant_finding(a: Assessment, value: Fmt) -> str:
    b = a.benchmark or {}
    return _sentence(f"{a.label} is significantly {b['comparison']} than in {b['area_name']}: {value(a, a.value)} "
                     f"against {value(a, b['value'])} ({a.period_label})")  # fmt: skip


def _trend_finding(a: Assessment, value: Fmt) -> str:
    t = a.trend or {}
    rate = f", {t['cagr']:+.1%} a year" if t.get("cagr") is not None else ""
    start, end = t.get("from_label") or t.get("from_period"), t.get("to_label") or t.get("to_period")
    since = f" from {start} to {end}" if start and end else ""
    return _sentence(f"{a.label} is {a.status}{since}{rate}; latest {value(a, a.value)} ({a.period_label})")


def _peer_extreme(a: Assessment) -> bool:
    p = a.peers or {}
    return bool(p.get("rank")) and (p["rank"] == 1 or p["rank"] == p.get("of")) and (p.get("of") or 0) >= 5


def _peer_finding(a: Assessment, value: Fmt) -> str:
    p = a.peers or {}
    place = "best" if p["rank"] == 1 else "worst"
    if a.polarity == "no_judgement":
        place = "highest" if p["rank"] == 1 else "lowest"
    return _sentence(f"{a.area_name} ranks {p['rank']} of {p['of']} ({place}) among {p['group']} on {a.label}: "
                     f"{value(a, a.value)} in {a.period_label}")  # fmt: skip


def _members_gap(a: Assessment) -> dict[str, Any] | None:
    m = a.members or {}
    g = m.get("gap_trend") or {}
    if g.get("direction") in ("narrowing", "widening") and not any("a total" in n for n in a.notes):
        return g
    return None


def _members_finding(a: Assessment, value: Fmt) -> str:
    g = _members_gap(a) or {}
    m = a.members or {}
    lo = next((v for v in m.get("values", []) if v["area"] == m.get("minimum_place")), None)
    hi = next((v for v in m.get("values", []) if v["area"] == m.get("maximum_place")), None)
    spread = f"; {m['period_label']}: from {value(a, lo['value'])} in {lo['name']} to {value(a, hi['value'])} in " \
             f"{hi['name']}" if lo and hi and m.get("period_label") else ""
    return _sentence(f"The gap between the places of {a.area_name} on {a.label} has "
                     f"{'narrowed' if g['direction'] == 'narrowing' else 'widened'} from {g['from_period']} to "
                     f"{g['to_period']}{spread}")  # fmt: skip


def findings(assessments: Iterable[Assessment], *, headlines: Sequence[str], value: Fmt | None = None,
             source: Callable[[Assessment], str] = source_text, anchor: Callable[[Assessment], str] = lambda a: "",
             target_order: Sequence[str] = ()) -> list[Finding]:  # fmt: skip
    """The headline findings of ``assessments`` by the rules of this module, ranked, at most ten.

    :param headlines: the framework's headline indicator ids, in order
    :param value: how a figure is written (default: :func:`figure`, its value and full unit)
    :param source: how a figure's source is written (publisher and release date)
    :param target_order: indicator ids in the order their targets appear in the strategies
    """
    value = value or figure
    shown = [a for a in assessments if a.value is not None and not a.read_area]
    by_id = {a.indicator: a for a in shown}
    head_rank = {ind: i for i, ind in enumerate(headlines)}
    order = {ind: i for i, ind in enumerate(target_order)}
    out: list[Finding] = []
    used: set[str] = set()

    def add(rule: str, a: Assessment, text: str, status: str) -> None:
        used.add(a.indicator)
        out.append(Finding(rule, a.indicator, a.label, status, text, value(a, a.value), a.period_label or "",
                           source(a), anchor(a)))  # fmt: skip

    # 1. targets: headline outcomes' first, then missed and off track, then the rest, in the strategies' order
    severity = {"missed": 0, "off track": 1, "on track": 2, "met": 3}
    targets = [(a, t) for a in shown for t in _targets(a)]
    targets.sort(key=lambda at: (at[0].indicator not in head_rank, head_rank.get(at[0].indicator, 0),
                                 severity[at[1]["status"]], order.get(at[0].indicator, 10**6), at[1].get("id", "")))
    for a, t in targets:
        if a.indicator not in used and len(out) < MAX_FINDINGS:
            add("target", a, _target_finding(a, t, value), t["status"])
    # 2. headline outcomes
    for ind in headlines:
        a = by_id.get(ind)
        if a is not None and ind not in used and len(out) < MAX_FINDINGS:
            add("headline", a, _headline_finding(a, value), a.status)
    # 3 to 6: the rest, at most three from each rule
    rest = [a for a in shown if a.indicator not in used]

    def ratio_gap(a: Assessment) -> float:
        return -abs(((a.benchmark or {}).get("ratio") or 1) - 1)

    ruled: list[tuple[str, list[Assessment], Callable[[Assessment, Fmt], str]]] = [
        ("significant-gap", sorted((a for a in rest if _significant(a)),
                                   key=lambda a: ((a.benchmark or {}).get("comparison") != "worse", ratio_gap(a),
                                                  a.indicator)), _significant_finding),
        ("trend", sorted((a for a in rest if a.status in ("improving", "worsening")),
                         key=lambda a: (a.status != "worsening", -abs((a.trend or {}).get("cagr") or 0), a.indicator)),
         _trend_finding),
        ("peer-rank", sorted((a for a in rest if _peer_extreme(a)),
                             key=lambda a: ((a.peers or {}).get("rank") == 1, a.indicator)), _peer_finding),
        ("members-gap", sorted((a for a in rest if _members_gap(a)),
                               key=lambda a: ((_members_gap(a) or {}).get("direction") != "widening", a.indicator)),
         _members_finding),
    ]  # fmt: skip
    for rule, candidates, write in ruled:
        taken = 0
        for a in candidates:
            if len(out) >= MAX_FINDINGS or taken >= MAX_PER_RULE:
                break
            if a.indicator in used:
                continue
            status = (a.benchmark or {}).get("comparison", a.status) if rule == "significant-gap" else a.status
            add(rule, a, write(a, value), status)
            taken += 1
    return out
