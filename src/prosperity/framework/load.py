"""Loading a framework directory: every file, every item, every problem, in one run.

Loading never raises for bad content. It returns a :class:`Framework` holding whatever loaded and a list of
:class:`Issue` values, each naming the file, the line and what is wrong. A file that cannot be read, or an
item that breaks the schema, is left out; the rest of the file, the other files and the other frameworks
still load. The cross-file checks (duplicate ids, unknown references, targets without dates, citations that
point nowhere, cycles) then run over everything that did load.

>>> fw = load_framework(shipped_framework_path())          # doctest: +SKIP
>>> fw.ok, len(fw.strategies)
(True, 5)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from prosperity.errors import ProsperityError
from prosperity.framework.located import (
    LocatedDict,
    LocatedList,
    YamlProblem,
    line_of,
    load_located_all_problems,
)
from prosperity.framework.model import (
    BINDING_KINDS,
    Citation,
    Indicator,
    IndicatorRef,
    Item,
    Manifest,
    Outcome,
    Strategy,
    Target,
    Theme,
)
from prosperity.safe_yaml import YamlRefused, read_yaml_text

log = logging.getLogger(__name__)

MANIFEST = "framework.yaml"
FILE_KEYS = ("strategy", "themes", "indicators")
T = TypeVar("T", bound=Item)


class FrameworkNotFound(ProsperityError):
    """No framework at the path given (or the shipped one cannot be found)."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a framework: where it is, which class of problem, and what is wrong."""

    file: str
    line: int | None
    code: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity} [{self.code}] {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "code": self.code, "severity": self.severity,
                "message": self.message}  # fmt: skip


@dataclass
class Framework:
    """What loaded from one framework directory, and every issue found on the way."""

    path: Path
    id: str
    title: str
    documents_dir: Path | None = None
    manifest: Manifest | None = None
    strategies: dict[str, Strategy] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def themes(self) -> dict[str, Theme]:
        return {t.id: t for s in self.strategies.values() for t in s.walk_themes()}

    def outcomes(self) -> dict[str, Outcome]:
        return {o.id: o for s in self.strategies.values() for o in s.outcomes()}

    def targets(self) -> dict[str, Target]:
        return {t.id: t for o in self.outcomes().values() for r in o.indicators for t in r.targets}

    def uses(self, indicator_id: str) -> list[Outcome]:
        """The outcomes, in every strategy, that an indicator serves."""
        return [o for o in self.outcomes().values() if any(r.indicator == indicator_id for r in o.indicators)]


