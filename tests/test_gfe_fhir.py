"""The Good Faith Estimate as a Da Vinci PCT STU 2 GFE Packet: every profile's requirements, the
packet's invariants (fhirpathpy), validation by fhir.resources R4B, amounts as on the PDF, the
CLI and the golden example."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate
from fhirpathpy.models import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import gfe
from estimator.common.errors import InputError
from estimator.documents.gfe_pdf import gfe_text
from estimator.gfe import fhir_packet as fp
from estimator.gfe.fhir_packet import PROFILES, REQUIRED, gfe_packet, packet_json

from .conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
CASE = json.loads((EXAMPLES / "gfe_case.json").read_text())
PROFILE = json.loads((EXAMPLES / "clinic_profile.json").read_text())
GOLDEN = EXAMPLES / "gfe_packet.json"
TAXONOMY_BY_NPI = {p["npi"]: p["taxonomy"] for p in PROFILE["providers"]}
BY_URL = {url: name for name, url in PROFILES.items()}
SCENARIOS = [(site, sedation) for site in ("office", "asc", "hopd") for sedation in ("local", "moderate", "anesthesia")]


def _case(site: str = "asc", sedation: str = "moderate", profile: dict | None = None, **changes) -> gfe.GfeCase:
    d = copy.deepcopy(CASE)
    d["scenario"] = {"site": site, "sedation": sedation, "coverage": "self_pay"}
    d["clinic_profile"] = profile if profile is not None else copy.deepcopy(PROFILE)
    d.update(changes)
    return gfe.GfeCase.from_dict(d, EXAMPLES)


def _packet(case: gfe.GfeCase) -> tuple[dict, list[gfe.GfeLine], dict]:
    q, lines = gfe.build(case)
    return gfe_packet(case, q, lines), lines, gfe_text(case, q, lines)


def _by_profile(packet: dict) -> dict[str, list[dict]]:
    """Every resource of the packet (nested GFE Bundles included) by the profile it claims."""
    out: dict[str, list[dict]] = {"packet": [packet]}

    def walk(bundle: dict) -> None:
        for e in bundle["entry"]:
            res = e["resource"]
            out.setdefault(BY_URL[res["meta"]["profile"][0]], []).append(res)
            if res["resourceType"] == "Bundle":
                walk(res)
    walk(packet)
    return out


def _fp(resource: dict, expression: str) -> list:
    """FHIRPath over a resource with the R4 model (types of choice elements), ``%resource`` the resource."""
    return evaluate(resource, expression, {"resource": resource}, models["r4"])


def _gfe_bundles(packet: dict) -> list[dict]:
    return [e["resource"] for e in packet["entry"] if e["resource"]["resourceType"] == "Bundle"]


def _claims(packet: dict) -> list[dict]:
    """Each GFE Bundle's claims, the summaries left out."""
    return [e["resource"] for b in _gfe_bundles(packet) for e in b["entry"][1:]
            if e["resource"]["resourceType"] == "Claim"]


