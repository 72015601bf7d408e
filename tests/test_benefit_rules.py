"""The benefit rules of DESIGN.md ("Benefit rules") and market/SOURCES.md ("Medicare beneficiary cost
sharing", "Plan designs"), each through the command line (in-process) and the batch API, which must
give the single quote's numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from estimator import cli
from estimator.batch import quote_frame
from estimator.pricing.cases import CASES
from estimator.quote import quote
from estimator.reference.tables import LEVELS, load
from estimator.scenario import Scenario

REF = load()


def run(capsys, *args: str) -> dict:
    """``python -m estimator quote --json --zip 35203 ...`` in this process; the quote's JSON."""
    status = cli.main(["quote", "--json", "--zip", "35203", *args])
    out = capsys.readouterr()
    assert status == 0, out.err
    return json.loads(out.out)


def refused(capsys, *args: str) -> str:
    """The error lines of a refused quote (exit status 2)."""
    status = cli.main(["quote", "--zip", "35203", *args])
    out = capsys.readouterr()
    assert status == 2, out.out
    return out.err


def batch_row(**values: object) -> pd.Series:
    """One row through quote_frame, with every value as text (as a CSV gives it)."""
    out = quote_frame(pd.DataFrame([{"zip": "35203", **{k: str(v) for k, v in values.items()}}]))
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    return out.iloc[0]


def same_as_batch(q: dict, **values: object) -> None:
    """The batch API gives the CLI quote's numbers, including each open case's."""
    row = batch_row(**values)
    for lvl in LEVELS:
        assert row[f"patient_pays_{lvl}"] == pytest.approx(q["patient_pays"][lvl], abs=0.005)
        assert row[f"plan_pays_{lvl}"] == pytest.approx(q["plan_pays"][lvl], abs=0.005)
        assert row[f"total_allowed_{lvl}"] == pytest.approx(q["total_allowed"][lvl], abs=0.005)
        for case in CASES:
            got = row[f"patient_pays_if_{case}_{lvl}"]
            if case in q["patient_pays_if"]:
                assert got == pytest.approx(q["patient_pays_if"][case][lvl], abs=0.005)
            else:
                assert np.isnan(got)


def args(**values: object) -> list[str]:
    out = []
    for k, v in values.items():
        out += ["--" + k.replace("_", "-")] + ([] if v is True else [str(v)])
    return out


def quote_both(capsys, **values: object) -> dict:
    """The CLI quote for ``values``, checked against the batch API."""
    q = run(capsys, *args(**values))
    same_as_batch(q, **{k: ("yes" if v is True else v) for k, v in values.items()})
    return q


# -- 1. Plan type out of network (KFF 2025 in market/SOURCES.md: HMO and EPO plans pay nothing out of
# network except emergencies; PPO plans pay out of network on their own terms) ------------------------
def test_hmo_and_epo_pay_nothing_out_of_network_so_the_patient_owes_the_whole_charge(capsys):
    for plan in ("hmo", "epo"):
        q = quote_both(capsys, network="out", plan_type=plan, deductible=500, coinsurance=20, site="asc")
        assert q["plan_pays"] == {"low": 0.0, "typical": 0.0, "high": 0.0}
        assert q["patient_pays"] == q["total_billed"]
        assert "out_of_network_not_covered" in [w["code"] for w in q["warnings"]]


def test_a_ppo_pays_out_of_network_on_a_stated_percentage_of_medicare(capsys):
    q = quote_both(capsys, network="out", plan_type="ppo", deductible=0, oon_deductible=0, oon_coinsurance=40,
                   site="office")
    pct = REF.param("oon_allowance_pct_of_medicare", 2026)
    medicare = q["components"][0]["medicare"]
    assert q["total_allowed"]["typical"] == pytest.approx(round(medicare * pct / 100, 2), abs=0.01)
    allowed, billed = q["total_allowed"]["typical"], q["total_billed"]["typical"]
    assert q["breakdown"]["balance"]["typical"] == pytest.approx(billed - allowed, abs=0.01)
    assert q["plan_pays"]["typical"] == pytest.approx(0.6 * allowed, abs=0.01)
    assert any(f"{pct:g}% of the Medicare amount" in s for s in q["steps"])


