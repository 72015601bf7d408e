"""The Good Faith Estimate for an uninsured or self-pay patient (45 CFR 149.610): the case and its lines.

The case file (JSON; the format is in the README, an example is ``examples/gfe_case.json``)::

    {"patient": {"name": ..., "dob": "YYYY-MM-DD", "reference": ...},
     "service": {"date": ..., "scheduled_on": ..., "requested_on": ...},
     "diagnosis_codes": ["M54.12", ...], "scenario": {...}, "clinic_profile": "path.json" or {...},
     "separately_scheduled": [...], "cash_prices": {"professional": 250, ...}, "issued_on": ...}

Every depth is checked and each problem is named by its JSON path (``patient.name``,
``service.date``, ``cash_prices.professional``); a problem with the document as a whole is named
``case``. Dates are YYYY-MM-DD from 1900-01-01 to three years ahead, a date of birth not in the
future, and in order: date of birth <= scheduling date <= service date, and the date of issue not
after the service date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import readers as rd
from ..clinic_prices import PriceList, quote_with_prices
from ..errors import FieldError, InputError, fail
from ..quote import Quote
from ..scenario import Scenario
from ..tables import RefData
from .clinic_profile import ROLES, ClinicProfile, Provider
from .clinic_profile import WHERE as PROFILE
from .identifiers import normalize_icd10

#: Where problems with the case document as a whole are reported.
WHERE = "case"
MAX_CODES = 12
MAX_SEPARATE = 20


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
    cash_prices: dict[str, float] = field(default_factory=dict)  # role -> clinic cash price ($), if on file

    @classmethod
    def from_dict(cls, d: object, base_dir: Path | None = None, today: date | None = None) -> GfeCase:
        """Read a case; raises InputError naming each bad field by its JSON path.

        A relative ``clinic_profile`` path is taken from ``base_dir`` (the case file's folder).
        """
        d = rd.obj(d, WHERE)
        today = today or date.today()
        latest = rd.latest_date(today)
        p = rd.Problems()

        patient = p.get(rd.obj, d.get("patient"), "patient")
        name, dob, ref = "", None, ""
        if patient is not None:
            name = p.get(rd.text, patient.get("name"), "patient.name", required=True, max_len=200)
            if patient.get("dob") in (None, ""):
                p.add("patient.dob", "is required (YYYY-MM-DD)")
            else:
                dob = p.get(rd.parse_birth_date, patient["dob"], "patient.dob", today)
            ref = p.get(rd.text, patient.get("reference"), "patient.reference", max_len=200) or ""

        service = p.get(rd.obj, d.get("service"), "service", optional=True) or {}

        def day(value: object, where: str) -> date | None:
            return None if value in (None, "") else p.get(rd.parse_date, value, where, rd.EARLIEST_DATE, latest)

        service_date = day(service.get("date"), "service.date")
        scheduled_on = day(service.get("scheduled_on"), "service.scheduled_on")
        requested_on = day(service.get("requested_on"), "service.requested_on")
        issued = day(d.get("issued_on"), "issued_on")
        issued_on = issued or today
        if not service_date and not requested_on and "service.date" not in {e.field for e in p.errors}:
            p.add("service.date", "give the scheduled service date, or service.requested_on")
        _check_order(p, dob, scheduled_on, service_date, requested_on, issued_on, issued is not None)

        codes = p.get(_diagnosis_codes, d.get("diagnosis_codes"), "diagnosis_codes") or []
        clinic = _clinic(p, d.get("clinic_profile"), base_dir)
        # Without the clinic's defaults (its ZIP code, site...) the visit cannot be checked fairly.
        sc = _scenario(p, d.get("scenario"), clinic) if clinic else None
        separate = p.get(_texts, d.get("separately_scheduled"), "separately_scheduled") or []
        cash = p.get(_cash_prices, d.get("cash_prices"), "cash_prices") or {}
        p.raise_any()
        return cls(name, dob, service_date, sc, codes, clinic, issued_on, scheduled_on, requested_on, ref,
                   separate, cash)


def _check_order(p: rd.Problems, dob: date | None, scheduled: date | None, service: date | None,
                 requested: date | None, issued: date, issued_given: bool) -> None:
    """Date of birth <= scheduling (and request) date <= service date; issued on or before the service."""
    if dob and issued_given and dob > issued:
        p.add("patient.dob", f"{dob} is after the date of issue ({issued})")
    if dob and scheduled and dob > scheduled:
        p.add("patient.dob", f"{dob} is after the scheduling date ({scheduled})")
    if dob and requested and dob > requested:
        p.add("patient.dob", f"{dob} is after the date of the request ({requested})")
    if dob and service and dob > service:
        p.add("patient.dob", f"{dob} is after the service date ({service})")
    if scheduled and service and scheduled > service:
        p.add("service.scheduled_on", f"{scheduled} is after the service date ({service})")
    if requested and service and requested > service:
        p.add("service.requested_on", f"{requested} is after the service date ({service}): an estimate is "
                                      "asked for before the service")
    if issued_given and service and issued > service:
        p.add("issued_on", f"{issued} is after the service date ({service}): the estimate is given before")


def _diagnosis_codes(value: object, where: str) -> list[str]:
    items = rd.arr(value, where)
    if not items:
        raise fail(where, "at least one ICD-10-CM code is required, e.g. M54.12")
    if len(items) > MAX_CODES:
        raise fail(where, f"{len(items)} codes: at most {MAX_CODES}")
    p = rd.Problems()
    codes = []
    for i, item in enumerate(items):
        c = p.get(rd.text, item, f"{where}[{i}]", required=True, max_len=20)
        if c is None:
            continue
        norm = normalize_icd10(c)
        if norm is None:
            p.add(f"{where}[{i}]", f"'{c}' is not an ICD-10-CM code: a letter, two characters, then an optional "
                                   "dot and up to 4 more, e.g. M54.12 (or M5412)")
        else:
            codes.append(norm)
    p.raise_any()
    return codes


def _clinic(p: rd.Problems, profile: object, base_dir: Path | None) -> ClinicProfile | None:
    """The clinic profile from a path (relative to ``base_dir``) or an object; problems inside it are
    named ``clinic_profile.<path>``."""
    try:
        if isinstance(profile, str) and profile.strip():
            path = Path(profile.strip())
            if not path.is_absolute() and base_dir:
                path = base_dir / path
            return ClinicProfile.load(path)
        if isinstance(profile, dict):
            return ClinicProfile.from_dict(profile)
        p.add(PROFILE, "give the clinic profile (a file path or an object)"
                       + ("" if profile in (None, "") else f", got {rd.kind(profile)}"))
    except InputError as e:
        p.extend([x if x.field == PROFILE else x.within(PROFILE) for x in e.errors])
    except ValueError:  # a path the system refuses outright (a NUL character)
        p.add(PROFILE, "not a usable file path")
    return None


def _scenario(p: rd.Problems, value: object, clinic: ClinicProfile | None) -> Scenario | None:
    """The visit, with the clinic's defaults where the case does not say; coverage must be self_pay."""
    from ..parsing import scenario_from_strings

    given = p.get(rd.obj, value, "scenario", optional=True)
    if given is None:
        return None
    sub = rd.Problems()
    values = {k: sub.get(rd.scalar_text, v, f"scenario.{k}") for k, v in given.items()}
    if sub.errors:
        p.extend(sub.errors)
        return None
    merged = {**(clinic.defaults if clinic else {}), "coverage": "self_pay", **values}
    try:
        sc = scenario_from_strings(merged)
    except InputError as e:
        p.extend([x.within("scenario") for x in e.errors])
        return None
    if sc.coverage != "self_pay":
        p.add("scenario.coverage", "a Good Faith Estimate is for uninsured or self-pay patients: allowed: self_pay")
        return None
    return sc


def _texts(value: object, where: str) -> list[str]:
    items = rd.arr(value, where, optional=True)
    if len(items) > MAX_SEPARATE:
        raise fail(where, f"{len(items)} items: at most {MAX_SEPARATE}")
    p = rd.Problems()
    out = [p.get(rd.text, item, f"{where}[{i}]", required=True, max_len=300) for i, item in enumerate(items)]
    p.raise_any()
    return out


def _cash_prices(value: object, where: str) -> dict[str, float]:
    """The clinic's cash price per role, in dollars (0 to 1,000,000)."""
    d = rd.obj(value, where, optional=True)
    p = rd.Problems()
    out = {}
    for role, v in d.items():
        if role not in ROLES:
            p.add(f"{where}.{role[:40]}", f"not a role: one of {', '.join(ROLES)}")
            continue
        amount = p.get(rd.number, v, f"{where}.{role}", 0.0, 1_000_000.0)
        if amount is not None:
            out[role] = amount
    p.raise_any()
    return out


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
    At a named hospital (the scenario's ``hospital``) the facility's charge is its published cash
    price where it publishes one.
    """
    out = []
    named_cash = (q.hospital or {}).get("cash_price")
    for comp in q.components:
        role = comp["name"]
        total = case.cash_prices.get(role, comp["allowed"]["typical"])
        if role == "facility" and named_cash is not None:
            total = named_cash
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
        raise InputError([FieldError("clinic_profile.providers", f"no provider with role '{r}' for the "
                                                                    f"{r} bill of this visit") for r in missing])
    return q, lines
