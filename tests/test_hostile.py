"""Hostile input: whatever a user, a file or a script sends, the answer is a clear refusal or a right result.

What this covers (the hostile values are in ``tests/hostile/corpus.json``; each case is its own test):

- CLI ``quote``: every option of the parser (read from ``estimator.cli.build_parser()``) with every
  generic hostile value (inf, NaN, 1e309, 400 digits, hex, '', '$', '20%%', Arabic-Indic and
  fullwidth digits, NUL, newlines, 10k characters, spreadsheet formulas, markdown images) and the
  values special to its kind (ZIP, state, locality, choices, year, whole numbers, percentages, money).
  Bad input must give exit status 2, nothing on stdout, and on stderr one line per problem, each
  ``error: --<option>: ...`` naming an option that was given, never a traceback. A value marked
  ``same_as`` may instead give exactly the result of its plain form (``-0`` as ``0``, '' as left out).
- The other subcommands (``gfe``, ``batch``, ``gfe-deadline``, ``check-bill``): bad dates, bad amounts,
  missing files, directories, ``/dev/zero`` (in a child process with a memory limit), binary and
  latin-1 files, and ``| head -0`` (a closed pipe is not an error: exit 0, nothing on stderr).
- ``quote_frame``: a frame mixing good rows and hostile cells (text columns and float columns with
  inf/NaN/1e309) never raises, and gives every row the single API's verdict: an ok row has the single
  API's numbers, an error row names the field(s) the single API names.
- Batch CSV files: extra fields in a row, duplicate columns, BOM/UTF-16/latin-1 files, binary, empty,
  header-only and oversized files, formula payloads and carriage returns in cells.
- GFE case files, clinic profiles and price lists: wrong JSON shapes at every path, deep nesting,
  NaN/Infinity, dates out of window or out of order; only ``InputError`` naming the JSON path, never
  another exception (plus a hypothesis test with arbitrary JSON values).

The web pages are covered in ``tests/test_hostile_app.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import io
import json
import math
import os
import re
import resource
import signal
import subprocess
import sys
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import cli, gfe
from estimator.batch import quote_frame
from estimator.cli import log_commands as cli_log
from estimator.common.errors import InputError
from estimator.frontdesk import batch_csv
from estimator.frontdesk.clinic_prices import PriceList
from estimator.inputs.fields import REGISTRY
from estimator.inputs.parsing import scenario_from_strings
from estimator.quote import quote
from estimator.reference.tables import load
from estimator.scenario import Scenario

from .conftest import ROOT

CORPUS = json.loads((Path(__file__).parent / "hostile" / "corpus.json").read_text())
EXAMPLES = ROOT / "examples"
CASE = json.loads((EXAMPLES / "gfe_case.json").read_text())
PROFILE = json.loads((EXAMPLES / "clinic_profile.json").read_text())
REJECT, OMIT = "<reject>", "<omit>"
FORMULA_START = tuple("=+-@")


def text_of(entry: dict) -> str:
    return entry["value"] if "value" in entry else entry["repeat"][0] * entry["repeat"][1]


def _id(entry: dict) -> str:
    return entry["id"]


# -- running the CLI ------------------------------------------------------------------------------
class TookTooLong(BaseException):
    """Raised in the test when a command has not answered within ``TIME_LIMIT`` seconds."""


TIME_LIMIT = 10.0


def _too_long(signum, frame):
    raise TookTooLong


def run_main(argv: tuple[str, ...]) -> tuple[int, str, str]:
    """``estimator.cli.main`` in this process: (exit status, stdout, stderr).

    An escaping exception fails the test, and so does taking more than TIME_LIMIT seconds (a
    hostile value must be refused, not computed on for minutes).
    """
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _too_long)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cli.main(list(argv))
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 2
    except TookTooLong:
        pytest.fail(f"no answer within {TIME_LIMIT:.0f} s", pytrace=False)
    except Exception as e:  # noqa: BLE001 - the point: nothing may escape main()
        pytest.fail(f"{type(e).__name__} escaped main(): {str(e)[:300]}", pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return rc, out.getvalue(), err.getvalue()


@lru_cache(maxsize=512)
def baseline(argv: tuple[str, ...]) -> tuple[int, str, str]:
    return run_main(argv)


#: "error: --option: ...", or a place in a file: file, columns, row 12 deductible, providers[1].npi
LINE = re.compile(r"error: (--[a-z][a-z0-9-]*(?: row \d+)?(?: [a-z_]+)?|row \d+(?: [a-z_]+)?|"
                  r"[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): \S")


def assert_refused(rc: int, out: str, err: str, given: set[str], must_name: str | None = None) -> None:
    """Exit 2, nothing on stdout, one 'error: <where>: <what>' line per problem naming given options."""
    assert "Traceback" not in err, err[-800:]
    assert rc == 2, f"exit status {rc} (expected 2); stderr: {err[:300]!r}"
    assert out == "", f"stdout not empty: {out[:200]!r}"
    lines = err.rstrip("\n").split("\n")
    assert err.strip(), "nothing on stderr"
    for line in lines:
        m = LINE.match(line)
        assert m, f"not 'error: <where>: <what>': {line[:200]!r}"
        assert "\r" not in line and "\x00" not in line, f"control character echoed: {line[:200]!r}"
        if m.group(1).startswith("--") and not line.endswith(": is required"):  # a missing option is named
            assert m.group(1).split(" ")[0] in given, f"names {m.group(1)}, which was not given: {line[:200]!r}"
    if must_name:
        assert any(line.startswith(f"error: {must_name}:") for line in lines), \
            f"no line names {must_name}: {err[:300]!r}"


def run_limited(args: list[str], timeout: float = 90, memory: int = 1536 << 20, **kw) -> subprocess.CompletedProcess:
    """``python -m estimator`` in a child process with an address-space limit (for /dev/zero)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          preexec_fn=limit, env=env, **kw)


