"""Batch quoting on Dask: a local cluster of two worker processes quotes files partition by partition,
and the output equals one process's ``quote_frame`` over the whole input, cell for cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.batch import quote_frame
from estimator.bench import random_frame
from estimator.cluster.batch_quotes import check_csv, input_files, quote_files, read_single_process
from estimator.cluster.client import check_engine_options
from estimator.common.errors import InputError
from estimator.common.safe_csv import frame_to_csv
from estimator.reference import payer_bands
from tests.conftest import ROOT, dask_cluster, run_cli

pytest.importorskip("distributed")

#: Rows a user could send that the engine must answer row by row (a message naming the field).
ODD_ROWS = [{"zip": "00000", "coverage": "medicare"}, {"zip": "35203", "coverage": "bogus"},
            {"zip": "", "state": ""}, {"zip": "35203", "deductible": "1,500", "coverage": "commercial"},
            {"zip": "=HYPERLINK(\"x\")", "coverage": "self_pay"}, {"zip": " 35203 ", "site": "ASC"}]


@pytest.fixture(scope="module")
def cluster():
    with dask_cluster(2) as (address, client):
        yield address, client


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory) -> Path:
    """Three CSV files of random scenarios (as text, as a user's files hold them), with odd rows."""
    folder = tmp_path_factory.mktemp("cases")
    df = random_frame(9000, seed=11).astype(str).replace({"nan": ""})
    odd = pd.DataFrame(ODD_ROWS).reindex(columns=df.columns, fill_value="")
    df = pd.concat([df.iloc[:4000], odd, df.iloc[4000:]], ignore_index=True)
    for i, part in enumerate(np.array_split(np.arange(len(df)), 3)):
        df.iloc[part].to_csv(folder / f"day{i}.csv", index=False)
    return folder


def _single(spec: str) -> pd.DataFrame:
    kind, files = input_files(spec)
    return quote_frame(read_single_process(kind, files)).reset_index(drop=True)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Cell for cell: the same columns in the same order, the same values (text as text, amounts to
    the cent, NaN where the single process has NaN)."""
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    pd.testing.assert_frame_equal(got.astype(object), want.astype(object), check_dtype=False,
                                  check_categorical=False)


@pytest.mark.parametrize("partitions", [None, 1, 7])
def test_two_workers_equal_one_process_cell_for_cell(cluster, csv_dir, tmp_path, partitions):
    _, client = cluster
    out = tmp_path / "out.parquet"
    summary = quote_files(str(csv_dir), str(out), client, partitions)
    want = _single(str(csv_dir))
    got = pd.read_parquet(out)
    _same(got, want)
    assert summary.rows == len(want) and summary.ok == int((want["status"] == "ok").sum())
    assert summary.partitions == (partitions or 3) and len(list(out.glob("part.*.parquet"))) == summary.partitions
    # the odd rows were answered with the field they got wrong, not dropped
    errors = set(got.loc[got["status"] == "error", "error"])
    assert any("coverage" in e for e in errors) and any("zip" in e for e in errors)
    assert summary.errors >= 3


def test_csv_output_is_the_single_process_file_byte_for_byte(cluster, csv_dir, tmp_path):
    _, client = cluster
    out = tmp_path / "out.csv"
    quote_files(str(csv_dir / "*.csv"), str(out), client, partitions=4)
    text = out.read_text(encoding="utf-8")
    assert text == frame_to_csv(_single(str(csv_dir)))
    assert "'=HYPERLINK" in text  # the spreadsheet-safe writer neutralised the formula


def test_parquet_input_keeps_its_types_and_equals_one_process(cluster, tmp_path):
    _, client = cluster
    src = tmp_path / "in"
    src.mkdir()
    df = random_frame(6000, seed=5, open_cases=True)
    df.iloc[:2500].to_parquet(src / "a.parquet", index=False)
    df.iloc[2500:].to_parquet(src / "b.parquet", index=False)
    out = tmp_path / "out"
    quote_files(str(src), str(out), client)
    _same(pd.read_parquet(out), _single(str(src)))


def test_the_cli_on_a_running_scheduler_and_in_process(cluster, csv_dir, tmp_path):
    address, _ = cluster
    dask_out, local_out = tmp_path / "dask.parquet", tmp_path / "local.parquet"
    r = run_cli("batch", str(csv_dir), "-o", str(dask_out), "--engine", "dask", "--scheduler",
                address, "--partitions", "2")
    assert r.returncode == 0, r.stderr
    assert "2 partitions" in r.stdout and "with errors" in r.stdout
    r = run_cli("batch", str(csv_dir), "-o", str(local_out), "--engine", "local")
    assert r.returncode == 0, r.stderr
    want = _single(str(csv_dir))
    _same(pd.read_parquet(dask_out), want)
    _same(pd.read_parquet(local_out), want)


@pytest.mark.parametrize(("args", "field", "words"), [
    (["nowhere/*.csv", "-o", "x.parquet"], "input", "no file, directory or files match"),
    (["{csv}", "-o", "out.xlsx"], "output", "give a .csv file or a Parquet directory"),
    (["{csv}", "-o", "x.parquet", "--prices", "p.csv"], "prices", "day's schedule"),
    (["{csv}", "-o", "x.parquet", "--workers", "2"], "workers", "only with --engine dask"),
    (["{csv}", "-o", "x.parquet", "--scheduler", "tcp://127.0.0.1:9"], "scheduler", "cannot reach"),
], ids=["no_input", "output_kind", "prices", "workers_local", "unreachable"])
def test_bad_options_get_a_message_naming_them(csv_dir, tmp_path, args, field, words):
    engine = "local" if field == "workers" else "dask"
    args = [a.replace("{csv}", str(csv_dir)) for a in args]
    args = [str(tmp_path / a) if a.endswith((".parquet", ".xlsx")) else a for a in args]
    r = run_cli("batch", *args, "--engine", engine)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"--{field}" in r.stderr and words in r.stderr, r.stderr


def test_an_existing_folder_of_other_files_is_never_overwritten(csv_dir, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(InputError) as e:
        quote_files(str(csv_dir), str(tmp_path), None)
    assert "notes.txt" in str(e.value) and (tmp_path / "notes.txt").read_text() == "keep me"


# --- CSV read in blocks: a line break inside a quoted cell ---------------------------------------

BLOCK = 64 * 1024


def _with_notes(rows: int, seed: int) -> pd.DataFrame:
    """Random scenarios as text, each with a 'notes' cell of several lines (kept as an input)."""
    df = random_frame(rows, seed=seed).astype(str).replace({"nan": ""})
    df["notes"] = [f"called {i}\nplan card, front and back\n\"see\" letter\nback {i % 7}" for i in range(rows)]
    return df


def test_a_line_break_in_a_quoted_cell_never_splits_a_row(cluster, tmp_path):
    _, client = cluster
    src = tmp_path / "notes.csv"
    _with_notes(2500, seed=21).to_csv(src, index=False)
    assert src.stat().st_size > 8 * BLOCK  # many block boundaries, most of them inside a quoted cell
    want = frame_to_csv(_single(str(src)))
    local, dist = tmp_path / "local.csv", tmp_path / "dask.csv"
    summaries = quote_files(str(src), str(local), None, csv_block=BLOCK), \
        quote_files(str(src), str(dist), client, csv_block=BLOCK)
    assert local.read_text(encoding="utf-8") == want
    assert dist.read_text(encoding="utf-8") == want
    # still split in blocks of about BLOCK bytes, at line breaks outside the quoted cells
    bounds = check_csv(str(src), block=BLOCK)
    assert all(s.partitions == len(bounds) - 1 > 8 for s in summaries)
    assert max(b - a for a, b in zip(bounds, bounds[1:])) < 2 * BLOCK


def test_partitions_n_splits_a_file_of_multi_line_cells_into_its_own_byte_ranges(cluster, tmp_path):
    _, client = cluster
    src = tmp_path / "notes.csv"
    _with_notes(2500, seed=24).to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    summary = quote_files(str(src), str(out), client, partitions=5)
    assert summary.partitions == 5
    sizes = [len(pd.read_parquet(part)) for part in sorted(out.glob("part.*.parquet"))]
    assert min(sizes) > 2500 / 5 / 2  # each partition a share of the rows, not one holding them all
    _same(pd.read_parquet(out), _single(str(src)))


def test_a_quoted_line_break_on_a_block_boundary_stays_in_its_row(tmp_path):
    src = tmp_path / "edge.csv"
    header = "zip,coverage,notes\n"
    rows = [f'35203,self_pay,"first line {i}\nsecond line {i}"\n' for i in range(400)]
    src.write_text(header + "".join(rows), encoding="utf-8")
    # a block boundary falls on the line break inside row 100's quoted cell
    inner = len(header) + sum(map(len, rows[:100])) + rows[100].index("\n")
    block = inner + 1 - len(header)
    bounds = check_csv(str(src), block=block)
    assert bounds[0] == len(header) and bounds[1] == len(header) + sum(map(len, rows[:101]))
    out = tmp_path / "out.csv"
    summary = quote_files(str(src), str(out), None, csv_block=block)
    assert summary.partitions == len(bounds) - 1 > 1 and summary.rows == 400
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got["notes"]) == [f"first line {i}\nsecond line {i}" for i in range(400)]
    assert out.read_text(encoding="utf-8") == frame_to_csv(_single(str(src)))


def test_a_quote_inside_an_unquoted_cell_reads_the_file_whole(tmp_path):
    """``ab"c`` is text to a parser, not a quote: counting it would misplace the blocks."""
    src = tmp_path / "stray.csv"
    rows = [f'35203,self_pay,plan 5" card {i},"two\nlines"\n' for i in range(600)]
    src.write_text("zip,coverage,notes,more\n" + "".join(rows), encoding="utf-8")
    assert check_csv(str(src), block=1024) == []
    summary = quote_files(str(src), str(tmp_path / "out.csv"), None, csv_block=1024)
    assert summary.partitions == 1 and summary.rows == 600
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == frame_to_csv(_single(str(src)))


def test_quotes_without_line_breaks_keep_the_file_in_blocks(tmp_path):
    src = tmp_path / "quoted.csv"
    df = _with_notes(2500, seed=22)
    df["notes"] = df["notes"].str.replace("\n", ", ")  # commas and quotes, quoted, on one line
    df.to_csv(src, index=False)
    bounds = check_csv(str(src), block=BLOCK)
    summary = quote_files(str(src), str(tmp_path / "out.csv"), None, csv_block=BLOCK)
    assert summary.partitions == len(bounds) - 1 > 4
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == frame_to_csv(_single(str(src)))


def test_a_compressed_file_is_checked_and_read_whole(tmp_path):
    src = tmp_path / "notes.csv.gz"
    _with_notes(400, seed=23).to_csv(src, index=False, compression="gzip")
    assert check_csv(str(src), block=BLOCK) == []
    summary = quote_files(str(src), str(tmp_path / "out.csv"), None, csv_block=BLOCK)
    assert summary.partitions == 1 and summary.rows == 400


# --- input pandas cannot read: one line naming the file, never a traceback ------------------------

def _good_rows(n: int = 3000) -> str:
    return random_frame(n, seed=31).astype(str).replace({"nan": ""}).to_csv(index=False)


@pytest.mark.parametrize(("content", "words"), [
    (b"", "is empty"),
    (b"\xef\xbb\xbf  \n\n", "is empty"),
    ("zip,coverage,payer\n35203,commercial,Caf\u00e9 Health\n".encode("latin-1"), "is not UTF-8 text (line 2)"),
    ("{good}35203,self_pay\n" + ",".join(["x"] * 60) + "\n", "Expected 42 fields in line 3003, saw 60"),
    ('{good}"35203,self_pay\n', "EOF inside string"),
    (b'zip,coverage\n"35203,self_pay\n', "EOF inside string"),
], ids=["empty", "blank_lines", "latin1", "extra_cells_late", "open_quote_late", "open_quote_early"])
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_unreadable_csv_is_named_and_leaves_the_output_alone(cluster, tmp_path, content, words, engine):
    """Found here before quoting (empty, not UTF-8, the first rows) or by a worker (a late bad row)."""
    address, _ = cluster
    src = tmp_path / "cases.csv"
    src.write_bytes(content if isinstance(content, bytes) else content.replace("{good}", _good_rows()).encode())
    out = tmp_path / "out.csv"
    out.write_text("an earlier good output\n")
    where = ["--scheduler", address] if engine == "dask" else []
    r = run_cli("batch", str(src), "-o", str(out), "--engine", engine, *where, "--partitions", "3")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("error: --input: ") and str(src) in r.stderr and words in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert out.read_text() == "an earlier good output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "out.csv"]  # nothing half-written


@pytest.mark.parametrize(("content", "words"), [(b"", "is empty"), (b"PAR1 not really", "is not a Parquet file")],
                         ids=["empty", "not_parquet"])
def test_unreadable_parquet_is_named(tmp_path, content, words):
    (tmp_path / "cases.parquet").write_bytes(content)
    r = run_cli("batch", str(tmp_path / "cases.parquet"), "-o", str(tmp_path / "out.csv"), "--engine", "local")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--input" in r.stderr and "cases.parquet" in r.stderr and words in r.stderr, r.stderr


# --- payer bands: read here, sent to the workers with the reference tables -------------------------

PAYER = "Example Health Plan"


def _write_bands(folder: Path, typical: float) -> Path:
    """A payer_bands.csv for PAYER in Alabama: every code, site and bill, both years, multiples of
    Medicare around ``typical``, each backed by enough providers to be used."""
    rows = [{"payer": PAYER, "state": "AL", "site": site, "code": code, "component": comp, "year": year,
             "low": typical * 0.8, "typical": typical, "high": typical * 1.4,
             "providers": payer_bands.MIN_PROVIDERS + 1, "npis": 12, "rates": 40, "file_dates": "2026-11-01",
             "source": "test"}
            for site in payer_bands.SITES for code in ("62320", "62321", "62322", "62323")
            for comp in payer_bands.BILLS for year in (2025, 2026)]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=list(payer_bands.COLUMNS)).to_csv(folder / payer_bands.FILE_NAME, index=False)
    return folder


