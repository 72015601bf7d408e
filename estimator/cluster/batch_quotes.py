"""Batch quoting of scenario files of any size, partition by partition, on Dask or in this process.

In: a CSV (``.csv``, or ``.csv.gz``, which cannot be split and is read as one partition) or Parquet
file, a directory of them, or a glob; columns named like the Scenario fields, as for
``estimator.batch.quote_frame``. CSV cells are read as text (blank = not given), exactly as a single
process reads them, so a file quotes the same either way.

Out: ``quote_frame``'s columns (the inputs, then status, error, locality_key, billed_code, data_version
and the amounts), rows in input order:
- a Parquet dataset (a directory of ``part.NNNNN.parquet`` files, one per partition), written by the
  workers; the directory must be reachable by them (a shared file system on a real cluster);
- or one CSV file (``OUT.csv``), written here in partition order by the project's one CSV writer
  (``estimator.common.safe_csv``: safe to open in a spreadsheet), with at most two partitions per
  worker in flight, so memory stays bounded whatever the size.

The reference tables are sent to every worker once (``Client.scatter(..., broadcast=True)``), not
with each partition. Every partition goes through the same ``quote_frame``: the output equals a
single process's, cell for cell (tests/test_cluster_batch.py checks it on a local cluster).
"""

from __future__ import annotations

import glob
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from estimator.batch import quote_frame
from estimator.common.errors import fail
from estimator.common.safe_csv import frame_to_csv
from estimator.common.shown import show
from estimator.reference.tables import RefData, load

#: Input files by kind: what each name may end with.
SUFFIXES = {"csv": (".csv", ".csv.gz"), "parquet": (".parquet", ".pq")}
ALLOWED_INPUT = "a .csv, .csv.gz or .parquet file, a directory of them, or a glob such as 'cases/*.csv'"
#: Bytes of CSV per partition: about 200,000 scenarios, whose results (about 90 columns) take a few
#: hundred MB in a worker.
CSV_BLOCK = "32MiB"
PART_NAME = "part.{:05d}.parquet"


@dataclass(frozen=True)
class Summary:
    """What a run did: rows read, quoted and in error, the partitions, the wall time (seconds)."""

    rows: int
    ok: int
    partitions: int
    seconds: float
    output: str

    @property
    def errors(self) -> int:
        return self.rows - self.ok


def _kind(path: str) -> str | None:
    low = path.lower()
    return next((kind for kind, ends in SUFFIXES.items() if low.endswith(ends)), None)


def input_files(spec: str) -> tuple[str, list[str]]:
    """(kind, files) for a file, a directory (its CSV or Parquet files) or a glob; all of one kind."""
    p = Path(spec)
    if p.is_dir():
        files = sorted(str(f) for f in p.iterdir() if f.is_file() and _kind(f.name))
    elif p.is_file():
        files = [spec]
    else:
        files = sorted(f for f in glob.glob(spec) if Path(f).is_file())
        if not files:
            raise fail("input", f"no file, directory or files match {show(spec)}: give {ALLOWED_INPUT}")
    if not files:
        raise fail("input", f"{show(spec)} holds no .csv or .parquet files: give {ALLOWED_INPUT}")
    kinds = {_kind(f) for f in files}
    if None in kinds:
        odd = next(f for f in files if _kind(f) is None)
        raise fail("input", f"{show(odd)} is neither CSV nor Parquet: give {ALLOWED_INPUT}")
    if len(kinds) > 1:
        raise fail("input", f"{show(spec)} mixes CSV and Parquet files: give files of one kind")
    return kinds.pop(), files


def read_scenarios(kind: str, files: list[str], partitions: int | None = None):
    """The scenarios as a dask DataFrame; CSV as text cells (blank = not given)."""
    import dask.dataframe as dd

    if kind == "csv":
        gz = any(f.lower().endswith(".gz") for f in files)
        ddf = dd.read_csv(files, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                          blocksize=None if gz else CSV_BLOCK)
    else:
        ddf = dd.read_parquet(files)
    if partitions:
        if partitions < 1:
            raise fail("partitions", "must be at least 1")
        ddf = ddf.repartition(npartitions=partitions)
    return ddf


def read_single_process(kind: str, files: list[str]) -> pd.DataFrame:
    """The same rows read whole by pandas, as a single process would (for the equality check)."""
    if kind == "csv":
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
                  for f in files]
    else:
        frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True)


