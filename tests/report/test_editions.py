"""Editions: an old edition regenerates with the old numbers after a revision; a fresh one has the new numbers."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror

GVA = "els/gross-value-added"
LCR = "E47000004"


def _revise(path: Path, value: str) -> None:
    """Change the city region's 2023 GVA per hour worked in a copied ELS file (BOM and all)."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    hits = 0
    for r in rows[1:]:
        if r[0] == LCR and r[4] == "2023-01-01/P1Y" and r[3] == "Gross value added per hour worked":
            r[5] = value
            hits += 1
    assert hits == 1
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")


def _report(db: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(app, ["report", "--area", LCR, "--out", str(out), "--db", str(db),
                                      "--no-pdf", *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return (out / "index.html").read_text(encoding="utf-8")


def test_an_old_edition_regenerates_identically_after_a_revision(tmp_path: Path):
    mirror = make_mirror(tmp_path / "mirror", copy=(GVA,))
    db = tmp_path / "w.duckdb"
    build(db, mirror=mirror)
    with Warehouse.open(db) as wh:
        (first,) = wh.releases(GVA)
    noted = first["loaded_at"].isoformat()  # the moment the first edition's data stood at

    old_edition = _report(db, tmp_path / "edition-1")
    assert "£37.33 per hour, current prices</strong>, 2023" in old_edition
    published = _report(db, tmp_path / "edition-1-as-of", "--as-of", noted)  # the edition as first published

    time.sleep(0.01)
    _revise(mirror / GVA / "gross-value-added.csv", "38.05")
    summary = build(db, mirror=mirror)
    assert {r.dataset_id: r.status for r in summary.results}[GVA] == "loaded"

    regenerated = _report(db, tmp_path / "edition-1-again", "--as-of", noted)
    fresh = _report(db, tmp_path / "edition-2")

    assert "£37.33 per hour, current prices</strong>, 2023" in regenerated
    assert "£38.05" not in regenerated
    assert "£38.05 per hour, current prices</strong>, 2023" in fresh
    assert "£37.33 per hour, current prices</strong>" not in fresh

    m_old = json.loads((tmp_path / "edition-1-again" / "edition.json").read_text(encoding="utf-8"))
    m_new = json.loads((tmp_path / "edition-2" / "edition.json").read_text(encoding="utf-8"))
    old_ids = {r["release_id"] for r in m_old["releases"] if r["dataset_id"] == GVA}
    new_ids = {r["release_id"] for r in m_new["releases"] if r["dataset_id"] == GVA}
    assert old_ids == {first["release_id"]} and new_ids and new_ids.isdisjoint(old_ids)
    assert m_old["as_of"] == noted and m_new["as_of"] is None
    assert {r["sha256"] for r in m_old["releases"] if r["dataset_id"] == GVA} == {first["sha256"]}

    # the old edition, regenerated after the revision, is the document first published, byte for byte
    assert regenerated == published
    assert f"--as-of {noted}" in regenerated  # the report says how to regenerate itself