def test_an_unknown_plan_type_out_of_network_spans_a_ppo_and_an_hmo(capsys):
    q = quote_both(capsys, network="out", deductible=0, site="asc")
    ppo = run(capsys, *args(network="out", deductible=0, site="asc", plan_type="ppo"))
    hmo = run(capsys, *args(network="out", deductible=0, site="asc", plan_type="hmo"))
    assert q["patient_pays_if"]["ppo"] == ppo["patient_pays"]
    assert q["patient_pays_if"]["hmo"] == hmo["patient_pays"]
    assert q["patient_pays"]["low"] == min(ppo["patient_pays"]["low"], hmo["patient_pays"]["low"])
    assert q["patient_pays"]["high"] == max(ppo["patient_pays"]["high"], hmo["patient_pays"]["high"])
    assert q["patient_pays"]["typical"] == ppo["patient_pays"]["typical"]
    assert any("You did not say your plan type" in s for s in q["steps"])
    assert "plan_type_assumed" in [w["code"] for w in q["warnings"]]


def test_medicare_advantage_out_of_network_is_no_longer_priced_as_in_network(capsys):
    base = dict(coverage="medicare_advantage", deductible=0, coinsurance=20, site="asc")
    in_net = quote_both(capsys, **base)
    hmo = quote_both(capsys, **base, network="out", plan_type="hmo")
    ppo = quote_both(capsys, **base, network="out", plan_type="ppo", oon_coinsurance=40)
    assert hmo["plan_pays"]["typical"] == 0 and hmo["patient_pays"] == hmo["total_billed"]
    # A PPO pays on Medicare's amount with its out-of-network coinsurance; a provider that takes
    # Medicare may not bill more than that amount (42 CFR 422.214): no balance bill.
    assert ppo["total_allowed"] == in_net["total_allowed"]
    assert ppo["breakdown"]["balance"]["high"] == 0
    assert ppo["patient_pays"]["typical"] == pytest.approx(2 * in_net["patient_pays"]["typical"], abs=0.02)


# -- 2. Separate out-of-network benefits (DESIGN: the plan's own allowance with the out-of-network
# deductible, coinsurance and maximum; plus a balance bill that counts toward no maximum) -------------
def test_out_of_network_deductible_coinsurance_and_maximum_are_their_own(capsys):
    # Texas OPIC's out-of-network example (reference/benefits/worked_examples.csv, OP-3) without the copay:
    # 500 deductible + 40% of 500 + the balance bill of 1,000.
    q = quote_both(capsys, network="out", plan_type="ppo", allowed=1000, billed=2000, deductible_remaining=0,
                   oon_deductible=500, oon_coinsurance=40)
    assert q["patient_pays"]["typical"] == pytest.approx(500 + 200 + 1000)
    capped = quote_both(capsys, network="out", plan_type="ppo", allowed=1000, billed=2000, deductible_remaining=0,
                        oon_deductible=500, oon_coinsurance=40, oon_oop_max=800, oon_oop_met=200)
    assert capped["patient_pays"]["typical"] == pytest.approx(600 + 1000)  # the balance bill is not capped


def test_blank_out_of_network_terms_are_stated_assumptions(capsys):
    q = quote_both(capsys, network="out", plan_type="ppo", allowed=1000, billed=1000, deductible=300)
    mult = REF.param("oon_deductible_multiple", 2026)
    coins = REF.param("oon_coinsurance_default_pct", 2026) / 100
    assert q["assumptions"]["oon_deductible_remaining"] == mult * 300
    assert q["patient_pays"]["typical"] == pytest.approx(600 + coins * 400)
    assert any("taken as twice the in-network deductible" in s and "(assumed)" in s for s in q["steps"])


# -- 3. An out-of-network doctor at an in-network facility (DESIGN: may balance-bill only with signed
# notice and consent; a doctor's own office is not a covered facility) --------------------------------
def test_out_of_network_doctor_at_an_in_network_facility_needs_consent_to_balance_bill(capsys):
    base = dict(site="asc", deductible=0, coinsurance=20, plan_type="ppo")
    in_net = quote_both(capsys, **base)
    protected = quote_both(capsys, **base, doctor_network="out")
    assert protected["patient_pays"] == in_net["patient_pays"]
    assert protected["breakdown"]["balance"]["high"] == 0
    assert "nsa_doctor_protected" in [w["code"] for w in protected["warnings"]]
    consented = quote_both(capsys, **base, doctor_network="out", signed_consent=True)
    assert consented["breakdown"]["balance"]["typical"] > 0
    assert consented["patient_pays"]["typical"] > in_net["patient_pays"]["typical"]
    office = quote_both(capsys, **{**base, "site": "office"}, doctor_network="out")
    assert office["breakdown"]["balance"]["typical"] > 0


