"""The front desk's records (estimator/frontdesk/desk.py): shapes, saving, corrections, and clean storage errors."""

from __future__ import annotations

import io
import sqlite3
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from estimator import gfe
from estimator.common.errors import InputError
from estimator.frontdesk import batch_csv, desk
from estimator.inputs.parsing import scenario_from_strings
from estimator.inputs.readers import EARLIEST_DATE, parse_birth_date, parse_date
from estimator.quote import quote
from estimator.records.quote_record import QuoteRecord
from estimator.records.storage import QuoteLog
from estimator.scenario import Scenario

from .conftest import ROOT

PROFILE = ROOT / "examples" / "clinic_profile.json"
PATIENT = desk.Patient("Ana Ruiz", date(1971, 2, 3), "MRN-42")
PATIENT_TEXT = ("Ana", "Ruiz", "1971", "MRN-42")


@pytest.fixture
def log(tmp_path) -> QuoteLog:
    return QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")


@pytest.fixture(scope="module")
def shared_log(tmp_path_factory) -> QuoteLog:
    return QuoteLog(f"sqlite:///{tmp_path_factory.mktemp('desk') / 'quotes.sqlite3'}")


def self_pay_case(**form) -> dict:
    sc = Scenario(zip="35203", site="asc", coverage="self_pay")
    values = {"service_date": "2026-12-10", "scheduled_on": "2026-11-23", "diagnosis_codes": "M54.12, m50.120",
              "cash_prices": {"professional": 250.0, "facility": 550.0}}
    return desk.gfe_case(sc, PATIENT, **(values | form), clinic_profile=PROFILE, today=date(2026, 11, 23))


def test_record_inputs_are_every_scenario_field_and_the_payer():
    sc = Scenario(zip="35203", deductible_remaining=300)
    inputs = desk.record_inputs(sc, "Acme Health")
    assert set(inputs) == set(Scenario.field_names()) | {"payer"}
    assert inputs["payer"] == "Acme Health" and inputs["deductible_remaining"] == 300
    assert desk.record_inputs(sc, "")["payer"] is None  # no contract on file: the market estimate


def test_save_a_quote_and_read_it_back(log):
    q = quote(Scenario(zip="35203", site="hopd", deductible_remaining=300, coinsurance=20))
    saved = desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT)
    rec = log.get(saved.id)
    assert rec.kind == "quote" and rec.created_by == "JD" and rec.version == 1
    assert (rec.patient_name, rec.patient_dob, rec.patient_ref) == ("Ana Ruiz", date(1971, 2, 3), "MRN-42")
    assert rec.outputs["patient_pays"] == q.patient_pays and rec.inputs["site"] == "hopd"


def test_gfe_case_shape_from_the_form_values():
    case = self_pay_case()
    assert case["patient"] == {"name": "Ana Ruiz", "dob": "1971-02-03", "reference": "MRN-42"}
    assert case["service"] == {"date": "2026-12-10", "scheduled_on": "2026-11-23", "requested_on": ""}
    assert case["diagnosis_codes"] == ["M54.12", "m50.120"] and case["issued_on"] == "2026-11-23"
    assert case["scenario"]["coverage"] == "self_pay" and None not in case["scenario"].values()
    unscheduled = self_pay_case(service_date="", scheduled_on="")
    assert unscheduled["service"] == {"date": "", "scheduled_on": "", "requested_on": "2026-11-23"}


def test_gfe_case_names_every_bad_date():
    with pytest.raises(InputError) as e:
        self_pay_case(service_date="next week", scheduled_on="2026-02-30")
    assert [err.field for err in e.value.errors] == ["service_date", "scheduled_on"]


def test_save_a_gfe_record_with_its_pdf_lines_and_deadline(log):
    case = self_pay_case()
    outputs = desk.gfe_outputs(case)
    saved = desk.save_gfe(log, desk.record_inputs(Scenario(zip="35203", coverage="self_pay")), outputs, "JD",
                          PATIENT)
    rec = log.get(saved.id)
    assert rec.kind == "gfe" and rec.outputs["gfe"]["case"] == case
    pdf = QuoteRecord(rec).gfe_pdf()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Good Faith Estimate" in text and "Ana Ruiz" in text
    lines = rec.outputs["gfe"]["lines"]
    assert {li["role"] for li in lines} <= set(gfe.ROLE_LABELS) and all(li["amount"] > 0 for li in lines)
    assert sum(li["amount"] for li in lines) == pytest.approx(rec.outputs["total_allowed"]["typical"], abs=0.01)
    due = desk.gfe_deadline(rec.outputs)
    assert due == gfe.deadline(date(2026, 11, 23), date(2026, 12, 10), None) and due.latest == date(2026, 11, 27)


def test_gfe_outputs_name_the_bad_case_fields():
    with pytest.raises(InputError) as e:
        desk.gfe_outputs(self_pay_case(diagnosis_codes="not-a-code"))
    assert any(err.field.startswith("diagnosis_codes") for err in e.value.errors)


