"""AppTest for the front-desk pages: quote, save, GFE, the log, corrections, sign-in."""

from __future__ import annotations

import base64
import io
import json

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard.access import PASSCODE_FAILURES, FailureThrottle
from dashboard.safe_text import shown
from estimator.frontdesk import desk
from estimator.quote import quote
from estimator.records.quote_record import QuoteRecord
from estimator.records.storage import QuoteLog
from estimator.scenario import Scenario

from .conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def no_earlier_failed_sign_ins():
    PASSCODE_FAILURES.reset()
    yield
    PASSCODE_FAILURES.reset()


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "quotes.sqlite3"
    monkeypatch.setenv("ESTIMATOR_DB_PATH", str(path))
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")  # a single-user install; sign-in is tested below
    return path


def open_page(page: str, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fill(at: AppTest, **values) -> None:
    for k, v in values.items():
        if k in ("site", "sedation", "coverage", "network", "payer", "medigap", "medicare_provider"):
            at.selectbox(key=f"fdw_{k}").set_value(v)
        elif k == "separately_scheduled":
            at.text_area(key=f"fdw_{k}").input(v)
        else:
            at.text_input(key=f"fdw_{k}").input(v)
    next(b for b in at.button if b.label == "Quote").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label.startswith(label)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_quote_save_and_find_it_in_the_log(db):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    fill(at, zip="35203", site="hopd", deductible_remaining="300", coinsurance="20", patient_name="Ana Ruiz",
         patient_dob="1971-02-03")
    q = quote(Scenario(zip="35203", site="hopd", deductible_remaining=300, coinsurance=20))
    assert at.metric[0].value == f"${q.patient_pays['typical']:,.2f}"
    click(at, "Save quote")
    saved_id = at.success[0].value.split("**")[1]
    rec = QuoteLog(f"sqlite:///{db}").get(saved_id)
    assert rec.created_by == "JD" and rec.patient_name == "Ana Ruiz" and rec.outputs["patient_pays"] == q.patient_pays

    log = open_page("app_pages/quote_log.py")
    log.text_input(key="log_query").input("ruiz")
    log.run()
    assert list(log.dataframe[0].value["Quote ID"]) == [saved_id]
    assert any(rec.data_version in m.value for m in log.markdown)


def test_medicare_quote_uses_the_medigap_plan_and_the_doctors_medicare_status(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="35203", site="office", coverage="medicare", deductible_remaining="0", medigap="none",
         medicare_provider="nonpar_unassigned", coinsurance="35")  # a commercial-only field is set aside
    q = quote(Scenario(zip="35203", site="office", coverage="medicare", deductible_remaining=0,
                       medicare_provider="nonpar_unassigned"))
    assert q.breakdown["balance"]["typical"] > 0
    assert at.metric[0].value == f"${q.patient_pays['typical']:,.2f}"
    fill(at, medigap="g")
    assert at.metric[0].value == "$0.00"  # Plan G pays the coinsurance and the excess charge


def test_defaults_are_remembered_for_the_session(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="60612", site="office", sedation="moderate")
    at.switch_page("app_pages/quote_log.py")
    at.run()
    at.switch_page("app_pages/front_desk.py")
    at.run()
    assert at.text_input(key="fdw_zip").value == "60612"
    assert at.selectbox(key="fdw_site").value == "office" and at.selectbox(key="fdw_sedation").value == "moderate"


def test_the_form_starts_from_the_clinic_profile_defaults(db, tmp_path, monkeypatch):
    profile = json.loads((ROOT / "examples" / "clinic_profile.json").read_text())
    profile["defaults"] = {"zip": "60612", "site": "office", "sedation": "general"}  # the last is not an option
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(profile))
    monkeypatch.setenv("ESTIMATOR_CLINIC_PROFILE", str(path))
    at = open_page("app_pages/front_desk.py")
    assert at.text_input(key="fdw_zip").value == "60612"
    assert at.selectbox(key="fdw_site").value == "office"
    assert at.selectbox(key="fdw_sedation").value == "local"


