"""The command line: readable output, stable JSON, and a clear one-line message for bad input."""

from __future__ import annotations

import json

import pytest

from .conftest import run_cli


def test_done_when_example_reports_the_exact_professional_component():
    r = run_cli("quote", "--zip", "35203", "--site", "office", "--coverage", "medicare", "--year", "2025",
                "--json")
    assert r.returncode == 0
    q = json.loads(r.stdout)
    prof = next(c for c in q["components"] if c["name"] == "professional")
    assert prof["allowed"]["typical"] == 224.68
    for key in ("code", "year", "locality", "components", "total_allowed", "total_billed", "patient_pays",
                "plan_pays", "steps", "warnings", "sources"):
        assert key in q
    assert set(q["locality"]) >= {"carrier", "locality", "state", "name"}
    assert q["locality"]["state"] == "AL" and q["locality"]["carrier"] == "10112"


def test_readable_summary_without_json():
    r = run_cli("quote", "--state", "AL", "--site", "hopd", "--sedation", "anesthesia", "--deductible", "1500",
                "--coinsurance", "20")
    assert r.returncode == 0
    assert "You would likely pay" in r.stdout and "How this was worked out" in r.stdout
    assert "not medical advice" in r.stdout


@pytest.mark.parametrize("args, option, hint", [
    (["--zip", "3520"], "--zip", "5 digits"),
    (["--zip", "00000"], "--zip", "not a US ZIP"),
    (["--locality", "10112"], "--locality", "10112-00"),
    (["--locality", "99999-99"], "--locality", "not a Medicare locality"),
    (["--state", "ZZ"], "--state", "AL"),
    (["--zip", "35203", "--state", "AL"], "--zip", "exactly one"),
    ([], "--zip", "exactly one"),
    (["--zip", "35203", "--site", "spa"], "--site", "hopd, asc, office"),
    (["--zip", "35203", "--code", "99999"], "--code", "62320, 62321, 62322, 62323"),
    (["--zip", "35203", "--imaging", "mri"], "--imaging", "fluoroscopy, ct, none"),
    (["--zip", "35203", "--sedation", "general"], "--sedation", "local, moderate, anesthesia"),
    (["--zip", "35203", "--coverage", "hmo"], "--coverage", "commercial, medicare"),
    (["--zip", "35203", "--network", "maybe"], "--network", "in, out"),
    (["--zip", "35203", "--year", "2019"], "--year", "2025, 2026"),
    (["--zip", "35203", "--coinsurance", "150"], "--coinsurance", "0 to 100"),
    (["--zip", "35203", "--coinsurance", "-1"], "--coinsurance", "0 to 100"),
    (["--zip", "35203", "--deductible", "-5"], "--deductible", "0 to"),
    (["--zip", "35203", "--deductible", "lots"], "--deductible", "not a number"),
    (["--zip", "35203", "--deductible", "100", "--deductible-met", "200"], "--deductible-met", "more than"),
    (["--zip", "35203", "--deductible", "100", "--deductible-remaining", "50"], "--deductible-remaining",
     "not both"),
    (["--zip", "35203", "--oop-max", "100", "--oop-met", "200"], "--oop-met", "more than"),
    (["--zip", "35203", "--coverage", "medicare", "--network", "out"], "--network", "allowed: in"),
    (["--zip", "35203", "--coverage", "medicare", "--coinsurance", "30"], "--coinsurance", "20"),
    (["--zip", "35203", "--medigap", "g"], "--medigap", "Original Medicare"),
    (["--zip", "35203", "--medicare-provider", "nonpar_assigned"], "--medicare-provider", "Original Medicare"),
    (["--zip", "35203", "--coverage", "medicare", "--medicare-provider", "sometimes"], "--medicare-provider",
     "participating, nonpar_assigned, nonpar_unassigned"),
    (["--zip", "35203", "--sedation-minutes", "12.5"], "--sedation-minutes", "whole number"),
    (["--zip", "35203", "--site", "office", "--allowed-facility", "300"], "--allowed-facility", "office"),
    (["--zip", "35203", "--allowed", "500", "--allowed-professional", "100"], "--allowed", "not both"),
    (["--zip", "35203", "--bogus", "1"], "error: --bogus:", "is not an option"),
])
def test_bad_input_exits_2_with_one_clear_line(args, option, hint):
    r = run_cli("quote", *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert option in lines[0] and hint in lines[0], lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_money_can_be_typed_with_dollar_signs_commas_and_percent():
    a = json.loads(run_cli("quote", "--zip", "35203", "--deductible", "$1,500", "--coinsurance", "20%",
                           "--json").stdout)
    b = json.loads(run_cli("quote", "--zip", "35203", "--deductible", "1500", "--coinsurance", "20",
                           "--json").stdout)
    assert a["patient_pays"] == b["patient_pays"]
