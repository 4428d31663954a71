"""Shift-share decomposition of a productivity gap into industry mix, within-industry productivity and their
interaction. Pure functions on plain numbers.

Esteban, J. (2000), "Regional convergence in Europe and the industry mix: a shift-share analysis", *Regional
Science and Urban Economics* 30(3), pp. 353–364. For region ``r`` against benchmark ``N`` with
industries ``i``, ``p`` the industry's share of labour input (hours or jobs) and ``x`` its output per unit of
labour (GVA per hour or per job), ``x_r = Σ_i p_ri x_ri`` and

    x_r − x_N = Σ_i (p_ri − p_Ni) x_Ni              industry mix: the region's structure at benchmark productivity
              + Σ_i p_Ni (x_ri − x_Ni)              within-industry productivity differential
              + Σ_i (p_ri − p_Ni)(x_ri − x_Ni)      interaction (allocative): specialised where relatively productive

The three parts add up to the gap exactly. An industry with no labour in the region contributes only through
the mix term (its regional productivity is undefined and is set to the benchmark's, so its other terms are 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from prosperity.methods._types import MethodError, require_finite

SOURCE_SHIFT_SHARE = (
    "Esteban (2000), 'Regional convergence in Europe and the industry mix: a shift-share analysis', "
    "Regional Science and Urban Economics 30(3), 353-364"
)


@dataclass(frozen=True)
class IndustryTerms:
    industry: str
    area_output: float
    area_labour: float
    benchmark_output: float
    benchmark_labour: float
    area_share: float  # p_ri
    benchmark_share: float  # p_Ni
    area_productivity: float | None  # x_ri (None where the region has no labour in the industry)
    benchmark_productivity: float  # x_Ni
    mix: float
    within: float
    interaction: float


@dataclass(frozen=True)
class ShiftShare:
    method: str
    source: str
    area_productivity: float  # x_r
    benchmark_productivity: float  # x_N
    gap: float  # x_r − x_N
    mix: float
    within: float
    interaction: float
    #: gap − (mix + within + interaction): zero up to floating-point rounding
    residual: float
    #: "what would it take": the region's productivity with the benchmark's industry mix, Σ p_Ni x_ri
    area_with_benchmark_mix: float
    #: the region's industry mix at the benchmark's productivity in each industry, Σ p_ri x_Ni
    benchmark_with_area_mix: float
    industries: tuple[IndustryTerms, ...]

    def share_of_gap(self, part: float) -> float | None:
        return None if self.gap == 0 else part / self.gap


def shift_share(area: Mapping[str, tuple[float, float]], benchmark: Mapping[str, tuple[float, float]]) -> ShiftShare:
    """Decompose the productivity gap between ``area`` and ``benchmark``.

    Each maps an industry to ``(output, labour)``, e.g. (GVA in £ million, hours in millions). Both must cover
    the same industries, each exhausting its total, with positive benchmark labour in every industry.

    >>> s = shift_share({"a": (10, 1), "b": (10, 4)}, {"a": (30, 2), "b": (20, 8)})
    >>> round(s.gap, 6), round(s.mix + s.within + s.interaction, 6)
    (-1.0, -1.0)
    """
    if set(area) != set(benchmark):
        missing = sorted(set(area) ^ set(benchmark))
        raise MethodError(f"the area and the benchmark must cover the same industries; unmatched: {', '.join(missing)}")
    if not area:
        raise MethodError("no industries to decompose")
    rows = {}
    for name in sorted(area):
        ya, la = (require_finite(f"{name} area {w}", v) for w, v in zip(("output", "labour"), area[name], strict=True))
        yb, lb = (require_finite(f"{name} benchmark {w}", v)
                  for w, v in zip(("output", "labour"), benchmark[name], strict=True))  # fmt: skip
        if la < 0 or lb <= 0:
            raise MethodError(f"industry {name!r}: labour must be positive in the benchmark and not negative in the area")
        rows[name] = (ya, la, yb, lb)
    la_total = sum(r[1] for r in rows.values())
    lb_total = sum(r[3] for r in rows.values())
    if la_total <= 0:
        raise MethodError("the area has no labour input in any industry")
    terms = []
    for name, (ya, la, yb, lb) in rows.items():
        pr, pn = la / la_total, lb / lb_total
        xn = yb / lb
        xr = ya / la if la > 0 else None
        xr_eff = xr if xr is not None else xn
        terms.append(IndustryTerms(
            industry=name, area_output=ya, area_labour=la, benchmark_output=yb, benchmark_labour=lb,
            area_share=pr, benchmark_share=pn, area_productivity=xr, benchmark_productivity=xn,
            mix=(pr - pn) * xn, within=pn * (xr_eff - xn), interaction=(pr - pn) * (xr_eff - xn)))  # fmt: skip
    x_r = math.fsum(t.area_share * (t.area_productivity or 0.0) for t in terms)
    x_n = math.fsum(t.benchmark_share * t.benchmark_productivity for t in terms)
    mix = math.fsum(t.mix for t in terms)
    within = math.fsum(t.within for t in terms)
    inter = math.fsum(t.interaction for t in terms)
    gap = x_r - x_n
    return ShiftShare(
        method="shift-share-esteban", source=SOURCE_SHIFT_SHARE, area_productivity=x_r, benchmark_productivity=x_n,
        gap=gap, mix=mix, within=within, interaction=inter, residual=gap - (mix + within + inter),
        area_with_benchmark_mix=math.fsum(t.benchmark_share * (t.area_productivity if t.area_productivity is not None
                                                                 else t.benchmark_productivity) for t in terms),
        benchmark_with_area_mix=math.fsum(t.area_share * t.benchmark_productivity for t in terms),
        industries=tuple(terms))  # fmt: skip
