"""Geography: every area with its code, name and level, the hierarchy, statistical neighbours and boundaries.

Three reference datasets:

- ``geography/ons-els``: the ONS Explore Local Statistics app's geography (areas list with start and end years,
  each area's level, parents and children, ONS's 20 most similar local authorities by three measures, and the
  simplified 2025 boundaries as TopoJSON);
- ``local-authorities/register``: mySociety's register of UK local authorities, which also lists former GSS
  codes and maps GSS codes to the three-letter register codes other mySociety data use;
- ``regional-accounts/sic2007``: the UK SIC 2007 hierarchy (sections, divisions, groups, classes and subclasses
  with their names), to label industries. Live, from ONS's own "UK SIC 2007 summary of structure" workbook on the
  classification's page (:data:`SIC_PAGE`), which a mirror may also hold; the mirror's other file is an analyst's
  compilation of it (DanOlner/RegionalEconomicTools' ``SIClookup.csv``), read from the mirror only.

The project's own short list of GSS codes used by ONS files but absent from these registers (Great Britain,
England and Wales, Welsh city regions and so on) is in ``geography/supplementary_areas.csv``.
"""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.warehouse.loading import LoadContext, level_of_code

ELS_APP = "https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-app/main"
MYSOCIETY = "https://raw.githubusercontent.com/mysociety/uk_local_authority_names_and_codes/main/data"
REGIONAL_TOOLS = "https://raw.githubusercontent.com/DanOlner/RegionalEconomicTools/main/data"
SIC_PAGE = ("https://www.ons.gov.uk/methodology/classificationsandstandards/"
            "ukstandardindustrialclassificationofeconomicactivities/uksic2007")  # fmt: skip
#: ONS's structure workbook: its whole file name (case-insensitive), and where the raw cache (or a mirror) keeps it.
SIC_FILE = r"publisheduksicsummaryofstructureworksheet\.xlsx"
SIC_CACHE = "regional-accounts/publisheduksicsummaryofstructureworksheet.xlsx"
SIC_SHEET = "reworked structure"

NEIGHBOUR_KINDS = ("global", "economic", "demographic")


def _els_geography() -> Dataset:
    files = [
        FileRef("geography/areas-list.json", f"{ELS_APP}/src/lib/data/areas-list.json"),
        FileRef("geography/geo-metadata.json", f"{ELS_APP}/src/lib/data/geo-metadata.json"),
        FileRef("geography/topo.json", f"{ELS_APP}/src/lib/data/topo.json"),
        FileRef("geography/clusters/cluster-allocation.csv",
                f"{ELS_APP}/scripts/config/clusters/cluster-allocation.csv"),
        FileRef("geography/clusters/cluster-descriptions.json",
                f"{ELS_APP}/scripts/config/clusters/cluster-descriptions.json", "metadata"),
    ] + [
        FileRef(f"geography/clusters/{k}-neighbours.csv", f"{ELS_APP}/scripts/config/clusters/{k}-neighbours.csv")
        for k in NEIGHBOUR_KINDS
    ]  # fmt: skip
    return Dataset(
        id="geography/ons-els",
        source="ons-geography",
        title="Areas, hierarchy, statistical neighbours and boundaries (ONS Explore Local Statistics)",
        publisher="Office for National Statistics",
        files=tuple(files),
        load=load_els_geography,
        kind="reference",
        order=10,
        publisher_url="https://geoportal.statistics.gov.uk/",
    )


def _register() -> Dataset:
    return Dataset(
        id="local-authorities/register",
        source="mysociety-la-register",
        title="Register of UK local authorities (mySociety)",
        publisher="mySociety",
        files=(
            FileRef("local-authorities/uk_local_authorities_current.csv",
                    f"{MYSOCIETY}/uk_local_authorities_current.csv"),
            FileRef("local-authorities/lookup_gss_to_registry.csv", f"{MYSOCIETY}/lookup_gss_to_registry.csv"),
            FileRef("local-authorities/lookup_name_to_registry.csv", f"{MYSOCIETY}/lookup_name_to_registry.csv"),
        ),  # fmt: skip
        load=load_register,
        kind="reference",
        order=20,
        publisher_url="https://github.com/mysociety/uk_local_authority_names_and_codes",
    )


