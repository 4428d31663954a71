"""Nomis (ONS labour market statistics, https://www.nomisweb.co.uk/api/v01): client and datasets.

Protocol (see ``../shared/data/LIVE-APIS.md`` §2.1; nomisr and UKCensusAPI speak the same):

- data: ``GET /api/v01/dataset/{ID}.data.csv?geography=…&date=…&{dimension}=…&measures=…&select=…``. CSV columns
  are upper case; ``select=`` fixes them, and ``record_count`` is always selected so that paging can be checked;
- paging: a guest gets at most 25,000 rows a request; further pages are asked with ``recordoffset=N`` until
  ``RECORD_COUNT`` rows have arrived. A page boundary exactly at the end asks nothing more; a page that comes back
  empty early, a count that changes between pages, or columns that change, end the fetch with a message;
- codes: ``GET /api/v01/dataset/{ID}/{dimension}.def.sdmx.json`` lists a dimension's codes
  (``structure.codelists.codelist[].code[]`` with ``value`` and ``description.value``); a dataset can name the
  variables it wants by their Nomis names, and they are resolved to codes here;
- key: an optional API key (``uid=0x…``) from the environment variable ``NOMIS_API_KEY``; never logged or stored.

Datasets (geography by GSS code: every local authority, the combined authority and England):

- ``nomis/aps`` — Annual Population Survey ``NM_17_5``, 12-month periods a year apart for 12 years: employment
  rate, level 4+ qualifications (NVQ4+ to 2021 and RQF4+ from 2022 kept apart: a series break), RQF2+ and RQF1+,
  inactivity through long-term sickness, work-limiting disability, employment rates of ethnic minority and disabled
  residents; each with its 95% interval and its numerator and denominator;
- ``nomis/bres`` — Business Register and Employment Survey ``NM_189_1``: employment by SIC 2007 section, 10 years;
- ``nomis/population`` — mid-year population estimates ``NM_2002_1``, all ages, 11 years.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prosperity.sources.base import Dataset, Discovery
from prosperity.sources.live.base import LiveFileRef, Session, missing_without_fetch, read_provenance
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient, _full
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

BASE = "https://www.nomisweb.co.uk/api/v01"
PUBLISHER = "Office for National Statistics (Nomis)"
SOURCE = "nomis"


class NomisClient:
    """Nomis data and code lists through a :class:`PoliteClient`, with ``recordoffset`` paging.

    :param api_key: the ``uid`` to send, if any (read from the environment by :func:`api_key_from_env`)
    :param base: the API's root (tests point it at a server on loopback)
    """

    def __init__(self, polite: PoliteClient | None, api_key: str | None = None, base: str = BASE,
                 settings: LiveSettings | None = None):  # fmt: skip
        self.polite = polite  # None: only plans (``--dry-run``), sends nothing
        self.api_key = api_key or None
        self.base = base.rstrip("/")
        self.settings = settings or (polite.settings if polite else LiveSettings.from_env())

    def data_url(self, dataset: str) -> str:
        return f"{self.base}/dataset/{dataset}.data.csv"

    def codelist_url(self, dataset: str, dimension: str) -> str:
        return f"{self.base}/dataset/{dataset}/{dimension}.def.sdmx.json"

    def codes(self, dataset: str, dimension: str) -> dict[str, str]:
        """A dimension's codes by name: ``{"Employment rate - aged 16-64": "45", …}``."""
        url = self.codelist_url(dataset, dimension)
        doc = self._polite().get_json(url, self._key())
        try:
            lists = doc["structure"]["codelists"]["codelist"]  # type: ignore[index]
            if isinstance(lists, dict):
                lists = [lists]
            out = {}
            for cl in lists:
                for code in cl.get("code", []):
                    desc = code.get("description", {})
                    name = desc.get("value") if isinstance(desc, dict) else desc
                    out[str(name).strip()] = str(code["value"])
        except (KeyError, TypeError, AttributeError) as e:
            raise LiveFetchError(url, f"the code list is not in the documented SDMX JSON shape "
                                 f"(structure.codelists.codelist[].code[]): missing {e}") from None  # fmt: skip
        return out

    def _polite(self) -> PoliteClient:
        if self.polite is None:
            raise RuntimeError("this NomisClient only plans requests")
        return self.polite

    def _key(self) -> dict[str, str]:
        return {"uid": self.api_key} if self.api_key else {}

    def fetch_csv(self, dataset: str, params: dict[str, str], out: IO[bytes]) -> dict[str, Any]:
        """Every row of a query, page by page, written to ``out`` as one CSV with one header.

        Returns what happened: rows, pages, the record count, and the first page's URL (without the key).
        """
        s = self.settings
        page = int(s.nomis_page_size)
        params = dict(params)
        select = [c.strip() for c in params.get("select", "").split(",") if c.strip()]
        if select and "record_count" not in {c.lower() for c in select}:
            params["select"] = ",".join([*select, "record_count"])
        url = self.data_url(dataset)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, lineterminator="\n")
        header: list[str] | None = None
        total: int | None = None
        written = 0
        offset = 0
        pages = 0
        shown = ""
        try:
            while True:
                pages += 1
                if pages > s.nomis_max_pages:
                    raise LiveFetchError(shown, f"more than {s.nomis_max_pages} pages (PROSPERITY_NOMIS_MAX_PAGES) "
                                         "without reaching RECORD_COUNT; stopped")  # fmt: skip
                p = dict(params)
                if offset:
                    p["recordoffset"] = str(offset)
                shown = _full(url, p)
                body = self._polite().get(url, {**p, **self._key()})
                rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
                if not rows:
                    raise LiveFetchError(shown, "the response is empty; expected a CSV header")
                head, data = [h.strip().upper() for h in rows[0]], [r for r in rows[1:] if r]
                if header is None:
                    if "RECORD_COUNT" not in head:
                        raise LiveFetchError(shown, "the response has no RECORD_COUNT column, so its rows cannot be "
                                             f"paged; it begins {body[:120]!r}")  # fmt: skip
                    header = head
                    writer.writerow(header)
                elif head != header:
                    raise LiveFetchError(shown, f"the columns changed between pages ({header} then {head})")
                rc = header.index("RECORD_COUNT")
                if data:
                    try:
                        count = int(data[0][rc])
                    except (ValueError, IndexError):
                        raise LiveFetchError(shown, f"RECORD_COUNT {data[0][rc:rc + 1]} is not a number") from None
                    if total is None:
                        total = count
                        if total > page * s.nomis_max_pages:
                            raise LiveFetchError(shown, f"the query has {total:,} rows, more than "
                                                 f"{s.nomis_max_pages} pages of {page:,}; narrow it")  # fmt: skip
                    elif count != total:
                        raise LiveFetchError(shown, f"RECORD_COUNT changed from {total:,} to {count:,} while paging "
                                             "(the dataset was updated); fetch again")  # fmt: skip
                elif total is None:
                    raise LiveFetchError(shown, "the query matched no rows; check its codes and dates")
                else:
                    raise LiveFetchError(shown, f"a page came back empty after {written:,} of {total:,} rows")
                if len(data) > total - written:
                    raise LiveFetchError(shown, f"more rows than RECORD_COUNT ({written + len(data):,} > {total:,})")
                writer.writerows(data)
                written += len(data)
                offset += len(data)
                if written >= total:
                    break
        finally:
            text.flush()
            text.detach()
        return {"rows": written, "pages": pages, "record_count": total,
                "request": _full(url, params), "dataset": dataset}  # fmt: skip

    def plan(self, dataset: str, params: dict[str, str], resolve: str = "") -> list[str]:
        s = self.settings
        lines = []
        if resolve:
            lines.append(f"GET {self.codelist_url(dataset, resolve.split(':')[0])}"
                         f"{'?uid=<key>' if self.api_key else ''}   # codes of {resolve.split(':', 1)[1]}")
        p = dict(params)
        sel = p.get("select", "")
        if sel and "record_count" not in sel:
            p["select"] = sel + ",record_count"
        key = "&uid=<key>" if self.api_key else ""
        lines.append(f"GET {_full(self.data_url(dataset), p)}{key}")
        page = int(s.nomis_page_size)
        lines.append(f"  … then the same with &recordoffset={page}, {2 * page}, … while rows remain of "
                     f"RECORD_COUNT (pages of {page:,}; at most {s.nomis_max_pages} pages)")  # fmt: skip
        return lines


