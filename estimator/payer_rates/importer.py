"""Import insurers' in-network files into one Parquet table of this project's rates.

Each in-network file is one task (gzip cannot be split, so one file is never shared between
workers): on Dask, ``Client.map`` spreads the files over the cluster; without a client they are
read here one after another. Only our codes come back from a worker (a few thousand rows for a file
of gigabytes), so the rows are joined here. Duplicates (the same price for the same payer, plan,
code, provider and terms, e.g. a provider listed under two networks or in two files) are then
marked ``duplicate`` after the first, and the table is written with pyarrow.

The table replaces an earlier one whole or not at all (atomic.replace_whole); when every file
failed, nothing is written and an earlier table is left as it was (``ImportSummary.written``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from estimator.common.errors import fail
from estimator.common.shown import show
from estimator.payer_rates.atomic import replace_whole
from estimator.payer_rates.sources import tasks_for
from estimator.payer_rates.tic_file import COLUMNS, REASONS, FileResult, read_file

#: What makes two rows the same price (everything but where it was read).
SAME_PRICE = ("payer", "plan_name", "plan_id", "billing_code", "negotiation_arrangement", "negotiated_type",
              "negotiated_rate", "billing_class", "setting", "place_of_service", "modifiers", "expiration_date",
              "tin_type", "tin", "npi")
#: Problems listed per file in the summary (the rest are counted).
MAX_PROBLEMS = 20


@dataclass
class ImportSummary:
    """What an import did: rows written, why rows were kept out of prices, files and their problems;
    ``written`` is False when every file failed and nothing was written."""

    output: str
    rows: int = 0
    prices: int = 0
    excluded: Counter = field(default_factory=Counter)
    counts: Counter = field(default_factory=Counter)
    files: int = 0
    failed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    compressed_bytes: int = 0
    json_bytes: int = 0
    seconds: float = 0.0
    written: bool = False


def mark_duplicates(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows repeating an earlier row's price (SAME_PRICE) get ``excluded = duplicate``; an earlier
    exclusion (percentage, expired...) is kept."""
    if rows.empty:
        return rows
    dup = rows.duplicated(subset=list(SAME_PRICE), keep="first") & (rows["excluded"] == "")
    rows.loc[dup, "excluded"] = "duplicate"
    return rows


def _run(tasks: list, client: object | None, **kw) -> list[FileResult]:
    if client is None:
        return [read_file(t, **kw) for t in tasks]
    futures = client.map(read_file, tasks, pure=False, **kw)
    return client.gather(futures)


def import_rates(locations: list[str], output: str, client: object | None = None, npis: tuple[str, ...] = (),
                 tins: tuple[str, ...] = (), as_of: date | None = None) -> ImportSummary:
    """Read every in-network file the locations name (files, URLs, URL lists, tables of contents) and
    write our codes' rates to ``output`` (Parquet). Files that fail (a location that cannot be opened,
    broken JSON, no ``in_network``) are listed, the others written; if no location can be opened at
    all, nothing is written and the error is the input's; if every file fails, nothing is written
    (``written`` False) and ``output`` is left as it was."""
    start = time.perf_counter()
    if not output.lower().endswith((".parquet", ".pq")):
        raise fail("output", f"{show(output)}: give a .parquet file")
    tasks, unopened = tasks_for(locations)
    if not tasks:
        raise fail("input", "; ".join(unopened) or "no in-network files found in "
                   + ", ".join(show(x) for x in locations))
    results = _run(tasks, client, as_of=as_of or date.today(), npis=frozenset(npis), tins=frozenset(tins))
    summary = ImportSummary(output=output, files=len(results) + len(unopened), failed=list(unopened))
    frames = []
    for r in results:
        summary.counts.update(r.counts)
        summary.compressed_bytes += r.compressed_bytes
        summary.json_bytes += r.json_bytes
        if r.error:
            summary.failed.append(r.error)
            continue
        frames.append(r.rows)
        summary.problems += [f"{r.location}: {p}" for p in r.problems[:MAX_PROBLEMS]]
        if len(r.problems) > MAX_PROBLEMS:
            summary.problems.append(f"{r.location}: {len(r.problems) - MAX_PROBLEMS} more problems")
    if not frames:  # every file failed: an earlier table is better than an empty one
        summary.seconds = time.perf_counter() - start
        return summary
    frames = [f for f in frames if len(f)]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    rows = mark_duplicates(rows)
    try:
        replace_whole(Path(output), lambda tmp: rows.to_parquet(tmp, index=False))
    except OSError as e:
        raise fail("output", f"cannot write {show(output)}: {e.strerror or e}") from None
    summary.written = True
    summary.rows = len(rows)
    summary.prices = int((rows["excluded"] == "").sum())
    kept_out = rows.loc[rows["excluded"] != "", "excluded"].value_counts()
    summary.excluded = Counter({k: int(v) for k, v in kept_out.items()})
    for reason in REASONS:
        summary.excluded.setdefault(reason, 0)
    summary.seconds = time.perf_counter() - start
    return summary
