"""Emissions: the Kaya identity decomposed by LMDI-I, and the rate of reduction net zero by a date needs, as a
straight line and as a constant percentage (a carbon budget path). Pure functions on plain numbers.

**Kaya identity** for a place: ``C = P × (Y/P) × (C/Y)`` — population × output per head × emissions per unit of
output. **LMDI-I** (Ang, B.W. (2005), "The LMDI approach to decomposition analysis: a practical
guide", *Energy Policy* 33(7), pp. 867–871): with the logarithmic mean ``L(a, b) = (a − b)/(ln a − ln b)``
(``L(a, a) = a``), the change ``C_T − C_0`` is the exact sum of ``ΔC_k = L(C_T, C_0) · ln(k_T / k_0)`` over the
factors ``k`` — no residual, because ``Σ_k ln(k_T/k_0) = ln(C_T/C_0)``. Year-on-year effects can be chained
(summed); the sum is again exact.

**Net zero by year T** from emissions ``E`` in year ``t`` (``N = T − t`` years):

* straight line: ``E / N`` less each year (the linear path of the German sustainability strategy's projection),
  i.e. ``1/N`` of today's emissions;
* constant percentage: the rate ``r`` whose path ``E (1 − r)^k`` emits the same carbon budget as the straight
  line. The straight line emits ``B = E (N − 1)/2`` after year ``t``; the constant path emits ``E (1 − r)/r``
  (the Tyndall Centre's budget relation ``B = E_0 (1 − (1 − r)^n)/r`` as ``n → ∞``, "Setting Climate
  Commitments", carbonbudget.manchester.ac.uk), so ``r = 2/(N + 1)``. A constant-percentage path never reaches
  zero: it is a budget path, and judging it means comparing the percentage achieved with the percentage needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import MethodError, require_finite
from prosperity.methods.trend import cagr

SOURCE_LMDI = (
    "Kaya identity decomposed by LMDI-I: Ang (2005), 'The LMDI approach to decomposition analysis: a practical "
    "guide', Energy Policy 33(7), 867-871"
)
SOURCE_PATHWAYS = (
    "straight-line path to zero (German sustainability strategy linear projection) and the "
    "constant-rate path with the same carbon budget (Tyndall Centre, 'Setting Climate Commitments': "
    "B = E0 (1 - (1 - r)^n) / r)"
)
FACTORS = ("population", "output per head", "emissions per unit of output")


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean ``(a − b)/(ln a − ln b)``, with ``L(a, a) = a``; both must be positive.

    >>> round(log_mean(2.0, 1.0), 6)
    1.442695
    """
    a, b = require_finite("a", a), require_finite("b", b)
    if a <= 0 or b <= 0:
        raise MethodError("the logarithmic mean needs positive values (LMDI cannot decompose zero emissions)")
    d = math.log(a) - math.log(b)
    if a == b or d == 0.0:  # equal, or so close that their logarithms are equal in floating point
        return (a + b) / 2
    return (a - b) / d


@dataclass(frozen=True)
class KayaStep:
    from_year: int
    to_year: int
    change: float
    effects: tuple[float, float, float]  # population, output per head, intensity


@dataclass(frozen=True)
class KayaDecomposition:
    method: str
    source: str
    from_year: int
    to_year: int
    emissions_from: float
    emissions_to: float
    change: float
    #: the three effects summed over the chained steps, in the order of FACTORS
    effects: tuple[float, float, float]
    residual: float
    steps: tuple[KayaStep, ...]


def kaya_lmdi(emissions: Sequence[tuple[int, float]], population: Sequence[tuple[int, float]],
              output: Sequence[tuple[int, float]], *, chained: bool = True) -> KayaDecomposition:  # fmt: skip
    """Decompose the change in ``emissions`` between the first and last years the three series share.

    ``chained`` sums year-on-year LMDI effects over every shared year (so the effects follow the path taken);
    otherwise one step from the first to the last year. Either way the effects add up to the change exactly.

    >>> d = kaya_lmdi([(0, 100.0), (1, 90.0)], [(0, 10.0), (1, 11.0)], [(0, 50.0), (1, 60.0)])
    >>> round(sum(d.effects), 9), round(d.change, 9)
    (-10.0, -10.0)
    """
    c, p, y = dict(emissions), dict(population), dict(output)
    years = sorted(set(c) & set(p) & set(y))
    if len(years) < 2:
        raise MethodError("the emissions, population and output series share fewer than two years")
    for t in years:
        for name, s in (("emissions", c), ("population", p), ("output", y)):
            if require_finite(f"{name} in {t}", s[t]) <= 0:
                raise MethodError(f"{name} in {t} must be positive for a logarithmic decomposition")
    pairs = list(zip(years, years[1:], strict=False)) if chained else [(years[0], years[-1])]
    steps = []
    for t0, t1 in pairs:
        w = log_mean(c[t1], c[t0])
        f0 = (p[t0], y[t0] / p[t0], c[t0] / y[t0])
        f1 = (p[t1], y[t1] / p[t1], c[t1] / y[t1])
        effects = tuple(w * math.log(b / a) for a, b in zip(f0, f1, strict=True))
        steps.append(KayaStep(t0, t1, c[t1] - c[t0], effects))  # type: ignore[arg-type]
    totals = tuple(math.fsum(s.effects[i] for s in steps) for i in range(3))
    change = c[years[-1]] - c[years[0]]
    return KayaDecomposition(method="kaya-lmdi-i", source=SOURCE_LMDI, from_year=years[0], to_year=years[-1],
                             emissions_from=c[years[0]], emissions_to=c[years[-1]], change=change,
                             effects=totals, residual=change - math.fsum(totals), steps=tuple(steps))  # type: ignore[arg-type]  # fmt: skip


