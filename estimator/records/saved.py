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
