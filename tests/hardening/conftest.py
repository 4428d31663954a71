"""Helpers for hardening tests: row checksums of every release (the small warehouse is in tests/conftest.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from tests.conftest import CC, CC_JSON, GVA, rewrite

__all__ = ["CC", "CC_JSON", "GVA", "release_checksums", "rewrite"]


def release_checksums(db: Path) -> dict[int, tuple[str, int]]:
    """Each release's stored observations as a SHA-256 of their sorted rows, computed here in Python (independent
    of the warehouse's own digests), with the release's metadata row."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (rid,) in con.execute("SELECT release_id FROM releases ORDER BY 1").fetchall():
            h = hashlib.sha256()
            rows = con.execute("SELECT * FROM observations WHERE release_id = ? ORDER BY ALL", [rid]).fetchall()
            for row in rows:
                h.update(repr(row).encode())
            meta = con.execute("SELECT * FROM releases WHERE release_id = ?", [rid]).fetchone()
            h.update(repr(meta).encode())
            out[rid] = (h.hexdigest(), len(rows))
        return out
    finally:
        con.close()
