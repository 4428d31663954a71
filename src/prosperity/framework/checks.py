"""The checks that need the whole framework: ids, references, dates, citations and cycles.

Each check appends :class:`~prosperity.framework.load.Issue` values to the framework; none stops at the
first problem, so one run reports everything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prosperity.framework.model import NO_SOURCE_REASONS, Citation, Item, NoSource, Strategy, Theme

if TYPE_CHECKING:
    from prosperity.framework.load import Framework


def _add(fw: Framework, item: Item | None, code: str, message: str, severity: str = "error",
         file: str | None = None, line: int | None = None) -> None:  # fmt: skip
    from prosperity.framework.load import Issue

    fw.issues.append(Issue(file if file is not None else (item.file if item else ""),
                           line if line is not None else (item.line if item else None),
                           code, message, severity))  # type: ignore[arg-type]  # fmt: skip


def check_framework(fw: Framework, raw_strategies: list[tuple[Strategy, Any]] | None = None) -> None:
    """Run every whole-framework check on ``fw`` and record what is wrong in ``fw.issues``."""
    themes, outcomes, targets = _unique_ids(fw)
    _references(fw, themes, outcomes, targets)
    _theme_parents(fw)
    for kind, items in (("strategy", fw.strategies), ("theme", themes), ("outcome", outcomes),
                        ("indicator", fw.indicators), ("target", targets)):  # fmt: skip
        _supersedes_cycles(fw, kind, items)
    _target_dates(fw, targets)
    _citations(fw)
    used = {r.indicator for o in outcomes.values() for r in o.indicators}
    used |= {i.indicator for t in targets.values() for i in t.claimed_impacts if i.indicator}
    for ind in fw.indicators.values():
        if ind.id not in used:
            _add(fw, ind, "unused", f"indicator {ind.id!r} is defined but no outcome refers to it", "warning")
        if isinstance(ind.data, NoSource) and ind.data.why is None:
            _add(fw, ind.data if ind.data.line else ind, "no-source-why", f"indicator {ind.id!r} has no source but "
                 f"does not say which kind of reason (`why: {' | '.join(NO_SOURCE_REASONS)}`)", "warning")


def _unique_ids(fw: Framework) -> tuple[dict[str, Theme], dict[str, Any], dict[str, Any]]:
    themes: dict[str, Theme] = {}
    outcomes: dict[str, Any] = {}
    targets: dict[str, Any] = {}

    def register(kind: str, item: Any, into: dict[str, Any]) -> None:
        first = into.get(item.id)
        if first is not None and first is not item:
            _add(fw, item, "duplicate-id", f"{kind} id {item.id!r} is already used at {first.where}; "
                 "ids must be unique across the framework")  # fmt: skip
        else:
            into[item.id] = item

    for s in fw.strategies.values():
        for t in s.walk_themes():
            register("theme", t, themes)
            for o in t.outcomes:
                register("outcome", o, outcomes)
                seen_refs: dict[str, Item] = {}
                for r in o.indicators:
                    if r.indicator in seen_refs:
                        _add(fw, r, "duplicate-id", f"outcome {o.id!r} refers to indicator {r.indicator!r} twice "
                             f"(also at line {seen_refs[r.indicator].line})")  # fmt: skip
                    seen_refs[r.indicator] = r
                    for tg in r.targets:
                        register("target", tg, targets)
    return themes, outcomes, targets


def _suggest(wanted: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(wanted, sorted(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _references(fw: Framework, themes: Mapping[str, Theme], outcomes: Mapping[str, Any],
                targets: Mapping[str, Any]) -> None:  # fmt: skip
    for o in outcomes.values():
        for r in o.indicators:
            if r.indicator not in fw.indicators:
                _add(fw, r, "unknown-indicator", f"outcome {o.id!r} refers to indicator {r.indicator!r}, which "
                     f"no indicators file defines{_suggest(r.indicator, fw.indicators)}")  # fmt: skip
            for tg in r.targets:
                for imp in tg.claimed_impacts:
                    if imp.indicator and imp.indicator not in fw.indicators:
                        _add(fw, imp, "unknown-indicator", f"claimed impact of target {tg.id!r} refers to "
                             f"indicator {imp.indicator!r}, which is not defined"
                             f"{_suggest(imp.indicator, fw.indicators)}")  # fmt: skip
    for kind, items in (("strategy", fw.strategies), ("theme", themes), ("outcome", outcomes),
                        ("indicator", fw.indicators), ("target", targets)):  # fmt: skip
        for item in items.values():
            sup = getattr(item, "supersedes", None)
            if sup is not None and sup not in items:
                _add(fw, item, "unknown-reference", f"{kind} {item.id!r} supersedes {sup!r}, which is not a "
                     f"{kind} of this framework{_suggest(sup, items)}")  # fmt: skip


def _theme_parents(fw: Framework) -> None:
    """Resolve ``parent:`` references, move themes under their parents, and report loops."""
    for s in fw.strategies.values():
        every = {t.id: t for t in s.walk_themes()}
        loose = [t for t in s.themes if t.parent is not None]
        for t in loose:
            if t.parent not in every:
                _add(fw, t, "unknown-reference", f"theme {t.id!r} has parent {t.parent!r}, which is not a theme "
                     f"of strategy {s.id!r}{_suggest(t.parent or '', every)}")  # fmt: skip
        looped: set[str] = set()
        for t in loose:
            chain, cur = [t.id], t
            while cur.parent in every and cur.parent not in chain:
                cur = every[cur.parent]
                chain.append(cur.id)
            if cur.parent in chain and not looped.intersection(chain):
                loop = chain[chain.index(cur.parent):] + [cur.parent]  # type: ignore[arg-type]
                looped.update(loop)
                _add(fw, t, "cycle", f"theme parents form a loop: {' → '.join(loop)}")
        for t in loose:
            if t.parent in every and t.id not in looped:
                s.themes.remove(t)
                every[t.parent].themes.append(t)  # type: ignore[index]


def _supersedes_cycles(fw: Framework, kind: str, items: Mapping[str, Any]) -> None:
    reported: set[str] = set()
    for start in items.values():
        chain = [start.id]
        cur = start
        while getattr(cur, "supersedes", None) in items and cur.supersedes not in chain:
            cur = items[cur.supersedes]
            chain.append(cur.id)
        sup = getattr(cur, "supersedes", None)
        if sup is not None and sup in chain and not reported.intersection(chain):
            loop = chain[chain.index(sup):] + [sup]
            reported.update(loop)
            _add(fw, start, "cycle", f"{kind} `supersedes` chain loops: {' → '.join(loop)}")


def _target_dates(fw: Framework, targets: Mapping[str, Any]) -> None:
    for t in targets.values():
        if not t.date and t.kind == "close_gap":
            continue  # "close the gap" needs no date: it is assessed as the gap, its trend and the year it closes
        if not t.date:
            _add(fw, t, "target-without-date", f"target {t.id!r} has no `date`; a target says when it is due "
                 "(if the strategy gives no date, record the ambition in the outcome's `notes` instead)")  # fmt: skip
            continue
        for m in t.milestones:
            if m.date > t.date:
                _add(fw, m, "target-without-date", f"milestone {m.date} of target {t.id!r} falls after the "
                     f"target's own date {t.date}")  # fmt: skip


# ---- citations --------------------------------------------------------------------------------------------------
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "*": " ", "\u00a0": " "})


def normalise(text: str) -> str:
    """Text as compared for quotes: NFKC, plain quotes and dashes, no emphasis marks, one space, no case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