# -- CLI: every quote option x every hostile value ------------------------------------------------
def command_options(command: str) -> dict[str, str]:
    """{dest: its option} for every option of ``command`` that takes a value."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a.option_strings[-1] for a in sub.choices[command]._actions
            if a.option_strings and a.nargs != 0}


OPTIONS = command_options("quote")
#: Choice fields and their codes, and number fields by kind, from the field registry.
CHOICES = {f.name: f.choices for f in REGISTRY if f.kind == "choice"}
NUMERIC_FIELDS = {f.name: {"count": "int", "year": "int"}.get(f.kind, f.kind) for f in REGISTRY if f.is_number}


def kind(dest: str) -> str:
    if dest in ("zip", "locality", "state", "year"):
        return dest
    if dest in CHOICES:
        return "choice"
    return NUMERIC_FIELDS.get(dest, "text")


def _subst(text: str, dest: str) -> str:
    first = CHOICES[dest][0] if dest in CHOICES else ""
    return text.replace("{first}", first.lower()).replace("{FIRST}", first.upper())


def same_as(entry: dict, dest: str) -> str:
    """What the value may equal instead of being refused: REJECT, OMIT or a plain text."""
    if "same_as" not in entry:
        return REJECT
    s = entry["same_as"]
    if isinstance(s, dict):
        s = s.get(kind(dest), REJECT)
        return s
    return OMIT if s is None else _subst(s, dest)


def base_args(dest: str) -> list[str]:
    """Good options that go with the one under test (a place, and what the option needs)."""
    if dest in ("zip", "locality", "state"):
        return []
    needs = {"allowed_anesthesia": ["--sedation", "anesthesia"], "anesthesia_minutes": ["--sedation", "anesthesia"],
             "sedation_minutes": ["--sedation", "moderate"], "medigap": ["--coverage", "medicare"],
             "medicare_provider": ["--coverage", "medicare"], "prior_sessions": ["--coverage", "medicare"]}
    return ["--zip", "35203", *needs.get(dest, [])]


def _priced(out: str) -> dict:
    """A quote's JSON without the echoes of its inputs (which keep the text as typed)."""
    d = json.loads(out)
    d.pop("inputs", None)
    d.get("locality", {}).pop("query", None)
    return d


CLI_CASES = [pytest.param(dest, e, id=f"{dest}-{e['id']}")
             for dest in OPTIONS for e in CORPUS["generic"] + CORPUS["by_kind"].get(kind(dest), [])]


@pytest.mark.parametrize("dest, entry", CLI_CASES)
def test_quote_option_refuses_a_hostile_value(dest, entry):
    flag, value = OPTIONS[dest], _subst(text_of(entry), dest)
    argv = ("quote", *base_args(dest), flag, value, "--json")
    rc, out, err = run_main(argv)
    given = {a for a in argv if a.startswith("--")}
    plain = same_as(entry, dest)
    if plain != REJECT and rc == 0:
        other = ("quote", *base_args(dest), *([] if plain == OMIT else [flag, plain]), "--json")
        rc2, out2, _ = baseline(other)
        assert rc2 == 0 and _priced(out) == _priced(out2), f"{value[:40]!r} is accepted but not as {plain!r}"
        return
    assert_refused(rc, out, err, given, flag)


def test_every_quote_option_is_covered():
    assert set(OPTIONS) >= set(Scenario.field_names())
    assert len(CLI_CASES) >= 30 * len(OPTIONS)


# -- CLI: the series command (every quote option, and its own --count and --weeks-apart) ----------------
SERIES_OPTIONS = command_options("series")
SERIES_OWN = {"count": "2", "weeks_apart": "3"}  # good values of the series' own options


def _series_priced(out: str) -> list[dict]:
    d = json.loads(out)
    for inj in d["injections"]:
        inj.pop("inputs", None)
        inj.get("locality", {}).pop("query", None)
    return d


def _series_argv(dest: str, flag: str | None, value: str | None) -> tuple[str, ...]:
    own = {k: v for k, v in SERIES_OWN.items() if k != dest}
    args = [x for k, v in own.items() for x in (SERIES_OPTIONS[k], v)]
    return ("series", *args, *base_args(dest if dest in OPTIONS else "code"),
            *([flag, value] if flag else []), "--json")


SERIES_CASES = [pytest.param(dest, e, id=f"{dest}-{e['id']}")
                for dest in SERIES_OPTIONS
                for e in CORPUS["generic"] + CORPUS["by_kind"].get("int" if dest in SERIES_OWN else kind(dest), [])]


@pytest.mark.parametrize("dest, entry", SERIES_CASES)
def test_series_option_refuses_a_hostile_value(dest, entry):
    flag, value = SERIES_OPTIONS[dest], _subst(text_of(entry), dest)
    argv = _series_argv(dest, flag, value)
    rc, out, err = run_main(argv)
    given = {a for a in argv if a.startswith("--")}
    plain = same_as(entry, "prior_sessions" if dest in SERIES_OWN else dest)  # the series' own: whole numbers
    if plain != REJECT and rc == 0:
        other = _series_argv(dest, *((None, None) if plain == OMIT else (flag, plain)))
        rc2, out2, _ = baseline(other)
        assert rc2 == 0 and _series_priced(out) == _series_priced(out2), \
            f"{value[:40]!r} is accepted but not as {plain!r}"
        return
    assert_refused(rc, out, err, given, flag)


