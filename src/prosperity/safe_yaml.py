"""The one way the product reads YAML: safe, bounded, and every refusal located.

Every YAML file the product reads (a framework, analyst commentary, the aggregation and gap rules, evaluation and
scenario files) goes through this module. It

- reads at most :data:`MAX_BYTES` bytes, and only UTF-8 text (a file in another encoding is refused with the line
  and column of the first byte that is not UTF-8);
- walks the YAML's events before anything is built, refusing nesting deeper than :data:`MAX_DEPTH`, an alias to a
  node that contains it (a recursive alias), and aliases that would expand the document to more than
  :data:`MAX_NODES` values (a "billion laughs" file: a few lines that expand to billions of values);
- builds plain Python values with PyYAML's safe loader only (no tags that create objects).

A refusal is a :class:`YamlRefused` with the file, line and what was wrong, never a traceback.

>>> load_yaml("a: [1, 2]\\n", "f.yaml")
{'a': [1, 2]}
>>> load_yaml("a: &x [1, *x]\\n", "f.yaml")
Traceback (most recent call last):
...
prosperity.safe_yaml.YamlRefused: f.yaml, line 1: the alias *x refers to a value that contains it (a recursive alias)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
    ScalarEvent,
)

from prosperity.errors import ProsperityError

#: PyYAML's safe loader, in C (libyaml) where PyYAML was built with it: the same safe construction (no tags that
#: create objects) and the same marks, about ten times faster on the frameworks than the pure-Python one.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 5 * 1024 * 1024  # the shipped framework is about 200 kB
MAX_DEPTH = 50  # the deepest shipped file nests 8 levels
MAX_NODES = 250_000  # values after expanding aliases; the shipped framework has about 20,000


class YamlRefused(ProsperityError):
    """A YAML file was refused: unreadable, not UTF-8, not YAML, or beyond a limit. Carries the file and line."""

    def __init__(self, file: str, message: str, line: int | None = None):
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}{f', line {line}' if line else ''}: {message}")


def read_yaml_text(path: Path | str, name: str | None = None) -> str:
    """The text of a YAML file, refused if it is too large or not UTF-8 (with where the first bad byte is)."""
    path = Path(path)
    shown = name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlRefused(shown, f"the file is {size:,} bytes, more than the {MAX_BYTES:,} a YAML file may have")
        raw = path.read_bytes()
    except OSError as e:
        raise YamlRefused(shown, f"cannot be read ({e.strerror or e})") from None
    return decode_yaml(raw, shown)


def decode_yaml(raw: bytes, name: str) -> str:
    """``raw`` as text, refused if too large or not UTF-8."""
    if len(raw) > MAX_BYTES:
        raise YamlRefused(name, f"the file is {len(raw):,} bytes, more than the {MAX_BYTES:,} a YAML file may have")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        raise YamlRefused(name, f"is not UTF-8 text: byte 0x{raw[e.start]:02X} at column {column} is not UTF-8 "
                          "(save the file as UTF-8)", line) from None  # fmt: skip


def check_limits(text: str, name: str) -> None:
    """Walk the YAML's events and refuse it, with the line, if it nests too deep or its aliases recurse or expand
    too far. Nothing is built. Syntax errors are left to the loader that follows (which locates them)."""
    if len(text) > MAX_BYTES:
        raise YamlRefused(name, f"the text is {len(text):,} characters, more than the {MAX_BYTES:,} allowed")
    _bracket_depth(text, name)
    depth = 0
    expanded = 0
    anchors: dict[str, int] = {}  # anchor → values it stands for, once its node is complete
    open_anchors: list[tuple[str | None, int]] = []  # for each open collection: its anchor, `expanded` at its start
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, DocumentStartEvent):
                anchors.clear()
            if isinstance(event, AliasEvent):
                if any(a == event.anchor for a, _ in open_anchors):
                    raise YamlRefused(name, f"the alias *{event.anchor} refers to a value that contains it (a "
                                      "recursive alias)", line)  # fmt: skip
                if event.anchor not in anchors:
                    continue  # an undefined alias: the loader reports it with its line
                expanded += anchors[event.anchor]
            elif isinstance(event, ScalarEvent):
                expanded += 1
                if event.anchor is not None:
                    anchors[event.anchor] = 1
            elif isinstance(event, CollectionStartEvent):
                expanded += 1
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlRefused(name, f"values are nested more than {MAX_DEPTH} levels deep", line)
                open_anchors.append((event.anchor, expanded - 1))
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    anchors[anchor] = expanded - start
            if isinstance(event, NodeEvent | CollectionEndEvent) and expanded > MAX_NODES:
                raise YamlRefused(name, f"its aliases expand it to more than {MAX_NODES:,} values (a 'billion laughs' "
                                  "file?); write the values out instead of repeating aliases", line)  # fmt: skip
    except yaml.YAMLError:
        return  # the loader reports the syntax error with its line
    except RecursionError:  # pragma: no cover - the parser is iterative; kept as a guard
        raise YamlRefused(name, "values are nested too deeply to read") from None


def _bracket_depth(text: str, name: str) -> None:
    """Refuse deeply nested brackets before PyYAML's scanner sees them (it slows down with every open level).

    A bound, not the rule: brackets are counted wherever they are (a bracket in prose counts too), so the bound is
    four times the depth the event walk then enforces exactly.
    """
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(0, depth - 1)
        if depth > 4 * MAX_DEPTH:
            raise YamlRefused(name, f"values are nested more than {MAX_DEPTH} levels deep",
                              text.count("\n", 0, m.start()) + 1)  # fmt: skip


_BRACKETS = re.compile(r"[\[\]{}]")


def located_error(e: yaml.YAMLError, name: str) -> YamlRefused:
    """A PyYAML error as a located refusal."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    what = " ".join(p for p in (getattr(e, "context", None), getattr(e, "problem", None)) if p) or str(e).splitlines()[0]
    return YamlRefused(name, f"not valid YAML: {what}", mark.line + 1 if mark is not None else None)


def load_yaml(source: str | bytes | Path, name: str | None = None) -> Any:
    """Load one YAML document safely from text, bytes or a file; raise :class:`YamlRefused` (located) if it cannot.

    ``name`` is how messages name the file (a path inside the project, not the reader's whole path).
    """
    if isinstance(source, Path):
        shown = name or str(source)
        text = read_yaml_text(source, shown)
    elif isinstance(source, bytes):
        shown = name or "<bytes>"
        text = decode_yaml(source, shown)
    else:
        shown = name or "<text>"
        text = source
    check_limits(text, shown)
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader: no object tags
    except yaml.YAMLError as e:
        raise located_error(e, shown) from None
    except RecursionError:  # pragma: no cover - check_limits bounds the depth first
        raise YamlRefused(shown, "values are nested too deeply to read") from None
