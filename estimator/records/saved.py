"""A quote record as the log stores it (one row of the quotes table, decoded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Saved:
    """A stored quote record."""

    id: str
    version: int
    root_id: str
    replaces_id: str | None
    created_at: datetime
    created_by: str
    kind: str
    patient_name: str | None
    patient_dob: date | None
    patient_ref: str | None
    data_version: str
    inputs: dict
    outputs: dict
    note: str | None
    seq: int | None = None
    prev_hash: str | None = None
    record_hash: str | None = None


def record_json(s: Saved) -> dict:
    """A stored record as JSON (``log show --json``, ``GET /v1/log/{quote_id}``): every column, dates as ISO text."""
    return {"quote_id": s.id, "version": s.version, "root_id": s.root_id, "replaces": s.replaces_id,
            "saved_at": s.created_at.isoformat(), "saved_by": s.created_by, "kind": s.kind,
            "patient_name": s.patient_name, "patient_dob": s.patient_dob.isoformat() if s.patient_dob else None,
            "patient_ref": s.patient_ref, "data_version": s.data_version, "note": s.note, "seq": s.seq,
            "prev_hash": s.prev_hash, "record_hash": s.record_hash, "inputs": s.inputs, "outputs": s.outputs}
