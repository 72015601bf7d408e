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

The reference tables, and the payer bands this process reads (estimator.reference.payer_bands),
are sent to every worker once (``Client.scatter(..., broadcast=True)``), not with each partition;
a worker never reads bands from its own disk. Every partition goes through the same
``quote_frame``: the output equals a single process's, cell for cell (tests/test_cluster_batch.py
checks it on a local cluster).

A CSV file is split into blocks of ``CSV_BLOCK`` bytes at line breaks, unless a quoted cell holds a
line break (a break inside quotes could fall on a block boundary): such a file is read as one
partition. Each input file is read through once first: an empty file, bytes that are not UTF-8 and
a file pandas cannot parse as CSV are errors naming the file. The output is written next to its
target under a temporary name and renamed into place when every partition is done: a failed run
leaves no partial output and an earlier output as it was. Relative paths are made absolute here,
so workers in other directories (or on other machines, sharing a file system) use the same files.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import itertools
import os
import shutil
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.batch import quote_frame
from estimator.cluster.client import check_count
from estimator.common.errors import InputError, fail
from estimator.common.safe_csv import frame_to_csv
from estimator.common.shown import one_line, show
from estimator.reference import payer_bands
from estimator.reference.tables import RefData, load

#: Input files by kind: what each name may end with.
SUFFIXES = {"csv": (".csv", ".csv.gz"), "parquet": (".parquet", ".pq")}
ALLOWED_INPUT = "a .csv, .csv.gz or .parquet file, a directory of them, or a glob such as 'cases/*.csv'"
#: Bytes of CSV per partition: about 200,000 scenarios, whose results (about 90 columns) take a few
#: hundred MB in a worker.
CSV_BLOCK = 32 * 2**20
PART_NAME = "part.{:05d}.parquet"
#: Bytes read at a time when a CSV file is checked before quoting.
CHECK_CHUNK = 2**20
#: What a CSV input must be, for the messages.
CSV_FORM = ("give UTF-8 text (CSV UTF-8): one header row naming the columns, then one scenario per row, "
            "a cell holding a comma, a quote or a line break in double quotes")
#: What pandas raises for a file it cannot read as CSV (on a worker or here).
CSV_READ_ERRORS = (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError)


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


def read_scenarios(kind: str, files: list[str], partitions: int | None = None,
                   csv_block: int = CSV_BLOCK):
    """The scenarios as a dask DataFrame; CSV as text cells (blank = not given), in blocks of
    ``csv_block`` bytes, except files read as one partition (compressed, or a line break in a quoted
    cell); ``partitions`` (1 or more) repartitions. Every file is checked first (``check_csv``,
    ``check_parquet``)."""
    import dask.dataframe as dd

    check_count("partitions", partitions)
    if kind == "csv":
        whole = [check_csv(f) or f.lower().endswith(".gz") for f in files]
        paired = zip([os.path.abspath(f) for f in files], whole)
        runs = [(w, [f for f, _ in run]) for w, run in itertools.groupby(paired, key=lambda fw: fw[1])]
        try:
            frames = [dd.read_csv(fs, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                                  blocksize=None if w else csv_block) for w, fs in runs]
        except ValueError as e:  # pandas' error on the first rows, wrapped by dask
            raise _unreadable(kind, files, e) from None
        ddf = frames[0] if len(frames) == 1 else dd.concat(frames)
    else:
        for f in files:
            check_parquet(f)
        ddf = dd.read_parquet([os.path.abspath(f) for f in files])
    if partitions is not None:
        ddf = ddf.repartition(npartitions=partitions)
    return ddf