# ---- locating the shipped framework ---------------------------------------------------------------------------
def shipped_framework_path() -> Path:
    """``frameworks/liverpool-city-region`` of this checkout (or ``PROSPERITY_FRAMEWORKS``/liverpool-city-region)."""
    candidates: list[Path] = []
    if env := os.environ.get("PROSPERITY_FRAMEWORKS"):
        candidates.append(Path(env) / "liverpool-city-region")
    here = Path(__file__).resolve()
    candidates += [p / "frameworks" / "liverpool-city-region" for p in here.parents]
    candidates.append(Path.cwd() / "frameworks" / "liverpool-city-region")
    for c in candidates:
        if (c / MANIFEST).is_file():
            return c
    raise FrameworkNotFound(
        "cannot find the shipped framework (frameworks/liverpool-city-region) above "
        f"{here.parent} or in the current directory; pass a PATH, or set PROSPERITY_FRAMEWORKS to the folder "
        "that holds liverpool-city-region/")  # fmt: skip


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- the loader ----------------------------------------------------------------------------------------------
class _Loader:
    def __init__(self, fw: Framework):
        self.fw = fw
        self.file = ""
        self.raw_strategies: list[tuple[Strategy, Any]] = []

    def issue(self, line: int | None, code: str, message: str, severity: Literal["error", "warning"] = "error",
              file: str | None = None) -> None:  # fmt: skip
        self.fw.issues.append(Issue(file if file is not None else self.file, line, code, message, severity))

    def schema_errors(self, raw: Any, e: ValidationError, what: str) -> None:
        for err in e.errors():
            loc = list(err["loc"])
            # a binding's tag (warehouse/live/none) is in pydantic's path but not in the YAML's
            for i in range(len(loc) - 1, 0, -1):
                if loc[i - 1] == "data" and loc[i] in BINDING_KINDS and i + 1 < len(loc):
                    del loc[i]
            path = ".".join(str(p) for p in loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field {loc[-1]!r} (misspelt, or in the wrong place?)"
            elif err["type"] == "missing":
                msg = f"required field {loc[-1]!r} is missing"
            elif err["type"] == "literal_error":
                msg = f"{msg}, not {err['input']!r}"
            elif err["type"] == "string_pattern_mismatch" and loc and loc[-1] in ("id", "parent", "supersedes"):
                msg = f"{err['input']!r} is not a valid id (lower-case letters, digits, '-', '_' and '.')"
            where = f" at `{path}`" if path else ""
            self.issue(line_of(raw, loc), "schema", f"{what}{where}: {msg}")

    def item(self, cls: type[T], raw: Any, what: str, strip: tuple[str, ...] = (),
             line: int | None = None) -> T | None:  # fmt: skip
        if not isinstance(raw, dict):
            self.issue(line or getattr(raw, "line", None), "schema",
                       f"{what}: expected a mapping of `key: value` lines, found {type(raw).__name__}")  # fmt: skip
            return None
        data = {k: v for k, v in raw.items() if k not in strip}
        try:
            obj = cls.model_validate(data)
        except ValidationError as e:
            self.schema_errors(raw, e, what)
            return None
        obj.locate(self.file, getattr(raw, "line", line))
        _locate_nested(obj, raw, self.file)
        return obj

    def children(self, raw: Any, key: str, what: str) -> Iterator[tuple[Any, int | None]]:
        value = raw.get(key) if isinstance(raw, dict) else None
        if value is None:
            return
        if not isinstance(value, list):
            self.issue(raw.key_line(key) if isinstance(raw, LocatedDict) else None, "schema",
                       f"{what}: `{key}` is a list (each item starting with '- ')")  # fmt: skip
            return
        for i, child in enumerate(value):
            yield child, value.item_line(i) if isinstance(value, LocatedList) else None

    # -- files --
    def load_file(self, path: Path) -> None:
        self.file = _display(path)
        try:
            text = read_yaml_text(path, self.file)
        except YamlRefused as e:
            self.issue(e.line, "yaml", e.message)
            return
        data, problems = load_located_all_problems(text, self.file)
        for p in problems:
            self.issue(p.line, "yaml", p.message)
        if data is None:
            if not problems:
                self.issue(None, "yaml", "the file is empty", "warning")
            return
        if not isinstance(data, LocatedDict):
            self.issue(getattr(data, "line", 1), "schema",
                       "a framework file is a mapping with `strategy:` and `themes:`, or `indicators:`")  # fmt: skip
            return
        self.fw.files.append(self.file)
        for key in data:
            if key not in FILE_KEYS:
                self.issue(data.key_line(key), "schema",
                           f"unknown top-level key {key!r}; a file holds {', '.join(FILE_KEYS)}")  # fmt: skip
        for raw, line in self.children(data, "indicators", "indicators"):
            ind = self.item(Indicator, raw, f"indicator {_id_of(raw)}", line=line)
            if ind is not None:
                self.register(ind, "indicator", self.fw.indicators)
        if "strategy" in data:
            self.load_strategy(data)
        elif "themes" in data:
            self.issue(data.key_line("themes"), "schema", "`themes:` needs a `strategy:` in the same file")

    def load_strategy(self, data: LocatedDict) -> None:
        raw = data["strategy"]
        if isinstance(raw, dict) and "themes" in raw:
            self.issue(raw.key_line("themes"), "schema",
                       "`themes:` goes at the top level of the file, beside `strategy:`, not inside it")  # fmt: skip
        strategy = self.item(Strategy, raw, f"strategy {_id_of(raw)}", strip=("themes",),
                             line=data.value_line("strategy"))  # fmt: skip
        if strategy is None:
            return
        strategy.themes = [t for t in (self.load_theme(r, ln, strategy.id, None)
                                       for r, ln in self.children(data, "themes", "strategy")) if t]  # fmt: skip
        if self.register(strategy, "strategy", self.fw.strategies):
            self.raw_strategies.append((strategy, raw))

    def load_theme(self, raw: Any, line: int | None, strategy: str, container: Theme | None) -> Theme | None:
        theme = self.item(Theme, raw, f"theme {_id_of(raw)}", strip=("themes", "outcomes"), line=line)
        if theme is None:
            return None
        theme._strategy = strategy
        if container is not None:
            if theme.parent is not None and theme.parent != container.id:
                self.issue(theme.line, "schema", f"theme {theme.id!r} is nested in {container.id!r} but says "
                           f"`parent: {theme.parent}`; give one or the other")  # fmt: skip
            theme.parent = container.id
        theme.themes = [t for t in (self.load_theme(r, ln, strategy, theme)
                                    for r, ln in self.children(raw, "themes", f"theme {theme.id}")) if t]  # fmt: skip
        for r, ln in self.children(raw, "outcomes", f"theme {theme.id}"):
            outcome = self.load_outcome(r, ln, strategy, theme)
            if outcome is not None:
                theme.outcomes.append(outcome)
        return theme

    def load_outcome(self, raw: Any, line: int | None, strategy: str, theme: Theme) -> Outcome | None:
        outcome = self.item(Outcome, raw, f"outcome {_id_of(raw)}", strip=("indicators",), line=line)
        if outcome is None:
            return None
        outcome._strategy, outcome._theme = strategy, theme.id
        for r, ln in self.children(raw, "indicators", f"outcome {outcome.id}"):
            if isinstance(r, str):
                r = _shorthand(r, ln)
            ref = self.item(IndicatorRef, r, f"indicator reference in outcome {outcome.id}",
                            strip=("targets",), line=ln)  # fmt: skip
            if ref is None:
                continue
            for tr, tln in self.children(r, "targets", f"indicator {ref.indicator} of outcome {outcome.id}"):
                target = self.item(Target, tr, f"target {_id_of(tr)}", line=tln)
                if target is not None:
                    target._indicator = ref.indicator
                    ref.targets.append(target)
            outcome.indicators.append(ref)
        return outcome

    def register(self, obj: Any, kind: str, into: dict[str, Any]) -> bool:
        first = into.get(obj.id)
        if first is not None:
            self.issue(obj.line, "duplicate-id",
                       f"{kind} id {obj.id!r} is already used at {first.where}; ids must be unique")  # fmt: skip
            return False
        into[obj.id] = obj
        return True


def _shorthand(text: str, line: int | None) -> LocatedDict:
    d = LocatedDict(indicator=text)
    d.line, d.key_lines, d.value_lines = line or 0, {"indicator": line or 0}, {"indicator": line or 0}
    return d


def _id_of(raw: Any) -> str:
    return repr(raw["id"]) if isinstance(raw, dict) and "id" in raw else "(no id)"


def _locate_nested(obj: BaseModel, raw: Any, file: str) -> None:
    """Give nested items (citations, baselines, milestones...) the line they were written on."""
    if not isinstance(raw, dict):
        return
    for name in type(obj).model_fields:
        value, sub = getattr(obj, name, None), raw.get(name)
        if isinstance(value, Item) and isinstance(sub, dict):
            value.locate(file, getattr(sub, "line", None))
            _locate_nested(value, sub, file)
        elif isinstance(value, list) and isinstance(sub, list | dict):
            subs = sub if isinstance(sub, list) else [sub]
            lines = sub.item_lines if isinstance(sub, LocatedList) else [getattr(sub, "line", None)]
            for v, s, ln in zip(value, subs, lines, strict=False):
                if isinstance(v, Item):
                    v.locate(file, ln)
                    _locate_nested(v, s, file)


# ---- entry points ----------------------------------------------------------------------------------------------
def load_framework(path: str | Path, documents_dir: str | Path | None = None) -> Framework:
    """Load and check one framework: a directory of YAML files (with ``framework.yaml``) or a single file.

    ``documents_dir`` overrides where cited source documents are looked for (else ``PROSPERITY_DOCUMENTS``,
    else the manifest's ``documents_dir``, relative to the framework folder).
    """
    path = Path(path)
    if not path.exists():
        raise FrameworkNotFound(f"no framework at {path}")
    folder = path if path.is_dir() else path.parent
    fw = Framework(path=path, id=folder.name, title=folder.name)
    loader = _Loader(fw)
    manifest_path = folder / MANIFEST
    if manifest_path.is_file():
        loader.file = _display(manifest_path)
        try:
            data, problems = load_located_all_problems(read_yaml_text(manifest_path, loader.file), loader.file)
        except YamlRefused as e:
            data, problems = None, [YamlProblem(e.message, e.line)]
        for p in problems:
            loader.issue(p.line, "yaml", p.message)
        if data is not None:
            fw.manifest = loader.item(Manifest, data, "framework manifest")
            if fw.manifest is not None:
                fw.id, fw.title = fw.manifest.id, fw.manifest.title
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.name != MANIFEST)
        if not files:
            loader.issue(None, "yaml", "no framework files (*.yaml) in this folder", file=_display(path))
    else:
        files = [path]
    for f in files:
        loader.load_file(f)
    fw.documents_dir = _documents_dir(folder, fw.manifest, documents_dir)
    _name_cited_documents(fw)
    from prosperity.framework.checks import check_framework

    check_framework(fw, loader.raw_strategies)
    return fw


