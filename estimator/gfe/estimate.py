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

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from estimator.common.errors import FieldError, InputError, fail
from estimator.common.i18n import N_, _
from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.gfe.clinic_profile import ROLE_LABELS, ROLES, ClinicProfile, Provider
from estimator.gfe.clinic_profile import WHERE as PROFILE
from estimator.gfe.identifiers import normalize_icd10
from estimator.inputs import readers as rd
from estimator.quote import Quote, quote
from estimator.reference.hospitals import display_name
from estimator.reference.tables import RefData
from estimator.scenario import Scenario

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
                p.add("patient.dob", _("is required (YYYY-MM-DD)"))
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
            p.add("service.date", _("give the scheduled service date, or service.requested_on"))
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
    birth = ("patient.dob", N_("date of birth"), dob)
    rd.check_date_order(p, [birth, ("service.scheduled_on", N_("scheduling date"), scheduled),
                            ("service.date", N_("service date"), service)])
    rd.check_date_order(p, [birth, ("service.requested_on", N_("date of the request"), requested),
                            ("service.date", N_("service date"), service)])
    if issued_given:
        rd.check_date_order(p, [birth, ("issued_on", N_("date of issue"), issued),
                                ("service.date", N_("service date"), service)])


def _diagnosis_codes(value: object, where: str) -> list[str]:
    items = rd.arr(value, where)
    if not items:
        raise fail(where, _("at least one ICD-10-CM code is required, e.g. M54.12"))
    if len(items) > MAX_CODES:
        raise fail(where, _("{n} codes: at most {limit}").format(n=len(items), limit=MAX_CODES))
    p = rd.Problems()
    codes = []
    for i, item in enumerate(items):
        c = p.get(rd.text, item, f"{where}[{i}]", required=True, max_len=20)
        if c is None:
            continue
        norm = normalize_icd10(c)
        if norm is None:
            p.add(f"{where}[{i}]", _("'{code}' is not an ICD-10-CM code: a letter, two characters, then an "
                                     "optional dot and up to 4 more, e.g. M54.12 (or M5412)").format(code=c))
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
    from estimator.inputs.parsing import scenario_from_strings

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
        p.add("scenario.coverage", _("a Good Faith Estimate is for uninsured or self-pay patients: allowed: self_pay"))
        return None
    return sc


def _texts(value: object, where: str) -> list[str]:
    items = rd.arr(value, where, optional=True)
    if len(items) > MAX_SEPARATE:
        raise fail(where, _("{n} items: at most {limit}").format(n=len(items), limit=MAX_SEPARATE))
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


@dataclass(frozen=True)
class OwnPrice:
    """A provider's own expected charge for its bill (dollars) and where it comes from, in words."""

    role: str
    amount: float
    source: str


def visit_roles(sc: Scenario) -> list[str]:
    """The bills the visit has: the physician's, a facility's (not in an office), an anesthesia provider's."""
    return [r for r in ROLES if r == "professional" or (r == "facility" and sc.site != "office")
            or (r == "anesthesia" and sc.sedation == "anesthesia")]


def own_prices(sc: Scenario, clinic: ClinicProfile, cash_prices: dict[str, float] | None = None,
               prices: PriceList | None = None, hospital: dict | None = None) -> tuple[dict[str, OwnPrice], list[str]]:
    """Each bill's own expected charge (45 CFR 149.610: each provider's own), and the bills with none.

    In order: the case's ``cash_prices`` for the role; for the facility, a named hospital's
    published cash price (``hospital``, a quote's ``hospital`` entry); the provider's
    ``cash_price`` in the clinic profile; a self-pay row of the clinic's price list. Never the
    market estimate: a bill with none of these is returned among the missing roles.
    """
    cash_prices = cash_prices or {}
    listed = prices.applicable(sc, None) if prices else {}
    found: dict[str, OwnPrice] = {}
    missing: list[str] = []
    for role in visit_roles(sc):
        prov = clinic.providers.get(role)
        named_cash = (hospital or {}).get("cash_price") if role == "facility" else None
        if role in cash_prices:
            found[role] = OwnPrice(role, cash_prices[role], "the cash price given for this estimate")
        elif named_cash is not None:
            name = display_name(str(hospital.get("name") or "")) or "the hospital"
            found[role] = OwnPrice(role, float(named_cash), f"{name}'s published cash price")
        elif prov is not None and prov.cash_price is not None:
            found[role] = OwnPrice(role, prov.cash_price, "the cash price in the clinic profile")
        elif role in listed:
            found[role] = OwnPrice(role, listed[role].amount, f"{prices.label}: cash price")
        else:
            missing.append(role)
    return found, missing


