"""Derived indicators: a ratio of two series the warehouse holds (``derived: ratio`` bindings).

A derived value is ``scale × numerator ÷ denominator`` for each period that both series have for the area each
reads (``area_map`` per series: Liverpool City Region's exports are published for the combined authority, its
GVA for the ITL2 area TLD7 with the same boundaries). Nothing is filled in or carried over: a period missing from
either series has no derived value, and a zero denominator gives none. This is the ratio-of-totals estimator (the
same rule as :mod:`prosperity.methods` uses for groups: a ratio of sums, never a mean of ratios).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prosperity.framework.model import DerivedBinding


def ratio_points(d: DerivedBinding, numerator: list[Any], denominator: list[Any], point: Callable[..., Any]) -> list[Any]:
    """Points ``scale × n ÷ d`` for the periods both lists have (each item has ``period``, ``value``, ``release_ids``)."""
    den = {p.period: p for p in denominator}
    out = []
    for n in numerator:
        q = den.get(n.period)
        if q is None or n.value is None or not q.value:
            continue
        out.append(point(n.period, d.scale * n.value / q.value,
                         release_ids=tuple(sorted({*n.release_ids, *q.release_ids}))))  # fmt: skip
    return out


def derived_meta(d: DerivedBinding, num: dict[str, Any] | None, den: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata for a derived series, or ``None`` when either series is not in the warehouse."""
    if num is None or den is None:
        return None
    orgs = list(dict.fromkeys(str(m.get("source_org") or "the publisher") for m in (num, den)))
    return {"indicator_id": d.warehouse, "label": d.formula, "unit": None, "decimal_places": 2,
            "source_org": f"derived from {' and '.join(orgs)} series",
            "source_url": num.get("source_url"), "dataset_id": f"{num.get('dataset_id')} / {den.get('dataset_id')}",
            "caveats": f"Derived: {d.formula}. " + (d.note or "")}  # fmt: skip
