"""Reading a stored quote: the one place that knows the shape of a saved record's ``outputs``.

A saved record's ``outputs`` is the quote's JSON (``Quote.to_dict()``) as shown to the patient,
plus, for a Good Faith Estimate, a ``gfe`` block (the case, its lines and the PDF as issued, in
base64). It carries ``schema_version``: records saved before versions existed have none and are
version 1 (the same shape). A later change to the shape bumps ``SCHEMA_VERSION`` and teaches
``QuoteRecord`` to read the older versions, so every record ever saved can still be reprinted.

Everything that reads a stored quote - the reprint, the quote log's table, the CSV export - goes
through ``QuoteRecord``; nothing else reaches into ``outputs``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from estimator.common.errors import FieldError, InputError
from estimator.common.i18n import DEFAULT, N_, use

if TYPE_CHECKING:
    from estimator.records.saved import Saved

#: The version new saves are stamped with.
SCHEMA_VERSION = 1
#: The versions this code can read.
READABLE_VERSIONS = frozenset({1})

#: The CSV export's columns (one row per record); names are kept stable for spreadsheets built on them.
EXPORT_COLUMNS = ["quote_id", "version", "replaces", "saved_at_utc", "saved_by", "kind", "patient_name",
                  "patient_dob", "patient_ref", "code", "site", "coverage", "locality", "total_typical",
                  "patient_low", "patient_typical", "patient_high", "data_version"]


class UnknownSchemaVersion(InputError):
    """A stored record written by a newer (or unknown) version of this program."""


def stamp(outputs: dict) -> dict:
    """The outputs to store: a copy carrying the current ``schema_version``."""
    return {**outputs, "schema_version": SCHEMA_VERSION}


def schema_version_of(outputs: dict) -> int:
    """The record's schema version (1 when it has none, as saved before versions existed)."""
    return outputs.get("schema_version", 1)


@dataclass(frozen=True)
class QuoteRecord:
    """One saved quote or Good Faith Estimate, read back for reprinting, listing and export.

    Build it with ``QuoteRecord(saved)`` from a ``storage.Saved``; it raises ``UnknownSchemaVersion``
    (an ``InputError`` naming the quote and the version) for a record this code cannot read.
    Amounts are US dollars as first given; nothing is recomputed from today's data.
    """

    saved: Saved

    def __post_init__(self) -> None:
        version = schema_version_of(self.saved.outputs)
        if version not in READABLE_VERSIONS:
            readable = ", ".join(str(v) for v in sorted(READABLE_VERSIONS))
            raise UnknownSchemaVersion([FieldError(
                f"quote {self.saved.id} schema_version",
                f"{version!r} is not a version this program can read (it reads {readable}); "
                "the record was saved by a newer version: update the program to reprint it")])

    # -- what was given ---------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.saved.id

    @property
    def kind(self) -> str:
        """``quote`` or ``gfe``."""
        return self.saved.kind

    @property
    def is_gfe(self) -> bool:
        return self.saved.kind == "gfe"

    @property
    def schema_version(self) -> int:
        return schema_version_of(self.saved.outputs)

    @property
    def patient_pays(self) -> dict[str, float]:
        """What the patient was told they would pay: ``low``, ``typical``, ``high`` ($)."""
        return self.saved.outputs["patient_pays"]

    @property
    def total_allowed(self) -> dict[str, float]:
        """The total allowed amount quoted: ``low``, ``typical``, ``high`` ($)."""
        return self.saved.outputs["total_allowed"]

    @property
    def gfe_lines(self) -> list[dict]:
        """A Good Faith Estimate's lines (``role``, ``code``, ``amount`` in $); empty for a plain quote."""
        return list(self.saved.outputs["gfe"]["lines"]) if self.is_gfe else []

    @property
    def gfe_case(self) -> dict:
        """A Good Faith Estimate's case as issued (patient, service dates, diagnosis codes, scenario)."""
        if not self.is_gfe:
            raise InputError([FieldError(f"quote {self.id}", "is a quote, not a Good Faith Estimate")])
        return self.saved.outputs["gfe"]["case"]

    @property
    def language(self) -> str:
        """The language the record's words were saved in (``language`` of the quote; records from
        before quotes said so were all English)."""
        return str(self.saved.outputs.get("language") or DEFAULT)

    # -- reprinting -------------------------------------------------------------------------------
    def summary_pdf(self, today: date | None = None) -> bytes:
        """The front desk's printed summary from the stored numbers, dated the day it was saved (or
        ``today``): the patient's name, date of birth and reference, the quote ID, who saved it and
        when (in the clinic's local time) and the data version."""
        from estimator.documents.summary import RecordHeader, summary_pdf

        s = self.saved
        header = RecordHeader(s.id, s.created_by, s.created_at, s.patient_name, s.patient_dob, s.patient_ref,
                              s.version, s.replaces_id)
        with use(self.language):
            return summary_pdf(s.outputs, today or s.created_at.date(), record=header)

    def gfe_pdf(self) -> bytes:
        """The Good Faith Estimate PDF exactly as issued (the stored bytes)."""
        if not self.is_gfe:
            raise InputError([FieldError(f"quote {self.id}", "is a quote, not a Good Faith Estimate")])
        return base64.b64decode(self.saved.outputs["gfe"]["pdf_base64"])

    # -- listing and export -----------------------------------------------------------------------
    def table_row(self) -> dict[str, object]:
        """The quote log's table row (column label -> value; amounts in $, saved time in UTC). The
        labels are English msgids: a page shows each translated (``_(label)``)."""
        s, o = self.saved, self.saved.outputs
        pays = self.patient_pays
        return {
            N_("Quote ID"): s.id, N_("Version"): s.version, N_("Replaces"): s.replaces_id or "",
            N_("Saved (UTC)"): s.created_at.strftime("%Y-%m-%d %H:%M"), N_("By"): s.created_by,
            N_("Kind"): s.kind.upper(), N_("Patient"): s.patient_name or "", N_("Reference"): s.patient_ref or "",
            N_("Code"): o.get("code", ""), N_("Site"): o.get("site", ""), N_("Coverage"): o.get("coverage", ""),
            N_("Locality"): (o.get("locality") or {}).get("key", ""),
            N_("Total allowed (typical)"): self.total_allowed["typical"],
            N_("Patient pays (low)"): pays["low"], N_("Patient pays (typical)"): pays["typical"],
            N_("Patient pays (high)"): pays["high"],
        }

    def export_row(self) -> list[object]:
        """The record's CSV export row, in ``EXPORT_COLUMNS`` order (write it with ``estimator.common.safe_csv``)."""
        s, o = self.saved, self.saved.outputs
        pays = self.patient_pays
        return [s.id, s.version, s.replaces_id, s.created_at.strftime("%Y-%m-%d %H:%M:%S"), s.created_by, s.kind,
                s.patient_name, s.patient_dob, s.patient_ref, o.get("code"), o.get("site"), o.get("coverage"),
                (o.get("locality") or {}).get("key"), self.total_allowed["typical"], pays["low"], pays["typical"],
                pays["high"], s.data_version]


#: Amount columns of ``QuoteRecord.table_row`` (shown as dollars).
TABLE_AMOUNT_COLUMNS = ("Total allowed (typical)", "Patient pays (low)", "Patient pays (typical)",
                        "Patient pays (high)")
