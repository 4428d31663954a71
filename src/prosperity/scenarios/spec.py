"""Scenarios as data: a YAML file beside the framework that names the figures a question needs, the assumptions
with their values, ranges and sources, the horizon and the method.

A scenario file is loaded safely (PyYAML's safe loader, at most :data:`MAX_BYTES`, no anchors or aliases) and
checked against the schema below; every problem is reported with the file and line, all at once. Nothing in a
scenario file is ever code: indicator ids, area codes and dataset names only ever reach the warehouse as bound
query parameters.

Each method needs particular figures (``inputs``) and assumptions, listed in :data:`METHODS`; a scenario that lacks
one is refused with the line to fix. ``frameworks/liverpool-city-region/scenarios/README.md`` documents the format.

>>> loaded = load_scenario("frameworks/liverpool-city-region/scenarios/growth-plan-productivity-gap.yaml")
>>> loaded.spec.method, loaded.spec.horizon                                 # doctest: +SKIP
('gap_closure', 2035)
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prosperity.errors import ProsperityError
from prosperity.framework.located import line_of, load_located_all_problems

MAX_BYTES = 256 * 1024
SLUG = r"^[a-z0-9][a-z0-9-]{0,119}$"
KEY = r"^[a-z][a-z0-9_]{0,59}$"
CODE = r"^[A-Z]{1,3}[0-9A-Z]{1,8}$"
DATASET = r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9._-]*)*$"

#: for each method: the inputs (figures) and assumptions it needs, and what each is for
METHODS: dict[str, dict[str, dict[str, str]]] = {
    "gap_closure": {
        "inputs": {"level": "the level of the area and the benchmark in the base year (current prices)",
                   "real_index": "chained-volume indices of the area and the benchmark, for the real-terms trend",
                   "quantity": "what a unit of the level gap is multiplied by to value closure (e.g. hours a year)"},
        "assumptions": {"target_ratio": "the ratio to the benchmark that counts as closing the gap (1 = parity)"},
    },
    "people_gap": {
        "inputs": {"rate": "the rate (%) of the area and the benchmark",
                   "denominator": "the people the rate is a share of"},
        "assumptions": {},
    },
    "rd_claim": {
        "inputs": {"rd_business": "business R&D spending (£ million) where it is measured",
                   "rd_public": "public-funded R&D spending (£ million) where it is measured",
                   "gva_measured": "GVA (£ million) of the place the R&D is measured for",
                   "gva": "GVA (£ million) of the strategy's area",
                   "productivity": "GVA per hour worked of the strategy's area",
                   "jobs": "filled jobs in the strategy's area"},
        "assumptions": {"target_intensity": "the R&D intensity the strategy aims for (% of GVA)",
                        "rate_of_return": "yearly return on a pound of R&D",
                        "lag": "years before the return starts",
                        "elasticity": "per cent more output for each per cent more R&D capital"},
    },
    "shift_share": {
        "inputs": {"output": "output (GVA) by industry of the area and the benchmark",
                   "labour": "labour input (jobs or hours) by industry of the area and the benchmark"},
        "assumptions": {},
    },
    "emissions": {
        "inputs": {"emissions": "emissions of the area", "population": "population of the area",
                   "output": "real output (chained-volume GVA) of the area"},
        "assumptions": {},
    },
}  # fmt: skip


class ScenarioError(ProsperityError):
    """A scenario file cannot be used: every problem, each with the file and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems) if len(problems) <= 1 else
                         f"{len(problems)} problems:\n  " + "\n  ".join(problems))  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cite(_Model):
    """Where a claim or a figure is stated: a source document (framework ``documents_dir``), its lines, the section."""

    document: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,120}$")]
    lines: Annotated[str | None, Field(pattern=r"^\d{1,6}(-\d{1,6})?$")] = None
    section: Annotated[str | None, Field(max_length=300)] = None
    quote: Annotated[str | None, Field(max_length=1000)] = None


class Claim(_Model):
    """The strategy's own words that the scenario examines."""

    text: Annotated[str, Field(min_length=1, max_length=2000)]
    strategy: Annotated[str | None, Field(pattern=SLUG)] = None
    cite: Cite
    #: the numbers the claim states, by name (e.g. cumulative_gva: 19.7), checked by the rd_claim method
    numbers: dict[Annotated[str, Field(pattern=KEY)], float] = Field(default_factory=dict, max_length=20)