def _save_options() -> set[str]:
    """The options only ``quote`` has: saving the quote in the quote log."""
    p = argparse.ArgumentParser()
    cli_log.add_save_options(p)
    return {a.dest for a in p._actions if a.option_strings and a.nargs != 0}


def test_every_series_option_is_covered():
    assert set(SERIES_OPTIONS) == (set(OPTIONS) - _save_options()) | set(SERIES_OWN)
    assert_refused(*run_main(("series", "--zip", "35203")), {"--zip"}, "--count")


@pytest.mark.parametrize("argv, name", [
    pytest.param(("quote", "--zipp", "35203"), "--zipp", id="unknown-option"),
    pytest.param(("quote", "--zip", "35203", "--deductible"), "--deductible", id="option-without-value"),
    pytest.param(("quote", "--zip", "35203", "stray"), None, id="stray-argument"),
    pytest.param(("check-bill",), "--estimate", id="check-bill-missing-required"),
    pytest.param(("gfe", "-o", "x.pdf"), "--input", id="gfe-missing-input"),
    pytest.param(("nonsense",), None, id="unknown-command"),
])
def test_usage_errors_are_one_line_naming_the_option(argv, name):
    rc, out, err = run_main(argv)
    given = {a for a in argv if a.startswith("--")} | ({name} if name else set())
    assert_refused(rc, out, err, given, name)


# -- CLI: dates and amounts of the other subcommands ----------------------------------------------
DATE_ARGS = {"scheduled": ["--service", "2026-12-10"], "service": ["--scheduled", "2026-11-23"], "requested": []}
DATE_CASES = [pytest.param(opt, e, id=f"{opt}-{e['id']}") for opt in DATE_ARGS for e in CORPUS["dates"]]


@pytest.mark.parametrize("opt, entry", DATE_CASES)
def test_gfe_deadline_refuses_a_bad_date(opt, entry):
    argv = ("gfe-deadline", *DATE_ARGS[opt], f"--{opt}", text_of(entry))
    rc, out, err = run_main(argv)
    if entry["id"] == "empty" and opt == "requested":  # as if left out
        assert (rc, out) == baseline(("gfe-deadline", *DATE_ARGS[opt]))[:2]
        return
    assert_refused(rc, out, err, {a for a in argv if a.startswith("--")})


def test_gfe_deadline_refuses_a_service_before_its_scheduling():
    argv = ("gfe-deadline", "--scheduled", "2026-12-20", "--service", "2026-12-10")
    assert_refused(*run_main(argv), {"--scheduled", "--service"})


MONEY = [e for e in CORPUS["generic"] + CORPUS["by_kind"]["money"]]


@pytest.mark.parametrize("opt", ["estimate", "billed"])
@pytest.mark.parametrize("entry", MONEY, ids=_id)
def test_check_bill_refuses_a_bad_amount(opt, entry):
    amounts = {"estimate": "500", "billed": "1000"}
    amounts[opt] = text_of(entry)
    argv = ("check-bill", "--estimate", amounts["estimate"], "--billed", amounts["billed"], "--bill-date", "2026-12-01")
    rc, out, err = run_main(argv)
    plain = same_as(entry, "deductible")
    if plain not in (REJECT, OMIT) and rc == 0:
        amounts[opt] = plain
        other = ("check-bill", "--estimate", amounts["estimate"], "--billed", amounts["billed"],
                 "--bill-date", "2026-12-01")
        assert (rc, out) == baseline(other)[:2]
        return
    assert_refused(rc, out, err, {"--estimate", "--billed", "--bill-date"}, f"--{opt}")


@pytest.mark.parametrize("entry", CORPUS["dates"], ids=_id)
def test_check_bill_refuses_a_bad_bill_date(entry):
    argv = ("check-bill", "--estimate", "500", "--billed", "1000", "--bill-date", text_of(entry))
    assert_refused(*run_main(argv), {"--estimate", "--billed", "--bill-date"}, "--bill-date")


# -- CLI: files -----------------------------------------------------------------------------------
GOOD_CASES_CSV = batch_csv.TEMPLATE
GOOD_PRICES = "payer,coverage,site,code,component,amount\ncash,self_pay,*,62321,professional,250\n"


FILE_CONTENT = {"empty": b"", "binary": bytes(range(256)) * 64, "huge": b"zip\n" + b"35203\n" * 1_100_000,
                "header_only": b"zip,site\n", "nul_bytes": b"zip,site\n35203\x00,asc\n",
                "latin1": ("payer,coverage,site,code,component,amount\nCaf\xe9 Health,commercial,asc,62321,"
                           "professional,250\n").encode("latin-1")}


def _file(tmp: Path, what: str) -> Path:
    """A hostile file (or a missing one, or a directory) in ``tmp``."""
    if what == "directory":
        return tmp
    p = tmp / f"{what}.csv"
    if what != "missing":
        p.write_bytes(FILE_CONTENT[what])
    return p


@pytest.mark.parametrize("what", ["missing", "directory", "empty", "binary", "huge", "header_only", "nul_bytes"])
def test_batch_refuses_an_unusable_cases_file(tmp_path, what):
    f = _file(tmp_path, what)
    argv = ("batch", str(f), "-o", str(tmp_path / "out.csv"))
    rc, out, err = run_main(argv)
    if what == "nul_bytes" and rc == 0:  # a NUL in a cell may be read: then that row is an error
        rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text())))
        assert rows[0]["status"] == "error" and "zip:" in rows[0]["error"]
        return
    assert_refused(rc, out, err, {"--input", "--output"})