def api_key_from_env(settings: LiveSettings) -> str | None:
    return os.environ.get(settings.nomis_api_key_env) or None


@dataclass(frozen=True)
class NomisFetcher:
    """One Nomis query, with some codes of one dimension named rather than numbered."""

    dataset: str
    params: tuple[tuple[str, str], ...]
    dimension: str = ""  # e.g. "variable": codes of this dimension ...
    codes: tuple[str, ...] = ()  # ... given as numbers
    names: tuple[str, ...] = ()  # ... and as Nomis names, resolved through the code list
    base: str = BASE

    def _client(self, polite: PoliteClient) -> NomisClient:
        base = polite.settings.nomis_base if self.base == BASE else self.base
        return NomisClient(polite, api_key_from_env(polite.settings), base)

    def _params(self, settings: LiveSettings, codes: list[str]) -> dict[str, str]:
        p = {"geography": settings.nomis_geography}
        p.update(self.params)
        if self.dimension:
            p[self.dimension] = ",".join(codes)
        return p

    def plan(self, settings: LiveSettings) -> list[str]:
        key = api_key_from_env(settings)
        client = NomisClient(None, key, self.base, settings)
        shown = [*self.codes, *(["<codes found above>"] if self.names else [])]
        resolve = f"{self.dimension}:" + "; ".join(repr(n) for n in self.names) if self.names else ""
        lines = client.plan(self.dataset, self._params(settings, shown), resolve)
        return [ln.replace("%3Ccodes+found+above%3E", "<codes found above>") for ln in lines]

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        client = self._client(session.polite("nomis"))
        codes = list(self.codes)
        resolved: dict[str, str] = {}
        unresolved: list[str] = []
        if self.names:
            known = client.codes(self.dataset, self.dimension)
            folded = {k.casefold(): v for k, v in known.items()}
            for name in self.names:
                code = folded.get(name.casefold())
                if code is None:
                    unresolved.append(name)
                else:
                    resolved[name] = code
                    if code not in codes:
                        codes.append(code)
        info = client.fetch_csv(self.dataset, self._params(client.settings, codes), out)
        info["resolved"] = resolved
        info["unresolved"] = unresolved
        return info


