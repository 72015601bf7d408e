"""Good Faith Estimates for uninsured and self-pay patients (45 CFR 149.610) and the rules around them.

- The case: patient, service date, diagnosis codes, the visit (a Scenario) and the clinic profile
  (each provider's name, NPI, TIN and location). Identifiers are checked: NPI by its check digit,
  TIN as nine digits, diagnosis codes against the ICD-10-CM code pattern.
- Deadlines: scheduled at least 3 business days ahead -> issue within 1 business day of
  scheduling; at least 10 business days ahead -> within 3 business days; on request -> within 3
  business days of the request. A business day here is Monday to Friday except US federal holidays
  (observed dates), and days are counted after the scheduling date, up to and including the
  service date.
- Disputes (45 CFR 149.620): a bill from any one provider or facility that is at least $400 above
  that provider's expected charges can be disputed within 120 calendar days of the bill's date.

This informs; it is not legal advice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from .clinic_prices import PriceList, quote_with_prices
from .quote import Quote
from .scenario import FieldError, Scenario, ScenarioError
from .tables import RefData, load

ROLES = ("professional", "facility", "anesthesia")
ROLE_LABELS = {"professional": "Physician", "facility": "Facility", "anesthesia": "Anesthesia provider"}
ICD10_CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
TIN = re.compile(r"^\d{2}-?\d{7}$")


def npi_is_valid(npi: str) -> bool:
    """A 10-digit NPI whose last digit is the Luhn check digit over '80840' + the first nine."""
    if not re.fullmatch(r"\d{10}", npi or ""):
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


# -- business days --------------------------------------------------------------------------------
def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


def _last_weekday(year: int, month: int, weekday: int) -> date:
    d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays (5 U.S.C. 6103) as observed, for a calendar year."""
    mon, thu = 0, 3
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    days |= {_nth_weekday(year, 1, mon, 3), _nth_weekday(year, 2, mon, 3), _last_weekday(year, 5, mon),
             _nth_weekday(year, 9, mon, 1), _nth_weekday(year, 10, mon, 2), _nth_weekday(year, 11, thu, 4)}
    if _observed(date(year + 1, 1, 1)).year == year:  # next New Year's Day observed on Dec 31
        days.add(date(year, 12, 31))
    return frozenset(days)


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in federal_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        n -= is_business_day(d)
    return d


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 if end <= start)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        n += is_business_day(d)
    return n


@dataclass(frozen=True)
class Deadline:
    """When a Good Faith Estimate must be given."""

    required: bool
    latest: date | None
    rule: str


def deadline(scheduled_on: date | None = None, service_date: date | None = None,
             requested_on: date | None = None) -> Deadline:
    """The latest date to issue the GFE, for a scheduled service or a request."""
    if scheduled_on and service_date:
        ahead = business_days_between(scheduled_on, service_date)
        if ahead >= 10:
            return Deadline(True, add_business_days(scheduled_on, 3),
                            f"scheduled {ahead} business days ahead (10 or more): within 3 business days of "
                            "scheduling")
        if ahead >= 3:
            return Deadline(True, add_business_days(scheduled_on, 1),
                            f"scheduled {ahead} business days ahead (3 to 9): within 1 business day of scheduling")
        if not requested_on:
            return Deadline(False, None, f"scheduled {ahead} business days ahead (fewer than 3): no Good Faith "
                                         "Estimate is required, though one may still be given")
    if requested_on:
        return Deadline(True, add_business_days(requested_on, 3), "requested: within 3 business days of the request")
    raise ValueError("give the scheduling and service dates, or the date of the request")


# -- disputes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BillCheck:
    provider: str
    estimate: float
    billed: float
    excess: float
    can_dispute: bool
    dispute_by: date
    message: str


