"""Area names as publishers write them → GSS codes, through the area register.

Some publishers name areas instead of coding them: Nomis's local area tables (``ladu:St. Helens``), Ofcom's
Connected Nations files (``ST. HELENS``), DESNZ and DfE workbooks (``Kingston upon Hull, City of``). The names
are resolved here against what the warehouse's reference datasets registered: every area's own name (ONS
geography, the local authority register) and the register's list of other names for each authority
(``local-authorities/lookup_name_to_registry.csv``: official names, former names such as *Shepway* for
Folkestone and Hythe, spellings such as *Rhondda Cynon Taff*).

Names are compared after :func:`name_key`: case, accents, punctuation, ``&``/``and``, ``St.``/``St`` and the
inverted ``…, City of`` form do not matter. A name is only ever matched among the levels of geography the caller
asks for (a district called *Preston* is not the parish of the same name). Where an authority's boundaries changed
and its code with them (Gateshead E08000020 → E08000037, East Hertfordshire E07000097 → E07000242, Glasgow City
S12000043 → S12000046 → S12000049), the register holds both codes under one name. A name is resolved to the code
current for the period of the figures it labels:

1. with a ``year``, a code whose start or end year (ONS's areas list records them for changes from 2022) puts it
   outside that year is not a candidate;
2. of the rest, a code in use wins over one that has ended (an end year, or a register row with an end date);
3. then the register's current code wins over codes it lists only as *former* GSS codes (codes "that apply to the
   former boundaries of a local authority"; the register gives no date for the change, so for a year with no
   recorded dates the current code is the one taken). Publishers that name areas serve a series on one
   geography: Nomis's local authority tables give every period on the boundaries of the download's geography
   type, not the boundaries of each year.

Every name that matches nothing, or more than one area after these rules, is returned in
:attr:`Resolution.unmatched` or :attr:`Resolution.ambiguous` so that the load can report it; nothing is guessed.
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
    #: the register lists this code only as a former code of an authority (its former boundaries)
    former: bool = False
    start_year: int | None = None
    end_year: int | None = None

    def in_use(self, year: int | None) -> bool:
        """Whether the code can label a figure for ``year`` (unknown start and end years do not rule it out)."""
        if year is None:
            return True
        return not ((self.start_year is not None and self.start_year > year)
                    or (self.end_year is not None and self.end_year < year))  # fmt: skip


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
        """Every registered area's name and every alias the register lists, from an open warehouse connection.

        The register's names of an authority are recorded against its current code only
        (:func:`prosperity.sources.geography.load_register`), so a code the register registered that no register
        name points to is one of its former codes.
        """
        rows = con.execute(
            """WITH named AS (SELECT DISTINCT code FROM area_names WHERE registered_by = 'local-authorities/register'),
                    a AS (SELECT code, name, level, start_year, end_year,
                                 registered_by = 'local-authorities/register' AND code NOT IN (SELECT code FROM named)
                                     AS former
                          FROM areas WHERE level NOT IN ('lsoa', 'msoa', 'ward', 'parish', 'community'))
               SELECT name, code, level, start_year, end_year, former FROM a
               UNION ALL
               SELECT n.name, a.code, a.level, a.start_year, a.end_year, a.former
               FROM area_names n JOIN a ON a.code = n.code"""
        ).fetchall()
        return cls(Entry(n, c, lv, end is not None, bool(former), start, end)
                   for n, c, lv, start, end, former in rows)  # fmt: skip

    def candidates(self, name: str, levels: Iterable[str], year: int | None = None) -> list[Entry]:
        """The areas of the given levels this name can mean for figures of ``year`` (see the module's rules)."""
        wanted = set(levels)
        found = [e for e in self._by_key.get(name_key(name), []) if e.level in wanted]
        if year is not None:
            found = [e for e in found if e.in_use(year)]
        current = [e for e in found if not e.ended] or found
        return [e for e in current if not e.former] or current

    def resolve(self, name: str, levels: Iterable[str] = LOCAL_AUTHORITY_LEVELS, year: int | None = None) -> str | None:
        """The GSS code of the one area of the given levels with this name (for figures of ``year``), else ``None``."""
        found = self.candidates(name, levels, year)
        return found[0].code if len(found) == 1 else None

    def resolve_all(self, names: Iterable[str], levels: Iterable[str] = LOCAL_AUTHORITY_LEVELS,
                    year: int | None = None) -> Resolution:  # fmt: skip
        """Resolve every distinct name; those matching no area, or several, are listed rather than guessed."""
        levels = tuple(levels)
        out = Resolution()
        for name in dict.fromkeys(n for n in names if n is not None and str(n).strip()):
            found = self.candidates(name, levels, year)
            if len(found) == 1:
                out.codes[name] = found[0].code
            elif found:
                out.ambiguous[name] = sorted(e.code for e in found)
            else:
                out.unmatched.append(name)
        return out
