"""Reading a scenario's figures from the warehouse at a frozen vintage, with the release each came from.

A scenario's ``vintage`` pins each dataset to the release whose file has a given SHA-256 (the first 12 or more
characters), so its results regenerate exactly after newer releases are loaded. A dataset that is not pinned is
read from the release current at ``as_of`` (the newest by default), and the results say it was not pinned.
Identifiers from the scenario file reach the warehouse only as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prosperity.errors import NotFound, ProsperityError
from prosperity.periods import parse_period, period_label
from prosperity.warehouse import Warehouse
from prosperity.warehouse.schema import end_of

#: region names that take "the" in a sentence (ONS's English regions, and the UK)
_NO_ARTICLE = ("London", "Yorkshire", "England", "Wales", "Scotland", "Northern Ireland")


def prose_name(name: str, level: str | None) -> str:
    """``North West`` → ``the North West`` for regions; other names as they are."""
    if level == "uk" or (level in ("region", "itl1") and not name.startswith(_NO_ARTICLE)):
        return f"the {name}"
    return name


class ScenarioDataError(ProsperityError):
    """A figure the scenario needs is not in the warehouse at its vintage; the message says which and why.

    ``missing`` is True when the statistic is not held at all (typically one served live by its publisher), as
    opposed to a release or a period that is not there."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class Release:
    release_id: int
    dataset: str
    title: str
    publisher: str | None
    sha256: str
    release_date: str | None
    live_url: str | None
    pinned: bool

    def as_dict(self) -> dict[str, Any]:
        """Provenance that is the same on every machine (no load time, no internal release number)."""
        return {"dataset": self.dataset, "title": self.title, "publisher": self.publisher, "sha256": self.sha256,
                "release_date": self.release_date, "live_url": self.live_url, "pinned": self.pinned}  # fmt: skip


@dataclass(frozen=True)
class Point:
    year: int
    period: str
    value: float

    @property
    def label(self) -> str:
        return period_label(self.period)


@dataclass
class Series:
    """One indicator for one area and breakdown, yearly, from one release."""

    indicator: str
    label: str
    unit: str
    area: str
    area_name: str
    breakdown: str
    release: Release
    points: list[Point] = field(default_factory=list)
    scale: float = 1.0

    def at(self, year: int, role: str) -> Point:
        for p in self.points:
            if p.year == year:
                return p
        span = f"{self.points[0].label} to {self.points[-1].label}" if self.points else "no years"
        raise ScenarioDataError(f"{role}: no figure of '{self.label}' for {self.area_name} in {year} "
                                f"(the release has {span})")  # fmt: skip

    def latest_at_or_before(self, year: int, role: str) -> Point:
        pts = [p for p in self.points if p.year <= year]
        if not pts:
            raise ScenarioDataError(f"{role}: no figure of '{self.label}' for {self.area_name} in or before {year}")
        return pts[-1]

    def between(self, first: int | None, last: int | None) -> list[Point]:
        return [p for p in self.points if (first is None or p.year >= first) and (last is None or p.year <= last)]

    def pairs(self) -> list[tuple[int, float]]:
        return [(p.year, p.value * self.scale) for p in self.points]