def check_bill(estimates: dict[str, float], bills: dict[str, float], bill_date: date,
               ref: RefData | None = None) -> list[BillCheck]:
    """Per provider: is the bill at least the threshold above its estimate, and until when to dispute."""
    ref = ref or load()
    year = max(y for (name, y) in ref.parameters if name == "gfe_dispute_threshold")
    threshold = ref.param("gfe_dispute_threshold", year)
    window = int(ref.param("gfe_dispute_window_days", year))
    out = []
    for provider, billed in bills.items():
        if provider not in estimates:
            raise KeyError(f"{provider}: no estimate for this provider in the Good Faith Estimate")
        est = estimates[provider]
        excess = round(billed - est, 2)
        can = excess >= threshold
        by = bill_date + timedelta(days=window)
        msg = (f"{provider}: billed ${billed:,.2f}, ${excess:,.2f} above the estimate of ${est:,.2f}. "
               + (f"That is ${threshold:,.0f} or more: you can start a dispute until {by:%B %-d, %Y}."
                  if can else f"That is less than ${threshold:,.0f} above: not eligible for the dispute process."))
        out.append(BillCheck(provider, est, billed, excess, can, by, msg))
    return out


# -- the case -------------------------------------------------------------------------------------
@dataclass
class Provider:
    role: str
    name: str
    npi: str
    tin: str
    address: str
    state: str


@dataclass
class ClinicProfile:
    name: str
    phone: str
    address: str
    providers: dict[str, Provider]
    defaults: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict) -> ClinicProfile:
        errs: list[FieldError] = []
        clinic = d.get("clinic") or {}
        provs: dict[str, Provider] = {}
        for i, p in enumerate(d.get("providers") or []):
            where = f"providers[{i}]"
            role = p.get("role")
            if role not in ROLES:
                errs.append(FieldError(f"{where}.role", f"'{role}' is not allowed: one of {', '.join(ROLES)}"))
                continue
            npi = str(p.get("npi", "")).strip()
            tin = str(p.get("tin", "")).strip()
            if not npi_is_valid(npi):
                errs.append(FieldError(f"{where}.npi", f"'{npi}' is not a valid NPI: 10 digits with a correct "
                                                       "check digit"))
            if not TIN.match(tin):
                errs.append(FieldError(f"{where}.tin", f"'{tin}' is not a TIN: 9 digits, e.g. 12-3456789"))
            for key in ("name", "address", "state"):
                if not str(p.get(key, "")).strip():
                    errs.append(FieldError(f"{where}.{key}", "is required"))
            provs[role] = Provider(role, str(p.get("name", "")).strip(), npi, tin,
                                   str(p.get("address", "")).strip(), str(p.get("state", "")).strip().upper())
        if not str(clinic.get("name", "")).strip():
            errs.append(FieldError("clinic.name", "is required"))
        if "professional" not in provs:
            errs.append(FieldError("providers", "a provider with role 'professional' (the physician) is required"))
        if errs:
            raise ScenarioError(errs)
        return cls(str(clinic["name"]).strip(), str(clinic.get("phone", "")), str(clinic.get("address", "")),
                   provs, d.get("defaults") or {})

    @classmethod
    def load(cls, path: str | Path) -> ClinicProfile:
        return cls.from_dict(json.loads(Path(path).read_text()))