# -- 4. The ACA out-of-pocket limit (market/SOURCES.md: $9,200 self-only in 2025; $10,600 in 2026) ----
@pytest.mark.parametrize("year, limit", [(2025, 9200.0), (2026, 10600.0)])
def test_a_blank_or_higher_maximum_takes_the_aca_limit_unless_grandfathered(capsys, year, limit):
    base = dict(year=year, allowed=15000, deductible=20000, coinsurance=20)
    blank = quote_both(capsys, **base)
    assert blank["patient_pays"]["typical"] == limit
    high = quote_both(capsys, **base, oop_max=15000)
    assert high["patient_pays"]["typical"] == limit
    assert "oop_max_above_aca_limit" in [w["code"] for w in high["warnings"]]
    grandfathered = quote_both(capsys, **base, oop_max=15000, grandfathered=True)
    assert grandfathered["patient_pays"]["typical"] == 15000
    assert "oop_max_above_aca_limit" not in [w["code"] for w in grandfathered["warnings"]]


def test_yes_no_flags_read_the_same_everywhere(capsys):
    base = ["--allowed", "15000", "--deductible", "20000"]
    assert run(capsys, *base, "--grandfathered")["patient_pays"]["typical"] == 15000
    assert run(capsys, *base, "--grandfathered", "no")["patient_pays"]["typical"] == 10600
    for text in ("yes", "true", "1", "YES"):
        assert batch_row(allowed=15000, deductible=20000, grandfathered=text)["patient_pays_typical"] == 15000
    for text in ("no", "false", "0"):
        assert batch_row(allowed=15000, deductible=20000, grandfathered=text)["patient_pays_typical"] == 10600
    assert "--grandfathered" in refused(capsys, "--grandfathered", "maybe")
    assert "--grandfathered" in refused(capsys, "--coverage", "medicare", "--grandfathered")


# -- 5. HSA-qualified high-deductible plans (market/SOURCES.md: no copay-only services before the
# deductible) ---------------------------------------------------------------------------------------
def test_an_hdhp_pays_nothing_before_the_deductible_and_refuses_a_copay_that_skips_it(capsys):
    q = quote_both(capsys, hdhp=True, allowed=500, deductible=2000, copay=30, coinsurance=0)
    assert q["patient_pays"]["typical"] == 500
    for timing in ("before_deductible", "instead_of_deductible"):
        err = refused(capsys, "--hdhp", "--deductible", "2000", "--copay", "30", "--copay-timing", timing)
        assert "--copay-timing" in err and "high-deductible" in err


# -- 6. A copay that replaces the deductible; a copay with no coinsurance ------------------------------
def test_a_copay_instead_of_the_deductible(capsys):
    base = dict(allowed=200, copay=30, deductible=1000)
    assert quote_both(capsys, **base, copay_timing="instead_of_deductible")["patient_pays"]["typical"] == 30
    assert quote_both(capsys, **base, copay_timing="before_deductible")["patient_pays"]["typical"] == 200


def test_a_copay_with_no_coinsurance_adds_no_assumed_coinsurance(capsys):
    q = quote_both(capsys, allowed=1000, deductible_remaining=0, copay=50)
    assert q["patient_pays"]["typical"] == 50
    assert "copay_only_assumed" in [w["code"] for w in q["warnings"]]
    assert "coinsurance_assumed" not in [w["code"] for w in q["warnings"]]
    assert any("no coinsurance is added" in s for s in q["steps"])


# -- 7. Medicaid within the federal limits (42 CFR 447.52) ---------------------------------------------
def test_medicaid_coinsurance_over_the_federal_limit_is_refused_naming_the_field(capsys):
    limit = REF.param("medicaid_max_coinsurance_pct", 2026)
    err = refused(capsys, "--coverage", "medicaid", "--coinsurance", str(limit + 5))
    assert "--coinsurance" in err and "447.52" in err
    out = quote_frame(pd.DataFrame([{"zip": "35203", "coverage": "medicaid", "coinsurance": limit + 5}]))
    assert out.loc[0, "status"] == "error" and out.loc[0, "error"].startswith("coinsurance: ")
    quote_both(capsys, coverage="medicaid", coinsurance=limit)


