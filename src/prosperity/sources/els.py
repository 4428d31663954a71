"""ONS Explore Local Statistics (ELS): about 60 indicator files in one tidy schema, each with metadata JSON.

Live location: ``https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/main/<slug>/<slug>.csv``
and ``.json``. A folder dropped into the mirror's ``els/`` is picked up by the next build with no code change.

Two schemas are read:

- the current tidy schema ``areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,
  notes`` (ISO 8601 periods; columns in any order);
- the older schema of ``gdp-per-head`` before the publisher renamed its columns (``AREACD,AREANM,Geography,
  Indicator,Observation,Unit,Measure,Period,Lower Confidence Interval (95%),…``; plain-year periods).

The ELS files mark places that have no GSS code (some city regions outside England) with the code ``na``;
such rows cannot be tied to a place and are set aside, counted in the build summary.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef, slugify
from prosperity.warehouse.loading import IndicatorMeta, LoadContext
from prosperity.warehouse.sql import quote_ident

SOURCE = "ons-els"
PUBLISHER = "Office for National Statistics (Explore Local Statistics)"
LIVE_BASE = "https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/main"
PUBLISHER_URL = "https://www.ons.gov.uk/explore-local-statistics/"

# Folders known upstream, so that a build without a mirror knows what to fetch.
KNOWN_SLUGS = (
    "adult-obesity-prevalence", "apprenticeships", "apprenticeships-ni", "apprenticeships-scotland",
    "average-house-price", "average-travel-time", "business-demography", "cancer-diagnosis-at-stage-1-and-2",
    "child-weight", "children-in-relative-poverty", "cigarette-smokers", "claimant-count",
    "domestic-electricity-consumption", "domestic-gas-consumption", "early-years", "employment-rate",
    "employment-rate-ni", "engagement-with-culture-and-heritage", "environment-regulating",
    "first-time-buyer-mortgage-sales", "food-outlets", "foreign-direct-investment",
    "further-education-and-skills-learner-achievements", "further-education-and-skills-participation",
    "gcses-in-english-and-maths", "gdp-per-head", "gigabit-capable-broadband", "greenhouse-gas-emissions",
    "gross-disposable-household-income-per-head", "gross-median-weekly-pay", "gross-value-added",
    "healthy-life-expectancy", "housing-affordability-ratio", "library-walk", "modelled-unemployment",
    "mortality-rate-from-coronary-heart-disease-scotland", "motor-vehicle-flow", "museums",
    "net-additions-to-the-housing-stock", "net-additions-to-the-housing-stock-northern-ireland",
    "net-additions-to-the-housing-stock-wales", "network-coverage-4g", "network-coverage-5g",
    "persistent-absences-for-all-pupils", "persistent-absences-for-pupils-eligible-for-free-school-meals",
    "persistent-absences-for-pupils-looked-after-by-local-authorities", "personal-wellbeing-estimates",
    "population-by-age-and-sex", "population-indicators", "premises-below-30",
    "preventable-cardiovascular-mortality-england", "preventable-cardiovascular-mortality-ni",
    "pupils-at-expected-standards-by-end-of-primary-school", "qualifications-level-3-or-above",
    "qualifications-level-3-or-above-ni", "qualifications-none-gb", "railway-station-walk",
    "research-and-development-business", "research-and-development-public-funded",
    "short-term-let-average-length-of-stay", "short-term-let-number-of-guests-nights", "sports-facilities",
    "supermarkets", "total-value-of-uk-exports",
)  # fmt: skip

TIDY_REQUIRED = ["areacd", "areanm", "indicator", "period", "observation"]
TIDY_OPTIONAL = ["geography", "measure", "unit", "lci_95", "uci_95", "status", "notes"]
OLD_COLUMNS = {  # the older schema's names → the tidy schema's
    "AREACD": "areacd", "AREANM": "areanm", "Geography": "geography", "Indicator": "indicator",
    "Observation": "observation", "Unit": "unit", "Measure": "measure", "Period": "period",
    "Lower Confidence Interval (95%)": "lci_95", "Upper Confidence Interval (95%)": "uci_95",
    "Observation Status": "status",
}  # fmt: skip

GEOGRAPHY_LEVELS = {"ITL Level 1": "itl1", "ITL Level 2": "itl2", "ITL Level 3": "itl3"}
#: What an ELS folder may be called: the publisher's slugs are lower-case words joined by hyphens. Any other name
#: (quotes, spaces, glob characters such as ``claimant-coun[t]``) is reported and never read.
SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def _dataset(slug: str) -> Dataset:
    return Dataset(
        id=f"els/{slug}",
        source=SOURCE,
        title=slug.replace("-", " ").capitalize(),
        publisher=PUBLISHER,
        files=(
            FileRef(f"els/{slug}/{slug}.csv", f"{LIVE_BASE}/{slug}/{slug}.csv", "data"),
            FileRef(f"els/{slug}/{slug}.json", f"{LIVE_BASE}/{slug}/{slug}.json", "metadata"),
        ),
        load=load,
        publisher_url=PUBLISHER_URL,
    )


def discover(mirror: Path | None) -> Discovery:
    """Every ELS folder: in the mirror if there is one, else the folders known upstream."""
    found = Discovery()
    if mirror is None:
        found.datasets = [_dataset(s) for s in KNOWN_SLUGS]
        return found
    root = mirror / "els"
    if not root.is_dir():
        return found
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        slug = folder.name
        if not SLUG.match(slug):
            found.ignored.append((f"els/{slug}", "not read: an ELS folder is named by its indicator's slug (lower-case "
                                  "letters, digits and hyphens, such as 'claimant-count')"))  # fmt: skip
            continue
        csv_path, json_path = folder / f"{slug}.csv", folder / f"{slug}.json"
        if csv_path.exists() and json_path.exists():
            found.datasets.append(_dataset(slug))
        elif json_path.exists():
            found.missing.append(
                (f"els/{slug}", f"metadata {slug}.json is in the mirror but the data file {slug}.csv is not")
            )
        elif csv_path.exists():
            found.missing.append((f"els/{slug}", f"data file {slug}.csv has no metadata file {slug}.json"))
        else:
            for f in sorted(folder.iterdir()):
                found.ignored.append(
                    (f"els/{slug}/{f.name}", "not an ELS indicator file (folder has no <slug>.csv and .json)")
                )
    return found


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y")


def publisher_dates(text: Any) -> tuple[list[date], list[str]]:
    """The dates in an ELS ``sourceDate``, and the parts that are not dates.

    ELS writes ``20/01/2026``, and for an indicator released in parts several dates joined by ``|``
    (``01/04/2026|15/01/2026|27/03/2026``): every one is kept.

    >>> publisher_dates("18/12/2025|18/12/2025")
    ([datetime.date(2025, 12, 18)], [])
    >>> publisher_dates("11/11/2025|27/01/2026|soon")
    ([datetime.date(2025, 11, 11), datetime.date(2026, 1, 27)], ['soon'])
    """
    if text is None or text == "":
        return [], []
    if not isinstance(text, str):
        return [], [str(text)]
    found: set[date] = set()
    bad: list[str] = []
    for part in (t.strip() for t in text.split("|")):
        if not part:
            continue
        for fmt in DATE_FORMATS:
            try:
                found.add(datetime.strptime(part, fmt).date())
                break
            except ValueError:
                continue
        else:
            bad.append(part)
    return sorted(found), bad


def _metadata_for(meta: dict[str, Any], name: str) -> dict[str, Any]:
    """The publisher's metadata for one indicator: shared keys overlaid with the indicator's own."""
    shared = dict(meta.get("shared") or {})
    if "label" in meta and "shared" not in meta:
        return dict(meta)
    wanted = name.strip().lower()
    for key, value in meta.items():
        if key != "shared" and isinstance(value, dict) and key.strip().lower() == wanted:
            return {**shared, **value}
    return shared


def _flag(value: Any) -> bool | None:
    if value in ("T", True, "true"):
        return True
    if value in ("F", False, "false"):
        return False
    return None


def load(ctx: LoadContext) -> None:
    data, metaref = ctx.dataset.files
    meta_doc = ctx.read_json(metaref)
    if not isinstance(meta_doc, dict) or not isinstance(meta_doc.get("ess-beta-metadata"), dict):
        raise ValidationError(ctx.name(metaref), "expected a JSON object with an 'ess-beta-metadata' object")
    meta = meta_doc["ess-beta-metadata"]
    ctx.metadata = meta_doc
    header = ctx.read_csv(data, "raw")
    if "AREACD" in header:  # the older schema
        LoadContext.check_columns(ctx.name(data), header, list(OLD_COLUMNS)[:5] + ["Period"], list(OLD_COLUMNS))
        cols = {OLD_COLUMNS[h]: h for h in header if h in OLD_COLUMNS}
    else:
        LoadContext.check_columns(ctx.name(data), header, TIDY_REQUIRED, TIDY_OPTIONAL, repeatable=("notes",))
        cols = {h: h for h in header if "#" not in h}
    notes = [quote_ident(h) for h in header if h.split("#")[0] == "notes"]

    def col(name: str) -> str:
        return quote_ident(cols[name]) if name in cols else "NULL"

    note_expr = "NULL" if not notes else f"nullif(concat_ws('; ', {', '.join(notes)}), '')"
    file = ctx.name(data)
    ctx.stage(
        f"""SELECT ?, row_no, ?, indicator, {col('areacd')}, {col('areanm')},
                   CASE {' '.join(f"WHEN {col('geography')} = '{k}' THEN '{v}'" for k, v in GEOGRAPHY_LEVELS.items())}
                   ELSE {col('geography')} END,
                   {col('period')}, '', {col('observation')}, {col('lci_95')}, {col('uci_95')}, {col('status')},
                   {note_expr}
            FROM (SELECT *, {col('indicator')} AS indicator FROM raw)""",
        [file, cols.get("observation", "observation")],
    )
    ctx.set_aside_where("area_code = 'na'", "rows with area code 'na' (the publisher gives no GSS code)")
    names = [r[0] for r in ctx.con.execute("SELECT DISTINCT indicator_id FROM stage_obs WHERE indicator_id IS NOT NULL")
             .fetchall()]  # fmt: skip
    units = dict(ctx.con.execute(f"SELECT indicator, any_value({col('unit')}) FROM raw GROUP BY 1").fetchall())
    measures = dict(ctx.con.execute(f"SELECT indicator, any_value({col('measure')}) FROM raw GROUP BY 1").fetchall()
                    if "measure" in cols else [])  # fmt: skip
    release_dates: set[date] = set()
    unreadable: set[str] = set()

    def dates_of(value: Any) -> None:
        found, bad = publisher_dates(value)
        release_dates.update(found)
        unreadable.update(bad)

    for name in names:
        m = _metadata_for(meta, name)
        slug = slugify(name)
        dates_of(m.get("sourceDate"))
        dp = m.get("decimalPlaces")
        ctx.add_indicator(
            IndicatorMeta(
                indicator_id=slug,
                label=m.get("label") or name,
                publisher_name=name,
                measure=measures.get(name),
                unit=units.get(name),
                prefix="£" if m.get("prefix") == "GBPSign" else m.get("prefix"),
                suffix=m.get("suffix"),
                decimal_places=int(dp) if isinstance(dp, int | float) else None,
                subtitle=m.get("subtitle"),
                description=m.get("longDescription"),
                caveats=m.get("caveats"),
                source_org=m.get("sourceOrg"),
                source_url=m.get("sourceURL"),
                experimental=_flag(m.get("experimentalStatistic")),
            )
        )
    for name in names:
        ctx.con.execute("UPDATE stage_obs SET indicator_id = ? WHERE indicator_id = ?", [slugify(name), name])
    if not release_dates:
        dates_of(meta.get("sourceDate"))
    dates = sorted(release_dates)
    ctx.release_dates = dates
    ctx.release_date = dates[-1] if dates else None
    for part in sorted(unreadable):
        ctx.warnings.append(f"{ctx.name(metaref)}: the publisher's release date {part!r} (sourceDate) is not a date "
                            f"in a form ELS uses (such as 20/01/2026){'' if dates else '; the release has no date'}")