def _cents(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_required_elements_cover_every_profile_emitted():
    assert set(REQUIRED) == set(PROFILES)
    assert all(REQUIRED[name] for name in REQUIRED)


@pytest.mark.parametrize("site, sedation", SCENARIOS)
def test_every_required_element_of_every_profile_is_present(site, sedation):
    packet, lines, _ = _packet(_case(site, sedation))
    found = _by_profile(packet)
    expected = {"packet", "composition", "bundle", "summary", "professional", "patient", "coverage", "practitioner"}
    expected |= {"institutional"} if site != "office" else set()
    expected |= {"organization"} if site != "office" or sedation == "anesthesia" else set()
    assert set(found) == expected
    for name, resources in found.items():
        for res in resources:
            for expression in REQUIRED[name]:
                assert _fp(res, expression) == [True], (name, expression)
    roles = [li.role for li in lines]
    assert len(found["bundle"]) == len(set(roles)) == len(found["summary"])
    assert len(found.get("institutional", [])) == (site != "office")


def test_a_missing_requirement_is_caught_by_the_list():
    """The expressions can fail: a packet with its summary moved off first place, its taxonomy
    removed or a bad diagnosis system breaks them."""
    packet, _, _ = _packet(_case("asc", "anesthesia"))
    bundle = copy.deepcopy(_gfe_bundles(packet)[0])
    bundle["entry"].reverse()
    assert _fp(bundle, REQUIRED["bundle"][-1]) == [False]
    claim = copy.deepcopy(_claims(packet)[0])
    claim["provider"]["extension"] = []
    claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["system"] = "http://hl7.org/fhir/sid/icd-10"
    failing = [x for x in REQUIRED["professional"] if _fp(claim, x) != [True]]
    assert len(failing) == 3  # taxonomy count, taxonomy system, ICD-10-CM


@pytest.mark.parametrize("site, sedation", [("office", "moderate"), ("asc", "anesthesia"), ("hopd", "anesthesia")])
def test_packet_invariants(site, sedation):
    packet, _, _ = _packet(_case(site, sedation))
    assert _fp(packet, "Bundle.type") == ["document"]
    assert _fp(packet, "Bundle.entry.first().resource.code.coding.code | Bundle.entry.first().resource.type.coding"
                       ".code") == ["111480-0"]
    assert _fp(packet, "Bundle.entry.first().resource.resourceType") == ["Composition"]
    for bundle in _gfe_bundles(packet):
        assert _fp(bundle, "entry.first().resource.meta.profile") == [PROFILES["summary"]]
        assert _fp(bundle, "entry.first().resource.type.coding.code") == ["estimate-summary"]
    for claim in _claims(packet):
        nets = [_cents(v) for v in _fp(claim, "item.net.value")]
        assert _cents(_fp(claim, "total.value")[0]) == sum(nets)
        for item in claim["item"]:
            unit, qty = Decimal(str(item["unitPrice"]["value"])), Decimal(str(item["quantity"]["value"]))
            assert (unit * qty).quantize(Decimal("0.01")) == _cents(item["net"]["value"])
        for code in _fp(claim, "diagnosis.diagnosis.ofType(CodeableConcept).coding.code"):
            assert gfe.ICD10_CM.match(code)
        assert _fp(claim, "diagnosis.diagnosis.ofType(CodeableConcept).coding.system.distinct()") == [fp.ICD10_CM]
    for bundle in _gfe_bundles(packet):
        summary, claim = bundle["entry"][0]["resource"], bundle["entry"][1]["resource"]
        assert _cents(summary["total"]["value"]) == _cents(claim["total"]["value"])
        provider = _resolve(bundle, claim["provider"]["reference"])
        assert _fp(provider, f"identifier.where(system = '{fp.NPI}').value.count()") == [1]
        npi = _fp(provider, f"identifier.where(system = '{fp.NPI}').value")[0]
        assert gfe.npi_is_valid(npi)
        taxonomy = _fp(claim, f"provider.extension.where(url = '{fp.EXT['providerTaxonomy']}').value.coding"
                              f".where(system = '{fp.NUCC}').code")
        assert taxonomy == [TAXONOMY_BY_NPI[npi]]


def _resolve(bundle: dict, reference: str) -> dict:
    found = [e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference]
    assert len(found) == 1, reference
    return found[0]


@pytest.mark.parametrize("site, sedation", [("office", "local"), ("hopd", "anesthesia")])
def test_every_reference_resolves_in_its_bundle_and_in_the_packet(site, sedation):
    packet, _, _ = _packet(_case(site, sedation))
    urls = [e["fullUrl"] for e in packet["entry"]]
    assert len(urls) == len(set(urls)) and all(u == f"urn:uuid:{e['resource']['id']}"
                                                for u, e in zip(urls, packet["entry"], strict=True))
    for ref in _fp(packet, "Bundle.entry.resource.descendants().reference"):
        _resolve(packet, ref)
    for bundle in _gfe_bundles(packet):
        for ref in _fp(bundle, "Bundle.entry.resource.descendants().reference"):
            _resolve(bundle, ref)
        for e in bundle["entry"]:  # a resource repeated in a GFE Bundle is the packet's own, unchanged
            if e["resource"]["resourceType"] != "Claim":
                assert _resolve(packet, e["fullUrl"]) == e["resource"]


def test_the_packet_round_trips_through_the_r4b_models():
    packet, _, _ = _packet(_case("asc", "anesthesia"))
    again = Bundle.model_validate(json.loads(packet_json(packet))).model_dump(mode="json", exclude_none=True)
    assert again == packet
    broken = copy.deepcopy(packet)
    del _gfe_bundles(broken)[0]["entry"][1]["resource"]["patient"]
    with pytest.raises(ValueError, match="patient"):
        Bundle.model_validate(broken)


@pytest.mark.parametrize("site, sedation", SCENARIOS)
def test_amounts_are_the_pdfs_to_the_cent(site, sedation):
    packet, lines, text = _packet(_case(site, sedation))
    summaries = [b["entry"][0]["resource"] for b in _gfe_bundles(packet)]
    assert sum(_cents(s["total"]["value"]) for s in summaries) == _cents(text["total"])
    by_role = {}
    for li in lines:
        by_role.setdefault(li.role, []).append(li)
    for bundle, role in zip(_gfe_bundles(packet), by_role, strict=True):
        claim = bundle["entry"][1]["resource"]
        assert [(i["productOrService"]["coding"][0]["code"], _cents(i["net"]["value"])) for i in claim["item"]] == \
            [(li.code, _cents(li.amount)) for li in by_role[role]]
        assert _cents(claim["total"]["value"]) == _cents(sum(li.amount for li in by_role[role]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=st.sampled_from(["office", "asc", "hopd"]), sedation=st.sampled_from(["local", "moderate", "anesthesia"]),
       cents=st.tuples(*[st.integers(1, 2_000_000)] * 3), minutes=st.integers(1, 240))
def test_any_prices_and_times_add_up_to_the_cent(site, sedation, cents, minutes):
    prices = dict(zip(("professional", "facility", "anesthesia"), (c / 100 for c in cents), strict=True))
    d = copy.deepcopy(CASE)
    d["scenario"] = {"site": site, "sedation": sedation, "coverage": "self_pay"}
    if sedation == "anesthesia":
        d["scenario"]["anesthesia_minutes"] = minutes
    elif sedation == "moderate":
        d["scenario"]["sedation_minutes"] = minutes
    d["clinic_profile"] = PROFILE
    d["cash_prices"] = prices
    packet, lines, text = _packet(gfe.GfeCase.from_dict(d, EXAMPLES))
    claims = _claims(packet)
    assert sum(_cents(c["total"]["value"]) for c in claims) == _cents(text["total"])
    for claim in claims:
        assert _cents(claim["total"]["value"]) == sum(_cents(i["net"]["value"]) for i in claim["item"])
        for item in claim["item"]:
            unit, qty = Decimal(str(item["unitPrice"]["value"])), Decimal(str(item["quantity"]["value"]))
            assert (unit * qty).quantize(Decimal("0.01")) == _cents(item["net"]["value"])
    assert [_cents(v) for v in _fp(packet, "Bundle.entry.resource.entry.resource.item.net.value")] == \
        [_cents(li.amount) for li in lines]


def test_unit_price_is_exact_or_to_a_millionth():
    assert fp._unit_price(Decimal("300.00"), Decimal("6.0")) == Decimal("50.00")
    assert fp._unit_price(Decimal("300.00"), Decimal("6.3")) == Decimal("47.619048")
    assert (fp._unit_price(Decimal("0.01"), Decimal("3")) * 3).quantize(Decimal("0.01")) == Decimal("0.01")


def test_the_same_case_gives_byte_identical_json_and_another_case_other_ids():
    a, b = packet_json(_packet(_case())[0]), packet_json(_packet(_case())[0])
    assert a == b
    other = _packet(_case(cash_prices={"professional": 251.0, "facility": 550.0}))[0]
    assert other["id"] != json.loads(a)["id"]
    assert other["timestamp"] == json.loads(a)["timestamp"] == "2026-11-23T12:00:00Z"


def test_codes_places_and_the_facility_bill():
    packet, lines, text = _packet(_case("hopd", "anesthesia"))
    claims = {c["meta"]["profile"][0]: c for c in _claims(packet)}
    inst = claims[PROFILES["institutional"]]
    assert _fp(inst, "supportingInfo.code.coding.code") == ["0131"]
    assert _fp(inst, "item.revenue.coding.code") == ["0361"]
    assert set(_fp(packet, "Bundle.entry.resource.entry.resource.item.location.coding.code")) == {"22"}
    asc = _claims(_packet(_case("asc", "local"))[0])
    assert _fp(asc[1], "supportingInfo.code.coding.code") == ["0831"]
    assert _fp(asc[1], "item.revenue.coding.code") == ["0490"]
    assert set(_fp(asc[0], "item.location.coding.code")) == {"24"}
    office = _claims(_packet(_case("office", "moderate"))[0])
    assert [c["meta"]["profile"][0] for c in office] == [PROFILES["professional"]]
    assert set(_fp(office[0], "item.location.coding.code")) == {"11"}
    items = [i for c in _claims(packet) for i in c["item"]]
    for item, li in zip(items, lines, strict=True):  # plain-language names, never the AMA's descriptors
        assert item["productOrService"]["coding"][0] == {"system": fp.CPT, "code": li.code, "display": li.description}
        assert item["extension"] == [{"url": fp.EXT["serviceDescription"], "valueString": li.description}]
    taxonomy = {c["meta"]["profile"][0] + c["provider"]["reference"]: _fp(c, "provider.extension.value.coding.code")[0]
                for c in _claims(packet)}
    assert sorted(taxonomy.values()) == sorted(p["taxonomy"] for p in PROFILE["providers"])


def test_disclaimers_are_the_estimates():
    packet, _, text = _packet(_case())
    url = fp.EXT["gfeDisclaimer"]
    for claim in _claims(packet):
        assert _fp(claim, f"extension.where(url = '{url}').value") == text["disclaimers"]
    for bundle in _gfe_bundles(packet):
        said = _fp(bundle["entry"][0]["resource"], f"extension.where(url = '{url}').value")
        assert said[:len(text["disclaimers"])] == text["disclaimers"]
        assert said[len(text["disclaimers"]):] == [
            "Not included in this estimate, to be scheduled separately: Follow-up visit about two weeks after the "
            "injection"]


def test_patient_and_self_pay_coverage():
    packet, _, _ = _packet(_case())
    patient, coverage = packet["entry"][1]["resource"], packet["entry"][2]["resource"]
    assert patient["name"][0]["text"] == "Jordan Example" and patient["birthDate"] == "1968-04-12"
    assert _fp(patient, "identifier.where(type.coding.code = 'MR').value") == ["MRN-000123"]
    assert _fp(coverage, f"extension.where(url = '{fp.EXT['coverageKind']}').value") == ["self-pay"]
    assert _fp(coverage, f"extension.where(url = '{fp.EXT['selfPayDeclared']}').value") == [True]
    assert _fp(coverage, "type.coding.code") == ["81"]
    assert coverage["payor"] == [{"reference": packet["entry"][1]["fullUrl"]}]
    no_ref = copy.deepcopy(CASE["patient"])
    del no_ref["reference"]
    patient = _packet(_case(patient=no_ref))[0]["entry"][1]["resource"]
    assert _fp(patient, "identifier.system") == [fp.URN]
    assert all(_fp(patient, x) == [True] for x in REQUIRED["patient"])


def test_an_estimate_on_request_has_no_planned_day():
    case = _case(service={"requested_on": "2026-11-20"})
    packet, _, _ = _packet(case)
    comp = packet["entry"][0]["resource"]
    assert _fp(comp, "extension.where(url.endsWith('requestOriginationType')).value.coding.code") == \
        ["nonscheduled-request"]
    assert _fp(comp, "extension.where(url.endsWith('requestInitiationTime')).value") == ["2026-11-20T12:00:00Z"]
    for claim in _claims(packet):
        assert [i["servicedPeriod"] for i in claim["item"]] == [{"start": "2026-11-23"}] * len(claim["item"])
    for name, resources in _by_profile(packet).items():
        for res in resources:
            assert all(_fp(res, x) == [True] for x in REQUIRED[name]), name


def test_a_provider_without_taxonomy_is_named():
    profile = copy.deepcopy(PROFILE)
    del profile["providers"][1]["taxonomy"]
    del profile["providers"][2]["taxonomy"]
    case = _case("asc", "anesthesia", profile)
    q, lines = gfe.build(case)  # the PDF needs no taxonomy
    with pytest.raises(InputError) as e:
        gfe_packet(case, q, lines)
    assert [x.field for x in e.value.errors] == ["clinic_profile.providers[1].taxonomy",
                                                  "clinic_profile.providers[2].taxonomy"]
    assert "needs each provider's NUCC taxonomy code" in e.value.errors[0].message
    assert "261QA1903X" in e.value.errors[0].message
    gfe_packet(_case("office", "moderate", profile), *gfe.build(_case("office", "moderate", profile)))


def test_the_physician_needs_a_given_and_family_name():
    profile = copy.deepcopy(PROFILE)
    profile["providers"][0]["name"] = "Dr. Example, MD"
    case = _case("office", "local", profile)
    with pytest.raises(InputError) as e:
        gfe_packet(case, *gfe.build(case))
    assert [x.field for x in e.value.errors] == ["clinic_profile.providers[0].name"]
    assert fp._person_name("Dr. Ana Maria Ruiz, MD, PhD") == {
        "text": "Dr. Ana Maria Ruiz, MD, PhD", "family": "Ruiz", "given": ["Ana Maria"], "prefix": ["Dr."],
        "suffix": ["MD", "PhD"]}


@pytest.mark.parametrize("value, ok", [("208VP0014X", True), ("261qa1903x", True), ("207L00000X", True),
                                       ("208VP0014", False), ("A08VP0014X", False), ("208VP0014Y", False),
                                       ("208-P0014X", False)])
def test_the_taxonomy_is_checked_in_the_clinic_profile(value, ok):
    profile = copy.deepcopy(PROFILE)
    profile["providers"][1]["taxonomy"] = value
    if ok:
        assert gfe.ClinicProfile.from_dict(profile).providers["facility"].taxonomy == value.upper()
    else:
        with pytest.raises(InputError) as e:
            gfe.ClinicProfile.from_dict(profile)
        assert [x.field for x in e.value.errors] == ["providers[1].taxonomy"]
        assert "NUCC" in e.value.errors[0].message


def test_the_golden_example_is_what_the_case_gives():
    case = gfe.GfeCase.from_dict(CASE, EXAMPLES)
    assert packet_json(_packet(case)[0]) == GOLDEN.read_text(encoding="utf-8")


def test_the_cli_writes_the_packet(tmp_path):
    out = tmp_path / "packet.json"
    r = run_cli("gfe", str(EXAMPLES / "gfe_case.json"), "--fhir", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"wrote {out}: GFE Packet, 2 providers, total expected charges $800.00"
    assert out.read_bytes() == GOLDEN.read_bytes()
    r = run_cli("gfe", "--input", str(EXAMPLES / "gfe_case.json"), "--fhir", "-o", str(tmp_path / "b.json"))
    assert r.returncode == 0 and (tmp_path / "b.json").read_bytes() == GOLDEN.read_bytes()


@pytest.mark.parametrize("args", [[], ["CASE", "--input", "CASE"]])
def test_the_cli_wants_the_case_once(tmp_path, args):
    case = str(EXAMPLES / "gfe_case.json")
    r = run_cli("gfe", *[case if a == "CASE" else a for a in args], "--fhir", "-o", str(tmp_path / "x.json"))
    assert r.returncode == 2 and r.stderr.startswith("error: --input: give the case file (JSON) once")
    assert not (tmp_path / "x.json").exists()


def test_the_cli_names_a_missing_taxonomy(tmp_path):
    profile = copy.deepcopy(PROFILE)
    del profile["providers"][0]["taxonomy"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**CASE, "clinic_profile": profile}))
    r = run_cli("gfe", str(path), "--fhir", "-o", str(tmp_path / "x.json"))
    assert r.returncode == 2 and "error: clinic_profile.providers[0].taxonomy: the physician" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x.json").exists()