@settings(max_examples=40, deadline=None)
@given(deductible=st.one_of(st.just(""), st.decimals(0, 20000, places=2).map(str)),
       coinsurance=st.one_of(st.just(""), st.integers(0, 100).map(str), st.just("12.5")),
       site=st.sampled_from(["asc", "hopd", "office"]), payer=st.sampled_from(["", "Acme Health"]))
def test_a_correction_starts_from_exactly_what_was_quoted(shared_log, deductible, coinsurance, site, payer):
    form = {"zip": "35203", "site": site, "sedation": "local", "coverage": "commercial", "network": "in",
            "deductible_remaining": deductible, "copay": "25", "coinsurance": coinsurance, "oop_remaining": ""}
    sc = scenario_from_strings(form)
    saved = desk.save_quote(shared_log, desk.record_inputs(sc, payer), quote(sc).to_dict(), "JD", PATIENT)
    values = desk.correction_values(desk.correction_source(shared_log, saved.id))
    again = scenario_from_strings({k: values[k] for k in form})
    assert again == sc and values["payer"] == payer
    assert (values["patient_name"], values["patient_dob"], values["patient_ref"]) == ("Ana Ruiz", "1971-02-03",
                                                                                      "MRN-42")
    assert values["service_date"] == values["scheduled_on"] == values["diagnosis_codes"] == ""
    assert values["separately_scheduled"] == ""


def test_a_gfe_correction_starts_from_its_case_details(log):
    outputs = desk.gfe_outputs(self_pay_case())
    saved = desk.save_gfe(log, desk.record_inputs(Scenario(zip="35203", coverage="self_pay")), outputs, "JD",
                          PATIENT)
    values = desk.correction_values(saved)
    assert (values["service_date"], values["scheduled_on"], values["diagnosis_codes"]) == (
        "2026-12-10", "2026-11-23", "M54.12, m50.120")
    assert values["coverage"] == "self_pay"


def test_correcting_a_quote_twice_is_a_clean_input_error(log):
    q = quote(Scenario(zip="35203"))
    first = desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT)
    second = desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT, replaces=first.id)
    assert second.version == 2 and second.replaces_id == first.id
    with pytest.raises(InputError) as e:
        desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "AB", PATIENT, replaces=first.id)
    [err] = e.value.errors
    assert err.field == "replaces" and first.id in err.message and "already been corrected" in err.message
    assert not any(s in str(e.value) for s in PATIENT_TEXT)
    with pytest.raises(InputError) as e:
        desk.correction_source(log, first.id)
    assert e.value.errors[0].field == "correct" and second.id in e.value.errors[0].message
    assert log.count() == 2


def test_correcting_a_missing_quote_or_saving_without_a_name_is_refused(log):
    q = quote(Scenario(zip="35203"))
    with pytest.raises(InputError) as e:
        desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT, replaces="QNOSUCH234")
    assert e.value.errors[0].field == "replaces"
    with pytest.raises(InputError) as e:
        desk.save_gfe(log, desk.record_inputs(q.scenario), q.to_dict(), "  ", PATIENT)
    assert e.value.errors[0].field == "created_by"
    with pytest.raises(InputError) as e:
        desk.correction_source(log, "QNOSUCH234")
    assert str(e.value) == "correct: no saved quote QNOSUCH234"
    assert log.count() == 0


@pytest.mark.parametrize("kind", ["quote", "gfe"])
def test_a_broken_database_is_a_storage_error_without_sql_or_patient_details(tmp_path, kind):
    path = tmp_path / "quotes.sqlite3"
    log = QuoteLog(f"sqlite:///{path}")
    q = quote(Scenario(zip="35203"))
    first = desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT)
    with sqlite3.connect(path) as conn:  # the table goes missing under the running log
        conn.execute("ALTER TABLE quotes RENAME TO quotes_gone")
    save = desk.save_gfe if kind == "gfe" else desk.save_quote
    with pytest.raises(desk.StorageError) as e:
        save(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT)
    message = str(e.value)
    assert message.startswith(f"Saving the {'Good Faith Estimate' if kind == 'gfe' else 'quote'} failed")
    assert "OperationalError" in message and e.value.__cause__ is None and e.value.__suppress_context__
    assert not any(s in message for s in (*PATIENT_TEXT, "INSERT", "quotes_gone", "?"))
    with pytest.raises(desk.StorageError) as e:
        desk.get_record(log, first.id)
    assert str(e.value).startswith(f"Reading quote {first.id} failed")


def test_an_unreachable_database_is_a_storage_error(tmp_path):
    log = QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")
    (tmp_path / "quotes.sqlite3").unlink()
    (tmp_path / "quotes.sqlite3").mkdir()  # where the database file was, a folder: nothing can open it
    log.engine.dispose()
    q = quote(Scenario(zip="35203"))
    with pytest.raises(desk.StorageError, match="could not be written"):
        desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "JD", PATIENT)


@given(st.dates(min_value=EARLIEST_DATE, max_value=date.today()))
def test_parse_day_reads_iso_and_us_dates(d):
    assert desk.parse_day(d.isoformat(), "patient_dob", birth=True) == d
    assert desk.parse_day(d.strftime("%m/%d/%Y"), "patient_dob", birth=True) == d


