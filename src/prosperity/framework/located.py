"""YAML that remembers where everything came from.

PyYAML's composer gives every node a ``start_mark``; this module turns the node tree into ordinary dicts and
lists that also carry the line of each key, value and item, so that a validation error anywhere in a file
can name the line a policy officer has to fix.

>>> data = load_located("a: 1\\nb:\\n  - x\\n  - y\\n", "f.yaml")
>>> data.value_line("b"), data["b"].item_line(1)
(3, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from prosperity.safe_yaml import SafeLoader, YamlRefused, check_limits


class YamlProblem(Exception):
    """The text is not YAML, or is YAML a framework cannot use (a duplicate key, several documents)."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


class LocatedDict(dict[Any, Any]):
    """A mapping with the line of itself, of each key and of each value (1-based)."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A sequence with the line of itself and of each item (1-based)."""

    line: int
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Builder:
    def __init__(self, loader: Any):
        self.constructor = loader
        self.duplicates: list[YamlProblem] = []

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            out = LocatedDict()
            out.line, out.key_lines, out.value_lines = _line(node), {}, {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, dict | list):
                    raise YamlProblem("a mapping key must be plain text", _line(key_node))
                if key in out:
                    self.duplicates.append(YamlProblem(
                        f"duplicate key {key!r} (first at line {out.key_lines[key]}); the later value would "
                        "silently replace the earlier one", _line(key_node)))  # fmt: skip
                    continue
                out[key] = self.build(value_node)
                out.key_lines[key] = _line(key_node)
                out.value_lines[key] = _line(value_node)
            return out
        if isinstance(node, SequenceNode):
            seq = LocatedList(self.build(item) for item in node.value)
            seq.line, seq.item_lines = _line(node), [_line(item) for item in node.value]
            return seq
        if isinstance(node, ScalarNode):
            return self.constructor.construct_object(node, deep=True)
        raise YamlProblem(f"unsupported YAML node {type(node).__name__}", _line(node))  # pragma: no cover


def load_located(text: str, name: str = "<text>") -> Any:
    """Parse one YAML document into :class:`LocatedDict` / :class:`LocatedList` values.

    Raises :class:`YamlProblem` (with the line) for a syntax error, a duplicate key or more than one document.
    Only the first duplicate key is raised; see :func:`load_located_all_problems` for every problem.
    """
    data, problems = load_located_all_problems(text, name)
    if problems:
        raise problems[0]
    return data


def load_located_all_problems(text: str, name: str = "<text>") -> tuple[Any, list[YamlProblem]]:
    """Parse one YAML document; return the data (``None`` if unreadable) and every problem found.

    The text passes :func:`prosperity.safe_yaml.check_limits` first (nesting depth, recursive aliases, alias
    expansion), so that nothing is built from a file beyond those limits.
    """
    try:
        check_limits(text, name)
    except YamlRefused as e:
        return None, [YamlProblem(e.message, e.line)]
    loader = SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.composer.ComposerError as e:
            mark = e.problem_mark or e.context_mark
            return None, [YamlProblem(f"{e.problem or e}: a framework file holds one YAML document",
                                      mark.line + 1 if mark else None)]  # fmt: skip
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            what = " ".join(p for p in (e.context, e.problem) if p) or str(e)
            return None, [YamlProblem(f"not valid YAML: {what}", mark.line + 1 if mark else None)]
        if node is None:
            return None, []
        builder = _Builder(loader)
        try:
            data = builder.build(node)
        except YamlProblem as p:
            return None, [p]
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            return None, [YamlProblem(f"not valid YAML: {e.problem or e}", mark.line + 1 if mark else None)]
        except RecursionError:  # pragma: no cover - check_limits bounds the depth first
            return None, [YamlProblem("values are nested too deeply to read", None)]
        return data, builder.duplicates
    finally:
        loader.dispose()


def line_of(data: Any, loc: Sequence[int | str], default: int | None = None) -> int | None:
    """The line of the deepest existing element on path ``loc`` (a pydantic error location) inside ``data``."""
    line = getattr(data, "line", default)
    node = data
    for part in loc:
        if isinstance(node, LocatedDict) and part in node:
            child = node[part]
            line = node.key_line(part) if isinstance(child, dict | list) else node.value_line(part)
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            child = node[part]
            line = node.item_line(part)
        else:
            break
        node = child
    return line
