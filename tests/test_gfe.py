"""Good Faith Estimates: every required element in the PDF, identifiers checked, deadlines and disputes."""

from __future__ import annotations

import copy
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from estimator import cli, gfe
from estimator.common.errors import InputError
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.frontdesk.clinic_prices import PriceList
from estimator.scenario import ScenarioError

from .conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
CASE = json.loads((EXAMPLES / "gfe_case.json").read_text())


def _case(**changes) -> gfe.GfeCase:
    d = copy.deepcopy(CASE)
    for k, v in changes.items():
        d[k] = v
    return gfe.GfeCase.from_dict(d, EXAMPLES)


def _pdf_text(case: gfe.GfeCase, prices: PriceList | None = None) -> tuple[str, list[gfe.GfeLine]]:
    q, lines = gfe.build(case, prices=prices)
    reader = PdfReader(io.BytesIO(gfe_pdf(case, q, lines)))
    text = " ".join(p.extract_text() for p in reader.pages)
    return " ".join(text.split()), lines


def test_the_pdf_contains_every_element_45_cfr_149_610_requires():
    case = _case(scenario={"site": "asc", "sedation": "anesthesia", "coverage": "self_pay"})
    text, lines = _pdf_text(case)
    clinic = json.loads((EXAMPLES / "clinic_profile.json").read_text())
    required = [
        "Good Faith Estimate",
        "Jordan Example", "04/12/1968",  # (1) patient name and date of birth
        "Epidural injection", "Scheduled for December 10, 2026",  # (2) primary service, in plain words, and date
        "M54.12", "M50.120",  # (4) diagnosis codes
        "62321", "01937",  # (4) expected service codes
        "Services to be scheduled separately", "Follow-up visit",  # (6) separately scheduled
        "must be scheduled or requested separately",  # (7) other items disclaimer
        "only an estimate",  # (8) estimate disclaimer
        "dispute resolution", "$400 or more", "120 calendar days", "cms.gov/nosurprises",  # (9) dispute right
        "not a contract", "does not require you",  # (10) not a contract, no obligation
        "Issued November 23, 2026",
    ]
    for p in clinic["providers"]:  # (3)/(5) grouped by provider with name, NPI, TIN, location
        required += [p["name"], f"NPI: {p['npi']}", f"TIN: {p['tin']}", "Location where the service is expected"]
    for phrase in required:
        assert phrase in text, phrase
    for li in lines:  # (4) expected charges for every item
        assert f"${li.amount:,.2f}" in text
    assert f"Total expected charges: ${sum(li.amount for li in lines):,.2f}" in text


def test_itemised_charges_add_up_to_each_bill_and_use_clinic_cash_prices():
    case = _case(scenario={"site": "asc", "sedation": "moderate", "coverage": "self_pay"}, cash_prices={})
    prices = PriceList.from_csv("payer,coverage,site,code,component,amount\n"
                                "cash,self_pay,*,62321,professional,300\ncash,self_pay,asc,*,facility,700\n")
    text, lines = _pdf_text(case, prices)
    prof = [li for li in lines if li.role == "professional"]
    assert {li.code for li in prof} == {"62321", "99152"}
    assert sum(li.amount for li in prof) == pytest.approx(300)
    assert sum(li.amount for li in lines if li.role == "facility") == pytest.approx(700)


@pytest.mark.parametrize("change, field", [
    ({"diagnosis_codes": ["M5"]}, "diagnosis_codes[0]"),
    ({"diagnosis_codes": ["M54.12", "U07.1"]}, "diagnosis_codes[1]"),
    ({"diagnosis_codes": ["M54.12345"]}, "diagnosis_codes[0]"),
    ({"diagnosis_codes": []}, "diagnosis_codes"),
    ({"patient": {"name": "", "dob": "1968-04-12"}}, "patient.name"),
    ({"patient": {"name": "A", "dob": "12/04/1968"}}, "patient.dob"),
    ({"scenario": {"coverage": "commercial"}}, "scenario.coverage"),
    ({"scenario": {"site": "spa", "coverage": "self_pay"}}, "scenario.site"),
    ({"clinic_profile": "missing.json"}, "clinic_profile"),
])
def test_bad_cases_are_refused_naming_the_field(change, field):
    with pytest.raises(ScenarioError) as e:
        _case(**change)
    assert field in {err.field for err in e.value.errors}, e.value


