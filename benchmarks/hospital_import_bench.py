"""Hospital file import: ``python -m benchmarks.hospital_import_bench [--size-mb 1024] [--json]``.

Writes a CMS v3.0 "tall" CSV standard-charges file of about ``--size-mb`` megabytes in a temporary
folder (deleted afterwards): most rows are other codes (CPT, HCPCS, revenue codes, MS-DRGs), one
row in ``--every`` is CPT 62320-62323. Then imports it with ``python -m estimator hospital-prices
import`` in a child process and reports:

- ``mb_per_s``: the file's size over the import's wall time (the child's start-up included);
- ``peak_rss_mb``: the child process's maximum resident memory (``getrusage(RUSAGE_CHILDREN)``);
- ``rows_found`` against ``rows_planted``: every planted 62320-62323 row must be found.

The machine's load average is reported too: on a shared machine the figures vary with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEADER = (
    'hospital_name,last_updated_on,version,location_name,hospital_address,license_number|CA,type_2_npi,'
    '"To the best of its knowledge and belief, this hospital has included all applicable standard charge '
    'information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, '
    'accurate, and complete as of the date in the file.",attester_name\n'
    'Benchmark General Hospital,2026-04-01,3.0.0,Benchmark General Hospital,'
    '"1 Test Way, Fresno, CA 93701",990001,0000000001,TRUE,Leigh Attester\n'
    "description,code|1,code|1|type,code|2,code|2|type,setting,drug_unit_of_measurement,drug_type_of_measurement,"
    "standard_charge|gross,standard_charge|discounted_cash,payer_name,plan_name,modifiers,"
    "standard_charge|negotiated_dollar,standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,"
    "median_amount,10th_percentile,90th_percentile,count,standard_charge|min,standard_charge|max,"
    "standard_charge|methodology,additional_generic_notes\n")
PAYERS = [("Platform Health Insurance", "PPO"), ("Platform Health Insurance", "HMO"), ("Region Health", "EPO"),
          ("Region Health", "Medicare Advantage"), ("Blue Plan of the West", "Commercial PPO"),
          ("Valley Care", "Medicaid Managed Care"), ("Summit Health Partners", "POS"), ("Union Trust Plan", "HMO")]
OTHER = [("MRI of brain (no contrast)", "611", "RC", "70551", "CPT", "outpatient"),
         ("Basic metabolic panel", "301", "RC", "80048", "CPT", "outpatient"),
         ("ER level 3", "450", "RC", "99283", "CPT", "outpatient"),
         ("Pacemaker", "278", "RC", "C1785", "HCPCS", "outpatient"),
         ("Medical surgical bed", "120", "RC", "", "", "inpatient"),
         ('"Major hip and knee joint replacement, without mcc"', "470", "MS-DRG", "", "", "inpatient")]
TARGET = ('"Injection(s), interlaminar epidural, cervical or thoracic; with imaging guidance"', "360", "RC")


def _row(desc: str, c1: str, t1: str, c2: str, t2: str, setting: str, i: int) -> str:
    payer, plan = PAYERS[i % len(PAYERS)]
    gross = 100 + (i * 37) % 9000
    dollar = round(gross * 0.55, 2)
    return (f"{desc},{c1},{t1},{c2},{t2},{setting},,,{gross},{round(gross * 0.8, 2)},{payer},{plan},,{dollar},,,,,,,"
            f"{round(dollar * 0.8, 2)},{round(dollar * 1.2, 2)},fee schedule,\n")


def chunk(n_rows: int, every: int, start: int) -> tuple[str, int]:
    """``n_rows`` data rows, one in ``every`` coded 62320-62323; returns the text and that count."""
    lines, planted = [], 0
    for k in range(n_rows):
        i = start + k
        if i % every == every - 1:
            code = ("62320", "62321", "62322", "62323")[(i // every) % 4]
            lines.append(_row(*TARGET, code, "CPT", "outpatient", i))
            planted += 1
        else:
            lines.append(_row(*OTHER[i % len(OTHER)], i))
    return "".join(lines), planted


def write_file(path: Path, size_mb: float, every: int) -> int:
    """Write the benchmark file (one block of rows, repeated); returns the number of 62320-62323
    rows planted."""
    target = int(size_mb * 1024 * 1024)
    block, per_block = chunk(max(every, 20_000 // every * every), every, 0)
    planted, written = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        written += f.write(HEADER)
        while written < target:
            text, p = block, per_block
            if written + len(text) > target:  # the last block: only as many rows as fit
                text = text[: max(0, target - written)].rpartition("\n")[0]
                if not text:
                    break
                text += "\n"
                p = sum(1 for line in text.splitlines() if line.startswith(TARGET[0]))
            written += f.write(text)
            planted += p
    return planted


def measure(size_mb: float, every: int = 5000) -> dict[str, float | int | str]:
    with tempfile.TemporaryDirectory(prefix="hospital-bench-") as tmp:
        src, data_dir = Path(tmp) / "standard_charges.csv", Path(tmp) / "table"
        planted = write_file(src, size_mb, every)
        size = src.stat().st_size
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "estimator", "hospital-prices", "import", str(src),
                               "--data-dir", str(data_dir)], env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes; the only child
        if done.returncode != 0:
            raise SystemExit(f"import failed: {done.stderr.strip()}")
        found = int(done.stdout.split(", ")[-1].split()[0]) if " prices for " in done.stdout else 0
    return {"size_mb": round(size / 1024 / 1024, 1), "seconds": round(seconds, 2),
            "mb_per_s": round(size / 1024 / 1024 / seconds, 1),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            "rows_planted": planted, "rows_found": found, "cpus": os.cpu_count() or 0,
            "load_average_1m": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=1024.0, help="size of the generated file (default 1024)")
    ap.add_argument("--every", type=int, default=5000, help="one row in EVERY is 62320-62323 (default 5000)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    result = measure(args.size_mb, args.every)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0 if result["rows_found"] == result["rows_planted"] else 1


if __name__ == "__main__":
    sys.exit(main())
