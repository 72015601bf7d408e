"""Stored quotes stay readable: a frozen version-1 record still reprints, exports and lists.

``fixtures/quote_record_v1.json`` holds two records exactly as the quote log stored them before
records carried a schema version (a commercial quote and a self-pay Good Faith Estimate, saved
through ``QuoteLog.save`` as the front desk does). They are inserted row for row into a log made as
it was then (schema revision 0001, before the hash chain), which is then upgraded as a clinic's would be.
Do not regenerate the fixture: it stands for records already in clinics' databases.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import insert

from dashboard.safe_text import shown
from estimator.common.money import usd
from estimator.common.safe_csv import read_rows
from estimator.quote import quote
from estimator.records.log_schema import init_schema, make_engine
from estimator.records.quote_record import EXPORT_COLUMNS, SCHEMA_VERSION, QuoteRecord, UnknownSchemaVersion
from estimator.records.storage import QuoteLog, export_csv, quotes
from estimator.scenario import Scenario

FIXTURE = Path(__file__).parent / "fixtures" / "quote_record_v1.json"


def _stored_rows() -> list[dict]:
    return json.loads(FIXTURE.read_text())


def _as_stored(row: dict) -> dict:
    """The fixture row as column values (the JSON holds dates as ISO text)."""
    return {**row, "created_at": datetime.fromisoformat(row["created_at"]),
            "patient_dob": date.fromisoformat(row["patient_dob"]) if row["patient_dob"] else None}


def _legacy_log(url: str, rows: list[dict]) -> QuoteLog:
    """A log holding ``rows`` as the program stored them before the hash chain, then upgraded."""
    engine = make_engine(url)
    init_schema(engine, revision="0001")
    with engine.begin() as conn:
        for row in rows:
            conn.execute(insert(quotes).values(**_as_stored(row)))
    engine.dispose()
    return QuoteLog(url, init=True)


@pytest.fixture(params=["sqlite", "postgres"])
def old_store_url(request, tmp_path) -> str:
    """An empty database (no tables yet), SQLite or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quotes.sqlite3'}"
    return request.getfixturevalue("postgres_schema")


@pytest.fixture
def v1_log(old_store_url) -> QuoteLog:
    return _legacy_log(old_store_url, _stored_rows())


def test_the_upgrade_chains_the_records_already_saved(v1_log):
    result = v1_log.verify()
    assert result.ok and result.quotes == len(_stored_rows())
    by_time = sorted(_stored_rows(), key=lambda r: (r["created_at"], r["id"]))
    assert [r.id for r in v1_log.records()] == [r["id"] for r in by_time]


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_fixture_is_a_version_1_record_of_each_kind():
    rows = _stored_rows()
    assert {r["kind"] for r in rows} == {"quote", "gfe"}
    assert all("schema_version" not in r["outputs"] for r in rows)  # saved before versions existed


def test_a_version_1_quote_still_reprints_with_its_stored_figures(v1_log):
    stored = next(r for r in _stored_rows() if r["kind"] == "quote")
    record = QuoteRecord(v1_log.get(stored["id"]))
    assert record.schema_version == 1 and not record.is_gfe
    text = _pdf_text(record.summary_pdf())
    pays = stored["outputs"]["patient_pays"]
    assert f"You would likely pay {usd(pays['typical'], cents=False)}" in text
    assert usd(pays["low"], cents=False) in text and usd(pays["high"], cents=False) in text
    assert f"Prepared {stored['created_at'][:10]}" in text  # dated the day it was given
    assert record.patient_pays == pays


def test_a_version_1_gfe_reprints_the_pdf_exactly_as_issued(v1_log):
    stored = next(r for r in _stored_rows() if r["kind"] == "gfe")
    record = QuoteRecord(v1_log.get(stored["id"]))
    assert record.is_gfe
    assert record.gfe_pdf() == base64.b64decode(stored["outputs"]["gfe"]["pdf_base64"])
    assert record.gfe_lines == stored["outputs"]["gfe"]["lines"] and record.gfe_case["service"]["date"]
    pays = stored["outputs"]["patient_pays"]
    assert f"You would likely pay {usd(pays['typical'], cents=False)}" in _pdf_text(record.summary_pdf())


