"""The evaluation file: what was done, where and when, what it should have moved, and what it is compared with.

An evaluation is a YAML file beside the framework (``frameworks/<name>/evaluations/*.yaml``)::

    id: lcr-devolution-2017
    title: The Liverpool City Region devolution deal and first metro mayor
    question: Did the devolution deal and mayor change employment and output per head in the city region?
    intervention:
      name: Devolution deal and directly elected mayor
      description: ...
      sources:
        - {title: Liverpool City Region Devolution Agreement, publisher: HM Treasury, date: 2015-11-17}
    treated:
      - {area: E47000004, start: 2017}        # the first year treated (annual figures)
    outcomes:
      - {indicator: employment-rate}
    donors:
      areas: [E47000012, E47000013]            # and/or
      group: statistical-neighbours            # combined-authorities | statistical-neighbours
      of: E08000015                            # whose neighbours (default: the first treated area)
      exclude: [E08000013]
      why: ...
    windows: {pre: [2004, 2016], post: [2017, 2019]}
    methods: [synthetic-control, difference-in-differences]
    as_of: 2026-12-01                          # the warehouse as it stood then; or
    releases: {els/employment-rate: 4155e961…} # pinned by file checksum (machine-independent)

:func:`load_spec` reads it with the safe loader, with limits (size, no anchors or aliases, no custom tags),
and reports every problem with the file and line. Identifiers from the file are only ever bound as SQL
parameters or compared with known values; they never become SQL, paths or templates.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from prosperity.errors import ProsperityError
from prosperity.evaluate.additionality import FACTORS, LEVELS
from prosperity.framework.located import YamlProblem, line_of, load_located

MAX_BYTES = 256 * 1024
AREA = r"^[A-Z][0-9A-Z]{1,11}$"
SLUG = r"^[a-z0-9][a-z0-9-]{0,79}$"
DATASET = r"^[a-z0-9][a-z0-9/_.-]{0,119}$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Code = Annotated[str, StringConstraints(pattern=AREA)]
Year = Annotated[int, Field(ge=1900, le=2100)]
METHODS = ("synthetic-control", "difference-in-differences")


class SpecError(ProsperityError):
    """An evaluation file is unreadable or breaks a rule; every problem is listed with its line."""

    def __init__(self, file: str, problems: list[tuple[int | None, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{file}, line {ln}: {msg}" if ln else f"{file}: {msg}" for ln, msg in problems]
        super().__init__("\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    title: Text
    publisher: Text | None = None
    date: Date | None = None
    section: Text | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]{1,500}$")] | None = None


class Intervention(_Model):
    name: Text
    description: Text
    sources: list[Source] = Field(default_factory=list, max_length=20)


class Treated(_Model):
    area: Code
    start: Year
    note: Text | None = None


class OutcomeSpec(_Model):
    indicator: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
    breakdown: Annotated[str, StringConstraints(max_length=100)] = ""
    why: Text | None = None


class Donors(_Model):
    areas: list[Code] = Field(default_factory=list, max_length=2000)
    group: Literal["combined-authorities", "statistical-neighbours"] | None = None
    of: Code | None = None
    kind: Literal["global", "economic", "demographic"] = "global"
    exclude: list[Code] = Field(default_factory=list, max_length=2000)
    why: Text | None = None

    @model_validator(mode="after")
    def _some(self) -> Donors:
        if not self.areas and self.group is None:
            raise ValueError("give the donor areas (areas: [...]) or a group (combined-authorities or "
                             "statistical-neighbours)")  # fmt: skip
        return self


class Windows(_Model):
    pre: tuple[Year, Year]
    post: tuple[Year, Year]

    @model_validator(mode="after")
    def _order(self) -> Windows:
        if self.pre[0] > self.pre[1] or self.post[0] > self.post[1]:
            raise ValueError("each window is [first year, last year]")
        if self.pre[1] >= self.post[0]:
            raise ValueError("the pre-period must end before the post-period starts")
        return self


class Factor(_Model):
    """One additionality factor: a named ready-reckoner level of the guide, or a value with its source."""

    level: str | None = None
    value: float | None = Field(None, ge=0, le=10)
    low: float | None = Field(None, ge=0, le=10)
    high: float | None = Field(None, ge=0, le=10)
    source: Text | None = None


class OutputSpec(_Model):
    name: Text
    unit: Text
    gross: float = Field(ge=0, le=1e12)
    level: Literal[LEVELS]  # type: ignore[valid-type]
    reference_case: float | None = Field(None, ge=0, le=1e12)
    factors: dict[Literal[FACTORS], Factor] = Field(default_factory=dict)  # type: ignore[valid-type]
    source: Text | None = None


class Programme(_Model):
    """What was funded (read from this file until the programme store offers it): awards and outputs."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")] | None = None
    awards: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z]{3}(-[0-9]{2})?$")]] = Field(
        default_factory=list, max_length=200)
    outputs: list[OutputSpec] = Field(default_factory=list, max_length=100)


