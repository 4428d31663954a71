"""Analyst commentary: notes written by a person beside the framework, shown in the report as commentary.

The file is ``<framework>/commentary/<AREA CODE>.yaml`` (or any file given with ``--commentary``)::

    area: E47000004                    # optional; if given, it must be the report's area
    sections:
      summary:                         # a section id: summary, members, peers, targets, gaps, methodology,
        - author: A. Analyst           #   a strategy id or a theme id of the framework
          date: 2026-01-15
          text: |
            Paragraphs of plain text, separated by blank lines. No markup: the text is shown as written.
      lis-people:
        author: B. Analyst             # one entry may be given without the list
        date: 2026-01-16
        text: One paragraph.

Commentary never stops a report: a missing file is normal (no commentary), and a broken file or entry is left
out with a message that names the file, the section and what is wrong (:attr:`Commentary.problems`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosperity.safe_yaml import YamlRefused, load_yaml

FIELDS = ("author", "date", "text")


@dataclass(frozen=True)
class Note:
    """One piece of commentary on one section."""

    section: str
    author: str
    date: str  # ISO date
    paragraphs: tuple[str, ...]
    role: str = ""

    @property
    def date_text(self) -> str:
        d = dt.date.fromisoformat(self.date)
        return f"{d.day} {d:%B %Y}"


@dataclass
class Commentary:
    """The commentary read for a report: notes by section, the file's checksum, and any problems found."""

    path: Path | None
    sha256: str | None = None
    notes: dict[str, list[Note]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def for_section(self, section: str) -> list[Note]:
        return self.notes.get(section, [])

    def unused(self, known: set[str]) -> list[str]:
        """Sections with commentary that the report does not have (a misspelt id, or another strategy's theme)."""
        return sorted(s for s in self.notes if s not in known)


def default_path(framework_path: Path, area: str) -> Path:
    root = framework_path if framework_path.is_dir() else framework_path.parent
    return root / "commentary" / f"{area}.yaml"


def load_commentary(path: Path | None, area: str) -> Commentary:
    """Read a commentary file. Never raises for a missing or broken file: the problems are listed instead."""
    if path is None:
        return Commentary(None)
    out = Commentary(path)
    if not path.exists():
        return out  # no commentary for this area: nothing to say
    try:
        raw = path.read_bytes()
    except OSError as e:
        out.problems.append(f"{path}: cannot be read ({e.strerror or e}); the report has no commentary")
        return out
    out.sha256 = hashlib.sha256(raw).hexdigest()
    try:
        doc = load_yaml(raw, str(path))
    except YamlRefused as e:  # never stops the report: the problem is listed instead
        out.problems.append(f"{e}; the report has no commentary")
        return out
    if doc is None:
        return out
    if not isinstance(doc, dict) or not isinstance(doc.get("sections"), dict):
        out.problems.append(f"{path}: expected a mapping with `sections:` (section id → entries); the report has "
                            "no commentary")  # fmt: skip
        return out
    extra = sorted(set(doc) - {"area", "sections"})
    if extra:
        out.problems.append(f"{path}: unknown top-level key(s) {', '.join(map(repr, extra))} ignored "
                            "(expected `area` and `sections`)")  # fmt: skip
    if doc.get("area") is not None and str(doc["area"]) != area:
        out.problems.append(f"{path}: is commentary for area {doc['area']!r}, not {area!r}; the report has no "
                            "commentary")  # fmt: skip
        return out
    for section, entries in doc["sections"].items():
        items = entries if isinstance(entries, list) else [entries]
        for i, entry in enumerate(items, start=1):
            note = _note(str(section), entry, f"{path}: section {section!r}, entry {i}", out.problems)
            if note is not None:
                out.notes.setdefault(str(section), []).append(note)
    return out


def _note(section: str, entry: Any, where: str, problems: list[str]) -> Note | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected `author`, `date` and `text`; left out")
        return None
    missing = [k for k in FIELDS if entry.get(k) in (None, "")]
    if missing:
        problems.append(f"{where}: missing {', '.join(f'`{k}`' for k in missing)}; left out")
        return None
    extra = sorted(set(entry) - {*FIELDS, "role"})
    if extra:
        problems.append(f"{where}: unknown key(s) {', '.join(map(repr, extra))} ignored")
    date = entry["date"]
    if isinstance(date, dt.datetime):
        date = date.date()
    if not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date).strip())
        except ValueError:
            problems.append(f"{where}: date {entry['date']!r} is not a date (YYYY-MM-DD); left out")
            return None
    text = str(entry["text"]).replace("\r\n", "\n").strip()
    paragraphs = tuple(" ".join(p.split()) for p in text.split("\n\n") if p.strip())
    return Note(section, str(entry["author"]).strip(), date.isoformat(), paragraphs, str(entry.get("role") or "").strip())
