"""The dashboard's inputs: their labels and help, and keeping them in the page address (URL).

Every input lives in ``st.session_state`` under ``in_<field>`` and is mirrored into the query
string, so a result can be bookmarked, shared and reopened exactly. Values read from a URL are
checked before use; a bad one is reported by name and ignored, and nothing else is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from estimator.common import i18n
from estimator.common.i18n import N_, _
from estimator.inputs.fields import FIELDS as REGISTRY_FIELDS
from estimator.inputs.fields import NETWORK_LABELS, SITE_LABELS, FieldSpec, keep_applicable, read, show
from estimator.inputs.parsing import scenario_from_strings
from estimator.inputs.validation import PLACE_COUNT_MESSAGE
from estimator.reference.tables import YEARS
from estimator.scenario import FieldError, Scenario, ScenarioError

COMPARE = "compare"
#: The language of the patient pages (``?lang=es`` in the page address), a choice like any input.
LANG = "lang"


@dataclass(frozen=True)
class Field:
    """One input: its label, kind ('text', 'choice', 'money', 'percent', 'int'), default and options.

    Scenario inputs are built from the engine's field registry (``spec``); a few inputs are the
    page's own (the "compare all three" site choice, what the map shows).
    """

    name: str
    label: str
    kind: str
    default: object = None
    options: dict[str, str] = field(default_factory=dict)
    help: str = ""
    spec: FieldSpec | None = None

    @property
    def key(self) -> str:
        return f"in_{self.name}"


_KINDS = {"place": "text", "text": "text", "choice": "choice", "money": "money", "percent": "percent", "count": "int",
          "year": "choice", "flag": "flag"}


def _from_registry(name: str, label: str | None = None, default: object = None,
                   options: dict[str, str] | None = None) -> Field:
    spec = REGISTRY_FIELDS[name]
    if options is None and spec.kind == "choice":
        options = {c: spec.choice_labels.get(c, c) for c in spec.choices}
    if spec.kind == "year":
        options = {str(y): str(y) for y in reversed(YEARS)}
    if default is None:
        default = spec.default if spec.kind != "year" else str(spec.default)
        default = "" if default is None and spec.kind in ("place", "text", "choice") else default
    return Field(name, label or spec.label, _KINDS[spec.kind], default, options or {}, spec.help, spec)


FIELDS = [
    _from_registry("zip", default=""),
    _from_registry("state", N_("or state"), default=""),
    _from_registry("site", default=COMPARE, options={COMPARE: N_("Compare all three"), **SITE_LABELS}),
    _from_registry("sedation"),
    _from_registry("imaging", default="fluoroscopy"),
    _from_registry("coverage"),
    _from_registry("network"),
    _from_registry("plan_type"),
    _from_registry("hdhp"),
    _from_registry("grandfathered"),
    _from_registry("qmb"),
    _from_registry("anesthesia_network", default="", options={"": N_("Same as the others"), **NETWORK_LABELS}),
    _from_registry("deductible"),
    _from_registry("deductible_met"),
    _from_registry("copay"),
    _from_registry("coinsurance"),
    _from_registry("oop_max"),
    _from_registry("oop_met"),
    _from_registry("copay_timing"),
    _from_registry("coinsurance_base"),
    _from_registry("medigap"),
    _from_registry("medicare_provider"),
    _from_registry("payer", default=""),
    _from_registry("hospital", default=""),
    _from_registry("prior_sessions"),
    _from_registry("year"),
    _from_registry("code"),
    Field("show", N_("Show"), "choice", "total", {"total": N_("Total cost of care"),
                                                  "you_pay": N_("What you would pay")},
          help=N_("What the map and the charts on Prices near you compare.")),
    _from_registry("sedation_minutes"),
    _from_registry("anesthesia_minutes"),
    Field("within", N_("Hospitals within"), "choice", "50",
          {"10": N_("10 miles"), "25": N_("25 miles"), "50": N_("50 miles"), "100": N_("100 miles"),
           "any": N_("any distance (the 10 nearest)")},
          help=N_("How far you would travel for the injection: the list shows the hospitals that close.")),
    Field(LANG, "Language / Idioma", "choice", i18n.DEFAULT, dict(i18n.LANGUAGES)),
]
BY_NAME = {f.name: f for f in FIELDS}
LABELS = {f.name: f.label.replace(" ($)", "").replace(" (%)", "") for f in FIELDS}
LABELS["locality"] = N_("Medicare locality")


def language() -> str:
    """The language of this run: the session's choice, else the page address's ``lang`` (a value
    that is not a language is ignored here; ``init`` names it), else English."""
    chosen = st.session_state.get(BY_NAME[LANG].key)
    if chosen in i18n.LANGUAGES:
        return chosen
    try:
        return i18n.check(st.query_params.get(LANG, i18n.DEFAULT) or i18n.DEFAULT)
    except ScenarioError:
        return i18n.DEFAULT


def needs_place(err: FieldError) -> bool:
    """True for the engine's "give a place" problem, in any language (not a mistake the patient made:
    the page asks for a place)."""
    return err.message in (PLACE_COUNT_MESSAGE, _(PLACE_COUNT_MESSAGE))


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
            errors.append((f.name, raw))
            value = f.default
        st.session_state[f.key] = value
    st.session_state["_url_errors"] = errors
    st.session_state["_inputs_ready"] = True


def _parse(f: Field, raw: str) -> tuple[object, str | None]:
    """A URL value for a field, or (None, message naming the field and what is allowed).

    Scenario fields are read by the engine's one parser (fields.read); the page's own choices
    (compare, show, a blank choice) are matched here.
    """
    text = raw.strip()
    if f.name == "hospital":  # a CCN is written in capitals
        raw = text = text.upper()
    if f.name == "zip":  # kept as typed (as the box holds at most): the estimate says what is wrong with it
        return text[:10], None
    if f.kind == "choice" and text.lower() in f.options:
        return text.lower(), None
    if f.spec is None or f.name == "site" and text.lower() == COMPARE:
        return None, _("{label}: '{value}' is not one of {allowed}").format(
            label=_(f.label), value=show(raw), allowed=", ".join(k or _("(blank)") for k in f.options))
    value, err = read(f.spec, text)
    if err:
        return None, f"{_(f.label)}: {err}"
    if f.spec.kind == "year":
        value = str(value)
    return value, None


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
    """The values of the page address that were ignored, each named, in the current language."""
    return [_parse(BY_NAME[name], raw)[1] or "" for name, raw in st.session_state.get("_url_errors", [])]


def scenario(site: str | None = None, overrides: dict | None = None) -> tuple[Scenario | None, list[FieldError]]:
    """The Scenario the inputs describe (with a site or other values overridden), or its problems.

    Only the fields that apply to the chosen coverage and sedation are used (fields.keep_applicable):
    a value typed in a field that is hidden now stays on screen, but does not change the quote.
    """
    v = {**values(), **(overrides or {})}
    text = {k: val for k, val in v.items() if k in REGISTRY_FIELDS and val not in (None, "")}
    if text.get("zip"):
        text.pop("state", None)
    # A named hospital prices the hospital site; compared with the others when the patient compares.
    text["site"] = site or (v["site"] if v["site"] != COMPARE else "hopd" if text.get("hospital") else "asc")
    if text["site"] != "hopd":
        text.pop("hospital", None)
    if text.get("coverage") == "medicare":
        text.pop("deductible", None)  # Part B's, set by law: the page asks only what is met
    if v["imaging"] == "fluoroscopy" and v["code"] in ("62320", "62322"):
        text.pop("imaging", None)  # the code already says "without imaging"
    try:
        return scenario_from_strings(keep_applicable(text)), []
    except ScenarioError as e:
        return None, e.errors


def describe(err: FieldError) -> str:
    """A problem in the words of the page: the field's label and what is allowed."""
    msg = err.message.replace("an amount in dollars", "an amount").replace("zip (5 digits or ZIP+4)", "a ZIP code")
    f = BY_NAME.get(err.field)
    label = _(f.label).replace(" ($)", "").replace(" (%)", "") if f else _(LABELS.get(err.field, err.field))
    return f"{label}: {msg}"
