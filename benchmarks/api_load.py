"""The HTTP API under load: ``python -m benchmarks.api_load [--seconds 15] [--users 16] [--json]``.

Starts the real server (``python -m estimator serve``) on a free loopback port with 1 and then 2
workers, and drives it with Locust (headless, bounded in users and time) posting the engine
benchmark's kind of scenarios (``estimator.inputs.sampling``, every registry field drawn):

- ``/v1/quote``: one scenario per request;
- ``/v1/quotes``: 50 scenarios per request.

For each: requests/s, quotes/s, the median (p50) and 99th-percentile (p99) latency in
milliseconds as Locust measures them, and the failures (any answer but 200, or a refused row).
Locust runs on the same machine and takes CPU from the server: on 2 cores, the 2-worker figures
are a floor. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from estimator.inputs.sampling import random_frame, scenario_rows
from tests import api_server

ROOT = Path(__file__).resolve().parents[1]
BATCH_ROWS = 50


def _scenarios(n: int, seed: int) -> list[dict]:
    """``n`` scenarios as a client would send them: blanks left out."""
    rows = scenario_rows(random_frame(n, seed=seed, overrides=0.0))
    return [{k: v for k, v in r.items() if v is not None} for r in rows]


def _locust(url: str, endpoint: str, users: int, seconds: int, folder: Path, scenarios: Path) -> dict:
    prefix = folder / f"{endpoint}"
    env = {**os.environ, "API_LOAD_SCENARIOS": str(scenarios), "API_LOAD_ENDPOINT": endpoint,
           "API_LOAD_ROWS": str(BATCH_ROWS)}
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "api_locustfile.py"),
                    "--headless", "--host", url, "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                   cwd=ROOT, env=env, check=False, capture_output=True, timeout=seconds + 120)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] != "Aggregated")
    rps = float(row["Requests/s"])
    per = 1 if endpoint == "quote" else BATCH_ROWS
    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "requests_per_s": round(rps, 1), "quotes_per_s": round(rps * per, 1),
            "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.api_load", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=15, help="how long each run lasts (default 15)")
    p.add_argument("--users", type=int, default=16, help="concurrent clients, no think time (default 16)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenarios = folder / "scenarios.json"
        scenarios.write_text(json.dumps(_scenarios(500, seed=11)), encoding="utf-8")
        for workers in (1, 2):
            server = api_server.start(folder, workers=workers)
            try:
                for endpoint in ("quote", "quotes"):
                    out[f"{endpoint}_{workers}w"] = _locust(server.url, endpoint, args.users, args.seconds,
                                                            folder, scenarios)
            finally:
                api_server.stop(server)
    out["load_note"] = {"users": args.users, "seconds_per_run": args.seconds, "cpus": os.cpu_count(),
                        "batch_rows": BATCH_ROWS}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{'run':<14}{'requests/s':>12}{'quotes/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'failures':>10}")
        for name, r in out.items():
            if name != "load_note":
                print(f"{name:<14}{r['requests_per_s']:>12,.1f}{r['quotes_per_s']:>11,.1f}{r['p50_ms']:>9.0f}"
                      f"{r['p99_ms']:>9.0f}{r['failures']:>10}")
        print(f"{args.users} users with no think time, {args.seconds} s per run, {os.cpu_count()} CPUs; "
              "Locust shares the machine with the server")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