def _sic(ref: FileRef | None = None) -> Dataset:
    """ONS's structure workbook (``ref``, live or in a mirror), else the mirror's analyst's compilation."""
    if ref is not None:
        return Dataset(id="regional-accounts/sic2007", source="ons-sic2007",
                       title="UK Standard Industrial Classification 2007: summary of structure",
                       publisher="Office for National Statistics", files=(ref,), load=load_sic_structure,
                       kind="reference", order=30, publisher_url=SIC_PAGE)  # fmt: skip
    return Dataset(
        id="regional-accounts/sic2007",
        source="ons-sic2007",
        title="Standard Industrial Classification 2007 hierarchy",
        publisher="Office for National Statistics (as compiled by an analyst)",
        files=(FileRef("regional-accounts/SIClookup.csv", f"{REGIONAL_TOOLS}/SIClookup.csv"),),
        load=load_sic,
        kind="reference",
        order=30,
        publisher_url=SIC_PAGE,
    )


def discover(mirror: Path | None) -> Discovery:
    from prosperity.sources.live.base import LiveFileRef
    from prosperity.sources.live.ons_page_file import OnsPageFileFetcher

    if mirror is None:  # live: ONS's own structure workbook, never the analyst's compilation
        live = LiveFileRef(SIC_CACHE, SIC_PAGE, fetcher=OnsPageFileFetcher(SIC_PAGE, SIC_FILE))
        return Discovery(datasets=[_els_geography(), _register(), _sic(live)])
    publisher = (mirror / SIC_CACHE).is_file()
    found = Discovery(datasets=[_els_geography(), _register(), _sic(FileRef(SIC_CACHE, SIC_PAGE) if publisher
                                                                    else None)])  # fmt: skip
    if publisher and (mirror / "regional-accounts/SIClookup.csv").is_file():
        found.ignored.append(("regional-accounts/SIClookup.csv", "an analyst's compilation of ONS's SIC 2007 "
                              "structure workbook, which is loaded instead"))  # fmt: skip
    for name in ("lookup_lsoa_to_registry.csv", "uk_local_authorities_current.json"):
        found.ignored.append((f"local-authorities/{name}", "not needed: the register CSV and GSS lookup carry "
                              "the same codes, and LSOAs come from the IoD files"))  # fmt: skip
    return found


def _rows(ctx: LoadContext, ref: FileRef, required: list[str]) -> list[dict[str, str]]:
    raw = ctx.path(ref).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # some publishers' CSVs are in Windows-1252
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(ctx.name(ref), f"missing column(s) {', '.join(missing)}", row=1)
    rows = list(reader)
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise ValidationError(ctx.name(ref), "wrong number of fields; is the file truncated?", row=i)
    return rows


