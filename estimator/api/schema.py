"""The API's documents, described from the field registry: the scenario a client sends, the field
list ``GET /v1/fields`` returns, and the OpenAPI schemas of the answers.

The schemas say what the registry's parser accepts: a choice by its code (its plain label is read
too), an amount as a number or as text ("$1,500"), a flag as true/false or yes/no. ``null`` leaves
a field blank (``blank`` says what a blank means).
"""

from __future__ import annotations

from estimator.common.i18n import _
from estimator.inputs.fields import REGISTRY, YEARS, FieldSpec
from estimator.planning.series import COUNT, WEEKS_APART

#: Fields of a saved quote's body (``POST /v1/quote?save=true``), beside the scenario's.
SAVE_PROPERTIES = {
    "by": {"type": ["string", "null"], "maxLength": 120,
           "description": "who saves the quote (staff name); required with save=true"},
    "patient_name": {"type": ["string", "null"], "maxLength": 200,
                     "description": "the patient's name (with save=true)"},
    "patient_dob": {"type": ["string", "null"],
                    "description": "the patient's date of birth, YYYY-MM-DD (with save=true)"},
    "patient_ref": {"type": ["string", "null"], "maxLength": 64,
                    "description": "the clinic's reference, e.g. an MRN (with save=true)"},
}


def field_schema(spec: FieldSpec) -> dict:
    """The JSON Schema of one scenario field as the parser reads it."""
    out: dict = {"description": spec.help or spec.label}
    if spec.kind == "choice":
        out["type"] = ["string", "null"]
        out["enum"] = [*spec.choices, None]
    elif spec.kind == "flag":
        out["type"] = ["boolean", "string", "null"]
    elif spec.kind == "year":
        out["type"] = ["integer", "string", "null"]
        out["examples"] = list(YEARS)
    elif spec.is_number:
        out["type"] = ["number", "string", "null"]
        if spec.low is not None:
            out["minimum"] = spec.low
        if spec.high is not None:
            out["maximum"] = spec.high
    else:
        out["type"] = ["string", "null"]
        if spec.pattern and spec.kind == "place":
            out["pattern"] = f"^\\s*{spec.pattern}\\s*$"
    if spec.unit:
        out["x-unit"] = spec.unit
    return out


def scenario_schema(extra: dict | None = None) -> dict:
    """An object of scenario fields (and ``extra`` properties); no other keys."""
    props = {spec.name: field_schema(spec) for spec in REGISTRY}
    return {"type": "object", "properties": {**props, **(extra or {})}, "additionalProperties": False}


SERIES_PROPERTIES = {
    "count": {"type": ["integer", "string"], "minimum": COUNT.low, "maximum": COUNT.high,
              "description": COUNT.help},
    "weeks_apart": {"type": ["integer", "string", "null"], "minimum": WEEKS_APART.low, "maximum": WEEKS_APART.high,
                    "description": WEEKS_APART.help},
}


def field_list() -> list[dict]:
    """Every scenario field for a client's form, in the current language: name, kind, unit, label,
    help, what a blank means, what is allowed (in words), its choices with their labels, bounds,
    default, and the coverages and sedations it applies to."""
    out = []
    for spec in REGISTRY:
        out.append({
            "name": spec.name, "kind": spec.kind, "unit": spec.unit or None, "label": _(spec.label),
            "help": _(spec.help) if spec.help else "", "blank": _(spec.blank) if spec.blank else "",
            "allowed": spec.allowed(),
            "choices": [{"value": c, "label": _(spec.choice_labels.get(c, c))} for c in spec.choices],
            "min": spec.low, "max": spec.high,
            "default": spec.default if isinstance(spec.default, str | int | float | bool) else None,
            "coverages": sorted(spec.coverages), "sedations": sorted(spec.sedations),
            "example": spec.example or None,
        })
    return out


FIELD_LIST_SCHEMA = {
    "type": "object", "required": ["language", "fields"],
    "properties": {"language": {"type": "string"}, "fields": {"type": "array", "items": {
        "type": "object", "required": ["name", "kind", "label", "allowed", "choices"],
        "properties": {"name": {"type": "string"}, "kind": {"type": "string"}, "label": {"type": "string"},
                       "allowed": {"type": "string"}, "choices": {"type": "array"}}}}},
}

#: The keys every quote has (``Quote.to_dict``; ``quote --json`` prints the same).
QUOTE_KEYS = ["code", "code_name", "requested_code", "year", "site", "imaging", "sedation", "coverage", "network",
              "locality", "components", "total_allowed", "total_billed", "total_cost", "patient_pays", "plan_pays",
              "patient_pays_if", "breakdown", "steps", "warnings", "sources", "assumptions", "data_version",
              "inputs", "language"]
_LEVELS = {"type": "object", "required": ["low", "typical", "high"],
           "properties": {k: {"type": "number"} for k in ("low", "typical", "high")}}
QUOTE_SCHEMA = {
    "type": "object", "required": QUOTE_KEYS,
    "properties": {"code": {"type": "string"}, "year": {"type": "integer"}, "patient_pays": _LEVELS,
                   "plan_pays": _LEVELS, "total_allowed": _LEVELS, "components": {"type": "array"},
                   "steps": {"type": "array", "items": {"type": "string"}},
                   "warnings": {"type": "array", "items": {"type": "object", "required": ["code", "severity",
                                                                                            "message"]}},
                   "quote_id": {"type": "string", "description": "with save=true: the saved quote's ID"}},
}
