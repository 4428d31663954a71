"""What "readers' text speaks the reader's language" means, as a check of a page's visible text.

No tool vocabulary (mirror, warehouse, fetch), no file names or line numbers of our copies of documents, no
internal release numbers, dataset ids or framework ids, and no section numbers of our internal reference
document. Used by the web and report tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from prosperity.framework import load_framework, shipped_framework_path

#: Elements whose content a reader does not see as text.
HIDDEN = {"script", "style", "template"}
#: Words and shapes that belong to the tool, not to the reader.
TOOL_WORDS = (r"\bmirror(?:ed|s)?\b|\bwarehouse|\bfetch|\.(?:txt|csv|xlsx|ya?ml|md|py|cs)\b|\brelease \d+"
              r"|reference §|\b(?:lis|lis2019|gp|igp|pfp)-[a-z0-9]|\(lines? \d|\blines \d+[-–]\d")  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.hidden += tag in HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in HIDDEN and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees: element content outside scripts and styles, never attributes, spaces collapsed."""
    p = _Text()
    p.feed(html)
    return re.sub(r"\s+", " ", " ".join(p.parts))


def tool_vocabulary(warehouse: Path) -> re.Pattern[str]:
    """The pattern of tool words, plus every dataset id the warehouse holds and every strategy id."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT DISTINCT dataset_id FROM releases").fetchall()]
    ids += list(load_framework(shipped_framework_path()).strategies)
    literal = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.compile(rf"{TOOL_WORDS}|(?<![\w/-])(?:{literal})(?![\w-])", re.I)


def findings(where: str, html: str, pattern: re.Pattern[str]) -> list[str]:
    """Each tool word in the visible text of ``html``, with the page and the words around it."""
    text = visible_text(html)
    out: list[str] = []
    for m in pattern.finditer(text):
        line = f"{where}: {m.group(0)!r} in “…{text[max(0, m.start() - 70):m.end() + 70]}…”"
        if line not in out:
            out.append(line)
    return out


def report(found: Iterable[str]) -> str:
    found = list(found)
    return f"{len(found)} places where a reader meets tool vocabulary:\n" + "\n".join(found[:60])