def budget_rate(e0: float, budget: float) -> float:
    """The constant yearly reduction ``r`` whose path ``e0 (1 − r)^k, k ≥ 1`` emits ``budget`` in total:
    ``r = e0 / (budget + e0)`` (Tyndall Centre's ``B = E0 (1 − (1 − r)^n)/r`` as ``n → ∞``, counted from the year
    after ``e0``)."""
    e0, budget = require_finite("emissions", e0), require_finite("budget", budget)
    if e0 <= 0 or budget < 0:
        raise MethodError("emissions must be positive and the budget not negative")
    return e0 / (budget + e0)


@dataclass(frozen=True)
class NetZeroPath:
    method: str
    source: str
    target_year: int
    from_year: int
    from_value: float
    years: int
    #: straight line: the reduction needed each year, in the data's units and as a share of today's emissions
    linear_per_year: float | None
    linear_share: float | None
    #: the carbon budget of the straight line after the base year, and the constant rate that spends it
    budget: float | None
    constant_rate: float | None
    #: what has been achieved: the average yearly change over the window (German strategy: last five years)
    achieved_per_year: float | None
    achieved_rate: float | None  # compound yearly change over the same window (negative = falling)
    window: tuple[int, int] | None
    on_track_linear: bool | None
    on_track_constant: bool | None
    agree: bool | None
    note: str

    def path_linear(self) -> list[tuple[int, float]]:
        return [(self.from_year + k, self.from_value * (1 - k / self.years)) for k in range(self.years + 1)] \
            if self.years > 0 else []  # fmt: skip

    def path_constant(self) -> list[tuple[int, float]]:
        if self.constant_rate is None:
            return []
        return [(self.from_year + k, self.from_value * (1 - self.constant_rate) ** k) for k in range(self.years + 1)]


def net_zero_path(series: Sequence[tuple[int, float]], target_year: int, *, window_years: int = 5) -> NetZeroPath:
    """The yearly reduction net zero by ``target_year`` needs from the series' latest value, by both methods, and
    whether the reduction achieved over the last ``window_years`` years meets each.

    On track (straight line): the average yearly fall achieved is at least the fall needed each year. On track
    (constant percentage): the compound yearly fall achieved is at least the constant rate needed.

    >>> p = net_zero_path([(2015, 120.0), (2020, 100.0)], 2040)
    >>> p.linear_per_year, round(p.constant_rate, 6), p.on_track_linear, p.on_track_constant
    (5.0, 0.095238, False, False)
    """
    pts = sorted((int(t), require_finite(f"emissions in {t}", v)) for t, v in series)
    if not pts:
        raise MethodError("no emissions figures")
    t_last, e_last = pts[-1]
    n = target_year - t_last
    base = {"method": "net-zero-pathways", "source": SOURCE_PATHWAYS, "target_year": target_year,
            "from_year": t_last, "from_value": e_last, "years": n}  # fmt: skip
    if n <= 0 or e_last <= 0:
        return NetZeroPath(**base, linear_per_year=None, linear_share=None, budget=None, constant_rate=None,
                           achieved_per_year=None, achieved_rate=None, window=None, on_track_linear=None,
                           on_track_constant=None, agree=None,
                           note="the target year is not after the latest figure" if n <= 0 else
                           "emissions are already at or below zero")  # fmt: skip
    linear = e_last / n
    budget = e_last * (n - 1) / 2
    rate = 2 / (n + 1)
    window = [(t, v) for t, v in pts if t >= t_last - window_years]
    achieved = achieved_rate = None
    win = None
    note = ""
    if len(window) >= 2 and window[0][0] < t_last:
        (t0, v0) = window[0]
        achieved = (e_last - v0) / (t_last - t0)
        achieved_rate = cagr(v0, e_last, t0, t_last)
        win = (t0, t_last)
    else:
        note = "too few figures in the last five years to measure the reduction achieved"
    on_lin = None if achieved is None else -achieved >= linear
    on_con = None if achieved_rate is None else -achieved_rate >= rate
    agree = None if on_lin is None or on_con is None else on_lin == on_con
    return NetZeroPath(**base, linear_per_year=linear, linear_share=1 / n, budget=budget, constant_rate=rate,
                       achieved_per_year=achieved, achieved_rate=achieved_rate, window=win, on_track_linear=on_lin,
                       on_track_constant=on_con, agree=agree, note=note)  # fmt: skip