@lru_cache(maxsize=64)
def _document_lines(path: Path, mtime: float) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())


def document_lines(path: Path) -> tuple[str, ...]:
    return _document_lines(path, path.stat().st_mtime)


def cited_text(documents_dir: Path, cite: Citation) -> str | None:
    """The text of the lines a citation points at, or ``None`` if it cannot be read."""
    path = documents_dir / cite.document
    rng = cite.line_range
    if rng is None or not path.is_file():
        return None
    lines = document_lines(path)
    return "\n".join(lines[rng[0] - 1 : rng[1]])


def _citations(fw: Framework) -> None:
    from prosperity.framework.load import all_citations

    docs = fw.documents_dir
    if docs is None or not docs.is_dir():
        where = fw.manifest.where if fw.manifest else str(fw.path)
        why = f"the source documents folder {docs} does not exist" if docs else "no documents folder is set"
        _add(fw, None, "citation", f"{why}, so citations were not checked; set `documents_dir` in "
             "framework.yaml, PROSPERITY_DOCUMENTS or --documents", "warning", file=where.rsplit(":", 1)[0],
             line=fw.manifest.line if fw.manifest else None)  # fmt: skip
        return
    for s in fw.strategies.values():
        if not (docs / s.source.document).is_file():
            _add(fw, s.source, "citation", f"source document {s.source.document!r} is not in {docs}")
    for cite, item in all_citations(fw):
        _check_citation(fw, docs, cite, item)
    for s in fw.strategies.values():
        if s.verbatim_titles:
            for t in s.walk_themes():
                _check_verbatim(fw, docs, t, t.title)
            for o in s.outcomes():
                _check_verbatim(fw, docs, o, o.title)


def _check_citation(fw: Framework, docs: Path, cite: Citation, item: Item) -> None:
    at = cite if cite.line else item
    path = docs / cite.document
    if not path.is_file():
        _add(fw, at, "citation", f"cites {cite.document!r}, which is not in the documents folder {docs}"
             f"{_suggest(cite.document, (p.name for p in docs.iterdir()))}")  # fmt: skip
        return
    rng = cite.line_range
    if rng is not None:
        n = len(document_lines(path))
        if rng[1] > n:
            _add(fw, at, "citation", f"cites lines {cite.lines} of {cite.document}, which has only {n} lines")
            return
    if cite.quote:
        text = cited_text(docs, cite)
        if text is not None and normalise(cite.quote) not in normalise(text):
            _add(fw, at, "citation", f"the quote {cite.quote!r} is not in {cite.location}")


def _check_verbatim(fw: Framework, docs: Path, item: Any, title: str) -> None:
    texts = [cited_text(docs, c) for c in item.cite if c.lines]
    texts = [t for t in texts if t is not None]
    if texts and not any(normalise(title) in normalise(t) for t in texts):
        _add(fw, item, "citation", f"title {title!r} is not found word for word in the cited lines "
             f"({'; '.join(c.location for c in item.cite)}); the strategy sets `verbatim_titles: true`")  # fmt: skip
