"""The Good Faith Estimate as a Da Vinci Patient Cost Transparency (PCT) GFE Packet, FHIR R4 (4.0.1).

Specification: HL7 Da Vinci PCT Implementation Guide, STU 2 (version 2.0.1,
http://hl7.org/fhir/us/davinci-pct/STU2.0.1), with the profiles it builds on (US Core 7.0.0
Patient, Practitioner and Coverage; HRex 1.1.0 and US Core Organization). The packet is a
``document`` Bundle:

- the GFE Composition (LOINC 111480-0, category ``estimate``): the request's origin (scheduled or
  not) and time, the planned date of service, a coverage section and one GFE section per provider;
- the Patient (name, date of birth, the clinic's reference as a medical record number; gender is
  ``unknown``, as PCT allows, since the case does not record it);
- one PCT Coverage for the self-pay patient: kind ``self-pay``, self-pay declared, Source of
  Payment Typology 81 (Self-pay), the patient as payor and no subscriber id (data absent:
  not applicable), as PCT STU 2 represents an uninsured or self-pay patient;
- each provider: the physician as a PCT Practitioner, the facility and the anesthesia provider as
  PCT Organizations (NPI, TIN as nine digits, NUCC taxonomy);
- one GFE Bundle per provider (physician; facility when not in an office; anesthesia when the
  visit has it), each holding its GFE Summary first, then its claim: a GFE Professional claim for
  the physician and the anesthesia provider, a GFE Institutional claim for the facility fee.

Every claim carries the estimate's 45 CFR 149.610 disclaimers (``gfe_text(...)["disclaimers"]``)
as ``gfeDisclaimer`` extensions, the provider's taxonomy, CPT/HCPCS codes with the project's
plain-language names as their display text (CPT descriptors are the AMA's copyright and are never
used), the ICD-10-CM diagnosis codes, the planned date of service, the CMS place of service,
quantity, unit price and net (US dollars). Amounts are the estimate's lines to the cent; a claim's
total is the sum of its lines and a summary's the sum of its bundle's claims.

An estimate given on request (no service date) has no planned day: its lines and periods say
"from the date of issue" (a Period with only a start), and the Composition's origin is
``nonscheduled-request``; PCT asks for a planned period only for scheduled services.

Ids are version-5 UUIDs over a stable JSON of the case and its lines, and every timestamp comes
from the date of issue, so the same case always gives the same JSON. Each resource is validated
by fhir.resources' R4B models (R4B is wire-compatible with R4 for every resource used here), and
the packet returned is the library's JSON form of the validated Bundle.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

from estimator.common.errors import FieldError, InputError
from estimator.documents.gfe_pdf import gfe_text
from estimator.gfe.clinic_profile import ROLE_LABELS, ROLES, ClinicProfile, Provider
from estimator.gfe.clinic_profile import WHERE as PROFILE
from estimator.gfe.estimate import GfeCase, GfeLine
from estimator.quote import Quote
from estimator.reference.tables import RefData

PCT_VERSION = "2.0.1"
FHIR_VERSION = "4.0.1"
_PCT = "http://hl7.org/fhir/us/davinci-pct"
_SD = f"{_PCT}/StructureDefinition/"
_CS = f"{_PCT}/CodeSystem/"

#: meta.profile of each resource the packet holds.
PROFILES = {
    "packet": _SD + "davinci-pct-gfe-packet",
    "composition": _SD + "davinci-pct-gfe-composition",
    "bundle": _SD + "davinci-pct-gfe-bundle",
    "summary": _SD + "davinci-pct-gfe-summary",
    "professional": _SD + "davinci-pct-gfe-professional",
    "institutional": _SD + "davinci-pct-gfe-institutional",
    "coverage": _SD + "davinci-pct-coverage",
    "organization": _SD + "davinci-pct-organization",
    "practitioner": _SD + "davinci-pct-practitioner",
    "patient": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|7.0.0",
}

# Code systems and identifier systems (as PCT 2.0.1 names them).
URN = "urn:ietf:rfc:3986"
NPI = "http://hl7.org/fhir/sid/us-npi"
TIN = "urn:oid:2.16.840.1.113883.4.4"
NUCC = "http://nucc.org/provider-taxonomy"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
TYPE_OF_BILL = "https://www.nubc.org/CodeSystem/TypeOfBill"
REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
LOINC = "http://loinc.org"
SOURCE_OF_PAYMENT = "urn:oid:2.16.840.1.113883.3.221.5"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/diagnosistype"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
ESTIMATE_TYPE = _CS + "PCTEstimateTypeSummaryCSTemporaryTrialUse"
REQUEST_TYPE = _CS + "PCTGFERequestTypeCSTemporaryTrialUse"
DOCUMENT_TYPE = _CS + "PCTDocumentTypeTemporaryTrialUse"
SECTION = _CS + "PCTDocumentSection"
SUPPORTING_INFO = _CS + "PCTSupportingInfoType"

# Extensions.
EXT = {name: _SD + name for name in ("gfeDisclaimer", "gfeServiceLinkingInfo", "providerTaxonomy",
                                     "requestInitiationTime", "requestOriginationType", "selfPayDeclared",
                                     "serviceDescription")}
EXT["coverageKind"] = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Coverage.kind"
EXT["dataAbsentReason"] = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

#: CMS place of service by site of care: 11 office, 22 on-campus outpatient hospital, 24 ASC
#: (CMS Place of Service Code Set).
PLACE_OF_SERVICE = {"office": ("11", "Office"), "hopd": ("22", "On Campus-Outpatient Hospital"),
                    "asc": ("24", "Ambulatory Surgical Center")}

#: The facility fee's UB-04 type of bill (NUBC, form locator 4, with its leading zero): 0831 is a
#: special facility (8), ambulatory surgery center (3), admit-through-discharge claim (1); 0131 is
#: a hospital (1), outpatient (3), admit-through-discharge claim (1). (A freestanding ASC bills
#: Medicare on the CMS-1500, but the GFE Institutional claim is modelled on the UB-04.)
FACILITY_TYPE_OF_BILL = {"asc": "0831", "hopd": "0131"}

#: The facility fee's UB-04 revenue code (NUBC, form locator 42): 0490 ambulatory surgical care
#: (general) at a surgery center; 0361 operating room services, minor surgery, at a hospital
#: outpatient department, as an epidural injection is a minor procedure done in its procedure suite.
FACILITY_REVENUE_CODE = {"asc": "0490", "hopd": "0361"}

#: An example taxonomy per role, for messages (NUCC): interventional pain medicine physician,
#: ambulatory surgical center, anesthesiology.
EXAMPLE_TAXONOMY = {"professional": "208VP0014X", "facility": "261QA1903X", "anesthesia": "207L00000X"}

def _claim_head(kind: str) -> tuple[str, ...]:
    """What PCT requires of every GFE claim of ``kind`` (professional or institutional) before its own parts."""
    return (
        f"meta.profile contains '{PROFILES[kind]}'",
        f"identifier.where(type.coding.where(system = '{V2_0203}' and code = 'PLAC').exists()).count() = 1",
        "identifier.where(type.coding.code = 'PLAC').all(value.exists())",
        "status.exists()", "use = 'predetermination'", "patient.reference.exists()", "created.exists()",
        f"type.coding.where(system = '{CLAIM_TYPE}' and code = '{kind}').exists()",
        "provider.reference.exists()",
        f"provider.extension.where(url = '{EXT['providerTaxonomy']}').count() = 1",
        f"provider.extension.where(url = '{EXT['providerTaxonomy']}').value.ofType(CodeableConcept).coding"
        f".where(system = '{NUCC}').exists()",
        f"priority.coding.where(system = '{PRIORITY}' and (code = 'stat' or code = 'normal' or code = 'deferred'))"
        ".exists()",
        "insurance.exists() and insurance.all(coverage.reference.exists())",
    )


_PRINCIPAL = (f"diagnosis.where(type.coding.code = 'principal').all(sequence = 1 and type.coding.system = "
              f"'{DIAGNOSIS_TYPE}')")

#: What PCT 2.0.1 requires of each profile emitted (min >= 1, fixed or pattern values, required
#: bindings; with what US Core, HRex and the base resource require), as FHIRPath expressions that
#: are true of a conforming resource. The packet's and GFE Bundles' own invariants use ``%resource``
#: (the Bundle). The tests evaluate every expression on every resource of the profile.
REQUIRED = {
    "packet": (
        f"meta.profile contains '{PROFILES['packet']}'",
        "identifier.system.exists() and identifier.value.exists()",  # identifier 1..1; bdl-9
        "type = 'document'", "timestamp.exists()", "entry.exists()",
        "entry.all(fullUrl.exists() and search.empty() and request.empty() and response.empty())",
        "entry.first().resource.is(Composition)",  # bdl-11
        "entry.resource.ofType(Composition).count() = 1",
        "entry.resource.ofType(Patient).count() >= 1 and entry.resource.ofType(Patient).count() <= 2",
        "entry.resource.ofType(Coverage).count() <= 1",
        "entry.resource.ofType(Organization).count() <= 2",
        "entry.resource.ofType(Practitioner).count() <= 1",
        "entry.fullUrl.isDistinct()",  # bdl-7
        # pct-gfe-packet-1 and pct-gfe-packet-2
        "Bundle.entry.resource.ofType(Practitioner).exists() or Bundle.entry.resource.ofType(Organization).exists()",
        "Bundle.entry.resource.descendants().reference.where($this.startsWith('#').not())"
        ".all((%resource.entry.fullUrl.join('|')&'|').contains(($this&'|')))",
    ),
    "composition": (
        f"meta.profile contains '{PROFILES['composition']}'",
        f"extension.where(url = '{EXT['requestInitiationTime']}').count() = 1",
        f"extension.where(url = '{EXT['requestInitiationTime']}').value.ofType(instant).exists()",
        f"extension.where(url = '{EXT['requestOriginationType']}').count() = 1",
        f"extension.where(url = '{EXT['requestOriginationType']}').value.ofType(CodeableConcept).coding"
        f".where(system = '{REQUEST_TYPE}' and (code = 'scheduled-request' or code = 'nonscheduled-request'))"
        ".exists()",
        f"extension.where(url = '{EXT['gfeServiceLinkingInfo']}').count() <= 1",
        # pct-gfe-packet-composition-1
        f"extension.where(url='{EXT['requestOriginationType']}' and value.ofType(CodeableConcept).coding"
        f".where(code='scheduled-request').exists()).exists() implies extension.where(url='"
        f"{EXT['gfeServiceLinkingInfo']}' and extension.where(url = 'plannedPeriodOfService').exists()).exists()",
        "identifier.system.exists() and identifier.value.exists()",
        "status.exists()",
        f"type.coding.where(system = '{LOINC}' and code = '111480-0').exists()",
        f"category.coding.where(system = '{DOCUMENT_TYPE}' and code = 'estimate').count() = 1",
        "subject.reference.exists()", "date.exists()",
        "date.toString().length() >= 19",  # pct-datetime-to-seconds
        "author.exists()", "title.exists()",
        f"section.where(code.coding.where(system = '{SECTION}' and code = 'coverage-section').exists()).count() = 1",
        "section.where(code.coding.code = 'coverage-section').all(entry.count() = 1)",
        f"section.where(code.coding.where(system = '{SECTION}' and code = 'gfe-section').exists()).exists()",
        "section.where(code.coding.code = 'gfe-section').all(author.count() = 1 and entry.count() = 1)",
    ),
    "bundle": (
        f"meta.profile contains '{PROFILES['bundle']}'",
        "identifier.system.exists() and identifier.value.exists()",
        "type = 'collection'", "timestamp.exists()", "entry.exists()",
        "entry.all(fullUrl.exists() and search.empty() and request.empty() and response.empty())",
        "entry.resource.ofType(Claim).count() >= 2",  # the gfe slice, 2..*: a summary and a claim
        "entry.resource.ofType(Patient).count() >= 1 and entry.resource.ofType(Patient).count() <= 2",
        "entry.resource.ofType(Coverage).count() <= 1",
        "entry.fullUrl.isDistinct()",
        # pct-gfe-bundle-1, -2 and -3
        "Bundle.entry.resource.ofType(Practitioner).exists() or Bundle.entry.resource.ofType(Organization).exists()",
        "Bundle.entry.resource.descendants().reference.where($this.startsWith('#').not())"
        ".all((%resource.entry.fullUrl.join('|')&'|').contains(($this&'|')))",
        f"Bundle.entry[0].resource.ofType(Claim).type.coding.where(code='estimate-summary' and "
        f"system='{ESTIMATE_TYPE}').exists()",
    ),
    "summary": (
        f"meta.profile contains '{PROFILES['summary']}'",
        "status.exists()", "use = 'predetermination'", "patient.reference.exists()", "created.exists()",
        f"type.coding.where(system = '{ESTIMATE_TYPE}' and code = 'estimate-summary').exists()",
        "subType.empty() and enterer.empty() and fundsReserve.empty() and prescription.empty()",
        "originalPrescription.empty() and payee.empty() and referral.empty() and facility.empty()",
        "supportingInfo.empty() and item.empty()",
        "provider.reference.empty() and provider.type.empty() and provider.identifier.empty()"
        " and provider.display.empty()",
        f"provider.extension.where(url = '{EXT['dataAbsentReason']}').value = 'not-applicable'",
        f"priority.coding.where(system = '{PRIORITY}' and (code = 'stat' or code = 'normal' or code = 'deferred'))"
        ".exists()",  # required binding: process-priority
        "insurance.exists() and insurance.all(coverage.reference.exists() and preAuthRef.empty())",
        _PRINCIPAL,
        f"diagnosis.all(diagnosis.ofType(CodeableConcept).coding.all(system = '{ICD10_CM}'))",
        "total.value.exists()",
        f"extension.where(url = '{EXT['gfeDisclaimer']}').all(value.ofType(string).exists())",
    ),
    "professional": (
        *_claim_head("professional"),
        _PRINCIPAL,
        "diagnosis.where(type.coding.code = 'secondary').count() <= 11",
        f"diagnosis.all(diagnosis.ofType(CodeableConcept).coding.all(system = '{ICD10_CM}'))",
        "item.count() >= 1 and item.count() <= 50",
        f"item.all(extension.where(url = '{EXT['serviceDescription']}').value.ofType(string).count() = 1)",
        f"item.all(productOrService.coding.all(system = '{CPT}' or system = '{HCPCS}'))",
        f"item.all(productOrService.coding.where(system = '{CPT}').all(display.exists()))",  # pct-cpt-display
        "item.all(serviced.exists() and unitPrice.exists() and net.exists() and quantity.exists())",
        f"item.all(location.ofType(CodeableConcept).coding.where(system = '{POS}').exists())",
        "total.value.exists()",
        f"extension.where(url = '{EXT['gfeDisclaimer']}').all(value.ofType(string).exists())",
    ),
    "institutional": (
        *_claim_head("institutional"),
        f"supportingInfo.where(category.coding.where(system = '{SUPPORTING_INFO}' and code = 'typeofbill')"
        ".exists()).count() = 1",
        f"supportingInfo.where(category.coding.code = 'typeofbill').all(code.coding.where(system = "
        f"'{TYPE_OF_BILL}').exists())",
        _PRINCIPAL,
        f"diagnosis.all(diagnosis.ofType(CodeableConcept).coding.all(system = '{ICD10_CM}'))",
        "item.count() >= 1 and item.count() <= 999",
        f"item.all(extension.where(url = '{EXT['serviceDescription']}').value.ofType(string).count() = 1)",
        f"item.all(revenue.coding.where(system = '{REVENUE}').exists())",
        f"item.all(productOrService.coding.all(system = '{CPT}' or system = '{HCPCS}'))",
        f"item.all(productOrService.coding.where(system = '{CPT}').all(display.exists()))",
        "item.all(serviced.exists() and net.exists() and quantity.exists())",
        f"item.all(location.ofType(CodeableConcept).coding.all(system = '{POS}'))",
        "total.value.exists()",
        f"extension.where(url = '{EXT['gfeDisclaimer']}').all(value.ofType(string).exists())",
    ),
    "coverage": (
        f"meta.profile contains '{PROFILES['coverage']}'",
        f"extension.where(url = '{EXT['coverageKind']}').value.exists()",
        "status.exists()", "beneficiary.reference.exists()", "relationship.exists()",  # US Core: relationship 1..1
        "payor.count() = 1", "subscriberId.exists()",  # US Core: payor ..1; PCT: subscriberId 1..1
        # us-core-15, pct-coverage-1 and -2
        f"identifier.type.coding.where(system='{V2_0203}' and code='MB').exists() or subscriberId.exists()",
        f"extension.where(url='{EXT['coverageKind']}' and value = 'insurance').exists() implies class.exists()",
        f"extension.where(url='{EXT['coverageKind']}' and value = 'insurance').exists() implies period.exists()",
    ),
    "patient": (
        f"meta.profile contains '{PROFILES['patient']}'",
        "identifier.exists() and identifier.all(system.exists() and value.exists())",
        "name.exists() and name.all(family.exists() or given.exists())",  # us-core-6
        "gender in ('male' | 'female' | 'other' | 'unknown')",
        "birthDate.exists()",
    ),
    "organization": (
        f"meta.profile contains '{PROFILES['organization']}'",
        "identifier.exists()",  # HRex: identifier 1..*
        f"identifier.where(system = '{NPI}').count() <= 1",
        f"identifier.where(system = '{TIN}').all(type.coding.where(system = '{V2_0203}' and code = 'TAX').exists())",
        "active.exists() and name.exists()",  # US Core: 1..1
        "type.exists()",  # PCT: type 1..*
        "address.country.all($this = 'US')",  # required binding: ISO 3166 alpha-2
    ),
    "practitioner": (
        f"meta.profile contains '{PROFILES['practitioner']}'",
        "identifier.exists()", f"identifier.where(system = '{NPI}').all(value.exists())",
        f"identifier.where(type.coding.code = 'TAX').all(value.exists() and system = '{TIN}')",
        "name.exists() and name.all(family.exists() and given.count() = 1)",  # US Core family; PCT given 1..1
        f"qualification.all(code.coding.all(system = '{NUCC}'))",  # required binding: NUCC provider codes
    ),
}

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:epidural-cost-estimator:gfe-packet")
_CENT = Decimal("0.01")
_MILLIONTH = Decimal("0.000001")
_PREFIXES = {"dr", "doctor", "prof", "mr", "mrs", "ms", "mx"}
_CPT_CODE = re.compile(r"^\d{4}[0-9FTU]$")  # category I (5 digits), II (F), III (T), PLA (U)
_MODELS = {"Bundle": Bundle, "Claim": Claim, "Composition": Composition, "Coverage": Coverage,
           "Organization": Organization, "Patient": Patient, "Practitioner": Practitioner}


@dataclass(frozen=True)
class _Ids:
    """Resource ids from the content: a version-5 UUID under a seed made from the case and lines."""

    seed: uuid.UUID

    def id(self, name: str) -> str:
        return str(uuid.uuid5(self.seed, name))

    def url(self, name: str) -> str:
        return f"urn:uuid:{self.id(name)}"


@dataclass(frozen=True)
class _Context:
    """What every resource of one packet shares."""

    case: GfeCase
    ids: _Ids
    disclaimers: tuple[str, ...]
    roles: tuple[str, ...]


def gfe_packet(case: GfeCase, q: Quote, lines: list[GfeLine], ref: RefData | None = None) -> dict:
    """The Good Faith Estimate as a PCT GFE Packet (a FHIR R4 ``document`` Bundle, JSON-ready).

    ``q`` and ``lines`` are from :func:`estimator.gfe.build`; every amount is a line's, in US
    dollars. Raises InputError naming ``clinic_profile.providers[i].taxonomy`` for a provider with
    no NUCC taxonomy, and ``...name`` for a physician without a given and a family name.
    """
    roles = tuple(r for r in ROLES if any(li.role == r for li in lines))
    _check_providers(lines, roles)
    ctx = _Context(case, _Ids(_seed(case, lines)), tuple(gfe_text(case, q, lines, ref)["disclaimers"]), roles)
    providers = {r: _provider_resource(ctx, _provider(lines, r)) for r in roles}
    patient, coverage = _validated(_patient(ctx)), _validated(_coverage(ctx))
    bundles = {r: _gfe_bundle(ctx, r, [li for li in lines if li.role == r], patient, coverage, providers[r])
               for r in roles}
    composition = _validated(_composition(ctx, providers, bundles))
    packet = {"resourceType": "Bundle", "id": ctx.ids.id("packet"), "meta": {"profile": [PROFILES["packet"]]},
              "identifier": {"system": URN, "value": ctx.ids.url("packet-identifier")}, "type": "document",
              "timestamp": _instant(case.issued_on),
              "entry": [_entry(r) for r in (composition, patient, coverage, *providers.values(), *bundles.values())]}
    return _validated(packet)


def packet_json(packet: dict) -> str:
    """The packet as pretty-printed JSON text (UTF-8 characters kept as written), ending in a newline."""
    return json.dumps(packet, indent=2, ensure_ascii=False) + "\n"


def _seed(case: GfeCase, lines: list[GfeLine]) -> uuid.UUID:
    """A UUID for this content: the case and its lines as sorted JSON (dates as text)."""
    content = {"case": asdict(case), "lines": [asdict(li) for li in lines]}
    return uuid.uuid5(_NAMESPACE, json.dumps(content, sort_keys=True, default=str))


def _validated(resource: dict) -> dict:
    """The resource checked by its fhir.resources R4B model, as the model writes it (JSON, no nulls)."""
    model = _MODELS[resource["resourceType"]].model_validate(resource)
    return model.model_dump(mode="json", exclude_none=True)


def _provider(lines: list[GfeLine], role: str) -> Provider:
    return next(li.provider for li in lines if li.role == role)


def _check_providers(lines: list[GfeLine], roles: tuple[str, ...]) -> None:
    """Every provider needs a taxonomy, and the physician a given and a family name; else InputError."""
    problems = []
    for role in roles:
        prov = _provider(lines, role)
        where = f"{PROFILE}.providers[{prov.index}]"
        if not prov.taxonomy:
            problems.append(FieldError(
                f"{where}.taxonomy",
                f"the {ROLE_LABELS[role].lower()} {prov.name} has no taxonomy: a Good Faith Estimate exchanged as "
                f"FHIR needs each provider's NUCC taxonomy code; give it as taxonomy in the clinic profile "
                f"(10 characters, e.g. {EXAMPLE_TAXONOMY[role]})"))
        if role == "professional" and _person_name(prov.name) is None:
            problems.append(FieldError(
                f"{where}.name", f"'{prov.name}': a Good Faith Estimate exchanged as FHIR needs the physician's "
                                 "given and family name (e.g. Dr. Ana Ruiz, MD)"))
    if problems:
        raise InputError(problems)


# --- small pieces ---------------------------------------------------------------------------------

def _coding(system: str, code: str, display: str | None = None) -> dict:
    return {"system": system, "code": code, "display": display}


def _concept(system: str, code: str, display: str | None = None) -> dict:
    return {"coding": [_coding(system, code, display)]}


def _ref(ctx: _Context, name: str) -> dict:
    return {"reference": ctx.ids.url(name)}


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _instant(day: date) -> str:
    """A day as an instant: noon UTC, the same calendar day in every US time zone (the case records
    days, not times)."""
    return f"{day.isoformat()}T12:00:00Z"


def _money(amount: Decimal) -> dict:
    """US dollars."""
    return {"value": amount, "currency": "USD"}


def _dollars(amount: float) -> Decimal:
    """A line's amount (dollars) as an exact number of cents."""
    return Decimal(str(amount)).quantize(_CENT)


