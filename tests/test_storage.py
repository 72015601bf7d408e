"""The quote log on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import csv
import io
import shutil
import threading
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from estimator.common.safe_csv import safe_cell
from estimator.quote import quote
from estimator.records.storage import QuoteLog, export_csv
from estimator.reference import tables
from estimator.scenario import Scenario


def _quote(**kw):
    q = quote(Scenario(**{"zip": "35203", **kw}))
    return q.scenario.to_dict(), q.to_dict()


def test_save_and_reopen_exactly(store_url):
    log = QuoteLog(store_url)
    inputs, outputs = _quote(site="hopd", deductible=1000, coinsurance=20)
    saved = log.save(inputs, outputs, "desk-1", patient_name="Ana Díaz", patient_dob=date(1970, 5, 4),
                     patient_ref="MRN-9")
    again = log.get(saved.id.lower())
    assert again.outputs == {**outputs, "schema_version": 1} and again.inputs == inputs
    assert again.patient_dob == date(1970, 5, 4) and again.created_by == "desk-1"
    assert again.data_version == outputs["data_version"]
    assert abs((again.created_at - datetime.now(UTC)).total_seconds()) < 60


def test_records_cannot_be_edited_or_deleted(store_url):
    log = QuoteLog(store_url)
    saved = log.save(*_quote(), "desk-1")
    for stmt in ("UPDATE quotes SET created_by = 'someone else'", "DELETE FROM quotes"):
        with pytest.raises(Exception, match="never edited|cannot be deleted|never edited or deleted"), \
                log.engine.begin() as conn:
            conn.execute(text(stmt))
    assert log.get(saved.id).created_by == "desk-1"


def test_a_correction_is_a_new_version_and_keeps_the_history(store_url):
    log = QuoteLog(store_url)
    first = log.save(*_quote(deductible=500), "desk-1", patient_name="Sam Lee")
    second = log.save(*_quote(deductible=900), "desk-2", patient_name="Sam Lee", replaces=first.id,
                      note="deductible corrected")
    assert (second.version, second.replaces_id, second.root_id) == (2, first.id, first.id)
    assert [r.id for r in log.history(first.id)] == [first.id, second.id]
    assert log.latest(first.id).id == second.id
    assert log.get(first.id).outputs["inputs"]["deductible"] == 500  # the original is untouched
    with pytest.raises(ValueError, match="already been corrected"):
        log.save(*_quote(), "desk-1", replaces=first.id)
    with pytest.raises(KeyError):
        log.save(*_quote(), "desk-1", replaces="QNOSUCH123")


def test_search_by_id_name_reference_and_date(store_url):
    log = QuoteLog(store_url)
    a = log.save(*_quote(), "d", patient_name="Maria Gomez", patient_ref="R-1")
    b = log.save(*_quote(), "d", patient_name="Mario Rossi", patient_ref="R-2")
    assert {r.id for r in log.search("mari")} == {a.id, b.id}
    assert [r.id for r in log.search("gomez")] == [a.id]
    assert [r.id for r in log.search(b.id)] == [b.id]
    assert [r.id for r in log.search("r-2")] == [b.id]
    today = datetime.now(UTC).date()
    assert len(log.search(start=today, end=today)) == 2
    assert log.search(start=today + timedelta(days=1)) == []
    assert log.search(end=today - timedelta(days=1)) == []


def test_eight_threads_saving_250_quotes_each(store_url):
    log = QuoteLog(store_url)
    inputs, outputs = _quote()
    ids: list[str] = []
    lock = threading.Lock()
    errors: list[Exception] = []

    def work(t: int) -> None:
        try:
            for i in range(250):
                s = log.save(inputs, outputs, f"desk-{t}", patient_ref=f"{t}-{i}")
                with lock:
                    ids.append(s.id)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    assert len(ids) == len(set(ids)) == 2000 == log.count()
    refs = [r.patient_ref for r in log.search(limit=5000)]
    assert sorted(refs) == sorted(f"{t}-{i}" for t in range(8) for i in range(250))


def test_reprint_shows_the_numbers_first_given_after_the_data_changes(store_url, tmp_path, monkeypatch):
    log = QuoteLog(store_url)
    sc = Scenario(zip="35203", site="hopd", coverage="self_pay")
    original = quote(sc)
    saved = log.save(sc.to_dict(), original.to_dict(), "desk-1")
    # New data tables: every market price doubles.
    changed = tmp_path / "data"
    shutil.copytree(tables.data_dir(), changed)
    fr = pd.read_csv(changed / "fee_ranges.csv")
    fr[["low", "typical", "high"]] *= 2
    fr.to_csv(changed / "fee_ranges.csv", index=False)
    new_ref = tables.load(str(changed))
    repriced = quote(sc, new_ref)
    assert repriced.patient_pays != original.patient_pays and new_ref.version != original.data_version
    reopened = log.get(saved.id)
    assert reopened.outputs["patient_pays"] == original.patient_pays
    assert reopened.outputs["components"] == original.to_dict()["components"]
    assert reopened.data_version == original.data_version


def test_export_is_safe_to_open_in_a_spreadsheet(store_url):
    log = QuoteLog(store_url)
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "|calc"]
    for name in evil:
        log.save(*_quote(), "desk-1", patient_name=name, patient_ref="=1+1")
    rows = list(csv.DictReader(io.StringIO(export_csv(log.search()))))
    assert len(rows) == len(evil)
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+@\t|" or value.startswith("'"), value
            if value.startswith("-"):
                float(value)  # only plain negative numbers may start with '-'
    assert {r["patient_name"] for r in rows} == {"'" + n for n in evil}


def test_safe_cell_leaves_ordinary_values_alone():
    assert safe_cell("Jane") == "Jane" and safe_cell(-12.5) == "-12.5" and safe_cell(None) == ""
    assert safe_cell("-1+2") == "'-1+2" and safe_cell("=1") == "'=1"
