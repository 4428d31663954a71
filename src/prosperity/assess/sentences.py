"""Plain sentences from an assessment, with numbers, units, periods and sources, for a councillor to read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prosperity.assess.engine import Assessment

WORDS_UNITS = {"yrs": "years", "mins": "minutes"}


def fmt(value: float | None, unit: str, dp: int | None = None) -> str:
    """A number with its unit: ``£37.33``, ``74.1%``, ``£1,234 million``, ``62.3 years``."""
    if value is None:
        return "no figure"
    u = (unit or "").strip()
    if dp is None:
        dp = 0 if abs(value) >= 1000 else 1
    if u.startswith("£") and abs(value) < 100:
        dp = max(dp, 2)
    text = f"{value:,.{dp}f}"
    if u == "%" or u.startswith("% ") or u == "per cent":
        return f"{text}%"
    if u.startswith("£"):
        rest = u[1:].strip()
        sign = "-" if text.startswith("-") else ""
        return f"{sign}£{text.lstrip('-')}" + (f" {rest}" if rest else "")
    return f"{text} {WORDS_UNITS.get(u, u)}".rstrip()


def _num(a: Assessment, v: float | None, full: bool = False) -> str:
    """A figure of this assessment; after the first mention the unit is shortened ("£ per hour")."""
    dp = None if a.derivation else a.source.get("decimal_places")  # a derived figure has its own precision
    return fmt(v, a.unit if full else a.unit.split(",")[0].split(" (")[0], dp)


def _source(a: Assessment) -> str:
    rel = a.releases[0] if a.releases else {}
    date = rel.get("release_date")
    pub = a.source.get("publisher") or rel.get("publisher") or "the publisher"
    return f"{pub}" + (f", released {_date(date)}" if date else "")


def _date(iso: str) -> str:
    from datetime import date

    d = date.fromisoformat(iso[:10])
    return f"{d.day} {d:%B %Y}"


def no_data(a: Assessment, reason: str) -> str:
    return f"There is no figure for {a.label.lower()} in {a.area_name}: {reason}."


def describe(a: Assessment) -> list[str]:
    out = [_latest(a)]
    if a.benchmark:
        out.append(_benchmark(a, a.benchmark))
        g = a.benchmark.get("gap_in_people")
        if g and not g["benchmark_met"] and g["people"]:
            out.append(f"To match {a.benchmark['area_name']}'s rate, {a.area_name} would need {abs(g['people']):,} "
                       f"{'more' if g['people'] > 0 else 'fewer'} {g['counted']}, taking its "
                       f"{g['denominator_label'].lower()} ({g['denominator']:,.0f} in {g['denominator_period']}) as "
                       "the denominator.")  # fmt: skip
        gap = _gap_movement(a, a.benchmark)
        if gap:
            out.append(gap)
    if a.trend and a.trend.get("direction"):
        out.append(_trend(a, a.trend))
    if a.peers and a.peers.get("rank"):
        out.append(_peers(a, a.peers))
    if a.members and a.members.get("range") is not None:
        out.append(_members(a, a.members))
    for t in a.targets:
        out.append(_target(a, t))
    return out


def _latest(a: Assessment) -> str:
    ci = ""
    if a.lci_95 is not None and a.uci_95 is not None:
        ci = f" (95% confidence interval {_num(a, a.lci_95)} to {_num(a, a.uci_95)})"
    how = ""
    if a.derivation:
        how = f", built from {a.derivation['how']}"
    if a.read_area:
        how += f" — the figure is for {a.read_area['name']} ({a.read_area['code']}), which stands in for it"
    return (f"{a.label} in {a.area_name} was {_num(a, a.value, full=True)} in {a.period_label}{ci}{how} "
            f"(source: {_source(a)}).")  # fmt: skip


def _benchmark(a: Assessment, b: dict[str, Any]) -> str:
    name, bv = b["area_name"], _num(a, b["value"])
    diff = b["difference"]
    if a.unit.strip().startswith("%"):  # rates differ in percentage points, not per cent
        pct = f" ({abs(diff):.1f} percentage points {'higher' if diff > 0 else 'lower'})" if diff else ""
    else:
        pct = f" ({abs(b['ratio'] - 1):.1%} {'higher' if diff > 0 else 'lower'})" if b.get("ratio") else ""
    if b["comparison"] == "not_compared" or b["method"].startswith("no-interval"):
        where = "above" if diff > 0 else "below" if diff < 0 else "level with"
        if a.unit.strip().startswith("%"):
            gap, pct = ("" if diff == 0 else f"{abs(diff):.1f} percentage points "), ""
        else:
            gap = "" if diff == 0 else f"{_num(a, abs(diff))} "
        return (f"That is {gap}{where} {name} ({bv}){pct}. The figures have no confidence intervals, so no claim "
                "of a statistically significant difference is made.")  # fmt: skip
    outcome = b["comparison"]
    if outcome == "similar":
        return f"That is statistically similar to {name} ({bv}): {name}'s value lies within the 95% confidence interval."
    word = {"better": "better than", "worse": "worse than", "higher": "higher than", "lower": "lower than"}[outcome]
    return f"That is significantly {word} {name} ({bv}){pct}, judged by the 95% confidence interval."


def _gap_movement(a: Assessment, b: dict[str, Any]) -> str | None:
    hist = b.get("gap_history") or []
    if len(hist) < 2:
        return None
    from prosperity.periods import parse_period, period_label

    last = hist[-1]
    last_year = parse_period(last["period"]).start.year
    earlier = [h for h in hist if parse_period(h["period"]).start.year >= last_year - 10]
    first = earlier[0]
    years = last_year - parse_period(first["period"]).start.year
    if years < 3:
        return None
    if a.unit.strip().startswith("%"):  # rates: the gap in percentage points
        g0, g1 = first["value"] - first["benchmark"], last["value"] - last["benchmark"]
        size = "{:.1f} percentage points"
    else:
        g0, g1 = first["gap_percent"], last["gap_percent"]
        size = "{:.1f}%"
    moved = "narrowed" if abs(g1) < abs(g0) else "widened" if abs(g1) > abs(g0) else "stayed the same"

    def side(g: float) -> str:
        return f"{size.format(abs(g))} {'above' if g > 0 else 'below'}"

    return (f"Over {years} years the gap with {b['area_name']} has {moved}: from {side(g0)} in "
            f"{period_label(first['period'])} to {side(g1)} in {period_label(last['period'])}.")  # fmt: skip


def _trend(a: Assessment, t: dict[str, Any]) -> str:
    moved = {"increasing": "risen", "decreasing": "fallen", "no_change": "not changed"}.get(t["direction"], "changed")
    judged = {"better": ", an improvement", "worse": ", a deterioration"}.get(t.get("judgement") or "", "")
    rate = f" ({t['cagr']:+.1%} a year)" if t.get("cagr") is not None else ""
    text = (f"Between {t['from_period']} and {t['to_period']} it has {moved} from {_num(a, t['from_value'])} to "
            f"{_num(a, t['to_value'])}{rate}{judged}.")  # fmt: skip
    if t.get("marker"):
        marker = {"increasing": "a significant increase", "decreasing": "a significant decrease",
                  "no_significant_change": "no significant change",
                  "cannot_be_calculated": "that the trend cannot be calculated"}[t["marker"]]  # fmt: skip
        text += f" Fingertips' trend test over the last five periods finds {marker}."
    return text


def _members(a: Assessment, m: dict[str, Any]) -> str:
    names = {v["area"]: v["name"] for v in m["values"]}
    lo = next(v["value"] for v in m["values"] if v["area"] == m["minimum_place"])
    hi = next(v["value"] for v in m["values"] if v["area"] == m["maximum_place"])
    text = (f"Across its {len(m['values'])} member areas in {m['period_label']}, values range from "
            f"{_num(a, lo)} in {names[m['minimum_place']]} to {_num(a, hi)} in {names[m['maximum_place']]}")  # fmt: skip
    g = m.get("gap_trend") or {}
    if g.get("direction"):
        text += (f"; the gap between them (coefficient of variation) is {g['direction']}: {g['from']:.3f} in "
                 f"{g['from_period']}, {g['to']:.3f} in {g['to_period']}")  # fmt: skip
    return text + "."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _peers(a: Assessment, p: dict[str, Any]) -> str:
    best = "lowest" if a.polarity == "lower_is_better" else "highest"
    text = f"Of the {p['of']} {p['group']} with a figure, it ranks {_ordinal(p['rank'])} (1st is the {best})"
    mad = p.get("mad") or {}
    if p.get("band"):
        text += f", {p['band']} the median of {_num(a, mad.get('median'))}"
    return text + "."


def _target(a: Assessment, t: dict[str, Any]) -> str:
    what = t.get("resolved") or f"{t['kind'].replace('_', ' ')} target for {t['date']}"
    head = f"Target set by {t['set_by']}: {what}"
    if t.get("superseded_by"):
        head += f" (superseded by target {t['superseded_by']})"
    if t.get("status") == "not assessable":
        return f"{head}. Progress cannot be assessed: {t.get('note') or 'not enough data'}."
    window = t.get("window") or [None, None]
    since = f", {window[0]} to {window[1]}" if window[0] and window[1] and window[0] != window[1] else ""
    text = f"{head}. Status by the {t.get('method_name', 'target')} method{since}: {t['status']}."
    year, pw = t.get("projected_year"), t.get("projection_window") or [None, None]
    trend = f"the trend of {pw[0]} to {pw[1]}" if pw[0] and pw[1] else "the recent trend"
    if year:
        text += f" On {trend} it would be reached in {year}."
    elif t.get("date"):
        text += f" On {trend} it would not be reached by {t['date']}."
    rate = t.get("required_rate") or {}
    if rate.get("absolute_per_year") is not None and t["kind"] != "ratio_to_benchmark":
        text += f" Reaching it needs a change of {rate['absolute_per_year']:+,.2f} {a.unit} a year"
        if rate.get("compound_per_year") is not None:
            text += f" ({rate['compound_per_year']:+.1%} a year compound)"
        text += f" from {rate['from_year']}."
    return text
