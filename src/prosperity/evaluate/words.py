"""The sentences of an evaluation, whose wording follows the grade (see :mod:`prosperity.evaluate.diagnostics`).

Only an estimate graded at Maryland level 3 or above *and* significant by its placebo test is worded as an
effect ("is estimated to have raised"); a level-3 estimate that is not significant says that no effect can
be told apart from chance; a level-2 estimate is "associated with", never "caused"; a refusal gives its reasons.
"""

from __future__ import annotations

from typing import Any

from prosperity.assess.sentences import fmt

METHOD_WORDS = {
    "synthetic-control": "a synthetic comparison (synthetic control)",
    "difference-in-differences": "a difference-in-differences comparison",
}


def amount(v: float, unit: str | None) -> str:
    """A difference with its unit: percentage points for rates, pounds for money."""
    u = (unit or "").strip()
    a = abs(v)
    dp = 2 if a < 10 else (1 if a < 1000 else 0)
    if u == "%" or u.startswith("% "):
        return f"{a:,.{dp}f} percentage points"
    if u.startswith("£"):
        dp = 0 if a >= 100 else 2
    return fmt(a, u, dp)


def _years(est: dict[str, Any], post: tuple[int, int] | list[int]) -> str:
    last = max((p["year"] for p in est["actual"] if p["year"] <= post[1]), default=post[1])
    return f"{est['start']}" if last <= est["start"] else f"{est['start']}–{last}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower(label: str) -> str:
    """A label inside a sentence: words lower-cased except acronyms (GVA, CO2) and anything in brackets."""
    out, depth = [], 0
    for word in label.split(" "):
        depth += word.count("(")
        keep = depth > 0 or (len(word) > 1 and word.isupper())
        depth -= word.count(")")
        out.append(word if keep else word.lower())
    return " ".join(out)


def _pool(est: dict[str, Any]) -> str:
    return f"{len(est['donors'])} comparison areas ({est['donor_pool']})"


def synthetic_sentence(r: dict[str, Any], est: dict[str, Any], name: str, post: Any) -> str:
    g = r["grade"]
    d, label, area = r["estimate"], _lower(est["label"]), est["area_name"]
    years = _years(est, post)
    if g["causal_wording"]:
        verb = "raised" if d > 0 else "lowered"
        return (f"{_cap(name)} is estimated to have {verb} the {label} in {area} by {amount(d, est['unit'])} a year on "
                f"average over {years}, against a synthetic {area} built from {_pool(est)}: larger than the gap of "
                f"all but a few comparison areas given the same treatment on paper (placebo p = {r['p_value']:.2f}; "
                f"Maryland Scientific Methods Scale level {g['level']}).")  # fmt: skip
    side = "above" if d > 0 else "below"
    if g["level"] and g["level"] >= 3:
        return (f"Over {years} the {label} in {area} was {amount(d, est['unit'])} {side} a synthetic {area} built from "
                f"{_pool(est)}. Comparison areas given the same treatment on paper show gaps of up to "
                f"±{amount(r['placebo_band'], est['unit'])} by chance (placebo p = {r['p_value']:.2f}), so no effect "
                f"of {name} can be told apart from chance (Maryland level {g['level']}).")  # fmt: skip
    why = "; ".join(g["downgrades"])
    return (f"Over {years} the {label} in {area} was {amount(d, est['unit'])} {side} a synthetic {area}; this is "
            f"associated with {name}, but {why}, so it cannot be read as its effect (Maryland level {g['level']})."
            ) + post_hoc_note(r, name)


def post_hoc_note(r: dict[str, Any], name: str) -> str:
    """The disclosure an estimate carries when a check added after results were seen changed its grade."""
    g = r["grade"]
    if not g.get("post_hoc_downgrades") or (g.get("prior_level") == g["level"]
                                             and g.get("prior_causal_wording") == g["causal_wording"]):  # fmt: skip
        return ""
    wording = (f"worded as an effect of {name} (p = {r['p_value']:.2f})" if g.get("prior_causal_wording") else
               "still not worded as an effect")  # fmt: skip
    return (f" The check that lowered this grade was added to the product's rules after this result had been seen, "
            f"so it was not fixed in advance; under the rules fixed beforehand this estimate would be graded Maryland "
            f"level {g['prior_level']} and {wording}.")  # fmt: skip