# ---- periods -------------------------------------------------------------------------------------------------
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"], start=1)}  # fmt: skip
_SPAN = re.compile(r"^([A-Za-z]{3})\w* (\d{4}) ?- ?([A-Za-z]{3})\w* (\d{4})$")


def nomis_period(name: str, mid_year: bool = False) -> str:
    """An ISO 8601 period from a Nomis ``DATE_NAME``.

    >>> nomis_period("Jan 2023-Dec 2023")
    '2023-01-01/P1Y'
    >>> nomis_period("Oct 2022-Sep 2023")
    '2022-10-01/P1Y'
    >>> nomis_period("2023", mid_year=True)
    '2023-06-30'
    """
    text = name.strip()
    if m := _SPAN.match(text):
        a, b = _MONTHS.get(m.group(1).lower()), _MONTHS.get(m.group(3).lower())
        if a and b:
            months = (int(m.group(4)) - int(m.group(2))) * 12 + b - a + 1
            start = f"{m.group(2)}-{a:02d}-01"
            return f"{start}/P{months // 12}Y" if months % 12 == 0 else f"{start}/P{months}M"
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-06-30" if mid_year else text
    return text  # validation names the row if this is not a period


def _stage_periods(ctx: LoadContext, mid_year: bool = False) -> None:
    names = [r[0] for r in ctx.con.execute("SELECT DISTINCT DATE_NAME FROM raw").fetchall()]
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE nomis_periods (date_name TEXT, period TEXT)")
    ctx.con.executemany("INSERT INTO nomis_periods VALUES (?, ?)",
                        [(n, nomis_period(n or "", mid_year)) for n in names])  # fmt: skip


