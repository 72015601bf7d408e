"""The front desk's records: what a saved quote or Good Faith Estimate holds, saving it, correcting it.

The front-desk page (``app_pages/front_desk.py``) reads the form and shows results; everything it
stores goes through here, so the record shapes are defined once and tested without a browser:

- :func:`record_inputs` is the ``inputs`` of a saved record (the scenario, plus the clinic contract
  used, if any);
- :func:`gfe_case` and :func:`gfe_outputs` turn the form's Good Faith Estimate details into the case
  (the JSON format in the README), the priced estimate, its PDF and the ``outputs`` that are stored;
- :func:`save_quote` and :func:`save_gfe` write to the quote log, turning every storage failure into
  an :class:`~estimator.common.errors.InputError` (something staff can fix, e.g. a quote corrected twice) or
  a :class:`StorageError` (the database failed), whose messages hold no SQL and no patient details;
- :func:`correction_source` and :func:`correction_values` are what a correction starts from.

No Streamlit here: the page calls these and shows the errors' messages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from estimator import gfe
from estimator.common import clock, i18n
from estimator.common.errors import InputError, fail
from estimator.common.i18n import N_, _
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.frontdesk.batch_csv import BatchResult
from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.gfe.fhir_packet import gfe_packet
from estimator.inputs import readers as rd
from estimator.inputs.parsing import scenario_from_strings
from estimator.inputs.readers import parse_birth_date, parse_date
from estimator.records.storage import QuoteLog, Saved, StorageError  # StorageError: re-exported as desk.StorageError
from estimator.scenario import Scenario

#: The date formats staff may type (ISO first; US month/day/year also read).
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
#: Their shapes: four-digit years only (strptime would also read "2026-1-5" or a 3-digit year).
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")

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


def parse_day(text: str, field: str, required: bool = False, *, birth: bool = False,
              today: date | None = None) -> date | None:
    """A date typed as YYYY-MM-DD (or MM/DD/YYYY); None when blank and not ``required``.

    The date must lie in the window every reader of dates uses (``estimator.inputs.readers.parse_date``:
    from 1900 to three years ahead); a date of birth (``birth=True``) must also not be after
    ``today`` (``readers.parse_birth_date``). Raises InputError naming ``field`` when the text is
    not a date, is out of the window, or a required date is blank.
    """
    text = (text or "").strip()
    if not text:
        if required:
            raise fail(field, _("is required"))
        return None
    day = None
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
            break
        except ValueError:
            continue
    if day is None or not _DATE_SHAPE.fullmatch(text):
        raise fail(field, _("'{text}' is not a date: use YYYY-MM-DD").format(text=text[:40]))
    return parse_birth_date(day, field, today) if birth else parse_date(day, field)


def record_inputs(scenario: Scenario, payer: str | None = None) -> dict:
    """A saved record's ``inputs``: every scenario field, and ``payer``, the insurer the quote was
    priced for: the clinic contract used (``payer``), else the scenario's own insurer (a named
    hospital's negotiated rate), else None."""
    return {**scenario.to_dict(), "payer": payer or scenario.payer or None}


def gfe_case(scenario: Scenario, patient: Patient, *, service_date: str = "", scheduled_on: str = "",
             diagnosis_codes: str = "", clinic_profile: str | Path, today: date | None = None,
             separately_scheduled: str = "", cash_prices: dict[str, float | None] | None = None) -> dict:
    """The Good Faith Estimate case (the README's JSON format) from the form's values.

    ``service_date`` and ``scheduled_on`` are typed dates: both blank, the service is not yet
    scheduled and the estimate answers a request made ``today``; a service date needs the date it
    was scheduled on. ``diagnosis_codes`` is a comma-separated list (``M54.12`` or ``M5412``);
    ``separately_scheduled`` is one item per line (services booked separately, printed on the
    estimate as not included); ``cash_prices`` is each bill's own price in dollars by role
    (None: not given). Raises InputError naming ``service_date`` / ``scheduled_on`` /
    ``patient_dob`` when a date is not one or the dates are out of order (date of birth, then
    scheduling date, then service date), before anything is saved; the rest is checked by
    :func:`gfe_outputs`.
    """
    today = today or date.today()
    p = rd.Problems()
    service = p.get(parse_day, service_date, "service_date")
    scheduled = p.get(parse_day, scheduled_on, "scheduled_on")
    if service and not scheduled and not p.named("scheduled_on"):
        p.add("scheduled_on", _("is required with a service date: the date the visit was booked (YYYY-MM-DD), "
                                "which sets when the estimate is due; leave both blank for an estimate on request"))
    if scheduled and not service and not p.named("service_date"):
        p.add("service_date", _("is required with a scheduling date (YYYY-MM-DD); leave both blank for an "
                                "estimate on request"))
    rd.check_date_order(p, [("patient_dob", N_("date of birth"), patient.dob),
                            ("scheduled_on", N_("scheduling date"), scheduled),
                            ("service_date", N_("service date"), service)])
    p.raise_any()
    return {"patient": {"name": patient.name or "", "dob": patient.dob.isoformat() if patient.dob else "",
                        "reference": patient.ref or ""},
            "service": {"date": service.isoformat() if service else "",
                        "scheduled_on": scheduled.isoformat() if scheduled else "",
                        "requested_on": "" if service else today.isoformat()},
            "diagnosis_codes": [x.strip() for x in diagnosis_codes.split(",") if x.strip()],
            "scenario": {k: v for k, v in scenario.to_dict().items() if v not in (None, "")},
            "clinic_profile": str(clinic_profile), "issued_on": today.isoformat(),
            "separately_scheduled": [x.strip() for x in separately_scheduled.splitlines() if x.strip()],
            "cash_prices": {k: v for k, v in (cash_prices or {}).items() if v is not None}}


