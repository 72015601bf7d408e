"""The dashboard's inputs: their labels and help, and keeping them in the page address (URL).

Every input lives in ``st.session_state`` under ``in_<field>`` and is mirrored into the query
string, so a result can be bookmarked, shared and reopened exactly. Values read from a URL are
checked before use; a bad one is reported by name and ignored, and nothing else is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from estimator.parsing import NUMERIC_FIELDS, scenario_from_strings
from estimator.scenario import (
    COVERAGE_LABELS,
    IMAGING_LABELS,
    MAX_DOLLARS,
    MEDICARE_PROVIDER_LABELS,
    NETWORK_LABELS,
    SEDATION_LABELS,
    SITE_LABELS,
    FieldError,
    Scenario,
    ScenarioError,
)
from estimator.tables import PROCEDURE_CODES, YEARS

COMPARE = "compare"


@dataclass(frozen=True)
class Field:
    """One input: its label, kind ('text', 'choice', 'money', 'percent', 'int'), default and options."""

    name: str
    label: str
    kind: str
    default: object = None
    options: dict[str, str] = field(default_factory=dict)
    help: str = ""

    @property
    def key(self) -> str:
        return f"in_{self.name}"


FIELDS = [
    Field("zip", "ZIP code", "text", "", help="Your 5-digit ZIP code sets local prices (Medicare locality)."),
    Field("state", "or state", "text", "", help="If you prefer not to give a ZIP code, pick your state."),
    Field("site", "Where will it be done?", "choice", COMPARE,
          {COMPARE: "Compare all three", **SITE_LABELS},
          help="A hospital outpatient department adds a facility fee; a surgery center charges a smaller one; "
               "a doctor's office includes its costs in the doctor's fee."),
    Field("sedation", "Sedation", "choice", "local", SEDATION_LABELS,
          help="Most injections need only numbing medicine. Sedation by the doctor or an anesthesia provider "
               "adds a charge (and a separate bill for an anesthesia provider)."),
    Field("imaging", "Imaging guidance", "choice", "fluoroscopy", IMAGING_LABELS,
          help="Live X-ray or CT guidance is part of code 62321 and costs the same either way. Without "
               "imaging the injection is billed under a different code (62320)."),
    Field("coverage", "Your coverage", "choice", "commercial", COVERAGE_LABELS,
          help="Employer or marketplace plans, Medicare, Medicare Advantage, Medicaid, or paying yourself."),
    Field("network", "Are the providers in your plan's network?", "choice", "in", NETWORK_LABELS,
          help="In-network providers have agreed prices with your plan. Out-of-network providers may bill "
               "you the difference between their charge and what your plan pays."),
    Field("anesthesia_network", "Anesthesia provider's network", "choice", "",
          {"": "Same as the others", **NETWORK_LABELS},
          help="At an in-network hospital or surgery center, the No Surprises Act protects you from an "
               "out-of-network anesthesia provider's balance bill."),
    Field("deductible", "Yearly deductible ($)", "money",
          help="What you pay before your plan starts sharing costs. It is on your plan's Summary of "
               "Benefits and Coverage, your insurance card or the insurer's app."),
    Field("deductible_met", "Deductible paid so far this year ($)", "money", 0.0,
          help="Your insurer's app or latest Explanation of Benefits shows how much you have met."),
    Field("copay", "Copay for an outpatient procedure ($)", "money", 0.0,
          help="A fixed amount per service, if your plan has one for outpatient procedures."),
    Field("coinsurance", "Coinsurance (%)", "percent",
          help="Your share of the cost after the deductible, e.g. 20%. Leave blank if you are not sure: "
               "20% is assumed and the estimate says so."),
    Field("oop_max", "Out-of-pocket maximum ($)", "money",
          help="The most you pay in a year for covered in-network care; after it, the plan pays in full."),
    Field("oop_met", "Out-of-pocket paid so far this year ($)", "money", 0.0,
          help="Deductible, copays and coinsurance you have already paid this year."),
    Field("medigap", "Medigap (supplement) plan", "choice", "none", {"none": "None", "g": "Plan G"},
          help="Medigap Plan G pays Medicare's 20% coinsurance; you still pay the Part B deductible."),
    Field("medicare_provider", "Does the doctor take Medicare's approved amount?", "choice", "participating",
          MEDICARE_PROVIDER_LABELS,
          help="Most doctors do. One who does not participate is paid 5% less by Medicare; if they also do not "
               "accept assignment they may charge you up to 15% over that (the limiting charge). Ask the office, "
               "or look the doctor up on Medicare's Care Compare."),
    Field("prior_sessions", "Injections in the same area in the last 12 months", "int", 0,
          help="Medicare covers at most four sessions per spine region in 12 months."),
    Field("year", "Price year", "choice", str(YEARS[-1]), {str(y): str(y) for y in reversed(YEARS)}),
    Field("code", "Procedure code", "choice", "62321", {c: c for c in PROCEDURE_CODES},
          help="62321 is the neck or upper back with imaging; 62320 without imaging; 62322/62323 lower back."),
    Field("show", "Show", "choice", "total", {"total": "Total cost of care", "you_pay": "What you would pay"},
          help="What the map and the charts on Prices near you compare."),
    Field("sedation_minutes", "Sedation minutes", "int", 15),
    Field("anesthesia_minutes", "Anesthesia minutes", "int", 30),
]
BY_NAME = {f.name: f for f in FIELDS}
LABELS = {f.name: f.label.replace(" ($)", "").replace(" (%)", "") for f in FIELDS}
LABELS["locality"] = "Medicare locality"


def init() -> None:
    """Fill the session's inputs from the URL once per session (then the session leads)."""
    if st.session_state.get("_inputs_ready"):
        return
    errors = []
    params = st.query_params.to_dict()
    for f in FIELDS:
        if f.key in st.session_state:
            continue
        raw = params.get(f.name)
        value, err = _parse(f, raw) if raw not in (None, "") else (f.default, None)
        if err:
            errors.append(err)
            value = f.default
        st.session_state[f.key] = value
    st.session_state["_url_errors"] = errors
    st.session_state["_inputs_ready"] = True


