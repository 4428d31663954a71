"""MHCLG's Towns Fund grant awards, loaded as the allocations of the city region's Town Deals and Future High
Streets Fund places.

The file is the one MHCLG's Towns Fund post-award data store validates returns against
(``TF-grant-awarded.csv``: ``Index Code, RDEL, CDEL, Total`` in pounds; a Town Deal project per row, e.g.
``TD-RCN-03``, and a Future High Streets Fund place per row with its total only, e.g. ``HS-BIR``). RDEL is
revenue and CDEL capital. MHCLG publishes it only in that service's source repository, not as a GOV.UK CSV; its
codes name places, not towns, so the mapping below comes from the return template's place identifiers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select

from prosperity.errors import SourceError
from prosperity.programmes import model as m
from prosperity.programmes.importer import CellError, parse_money
from prosperity.programmes.store import ProgrammeStore

#: the publisher's own file (MHCLG's Towns Fund post-award data store, main branch)
LIVE_URL = ("https://raw.githubusercontent.com/communitiesuk/funding-service-design-post-award-data-store/main/"
            "data_store/validation/towns_fund/fund_specific_validation/resources/TF-grant-awarded.csv")  # fmt: skip
MIRROR_PATH = "programmes-towns-fund/TF-grant-awarded.csv"
SOURCE = "MHCLG, Towns Fund grant awarded per project and place (post-award data store, June 2025 update)"
LEAD = "Liverpool City Region Combined Authority area councils"


@dataclass(frozen=True)
class Place:
    code: str  # TD-RCN
    fund: str
    title: str
    lead: str  # the accountable council
    area_code: str  # its GSS code


#: The city region's Towns Fund places. HS-STH is Old Kent Road (Southwark), not St Helens, so it is not here.
PLACES = {p.code: p for p in (
    Place("TD-BIR", "towns-fund", "Birkenhead Town Deal", "Wirral Council", "E08000015"),
    Place("TD-RCN", "towns-fund", "Runcorn Town Deal", "Halton Borough Council", "E06000006"),
    Place("TD-STH", "towns-fund", "St Helens Town Deal", "St Helens Borough Council", "E08000013"),
    Place("TD-SOU", "towns-fund", "Southport Town Deal", "Sefton Council", "E08000014"),
    Place("HS-BIR", "future-high-streets-fund", "Birkenhead Future High Streets Fund", "Wirral Council", "E08000015"),
    Place("HS-NWF", "future-high-streets-fund", "New Ferry Future High Streets Fund", "Wirral Council", "E08000015"),
)}  # fmt: skip
_CODE = re.compile(r"^(TD|HS)-[A-Z]{3}(-\d{2})?$")


@dataclass
class AwardsLoaded:
    file: str
    sha256: str
    programmes: int
    projects: int
    allocations: int
    total_pence: int
    notes: list[str]


def read_awards(data: bytes, file: str,
                notes: list[tuple[str, str]] | None = None) -> list[tuple[str, int, int, int | None]]:
    """The rows ``(code, rdel, cdel, total)`` in pence; SourceError naming the row and column if one is bad.

    A blank cell is no amount (``None`` for a total, 0 for RDEL or CDEL, as MHCLG's own check reads them); a Town
    Deal total that is not RDEL plus CDEL is noted in ``notes`` (the file has a few), not fatal: allocations are
    checked against RDEL and CDEL.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{file}: not UTF-8 text ({e.reason})") from None
    reader = csv.DictReader(io.StringIO(text))
    want = ["Index Code", "RDEL", "CDEL", "Total"]
    if [h.strip() for h in (reader.fieldnames or [])] != want:
        raise SourceError(f"{file}, row 1: the header is {reader.fieldnames!r}; expected {want!r}")
    out = []
    for n, r in enumerate(reader, start=2):
        code = (r["Index Code"] or "").strip()
        if not _CODE.match(code):
            raise SourceError(f"{file}, row {n}, column 'Index Code': {code!r} is not a Towns Fund code "
                              "(TD-XXX-NN or HS-XXX)")
        vals: list[int | None] = []
        for col in ("RDEL", "CDEL", "Total"):
            cell = (r[col] or "").strip()
            try:
                vals.append(parse_money(cell) if cell else None)
            except CellError as e:
                raise SourceError(f"{file}, row {n}, column {col!r}: {e}") from None
        rdel, cdel, total = vals[0] or 0, vals[1] or 0, vals[2]
        if code.startswith("TD-") and rdel + cdel != total and notes is not None:
            shown = "blank" if total is None else f"£{total / 100:,.2f}"
            notes.append((code, f"{file}, row {n}, column 'Total': {code}'s total ({shown}) is not RDEL plus CDEL "
                         f"(£{(rdel + cdel) / 100:,.2f}); RDEL and CDEL are used"))  # fmt: skip
        out.append((code, rdel, cdel, total))
    return out


def awards_bytes(mirror: Path | None = None, file: Path | None = None) -> tuple[bytes, str]:
    """The awards file: a given file, the mirror's copy, or MHCLG's own file fetched live."""
    if file is not None:
        try:
            return file.read_bytes(), str(file)
        except OSError as e:
            raise SourceError(f"{file}: cannot read the Towns Fund awards ({e.strerror})") from None
    if mirror is not None:
        path = mirror / MIRROR_PATH
        try:
            return path.read_bytes(), MIRROR_PATH
        except OSError as e:
            raise SourceError(f"{path}: cannot read the Towns Fund awards ({e.strerror})") from None
    from prosperity.sources.live.client import PoliteClient, service_of

    with PoliteClient(service_of(LIVE_URL)) as client:
        return client.get(LIVE_URL), LIVE_URL


def load_awards(store: ProgrammeStore, data: bytes, file: str, *, places: dict[str, Place] | None = None,
                now: datetime | None = None) -> AwardsLoaded:  # fmt: skip
    """Create the places' programmes and projects (if new) and replace the allocations from this source.

    A Town Deal project gets a capital (CDEL) and a revenue (RDEL) allocation; a Future High Streets Fund place
    gets one programme-level total. Returns are never touched.
    """
    places = PLACES if places is None else places
    notes: list[tuple[str, str]] = []
    rows = read_awards(data, file, notes)
    sha = hashlib.sha256(data).hexdigest()
    when = now or datetime.now(UTC)
    n_prog = n_proj = n_alloc = total = 0
    with store.session() as s, s.begin():
        s.execute(delete(m.Allocation).where(m.Allocation.source == SOURCE))
        have_prog = {p.id for p in s.scalars(select(m.Programme))}
        have_proj = {p.id for p in s.scalars(select(m.Project))}
        for code, rdel, cdel, tot in rows:
            place = places.get(code[:6])
            if place is None:
                continue
            if place.code not in have_prog:
                s.add(m.Programme(id=place.code, fund_id=place.fund, title=place.title, lead_organisation=place.lead,
                                  area_code=place.area_code, status="implementation", source=SOURCE))  # fmt: skip
                have_prog.add(place.code)
                s.flush()
                n_prog += 1
            if code.startswith("TD-"):
                if code not in have_proj:
                    s.add(m.Project(id=code, programme_id=place.code, title=f"{place.title} project {code[-2:]}",
                                    delivery_organisation=place.lead, area_code=place.area_code,
                                    status="implementation", source=SOURCE))  # fmt: skip
                    have_proj.add(code)
                    s.flush()
                    n_proj += 1
                for etype, v in (("capital", cdel), ("revenue", rdel)):
                    s.add(m.Allocation(programme_id=place.code, project_id=code, expense_type=etype, amount_pence=v,
                                       source=SOURCE, source_sha256=sha, loaded_at=when))  # fmt: skip
                    n_alloc += 1
                total += rdel + cdel
            else:
                s.add(m.Allocation(programme_id=place.code, project_id=None, expense_type="total", amount_pence=tot or 0,
                                   source=SOURCE, source_sha256=sha, loaded_at=when))  # fmt: skip
                n_alloc += 1
                total += tot or 0
    ours = [text for code, text in notes if code[:6] in places]
    return AwardsLoaded(file, sha, n_prog, n_proj, n_alloc, total, ours)
