"""Reading scenarios from text: command-line options, CSV cells and URL parameters.

Accepts what people type ("$1,200", "20%", "HOPD") and turns it into a validated Scenario, or
raises ScenarioError listing every field that cannot be read or is not allowed.
"""

from __future__ import annotations

from .geography import PlaceError, resolve
from .scenario import (
    COINSURANCE_BASE,
    COPAY_TIMING,
    COVERAGE,
    IMAGING,
    MEDICARE_PROVIDER,
    MEDIGAP,
    NETWORK,
    SEDATION,
    FieldError,
    Scenario,
    ScenarioError,
)
from .tables import PROCEDURE_CODES, SITES, YEARS, RefData

#: Scenario fields taken as numbers, with their kind ("money", "percent" or "int").
NUMERIC_FIELDS = {
    "deductible": "money", "deductible_met": "money", "deductible_remaining": "money", "copay": "money",
    "coinsurance": "percent", "oop_max": "money", "oop_met": "money", "oop_remaining": "money",
    "allowed": "money", "allowed_professional": "money", "allowed_facility": "money",
    "allowed_anesthesia": "money", "billed": "money", "year": "int", "sedation_minutes": "int",
    "anesthesia_minutes": "int", "prior_sessions": "int",
}
CHOICES = {"code": PROCEDURE_CODES, "site": SITES, "imaging": IMAGING, "sedation": SEDATION,
           "coverage": COVERAGE, "network": NETWORK, "anesthesia_network": NETWORK,
           "copay_timing": COPAY_TIMING, "coinsurance_base": COINSURANCE_BASE, "medigap": MEDIGAP,
           "medicare_provider": MEDICARE_PROVIDER,
           "year": tuple(str(y) for y in YEARS)}
def parse_number(field: str, text: str) -> float | int:
    """Parse a numeric option, accepting '$1,200' and '20%'; raises ScenarioError naming the field."""
    kind = NUMERIC_FIELDS[field]
    clean = text.strip().replace(",", "").lstrip("$").rstrip("%").strip()
    try:
        value = float(clean)
        if kind == "int":
            if value != int(value):
                raise ValueError
            return int(value)
    except ValueError:
        what = {"money": "an amount in dollars, e.g. 1500", "percent": "a percentage from 0 to 100",
                "int": "a whole number"}[kind]
        raise ScenarioError([FieldError(field, f"'{text}' is not a number: {what}")]) from None
    return value


def scenario_from_strings(values: dict[str, str | None], ref: RefData | None = None) -> Scenario:
    """Build a Scenario from text values keyed by field name (CLI, CSV rows, URL parameters).

    Raises ScenarioError listing every field that cannot be read or is not allowed; with ``ref``,
    an unknown ZIP code, locality or state is reported too.
    """
    kwargs: dict[str, object] = {}
    errors: list[FieldError] = []
    for field, text in values.items():
        if text is None or str(text).strip() == "":
            continue
        text = str(text).strip()
        if field in CHOICES and field != "year":
            kwargs[field] = text.upper() if field == "code" else text.lower()
            continue
        if field in NUMERIC_FIELDS:
            try:
                kwargs[field] = parse_number(field, text)
            except ScenarioError as e:
                errors += e.errors
            continue
        kwargs[field] = text.upper() if field == "state" else text
    unknown = set(kwargs) - set(Scenario.field_names())
    if unknown:
        raise ScenarioError([FieldError(f, "unknown field") for f in sorted(unknown)])
    sc = Scenario(**kwargs)
    unreadable = {e.field for e in errors}
    problems = errors + [p for p in sc.validate() if p.field not in unreadable]
    if ref is not None and not any(p.field in ("zip", "locality", "state") for p in problems):
        try:
            resolve(ref, sc.zip, sc.locality, sc.state)
        except PlaceError as e:
            problems.insert(0, e.error)
    if problems:
        raise ScenarioError(problems)
    return sc