class Reader:
    """Reads figures for one scenario run: releases chosen once per dataset, every release used recorded."""

    def __init__(self, wh: Warehouse, vintage: dict[str, str] | None = None, as_of: str | None = None):
        self.wh = wh
        self.vintage = dict(vintage or {})
        self.as_of = as_of
        self._as_of_ts = end_of(as_of) if as_of else None
        self.releases: dict[str, Release] = {}
        self._names: dict[str, str] = {}

    def area_name(self, code: str) -> str:
        """The area's name as it reads in a sentence: "the North West", "the United Kingdom", "England"."""
        if code not in self._names:
            try:
                row = self.wh.area(code)
            except NotFound:
                raise ScenarioDataError(f"the area code {code!r} is not in the warehouse") from None
            self._names[code] = prose_name(row["name"], row["level"])
        return self._names[code]

    def _release(self, dataset: str) -> Release:
        if dataset in self.releases:
            return self.releases[dataset]
        pin = self.vintage.get(dataset)
        params: dict[str, Any] = {"d": dataset, "as_of": self._as_of_ts}
        sql = """SELECT release_id, dataset_id, title, publisher, sha256, CAST(publisher_release_date AS TEXT), live_url
                 FROM releases WHERE dataset_id = $d
                   AND ($as_of IS NULL OR loaded_at <= CAST($as_of AS TIMESTAMP))"""
        if pin:
            sql += " AND starts_with(sha256, $pin)"
            params["pin"] = pin
        row = self.wh.con.execute(sql + " ORDER BY release_id DESC LIMIT 1", params).fetchone()
        if row is None:
            when = f" as it stood on {self.as_of}" if self.as_of else ""
            if pin:
                later = self.wh.con.execute("SELECT 1 FROM releases WHERE dataset_id = ? AND starts_with(sha256, ?)",
                                            [dataset, pin]).fetchone()  # fmt: skip
                if later:
                    raise ScenarioDataError(f"no release of '{dataset}' is in the warehouse{when}: the release the "
                                            f"scenario is pinned to ({pin}) was loaded later")  # fmt: skip
                have = self.wh.con.execute(
                    "SELECT sha256 FROM releases WHERE dataset_id = ? ORDER BY release_id DESC LIMIT 1", [dataset]
                ).fetchone()
                newest = f"; the newest release's file begins {have[0][:12]} (update the scenario's vintage to use " \
                         "it)" if have else ""  # fmt: skip
                raise ScenarioDataError(f"the scenario is pinned to the release of '{dataset}' whose file begins "
                                        f"{pin}, which is not in the warehouse{newest}")  # fmt: skip
            raise ScenarioDataError(f"no release of '{dataset}' is in the warehouse{when}")
        rel = Release(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], pinned=bool(pin))
        self.releases[dataset] = rel
        return rel

    def series(self, indicator: str, area: str, breakdown: str = "", role: str = "input", scale: float = 1.0,
               unit: str | None = None) -> Series:  # fmt: skip
        """Every yearly figure of ``indicator`` for ``area`` and ``breakdown`` in the release chosen for its dataset."""
        meta = self.wh.query("SELECT dataset_id, label, unit FROM indicators WHERE indicator_id = ?", [indicator])
        if not meta:
            raise ScenarioDataError(f"{role}: the indicator '{indicator}' is not in the warehouse; `prosperity "
                                    "indicators` lists what is (some statistics need a live fetch)",
                                    missing=True)  # fmt: skip
        rel = self._release(meta[0]["dataset_id"])
        rows = self.wh.con.execute(
            """SELECT period, value FROM observations
               WHERE release_id = $r AND indicator_id = $i AND area_code = $a AND breakdown = $b AND value IS NOT NULL
               ORDER BY period_start, period_end""",
            {"r": rel.release_id, "i": indicator, "a": area, "b": breakdown},
        ).fetchall()
        points = []
        for period, value in rows:
            p = parse_period(period)
            if p.unit == "Y" and p.count == 1:
                points.append(Point(p.start.year, period, float(value)))
        name = self.area_name(area)
        if not points:
            brk = f", breakdown '{breakdown}'" if breakdown else ""
            raise ScenarioDataError(f"{role}: no yearly figures of '{meta[0]['label']}' for {name} ({area}){brk} "
                                    f"in the release of {rel.dataset} used")  # fmt: skip
        return Series(indicator, meta[0]["label"], unit or meta[0]["unit"] or "", area, name, breakdown, rel, points,
                      scale)  # fmt: skip

    def used(self) -> list[dict[str, Any]]:
        return [r.as_dict() for _, r in sorted(self.releases.items())]