def _year_of(value: object) -> int | None:
    """A start or end year as geo-metadata gives it (an integer year), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200 else None


def load_els_geography(ctx: LoadContext) -> None:
    files = {f.path.rsplit("/", 1)[-1]: f for f in ctx.dataset.files}
    areas_list = ctx.read_json(files["areas-list.json"])
    meta = ctx.read_json(files["geo-metadata.json"])
    try:
        codes, names, parents = areas_list["areacd"], areas_list["areanm"], areas_list["parentcd"]
        starts, ends = areas_list.get("start") or {}, areas_list.get("end") or {}
    except (KeyError, TypeError):
        raise ValidationError(ctx.name(files["areas-list.json"]),
                              "expected an object with lists 'areacd', 'areanm' and 'parentcd'") from None  # fmt: skip
    if not (len(codes) == len(names) == len(parents)):
        raise ValidationError(ctx.name(files["areas-list.json"]), "'areacd', 'areanm' and 'parentcd' differ in length")
    areas: dict[str, tuple] = {}
    edges: set[tuple[str, str, int]] = set()
    for i, (code, name, parent) in enumerate(zip(codes, names, parents, strict=True)):
        level = level_of_code(code)
        start, end = starts.get(str(i)), ends.get(str(i))
        areas[code] = (code, name, level, start, end, ctx.dataset.id)
        if parent:
            edges.add((code, parent, 1))
    for code, item in meta.items():
        level = level_of_code(code)
        prev = areas.get(code)
        # the areas list's years first; geo-metadata gives them too for codes the list no longer holds (Fife's
        # S12000015, ended 2017), which is what tells a name's old code from its new one
        start = prev[3] if prev and prev[3] is not None else _year_of(item.get("start"))
        end = prev[4] if prev and prev[4] is not None else _year_of(item.get("end"))
        areas[code] = (code, item.get("areanm") or (prev[1] if prev else code), level, start, end,
                       ctx.dataset.id)  # fmt: skip
        for depth, parent in enumerate(item.get("parents") or [], start=1):
            edges.add((code, parent, depth))
    ctx.write_reference("areas", ["code", "name", "level", "start_year", "end_year", "registered_by"],
                        list(areas.values()))  # fmt: skip
    ctx.write_reference("area_parents", ["child", "parent", "depth", "registered_by"],
                        [(c, p, d, ctx.dataset.id) for c, p, d in sorted(edges)])  # fmt: skip
    neighbours = []
    for kind in NEIGHBOUR_KINDS:
        ref = files[f"{kind}-neighbours.csv"]
        for row in _rows(ctx, ref, ["AREACD"]):
            for rank in range(1, 21):
                n = row.get(str(rank))
                if n:
                    neighbours.append((row["AREACD"], kind, rank, n))
    ctx.write_reference("area_neighbours", ["area_code", "kind", "rank", "neighbour_code"], neighbours)
    descriptions = ctx.read_json(files["cluster-descriptions.json"])
    clusters = []
    for row in _rows(ctx, files["cluster-allocation.csv"], ["AREACD", "Global", "Economic", "Demographic"]):
        for kind in NEIGHBOUR_KINDS:
            c = row[kind.capitalize()]
            clusters.append((row["AREACD"], kind, c, (descriptions.get(kind) or {}).get(c.lower())))
    ctx.write_reference("area_clusters", ["area_code", "kind", "cluster", "description"], clusters)
    doc = ctx.read_json(files["topo.json"])
    if doc.get("type") != "Topology" or "objects" not in doc:
        raise ValidationError(ctx.name(files["topo.json"]), "expected a TopoJSON Topology with 'objects'")
    ctx.write_reference("documents", ["name", "registered_by", "media_type", "content"],
                        [("boundaries", ctx.dataset.id, "application/topo+json", json.dumps(doc))])  # fmt: skip
    ctx.metadata = {"levels": sorted({a[2] for a in areas.values()}), "areas": len(areas),
                    "boundary_objects": sorted(doc["objects"])}  # fmt: skip


def load_register(ctx: LoadContext) -> None:
    reg, lookup, names = ctx.dataset.files
    rows = _rows(ctx, reg, ["local-authority-code", "official-name", "nice-name", "gss-code", "former-gss-codes",
                            "end-date"])  # fmt: skip
    areas = []
    gss_of = {r["local-authority-code"]: r["gss-code"].strip() for r in rows if r["gss-code"].strip()}
    # Other names of each authority (official names, former names, other spellings), for files that name areas.
    aliases: set[tuple[str, str]] = set()
    for row in rows:
        if row["gss-code"].strip():
            aliases.add((row["official-name"].strip(), row["gss-code"].strip()))
    for row in _rows(ctx, names, ["la-name", "local-authority-code"]):
        if (code := gss_of.get(row["local-authority-code"])) and row["la-name"].strip():
            aliases.add((row["la-name"].strip(), code))
    ctx.write_reference("area_names", ["name", "code", "registered_by"],
                        [(n, c, ctx.dataset.id) for n, c in sorted(aliases)])  # fmt: skip
    for row in rows:
        gss = row["gss-code"].strip()
        if gss:
            end = row["end-date"][:4]
            areas.append((gss, row["nice-name"], level_of_code(gss), None, int(end) if end else None, ctx.dataset.id))
        for old in filter(None, (c.strip() for c in row["former-gss-codes"].split(","))):
            areas.append((old, row["nice-name"], level_of_code(old), None, None, ctx.dataset.id))
    ctx.write_reference("areas", ["code", "name", "level", "start_year", "end_year", "registered_by"], areas)
    codes = [(r["gss-code"], r["local-authority-code"]) for r in _rows(ctx, lookup, ["gss-code", "local-authority-code"])]
    ctx.metadata = {"authorities": len(rows), "gss_to_register_codes": len(codes), "other_names": len(aliases)}


def load_sic(ctx: LoadContext) -> None:
    (ref,) = ctx.dataset.files
    rows = _rows(ctx, ref, ["SIC_2DIGIT_CODE", "SIC_2DIGIT_NAME", "SIC_SECTION_LETTER", "SIC_SECTION_NAME",
                            "SIC_5DIGIT_CODE", "SIC_5DIGIT_NAME"])  # fmt: skip
    out: dict[tuple[str, str], tuple] = {}
    for r in rows:
        sec, secname = r["SIC_SECTION_LETTER"], r["SIC_SECTION_NAME"]
        out[("section", sec)] = (sec, "section", secname, sec, secname)
        out[("division", r["SIC_2DIGIT_CODE"])] = (r["SIC_2DIGIT_CODE"], "division",
                                                   r["SIC_2DIGIT_NAME"].split(" : ", 1)[-1], sec, secname)
        out[("subclass", r["SIC_5DIGIT_CODE"])] = (r["SIC_5DIGIT_CODE"], "subclass",
                                                   r["SIC_5DIGIT_NAME"].split(" : ", 1)[-1], sec, secname)
    ctx.write_reference("sic2007", ["code", "level", "name", "section", "section_name"], list(out.values()))
    ctx.metadata = {"codes": len(out)}


def supplementary_areas() -> list[tuple[str, str, str]]:
    """GSS codes ONS files use that the registers above lack, as (code, name, level)."""
    text = resources.files("prosperity.geography").joinpath("supplementary_areas.csv").read_text(encoding="utf-8")
    return [(r["code"], r["name"], r["level"]) for r in csv.DictReader(text.splitlines())]



#: Levels of UK SIC 2007 by the number of digits of a code (dots and slashes aside): 01, 01.1, 01.11, 01.11/1.
SIC_LEVELS = {2: "division", 3: "group", 4: "class", 5: "subclass"}
_WIDTH = {v: k for k, v in SIC_LEVELS.items()}
_SECTION = re.compile(r"(?:SECTION\s+)?([A-U])", re.IGNORECASE)
#: A level's name as a "Level headings" cell may give it (the subclass pattern before the class one).
_NAMED = [("section", re.compile(r"section", re.I)), ("division", re.compile(r"division", re.I)),
          ("group", re.compile(r"group", re.I)), ("subclass", re.compile(r"sub[\s-]*class", re.I)),
          ("class", re.compile(r"class", re.I))]  # fmt: skip


def sic_level(code: str, heading: str = "") -> tuple[str, str] | None:
    """(level, code as the warehouse keeps it: a section letter or digits only) of a UK SIC 2007 code, else None.
    The level is the one ``heading`` (a row's "Level headings" cell) names, if it names one, the code's leading
    zeros restored to that level's width; otherwise the code's number of digits says it.

    >>> sic_level("A"), sic_level("01"), sic_level("01.1"), sic_level("01110"), sic_level("01.11/1"), sic_level("x1")
    (('section', 'A'), ('division', '01'), ('group', '011'), ('subclass', '01110'), ('subclass', '01111'), None)
    >>> sic_level("1110", "Sub Class"), sic_level("1", "Division"), sic_level("01110", "Class")
    (('subclass', '01110'), ('division', '01'), None)
    """
    code = code.strip()
    named = next((lv for lv, p in _NAMED if p.search(heading)), None)
    if len(code) == 1 and code.isalpha():
        return ("section", code.upper()) if _SECTION.fullmatch(code) and named in (None, "section") else None
    digits = code.replace(".", "").replace("/", "")
    if not digits.isdigit():
        return None
    if named in _WIDTH:
        return (named, digits.zfill(_WIDTH[named])) if len(digits) <= _WIDTH[named] else None
    if named is not None or len(digits) not in SIC_LEVELS:
        return None
    return SIC_LEVELS[len(digits)], digits


def load_sic_structure(ctx: LoadContext) -> None:
    """ONS's "UK SIC 2007 summary of structure" workbook: the sheet ``reworked structure``, one row per code of
    every level, with (at least) the columns ``SECTION``, ``Description`` and ``Most disaggregated level`` (the
    row's own code). The header row is found by those headings, not by its position.

    The layout is as public code reading this exact file relies on (ONSdigital's SIC classification utilities
    read the sheet ``reworked structure`` with columns ``Description``, ``SECTION``, ``Most disaggregated level``
    and ``Level headings``); it has not been checked against the publisher's file here."""
    from prosperity.sources.live.base import read_provenance
    from prosperity.sources.workbooks import cell_text, read_workbook

    (ref,) = ctx.dataset.files
    read_provenance(ctx, ref)
    name = ctx.name(ref)
    sheets = read_workbook(ctx.path(ref), name, lambda s: s.strip().lower() == SIC_SHEET)
    if not sheets:
        raise ValidationError(name, f"no sheet named {SIC_SHEET!r} (ONS's UK SIC 2007 summary of structure)")
    (sheet, data), = sheets.items()
    where = f"{name} [{sheet}]"
    need = ("section", "description", "most disaggregated level")
    h = next((i for i, r in enumerate(data) if {cell_text(c).lower() for c in r} >= set(need)), None)
    if h is None:
        raise ValidationError(where, "no header row: expected a row with the columns 'SECTION', 'Description' and "
                              "'Most disaggregated level'")  # fmt: skip
    head = [cell_text(c).lower() for c in data[h]]
    sec_col, desc_col, code_col = (head.index(c) for c in need)
    lvl_col = head.index("level headings") if "level headings" in head else None
    out: dict[tuple[str, str], tuple] = {}
    names: dict[str, str] = {}
    section = ""
    pending: list[tuple[str, str, str, str]] = []
    for n, r in enumerate(data[h + 1:], start=h + 2):
        r = tuple(int(c) if isinstance(c, float) and c.is_integer() else c for c in r)
        cells = [cell_text(c) for c in r] + [""] * (max(sec_col, desc_col, code_col, lvl_col or 0) + 1 - len(r))
        code, desc = cells[code_col], " ".join(cells[desc_col].split())
        heading = cells[lvl_col] if lvl_col is not None else ""
        if sec := _SECTION.fullmatch(cells[sec_col]):
            section = sec.group(1).upper()
        if not code and not desc:
            continue
        if not code and sec:
            code = section  # a section's row may give its letter only in the SECTION column
        level = sic_level(code, heading)
        if level is None:
            raise ValidationError(where, f"{code!r} is not a UK SIC 2007 code" + (f" of the level {heading!r}"
                                  if heading else ""), row=n, column="Most disaggregated level")  # fmt: skip
        numeric = code_col < len(r) and isinstance(r[code_col], int | float)
        if numeric and not any(p.search(heading) for _lv, p in _NAMED):
            raise ValidationError(where, f"code {code} is a number, so its leading zeros may have been lost, and "
                                  "no 'Level headings' cell says its level", row=n,
                                  column="Most disaggregated level")  # fmt: skip
        if not desc:
            raise ValidationError(where, f"code {code!r} has no description", row=n, column="Description")
        if level[0] == "section":
            section = level[1]
            names[section] = desc
        if not section:
            raise ValidationError(where, f"code {code!r} comes before any section", row=n, column="SECTION")
        pending.append((level[1], level[0], desc, section))
    for code, level, desc, sec in pending:
        out[(level, code)] = (code, level, desc, sec, names.get(sec))
    if not any(k[0] == "section" for k in out) or not any(k[0] == "division" for k in out):
        raise ValidationError(where, "no sections or no divisions found under the header row (is the file "
                              "truncated?)")  # fmt: skip
    ctx.write_reference("sic2007", ["code", "level", "name", "section", "section_name"], list(out.values()))
    ctx.metadata.update({"codes": len(out), "sheet": sheet,
                         "levels": {lv: sum(1 for k in out if k[0] == lv) for lv in ("section", *SIC_LEVELS.values())}})
