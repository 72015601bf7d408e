"""Importing insurers' rate files on Dask: ``python -m benchmarks.tic_import [--files 8]
[--items 600000] [--workers 1 2] [--json]``.

Generates a set of schema-valid gzip'd TiC in-network files (tests/tic_files.py: each about 440 MB of
JSON, 25 MB compressed, with 600,000 items of other codes around this project's; kept in
``var/bench/tic_import/`` and reused), then imports them on a local cluster of each number of worker
processes, one file per task. It reports MB/s of compressed and of JSON input, in all and per worker,
and each worker's peak resident memory (``getrusage``, over its life).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file: the project's packages (estimator, tests) are importable
    sys.path.insert(0, str(ROOT))

WORK = ROOT / "var" / "bench" / "tic_import"


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(files: int, items: int) -> Path:
    from tests.tic_files import write_in_network

    folder = WORK / f"in_{files}_{items}"
    if (folder / "_complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(files):
        write_in_network(folder / f"in-network-{i:03d}.json.gz", version="2.0.0" if i % 2 else "1.0.0",
                         seed=i, groups=50, npis=5, other_items=items)
    (folder / "_complete").write_text("")
    return folder


def run(folder: Path, workers: int) -> dict[str, float]:
    from distributed import Client, LocalCluster

    from estimator.payer_rates.importer import import_rates

    out = WORK / f"rates_{workers}.parquet"
    files = sorted(str(f) for f in folder.glob("*.json.gz"))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        s = import_rates(files, str(out), client, as_of=date(2026, 12, 7))
        peaks = sorted(client.run(_peak_rss_mb).values())
    gz, js = s.compressed_bytes / 1e6, s.json_bytes / 1e6
    return {"workers": workers, "files": s.files, "failed": len(s.failed), "rates": s.rows, "prices": s.prices,
            "seconds": round(s.seconds, 2), "compressed_mb": round(gz, 1), "json_mb": round(js, 1),
            "compressed_mb_per_s": round(gz / s.seconds, 2), "json_mb_per_s": round(js / s.seconds, 1),
            "json_mb_per_s_per_worker": round(js / s.seconds / workers, 1),
            "worker_peak_rss_mb_max": round(max(peaks), 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=8)
    p.add_argument("--items", type=int, default=600_000, help="items of other codes per file")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    t = time.perf_counter()
    folder = generate(args.files, args.items)
    made = time.perf_counter() - t
    runs = [run(folder, w) for w in args.workers]
    result = {"files": args.files, "items_per_file": args.items, "generate_seconds": round(made, 1), "runs": runs}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for r in runs:
            print(f"{r['workers']} worker(s): {r['files']} files, {r['json_mb']:,.0f} MB of JSON "
                  f"({r['compressed_mb']:,.0f} MB gzip) in {r['seconds']:.1f} s: {r['json_mb_per_s']:.1f} MB/s of "
                  f"JSON ({r['json_mb_per_s_per_worker']:.1f} per worker), {r['compressed_mb_per_s']:.2f} MB/s "
                  f"compressed; peak memory per worker {r['worker_peak_rss_mb_max']:,.0f} MB; "
                  f"{r['prices']:,} usable prices of {r['rates']:,} rates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