def _parse(f: Field, raw: str) -> tuple[object, str | None]:
    """A URL value for a field, or (None, message naming the field and what is allowed)."""
    if f.kind == "text":
        return raw.strip()[:10], None
    if f.kind == "choice":
        v = raw.strip().lower() if f.name != "code" else raw.strip()
        if v not in f.options:
            return None, f"{f.label}: '{raw}' is not one of " + ", ".join(k or "(blank)" for k in f.options)
        return v, None
    try:
        v = float(raw.replace(",", "").lstrip("$").rstrip("%"))
    except ValueError:
        return None, f"{f.label}: '{raw}' is not a number"
    limit = {"money": MAX_DOLLARS, "percent": 100, "int": 240}[f.kind]
    if not 0 <= v <= limit or (f.kind == "int" and v != int(v)):
        return None, f"{f.label}: '{raw}' is not allowed (0 to {limit:,.0f})"
    return (int(v) if f.kind == "int" else v), None


def values() -> dict[str, object]:
    return {f.name: st.session_state.get(f.key, f.default) for f in FIELDS}


def sync_url() -> None:
    """Write the inputs that differ from their defaults into the page's query string."""
    wanted = {}
    for f in FIELDS:
        v = st.session_state.get(f.key, f.default)
        if v is None or v == "" or v == f.default:
            continue
        if isinstance(v, float) and v == int(v):
            v = int(v)
        wanted[f.name] = str(v)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def url_errors() -> list[str]:
    return st.session_state.get("_url_errors", [])


def scenario(site: str | None = None, overrides: dict | None = None) -> tuple[Scenario | None, list[FieldError]]:
    """The Scenario the inputs describe (with a site or other values overridden), or its problems."""
    v = {**values(), **(overrides or {})}
    text = {k: (None if val is None or val == "" else str(val)) for k, val in v.items()}
    if text.get("zip"):
        text["state"] = None
    text["site"] = site or (v["site"] if v["site"] != COMPARE else "asc")
    if v["coverage"] in ("medicare", "medicaid"):
        text["network"] = text["anesthesia_network"] = None
    if v["coverage"] != "medicare":
        text["medigap"] = text["medicare_provider"] = None
    if v["coverage"] == "medicare":
        text["coinsurance"] = None
        text["deductible"] = None  # Part B's, set by law
    if v["coverage"] not in ("medicare", "medicare_advantage"):
        text["prior_sessions"] = None
    if v["sedation"] != "moderate":
        text["sedation_minutes"] = None
    if v["sedation"] != "anesthesia":
        text["anesthesia_minutes"] = None
    if v["imaging"] == "fluoroscopy" and v["code"] in ("62320", "62322"):
        text["imaging"] = None  # the code already says "without imaging"
    text = {k: val for k, val in text.items() if k in NUMERIC_FIELDS or k in Scenario.field_names()}
    try:
        return scenario_from_strings(text), []
    except ScenarioError as e:
        return None, e.errors


def describe(err: FieldError) -> str:
    """A problem in the words of the page: the field's label and what is allowed."""
    msg = err.message.replace("an amount in dollars", "an amount").replace("zip (5 digits)", "a ZIP code")
    return f"{LABELS.get(err.field, err.field)}: {msg}"
