"""Area names as publishers write them → GSS codes, through the area register.

Some publishers name areas instead of coding them: Nomis's local area tables (``ladu:St. Helens``), Ofcom's
Connected Nations files (``ST. HELENS``), DESNZ and DfE workbooks (``Kingston upon Hull, City of``). The names
are resolved here against what the warehouse's reference datasets registered: every area's own name (ONS
geography, the local authority register) and the register's list of other names for each authority
(``local-authorities/lookup_name_to_registry.csv``: official names, former names such as *Shepway* for
Folkestone and Hythe, spellings such as *Rhondda Cynon Taff*).

Names are compared after :func:`name_key`: case, accents, punctuation, ``&``/``and``, ``St.``/``St`` and the
inverted ``…, City of`` form do not matter. A name is only ever matched among the levels of geography the caller
asks for (a district called *Preston* is not the parish of the same name), and a current area wins over one that
has ended. Every name that matches nothing, or more than one area, is returned in
:attr:`Resolution.unmatched` so that the load can report it; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb

#: Local authority districts and unitary authorities, the level most publishers' tables are by.
LOCAL_AUTHORITY_LEVELS = ("unitary-authority", "non-metropolitan-district", "metropolitan-district",
                          "london-borough", "council-area", "district")  # fmt: skip
#: Upper-tier authorities (counties as well as unitary, metropolitan and London authorities).
UPPER_TIER_LEVELS = (*LOCAL_AUTHORITY_LEVELS, "county")

_INVERTED = re.compile(r"^(?P<name>.+?),\s*(?P<kind>city of|county of|the)$")
_SAINT = re.compile(r"\bst\b\.?")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACE = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The form in which two spellings of one area's name compare equal.

    >>> name_key("KINGSTON UPON HULL, CITY OF") == name_key("City of Kingston upon Hull")
    True
    >>> name_key("St. Helens") == name_key("ST HELENS") == name_key("St Helens")
    True
    >>> name_key("Brighton & Hove") == name_key("Brighton and Hove")
    True
    >>> name_key("Ynys Môn")
    'ynys mon'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()
    text = _SPACE.sub(" ", text.replace("&", " and ").replace("’", "'")).strip()
    if m := _INVERTED.match(text):
        text = f"{m.group('kind')} {m.group('name')}"
    text = _SAINT.sub("st ", text)
    text = _NON_WORD.sub(" ", text.replace("'", ""))
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Entry:
    """One way an area is named: the name, the area's code and level, and whether the area has ended."""

    name: str
    code: str
    level: str
    ended: bool = False


@dataclass
class Resolution:
    """The result of resolving a list of names: codes for those that matched, and those that did not."""

    codes: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def message(self, file: str, what: str = "area names") -> str | None:
        """A sentence for the build summary naming every name that was not matched, or ``None``."""
        parts = []
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} {what} not in the area register, so not loaded: "
                         + "; ".join(repr(n) for n in self.unmatched))  # fmt: skip
        if self.ambiguous:
            parts.append(f"{len(self.ambiguous)} {what} matching more than one area, so not loaded: "
                         + "; ".join(f"{n!r} ({', '.join(c)})" for n, c in self.ambiguous.items()))  # fmt: skip
        return f"{file}: " + "; ".join(parts) if parts else None


class AreaNames:
    """An index of area names by :func:`name_key`, restricted to levels of geography when resolving."""

    def __init__(self, entries: Iterable[Entry]):
        self._by_key: dict[str, list[Entry]] = {}
        for e in entries:
            bucket = self._by_key.setdefault(name_key(e.name), [])
            if not any(x.code == e.code for x in bucket):
                bucket.append(e)

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> AreaNames:
        """Every registered area's name and every alias the register lists, from an open warehouse connection."""
        rows = con.execute(
            """SELECT name, code, level, end_year IS NOT NULL FROM areas
               WHERE level NOT IN ('lsoa', 'msoa', 'ward', 'parish', 'community')
               UNION ALL
               SELECT n.name, a.code, a.level, a.end_year IS NOT NULL FROM area_names n JOIN areas a ON a.code = n.code"""
        ).fetchall()
        return cls(Entry(n, c, lv, bool(ended)) for n, c, lv, ended in rows)

    def candidates(self, name: str, levels: Iterable[str]) -> list[Entry]:
        wanted = set(levels)
        found = [e for e in self._by_key.get(name_key(name), []) if e.level in wanted]
        current = [e for e in found if not e.ended]
        return current or found

    def resolve(self, name: str, levels: Iterable[str] = LOCAL_AUTHORITY_LEVELS) -> str | None:
        """The GSS code of the one area of the given levels with this name, else ``None``."""
        found = self.candidates(name, levels)
        return found[0].code if len(found) == 1 else None

    def resolve_all(self, names: Iterable[str], levels: Iterable[str] = LOCAL_AUTHORITY_LEVELS) -> Resolution:
        """Resolve every distinct name; those matching no area, or several, are listed rather than guessed."""
        levels = tuple(levels)
        out = Resolution()
        for name in dict.fromkeys(n for n in names if n is not None and str(n).strip()):
            found = self.candidates(name, levels)
            if len(found) == 1:
                out.codes[name] = found[0].code
            elif found:
                out.ambiguous[name] = sorted(e.code for e in found)
            else:
                out.unmatched.append(name)
        return out