def quote_partition(df: pd.DataFrame, ref: RefData, threads: int = 1) -> pd.DataFrame:
    """One partition through quote_frame (inputs kept)."""
    return quote_frame(df, ref, keep_inputs=True, threads=threads)


def _write_part(df: pd.DataFrame, folder: str, number: int) -> tuple[int, int]:
    """Write one partition's results as Parquet; returns (rows, rows quoted)."""
    df.to_parquet(Path(folder) / PART_NAME.format(number), index=False)
    return len(df), int((df["status"] == "ok").sum())


def _csv_part(df: pd.DataFrame, header: bool) -> tuple[bytes, int, int]:
    """One partition's results as CSV text (with the header for the first); (bytes, rows, quoted)."""
    text = frame_to_csv(df)
    if not header:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return text.encode("utf-8"), len(df), int((df["status"] == "ok").sum())


def _output(output: str) -> str:
    """'csv' or 'parquet' for the output path; an existing directory that is not our output is refused."""
    if output.lower().endswith(".csv"):
        return "csv"
    if Path(output).suffix and not output.lower().endswith(SUFFIXES["parquet"]):
        raise fail("output", f"{show(output)}: give a .csv file or a Parquet directory (.parquet or no suffix)")
    p = Path(output)
    if p.exists() and not p.is_dir():
        raise fail("output", f"{show(output)} is a file: a Parquet output is a directory")
    if p.is_dir():
        foreign = [f.name for f in p.iterdir() if not (f.name.startswith("part.") and f.name.endswith(".parquet"))]
        if foreign:
            raise fail("output", f"{show(output)} already holds other files ({', '.join(sorted(foreign)[:3])}): "
                                 "give a new or empty directory")
    return "parquet"


def quote_files(input_spec: str, output: str, client: object | None = None, partitions: int | None = None,
                ref: RefData | None = None) -> Summary:
    """Quote every scenario of ``input_spec`` into ``output``: on the cluster of ``client`` (a
    distributed.Client), or in this process, one partition at a time, when it is None."""
    import dask

    start = time.perf_counter()
    kind, files = input_files(input_spec)
    fmt = _output(output)
    ref = ref or load()
    ddf = read_scenarios(kind, files, partitions)
    meta = quote_partition(ddf._meta, ref)
    shipped = client.scatter(ref, broadcast=True, hash=False) if client is not None else ref
    quoted = ddf.map_partitions(quote_partition, shipped, 1 if client is not None else 2, meta=meta)
    parts = quoted.to_delayed()
    if fmt == "parquet":
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part.*.parquet"):
            old.unlink()
        tasks = [dask.delayed(_write_part)(part, str(folder), i) for i, part in enumerate(parts)]
        counts = (client.gather(client.compute(tasks)) if client is not None
                  else [t.compute(scheduler="sync") for t in tasks])
    else:
        counts = _write_csv(parts, output, client)
    rows = sum(c[0] for c in counts)
    return Summary(rows=rows, ok=sum(c[1] for c in counts), partitions=len(parts),
                   seconds=time.perf_counter() - start, output=output)


def _write_csv(parts: list, output: str, client: object | None) -> list[tuple[int, int]]:
    """The partitions as one CSV file, in order."""
    import dask

    try:
        Path(output).write_bytes(b"")
    except OSError as e:
        raise fail("output", f"cannot write {show(output)}: {e.strerror or 'not writable'}") from None
    tasks = [dask.delayed(_csv_part)(part, i == 0) for i, part in enumerate(parts)]
    results = (_in_order(client, tasks) if client is not None
               else (t.compute(scheduler="sync") for t in tasks))
    counts = []
    with Path(output).open("wb") as fh:
        for data, n, ok in results:
            fh.write(data)
            counts.append((n, ok))
    return counts


def _in_order(client: object, tasks: list) -> Iterator[tuple[bytes, int, int]]:
    """The tasks' results in order, with at most two per worker computed ahead (bounded memory)."""
    ahead = 2 * max(1, len(client.scheduler_info().get("workers", {})))
    pending = deque(client.compute(t) for t in tasks[:ahead])
    rest = iter(tasks[ahead:])
    while pending:
        yield pending.popleft().result()
        nxt = next(rest, None)
        if nxt is not None:
            pending.append(client.compute(nxt))