def check_csv(file: str, chunk: int = CHECK_CHUNK) -> bool:
    """Read one CSV file through (decompressed if .gz), ``chunk`` bytes at a time: True when a quoted
    cell holds a line break (the file is then read as one partition). An empty file, bytes that are
    not UTF-8 or a file that cannot be read is an InputError naming it.

    Quotes are counted, not parsed: a stray quote inside an unquoted cell makes the rest of the file
    look quoted, which can only make the answer True (one partition, the same rows)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    inside = broken = content = False
    lines = 1
    opener: Callable = gzip.open if file.lower().endswith(".gz") else open
    try:
        with opener(file, "rb") as fh:
            first = True
            while data := fh.read(chunk):
                if first and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):]
                first = False
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(data)
                except UnicodeDecodeError as e:
                    at = lines + (pending + data)[:e.start].count(b"\n") - pending.count(b"\n")
                    raise fail("input", f"{_file(file)} is not UTF-8 text (line {at:,}): {CSV_FORM}") from None
                lines += data.count(b"\n")
                content = content or bool(data.strip())
                if not broken and (inside or b'"' in data):
                    broken, inside = _quoted_breaks(data, inside)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise fail("input", f"{_file(file)} is not UTF-8 text (it ends inside a character): "
                                    f"{CSV_FORM}") from None
    except (OSError, EOFError) as e:
        raise fail("input", f"cannot read {_file(file)}: {getattr(e, 'strerror', None) or e}") from None
    if not content:
        raise fail("input", f"{_file(file)} is empty: {CSV_FORM}")
    return broken


def _quoted_breaks(data: bytes, inside: bool) -> tuple[bool, bool]:
    """(whether a line break in ``data`` is inside quotes, whether ``data`` ends inside quotes), for
    ``data`` starting inside quotes or not: a byte is inside when an odd number of quotes precede it."""
    a = np.frombuffer(data, np.uint8)
    odd = (np.cumsum(a == ord('"'), dtype=np.uint8) & 1).astype(bool) ^ inside
    breaks = (a == ord("\n")) | (a == ord("\r"))
    return bool((breaks & odd).any()), bool(odd[-1])


def check_parquet(file: str) -> None:
    """An empty file, or one whose Parquet footer cannot be read, is an InputError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if Path(file).stat().st_size == 0:
            raise fail("input", f"{_file(file)} is empty: give a Parquet file of scenarios")
        pq.read_metadata(file)
    except (OSError, ValueError, pa.ArrowException) as e:
        if isinstance(e, InputError):
            raise
        raise fail("input", f"{_file(file)} is not a Parquet file this can read ({_reason(e)}): "
                            "give a Parquet file of scenarios") from None


def _file(path: str | Path, limit: int = 80) -> str:
    """A file's path for a message, on one line; a long one shortened at the start, so the name shows."""
    text = str(path)
    return one_line(text if len(text) <= limit else "..." + text[3 - limit:])


def _reason(e: BaseException, limit: int = 200) -> str:
    """An exception's message on one printable line of at most ``limit`` characters, without pandas'
    'Error tokenizing data. C error:' prefix."""
    text = str(e).strip().replace("Error tokenizing data. C error: ", "")
    return one_line(text if len(text) <= limit else text[:limit - 3] + "...")


def _unreadable(kind: str, files: list[str], error: BaseException) -> InputError:
    """The error for input pandas failed to parse: the first file that fails to parse whole, read here
    (only when quoting has failed), named with pandas' reason."""
    if kind == "csv":
        for f in files:
            try:
                for _ in pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig",
                                     chunksize=100_000):
                    pass
            except CSV_READ_ERRORS as e:
                return fail("input", f"{_file(f)} is not a CSV file this can read ({_reason(e)}): {CSV_FORM}")
    while error.__cause__ is not None:  # dask wraps pandas' error: name pandas' reason
        error = error.__cause__
    return fail("input", f"cannot read the input ({_reason(error)}): {CSV_FORM}")


def read_single_process(kind: str, files: list[str]) -> pd.DataFrame:
    """The same rows read whole by pandas, as a single process would (for the equality check)."""
    if kind == "csv":
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
                  for f in files]
    else:
        frames = [pd.read_parquet(f) for f in files]
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Reference:
    """What every partition is quoted with, sent to each worker once: the reference tables and the
    payer bands this process read (``payer_bands.table()``; empty when there are none)."""

    tables: RefData
    payer_bands: payer_bands.Bands


