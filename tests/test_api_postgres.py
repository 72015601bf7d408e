"""Concurrent saves into one PostgreSQL quote log: two API workers and the front desk's save path at once.

None lost, none duplicated, the hash chain verifies. The API connects as the application's role
(SELECT and INSERT only); the desk's saves run in another process through ``desk.save_quote``,
the function the front-desk page calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import make_url

from estimator.records.storage import QuoteLog

from . import api_server

THREADS, PER_THREAD, DESK = 6, 15, 20
DESK_SCRIPT = """
import sys
from estimator.frontdesk import desk
from estimator.quote import quote
from estimator.records.storage import QuoteLog
from estimator.scenario import Scenario
log = QuoteLog(sys.argv[1])
for i in range(int(sys.argv[2])):
    q = quote(Scenario(zip="35203", site="asc"))
    desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), "Desk", desk.Patient(ref=f"DESK-{i}"))
"""


@pytest.mark.postgres
def test_two_api_workers_and_the_desk_save_at_once_none_lost_none_duplicated(postgres_schema, tmp_path):
    owner = {"ESTIMATOR_DATABASE_URL": postgres_schema}
    app_url = make_url(postgres_schema).set(username="estimator_app", password="estimator_app")
    app_url = app_url.render_as_string(hide_password=False)
    init = subprocess.run([sys.executable, "-m", "estimator", "log", "init", "--app-role", "estimator_app"],
                          cwd=api_server.ROOT, env={**os.environ, **owner}, capture_output=True,
                          text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    made = subprocess.run([sys.executable, "-m", "estimator", "api-token", "create", "--name", "load"],
                          cwd=api_server.ROOT, env={**os.environ, **owner}, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
    server = api_server.start(tmp_path, workers=2, env={"ESTIMATOR_DATABASE_URL": app_url})
    try:
        desk_proc = subprocess.Popen([sys.executable, "-c", DESK_SCRIPT, app_url, str(DESK)], cwd=api_server.ROOT)

        def saves(t: int) -> list[tuple[str, dict]]:
            out = []
            with requests.Session() as s:
                for i in range(PER_THREAD):
                    r = s.post(server.url + "/v1/quote?save=true", headers=auth, timeout=60,
                               json={"zip": "60612", "site": "hopd", "by": "API", "patient_ref": f"API-{t}-{i}"})
                    assert r.status_code == 200, r.text
                    out.append((f"API-{t}-{i}", r.json()))
            return out

        with ThreadPoolExecutor(THREADS) as pool:
            answers = [a for batch in pool.map(saves, range(THREADS)) for a in batch]
        assert desk_proc.wait(timeout=300) == 0
    finally:
        api_server.stop(server)
    log = QuoteLog(app_url)
    records = log.records()
    refs = [r.patient_ref for r in records]
    expected = {ref for ref, _ in answers} | {f"DESK-{i}" for i in range(DESK)}
    assert len(records) == THREADS * PER_THREAD + DESK and sorted(refs) == sorted(expected)
    assert len({r.id for r in records}) == len(records)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    by_id = {r.id: r for r in records}
    for ref, answer in answers:
        rec = by_id[answer["quote_id"]]
        assert rec.patient_ref == ref
        assert {k: v for k, v in rec.outputs.items() if k != "schema_version"} == {
            k: v for k, v in answer.items() if k != "quote_id"}
    assert log.verify().ok
    check = subprocess.run([sys.executable, "-m", "estimator", "log", "verify"], cwd=api_server.ROOT,
                           env={**os.environ, "ESTIMATOR_DATABASE_URL": app_url}, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stderr
