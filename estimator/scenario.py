"""What a quote is asked for: the scenario, its allowed values, defaults and validation.

A scenario is plain data (no pricing). ``Scenario.validate()`` returns the list of problems, each
naming the field and what is allowed, so the CLI, the API and the UI can all show the same clear
message. Money is in US dollars; coinsurance is a percentage from 0 to 100.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields

from .errors import FieldError, InputError, ScenarioError
from .tables import PROCEDURE_CODES, SITES, YEARS

__all__ = ["FieldError", "InputError", "Scenario", "ScenarioError"]

IMAGING = ("fluoroscopy", "ct", "none")
SEDATION = ("local", "moderate", "anesthesia")
COVERAGE = ("commercial", "medicare", "medicare_advantage", "medicaid", "self_pay")
NETWORK = ("in", "out")
COPAY_TIMING = ("after_deductible", "before_deductible")
COINSURANCE_BASE = ("after_copay", "including_copay")
MEDIGAP = ("none", "g")
#: Original Medicare only: whether the doctor (and anesthesia provider) participates in Medicare,
#: or, if not, accepts assignment (Medicare's approved amount as full payment) on this bill.
MEDICARE_PROVIDER = ("participating", "nonpar_assigned", "nonpar_unassigned")

SITE_LABELS = {"hopd": "Hospital outpatient department", "asc": "Ambulatory surgery center",
               "office": "Doctor's office or clinic"}
SITE_PHRASES = {"hopd": "a hospital outpatient department", "asc": "an ambulatory surgery center",
                "office": "a doctor's office or clinic"}
SITE_SHORT_LABELS = {"hopd": "Hospital", "asc": "Surgery center", "office": "Office"}
COVERAGE_LABELS = {"commercial": "Employer or marketplace plan", "medicare": "Original Medicare",
                   "medicare_advantage": "Medicare Advantage", "medicaid": "Medicaid",
                   "self_pay": "Uninsured / self-pay"}
SEDATION_LABELS = {"local": "Local numbing only", "moderate": "Moderate sedation by the doctor",
                   "anesthesia": "Anesthesia provider (monitored anesthesia care)"}
NETWORK_LABELS = {"in": "In network", "out": "Out of network"}
MEDICARE_PROVIDER_LABELS = {
    "participating": "Takes Medicare's approved amount (participating)",
    "nonpar_assigned": "Does not participate, but accepts assignment for this visit",
    "nonpar_unassigned": "Does not participate or accept assignment (may charge more)"}
IMAGING_LABELS = {"fluoroscopy": "Live X-ray (fluoroscopy)", "ct": "CT scan", "none": "No imaging"}

#: Typical minutes, used when none are given: moderate sedation is billed in 15-minute blocks
#: (99152 covers the first 15); anesthesia time is counted in 15-minute units.
DEFAULT_SEDATION_MINUTES = 15
DEFAULT_ANESTHESIA_MINUTES = 30
MAX_MINUTES = 240
MAX_DOLLARS = 1_000_000.0

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_LOCALITY = re.compile(r"^\d{5}-\d{2}$")


def _show(v: object) -> str:
    """A value as the user typed it: 150.0 -> '150'."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return str(int(v))
    return str(v)


def _choices(values: tuple[str, ...]) -> str:
    return "one of " + ", ".join(values)