def load_frameworks(root: str | Path, documents_dir: str | Path | None = None) -> list[Framework]:
    """Every framework under ``root`` (each sub-folder with a ``framework.yaml``), or ``root`` itself."""
    root = Path(root)
    if root.is_dir() and not (root / MANIFEST).is_file():
        subs = sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())
        if subs:
            return [load_framework(p, documents_dir) for p in subs]
    return [load_framework(root, documents_dir)]


def _documents_dir(folder: Path, manifest: Manifest | None, override: str | Path | None) -> Path | None:
    if override:
        return Path(override).resolve()
    if env := os.environ.get("PROSPERITY_DOCUMENTS"):
        return Path(env).resolve()
    if manifest is not None and manifest.documents_dir:
        p = Path(manifest.documents_dir)
        return p if p.is_absolute() else (folder / p).resolve()
    return None


def _name_cited_documents(fw: Framework) -> None:
    """Give each citation its document's title, from the strategy whose ``source`` that document is."""
    sources = {s.source.document: s.source for s in fw.strategies.values()}
    for cite, _ in all_citations(fw):
        if (source := sources.get(cite.document)) is not None:
            cite.name_source(source)


def all_citations(fw: Framework) -> Iterator[tuple[Citation, Item]]:
    """Every citation in the framework with the item that carries it."""

    def cites(item: Item) -> Iterator[tuple[Citation, Item]]:
        for c in getattr(item, "cite", None) or []:
            yield c, item

    for s in fw.strategies.values():
        yield from cites(s)
        for t in s.walk_themes():
            yield from cites(t)
            for o in t.outcomes:
                yield from cites(o)
                for r in o.indicators:
                    yield from cites(r)
                    for tg in r.targets:
                        yield from cites(tg)
                        for sub in ([tg.baseline] if tg.baseline else []) + tg.milestones + tg.claimed_impacts:
                            yield from cites(sub)

