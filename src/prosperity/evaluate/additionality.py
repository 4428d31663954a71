"""Net additional impact from gross outputs: the Additionality Guide's method, as pure functions.

Homes and Communities Agency, *Additionality Guide*, fourth edition (2014), which HM Treasury's Green Book
(2022, §A2 "additionality") points to for place-based interventions. The net additional impact is

    AI = [GI × (1 − L) × (1 − Dp) × (1 − S) × M] − [GI* × (1 − L*) × (1 − Dp*) × (1 − S*) × M*]

with gross impact ``GI``, leakage ``L``, displacement ``Dp``, substitution ``S`` and the composite multiplier
``M``; starred terms are the reference case (what would have happened anyway). Where the reference case is
expressed as a deadweight share ``DW`` of the gross, ``GI* = DW × GI`` with the same adjustments, which gives
the common simplified form ``net = GI × (1 − DW) × (1 − L) × (1 − Dp) × (1 − S) × M``.

**Ready reckoners: not from a cited table.** :data:`PRESETS` names ready-reckoner levels for deadweight, leakage,
displacement and the composite multiplier, which the guide discusses in chapter 3 "The reference case (assessing
deadweight)" (from p. 17), §4.2 "Leakage" (p. 22), §4.3 "Displacement" (p. 28) and §4.5 "Economic multiplier
effects" (p. 33), pages as its table of contents gives them; it gives no ready reckoner for substitution (§4.4,
p. 31), which must be given with its source. **The values themselves are not taken from a cited table of the
guide**: the project's reference notes record them as recalled from the English Partnerships third edition
(2008), to be verified against the fourth edition before use, and no copy of the guide's tables was available to
verify them. So no preset cites a table or page for its value (:attr:`Preset.verified` is ``False`` for every
one); every preset's source text and every assessment that uses one says so (:data:`UNVERIFIED`), and a value
from an evaluation or survey, given with its source, should replace it wherever there is one. For the same reason
the tests check the formula by hand-worked arithmetic, not against the guide's worked examples (its §5.3), which
are not available.

**Spatial level.** Displacement depends on the level at which the net effect is counted: low for a
neighbourhood, higher for a city region, near total for the nation, since jobs filled in one place are largely
jobs not filled elsewhere. At ``national`` level the default displacement is therefore ``total`` (HM Treasury
Green Book 2022, A2.6; MHCLG *Appraisal Guide* 2025: no national employment gain without evidence of a
supply-side effect).

**Range.** Each factor has a low, central and high value (by default the neighbouring ready-reckoner levels);
the low case combines every pessimistic value, the high case every optimistic one, and :func:`assess` ranks
the factors by how far each alone moves the net figure between its own low and high (a tornado).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from prosperity.errors import ProsperityError

GUIDE = "Homes and Communities Agency, Additionality Guide, 4th edition (2014)"
GREEN_BOOK = "HM Treasury, The Green Book (2022), annex A2 'additionality'"
FACTORS = ("deadweight", "leakage", "displacement", "substitution", "multiplier")
LEVELS = ("neighbourhood", "local", "sub-regional", "regional", "national")
LEVEL_MEANING = {
    "neighbourhood": "the project's own area",
    "local": "a local authority",
    "sub-regional": "a city region or combined authority",
    "regional": "an English region",
    "national": "England or the United Kingdom",
}


UNVERIFIED = ("value not from a cited table of the guide: a ready-reckoner level recalled from the 2008 edition and "
              "not checked against the 2014 edition's tables")  # fmt: skip


@dataclass(frozen=True)
class Preset:
    factor: str
    level: str
    value: float
    meaning: str
    citation: str  #: where the guide discusses the factor (section and page), and that the value is unverified
    verified: bool = False  #: True only for a value checked against a named table of the guide (none so far)


def _ladder(factor: str, section: str, rows: list[tuple[str, float, str]]) -> dict[str, Preset]:
    return {lv: Preset(factor, lv, v, meaning, f"{GUIDE}, {section}; {UNVERIFIED}") for lv, v, meaning in rows}


#: The guide's ready-reckoner levels, by factor and level name.
PRESETS: dict[str, dict[str, Preset]] = {
    "deadweight": _ladder("deadweight", "chapter 3 'The reference case (assessing deadweight)', from p. 17", [
        ("none", 0.0, "no outcomes would have occurred without the intervention"),
        ("low", 0.10, "a small share of the outcomes would have occurred anyway"),
        ("medium", 0.25, "about a quarter would have occurred anyway"),
        ("high", 0.50, "about half would have occurred anyway"),
        ("very-high", 0.75, "most would have occurred anyway"),
        ("total", 1.0, "all would have occurred anyway"),
    ]),
    "leakage": _ladder("leakage", "§4.2 'Leakage', p. 22", [
        ("none", 0.0, "all of the benefits go to the target area or group"),
        ("low", 0.10, "the great majority of the benefits go to the target area"),
        ("medium", 0.25, "a large share of the benefits go to the target area"),
        ("high", 0.50, "many of the benefits go outside the target area"),
        ("very-high", 0.75, "most of the benefits go outside the target area"),
        ("total", 1.0, "none of the benefits go to the target area"),
    ]),
    "displacement": _ladder("displacement", "§4.3 'Displacement', p. 28", [
        ("none", 0.0, "no other firms or demand are affected"),
        ("low", 0.25, "some displacement, to a limited extent"),
        ("medium", 0.50, "about half of the activity is displaced"),
        ("high", 0.75, "a high level of displacement"),
        ("total", 1.0, "the benefits are wholly offset by reductions elsewhere"),
    ]),
    "multiplier": _ladder("multiplier", "§4.5 'Economic multiplier effects' (composite multiplier), p. 33", [
        ("low", 1.1, "limited local supply linkages and income or induced effects"),
        ("medium", 1.5, "average linkages"),
        ("high", 1.9, "strong local supply linkages and income or induced effects"),
    ]),
}  # fmt: skip
#: Factors whose larger value means a smaller net impact (all but the multiplier).
REDUCING = ("deadweight", "leakage", "displacement", "substitution")


class AdditionalityError(ProsperityError):
    """A factor is missing, out of range or names an unknown ready-reckoner level."""


@dataclass(frozen=True)
class FactorValue:
    factor: str
    low: float  #: the value giving the *lower* net impact
    central: float
    high: float  #: the value giving the *higher* net impact
    source: str
    preset: str | None = None


@dataclass(frozen=True)
class Assessment:
    name: str
    unit: str
    level: str
    gross: float
    net_low: float
    net_central: float
    net_high: float
    factors: dict[str, FactorValue]
    tornado: list[dict[str, Any]]  #: factors ranked by the swing each alone causes, largest first
    driver: str  #: the factor that moves the result most
    notes: list[str] = field(default_factory=list)
    method: str = "additionality-guide-2014"
    source: str = f"{GUIDE}, chapter 5 'Calculating additionality'; {GREEN_BOOK}"

    @property
    def ratio(self) -> float:
        """Gross-to-net ratio at the central case (the guide's §5.5 compares these across interventions)."""
        return self.net_central / self.gross if self.gross else 0.0

    @property
    def presets_verified(self) -> bool:
        """Are all ready-reckoner values used checked against a cited table? (None is yet: see the module.)"""
        return all(PRESETS[f][v.preset].verified for f, v in self.factors.items() if v.preset is not None)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["gross_to_net_ratio"] = round(self.ratio, 6)
        d["presets_verified"] = self.presets_verified
        return d


def net_additional(gross: float, leakage: float, displacement: float, substitution: float, multiplier: float,
                   deadweight: float = 0.0, reference_gross: float | None = None) -> float:  # fmt: skip
    """The guide's formula. With ``reference_gross`` (GI*), the reference case is that gross adjusted by the
    same factors; otherwise it is ``deadweight × gross`` (the simplified form)."""
    for name, v in (("leakage", leakage), ("displacement", displacement), ("substitution", substitution),
                    ("deadweight", deadweight)):  # fmt: skip
        if not 0.0 <= v <= 1.0:
            raise AdditionalityError(f"{name} {v!r} is not a share between 0 and 1")
    if multiplier < 1.0:
        raise AdditionalityError(f"multiplier {multiplier!r} is below 1")
    if gross < 0:
        raise AdditionalityError(f"gross {gross!r} is negative")
    ref = deadweight * gross if reference_gross is None else reference_gross
    adjust = (1 - leakage) * (1 - displacement) * (1 - substitution) * multiplier
    return gross * adjust - ref * adjust


def _neighbours(factor: str, level: str) -> tuple[float, float, float]:
    ladder = list(PRESETS[factor].values())
    i = [p.level for p in ladder].index(level)
    lo, mid, hi = ladder[max(i - 1, 0)].value, ladder[i].value, ladder[min(i + 1, len(ladder) - 1)].value
    # For reducing factors the larger value is the pessimistic one.
    return (hi, mid, lo) if factor in REDUCING else (lo, mid, hi)


def factor_value(factor: str, given: Mapping[str, Any] | None, level: str) -> tuple[FactorValue, list[str]]:
    """One factor from a preset level name or a value (with optional low and high), with notes on defaults."""
    notes: list[str] = []
    g = dict(given or {})
    if factor not in FACTORS:
        raise AdditionalityError(f"unknown factor {factor!r}; expected one of {', '.join(FACTORS)}")
    if not g:
        if factor == "displacement" and level == "national":
            g = {"level": "total"}
            notes.append("displacement set to total at national level: jobs and output are assumed to be "
                         "displaced elsewhere in the country unless a supply-side effect is evidenced "
                         f"({GREEN_BOOK}; MHCLG Appraisal Guide, 2025)")  # fmt: skip
        elif factor == "substitution":
            g = {"value": 0.0, "source": "not given: the guide has no ready reckoner for substitution (§4.4, p. 31)"}
            notes.append("substitution taken as zero because none was given; the guide asks for it case by case")
        elif factor == "multiplier":
            g = {"level": "low"}
            notes.append("multiplier not given: the guide's low composite multiplier (1.1) is used")
        else:
            raise AdditionalityError(f"{factor} is not given; name a ready-reckoner level "
                                     f"({', '.join(PRESETS[factor])}) or a value with its source")  # fmt: skip
    if g.get("level") is not None:
        if factor not in PRESETS:
            raise AdditionalityError(f"the guide has no ready reckoner for {factor}; give a value and its source")
        if g["level"] not in PRESETS[factor]:
            raise AdditionalityError(f"{factor} level {g['level']!r} is not one of {', '.join(PRESETS[factor])}")
        lo, mid, hi = _neighbours(factor, g["level"])
        p = PRESETS[factor][g["level"]]
        fv = FactorValue(factor, g.get("low", lo) if g.get("low") is not None else lo, mid,
                         g.get("high", hi) if g.get("high") is not None else hi,
                         f"{p.citation}: {p.level} ({p.meaning})", p.level)  # fmt: skip
    else:
        if g.get("value") is None:
            raise AdditionalityError(f"{factor}: give a ready-reckoner level or a value")
        v = float(g["value"])
        if not g.get("source"):
            raise AdditionalityError(f"{factor} value {v:g} needs its source (an evaluation, survey or study)")
        lo = float(g["low"]) if g.get("low") is not None else v
        hi = float(g["high"]) if g.get("high") is not None else v
        fv = FactorValue(factor, lo, v, hi, str(g["source"]))
    if factor == "displacement" and level == "national" and fv.central < 1.0 and given:
        notes.append("national-level displacement below total needs evidence of a supply-side effect "
                     f"({GREEN_BOOK})")  # fmt: skip
    return fv, notes


def assess(name: str, unit: str, gross: float, level: str, factors: Mapping[str, Mapping[str, Any] | None],
           reference_gross: float | None = None) -> Assessment:  # fmt: skip
    """Net additional impact of one output (jobs, floorspace, learners) with its low/central/high range."""
    if level not in LEVELS:
        raise AdditionalityError(f"spatial level {level!r} is not one of {', '.join(LEVELS)}")
    if reference_gross is not None and factors.get("deadweight"):
        raise AdditionalityError("give the reference case either as deadweight or as reference_case, not both")
    fvs: dict[str, FactorValue] = {}
    notes: list[str] = []
    for f in FACTORS:
        if f == "deadweight" and reference_gross is not None:
            fvs[f] = FactorValue(f, 0.0, 0.0, 0.0, "the reference case is given as a gross figure (GI*)")
            continue
        fvs[f], n = factor_value(f, factors.get(f), level)
        notes.extend(n)

    def net(pick: Mapping[str, str]) -> float:
        v = {f: getattr(fvs[f], pick.get(f, "central")) for f in FACTORS}
        return net_additional(gross, v["leakage"], v["displacement"], v["substitution"], v["multiplier"],
                              v["deadweight"], reference_gross)  # fmt: skip

    central = net({})
    low = net(dict.fromkeys(FACTORS, "low"))
    high = net(dict.fromkeys(FACTORS, "high"))
    tornado = []
    for f in FACTORS:
        lo, hi = net({f: "low"}), net({f: "high"})
        tornado.append({"factor": f, "net_low": lo, "net_high": hi, "swing": abs(hi - lo)})
    tornado.sort(key=lambda t: (-t["swing"], FACTORS.index(t["factor"])))
    unverified = [f"{f} {v.preset} ({v.central:g})" for f, v in fvs.items()
                  if v.preset is not None and not PRESETS[f][v.preset].verified]  # fmt: skip
    if unverified:
        notes.append(f"ready-reckoner values used ({', '.join(unverified)}) are not from a cited table of the "
                     f"{GUIDE}: they were recalled from its 2008 edition and have not been checked against the 2014 "
                     "edition's tables; replace them with values from an evaluation or survey where there is "
                     "one")  # fmt: skip
    return Assessment(name, unit, level, gross, low, central, high, fvs, tornado, tornado[0]["factor"], notes)