def _payer_cases(path: Path) -> Path:
    """Cases in Birmingham at each site: commercial naming the payer (in any case), another or none,
    and self-pay; as CSV."""
    rows = [{"zip": "35203", "site": site, "code": code, "coverage": "commercial", "payer": payer,
             "deductible": str(500 * i), "coinsurance": "20"}
            for site in ("asc", "office", "hopd") for code in ("62321", "62323")
            for i, payer in enumerate((PAYER, PAYER.upper(), "Another Plan", ""))]
    rows += [{"zip": "35203", "site": site, "coverage": "self_pay"} for site in ("asc", "office")]
    pd.DataFrame(rows * 20).fillna("").to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def banded_cluster(tmp_path_factory):
    """Two workers whose own machine has a different payer_bands.csv, beside the reference tables in
    their ESTIMATOR_DATA_DIR."""
    own = _write_bands(tmp_path_factory.mktemp("worker_data"), typical=4.0)
    for table in (ROOT / "data").iterdir():
        (own / table.name).symlink_to(table)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ESTIMATOR_DATA_DIR", str(own))
        started = dask_cluster(2)
        address, client = started.__enter__()
    try:
        yield address, client
    finally:
        started.__exit__(None, None, None)


def test_workers_price_with_this_machines_payer_bands(banded_cluster, tmp_path, monkeypatch):
    _, client = banded_cluster
    src = _payer_cases(tmp_path / "cases.csv")
    monkeypatch.delenv("ESTIMATOR_DATA_DIR", raising=False)  # here: the repository's tables, these bands
    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", _write_bands(tmp_path / "var", typical=1.6))
    with_bands = _single(str(src))
    quote_files(str(src), str(tmp_path / "out.parquet"), client, partitions=3)
    _same(pd.read_parquet(tmp_path / "out.parquet"), with_bands)

    monkeypatch.setattr(payer_bands, "DEFAULT_DIR", tmp_path / "none")  # no bands here: none on the workers
    without = _single(str(src))
    quote_files(str(src), str(tmp_path / "plain.parquet"), client, partitions=3)
    _same(pd.read_parquet(tmp_path / "plain.parquet"), without)

    # the bands priced the payer's ASC and office rows, and only those
    named = (with_bands["payer"].str.lower() == PAYER.lower()) & (with_bands["coverage"] == "commercial") \
        & with_bands["site"].isin(["asc", "office"])
    a, b = with_bands["total_allowed_typical"].to_numpy(), without["total_allowed_typical"].to_numpy()
    assert (with_bands["status"] == "ok").all() and not np.isnan(a).any() and not np.isnan(b).any()
    moved = a != b
    assert named.any() and moved[named.to_numpy()].all() and not moved[~named.to_numpy()].any()


