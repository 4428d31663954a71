"""Ratings computed from the figures, not only declared: pure functions, each with its rule and source.

The measures and bands follow ``programmes-evaluation-scenarios.md`` §1.4, whose sources are: the funds' change
control (UKSPF 20%, Towns Fund 30%: :mod:`prosperity.programmes.funds`), Oxford City Council's outturn bands
(Green within 100% of the approved budget, Amber to 105%), the earned-value spend performance index, the
Pathfinder returns' output variance (MHCLG post-award data store) and the Towns Fund risk scales. Each function
returns a :class:`Rating` that says what was compared, the result, the band and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from prosperity.programmes.funds import Bands, bands

GREEN, AMBER, RED = "green", "amber", "red"
ORDER = {GREEN: 0, AMBER: 1, RED: 2}
#: the five-point declared scale folded onto three bands, for comparison with a computed rating
FOLD = {"green": GREEN, "amber/green": GREEN, "amber": AMBER, "amber/red": RED, "red": RED}


@dataclass(frozen=True)
class Rating:
    measure: str
    value: float | None  # the index or share computed (None when it cannot be)
    rag: str | None  # green, amber, red; None when not rated
    text: str  # one plain sentence
    rule: str  # the bands applied and their source

    def as_dict(self) -> dict[str, object]:
        return {"measure": self.measure, "value": self.value, "rag": self.rag, "text": self.text, "rule": self.rule}


def pounds(pence: int | float) -> str:
    return f"£{pence / 100:,.0f}"


def worst(ratings: Iterable[Rating | None]) -> str | None:
    rags = [r.rag for r in ratings if r is not None and r.rag is not None]
    return max(rags, key=ORDER.__getitem__) if rags else None


def forecast_variance(budget: int, outturn: int, tolerance: float | None, *, b: Bands | None = None,
                      capital_slip: bool = False, no_slip_rule: bool = False) -> Rating:  # fmt: skip
    """Forecast outturn against the approved budget for the year: ``v = (F − B) / B``.

    Green when ``|v|`` is under the green band (5%: Oxford City Council, within 100-105% of budget), Amber up to the
    fund's tolerance, Red at or beyond it, or for any capital slipping across a financial year where the fund
    forbids it (UKSPF: "delivery or spend does not slip between financial years"). Without a tolerance, the
    variance is shown but not rated.
    """
    b = b or bands()
    rule = (f"Green under {b.forecast_green_band:.0%}, Amber under the fund's tolerance"
            + (f" ({tolerance:.0%})" if tolerance is not None else "") + f", Red beyond it. {b.sources['forecast_green']}")
    if budget <= 0:
        return Rating("forecast variance", None, None, "No approved budget for the year, so no variance.", rule)
    v = (outturn - budget) / budget
    word = "over" if v > 0 else "under"
    text = f"Forecast outturn {pounds(outturn)} against a budget of {pounds(budget)}: {abs(v):.1%} {word}."
    if capital_slip and no_slip_rule:
        return Rating("forecast variance", v, RED, text + " Capital is slipping into the next financial year, which "
                      "this fund does not allow without a change request.", rule)  # fmt: skip
    if tolerance is None:
        return Rating("forecast variance", v, None, text + " The fund publishes no tolerance, so it is not rated.", rule)
    rag = GREEN if abs(v) < b.forecast_green_band else AMBER if abs(v) < tolerance else RED
    return Rating("forecast variance", v, rag, text, rule)


def spend_profile_index(actual: int, profile: int, tolerance: float | None, *, b: Bands | None = None) -> Rating:
    """Spend against profile to date: ``SPI = A(t) / P(t)``; Green from 0.9, Amber from 0.75, Red below, and Red
    above 1 plus the fund's tolerance (spend running ahead of its approval)."""
    b = b or bands()
    rule = (f"Green from {b.spend_profile_green:g}, Amber from {b.spend_profile_amber:g}, Red below; Red above 1 plus "
            f"the fund's tolerance. {b.sources['spend_profile']}")  # fmt: skip
    if profile <= 0:
        return Rating("spend against profile", None, None, "Nothing was profiled to be spent by now.", rule)
    spi = actual / profile
    text = f"Spent {pounds(actual)} against {pounds(profile)} profiled to date ({spi:.0%})."
    if tolerance is not None and spi > 1 + tolerance:
        return Rating("spend against profile", spi, RED, text + " Spend is ahead of profile by more than the fund's "
                      "tolerance.", rule)  # fmt: skip
    rag = GREEN if spi >= b.spend_profile_green else AMBER if spi >= b.spend_profile_amber else RED
    return Rating("spend against profile", spi, rag, text, rule)


