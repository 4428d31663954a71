"""Ofcom Connected Nations: fixed broadband coverage by local authority.

Ofcom publishes, with each Connected Nations report and update, a CSV per geography; the local authority file
(``YYYYMM_fixed_laua_coverage_rNN.csv``) has one row per UK local authority (GSS code ``laua`` and the name in
capitals) with the number of premises and, for each kind of service, the percentage and number of premises able
to get it: superfast (30 Mbit/s), ultrafast (100 and 300 Mbit/s), full fibre, gigabit, below the universal
service obligation, unable to receive 30 Mbit/s. Coverage only (not take-up).

The ``YYYYMM`` of the file name is the month of the data (``202105``: May 2021, the Connected Nations summer
2021 update); each observation is dated the first of that month. A later file is a new edition (the newest in
the mirror is loaded). Because Ofcom gives the numbers of premises, a combined authority's coverage is a ratio of
sums (``assess/aggregation.yaml``).

Live location: Ofcom's own Connected Nations pages. Ofcom's file addresses change with each report, so a build
without a mirror finds the newest local authority coverage file from the Connected Nations hub page, through the
newest report's data downloads page (:mod:`prosperity.sources.live.ofcom`); the data month is then the fetched
file's own name, recorded beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef, read_provenance
from prosperity.sources.live.ofcom import OfcomDownloadFetcher
from prosperity.sources.published import discover_newest
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

OFCOM = "Ofcom"
PAGE = "https://www.ofcom.org.uk/research-and-data/multi-sector-research/infrastructure-research/connected-nations"
FOLDER = "ofcom-broadband"
FILE = re.compile(r"(\d{6})_fixed_laua_coverage_r(\d{2})\.csv")
HUB = "/research-and-data/multi-sector-research/infrastructure-research/connected-nations"
LIVE_PATH = f"{FOLDER}/fixed_laua_coverage.csv"
FETCHER = OfcomDownloadFetcher(HUB, r"(\d{6})_fixed_laua_coverage_r(\d{2})")
# (indicator, label, the file's % column, the file's number column)
MEASURES = (
    ("superfast-broadband-availability", "Premises with superfast broadband available (30 Mbit/s or more)",
     "SFBB availability (% premises)", "Number of premises with SFBB availability"),
    ("ultrafast-broadband-availability", "Premises with ultrafast broadband available (100 Mbit/s or more)",
     "UFBB (100Mbit/s) availability (% premises)", "Number of premises with UFBB (100Mbit/s) availability"),
    ("ultrafast-300-broadband-availability", "Premises with ultrafast broadband available (300 Mbit/s or more)",
     "UFBB availability (% premises)", "Number of premises with UFBB availability"),
    ("full-fibre-availability", "Premises with full fibre (FTTP) available",
     "Full Fibre availability (% premises)", "Number of premises with Full Fibre availability"),
    ("gigabit-broadband-availability", "Premises with gigabit-capable broadband available",
     "Gigabit availability (% premises)", "Number of premises with Gigabit availability"),
    ("broadband-below-uso", "Premises below the broadband universal service obligation",
     "% of premises below the USO", "Number of premises below the USO"),
    ("broadband-unable-30mbps", "Premises unable to receive 30 Mbit/s",
     "% of premises unable to receive 30Mbit/s", "Number of premises unable to receive 30Mbit/s"),
)  # fmt: skip
PREMISES = "All Premises"


def discover(mirror: Path | None) -> Discovery:
    if mirror is None:
        return Discovery(datasets=[_dataset(LiveFileRef(LIVE_PATH, PAGE, fetcher=FETCHER))])
    return discover_newest(mirror, FOLDER, FILE, "ofcom/fixed-coverage-la", lambda path: _dataset(FileRef(path, PAGE)),
                           "an Ofcom Connected Nations")


def _dataset(ref: FileRef) -> Dataset:
    return Dataset(id="ofcom/fixed-coverage-la", source="ofcom-connected-nations", title="Connected Nations: fixed "
                   "broadband coverage by local authority", publisher=OFCOM, files=(ref,), load=load,
                   publisher_url=PAGE)  # fmt: skip


def load(ctx: LoadContext) -> None:
    ref = ctx.dataset.main_file
    file = ref.path
    name = file.rsplit("/", 1)[-1]
    if file == LIVE_PATH:  # fetched live: the data month is in the name Ofcom gave the file
        name = str(read_provenance(ctx, ref).get("file") or name)
    m = FILE.fullmatch(name)
    if m is None or not 1 <= int(m.group(1)[4:]) <= 12:
        raise ValidationError(file, "the file name does not begin with the data's year and month (YYYYMM_…); "
                              "expected Ofcom's name such as 202105_fixed_laua_coverage_r01.csv")  # fmt: skip
    period = f"{m.group(1)[:4]}-{m.group(1)[4:]}-01"
    header = ctx.read_csv(ref, "raw")
    needed = ["laua", "laua_name", PREMISES, *(c for _i, _l, pc, nc in MEASURES for c in (pc, nc))]
    LoadContext.check_columns(file, header, needed, [h for h in header if h not in needed])
    ctx.stage("""SELECT ?, row_no, ?, 'broadband-premises', trim(laua), trim(laua_name), NULL, ?, '',
                        trim("All Premises"), NULL, NULL, NULL, NULL FROM raw""", [file, PREMISES, period])
    for ind, _label, pct, num in MEASURES:
        for col, iid in ((pct, ind), (num, f"{ind}-number")):
            ctx.stage(f"""SELECT ?, row_no, ?, ?, trim(laua), trim(laua_name), NULL, ?, '', trim("{col}"),
                                 NULL, NULL, NULL, NULL FROM raw""", [file, col, iid, period])  # fmt: skip
    ctx.metadata["data_month"] = period[:7]
    common = dict(source_org=OFCOM, source_url=PAGE, experimental=False,
                  caveats=f"Coverage (availability), not take-up, as of {period[:7]} (from the file's name).")
    ctx.add_indicator(IndicatorMeta("broadband-premises", "Premises (Ofcom Connected Nations)", PREMISES,
                                    measure="premises", unit="premises", decimal_places=0,
                                    description="All residential and commercial premises Ofcom counts in the area: "
                                    "the base of its coverage percentages.", **common))  # fmt: skip
    for ind, label, pct, num in MEASURES:
        ctx.add_indicator(IndicatorMeta(ind, label, pct, measure="% of premises", unit="%", decimal_places=1,
                                        description=f"{label}: percentage of all premises.", **common))
        ctx.add_indicator(IndicatorMeta(f"{ind}-number", f"{label} (number)", num, measure="premises",
                                        unit="premises", decimal_places=0, description=f"{label}: number of premises.",
                                        **common))  # fmt: skip
