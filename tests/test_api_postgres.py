"""Concurrent saves into one PostgreSQL quote log: two API workers and the Streamlit front desk at once.

None lost, none duplicated, the hash chain verifies. The API runs with ``--workers 2`` and connects
as the application's role (SELECT and INSERT only); the desk is the real front-desk page driven by
Streamlit's AppTest in a process of its own, saving through its "Save quote" button while the API
saves. Which worker answered each request is read from outside: the worker process holding the
server side of the request's TCP connection (the API says nothing about it).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psutil
import pytest
from sqlalchemy import make_url

from estimator.records.storage import QuoteLog

from . import api_server

THREADS, PER_THREAD, PER_CONNECTION, DESK = 8, 25, 5, 8
SITES = ("hopd", "asc", "office")
ZIPS = ("35203", "60612", "10001")

#: The front desk in its own process: the page opened and signed in, then, on "go", DESK quotes saved
#: with its Save quote button, each for a new patient; one JSON line per save (its ID and the quote shown).
DESK_SCRIPT = """
import json, sys
from tests.test_front_desk_app import click, fill, signed_in_desk
at = signed_in_desk()
fill(at, zip="35203", site="asc")
print("READY", flush=True)
assert sys.stdin.readline().strip() == "go"
for i in range(int(sys.argv[1])):
    click(at, "New patient")
    fill(at, zip="35203", site="asc", deductible_remaining=str(50 * i), patient_name=f"Desk Patient {i}",
         patient_ref=f"DESK-{i}")
    click(at, "Save quote")
    assert at.success, [e.value for e in at.error]
    saved = at.success[0].value.split("**")[1]
    print("SAVED " + json.dumps({"ref": f"DESK-{i}", "quote_id": saved, "shown": at.session_state["fd_result"]}),
          flush=True)