def did_sentence(r: dict[str, Any], est: dict[str, Any], name: str, post: Any) -> str:
    g = r["grade"]
    d, label, area = r["estimate"], _lower(est["label"]), est["area_name"]
    years = _years(est, post)
    how = ("ranked among the same estimate for each comparison area" if r["inference"] == "randomisation"
           else "standard errors clustered by area")  # fmt: skip
    if g["causal_wording"]:
        verb = "raised" if d > 0 else "lowered"
        return (f"{_cap(name)} is estimated to have {verb} the {label} in {area} by {amount(d, est['unit'])} over {years} "
                f"relative to {_pool(est)} (difference-in-differences, p = {r['p_value']:.2f}, {how}; Maryland "
                f"level {g['level']}).")  # fmt: skip
    side = "more" if d > 0 else "less"
    if g["level"] and g["level"] >= 3:
        return (f"Relative to {_pool(est)}, the {label} in {area} changed by {amount(d, est['unit'])} {side} over "
                f"{years} than before {est['start']}; p = {r['p_value']:.2f} ({how}), so no effect of {name} can be "
                f"told apart from chance (Maryland level {g['level']}).")  # fmt: skip
    why = "; ".join(g["downgrades"])
    return (f"Relative to {_pool(est)}, the {label} in {area} changed by {amount(d, est['unit'])} {side} over "
            f"{years} than before; this is associated with {name}, but {why}, so it cannot be read as its effect "
            f"(Maryland level {g['level']}).") + post_hoc_note(r, name)  # fmt: skip


def refusal_sentence(r: dict[str, Any], est: dict[str, Any], name: str) -> str:
    label = _lower(est["label"])
    reasons = "; ".join(x["reason"] for x in r["refusals"])
    how = METHOD_WORDS.get(r["method"], r["method"])
    return f"No estimate of the effect of {name} on the {label} in {est['area_name']} from {how}: {reasons}."


def verdict(result: dict[str, Any]) -> str:
    """The evaluation's plain answer, counting what the estimates can and cannot support."""
    rs = [(e, r) for e in result["estimates"] for r in e["results"]]
    n = len(rs)
    causal = [(e, r) for e, r in rs if r["grade"]["causal_wording"]]
    null = [(e, r) for e, r in rs if not r.get("refused") and r["grade"]["level"] and r["grade"]["level"] >= 3
            and not r["grade"]["causal_wording"]]  # fmt: skip
    assoc = [(e, r) for e, r in rs if not r.get("refused") and r["grade"]["level"] and r["grade"]["level"] < 3]
    refused = [(e, r) for e, r in rs if r.get("refused")]
    parts = []
    if causal:
        which = ", ".join(f"{_lower(e['label'])} in {e['area_name']} ({r['method']})" for e, r in causal)
        parts.append(f"{len(causal)} of {n} estimates show an effect that the checks support: {which}.")
    else:
        parts.append(f"None of the {n} estimates shows an effect that the checks support.")
    if null:
        parts.append(f"{len(null)} passed the checks on the comparison but found no effect distinguishable from the "
                     "variation among comparison areas.")  # fmt: skip
    if assoc:
        parts.append(f"{len(assoc)} found a difference that is only associated with the intervention: a check on the "
                     "comparison failed.")  # fmt: skip
    post_hoc = [(e, r) for e, r in rs if not r.get("refused") and post_hoc_note(r, "it")]
    if post_hoc:
        would = [(e, r) for e, r in post_hoc if r["grade"].get("prior_causal_wording")]
        which = ", ".join(f"{_lower(e['label'])} in {e['area_name']} ({METHOD_WORDS.get(r['method'], r['method'])}, "
                          f"{'+' if r['estimate'] > 0 else '−'}{amount(r['estimate'], e['unit'])}, "
                          f"p = {r['p_value']:.2f})" for e, r in would)  # fmt: skip
        grades = "1 grade was" if len(post_hoc) == 1 else f"{len(post_hoc)} grades were"
        parts.append(f"{grades} lowered by a check added to the rules after the results had been seen (so not fixed in "
                     "advance)" + (f"; under the rules fixed beforehand, {len(would)} would have been worded as an "
                                   f"effect: {which}." if would else "."))  # fmt: skip
    if refused:
        codes: dict[str, int] = {}
        for _, r in refused:
            for x in r["refusals"]:
                codes[x["code"]] = codes.get(x["code"], 0) + 1
        words = {"too-few-donors": "too few comparison areas", "too-few-pre-periods": "too few years before",
                 "no-post-period": "no figures yet after the start", "outside-range": "the area lies outside the "
                 "comparison areas' range", "poor-fit": "no comparison tracked the area closely before the start",
                 "treated-missing": "figures missing for the area"}  # fmt: skip
        why = ", ".join(f"{words.get(c, c)} ({k})" for c, k in sorted(codes.items(), key=lambda kv: -kv[1]))
        parts.append(f"{len(refused)} gave no estimate: {why}.")
    return " ".join(parts)
