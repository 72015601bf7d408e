"""The field registry: every input of a quote defined once.

Each ``FieldSpec`` says a scenario field's kind, unit, allowed values or finite range, default, the
coverages (and sedation choices) it applies to, what a blank means, and its plain-language label
and help (the English text is also the key a translation catalogue uses). Everything that reads or
shows a scenario field works from this table: the ``Scenario`` class itself, validation of one
scenario and of a DataFrame of scenarios (``validation.py``), the command line's options and help,
the dashboard's URL state and widgets, the front-desk form, the batch template, the benchmark's
generator and the test strategies.

``read(spec, value)`` turns one raw value (text typed on the command line, in a CSV cell, a URL, a
widget, or a Python number) into the field's value, or a message saying what is allowed. It is the
only parser: the vectorised validator applies it once per distinct value of a column.

``applicable(coverage, sedation)`` is the one answer to "which fields apply to this scenario, and
what does a blank mean", used by both user interfaces, the comparisons, the benchmark and the tests.
Amounts are US dollars; coinsurance is a percentage from 0 to 100 (the engine turns it into a
fraction and says so in its names).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from estimator.common.i18n import N_, _
from estimator.common.shown import one_line, show  # noqa: F401  (re-exported)
from estimator.reference.tables import PROCEDURE_CODES, SITES, YEARS

# -- allowed values ---------------------------------------------------------------------------------
IMAGING = ("fluoroscopy", "ct", "none")
SEDATION = ("local", "moderate", "anesthesia")
COVERAGE = ("commercial", "medicare", "medicare_advantage", "medicaid", "self_pay")
NETWORK = ("in", "out")
COPAY_TIMING = ("after_deductible", "before_deductible", "instead_of_deductible")
COINSURANCE_BASE = ("after_copay", "including_copay")
MEDIGAP = ("none", "g", "n")
#: Commercial and Medicare Advantage plan types. Out of network an HMO or EPO pays nothing (except
#: emergencies); a PPO or POS plan pays on its own out-of-network terms (KFF, market/SOURCES.md).
PLAN_TYPE = ("hmo", "ppo", "epo", "pos", "unknown")
#: A yes/no flag's two values, as the validator indexes them (no = 0, yes = 1).
FLAG = ("no", "yes")
_FLAG_WORDS = {"no": False, "n": False, "false": False, "0": False, "off": False,
               "yes": True, "y": True, "true": True, "1": True, "on": True}
#: Original Medicare only: whether the doctor (and anesthesia provider) participates in Medicare,
#: or, if not, accepts assignment (Medicare's approved amount as full payment) on this bill.
MEDICARE_PROVIDER = ("participating", "nonpar_assigned", "nonpar_unassigned")

SITE_LABELS = {"hopd": N_("Hospital outpatient department"), "asc": N_("Ambulatory surgery center"),
               "office": N_("Doctor's office or clinic")}
SITE_PHRASES = {"hopd": N_("a hospital outpatient department"), "asc": N_("an ambulatory surgery center"),
                "office": N_("a doctor's office or clinic")}
SITE_SHORT_LABELS = {"hopd": N_("Hospital"), "asc": N_("Surgery center"), "office": N_("Office")}
COVERAGE_LABELS = {"commercial": N_("Employer or marketplace plan"), "medicare": N_("Original Medicare"),
                   "medicare_advantage": N_("Medicare Advantage"), "medicaid": N_("Medicaid"),
                   "self_pay": N_("Uninsured / self-pay")}
SEDATION_LABELS = {"local": N_("Local numbing only"), "moderate": N_("Moderate sedation by the doctor"),
                   "anesthesia": N_("Anesthesia provider (monitored anesthesia care)")}
NETWORK_LABELS = {"in": N_("In network"), "out": N_("Out of network")}
MEDICARE_PROVIDER_LABELS = {
    "participating": N_("Takes Medicare's approved amount (participating)"),
    "nonpar_assigned": N_("Does not participate, but accepts assignment for this visit"),
    "nonpar_unassigned": N_("Does not participate or accept assignment (may charge more)")}
IMAGING_LABELS = {"fluoroscopy": N_("Live X-ray (fluoroscopy)"), "ct": N_("CT scan"), "none": N_("No imaging")}
MEDIGAP_LABELS = {"none": N_("None"), "g": N_("Plan G"), "n": N_("Plan N")}
COPAY_TIMING_LABELS = {"after_deductible": N_("After the deductible"),
                       "before_deductible": N_("Before the deductible"),
                       "instead_of_deductible": N_("Instead of the deductible (the deductible does not apply)")}
PLAN_TYPE_LABELS = {"hmo": N_("HMO"), "ppo": N_("PPO"), "epo": N_("EPO"), "pos": N_("POS (point of service)"),
                    "unknown": N_("Not sure")}
FLAG_LABELS = {"no": N_("No"), "yes": N_("Yes")}
COINSURANCE_BASE_LABELS = {"after_copay": N_("On what is left after the copay"),
                           "including_copay": N_("On the amount before the copay")}

#: Typical minutes, used when none are given: moderate sedation is billed in 15-minute blocks
#: (99152 covers the first 15); anesthesia time is counted in 15-minute units.
DEFAULT_SEDATION_MINUTES = 15
DEFAULT_ANESTHESIA_MINUTES = 30
MAX_MINUTES = 240
MAX_DOLLARS = 1_000_000.0
MAX_PRIOR_SESSIONS = 52
#: Longest text accepted in any field (a ZIP+4 is 10 characters; labels are longer).
MAX_TEXT = 80

ALL = frozenset(COVERAGE)
INSURED = frozenset(COVERAGE) - {"self_pay"}
#: Coverages whose plans set their own copay, coinsurance and yearly maximum.
PLANS = frozenset({"commercial", "medicare_advantage", "medicaid"})
NETWORKED = frozenset({"commercial", "medicare_advantage"})
MEDICARE_ONLY = frozenset({"medicare"})
COMMERCIAL_ONLY = frozenset({"commercial"})
_NO_NETWORK = {"medicare": N_("Original Medicare has no network"),
               "medicaid": N_("Medicaid pays only providers that take Medicaid"),
               "self_pay": N_("a self-pay patient has no plan network")}


@dataclass(frozen=True)
class FieldSpec:
    """One scenario field.

    kind: 'place' (zip, locality, state), 'text' (other short text of a given shape: a hospital's
    CCN, a payer's name), 'choice', 'flag' (yes/no: a bool; on the command line an
    option with no value, elsewhere yes/no/true/false/1/0), 'money' (US dollars), 'percent'
    (0-100), 'count' (a whole number) or 'year'. ``choices`` are the allowed codes and ``choice_labels``
    their plain names (either is accepted as input). ``low``/``high`` bound numbers (inclusive).
    ``default`` is the value a blank takes (None: no value). ``coverages`` and ``sedations`` are
    where the field applies; elsewhere only its ``neutral`` value (by default the default) is
    accepted. ``blank`` says in words what leaving it out means.
    """

    name: str
    kind: str
    label: str
    help: str = ""
    unit: str = ""
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] = field(default_factory=dict)
    low: float | None = None
    high: float | None = None
    default: object = None
    coverages: frozenset[str] = ALL
    sedations: frozenset[str] = frozenset(SEDATION)
    neutral: tuple[object, ...] | None = None
    blank: str = ""
    not_applicable: dict[str, str] = field(default_factory=dict)  # coverage -> why, in words
    aliases: dict[str, str] = field(default_factory=dict)  # other accepted spellings -> code
    pattern: str = ""  # place fields: the text's shape
    example: str = ""

    def __post_init__(self) -> None:
        if self.kind == "flag" and not self.choices:  # the validator indexes a flag like a choice
            object.__setattr__(self, "choices", FLAG)
            object.__setattr__(self, "choice_labels", dict(FLAG_LABELS))

    @property
    def option(self) -> str:
        """The command-line option: deductible_met -> --deductible-met."""
        return "--" + self.name.replace("_", "-")

    @property
    def is_number(self) -> bool:
        return self.kind in ("money", "percent", "count", "year")

    @property
    def neutral_values(self) -> tuple[object, ...]:
        """Values accepted where the field does not apply (they change nothing)."""
        return self.neutral if self.neutral is not None else (self.default,)

    def allowed(self) -> str:
        """What is allowed, in words (ends every message about this field), in the current language."""
        if self.kind == "choice":
            return _("one of {values}").format(values=", ".join(self.choices))
        if self.kind == "flag":
            return _("yes or no (also true/false, 1/0)")
        if self.kind == "year":
            return _("one of {values}").format(values=", ".join(map(str, YEARS)))
        if self.kind == "money":
            return _("an amount in dollars from 0 to {high}").format(high=f"{self.high:,.0f}")
        if self.kind == "percent":
            return _("a percentage from {low} to {high}").format(low=f"{self.low:g}", high=f"{self.high:g}")
        if self.kind == "count":
            return _("a whole number from {low} to {high}").format(low=f"{self.low:g}", high=f"{self.high:g}")
        return _(self.example)

    def metavar(self) -> str:
        if self.kind == "choice":
            return "{" + ",".join(self.choices) + "}"
        if self.kind == "flag":
            return "[yes|no]"
        if self.kind == "year":
            return "{" + ",".join(map(str, YEARS)) + "}"
        return {"money": "N", "percent": "PCT", "count": "N"}.get(self.kind, "TEXT")


_ZIP_HELP = (N_("Your ZIP code sets local prices (the Medicare payment area it falls in): 5 digits, or ZIP+4 "
             "(35203-1234) where Medicare splits a ZIP code between payment areas."))
REGISTRY: tuple[FieldSpec, ...] = (
    FieldSpec("zip", "place", N_("ZIP code"), _ZIP_HELP, pattern=r"[0-9]{5}(-[0-9]{4})?",
              example=N_("5 digits (35203) or ZIP+4 with a hyphen (35203-1234)"),
              blank=N_("give a locality or a state instead")),
    FieldSpec("locality", "place", N_("Medicare locality"), N_("A Medicare payment locality, carrier-locality."),
              pattern=r"[0-9]{5}-[0-9]{2}", example=N_("carrier-locality, e.g. 10112-00"),
              blank=N_("give a ZIP code or a state instead")),
    FieldSpec("state", "place", N_("State"), N_("If you prefer not to give a ZIP code, your state "
              "(priced for the state's main Medicare locality)."), pattern=r"[A-Za-z]{2}",
              example=N_("two letters, e.g. AL"), blank=N_("give a ZIP code or a locality instead")),
    FieldSpec("code", "choice", N_("Procedure code"),
              N_("62321 is the neck or upper back with imaging; 62320 without imaging; 62322/62323 lower back."),
              choices=PROCEDURE_CODES, choice_labels={c: c for c in PROCEDURE_CODES}, default="62321"),
    FieldSpec("site", "choice", N_("Where will it be done?"),
              N_("A hospital outpatient department adds a facility fee; a surgery center charges a smaller one; "
              "a doctor's office includes its costs in the doctor's fee. A clinic owned by a hospital (a "
              "\"provider-based\" office) bills a hospital facility fee too: choose the hospital outpatient "
              "department for it."),
              choices=SITES, choice_labels=SITE_LABELS, default="asc",
              aliases={**{v: k for k, v in SITE_SHORT_LABELS.items()}, "surgery center": "asc",
                       "ambulatory surgery centre": "asc", "hospital outpatient": "hopd", "clinic": "office"}),
    FieldSpec("imaging", "choice", N_("Imaging guidance"),
              N_("Live X-ray or CT guidance is part of code 62321 and costs the same either way. Without "
              "imaging the injection is billed under a different code (62320)."),
              choices=IMAGING, choice_labels=IMAGING_LABELS, blank=N_("what the procedure code implies")),
    FieldSpec("sedation", "choice", N_("Sedation"),
              N_("Most injections need only numbing medicine. Sedation by the doctor or an anesthesia provider "
              "adds a charge (and a separate bill for an anesthesia provider)."),
              choices=SEDATION, choice_labels=SEDATION_LABELS, default="local"),
    FieldSpec("sedation_minutes", "count", N_("Sedation minutes"), N_("Minutes of moderate sedation by the doctor."),
              unit="minutes", low=0, high=MAX_MINUTES, default=DEFAULT_SEDATION_MINUTES,
              sedations=frozenset({"moderate"}), blank=f"{DEFAULT_SEDATION_MINUTES} minutes"),
    FieldSpec("anesthesia_minutes", "count", N_("Anesthesia minutes"), N_("Anesthesia time in minutes."),
              unit="minutes", low=0, high=MAX_MINUTES, default=DEFAULT_ANESTHESIA_MINUTES,
              sedations=frozenset({"anesthesia"}), blank=f"{DEFAULT_ANESTHESIA_MINUTES} minutes"),
    FieldSpec("year", "year", N_("Price year"), N_("The fee schedule year."), default=YEARS[-1],
              blank=f"{YEARS[-1]}"),
    FieldSpec("coverage", "choice", N_("Your coverage"),
              N_("Employer or marketplace plans, Medicare, Medicare Advantage, Medicaid, or paying yourself."),
              choices=COVERAGE, choice_labels=COVERAGE_LABELS, default="commercial",
              aliases={"self pay": "self_pay", "uninsured": "self_pay", "cash": "self_pay",
                       "employer plan": "commercial", "marketplace plan": "commercial", "private": "commercial",
                       "original medicare": "medicare", "medicare part b": "medicare"}),
    FieldSpec("network", "choice", N_("Are the providers in your plan's network?"),
              N_("In-network providers have agreed prices with your plan. Out-of-network providers may bill "
              "you the difference between their charge and what your plan pays."),
              choices=NETWORK, choice_labels=NETWORK_LABELS, default="in", coverages=NETWORKED,
              not_applicable=_NO_NETWORK),
    FieldSpec("plan_type", "choice", N_("Plan type"),
              N_("On your insurance card. Out of network an HMO or EPO pays nothing (except emergencies); a PPO "
              "or POS plan pays on its own out-of-network terms. Not sure: the estimate covers both."),
              choices=PLAN_TYPE, choice_labels=PLAN_TYPE_LABELS, default="unknown", coverages=NETWORKED,
              blank=N_("not sure: out of network, the range runs from a PPO's terms to an HMO's (nothing paid)"),
              not_applicable=_NO_NETWORK),
    FieldSpec("anesthesia_network", "choice", N_("Anesthesia provider's network"),
              N_("At an in-network hospital or surgery center, the No Surprises Act protects you from an "
              "out-of-network anesthesia provider's balance bill."),
              choices=NETWORK, choice_labels=NETWORK_LABELS, coverages=NETWORKED, neutral=(None, "in"),
              blank=N_("the same as the other providers"), not_applicable=_NO_NETWORK),
    FieldSpec("doctor_network", "choice", N_("The doctor's own network"),
              N_("A doctor can be out of network at an in-network hospital or surgery center. Without your "
              "signed notice-and-consent form such a doctor may charge you only in-network cost sharing "
              "(No Surprises Act); a doctor's own office is not covered."),
              choices=NETWORK, choice_labels=NETWORK_LABELS, coverages=NETWORKED, neutral=(None, "in"),
              blank=N_("the same as --network"), not_applicable=_NO_NETWORK),
    FieldSpec("signed_consent", "flag", N_("Signed a notice-and-consent form"),
              N_("Whether you signed the out-of-network doctor's notice-and-consent form, giving up the No "
              "Surprises Act's protection for this visit. You may refuse to sign."),
              default=False, coverages=NETWORKED, blank=N_("no (not signed)"), not_applicable=_NO_NETWORK),
    FieldSpec("deductible", "money", N_("Yearly deductible ($)"),
              N_("What you pay before your plan starts sharing costs. It is on your plan's Summary of "
              "Benefits and Coverage, your insurance card or the insurer's app."),
              unit="USD", low=0, high=MAX_DOLLARS, coverages=INSURED,
              blank=N_("not known: the estimate runs from already met to not yet met at a typical deductible "
                    "(Original Medicare: the Part B deductible; Medicaid: none)")),
    FieldSpec("deductible_met", "money", N_("Deductible paid so far this year ($)"),
              N_("Your insurer's app or latest Explanation of Benefits shows how much you have met."),
              unit="USD", low=0, high=MAX_DOLLARS, default=0.0, coverages=INSURED, blank=N_("$0")),
    FieldSpec("deductible_remaining", "money", N_("Deductible left to pay ($)"),
              N_("What is still left of your deductible this year, instead of the deductible and what you "
              "have paid toward it."), unit="USD", low=0, high=MAX_DOLLARS, coverages=INSURED,
              blank=N_("worked out from the deductible and what is met")),
    FieldSpec("copay", "money", N_("Copay for an outpatient procedure ($)"),
              N_("A fixed amount per service, if your plan has one for outpatient procedures."),
              unit="USD", low=0, high=MAX_DOLLARS, default=0.0, coverages=PLANS, blank=N_("no copay"),
              not_applicable={"medicare": N_("Original Medicare has no copay: Part B cost sharing is the "
                                             "deductible and 20% coinsurance")}),
    FieldSpec("coinsurance", "percent", N_("Coinsurance (%)"),
              N_("Your share of the cost after the deductible, e.g. 20%. Leave blank if you are not sure: "
              "20% is assumed and the estimate says so."),
              unit="percent", low=0, high=100, coverages=PLANS, neutral=(None, 20.0),
              blank=N_("20% assumed; with a copay entered, none (copay only); Medicaid: none"),
              not_applicable={"medicare": N_("Original Medicare's coinsurance is set by law at 20%")}),
    FieldSpec("oop_max", "money", N_("Out-of-pocket maximum ($)"),
              N_("The most you pay in a year for covered in-network care; after it, the plan pays in full."),
              unit="USD", low=0, high=MAX_DOLLARS, coverages=PLANS,
              blank=N_("employer or marketplace plan: the year's ACA limit (unless grandfathered); otherwise none"),
              not_applicable={"medicare": N_("Original Medicare has no yearly out-of-pocket maximum")}),
    FieldSpec("oop_met", "money", N_("Out-of-pocket paid so far this year ($)"),
              N_("Deductible, copays and coinsurance you have already paid this year."),
              unit="USD", low=0, high=MAX_DOLLARS, default=0.0, coverages=PLANS, blank=N_("$0"),
              not_applicable={"medicare": N_("Original Medicare has no yearly out-of-pocket maximum")}),
    FieldSpec("oop_remaining", "money", N_("Out-of-pocket left before the maximum ($)"),
              N_("What you can still pay this year before the plan pays in full, instead of the maximum and "
              "what you have paid."), unit="USD", low=0, high=MAX_DOLLARS, coverages=PLANS,
              blank=N_("worked out from the maximum and what is met"),
              not_applicable={"medicare": N_("Original Medicare has no yearly out-of-pocket maximum")}),
    FieldSpec("oon_deductible", "money", N_("Out-of-network deductible ($)"),
              N_("A PPO or POS plan's separate yearly deductible for out-of-network care."),
              unit="USD", low=0, high=MAX_DOLLARS, coverages=NETWORKED,
              blank=N_("twice the in-network deductible (a stated assumption)"), not_applicable=_NO_NETWORK),
    FieldSpec("oon_deductible_met", "money", N_("Out-of-network deductible paid so far ($)"),
              unit="USD", low=0, high=MAX_DOLLARS, default=0.0, coverages=NETWORKED, blank=N_("$0"),
              not_applicable=_NO_NETWORK),
    FieldSpec("oon_coinsurance", "percent", N_("Out-of-network coinsurance (%)"),
              N_("Your share of the plan's out-of-network allowance after the out-of-network deductible."),
              unit="percent", low=0, high=100, coverages=NETWORKED,
              blank=N_("40% assumed (a stated assumption)"), not_applicable=_NO_NETWORK),
    FieldSpec("oon_oop_max", "money", N_("Out-of-network out-of-pocket maximum ($)"),
              N_("The most you pay in a year for covered out-of-network care (balance bills do not count)."),
              unit="USD", low=0, high=MAX_DOLLARS, coverages=NETWORKED,
              blank=N_("twice the in-network maximum (none if there is none)"), not_applicable=_NO_NETWORK),
    FieldSpec("oon_oop_met", "money", N_("Out-of-network out-of-pocket paid so far ($)"),
              unit="USD", low=0, high=MAX_DOLLARS, default=0.0, coverages=NETWORKED, blank=N_("$0"),
              not_applicable=_NO_NETWORK),
    FieldSpec("copay_timing", "choice", N_("When the copay applies"),
              N_("Whether the copay is charged after the deductible (most plans), before it, or instead of it "
              "(the deductible does not apply to this service)."),
              choices=COPAY_TIMING, choice_labels=COPAY_TIMING_LABELS, default="after_deductible",
              coverages=PLANS, blank=N_("after the deductible")),
    FieldSpec("coinsurance_base", "choice", N_("What coinsurance is taken on"),
              N_("Coinsurance on what is left after the deductible and the copay (most plans), or on what is "
              "left after the deductible only."), choices=COINSURANCE_BASE,
              choice_labels=COINSURANCE_BASE_LABELS, default="after_copay", coverages=PLANS,
              blank=N_("after the copay")),
    FieldSpec("grandfathered", "flag", N_("Grandfathered plan"),
              N_("A plan bought before March 23, 2010 and not changed since need not keep in-network cost "
              "sharing within the ACA's yearly limit."), default=False, coverages=COMMERCIAL_ONLY,
              blank=N_("no: the ACA limit applies"),
              not_applicable={c: N_("the ACA out-of-pocket limit concerns employer and marketplace plans")
                              for c in COVERAGE}),
    FieldSpec("hdhp", "flag", N_("HSA-qualified high-deductible plan"),
              N_("A high-deductible plan that goes with a health savings account pays nothing for this service "
              "before the deductible is met."), default=False, coverages=COMMERCIAL_ONLY, blank=N_("no"),
              not_applicable={c: N_("an HSA-qualified high-deductible plan is an employer or marketplace plan")
                              for c in COVERAGE}),
    FieldSpec("medigap", "choice", N_("Medigap (supplement) plan"),
              N_("Medigap Plan G pays Medicare's 20% coinsurance and a doctor's excess charges; Plan N pays the "
              "coinsurance except up to a $20 copay for an office visit, and no excess charges. With either "
              "you still pay the Part B deductible."),
              choices=MEDIGAP, choice_labels=MEDIGAP_LABELS, default="none", coverages=MEDICARE_ONLY,
              blank=N_("no Medigap plan"),
              not_applicable={c: N_("a Medigap plan goes with Original Medicare only") for c in COVERAGE}),
    FieldSpec("medicare_provider", "choice", N_("Does the doctor take Medicare's approved amount?"),
              N_("Most doctors do. One who does not participate is paid 5% less by Medicare; if they also do not "
              "accept assignment they may charge you up to 15% over that (the limiting charge). Ask the office, "
              "or look the doctor up on Medicare's Care Compare."),
              choices=MEDICARE_PROVIDER, choice_labels=MEDICARE_PROVIDER_LABELS, default="participating",
              coverages=MEDICARE_ONLY, blank=N_("participating"),
              not_applicable={c: N_("a doctor's Medicare participation matters with Original Medicare only")
                              for c in COVERAGE}),
    FieldSpec("qmb", "flag", N_("Qualified Medicare Beneficiary (QMB)"),
              N_("Medicare and Medicaid together: in the QMB program you owe no Medicare deductible or "
              "coinsurance, and providers may not bill you for them."), default=False, coverages=MEDICARE_ONLY,
              blank=N_("no"), not_applicable={c: N_("the QMB program goes with Original Medicare") for c in COVERAGE}),
    FieldSpec("prior_sessions", "count", N_("Injections in the same area in the last 12 months"),
              N_("Medicare covers at most four sessions per spine region in 12 months."),
              unit="sessions", low=0, high=MAX_PRIOR_SESSIONS, default=0,
              coverages=frozenset({"medicare", "medicare_advantage"}), blank=N_("none"),
              not_applicable={c: N_("the session limit is Medicare's coverage rule") for c in COVERAGE}),
    FieldSpec("allowed", "money", N_("Known total allowed amount ($)"),
              N_("A total allowed amount you already know (e.g. from the insurer's estimate); it replaces the "
              "estimate."), unit="USD", low=0, high=MAX_DOLLARS, blank=N_("estimated")),
    FieldSpec("allowed_professional", "money", N_("Known allowed amount for the doctor's bill ($)"), unit="USD",
              low=0, high=MAX_DOLLARS, blank=N_("estimated")),
    FieldSpec("allowed_facility", "money", N_("Known allowed amount for the facility bill ($)"), unit="USD",
              low=0, high=MAX_DOLLARS, blank=N_("estimated")),
    FieldSpec("allowed_anesthesia", "money", N_("Known allowed amount for the anesthesia bill ($)"), unit="USD",
              low=0, high=MAX_DOLLARS, sedations=frozenset({"anesthesia"}), neutral=(None, 0.0),
              blank=N_("estimated")),
    FieldSpec("billed", "money", N_("Known total billed charges ($)"),
              N_("The providers' total charges, if known."), unit="USD", low=0, high=MAX_DOLLARS,
              blank=N_("estimated")),
    FieldSpec("hospital", "text", N_("Hospital (CMS Certification Number)"),
              N_("A named hospital's 6-character CMS Certification Number (CCN): its facility fee is then priced "
              "at the prices it publishes (cash price, gross charge, negotiated rates). Only with site hopd."),
              pattern=r"[0-9A-Za-z]{6}", example=N_("a 6-character CMS Certification Number, e.g. 010001"),
              blank=N_("the local range of hospital prices")),
    FieldSpec("payer", "text", N_("Insurer"),
              N_("The patient's insurer or plan as named in the clinic's contract prices or a hospital's price "
              "file (matched ignoring case). At a named hospital with a commercial plan in network, its "
              "published negotiated rate for this insurer; without one published, its range of negotiated "
              "rates."), pattern=r"(?!(?i:inf|infinity|nan)$)[A-Za-z][A-Za-z0-9 &.,'()/+:-]{0,79}",
              example=N_("an insurer's name starting with a letter, e.g. Aetna (letters, digits, spaces and "
                      "& . , ' ( ) / + : -; at most 80 characters)"),
              blank=N_("no insurer named (the hospital's range of negotiated rates)")),
)
FIELDS: dict[str, FieldSpec] = {f.name: f for f in REGISTRY}
NAMES: tuple[str, ...] = tuple(FIELDS)
PLACE_FIELDS = ("zip", "locality", "state")
#: Text fields compared case-sensitively (the rest are matched ignoring case).
_CASE_SENSITIVE = frozenset({"code"})


# -- reading one value ------------------------------------------------------------------------------
_NUMBER = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?",
                     re.ASCII)
#: More digits than any allowed amount needs (and short enough to be read exactly).
_MAX_DIGITS = 15


def _spelling(text: str) -> str:
    """A choice as compared: lower case, '_' and '-' as spaces, single spaces."""
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _choice_lookup(spec: FieldSpec) -> dict[str, str]:
    """Accepted spellings of a choice (its code, its label or an alias, ignoring case, spaces, '_'
    and '-': 'self_pay', 'Self-pay', 'Uninsured / self-pay') -> code."""
    out = {}
    for code in spec.choices:
        out[_spelling(code)] = code
        if spec.choice_labels.get(code):
            out[_spelling(spec.choice_labels[code])] = code
    out.update({_spelling(alias): code for alias, code in spec.aliases.items()})
    return out


_CHOICE_LOOKUP = {f.name: _choice_lookup(f) for f in REGISTRY if f.kind == "choice"}
_PATTERNS = {f.name: re.compile(f.pattern, re.ASCII) for f in REGISTRY if f.pattern}


def _number(spec: FieldSpec, value: object) -> float | None:
    """A finite number from text or a number; None if it is not one. Units allowed: '$' for money, '%'
    for percentages; thousands separators as '1,500'; an exponent as '1e3'. Only the ASCII digits 0-9
    are read (no other scripts' digits, no '1_000', no hexadecimal), at most 15 of them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = float(value) if not isinstance(value, int) or abs(value) < 10**_MAX_DIGITS else math.inf
        return v if math.isfinite(v) else None
    text = str(value).strip()
    if spec.kind == "money" and text.startswith("$"):
        text = text[1:].strip()
    elif spec.kind == "money" and text.startswith("-$"):
        text = "-" + text[2:].strip()
    if spec.kind == "percent" and text.endswith("%"):
        text = text[:-1].strip()
    if not _NUMBER.fullmatch(text) or sum(c.isdigit() for c in text) > _MAX_DIGITS:
        return None
    try:
        v = float(Decimal(text.replace(",", "")))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    return v if math.isfinite(v) else None


def is_blank(value: object) -> bool:
    """None, NaN or text of only spaces: the field was left out."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def read(spec: FieldSpec, value: object) -> tuple[object, str | None]:
    """One raw value -> (the field's value, None) or (None, what is wrong and what is allowed).

    ``value`` is text (CLI, CSV cell, URL parameter, widget) or a Python value. A blank gives the
    field's default. This is the only parser of scenario fields. Messages are in the current language.
    """
    if is_blank(value):
        return spec.default, None
    if spec.is_number:
        v = _number(spec, value)
        if v is None:
            what = {"money": N_("an amount in dollars, e.g. 1500"), "percent": N_("a percentage from 0 to 100"),
                    "count": N_("a whole number"), "year": N_("a year")}[spec.kind]
            return None, _("'{value}' is not a number: {allowed}").format(value=show(value), allowed=_(what)) \
                if not isinstance(value, (int, float)) else _not_allowed(spec, value)
        if spec.kind == "year":
            return (int(v), None) if v in YEARS else (None, _not_allowed(spec, value))
        if spec.kind == "count" and v != int(v):
            return None, _not_allowed(spec, value)
        if not spec.low <= v <= spec.high:
            return None, _not_allowed(spec, value)
        return (int(v) if spec.kind == "count" else v + 0.0), None
    if (spec.name == "zip" and isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value == int(value) and 0 <= value < 100_000):
        value = f"{int(value):05d}"  # a ZIP read as a number (a spreadsheet drops its leading zeros)
    if spec.kind == "flag":
        return _flag(spec, value)
    if not isinstance(value, str):
        return None, _not_allowed(spec, value)
    text = value.strip()
    if len(text) > MAX_TEXT:
        return None, _("'{value}' is too long: {allowed}").format(value=show(text), allowed=spec.allowed())
    if spec.kind == "choice":
        key = text if spec.name in _CASE_SENSITIVE else _spelling(text)
        code = _CHOICE_LOOKUP[spec.name].get(key)
        if code is None:
            return None, _not_allowed(spec, text)
        return code, None
    # place and text fields
    if not _PATTERNS[spec.name].fullmatch(text):
        what = {"zip": N_("'{value}' is not a ZIP code: use {example}"),
                "locality": N_("'{value}' is not a Medicare locality: use {example}"),
                "state": N_("'{value}' is not a state: use {example}"),
                "hospital": N_("'{value}' is not a CMS Certification Number: use {example}")}.get(
            spec.name, N_("'{value}' is not allowed: use {example}"))
        return None, _(what).format(value=show(text), example=_(spec.example))
    return (text.upper() if spec.name in ("state", "hospital") else text), None


def _not_allowed(spec: FieldSpec, value: object) -> str:
    return _("'{value}' is not allowed: {allowed}").format(value=show(value), allowed=spec.allowed())


def _flag(spec: FieldSpec, value: object) -> tuple[object, str | None]:
    """A yes/no flag: a bool, the numbers 0/1, or yes/no/true/false/y/n/on/off/1/0 in any case."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value), None
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        word = _FLAG_WORDS.get(value.strip().lower())
        if word is not None:
            return word, None
    return None, _not_allowed(spec, value)


# -- which fields apply --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldUse:
    """A field that applies to a scenario, and what leaving it blank means there."""

    spec: FieldSpec
    blank: str


def applies(spec: FieldSpec, coverage: str, sedation: str | None = None) -> bool:
    """Whether a field matters for this coverage (and sedation, when given)."""
    return coverage in spec.coverages and (sedation is None or sedation in spec.sedations)


def applicable(coverage: str, sedation: str | None = None) -> dict[str, FieldUse]:
    """The fields that apply to a scenario with this coverage (and sedation), in registry order,
    each with what a blank means for it. Fields not listed accept only their neutral value."""
    out = {}
    for spec in REGISTRY:
        if not applies(spec, coverage, sedation):
            continue
        blank = spec.blank
        if spec.name == "deductible" and coverage == "medicare":
            blank = N_("the Part B deductible, set by law")
        elif spec.name in ("coinsurance", "deductible", "copay") and coverage == "medicaid":
            blank = N_("none (many states charge nothing for this service)")
        elif spec.name == "oop_max" and coverage != "commercial":
            blank = N_("no maximum applied")
        out[spec.name] = FieldUse(spec, blank)
    return out


def keep_applicable(values: dict[str, object], coverage: str | None = None,
                    sedation: str | None = None) -> dict[str, object]:
    """``values`` without the fields that do not apply to its coverage and sedation (they are left
    out, i.e. take their defaults). The UIs use this so a value typed in a field that is now hidden
    is kept on screen but does not change the quote."""
    cov = coverage or values.get("coverage") or FIELDS["coverage"].default
    sed = sedation or values.get("sedation") or FIELDS["sedation"].default
    cov = cov if cov in COVERAGE else FIELDS["coverage"].default
    sed = sed if sed in SEDATION else None
    return {k: v for k, v in values.items() if k not in FIELDS or applies(FIELDS[k], cov, sed)}


def defaults() -> dict[str, object]:
    """Every field's default value."""
    return {f.name: f.default for f in REGISTRY}
