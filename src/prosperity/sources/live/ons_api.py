"""The ONS API (https://api.beta.ons.gov.uk/v1, "CMD" datasets): datasets → editions → versions → CSV or observations.

Protocol (ONSdigital/dp-developer-site): ``GET /datasets/{id}/editions`` lists editions (``items[].edition``);
``GET /datasets/{id}/editions/{edition}/versions`` lists versions (``items[].version``, ``state``, ``release_date``,
``downloads.csv.href``); the whole version is a CSV at ``downloads.csv.href``. ``GET …/versions/{v}/observations
?time=…&geography=…&{dimension}=…`` answers a query with one option per dimension (one may be ``*``), at most
10,000 observations. No key is needed; the published limits are 120 requests per 10 s and 200 per minute.

A CMD CSV ("V4" layout) starts with the value column ``v4_N``, then N columns of markings (``Data Marking``,
limits), then a code and a label column for each dimension. :func:`load_v4` reads any such file: the geography
pair gives the area, the time pair the period, every other pair's label the breakdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery
from prosperity.sources.live.base import LiveFileRef, Session, missing_without_fetch, read_provenance
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient, _full
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

BASE = "https://api.beta.ons.gov.uk/v1"
SOURCE = "ons-api"
PUBLISHER = "Office for National Statistics"


class OnsApi:
    """The CMD hierarchy through a :class:`PoliteClient` for the ``ons`` service."""

    def __init__(self, polite: PoliteClient, base: str = BASE):
        self.polite = polite
        self.base = base.rstrip("/")

    def _items(self, url: str) -> list[dict[str, Any]]:
        doc = self.polite.get_json(url, {"limit": "1000"})
        items = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise LiveFetchError(url, "expected a JSON object with an 'items' list")
        return [i for i in items if isinstance(i, dict)]

    def editions(self, dataset: str) -> list[str]:
        return [str(i["edition"]) for i in self._items(f"{self.base}/datasets/{dataset}/editions") if "edition" in i]

    def latest_version(self, dataset: str, edition: str | None = None) -> dict[str, Any]:
        """The newest published version of an edition (``time-series`` if there is one, else the only one)."""
        if edition is None:
            eds = self.editions(dataset)
            if not eds:
                raise LiveFetchError(f"{self.base}/datasets/{dataset}/editions", "the dataset has no editions")
            edition = "time-series" if "time-series" in eds else sorted(eds)[-1]
        url = f"{self.base}/datasets/{dataset}/editions/{edition}/versions"
        versions = [v for v in self._items(url) if v.get("state", "published") == "published" and "version" in v]
        if not versions:
            raise LiveFetchError(url, "no published version")
        latest = max(versions, key=lambda v: int(v["version"]))
        if not ((latest.get("downloads") or {}).get("csv") or {}).get("href"):
            latest = self.polite.get_json(f"{url}/{latest['version']}")  # type: ignore[assignment]
        latest.setdefault("edition", edition)
        return latest

    def observations(self, dataset: str, edition: str, version: int | str,
                     dimensions: dict[str, str]) -> list[tuple[dict[str, str], str | None]]:  # fmt: skip
        """Observations for one option of each dimension (one may be ``*``): ``[({dimension: option}, value)]``."""
        if sum(1 for v in dimensions.values() if v == "*") > 1:
            raise ValueError("the ONS API allows at most one wildcard dimension")
        url = f"{self.base}/datasets/{dataset}/editions/{edition}/versions/{version}/observations"
        doc = self.polite.get_json(url, dimensions)
        if not isinstance(doc, dict) or not isinstance(doc.get("observations"), list):
            raise LiveFetchError(_full(url, dimensions), "expected a JSON object with an 'observations' list")
        fixed = {k: str((v.get("option") or {}).get("id")) for k, v in (doc.get("dimensions") or {}).items()
                 if isinstance(v, dict) and v.get("option")}  # fmt: skip
        out = []
        for o in doc["observations"]:
            dims = dict(fixed)
            for k, v in (o.get("dimensions") or {}).items():
                dims[k] = str(v.get("id", v.get("label", "")))
            out.append((dims, o.get("observation")))
        return out


@dataclass(frozen=True)
class OnsCsvFetcher:
    dataset: str
    edition: str | None = None
    base: str = BASE

    def plan(self, settings: LiveSettings) -> list[str]:
        d = f"{self.base}/datasets/{self.dataset}"
        lines = [] if self.edition else [f"GET {d}/editions?limit=1000   # choose 'time-series' or the latest"]
        lines.append(f"GET {d}/editions/{self.edition or '<edition>'}/versions?limit=1000   # newest published")
        lines.append("GET <that version's downloads.csv.href>")
        return lines

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        api = OnsApi(session.polite("ons"), session.settings.ons_api_base if self.base == BASE else self.base)
        v = api.latest_version(self.dataset, self.edition)
        href = ((v.get("downloads") or {}).get("csv") or {}).get("href")
        if not href:
            raise LiveFetchError(f"{self.base}/datasets/{self.dataset}", f"version {v.get('version')} has no CSV")
        session.polite("ons_download").download(href, out)
        return {"resolved_url": href, "edition": v.get("edition"), "version": v.get("version"),
                "release_date": v.get("release_date"), "dataset": self.dataset}  # fmt: skip


# ---- the V4 CSV layout --------------------------------------------------------------------------------------------
_GSS = re.compile(r"^[EKNSW]\d{8}$")
TIME_CODES = {"time", "calendar-years", "yyyy-yy", "mmm-yy", "yyyy", "years", "financial-years", "yyyy-mm"}
GEO_CODES = {"geography", "administrative-geography", "local-authority", "geography-code"}
_MMM_YY = re.compile(r"^([A-Za-z]{3})-(\d{2})$")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def ons_period(code: str) -> str:
    """An ISO period from a CMD time code (``2023``, ``2022-23`` April–March, ``Jan-23``).

    >>> ons_period("Jan-23")
    '2023-01-01/P1M'
    """
    t = code.strip()
    if (m := _MMM_YY.match(t)) and m.group(1).lower() in _MONTHS:
        return f"20{m.group(2)}-{_MONTHS.index(m.group(1).lower()) + 1:02d}-01/P1M"
    return t


@dataclass(frozen=True)
class V4Spec:
    indicator_id: str
    label: str
    unit: str
    description: str


def load_v4(ctx: LoadContext, spec: V4Spec) -> None:
    ref = ctx.dataset.main_file
    prov = read_provenance(ctx, ref)
    header = ctx.read_csv(ref, "raw")
    file = ctx.name(ref)
    m = re.fullmatch(r"(?i)v4_(\d+)", header[0])
    if not m:
        raise ValidationError(file, f"first column {header[0]!r}; expected the CMD layout's 'v4_N'", row=1)
    extras = header[1:1 + int(m.group(1))]
    pairs = [(header[i], header[i + 1]) for i in range(1 + len(extras), len(header) - 1, 2)]
    if (len(header) - 1 - len(extras)) % 2:
        raise ValidationError(file, "the dimension columns do not come in code/label pairs", row=1)

    def q(c: str) -> str:
        return '"' + c.replace('"', '""') + '"'

    geo = next((p for p in pairs if p[0].lower() in GEO_CODES), None)
    time = next((p for p in pairs if p[0].lower() in TIME_CODES or p[1].lower() == "time"), None)
    if geo is None:
        for p in pairs:
            sample = ctx.con.execute(f"SELECT {q(p[0])} FROM raw LIMIT 1").fetchone()
            if sample and sample[0] and _GSS.match(sample[0]):
                geo = p
                break
    if geo is None or time is None:
        raise ValidationError(file, f"no {'geography' if geo is None else 'time'} dimension among {pairs}", row=1)
    rest = [p for p in pairs if p not in (geo, time)]
    lower = next((e for e in extras if "lower" in e.lower()), None)
    upper = next((e for e in extras if "upper" in e.lower()), None)
    marking = next((e for e in extras if "mark" in e.lower()), None)
    periods = [r[0] for r in ctx.con.execute(f"SELECT DISTINCT {q(time[0])} FROM raw").fetchall()]
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE ons_periods (raw TEXT, period TEXT)")
    ctx.con.executemany("INSERT INTO ons_periods VALUES (?, ?)", [(p, ons_period(p or "")) for p in periods])
    brk = " || '; ' || ".join(q(p[1]) for p in rest) if rest else "''"
    status = f"nullif(trim(r.{q(marking)}), '')" if marking else "NULL"
    ctx.stage(f"""SELECT ?, r.row_no, ?, ?, r.{q(geo[0])}, r.{q(geo[1])}, NULL, p.period, {brk},
                         r.{q(header[0])}, {f'r.{q(lower)}' if lower else 'NULL'}, {f'r.{q(upper)}' if upper else 'NULL'},
                         {status}, NULL
                  FROM raw r JOIN ons_periods p ON p.raw = r.{q(time[0])}""",
              [file, header[0], spec.indicator_id])  # fmt: skip
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)", "rows for areas not in the area register")
    ctx.add_indicator(IndicatorMeta(
        spec.indicator_id, spec.label, prov.get("dataset", spec.label), measure=spec.unit, unit=spec.unit,
        decimal_places=2, description=spec.description, breakdown_kind=", ".join(p[1] for p in rest) or None,
        caveats=f"ONS API dataset {prov.get('dataset', '')}, edition {prov.get('edition', '')}, version "
                f"{prov.get('version', '')}.", source_org=PUBLISHER,
        source_url=f"https://www.ons.gov.uk/datasets/{prov.get('dataset', '')}", experimental=False))


# ---- declaration ----------------------------------------------------------------------------------------------------
WELLBEING = V4Spec("ons-personal-wellbeing", "Personal well-being (life satisfaction, worthwhile, happiness, anxiety)",
                   "score out of 10, or % of respondents by threshold",
                   "Annual Population Survey personal well-being estimates by local authority, April to March: the "
                   "breakdown names the estimate (mean, or share in a threshold band) and the measure.")  # fmt: skip
FETCHER = OnsCsvFetcher("wellbeing-local-authority", "time-series")


def datasets() -> list[Dataset]:
    return [Dataset(id="ons-api/wellbeing-local-authority", source=SOURCE, title="Personal well-being estimates by "
                    "local authority", publisher=PUBLISHER,
                    files=(LiveFileRef("ons-api/wellbeing-local-authority.csv",
                                       f"{BASE}/datasets/wellbeing-local-authority/editions/time-series/versions",
                                       fetcher=FETCHER),),
                    load=lambda ctx: load_v4(ctx, WELLBEING),
                    publisher_url="https://www.ons.gov.uk/datasets/wellbeing-local-authority")]  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = datasets()
    if mirror is None:
        return Discovery(datasets=found)
    present, missing = missing_without_fetch(mirror, [(d.id, d.main_file) for d in found], SOURCE, "the ONS API")
    return Discovery(datasets=[d for d in found if d.id in present], missing=missing)


# ---- ONS website dataset pages (files not in the API: workbooks on www.ons.gov.uk) ---------------------------------
ONS_SITE = "https://www.ons.gov.uk"


@dataclass(frozen=True)
class OnsDatasetPageFetcher:
    """The newest edition's file of a dataset page on www.ons.gov.uk.

    Protocol (the ONS website's page JSON, as public code that downloads ONS files uses it; not documented by ONS):
    ``GET <page>/data`` lists the page's editions in ``datasets[].uri``, newest first; ``GET <edition uri>/data``
    lists its files in ``downloads[].file``; a file is at ``/file?uri=<edition uri>/<file>``. The edition is the
    first listed with a file whose whole name matches ``file_pattern`` (an anchored regular expression).
    """

    page: str
    file_pattern: str
    site: str = ONS_SITE

    def _data(self, polite: PoliteClient, uri: str) -> dict[str, Any]:
        site = polite.settings.ons_site_base if self.site == ONS_SITE else self.site
        url = f"{site}{uri}/data" if uri.startswith("/") else f"{uri.rstrip('/')}/data"
        doc = polite.get_json(url)
        if not isinstance(doc, dict):
            raise LiveFetchError(url, "expected a JSON object (the page's data)")
        return doc

    def _path(self) -> str:
        return "/" + self.page.split("://", 1)[-1].split("/", 1)[1] if "://" in self.page else self.page

    def _matching(self, files: list[str]) -> list[str]:
        pattern = re.compile(self.file_pattern, re.IGNORECASE)
        return [f for f in files if pattern.fullmatch(f)]

    def one_file(self, files: list[str], url: str) -> str:
        """The one file whose whole name matches the pattern; none, or more than one, is an error listing them."""
        match = self._matching(files)
        if len(match) != 1:
            raise LiveFetchError(url, f"{len(match) or 'no'} files of the page match ^{self.file_pattern}$ (exactly "
                                 f"one is needed); downloads[].file: {', '.join(files[:12]) or 'none'}")  # fmt: skip
        return match[0]

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"GET {self.site}{self._path()}/data   # datasets[].uri: the editions, newest first",
                f"GET {self.site}<edition uri>/data   # downloads[].file matching /^{self.file_pattern}$/",
                f"GET {self.site}/file?uri=<edition uri>/<that file>"]  # fmt: skip

    def choose(self, polite: PoliteClient) -> tuple[str, str, dict[str, Any]]:
        """(edition uri, file name, the edition's page data) of the newest edition holding a matching file."""
        page = self._data(polite, self._path())
        editions = [d.get("uri") for d in page.get("datasets") or [] if isinstance(d, dict) and d.get("uri")]
        if not editions:
            raise LiveFetchError(f"{self.site}{self._path()}/data", "the page lists no editions (datasets[].uri)")
        seen = []
        for uri in editions:
            doc = self._data(polite, uri)
            files = _files(doc)
            seen.extend(files)
            if self._matching(files):
                return uri, self.one_file(files, f"{self.site}{uri}/data"), doc
        raise LiveFetchError(f"{self.site}{self._path()}/data", f"no edition has a file matching "
                             f"^{self.file_pattern}$; files seen: {', '.join(seen[:12]) or 'none'}")  # fmt: skip

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        polite = session.polite("ons_download")
        uri, name, doc = self.choose(polite)
        site = polite.settings.ons_site_base if self.site == ONS_SITE else self.site
        url = f"{site}/file?uri={uri}/{name}"
        polite.download(f"{site}/file", out, {"uri": f"{uri}/{name}"})
        desc = doc.get("description") or {}
        return {"resolved_url": url, "edition": uri, "file": name, "publisher": PUBLISHER,
                "release_date": desc.get("releaseDate") if isinstance(desc, dict) else None}  # fmt: skip


def _files(doc: dict[str, Any]) -> list[str]:
    """The file names a page's data lists (``downloads[].file``)."""
    return [str(d["file"]) for d in doc.get("downloads") or [] if isinstance(d, dict) and d.get("file")]
