"""Batch quoting from a CSV file, and the clinic's own prices."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from estimator import cli
from estimator.common.errors import InputError
from estimator.frontdesk.batch_csv import TEMPLATE, documents_zip, quote_cases, read_cases
from estimator.frontdesk.clinic_prices import TEMPLATE as PRICES_TEMPLATE
from estimator.frontdesk.clinic_prices import PriceList, quote_with_prices
from estimator.quote import quote
from estimator.scenario import Scenario, ScenarioError

from .conftest import run_cli


def test_template_rows_all_quote_and_match_the_single_api():
    df, notes = read_cases(TEMPLATE.encode())
    result = quote_cases(df)
    assert result.ok == len(df) == 3 and notes == []
    first = quote(Scenario(zip="35203", site="asc", coverage="commercial", network="in", deductible=1500,
                           deductible_met=200, copay=0, coinsurance=20, oop_max=5000, oop_met=800))
    row = result.table.iloc[0]
    assert row["patient_pays_typical"] == first.patient_pays["typical"]
    assert row["price_source"] == "market estimate"


@pytest.mark.parametrize("content, hint", [
    (b"", "empty"),
    (b"   \n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not text"),
    (b"name,age\nJo,40\n", "zip (or state) column"),
    (b"zip,site\n", "no rows"),
    (b"zip\n" + b"35203\n" * 1_000_000, "larger than 5 MB"),
    (b'zip,site\n"35203,asc\n', "not a readable CSV"),
])
def test_unusable_files_get_one_clear_message(content, hint):
    with pytest.raises(ScenarioError) as e:
        read_cases(content)
    assert hint in str(e.value)


def test_bad_rows_get_their_own_messages_and_every_row_comes_back():
    text = ("zip,site,coverage,coinsurance,deductible,patient_dob,notes\n"
            "35203,asc,commercial,20,500,1970-01-01,first\n"
            "00000,asc,commercial,20,500,,bad zip\n"
            "35203,spa,commercial,150,abc,,three problems\n"
            "35203,office,medicare,,,01/02/1950,bad date\n"
            ",,,,,,empty row\n"
            "35203,hopd,self_pay,,,,\n")
    df, notes = read_cases(text.encode())
    assert notes and "notes" in notes[0]
    r = quote_cases(df).table
    assert list(r["row"]) == [2, 3, 4, 5, 6, 7] and list(r["notes"][:2]) == ["first", "bad zip"]
    assert list(r["status"]) == ["ok", "error", "error", "error", "error", "ok"]
    assert r.loc[1, "error"].startswith("zip: 00000 is not a US ZIP code")
    assert {"site:", "coinsurance:", "deductible:"} <= {p.split(" ")[0] for p in r.loc[2, "error"].split("; ")}
    assert "patient_dob: '01/02/1950' is not a date" in r.loc[3, "error"]
    assert "give exactly one of" in r.loc[4, "error"]
    assert r.loc[1:4, "patient_pays_typical"].isna().all() and r.loc[5, "patient_pays_typical"] > 0


def test_formula_cells_come_out_inert():
    text = ("patient_name,patient_ref,zip,coverage\n"
            '"=HYPERLINK(""http://evil"",""x"")",+1+1,35203,self_pay\n'
            "@SUM(A1:A9),-2-2,35203,self_pay\n")
    out = quote_cases(read_cases(text.encode())[0]).to_csv()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["patient_name"].startswith("'=") and rows[0]["patient_ref"] == "'+1+1"
    assert rows[1]["patient_name"].startswith("'@") and rows[1]["patient_ref"] == "'-2-2"
    for row in rows:
        for v in row.values():
            assert not v or v[0] not in "=+@" or v.startswith("'")


def test_a_large_file_is_quoted_row_by_row():
    rng = np.random.default_rng(3)
    n = 10_000
    coverage = rng.choice(["commercial", "medicare", "self_pay"], n)
    df = pd.DataFrame({"patient_name": [f"Patient {i}" for i in range(n)],
                       "zip": rng.choice(["35203", "60612", "10001", "94110", "00000"], n),
                       "site": rng.choice(["hopd", "asc", "office"], n), "coverage": coverage,
                       "deductible": np.where(coverage == "self_pay", "", rng.choice(["", "500", "2000"], n))})
    result = quote_cases(read_cases(df.to_csv(index=False).encode())[0])
    assert len(result.table) == n
    assert (result.table["status"] == "error").sum() == (df["zip"] == "00000").sum()


def test_documents_zip_has_one_pdf_per_quoted_row():
    result = quote_cases(read_cases(TEMPLATE.encode())[0])
    with zipfile.ZipFile(io.BytesIO(documents_zip(result))) as z:
        names = z.namelist()
        assert len(names) == 3 and all(z.read(n).startswith(b"%PDF-") for n in names)


def test_batch_cli(tmp_path):
    src = tmp_path / "cases.csv"
    src.write_text(TEMPLATE + "00000,,,,,,,,,,,,,,,,,\n")
    out = tmp_path / "results.csv"
    r = run_cli("batch", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "4 rows, 3 quoted, 1 with errors" in r.stdout
    assert len(pd.read_csv(out)) == 4
    r = run_cli("batch", str(tmp_path / "missing.csv"), "-o", str(out))
    assert r.returncode == 2 and "--input: file not found" in r.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    r = run_cli("batch", str(empty), "-o", str(out))
    assert r.returncode == 2 and "file: the file is empty" in r.stderr


# -- the clinic's own prices -------------------------------------------------------------------
def test_clinic_prices_replace_the_estimate_and_are_named_as_the_source():
    prices = PriceList.from_csv(PRICES_TEMPLATE, label="Clinic price list")
    sc = Scenario(zip="35203", site="asc", deductible=0, coinsurance=20)
    q = quote_with_prices(sc, prices, "Example Health PPO")
    comps = {c["name"]: c for c in q.components}
    assert comps["professional"]["allowed"] == {"low": 185.0, "typical": 185.0, "high": 185.0}
    assert comps["facility"]["allowed"]["typical"] == 640.0
    assert q.patient_pays["typical"] == pytest.approx(0.2 * 825)
    assert any("Clinic price list: contracted amount with Example Health PPO" in s for s in q.sources)
    other = quote_with_prices(sc, prices, "Someone Else")
    assert other.total_allowed == quote(sc).total_allowed  # no price for that payer: the estimate


def test_cash_prices_apply_to_self_pay_and_the_most_specific_row_wins():
    prices = PriceList.from_csv("payer,coverage,site,code,component,amount\n"
                                "cash,self_pay,*,*,professional,300\n"
                                "cash,self_pay,office,62321,professional,260\n")
    office = quote_with_prices(Scenario(zip="35203", site="office", coverage="self_pay"), prices)
    asc = quote_with_prices(Scenario(zip="35203", site="asc", coverage="self_pay"), prices)
    assert office.total_allowed["typical"] == 260
    assert next(c for c in asc.components if c["name"] == "professional")["allowed"]["typical"] == 300


@pytest.mark.parametrize("text, field", [
    ("", "file"),
    ("payer,coverage\nx,commercial\n", "columns"),
    ("payer,coverage,site,code,component,amount\nx,hmo,asc,62321,professional,10\n", "row 2 coverage"),
    ("payer,coverage,site,code,component,amount\nx,commercial,asc,62321,lab,10\n", "row 2 component"),
    ("payer,coverage,site,code,component,amount\nx,commercial,asc,62321,facility,ten\n", "row 2 amount"),
    ("payer,coverage,site,code,component,amount\n,commercial,asc,62321,facility,10\n", "row 2 payer"),
])
def test_bad_price_lists_name_the_row_and_field(text, field):
    with pytest.raises(ScenarioError) as e:
        PriceList.from_csv(text)
    assert field in {err.field for err in e.value.errors}


def test_batch_uses_the_clinic_prices_by_payer():
    prices = PriceList.from_csv(PRICES_TEMPLATE)
    result = quote_cases(read_cases(TEMPLATE.encode())[0], prices)
    t = result.table
    assert t.loc[0, "price_source"].startswith("clinic price: Example Health PPO")
    assert t.loc[0, "total_allowed_typical"] == 825.0
    assert t.loc[2, "total_allowed_typical"] == 800.0  # self-pay cash prices


# -- reading the files: rows, columns, encodings ------------------------------------------------
def test_a_row_with_extra_fields_is_an_error_for_that_row_only():
    lines = TEMPLATE.splitlines()
    extra = lines[1] + ",surplus,cells,here"  # e.g. an unquoted "Smith, Jo" shifts every cell after it
    text = "\n".join([lines[0], lines[1], extra, lines[2], lines[3]]) + "\n"
    width = len(lines[0].split(","))
    df, _ = read_cases(text.encode())
    r = quote_cases(df).table
    assert list(r["row"]) == [2, 3, 4, 5]
    assert list(r["status"]) == ["ok", "error", "ok", "ok"]
    assert r.loc[1, "error"] == (f"row 3: has {width + 3} fields, the header has {width} "
                                 "(a comma inside a cell needs quotes)")
    assert r.loc[[0, 2, 3], "patient_pays_typical"].notna().all() and pd.isna(r.loc[1, "patient_pays_typical"])
    assert r.loc[2, "patient_name"] == "Casey Example" and list(r.columns[:3]) == ["row", "patient_name",
                                                                                  "patient_dob"]


def test_row_numbers_follow_the_file_across_blank_lines_and_quoted_line_breaks():
    text = 'patient_name,zip\n"Jo\nExample",35203\n\n,00000\n'
    r = quote_cases(read_cases(text)[0]).table
    assert list(r["row"]) == [2, 4] and r.loc[0, "patient_name"] == "Jo\nExample"
    assert list(r["status"]) == ["ok", "error"]


@pytest.mark.parametrize("header, names", [
    ("zip,ZIP", "zip, ZIP"), ("zip,site, Site ", "site, Site"), ("Patient_Name,zip,patient_name", "Patient_Name"),
])
def test_duplicate_column_names_are_a_file_level_error_naming_them(header, names):
    with pytest.raises(InputError) as e:
        read_cases(f"{header}\n35203,asc,x\n".encode())
    assert [err.field for err in e.value.errors] == ["columns"] and names in str(e.value)


def test_columns_of_a_previous_result_are_ignored_so_results_can_be_sent_back():
    first = quote_cases(read_cases(TEMPLATE.encode())[0]).to_csv()
    df, notes = read_cases(first.encode())
    assert "status" not in df and "row" not in df.columns and any("previous result" in n for n in notes)
    again = quote_cases(df)
    assert again.ok == 3 and list(again.table["row"]) == [2, 3, 4]


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"), lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), lambda t: t.encode("utf-16"),
    lambda t: t.encode("latin-1"), lambda t: t.encode("cp1252"),
])
def test_batch_files_in_utf8_bom_utf16_or_latin1_are_read(encode):
    text = TEMPLATE.replace("Jordan Example", "José Núñez")
    df, _ = read_cases(encode(text))
    assert df.iloc[0]["patient_name"] == "José Núñez" and list(df.columns[:2]) == ["patient_name", "patient_dob"]
    assert quote_cases(df).ok == 3


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"), lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), lambda t: t.encode("utf-16"),
    lambda t: t.encode("latin-1"),
])
def test_price_lists_in_utf8_bom_utf16_or_latin1_are_read(encode):
    text = PRICES_TEMPLATE.replace("cash price list", "Precio al contado (José)")
    prices = PriceList.from_bytes(encode(text))
    assert prices.prices[-1].note == "Precio al contado (José)" and len(prices.prices) == 4


@pytest.mark.parametrize("data, field, hint", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "file", "the file is not text"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "file", "the file is not text"),
    (b"x" * (2 * 1024 * 1024), "file", "larger than 1 MB"),
    (PRICES_TEMPLATE.replace("amount,note", "Amount,note,amount").encode(), "columns", "Amount, amount"),
    (PRICES_TEMPLATE.encode() + b"cash,self_pay,*,62321,professional,250.00,note,extra\n", "row 6", "has 8 fields"),
    (b"payer,coverage,site,code,component,amount\nx,commercial,asc,62321,facility,NaN\n", "row 2 amount",
     "not a number"),
])
def test_unusable_price_lists_are_refused_naming_where(data, field, hint):
    with pytest.raises(InputError) as e:
        PriceList.from_bytes(data)
    problems = {err.field: err.message for err in e.value.errors}
    assert field in problems and hint in problems[field], problems


def test_batch_cli_refuses_devices_directories_and_bad_price_files(tmp_path, capsys):
    out = tmp_path / "results.csv"
    for where, hint in [("/dev/zero", "--input: is not a regular file"), (str(tmp_path), "--input: is a directory")]:
        assert cli.main(["batch", where, "-o", str(out)]) == 2
        assert hint in capsys.readouterr().err
    src = tmp_path / "cases.csv"
    src.write_text(TEMPLATE)
    prices = tmp_path / "prices.csv"
    for content, hint in [(b"\x00\x01\x02", "--prices: the file is not text"),
                          (b"payer,coverage,site,code,component,amount\nx,commercial,asc,62321,spine,1\n",
                           "prices row 2 component: 'spine' is not allowed")]:
        prices.write_bytes(content)
        assert cli.main(["batch", str(src), "-o", str(out), "--prices", str(prices)]) == 2
        assert hint in capsys.readouterr().err
    assert cli.main(["batch", str(src), "-o", str(out), "--prices", "/dev/zero"]) == 2
    assert "--prices: is not a regular file" in capsys.readouterr().err
    assert not out.exists()


def test_batch_dates_are_checked_in_a_window_and_in_order():
    text = ("zip,patient_dob,service_date\n35203,1968-04-12,9999-12-31\n35203,0001-01-01,\n"
            "35203,2000-01-02,2000-01-01\n35203,1968-04-12,2026-12-10\n")
    r = quote_cases(read_cases(text)[0]).table
    assert list(r["status"]) == ["error", "error", "error", "ok"]
    assert r.loc[0, "error"].startswith("service_date: 9999-12-31 is out of range")
    assert r.loc[1, "error"].startswith("patient_dob: 0001-01-01 is out of range")
    assert r.loc[2, "error"] == "patient_dob: 2000-01-02 is after the service date (2000-01-01)"
