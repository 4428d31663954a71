"""The framework schema: strategies → themes → outcomes → indicator references → targets, and indicators.

Every class here is a pydantic model that forbids unknown fields, so a misspelt key is an error rather than
a silently ignored line. ``frameworks/README.md`` documents each field for the people who edit the YAML.
Each loaded item also remembers the file and line it came from (:attr:`Item.file`, :attr:`Item.line`).
"""

from __future__ import annotations

import calendar
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=120)]
"""Lower-case letters, digits, ``-``, ``_`` and ``.``: ids appear in URLs, file names and other files."""

GssCode = Annotated[str, StringConstraints(pattern=r"^[EWSNK]\d{8}$")]
"""A GSS area code such as ``E47000004``."""

AreaCode = Annotated[str, StringConstraints(pattern=r"^([EWSNK]\d{8}|TL[C-N][0-9A-Z]{0,2})$")]
"""A GSS code or an ITL code such as ``TLD7`` (the warehouse holds both)."""

_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _partial_date(v: Any) -> Any:
    """Accept ``2040``, ``"2040"``, ``"2020-03"``, ``2019-11-01`` (YAML reads it as a date) → ISO text."""
    if v is None:
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if isinstance(v, str) and _PARTIAL_DATE.match(v.strip()):
        return v.strip()
    raise ValueError("a date is a year (2040), a month (2020-03) or a day (2019-11-01)")


PartialDate = Annotated[str, BeforeValidator(_partial_date)]

POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")
Polarity = Literal["higher_is_better", "lower_is_better", "no_judgement"]
TARGET_KINDS = ("level", "change_from_baseline", "ratio_to_benchmark", "zero", "range", "close_gap")
TargetKind = Literal["level", "change_from_baseline", "ratio_to_benchmark", "zero", "range", "close_gap"]

LIVE_SOURCES: dict[str, str] = {
    "nomis": "Nomis (ONS labour market statistics: APS, BRES, population, claimant count, ASHE)",
    "fingertips": "OHID Fingertips public health profiles",
    "ons": "ONS beta API or an ONS dataset page",
    "dfe": "Department for Education, Explore Education Statistics",
    "dft": "Department for Transport statistics tables",
    "desnz": "Department for Energy Security and Net Zero sub-national statistics",
    "defra": "Department for Environment, Food and Rural Affairs statistics",
    "mhclg": "Ministry of Housing, Communities and Local Government live tables",
    "ofcom": "Ofcom Connected Nations data",
    "orr": "Office of Rail and Road station usage estimates",
    "hesa": "Higher Education Statistics Agency open data",
    "voa": "Valuation Office Agency non-domestic rating statistics",
    "dwp": "Department for Work and Pensions Stat-Xplore",
    "dcms": "Department for Culture, Media and Sport statistics",
    "ukri": "UK Research and Innovation / Innovate UK funded projects data",
    "home-office": "Home Office and police recorded crime statistics",
    "cqc": "Care Quality Commission ratings data",
    "nhs-digital": "NHS England / NHS Digital statistics",
    "moj": "Ministry of Justice statistics",
}
"""Services a ``live`` binding may name. Add one here (with a description) before using it in a framework."""

#: Who publishes each live source's figures, as a reader would name them.
LIVE_PUBLISHERS: dict[str, str] = {
    "nomis": "the Office for National Statistics (on Nomis)",
    "fingertips": "the Office for Health Improvement and Disparities (Fingertips)",
    "ons": "the Office for National Statistics",
    "dfe": "the Department for Education",
    "dft": "the Department for Transport",
    "desnz": "the Department for Energy Security and Net Zero",
    "defra": "the Department for Environment, Food and Rural Affairs",
    "mhclg": "the Ministry of Housing, Communities and Local Government",
    "ofcom": "Ofcom",
    "orr": "the Office of Rail and Road",
    "hesa": "the Higher Education Statistics Agency",
    "voa": "the Valuation Office Agency",
    "dwp": "the Department for Work and Pensions",
    "dcms": "the Department for Culture, Media and Sport",
    "ukri": "UK Research and Innovation",
    "home-office": "the Home Office",
    "cqc": "the Care Quality Commission",
    "nhs-digital": "NHS England",
    "moj": "the Ministry of Justice",
}


def live_publisher(source: str) -> str:
    """Who publishes a live source's figures, in words ("the Department for Education" for ``dfe``)."""
    return LIVE_PUBLISHERS.get(source, source)