@dataclass
class Scenario:
    """One patient's situation. Give exactly one of zip, locality or state."""

    zip: str | None = None
    locality: str | None = None  # Medicare locality, "10112-00"
    state: str | None = None  # two-letter code
    code: str = "62321"
    site: str = "asc"
    imaging: str | None = None  # default: what the code implies
    sedation: str = "local"
    sedation_minutes: int = DEFAULT_SEDATION_MINUTES
    anesthesia_minutes: int = DEFAULT_ANESTHESIA_MINUTES
    year: int = YEARS[-1]
    coverage: str = "commercial"
    network: str = "in"
    anesthesia_network: str | None = None  # default: same as network
    deductible: float | None = None  # annual deductible, dollars
    deductible_met: float = 0.0
    deductible_remaining: float | None = None  # instead of deductible - met
    copay: float = 0.0  # per-service copay, dollars
    coinsurance: float | None = None  # percent, 0-100
    oop_max: float | None = None  # annual out-of-pocket maximum, dollars
    oop_met: float = 0.0
    oop_remaining: float | None = None
    copay_timing: str = "after_deductible"
    coinsurance_base: str = "after_copay"
    medigap: str = "none"
    medicare_provider: str = "participating"  # Original Medicare: the doctor's Medicare status
    prior_sessions: int = 0  # injections in the same spine region in the last 12 months
    allowed: float | None = None  # a known total allowed amount, replacing the estimate
    allowed_professional: float | None = None
    allowed_facility: float | None = None
    allowed_anesthesia: float | None = None
    billed: float | None = None  # a known total billed charge

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def to_dict(self) -> dict:
        return asdict(self)

    # -- derived values -------------------------------------------------------------------
    @property
    def effective_imaging(self) -> str:
        if self.imaging:
            return self.imaging
        return "fluoroscopy" if self.code in ("62321", "62323") else "none"

    @property
    def billed_code(self) -> str:
        """The code the service is billed under, given the spine region and imaging."""
        upper = self.code in ("62320", "62321")
        guided = self.effective_imaging != "none"
        return {(True, True): "62321", (True, False): "62320",
                (False, True): "62323", (False, False): "62322"}[(upper, guided)]

    @property
    def effective_anesthesia_network(self) -> str:
        return self.anesthesia_network or self.network

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> list[FieldError]:
        """Every problem with the inputs (place lookups are checked by the geography module)."""
        errs: list[FieldError] = []
        given = [n for n in ("zip", "locality", "state") if getattr(self, n) not in (None, "")]
        if len(given) != 1:
            errs.append(FieldError("zip", "give exactly one of zip (5 digits), locality "
                                          "(e.g. 10112-00) or state (two letters)"))
        if self.zip not in (None, "") and not _ZIP.match(str(self.zip)):
            errs.append(FieldError("zip", f"'{self.zip}' is not a ZIP code: use 5 digits, e.g. 35203"))
        if self.locality not in (None, "") and not _LOCALITY.match(str(self.locality)):
            errs.append(FieldError("locality", f"'{self.locality}' is not a Medicare locality: "
                                               "use carrier-locality, e.g. 10112-00"))
        if self.state not in (None, "") and not re.match(r"^[A-Za-z]{2}$", str(self.state)):
            errs.append(FieldError("state", f"'{self.state}' is not a state: use two letters, e.g. AL"))
        for name, allowed in (("code", PROCEDURE_CODES), ("site", SITES), ("sedation", SEDATION),
                              ("coverage", COVERAGE), ("network", NETWORK),
                              ("copay_timing", COPAY_TIMING), ("coinsurance_base", COINSURANCE_BASE),
                              ("medigap", MEDIGAP), ("medicare_provider", MEDICARE_PROVIDER)):
            if getattr(self, name) not in allowed:
                errs.append(FieldError(name, f"'{getattr(self, name)}' is not allowed: {_choices(allowed)}"))
        if self.imaging is not None and self.imaging not in IMAGING:
            errs.append(FieldError("imaging", f"'{self.imaging}' is not allowed: {_choices(IMAGING)}"))
        if self.anesthesia_network is not None and self.anesthesia_network not in NETWORK:
            errs.append(FieldError("anesthesia_network",
                                   f"'{self.anesthesia_network}' is not allowed: {_choices(NETWORK)}"))
        if self.year not in YEARS:
            errs.append(FieldError("year", f"'{self.year}' is not allowed: one of "
                                           + ", ".join(map(str, YEARS))))
        for name in ("sedation_minutes", "anesthesia_minutes", "prior_sessions"):
            v = getattr(self, name)
            limit = 52 if name == "prior_sessions" else MAX_MINUTES
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= limit:
                errs.append(FieldError(name, f"'{v}' is not allowed: a whole number from 0 to {limit}"))
        money = ("deductible", "deductible_met", "deductible_remaining", "copay", "oop_max", "oop_met",
                 "oop_remaining", "allowed", "allowed_professional", "allowed_facility",
                 "allowed_anesthesia", "billed")
        for name in money:
            v = getattr(self, name)
            if v is None:
                continue
            if not isinstance(v, (int, float)) or isinstance(v, bool) or math.isnan(v) or not (
                    0 <= v <= MAX_DOLLARS):
                errs.append(FieldError(name, f"'{_show(v)}' is not allowed: an amount in dollars from 0 to "
                                             f"{MAX_DOLLARS:,.0f}"))
        if self.coinsurance is not None and (
                not isinstance(self.coinsurance, (int, float)) or isinstance(self.coinsurance, bool)
                or math.isnan(self.coinsurance) or not 0 <= self.coinsurance <= 100):
            errs.append(FieldError("coinsurance", f"'{_show(self.coinsurance)}' is not allowed: a percentage "
                                                  "from 0 to 100"))
        if errs:
            return errs
        if self.deductible_remaining is not None and self.deductible is not None:
            errs.append(FieldError("deductible_remaining", "give either deductible (with deductible_met) "
                                                           "or deductible_remaining, not both"))
        if self.deductible is not None and self.deductible_met > self.deductible:
            errs.append(FieldError("deductible_met", f"${self.deductible_met:,.2f} is more than the "
                                                     f"deductible (${self.deductible:,.2f})"))
        if self.oop_remaining is not None and self.oop_max is not None:
            errs.append(FieldError("oop_remaining", "give either oop_max (with oop_met) or "
                                                    "oop_remaining, not both"))
        if self.oop_max is not None and self.oop_met > self.oop_max:
            errs.append(FieldError("oop_met", f"${self.oop_met:,.2f} is more than the out-of-pocket "
                                              f"maximum (${self.oop_max:,.2f})"))
        if self.coverage in ("medicare", "medicaid") and "out" in (self.network,
                                                                   self.effective_anesthesia_network):
            what = ("Original Medicare has no network" if self.coverage == "medicare"
                    else "Medicaid pays only providers that take Medicaid")
            errs.append(FieldError("network", f"{what}: allowed: in"))
        if self.coverage == "medicare" and self.coinsurance not in (None, 20):
            errs.append(FieldError("coinsurance", "Original Medicare's coinsurance is set by law at 20%: "
                                                  "allowed: 20 or leave it out"))
        if self.medigap != "none" and self.coverage != "medicare":
            errs.append(FieldError("medigap", "a Medigap plan goes with Original Medicare only: "
                                              "allowed: none"))
        if self.medicare_provider != "participating" and self.coverage != "medicare":
            errs.append(FieldError("medicare_provider", "a doctor's Medicare participation matters with "
                                                        "Original Medicare only: allowed: participating"))
        if self.allowed is not None and any(getattr(self, f"allowed_{c}") is not None
                                            for c in ("professional", "facility", "anesthesia")):
            errs.append(FieldError("allowed", "give either the total allowed amount or the amounts per "
                                              "bill (professional, facility, anesthesia), not both"))
        if self.allowed_facility not in (None, 0) and self.site == "office":
            errs.append(FieldError("allowed_facility", "an office visit has no separate facility bill: "
                                                       "leave it out or choose site hopd or asc"))
        if self.allowed_anesthesia not in (None, 0) and self.sedation != "anesthesia":
            errs.append(FieldError("allowed_anesthesia", "there is no anesthesia bill unless sedation is "
                                                         "'anesthesia'"))
        return errs

    def check(self) -> Scenario:
        """Raise ScenarioError if anything is wrong; return self for chaining."""
        errs = self.validate()
        if errs:
            raise ScenarioError(errs)
        return self