@given(st.dates(min_value=date(1000, 1, 1)))
def test_parse_day_uses_the_readers_window(d):
    """The desk accepts exactly the dates the file readers accept: 1900 to three years ahead; a date
    of birth not in the future."""
    for birth, reader in ((False, parse_date), (True, parse_birth_date)):
        try:
            expected = reader(d.isoformat(), "patient_dob")
        except InputError as e:
            with pytest.raises(InputError) as got:
                desk.parse_day(d.strftime("%m/%d/%Y"), "patient_dob", birth=birth)
            assert str(got.value) == str(e) and "out of range" in str(e)
        else:
            assert desk.parse_day(d.strftime("%m/%d/%Y"), "patient_dob", birth=birth) == expected


@pytest.mark.parametrize("text", ["12/31/99", "2026-13-01", "tomorrow", "2026-1-5", "13/01/2026"])
def test_parse_day_names_the_field(text):
    with pytest.raises(InputError) as e:
        desk.parse_day(text, "patient_dob")
    assert str(e.value) == f"patient_dob: '{text}' is not a date: use YYYY-MM-DD"
    assert desk.parse_day("", "patient_dob") is None
    with pytest.raises(InputError, match="patient_dob: is required"):
        desk.parse_day(" ", "patient_dob", required=True)


def test_a_birth_date_in_the_future_is_refused_naming_the_field():
    with pytest.raises(InputError, match="patient_dob: 2030-01-02 is out of range: from 1900-01-01 to 2030-01-01"):
        desk.parse_day("01/02/2030", "patient_dob", birth=True, today=date(2030, 1, 1))


def test_the_same_patient_saved_again_with_other_inputs_is_noticed(tmp_path):
    log = QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")
    q = quote(Scenario(zip="35203", deductible_remaining=100))
    inputs = desk.record_inputs(q.scenario)
    ana = desk.Patient("Ana  Ruiz", date(1971, 2, 3), "MRN-1")
    last = desk.LastSave.of(desk.save_quote(log, inputs, q.to_dict(), "JD", ana))
    other = desk.record_inputs(Scenario(zip="35203", deductible_remaining=900))
    same_person = desk.Patient("ana ruiz", date(1971, 2, 3), "mrn-1")  # typed again, other case and spaces
    assert desk.reuse_check(last, same_person, other) == "changed"
    assert desk.reuse_check(last, same_person, inputs) == "repeat"
    assert desk.reuse_check(last, same_person, inputs, kind="gfe") is None  # a GFE for the quote just given
    assert desk.reuse_check(last, desk.Patient("Bo Li", date(1971, 2, 3), "MRN-1"), other) is None
    assert desk.reuse_check(last, desk.Patient(), other) is None  # an unnamed quote names nobody
    assert desk.reuse_check(None, same_person, other) is None


def test_a_batch_is_saved_in_one_call_and_each_record_keeps_its_row(tmp_path):
    log = QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")
    text = (batch_csv.TEMPLATE + "Bad Row,,,,00000,,asc,,,,,,,,,,,,,\n"
            + "Label Row,1970-05-06,MRN-9,,35203,,Ambulatory surgery center,,,Self-pay,,,,,,,,,,\n")
    df, _ = batch_csv.read_cases(text)
    result = batch_csv.quote_cases(df)
    with pytest.raises(InputError, match="created_by"):
        desk.save_batch(log, result, " ")
    saved = desk.save_batch(log, result, "JD", file_name="cases.csv")
    ok = result.table[result.table["status"] == "ok"]
    assert [s.inputs["batch_row"] for s in saved] == list(ok["row"]) == [2, 3, 4, 6]
    assert [s.patient_name for s in saved] == list(ok["patient_name"])
    assert [s.outputs["patient_pays"]["typical"] for s in saved] == pytest.approx(list(ok["patient_pays_typical"]))
    labelled = saved[-1]
    assert labelled.inputs["site"] == "asc" and labelled.inputs["coverage"] == "self_pay"
    assert labelled.patient_dob == date(1970, 5, 6) and labelled.note == "batch row 6 of cases.csv"
    assert log.count() == 4


def test_log_times_are_shown_in_the_configured_zone():
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 15, 18, 30, tzinfo=UTC)
    assert desk.local_time(moment, desk.display_zone("America/Chicago")) == "2026-01-15 12:30 CST"
    assert desk.local_time(moment.replace(tzinfo=None), desk.display_zone("Asia/Tokyo")) == "2026-01-16 03:30 JST"
    server = datetime.now().astimezone().tzinfo
    for bad in (None, "", "Mars/Olympus", "../../etc/passwd"):
        assert desk.display_zone(bad).utcoffset(moment) == server.utcoffset(moment)


def test_a_saved_record_keeps_the_insurer_a_named_hospital_was_priced_for():
    sc = Scenario(zip="35203", site="hopd", coverage="commercial", hospital="010001", payer="Aetna")
    assert desk.record_inputs(sc)["payer"] == "Aetna"
    assert desk.record_inputs(sc, "Blue Cross")["payer"] == "Blue Cross"  # the clinic contract priced with
    assert desk.record_inputs(Scenario(zip="35203"))["payer"] is None