class Figure(_Model):
    """A warehouse figure: an indicator for an area (and a benchmark), a breakdown, a period or a span of years."""

    indicator: Annotated[str, Field(pattern=SLUG)]
    area: Annotated[str | None, Field(pattern=CODE)] = None
    benchmark: Annotated[str | None, Field(pattern=CODE)] = None
    #: build the benchmark's figure as the sum of these areas' (only for amounts that add up: £, jobs, hours)
    benchmark_members: list[Annotated[str, Field(pattern=CODE)]] = Field(default_factory=list, max_length=80)
    breakdown: Annotated[str, Field(max_length=200)] = ""
    #: or the sum of these breakdowns (e.g. every highest-qualification group, for all people aged 16 to 64)
    breakdowns: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=40)
    #: the figure's name in sentences, where the publisher's label reads badly there
    label: Annotated[str | None, Field(max_length=200)] = None
    #: the year of the figure (the year the period starts: 2021 for 2021/22)
    year: Annotated[int | None, Field(ge=1900, le=2200)] = None
    from_year: Annotated[int | None, Field(ge=1900, le=2200)] = None
    to_year: Annotated[int | None, Field(ge=1900, le=2200)] = None
    #: multiply the published value by this (52 weeks, 1,000,000 for £ million); ``unit`` names the result
    scale: Annotated[float, Field(gt=0, le=1e12)] = 1.0
    unit: Annotated[str | None, Field(max_length=80)] = None
    #: when another area's figure stands in for the scenario's area, say so: the stand-in is never presented
    #: as the area's own figure
    stands_in_for: Annotated[str | None, Field(pattern=CODE)] = None
    note: Annotated[str | None, Field(max_length=1000)] = None

    @model_validator(mode="after")
    def _years(self) -> Figure:
        if self.from_year is not None and self.to_year is not None and self.from_year >= self.to_year:
            raise ValueError(f"from_year {self.from_year} must be before to_year {self.to_year}")
        if self.breakdown and self.breakdowns:
            raise ValueError("give breakdown (one) or breakdowns (to add up), not both")
        return self


class Assumption(_Model):
    """A value the scenario assumes, with the range the evidence gives and where it comes from."""

    id: Annotated[str, Field(pattern=KEY)]
    label: Annotated[str, Field(min_length=1, max_length=300)]
    value: float
    low: float | None = None
    high: float | None = None
    unit: Annotated[str, Field(max_length=80)] = ""
    source: Annotated[str, Field(min_length=1, max_length=2000)]
    note: Annotated[str | None, Field(max_length=2000)] = None

    @model_validator(mode="after")
    def _range(self) -> Assumption:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.high is not None:
            lo, hi = sorted((self.low, self.high))
            if not lo <= self.value <= hi:
                raise ValueError(f"value {self.value:g} is outside its range {self.low:g} to {self.high:g}")
        return self


class Group(_Model):
    """An industry group for a shift-share: the output and labour breakdowns that make it up."""

    id: Annotated[str, Field(pattern=KEY)]
    label: Annotated[str, Field(min_length=1, max_length=200)]
    output: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(min_length=1, max_length=40)
    labour: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(min_length=1, max_length=40)


class Base(_Model):
    """A base year for a claim check, with what it stands for (e.g. the figures before the plan)."""

    label: Annotated[str, Field(min_length=1, max_length=200)]
    year: Annotated[int, Field(ge=1900, le=2200)]