@dataclass
class GfeCase:
    """Everything a Good Faith Estimate needs."""

    patient_name: str
    patient_dob: date
    service_date: date | None
    scenario: Scenario
    diagnosis_codes: list[str]
    clinic: ClinicProfile
    issued_on: date
    scheduled_on: date | None = None
    requested_on: date | None = None
    patient_ref: str = ""
    separately_scheduled: list[str] = field(default_factory=list)
    cash_prices: dict[str, float] = field(default_factory=dict)  # role -> clinic cash price, if on file

    @classmethod
    def from_dict(cls, d: dict, base_dir: Path | None = None) -> GfeCase:
        """Read a case (the JSON format in the README); raises ScenarioError naming each bad field."""
        from .parsing import scenario_from_strings

        errs: list[FieldError] = []
        patient = d.get("patient") or {}
        service = d.get("service") or {}

        def day(where: str, text: object, required: bool = False) -> date | None:
            if text in (None, ""):
                if required:
                    errs.append(FieldError(where, "is required (YYYY-MM-DD)"))
                return None
            try:
                return date.fromisoformat(str(text))
            except ValueError:
                errs.append(FieldError(where, f"'{text}' is not a date: use YYYY-MM-DD"))
                return None

        name = str(patient.get("name", "")).strip()
        if not name:
            errs.append(FieldError("patient.name", "is required"))
        dob = day("patient.dob", patient.get("dob"), required=True)
        service_date = day("service.date", service.get("date"))
        scheduled_on = day("service.scheduled_on", service.get("scheduled_on"))
        requested_on = day("service.requested_on", service.get("requested_on"))
        issued_on = day("issued_on", d.get("issued_on")) or date.today()
        if dob and dob > issued_on:
            errs.append(FieldError("patient.dob", "is after the date of issue"))
        if not service_date and not requested_on:
            errs.append(FieldError("service.date", "give the scheduled service date, or service.requested_on"))
        codes = [str(c).strip().upper() for c in d.get("diagnosis_codes") or []]
        if not codes:
            errs.append(FieldError("diagnosis_codes", "at least one ICD-10-CM code is required, e.g. M54.12"))
        for c in codes:
            if not ICD10_CM.match(c):
                errs.append(FieldError("diagnosis_codes", f"'{c}' is not an ICD-10-CM code: a letter, two "
                                                          "characters, then an optional dot and up to 4 more, "
                                                          "e.g. M54.12"))
        profile = d.get("clinic_profile")
        clinic = None
        try:
            if isinstance(profile, str):
                path = Path(profile)
                if not path.is_absolute() and base_dir:
                    path = base_dir / path
                clinic = ClinicProfile.load(path)
            elif isinstance(profile, dict):
                clinic = ClinicProfile.from_dict(profile)
            else:
                errs.append(FieldError("clinic_profile", "give the clinic profile (a file path or an object)"))
        except FileNotFoundError:
            errs.append(FieldError("clinic_profile", f"file not found: {profile}"))
        except ScenarioError as e:
            errs += [FieldError(f"clinic_profile.{x.field}", x.message) for x in e.errors]
        sc = None
        try:
            values = {**(clinic.defaults if clinic else {}), "coverage": "self_pay", **(d.get("scenario") or {})}
            sc = scenario_from_strings({k: None if v is None else str(v) for k, v in values.items()})
            if sc.coverage != "self_pay":
                errs.append(FieldError("scenario.coverage", "a Good Faith Estimate is for uninsured or self-pay "
                                                            "patients: allowed: self_pay"))
        except ScenarioError as e:
            errs += [FieldError(f"scenario.{x.field}", x.message) for x in e.errors]
        cash = {}
        for role, v in (d.get("cash_prices") or {}).items():
            if role not in ROLES:
                errs.append(FieldError(f"cash_prices.{role}", f"not a role: one of {', '.join(ROLES)}"))
                continue
            try:
                cash[role] = float(v)
            except (TypeError, ValueError):
                errs.append(FieldError(f"cash_prices.{role}", f"'{v}' is not an amount"))
        if errs:
            raise ScenarioError(errs)
        return cls(name, dob, service_date, sc, codes, clinic, issued_on, scheduled_on, requested_on,
                   str(patient.get("reference", "")), list(d.get("separately_scheduled") or []), cash)


@dataclass
class GfeLine:
    role: str
    provider: Provider | None
    code: str
    description: str
    units: float
    amount: float


def gfe_lines(case: GfeCase, q: Quote) -> list[GfeLine]:
    """Expected charges, itemised by provider and service code.

    Each bill's amount is the clinic's cash price when one is on file, else the estimate's typical
    cash price; a bill with several codes is split across them in proportion to Medicare's amounts.
    """
    out = []
    for comp in q.components:
        role = comp["name"]
        total = case.cash_prices.get(role, comp["allowed"]["typical"])
        weights = [li["medicare"] * li["units"] for li in comp["lines"]]
        wsum = sum(weights) or 1.0
        amounts = [round(total * w / wsum, 2) for w in weights]
        amounts[-1] = round(total - sum(amounts[:-1]), 2)
        for li, amount in zip(comp["lines"], amounts):
            out.append(GfeLine(role, case.clinic.providers.get(role), li["code"], li["name"], li["units"], amount))
    return out


def build(case: GfeCase, ref: RefData | None = None, prices: PriceList | None = None) -> tuple[Quote, list[GfeLine]]:
    """Price the case's visit (self-pay, with the clinic's cash prices where on file) and itemise it.

    Every bill must have a provider in the clinic profile.
    """
    q = quote_with_prices(case.scenario, prices, None, ref)
    lines = gfe_lines(case, q)
    missing = sorted({li.role for li in lines if li.provider is None})
    if missing:
        raise ScenarioError([FieldError("clinic_profile.providers", f"no provider with role '{r}' for the "
                                                                    f"{r} bill of this visit") for r in missing])
    return q, lines