def test_medicaid_cost_sharing_is_cut_to_the_federal_share(capsys):
    q = quote_both(capsys, coverage="medicaid", allowed=200, copay=100)
    limit = REF.param("medicaid_max_coinsurance_pct", 2026)
    assert q["patient_pays"]["typical"] == pytest.approx(200 * limit / 100)
    assert "medicaid_cost_sharing_capped" in [w["code"] for w in q["warnings"]]
    blank = quote_both(capsys, coverage="medicaid", allowed=200)
    assert blank["patient_pays"]["typical"] == 0


# -- 8. QMB and Medigap Plan N (SSA 1902(n)(3)(B); market/SOURCES.md) --------------------------------
def test_a_qualified_medicare_beneficiary_owes_no_medicare_cost_sharing(capsys):
    q = quote_both(capsys, coverage="medicare", qmb=True, site="hopd")
    assert q["patient_pays"] == {"low": 0.0, "typical": 0.0, "high": 0.0}
    nonpar = quote_both(capsys, coverage="medicare", qmb=True, medicare_provider="nonpar_unassigned")
    assert nonpar["patient_pays"]["high"] == 0  # assignment is mandatory: no limiting charge
    assert any("Qualified Medicare Beneficiary" in s for s in q["steps"])


def test_medigap_n_keeps_the_deductible_an_office_copay_and_excess_charges(capsys):
    base = dict(coverage="medicare", deductible_met=283)
    office = quote_both(capsys, **base, site="office", medigap="n")
    copay = REF.param("medigap_n_office_copay", 2026)
    assert office["patient_pays"]["typical"] == copay
    asc = quote_both(capsys, **base, site="asc", medigap="n")
    assert asc["patient_pays"]["typical"] == 0
    no_gap = quote_both(capsys, **base, site="asc", medicare_provider="nonpar_unassigned")
    plan_n = quote_both(capsys, **base, site="asc", medicare_provider="nonpar_unassigned", medigap="n")
    plan_g = quote_both(capsys, **base, site="asc", medicare_provider="nonpar_unassigned", medigap="g")
    assert plan_g["patient_pays"]["typical"] == 0
    assert plan_n["patient_pays"]["typical"] == pytest.approx(no_gap["breakdown"]["balance"]["typical"])
    fresh = quote_both(capsys, coverage="medicare", site="hopd", medigap="n")  # the deductible stays the patient's
    assert fresh["patient_pays"]["typical"] == REF.param("part_b_deductible", 2026)


# -- 9. What the patient did not say is a range (KFF 2024: $1,787 average single deductible) ----------
def test_an_unknown_deductible_spans_already_met_and_not_yet_met(capsys):
    q = quote_both(capsys, site="asc", coinsurance=20)
    met = run(capsys, "--site", "asc", "--coinsurance", "20", "--deductible-remaining", "0")
    typical = REF.param("typical_single_deductible", 2026)
    not_met = run(capsys, "--site", "asc", "--coinsurance", "20", "--deductible", str(typical))
    assert q["patient_pays_if"]["deductible_met"] == met["patient_pays"]
    assert q["patient_pays_if"]["deductible_not_met"] == not_met["patient_pays"]
    assert q["patient_pays"]["low"] == met["patient_pays"]["low"]
    assert q["patient_pays"]["high"] == not_met["patient_pays"]["high"]
    assert q["patient_pays"]["typical"] == not_met["patient_pays"]["typical"]
    text = " ".join(q["steps"] + [w["message"] for w in q["warnings"]])
    assert "already met, so" not in text and "$1,787" in text
    assert "already met" in " ".join(met["steps"])  # said by the user, so said back


def test_a_known_deductible_status_leaves_no_open_case(capsys):
    for extra in (dict(deductible=500), dict(deductible_remaining=0), dict(coverage="medicare")):
        q = quote_both(capsys, **extra)
        assert "deductible_met" not in q["patient_pays_if"]


def test_the_open_cases_through_the_single_api_match_the_batch_on_many_scenarios():
    rows = [dict(zip="35203", site=site, network=net, coverage=cov, sedation=sed)
            for site in ("hopd", "asc", "office") for net in ("in", "out")
            for cov in ("commercial", "medicare_advantage") for sed in ("local", "anesthesia")]
    out = quote_frame(pd.DataFrame(rows))
    for i, row in enumerate(rows):
        q = quote(Scenario(**row))
        for case in CASES:
            for lvl in LEVELS:
                got = out.loc[i, f"patient_pays_if_{case}_{lvl}"]
                want = q.patient_pays_if.get(case, {}).get(lvl, np.nan)
                assert got == pytest.approx(want, abs=0.005, nan_ok=True), (row, case, lvl)
