"""Shared test fixtures: the reference folder and the loaded tables."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from estimator.reference import tables

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("ESTIMATOR_REFERENCE", ROOT.parent / "shared" / "reference"))


@pytest.fixture(scope="session")
def ref() -> tables.RefData:
    return tables.load()


@pytest.fixture(scope="session")
def evidence(ref: tables.RefData) -> pd.DataFrame:
    """data/hospital_market_evidence.csv: what the facility models are fitted on."""
    return pd.read_csv(f"{ref.path}/hospital_market_evidence.csv", dtype={"ccn": str, "zip": str},
                       keep_default_na=False, na_values=[""])


@pytest.fixture(scope="session")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"reference data not found at {REFERENCE}")
    return REFERENCE


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m estimator`` as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "estimator", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@contextlib.contextmanager
def dask_cluster(workers: int = 2) -> Iterator[tuple[str, object]]:
    """A real Dask cluster on loopback: a scheduler and ``workers`` worker processes (one thread each)
    started as ``dask scheduler`` and ``dask worker`` start them; yields (its address, a Client).
    Separate processes, so the workers never re-run this test process's main module."""
    import distributed

    with tempfile.TemporaryDirectory() as tmp:
        info = Path(tmp) / "scheduler.json"
        base = [sys.executable, "-m"]
        quiet = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        procs = [subprocess.Popen([*base, "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(info)], **quiet)]
        try:
            deadline = time.monotonic() + 60
            while not info.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            procs += [subprocess.Popen([*base, "distributed.cli.dask_worker", "--scheduler-file", str(info),
                                        "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                       **quiet) for _ in range(workers)]
            with distributed.Client(scheduler_file=str(info), timeout="60s") as client:
                client.wait_for_workers(workers, timeout=120)
                yield client.scheduler.address, client
        finally:
            for p in procs[::-1]:
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()


@pytest.fixture
def postgres_schema():
    """A fresh, empty schema in the test PostgreSQL server (scripts/postgres starts it; scripts/test
    sets the URL), as the URL of its owner, the role of ESTIMATOR_TEST_DATABASE_URL."""
    import uuid

    from sqlalchemy import create_engine, text

    base = os.environ.get("ESTIMATOR_TEST_DATABASE_URL")
    if not base:
        pytest.skip("ESTIMATOR_TEST_DATABASE_URL is not set (scripts/test starts PostgreSQL and sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_schema):
    """A fresh schema holding the quote log's tables (``log init`` run by the owner)."""
    from estimator.records.log_schema import init_schema, make_engine

    engine = make_engine(postgres_schema)
    init_schema(engine)
    engine.dispose()
    return postgres_schema


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """Each storage test runs against SQLite and against PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quotes.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (scripts/setup --all installs it)."""
    from playwright.sync_api import sync_playwright

    from .e2e_server import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