def test_clinic_profile_identifiers_are_checked():
    profile = json.loads((EXAMPLES / "clinic_profile.json").read_text())
    profile["providers"][0]["npi"] = "1234567890"  # bad check digit
    profile["providers"][1]["tin"] = "98765432"
    with pytest.raises(ScenarioError) as e:
        gfe.ClinicProfile.from_dict(profile)
    assert {err.field for err in e.value.errors} == {"providers[0].npi", "providers[1].tin"}


def test_npi_check_digit():
    assert gfe.npi_is_valid("1234567893") and not gfe.npi_is_valid("1234567894")
    assert not gfe.npi_is_valid("123456789") and not gfe.npi_is_valid("12345678a3")


def test_icd10_cm_pattern():
    for ok in ("M54.12", "M50.120", "G89.4", "M5412"[:3], "S13.4XXA"):
        assert gfe.ICD10_CM.match(ok), ok
    for bad in ("54.12", "M5", "M54.", "M54.12345", "U07.1", "m54.12"):
        assert not gfe.ICD10_CM.match(bad), bad


def test_federal_holidays_with_observed_days():
    h = gfe.federal_holidays(2026)
    assert date(2026, 7, 3) in h  # July 4th is a Saturday
    assert date(2026, 11, 26) in h and date(2026, 1, 19) in h and date(2026, 5, 25) in h
    assert date(2027, 12, 24) in gfe.federal_holidays(2027)  # Christmas on a Saturday
    assert date(2021, 12, 31) in gfe.federal_holidays(2021)  # New Year's Day 2022 is a Saturday
    assert date(2020, 6, 19) not in gfe.federal_holidays(2020)  # Juneteenth from 2021


@pytest.mark.parametrize("scheduled, service, requested, latest, required", [
    # Ten or more business days ahead: 3 business days (Thanksgiving skipped).
    ("2026-11-23", "2026-12-10", None, "2026-11-27", True),
    # Three to nine business days ahead: 1 business day; scheduled on a Friday -> Monday.
    ("2026-11-20", "2026-11-30", None, "2026-11-23", True),
    # Exactly three business days ahead counts.
    ("2026-12-07", "2026-12-10", None, "2026-12-08", True),
    # Two business days ahead (weekend between): not required.
    ("2026-12-10", "2026-12-14", None, None, False),
    # Over a holiday: Dec 24 scheduled, service Dec 29 -> Dec 28, 29 only = 2 business days (Christmas).
    ("2026-12-24", "2026-12-29", None, None, False),
    # On request: 3 business days from the request, skipping the weekend and July 3rd observed.
    (None, None, "2026-07-01", "2026-07-07", True),
])
def test_deadline_rules(scheduled, service, requested, latest, required):
    d = lambda s: date.fromisoformat(s) if s else None  # noqa: E731
    due = gfe.deadline(d(scheduled), d(service), d(requested))
    assert due.required == required
    assert due.latest == d(latest)


def test_dispute_check_at_and_around_400_dollars(ref):
    checks = gfe.check_bill({"Doctor": 500.0, "Facility": 700.0, "Anesthesia": 300.0},
                            {"Doctor": 900.0, "Facility": 1099.99, "Anesthesia": 200.0}, date(2026, 12, 20), ref)
    by = {c.provider: c for c in checks}
    assert by["Doctor"].can_dispute and by["Doctor"].excess == 400  # exactly $400 is enough
    assert not by["Facility"].can_dispute and by["Facility"].excess == pytest.approx(399.99)
    assert not by["Anesthesia"].can_dispute
    assert by["Doctor"].dispute_by == date(2027, 4, 19)  # 120 calendar days after the bill
    with pytest.raises(KeyError):
        gfe.check_bill({"Doctor": 1}, {"Lab": 2}, date(2026, 1, 1), ref)


