"""The quote log is tamper-evident and scriptable: hash chain, immutability, schema set-up, CLI, privacy.

Runs on SQLite and on the test PostgreSQL server (skipped only without ESTIMATOR_TEST_DATABASE_URL).
Tampering is done as an attacker with the database's owner rights would: behind the app, in SQL,
after turning the guards off.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from estimator.frontdesk import desk
from estimator.quote import quote
from estimator.records.log_chain import GENESIS, PRICE_SET_COLUMNS, QUOTE_COLUMNS, quote_hash
from estimator.records.log_schema import HEAD, init_schema, make_engine
from estimator.records.storage import QuoteLog, StorageError, price_sets, quotes
from estimator.scenario import Scenario

from .conftest import ROOT

PATIENT = desk.Patient("Zebulon Quixotefrank", date(1931, 2, 3), "MRN-77Q31X")
PATIENT_TEXT = ("Zebulon", "Quixotefrank", "zebulon", "1931-02-03", "1931, 2, 3", "MRN-77Q31X")


def _quote(**kw):
    q = quote(Scenario(**{"zip": "35203", **kw}))
    return q.scenario.to_dict(), q.to_dict()


def cli(*args: str, url: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m estimator`` on the log at ``url``."""
    env = {**os.environ, "ESTIMATOR_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "estimator", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


def app_url(owner_url: str) -> str:
    """The same schema, as the application's role (scripts/postgres creates it)."""
    return make_url(owner_url).set(username="estimator_app", password="estimator_app") \
        .render_as_string(hide_password=False)


def _owner_sql(log: QuoteLog, *stmts: str) -> None:
    """Run SQL as the owner would to tamper: with the guards (triggers) off."""
    if log.engine.dialect.name == "sqlite":
        path = make_url(log.url).database
        conn = sqlite3.connect(path)
        for t in ("quotes", "clinic_price_sets"):
            for g in ("no_update", "no_delete", "no_replace", "chained"):
                conn.execute(f"DROP TRIGGER IF EXISTS {t}_{g}")
        for s in stmts:
            conn.execute(s)
        conn.commit()
        conn.close()
        return
    with log.engine.begin() as conn:
        conn.execute(text("ALTER TABLE quotes DISABLE TRIGGER USER"))
        conn.execute(text("ALTER TABLE clinic_price_sets DISABLE TRIGGER USER"))
        for s in stmts:
            conn.execute(text(s))


# -- the chain -----------------------------------------------------------------------------------
def test_every_column_but_the_hash_is_hashed():
    assert set(QUOTE_COLUMNS) == {c.name for c in quotes.columns} - {"record_hash"}
    assert set(PRICE_SET_COLUMNS) == {c.name for c in price_sets.columns} - {"record_hash"}


def test_records_are_chained_and_verify(store_url):
    log = QuoteLog(store_url)
    assert log.verify().ok and log.verify().head == GENESIS
    saved = [log.save(*_quote(), "desk-1", patient_name=f"P{i}", patient_dob=date(1960, 1, i + 1)) for i in range(4)]
    log.save_price_set("payer,code,amount\n", "desk-1")
    log.save_price_set("payer,code,amount\nAcme,62321,100\n", "desk-2")
    assert [s.seq for s in saved] == [1, 2, 3, 4]
    assert saved[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.record_hash for a, b in zip(saved, saved[1:]))
    with log.engine.connect() as conn:  # recomputed from the row as it reads back
        row = conn.execute(quotes.select().where(quotes.c.seq == 3)).mappings().one()
    assert quote_hash(row) == row["record_hash"] == saved[2].record_hash
    result = log.verify()
    assert result.ok and (result.quotes, result.price_sets, result.head) == (4, 2, saved[-1].record_hash)


@pytest.mark.parametrize("change", [
    "UPDATE quotes SET patient_name = 'Someone Else' WHERE seq = 2",
    "UPDATE quotes SET created_at = created_at - INTERVAL '1 day' WHERE seq = 2",
    "UPDATE quotes SET record_hash = 'ab' || substr(record_hash, 3) WHERE seq = 2",
])
def test_verify_names_the_first_altered_record(store_url, change):
    log = QuoteLog(store_url)
    saved = [log.save(*_quote(), "desk-1", patient_name=f"P{i}") for i in range(3)]
    if log.engine.dialect.name == "sqlite":
        change = change.replace("created_at - INTERVAL '1 day'", "datetime(created_at, '-1 day')")
    _owner_sql(log, change)
    problem = log.verify().problem
    assert problem is not None and problem.record == saved[1].id and problem.seq == 2
    r = cli("log", "verify", url=store_url)
    assert r.returncode == 1 and r.stdout == ""
    expected = "content does not match its hash" if "record_hash =" not in change else "content does not match"
    assert r.stderr.startswith(f"error: record {saved[1].id} (#2): {expected}"), r.stderr
    assert r.stderr.count("\n") == 1


def test_verify_finds_a_removed_record_and_a_changed_price_list(store_url):
    log = QuoteLog(store_url)
    saved = [log.save(*_quote(), "desk-1") for _ in range(3)]
    log.save_price_set("a", "x")
    log.save_price_set("b", "x")
    r = cli("log", "verify", url=store_url)
    assert r.returncode == 0 and r.stdout.startswith("ok: checked 3 quote records and 2 clinic price lists"), r
    _owner_sql(log, f"DELETE FROM quotes WHERE id = '{saved[1].id}'")
    r = cli("log", "verify", url=store_url)
    assert r.returncode == 1
    assert r.stderr == f"error: record {saved[2].id} (#3): the chain is broken: #2 before it is missing " \
                       "(a record was removed)\n"
    # renumbering to hide the gap still breaks the link to the record before
    _owner_sql(log, f"UPDATE quotes SET seq = 2 WHERE id = '{saved[2].id}'")
    assert "previous hash does not match" in log.verify().problem.problem
    other = QuoteLog(store_url.replace("quotes.sqlite3", "other.sqlite3")) if "sqlite" in store_url else None
    if other:  # a price list changed behind the app
        other.save_price_set("a", "x")
        other.save_price_set("b", "x")
        _owner_sql(other, "UPDATE clinic_price_sets SET csv_text = 'c' WHERE id = 1")
        r = cli("log", "verify", url=other.url)
        assert r.returncode == 1 and r.stderr == "error: clinic price list #1 (#1): content does not match its hash\n"


def test_a_record_inserted_without_its_hash_is_named(tmp_path):
    log = QuoteLog(f"sqlite:///{tmp_path / 'quotes.sqlite3'}")
    log.save(*_quote(), "desk-1")
    _owner_sql(log, "INSERT INTO quotes (id, version, root_id, created_at, created_by, kind, data_version, inputs, "
                    "outputs) VALUES ('QFORGED234', 1, 'QFORGED234', '2026-01-01 00:00:00', 'x', 'quote', '', '{}', "
                    "'{}')")
    assert str(log.verify().problem) == ("record QFORGED234 (#?): has no place or hash in the chain: it was not "
                                         "written by the quote log")


# -- immutability --------------------------------------------------------------------------------
def test_sqlite_refuses_every_change_to_a_record(tmp_path):
    path = tmp_path / "quotes.sqlite3"
    log = QuoteLog(f"sqlite:///{path}")
    s = log.save(*_quote(), "desk-1", patient_name="Ana")
    log.save_price_set("a", "x")
    conn = sqlite3.connect(path)
    for stmt, msg in [
        ("UPDATE quotes SET patient_name = 'B'", "never edited"),
        ("DELETE FROM quotes", "cannot be deleted"),
        (f"INSERT OR REPLACE INTO quotes SELECT * FROM quotes WHERE id = '{s.id}'", "never replaced"),
        (f"REPLACE INTO quotes SELECT * FROM quotes WHERE id = '{s.id}'", "never replaced"),
        ("INSERT OR REPLACE INTO clinic_price_sets SELECT * FROM clinic_price_sets", "never replaced"),
        ("UPDATE clinic_price_sets SET csv_text = 'b'", "never edited"),
        ("DELETE FROM clinic_price_sets", "cannot be deleted"),
        ("INSERT INTO clinic_price_sets (id, created_at, created_by, csv_text) VALUES (9, '2026-01-01', 'x', 'y')",
         "with their hashes"),
    ]:
        with pytest.raises(sqlite3.DatabaseError, match=msg):
            conn.execute(stmt)
    conn.close()
    assert log.get(s.id) == s and log.verify().ok


def test_postgres_owner_is_refused_updates_deletes_and_truncation(postgres_url):
    log = QuoteLog(postgres_url)
    log.save(*_quote(), "desk-1")
    for stmt in ("UPDATE quotes SET note = 'x'", "DELETE FROM quotes", "TRUNCATE quotes",
                 "TRUNCATE clinic_price_sets"):
        with pytest.raises(DBAPIError, match="never edited or deleted"), log.engine.begin() as conn:
            conn.execute(text(stmt))
    assert log.count() == 1


@pytest.fixture
def pg_app(postgres_schema):
    """(owner URL, app URL) of a schema set up by ``log init --app-role estimator_app``."""
    r = cli("log", "init", "--app-role", "estimator_app", url=postgres_schema)
    assert r.returncode == 0, r.stderr
    assert "estimator_app may read and add records only" in r.stdout
    return postgres_schema, app_url(postgres_schema)


def test_postgres_app_role_may_only_read_and_append(pg_app):
    owner, app = pg_app
    log = QuoteLog(app)
    s = log.save(*_quote(), "desk-1", patient_name="Ana")
    log.save_price_set("a", "x")
    assert log.get(s.id).patient_name == "Ana" and log.verify().ok and log.latest_price_set()[0] == 1
    for stmt in ("UPDATE quotes SET note = 'x'", "DELETE FROM quotes", "TRUNCATE quotes",
                 "UPDATE clinic_price_sets SET csv_text = 'b'", "DELETE FROM clinic_price_sets",
                 "TRUNCATE clinic_price_sets", "ALTER TABLE quotes DISABLE TRIGGER ALL",
                 "ALTER TABLE quotes DISABLE TRIGGER quotes_immutable", "DROP TRIGGER quotes_immutable ON quotes",
                 "ALTER TABLE clinic_price_sets DISABLE TRIGGER USER", "CREATE TABLE t (x int)",
                 "UPDATE quote_log_version SET version_num = '0001'"):
        with pytest.raises(DBAPIError, match="permission denied|must be owner"), log.engine.begin() as conn:
            conn.execute(text(stmt))
    with pytest.raises(DBAPIError, match="permission denied"), log.engine.begin() as conn:  # no upsert either
        conn.execute(text(f"INSERT INTO quotes SELECT * FROM quotes WHERE id = '{s.id}' "
                          "ON CONFLICT (id) DO UPDATE SET note = 'x'"))
    assert QuoteLog(owner).get(s.id) == s


def test_postgres_app_role_is_told_to_run_init(postgres_schema):
    owner = create_engine(postgres_schema)
    with owner.begin() as conn:  # the schema exists and the app may use it, but nobody ran `log init`
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO estimator_app"))
    owner.dispose()
    with pytest.raises(StorageError) as e:
        QuoteLog(app_url(postgres_schema))
    assert "the database's owner must run `python -m estimator log init`" in str(e.value)
    assert ":estimator_app@" not in str(e.value) and ":***@" in str(e.value)  # the URL without its password
    r = cli("quote", "--zip", "35203", "--save", "--by", "JD", url=app_url(postgres_schema))
    assert r.returncode == 1 and r.stdout == "" and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: quote log: The quote log's tables are missing or out of date")


# -- schema creation -----------------------------------------------------------------------------
def _together(url: str, *args: str, n: int = 4) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "ESTIMATOR_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env=env) for _ in range(n)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=240)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


SAVE_25 = ("from estimator.records.storage import QuoteLog\n"
           "from estimator.quote import quote\nfrom estimator.scenario import Scenario\n"
           "q = quote(Scenario(zip='35203'))\nlog = QuoteLog()\n"
           "for i in range(25):\n    log.save(q.scenario.to_dict(), q.to_dict(), 'proc')\n")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh' / 'quotes.sqlite3'}"
    return request.getfixturevalue("postgres_schema")


def test_four_processes_initialising_and_saving_at_once(empty_url):
    if empty_url.startswith("sqlite"):
        make_url(empty_url).database and os.makedirs(os.path.dirname(make_url(empty_url).database), exist_ok=True)
    for r in _together(empty_url, "-m", "estimator", "log", "init"):
        assert r.returncode == 0 and r.stderr == "" and f"schema revision {HEAD}" in r.stdout, r
    for r in _together(empty_url, "-c", SAVE_25):
        assert r.returncode == 0, r.stderr[-2000:]
    result = QuoteLog(empty_url).verify()
    assert result.ok and result.quotes == 100


def test_the_app_sets_up_a_fresh_sqlite_log_by_itself_and_upgrades_an_old_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'quotes.sqlite3'}"
    for r in _together(url, "-c", SAVE_25.replace("range(25)", "range(3)")):
        assert r.returncode == 0, r.stderr[-2000:]
    assert QuoteLog(url).verify().quotes == 12
    old = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    init_schema(make_engine(old), revision="0001")
    with make_engine(old).begin() as conn:
        conn.execute(text("INSERT INTO quotes (id, version, root_id, created_at, created_by, kind, data_version, "
                          "inputs, outputs) VALUES ('QOLD2345AB', 1, 'QOLD2345AB', '2025-01-01 10:00:00.000000', "
                          "'x', 'quote', 'v', '{}', '{}')"))
    log = QuoteLog(old)  # opened by the app: upgraded in place, the old record chained first
    assert log.get("QOLD2345AB").seq == 1 and log.save(*_quote(), "d").seq == 2 and log.verify().ok