def _read(ctx: LoadContext, required: list[str]) -> None:
    ref = ctx.dataset.main_file
    read_provenance(ctx, ref)
    header = ctx.read_csv(ref, "raw")
    LoadContext.check_columns(ctx.name(ref), header, required, [h for h in header if h not in required])


def _set_aside_unknown_areas(ctx: LoadContext) -> None:
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)",
                        "rows for areas not in the area register (former or non-GSS geographies)")  # fmt: skip


# ---- Annual Population Survey ----------------------------------------------------------------------------------
APS_PARAMS = (
    ("date", ",".join([f"latestMINUS{n}" for n in range(44, 0, -4)] + ["latest"])),
    ("measures", "20599,21001,21002,21003"),
    ("select", "date,date_name,geography_code,geography_name,variable,variable_name,measures,measures_name,"
               "obs_value,obs_status_name"),
)  # fmt: skip

# Variables by code: (indicator id, breakdown, label, unit, polarity-free description)
APS_BY_CODE: dict[str, tuple[str, str]] = {
    "45": ("aps-employment-rate-16-64", ""),
    "1902": ("aps-level-4-plus-qualifications", ""),
    "290": ("aps-level-4-plus-qualifications", "NVQ4+ (to 2021)"),
}
APS_BY_NAME: dict[str, tuple[str, str]] = {
    "% with RQF2+ - aged 16-64": ("aps-level-2-plus-qualifications", ""),
    "% with RQF1+ - aged 16-64": ("aps-level-1-plus-qualifications", ""),
    "% of economically inactive who are long-term sick": ("aps-inactive-long-term-sick", ""),
    "% aged 16-64 who are EA core or work-limiting disabled": ("aps-work-limiting-disabled-16-64", ""),
    "Employment rate - ethnic minority - aged 16-64": ("aps-employment-rate-ethnic-minority-16-64", ""),
    "Employment rate females - aged 16-64": ("aps-employment-rate-women-16-64", ""),
    "Employment rate - aged 16-64 - Equality Act core or work-limiting disabled":
        ("aps-employment-rate-disabled-16-64", ""),
}  # fmt: skip
APS_META: dict[str, tuple[str, str, str]] = {
    "aps-employment-rate-16-64": ("Employment rate, aged 16 to 64", "% aged 16 to 64",
                                  "Residents aged 16 to 64 in employment as a share of all residents aged 16 to 64."),
    "aps-level-4-plus-qualifications": (
        "Residents qualified to level 4 or above, aged 16 to 64", "% aged 16 to 64",
        "RQF level 4 or above (degree level) from January–December 2022 (variable 1902). Breakdown "
        "'NVQ4+ (to 2021)' holds the NVQ-based series (variable 290) up to 2021; ONS advises that the two are not "
        "comparable, so they are kept as separate series and no trend crosses the break."),
    "aps-level-2-plus-qualifications": ("Residents qualified to RQF level 2 or above, aged 16 to 64",
                                        "% aged 16 to 64", "RQF level 2 or above; published from 2022."),
    "aps-level-1-plus-qualifications": ("Residents qualified to RQF level 1 or above, aged 16 to 64",
                                        "% aged 16 to 64", "RQF level 1 or above; published from 2022."),
    "aps-inactive-long-term-sick": ("Economically inactive because of long-term sickness",
                                    "% of the economically inactive aged 16 to 64",
                                    "Share of economically inactive residents aged 16 to 64 who are long-term sick."),
    "aps-work-limiting-disabled-16-64": ("Residents with a work-limiting disability, aged 16 to 64", "% aged 16 to 64",
                                         "Equality Act core or work-limiting disabled, as a share of residents "
                                         "aged 16 to 64."),
    "aps-employment-rate-ethnic-minority-16-64": ("Employment rate of ethnic minority residents, aged 16 to 64",
                                                  "% aged 16 to 64", "Ethnic minority residents in employment."),
    "aps-employment-rate-women-16-64": ("Employment rate of women, aged 16 to 64", "% of women aged 16 to 64",
                                        "Women aged 16 to 64 in employment as a share of all women aged 16 to 64."),
    "aps-employment-rate-disabled-16-64": ("Employment rate of disabled residents, aged 16 to 64", "% aged 16 to 64",
                                           "Equality Act core or work-limiting disabled residents in employment."),
}  # fmt: skip
APS_CAVEAT = ("Annual Population Survey estimates for 12-month periods; local authority figures have wide "
              "confidence intervals (95% interval from Nomis's ± confidence measure). Numerator and denominator "
              "are published as separate indicators (-numerator, -denominator) for aggregation to groups of areas.")


