"""Editions: an old edition regenerates with the old numbers after a revision; a fresh one has the new numbers."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shlex
import time
from datetime import datetime
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


def _report(db: Path, out: Path, *extra: str, pdf: bool = False) -> str:
    result = CliRunner().invoke(app, ["report", "--area", LCR, "--out", str(out), "--db", str(db),
                                      *([] if pdf else ["--no-pdf"]), *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    return (out / "index.html").read_text(encoding="utf-8")


def _printed_command(page: str) -> str:
    """The command an edition prints for making itself again, as a reader would copy it from the page."""
    found = re.findall(r'<p class="command"><code>(.*?)</code></p>', page)
    assert len(found) == 1
    return html.unescape(found[0])


def test_an_old_edition_regenerates_byte_for_byte_from_the_command_it_prints(tmp_path: Path, monkeypatch):
    mirror = make_mirror(tmp_path / "mirror", copy=(GVA,))
    db = tmp_path / "w.duckdb"
    build(db, mirror=mirror)
    with Warehouse.open(db) as wh:
        (first,) = wh.releases(GVA)

    old_edition = _report(db, tmp_path / "edition-1", pdf=True)
    assert '<p class="finding-source">£37.33 per hour, current prices, 2023.' in old_edition
    command = _printed_command(old_edition)
    manifest = json.loads((tmp_path / "edition-1" / "edition.json").read_text(encoding="utf-8"))
    assert command == manifest["regenerate"]
    words = shlex.split(command)  # it pastes into a shell: quoted where it must be
    assert words[:4] == ["prosperity", "report", "--area", LCR]
    moment = words[words.index("--as-of") + 1]
    assert " " not in moment and datetime.fromisoformat(moment) == first["loaded_at"]
    assert f"--as-of '{moment}'" in command

    time.sleep(0.01)
    _revise(mirror / GVA / "gross-value-added.csv", "38.05")
    summary = build(db, mirror=mirror)
    assert {r.dataset_id: r.status for r in summary.results}[GVA] == "loaded"

    # the reader's command, run as printed (in another folder, with this warehouse) after the revision
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(app, [*words[1:], "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = elsewhere / words[words.index("--out") + 1]
    assert (out / "index.html").read_bytes() == (tmp_path / "edition-1" / "index.html").read_bytes()
    assert (out / "report.pdf").read_bytes() == (tmp_path / "edition-1" / "report.pdf").read_bytes()

    fresh = _report(db, tmp_path / "edition-2")
    assert '<p class="finding-source">£38.05 per hour, current prices, 2023.' in fresh
    assert "£37.33 per hour" not in fresh.split('id="peers"')[0]

    m_old = json.loads((out / "edition.json").read_text(encoding="utf-8"))
    m_new = json.loads((tmp_path / "edition-2" / "edition.json").read_text(encoding="utf-8"))
    old_ids = {r["release_id"] for r in m_old["releases"] if r["dataset_id"] == GVA}
    new_ids = {r["release_id"] for r in m_new["releases"] if r["dataset_id"] == GVA}
    assert old_ids == {first["release_id"]} and new_ids and new_ids.isdisjoint(old_ids)
    assert {r["sha256"] for r in m_old["releases"] if r["dataset_id"] == GVA} == {first["sha256"]}
    # an edition is known by the releases it used (publishers' dates and checksums), not by when they were loaded
    assert m_old["edition"] == manifest["edition"] and m_new["edition"]["id"] != m_old["edition"]["id"]
    assert m_old["edition"]["id"] in old_edition and first["loaded_at"].isoformat()[:10] not in old_edition.split(
        '<p class="command">')[0]  # fmt: skip


def test_the_edition_identity_is_the_releases_not_when_they_were_loaded():
    from prosperity.report.data import edition_identity

    a = {"dataset_id": "els/gva", "release_date": "2025-06-19", "sha256": "ab" * 32, "loaded_at": "2026-01-01"}
    b = {"dataset_id": "els/pay", "release_date": "2025-10-01", "sha256": "cd" * 32, "loaded_at": "2026-01-01"}
    same = edition_identity([{**b, "loaded_at": "2027-05-05"}, {**a, "release_id": 99}])
    assert edition_identity([a, b]) == same and same[1] == "2025-10-01"
    assert edition_identity([a, {**b, "sha256": "ef" * 32}])[0] != same[0]
    assert edition_identity([a, {**b, "release_date": "2025-10-02"}])[0] != same[0]