class Scenario(_Model):
    id: Annotated[str, Field(pattern=SLUG)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    method: Literal["gap_closure", "people_gap", "rd_claim", "shift_share", "emissions"]
    description: Annotated[str | None, Field(max_length=4000)] = None
    claim: Claim | None = None
    area: Annotated[str, Field(pattern=CODE)]
    benchmark: Annotated[str | None, Field(pattern=CODE)] = None
    #: the year the scenario looks to: the date a gap should close, the target year of a claim
    horizon: Annotated[int, Field(ge=1990, le=2200)]
    #: further years to show (net zero by 2035 and by 2040; cumulative GVA to 2030, 2035, 2040)
    years: list[Annotated[int, Field(ge=1990, le=2200)]] = Field(default_factory=list, max_length=10)
    inputs: dict[Annotated[str, Field(pattern=KEY)], Figure] = Field(max_length=20)
    assumptions: list[Assumption] = Field(default_factory=list, max_length=40)
    groups: list[Group] = Field(default_factory=list, max_length=40)
    bases: list[Base] = Field(default_factory=list, max_length=5)
    #: the release each dataset is read from: dataset → the first 12 or more characters of its file's SHA-256
    vintage: dict[Annotated[str, Field(pattern=DATASET, max_length=120)],
                  Annotated[str, Field(pattern=r"^[0-9a-f]{12,64}$")]] = Field(default_factory=dict, max_length=20)
    notes: Annotated[str | None, Field(max_length=4000)] = None

    @model_validator(mode="after")
    def _method_needs(self) -> Scenario:
        needs = METHODS[self.method]
        missing = [f"inputs.{k} ({why})" for k, why in needs["inputs"].items() if k not in self.inputs]
        have = {a.id for a in self.assumptions}
        missing += [f"assumptions id {k} ({why})" for k, why in needs["assumptions"].items() if k not in have]
        if missing:
            raise ValueError(f"method {self.method} needs " + "; ".join(missing))
        ids = [a.id for a in self.assumptions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"assumption ids must be unique: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
        if self.method == "shift_share" and not self.groups:
            raise ValueError("method shift_share needs groups (the industries, each with its output and labour breakdowns)")
        if self.method in ("gap_closure", "people_gap", "shift_share") and not self.benchmark:
            raise ValueError(f"method {self.method} needs a benchmark area")
        return self

    def assumption(self, key: str) -> Assumption:
        for a in self.assumptions:
            if a.id == key:
                return a
        raise KeyError(key)

    def input(self, key: str) -> Figure:
        return self.inputs[key]


class LoadedScenario:
    """A checked scenario with the file it came from and the SHA-256 of its text."""

    def __init__(self, spec: Scenario, path: Path, sha256: str):
        self.spec, self.path, self.sha256 = spec, path, sha256

    def __repr__(self) -> str:
        return f"LoadedScenario({self.spec.id!r}, {self.path})"


def _located(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("__root__",)) or "the file"


def parse_scenario(text: str, name: str = "<scenario>") -> Scenario:
    """Check scenario YAML ``text``; raise :class:`ScenarioError` with every problem located as ``name:line``."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ScenarioError([f"{name}: the file is larger than {MAX_BYTES // 1024} KiB; a scenario is a short file"])
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                line = token.start_mark.line + 1
                raise ScenarioError([f"{name}:{line}: anchors and aliases (& and *) are not allowed in a scenario file"])
    except yaml.YAMLError:
        pass  # reported with its line by the parser below
    data, problems = load_located_all_problems(text, name)
    errors = [f"{name}:{p.line}: {p.message}" if p.line else f"{name}: {p.message}" for p in problems]
    if data is None and not errors:
        errors.append(f"{name}: the file is empty")
    if errors:
        raise ScenarioError(errors)
    if not isinstance(data, dict):
        raise ScenarioError([f"{name}:{getattr(data, 'line', 1)}: a scenario file is a mapping (id, title, method, …)"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        out = []
        for err in e.errors():
            loc = tuple(err.get("loc", ()))
            line = line_of(data, [p for p in loc if isinstance(p, int | str)])
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            if err.get("type") == "extra_forbidden":
                msg = "is not a field of a scenario (check the spelling)"
            out.append(f"{name}:{line}: {_located(loc)}: {msg}")
        raise ScenarioError(out) from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and check a scenario file."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError([f"{p}: the file is larger than {MAX_BYTES // 1024} KiB; a scenario is a short file"])
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([f"{p}: no such scenario file"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{p}: is a folder; give a scenario file (.yaml)"]) from None
    except OSError as e:
        raise ScenarioError([f"{p}: cannot be read ({e.strerror or e})"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError([f"{p}: is not UTF-8 text (byte {e.start})"]) from None
    spec = parse_scenario(text, str(p))
    return LoadedScenario(spec, p, hashlib.sha256(raw).hexdigest())


def shipped_scenarios_path() -> Path:
    """The shipped framework's scenarios folder."""
    from prosperity.framework import shipped_framework_path

    return shipped_framework_path() / "scenarios"


def scenario_files(folder: Path | None = None) -> list[Path]:
    """The scenario files in ``folder`` (default: the shipped framework's), sorted by name."""
    folder = folder or shipped_scenarios_path()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("_"))