@pytest.mark.parametrize("what", ["missing", "directory", "empty", "binary", "header_only", "latin1"])
def test_batch_refuses_an_unusable_price_list(tmp_path, what):
    cases = tmp_path / "cases.csv"
    cases.write_text(GOOD_CASES_CSV)
    (tmp_path / "f").mkdir()
    argv = ("batch", str(cases), "-o", str(tmp_path / "out.csv"), "--prices", str(_file(tmp_path / "f", what)))
    rc, out, err = run_main(argv)
    if what == "latin1" and rc == 0:  # read as latin-1: fine
        return
    assert_refused(rc, out, err, {"--input", "--output", "--prices"})


def test_batch_refuses_an_output_that_is_a_directory(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(GOOD_CASES_CSV)
    assert_refused(*run_main(("batch", str(cases), "-o", str(tmp_path))), {"--output", "-o"}, "--output")


def _case_file(tmp: Path, data: object = None, raw: bytes | None = None) -> Path:
    p = tmp / "case.json"
    p.write_bytes(raw if raw is not None else json.dumps(data).encode())
    return p


def _with(**changes) -> dict:
    d = copy.deepcopy(CASE)
    d["clinic_profile"] = str(EXAMPLES / "clinic_profile.json")
    for path, v in changes.items():
        node, keys = d, path.split("__")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = v
    return d


GFE_FILES = {
    "top_level_list": (_with(), "list"), "patient_a_string": (_with(patient="Jordan"), "patient"),
    "providers_a_dict": (_with(clinic_profile={**PROFILE, "providers": {"role": "professional"}}),
                         r"clinic_profile\.providers"),
    "cash_prices_a_list": (_with(cash_prices=[250]), "cash_prices"),
    "requested_9999": (_with(service={"requested_on": "9999-12-31"}), r"service\.requested_on"),
    "scheduled_after_service": (_with(service__scheduled_on="2026-12-20"), r"service\."),
    "issued_after_service": (_with(issued_on="2026-12-20"), r"issued_on|service\.date"),
    "dob_after_service": (_with(patient__dob="2026-12-15", issued_on="2026-12-16",
                                service__date="2026-12-10"), r"patient\.dob|issued_on|service\.date"),
    "clinic_profile_directory": (_with(clinic_profile=str(EXAMPLES)), "clinic_profile"),
    "clinic_profile_missing": (_with(clinic_profile="no-such-profile.json"), "clinic_profile"),
    "cash_price_nan": (_with(cash_prices={"professional": float("nan")}), r"cash_prices\.professional"),
    "cash_price_inf": (_with(cash_prices={"professional": float("inf")}), r"cash_prices\.professional"),
    "cash_price_negative": (_with(cash_prices={"professional": -5}), r"cash_prices\.professional"),
}


@pytest.mark.parametrize("name", list(GFE_FILES))
def test_gfe_refuses_a_bad_case_file(tmp_path, name):
    data, where = GFE_FILES[name]
    if name == "top_level_list":
        data = [data]
    argv = ("gfe", "--input", str(_case_file(tmp_path, data)), "-o", str(tmp_path / "gfe.pdf"))
    rc, out, err = run_main(argv)
    assert_refused(rc, out, err, {"--input", "--output"})
    if where != "list":
        assert re.search(rf"^error: (clinic_profile\.)?({where})", err, re.M), f"does not name {where}: {err[:300]}"
    assert not (tmp_path / "gfe.pdf").exists()


@pytest.mark.parametrize("raw", [
    pytest.param(b"[" * 100_000, id="deep_json"), pytest.param(b"{" * 100_000, id="deep_object"),
    pytest.param(bytes(range(256)) * 8, id="binary"), pytest.param(b"", id="empty"),
    pytest.param(b'{"patient": NaN}', id="nan_literal"), pytest.param(b"\xef\xbb\xbf{}", id="bom_empty_object"),
    pytest.param('{"patient": {"name": "Jos\xe9"}}'.encode("latin-1"), id="latin1"),
])
def test_gfe_refuses_an_unreadable_case_file(tmp_path, raw):
    argv = ("gfe", "--input", str(_case_file(tmp_path, raw=raw)), "-o", str(tmp_path / "gfe.pdf"))
    assert_refused(*run_main(argv), {"--input", "--output"})


def test_gfe_refuses_an_input_that_is_a_directory(tmp_path):
    assert_refused(*run_main(("gfe", "--input", str(tmp_path), "-o", str(tmp_path / "x.pdf"))),
                   {"--input", "--output"}, "--input")


# -- real processes: /dev/zero, pipes -------------------------------------------------------------
def _refused_process(p: subprocess.CompletedProcess, given: set[str]) -> None:
    assert_refused(p.returncode, p.stdout, p.stderr, given)


def test_process_refuses_an_infinite_deductible():
    p = run_limited(["-m", "estimator", "quote", "--zip", "35203", "--deductible", "inf"])
    assert_refused(p.returncode, p.stdout, p.stderr, {"--zip", "--deductible"}, "--deductible")
    assert len(p.stderr.splitlines()) == 1


def test_process_refuses_a_negative_infinite_deductible_given_as_a_separate_word():
    p = run_limited(["-m", "estimator", "quote", "--zip", "35203", "--deductible", "-inf"])
    assert_refused(p.returncode, p.stdout, p.stderr, {"--zip", "--deductible"}, "--deductible")


@pytest.mark.parametrize("reader", ["head -0", "head -c 10"])
def test_a_closed_pipe_is_not_an_error(reader):
    cmd = f"set -o pipefail; {sys.executable} -m estimator quote --zip 35203 --json | {reader} >/dev/null"
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stderr[-500:]
    assert p.stderr == ""


@pytest.mark.parametrize("args", [
    pytest.param(["batch", "/dev/zero", "-o", "{tmp}/out.csv"], id="batch-input"),
    pytest.param(["batch", "{cases}", "-o", "{tmp}/out.csv", "--prices", "/dev/zero"], id="batch-prices"),
    pytest.param(["gfe", "--input", "/dev/zero", "-o", "{tmp}/gfe.pdf"], id="gfe-input"),
    pytest.param(["gfe", "--input", "{zero_profile_case}", "-o", "{tmp}/gfe.pdf"], id="gfe-clinic-profile"),
])
def test_dev_zero_is_refused(tmp_path, args):
    cases = tmp_path / "cases.csv"
    cases.write_text(GOOD_CASES_CSV)
    case = _case_file(tmp_path, _with(clinic_profile="/dev/zero"))
    args = [a.format(tmp=tmp_path, cases=cases, zero_profile_case=case) for a in args]
    p = run_limited(["-m", "estimator", *args])
    _refused_process(p, {"--input", "--output", "--prices"})


def test_clinic_profile_load_refuses_dev_zero():
    code = ("from estimator.gfe import ClinicProfile\nfrom estimator.common.errors import InputError\n"
            "try:\n    ClinicProfile.load('/dev/zero')\nexcept InputError as e:\n    print('refused', e)\n")
    p = run_limited(["-c", code])
    assert p.stdout.startswith("refused"), p.stderr[-500:]


# -- quote_frame: the same verdict and numbers as the single API ----------------------------------
NUMBERS = [f"{m}_{lvl}" for m in ("patient_pays", "total_allowed") for lvl in ("low", "typical", "high")]
PLACE = {"zip": "35203"}
GOOD_ROWS = [{"zip": "35203"}, {"zip": "60612", "site": "hopd", "deductible": "1500", "coinsurance": "20"},
             {"state": "AL", "coverage": "self_pay"},
             {"zip": "35203", "coverage": "medicare", "medigap": "g", "site": "office"}]


def _frame_row(dest: str, text: str) -> dict[str, str]:
    base = {} if dest in ("zip", "locality", "state") else dict(PLACE)
    needs = {"allowed_anesthesia": {"sedation": "anesthesia"}, "medigap": {"coverage": "medicare"},
             "medicare_provider": {"coverage": "medicare"}}
    return {**base, **needs.get(dest, {}), dest: text}


TEXT_ROWS = [(f"{dest}-{e['id']}", _frame_row(dest, _subst(text_of(e), dest)))
             for dest in Scenario.field_names() for e in CORPUS["generic"] + CORPUS["by_kind"].get(kind(dest), [])]
TEXT_ROWS += [(f"good-{i}", r) for i, r in enumerate(GOOD_ROWS)]
FLOAT_FIELDS = [f for f in NUMERIC_FIELDS if f in Scenario.field_names()]
FLOAT_ROWS = [(f"{dest}-{e['id']}", {"zip": "35203", dest: float(e["value"])})
              for dest in FLOAT_FIELDS for e in CORPUS["frame_floats"]]
FLOAT_ROWS += [(f"zip-float-{v}", {"zip": v}) for v in (35203.0, 352031234.0, math.inf, -35203.0, 35203.5, 3520.0)]
FLOAT_ROWS += [("good-float", {"zip": "35203", "deductible": 1500.0, "coinsurance": 20.0})]


def _text_frame(rows: list[dict]) -> pd.DataFrame:
    cols = Scenario.field_names()
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols, dtype=object)