def test_bad_input_is_named_and_nothing_is_lost(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="00000", coinsurance="150", patient_dob="12/31/99")
    text = " ".join(shown(e.value) for e in at.error)
    assert "ZIP code: 00000 is not a US ZIP code" in text and "Coinsurance: '150'" in text
    assert "Date of birth: '12/31/99' is not a date" in text
    assert at.text_input(key="fdw_coinsurance").value == "150" and at.text_input(key="fdw_zip").value == "00000"
    assert not at.metric


def test_issue_a_good_faith_estimate_and_reprint_it_exactly(db):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Lee Park", patient_dob="1980-01-01",
         service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M54.12, M50.120")
    give_cash_prices(at)
    click(at, "Save and issue Good Faith Estimate")
    saved_id = at.success[0].value.split("**")[1]
    assert any("Due by Friday, November 27, 2026" in c.value for c in at.caption)
    rec = QuoteLog(f"sqlite:///{db}").get(saved_id)
    assert rec.kind == "gfe" and base64.b64decode(rec.outputs["gfe"]["pdf_base64"]).startswith(b"%PDF-")

    log = open_page("app_pages/quote_log.py")
    log.text_input(key="log_query").input(saved_id)
    log.run()
    labels = [b.label for b in log.get("download_button")]
    assert "Reprint the Good Faith Estimate" in labels and "Reprint the patient summary" in labels


def give_cash_prices(at: AppTest, **amounts: float) -> None:
    """Type each provider's own cash price into the boxes the desk shows for them."""
    for role, amount in ({"professional": 250.0, "facility": 550.0} | amounts).items():
        at.number_input(key=f"fd_cash_{role}").set_value(amount)
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def signed_in_desk() -> AppTest:
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    return at


def test_gfe_asks_for_each_providers_own_price_before_issuing(db):
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Lee Park", patient_dob="1980-01-01",
         service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M54.12")
    labels = [n.label for n in at.number_input]
    assert "Physician: Dr. Example Physician, MD: cash price ($)" in labels
    assert "Facility: Example Surgery Center: cash price ($)" in labels
    click(at, "Save and issue Good Faith Estimate")
    text = " ".join(shown(e.value) for e in at.error)
    assert "Example Surgery Center has no price of its own" in text and "providers[1].cash_price" in text
    assert QuoteLog(f"sqlite:///{db}").count() == 0
    give_cash_prices(at, facility=612.5)
    click(at, "Save and issue Good Faith Estimate")
    rec = QuoteLog(f"sqlite:///{db}").get(at.success[0].value.split("**")[1])
    assert {li["role"]: li["amount"] for li in rec.outputs["gfe"]["lines"] if li["role"] == "facility"} == {
        "facility": 612.5}
    assert rec.outputs["total_allowed"]["typical"] == pytest.approx(250 + 612.5)


def test_gfe_without_a_scheduling_date_is_refused_once_and_saves_nothing(db):
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Lee Park", patient_dob="1980-01-01",
         service_date="2026-12-10", diagnosis_codes="M54.12")
    give_cash_prices(at)
    for _ in range(3):  # each retry: the same one message, nothing saved, no crash on the reruns between
        click(at, "Save and issue Good Faith Estimate")
        errors = [shown(e.value) for e in at.error]
        assert len(errors) == 1 and "Scheduled on: is required with a service date" in errors[0], errors
        at.run()
        assert not at.exception and not at.success
    assert QuoteLog(f"sqlite:///{db}").count() == 0


def test_pressing_save_and_issue_again_saves_no_second_record(db):
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Lee Park", patient_dob="1980-01-01",
         service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M5412")
    give_cash_prices(at)
    click(at, "Save and issue Good Faith Estimate")
    first = at.success[0].value.split("**")[1]
    click(at, "Save and issue Good Faith Estimate")
    assert any(first in i.value and "nothing new was saved" in i.value for i in at.info)
    assert at.success[0].value.split("**")[1] == first
    assert QuoteLog(f"sqlite:///{db}").count() == 1


@pytest.mark.parametrize("codes", ["M5412, M50120", "M54.12, M50.120"])
def test_the_desk_takes_diagnosis_codes_with_or_without_the_dot(db, codes):
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Lee Park", patient_dob="1980-01-01",
         service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes=codes)
    give_cash_prices(at)
    click(at, "Save and issue Good Faith Estimate")
    assert not at.error
    rec = QuoteLog(f"sqlite:///{db}").get(at.success[0].value.split("**")[1])
    assert "Diagnosis codes (ICD-10-CM): M54.12, M50.120" in pdf_text(QuoteRecord(rec).gfe_pdf())