def load_aps(ctx: LoadContext) -> None:
    _read(ctx, ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "VARIABLE", "MEASURES", "OBS_VALUE",
                "OBS_STATUS_NAME"])  # fmt: skip
    prov = ctx.metadata.get("live", {})
    by_code = dict(APS_BY_CODE)
    for name, code in (prov.get("resolved") or {}).items():
        if name in APS_BY_NAME:
            by_code[str(code)] = APS_BY_NAME[name]
    for name in prov.get("unresolved") or []:
        ctx.warnings.append(f"Nomis has no NM_17_5 variable named {name!r}; not loaded")
    con = ctx.con
    con.execute("CREATE OR REPLACE TEMP TABLE aps_vars (variable TEXT, indicator_id TEXT, breakdown TEXT)")
    con.executemany("INSERT INTO aps_vars VALUES (?, ?, ?)", [(c, i, b) for c, (i, b) in by_code.items()])
    _stage_periods(ctx)
    unknown = con.execute("SELECT count(*) FROM raw WHERE VARIABLE NOT IN (SELECT variable FROM aps_vars)").fetchone()
    if unknown and unknown[0]:
        ctx.set_aside.append((int(unknown[0]), "rows of variables this dataset does not declare"))
    con.execute(
        """CREATE OR REPLACE TEMP TABLE aps AS
           SELECT v.indicator_id, v.breakdown, r.GEOGRAPHY_CODE AS code, any_value(r.GEOGRAPHY_NAME) AS name,
                  p.period, min(r.row_no) AS row_no,
                  max(CASE WHEN r.MEASURES = '20599' THEN r.OBS_VALUE END) AS v,
                  max(CASE WHEN r.MEASURES = '21003' THEN r.OBS_VALUE END) AS conf,
                  max(CASE WHEN r.MEASURES = '21001' THEN r.OBS_VALUE END) AS num,
                  max(CASE WHEN r.MEASURES = '21002' THEN r.OBS_VALUE END) AS den,
                  max(CASE WHEN r.MEASURES = '20599' THEN r.OBS_STATUS_NAME END) AS st
           FROM raw r JOIN aps_vars v ON v.variable = r.VARIABLE JOIN nomis_periods p ON p.date_name = r.DATE_NAME
           GROUP BY ALL"""
    )
    file = ctx.name(ctx.dataset.main_file)
    note = "CASE WHEN coalesce(st, '') NOT IN ('', 'Normal Value') THEN st END"
    missing = "CASE WHEN trim(coalesce({c}, '')) = '' THEN 'x' END"
    bound = "CAST(round(TRY_CAST(v AS DOUBLE) {op} TRY_CAST(conf AS DOUBLE), 6) AS TEXT)"
    ctx.stage(f"""SELECT ?, row_no, 'OBS_VALUE', indicator_id, code, name, NULL, period, breakdown, v,
                         {bound.format(op='-')}, {bound.format(op='+')}, {missing.format(c='v')}, {note} FROM aps""",
              [file])  # fmt: skip
    for part, measure in (("numerator", "num"), ("denominator", "den")):
        ctx.stage(f"""SELECT ?, row_no, 'OBS_VALUE', indicator_id || '-{part}', code, name, NULL, period, breakdown,
                             {measure}, NULL, NULL, {missing.format(c=measure)}, NULL FROM aps""", [file])  # fmt: skip
    _set_aside_unknown_areas(ctx)
    ctx.con.execute("DELETE FROM stage_obs WHERE value_raw IS NULL AND status IS NULL")
    present = {r[0] for r in con.execute("SELECT DISTINCT indicator_id FROM aps").fetchall()}
    common = dict(source_org=PUBLISHER, source_url="https://www.nomisweb.co.uk/datasets/apsnew", experimental=False)
    for ind in sorted(present):
        label, unit, desc = APS_META[ind]
        brk = "qualification framework" if ind == "aps-level-4-plus-qualifications" else None
        ctx.add_indicator(IndicatorMeta(ind, label, label, measure="Percentage", unit=unit, suffix="%",
                                        decimal_places=1, description=desc, caveats=APS_CAVEAT, breakdown_kind=brk,
                                        **common))  # fmt: skip
        for part in ("numerator", "denominator"):
            ctx.add_indicator(IndicatorMeta(f"{ind}-{part}", f"{label}: {part}", f"{label} ({part})",
                                            measure="People", unit="people", decimal_places=0,
                                            description=f"The {part} of '{label}' (Nomis measure "
                                            f"{'21001' if part == 'numerator' else '21002'}).", caveats=APS_CAVEAT,
                                            breakdown_kind=brk, **common))  # fmt: skip
        if brk:
            for i in (ind, f"{ind}-numerator", f"{ind}-denominator"):
                ctx.breakdown_labels[(i, "NVQ4+ (to 2021)")] = "NVQ level 4 or above (series to 2021)"