# -- the command line ----------------------------------------------------------------------------
def test_cli_saves_what_the_front_desk_saves(store_url, tmp_path):
    r = cli("quote", "--zip", "35203", "--deductible", "500", "--save", "--by", "Jo Desk", "--patient-name",
            "Ana Díaz", "--patient-dob", "1970-05-04", "--patient-ref", "MRN-9", "--json", url=store_url)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    qid = out.pop("quote_id")
    rec = QuoteLog(store_url).get(qid)
    sc = Scenario(zip="35203", deductible=500)
    assert rec.inputs == desk.record_inputs(quote(sc).scenario)
    assert rec.outputs == {**out, "schema_version": 1} and rec.kind == "quote" and rec.created_by == "Jo Desk"
    assert (rec.patient_name, rec.patient_dob, rec.patient_ref) == ("Ana Díaz", date(1970, 5, 4), "MRN-9")
    shown = cli("log", "show", qid.lower(), "--json", url=store_url)
    assert json.loads(shown.stdout)["outputs"] == rec.outputs and json.loads(shown.stdout)["seq"] == 1
    text_out = cli("log", "show", qid, url=store_url).stdout
    assert f"Quote {qid} (version 1), quote" in text_out and "Ana Díaz" in text_out and "MRN-9" in text_out
    plain = cli("quote", "--zip", "35203", "--save", "--by", "Jo", url=store_url)
    assert plain.returncode == 0 and plain.stdout.rstrip().splitlines()[-1].startswith("Saved as quote Q")
    path = tmp_path / "export.csv"
    today = date.today().isoformat()
    r = cli("log", "export", "-o", str(path), "--from", today, "--to", today, url=store_url)
    assert r.returncode == 0 and r.stdout.startswith(f"wrote {path}: 2 records"), r.stderr
    assert path.read_text().count(qid) == 1
    r = cli("log", "export", "-o", str(path), "--to", "2001-01-01", url=store_url)
    assert r.stdout.startswith(f"wrote {path}: 0 records")


