"""The front desk's records: what a saved quote or Good Faith Estimate holds, saving it, correcting it.

The front-desk page (``app_pages/front_desk.py``) reads the form and shows results; everything it
stores goes through here, so the record shapes are defined once and tested without a browser:

- :func:`record_inputs` is the ``inputs`` of a saved record (the scenario, plus the clinic contract
  used, if any);
- :func:`gfe_case` and :func:`gfe_outputs` turn the form's Good Faith Estimate details into the case
  (the JSON format in the README), the priced estimate, its PDF and the ``outputs`` that are stored;
- :func:`save_quote` and :func:`save_gfe` write to the quote log, turning every storage failure into
  an :class:`~estimator.errors.InputError` (something staff can fix, e.g. a quote corrected twice) or
  a :class:`StorageError` (the database failed), whose messages hold no SQL and no patient details;
- :func:`correction_source` and :func:`correction_values` are what a correction starts from.

No Streamlit here: the page calls these and shows the errors' messages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from . import gfe
from .clinic_prices import PriceList
from .documents.gfe_pdf import gfe_pdf
from .errors import FieldError, InputError, fail
from .scenario import Scenario
from .storage import QuoteLog, Saved, StorageError  # StorageError: re-exported as desk.StorageError

#: The date formats staff may type (ISO first; US month/day/year also read).
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")

#: Scenario fields a saved record's ``inputs`` give back to the form on a correction.
SCENARIO_FORM_FIELDS = ("zip", "site", "sedation", "coverage", "network", "deductible_remaining", "copay",
                        "coinsurance", "oop_remaining", "medigap", "medicare_provider")


def _text(value: object) -> str:
    """A stored value as staff would type it: None -> '', 150.0 -> '150', 0.5 -> '0.5'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Patient:
    """The patient details stored with a record (all optional for a quote)."""

    name: str | None = None
    dob: date | None = None
    ref: str | None = None

    def columns(self) -> dict:
        """The keyword arguments :meth:`QuoteLog.save` takes for these details."""
        return {"patient_name": self.name or None, "patient_dob": self.dob, "patient_ref": self.ref or None}


def parse_day(text: str, field: str, required: bool = False) -> date | None:
    """A date typed as YYYY-MM-DD (or MM/DD/YYYY); None when blank and not ``required``.

    Raises InputError naming ``field`` when the text is not a date or a required date is blank.
    """
    text = (text or "").strip()
    if not text:
        if required:
            raise fail(field, "is required")
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise fail(field, f"'{text}' is not a date: use YYYY-MM-DD")


def record_inputs(scenario: Scenario, payer: str | None = None) -> dict:
    """A saved record's ``inputs``: every scenario field, and ``payer``, the clinic contract priced
    with (None when the market estimate was used)."""
    return {**scenario.to_dict(), "payer": payer or None}


def gfe_case(scenario: Scenario, patient: Patient, *, service_date: str = "", scheduled_on: str = "",
             diagnosis_codes: str = "", clinic_profile: str | Path, today: date | None = None) -> dict:
    """The Good Faith Estimate case (the README's JSON format) from the form's values.

    ``service_date`` and ``scheduled_on`` are typed dates (blank: not yet scheduled, and the
    estimate answers a request made ``today``); ``diagnosis_codes`` is a comma-separated list.
    Raises InputError naming ``service_date`` / ``scheduled_on`` when either is not a date; the
    rest is checked by :func:`gfe_outputs`.
    """
    today = today or date.today()
    errors: list[FieldError] = []
    days: dict[str, date | None] = {}
    for field, text in (("service_date", service_date), ("scheduled_on", scheduled_on)):
        try:
            days[field] = parse_day(text, field)
        except InputError as e:
            errors += e.errors
            days[field] = None
    if errors:
        raise InputError(errors)
    service, scheduled = days["service_date"], days["scheduled_on"]
    return {"patient": {"name": patient.name or "", "dob": patient.dob.isoformat() if patient.dob else "",
                        "reference": patient.ref or ""},
            "service": {"date": service.isoformat() if service else "",
                        "scheduled_on": scheduled.isoformat() if scheduled else "",
                        "requested_on": "" if service else today.isoformat()},
            "diagnosis_codes": [x.strip() for x in diagnosis_codes.split(",") if x.strip()],
            "scenario": {k: v for k, v in scenario.to_dict().items() if v not in (None, "")},
            "clinic_profile": str(clinic_profile), "issued_on": today.isoformat()}


def gfe_outputs(case_dict: dict, prices: PriceList | None = None) -> dict:
    """Price the case and render its PDF; the ``outputs`` a Good Faith Estimate record stores.

    That is the quote's own dictionary (as for any saved quote) plus a ``gfe`` section: the
    ``case`` as given, its ``lines`` (role, code, amount in dollars) and the PDF as ``pdf_base64``.
    Raises InputError naming each bad field of the case.
    """
    case = gfe.GfeCase.from_dict(case_dict)
    q, lines = gfe.build(case, prices=prices)
    pdf = gfe_pdf(case, q, lines)
    outputs = q.to_dict()
    outputs["gfe"] = {"case": case_dict,
                      "lines": [{"role": li.role, "code": li.code, "amount": li.amount} for li in lines],
                      "pdf_base64": base64.b64encode(pdf).decode()}
    return outputs


