"""Flat views of an evaluation result: one row per estimate (for CSV and tables), and the files written."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from prosperity.errors import ProsperityError
from prosperity.evaluate.words import amount

ESTIMATE_COLUMNS = ["evaluation", "area", "area_name", "indicator", "label", "unit", "start", "method", "refused",
                    "estimate", "band_low", "band_high", "p_value", "pre_rmspe", "sms_level", "causal_wording",
                    "donors", "refusal_reasons", "sentence"]  # fmt: skip


def estimate_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for e in result["estimates"]:
        for r in e["results"]:
            band = r.get("band") or [None, None]
            rows.append({
                "evaluation": result["id"], "area": e["area"], "area_name": e["area_name"], "indicator": e["indicator"],
                "label": e["label"], "unit": e["unit"], "start": e["start"], "method": r["method"],
                "refused": bool(r.get("refused")), "estimate": r.get("estimate"), "band_low": band[0],
                "band_high": band[1], "p_value": r.get("p_value"), "pre_rmspe": r.get("pre_rmspe"),
                "sms_level": r["grade"]["level"], "causal_wording": r["grade"]["causal_wording"],
                "donors": len(e["donors"]), "refusal_reasons": "; ".join(x["reason"] for x in r.get("refusals", [])),
                "sentence": r["sentence"],
                "estimate_text": None if r.get("estimate") is None else
                ("+" if r["estimate"] >= 0 else "−") + amount(r["estimate"], e["unit"]),
            })  # fmt: skip
    return rows


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = columns or ESTIMATE_COLUMNS
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    return buf.getvalue()


def write_outputs(result: dict[str, Any], folder: Path) -> list[Path]:
    """``result.json`` (every input, release and diagnostic) and ``estimates.csv`` in ``folder``."""
    from prosperity.evaluate.run import result_bytes

    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "result.json", folder / "estimates.csv"]
        paths[0].write_bytes(result_bytes(result))
        paths[1].write_text(csv_text(estimate_rows(result)), encoding="utf-8")
    except OSError as e:
        raise ProsperityError(f"cannot write to {folder}: {e.strerror or e}") from None
    return paths