class Item(BaseModel):
    """Base of every framework item: forbids unknown keys and remembers its file and line."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _file: str = PrivateAttr(default="")
    _line: int | None = PrivateAttr(default=None)

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int | None:
        return self._line

    @property
    def where(self) -> str:
        return f"{self._file}:{self._line}" if self._line else self._file

    def locate(self, file: str, line: int | None) -> None:
        self._file, self._line = file, line


# ---- citations -----------------------------------------------------------------------------------------------
class Citation(Item):
    """Where in a source document an item comes from: a file in the documents folder and lines or a page."""

    document: str = Field(min_length=1)
    lines: str | None = None
    page: str | None = None
    quote: str | None = None

    @field_validator("lines", "page", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("lines")
    @classmethod
    def _range(cls, v: str | None) -> str | None:
        if v is None:
            return v
        m = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*", v)
        if not m:
            raise ValueError('lines are one number ("722") or a range ("1639-1643")')
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if first < 1 or last < first:
            raise ValueError(f"line range {v!r} runs backwards or starts before line 1")
        return f"{first}-{last}" if last != first else str(first)

    @model_validator(mode="after")
    def _lines_or_page(self) -> Citation:
        if (self.lines is None) == (self.page is None):
            raise ValueError("a citation gives either `lines` or `page`, not both or neither")
        return self

    @property
    def line_range(self) -> tuple[int, int] | None:
        if self.lines is None:
            return None
        first, _, last = self.lines.partition("-")
        return int(first), int(last or first)

    _source: str = PrivateAttr(default="")

    def name_source(self, source: SourceDocument) -> None:
        """Name the cited document as its readers know it (its strategy's ``source``), for :meth:`__str__`."""
        self._source = source.cited_as

    @property
    def location(self) -> str:
        """Where the citation points in the documents folder: file and lines or page (for framework authors)."""
        return f"{self.document} {'lines ' + self.lines if self.lines else 'page ' + str(self.page)}"

    def __str__(self) -> str:
        """The citation as readers see it: the document's title and publisher, its page, and the quoted words.

        Line numbers are positions in our extracted text, not in the published document, so they are left to
        :attr:`location`; until the document is named (:meth:`name_source`) the text falls back to that.
        """
        if not self._source:
            return self.location
        page = f", page {self.page}" if self.page else ""
        quote = f': "{self.quote}"' if self.quote else ""
        return f"{self._source}{page}{quote}"


def _as_list(v: Any) -> Any:
    return [v] if isinstance(v, dict) else v


Citations = Annotated[list[Citation], BeforeValidator(_as_list), Field(min_length=1)]


# ---- indicators and their data bindings ---------------------------------------------------------------------
class WarehouseBinding(Item):
    """The indicator is measured by a series the warehouse holds."""

    warehouse: str = Field(min_length=1, description="warehouse indicator id")
    breakdown: str = ""
    area_level: str | None = None
    area_map: dict[AreaCode, AreaCode] = Field(default_factory=dict)
    note: str | None = None

    @property
    def status(self) -> str:
        return "data"

    def area_for(self, area: str) -> str:
        """The warehouse area to read for a strategy's ``area`` (a published geography standing in for it)."""
        return self.area_map.get(area, area)


class LiveSource(Item):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    source: str
    dataset: str = Field(min_length=1)

    @field_validator("source")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in LIVE_SOURCES:
            raise ValueError(f"unknown live source {v!r}; known: {', '.join(sorted(LIVE_SOURCES))}")
        return v

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class LiveBinding(Item):
    """The indicator needs a live source that the mirror does not hold: reported as "needs live fetch"."""

    live: LiveSource
    reason: str = Field(min_length=1)
    #: the warehouse indicator a live fetch fills (``prosperity fetch``); until it is loaded: "needs live fetch"
    warehouse: str | None = None
    breakdown: str = ""
    note: str | None = None

    @property
    def status(self) -> str:
        return "live"

    def area_for(self, area: str) -> str:
        return area


NO_SOURCE_REASONS: dict[str, str] = {
    "no-official-statistic": "no official statistic exists",
    "coarser-geography": "published only for a coarser geography",
    "commercial": "only a commercial source exists",
    "own-records": "held only in a council's or the combined authority's own records",
}
"""Why an indicator has no source: the kinds a ``none`` binding's ``why`` names."""


class NoSource(Item):
    """No data source exists yet; ``none`` says why in words, ``why`` names the kind of reason."""

    none: str = Field(min_length=1)
    why: Literal["no-official-statistic", "coarser-geography", "commercial", "own-records"] | None = None

    @property
    def status(self) -> str:
        return "none"


class SeriesRef(Item):
    """One warehouse series a derived indicator is built from, with the area read for a strategy's area."""

    warehouse: str = Field(min_length=1)
    breakdown: str = ""
    area_map: dict[AreaCode, AreaCode] = Field(default_factory=dict)

    def area_for(self, area: str) -> str:
        return self.area_map.get(area, area)


class DerivedBinding(Item):
    """The indicator is a ratio of two series the warehouse holds: ``scale × numerator ÷ denominator``, for each
    period both have (no period is filled in, no value carried over). ``formula`` says it in words."""

    derived: Literal["ratio"]
    numerator: SeriesRef
    denominator: SeriesRef
    scale: float = 1.0
    formula: str = Field(min_length=1)
    area_level: str | None = None
    note: str | None = None

    @property
    def status(self) -> str:
        return "data"

    @property
    def warehouse(self) -> str:
        """The id under which the derived series is assessed (it is computed, not stored)."""
        return f"derived:{self.numerator.warehouse}/{self.denominator.warehouse}"

    @property
    def breakdown(self) -> str:
        return ""

    def area_for(self, area: str) -> str:
        return area


BINDING_KINDS = ("warehouse", "live", "none", "derived")


def _binding_kind(v: Any) -> str | None:
    if isinstance(v, BaseModel):
        return {WarehouseBinding: "warehouse", LiveBinding: "live", NoSource: "none",
                DerivedBinding: "derived"}.get(type(v))  # fmt: skip
    if isinstance(v, dict):
        kinds = [k for k in BINDING_KINDS if k in v]
        if kinds == ["warehouse", "live"]:
            return "live"  # a live binding names the warehouse indicator its fetch fills
        return kinds[0] if len(kinds) == 1 else None
    return None


Binding = Annotated[
    Annotated[WarehouseBinding, Tag("warehouse")] | Annotated[LiveBinding, Tag("live")] | Annotated[NoSource, Tag("none")]
    | Annotated[DerivedBinding, Tag("derived")],
    Discriminator(
        _binding_kind,
        custom_error_type="binding",
        custom_error_message="`data` has exactly one of `warehouse: <id>`, `live: {source, dataset, ...}` "
        "(optionally with the `warehouse:` id its fetch fills), `derived: ratio` (with `numerator`, `denominator` "
        "and `formula`) or `none: <why no source exists>`",
    ),
]


class Indicator(Item):
    """A measured quantity that outcomes refer to, with its polarity, unit and data binding."""

    id: Id
    label: str = Field(min_length=1)
    polarity: Polarity
    unit: str = Field(min_length=1)
    definition: str | None = None
    data: Binding
    supersedes: Id | None = None
    notes: str | None = None


# ---- targets -------------------------------------------------------------------------------------------------
class Baseline(Item):
    """The starting point of a target. ``value`` may be left out when the strategy names the period but not
    the figure (it is then read from the data for that period)."""

    value: float | None = None
    period: str = Field(min_length=1)
    note: str | None = None
    cite: Citations | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, v: Any) -> Any:
        return _partial_date(v) if isinstance(v, int) or hasattr(v, "isoformat") else v


