"""Fund rules as configuration: each fund's change-control tolerance and the rating bands, with their sources.

The figures live in ``funds.yaml`` beside this module, each with the published document it comes from, so that a
programme office can see (and a maintainer can change) the rule without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from prosperity.safe_yaml import load_yaml


@dataclass(frozen=True)
class Fund:
    id: str
    name: str
    funder: str
    code: str
    tolerance: float | None
    tolerance_source: str
    no_slip_between_years: bool = False


@dataclass(frozen=True)
class Bands:
    forecast_green_band: float
    spend_profile_green: float
    spend_profile_amber: float
    output_green: float
    output_amber: float
    risk_red: int
    risk_amber: int
    sources: dict[str, str]


@cache
def _config() -> dict[str, Any]:
    text = resources.files("prosperity.programmes").joinpath("funds.yaml").read_text(encoding="utf-8")
    return load_yaml(text, "prosperity/programmes/funds.yaml")


@cache
def funds() -> dict[str, Fund]:
    """Every configured fund by id."""
    return {k: Fund(id=k, name=v["name"], funder=v["funder"], code=v["code"], tolerance=v.get("tolerance"),
                    tolerance_source=" ".join(str(v["tolerance_source"]).split()),
                    no_slip_between_years=bool(v.get("no_slip_between_years", False)))
            for k, v in _config()["funds"].items()}  # fmt: skip


@cache
def bands() -> Bands:
    r = _config()["ratings"]
    sources = {k.removesuffix("_source"): " ".join(str(v).split()) for k, v in r.items() if k.endswith("_source")}
    return Bands(float(r["forecast_green_band"]), float(r["spend_profile_green"]), float(r["spend_profile_amber"]),
                 float(r["output_green"]), float(r["output_amber"]), int(r["risk_red"]), int(r["risk_amber"]),
                 sources)  # fmt: skip