def _unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    """The line's amount per unit (dollars): to the cent when it divides evenly, else to a millionth
    of a dollar, so that unit price x quantity is the amount to the cent."""
    if not quantity:
        return amount
    cents = (amount / quantity).quantize(_CENT)
    return cents if cents * quantity == amount else (amount / quantity).quantize(_MILLIONTH)


def _service_code(code: str, description: str) -> dict:
    """CPT (five characters ending in a digit, F, T or U) or HCPCS Level II; the display is the
    project's plain-language name, never the AMA's descriptor."""
    return _concept(CPT if _CPT_CODE.match(code) else HCPCS, code, description)


def _person_name(text: str) -> dict | None:
    """A person's name as FHIR parts: ``Dr. Ana Maria Ruiz, MD`` -> prefix Dr., given "Ana Maria", family
    Ruiz, suffix MD; None if it has no given and family name."""
    main, *suffixes = [part.strip() for part in text.split(",")]
    words = main.split()
    prefix = [words.pop(0)] if words and words[0].rstrip(".").lower() in _PREFIXES else []
    if len(words) < 2:
        return None
    return {"text": text, "family": words[-1], "given": [" ".join(words[:-1])], "prefix": prefix or None,
            "suffix": [s for s in suffixes if s] or None}


def _planned(case: GfeCase) -> dict:
    """The planned date of service as a ``serviced[x]``-style choice: the day, or from the date of issue."""
    if case.service_date:
        return {"Date": case.service_date.isoformat()}
    return {"Period": {"start": case.issued_on.isoformat()}}


