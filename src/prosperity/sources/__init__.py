"""Sources: one module per publisher, each declaring its datasets through ``discover(mirror)``.

The registry below is the one list of sources; the build asks each in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prosperity.sources import (
    ashe,
    defra,
    dfe,
    dft,
    els,
    emissions_housing,
    geography,
    iod,
    nomis_tables,
    ofcom,
    population,
    regional_accounts,
)
from prosperity.sources import desnz as desnz_files
from prosperity.sources import fingertips as fingertips_files
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live import desnz, fingertips, nomis, ons_api

SOURCES: dict[str, Callable[[Path | None], Discovery]] = {
    "geography": geography.discover,
    "ons-els": els.discover,
    "iod": iod.discover,
    "regional-accounts": regional_accounts.discover,
    "emissions-housing": emissions_housing.discover,
    "ons-population": population.discover,
    "nomis-local-area-tables": nomis_tables.discover,
    "desnz-workbooks": desnz_files.discover,
    "fingertips-exports": fingertips_files.discover,
    "dfe": dfe.discover,
    "dft": dft.discover,
    "defra": defra.discover,
    "ofcom": ofcom.discover,
    "ons-ashe": ashe.discover,
    "nomis": nomis.discover,
    "ons-api": ons_api.discover,
    "fingertips": fingertips.discover,
    "desnz": desnz.discover,
}


def discover_all(mirror: Path | None) -> Discovery:
    """Every dataset of every source, reference datasets first."""
    out = Discovery()
    for discover in SOURCES.values():
        found = discover(mirror)
        out.datasets.extend(found.datasets)
        out.missing.extend(found.missing)
        out.ignored.extend(found.ignored)
    out.datasets.sort(key=lambda d: (d.order, d.id))
    return out


__all__ = ["SOURCES", "Dataset", "Discovery", "FileRef", "discover_all"]