# --- counts, the shared engine options ------------------------------------------------------------

@pytest.mark.parametrize(("args", "words"), [
    (["--engine", "local", "--partitions", "0"], "--partitions: '0' is not allowed: a whole number from 1 to 100,000"),
    (["--engine", "local", "--partitions", "-3"], "--partitions: '-3' is not allowed: a whole number from 1 to"),
    (["--engine", "local", "--partitions", "2.5"], "--partitions: '2.5': a whole number, 1 to 100,000"),
    (["--engine", "local", "--partitions", "10000000"], "--partitions: '10000000' is not allowed"),
    (["--engine", "dask", "--workers", "0"], "--workers: '0' is not allowed: a whole number from 1 to 512"),
    (["--engine", "local", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler: applies only with --engine dask"),
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
     "--workers: applies only to a local cluster started here, not with --scheduler"),
    (["--partitions", "2"], "--partitions: applies only with --engine local or --engine dask"),
], ids=["partitions_0", "partitions_negative", "partitions_fraction", "partitions_huge", "workers_0",
        "scheduler_local", "scheduler_and_workers", "partitions_no_engine"])
def test_counts_below_one_are_refused_not_ignored(csv_dir, tmp_path, args, words):
    r = run_cli("batch", str(csv_dir), "-o", str(tmp_path / "out.csv"), *args)
    assert r.returncode == 2 and "Traceback" not in r.stderr and words in r.stderr, r.stderr
    assert not (tmp_path / "out.csv").exists()


def test_partitions_0_is_an_error_in_the_library_too(csv_dir, tmp_path):
    with pytest.raises(InputError) as e:
        quote_files(str(csv_dir), str(tmp_path / "out.csv"), None, partitions=0)
    assert e.value.errors[0].field == "partitions"


def test_payer_rate_imports_check_the_engine_options_the_same_way(tmp_path):
    for args, words in ((["--engine", "dask", "--workers", "0"], "--workers: '0' is not allowed: a whole number"),
                        (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: applies only with --engine dask"),
                        (["--engine", "dask", "--workers", "two"], "--workers: 'two': a whole number, 1 to 512"),
                        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
                         "--workers: applies only to a local cluster started here, not with --scheduler")):
        r = run_cli("payer-rates", "import", str(tmp_path / "in.json"), "-o", str(tmp_path / "r.parquet"), *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr and words in r.stderr, r.stderr


@pytest.mark.parametrize(("engine", "scheduler", "workers", "partitions", "field"), [
    ("local", "tcp://x:1", None, None, "scheduler"), ("local", None, 2, None, "workers"),
    (None, None, 2, None, "workers"), ("dask", None, 0, None, "workers"), ("dask", None, None, 0, "partitions"),
    ("local", None, None, -1, "partitions"), ("dask", "tcp://x:1", 2, None, "workers"),
    (None, None, None, 3, "partitions"),
])
def test_check_engine_options(engine, scheduler, workers, partitions, field):
    with pytest.raises(InputError) as e:
        check_engine_options(engine, scheduler, workers, partitions)
    assert [err.field for err in e.value.errors] == [field]
    check_engine_options("dask", "tcp://x:1", None, 4)
    check_engine_options("dask", None, 3, None)
    check_engine_options("local", None, None, 1)


# --- where the output goes --------------------------------------------------------------------------

def test_relative_paths_are_this_directorys_not_the_workers(cluster, csv_dir, tmp_path, monkeypatch):
    """Both sides: the workers run in the repository's directory (``dask_cluster``) and open the input
    files' byte ranges themselves, and write the Parquet parts themselves; relative paths given here
    must reach them as this directory's files (a relative input would not be found by them, a
    relative output would land in the repository)."""
    _, client = cluster
    assert not (ROOT / "in").exists()
    (tmp_path / "in").mkdir()
    for f in csv_dir.glob("*.csv"):
        (tmp_path / "in" / f.name).write_bytes(f.read_bytes())
    monkeypatch.chdir(tmp_path)  # the workers run in the repository's directory
    summary = quote_files("in", "rel.parquet", client, partitions=2)
    assert summary.partitions == 2 and not (ROOT / "rel.parquet").exists()
    _same(pd.read_parquet(tmp_path / "rel.parquet"), _single(str(csv_dir)))


@pytest.mark.parametrize("output", ["out.parquet", "out.csv"])
def test_a_failed_run_keeps_the_earlier_output(cluster, tmp_path, output):
    _, client = cluster
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(_good_rows(2000))
    bad.write_text(_good_rows(2000) + "35203,self_pay\n" + ",".join(["x"] * 60) + "\n")
    out = tmp_path / output
    quote_files(str(good), str(out), client, partitions=3)
    before = {p.name: p.read_bytes() for p in out.iterdir()} if out.is_dir() else out.read_bytes()
    with pytest.raises(InputError) as e:
        quote_files(str(bad), str(out), client, partitions=3)
    assert e.value.errors[0].field == "input" and "bad.csv" in str(e.value)
    after = {p.name: p.read_bytes() for p in out.iterdir()} if out.is_dir() else out.read_bytes()
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["good.csv", "bad.csv", output])
    # and a run that succeeds replaces it whole
    quote_files(str(good), str(out), client, partitions=2)
    if out.is_dir():
        assert sorted(p.name for p in out.iterdir()) == ["part.00000.parquet", "part.00001.parquet"]
    else:
        assert out.read_text(encoding="utf-8") == frame_to_csv(_single(str(good)))


def _listing(folder: Path) -> list[str]:
    """Every file and directory under ``folder``, hidden ones included, as relative paths."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_run_failing_midway_stops_its_workers_before_cleaning_up(cluster, tmp_path):
    """A later file's bad row fails on a worker while the other worker still quotes a block of the
    next file: the run cancels the rest and returns only once no worker runs any of it, with the
    earlier output byte for byte and nothing hidden left beside it."""
    _, client = cluster
    src = tmp_path / "in"
    src.mkdir()
    good = _good_rows(6000)
    (src / "a.csv").write_text(good)
    (src / "b.csv").write_text(_good_rows(50) + "35203,self_pay\n" + ",".join(["x"] * 60) + "\n")
    (src / "c.csv").write_text(good)
    out = tmp_path / "out.parquet"
    quote_files(str(src / "a.csv"), str(out), client)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InputError) as e:
        quote_files(str(src), str(out), client, csv_block=len(good) // 3)
    running = client.run(lambda dask_worker: len(dask_worker.state.all_running_tasks))
    assert e.value.errors[0].field == "input" and "b.csv" in str(e.value)
    assert sum(running.values()) == 0, running
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _listing(tmp_path) == ["in", "in/a.csv", "in/b.csv", "in/c.csv", "out.parquet",
                                  *[f"out.parquet/{n}" for n in sorted(before)]]


def test_a_failed_rename_puts_the_earlier_output_back(tmp_path, monkeypatch):
    src = tmp_path / "cases.csv"
    src.write_text(_good_rows(500))
    out = tmp_path / "out.parquet"
    quote_files(str(src), str(out), None)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    rename = Path.rename

    def refuse_the_new_output(self: Path, to: Path) -> Path:  # the file system refuses one rename
        if self.name.startswith(".out.parquet.partial"):
            raise PermissionError(13, "Permission denied")
        return rename(self, to)

    monkeypatch.setattr(Path, "rename", refuse_the_new_output)
    with pytest.raises(InputError) as e:
        quote_files(str(src), str(out), None)
    assert e.value.errors[0].field == "output" and "Permission denied" in str(e.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _listing(tmp_path) == ["cases.csv", "out.parquet", *[f"out.parquet/{n}" for n in sorted(before)]]


@pytest.mark.parametrize("output", ["{in}", "{dir}", "{in}/more.parquet"], ids=["same_file", "holds_it", "inside_it"])
def test_an_output_over_an_input_is_refused(tmp_path, output):
    src = tmp_path / "cases"
    src.mkdir()  # an earlier Parquet output, one of its parts given as the input
    pd.DataFrame({"zip": ["35203"], "coverage": ["self_pay"]}).to_parquet(src / "part.00000.parquet")
    target = output.replace("{in}", str(src / "part.00000.parquet")).replace("{dir}", str(src))
    r = run_cli("batch", str(src / "part.00000.parquet"), "-o", target, "--engine", "local")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: --output: ") and "would overwrite the input" in r.stderr, r.stderr
    assert _listing(src) == ["part.00000.parquet"]


def test_the_cli_refuses_its_input_as_its_output(tmp_path):
    src = tmp_path / "cases.csv"
    src.write_text(_good_rows(50))
    before = src.read_bytes()
    r = run_cli("batch", str(src), "-o", str(src), "--engine", "local")
    assert r.returncode == 2 and "--output" in r.stderr and "would overwrite the input" in r.stderr, r.stderr
    assert src.read_bytes() == before and _listing(tmp_path) == ["cases.csv"]


@pytest.mark.parametrize("output", ["new/out.csv", "new/out.parquet"])
def test_an_output_in_a_missing_directory_is_refused_whatever_its_kind(tmp_path, output):
    src = tmp_path / "cases.csv"
    src.write_text(_good_rows(50))
    r = run_cli("batch", str(src), "-o", str(tmp_path / output), "--engine", "local")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: --output: ") and "does not exist" in r.stderr, r.stderr
    assert _listing(tmp_path) == ["cases.csv"]