def gfe_deadline(outputs: dict) -> gfe.Deadline:
    """When the stored Good Faith Estimate had to be issued, from its case's service dates."""
    service = outputs["gfe"]["case"]["service"]
    return gfe.deadline(*(date.fromisoformat(service[k]) if service.get(k) else None
                          for k in ("scheduled_on", "date", "requested_on")))


def save_quote(log: QuoteLog, inputs: dict, outputs: dict, staff: str, patient: Patient | None = None,
               replaces: str | None = None) -> Saved:
    """Save a quote (a correction of ``replaces`` when given); see :func:`_save` for the errors."""
    return _save(log, "quote", inputs, outputs, staff, patient, replaces)


def save_gfe(log: QuoteLog, inputs: dict, outputs: dict, staff: str, patient: Patient | None = None,
             replaces: str | None = None) -> Saved:
    """Save a Good Faith Estimate record (``outputs`` from :func:`gfe_outputs`)."""
    return _save(log, "gfe", inputs, outputs, staff, patient, replaces)


def _save(log: QuoteLog, kind: str, inputs: dict, outputs: dict, staff: str, patient: Patient | None,
          replaces: str | None) -> Saved:
    """Write one record.

    Raises InputError for what staff can fix: no name to save under (``created_by``), or a
    correction of a quote that is gone or was corrected meanwhile (``replaces``). Raises
    StorageError when the database fails. Neither message holds SQL or patient details.
    """
    what = "the Good Faith Estimate" if kind == "gfe" else "the quote"
    if not (staff or "").strip():
        raise fail("created_by", f"who is saving {what} is required: enter your name")
    try:
        return log.save(inputs, outputs, staff, kind=kind, replaces=replaces, **(patient or Patient()).columns())
    except SQLAlchemyError as e:
        raise StorageError(f"Saving {what} failed: the quote log's database could not be written "
                           f"({type(e).__name__}). Nothing was saved; try again, or ask whoever runs the "
                           "server to check the database.") from None
    except StorageError:
        raise  # already says what failed, without SQL or patient details
    except KeyError:
        raise fail("replaces", f"quote {replaces} is not in the quote log, so it cannot be corrected; "
                               "nothing was saved") from None
    except ValueError:  # the only one left: ``replaces`` was corrected meanwhile (a unique version chain)
        raise fail("replaces", f"quote {replaces} has already been corrected by someone else; open the quote "
                               "log and correct its latest version (nothing was saved)") from None
    except RuntimeError:
        raise StorageError(f"Saving {what} failed: no free quote ID could be drawn. Nothing was saved; "
                           "try again.") from None


def get_record(log: QuoteLog, quote_id: str, field: str = "quote_id") -> Saved:
    """The saved record ``quote_id``; InputError naming ``field`` if there is none, StorageError if
    the database cannot be read."""
    try:
        return log.get(quote_id)
    except KeyError:
        raise fail(field, f"no saved quote {quote_id.strip().upper()}") from None
    except SQLAlchemyError as e:
        raise StorageError(f"Reading quote {quote_id.strip().upper()} failed: the quote log's database "
                           f"could not be read ({type(e).__name__}).") from None


def correction_source(log: QuoteLog, quote_id: str) -> Saved:
    """The record a correction of ``quote_id`` starts from: it must exist and be its latest version.

    Raises InputError naming ``correct`` (the front desk's URL parameter) otherwise, StorageError if
    the database cannot be read.
    """
    rec = get_record(log, quote_id, field="correct")
    try:
        latest = log.latest(rec.id)
    except SQLAlchemyError as e:
        raise StorageError(f"Reading the history of quote {rec.id} failed: the quote log's database could "
                           f"not be read ({type(e).__name__}).") from None
    if latest.id != rec.id:
        raise fail("correct", f"quote {rec.id} has already been corrected: correct its latest version, "
                              f"{latest.id} (version {latest.version})")
    return rec


def correction_values(rec: Saved) -> dict[str, str]:
    """The front-desk form's values (text, keyed by form field) that a correction of ``rec`` starts from.

    The scenario fields and ``payer`` come from the record's inputs (those it holds), the patient
    details from its columns; the Good Faith Estimate details come from a GFE record's case and
    are blank for a quote (they would belong to whoever was quoted before).
    """
    inputs = rec.inputs
    values = {k: _text(inputs[k]) for k in SCENARIO_FORM_FIELDS if k in inputs}
    values["payer"] = inputs.get("payer") or ""
    values |= {"patient_name": rec.patient_name or "",
               "patient_dob": rec.patient_dob.isoformat() if rec.patient_dob else "",
               "patient_ref": rec.patient_ref or ""}
    case = (rec.outputs.get("gfe") or {}).get("case") if rec.kind == "gfe" else None
    service = (case or {}).get("service") or {}
    values |= {"service_date": service.get("date") or "", "scheduled_on": service.get("scheduled_on") or "",
               "diagnosis_codes": ", ".join((case or {}).get("diagnosis_codes") or [])}
    return values