@pytest.mark.parametrize("args, line", [
    (["--patient-name", "Ana"], "error: --patient-name: only with --save"),
    (["--by", "Jo"], "error: --by: only with --save"),
    (["--save"], "error: --by: is required with --save"),
    (["--save", "--by", " "], "error: --by: is required with --save"),
    (["--save", "--by", "Jo", "--patient-dob", "1899-12-31"], "error: --patient-dob: 1899-12-31 is out of range"),
    (["--save", "--by", "Jo", "--patient-dob", "04/05/1970"], "error: --patient-dob: '04/05/1970' is not a date"),
    (["--save", "--by", "Jo\nerror: forged"], "error: --by: holds a control character"),
    (["--save", "--by", "Jo", "--patient-ref", "x" * 65], "error: --patient-ref: is 65 characters long: at most 64"),
])
def test_cli_save_options_are_checked(tmp_path, args, line):
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    r = cli("quote", "--zip", "35203", *args, url=url)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.startswith(line), r.stderr
    assert QuoteLog(url).count() == 0


@pytest.mark.parametrize("args, line", [
    (["log", "show", "QNOSUCH234"], "error: id: no saved quote with that ID"),
    (["log", "export", "-o", "x.csv", "--from", "2026-02-30"], "error: --from: '2026-02-30' is not a date"),
    (["log", "export", "-o", "x.csv", "--from", "2026-02-02", "--to", "2026-02-01"], "error: --to: 2026-02-01 is "
                                                                                    "before --from"),
    (["log", "export"], "error: --output: is required"),
    (["log", "init", "--app-role", "x"], "error: --app-role: a PostgreSQL role name"),
])
def test_cli_log_commands_refuse_bad_input(tmp_path, args, line):
    r = cli(*args, url=f"sqlite:///{tmp_path / 'q.sqlite3'}")
    assert r.returncode == 2 and r.stdout == "" and r.stderr.startswith(line), r.stderr


