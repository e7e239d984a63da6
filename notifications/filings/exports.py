"""Machine-readable exports in formats authorities publish (DORA ITS (EU) 2025/302 Annex I)."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path
from typing import Any

from notifications.filings.render import display

_DORA_FILE = Path(__file__).resolve().parent / "dora_its_annex_i.toml"
_DORA = tomllib.loads(_DORA_FILE.read_text("utf-8"))
DORA_FIELDS: tuple[dict[str, Any], ...] = tuple(_DORA["fields"])
DORA_TEMPLATE = "DORA major ICT-related incident report, ITS (EU) 2025/302 Annex I"


def dora_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per template field in this report's stage: field id, name, element, value."""
    stage = doc["phase"]
    content = doc["content"]
    rows = []
    for spec in DORA_FIELDS:
        if stage not in spec["stages"]:
            continue
        value = content.get(spec["element"])
        if spec.get("part") and isinstance(value, dict):
            value = value.get(spec["part"])
        rows.append(
            {
                "field": spec["id"],
                "name": spec["name"],
                "element": spec["element"],
                "value": value,
                "text": display(spec["element"], value, "en"),
            }
        )
    return rows


def dora_json(doc: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "template": DORA_TEMPLATE,
        "type_of_submission": doc["phase"],
        "incident_reference": doc["incident_reference"],
        "filing_id": doc["filing_id"],
        "version": doc["version"],
        "submitted_at": doc.get("submitted_at"),
        "fields": rows,
    }


def dora_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "name", "element", "value"])
    for row in rows:
        writer.writerow([row["field"], row["name"], row["element"], row["text"]])
    return out.getvalue()