# ---- BRES ------------------------------------------------------------------------------------------------------
BRES_INDUSTRIES = "37748736,150994945...150994965"
BRES_PARAMS = (
    ("date", ",".join([f"latestMINUS{n}" for n in range(9, 0, -1)] + ["latest"])),
    ("industry", BRES_INDUSTRIES),
    ("employment_status", "4"),
    ("measure", "1"),
    ("measures", "20100"),
    ("select", "date_name,geography_code,geography_name,industry,industry_name,obs_value,obs_status_name"),
)


def load_bres(ctx: LoadContext) -> None:
    _read(ctx, ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "INDUSTRY", "INDUSTRY_NAME", "OBS_VALUE",
                "OBS_STATUS_NAME"])  # fmt: skip
    _stage_periods(ctx)
    brk = ("CASE WHEN r.INDUSTRY = '37748736' THEN 'Total' WHEN regexp_matches(r.INDUSTRY_NAME, '^[A-U] ?:') "
           "THEN left(r.INDUSTRY_NAME, 1) ELSE r.INDUSTRY_NAME END")
    ctx.stage(f"""SELECT ?, r.row_no, 'OBS_VALUE', 'bres-employment', r.GEOGRAPHY_CODE, r.GEOGRAPHY_NAME, NULL,
                         p.period, {brk}, r.OBS_VALUE, NULL, NULL,
                         CASE WHEN trim(coalesce(r.OBS_VALUE, '')) = '' THEN 'x' END,
                         CASE WHEN coalesce(r.OBS_STATUS_NAME, '') NOT IN ('', 'Normal Value') THEN r.OBS_STATUS_NAME
                         END
                  FROM raw r JOIN nomis_periods p ON p.date_name = r.DATE_NAME""", [ctx.name(ctx.dataset.main_file)])
    for code, name in ctx.con.execute(f"SELECT DISTINCT {brk}, r.INDUSTRY_NAME FROM raw r").fetchall():
        ctx.breakdown_labels[("bres-employment", code)] = name
    _set_aside_unknown_areas(ctx)
    ctx.add_indicator(IndicatorMeta(
        "bres-employment", "Employment by industry (BRES)", "Employment", measure="Jobs", unit="jobs",
        decimal_places=0, breakdown_kind="SIC 2007 section",
        description="Employment (employees plus working owners) in the area's workplaces, by SIC 2007 section "
                    "('Total' for all industries), from the Business Register and Employment Survey.",
        caveats="Open-access BRES counts are rounded; the survey's reference date is in September.",
        source_org=PUBLISHER, source_url="https://www.nomisweb.co.uk/datasets/newbres6pub", experimental=False))