@dataclass(frozen=True)
class PriceNeeded:
    """A bill of the visit whose provider has no price of its own: the desk asks for it."""

    role: str
    label: str  # e.g. "Facility: Example Surgery Center"


def gfe_prices_needed(scenario: Scenario, quote_outputs: dict, prices: PriceList | None,
                      clinic_profile: str | Path) -> list[PriceNeeded]:
    """The bills a Good Faith Estimate of this visit has no own price for (so staff must give one).

    A price is found in a named hospital's published cash price (the quote's ``hospital``), the
    clinic profile's ``cash_price`` or the clinic's price list (see ``gfe.own_prices``). A profile
    that cannot be read needs nothing here: issuing reports its problems.
    """
    try:
        clinic = gfe.ClinicProfile.load(clinic_profile)
    except (InputError, ValueError, OSError):
        return []
    _found, missing = gfe.own_prices(scenario, clinic, None, prices, quote_outputs.get("hospital"))
    return [PriceNeeded(r, f"{_(gfe.ROLE_LABELS[r])}: {clinic.providers[r].name}" if r in clinic.providers
                        else _(gfe.ROLE_LABELS[r])) for r in missing]


def gfe_request_key(inputs: dict, case_dict: dict, staff: str, patient: Patient) -> str:
    """A fingerprint of one issue request (the same inputs, case, staff and patient give the same key).

    The desk remembers the record saved for each key, so pressing "Save and issue" again, or a
    rerun of the page, shows that record instead of saving another.
    """
    blob = json.dumps([inputs, case_dict, staff, patient.columns()], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def gfe_outputs(case_dict: dict, prices: PriceList | None = None, *, fhir: bool = False,
                lang: str | None = None) -> dict:
    """Price the case and render its PDF; the ``outputs`` a Good Faith Estimate record stores.

    That is the quote's own dictionary (as for any saved quote) plus a ``gfe`` section: the
    ``case`` as given, its ``lines`` (role, code, amount in dollars) and the PDF as ``pdf_base64``;
    with ``fhir``, also the Da Vinci PCT GFE Packet as ``fhir`` (``estimator.gfe.fhir_packet``).
    Raises InputError naming each bad field of the case.
    """
    return issue_gfe(case_dict, prices, fhir=fhir, lang=lang)[1]


def issue_gfe(case_dict: dict, prices: PriceList | None = None, *,
              fhir: bool = False, lang: str | None = None) -> tuple[gfe.GfeCase, dict]:
    """The case as read and :func:`gfe_outputs` of it (for a caller that also needs the patient or the visit).

    ``lang``: the language the estimate is issued in (default: the current one); its words (the PDF,
    the quote's steps) are in it, its amounts and codes the same in every language, and the record
    says which (``gfe.lang``)."""
    with i18n.use(lang or i18n.get_language()):
        return _issue_gfe(case_dict, prices, fhir)


def _issue_gfe(case_dict: dict, prices: PriceList | None, fhir: bool) -> tuple[gfe.GfeCase, dict]:
    case = gfe.GfeCase.from_dict(case_dict)
    q, lines = gfe.build(case, prices=prices)
    packet = gfe_packet(case, q, lines) if fhir else None  # first: a missing taxonomy is input to fix
    pdf = gfe_pdf(case, q, lines)
    outputs = q.to_dict()
    outputs["gfe"] = {"case": case_dict, "lang": i18n.get_language(),
                      "lines": [{"role": li.role, "code": li.code, "amount": li.amount} for li in lines],
                      "pdf_base64": base64.b64encode(pdf).decode()}
    if packet is not None:
        outputs["gfe"]["fhir"] = packet
    return case, outputs


def gfe_deadline(outputs: dict) -> gfe.Deadline:
    """When the stored Good Faith Estimate had to be issued, from its case's service dates.

    A record without the dates to work from (saved before the desk required a scheduling date)
    gives a Deadline that says so, never an exception.
    """
    service = outputs["gfe"]["case"]["service"]
    try:
        return gfe.deadline(*(date.fromisoformat(service[k]) if service.get(k) else None
                              for k in ("scheduled_on", "date", "requested_on")))
    except ValueError:
        return gfe.Deadline(True, None, "the scheduling date was not recorded, so the deadline cannot be worked out")


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
    gfe_kind = kind == "gfe"
    if not (staff or "").strip():
        raise fail("created_by", _("who is saving the Good Faith Estimate is required: enter your name") if gfe_kind
                   else _("who is saving the quote is required: enter your name"))
    try:
        return log.save(inputs, outputs, staff, kind=kind, replaces=replaces, **(patient or Patient()).columns())
    except SQLAlchemyError as e:
        raise StorageError(
            (_("Saving the Good Faith Estimate failed: the quote log's database could not be written ({error}).")
             if gfe_kind else _("Saving the quote failed: the quote log's database could not be written ({error})."))
            .format(error=type(e).__name__) + " "
            + _("Nothing was saved; try again, or ask whoever runs the server to check the database.")) from None
    except StorageError:
        raise  # already says what failed, without SQL or patient details
    except KeyError:
        raise fail("replaces", _("quote {quote_id} is not in the quote log, so it cannot be corrected; nothing was "
                                 "saved").format(quote_id=replaces)) from None
    except ValueError:  # the only one left: ``replaces`` was corrected meanwhile (a unique version chain)
        raise fail("replaces", _("quote {quote_id} has already been corrected by someone else; open the quote log "
                                 "and correct its latest version (nothing was saved)").format(
            quote_id=replaces)) from None
    except RuntimeError:
        raise StorageError((_("Saving the Good Faith Estimate failed: no free quote ID could be drawn.") if gfe_kind
                            else _("Saving the quote failed: no free quote ID could be drawn.")) + " "
                           + _("Nothing was saved; try again.")) from None


def get_record(log: QuoteLog, quote_id: str, field: str = "quote_id") -> Saved:
    """The saved record ``quote_id``; InputError naming ``field`` if there is none, StorageError if
    the database cannot be read."""
    try:
        return log.get(quote_id)
    except KeyError:
        raise fail(field, _("no saved quote {quote_id}").format(quote_id=quote_id.strip().upper())) from None
    except SQLAlchemyError as e:
        raise StorageError(_("Reading quote {quote_id} failed: the quote log's database could not be read "
                             "({error}).").format(quote_id=quote_id.strip().upper(), error=type(e).__name__)) from None


def correction_source(log: QuoteLog, quote_id: str) -> Saved:
    """The record a correction of ``quote_id`` starts from: it must exist and be its latest version.

    Raises InputError naming ``correct`` (the front desk's URL parameter) otherwise, StorageError if
    the database cannot be read.
    """
    rec = get_record(log, quote_id, field="correct")
    try:
        latest = log.latest(rec.id)
    except SQLAlchemyError as e:
        raise StorageError(_("Reading the history of quote {quote_id} failed: the quote log's database could not "
                             "be read ({error}).").format(quote_id=rec.id, error=type(e).__name__)) from None
    if latest.id != rec.id:
        raise fail("correct", _("quote {quote_id} has already been corrected: correct its latest version, "
                                "{latest} (version {version})").format(quote_id=rec.id, latest=latest.id,
                                                                       version=latest.version))
    return rec


def correction_values(rec: Saved) -> dict[str, str]:
    """The front-desk form's values (text, keyed by form field) that a correction of ``rec`` starts from.

    The scenario fields and ``payer`` come from the record's inputs (those it holds), the patient
    details from its columns; the Good Faith Estimate details (dates, diagnosis codes, services
    scheduled separately, one a line) come from a GFE record's case and are blank for a quote
    (they would belong to whoever was quoted before).
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
               "diagnosis_codes": ", ".join((case or {}).get("diagnosis_codes") or []),
               "separately_scheduled": "\n".join((case or {}).get("separately_scheduled") or [])}
    return values


# -- the same patient again -------------------------------------------------------------------------
def identity(patient: Patient) -> tuple[str, str, str] | None:
    """Who a record is for, as compared between saves (name without case or extra spaces, date of
    birth, reference); None when the record names nobody."""
    key = (" ".join((patient.name or "").split()).casefold(), patient.dob.isoformat() if patient.dob else "",
           (patient.ref or "").strip().casefold())
    return key if any(key) else None


@dataclass(frozen=True)
class LastSave:
    """What the desk saved last in this session: enough to notice the same patient saved again."""

    id: str
    kind: str
    who: tuple[str, str, str] | None
    inputs: dict

    @classmethod
    def of(cls, saved: Saved) -> LastSave:
        return cls(saved.id, saved.kind, identity(Patient(saved.patient_name, saved.patient_dob, saved.patient_ref)),
                   dict(saved.inputs))


def reuse_check(last: LastSave | None, patient: Patient, inputs: dict, kind: str = "quote") -> str | None:
    """Whether saving now reuses the previous save's patient: None (a different or unnamed patient),
    'changed' (the same patient, other inputs: ask before saving, the details may belong to the
    previous patient) or 'repeat' (the same patient, inputs and kind: already saved as ``last.id``)."""
    who = identity(patient)
    if last is None or who is None or who != last.who:
        return None
    same = inputs == {k: v for k, v in last.inputs.items() if k in inputs}
    return "repeat" if same and kind == last.kind else ("changed" if not same else None)


# -- saving a batch ----------------------------------------------------------------------------------
def save_batch(log: QuoteLog, result: BatchResult, staff: str, prices: PriceList | None = None,
               file_name: str = "") -> list[Saved]:
    """Save every quoted (``ok``) row of a batch as a quote in the log, in file order.

    Each record's ``inputs`` are the row's scenario, its ``payer`` and ``batch_row`` (the row's
    number in the file as a spreadsheet shows it); its ``note`` says the same in words. The outputs
    are the quote priced as the front desk prices one (the clinic's prices where they apply).
    Raises InputError (``created_by``) without a name to save under, StorageError when the database
    fails (the rows saved before the failure stay saved; the message says how many).
    """
    if not (staff or "").strip():
        raise fail("created_by", _("who is saving the batch is required: enter your name"))
    saved: list[Saved] = []
    for row in result.table.to_dict("records"):
        if row["status"] != "ok":
            continue
        cells = {k: v for k, v in row.items() if isinstance(v, str)}
        sc = scenario_from_strings({k: v for k, v in cells.items() if k in Scenario.field_names()})
        q = quote_with_prices(sc, prices, cells.get("payer") or None)
        dob = (cells.get("patient_dob") or "").strip()
        patient = Patient((cells.get("patient_name") or "").strip() or None,
                          parse_birth_date(dob, "patient_dob") if dob else None,
                          (cells.get("patient_ref") or "").strip() or None)
        inputs = {**record_inputs(sc, cells.get("payer")), "batch_row": int(row["row"])}
        note = f"batch row {int(row['row'])}" + (f" of {file_name[:100]}" if file_name else "")
        try:
            saved.append(log.save(inputs, q.to_dict(), staff, kind="quote", note=note, **patient.columns()))
        except SQLAlchemyError as e:
            raise StorageError(_("Saving the batch stopped at file row {row}: the quote log's database could not be "
                                 "written ({error}). {saved} row(s) were saved before it; the rest were not.").format(
                row=int(row["row"]), error=type(e).__name__, saved=len(saved))) from None
    return saved


# -- times shown to staff --------------------------------------------------------------------------
display_zone = clock.zone  # the zone the quote log shows times in (stored times stay UTC)
local_time = clock.shown  # '2026-03-04 09:15 CST'


def correction_cash_prices(rec: Saved) -> dict[str, float]:
    """The cash prices (dollars, by role) a Good Faith Estimate record was issued with; {} for a quote."""
    case = (rec.outputs.get("gfe") or {}).get("case") if rec.kind == "gfe" else None
    return dict((case or {}).get("cash_prices") or {})
