"""Importing hospitals' own standard-charges files (CMS templates): values, replace, list/remove,
malformed files refused naming the line or JSON path with the table unchanged.

The fixtures in tests/fixtures/hospital_prices/ are built from CMS's example files (v2.0.0 and
v3.0.0; tall and wide CSV, JSON) with known rows for 62321 and 62323 added, a chargemaster item
numbered 62321 under the LOCAL code type (not a CPT code: not imported) and other codes kept.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.cli import main
from estimator.common.errors import InputError
from estimator.hospital_files import (
    FRAME_COLUMNS,
    import_files,
    list_hospitals,
    load_hospital_prices,
    remove_hospital,
    table_path,
)

from .conftest import REFERENCE

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "hospital_prices"

#: fixture -> (hospital id, name, file date, format, version, v2 estimated amount?, v3 median?)
FILES = {
    "tall_v2.csv": ("CA-50056", "West Mercy Hospital", "2024-07-01", "csv tall", "2.0.0"),
    "tall_v3.csv": ("CA-60061", "East Mercy Hospital", "2026-04-01", "csv tall", "3.0.0"),
    "wide_v2.csv": ("NY-7001", "North Mercy Hospital", "2024-07-01", "csv wide", "2.0.0"),
    "wide_v3.csv": ("TX-88", "South Mercy Hospital", "2026-04-01", "csv wide", "3.0.0"),
    "v2.json": ("IL-4400", "Lake Mercy Hospital", "2024-07-01", "json", "2.0.0"),
    "v3.json": ("CO-123", "Hill Mercy Hospital", "2026-04-01", "json", "3.0.0"),
}

#: What every fixture says for 62320-62323: (code, payer, plan) -> values.
EXPECTED = {
    ("62321", "Platform Health Insurance", "PPO"): dict(
        gross=1850.0, cash=1200.0, negotiated_dollar=912.40, negotiated_percentage=None,
        methodology="fee schedule", min=612.5, max=912.4, setting="outpatient"),
    ("62321", "Region Health Insurance", "HMO"): dict(
        gross=1850.0, cash=1200.0, negotiated_dollar=None, negotiated_percentage=55.0,
        methodology="percent of total billed charges", min=612.5, max=912.4, setting="outpatient",
        notes="55% of billed charges"),
    ("62323", "Platform Health Insurance", "PPO"): dict(
        gross=2100.0, cash=1400.0, negotiated_dollar=1050.25, negotiated_percentage=None, methodology="case rate",
        min=1050.25, max=1050.25, setting="outpatient"),
}


def _same(a: object, b: object) -> bool:
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a))
    return a == pytest.approx(b) if isinstance(b, float) else a == b


def _cli(*args: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["hospital-prices", *args, "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _snapshot(data_dir: Path) -> tuple[list, pd.DataFrame]:
    return list_hospitals(data_dir), load_hospital_prices(data_dir)


# -- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FILES))
def test_imported_values_equal_what_the_file_says(name: str, tmp_path: Path) -> None:
    hid, hospital, file_date, fmt, version = FILES[name]
    summary = import_files([FIXTURES / name], tmp_path)
    (imp,) = summary.imported
    assert (imp.hospital_id, imp.hospital_name, imp.file_date, imp.source_format, imp.version, imp.n_prices) == (
        hid, hospital, file_date, fmt, version, 3)
    assert not imp.replaced
    frame = load_hospital_prices(tmp_path)
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == 3  # the LOCAL "62321" and the other codes are not imported
    assert set(frame["hospital_id"]) == {hid} and set(frame["hospital_name"]) == {hospital}
    assert set(frame["file_date"]) == {pd.Timestamp(file_date)} and set(frame["source_file"]) == {name}
    for _, row in frame.iterrows():
        key = (row["code"], row["payer"].replace("_", " "), row["plan"])  # CMS's v2 wide example writes payer_names
        for col, want in EXPECTED[key].items():
            assert _same(row[col], want), (name, key, col, row[col], want)
        assert "epidural" in row["description"].lower()
    region = frame[frame["payer"].str.startswith("Region")].iloc[0]
    if version.startswith("2"):  # v2: estimated allowed amount; v3: median allowed amount
        assert region["estimated_amount"] == 1017.5 and math.isnan(region["median_amount"])
    else:
        assert region["median_amount"] == 1000.0 and math.isnan(region["estimated_amount"])
    if name in ("tall_v2.csv", "v2.json"):
        assert set(frame["billing_class"]) == {"facility"}
    else:
        assert frame["billing_class"].isna().all()


def test_the_cms_examples_themselves_import_with_no_epidural_prices(tmp_path: Path) -> None:
    ref = REFERENCE / "cms" / "hpt"
    files = sorted(p for p in ref.glob("v*/*") if "Example" in p.name or "example" in p.name)
    assert len(files) == 6, files
    for f in files:  # each alone: all six are the same hospital
        (imp,) = import_files([f], tmp_path).imported
        assert imp.hospital_id == "CA-50056" and imp.hospital_name == "West Mercy Hospital" and imp.n_prices == 0


def test_the_file_is_streamed_not_read_whole_for_its_header(tmp_path: Path) -> None:
    """The header rows may hold quoted line breaks; the data still start on the right line."""
    text = (FIXTURES / "tall_v2.csv").read_text()
    text = text.replace("West Mercy Hospital,2024-07-01", '"West Mercy\nHospital",2024-07-01', 1)
    (tmp_path / "f.csv").write_text(text)
    (imp,) = import_files([tmp_path / "f.csv"], tmp_path).imported
    assert imp.hospital_name == "West Mercy\nHospital" and imp.n_prices == 3


# -- replace, list, remove ------------------------------------------------------------------------
def test_reimport_replaces_the_hospital(tmp_path: Path) -> None:
    data = tmp_path / "table"
    import_files([FIXTURES / "tall_v2.csv"], data)
    newer = (FIXTURES / "tall_v2.csv").read_text().replace("2024-07-01", "2025-01-15").replace("912.40", "950")
    newer = "\n".join(line for line in newer.splitlines() if "62323" not in line) + "\n"
    (tmp_path / "newer.csv").write_text(newer)
    (imp,) = import_files([tmp_path / "newer.csv"], data).imported
    assert imp.replaced and imp.n_prices == 2
    (h,) = list_hospitals(data)
    assert (h.hospital_id, h.file_date, h.n_prices, h.source_file) == ("CA-50056", "2025-01-15", 2, "newer.csv")
    frame = load_hospital_prices(data)
    assert len(frame) == 2 and set(frame["code"]) == {"62321"}
    assert sorted(frame["negotiated_dollar"].dropna()) == [950.0]


def test_list_and_remove_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli("import", *(str(FIXTURES / n) for n in sorted(FILES)), data_dir=tmp_path, capsys=capsys)
    assert code == 0 and out.count("added ") == 6
    code, out, _ = _cli("list", data_dir=tmp_path, capsys=capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 6
    by_id = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert set(by_id) == {v[0] for v in FILES.values()}
    assert by_id["CA-50056"][1:4] == ["West Mercy Hospital", "2024-07-01", "3 prices"]
    code, out, _ = _cli("remove", "NY-7001", data_dir=tmp_path, capsys=capsys)
    assert code == 0 and "North Mercy Hospital" in out
    assert {h.hospital_id for h in list_hospitals(tmp_path)} == {v[0] for v in FILES.values()} - {"NY-7001"}
    assert "NY-7001" not in set(load_hospital_prices(tmp_path)["hospital_id"])
    code, _, err = _cli("remove", "NY-7001", data_dir=tmp_path, capsys=capsys)
    assert code == 2 and err.startswith("error: hospital: ") and "Traceback" not in err


def test_a_ccn_in_the_header_is_the_key(tmp_path: Path) -> None:
    text = (FIXTURES / "tall_v2.csv").read_text().splitlines()
    text[0] += ",ccn"
    text[1] += ",050056"
    (tmp_path / "f.csv").write_text("\n".join(text) + "\n")
    (imp,) = import_files([tmp_path / "f.csv"], tmp_path).imported
    assert imp.hospital_id == "050056"
    assert remove_hospital("050056", tmp_path).hospital_name == "West Mercy Hospital"
    assert list_hospitals(tmp_path) == []


def test_nothing_imported_reads_as_an_empty_table(tmp_path: Path) -> None:
    assert list_hospitals(tmp_path) == []
    frame = load_hospital_prices(tmp_path)
    assert frame.empty and list(frame.columns) == list(FRAME_COLUMNS)
    assert not table_path(tmp_path).exists()  # reading creates nothing


def test_the_table_is_under_estimator_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTIMATOR_DATA_DIR", str(tmp_path))
    import_files([FIXTURES / "v3.json"])
    assert table_path() == tmp_path / "hospital_prices.sqlite3" and table_path().exists()
    assert len(load_hospital_prices()) == 3


# -- malformed files ------------------------------------------------------------------------------
def _edit(name: str, old: str, new: str, count: int = 1) -> str:
    text = (FIXTURES / name).read_text()
    assert old in text
    return text.replace(old, new, count)


def _json_edit(name: str, fn) -> str:
    doc = json.loads((FIXTURES / name).read_text())
    fn(doc)
    return json.dumps(doc, indent=2)


def _drop_lines(name: str, n: int) -> str:
    return "".join((FIXTURES / name).read_text().splitlines(keepends=True)[n:])


MALFORMED = {
    "missing header rows": ("tall_v2.csv", lambda: _drop_lines("tall_v2.csv", 2),
                            "line 1", "the 2 rows of hospital data are missing"),
    "wrong column": ("tall_v3.csv", lambda: _edit("tall_v3.csv", "standard_charge | gross", "gross_charge"),
                     "line 3", "missing column standard_charge|gross"),
    "non-number amount (tall)": ("tall_v2.csv", lambda: _edit("tall_v2.csv", "912.40", "$912.40"),
                                 "line 5 standard_charge|negotiated_dollar", "'$912.40' is not a number"),
    "non-number amount (wide)": ("wide_v3.csv", lambda: _edit("wide_v3.csv", ",,55,,", ",,about half,,"),
                                 "line 5 standard_charge|Region Health Insurance|HMO|negotiated_percentage",
                                 "'about half' is not a number"),
    "zero gross charge": ("tall_v3.csv", lambda: _edit("tall_v3.csv", ",1850,", ",0,"),
                          "line 5 standard_charge | gross", "positive number"),
    "setting not allowed": ("wide_v2.csv", lambda: _edit("wide_v2.csv", ",outpatient,,,1850", ",clinic,,,1850"),
                            "line 5 setting", "one of inpatient, outpatient, both"),
    "methodology missing": ("tall_v2.csv", lambda: _edit("tall_v2.csv", ",912.40,,,,fee schedule,", ",912.40,,,,,"),
                            "line 5 standard_charge|methodology", "is required"),
    "bad date": ("tall_v2.csv", lambda: _edit("tall_v2.csv", ",2024-07-01,", ",July 2024,"),
                 "line 2 last_updated_on", "is not a date"),
    "row with a field too many": ("tall_v3.csv", lambda: _edit("tall_v3.csv", "fee schedule,\nBilateral",
                                                                 "fee schedule,,\nBilateral"),
                                  "line 8", "has 25 fields, the column header row (line 3) has 24"),
    "a line break in a value before the bad row": (
        "tall_v2.csv",
        lambda: _edit("tall_v2.csv", "912.40", "n/a").replace(
            "Major hip and knee joint replacement or reattachment of lower extremity without mcc,",
            '"Major hip and knee joint replacement\nor reattachment of lower extremity without mcc",', 1),
        "line 6 standard_charge|negotiated_dollar", "'n/a' is not a number"),
    "truncated JSON": ("v3.json", lambda: (FIXTURES / "v3.json").read_text()[:1500],
                       "standard_charge_information[", "cut off or malformed"),
    "wrong JSON type at a path": (
        "v2.json",
        lambda: _json_edit("v2.json", lambda d: d["standard_charge_information"][1]["standard_charges"][0]
                           ["payers_information"][0].__setitem__("standard_charge_dollar", "912.40")),
        "standard_charge_information[1].standard_charges[0].payers_information[0].standard_charge_dollar",
        "expected a number, got a string"),
    "charges not a list": ("v3.json", lambda: _json_edit("v3.json", lambda d: d.__setitem__(
        "standard_charge_information", {"items": []})), "standard_charge_information",
        "expected a list, got an object"),
    "code_information wrong type in another item": (
        "v3.json", lambda: _json_edit("v3.json", lambda d: d["standard_charge_information"][0].__setitem__(
            "code_information", "470")), "standard_charge_information[0].code_information", "expected a list"),
    "hospital_name a number": ("v2.json", lambda: _json_edit("v2.json", lambda d: d.__setitem__("hospital_name", 7)),
                               "hospital_name", "expected text, got a number"),
}

@pytest.fixture
def table_with_a_hospital(tmp_path: Path) -> Path:
    data = tmp_path / "table"
    import_files([FIXTURES / "tall_v2.csv", FIXTURES / "v3.json"], data)
    return data


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_one_error_naming_where_and_changes_nothing(
        case: str, table_with_a_hospital: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name, make, where, what = MALFORMED[case]
    bad = tmp_path / ("bad" + Path(name).suffix)
    bad.write_text(make())
    before = _snapshot(table_with_a_hospital)
    with pytest.raises(InputError) as info:
        import_files([bad], table_with_a_hospital)
    (err,) = info.value.errors
    assert err.field.startswith(f"{bad}: {where}"), err
    assert what in err.message, err
    code, out, msg = _cli("import", str(bad), data_dir=table_with_a_hospital, capsys=capsys)
    assert code == 2 and out == "" and "Traceback" not in msg
    assert len(msg.strip().splitlines()) == 1 and where in msg
    after = _snapshot(table_with_a_hospital)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])


def test_one_bad_file_among_several_imports_none(table_with_a_hospital: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(_edit("wide_v2.csv", "912.40", "912,40"))  # an extra field: line 5
    before = _snapshot(table_with_a_hospital)
    with pytest.raises(InputError) as info:
        import_files([FIXTURES / "tall_v3.csv", FIXTURES / "v2.json", bad], table_with_a_hospital)
    assert str(bad) in info.value.errors[0].field and "line 5" in info.value.errors[0].field
    after = _snapshot(table_with_a_hospital)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])


@pytest.mark.parametrize("content,what", [(b"", "the file is empty"), (b"\x00\x01\x02PK", "not text"),
                                          (b"just one line\n", "hospital_name is missing")])
def test_not_a_standard_charges_file(content: bytes, what: str, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(content)
    with pytest.raises(InputError) as info:
        import_files([tmp_path / "x.csv"], tmp_path / "table")
    assert what in str(info.value)
    assert not table_path(tmp_path / "table").exists()


def test_the_same_hospital_twice_in_one_import_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="again"):
        import_files([FIXTURES / "tall_v2.csv", FIXTURES / "tall_v2.csv"], tmp_path)
    assert list_hospitals(tmp_path) == []


# -- property: every hospital once ----------------------------------------------------------------
def _tall_csv(name: str, license_number: str, prices: list[float]) -> str:
    head = (FIXTURES / "tall_v3.csv").read_text().splitlines()[:3]
    head[1] = f'"{name}",2026-04-01,3.0.0,"{name}","1 Main St, Town, CA 90001",{license_number},0000000001,TRUE,A B'
    rows = [f"Epidural,62321,CPT,,,outpatient,,,2000,1500,Payer {i},PPO,,{p},,,,,,,1,3000,fee schedule,"
            for i, p in enumerate(prices)]
    return "\n".join(head + rows) + "\n"


hospitals = st.lists(st.tuples(st.integers(1, 6),  # license number: few, so imports repeat hospitals
                               st.lists(st.integers(1, 500_000).map(lambda c: c / 100), max_size=4)),
                     min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(hospitals, min_size=1, max_size=3))
def test_importing_then_listing_returns_every_hospital_once(batches: list[list[tuple[int, list[float]]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        latest: dict[str, int] = {}
        for b, batch in enumerate(batches):
            paths, ids = [], set()
            for k, (lic, prices) in enumerate(batch):
                if lic in ids:  # one file per hospital in one call
                    continue
                ids.add(lic)
                p = Path(tmp) / f"b{b}_{k}.csv"
                p.write_text(_tall_csv(f"Hospital {lic}", str(lic), prices))
                paths.append(p)
                latest[f"CA-{lic}"] = len(prices)
            import_files(paths, Path(tmp) / "table")
        listed = list_hospitals(Path(tmp) / "table")
        assert sorted(h.hospital_id for h in listed) == sorted(latest)  # each once
        assert {h.hospital_id: h.n_prices for h in listed} == latest
        frame = load_hospital_prices(Path(tmp) / "table")
        assert frame.groupby("hospital_id").size().to_dict() == {k: v for k, v in latest.items() if v}


# -- the benchmark, small -------------------------------------------------------------------------
def test_benchmark_smoke() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "hospital_import_bench.py"), "--size-mb", "5",
                           "--every", "500", "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"size_mb", "seconds", "mb_per_s", "peak_rss_mb", "rows_planted", "rows_found"} <= set(result)
    assert 4.5 <= result["size_mb"] <= 5.0 and result["rows_planted"] > 0
    assert result["rows_found"] == result["rows_planted"]


def test_an_import_interrupted_while_writing_leaves_the_table_as_it_was(
        table_with_a_hospital: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write is one transaction: a failure after the old rows are deleted rolls them back."""
    from estimator.hospital_files import store

    before = _snapshot(table_with_a_hospital)
    real = store.astuple
    calls = {"n": 0}

    def failing(row):  # wide_v3's 3 rows are written, tall_v2's old rows deleted, then its 2nd new row fails
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(row)

    monkeypatch.setattr(store, "astuple", failing)
    with pytest.raises(KeyboardInterrupt):
        import_files([FIXTURES / "wide_v3.csv", FIXTURES / "tall_v2.csv"], table_with_a_hospital)
    after = _snapshot(table_with_a_hospital)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])
