"""Every PDF (the Good Faith Estimate, the patient summary, the front desk's copy) and the summary CSV.

The PDFs' text is read back with pypdf: each required element must be there, names as written.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from estimator import cli, gfe
from estimator.common import clock
from estimator.common.errors import InputError
from estimator.documents import Document, needs_fallback
from estimator.documents.gfe_pdf import gfe_pdf
from estimator.documents.plain_sources import plain_sources
from estimator.documents.summary import (
    RecordHeader,
    comparable_sites,
    site_saving,
    summary_csv,
    summary_pdf,
)
from estimator.frontdesk import desk
from estimator.frontdesk.clinic_prices import PriceList
from estimator.inputs import readers as rd
from estimator.quote import quote
from estimator.records.quote_record import QuoteRecord
from estimator.records.storage import QuoteLog
from estimator.scenario import Scenario

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
CASE = json.loads((EXAMPLES / "gfe_case.json").read_text())
PROFILE = json.loads((EXAMPLES / "clinic_profile.json").read_text())
NAMES = ["Łukasz Żółkiewski-Nguyễn", "山田太郎", "김민준", "José Núñez"]
JARGON = ("GPCI", "APC", "RVU", "reference/", ".csv", "CY20", "conversion factor", "locality")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def case_dict(**changes) -> dict:
    d = copy.deepcopy(CASE)
    d.update(changes)
    return d


def issue(d: dict, prices: PriceList | None = None) -> tuple[gfe.GfeCase, str, list[gfe.GfeLine]]:
    case = gfe.GfeCase.from_dict(d, EXAMPLES)
    q, lines = gfe.build(case, prices=prices)
    return case, text_of(gfe_pdf(case, q, lines)), lines


# -- the Good Faith Estimate: disclaimers, names, own prices ---------------------------------------
def test_the_gfe_has_every_disclaimer_45_cfr_149_610_lists():
    _, text, _ = issue(case_dict())
    required = {
        "only an estimate": "only an estimate",
        "may be billed more": "you may be billed more than the amounts shown",
        "not a contract": "is not a contract",
        "no obligation": "does not require you to get the items or services",
        "separately scheduled, not included": "must be scheduled or requested separately; they are not included",
        "dispute right and threshold": "billed $400 or more above the expected charges",
        "dispute window": "within 120 calendar days of the date on the bill",
        "quality not affected": "Starting a dispute will not change or lessen the quality of the health care",
        "where to learn": "www.cms.gov/nosurprises",
        "keep a copy": "Keep a copy of this Good Faith Estimate",
        "separately scheduled list": "Follow-up visit about two weeks after the injection",
        "how to get an estimate for them": "To get a Good Faith Estimate for them, ask Example Spine & Pain Clinic",
    }
    missing = {k: v for k, v in required.items() if v not in text}
    assert not missing, missing


@pytest.mark.parametrize("name", NAMES)
def test_the_gfe_prints_the_patients_name_as_written(name):
    _, text, _ = issue(case_dict(patient={"name": name, "dob": "1968-04-12", "reference": "MRN-1"}))
    assert f"Patient name: {name}" in text and "Reference: MRN-1" in text


def test_only_documents_that_need_the_cjk_font_embed_it():
    assert needs_fallback("山田太郎") and needs_fallback("김민준")
    assert not needs_fallback("Łukasz Żółkiewski-Nguyễn José Núñez")
    latin = issue(case_dict())[0]
    q, lines = gfe.build(latin)
    small = gfe_pdf(latin, q, lines)
    cjk = gfe.GfeCase.from_dict(case_dict(patient={"name": "山田太郎", "dob": "1968-04-12"}), EXAMPLES)
    big = gfe_pdf(cjk, *gfe.build(cjk))
    assert b"DroidSansFallback" not in small and b"DroidSansFallback" in big
    assert len(big) < 200_000  # subset: only the glyphs used are embedded


def test_each_line_is_the_providers_own_price_from_the_case():
    _, _, lines = issue(case_dict(cash_prices={"professional": 310.0, "facility": 640.5}))
    by_role = {r: round(sum(li.amount for li in lines if li.role == r), 2) for r in ("professional", "facility")}
    assert by_role == {"professional": 310.0, "facility": 640.5}


@settings(max_examples=25, deadline=None)
@given(prof=st.decimals(0, 5000, places=2), fac=st.decimals(0, 20000, places=2),
       anes=st.decimals(0, 3000, places=2))
def test_the_estimate_total_is_the_sum_of_the_providers_own_prices(prof, fac, anes):
    prices = {"professional": float(prof), "facility": float(fac), "anesthesia": float(anes)}
    case = gfe.GfeCase.from_dict(case_dict(scenario={"site": "hopd", "sedation": "anesthesia"}, cash_prices=prices),
                                 EXAMPLES)
    q, lines = gfe.build(case)
    for role, amount in prices.items():
        assert sum(li.amount for li in lines if li.role == role) == pytest.approx(amount, abs=0.005)
    assert q.patient_pays["typical"] == pytest.approx(sum(prices.values()), abs=0.01)


def test_the_case_price_wins_over_the_profile_and_the_price_list():
    profile = copy.deepcopy(PROFILE)
    profile["providers"][0]["cash_price"] = 275
    profile["providers"][1]["cash_price"] = 500
    prices = PriceList.from_csv("payer,coverage,site,code,component,amount\ncash,self_pay,*,*,professional,999\n"
                                "cash,self_pay,*,*,facility,999\n")
    _, _, lines = issue(case_dict(clinic_profile=profile, cash_prices={"professional": 260}), prices)
    assert sum(li.amount for li in lines if li.role == "professional") == pytest.approx(260)
    assert sum(li.amount for li in lines if li.role == "facility") == pytest.approx(500)  # the profile's


def test_a_named_hospitals_published_cash_price_is_the_facilitys_own():
    from estimator.reference import hospitals

    table = hospitals.hospital_prices()
    row = table[(table["code"] == "62321") & table["cash_price"].notna()].iloc[0]
    d = case_dict(scenario={"site": "hopd", "hospital": row["ccn"]}, cash_prices={"professional": 250})
    _, text, lines = issue(d)
    assert sum(li.amount for li in lines if li.role == "facility") == pytest.approx(float(row["cash_price"]), abs=0.01)


def test_a_provider_without_a_price_is_refused_naming_it():
    with pytest.raises(InputError) as e:
        issue(case_dict(scenario={"site": "asc", "sedation": "anesthesia"}, cash_prices={"professional": 250}))
    errors = {err.field: err.message for err in e.value.errors}
    assert set(errors) == {"clinic_profile.providers[1].cash_price", "clinic_profile.providers[2].cash_price"}
    assert "Example Surgery Center has no price of its own" in errors["clinic_profile.providers[1].cash_price"]
    assert "Example Anesthesia Group has no price of its own" in errors["clinic_profile.providers[2].cash_price"]


def test_the_cli_refuses_a_gfe_without_each_providers_price(tmp_path, capsys):
    d = case_dict(cash_prices={"professional": 250}, clinic_profile=str(EXAMPLES / "clinic_profile.json"))
    path = tmp_path / "case.json"
    path.write_text(json.dumps(d))
    assert cli.main(["gfe", "--input", str(path), "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: clinic_profile.providers[1].cash_price: the facility "
                                               "Example Surgery Center has no price of its own; give")
    assert not (tmp_path / "x.pdf").exists()


def test_the_readme_example_issues(tmp_path, capsys):
    assert cli.main(["gfe", "--input", str(EXAMPLES / "gfe_case.json"), "-o", str(tmp_path / "g.pdf")]) == 0
    assert "total expected charges $800.00" in capsys.readouterr().out


# -- dates, codes, separately scheduled --------------------------------------------------------
def test_check_date_order_names_the_date_out_of_order():
    p = rd.Problems()
    rd.check_date_order(p, [("dob", "date of birth", date(1980, 1, 1)), ("scheduled", "scheduling date",
                                                                          date(2026, 12, 11)),
                            ("service", "service date", date(2026, 12, 10))])
    assert [(e.field, e.message) for e in p.errors] == [("scheduled", "2026-12-11 is after the service date "
                                                                      "(2026-12-10)")]
    p = rd.Problems()
    rd.check_date_order(p, [("a", "a", None), ("b", "b", date(2026, 1, 1)), ("c", "c", None)])
    assert not p.errors


@pytest.mark.parametrize("form, field, hint", [
    ({"service_date": "2026-12-10", "scheduled_on": ""}, "scheduled_on", "is required with a service date"),
    ({"service_date": "", "scheduled_on": "2026-11-23"}, "service_date", "is required with a scheduling date"),
    ({"service_date": "2026-11-20", "scheduled_on": "2026-11-23"}, "scheduled_on", "after the service date"),
])
def test_the_desk_case_checks_dates_before_anything_is_saved(form, field, hint):
    sc = Scenario(zip="35203", site="asc", coverage="self_pay")
    with pytest.raises(InputError) as e:
        desk.gfe_case(sc, desk.Patient("A", date(1980, 1, 1)), diagnosis_codes="M54.12",
                      clinic_profile=EXAMPLES / "clinic_profile.json", today=date(2026, 11, 23), **form)
    assert [(err.field, hint in err.message) for err in e.value.errors] == [(field, True)]


def test_a_birth_date_after_the_scheduling_date_is_named():
    sc = Scenario(zip="35203", site="asc", coverage="self_pay")
    with pytest.raises(InputError) as e:
        desk.gfe_case(sc, desk.Patient("A", date(2026, 11, 24)), service_date="2026-12-10",
                      scheduled_on="2026-11-23", clinic_profile=EXAMPLES / "clinic_profile.json")
    assert [err.field for err in e.value.errors] == ["patient_dob"]


def test_desk_issue_with_codes_without_the_dot_and_separately_scheduled_services():
    sc = Scenario(zip="35203", site="asc", coverage="self_pay")
    d = desk.gfe_case(sc, desk.Patient("山田太郎", date(1980, 1, 1), "MRN-9"), service_date="2026-12-10",
                      scheduled_on="2026-11-23", diagnosis_codes="M5412, m50120",
                      clinic_profile=EXAMPLES / "clinic_profile.json", today=date(2026, 11, 23),
                      separately_scheduled="Physical therapy evaluation\n\nFollow-up visit",
                      cash_prices={"professional": 250.0, "facility": 550.0, "anesthesia": None})
    assert d["separately_scheduled"] == ["Physical therapy evaluation", "Follow-up visit"]
    assert d["cash_prices"] == {"professional": 250.0, "facility": 550.0}
    text = text_of(base64_pdf(desk.gfe_outputs(d)))
    assert "Diagnosis codes (ICD-10-CM): M54.12, M50.120" in text and "Patient name: 山田太郎" in text
    assert "Physical therapy evaluation" in text and "Follow-up visit" in text


def base64_pdf(outputs: dict) -> bytes:
    import base64

    return base64.b64decode(outputs["gfe"]["pdf_base64"])


def test_the_desk_asks_only_for_the_prices_it_lacks():
    sc = Scenario(zip="35203", site="asc", coverage="self_pay", sedation="anesthesia")
    q = quote(sc).to_dict()
    needed = desk.gfe_prices_needed(sc, q, None, EXAMPLES / "clinic_profile.json")
    assert [(n.role, n.label) for n in needed] == [
        ("professional", "Physician: Dr. Example Physician, MD"), ("facility", "Facility: Example Surgery Center"),
        ("anesthesia", "Anesthesia provider: Example Anesthesia Group")]
    prices = PriceList.from_csv("payer,coverage,site,code,component,amount\ncash,self_pay,*,*,professional,250\n")
    assert [n.role for n in desk.gfe_prices_needed(sc, q, prices, EXAMPLES / "clinic_profile.json")] == [
        "facility", "anesthesia"]


def test_the_same_request_has_the_same_key_and_another_does_not():
    sc = Scenario(zip="35203", site="asc", coverage="self_pay")
    patient = desk.Patient("A", date(1980, 1, 1))
    d = desk.gfe_case(sc, patient, service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M54.12",
                      clinic_profile="p.json", today=date(2026, 11, 23))
    inputs = desk.record_inputs(sc)
    key = desk.gfe_request_key(inputs, d, "JD", patient)
    assert key == desk.gfe_request_key(inputs, copy.deepcopy(d), "JD", patient)
    assert key != desk.gfe_request_key(inputs, d | {"diagnosis_codes": ["M54.13"]}, "JD", patient)
    assert key != desk.gfe_request_key(inputs, d, "KL", patient)


def test_a_stored_gfe_without_a_scheduling_date_gives_a_deadline_that_says_so():
    due = desk.gfe_deadline({"gfe": {"case": {"service": {"date": "2026-12-10", "scheduled_on": ""}}}})
    assert due.latest is None and "scheduling date was not recorded" in due.rule


# -- the patient summary and the desk's copy ---------------------------------------------------
def test_the_site_saving_sentence():
    assert site_saving("hopd", {"hopd": 900, "asc": 400, "office": 150}) == (
        "Site of care: a doctor's office or clinic would likely cost you about $750 less than a hospital outpatient "
        "department, the site in this estimate.")
    cheapest = site_saving("office", {"hopd": 900, "asc": 400, "office": 150})
    assert "is the lowest-cost site for you" in cheapest and "$750 more" in cheapest
    tied = site_saving("asc", {"hopd": 900, "asc": 150, "office": 150.4})
    assert "one of the lowest-cost sites" in tied and "the lowest-cost site for you" not in tied


@given(amount=st.floats(0, 5000), jitter=st.lists(st.floats(0, 0.99), min_size=3, max_size=3),
       chosen=st.sampled_from(["hopd", "asc", "office"]))
def test_when_every_site_costs_the_same_none_is_called_the_lowest_cost(amount, jitter, chosen):
    sites = {s: amount + j for s, j in zip(("hopd", "asc", "office"), jitter)}
    sentence = site_saving(chosen, sites)
    assert "lowest-cost" not in sentence and "about the same" in sentence


def test_medicaid_summary_says_every_site_costs_the_same():
    q = quote(Scenario(zip="35203", site="asc", coverage="medicaid")).to_dict()
    text = text_of(summary_pdf(q))
    assert "every site would likely cost you about the same ($0)" in text and "lowest-cost site" not in text


def test_self_pay_summary_has_the_site_saving_the_gfe_right_and_plain_sources():
    q = quote(Scenario(zip="35203", site="hopd", coverage="self_pay")).to_dict()
    sites = comparable_sites(q)
    assert sites is not None and sites["hopd"] == pytest.approx(q["patient_pays"]["typical"], abs=0.01)
    text = text_of(summary_pdf(q))
    assert site_saving("hopd", sites) in text
    assert "You have the right to a Good Faith Estimate" in text
    assert "$400 or more above" in text and "within 120 days of the date on the bill" in text
    assert "Medicare Physician Fee Schedule 2026" in text
    assert "hospitals' published prices (files dated 2025-2026)" in text
    assert not [j for j in JARGON if j in text]


@pytest.mark.parametrize("sc", [
    Scenario(zip="35203", site="asc", coverage="commercial", sedation="anesthesia", deductible_remaining=300),
    Scenario(zip="94103", site="hopd", coverage="medicare", medigap="n"),
    Scenario(zip="10001", site="office", coverage="medicare_advantage", network="out"),
])
def test_the_patient_summary_has_no_jargon_and_no_file_paths(sc):
    q = quote(sc).to_dict()
    text = text_of(summary_pdf(q))
    assert not [j for j in JARGON if j in text], text
    assert "Good Faith Estimate" not in text  # only for self-pay
    assert all("/" not in s for s in plain_sources(q["sources"]))


def test_a_clinic_priced_quote_is_not_compared_across_sites():
    from estimator.frontdesk.clinic_prices import quote_with_prices

    prices = PriceList.from_csv("payer,coverage,site,code,component,amount\ncash,self_pay,*,*,professional,250\n")
    q = quote_with_prices(Scenario(zip="35203", site="asc", coverage="self_pay"), prices).to_dict()
    assert comparable_sites(q) is None
    assert "Site of care:" not in text_of(summary_pdf(q))


def test_the_summary_csv_records_every_input_used_and_the_results():
    sc = Scenario(zip="35203", site="asc", coverage="commercial", deductible_remaining=200, copay=25)
    q = quote(sc)
    rows = {r["item"]: r for r in csv.DictReader(io.StringIO(summary_csv(q)))}
    for name, value in (("zip", "35203"), ("site", "asc"), ("coverage", "commercial"), ("network", "in"),
                        ("deductible_remaining", "200"), ("copay", "25"), ("sedation", "local")):
        assert rows[f"input {name}"]["value"].removesuffix(".0") == value, name
    assert "input medigap" not in rows  # does not apply to an employer plan
    assert rows["used locality"]["value"].startswith(q.place.locality.key)
    assert float(rows["you pay"]["typical"]) == q.patient_pays["typical"]
    assert rows["data version"]["value"] == q.data_version
    assert any(r["item"] == "source" and r["value"] == "Medicare Physician Fee Schedule 2026"
               for r in csv.DictReader(io.StringIO(summary_csv(q))))


@pytest.mark.parametrize("name", NAMES)
def test_the_desk_copy_names_the_patient_the_record_and_who_saved_it(tmp_path, name, monkeypatch):
    monkeypatch.setenv("ESTIMATOR_TIMEZONE", "America/Chicago")
    log = QuoteLog(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    q = quote(Scenario(zip="35203", site="asc", coverage="self_pay"))
    saved = desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "Dana Front",
                            desk.Patient(name, date(1970, 5, 4), "MRN-000777"))
    rec = log.get(saved.id)
    text = text_of(QuoteRecord(rec).summary_pdf())
    local = clock.local(rec.created_at)
    for part in (f"Patient: {name}", "Date of birth: 05/04/1970", "Reference: MRN-000777", f"Quote ID: {rec.id}",
                 f"Saved by Dana Front on {local:%B %-d, %Y at %-I:%M %p} {local.tzname()}",
                 f"Data version {q.data_version}"):
        assert part in text, part


def test_local_time_uses_the_clinic_zone(monkeypatch):
    moment = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
    assert clock.local(moment, clock.zone("America/Chicago")).strftime("%H:%M %Z") == "13:30 CDT"
    assert clock.local(moment.replace(tzinfo=None), clock.zone("America/New_York")).strftime("%H:%M") == "14:30"
    assert clock.local(moment, clock.zone("Not/AZone")).utcoffset() is not None  # the server's zone
    monkeypatch.setenv(clock.TIMEZONE_ENV, "Asia/Tokyo")
    assert clock.shown(moment) == "2026-07-02 03:30 JST"
    assert clock.shown(moment, clock.zone("America/Chicago")) == "2026-07-01 13:30 CDT"  # a given zone first


def test_the_desk_copy_header_from_a_record_header():
    q = quote(Scenario(zip="35203", site="asc", coverage="commercial")).to_dict()
    header = RecordHeader("Q-ABC123", "JD", datetime(2026, 11, 23, 15, 0, tzinfo=UTC), None, None, None, 2, "Q-OLD1")
    text = text_of(summary_pdf(q, record=header))
    assert "Patient: (not given)" in text and "Quote ID: Q-ABC123 (version 2, replaces Q-OLD1)" in text


def test_the_summary_prints_a_planned_series_of_injections():
    from estimator.common.money import usd
    from estimator.planning.series import plan_series

    sc = Scenario(zip="35203", site="asc", deductible=1500, coinsurance=20)
    plan = plan_series(sc, 3, 4)
    pdf = summary_pdf(quote(sc).to_dict(), series=plan.to_dict())
    text = text_of(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    for inj in plan.injections:
        assert usd(inj.patient_pays["typical"], True) in text
    assert usd(plan.total_patient_pays["typical"], True) in text
    assert "Injection" not in text_of(summary_pdf(quote(sc).to_dict()))  # no series asked for, none printed


def _text_blocks(pdf: bytes) -> list[str]:
    """The page's text objects (BT ... ET) as the content stream writes them."""
    reader = PdfReader(io.BytesIO(pdf))
    stream = reader.pages[0].get_contents().get_data().decode("latin-1")
    return re.findall(r"BT .*? ET", stream, flags=re.S)


@pytest.mark.parametrize("name", ["山田太郎", "김민준"])
def test_bold_cjk_text_prints_bold(name):
    """The CJK font has one weight: bold CJK text is filled and stroked (render mode 2), regular CJK text
    and bold Latin text are not."""
    d = Document("t")
    d.heading(f"{name} Total")
    d.para(f"{name} regular")
    d.para("Bold Latin", style="B")
    blocks = [b for b in _text_blocks(d.bytes()) if "Tj" in b]
    assert len(blocks) == 3
    assert "2 Tr" in blocks[0] and "2 Tr" not in blocks[1] and "2 Tr" not in blocks[2]
    # Only the CJK run is stroked: the Latin word after it, already in the bold font, is filled alone.
    cjk, latin = blocks[0].split("2 Tr", 1)[1].split("0 Tr", 1)
    assert "Tj" in cjk and "Tj" in latin and "Tr" not in latin