def _period(case: GfeCase) -> dict:
    day = (case.service_date or case.issued_on).isoformat()
    return {"start": day, "end": day} if case.service_date else {"start": day}


def _linking_info(ctx: _Context, count: bool = False) -> dict:
    """GFE service linking information: the planned date, an identifier shared by the packet's claims
    and (in the Composition) how many providers submit an estimate."""
    (kind, value), = _planned(ctx.case).items()
    parts = [{"url": "plannedPeriodOfService", f"value{kind}": value},
             {"url": "linkingIdentifier", "valueIdentifier": {"system": URN, "value": ctx.ids.url("linking")}}]
    if count:
        parts.append({"url": "anticipatedSubmittingProviderCount", "valueUnsignedInt": len(ctx.roles)})
    return {"url": EXT["gfeServiceLinkingInfo"], "extension": parts}


def _disclaimers(texts: tuple[str, ...] | list[str]) -> list[dict]:
    return [{"url": EXT["gfeDisclaimer"], "valueString": t} for t in texts]


def _diagnoses(case: GfeCase) -> list[dict]:
    """The case's ICD-10-CM codes: the first is the principal diagnosis, the others secondary."""
    return [{"sequence": i, "diagnosisCodeableConcept": _concept(ICD10_CM, code),
             "type": [_concept(DIAGNOSIS_TYPE, "principal" if i == 1 else "secondary")]}
            for i, code in enumerate(case.diagnosis_codes, 1)]


