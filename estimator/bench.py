"""Benchmarks: ``python -m estimator.bench`` prints latency, throughput and memory.

- single-quote latency (median and 95th percentile) of ``quote(Scenario)``;
- batch throughput of ``quote_frame`` on 1,000,000 scenarios, and its ratio to a plain per-row
  loop over the single-quote API;
- the same for a mix where every row leaves the deductible and the plan type open (each row then
  priced in every case: deductible met and not, PPO and HMO);
- peak resident memory of a process that holds the 1,000,000 scenarios and quotes them (the frame
  is drawn in the parent and handed over in a file, so drawing it is not counted).

The dashboard's timings are in ``python -m benchmarks.dashboard_bench``; ``scripts/bench`` runs both.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.batch import quote_frame
from estimator.inputs import sampling
from estimator.quote import quote
from estimator.reference.tables import load
from estimator.scenario import Scenario


def random_frame(n: int, seed: int = 0, open_cases: bool = False) -> pd.DataFrame:
    """n random valid scenarios drawn from the field registry (estimator.inputs.sampling); with
    ``open_cases`` every row leaves the deductible and the plan type open."""
    return sampling.random_frame(n, seed, load(), open_cases=open_cases)


def _scenarios(df: pd.DataFrame) -> list[Scenario]:
    return [Scenario(**row) for row in sampling.scenario_rows(df)]


def single_latency(n: int = 3000) -> dict[str, float]:
    scs = _scenarios(random_frame(n, seed=1))
    quote(scs[0])  # warm the table cache
    times = np.empty(n)
    for i, sc in enumerate(scs):
        t = time.perf_counter()
        quote(sc)
        times[i] = time.perf_counter() - t
    return {"single_median_ms": float(np.median(times) * 1e3),
            "single_p95_ms": float(np.percentile(times, 95) * 1e3),
            "loop_quotes_per_s": float(n / times.sum())}


def batch_throughput(df: pd.DataFrame, repeats: int = 3) -> dict[str, float]:
    """Time quote_frame on the rows of ``df``: the first (cold) run and the median of ``repeats`` runs."""
    n = len(df)
    quote_frame(df.head(1000))  # load the tables
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = quote_frame(df, keep_inputs=False)
        times.append(time.perf_counter() - t)
        assert (out["status"] == "ok").all()
        del out
    elapsed = float(np.median(times))
    return {"batch_rows": n, "batch_seconds": elapsed, "batch_quotes_per_s": n / elapsed,
            "batch_cold_quotes_per_s": n / times[0],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _in_child(df: pd.DataFrame, folder: str) -> dict[str, float]:
    """batch_throughput of ``df`` in a fresh process (its memory is the quoting's alone)."""
    path = Path(folder) / "frame.pickle"
    with path.open("wb") as f:
        pickle.dump(df, f, protocol=pickle.HIGHEST_PROTOCOL)
    child = subprocess.run([sys.executable, "-m", "estimator.bench", "--child-batch", str(path)],
                           capture_output=True, text=True, check=True)
    return json.loads(child.stdout)


def run(n: int) -> dict[str, float]:
    results = single_latency()
    with tempfile.TemporaryDirectory() as folder:
        results.update(_in_child(random_frame(n, seed=2), folder))
        opened = _in_child(random_frame(n, seed=3, open_cases=True), folder)
    results |= {f"open_{key}": opened[key] for key in ("batch_rows", "batch_seconds", "batch_quotes_per_s",
                                                       "peak_rss_mb")}
    results["batch_vs_loop"] = results["batch_quotes_per_s"] / results["loop_quotes_per_s"]
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m estimator.bench", description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="batch size (default 1,000,000)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--child-batch", help=argparse.SUPPRESS)  # a pickled frame to quote
    args = p.parse_args(argv)
    if args.child_batch:
        with open(args.child_batch, "rb") as f:
            df = pickle.load(f)  # written by this module's parent process, a moment ago
        print(json.dumps(batch_throughput(df)))
        return 0
    r = run(args.rows)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"single quote latency: median {r['single_median_ms']:.3f} ms, p95 {r['single_p95_ms']:.3f} ms")
    print(f"per-row loop over the single-quote API: {r['loop_quotes_per_s']:,.0f} quotes/s")
    print(f"batch: {r['batch_rows']:,} scenarios in {r['batch_seconds']:.2f} s (median of 3) = "
          f"{r['batch_quotes_per_s']:,.0f} quotes/s ({r['batch_vs_loop']:,.0f}x the loop); "
          f"first run {r['batch_cold_quotes_per_s']:,.0f} quotes/s")
    print(f"batch, every row leaving the deductible and plan type open: {r['open_batch_rows']:,} scenarios "
          f"in {r['open_batch_seconds']:.2f} s = {r['open_batch_quotes_per_s']:,.0f} quotes/s")
    print(f"peak memory holding and quoting {r['batch_rows']:,} scenarios: {r['peak_rss_mb']:,.0f} MB "
          f"(resident; {r['open_peak_rss_mb']:,.0f} MB for the open mix)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
