"""What the publisher-file sources (DfE, DfT, DEFRA, Ofcom, ONS ASHE) share: editions, live locations, new areas.

**Editions.** A publisher's next edition of a file has a new name (``…_2021-22.zip`` → ``…_2022-23.zip``) and
usually repeats the earlier years, revised. A source names its files by an anchored pattern; the newest edition
in the mirror is loaded and the older ones are reported as not loaded. Where a publication is one period per file
(DfE's NEET scorecards), every edition is loaded and, where two give the same figure, the newer one's is kept
(:func:`keep_newest_edition`). Either way a new edition is a new release of the same dataset, with no code change.

**Live locations.** Each dataset names the publisher's own page or file. Where the publisher gives each release
its own download address, the newest is found through the publisher's own listing (the EES public API, Ofcom's
Connected Nations pages, GOV.UK's content API, ONS dataset pages). Where no listing can find it (a DfE release's
whole "download all data" bundle), the file is a :class:`ManualDownload`: a build without a mirror reports it as
unavailable, naming the page to download it from, rather than fetching something else.

**Areas.** A file may register a well-formed GSS code of a geography the register lacks (Merseyside's waste
disposal authority) that it names and places in a geography (``loading.file_declared_area``). Figures for a
local authority the register does not know (a county abolished before its time) are set aside, each one named,
by :func:`set_aside_unregistered`, rather than rejecting the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prosperity.errors import SourceError
from prosperity.sources.base import Dataset, Discovery
from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveSettings
from prosperity.sources.sheets import newest_edition
from prosperity.warehouse.loading import LoadContext


def editions(mirror: Path, folder: str, pattern: re.Pattern[str]) -> list[str]:
    """Mirror paths of the files in ``folder`` whose whole name matches ``pattern``, oldest edition first
    (the edition is the pattern's first group, compared as :func:`~prosperity.sources.sheets.newest_edition` does)."""
    newest, older = newest_edition(mirror, folder, pattern)
    return [*older, newest] if newest else []


def discover_newest(mirror: Path, folder: str, pattern: re.Pattern[str], dataset_id: str,
                    make: Callable[[str], Dataset], what: str) -> Discovery:
    """One dataset from the newest edition of a file in ``folder``; older editions and any other file of the
    folder reported as not loaded (``what`` names the publication, for that report)."""
    found = Discovery()
    files = editions(mirror, folder, pattern)
    if not files:
        found.missing.append((dataset_id, f"no file named like {pattern.pattern} in {folder}/ of the mirror"))
        return found
    found.datasets.append(make(files[-1]))
    found.ignored.extend((f, f"an older edition of {files[-1].split('/')[1]}, which is loaded instead")
                         for f in files[:-1])  # fmt: skip
    found.ignored.extend(unclaimed(mirror, folder, set(files), f"not {what} file this build reads"))
    return found


def unclaimed(mirror: Path, folder: str, claimed: set[str], reason: str) -> list[tuple[str, str]]:
    """Files of ``folder`` no dataset reads, for the build's report of what in the mirror is not loaded."""
    d = mirror / folder
    if not d.is_dir():
        return []
    return [(f"{folder}/{p.name}", reason) for p in sorted(d.iterdir())
            if p.is_file() and f"{folder}/{p.name}" not in claimed]  # fmt: skip


@dataclass(frozen=True)
class ManualDownload:
    """A file whose download address the publisher makes anew for each release: only a person can fetch it."""

    page: str
    file: str

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"# {self.file}: download it from {self.page} (the address changes with each release) into the mirror"]

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        raise SourceError(f"{self.file} is published at {self.page}, with a download address that changes with each "
                          "release; download it from there into a mirror folder and build with --mirror")  # fmt: skip


def set_aside_unregistered(ctx: LoadContext, what: str) -> None:
    """Set aside staged figures for areas neither in the register nor registrable from the file (a county abolished
    before the register's time, say), naming every one in the reason, instead of rejecting the file."""
    rows = ctx.con.execute(
        """SELECT s.area_code, any_value(s.area_name), any_value(s.area_level) FROM stage_obs s
           LEFT JOIN areas a ON a.code = s.area_code WHERE a.code IS NULL GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    gone = [(c, n) for c, n, lv in rows if ctx.declares_areas(c, n, lv) is None]
    if gone:
        codes = ", ".join(_lit(c) for c, _ in gone)
        ctx.set_aside_where(f"area_code IN ({codes})", f"{what} for areas not in the area register: "
                            + ", ".join(f"{c} ({n})" for c, n in gone))  # fmt: skip


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def keep_newest_edition(ctx: LoadContext, files_oldest_first: list[str]) -> None:
    """Where several editions staged the same figure, keep the newest edition's (the others are set aside)."""
    if len(files_oldest_first) < 2:
        return
    con = ctx.con
    con.execute("DROP TABLE IF EXISTS edition_rank")
    con.execute("CREATE TEMP TABLE edition_rank (prefix TEXT, rank INTEGER)")
    con.executemany("INSERT INTO edition_rank VALUES (?, ?)", [(f, i) for i, f in enumerate(files_oldest_first)])
    rank = ("(SELECT max(r.rank) FROM edition_rank r WHERE {t}.file = r.prefix OR starts_with({t}.file, r.prefix || '!')"
            " OR starts_with({t}.file, r.prefix || ' ['))")
    ctx.set_aside_where(
        f"""EXISTS (SELECT 1 FROM stage_obs n WHERE n.indicator_id = stage_obs.indicator_id
                     AND n.area_code = stage_obs.area_code AND n.breakdown = stage_obs.breakdown
                     AND n.period_raw = stage_obs.period_raw AND {rank.format(t='n')} > {rank.format(t='stage_obs')})""",
        "figures repeated in a newer edition, whose figures are kept",
    )