class Milestone(Item):
    date: PartialDate
    value: float
    note: str | None = None
    cite: Citations | None = None


class Impact(Item):
    """An effect a strategy claims reaching the target would have (not itself a target)."""

    description: str = Field(min_length=1)
    value: float | None = None
    unit: str | None = None
    indicator: Id | None = None
    cite: Citations | None = None


class Target(Item):
    """A value an indicator should reach by a date."""

    id: Id
    kind: TargetKind
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    date: PartialDate | None = None
    benchmark: str | None = None
    baseline: Baseline | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    set_by: str = Field(min_length=1)
    supersedes: Id | None = None
    claimed_impacts: list[Impact] = Field(default_factory=list)
    notes: str | None = None
    #: what the figures measure against this target, where it differs from the target's words (net zero
    #: against gross territorial emissions, say)
    measured_as: str | None = None
    cite: Citations

    # filled in by the loader: the indicator this target is for
    _indicator: str = PrivateAttr(default="")

    @property
    def indicator(self) -> str:
        return self._indicator

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    @model_validator(mode="after")
    def _kind_fields(self) -> Target:
        if self.kind == "zero":
            if self.value not in (None, 0):
                raise ValueError("a `zero` target has value 0 (or none); use `level` for other values")
            self.value = 0.0
        elif self.kind == "range":
            if self.low is None or self.high is None or self.low > self.high:
                raise ValueError("a `range` target needs `low` and `high`, with low ≤ high")
        elif self.kind == "close_gap":
            if not self.benchmark:
                raise ValueError("a `close_gap` target names its `benchmark` (e.g. E92000001 England)")
            if self.value is None:
                self.value = 100.0  # parity with the benchmark
        elif self.value is None:
            raise ValueError(f"a `{self.kind}` target needs a `value`")
        if self.kind == "ratio_to_benchmark" and not self.benchmark:
            raise ValueError("a `ratio_to_benchmark` target names its `benchmark` (e.g. E92000001 England)")
        if self.kind == "change_from_baseline" and self.baseline is None:
            raise ValueError("a `change_from_baseline` target needs a `baseline: {value, period}`")
        return self


