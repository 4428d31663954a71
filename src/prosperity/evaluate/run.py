"""Run an evaluation file against the warehouse at a frozen vintage and return its result as plain data.

The result holds every input (the file's digest, the areas, the panel of figures used), every release the
figures came from (dataset, publisher, publisher's release date, SHA-256 of the file), the software versions,
each estimate with its diagnostics and grade, and the sentences a reader sees. It has no time stamp and no
machine-specific ids, so running the same file on a warehouse holding the same releases gives the same bytes
(:func:`result_bytes`).

Vintage: each dataset's release is the one pinned in the file by checksum (``releases:``), else the newest
loaded by ``as_of`` (the file's, or ``--as-of``), else the newest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from prosperity import __version__
from prosperity.errors import NotFound, ProsperityError
from prosperity.evaluate import additionality as add
from prosperity.evaluate import diagnostics as dg
from prosperity.evaluate import did as dd
from prosperity.evaluate import synthetic as sc
from prosperity.evaluate.spec import EvaluationSpec, LoadedSpec
from prosperity.evaluate.words import did_sentence, refusal_sentence, synthetic_sentence, verdict
from prosperity.warehouse import Warehouse
from prosperity.warehouse.schema import end_of

RESULT_VERSION = 1
_ANNUAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(/P1Y)?$")
SIGNIFICANT = 8  #: significant digits kept in results, so that last-bit differences between machines vanish


class EvaluationError(ProsperityError):
    """The evaluation file names something the warehouse does not hold (the message gives file and line)."""


def _year(period: str) -> int | None:
    """The year of an annual period (calendar or financial year start) or of a dated instant; ``None`` otherwise."""
    m = _ANNUAL.match(period)
    return int(m.group(1)) if m else None


def _release_for(wh: Warehouse, dataset: str, spec: EvaluationSpec, as_of: str | None, where: str) -> dict[str, Any]:
    pinned = spec.releases.get(dataset)
    if pinned:
        rows = wh.query("SELECT * FROM releases WHERE dataset_id = ? AND sha256 = ? ORDER BY release_id DESC LIMIT 1",
                        [dataset, pinned])  # fmt: skip
        if not rows:
            have = wh.query("SELECT sha256 FROM releases WHERE dataset_id = ? ORDER BY release_id DESC LIMIT 1",
                            [dataset])  # fmt: skip
            now = f"; it holds {have[0]['sha256'][:12]}…" if have else "; it holds no release of it"
            raise EvaluationError(f"{where}: this evaluation is frozen to the {dataset} release with checksum "
                                  f"{pinned[:12]}…, which this warehouse does not hold{now}. Build from that file, "
                                  "or remove the pin to use the newest release")  # fmt: skip
        return rows[0]
    if as_of is not None:
        rows = wh.query("SELECT * FROM releases WHERE dataset_id = ? AND loaded_at <= CAST(? AS TIMESTAMP) "
                        "ORDER BY release_id DESC LIMIT 1", [dataset, end_of(as_of)])  # fmt: skip
        if not rows:
            raise EvaluationError(f"{where}: no release of {dataset} had been loaded by {as_of}")
        return rows[0]
    rows = wh.query("SELECT * FROM releases WHERE dataset_id = ? ORDER BY release_id DESC LIMIT 1", [dataset])
    if not rows:
        raise EvaluationError(f"{where}: the warehouse holds no release of {dataset}")
    return rows[0]


def read_panel(wh: Warehouse, release_id: int, indicator: str, breakdown: str, areas: Sequence[str],
               years: tuple[int, int], keep: set[int] | None = None) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """A wide panel (years × areas) of one indicator from one release; and the periods that are not annual.

    ``keep`` limits the rows to those years (the pre and post windows, leaving out any years between them)."""
    rows = wh.query(
        """SELECT area_code, period, value FROM observations
           WHERE release_id = ? AND indicator_id = ? AND breakdown = ? AND list_contains(?, area_code)
             AND value IS NOT NULL ORDER BY area_code, period_start""",
        [release_id, indicator, breakdown, list(areas)],
    )
    data: dict[str, dict[int, float]] = {}
    odd = []
    for r in rows:
        y = _year(r["period"])
        if y is None:
            odd.append(r["period"])
            continue
        if years[0] <= y <= years[1]:
            data.setdefault(r["area_code"], {})[y] = float(r["value"])
    idx = [y for y in range(years[0], years[1] + 1) if keep is None or y in keep]
    panel = pd.DataFrame({a: [data.get(a, {}).get(y, math.nan) for y in idx] for a in areas}, index=idx, dtype=float)
    return panel.dropna(how="all"), sorted(set(odd))  # years not (yet) published for any area are not gaps


def _round(v: Any) -> Any:
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return float(f"{v:.{SIGNIFICANT}g}")
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_round(x) for x in v]
    return v


def _donor_pool(wh: Warehouse, loaded: LoadedSpec, treated: str) -> tuple[list[str], str]:
    spec = loaded.spec
    d = spec.donors
    pool: list[str] = []
    for i, code in enumerate(d.areas):
        _known(wh, code, loaded.where("donors", "areas", i))
        pool.append(code)
    described = []
    if d.group == "combined-authorities":
        pool += [a["code"] for a in wh.areas(level="combined-authority")]
        described.append("the combined authorities")
    elif d.group == "statistical-neighbours":
        of = d.of or treated
        _known(wh, of, loaded.where("donors", "of"))
        nb = wh.neighbours(of, d.kind)
        if not nb:
            raise EvaluationError(f"{loaded.where('donors', 'group')}: the warehouse has no statistical neighbours "
                                  f"({d.kind}) for {of}")  # fmt: skip
        pool += nb
        described.append(f"ONS's 20 most similar councils to {wh.area(of)['name']} ({d.kind})")
    if d.why:
        described = [d.why]
    elif d.areas:
        described.insert(0, "the areas named in the evaluation")
    treated_all = {t.area for t in spec.treated}
    excluded = set(d.exclude) | treated_all
    seen: list[str] = []
    for c in pool:
        if c not in excluded and c not in seen:
            seen.append(c)
    return seen, " and ".join(described)


def _known(wh: Warehouse, code: str, where: str) -> dict[str, Any]:
    try:
        return wh.area(code)
    except NotFound as e:
        raise EvaluationError(f"{where}: {e}") from None


def _series(panel: pd.DataFrame, code: str) -> list[dict[str, Any]]:
    return [{"year": int(y), "value": float(v)} for y, v in panel[code].items() if not math.isnan(v)]


def _synthetic(panel: pd.DataFrame, treated: str, donors: list[str], start: int,
               names: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"method": sc.METHOD, "source": sc.SOURCE}
    refusals = dg.design_refusals(panel, treated, donors, start)
    if refusals:
        out.update(refused=True, refusals=[asdict(r) for r in refusals], grade=dg.grade(True, None, []).as_dict())
        return out
    fit = sc.fit_outcome_path(panel, treated, donors, start)
    poor = dg.fit_refusal(fit)
    pre = [i for i, p in enumerate(fit.periods) if p < start]
    out["paths"] = [{"year": p, "actual": a, "synthetic": s} for p, a, s in
                    zip(fit.periods, fit.actual, fit.synthetic, strict=True)]  # fmt: skip
    out["weights"] = [{"area": k, "weight": w} for k, w in fit.top_weights(0.001).items()]
    out["pre_rmspe"] = fit.pre_rmspe
    out["outside_range_years"] = dg.outside_range_years(panel, treated, donors, start)
    if poor is not None:
        # The pre-period is shown so a reader can see the poor fit; nothing after the start is.
        out["paths"] = [out["paths"][i] for i in pre]
        out.update(refused=True, refusals=[asdict(poor)], grade=dg.grade(True, None, []).as_dict())
        return out
    placebos = sc.in_space_placebos(panel, treated, donors, start)
    p = sc.placebo_p_value(fit, placebos)
    band, band_n = dg.placebo_band(fit, placebos)
    n_pre = len(pre)
    shift = max(1, min(3, n_pre // 2))
    try:
        in_time = sc.in_time_placebo(panel, treated, donors, start, shift)
    except sc.SyntheticError:
        in_time = None
    loo = sc.leave_one_out(panel, fit)
    failed = dg.synthetic_checks(fit, in_time, loo, band, names)
    g = dg.grade(False, p, failed)
    out.update(
        refused=False, estimate=fit.att, post_rmspe=fit.post_rmspe, ratio=fit.ratio, p_value=p,
        placebo_band=band, placebo_band_n=band_n, n_placebos=len(placebos),
        band=[fit.att - band, fit.att + band] if math.isfinite(band) else None,
        placebos=[{"area": pl.treated, "pre_rmspe": pl.pre_rmspe, "ratio": pl.ratio, "estimate": pl.att,
                   "gaps": list(pl.gaps)} for pl in placebos],
        in_time_placebo=None if in_time is None else {
            "start": in_time.start, "estimate": in_time.att, "pre_rmspe": in_time.pre_rmspe,
            "paths": [{"year": y, "actual": a, "synthetic": s} for y, a, s in
                      zip(in_time.periods, in_time.actual, in_time.synthetic, strict=True)]},
        leave_one_out=[{"without": d, "estimate": f.att, "pre_rmspe": f.pre_rmspe} for d, f in loo],
        balance=dg.balance_table(fit, panel, donors), grade=g.as_dict(),
    )  # fmt: skip
    return out


def _did(panel: pd.DataFrame, treated: str, donors: list[str], start: int) -> dict[str, Any]:
    out: dict[str, Any] = {"method": dd.METHOD_TWFE, "source": dd.SOURCE_TWFE}
    found = dg.design_refusals(panel, treated, donors, start)
    refusals = [r for r in found if r.code != "outside-range"]
    outside = next((r for r in found if r.code == "outside-range"), None)
    if refusals:
        out.update(refused=True, refusals=[asdict(r) for r in refusals], grade=dg.grade(True, None, []).as_dict())
        return out
    res = dd.twfe(panel, {treated: start}, donors)
    failed, post_hoc = dg.did_checks(res, outside)
    g = dg.grade(False, res.p_value, failed, post_hoc)
    es = res.event_study
    out.update(
        refused=False, estimate=res.estimate, std_error=res.std_error, p_value=res.p_value, inference=res.inference,
        n_obs=res.n_obs, placebo_estimates=[{"area": k, "estimate": v} for k, v in res.placebo_estimates.items()],
        event_study=None if es is None else {
            "event_times": list(es.event_times), "coefficients": list(es.coefficients),
            "std_errors": list(es.std_errors), "pre_trend_statistic": es.pre_trend_statistic,
            "pre_trend_p": es.pre_trend_p, "pre_trend_method": es.pre_trend_method},
        grade=g.as_dict(),
    )  # fmt: skip
    return out


def _versions() -> dict[str, str]:
    out = {"prosperity": __version__}
    for pkg in ("pysyncon", "pyfixest", "moderndid", "numpy", "scipy", "pandas"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def programme_outputs(spec: EvaluationSpec) -> list[add.Assessment]:
    """Net additional impact of the programme's gross outputs as given in the file.

    The seam for the programme store: when it offers a programme's outputs, this is the one function to
    change (read them by ``spec.programme.id`` instead of from the file).
    """
    if spec.programme is None:
        return []
    out = []
    for o in spec.programme.outputs:
        factors = {k: v.model_dump(exclude_none=True) for k, v in o.factors.items()}
        out.append(add.assess(o.name, o.unit, o.gross, o.level, factors, o.reference_case))
    return out


AWARDS_FILE = ("programmes-towns-fund", "TF-grant-awarded.csv")
AWARDS_SOURCE = ("Ministry of Housing, Communities and Local Government, Towns Fund grant awarded per project "
                 "(the allocation file of the Towns Fund post-award data store)")


def programme_awards(mirror: Path | None, codes: Sequence[str]) -> dict[str, Any] | None:
    """Money awarded under each programme code (``TD-BIR`` sums its projects ``TD-BIR-01`` …), from the file.

    The seam for the programme store: when it holds allocations, read them from there instead.
    """
    if not codes or mirror is None:
        return None
    path = mirror.joinpath(*AWARDS_FILE)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    totals: dict[str, dict[str, float]] = {c: {"total": 0.0, "projects": 0} for c in codes}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        code = (row.get("Index Code") or "").strip()
        for c in codes:
            if code == c or code.startswith(c + "-"):
                try:
                    totals[c]["total"] += float((row.get("Total") or "0").replace(",", ""))
                except ValueError:
                    continue
                totals[c]["projects"] += 1
    return {"source": AWARDS_SOURCE, "file": "/".join(AWARDS_FILE), "sha256": hashlib.sha256(raw).hexdigest(),
            "awards": [{"code": c, "total_gbp": v["total"], "lines": v["projects"]} for c, v in totals.items()]}


def resolve_releases(wh: Warehouse, loaded: LoadedSpec,
                     as_of: str | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:  # fmt: skip
    """Per outcome, its indicator and the release its figures are read from (see the module docstring)."""
    spec = loaded.spec
    as_of = as_of or spec.as_of
    out = []
    for oi, o in enumerate(spec.outcomes):
        where = loaded.where("outcomes", oi, "indicator")
        try:
            meta = wh.indicator(o.indicator)
        except NotFound as e:
            raise EvaluationError(f"{where}: {e}") from None
        out.append((meta, _release_for(wh, meta["dataset_id"], spec, as_of, where)))
    return out


def evaluate(wh: Warehouse, loaded: LoadedSpec, as_of: str | None = None, mirror: Path | None = None) -> dict[str, Any]:
    """Run every method for every treated area and outcome; return the result (see the module docstring).

    ``mirror`` (the folder of source files) is read only for the programme's awards, if the file names any."""
    spec = loaded.spec
    as_of = as_of or spec.as_of
    names: dict[str, str] = {}
    for i, t in enumerate(spec.treated):
        names[t.area] = _known(wh, t.area, loaded.where("treated", i, "area"))["name"]
    pools: dict[str, tuple[list[str], str]] = {t.area: _donor_pool(wh, loaded, t.area) for t in spec.treated}
    for pool, _ in pools.values():
        for c in pool:
            names.setdefault(c, wh.area(c)["name"])
    resolved = resolve_releases(wh, loaded, as_of)  # every release first: a missing one stops before any work
    years = (spec.windows.pre[0], spec.windows.post[1])
    keep = set(range(spec.windows.pre[0], spec.windows.pre[1] + 1)) | set(range(spec.windows.post[0],
                                                                              spec.windows.post[1] + 1))
    releases: dict[str, dict[str, Any]] = {}
    outcomes = []
    estimates = []
    for oi, o in enumerate(spec.outcomes):
        where = loaded.where("outcomes", oi, "indicator")
        meta, rel = resolved[oi]
        releases[rel["dataset_id"]] = {
            "dataset": rel["dataset_id"], "title": rel["title"], "publisher": rel["publisher"],
            "release_date": str(rel["publisher_release_date"]) if rel["publisher_release_date"] else None,
            "sha256": rel["sha256"], "file": rel["file_name"], "live_url": rel["live_url"]}  # fmt: skip
        outcome = {"indicator": o.indicator, "breakdown": o.breakdown, "label": meta["label"], "unit": meta["unit"],
                   "dataset": rel["dataset_id"], "source": meta["source_org"], "why": o.why, "panels": []}  # fmt: skip
        if meta["unit"] and str(meta["unit"]).startswith("£") and "chained" not in meta["label"].lower():
            outcome["note"] = ("figures are in cash terms (not adjusted for inflation); the comparison areas face the "
                               "same prices, so the gap between them is comparable, but levels over time are not real")
        for t in spec.treated:
            pool, described = pools[t.area]
            panel, odd = read_panel(wh, rel["release_id"], o.indicator, o.breakdown, [t.area, *pool], years, keep)
            if odd and panel.notna().sum().sum() == 0:
                raise EvaluationError(f"{where}: {o.indicator} is not published for single years (periods such as "
                                      f"{odd[0]}); an evaluation needs annual figures")  # fmt: skip
            complete = [c for c in pool if panel[c].notna().all()]
            dropped = [c for c in pool if c not in complete and panel[c].notna().any()]
            absent = [c for c in pool if not panel[c].notna().any()]
            est: dict[str, Any] = {
                "area": t.area, "area_name": names[t.area], "indicator": o.indicator, "label": meta["label"],
                "unit": meta["unit"], "start": t.start, "donor_pool": described, "donors": complete,
                "left_out": [{"area": c, "reason": "figures missing for " + ", ".join(
                    str(y) for y in panel.index[panel[c].isna()][:5])} for c in dropped],
                "not_published": len(absent),
                "actual": _series(panel, t.area), "results": []}  # fmt: skip
            missing = [int(y) for y in panel.index[panel[t.area].isna()]]
            if missing:
                why = "no figures for the area in " + ", ".join(str(y) for y in missing[:6])
                est["results"] = [{"method": m, "refused": True, "grade": dg.grade(True, None, []).as_dict(),
                                   "refusals": [{"code": "treated-missing", "reason": why}]} for m in spec.methods]
            else:
                used = panel[[t.area, *complete]]
                for m in spec.methods:
                    r = _synthetic(used, t.area, complete, t.start, names) if m == "synthetic-control" else \
                        _did(used, t.area, complete, t.start)
                    est["results"].append(r)
            for r in est["results"]:
                r["sentence"] = _sentence(r, est, spec)
            outcome["panels"].append({"area": t.area, "years": list(panel.index.astype(int)),
                                      "values": {c: [None if math.isnan(v) else float(v) for v in panel[c]]
                                                 for c in [t.area, *complete]}})  # fmt: skip
            estimates.append(est)
        outcomes.append(outcome)
    additional = [a.as_dict() for a in programme_outputs(spec)]
    result = {
        "result_version": RESULT_VERSION, "id": spec.id, "title": spec.title, "question": spec.question,
        "intervention": spec.intervention.model_dump(mode="json"), "file": loaded.path.name,
        "file_sha256": loaded.digest, "as_of": as_of, "windows": spec.windows.model_dump(mode="json"),
        "treated": [{**t.model_dump(mode="json"), "name": names[t.area]} for t in spec.treated],
        "methods": list(spec.methods), "areas": dict(sorted(names.items())),
        "releases": sorted(releases.values(), key=lambda r: r["dataset"]), "software": _versions(),
        "rules": {"min_donors": dg.MIN_DONORS, "min_pre_periods": dg.MIN_PRE_PERIODS,
                  "max_fit_ratio": dg.MAX_FIT_RATIO, "p_threshold": dg.P_THRESHOLD,
                  "causal_level": dg.CAUSAL_LEVEL, "grading": dg.SOURCE_SMS,
                  "added_after_results_were_seen": [{"rule": k, "what": v} for k, v in dg.POST_HOC_RULES.items()]},
        "outcomes": outcomes, "estimates": estimates, "additionality": additional,
        "notes": list(spec.notes), "programme": None if spec.programme is None else {
            **spec.programme.model_dump(mode="json", exclude={"outputs"}),
            "allocations": programme_awards(mirror, spec.programme.awards)},
    }  # fmt: skip
    result["verdict"] = verdict(result)
    return _round(result)


def _sentence(r: dict[str, Any], est: dict[str, Any], spec: EvaluationSpec) -> str:
    if r.get("refused"):
        return refusal_sentence(r, est, spec.intervention.name)
    if r["method"] == sc.METHOD:
        return synthetic_sentence(r, est, spec.intervention.name, spec.windows.post)
    return did_sentence(r, est, spec.intervention.name, spec.windows.post)


def result_bytes(result: dict[str, Any]) -> bytes:
    """The result as canonical JSON (sorted keys, fixed separators, UTF-8): identical inputs give identical bytes."""
    return (json.dumps(result, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode()