def quote_partition(df: pd.DataFrame, reference: Reference, threads: int = 1) -> pd.DataFrame:
    """One partition through quote_frame (inputs kept), with ``reference``'s tables and payer bands;
    ``threads``: the cores the engine may use."""
    with payer_bands.supplied(reference.payer_bands):
        return quote_frame(df, reference.tables, keep_inputs=True, threads=threads)


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
    """'csv' or 'parquet' for the output path; a directory named .csv, or an existing directory that
    is not our output, is refused."""
    p = Path(output)
    if output.lower().endswith(".csv"):
        if p.is_dir():
            raise fail("output", f"{show(output)} is a directory: give a .csv file's path")
        return "csv"
    if p.suffix and not output.lower().endswith(SUFFIXES["parquet"]):
        raise fail("output", f"{show(output)}: give a .csv file or a Parquet directory (.parquet or no suffix)")
    if p.exists() and not p.is_dir():
        raise fail("output", f"{show(output)} is a file: a Parquet output is a directory")
    if p.is_dir():
        foreign = [f.name for f in p.iterdir() if not (f.name.startswith("part.") and f.name.endswith(".parquet"))]
        if foreign:
            raise fail("output", f"{show(output)} already holds other files ({', '.join(sorted(foreign)[:3])}): "
                                 "give a new or empty directory")
    return "parquet"


def _beside(target: Path, what: str) -> Path:
    """A new hidden name next to ``target`` (same directory, so a rename puts it in place)."""
    return target.with_name(f".{target.name}.{what}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def quote_files(input_spec: str, output: str, client: object | None = None, partitions: int | None = None,
                ref: RefData | None = None, csv_block: int = CSV_BLOCK) -> Summary:
    """Quote every scenario of ``input_spec`` into ``output``: on the cluster of ``client`` (a
    distributed.Client), or in this process, one partition at a time, when it is None.
    ``partitions``: 1 or more (None: ``csv_block`` bytes of CSV, or the Parquet files' row groups)."""
    start = time.perf_counter()
    kind, files = input_files(input_spec)
    fmt = _output(output)
    target = Path(os.path.abspath(output))
    reference = Reference(ref or load(), payer_bands.table())
    try:
        ddf = read_scenarios(kind, files, partitions, csv_block)
        meta = quote_partition(ddf._meta, reference)
        shipped = client.scatter(reference, broadcast=True, hash=False) if client is not None else reference
        quoted = ddf.map_partitions(quote_partition, shipped, 1 if client is not None else 2, meta=meta)
        parts = quoted.to_delayed()
        counts = (_write_parquet if fmt == "parquet" else _write_csv)(parts, target, client)
    except CSV_READ_ERRORS as e:
        raise _unreadable(kind, files, e) from None
    rows = sum(c[0] for c in counts)
    return Summary(rows=rows, ok=sum(c[1] for c in counts), partitions=len(parts),
                   seconds=time.perf_counter() - start, output=output)


def _write_parquet(parts: list, target: Path, client: object | None) -> list[tuple[int, int]]:
    """The partitions as a Parquet dataset: written into a new directory next to ``target``, which
    then replaces it (an earlier output of ours is removed only then)."""
    import dask

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = _beside(target, "partial")
        folder.mkdir()
    except OSError as e:
        raise fail("output", f"cannot write {_file(target)}: {e.strerror or 'not writable'}") from None
    try:
        tasks = [dask.delayed(_write_part)(part, str(folder), i) for i, part in enumerate(parts)]
        counts = (client.gather(client.compute(tasks)) if client is not None
                  else [t.compute(scheduler="sync") for t in tasks])
        if target.exists():
            old = _beside(target, "old")
            target.rename(old)
            folder.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            folder.rename(target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return counts


def _write_csv(parts: list, target: Path, client: object | None) -> list[tuple[int, int]]:
    """The partitions as one CSV file, in order: written to a new file next to ``target``, renamed
    over it at the end."""
    import dask

    partial = _beside(target, "partial")
    try:
        fh = partial.open("xb")
    except OSError as e:
        raise fail("output", f"cannot write {_file(target)}: {e.strerror or 'not writable'}") from None
    try:
        with fh:
            tasks = [dask.delayed(_csv_part)(part, i == 0) for i, part in enumerate(parts)]
            results = (_in_order(client, tasks) if client is not None
                       else (t.compute(scheduler="sync") for t in tasks))
            counts = []
            for data, n, ok in results:
                fh.write(data)
                counts.append((n, ok))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
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
