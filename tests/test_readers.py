"""The readers of user-supplied files and JSON: every bad input is one InputError naming where."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.common.errors import InputError
from estimator.gfe import ClinicProfile, GfeCase
from estimator.inputs import readers

from .conftest import ROOT


def _problem(fn, *args, **kwargs) -> tuple[str, str]:
    """The (field, message) of the single problem ``fn`` raises."""
    with pytest.raises(InputError) as e:
        fn(*args, **kwargs)
    assert len(e.value.errors) == 1, e.value
    return e.value.errors[0].field, e.value.errors[0].message


# -- files ----------------------------------------------------------------------------------------
def test_read_file_returns_the_bytes_of_a_regular_file(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"zip\n35203\n")
    assert readers.read_file(path, "input", 100) == b"zip\n35203\n"
    assert readers.read_file(str(path), "input", 10) == b"zip\n35203\n"  # exactly at the limit


def test_read_file_refuses_what_is_not_a_small_regular_file(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 101)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading must not block
    cases = [(tmp_path / "missing.csv", "file not found"), (tmp_path, "is a directory"),
             ("/dev/zero", "is not a regular file"), (fifo, "is not a regular file"),
             (big, "larger than 100 bytes"), ("", "no file given"), ("a\0b", "cannot open")]
    for path, hint in cases:
        field, message = _problem(readers.read_file, path, "prices", 100)
        assert field == "prices" and hint in message, (path, message)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_read_file_permission_denied(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("zip\n")
    path.chmod(0)
    assert _problem(readers.read_file, path, "input", 100) == ("input", f"permission denied: {path}")


# -- text -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    "José,Zoë\n".encode(), b"\xef\xbb\xbf" + "José,Zoë\n".encode(), "José,Zoë\n".encode("utf-16"),
    "José,Zoë\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "José,Zoë\n".encode("latin-1"),
    "José,Zoë\n".encode("cp1252"),
])
def test_text_in_utf8_utf16_or_latin1_is_read(data):
    assert readers.decode_text(data, "file") == "José,Zoë\n"


def test_windows_1252_punctuation_and_undefined_bytes_are_read_deliberately():
    assert readers.decode_text(b"\x93Dr. O\x92Brien\x94 \x81", "file") == "\u201cDr. O\u2019Brien\u201d \x81"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", b"PK\x03\x04\x14\x00\x06\x00", b"zip\n\x00\x00\x00",
    bytes(range(256)) * 4, b"\x01\x02\x03\x04\x05 text \x06\x07\x08",
    "zip\n".encode("utf-16") + b"\x00\xd8",  # broken UTF-16
])
def test_binary_files_are_refused_clearly(data):
    field, message = _problem(readers.decode_text, data, "file")
    assert field == "file" and message.startswith("the file is not text: ")


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs"))))
def test_any_text_round_trips_through_utf8_and_utf16(s):
    assert readers.decode_text(s.encode(), "f") == s.removeprefix("\ufeff")
    assert readers.decode_text(s.encode("utf-16"), "f") == s.removeprefix("\ufeff")


# -- JSON -----------------------------------------------------------------------------------------
def test_invalid_json_names_line_and_column():
    field, message = _problem(readers.load_json, '{\n  "a": 1,\n  }', "input")
    assert field == "input" and message.startswith("not valid JSON (line 3, column 3)")


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deep_json_is_refused_before_the_parser_recurses(text):
    field, message = _problem(readers.load_json, text, "input")
    assert field == "input" and "nested" in message and "at most 32" in message


def test_depth_limit_is_exact_and_brackets_in_strings_do_not_count():
    assert readers.load_json("[" * 32 + "]" * 32, "x") is not None
    with pytest.raises(InputError):
        readers.load_json("[" * 33 + "]" * 33, "x")
    assert readers.load_json(json.dumps({"a": "[[[[{{{{" * 100, "b": ['"]]"']}), "x", max_depth=2)


def test_a_number_too_long_to_convert_is_invalid_json_not_a_traceback():
    field, message = _problem(readers.load_json, "1" * 5000, "input")
    assert field == "input" and message.startswith("not valid JSON")


def _depth(v) -> int:
    if isinstance(v, dict):
        return 1 + max(map(_depth, v.values()), default=0)
    if isinstance(v, list):
        return 1 + max(map(_depth, v), default=0)
    return 0


JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(max_size=20))


@given(st.recursive(JSON_SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c,
                                                                                      max_size=4), max_leaves=30))
def test_json_depth_counts_nesting_exactly(value):
    assert readers.json_depth(json.dumps(value)) == _depth(value)


# -- shapes ---------------------------------------------------------------------------------------
def test_shape_helpers_say_what_was_expected_and_what_came():
    assert _problem(readers.obj, "x", "patient") == ("patient", "expected an object, got a string")
    assert _problem(readers.obj, None, "patient") == ("patient", "is required: expected an object")
    assert readers.obj(None, "service", optional=True) == {}
    assert _problem(readers.arr, {}, "providers") == ("providers", "expected a list, got an object")
    assert _problem(readers.text, [1], "patient.name") == ("patient.name", "expected text, got a list")
    assert _problem(readers.text, " ", "patient.name", required=True) == ("patient.name", "is required")
    assert readers.text(1234567893, "providers[0].npi") == "1234567893"
    assert "too long" in _problem(readers.text, "x" * 2000, "patient.name")[1]
    for bad in (float("nan"), float("inf"), "NaN", "-Infinity", True, -1, 2e6, "lots", None):
        field, message = _problem(readers.number, bad, "cash_prices.professional")
        assert field == "cash_prices.professional", bad
    assert readers.number("$1,200.50", "x") == 1200.5


# -- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, hint", [
    ("9999-12-31", "out of range"), ("0001-01-01", "out of range"), ("1899-12-31", "out of range"),
    ("2026-02-30", "not a date"), ("20261210", "not a date"), ("2026-W50-4", "not a date"),
    ("12/10/2026", "not a date"), (20261210, "expected a date"), (None, "expected a date"),
])
def test_dates_outside_the_window_or_not_yyyy_mm_dd_are_refused(value, hint):
    field, message = _problem(readers.parse_date, value, "service.date")
    assert field == "service.date" and hint in message


def test_the_date_window_is_1900_to_three_years_ahead_and_births_are_not_in_the_future():
    today = date(2026, 2, 28)
    assert readers.latest_date(date(2024, 2, 29)) == date(2027, 2, 28)
    assert readers.parse_date("2029-02-28", "d", latest=readers.latest_date(today)) == date(2029, 2, 28)
    with pytest.raises(InputError):
        readers.parse_date("2029-03-01", "d", latest=readers.latest_date(today))
    assert readers.parse_birth_date("1900-01-01", "dob", today) == date(1900, 1, 1)
    assert "out of range" in _problem(readers.parse_birth_date, "2026-03-01", "dob", today)[1]


# -- CSV ------------------------------------------------------------------------------------------
def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them():
    t = readers.read_csv("zip,site\n35203,asc\n\n\"35203\",\"a\nb\"\n10001\n")
    assert t.columns == ["zip", "site"]
    assert t.rows == [(2, ["35203", "asc"]), (4, ["35203", "a\nb"]), (5, ["10001", ""])]
    assert t.row_errors == {}


def test_a_row_with_extra_fields_is_a_problem_of_that_row_only():
    t = readers.read_csv("a,b\n1,2\n1,2,3,4\n1,2,,  \n")
    assert set(t.row_errors) == {3}  # trailing blank fields (row 4) are harmless
    assert str(t.row_errors[3]) == "row 3: has 4 fields, the header has 2 (a comma inside a cell needs quotes)"


@pytest.mark.parametrize("text, field, hint", [
    ("", "file", "empty"), (" \n\n", "file", "empty"),
    ("ZIP,site,zip\n1,2,3\n", "columns", "ZIP, zip"), ("a, B ,b\n", "columns", "B, b"),
    ('zip,site\n"35203,asc\n', "row 2", "quotes"), ('zip\n"1"x\n', "row 2", "not a readable CSV row"),
])
def test_unreadable_csv_is_one_file_level_problem(text, field, hint):
    f, message = _problem(readers.read_csv, text)
    assert f == field and hint in message


# -- arbitrary JSON into the case and profile readers ---------------------------------------------
KEYS = st.sampled_from(["patient", "name", "dob", "reference", "service", "date", "scheduled_on", "requested_on",
                        "diagnosis_codes", "scenario", "clinic_profile", "separately_scheduled", "cash_prices",
                        "issued_on", "clinic", "providers", "role", "npi", "tin", "address", "state", "defaults",
                        "professional", "facility", "zip", "site", "coverage", "deductible", "year"])
KEYS = KEYS | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from(["1968-04-12", "9999-12-31", "M54.12", "1234567893", "12-3456789", "professional",
                              "self_pay", "35203", "AL", "inf", "NaN", "/dev/zero", ".", ""]))
JSON_VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(KEYS, c, max_size=6),
                           max_leaves=40)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_gives_a_case_or_an_input_error(value):
    try:
        GfeCase.from_dict(value, ROOT / "examples")
    except InputError as e:
        assert e.errors and all(err.field and err.message for err in e.errors)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_gives_a_profile_or_an_input_error(value):
    try:
        ClinicProfile.from_dict(value)
    except InputError as e:
        assert e.errors and all(err.field and err.message for err in e.errors)


def _paths(value, prefix=()):
    """Every path into a JSON document (a tuple of keys and indexes), the root included."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        yield from _paths(v, (*prefix, k))