def _float_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in FLOAT_FIELDS:
        if c in df:
            df[c] = df[c].astype(float)
    if "zip" in df and any(isinstance(r.get("zip"), float) for r in rows):
        df["zip"] = df["zip"].astype(object)
    return df


def _as_text(v: object) -> str | None:
    """A cell as the single API is given it: NaN is blank, a whole float without '.0'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float):
        return str(int(v)) if math.isfinite(v) and v == int(v) else repr(v)
    return str(v)


@lru_cache(maxsize=4)
def _whole_frame(which: str) -> pd.DataFrame | str:
    rows = [r for _, r in (TEXT_ROWS if which == "text" else FLOAT_ROWS)]
    df = _text_frame(rows) if which == "text" else _float_frame(rows)
    try:
        return quote_frame(df)
    except Exception as e:  # noqa: BLE001 - reported by test_quote_frame_with_every_hostile_cell_never_raises
        return f"{type(e).__name__}: {str(e)[:300]}"


@pytest.mark.parametrize("which", ["text", "float"])
def test_quote_frame_with_every_hostile_cell_never_raises(which):
    res = _whole_frame(which)
    assert not isinstance(res, str), f"quote_frame raised {res}"


def _single(values: dict[str, str | None]):
    """The single API's verdict: ('ok', quote) or ('error', [fields])."""
    try:
        sc = scenario_from_strings(values, load())
        return "ok", quote(sc)
    except InputError as e:
        return "error", [x.field for x in e.errors]
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"the single API raised {type(e).__name__}: {str(e)[:200]}", pytrace=False)


