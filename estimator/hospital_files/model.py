"""What is kept from a hospital's machine-readable standard-charges file, and the checks on it.

Source: CMS's hospital price transparency templates and data dictionary (45 CFR 180.50), CSV and
JSON, versions 2.x and 3.0 (github.com/CMSgov/hospital-price-transparency, ``documentation/``).

Only the items billed under CPT/HCPCS 62320-62323 are kept. One ``PriceRow`` is one standard
charge for one of those codes, for one payer and plan (or for no payer: the gross charge and the
discounted cash price alone). Amounts are US dollars; ``negotiated_percentage`` is a percentage as
CMS writes it (70.5 means 70.5%, of total billed charges or of a fee schedule, as the methodology
and notes say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date

from estimator.common.errors import fail
from estimator.inputs.readers import kind, latest_date, parse_date

#: The codes kept: the interlaminar epidural injections (CPT).
CODES = frozenset({"62320", "62321", "62322", "62323"})
#: Code types under which those codes are CPT codes (HCPCS level I is CPT).
CODE_TYPES = frozenset({"CPT", "HCPCS"})
SETTINGS = ("inpatient", "outpatient", "both")
BILLING_CLASSES = ("professional", "facility", "both")
METHODOLOGIES = ("case rate", "fee schedule", "percent of total billed charges", "per diem", "other")
#: CMS's "not enough claims history" value for the v2 estimated allowed amount; kept as blank.
NO_ESTIMATE = 999_999_999.0
#: Template versions read: the major version (2.x, 3.x).
MAJOR_VERSIONS = ("2", "3")
#: The earliest file date accepted (the price transparency rule took effect on 2021-01-01).
EARLIEST_FILE_DATE = date(2020, 1, 1)


@dataclass(frozen=True)
class PriceRow:
    """One standard charge for one of the codes, as the hospital's file states it (dollars)."""

    code: str
    description: str
    modifiers: str | None
    billing_class: str | None  # professional / facility / both (optional in the templates)
    setting: str  # inpatient / outpatient / both
    gross: float | None  # gross charge (chargemaster), $
    cash: float | None  # discounted cash price, $
    payer: str | None
    plan: str | None
    negotiated_dollar: float | None  # $
    negotiated_percentage: float | None  # percent, 70.5 = 70.5%
    negotiated_algorithm: str | None
    methodology: str | None
    min: float | None  # de-identified minimum negotiated charge, $
    max: float | None  # de-identified maximum negotiated charge, $
    estimated_amount: float | None  # v2: estimated allowed amount, $
    median_amount: float | None  # v3: median allowed amount, $
    notes: str | None
    source_location: str  # "line 12" (CSV) or "standard_charge_information[3]..." (JSON)


PRICE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(PriceRow))


@dataclass
class HospitalFile:
    """One file read: the hospital's general data and its rows for 62320-62323."""

    hospital_name: str
    file_date: date
    version: str
    source_file: str
    source_format: str  # "csv tall", "csv wide", "json"
    license_number: str | None = None
    license_state: str | None = None
    ccn: str | None = None
    locations: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    rows: list[PriceRow] = field(default_factory=list)

    @property
    def hospital_id(self) -> str:
        """The key the hospital is stored under: its CCN if the file gives one, else its state
        license (``CA-50056``), else its name in lower case with dashes (``west-mercy-hospital``)."""
        return hospital_id(self.ccn, self.license_state, self.license_number, self.hospital_name)


def hospital_id(ccn: str | None, state: str | None, license_number: str | None, name: str) -> str:
    """See ``HospitalFile.hospital_id``."""
    if ccn:
        return ccn
    if license_number:
        prefixed = state and not license_number.upper().startswith(f"{state}-")
        return f"{state}-{license_number}" if prefixed else license_number
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "hospital"


# -- checks on values (each raises InputError naming ``where``) -----------------------------------
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_CCN = re.compile(r"[0-9A-Z]{6}")


