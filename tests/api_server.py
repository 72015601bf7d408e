"""The real API server for tests: ``python -m estimator serve`` on a free loopback port, its own quote log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """``python -m estimator ...`` against the server's own quote log."""
        return subprocess.run([sys.executable, "-m", "estimator", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def token(self, name: str) -> str:
        r = self.cli("api-token", "create", "--name", name)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8")


def start(folder: Path, workers: int = 1, env: dict[str, str] | None = None) -> Server:
    """Start the server with a quote log in ``folder`` (or the database in ``env``); wait until it answers."""
    port = free_port()
    full = {**os.environ, "ESTIMATOR_DB_PATH": str(folder / "quotes.sqlite3"), **(env or {})}
    log_path = folder / f"server-{port}.log"
    with log_path.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "estimator", "serve", "--port", str(port),
                                 "--workers", str(workers)], cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/v1/health", timeout=2).status_code == 200:
                return Server(url, full, log_path, proc)
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the API server stopped: " + log_path.read_text())
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not start in 90 s: " + log_path.read_text())


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