def _check_row(which: str, i: int, row: dict) -> None:
    res = _whole_frame(which)
    good = GOOD_ROWS if which == "text" else [FLOAT_ROWS[-1][1]]
    if isinstance(res, str):  # the whole frame raised: this row with the good rows alone
        df = (_text_frame if which == "text" else _float_frame)([*good, row])
        try:
            got = quote_frame(df).iloc[len(good)]
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"quote_frame raised {type(e).__name__}: {str(e)[:200]}", pytrace=False)
    else:
        got = res.iloc[i]
    values = {k: _as_text(v) for k, v in row.items()}
    verdict, detail = _single(values)
    if verdict == "ok":
        assert got["status"] == "ok", f"the single API accepts {values}; the frame says: {got['error']}"
        for col in NUMBERS:
            m, lvl = col.rsplit("_", 1)
            assert got[col] == pytest.approx(getattr(detail, m)[lvl], abs=0.005), col
    else:
        assert got["status"] == "error", f"the single API refuses ({detail}); the frame quotes it"
        for f in detail:
            assert f"{f}:" in got["error"], f"error {got['error'][:200]!r} does not name {f}"


@pytest.mark.parametrize("i", range(len(TEXT_ROWS)), ids=[f"text-{n}" for n, _ in TEXT_ROWS])
def test_quote_frame_text_cells_match_the_single_api(i):
    _check_row("text", i, TEXT_ROWS[i][1])


@pytest.mark.parametrize("i", range(len(FLOAT_ROWS)), ids=[f"float-{n}" for n, _ in FLOAT_ROWS])
def test_quote_frame_float_cells_match_the_single_api(i):
    _check_row("float", i, FLOAT_ROWS[i][1])


# -- batch CSV files ------------------------------------------------------------------------------
def _quote_csv(data: bytes | str) -> tuple[batch_csv.BatchResult, pd.DataFrame]:
    df, _ = batch_csv.read_cases(data)
    return batch_csv.quote_cases(df), df


@pytest.mark.parametrize("position", [0, 1, 2])
def test_batch_row_with_extra_fields_is_an_error_alone(position):
    rows = ["A,35203,asc,1500", "B,60612,hopd,500", "C,10001,office,0"]
    rows[position] += ",99,extra"
    res, _ = _quote_csv("patient_name,zip,site,deductible\n" + "\n".join(rows) + "\n")
    t = res.table
    assert list(t["status"]) == ["error" if i == position else "ok" for i in range(3)], list(t["error"])
    assert re.search(r"field|column|value", t["error"].iloc[position], re.I), t["error"].iloc[position]
    assert list(t["patient_name"]) == ["A", "B", "C"]
    others = [i for i in range(3) if i != position]
    assert [t["zip"].iloc[i] for i in others] == [["35203", "60612", "10001"][i] for i in others]
    assert [t["site"].iloc[i] for i in others] == [["asc", "hopd", "office"][i] for i in others]


def test_batch_row_with_missing_fields_takes_blanks_not_shifted_values():
    res, _ = _quote_csv("zip,site,deductible\n35203,hopd\n60612,asc,500\n")
    assert list(res.table["site"]) == ["hopd", "asc"] and res.table["status"].iloc[1] == "ok"


@pytest.mark.parametrize("header", ["ZIP,zip", "zip,Zip ", "zip,site,SITE"])
def test_batch_duplicate_columns_are_a_file_error_naming_them(header):
    n = header.count(",") + 1
    text = header + "\n" + ",".join(["35203"] * 2 + ["asc"] * (n - 2)) + "\n"
    with pytest.raises(InputError) as e:
        batch_csv.read_cases(text)
    dup = header.split(",")[-1].strip().lower()
    assert any(dup in (x.field + " " + x.message).lower() for x in e.value.errors), e.value


NAME = "Jos\u00e9 \u00d1\u00fa\u00f1ez"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
def test_batch_files_in_common_encodings_are_read(encoding):
    text = f"patient_name,zip,site\n{NAME},35203,asc\n"
    res, df = _quote_csv(text.encode(encoding))
    assert list(df.columns[:2]) == ["patient_name", "zip"]
    assert res.table["patient_name"].iloc[0] == NAME and res.ok == 1


@pytest.mark.parametrize("data", [
    pytest.param(bytes(range(256)) * 16, id="binary"), pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, id="png"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="zip-archive"), pytest.param(b"", id="empty"),
    pytest.param(b"   \n\n", id="blank-lines"), pytest.param(b"zip,site\n", id="header-only"),
    pytest.param(b"zip\n" + b"35203\n" * 1_000_000, id="over-the-size-limit"),
    pytest.param("zip\n" + "35203\n" * 1_000_000, id="over-the-size-limit-as-text"),
    pytest.param(b"\xff\xfe\x00", id="broken-utf16"),
])
def test_batch_unusable_files_are_refused(data):
    with pytest.raises(InputError) as e:
        batch_csv.read_cases(data)
    assert all(x.field in ("file", "columns") for x in e.value.errors), e.value


def _formula_free(csv_text: str) -> list[list[str]]:
    for line in re.split(r"\r\n|\r|\n", csv_text):
        assert not line.lstrip().startswith(FORMULA_START), f"line starts with a formula: {line[:80]!r}"
    rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    assert len({len(r) for r in rows}) == 1, "rows of different lengths"
    for r in rows:
        for cell in r:
            assert not cell.lstrip().startswith(FORMULA_START), f"cell starts with a formula: {cell[:80]!r}"
    return rows