# --- the resources --------------------------------------------------------------------------------

def _patient(ctx: _Context) -> dict:
    """US Core Patient: the clinic's reference as a medical record number (else the resource's own
    URN); gender ``unknown`` as the case does not record it."""
    case = ctx.case
    if case.patient_ref:
        clinic = case.clinic
        system = f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'patient-reference|{clinic.name}|{_npi_of(clinic)}')}"
        ident = {"use": "usual", "type": _concept(V2_0203, "MR", "Medical record number"), "system": system,
                 "value": case.patient_ref}
    else:
        ident = {"system": URN, "value": ctx.ids.url("patient")}
    words = case.patient_name.split()
    name = {"text": case.patient_name, "family": words[-1], "given": words[:-1] or None}
    return {"resourceType": "Patient", "id": ctx.ids.id("patient"), "meta": {"profile": [PROFILES["patient"]]},
            "identifier": [ident], "name": [name], "gender": "unknown", "birthDate": case.patient_dob.isoformat()}


def _npi_of(clinic: ClinicProfile) -> str:
    prof = clinic.providers.get("professional")
    return prof.npi if prof else ""


def _coverage(ctx: _Context) -> dict:
    """PCT Coverage for a self-pay patient: kind self-pay, self-pay declared, SOPT 81, the patient pays."""
    patient = _ref(ctx, "patient")
    return {"resourceType": "Coverage", "id": ctx.ids.id("coverage"), "meta": {"profile": [PROFILES["coverage"]]},
            "extension": [{"url": EXT["coverageKind"], "valueCode": "self-pay"},
                          {"url": EXT["selfPayDeclared"], "valueBoolean": True}],
            "status": "active", "type": _concept(SOURCE_OF_PAYMENT, "81", "Self-pay"),
            "_subscriberId": {"extension": [{"url": EXT["dataAbsentReason"], "valueCode": "not-applicable"}]},
            "beneficiary": patient, "relationship": _concept(RELATIONSHIP, "self", "Self"), "payor": [patient]}


