"""Who saves a quote and for which patient: the details that go with a quote saved to the quote log.

The command line (``quote --save --by ...``) and the HTTP API (``POST /v1/quote?save=true`` with
``by`` in the body) read them here, so both check them with the same words. ``flag`` names the
switch that asks for saving in the caller's own terms (``--save``, ``save=true``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from estimator.common.errors import FieldError, InputError, fail
from estimator.frontdesk.desk import Patient
from estimator.inputs import readers

#: The details (field -> longest length allowed, for text); the date of birth is a date.
SAVE_TEXT = {"by": 120, "patient_name": 200, "patient_ref": 64}
SAVE_FIELDS = ("by", "patient_name", "patient_dob", "patient_ref")


def one_line_text(field: str, value: object, longest: int) -> str | None:
    """A short line of text: blank -> None; not text, control characters and over-long values refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(field, "give text (a name or reference), not a number or a list")
    if not value.strip():
        return None
    value = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in value):
        raise fail(field, "holds a control character (a new line, tab or similar): give one line of text")
    if len(value) > longest:
        raise fail(field, f"is {len(value)} characters long: at most {longest}")
    return value


def read_save_request(values: Mapping[str, object], save: bool, flag: str) -> tuple[str, Patient] | None:
    """(who, the patient) when saving was asked for, else None; InputError naming each bad field.

    ``by`` is required when saving (as the front desk requires a name); the patient's details are
    optional for a quote, as at the front desk. Without saving none of them may be given.
    """
    given = [f for f in SAVE_FIELDS if values.get(f) is not None]
    if not save:
        if given:
            raise InputError([FieldError(f, f"only with {flag} (it is stored with the saved quote)") for f in given])
        return None
    problems = readers.Problems()
    by = problems.get(one_line_text, "by", values.get("by"), SAVE_TEXT["by"])
    if not by and not problems.named("by"):
        problems.add("by", f"is required with {flag}: who is saving the quote")
    name = problems.get(one_line_text, "patient_name", values.get("patient_name"), SAVE_TEXT["patient_name"])
    ref = problems.get(one_line_text, "patient_ref", values.get("patient_ref"), SAVE_TEXT["patient_ref"])
    dob, dob_text = None, values.get("patient_dob")
    if dob_text is not None and not isinstance(dob_text, str):
        problems.add("patient_dob", "give the date of birth as text, YYYY-MM-DD")
    elif dob_text is not None and dob_text.strip():
        dob = problems.get(readers.parse_birth_date, dob_text, "patient_dob")
    problems.raise_any()
    return by, Patient(name, dob, ref)
