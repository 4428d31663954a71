"""Plain sentences from an assessment, with numbers, units, periods and sources, for a councillor to read.

Every number a sentence gives is a field of the assessment (the truth suite checks this on every stored
sentence); every figure keeps its whole unit ("per 100,000 people" stays per 100,000); money says its price
basis; a figure for another area is named as that area's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from prosperity.assess import status as st

if TYPE_CHECKING:
    from prosperity.assess.engine import Assessment

WORDS_UNITS = {"yrs": "years", "mins": "minutes"}
#: a price basis at the end of a money unit, said on the first mention only ("£ per hour, current prices")
_BASIS_SUFFIX = re.compile(r",\s*(current (basic |market )?prices|chained volume measures.*|real terms.*)$", re.I)


def fmt(value: float | None, unit: str, dp: int | None = None) -> str:
    """A number with its unit: ``£37.33``, ``74.1%``, ``£1,234 million``, ``62.3 years``; a proportion (0 to 1)
    as a percentage: ``0.3675`` "proportion of LSOAs" is ``36.8% of LSOAs``."""
    if value is None:
        return "no figure"
    u = (unit or "").strip()
    if dp is None:
        dp = 0 if abs(value) >= 1000 else 1
    if u.startswith("£") and abs(value) < 100:
        dp = max(dp, 2)
    if u == "proportion" or u.startswith("proportion of "):  # a share from 0 to 1, read as a percentage
        share = f"{value * 100:,.{max(dp - 2, 1)}f}%"
        return share + u[len("proportion"):]
    text = f"{value:,.{dp}f}"
    if u == "%" or u.startswith("% ") or u == "per cent":
        return f"{text}%"
    if u.startswith("£"):
        rest = u[1:].strip()
        sign = "-" if text.startswith("-") else ""
        return f"{sign}£{text.lstrip('-')}" + (f" {rest}" if rest else "")
    return f"{text} {WORDS_UNITS.get(u, u)}".rstrip()


def short_unit(unit: str) -> str:
    """The unit for second and later mentions: the price basis dropped, nothing else ("per 100,000" stays)."""
    return _BASIS_SUFFIX.sub("", (unit or "").strip())


def full_unit(unit: str) -> str:
    """The unit for the first mention: with its price basis for money ("£ per week, current prices")."""
    basis = st.price_basis(unit)
    if basis and not _BASIS_SUFFIX.search(unit or "") and basis not in (unit or ""):
        return f"{unit}, {basis}"
    return unit


def _dp(a: Assessment) -> int | None:
    return None if a.derivation else a.source.get("decimal_places")  # a derived figure has its own precision


def basis_text(unit: str) -> str | None:
    """The price basis of a money unit in words ("current prices", "chained volume measures in 2019 money
    value"), whether the unit states it or not; None for anything but money."""
    if not st.is_money(unit):
        return None
    m = _BASIS_SUFFIX.search(unit or "")
    return m.group(1) if m else st.price_basis(unit)


def _num(a: Assessment, v: float | None, full: bool = False) -> str:
    """A figure of this assessment with its unit; on the first mention money says its price basis:
    "£37.33 per hour (current prices)"."""
    text = fmt(v, short_unit(a.unit), _dp(a))
    basis = basis_text(a.unit)
    return f"{text} ({basis})" if full and basis and v is not None else text


def figure(a: Assessment) -> str:
    """The latest figure for a table cell: with its price basis, and the area it is for when another area's figure
    stands in ("£4,678 million (current prices), North West")."""
    if a.value is None:
        return "no figure"
    text = _num(a, a.value, full=True)
    return f"{text}, for {a.read_area['name']}" if a.read_area else text


def _when(a: Assessment) -> str:
    """ "in 2023", "in 2022 to 2024", or "on 30 Apr 2025" for a figure dated to a day."""
    return _at(a.period, a.period_label)


def _at(period: str | None, label: str | None) -> str:
    return f"{'on' if period and '/' not in period else 'in'} {label}"


def _value(v: float | None, unit: str | None, dp: int | None = 1) -> str:
    """A figure of another series (a real-terms index or volume) with its own unit."""
    u = (unit or "").strip()
    if u.lower().startswith("index"):
        return f"{v:,.1f}" if v is not None else "no figure"
    return fmt(v, u, dp)


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
    return f"There is no figure for {a.label} in {a.area_name}: {reason}."


def _is_rate(a: Assessment) -> bool:
    return a.unit.strip().startswith("%")


def describe(a: Assessment) -> list[str]:
    out = [_latest(a)]
    for c in a.caveats:
        if c.get("quoted", True):
            out.append(f"The publisher's note on these figures: \u201c{c['text']}\u201d")
        else:
            out.append(c["text"])
    if a.latest_available:
        n = a.latest_available
        out.append(f"This is not the latest period: figures for {n['period_label']} are published for {n['areas']} "
                   f"other area{'s' if n['areas'] != 1 else ''} of the same kind.")  # fmt: skip
    if a.benchmark:
        out.append(_benchmark(a, a.benchmark))
        g = a.benchmark.get("gap_in_people")
        if g and not g["benchmark_met"] and g["people"]:
            out.append(f"To match {a.benchmark['area_name']}'s rate, {a.area_name} would need {abs(g['people']):,} "
                       f"{'more' if g['people'] > 0 else 'fewer'} {g['counted']}, taking its "
                       f"{g['denominator_label']} ({g['denominator']:,.0f} in {g['denominator_period']}) as "
                       "the denominator of the published rate.")  # fmt: skip
        gap = _gap_movement(a, a.benchmark)
        if gap:
            out.append(gap)
    if a.trend:
        out.append(_trend(a, a.trend))
        if a.trend.get("real_terms"):
            out.append(_real_terms(a, a.trend))
    if a.derivation and a.derivation.get("method") == "iod-area-summary":
        out.append(_deprivation(a, a.derivation))
    if a.peers and a.peers.get("rank"):
        out.append(_peers(a, a.peers))
    if a.members and a.members.get("range") is not None:
        out.append(_members(a, a.members))
    for t in a.targets:
        out.append(_target(a, t))
    return out


def headline(a: Assessment) -> list[str]:
    """The few short sentences a summary leads with: the latest figure, the gap to the benchmark and how it moved,
    the trend that is judged (the real-terms one for money), and the current target's status."""
    out = [_latest(a)]
    b = a.benchmark or {}
    g = b.get("gap") or {}
    if (g.get("from_period") is not None and g.get("from_period") != g.get("to_period") and not _is_rate(a)
            and g.get("cagr") is not None):
        i0, i1 = g["from_index"], g["to_index"]
        out.append(f"With {b['area_name']} = 100 it stood at {i0:.1f} in {g.get('from_label') or g['from_period']} and "
                   f"{i1:.1f} in {g.get('to_label') or g['to_period']} ({g['cagr']:+.2%} a year in the relative level: "
                   f"{_status_words(g['status'])} in the gap).")  # fmt: skip
    elif b:
        out.append(_gap_movement(a, b) or _benchmark(a, b))
    t = a.trend or {}
    r = t.get("real_terms")
    if r and r.get("from_period") is not None and r.get("from_period") != r.get("to_period") and r.get("cagr") is not None:
        out.append(f"In real terms ({r['label']}) it stood at {_value(r['from_value'], r.get('unit'))} in "
                   f"{r['from_period']} and {_value(r['to_value'], r.get('unit'))} in {r['to_period']} "
                   f"({r['cagr']:+.2%} a year): {_status_words(t.get('status'))}.")  # fmt: skip
    elif t:
        out.append(_trend(a, t))
    tg = a.target or {}
    if tg.get("status") in st.TARGET_STATUSES:
        what = tg.get("resolved") or tg["kind"].replace("_", " ")
        closes = (tg.get("gap") or {}).get("closes_in") or tg.get("projected_year")
        w = (tg.get("gap") or {}).get("trend_window") or tg.get("projection_window")
        when = f"; on the trend of {w[0]} to {w[1]} it would be reached in {closes}" if closes and w else ""
        out.append(f"Target set by {tg['set_by']}: {what}: {tg['status']}{when}.")
    return out


def _latest(a: Assessment) -> str:
    ci = ""
    if a.lci_95 is not None and a.uci_95 is not None:
        ci = f" (95% confidence interval {_num(a, a.lci_95)} to {_num(a, a.uci_95)})"
    how = ""
    if a.derivation:
        how = f", built from {a.derivation['how']}"
    if a.read_area:
        name, code = a.read_area["name"], a.read_area["code"]
        return (f"{a.label} is not published for {a.area_name}. The figure for {name} ({code}), which stands in for "
                f"it, was {_num(a, a.value, full=True)} {_when(a)}{ci} (source: {_source(a)}); it is "
                f"{name}'s figure, not {a.area_name}'s, and is not judged as {a.area_name}'s.")  # fmt: skip
    return (f"{a.label} in {a.area_name} was {_num(a, a.value, full=True)} {_when(a)}{ci}{how} "
            f"(source: {_source(a)}).")  # fmt: skip


def _benchmark(a: Assessment, b: dict[str, Any]) -> str:
    name, bv = b["area_name"], _num(a, b["value"])
    diff = b["difference"]
    if _is_rate(a):  # rates differ in percentage points, not per cent
        pct = f" ({abs(diff):.1f} percentage points {'higher' if diff > 0 else 'lower'})" if diff else ""
    else:
        pct = f" ({abs(b['gap_percent']):.1f}% {'higher' if diff > 0 else 'lower'})" if b.get("gap_percent") else ""
    if b["comparison"] == "not_compared" or b["method"].startswith("no-interval"):
        where = "above" if diff > 0 else "below" if diff < 0 else "level with"
        if _is_rate(a):
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


def _status_words(status: str) -> str:
    return {st.IMPROVING: "improving", st.WORSENING: "worsening", st.NO_CLEAR_CHANGE: "no clear change",
            st.TOO_FEW_POINTS: "too few points to judge", st.NOT_JUDGED: "not judged"}.get(status, status)  # fmt: skip


def _gap_movement(a: Assessment, b: dict[str, Any]) -> str | None:
    g = b.get("gap")
    if not g or g.get("from_period") is None or g.get("to_period") is None or g["from_period"] == g["to_period"]:
        return None
    name = b["area_name"]
    y0, y1 = g.get("from_label") or g["from_period"], g.get("to_label") or g["to_period"]
    if _is_rate(a):
        d0, d1 = g.get("difference_from"), g.get("difference_to")
        if d0 is None or d1 is None:
            return None
        moved = "narrowed" if abs(d1) < abs(d0) else "widened" if abs(d1) > abs(d0) else "stayed the same"
        text = (f"The gap with {name} has {moved}: from {abs(d0):.1f} percentage points "
                f"{'above' if d0 > 0 else 'below'} in {y0} to {abs(d1):.1f} percentage points "
                f"{'above' if d1 > 0 else 'below'} in {y1}")  # fmt: skip
    else:
        i0, i1 = g["from_index"], g["to_index"]
        moved = "narrowed" if abs(i1 - 100) < abs(i0 - 100) else "widened" if abs(i1 - 100) > abs(i0 - 100) \
            else "stayed the same"  # fmt: skip
        text = (f"With {name} = 100, {a.area_name} stood at {i0:.1f} in {y0} and {i1:.1f} in {y1}: the gap has "
                f"{moved} from {abs(i0 - 100):.1f}% {'above' if i0 > 100 else 'below'} to {abs(i1 - 100):.1f}% "
                f"{'above' if i1 > 100 else 'below'}")  # fmt: skip
        if st.price_basis(a.unit) == "current prices":
            text += " (both in current prices, so the ratio is not affected by national inflation)"
    status = g["status"]
    if status == st.TOO_FEW_POINTS:
        text += f"; with {g['points']} comparable periods that is too few points to judge a trend in the gap."
    elif status == st.NO_CLEAR_CHANGE:
        text += (f"; over {g['points']} comparable periods the relative level changed by {g['cagr']:+.2%} a year, "
                 "less than the 0.5% a year the trend rule counts as material: no clear change in the gap.")  # fmt: skip
    elif status in (st.IMPROVING, st.WORSENING):
        side = "ahead" if g.get("ahead") else "behind"
        text += (f"; over {g['points']} comparable periods the relative level changed by {g['cagr']:+.2%} a year: "
                 f"the gap, with {a.area_name} {side}, is {g['direction']} ({_status_words(status)}).")  # fmt: skip
    else:
        text += "."
    if g.get("closes_in") and g.get("closes_window"):
        w = g["closes_window"]
        text += f" On the trend of {w[0]} to {w[1]} the gap would close in {g['closes_in']}."
    elif g.get("closes_window") and not g.get("ahead"):
        w = g["closes_window"]
        text += f" On the trend of {w[0]} to {w[1]} the gap would not close."
    return text


def _trend(a: Assessment, t: dict[str, Any]) -> str:
    status = t.get("status")
    where = f" for {a.figure_area_name}" if a.read_area else ""
    if t.get("from_value") is None or t.get("from_period") is None or t.get("from_period") == t.get("to_period"):
        return (f"There is only one comparable period{where}, so there are too few points to judge a trend "
                f"(the rule needs {t.get('min_points') or 3}).")  # fmt: skip
    rose = t["to_value"] > t["from_value"]
    moved = "risen" if rose else "fallen" if t["to_value"] < t["from_value"] else "not changed"
    rate = f" ({t['cagr']:+.1%} a year)" if t.get("cagr") is not None else ""
    span = f"Between {t.get('from_label') or t['from_period']} and {t.get('to_label') or t['to_period']}{where}"
    figures = f"from {_num(a, t['from_value'])} to {_num(a, t['to_value'])}{rate}"
    if t.get("rule") == "stand-in":
        return (f"{span} it has {moved} {figures}. These are {a.figure_area_name}'s figures, so no trend is judged "
                f"for {a.area_name}.")  # fmt: skip
    if t.get("basis") == "current prices":
        text = f"{span} it has {moved} in cash terms (current prices) {figures}"
        if t.get("real_terms"):
            return text + "; a change in cash is not judged, since prices rose too: the real-terms trend follows."
        return (text + ". A change in cash is not judged, since prices rose too, and no real-terms series of this "
                "measure is published for this area: not judged.")  # fmt: skip
    text = f"{span} it has {moved} {figures}, over {t['points']} comparable periods"
    if t.get("marker"):
        marker = {"increasing": "a significant increase", "decreasing": "a significant decrease",
                  "no_significant_change": "no significant change",
                  "cannot_be_calculated": "that the trend cannot be calculated"}[t["marker"]]  # fmt: skip
        periods = t.get("marker_periods") or []
        over = f" over {periods[0]} to {periods[-1]}" if periods else ""
        return text + f". Fingertips' trend test{over} finds {marker}: {_status_words(status)}."
    if t.get("marker_ineligible_reason"):
        text += (f". Fingertips' trend test does not apply here ({t['marker_ineligible_reason']}), so the trend "
                 "rule for figures without intervals is used")  # fmt: skip
    if status == st.TOO_FEW_POINTS:
        return text + f": too few points to judge (the rule needs {t['min_points']})."
    if status == st.NO_CLEAR_CHANGE:
        return text + ": no clear change (less than the 0.5% a year the trend rule counts as material)."
    if status in (st.IMPROVING, st.WORSENING):
        return text + f": {_status_words(status)} (at least the 0.5% a year the trend rule counts as material)."
    return text + f": not judged ({t.get('reason') or 'no better direction'})."


def _real_terms(a: Assessment, t: dict[str, Any]) -> str:
    r = t["real_terms"]
    status = t.get("status")
    unit = r.get("unit") or ""
    where = r["area_name"] if r["area"] == a.area else f"{r['area_name']} (the ITL area {r['area']}, the same place)"
    if r.get("from_period") is None or r.get("from_period") == r.get("to_period"):
        return f"In real terms ({r['label']}, {where}) there is only one period: too few points to judge."
    text = (f"In real terms ({r['label']}; {r['publisher']}), {where} stood at {_value(r['from_value'], unit)} in "
            f"{r['from_period']} and {_value(r['to_value'], unit)} in {r['to_period']}, {r['cagr']:+.2%} a year over "
            f"{r['points']} periods")  # fmt: skip
    if status == st.NO_CLEAR_CHANGE:
        return text + ": no clear change (less than the 0.5% a year the trend rule counts as material)."
    if status == st.TOO_FEW_POINTS:
        return text + ": too few points to judge."
    return text + f": {_status_words(status)}."


def _deprivation(a: Assessment, d: dict[str, Any]) -> str:
    return (f"By MHCLG's summary measures for these {d['lsoas']:,} LSOAs (weighted by the {d['population_weight']}): "
            f"average rank {d['average_rank']:,.1f} on a scale from 1 to 32,844 (32,844 is the most deprived), extent "
            f"{d['extent']:.1%} (the share of people in the most deprived 30% of neighbourhoods, weighted), local "
            f"concentration {d['local_concentration']:,.1f}.")  # fmt: skip


def _members(a: Assessment, m: dict[str, Any]) -> str:
    names = {v["area"]: v["name"] for v in m["values"]}
    lo = next(v["value"] for v in m["values"] if v["area"] == m["minimum_place"])
    hi = next(v["value"] for v in m["values"] if v["area"] == m["maximum_place"])
    n, when = m.get("n") or len(m["values"]), _at(m["period"], m["period_label"])
    text = (f"Across its {n} member areas {when}, values range from "
            f"{_num(a, lo)} in {names[m['minimum_place']]} to {_num(a, hi)} in {names[m['maximum_place']]}")  # fmt: skip
    g = m.get("gap_trend") or {}
    if g.get("direction"):
        text += (f"; the gap between them (coefficient of variation) is {g['direction']}: {g['from']:.3f} "
                 f"{_at(g.get('from_period_iso'), g['from_period'])}, {g['to']:.3f} "
                 f"{_at(m['period'], g['to_period'])}")  # fmt: skip
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


def _target_value(a: Assessment, t: dict[str, Any], v: float) -> str:
    if t["kind"] in ("close_gap", "ratio_to_benchmark"):
        return f"{v:.1f}" if t["kind"] == "close_gap" else f"{v:.0%}"
    return _num(a, v)


def target_words(targets: list[dict[str, Any]], target_id: str) -> str:
    """Name, in words, the target among ``targets`` whose id is ``target_id`` (a reader never sees the id)."""
    for t in targets:
        if t.get("id") == target_id:
            what = t.get("resolved") or t["kind"].replace("_", " ")
            by = f" by {t['date']}" if t.get("date") and str(t["date"]) not in what else ""
            return f"the later target to {what}{by}" + (f", set by {t['set_by']}" if t.get("set_by") else "")
    return "a later target"


def _target(a: Assessment, t: dict[str, Any]) -> str:
    what = t.get("resolved") or f"{t['kind'].replace('_', ' ')} target" + (f" for {t['date']}" if t.get("date") else "")
    if t.get("benchmark_name") and "benchmark" in what:
        what = what.replace("the benchmark", t["benchmark_name"])
    head = f"Target set by {t['set_by']}: {what}"
    if t.get("superseded_by"):
        head += f" (superseded by {target_words(a.targets, t['superseded_by'])})"
    if t.get("measured_as"):
        head += f". Measured as: {t['measured_as']}"
    if t.get("method") is None:
        return f"{head}. Progress is not judged: {t.get('note') or 'not enough data'}."
    if t["kind"] == "close_gap":
        return head + ". " + _gap_target(a, t)
    window = t.get("window") or [None, None]
    since = f", {window[0]} to {window[1]}" if window[0] and window[1] and window[0] != window[1] else ""
    d = t.get("deadline") or {}
    if d.get("met") is not None:
        return (f"{head}. Its deadline has passed: the figure for {d['year']} was {_target_value(a, t, d['value'])}, "
                f"so the target was {t['status']}.")  # fmt: skip
    if t.get("status") is None:
        return f"{head}. Progress is not judged by the {t.get('method_name', 'target')} method: {t.get('note')}."
    text = f"{head}. Status by the {t.get('method_name', 'target')} method{since}: {t['status']}."
    if t.get("projected_value") is not None and t.get("method") == "dns-linear-projection" and t["status"] != st.MET:
        floor = " (a quantity that cannot fall below zero is projected no lower than zero)" \
            if t.get("floor") is not None and t["projected_value"] == t["floor"] else ""  # fmt: skip
        share = t.get("shortfall_share")
        miss = f", missing it by {share:.1%} of the current gap" if share else ""
        text += (f" On that trend it would be {_target_value(a, t, t['projected_value'])} in {t['date']}{miss}"
                 f"{floor}.")  # fmt: skip
    year, pw = t.get("projected_year"), t.get("projection_window") or [None, None]
    trend = f"the trend of {pw[0]} to {pw[1]}" if pw[0] and pw[1] else "the recent trend"
    if year:
        text += f" On {trend} it would be reached in {year}."
    elif t.get("date") and t["status"] != st.MET:
        text += f" On {trend} it would not be reached by {t['date']}."
    rate = t.get("required_rate") or {}
    if rate.get("absolute_per_year") is not None and t["kind"] not in ("ratio_to_benchmark", "close_gap"):
        text += f" Reaching it needs a change of {rate['absolute_per_year']:+,.2f} {short_unit(a.unit)} a year"
        if rate.get("compound_per_year") is not None:
            text += f" ({rate['compound_per_year']:+.1%} a year compound)"
        text += f" from {rate['from_year']}."
    return text


def _gap_target(a: Assessment, t: dict[str, Any]) -> str:
    g = t.get("gap") or {}
    bench = t.get("benchmark_name") or t.get("benchmark")
    text = (f"With {bench} = 100, {a.area_name} stood at {g['index']:.1f} in {g['year']}, a gap of "
            f"{abs(g['gap_points']):.1f} points")  # fmt: skip
    tr = g.get("trend") or {}
    if tr.get("from_period") is not None and tr.get("from_period") != tr.get("to_period"):
        text += (f"; it was {tr['from_index']:.1f} in {tr['from_period']} ({tr['cagr']:+.2%} a year over "
                 f"{tr['points']} periods: {_status_words(tr['status'])})")  # fmt: skip
    w = g.get("trend_window")
    if g.get("closes_in") and w:
        text += f". On the trend of {w[0]} to {w[1]} the gap would close in {g['closes_in']}"
    elif w:
        text += f". On the trend of {w[0]} to {w[1]} the gap would not close"
    text += "."
    if t.get("date") and t.get("status"):
        text += f" Status for {t['date']} by the {t.get('method_name')} method: {t['status']}."
    elif t.get("status") == st.MET:
        text += " The target is met."
    else:
        text += " The target has no date, so no on-track status is given."
    return text
