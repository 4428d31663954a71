"""What changed since the previous edition, read from that edition's manifest (``edition.json``).

Every edition's manifest records, for each indicator it reports, the status, the latest figure and its period,
each target's status, and the series it charted, period by period. Comparing the previous manifest with this
edition gives the statuses that changed, the figures that moved on to a newer period, and the revisions to
figures already published for a period (a publisher's revision, not a new period). Nothing is recomputed: both
sides are the assessments as each edition printed them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosperity.periods import period_label


@dataclass
class Changes:
    """The changes since a previous edition (or why there is no comparison)."""

    previous_id: str | None = None
    previous_published_to: str | None = None
    statuses: list[tuple[str, str, str, str]] = field(default_factory=list)  # (indicator, label, was, now)
    figures: list[tuple[str, str, str, str]] = field(default_factory=list)  # (indicator, label, was, now)
    revisions: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # (ind, label, period, was, now)
    targets: list[tuple[str, str, str, str]] = field(default_factory=list)  # (indicator, target, was, now)
    problem: str | None = None  # the previous manifest could not be read

    @property
    def any(self) -> bool:
        return bool(self.statuses or self.figures or self.revisions or self.targets)


def record(item_id: str, label: str, a: Any, series: list[tuple[str, float]], value_text: str) -> dict[str, Any]:
    """What a manifest keeps of one assessed indicator, for the next edition to compare with."""
    return {"indicator": item_id, "label": label, "status": a.status, "unit": a.unit, "value": a.value,
            "value_text": value_text, "period": a.period, "period_label": a.period_label,
            "targets": {t["id"]: t.get("status") for t in a.targets if t.get("id")},
            "series": {p: v for p, v in series}}  # fmt: skip


def load_previous(path: Path) -> dict[str, Any] | str:
    """The previous edition's manifest (a folder holding ``edition.json``, or the file), or what is wrong."""
    file = path / "edition.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{file}: no such file (give the folder of the previous edition, or its edition.json)"
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return f"{file}: cannot be read as an edition manifest ({str(e).splitlines()[0]})"
    if not isinstance(data, dict) or not isinstance(data.get("assessments"), list):
        return f"{file}: not an edition manifest with the assessments of its indicators (made by an older version?)"
    return data


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def compare(previous: dict[str, Any] | str | None, current: list[dict[str, Any]], *,
            fmt: Any = None) -> Changes | None:  # fmt: skip
    """The changes from ``previous`` (a manifest, or why it could not be read) to ``current`` records.

    :param fmt: how to write a revised value of an indicator: ``fmt(indicator, value) -> str``
    """
    if previous is None:
        return None
    if isinstance(previous, str):
        return Changes(problem=previous)
    edition = previous.get("edition") or {}
    out = Changes(previous_id=edition.get("id"), previous_published_to=edition.get("published_to"))
    before = {r["indicator"]: r for r in previous["assessments"] if isinstance(r, dict) and r.get("indicator")}
    for now in current:
        was = before.get(now["indicator"])
        if was is None:
            continue
        ind, label = now["indicator"], now["label"]
        if was.get("status") != now["status"]:
            out.statuses.append((ind, label, str(was.get("status")), now["status"]))
        if was.get("period") != now["period"] and now["value"] is not None:
            old = f"{was.get('value_text')}, {was.get('period_label')}" if was.get("value") is not None else "no figure"
            out.figures.append((ind, label, old, f"{now['value_text']}, {now['period_label']}"))
        for period, value in sorted((now.get("series") or {}).items()):
            old_value = (was.get("series") or {}).get(period)
            if old_value is not None and value is not None and not _same(old_value, value):
                was_text, now_text = (fmt(ind, old_value), fmt(ind, value)) if fmt else (f"{old_value:,g}", f"{value:,g}")
                out.revisions.append((ind, label, period_label(period), was_text, now_text))
        for tid, status in now.get("targets", {}).items():
            old_status = (was.get("targets") or {}).get(tid)
            if old_status is not None and old_status != status:
                out.targets.append((ind, tid, str(old_status), str(status)))
    return out
