"""The one CSV writer: every file we hand out reads back exactly and never starts a formula."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from estimator.common.safe_csv import FORMULA_CHARS, frame_to_csv, is_plain_number, read_rows, safe_cell, write_rows
from estimator.frontdesk.batch_csv import quote_cases, read_cases
from estimator.quote import quote
from estimator.records.storage import QuoteLog, export_csv
from estimator.scenario import Scenario

ATTACK = "x\r=cmd|'/C calc'!A0"
TRICKY = ["\r=cmd|' /C calc'!A0", "\n+1", " \t@SUM(1)", "=1+1", "-2-2", "%0A", "|calc", "\tcmd", "a\r\n-1",
          "ok\n  =x", "", " ", "'already", "Ana Díaz", "名前=1", "-5.25", "1e-05", "+3", "-inf", "nan"]
cells = st.one_of(st.text(), st.sampled_from(TRICKY),
                  st.lists(st.sampled_from(["=", "+", "-", "@", "|", "%", "\r", "\n", "\r\n", "\t", " ", "a", "1",
                                            ".", '"', ",", "'", "é"]), max_size=8).map("".join))


def _looks_like_formula(text: str) -> bool:
    return text[:1] in ("\t", "\r") or text.lstrip(" \t\r\n")[:1] in set(FORMULA_CHARS)


def _assert_inert(raw: str) -> None:
    for line in re.split(r"\r\n|\r|\n", raw):
        assert line.lstrip(" \t")[:1] not in set(FORMULA_CHARS), repr(line)
    for row in read_rows(raw):
        for cell in row:
            assert not _looks_like_formula(cell) or is_plain_number(cell), repr(cell)


@given(st.lists(cells, min_size=1, max_size=4), st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5))
@example(["name"], [[ATTACK], ["\n+1"], [" \t@SUM(1)"], ["-5.25"]])
def test_any_text_reads_back_exactly_quoted_and_inert(header, rows):
    raw = write_rows(header, rows)
    expected = [[safe_cell(c) for c in header]] + [[safe_cell(c) for c in row] for row in rows]
    assert read_rows(raw) == expected
    # every field is quoted: the raw text is exactly the QUOTE_ALL rendering of the neutralised cells
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(expected)
    assert raw == buf.getvalue()
    _assert_inert(raw)


@given(cells)
def test_neutralising_only_ever_adds_apostrophes(value):
    out = safe_cell(value)
    assert out.replace("'", "") == value.replace("'", "")
    if not _looks_like_formula(value) and not re.search(r"[\r\n][ \t]*[=+\-@|%\t]", value):
        assert out == value  # ordinary text is left alone


def test_numbers_and_missing_values():
    assert [safe_cell(v) for v in (-5.25, "-5.25", -12, np.float64(-0.5), "1e-05", "+3")] == \
        ["-5.25", "-5.25", "-12", "-0.5", "1e-05", "+3"]
    assert [safe_cell(v) for v in (None, float("nan"), np.nan, pd.NA, pd.NaT, "")] == [""] * 6
    assert safe_cell("-1+2") == "'-1+2" and safe_cell("=1") == "'=1" and safe_cell(" -5") == "' -5"
    assert safe_cell(float("-inf")) == "'-inf" and safe_cell(date(2026, 1, 2)) == "2026-01-02"
    assert safe_cell(ATTACK) == "x\r'=cmd|'/C calc'!A0" and safe_cell("\n+1") == "'\n'+1"


def test_every_field_is_quoted():
    assert write_rows(["a", "b"], [[1, None], ["x,y", 'say "hi"']]) == \
        '"a","b"\n"1",""\n"x,y","say ""hi"""\n'


def test_a_frame_is_written_with_its_columns_and_without_its_index():
    df = pd.DataFrame({"name": [ATTACK, "Jo"], "pays": [np.nan, -5.25], "n": [1, 2]}, index=[7, 9])
    assert read_rows(frame_to_csv(df)) == [["name", "pays", "n"], ["x\r'=cmd|'/C calc'!A0", "", "1"],
                                           ["Jo", "-5.25", "2"]]


def _no_line_starts_with_the_attack(raw: str) -> None:
    lines = re.split(r"\r\n|\r|\n", raw)
    assert not [line for line in lines if line.lstrip().startswith("=cmd")]
    assert any(line.startswith("'=cmd") for line in lines)  # the name is kept, made inert
    _assert_inert(raw)


def test_bug_report_batch_result():
    text = 'patient_name,zip,coverage\n"x\r=cmd|\'/C calc\'!A0",35203,self_pay\n'
    df, _ = read_cases(text.encode())
    assert df["patient_name"].iloc[0] == ATTACK
    raw = quote_cases(df).to_csv()
    _no_line_starts_with_the_attack(raw)
    header, row = read_rows(raw)
    assert dict(zip(header, row))["patient_name"] == "x\r'=cmd|'/C calc'!A0"


def test_bug_report_quote_log_export(store_url):
    log = QuoteLog(store_url)
    q = quote(Scenario(zip="35203"))
    log.save(q.scenario.to_dict(), q.to_dict(), "desk-1", patient_name=ATTACK, patient_ref="\n+1")
    raw = export_csv(log.search())
    _no_line_starts_with_the_attack(raw)
    header, row = read_rows(raw)
    assert dict(zip(header, row))["patient_name"] == "x\r'=cmd|'/C calc'!A0"