def output_delivery_index(achieved: float, profiled: float, unit: str, *, b: Bands | None = None) -> Rating:
    """Outputs against profile to date: ``ODI = achieved / T(t)``; Green from 0.9, Amber from 0.7, Red below."""
    b = b or bands()
    rule = f"Green from {b.output_green:g}, Amber from {b.output_amber:g}, Red below. {b.sources['output']}"
    if profiled <= 0:
        return Rating("outputs against profile", None, None, "No output was profiled to be delivered by now.", rule)
    odi = achieved / profiled
    text = f"Delivered {achieved:,g} {unit} against {profiled:,g} profiled to date ({odi:.0%})."
    rag = GREEN if odi >= b.output_green else AMBER if odi >= b.output_amber else RED
    return Rating("outputs against profile", odi, rag, text, rule)


def risk_rating(impact: int, likelihood: int, *, b: Bands | None = None) -> Rating:
    """Post-mitigation score ``impact × likelihood`` on the Towns Fund scales (1-6 × 1-4): Red from 15, Amber from 8."""
    b = b or bands()
    score = impact * likelihood
    rag = RED if score >= b.risk_red else AMBER if score >= b.risk_amber else GREEN
    return Rating("risk", float(score), rag, f"Impact {impact} × likelihood {likelihood} = {score}.",
                  f"Red from {b.risk_red}, Amber from {b.risk_amber}. {b.sources['risk']}")  # fmt: skip


def change_against_tolerance(baseline: float, proposed: float, tolerance: float | None) -> tuple[float | None, bool | None]:
    """The share a change moves an agreed value, ``|proposed − baseline| / baseline``, and whether it passes the
    fund's tolerance (UKSPF: more than 20% needs a project adjustment request; Towns Fund: more than 30% needs
    the Department's approval). ``None`` when it cannot be said."""
    if baseline == 0:
        return None, None
    share = abs(proposed - baseline) / abs(baseline)
    return share, (None if tolerance is None else share > tolerance)


def prorated(periods: Iterable[tuple[date, date, float]], as_of: date) -> float:
    """The part of each period's amount that falls by ``as_of``, in proportion to the days elapsed."""
    total = 0.0
    for start, end, v in periods:
        if end <= as_of:
            total += v
        elif start <= as_of:
            total += v * ((as_of - start).days + 1) / ((end - start).days + 1)
    return total


@dataclass(frozen=True)
class Slip:
    financial_year: str
    amount: int  # pence of capital budgeted in the year that is now forecast in a later one
    budget: int
    outturn: int

    @property
    def text(self) -> str:
        return (f"{pounds(self.amount)} of capital budgeted in {self.financial_year} is now forecast to be spent in a "
                f"later year (capital outturn {pounds(self.outturn)} against {pounds(self.budget)}).")  # fmt: skip


def capital_slip(fy: str, budget: int, outturn: int, later_budget: int, later_forecast: int) -> Slip | None:
    """Capital slipping across a financial-year boundary: the year's capital outturn (actual plus forecast) falls
    short of its budget while later years' capital forecasts exceed their budgets. The slip is the smaller of the
    shortfall and the later excess; ``None`` when nothing slips."""
    short = budget - outturn
    later = later_forecast - later_budget
    amount = min(short, later)
    return Slip(fy, amount, budget, outturn) if amount > 0 else None


def disagrees(declared: str | None, computed: str | None) -> bool:
    """A declared five-point rating disagrees with the computed one when they sit at opposite ends: declared Green
    (or Amber/Green) while the figures are Red, or declared Red (or Amber/Red) while they are Green (after the PF
    and IPA practice of showing the declared rating as given and flagging it)."""
    if declared is None or computed is None or declared not in FOLD:
        return False
    return {FOLD[declared], computed} == {GREEN, RED}