def _identifiers(prov: Provider) -> list[dict]:
    """NPI and TIN (nine digits, the dash dropped)."""
    return [{"system": NPI, "value": prov.npi},
            {"type": _concept(V2_0203, "TAX", "Tax ID number"), "system": TIN, "value": prov.tin.replace("-", "")}]


def _provider_resource(ctx: _Context, prov: Provider) -> dict:
    """The physician as a PCT Practitioner; a facility or anesthesia provider as a PCT Organization."""
    base = {"id": ctx.ids.id(f"provider:{prov.role}"), "identifier": _identifiers(prov), "active": True,
            "address": [{"text": prov.address, "state": prov.state, "country": "US"}]}
    if prov.role == "professional":
        res = {"resourceType": "Practitioner", "meta": {"profile": [PROFILES["practitioner"]]}, **base,
               "name": [_person_name(prov.name)], "qualification": [{"code": _concept(NUCC, prov.taxonomy)}]}
    else:
        res = {"resourceType": "Organization", "meta": {"profile": [PROFILES["organization"]]}, **base,
               "type": [_concept(ORGANIZATION_TYPE, "prov", "Healthcare Provider")], "name": prov.name}
    return _validated(res)


def _item(ctx: _Context, seq: int, li: GfeLine, institutional: bool) -> dict:
    """One service line: code, plain-language description, planned date, place of service, quantity,
    unit price and net (dollars; net = the line's amount)."""
    site = ctx.case.scenario.site
    amount, quantity = _dollars(li.amount), Decimal(str(li.units))
    (kind, value), = _planned(ctx.case).items()
    item = {"extension": [{"url": EXT["serviceDescription"], "valueString": li.description}], "sequence": seq,
            "revenue": _concept(REVENUE, FACILITY_REVENUE_CODE[site]) if institutional else None,
            "productOrService": _service_code(li.code, li.description), f"serviced{kind}": value,
            "locationCodeableConcept": _concept(POS, *PLACE_OF_SERVICE[site]),
            "quantity": {"value": quantity}, "unitPrice": _money(_unit_price(amount, quantity)),
            "net": _money(amount)}
    return item