# ---- population ---------------------------------------------------------------------------------------------------
POPULATION_PARAMS = (
    ("date", ",".join([f"latestMINUS{n}" for n in range(10, 0, -1)] + ["latest"])),
    ("gender", "0"),
    ("c_age", "200"),
    ("measures", "20100"),
    ("select", "date_name,geography_code,geography_name,obs_value,obs_status_name"),
)


def load_population(ctx: LoadContext) -> None:
    _read(ctx, ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "OBS_VALUE", "OBS_STATUS_NAME"])
    _stage_periods(ctx, mid_year=True)
    ctx.stage("""SELECT ?, r.row_no, 'OBS_VALUE', 'population-mid-year-estimate', r.GEOGRAPHY_CODE, r.GEOGRAPHY_NAME,
                        NULL, p.period, '', r.OBS_VALUE, NULL, NULL,
                        CASE WHEN trim(coalesce(r.OBS_VALUE, '')) = '' THEN 'x' END, NULL
                 FROM raw r JOIN nomis_periods p ON p.date_name = r.DATE_NAME""", [ctx.name(ctx.dataset.main_file)])
    _set_aside_unknown_areas(ctx)
    ctx.add_indicator(IndicatorMeta(
        "population-mid-year-estimate", "Resident population (mid-year estimate)", "All usual residents, all ages",
        measure="People", unit="people", decimal_places=0,
        description="ONS mid-year population estimate of usual residents, all ages, at 30 June.",
        source_org=PUBLISHER, source_url="https://www.nomisweb.co.uk/datasets/pestsyoala", experimental=False))


# ---- declaration ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    id: str
    title: str
    path: str
    fetcher: NomisFetcher
    load: Callable[[LoadContext], None]
    page: str


SPECS = (
    _Spec("nomis/aps", "Annual Population Survey: employment, qualifications, inactivity and disability by area",
          "nomis/NM_17_5-aps.csv",
          NomisFetcher("NM_17_5", APS_PARAMS, "variable", tuple(APS_BY_CODE), tuple(APS_BY_NAME)), load_aps,
          "https://www.nomisweb.co.uk/datasets/apsnew"),
    _Spec("nomis/bres", "Business Register and Employment Survey: employment by industry and area",
          "nomis/NM_189_1-bres.csv", NomisFetcher("NM_189_1", BRES_PARAMS), load_bres,
          "https://www.nomisweb.co.uk/datasets/newbres6pub"),
    _Spec("nomis/population", "Population estimates: local authority based, all ages",
          "nomis/NM_2002_1-population.csv", NomisFetcher("NM_2002_1", POPULATION_PARAMS), load_population,
          "https://www.nomisweb.co.uk/datasets/pestsyoala"),
)  # fmt: skip


def _url(spec: _Spec) -> str:
    """The address a release records: the data query without any key (codes named by name are left out)."""
    p = {"geography": LiveSettings().nomis_geography, **dict(spec.fetcher.params)}
    if spec.fetcher.dimension:
        p[spec.fetcher.dimension] = ",".join(spec.fetcher.codes)
    return _full(f"{BASE}/dataset/{spec.fetcher.dataset}.data.csv", p)


def datasets() -> list[Dataset]:
    return [
        Dataset(id=s.id, source=SOURCE, title=s.title, publisher=PUBLISHER,
                files=(LiveFileRef(s.path, _url(s), fetcher=s.fetcher),), load=s.load, publisher_url=s.page)
        for s in SPECS
    ]  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    """The Nomis datasets; with a mirror, only those whose files it holds (a raw cache can be a mirror)."""
    found = datasets()
    if mirror is None:
        return Discovery(datasets=found)
    present, missing = missing_without_fetch(mirror, [(d.id, d.main_file) for d in found], SOURCE, "Nomis")
    return Discovery(datasets=[d for d in found if d.id in present], missing=missing)