def clean(value: str | None) -> str | None:
    """A cell or JSON text stripped; blank is None."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def amount(value: str | None, where: str) -> float | None:
    """A CSV cell that CMS defines as numeric: blank, or a positive number written plainly
    (``1250.50``; no ``$``, commas or words), as the data dictionary requires."""
    value = clean(value)
    if value is None:
        return None
    if not _NUMBER.fullmatch(value):
        raise fail(where, f"'{value[:40]}' is not a number: write a positive number alone, e.g. 1250.50 "
                          "(no $, commas or words), or leave it blank")
    v = float(value)
    if v <= 0:
        raise fail(where, f"'{value[:40]}' is not allowed: CMS requires a positive number (or a blank)")
    return v


def json_amount(value: object, where: str) -> float | None:
    """A JSON value that the CMS schema defines as a number greater than 0 (or absent)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, f"expected a number, got {kind(value)}")
    v = float(value)
    if not v > 0 or v == float("inf"):
        raise fail(where, f"{value} is not allowed: CMS requires a positive number")
    return v


def choice(value: str | None, where: str, allowed: tuple[str, ...], required: bool = False) -> str | None:
    """A value from a CMS list of valid values (case and surrounding spaces ignored), in lower case."""
    value = clean(value)
    if value is None:
        if required:
            raise fail(where, "is required: one of " + ", ".join(allowed))
        return None
    low = " ".join(value.lower().split())
    if low not in allowed:
        raise fail(where, f"'{value[:40]}' is not allowed: one of " + ", ".join(allowed))
    return low


_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def file_date(value: str | None, where: str) -> date:
    """``last_updated_on``: YYYY-MM-DD (ISO 8601, as CMS requires), or M/D/YYYY as in CMS's v3.0
    CSV example; from 2020-01-01 to today + 3 years."""
    value = clean(value)
    if value is None:
        raise fail(where, "is required: the date the file was last updated (YYYY-MM-DD)")
    m = _US_DATE.fullmatch(value)
    if m:
        value = f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return parse_date(value, where, EARLIEST_FILE_DATE, latest_date())


def template_version(value: str | None, where: str) -> str:
    """``version``: a CMS template version 2.x or 3.x (``2.0.0``, ``3.0.0``)."""
    value = clean(value)
    if value is None:
        raise fail(where, "is required: the CMS template version, e.g. 2.0.0 or 3.0.0")
    if value.lstrip("vV").split(".")[0] not in MAJOR_VERSIONS:
        raise fail(where, f"'{value[:40]}' is not a version read here: CMS template 2.x or 3.x")
    return value.lstrip("vV")


def ccn(value: str | None, where: str) -> str | None:
    """A CMS Certification Number: 6 letters or digits (``050056``); blank is None."""
    value = clean(value)
    if value is None:
        return None
    value = value.upper()
    if not _CCN.fullmatch(value):
        raise fail(where, f"'{value[:40]}' is not a CMS Certification Number: 6 letters or digits")
    return value


def is_code(code: str | None, code_type: str | None) -> bool:
    """Is this code/type pair one of 62320-62323 as a CPT/HCPCS code?"""
    return (code or "").strip() in CODES and (code_type or "").strip().upper() in CODE_TYPES


def check_payer(payer: str | None, plan: str | None, dollar: float | None, pct: float | None, algorithm: str | None,
                methodology: str | None, where: str, names: dict[str, str]) -> None:
    """Cross-field rules of the templates for one payer's charge (``names`` maps a role to the
    field's name in the file): a negotiated charge needs its payer, plan and methodology, and a
    payer needs a charge."""
    def at(name: str) -> str:
        return f"{where} {name}".strip()

    has_charge = dollar is not None or pct is not None or algorithm is not None
    if has_charge and payer is None:
        raise fail(at(names['payer']), "is required: a negotiated charge is given without its payer")
    if payer is not None and plan is None:
        raise fail(at(names['plan']), f"is required: the plan of payer '{payer[:40]}'")
    if payer is not None and not has_charge:
        raise fail(where or names["payer"], f"payer '{payer[:40]}' has no negotiated charge: give {names['dollar']}, "
                          f"{names['percentage']} or {names['algorithm']}")
    if has_charge and methodology is None:
        raise fail(at(names['methodology']), "is required with a negotiated charge: one of "
                   + ", ".join(METHODOLOGIES))
