"""Strategies as data: the outcomes framework schema, its YAML loader and its checks.

>>> from prosperity.framework import load_framework, shipped_framework_path
>>> fw = load_framework(shipped_framework_path())            # doctest: +SKIP
>>> [str(i) for i in fw.errors]                              # doctest: +SKIP
[]
"""

from prosperity.framework.load import (
    Framework,
    FrameworkNotFound,
    Issue,
    load_framework,
    load_frameworks,
    shipped_framework_path,
)
from prosperity.framework.model import (
    Citation,
    DerivedBinding,
    Indicator,
    IndicatorRef,
    LiveBinding,
    NoSource,
    Outcome,
    Strategy,
    Target,
    Theme,
    WarehouseBinding,
)

__all__ = [
    "Citation",
    "DerivedBinding",
    "Framework",
    "FrameworkNotFound",
    "Indicator",
    "IndicatorRef",
    "Issue",
    "LiveBinding",
    "NoSource",
    "Outcome",
    "Strategy",
    "Target",
    "Theme",
    "WarehouseBinding",
    "load_framework",
    "load_frameworks",
    "shipped_framework_path",
]