def _claim(ctx: _Context, role: str, lines: list[GfeLine]) -> dict:
    """The provider's GFE claim: Institutional for the facility fee, Professional otherwise."""
    institutional = role == "facility"
    kind = "institutional" if institutional else "professional"
    prov, name = lines[0].provider, f"claim:{role}"
    items = [_item(ctx, i, li, institutional) for i, li in enumerate(lines, 1)]
    claim = {"resourceType": "Claim", "id": ctx.ids.id(name), "meta": {"profile": [PROFILES[kind]]},
             "extension": [_linking_info(ctx), *_disclaimers(ctx.disclaimers)],
             "identifier": [{"type": _concept(V2_0203, "PLAC", "Placer Identifier"), "system": URN,
                             "value": ctx.ids.url(f"{name}:placer")}],
             "status": "active", "type": _concept(CLAIM_TYPE, kind, kind.title()), "use": "predetermination",
             "patient": _ref(ctx, "patient"), "billablePeriod": _period(ctx.case),
             "created": ctx.case.issued_on.isoformat(),
             "provider": {**_ref(ctx, f"provider:{role}"), "extension": [
                 {"url": EXT["providerTaxonomy"], "valueCodeableConcept": _concept(NUCC, prov.taxonomy)}]},
             "priority": _concept(PRIORITY, "normal", "Normal"),
             "insurance": [{"sequence": 1, "focal": True, "coverage": _ref(ctx, "coverage")}],
             "diagnosis": _diagnoses(ctx.case), "item": items,
             "total": _money(sum((_dollars(li.amount) for li in lines), Decimal("0.00")))}
    if institutional:
        claim["supportingInfo"] = [{"sequence": 1, "category": _concept(SUPPORTING_INFO, "typeofbill", "Type of Bill"),
                                    "code": _concept(TYPE_OF_BILL, FACILITY_TYPE_OF_BILL[ctx.case.scenario.site])}]
    return _validated(claim)