def test_gfe_cli_writes_a_pdf(tmp_path):
    out = tmp_path / "gfe.pdf"
    r = run_cli("gfe", "--input", str(EXAMPLES / "gfe_case.json"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert "deadline: 2026-11-27" in r.stdout


def test_gfe_cli_bad_case_names_the_field(tmp_path):
    bad = copy.deepcopy(CASE)
    bad["diagnosis_codes"] = ["XYZ"]
    bad["clinic_profile"] = str(EXAMPLES / "clinic_profile.json")
    path = tmp_path / "case.json"
    path.write_text(json.dumps(bad))
    r = run_cli("gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "diagnosis_codes[0]: 'XYZ' is not an ICD-10-CM code" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x.pdf").exists()
    path.write_text("{not json")
    r = run_cli("gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "--input: not valid JSON" in r.stderr


def test_deadline_and_bill_check_cli():
    r = run_cli("gfe-deadline", "--scheduled", "2026-11-23", "--service", "2026-12-10")
    assert r.returncode == 0 and r.stdout.startswith("2026-11-27")
    r = run_cli("check-bill", "--estimate", "500", "--billed", "900", "--bill-date", "2026-12-20")
    assert r.returncode == 0 and "you can start a dispute until April 19, 2027" in r.stdout
    r = run_cli("check-bill", "--estimate", "500", "--billed", "lots", "--bill-date", "2026-12-20")
    assert r.returncode == 2 and "--billed: 'lots' is not a number" in r.stderr


# -- reading case files and clinic profiles: every malformed document is one clear InputError -----
TODAY = date(2026, 11, 23)


def _problems(d: object, base_dir=EXAMPLES) -> dict[str, str]:
    with pytest.raises(InputError) as e:
        gfe.GfeCase.from_dict(d, base_dir, today=TODAY)
    return {err.field: err.message for err in e.value.errors}


def _with(**changes) -> dict:
    d = copy.deepcopy(CASE)
    d.update(changes)
    return d


def test_diagnosis_codes_with_or_without_the_dot_are_the_same_code():
    case = gfe.GfeCase.from_dict(_with(diagnosis_codes=["M5412", "m50.120", " G894 ", "S134XXA"]), EXAMPLES,
                                 today=TODAY)
    assert case.diagnosis_codes == ["M54.12", "M50.120", "G89.4", "S13.4XXA"]
    assert gfe.normalize_icd10("M54") == "M54" and gfe.normalize_icd10("M54.") is None
    assert gfe.normalize_icd10("U071") is None and gfe.normalize_icd10("M541234") == "M54.1234"
    assert gfe.normalize_icd10("M5412345") is None


@pytest.mark.parametrize("doc, field, hint", [
    ([CASE], "case", "expected an object, got a list"),
    ("case", "case", "expected an object, got a string"),
    (_with(patient="Jordan Example"), "patient", "expected an object, got a string"),
    (_with(patient={"name": ["Jordan"], "dob": "1968-04-12"}), "patient.name", "expected text, got a list"),
    (_with(patient={"name": "J", "dob": 19680412}), "patient.dob", "expected a date (YYYY-MM-DD), got a number"),
    (_with(service=["2026-12-10"]), "service", "expected an object, got a list"),
    (_with(diagnosis_codes="M54.12"), "diagnosis_codes", "expected a list, got a string"),
    (_with(diagnosis_codes=["M54.12", {"code": "M50.120"}]), "diagnosis_codes[1]", "expected text, got an object"),
    (_with(cash_prices=[250]), "cash_prices", "expected an object, got a list"),
    (_with(cash_prices={"professional": float("nan")}), "cash_prices.professional", "not allowed"),
    (_with(cash_prices={"professional": float("inf")}), "cash_prices.professional", "not allowed"),
    (_with(cash_prices={"facility": "-Infinity"}), "cash_prices.facility", "not allowed"),
    (_with(cash_prices={"facility": {"amount": 1}}), "cash_prices.facility", "expected a number, got an object"),
    (_with(cash_prices={"lab": 10}), "cash_prices.lab", "not a role"),
    (_with(scenario=["asc"]), "scenario", "expected an object, got a list"),
    (_with(scenario={"site": {"x": 1}}), "scenario.site", "expected text, got an object"),
    (_with(scenario={"deductible": float("inf")}), "scenario.deductible", "finite"),
    (_with(separately_scheduled="Follow-up"), "separately_scheduled", "expected a list, got a string"),
    (_with(clinic_profile=42), "clinic_profile", "got a number"),
    (_with(clinic_profile="/dev/zero"), "clinic_profile", "is not a regular file"),
    (_with(clinic_profile="."), "clinic_profile", "is a directory"),
    (_with(clinic_profile="gfe_case.json"), "clinic_profile.clinic", "is required: expected an object"),
])
def test_malformed_case_files_name_the_json_path(doc, field, hint):
    problems = _problems(doc)
    assert field in problems and hint in problems[field], problems


@pytest.mark.parametrize("changes, field, hint", [
    ({"service": {"date": "9999-12-31", "scheduled_on": "2026-11-23"}}, "service.date", "out of range"),
    ({"service": {"date": "0001-01-01"}}, "service.date", "out of range"),
    ({"service": {"date": "2026-12-10", "scheduled_on": "9999-12-31"}}, "service.scheduled_on", "out of range"),
    ({"issued_on": "9999-12-31"}, "issued_on", "out of range"),
    ({"patient": {"name": "J", "dob": "0001-01-01"}}, "patient.dob", "out of range"),
    ({"patient": {"name": "J", "dob": "2026-11-24"}}, "patient.dob", "out of range"),  # in the future
    ({"patient": {"name": "J", "dob": "2026-12-01"}, "service": {"date": "2026-12-10"}, "issued_on": None},
     "patient.dob", "out of range"),
    ({"patient": {"name": "J", "dob": "2026-11-20"}, "service": {"date": "2026-11-19"}, "issued_on": None},
     "patient.dob", "after the service date"),
    ({"service": {"date": "2026-12-10", "scheduled_on": "2026-12-11"}}, "service.scheduled_on",
     "after the service date"),
    ({"service": {"date": "2026-12-10", "scheduled_on": "2026-11-23"}, "issued_on": "2026-12-11"}, "issued_on",
     "after the service date"),
    ({"service": {}}, "service.date", "give the scheduled service date"),
])
def test_dates_are_in_a_sane_window_and_in_order(changes, field, hint):
    problems = _problems(_with(**changes))
    assert field in problems and hint in problems[field], problems


def test_a_case_at_the_edges_of_the_date_window_is_read():
    case = gfe.GfeCase.from_dict(_with(patient={"name": "J", "dob": "1900-01-01"},
                                       service={"date": "2029-11-23", "scheduled_on": "2026-11-23"}),
                                 EXAMPLES, today=TODAY)
    assert case.service_date == date(2029, 11, 23) and case.patient_dob == date(1900, 1, 1)


def test_deep_binary_and_device_case_files_are_refused_by_the_cli(tmp_path, capsys):
    path = tmp_path / "case.json"
    for content, hint in [(b"[" * 100_000, "--input: the JSON is nested 100000 levels deep"),
                          (b"\x00\x01PK\x03\x04", "--input: the file is not text"),
                          (json.dumps([CASE]).encode(), "case: expected an object, got a list")]:
        path.write_bytes(content)
        assert cli.main(["gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf")]) == 2
        assert hint in capsys.readouterr().err
    for where, hint in [("/dev/zero", "--input: is not a regular file"), (str(tmp_path), "--input: is a directory")]:
        assert cli.main(["gfe", "--input", where, "-o", str(tmp_path / "x.pdf")]) == 2
        assert hint in capsys.readouterr().err
    path.write_text(json.dumps(_with(clinic_profile="/dev/zero")))
    assert cli.main(["gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "clinic_profile: is not a regular file (a device, pipe or socket): /dev/zero" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_case_file_in_latin1_with_an_accented_name_is_read(tmp_path, capsys):
    path = tmp_path / "case.json"
    d = _with(patient={"name": "José Núñez", "dob": "1968-04-12"}, clinic_profile=str(EXAMPLES / "clinic_profile.json"))
    path.write_bytes(json.dumps(d, ensure_ascii=False).encode("latin-1"))
    assert cli.main(["gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf")]) == 0, capsys.readouterr().err
    assert "José Núñez" in " ".join(p.extract_text() for p in PdfReader(tmp_path / "x.pdf").pages)


@pytest.mark.parametrize("change, field, hint", [
    (lambda p: [p], "clinic_profile", "expected an object, got a list"),
    (lambda p: {**p, "providers": {"professional": p["providers"][0]}}, "providers", "expected a list, got an object"),
    (lambda p: {**p, "providers": ["Dr. Example"]}, "providers[0]", "expected an object, got a string"),
    (lambda p: {**p, "clinic": "Example Clinic"}, "clinic", "expected an object, got a string"),
    (lambda p: {**p, "defaults": ["35203"]}, "defaults", "expected an object, got a list"),
    (lambda p: {**p, "defaults": {"zip": {"code": "35203"}}}, "defaults.zip", "expected text, got an object"),
    (lambda p: {**p, "providers": [{**p["providers"][0], "npi": ["1234567893"]}]}, "providers[0].npi",
     "expected text, got a list"),
    (lambda p: {**p, "providers": [p["providers"][0], p["providers"][0]]}, "providers[1].role", "one provider per"),
    (lambda p: {**p, "providers": [{**p["providers"][0], "role": "surgeon"}]}, "providers[0].role", "not allowed"),
    (lambda p: {**p, "providers": p["providers"][1:]}, "providers", "'professional' (the physician) is required"),
])
def test_malformed_clinic_profiles_name_the_json_path(change, field, hint):
    profile = json.loads((EXAMPLES / "clinic_profile.json").read_text())
    with pytest.raises(InputError) as e:
        gfe.ClinicProfile.from_dict(change(profile))
    problems = {err.field: err.message for err in e.value.errors}
    assert field in problems and hint in problems[field], problems
    # inside a case the same problem is named from the case's top level
    case_problems = _problems(_with(clinic_profile=change(profile)))
    assert ("clinic_profile" if field == "clinic_profile" else f"clinic_profile.{field}") in case_problems


def test_clinic_profile_load_refuses_devices_directories_and_missing_files(tmp_path):
    for path, hint in [("/dev/zero", "is not a regular file"), (tmp_path, "is a directory"),
                       (tmp_path / "none.json", "file not found")]:
        with pytest.raises(InputError) as e:
            gfe.ClinicProfile.load(path)
        assert [err.field for err in e.value.errors] == ["clinic_profile"] and hint in str(e.value)
    big = tmp_path / "big.json"
    big.write_text(" " * (2 * 1024 * 1024) + "{}")
    with pytest.raises(InputError, match="larger than 1 MB"):
        gfe.ClinicProfile.load(big)


def test_cli_dates_are_checked_in_the_window(capsys):
    assert cli.main(["gfe-deadline", "--scheduled", "2026-11-23", "--service", "9999-12-31"]) == 2
    assert "--service: 9999-12-31 is out of range: from 1900-01-01" in capsys.readouterr().err
    assert cli.main(["check-bill", "--estimate", "1", "--billed", "2", "--bill-date", "0001-01-01"]) == 2
    assert "--bill-date: 0001-01-01 is out of range" in capsys.readouterr().err