class EvaluationSpec(_Model):
    id: Annotated[str, StringConstraints(pattern=SLUG)]
    title: Text
    question: Text
    intervention: Intervention
    treated: list[Treated] = Field(min_length=1, max_length=50)
    outcomes: list[OutcomeSpec] = Field(min_length=1, max_length=20)
    donors: Donors
    windows: Windows
    methods: list[Literal[METHODS]] = Field(default_factory=lambda: list(METHODS), min_length=1)  # type: ignore[valid-type]
    as_of: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]{2,15})?$")] | None = None
    releases: dict[Annotated[str, StringConstraints(pattern=DATASET)],
                   Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]] = Field(default_factory=dict)
    programme: Programme | None = None
    notes: list[Text] = Field(default_factory=list, max_length=20)

    @field_validator("as_of", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, Date) else v

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Rules across fields, each with the path of the field to point at."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        seen: set[str] = set()
        for i, t in enumerate(self.treated):
            if t.area in seen:
                out.append((("treated", i, "area"), f"{t.area} is listed twice under treated"))
            seen.add(t.area)
            if not self.windows.post[0] <= t.start <= self.windows.post[1]:
                out.append((("treated", i, "start"), f"{t.area} starts in {t.start}, outside the post window "
                            f"{list(self.windows.post)}"))  # fmt: skip
        return out


@dataclass(frozen=True)
class LoadedSpec:
    spec: EvaluationSpec
    path: Path
    digest: str  #: SHA-256 of the file's bytes
    raw: Any  #: the located YAML, for lines of later (run-time) problems

    def line(self, *loc: str | int) -> int | None:
        return line_of(self.raw, list(loc))

    def where(self, *loc: str | int) -> str:
        ln = self.line(*loc)
        return f"{self.path.name}, line {ln}" if ln else self.path.name


def _no_aliases(text: str, name: str) -> list[tuple[int | None, str]]:
    """Anchors and aliases let a small file expand into a huge one; an evaluation file has no need of them."""
    try:
        for tok in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(tok, yaml.AnchorToken | yaml.AliasToken):
                return [(tok.start_mark.line + 1, "anchors and aliases (& and *) are not allowed in an evaluation file")]
            if isinstance(tok, yaml.TagToken):
                return [(tok.start_mark.line + 1, "YAML tags (!…) are not allowed in an evaluation file")]
    except yaml.YAMLError:
        return []  # the parser reports the syntax error with its line
    return []


def load_spec(path: str | Path) -> LoadedSpec:
    """Read and validate one evaluation file; :class:`SpecError` lists every problem with its line."""
    p = Path(path)
    name = p.name
    try:
        if p.stat().st_size > MAX_BYTES:
            raise SpecError(name, [(None, f"the file is {p.stat().st_size:,} bytes; an evaluation file is at most "
                                          f"{MAX_BYTES:,}")])  # fmt: skip
        data = p.read_bytes()
    except FileNotFoundError:
        raise SpecError(str(path), [(None, "no such file")]) from None
    except IsADirectoryError:
        raise SpecError(str(path), [(None, "is a folder; give one evaluation file (.yaml)")]) from None
    except OSError as e:
        raise SpecError(str(path), [(None, f"cannot be read: {e.strerror or e}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError(name, [(None, f"is not UTF-8 text (byte {e.start})")]) from None
    problems = _no_aliases(text, name)
    if problems:
        raise SpecError(name, problems)
    try:
        raw = load_located(text, name)
    except YamlProblem as e:
        raise SpecError(name, [(e.line, e.message)]) from None
    if not isinstance(raw, dict):
        raise SpecError(name, [(getattr(raw, "line", None), "an evaluation file is a mapping (id:, title:, …)")])
    try:
        spec = EvaluationSpec.model_validate(raw)
    except ValidationError as e:
        out = []
        for err in e.errors():
            loc = [x for x in err["loc"] if not (isinstance(x, str) and x.startswith(("function-", "literal[")))]
            field = ".".join(str(x) for x in loc) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            out.append((line_of(raw, loc), f"{field}: {msg}"))
        raise SpecError(name, out) from None
    cross = spec.problems()
    if cross:
        raise SpecError(name, [(line_of(raw, list(loc)), msg) for loc, msg in cross])
    return LoadedSpec(spec, p, hashlib.sha256(data).hexdigest(), raw)


def shipped_evaluations(framework: str | Path | None = None) -> list[Path]:
    """The evaluation files shipped beside a framework (``<framework>/evaluations/*.yaml``), sorted."""
    from prosperity.framework import shipped_framework_path

    folder = Path(framework) if framework else shipped_framework_path()
    ev = folder / "evaluations"
    return sorted(p for p in ev.glob("*.yaml") if p.is_file() and re.match(SLUG, p.stem)) if ev.is_dir() else []
