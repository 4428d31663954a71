"""The methodology page's content, read from the code itself so that it cannot drift from what runs.

Methods come from the modules of :mod:`prosperity.methods` (their docstrings name the published source) and
their public functions' docstrings; thresholds come from :mod:`prosperity.methods.thresholds`, whose
``#:`` comments are the documentation of each constant (parsed here with :mod:`ast` and :mod:`tokenize`).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import tokenize
from functools import cache
from typing import Any

from markupsafe import Markup, escape

#: The method modules in the order a reader meets them in an assessment.
METHOD_MODULES = ("benchmark", "intervals", "trend", "target", "progress_opensdg", "progress_linear", "peers",
                  "gap", "deprivation", "aggregate", "inequality")  # fmt: skip


_LITERAL = re.compile(r"(?::[a-z]+:)?``?([^`]+?)``?")


def inline(text: str) -> Markup:
    """reStructuredText inline literals and roles (``x``, :func:`x`) as ``<code>``; everything else escaped."""
    out, last = [], 0
    for m in _LITERAL.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<code>{}</code>").format(m.group(1)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _paragraphs(doc: str) -> list[dict[str, Any]]:
    """Docstring paragraphs as blocks: ``{"list": False, "parts": [text]}`` or a bullet list's items."""
    blocks = []
    for p in doc.strip().split("\n\n"):
        p = p.strip()
        if not p or p.startswith(">>>"):
            continue
        if p.startswith("* "):
            items = [" ".join(i.split()) for i in re.split(r"(?m)^\* ", p) if i.strip()]
            blocks.append({"list": True, "parts": [inline(i) for i in items]})
        else:
            blocks.append({"list": False, "parts": [inline(" ".join(p.split()))]})
    return blocks


@cache
def thresholds() -> list[dict[str, Any]]:
    """Sections of ``thresholds.py``: ``{title, constants: [{name, value, doc}]}`` in file order."""
    mod = importlib.import_module("prosperity.methods.thresholds")
    source = inspect.getsource(mod)
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    sections: list[dict[str, Any]] = []

    def section_for(line: int) -> dict[str, Any]:
        heads = [(n, c) for n, c in comments.items() if n < line and c.startswith("# ---")]
        title = inline(heads[-1][1].strip("# -")) if heads else Markup("Constants")
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "constants": []})
        return sections[-1]

    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            doc, n = [], node.lineno - 1
            while comments.get(n, "").startswith("#:"):
                doc.insert(0, comments[n][2:].strip())
                n -= 1
            value = getattr(mod, name)
            section_for(node.lineno)["constants"].append({"name": name, "value": _show(value), "doc": inline(" ".join(doc))})
    return sections


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "; ".join(" – ".join("" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row)
                         for row in value)  # fmt: skip
    if hasattr(value, "__dataclass_fields__"):
        return ", ".join(f"{k} = {getattr(value, k):g}" for k in value.__dataclass_fields__)
    return str(value)


@cache
def methods() -> list[dict[str, Any]]:
    """Each method module: its title and description (with sources), and its public functions' docstrings."""
    out = []
    for name in METHOD_MODULES:
        mod = importlib.import_module(f"prosperity.methods.{name}")
        paras = _paragraphs(mod.__doc__ or "")
        funcs = []
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            if fname.startswith("_") or fn.__module__ != mod.__name__:
                continue
            funcs.append({"name": fname, "doc": _paragraphs(inspect.getdoc(fn) or "")})
        title = paras[0]["parts"][0] if paras else Markup(name)
        out.append({"id": name.replace("_", "-"), "module": mod.__name__, "title": title,
                    "description": paras[1:], "functions": funcs})  # fmt: skip
    return out