"""


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "estimator", *args], cwd=api_server.ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def as_app_role(owner_url: str) -> str:
    """The owner's URL (same database, same search_path) connecting as the application's role."""
    url = make_url(owner_url).set(username="estimator_app", password="estimator_app")
    assert url.query.get("options", "").startswith("-csearch_path=")
    return url.render_as_string(hide_password=False)


def worker_of(server: psutil.Process, port: int, client_port: int) -> int | None:
    """The process (a uvicorn worker) holding the server side of the connection from ``client_port``."""
    for p in server.children(recursive=True):
        for c in p.net_connections("tcp"):
            if c.laddr and c.laddr.port == port and c.raddr and c.raddr.port == client_port:
                return p.pid
    return None


def unstamped(outputs: dict) -> dict:
    return {k: v for k, v in outputs.items() if k != "schema_version"}


@pytest.mark.postgres
def test_two_api_workers_and_the_streamlit_desk_save_at_once_none_lost_none_duplicated(postgres_schema, tmp_path):
    owner = {"ESTIMATOR_DATABASE_URL": postgres_schema}
    app_env = {"ESTIMATOR_DATABASE_URL": as_app_role(postgres_schema)}
    init = cli(owner, "log", "init", "--app-role", "estimator_app")
    assert init.returncode == 0, init.stderr
    made = cli(owner, "api-token", "create", "--name", "load")
    assert made.returncode == 0, made.stderr
    auth = {"Authorization": f"Bearer {made.stdout.strip()}", "Content-Type": "application/json"}

    desk_err = (tmp_path / "desk.err").open("w")
    desk = subprocess.Popen([sys.executable, "-c", DESK_SCRIPT, str(DESK)], cwd=api_server.ROOT, text=True,
                            env={**os.environ, **app_env, "ESTIMATOR_FRONT_DESK": "open"},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=desk_err)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put((time.monotonic(), x)) for x in desk.stdout] + [lines.put(None)],
                     daemon=True).start()
    server = None
    try:
        server = api_server.start(tmp_path, workers=2, env=app_env)
        ready = lines.get(timeout=60)
        assert ready and ready[1] == "READY\n", (tmp_path / "desk.err").read_text()
        host = urlsplit(server.url)
        master = psutil.Process(server.process.pid)

        def saves(t: int) -> list[dict]:
            """PER_THREAD saves, PER_CONNECTION to a keep-alive connection (each served by one worker)."""
            out, seen = [], {}
            for start in range(0, PER_THREAD, PER_CONNECTION):
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
                try:
                    for i in range(start, start + PER_CONNECTION):
                        ref = f"API-{t}-{i}"
                        body = {"zip": ZIPS[t % 3], "site": SITES[i % 3], "deductible_remaining": 10 * i,
                                "by": f"API client {t}", "patient_name": f"Api Patient {t} {i}", "patient_ref": ref}
                        conn.request("POST", "/v1/quote?save=true", json.dumps(body), auth)
                        client_port = conn.sock.getsockname()[1]
                        r = conn.getresponse()
                        text = r.read().decode()
                        # Still open (keep-alive): its worker, looked up once per connection. Closed by the
                        # server: no longer to be seen (None, which fails below).
                        if conn.sock is not None and client_port not in seen:
                            seen[client_port] = worker_of(master, host.port, client_port)
                        worker = seen.get(client_port) if conn.sock is not None else None
                        out.append({"ref": ref, "by": body["by"], "name": body["patient_name"],
                                    "status": r.status, "text": text, "worker": worker})
                finally:
                    conn.close()
            return out

        began = time.monotonic()
        desk.stdin.write("go\n")
        desk.stdin.flush()
        with ThreadPoolExecutor(THREADS) as pool:
            answers = [a for batch in pool.map(saves, range(THREADS)) for a in batch]
        api_seconds = time.monotonic() - began
        desk_saved, desk_seconds = [], 0.0
        while (got := lines.get(timeout=60)) is not None:
            desk_saved.append(json.loads(got[1].removeprefix("SAVED ")))
            desk_seconds = got[0] - began
        assert desk.wait(timeout=60) == 0, (tmp_path / "desk.err").read_text()
    finally:
        if desk.poll() is None:
            desk.kill()
        desk_err.close()
        if server is not None:
            api_server.stop(server)
    log_text = server.log_text()
    started = {int(p) for p in re.findall(r"Started server process \[(\d+)\]", log_text)}
    print(f"\n{len(answers)} API saves in {api_seconds:.2f} s ({len(answers) / api_seconds:.0f}/s); "
          f"{len(desk_saved)} desk saves done {desk_seconds:.2f} s after the start; "
          f"per worker: {dict(Counter(a['worker'] for a in answers))}")

    # Every API request answered 200 with a quote ID; the two workers shared them.
    assert [a for a in answers if a["status"] != 200] == []
    for a in answers:
        a["json"] = json.loads(a["text"])
    assert all(a["json"].get("quote_id") for a in answers)
    workers = Counter(a["worker"] for a in answers)
    assert None not in workers, "a request's connection was not found in any worker"
    assert len(workers) == 2 and set(workers) == started, (workers, started)  # the two workers uvicorn started
    assert len(re.findall(r"POST /v1/quote 200 ", log_text)) == len(answers)
    assert not re.search(r" ERROR |unexpected| 5\d\d \d", log_text), log_text[-3000:]
    assert [d["ref"] for d in desk_saved] == [f"DESK-{i}" for i in range(DESK)]

    # The log holds each save exactly once, in one gapless chain.
    log = QuoteLog(app_env["ESTIMATOR_DATABASE_URL"])
    records = log.records()
    sent = [a["ref"] for a in answers] + [d["ref"] for d in desk_saved]
    assert log.count() == len(records) == THREADS * PER_THREAD + DESK
    assert Counter(r.patient_ref for r in records) == Counter(sent) and len(set(sent)) == len(sent)
    assert len({r.id for r in records}) == len(records)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    by_id = {r.id: r for r in records}
    assert {a["json"]["quote_id"] for a in answers} | {d["quote_id"] for d in desk_saved} == set(by_id)
    for a in answers:
        rec = by_id[a["json"]["quote_id"]]
        assert (rec.patient_ref, rec.created_by, rec.patient_name, rec.kind) == (a["ref"], a["by"], a["name"], "quote")
        assert unstamped(rec.outputs) == {k: v for k, v in a["json"].items() if k != "quote_id"}
    for d in desk_saved:
        rec = by_id[d["quote_id"]]
        assert (rec.patient_ref, rec.created_by, rec.patient_name) == (d["ref"], "JD", f"Desk Patient {d['ref'][5:]}")
        assert unstamped(rec.outputs) == d["shown"]

    # The desk really saved while the API did: some of its records sit between API records in the chain.
    api_seqs = sorted(by_id[a["json"]["quote_id"]].seq for a in answers)
    desk_seqs = sorted(by_id[d["quote_id"]].seq for d in desk_saved)
    print(f"desk records at chain places {desk_seqs} (API: {api_seqs[0]} to {api_seqs[-1]})")
    assert any(api_seqs[0] < s < api_seqs[-1] for s in desk_seqs), (desk_seqs, api_seqs[0], api_seqs[-1])

    verified = log.verify()
    assert verified.ok and verified.quotes == len(records), verified
    log.engine.dispose()
    check = cli(app_env, "log", "verify")
    assert check.returncode == 0, check.stdout + check.stderr