@pytest.mark.parametrize("name", ["Łukasz Żółkiewski-Nguyễn", "山田太郎"])
def test_a_gfe_and_its_reprint_print_the_name_as_written(db, name):
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name=name, patient_dob="1980-01-01",
         patient_ref="MRN-7", service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M54.12",
         separately_scheduled="Physical therapy evaluation")
    give_cash_prices(at)
    click(at, "Save and issue Good Faith Estimate")
    rec = QuoteLog(f"sqlite:///{db}").get(at.success[0].value.split("**")[1])
    record = QuoteRecord(rec)
    gfe_text = pdf_text(record.gfe_pdf())
    assert f"Patient name: {name}" in gfe_text and "Physical therapy evaluation" in gfe_text
    summary = pdf_text(record.summary_pdf())
    assert name in summary and "MRN-7" in summary and rec.id in summary


def test_gfe_needs_its_details(db):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    fill(at, zip="35203", coverage="self_pay", patient_name="Lee Park", patient_dob="1980-01-01",
         diagnosis_codes="not-a-code")
    click(at, "Save and issue Good Faith Estimate")
    text = " ".join(shown(e.value) for e in at.error)
    assert "Diagnosis codes (1): 'not-a-code' is not an ICD-10-CM code" in text  # named by its box on the form
    assert QuoteLog(f"sqlite:///{db}").count() == 0


def test_correcting_a_quote_saves_a_new_version(db):
    store = QuoteLog(f"sqlite:///{db}")
    q = quote(Scenario(zip="35203", site="asc", deductible_remaining=100))
    first = store.save(q.scenario.to_dict(), q.to_dict(), "JD", patient_name="Kim Li")
    log = open_page("app_pages/quote_log.py")
    log.text_input(key="w_staff_name").input("JD")
    log.run()
    click(log, "Correct this quote")  # hands over ?correct=ID; the front desk loads the record itself
    assert any(t.value == "Front desk" for t in log.title)
    assert "correct" not in log.query_params  # read once, then cleared
    assert any(f"Correcting quote **{first.id}**" in i.value for i in log.info)
    assert log.text_input(key="fdw_deductible_remaining").value == "100"
    assert log.text_input(key="fdw_patient_name").value == "Kim Li"
    log.switch_page("app_pages/front_desk.py")  # AppTest's own page stays the log until told
    log.run()
    fill(log, deductible_remaining="900")
    click(log, "Save quote")
    history = store.history(first.id)
    assert [h.version for h in history] == [1, 2] and history[1].replaces_id == first.id
    assert history[1].inputs["deductible_remaining"] == 900
    assert store.get(first.id).inputs["deductible_remaining"] == 100


def sign_in(at: AppTest, passcode: str) -> None:
    at.text_input[1].input(passcode)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()


def test_passcode_sign_in_guards_the_front_desk(db):
    at = open_page("app_pages/front_desk.py", secrets={"staff_passcode": "open sesame"})
    assert not at.get("form") or not any(b.label == "Quote" for b in at.button)
    at.text_input[0].input("JD")
    sign_in(at, "wrong")
    assert any("Sign-in failed" in e.value for e in at.error)
    sign_in(at, "open sesame")
    assert any(b.label == "Quote" for b in at.button)
    assert at.session_state["staff_name"] == "JD"


def test_repeated_wrong_passcodes_hold_off_even_the_right_one(db):
    at = open_page("app_pages/front_desk.py", secrets={"staff_passcode": "open sesame"})
    at.text_input[0].input("JD")
    for guess in ("a", "b", "c", "d", "e"):
        sign_in(at, guess)
        assert any("Sign-in failed" in e.value for e in at.error)
    sign_in(at, "open sesame")
    assert any("Too many failed sign-ins" in e.value for e in at.error)
    assert not any(b.label == "Quote" for b in at.button) and "staff_name" not in at.session_state