# ---- the hierarchy --------------------------------------------------------------------------------------------
class IndicatorRef(Item):
    """An outcome's use of an indicator, with the targets the strategy sets for it."""

    indicator: Id
    basis: Literal["stated", "inferred"] = "stated"
    note: str | None = None
    cite: Citations | None = None
    targets: list[Target] = Field(default_factory=list)


class Outcome(Item):
    id: Id
    title: str = Field(min_length=1)
    description: str | None = None
    horizon: PartialDate | None = None
    cite: Citations
    indicators: list[IndicatorRef] = Field(default_factory=list)
    supersedes: Id | None = None
    notes: str | None = None

    _theme: str = PrivateAttr(default="")
    _strategy: str = PrivateAttr(default="")

    @property
    def theme(self) -> str:
        return self._theme

    @property
    def strategy(self) -> str:
        return self._strategy


class Theme(Item):
    """A level of a strategy's hierarchy: an aim, pillar, priority, foundation... named by ``kind``."""

    id: Id
    kind: str = Field(min_length=1, pattern=r"^[a-z][a-z -]*$")
    title: str = Field(min_length=1)
    description: str | None = None
    parent: Id | None = None
    cite: Citations
    supersedes: Id | None = None
    notes: str | None = None
    themes: list[Theme] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)

    _strategy: str = PrivateAttr(default="")

    @property
    def strategy(self) -> str:
        return self._strategy


class SourceDocument(Item):
    document: str = Field(min_length=1)
    title: str = Field(min_length=1)
    publisher: str | None = None
    date: PartialDate | None = None
    url: str | None = None
    note: str | None = None

    @property
    def cited_as(self) -> str:
        """The document as a reader would cite it: title, then the publisher and date the title does not name."""
        extra = []
        publisher = (self.publisher or "").split(" (")[0]
        if publisher and publisher.lower() not in self.title.lower():
            extra.append(publisher)
        if self.date and self.date[:4] not in self.title:
            y, _, m = self.date.partition("-")
            extra.append(f"{calendar.month_name[int(m[:2])]} {y}" if m else y)
        return f"{self.title}{' (' + ', '.join(extra) + ')' if extra else ''}"


class Strategy(Item):
    id: Id
    title: str = Field(min_length=1)
    kind: str = Field(default="strategy", min_length=1)
    publisher: str = Field(min_length=1)
    date: PartialDate
    #: the area the strategy is for; none in a generic framework, whose strategies serve whichever area the
    #: framework is applied to (:meth:`for_area`)
    area: GssCode | None = None
    area_name: str | None = None
    horizon: PartialDate | None = None
    source: SourceDocument
    cite: Citations
    supersedes: Id | None = None
    verbatim_titles: bool = False
    notes: str | None = None
    themes: list[Theme] = Field(default_factory=list)

    def walk_themes(self) -> list[Theme]:
        """Every theme, depth first, in document order."""
        out: list[Theme] = []

        def visit(ts: list[Theme]) -> None:
            for t in ts:
                out.append(t)
                visit(t.themes)

        visit(self.themes)
        return out

    def outcomes(self) -> list[Outcome]:
        return [o for t in self.walk_themes() for o in t.outcomes]

    def for_area(self, area: str, area_name: str | None = None) -> Strategy:
        """This strategy as it serves ``area``: itself if it names an area, else a copy naming ``area``."""
        if self.area is not None:
            return self
        copy = self.model_copy(update={"area": area, "area_name": area_name})
        copy.locate(self.file, self.line)
        return copy


class AppliesTo(Item):
    """Which areas a framework is for: the areas it names, or (``default``) every area no framework names."""

    areas: list[GssCode] = Field(default_factory=list)
    default: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _something(self) -> AppliesTo:
        if not self.areas and not self.default:
            raise ValueError("`applies_to` names `areas:` (GSS codes) or says `default: true`")
        return self


class Manifest(Item):
    """``framework.yaml``: the framework's name and where its source documents are."""

    id: Id
    title: str = Field(min_length=1)
    description: str | None = None
    documents_dir: str | None = None
    documents_note: str | None = None
    applies_to: AppliesTo | None = None
    #: the framework's headline outcomes: indicator ids that reports and home pages lead with, in order
    headlines: list[Id] = Field(default_factory=list)
