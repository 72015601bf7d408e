"""Batch quoting on Dask: a local cluster of two worker processes quotes files partition by partition,
and the output equals one process's ``quote_frame`` over the whole input, cell for cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.batch import quote_frame
from estimator.bench import random_frame
from estimator.cluster.batch_quotes import input_files, quote_files, read_single_process
from estimator.common.errors import InputError
from estimator.common.safe_csv import frame_to_csv
from tests.conftest import dask_cluster, run_cli

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
