"""Batch quoting on Dask: ``python -m benchmarks.dask_batch [--rows 10000000] [--workers 1 2] [--json]``.

Generates ``--rows`` random valid scenarios (``estimator.inputs.sampling``) as Parquet files of
``--file-rows`` rows each (kept in ``var/bench/dask_batch/`` and reused while the count and seed are
the same), then quotes them into a Parquet dataset on a local cluster of each number of worker
processes (one thread each), the reference tables sent to each worker once. It reports, per run:
wall time and quotes/s (whole run: reading, quoting, writing), quotes/s per worker, and each
worker process's peak resident memory (``getrusage``, over its whole life).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file: the project's packages are importable
    sys.path.insert(0, str(ROOT))

WORK = ROOT / "var" / "bench" / "dask_batch"


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(rows: int, file_rows: int, seed: int = 0) -> Path:
    """The input files (Parquet), made once per (rows, file_rows, seed)."""
    from estimator.inputs.sampling import random_frame
    from estimator.reference.tables import load

    folder = WORK / f"in_{rows}_{file_rows}_{seed}"
    done = folder / "_complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ref = load()
    for i, start in enumerate(range(0, rows, file_rows)):
        random_frame(min(file_rows, rows - start), seed + i, ref).to_parquet(folder / f"cases{i:04d}.parquet",
                                                                              index=False)
    done.write_text("")
    return folder


def run_cluster(folder: Path, workers: int) -> dict[str, float]:
    """Quote every file on a fresh local cluster of ``workers`` processes."""
    from distributed import Client, LocalCluster

    from estimator.cluster.batch_quotes import quote_files

    out = WORK / f"out_{workers}"
    shutil.rmtree(out, ignore_errors=True)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        summary = quote_files(str(folder), str(out), client)
        peaks = sorted(client.run(_peak_rss_mb).values())
    out_mb = sum(f.stat().st_size for f in out.glob("*.parquet")) / 1e6
    shutil.rmtree(out, ignore_errors=True)
    rate = summary.rows / summary.seconds
    return {"workers": workers, "rows": summary.rows, "partitions": summary.partitions,
            "seconds": round(summary.seconds, 2), "quotes_per_s": round(rate),
            "quotes_per_s_per_worker": round(rate / workers),
            "worker_peak_rss_mb_max": round(max(peaks), 1), "worker_peak_rss_mb_min": round(min(peaks), 1),
            "output_mb": round(out_mb, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--file-rows", type=int, default=500_000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    t = time.perf_counter()
    folder = generate(args.rows, args.file_rows)
    made = time.perf_counter() - t
    input_mb = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 1e6
    runs = [run_cluster(folder, w) for w in args.workers]
    result = {"rows": args.rows, "input_files": len(list(folder.glob("*.parquet"))),
              "input_mb": round(input_mb, 1), "generate_seconds": round(made, 1), "runs": runs}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.rows:,} scenarios in {result['input_files']} Parquet files ({input_mb:,.0f} MB)")
        for r in runs:
            print(f"{r['workers']} worker(s): {r['seconds']:.1f} s, {r['quotes_per_s']:,} quotes/s "
                  f"({r['quotes_per_s_per_worker']:,} per worker), peak memory per worker "
                  f"{r['worker_peak_rss_mb_max']:,.0f} MB, {r['partitions']} partitions, "
                  f"output {r['output_mb']:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
