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

Each input file is read through once first (``check_csv``): an empty file, bytes that are not UTF-8
and a file pandas cannot parse as CSV are errors naming the file. The same pass counts quotes and
notes where blocks of about ``CSV_BLOCK`` bytes can begin: just after a line break outside quotes,
so a quoted cell holding line breaks stays in one block. Each block is one partition, read by a
worker as that byte range with the file's header row put back: memory stays bounded, and a row is
parsed exactly as a single process parses it. The output may not be (or hold, or lie inside) an
input file, and its directory must exist. It is written next to its target under a temporary name
and renamed into place when every partition is done: a failed run cancels the rest, waits for the
workers to stop, and leaves no partial output and an earlier output as it was. Relative paths are
made absolute here, so workers in other directories (or on other machines, sharing a file system)
use the same files.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
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


#: How every CSV is parsed, here and on the workers: cells as text, a blank cell not given.
CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "na_filter": False, "encoding": "utf-8-sig"}


def read_scenarios(kind: str, files: list[str], partitions: int | None = None,
                   csv_block: int = CSV_BLOCK):
    """The scenarios as a dask DataFrame; CSV as text cells (blank = not given), each file in blocks of
    about ``csv_block`` bytes split at line breaks outside quotes (``check_csv``), except files read as
    one partition (compressed, or a quote the count cannot follow). ``partitions`` (1 or more): blocks
    of the files' bytes divided by it, then repartitioned to exactly that many. Every file is checked
    first (``check_csv``, ``check_parquet``)."""
    import dask
    import dask.dataframe as dd

    check_count("partitions", partitions)
    if kind == "csv":
        paths = [os.path.abspath(f) for f in files]
        if partitions is not None:
            csv_block = max(1, -(-sum(os.path.getsize(p) for p in paths) // partitions))
        layout = [check_csv(path, block=csv_block) for path in paths]
        meta = _csv_header(paths)
        blocks = []
        for path, bounds in zip(paths, layout):
            if bounds:
                blocks += [dask.delayed(_read_csv_range)(path, bounds[0], start, end)
                           for start, end in itertools.pairwise(bounds)]
            else:
                blocks.append(dask.delayed(_read_csv_whole)(path))
        ddf = dd.from_delayed(blocks, meta=meta, verify_meta=True)
    else:
        for f in files:
            check_parquet(f)
        ddf = dd.read_parquet([os.path.abspath(f) for f in files])
    if partitions is not None and ddf.npartitions != partitions:
        ddf = ddf.repartition(npartitions=partitions)
    return ddf


def _csv_header(paths: list[str]) -> pd.DataFrame:
    """The columns every file has (an empty frame of them, as pandas reads the header row); a file
    with other columns than the first is an InputError naming both."""
    first = pd.read_csv(paths[0], nrows=0, **CSV_OPTIONS)
    for path in paths[1:]:
        columns = list(pd.read_csv(path, nrows=0, **CSV_OPTIONS).columns)
        if columns != list(first.columns):
            raise fail("input", f"{_file(path)} has other columns than {_file(paths[0])}: give files with the "
                                "same header row")
    return first


def _read_csv_range(path: str, header_end: int, start: int, end: int) -> pd.DataFrame:
    """Bytes ``start`` to ``end`` of a CSV file (whole rows) read with its header row (bytes 0 to
    ``header_end``), as text cells."""
    with open(path, "rb") as fh:
        head = fh.read(header_end)
        fh.seek(start)
        body = fh.read(end - start)
    return pd.read_csv(io.BytesIO(head + body), **CSV_OPTIONS)


def _read_csv_whole(path: str) -> pd.DataFrame:
    """A whole CSV file (gzip decompressed), as text cells."""
    return pd.read_csv(path, **CSV_OPTIONS)


def check_csv(file: str, chunk: int = CHECK_CHUNK, block: int = CSV_BLOCK) -> list[int]:
    """Read one CSV file through (decompressed if .gz), ``chunk`` bytes at a time, and say where its
    blocks of about ``block`` bytes begin: byte offsets into the file, ascending, each just after a
    line break outside quotes; the first ends the header row, the last is the file's size. Empty: read
    the file whole (compressed, or a quote the count cannot follow). An empty file, bytes that are not
    UTF-8 or a file that cannot be read is an InputError naming it.

    Quotes are counted, not parsed, and checked to be where a parser takes them as quotes: one opening
    a cell (after a comma, a line break or a closing quote) and one closing it (before a comma, a line
    break, a quote or the end). A quote anywhere else (``ab"c``) means the count may not follow the
    parser: such a file is read whole (one partition, the same rows)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    gz = file.lower().endswith(".gz")
    scan = _Breaks(block)
    content = False
    lines = 1
    opener: Callable = gzip.open if gz else open
    try:
        with opener(file, "rb") as fh:
            first = True
            while data := fh.read(chunk):
                if first and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):]
                    scan.at = len(codecs.BOM_UTF8)
                first = False
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(data)
                except UnicodeDecodeError as e:
                    at = lines + (pending + data)[:e.start].count(b"\n") - pending.count(b"\n")
                    raise fail("input", f"{_file(file)} is not UTF-8 text (line {at:,}): {CSV_FORM}") from None
                lines += data.count(b"\n")
                content = content or bool(data.strip())
                if not gz:
                    scan.feed(data)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise fail("input", f"{_file(file)} is not UTF-8 text (it ends inside a character): "
                                    f"{CSV_FORM}") from None
    except (OSError, EOFError) as e:
        raise fail("input", f"cannot read {_file(file)}: {getattr(e, 'strerror', None) or e}") from None
    if not content:
        raise fail("input", f"{_file(file)} is empty: {CSV_FORM}")
    return [] if gz else scan.bounds()


#: The bytes after which a quote may open a cell, and before which one may close it (so may the end).
_CELL_EDGES = b',\n\r"'
_EDGES = np.frombuffer(_CELL_EDGES, np.uint8)


class _Breaks:
    """Line breaks outside quotes of one CSV file's bytes, fed in order: where its blocks of about
    ``block`` bytes begin (``bounds``). ``at``: the offset (bytes) of the next byte fed."""

    def __init__(self, block: int) -> None:
        self.block = block
        self.at = 0
        self.inside = False  # the bytes so far end inside quotes
        self.prev = ord("\n")  # the byte before the next one fed (a file starts as after a line break)
        self.closing = False  # the last byte fed closed a quote: the next must be able to follow it
        self.stray = False  # a quote the count cannot follow: read the file whole
        self.starts: list[int] = []  # where the header row ends, then each block's first byte
        self.target = 0

    def feed(self, data: bytes) -> None:
        base, self.at = self.at, self.at + len(data)
        if self.stray:
            return
        if self.closing and data[0] not in _CELL_EDGES:
            self.stray = True
            return
        if not self.inside and b'"' not in data:  # every line break is outside quotes
            self.closing = False
            self.prev = data[-1]
            pos = data.find(b"\n", max(0, self.target - 1 - base) if self.starts else 0)
            while pos >= 0:
                self._split(base + pos)
                pos = data.find(b"\n", self.target - 1 - base)
            return
        a = np.frombuffer(data, np.uint8)
        quote = a == ord('"')
        inside = (np.cumsum(quote, dtype=np.uint8) & 1).astype(bool) ^ self.inside  # after each byte
        at = np.flatnonzero(quote)
        opens = inside[at]
        before = np.where(at > 0, a[at - 1], self.prev)
        after = a[np.minimum(at + 1, len(a) - 1)]
        last = at == len(a) - 1
        if ((opens & ~np.isin(before, _EDGES)) | (~opens & ~last & ~np.isin(after, _EDGES))).any():
            self.stray = True
            return
        self.closing = bool(len(at)) and bool(last[-1]) and not bool(opens[-1])
        self.inside, self.prev = bool(inside[-1]), data[-1]
        breaks = np.flatnonzero((a == ord("\n")) & ~inside) + base
        i = 0 if not self.starts else int(np.searchsorted(breaks, self.target - 1))
        while i < len(breaks):
            self._split(int(breaks[i]))
            i = int(np.searchsorted(breaks, self.target - 1))

    def _split(self, pos: int) -> None:
        """A block (or, first, the header row) ends with the line break at offset ``pos``."""
        self.starts.append(pos + 1)
        self.target = pos + 1 + self.block

    def bounds(self) -> list[int]:
        """Offsets (bytes) where the blocks begin, after the header row, then the file's size; empty when
        the file must be read whole."""
        if self.stray or self.inside or not self.starts:
            return []
        return [s for s in self.starts if s < self.at] + [self.at]


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


def _file(path: str | Path) -> str:
    """A file's path for a message, whole (the user must find that file among many) and on one line."""
    return one_line(str(path))


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
                for _ in pd.read_csv(f, chunksize=100_000, **CSV_OPTIONS):
                    pass
            except CSV_READ_ERRORS as e:
                return fail("input", f"{_file(f)} is not a CSV file this can read ({_reason(e)}): {CSV_FORM}")
    while error.__cause__ is not None:  # dask wraps pandas' error: name pandas' reason
        error = error.__cause__
    return fail("input", f"cannot read the input ({_reason(error)}): {CSV_FORM}")


def read_single_process(kind: str, files: list[str]) -> pd.DataFrame:
    """The same rows read whole by pandas, as a single process would (for the equality check)."""
    read = _read_csv_whole if kind == "csv" else pd.read_parquet
    return pd.concat([read(f) for f in files], ignore_index=True)


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


def _apart(output: str, files: list[str]) -> Path:
    """The output's absolute path: refused when it is an input file, lies inside one's path or holds
    one (it would be replaced while it is read), or when its directory does not exist."""
    target = Path(os.path.abspath(output))
    real = Path(os.path.realpath(target))
    for f in files:
        src = Path(os.path.realpath(f))
        if real == src or real in src.parents or src in real.parents:
            raise fail("output", f"{show(output)} would overwrite the input {_file(f)}: give another path")
    if not target.parent.is_dir():
        raise fail("output", f"the directory {_file(target.parent)} does not exist: create it first or "
                             "give a path in an existing directory")
    return target


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
    target = _apart(output, files)
    fmt = _output(output)
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
    then replaces it (an earlier output of ours is moved aside, and removed only once the new one is
    in place, else moved back). When a partition fails, the others are cancelled and waited for
    before the new directory is removed, so no worker writes into it afterwards."""
    import dask

    folder = _beside(target, "partial")
    try:
        folder.mkdir()
    except OSError as e:
        raise fail("output", f"cannot write {_file(target)}: {e.strerror or 'not writable'}") from None
    try:
        tasks = [dask.delayed(_write_part)(part, str(folder), i) for i, part in enumerate(parts)]
        counts = (_gather_all(client, tasks) if client is not None
                  else [t.compute(scheduler="sync") for t in tasks])
        _put_in_place(folder, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return counts


def _put_in_place(folder: Path, target: Path) -> None:
    """Rename ``folder`` to ``target``; an earlier ``target`` is moved aside first, then removed, or
    moved back when the rename fails (an OSError is an InputError naming the output)."""
    old = _beside(target, "old") if target.exists() else None
    try:
        if old is not None:
            target.rename(old)
        try:
            folder.rename(target)
        except OSError:
            if old is not None:
                old.rename(target)
            raise
    except OSError as e:
        raise fail("output", f"cannot write {_file(target)}: {e.strerror or 'not writable'}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: Seconds a failed run waits for the workers to stop its tasks that were already running.
STOP_WAIT = 600.0


def _gather_all(client: object, tasks: list) -> list:
    """The tasks' results, computed on the cluster; when one fails, the rest are cancelled and, before
    the error is raised, waited for until no worker is still running one (at most ``STOP_WAIT``
    seconds): a cancelled task already running is not interrupted."""
    # Every task of the graphs, not only the results: a worker may still be reading a block.
    graph = {key for t in tasks for key in t.__dask_graph__()}
    futures = client.compute(tasks)
    try:
        return client.gather(futures)
    except BaseException:
        keys = graph | {f.key for f in futures}
        client.cancel(futures)
        deadline = time.monotonic() + STOP_WAIT
        while time.monotonic() < deadline and keys & _running(client):
            time.sleep(0.05)
        raise


def _running(client: object) -> set:
    """The keys of the tasks running on the cluster's workers now, cancelled ones included."""
    return {key for keys in client.run(_running_keys).values() for key in keys}


def _running_keys(dask_worker: object) -> list:
    """The keys of the tasks occupying this worker's threads (run on each worker)."""
    return [ts.key for ts in dask_worker.state.all_running_tasks]


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
    """The tasks' results in order, with at most two per worker computed ahead (bounded memory); those
    still pending when it stops (a task failed) are cancelled."""
    ahead = 2 * max(1, len(client.scheduler_info().get("workers", {})))
    pending = deque(client.compute(t) for t in tasks[:ahead])
    rest = iter(tasks[ahead:])
    try:
        while pending:
            yield pending.popleft().result()
            nxt = next(rest, None)
            if nxt is not None:
                pending.append(client.compute(nxt))
    finally:
        client.cancel(list(pending))