def missing_price_errors(clinic: ClinicProfile, roles: list[str]) -> list[FieldError]:
    """One problem per bill without a price of its own, naming the provider and where to give it."""
    out = []
    for role in roles:
        prov = clinic.providers.get(role)
        where = f"{PROFILE}.providers[{prov.index}].cash_price" if prov else f"cash_prices.{role}"
        who = (_("the {provider} {name}").format(provider=_(ROLE_LABELS[role]).lower(), name=prov.name) if prov
               else _("the {role} bill").format(role=role))
        where_to = (_("in the case's {field}, as cash_price in the clinic profile, in a clinic price list (--prices), "
                      "or by naming a hospital that publishes a cash price") if role == "facility" else
                    _("in the case's {field}, as cash_price in the clinic profile, or in a clinic price list "
                      "(--prices)")).format(field=f"cash_prices.{role}")
        out.append(FieldError(where, _("{who} has no price of its own; give its cash price (dollars) {where_to}: a "
                                       "Good Faith Estimate gives each provider's own expected charge").format(
            who=who, where_to=where_to)))
    return out


def gfe_lines(case: GfeCase, q: Quote, own: dict[str, OwnPrice]) -> list[GfeLine]:
    """Expected charges, itemised by provider and service code.

    Each bill's amount is that provider's own price (``own``, from :func:`own_prices`); a bill
    with several codes is split across them in proportion to Medicare's amounts. A bill of the
    quote without an own price raises KeyError (the market estimate is never used here).
    """
    out = []
    for comp in q.components:
        role = comp["name"]
        total = own[role].amount
        weights = [li["medicare"] * li["units"] for li in comp["lines"]]
        wsum = sum(weights) or 1.0
        amounts = [round(total * w / wsum, 2) for w in weights]
        amounts[-1] = round(total - sum(amounts[:-1]), 2)
        for li, amount in zip(comp["lines"], amounts):
            out.append(GfeLine(role, case.clinic.providers.get(role), li["code"], li["name"], li["units"], amount))
    return out


def build(case: GfeCase, ref: RefData | None = None, prices: PriceList | None = None) -> tuple[Quote, list[GfeLine]]:
    """Price the case's visit at each provider's own cash price and itemise it.

    Every bill must have a provider in the clinic profile (else InputError naming
    ``clinic_profile.providers``) and a price of its own (else InputError naming the provider's
    ``cash_price``; see :func:`own_prices`). The quote returned is priced at those prices, so its
    totals are the estimate's.
    """
    market = quote_with_prices(case.scenario, prices, None, ref)
    roles = [c["name"] for c in market.components]
    absent = [r for r in roles if r not in case.clinic.providers]
    if absent:
        raise InputError([FieldError("clinic_profile.providers", _("no provider with role '{role}' for the {role} "
                                                                      "bill of this visit").format(role=r))
                          for r in absent])
    own, missing = own_prices(case.scenario, case.clinic, case.cash_prices, prices, market.hospital)
    if missing:
        raise InputError(missing_price_errors(case.clinic, missing))
    sc = case.scenario
    q = quote(replace(sc, **{f"allowed_{r}": own[r].amount for r in roles}), ref)
    q.scenario = sc  # the request as made; the prices used are named in the sources
    for r in reversed(roles):
        q.sources.insert(0, f"{ROLE_LABELS[r]}'s expected charge: {own[r].source}, ${own[r].amount:,.2f}")
    q.warnings = [w for w in q.warnings if w["code"] != "allowed_entered"]
    return q, gfe_lines(case, q, own)