VALID_CASE = json.loads((ROOT / "examples" / "gfe_case.json").read_text())
VALID_CASE["clinic_profile"] = json.loads((ROOT / "examples" / "clinic_profile.json").read_text())
CASE_PATHS = list(_paths(VALID_CASE))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CASE_PATHS), JSON_VALUES)
def test_a_valid_case_with_any_part_replaced_gives_a_case_or_an_input_error_naming_that_part(path, value):
    case = json.loads(json.dumps(VALID_CASE))
    if not path:
        case = value
    else:
        parent = case
        for k in path[:-1]:
            parent = parent[k]
        parent[path[-1]] = value
    try:
        GfeCase.from_dict(case, ROOT / "examples", today=date(2026, 11, 23))
    except InputError as e:
        assert e.errors and all(err.field and err.message for err in e.errors)
        if path:  # the problems are where the change was (dates are checked against each other)
            tops = {re.split(r"[.\[]", err.field)[0] for err in e.errors}
            assert tops <= RELATED.get(path[0], {path[0]}), (path, e)


_DATES = {"patient", "service", "issued_on"}
RELATED = {"patient": _DATES, "service": _DATES, "issued_on": _DATES, "clinic_profile": {"clinic_profile", "scenario"}}


def test_the_valid_case_used_above_is_valid():
    assert GfeCase.from_dict(VALID_CASE, today=date(2026, 11, 23)).clinic.providers["facility"].npi == "1245319599"


# -- the command line's output -------------------------------------------------------------------
def test_a_closed_pipe_ends_the_cli_quietly_with_status_0():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written (as with `| head -0`)
    proc = subprocess.run([sys.executable, "-m", "estimator", "quote", "--zip", "35203", "--json"],
                          stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
