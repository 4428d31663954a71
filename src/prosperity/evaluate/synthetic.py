"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015), through pysyncon.

A synthetic control is a weighted average of donor areas, weights ``W ≥ 0, ΣW = 1``, chosen so that the
weighted donors reproduce the treated area's predictors before the intervention; the gap ``Y1t − Y0t·W``
after it is the estimated effect. The general estimator is pysyncon's (``pysyncon.Synth``, MIT licence),
written to reconcile with the R ``Synth`` package: the inner quadratic programme for ``W`` and the outer
search for the predictor weights ``V`` (Nelder–Mead or BFGS over the pre-period MSPE).

Two entry points:

* :func:`fit_outcome_path` — the design used on area panels: the predictors are the treated area's outcome
  in every pre-intervention year, with equal ``V`` (so ``W`` minimises the pre-period squared gaps, after
  pysyncon's scaling of each predictor by its standard deviation across units). This is the "all
  pre-treatment outcomes" specification discussed by Abadie (2021, *J. Econ. Lit.* 59(2), §3.2) and used
  in Abadie, Diamond & Hainmueller (2015). Its quadratic programme is pysyncon's, solved exactly and fast
  by non-negative least squares (:func:`simplex_least_squares`), so that hundreds of placebos are practical.
* :func:`fit_predictors` — the general form with covariate predictors and an optimised ``V``, as in the
  published Basque, West German and Texas examples (tests reproduce their weights).

Both return a :class:`SyntheticFit` holding weights, paths, gaps and RMSPEs; the diagnostics (placebos,
leave-one-out, balance) are built from these in :mod:`prosperity.evaluate.diagnostics`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from prosperity.errors import ProsperityError

SOURCE = ("Abadie & Gardeazabal (2003), 'The economic costs of conflict', AER 93(1); Abadie, Diamond & Hainmueller "
          "(2010), JASA 105(490); (2015), AJPS 59(2); estimated with pysyncon (MIT), which reproduces R Synth")
METHOD = "synthetic-control"


class SyntheticError(ProsperityError):
    """A synthetic control cannot be fitted on these data (the message says why)."""


@dataclass(frozen=True)
class SyntheticFit:
    """One synthetic control: the treated unit, its donors' weights, and the actual and synthetic paths."""

    treated: str
    start: int  #: first period treated
    periods: tuple[int, ...]
    actual: tuple[float, ...]
    synthetic: tuple[float, ...]
    weights: dict[str, float]  #: every donor's weight, in the donors' order
    v: tuple[float, ...] = ()  #: predictor weights (diagonal of V)
    predictors: dict[str, tuple[float, float]] = field(default_factory=dict)  #: name → (treated, synthetic)

    @property
    def gaps(self) -> tuple[float, ...]:
        return tuple(a - s for a, s in zip(self.actual, self.synthetic, strict=True))

    def _gaps_where(self, post: bool) -> list[float]:
        return [g for p, g in zip(self.periods, self.gaps, strict=True) if (p >= self.start) == post]

    @property
    def pre_rmspe(self) -> float:
        return _rmspe(self._gaps_where(False))

    @property
    def post_rmspe(self) -> float:
        return _rmspe(self._gaps_where(True))

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE ratio, the statistic of the in-space placebo test (ADH 2010, §2.4; 2015, §3)."""
        pre = self.pre_rmspe
        return math.inf if pre == 0 else self.post_rmspe / pre

    @property
    def att(self) -> float:
        """The average post-period gap: the estimated average effect on the treated area."""
        post = self._gaps_where(True)
        return float(np.mean(post)) if post else math.nan

    def top_weights(self, threshold: float = 0.001) -> dict[str, float]:
        return {k: w for k, w in sorted(self.weights.items(), key=lambda kv: -kv[1]) if w >= threshold}


def _rmspe(gaps: Sequence[float]) -> float:
    return math.sqrt(sum(g * g for g in gaps) / len(gaps)) if gaps else math.nan


def _synth() -> Any:
    """pysyncon's ``Synth`` with its inner quadratic programme solved by :func:`simplex_least_squares`.

    pysyncon's outer search for ``V`` (Nelder–Mead or BFGS) solves the inner problem for ``W`` at every step;
    its SLSQP solver with numerical gradients makes the published examples take minutes. The inner problem
    ``min (X1 − X0·W)ᵀ V (X1 − X0·W)`` with diagonal ``V`` is the same simplex-constrained least squares after
    scaling each row by ``√V``, which NNLS solves exactly; the loss is returned in pysyncon's form.
    """
    from pysyncon import Synth  # imported here: pysyncon pulls in matplotlib, which the rest does not need

    class ExactSynth(Synth):  # type: ignore[misc]
        @staticmethod
        def w_optimize(V_mat: np.ndarray, X0: np.ndarray, X1: np.ndarray, qp_method: str = "SLSQP",
                       qp_options: dict | None = None) -> tuple[np.ndarray, float]:  # fmt: skip
            root = np.sqrt(np.clip(np.diag(V_mat), 0, None))
            w = simplex_least_squares(X0 * root[:, None], X1 * root)
            p, q = X0.T @ V_mat @ X0, X1.T @ V_mat @ X0
            return w, float(0.5 * w @ p @ w - q @ w)

    return ExactSynth()


def fit_outcome_path(panel: pd.DataFrame, treated: str, donors: Sequence[str], start: int) -> SyntheticFit:
    """Synthetic control whose predictors are the outcome in every pre-period (equal predictor weights).

    ``panel`` is wide: one row per period (integers, ascending), one column per area, no missing values in
    the columns used. ``start`` is the first treated period; every earlier row is the pre-period.
    """
    donors = [d for d in donors if d != treated]
    if not donors:
        raise SyntheticError("no donor areas")
    missing = [c for c in [treated, *donors] if c not in panel.columns]
    if missing:
        raise SyntheticError(f"no data for {', '.join(missing)}")
    pre = panel.loc[panel.index < start, [treated, *donors]]
    if len(pre) < 2:
        raise SyntheticError(f"fewer than 2 periods before {start}")
    if pre.isna().to_numpy().any() or panel[[treated, *donors]].isna().to_numpy().any():
        raise SyntheticError("the panel has gaps; drop areas or periods with missing values first")
    if len(donors) == 1:
        w = np.array([1.0])
    else:
        # pysyncon divides each predictor row by its standard deviation across units: a year in which every
        # area has the same value would divide by zero, so such rows carry no information and are dropped.
        keep = pre.std(axis=1) > 0
        x = pre.loc[keep]
        if x.empty:
            raise SyntheticError("the outcome is identical in every area in every pre-period year")
        scaled = x.divide(x.std(axis=1), axis=0)
        w = simplex_least_squares(scaled[donors].to_numpy(dtype=float), scaled[treated].to_numpy(dtype=float))
    y0 = panel[donors].to_numpy(dtype=float)
    return SyntheticFit(
        treated=treated, start=int(start), periods=tuple(int(p) for p in panel.index),
        actual=tuple(float(v) for v in panel[treated]), synthetic=tuple(float(v) for v in y0 @ w),
        weights={d: float(x) for d, x in zip(donors, w, strict=True)}, v=(),
        predictors={f"outcome {p}": (float(pre.at[p, treated]), float(pre.loc[p, donors].to_numpy() @ w))
                    for p in pre.index},
    )  # fmt: skip


def simplex_least_squares(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """``argmin ‖x1 − x0·w‖²`` over ``w ≥ 0, Σw = 1``: the inner problem of the synthetic control with equal ``V``.

    This is the quadratic programme pysyncon's ``Synth.w_optimize`` solves with SLSQP (numerical gradients),
    which takes seconds with 300 donors. Here it is solved by SciPy's Lawson–Hanson non-negative least
    squares (``scipy.optimize.nnls``) with the adding-up constraint as an extra row weighted by
    ``ADDING_UP_WEIGHT``, the standard reduction of a simplex-constrained least-squares problem to NNLS;
    ``tests/evaluate`` checks the weights agree with pysyncon's to 1e-3 with a loss no larger.
    """
    from scipy.optimize import nnls

    n = x0.shape[1]
    a = np.vstack([x0, np.full(n, ADDING_UP_WEIGHT)])
    b = np.append(x1, ADDING_UP_WEIGHT)
    w, _ = nnls(a, b, maxiter=50 * n)
    return _clean(np.asarray(w, dtype=float))


#: Weight of the adding-up row in :func:`simplex_least_squares`; the predictors are scaled to unit standard
#: deviation, so 10⁴ holds ``Σw`` to about 10⁻⁸ before the final renormalisation.
ADDING_UP_WEIGHT = 1e4


def _clean(w: np.ndarray) -> np.ndarray:
    """Weights from the solver, with round-off below zero clipped and the sum restored to one."""
    w = np.where(w < 1e-10, 0.0, w)
    total = w.sum()
    if not math.isfinite(total) or total <= 0:
        raise SyntheticError("the weight optimisation did not converge")
    return w / total


def fit_predictors(dataprep: Any, optim_method: str = "Nelder-Mead", optim_initial: str = "equal",
                   custom_v: np.ndarray | None = None) -> Any:  # fmt: skip
    """The general synthetic control with covariate predictors and optimised ``V`` (pysyncon ``Synth``).

    ``dataprep`` is a ``pysyncon.Dataprep``; returns the fitted ``pysyncon.Synth`` (``weights()``, ``att()``,
    ``mspe()``). Used to reproduce the published examples and for evaluations that name covariates.
    """
    synth = _synth()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        synth.fit(dataprep=dataprep, optim_method=optim_method, optim_initial=optim_initial, custom_V=custom_v)
    return synth


def in_space_placebos(panel: pd.DataFrame, treated: str, donors: Sequence[str], start: int) -> list[SyntheticFit]:
    """Each donor in turn treated as if it had the intervention, with the other donors as its donor pool.

    The real treated area is never a donor to a placebo (ADH 2010, §2.4). Placebos that cannot be fitted are
    left out (none can be with a complete panel).
    """
    out = []
    for d in donors:
        try:
            out.append(fit_outcome_path(panel, d, [x for x in donors if x != d], start))
        except SyntheticError:
            continue
    return out


def placebo_p_value(fit: SyntheticFit, placebos: Sequence[SyntheticFit]) -> float:
    """Share of all units (treated and placebos) whose post/pre RMSPE ratio is at least the treated unit's.

    ``p = rank / (J + 1)`` (Abadie, Diamond & Hainmueller 2010, §2.4; 2015, §3): the smallest possible value
    with ``J`` placebos is ``1 / (J + 1)``.
    """
    ratios = [p.ratio for p in placebos]
    rank = 1 + sum(1 for r in ratios if r >= fit.ratio)
    return rank / (len(ratios) + 1)


def in_time_placebo(panel: pd.DataFrame, treated: str, donors: Sequence[str], start: int,
                    shift: int) -> SyntheticFit:  # fmt: skip
    """The intervention backdated by ``shift`` periods, using only data from before the real start
    (ADH 2015, §4 'in-time placebo'): a credible design shows no 'effect' at the false date."""
    before = panel.loc[panel.index < start]
    return fit_outcome_path(before, treated, donors, start - shift)


def leave_one_out(panel: pd.DataFrame, fit: SyntheticFit, min_weight: float = 0.01,
                  max_donors: int = 10) -> list[tuple[str, SyntheticFit]]:  # fmt: skip
    """The fit again without each donor that carries weight (ADH 2015, §4 'leave-one-out')."""
    out = []
    for d, _ in list(fit.top_weights(min_weight).items())[:max_donors]:
        rest = [x for x in fit.weights if x != d]
        if not rest:
            continue
        out.append((d, fit_outcome_path(panel, fit.treated, rest, fit.start)))
    return out
