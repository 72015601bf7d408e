"""The clinic profile: the clinic and each provider who bills for the visit (name, NPI, TIN, location).

The file format (JSON; an example is ``examples/clinic_profile.json``)::

    {"clinic": {"name": ..., "phone": ..., "address": ...},
     "providers": [{"role": "professional" | "facility" | "anesthesia", "name": ..., "npi": ...,
                    "tin": ..., "address": ..., "state": ..., "cash_price": 250.0,
                    "taxonomy": "208VP0014X"}, ...],
     "defaults": {"zip": "35203", "site": "asc", ...}}

One provider per role; the physician ("professional") is required. A provider's optional
``cash_price`` is its own self-pay price for the visit's bill, in dollars (a case's ``cash_prices``
take precedence). Its optional ``taxonomy`` is its NUCC Health Care Provider Taxonomy code (nucc.org;
ten characters: three digits, six letters or digits, then X), e.g. 208VP0014X for an interventional
pain medicine physician, 261QA1903X for an ambulatory surgical center, 207L00000X for
anesthesiology; the PDF does not need it, a Good Faith Estimate exchanged as FHIR (Da Vinci PCT,
``estimator.gfe.fhir_packet``) does. ``defaults`` are scenario
fields used when a case does not give them. Problems are reported by JSON path
(``providers[1].npi``); a problem with the file or document as a whole by ``clinic_profile``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from estimator.common.errors import fail
from estimator.common.i18n import N_
from estimator.gfe.identifiers import npi_is_valid, taxonomy_is_valid, tin_is_valid
from estimator.inputs import readers as rd
from estimator.inputs.fields import FIELDS, read

ROLES = ("professional", "facility", "anesthesia")
ROLE_LABELS = {"professional": N_("Physician"), "facility": N_("Facility"), "anesthesia": N_("Anesthesia provider")}
#: Where problems with the profile as a whole (the file, its top level) are reported.
WHERE = "clinic_profile"
MAX_PROVIDERS = 20
MAX_DEFAULTS = 50


@dataclass
class Provider:
    """One provider or facility that bills for the visit; ``state`` is the two-letter code.

    ``cash_price`` is its own self-pay price for its bill (dollars), if the profile gives one;
    ``index`` is its place in the profile's ``providers`` list (to name it in messages);
    ``taxonomy`` is its NUCC provider taxonomy code (upper case), if the profile gives one.
    """

    role: str
    name: str
    npi: str
    tin: str
    address: str
    state: str
    cash_price: float | None = None
    index: int = 0
    taxonomy: str | None = None


@dataclass
class ClinicProfile:
    name: str
    phone: str
    address: str
    providers: dict[str, Provider]
    defaults: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: object) -> ClinicProfile:
        """Read a profile document; raises InputError naming each bad field by its JSON path."""
        d = rd.obj(d, WHERE)
        p = rd.Problems()
        clinic = p.get(rd.obj, d.get("clinic"), "clinic") or {}
        name = p.get(rd.text, clinic.get("name"), "clinic.name", required=True) or ""
        phone = p.get(rd.text, clinic.get("phone"), "clinic.phone") or ""
        address = p.get(rd.text, clinic.get("address"), "clinic.address") or ""
        provs: dict[str, Provider] = {}
        entries = p.get(rd.arr, d.get("providers"), "providers", optional=True) or []
        if len(entries) > MAX_PROVIDERS:
            p.add("providers", f"{len(entries)} providers: at most {MAX_PROVIDERS}")
            entries = []
        for i, entry in enumerate(entries):
            prov = p.get(_provider, entry, f"providers[{i}]", i)
            if prov is None:
                continue
            if prov.role in provs:
                p.add(f"providers[{i}].role", f"a second '{prov.role}' provider: one provider per role")
            provs.setdefault(prov.role, prov)
        if "professional" not in provs and not any(e.field.startswith("providers") for e in p.errors):
            p.add("providers", "a provider with role 'professional' (the physician) is required")
        if "defaults" in d and d["defaults"] is None:
            p.add("defaults", "is null: give an object of scenario fields, or leave it out")
        defaults = p.get(_defaults, d.get("defaults"), "defaults") or {}
        p.raise_any()
        return cls(name, phone, address, provs, defaults)

    @classmethod
    def load(cls, path: str | Path) -> ClinicProfile:
        """Read a profile file (JSON, at most 1 MB); problems with the file itself name ``clinic_profile``."""
        return cls.from_dict(rd.read_json_file(path, WHERE))


def _provider(entry: object, where: str, index: int = 0) -> Provider:
    e = rd.obj(entry, where)
    p = rd.Problems()
    role = p.get(rd.text, e.get("role"), f"{where}.role", required=True)
    if role is not None and role not in ROLES:
        p.add(f"{where}.role", f"'{role[:40]}' is not allowed: one of {', '.join(ROLES)}")
    npi = p.get(rd.text, e.get("npi"), f"{where}.npi", max_len=40)
    if npi is not None and not npi_is_valid(npi):
        p.add(f"{where}.npi", f"'{npi}' is not a valid NPI: 10 digits with a correct check digit")
    tin = p.get(rd.text, e.get("tin"), f"{where}.tin", max_len=40)
    if tin is not None and not tin_is_valid(tin):
        p.add(f"{where}.tin", f"'{tin}' is not a TIN: 9 digits, e.g. 12-3456789")
    name, address = (p.get(rd.text, e.get(k), f"{where}.{k}", required=True) for k in ("name", "address"))
    state = p.get(rd.text, e.get("state"), f"{where}.state", required=True, max_len=2)
    cash = None
    if e.get("cash_price") not in (None, ""):
        cash = p.get(rd.number, e["cash_price"], f"{where}.cash_price", 0.0, 1_000_000.0)
    taxonomy = (p.get(rd.text, e.get("taxonomy"), f"{where}.taxonomy", max_len=40) or "").upper()
    if taxonomy and not taxonomy_is_valid(taxonomy):
        p.add(f"{where}.taxonomy", f"'{taxonomy}' is not a NUCC provider taxonomy code: 10 characters, 3 digits, "
                                   "6 letters or digits, then X (e.g. 208VP0014X)")
    p.raise_any()
    return Provider(role, name, npi, tin, address, state.upper(), cash, index, taxonomy or None)


def _defaults(value: object, where: str) -> dict[str, str | None]:
    """Scenario fields by name, each a scalar (checked as a scenario when a case uses them)."""
    d = rd.obj(value, where, optional=True)
    if len(d) > MAX_DEFAULTS:
        raise fail(where, f"{len(d)} entries: at most {MAX_DEFAULTS}")
    p = rd.Problems()
    out = {k: p.get(rd.scalar_text, v, f"{where}.{k}") for k, v in d.items()}
    for k, v in out.items():  # each read by the field registry's parser, here, so a bad one is named here
        if k not in FIELDS:
            p.add(f"{where}.{k}", "unknown field: a scenario field such as zip, site or sedation")
        elif v is None and d.get(k) is None:
            p.add(f"{where}.{k}", "is null: give a value, or leave it out")
        elif v is not None:
            problem = read(FIELDS[k], v)[1]
            if problem:
                p.add(f"{where}.{k}", problem)
    p.raise_any()
    return out
