"""OHID Fingertips (https://fingertips.phe.org.uk/api): bulk CSV by indicator id.

Protocol: ``GET /api/all_data/csv/by_indicator_id?indicator_ids=90362,90366&child_area_type_id=501
&parent_area_type_id=15`` returns every value of those indicators for the child areas (501: districts and
unitary authorities from April 2023; all six Liverpool City Region councils are unitary or metropolitan, so they
are here) with England as the parent. Columns include ``Indicator ID``, ``Area Code``, ``Sex``, ``Age``,
``Category Type``, ``Time period``, ``Value`` and the 95% limits. Rows with a ``Category Type`` (deprivation deciles
and the like) are set aside; the breakdown is the sex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prosperity.sources.base import Dataset, Discovery
from prosperity.sources.live.base import LiveFileRef, Session, missing_without_fetch, read_provenance
from prosperity.sources.live.client import LiveSettings, _full
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

BASE = "https://fingertips.phe.org.uk/api"
SOURCE = "fingertips"
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips)"
PATH = "fingertips/life-expectancy.csv"
# Fingertips indicator id -> (warehouse indicator id, label)
INDICATORS = {
    "90366": ("ohid-life-expectancy-at-birth", "Life expectancy at birth"),
    "90362": ("ohid-healthy-life-expectancy-at-birth", "Healthy life expectancy at birth"),
}
REQUIRED = ["Indicator ID", "Area Code", "Area Name", "Sex", "Age", "Category Type", "Time period", "Value",
            "Lower CI 95.0 limit", "Upper CI 95.0 limit"]  # fmt: skip


@dataclass(frozen=True)
class FingertipsCsvFetcher:
    indicator_ids: tuple[str, ...]
    child_area_type_id: int = 501
    parent_area_type_id: int = 15
    base: str = BASE

    def url(self) -> tuple[str, dict[str, str]]:
        return f"{self.base}/all_data/csv/by_indicator_id", {
            "indicator_ids": ",".join(self.indicator_ids),
            "child_area_type_id": str(self.child_area_type_id),
            "parent_area_type_id": str(self.parent_area_type_id),
        }

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"GET {_full(*self.url())}"]

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        url, params = self.url()
        if self.base == BASE:
            url = url.replace(BASE, session.settings.fingertips_base.rstrip("/"), 1)
        n = session.polite("fingertips").download(url, out, params)
        return {"request": _full(url, params), "bytes": n}


FETCHER = FingertipsCsvFetcher(tuple(INDICATORS))

_RANGE = re.compile(r"^(\d{4}) - (\d{2})$")
_FY_RANGE = re.compile(r"^(\d{4})/(\d{2}) - (\d{2})/(\d{2})$")


def fingertips_period(text: str) -> str:
    """An ISO 8601 period from a Fingertips time period.

    >>> fingertips_period("2021 - 23")
    '2021-01-01/P3Y'
    >>> fingertips_period("2020/21 - 22/23")
    '2020-04-01/P3Y'
    >>> fingertips_period("2022/23")
    '2022/23'
    """
    t = text.strip()
    if m := _RANGE.match(t):
        start = int(m.group(1))
        years = (int(m.group(2)) - start % 100) % 100 + 1
        return f"{start}-01-01/P{years}Y"
    if m := _FY_RANGE.match(t):
        start = int(m.group(1))
        years = (int(m.group(3)) - start % 100) % 100 + 1
        return f"{start}-04-01/P{years}Y"
    return t  # years and financial years are understood by the loader; anything else is rejected with its row


def read_export(ctx: LoadContext, required: list[str]) -> list[str]:
    """Read a Fingertips CSV into ``raw`` (and its periods into ``ft_periods``), setting aside category rows.

    Returns the header. Shared by the live life-expectancy dataset and :mod:`prosperity.sources.fingertips`."""
    ref = ctx.dataset.main_file
    read_provenance(ctx, ref)
    header = ctx.read_csv(ref, "raw")
    LoadContext.check_columns(ctx.name(ref), header, required, [h for h in header if h not in required])
    con = ctx.con
    periods = [r[0] for r in con.execute('SELECT DISTINCT "Time period" FROM raw').fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE ft_periods (raw TEXT, period TEXT)")
    con.executemany("INSERT INTO ft_periods VALUES (?, ?)", [(p, fingertips_period(p or "")) for p in periods])
    n_cat = con.execute("""SELECT count(*) FROM raw WHERE trim(coalesce("Category Type", '')) <> ''""").fetchone()[0]
    if n_cat:
        ctx.set_aside.append((int(n_cat), "rows of category breakdowns (such as deprivation deciles)"))
    return header


def load(ctx: LoadContext) -> None:
    ref = ctx.dataset.main_file
    header = read_export(ctx, REQUIRED)
    con = ctx.con
    con.execute("CREATE OR REPLACE TEMP TABLE ft_ind (fid TEXT, indicator_id TEXT)")
    con.executemany("INSERT INTO ft_ind VALUES (?, ?)", [(k, v[0]) for k, v in INDICATORS.items()])
    note = ', "Value note"' if "Value note" in header else ", NULL"
    # The age joins the breakdown only where an indicator has more than one age in the file.
    ctx.stage(f"""SELECT ?, r.row_no, 'Value', i.indicator_id, r."Area Code", r."Area Name", NULL, p.period,
                         CASE WHEN count(DISTINCT r."Age") OVER (PARTITION BY r."Indicator ID") > 1
                              THEN r."Sex" || ', ' || r."Age" ELSE r."Sex" END,
                         r."Value", r."Lower CI 95.0 limit", r."Upper CI 95.0 limit",
                         CASE WHEN trim(coalesce(r."Value", '')) = '' THEN 'x' END {note}
                  FROM raw r JOIN ft_ind i ON i.fid = trim(r."Indicator ID") JOIN ft_periods p ON p.raw = r."Time period"
                  WHERE trim(coalesce(r."Category Type", '')) = ''""", [ctx.name(ref)])  # fmt: skip
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)",
                        "rows for areas not in the area register")  # fmt: skip
    for fid, (ind, label) in INDICATORS.items():
        ctx.add_indicator(IndicatorMeta(
            ind, label, label, measure="Years", unit="years", decimal_places=1, breakdown_kind="sex",
            description=f"{label}, three-year pooled estimate, by sex (Fingertips indicator {fid}).",
            source_org=PUBLISHER, source_url=f"https://fingertips.phe.org.uk/search/{fid}", experimental=False))


def datasets() -> list[Dataset]:
    url = _full(*FETCHER.url())
    return [Dataset(id="fingertips/life-expectancy", source=SOURCE, title="Life expectancy and healthy life "
                    "expectancy at birth", publisher=PUBLISHER, files=(LiveFileRef(PATH, url, fetcher=FETCHER),),
                    load=load, publisher_url="https://fingertips.phe.org.uk/")]  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = datasets()
    if mirror is None:
        return Discovery(datasets=found)
    present, missing = missing_without_fetch(mirror, [(d.id, d.main_file) for d in found], SOURCE, "Fingertips")
    return Discovery(datasets=[d for d in found if d.id in present], missing=missing)