# -- nothing about patients in any log -----------------------------------------------------------
def _assert_no_patient(*texts: str) -> None:
    for t in texts:
        for s in PATIENT_TEXT:
            assert s not in t, f"{s!r} leaked: {t[:500]!r}"


@pytest.fixture(params=["sqlite-read-only", "postgres-no-insert"])
def unwritable(request, tmp_path) -> str:
    """The URL of a quote log that can be read but not written."""
    if request.param == "sqlite-read-only":
        path = tmp_path / "quotes.sqlite3"
        QuoteLog(f"sqlite:///{path}").save(*_quote(), "desk-1")
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    owner, app = request.getfixturevalue("pg_app")
    with create_engine(owner).begin() as conn:
        conn.execute(text("REVOKE INSERT ON quotes FROM estimator_app"))
    return app


def test_a_failed_save_logs_and_says_nothing_about_the_patient(unwritable, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    log = QuoteLog(unwritable)
    assert log.count() in (0, 1)  # readable
    inputs, outputs = _quote()
    with pytest.raises(StorageError) as e:
        desk.save_quote(log, inputs, outputs, "Jo Desk", PATIENT)
    message = str(e.value)
    assert message.startswith("Saving the quote failed: the quote log's database could not be written (")
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert "INSERT" not in message and "quotes" not in message.replace("quote log", "")
    out, err = capfd.readouterr()
    _assert_no_patient(message, caplog.text, out, err, repr(e.value.args))
    r = cli("quote", "--zip", "35203", "--save", "--by", "Jo Desk", "--patient-name", PATIENT.name,
            "--patient-dob", PATIENT.dob.isoformat(), "--patient-ref", PATIENT.ref, "--json", url=unwritable)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: quote log: Saving the quote failed") and r.stderr.count("\n") == 1, r.stderr
    _assert_no_patient(r.stderr)