def _summary(ctx: _Context, role: str, claims: list[dict]) -> dict:
    """The GFE Summary of one provider's bundle: no provider of its own, no items, the claims' total;
    its disclaimers add the services to be scheduled separately (not included)."""
    total = sum((Decimal(str(c["total"]["value"])).quantize(_CENT) for c in claims), Decimal("0.00"))
    separate = [f"Not included in this estimate, to be scheduled separately: {s}"
                for s in ctx.case.separately_scheduled]
    summary = {"resourceType": "Claim", "id": ctx.ids.id(f"summary:{role}"), "meta": {"profile": [PROFILES["summary"]]},
               "extension": [_linking_info(ctx), *_disclaimers([*ctx.disclaimers, *separate])],
               "status": "active", "type": _concept(ESTIMATE_TYPE, "estimate-summary", "Estimate Summary"),
               "use": "predetermination", "patient": _ref(ctx, "patient"), "billablePeriod": _period(ctx.case),
               "created": ctx.case.issued_on.isoformat(),
               "provider": {"extension": [{"url": EXT["dataAbsentReason"], "valueCode": "not-applicable"}]},
               "priority": _concept(PRIORITY, "normal", "Normal"),
               "insurance": [{"sequence": 1, "focal": True, "coverage": _ref(ctx, "coverage")}],
               "diagnosis": _diagnoses(ctx.case), "total": _money(total)}
    return _validated(summary)