def test_failure_throttle_window():
    t = FailureThrottle(limit=3, window=60)
    for now in (0, 10, 20):
        assert t.wait(now) == 0
        t.failed(now)
    assert t.wait(30) == 30  # the oldest failure (t=0) leaves the window at t=60
    assert t.wait(60) == 0  # two failures left in the window: attempts are checked again


def test_patient_pages_stay_public_when_sign_in_is_configured(db):
    at = open_page("app_pages/estimate.py", secrets={"staff_passcode": "x"})
    assert any(t.value.startswith("What will my") for t in at.title)


def test_clinic_prices_page_lists_problems_without_saving(db):
    at = open_page("app_pages/clinic_prices.py")
    assert any("No clinic prices saved yet" in i.value for i in at.info)


def test_batch_page_offers_the_template(db):
    at = open_page("app_pages/batch_quotes.py")
    assert [b.label for b in at.get("download_button")] == ["Download the template (CSV)"]
    assert at.get("file_uploader")


def open_correction(quote_id: str) -> AppTest:
    """The front desk opened as the quote log hands a correction over: ?correct=QUOTE_ID."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.query_params["correct"] = quote_id
    at.switch_page("app_pages/front_desk.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_correction_link_prefills_the_form_from_the_saved_record(db):
    store = QuoteLog(f"sqlite:///{db}")
    q = quote(Scenario(zip="35203", site="office", coverage="medicare", deductible_remaining=0, medigap="g",
                       medicare_provider="nonpar_unassigned"))
    first = store.save({**q.scenario.to_dict(), "payer": None}, q.to_dict(), "JD", patient_name="Kim Li",
                       patient_ref="MRN-7")
    at = open_correction(first.id.lower())  # IDs are read the way staff type them
    assert at.session_state["fd_replaces"] == first.id and "correct" not in at.query_params
    assert at.selectbox(key="fdw_coverage").value == "medicare" and at.selectbox(key="fdw_medigap").value == "g"
    assert at.selectbox(key="fdw_medicare_provider").value == "nonpar_unassigned"
    assert at.text_input(key="fdw_patient_ref").value == "MRN-7" and at.text_input(key="fdw_zip").value == "35203"
    assert at.metric[0].value == "$0.00"  # quoted again at once, as saved


def test_a_correction_of_a_missing_or_superseded_quote_is_refused_plainly(db):
    store = QuoteLog(f"sqlite:///{db}")
    q = quote(Scenario(zip="35203"))
    first = store.save(q.scenario.to_dict(), q.to_dict(), "JD", patient_name="Kim Li")
    second = store.save(q.scenario.to_dict(), q.to_dict(), "JD", patient_name="Kim Li", replaces=first.id)
    at = open_correction("QNOSUCH234")
    assert [shown(e.value) for e in at.error] == ["Cannot correct: no saved quote QNOSUCH234"]
    at = open_correction(first.id)
    assert [shown(e.value) for e in at.error] == [
        f"Cannot correct: quote {first.id} has already been corrected: correct its latest version, {second.id} "
        "(version 2)"]
    assert "fd_replaces" not in at.session_state


def test_a_correction_saved_after_someone_else_corrected_it_is_refused(db):
    store = QuoteLog(f"sqlite:///{db}")
    q = quote(Scenario(zip="35203", deductible_remaining=100))
    first = store.save(q.scenario.to_dict(), q.to_dict(), "JD", patient_name="Kim Li")
    at = open_correction(first.id)
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    store.save(q.scenario.to_dict(), q.to_dict(), "AB", replaces=first.id)  # meanwhile, at another desk
    click(at, "Save quote")
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and "has already been corrected by someone else" in errors[0]
    assert not at.success and store.count() == 2


def test_a_database_failure_on_save_is_an_error_message_without_patient_details(db):
    import sqlite3

    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    fill(at, zip="35203", patient_name="Ana Ruiz", patient_dob="1971-02-03", patient_ref="MRN-42")
    with sqlite3.connect(db) as conn:  # the quote table goes missing under the running app
        conn.execute("ALTER TABLE quotes RENAME TO quotes_gone")
    click(at, "Save quote")
    assert not at.exception and not at.success
    [error] = [shown(e.value) for e in at.error]
    assert error.startswith("Not saved: Saving the quote failed: the quote log's database could not be written")
    assert not any(s in error for s in ("Ana", "Ruiz", "1971", "MRN-42", "INSERT", "?"))


def saved_ids(at: AppTest) -> list[str]:
    return [s.value.split("**")[1] for s in at.success if s.value.startswith("Saved as")]


def test_new_patient_clears_who_and_the_result_but_keeps_the_desk_defaults(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="60612", site="office", deductible_remaining="300", patient_name="Ana Ruiz", patient_dob="1971-02-03",
         patient_ref="MRN-1")
    assert at.metric
    click(at, "New patient")
    for key in ("patient_name", "patient_dob", "patient_ref", "deductible_remaining", "service_date"):
        assert at.text_input(key=f"fdw_{key}").value == ""
    assert at.text_input(key="fdw_zip").value == "60612" and at.selectbox(key="fdw_site").value == "office"
    assert not at.metric  # the previous patient's result is gone
    assert next(b for b in at.button if b.label == "New patient").proto.shortcut.lower() == "alt+n"


def test_saving_the_same_patient_with_other_inputs_asks_first(db):
    at = open_page("app_pages/front_desk.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    fill(at, zip="35203", deductible_remaining="100", patient_name="Ana Ruiz", patient_dob="1971-02-03")
    click(at, "Save quote")
    [first] = saved_ids(at)
    assert any(t.value == f"Saved as {first}" for t in at.toast)
    click(at, "Save quote")  # nothing changed: not saved twice
    assert QuoteLog(f"sqlite:///{db}").count() == 1 and any("Already saved" in t.value for t in at.toast)

    fill(at, deductible_remaining="900")  # the next patient, but the name was left in place
    click(at, "Save quote")
    assert any("Is this the same patient?" in w.value for w in at.warning)
    assert QuoteLog(f"sqlite:///{db}").count() == 1 and not saved_ids(at)
    click(at, "No: new patient")
    assert at.text_input(key="fdw_patient_name").value == "" and QuoteLog(f"sqlite:///{db}").count() == 1

    fill(at, deductible_remaining="900", patient_name="Ana Ruiz", patient_dob="1971-02-03")
    click(at, "Save quote")
    click(at, "Yes, same patient")
    [second] = saved_ids(at)
    store = QuoteLog(f"sqlite:///{db}")
    assert second != first and store.get(second).patient_name == "Ana Ruiz"
    assert store.get(second).inputs["deductible_remaining"] == 900 and store.count() == 2
    assert not any("Is this the same patient?" in w.value for w in at.warning)


def test_the_bills_are_shown_as_money(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="35203", site="asc")
    columns = json.loads(at.dataframe[0].proto.columns)
    amounts = [c for c in at.dataframe[0].value.columns if c not in ("Bill", "Codes")]
    assert amounts and all(columns[c]["type_config"]["format"] == "dollar" for c in amounts)


def test_a_future_date_of_birth_is_refused_as_the_file_readers_refuse_it(db):
    at = open_page("app_pages/front_desk.py")
    fill(at, zip="35203", patient_dob="2999-01-01")
    assert any("Date of birth: 2999-01-01 is out of range" in shown(e.value) for e in at.error) and not at.metric


def test_the_log_shows_local_times_and_labels(db, monkeypatch):
    from estimator.frontdesk import desk

    monkeypatch.setenv("ESTIMATOR_TIMEZONE", "America/Chicago")
    store = QuoteLog(f"sqlite:///{db}")
    q = quote(Scenario(zip="35203", site="asc", coverage="self_pay"))
    rec = store.save(q.scenario.to_dict(), q.to_dict(), "JD", patient_name="Kim Li")
    at = open_page("app_pages/quote_log.py")
    row = at.dataframe[0].value.iloc[0]
    assert row["Site"] == "Ambulatory surgery center" and row["Coverage"] == "Uninsured / self-pay"
    local = desk.local_time(rec.created_at, desk.display_zone("America/Chicago"))
    assert row["Saved"] == local and local.endswith(("CST", "CDT"))
    text = " ".join(shown(m.value) for m in at.markdown)
    assert f"Saved {local} by JD for Kim Li" in text and f"Patient pays **${q.patient_pays['typical']:,.2f}**" in text


def test_a_batch_lists_error_rows_first_and_saves_the_rest_to_the_log_at_once(db):
    from estimator.frontdesk.batch_csv import TEMPLATE

    at = open_page("app_pages/batch_quotes.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    text = (TEMPLATE + "Bad Row,,,,00000,,asc,,,,,,,,,,,,,\n"
            "Labels,,,,35203,,Ambulatory surgery center,,,Self-pay,,,,,,,,,,\n")
    at.get("file_uploader")[0].upload("cases.csv", text.encode(), "text/csv")
    at.run()
    assert not at.exception
    listed = " ".join(shown(m.value) for m in at.markdown)
    assert "Row 5: zip: 00000 is not a US ZIP code" in listed
    table = at.dataframe[0].value
    assert list(table["row"]) == [5, 2, 3, 4, 6] and table.iloc[0]["status"] == "error"
    click(at, "Save the 4 quoted rows")
    store = QuoteLog(f"sqlite:///{db}")
    saved = store.search()
    assert sorted(s.inputs["batch_row"] for s in saved) == [2, 3, 4, 6] and store.count() == 4
    assert any("Saved 4 quotes" in s.value for s in at.success)
    assert any("Saved 4 quotes" in t.value for t in at.toast)
    save = next(b for b in at.button if b.label.startswith("Save the 4 quoted rows"))
    assert save.disabled  # the same file is not saved twice


def test_the_clinic_prices_page_shows_the_list_just_saved(db):
    from estimator.frontdesk.clinic_prices import TEMPLATE

    at = open_page("app_pages/clinic_prices.py")
    at.text_input(key="w_staff_name").input("JD")
    at.run()
    at.get("file_uploader")[0].upload("prices.csv", TEMPLATE.encode(), "text/csv")
    at.run()
    click(at, "Save as the clinic's prices")
    assert [s.value for s in at.success] == ["Saved as price list #1; quotes now use it."]
    assert not any("No clinic prices saved yet" in i.value for i in at.info)
    assert any(shown(h.value).startswith("In use: Clinic price list #1") for h in at.subheader)
    assert not any(b.label == "Save as the clinic's prices" for b in at.button)  # the upload box is empty again


@pytest.mark.parametrize("page", ["front_desk", "quote_log", "batch_quotes", "clinic_prices"])
def test_an_unusable_quote_log_is_named_on_every_desk_page(tmp_path, monkeypatch, page):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ESTIMATOR_DB_PATH", str(blocker / "quotes.sqlite3"))  # its folder is a file
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [str(e.value)[:200] for e in at.exception]
    assert any("ESTIMATOR_DB_PATH" in shown(e.value) for e in at.error)


def test_the_desk_issues_a_good_faith_estimate_in_spanish(db):
    """The clerk chooses the patient's language: the stored PDF is in Spanish, with the same amounts and
    codes an English one would have, and the record says which language it was issued in."""
    at = signed_in_desk()
    fill(at, zip="35203", coverage="self_pay", site="asc", patient_name="Ana Ruiz", patient_dob="1980-01-01",
         service_date="2026-12-10", scheduled_on="2026-11-23", diagnosis_codes="M54.12")
    give_cash_prices(at)
    at.radio(key="fd_gfe_lang").set_value("es").run()
    click(at, "Save and issue Good Faith Estimate")
    saved_id = at.success[0].value.split("**")[1]
    rec = QuoteLog(f"sqlite:///{db}").get(saved_id)
    assert rec.outputs["gfe"]["lang"] == "es"
    text = pdf_text(base64.b64decode(rec.outputs["gfe"]["pdf_base64"]))
    assert "Estimación de Buena Fe" in text and "Nombre del paciente: Ana Ruiz" in text
    assert "is not a contract" not in text and "no es un contrato" in text
    english = desk.gfe_outputs(rec.outputs["gfe"]["case"], lang="en")
    assert [li["amount"] for li in english["gfe"]["lines"]] == [li["amount"] for li in rec.outputs["gfe"]["lines"]]
    assert "$250.00" in text and "$550.00" in text