@pytest.mark.parametrize("payload", CORPUS["formula_cells"])
@pytest.mark.parametrize("column", ["patient_name", "payer", "zip", "deductible", "notes"])
def test_batch_output_has_no_formula_and_parses_back(payload, column):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)  # the payload is inside one cell
    cols = ["patient_name", "zip", "site", "deductible", "payer", "notes"]
    good = {"patient_name": "A", "zip": "35203", "site": "asc", "deductible": "1500", "payer": "P", "notes": "n"}
    w.writerow(cols)
    w.writerow([good[c] for c in cols])
    w.writerow([payload if c == column else good[c] for c in cols])
    res, df = _quote_csv(buf.getvalue())
    out = res.to_csv()
    rows = _formula_free(out)
    assert len(rows) == 3 and rows[1][rows[0].index("status")] == "ok"


# -- GFE case files, clinic profiles, price lists -------------------------------------------------
def _inline_case() -> dict:
    d = copy.deepcopy(CASE)
    d["clinic_profile"] = copy.deepcopy(PROFILE)
    d["cash_prices"] = {"professional": 250}
    return d


def _paths(node: object, prefix: str = "") -> list[tuple[str, object]]:
    """Every (JSON path, value) below ``node``: patient.name, clinic_profile.providers[1].npi, ..."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        p = f"{prefix}[{k}]" if isinstance(k, int) else f"{prefix}.{k}" if prefix else k
        out.append((p, v))
        out += _paths(v, p)
    return out


def _set(d: dict, path: str, value: object) -> dict:
    d = copy.deepcopy(d)
    keys = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]
    node = d
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return d


def _deep(n: int = 100_000) -> list:
    v: list = []
    for _ in range(n):
        v = [v]
    return v


REPLACEMENTS = {"list": ["x"], "dict": {"x": 1}, "string": "x", "number": 12345, "bool": True, "null": None,
                "nan": float("nan"), "infinity": float("inf"), "deep": "DEEP"}


def _names(err: InputError, path: str) -> bool:
    return any(x.field == path or x.field.startswith((path + ".", path + "[")) for x in err.errors)


def _from_dict(data: object):
    try:
        return gfe.GfeCase.from_dict(data, EXAMPLES)
    except InputError as e:
        return e
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{type(e).__name__} (not InputError): {str(e)[:200]}", pytrace=False)


GFE_PATHS = [p for p, _ in _paths(_inline_case())]
GFE_CASES = [pytest.param(p, r, id=f"{p}={r}") for p in GFE_PATHS for r in REPLACEMENTS]


@pytest.mark.parametrize("path, replacement", GFE_CASES)
def test_gfe_case_with_a_wrong_value_at_any_path_is_an_input_error_naming_it(path, replacement):
    base = _inline_case()
    old = dict(_paths(base))[path]
    new = _deep(10_000) if replacement == "deep" else REPLACEMENTS[replacement]
    res = _from_dict(_set(base, path, new))
    container = (list, dict)
    must_refuse = (replacement in ("nan", "infinity", "deep")
                   or (new is not None and isinstance(old, container) != isinstance(new, container))
                   or (isinstance(old, dict) and isinstance(new, list))
                   or (isinstance(old, list) and isinstance(new, dict)))
    if isinstance(res, InputError):
        assert _names(res, path), f"{[x.field for x in res.errors]} does not name {path}"
    else:
        assert not must_refuse, f"{replacement} at {path} was accepted"


@pytest.mark.parametrize("data", [
    pytest.param([], id="list"), pytest.param("case", id="string"), pytest.param(5, id="number"),
    pytest.param(None, id="null"), pytest.param(True, id="bool"), pytest.param("DEEP", id="deep"),
    pytest.param({}, id="empty-object"),
])
def test_gfe_case_of_the_wrong_shape_is_an_input_error(data):
    res = _from_dict(_deep(100_000) if data == "DEEP" else data)
    assert isinstance(res, InputError), "accepted"


DATE_PATHS = ["patient.dob", "service.date", "service.scheduled_on", "service.requested_on", "issued_on"]


@pytest.mark.parametrize("path", DATE_PATHS)
@pytest.mark.parametrize("entry", [e for e in CORPUS["dates"] if e["id"] != "empty"], ids=_id)
def test_gfe_case_date_out_of_window_is_an_input_error_naming_it(path, entry):
    res = _from_dict(_set(_inline_case(), path, text_of(entry)))
    assert isinstance(res, InputError), f"{text_of(entry)!r} at {path} was accepted"
    assert _names(res, path) or (path == "service.date" and _names(res, "issued_on")), \
        [x.field for x in res.errors]


@pytest.mark.parametrize("changes, names", [
    pytest.param({"patient.dob": "2026-12-11", "issued_on": "2026-12-11"}, ("patient.dob", "service.date"),
                 id="dob-after-service"),
    pytest.param({"service.scheduled_on": "2026-12-20"}, ("service.scheduled_on", "service.date"),
                 id="service-before-scheduling"),
    pytest.param({"issued_on": "2026-12-20"}, ("issued_on", "service.date"), id="issued-after-service"),
    pytest.param({"service.requested_on": "2026-12-20"}, ("service.requested_on", "service.date"),
                 id="requested-after-service"),
])
def test_gfe_case_dates_out_of_order_are_an_input_error(changes, names):
    d = _inline_case()
    for p, v in changes.items():
        d = _set(d, p, v)
    res = _from_dict(d)
    assert isinstance(res, InputError), "accepted"
    assert any(_names(res, n) for n in names), [x.field for x in res.errors]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(exclude_characters="/\\"),
                                                                        max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(GFE_PATHS + ["patient", "service", "scenario", "clinic_profile", "cash_prices"]),
       value=JSON)
def test_gfe_case_with_any_json_value_anywhere_is_read_or_an_input_error(path, value):
    res = _from_dict(_set(_inline_case(), path, value))
    if isinstance(res, InputError):
        assert res.errors and all(x.field for x in res.errors)


@settings(max_examples=100, deadline=None)
@given(data=JSON)
def test_any_json_document_is_read_or_an_input_error(data):
    res = _from_dict(data)
    assert isinstance(res, (InputError, gfe.GfeCase))


PROFILE_SHAPES = {
    "top_level_list": ([PROFILE], ""), "clinic_a_string": ({**PROFILE, "clinic": "Clinic"}, "clinic"),
    "providers_a_dict": ({**PROFILE, "providers": {"role": "professional"}}, "providers"),
    "providers_a_string": ({**PROFILE, "providers": "Dr X"}, "providers"),
    "provider_a_string": ({**PROFILE, "providers": ["Dr X"]}, "providers[0]"),
    "provider_a_list": ({**PROFILE, "providers": [[1, 2]]}, "providers[0]"),
    "role_a_list": ({**PROFILE, "providers": [{**PROFILE["providers"][0], "role": ["professional"]}]},
                    "providers[0].role"),
    "npi_a_dict": ({**PROFILE, "providers": [{**PROFILE["providers"][0], "npi": {"n": 1}}]}, "providers[0].npi"),
    "name_nan": ({**PROFILE, "clinic": {**PROFILE["clinic"], "name": float("nan")}}, "clinic.name"),
    "defaults_a_list": ({**PROFILE, "defaults": ["zip"]}, "defaults"),
    "defaults_bad_zip": ({**PROFILE, "defaults": {"zip": ["35203"]}}, "defaults"),
}


@pytest.mark.parametrize("name", list(PROFILE_SHAPES))
def test_clinic_profile_of_the_wrong_shape_is_an_input_error_naming_the_path(name):
    data, where = PROFILE_SHAPES[name]
    try:
        gfe.ClinicProfile.from_dict(data)
    except InputError as e:
        assert not where or _names(e, where), [x.field for x in e.errors]
        return
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{type(e).__name__} (not InputError): {str(e)[:200]}", pytrace=False)
    pytest.fail("accepted")


@pytest.mark.parametrize("what", ["missing", "directory", "binary", "latin1", "deep", "nan", "empty"])
def test_clinic_profile_file_that_cannot_be_read_is_an_input_error(tmp_path, what):
    p = tmp_path / "profile.json"
    content = {"binary": bytes(range(256)), "deep": b"[" * 100_000, "nan": b'{"clinic": NaN}', "empty": b"",
               "latin1": json.dumps(PROFILE).replace("Example Way", "Caf\u00e9 Way").encode("latin-1")}
    if what == "directory":
        p = tmp_path
    elif what != "missing":
        p.write_bytes(content[what])
    try:
        gfe.ClinicProfile.load(p)
    except InputError as e:
        assert e.errors
        return
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{type(e).__name__} (not InputError): {str(e)[:200]}", pytrace=False)
    assert what == "latin1", "accepted"


PRICE_HEADER = "payer,coverage,site,code,component,amount\n"
PRICE_CASES = {
    "amount_inf": (PRICE_HEADER + "cash,self_pay,*,62321,professional,inf\n", "row 2 amount"),
    "amount_nan": (PRICE_HEADER + "cash,self_pay,*,62321,professional,nan\n", "row 2 amount"),
    "amount_1e309": (PRICE_HEADER + "cash,self_pay,*,62321,professional,1e309\n", "row 2 amount"),
    "amount_400_digits": (PRICE_HEADER + "cash,self_pay,*,62321,professional," + "9" * 400 + "\n", "row 2 amount"),
    "amount_formula": (PRICE_HEADER + "cash,self_pay,*,62321,professional,=1+1\n", "row 2 amount"),
    "extra_fields": (PRICE_HEADER + "cash,self_pay,*,62321,professional,250,x,y\n", "row 2"),
    "missing_fields": (PRICE_HEADER + "cash,self_pay,*\n", "row 2"),
    "duplicate_columns": ("payer,coverage,site,code,component,amount,AMOUNT\n"
                          "cash,self_pay,*,62321,professional,250,999\n", "columns"),
    "nul_bytes": (PRICE_HEADER + "cash\x00,self_pay,*,62321,professional,250\n", "row 2"),
    "header_only": (PRICE_HEADER, "file"),
    "blank_header_name": ("payer,coverage,site,code,component,amount,\ncash,self_pay,*,62321,professional,250,x\n",
                          None),
    "quote_unclosed": (PRICE_HEADER + 'cash,self_pay,*,62321,professional,"250\n', "row 2"),
    "binary_text": (bytes(range(256)).decode("latin-1"), None),
    "huge_field": (PRICE_HEADER + "cash,self_pay,*,62321,professional," + "9" * 200_000 + "\n", None),
}


@pytest.mark.parametrize("name", list(PRICE_CASES))
def test_price_list_hostile_content_is_an_input_error_naming_the_row(name):
    text, where = PRICE_CASES[name]
    try:
        PriceList.from_csv(text)
    except InputError as e:
        assert where is None or any(x.field.startswith(where) for x in e.errors), [x.field for x in e.errors]
        return
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{type(e).__name__} (not InputError): {str(e)[:200]}", pytrace=False)
    assert name == "blank_header_name", "accepted"


def test_corpus_dates_are_all_hostile():
    for e in CORPUS["dates"]:
        v = text_of(e)
        with contextlib.suppress(ValueError):
            d = date.fromisoformat(v)
            assert not date(1900, 1, 1) <= d <= date(2100, 12, 31), v