def _gfe_bundle(ctx: _Context, role: str, lines: list[GfeLine], patient: dict, coverage: dict,
                provider: dict) -> dict:
    """One provider's GFE Bundle: its summary first, then its claim, the patient, coverage and provider."""
    claim = _claim(ctx, role, lines)
    bundle = {"resourceType": "Bundle", "id": ctx.ids.id(f"bundle:{role}"), "meta": {"profile": [PROFILES["bundle"]]},
              "identifier": {"system": URN, "value": ctx.ids.url(f"bundle-identifier:{role}")},
              "type": "collection", "timestamp": _instant(ctx.case.issued_on),
              "entry": [_entry(r) for r in (_summary(ctx, role, [claim]), claim, patient, coverage, provider)]}
    return _validated(bundle)


def _composition(ctx: _Context, providers: dict[str, dict], bundles: dict[str, dict]) -> dict:
    """The GFE Composition: origin and time of the request, the planned date, the coverage section and
    one GFE section per provider (its bundle, authored by the provider)."""
    case = ctx.case
    scheduled = case.service_date is not None
    origin = "scheduled-request" if scheduled else "nonscheduled-request"
    asked = (case.scheduled_on if scheduled else case.requested_on) or case.issued_on
    sections = [{"title": "Coverage", "code": _concept(SECTION, "coverage-section", "Coverage Section"),
                 "entry": [_ref(ctx, "coverage")]}]
    sections += [{"title": f"{ROLE_LABELS[r]}: {_provider_name(providers[r])}",
                  "code": _concept(SECTION, "gfe-section", "GFE Section"),
                  "author": [{"reference": f"urn:uuid:{providers[r]['id']}"}],
                  "entry": [{"reference": f"urn:uuid:{bundles[r]['id']}"}]} for r in ctx.roles]
    return {"resourceType": "Composition", "id": ctx.ids.id("composition"),
            "meta": {"profile": [PROFILES["composition"]]},
            "extension": [{"url": EXT["requestInitiationTime"], "valueInstant": _instant(asked)},
                          _linking_info(ctx, count=True),
                          {"url": EXT["requestOriginationType"], "valueCodeableConcept": _concept(
                              REQUEST_TYPE, origin, "Scheduled Service Request" if scheduled
                              else "Nonscheduled Service Request")}],
            "identifier": {"system": URN, "value": ctx.ids.url("composition-identifier")}, "status": "final",
            "type": _concept(LOINC, "111480-0", "Good faith estimate"),
            "category": [_concept(DOCUMENT_TYPE, "estimate", "Estimation Packet")],
            "subject": _ref(ctx, "patient"), "date": _instant(case.issued_on),
            "author": [{"reference": f"urn:uuid:{providers[r]['id']}"} for r in ctx.roles],
            "title": f"Good Faith Estimate for {case.patient_name}, issued {case.issued_on.isoformat()}",
            "section": sections}


def _provider_name(resource: dict) -> str:
    name = resource["name"]
    return name if isinstance(name, str) else name[0]["text"]