def test_version_1_records_export_and_list_their_stored_totals(v1_log):
    rows = {r["id"]: r for r in _stored_rows()}
    header, *lines = read_rows(export_csv(v1_log.search(start=date(2000, 1, 1))))
    assert header == EXPORT_COLUMNS and len(lines) == 2
    for line in lines:
        got = dict(zip(header, line, strict=True))
        o = rows[got["quote_id"]]["outputs"]
        assert float(got["total_typical"]) == o["total_allowed"]["typical"]
        assert [float(got[f"patient_{k}"]) for k in ("low", "typical", "high")] == \
            [o["patient_pays"][k] for k in ("low", "typical", "high")]
        assert got["patient_name"] == rows[got["quote_id"]]["patient_name"]
        assert got["data_version"] == rows[got["quote_id"]]["data_version"]
        table = QuoteRecord(v1_log.get(got["quote_id"])).table_row()
        assert table["Patient pays (typical)"] == o["patient_pays"]["typical"]
        assert table["Total allowed (typical)"] == o["total_allowed"]["typical"]
        assert table["Locality"] == o["locality"]["key"] and table["Kind"] == rows[got["quote_id"]]["kind"].upper()


def test_new_saves_are_stamped_with_the_current_schema_version(store_url):
    log = QuoteLog(store_url)
    q = quote(Scenario(zip="35203"))
    saved = log.save(q.scenario.to_dict(), q.to_dict(), "desk-1")
    assert saved.outputs["schema_version"] == SCHEMA_VERSION == 1
    assert QuoteRecord(saved).patient_pays == q.patient_pays


@pytest.mark.parametrize("version", [2, 99, "1", None])
def test_an_unknown_schema_version_is_a_clear_error(old_store_url, version):
    row = copy.deepcopy(_stored_rows()[0])
    row["id"], row["root_id"] = "QFUTURE234", "QFUTURE234"
    row["outputs"]["schema_version"] = version
    row["outputs"].pop("patient_pays")  # a future shape: reading it as version 1 would be a KeyError
    saved = _legacy_log(old_store_url, [*_stored_rows(), row]).get("QFUTURE234")
    with pytest.raises(UnknownSchemaVersion) as e:
        QuoteRecord(saved)
    assert not isinstance(e.value, KeyError)
    assert e.value.errors[0].field == "quote QFUTURE234 schema_version"
    assert f"{version!r} is not a version this program can read (it reads 1)" in str(e.value)
    with pytest.raises(UnknownSchemaVersion):
        export_csv([saved])


def test_the_quote_log_page_lists_v1_records_and_names_an_unreadable_one(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from .conftest import ROOT

    path = tmp_path / "quotes.sqlite3"
    monkeypatch.setenv("ESTIMATOR_DB_PATH", str(path))
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")  # a single-user install
    future = copy.deepcopy(_stored_rows()[0])
    future["id"], future["root_id"] = "QFUTURE234", "QFUTURE234"
    future["outputs"] = {"schema_version": 2, "totals": {}}
    _legacy_log(f"sqlite:///{path}", [*_stored_rows(), future])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/quote_log.py")
    at.run()
    at.date_input(key="log_start").set_value(date(2000, 1, 1))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(at.dataframe[0].value["Quote ID"]) == sorted(r["id"] for r in _stored_rows())
    assert any("quote QFUTURE234 schema_version: 2 is not a version" in shown(e.value) for e in at.error)
    labels = [b.label for b in at.get("download_button")]
    assert "Export these to CSV" in labels and "Reprint the patient summary" in labels
