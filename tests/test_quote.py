"""Quote behaviour: Medicare rules, network rules, imaging and sedation, warnings and steps."""

from __future__ import annotations

import pytest

from estimator.planning import compare
from estimator.quote import quote
from estimator.scenario import Scenario, ScenarioError


def q(**kw):
    kw.setdefault("zip", "35203")
    return quote(Scenario(**kw))


def test_original_medicare_part_b_deductible_then_20_percent(ref):
    r = q(site="office", coverage="medicare", year=2026)
    allowed = r.total_allowed["typical"]
    deductible = ref.param("part_b_deductible", 2026)
    assert deductible == 283
    expected = min(allowed, deductible) + 0.2 * max(allowed - deductible, 0)
    assert r.patient_pays["typical"] == pytest.approx(expected, abs=0.01)
    assert any("Part B deductible" in s for s in r.steps)
    assert r.total_allowed["low"] == r.total_allowed["high"] == allowed


def test_medicare_deductible_fills_across_the_doctor_and_facility_claims(ref):
    r = q(site="hopd", coverage="medicare", year=2025)
    total = r.total_allowed["typical"]
    assert r.breakdown["deductible"]["typical"] == 257
    assert r.patient_pays["typical"] == pytest.approx(257 + 0.2 * (total - 257), abs=0.02)


def test_medigap_g_leaves_only_the_part_b_deductible():
    r = q(site="hopd", coverage="medicare", medigap="g", year=2026)
    assert r.patient_pays["typical"] == pytest.approx(283, abs=0.01)
    assert r.patient_pays["typical"] + r.plan_pays["typical"] == pytest.approx(r.total_allowed["typical"], abs=0.02)


def test_non_participating_doctor_not_accepting_assignment_adds_the_limiting_charge_gap():
    par = q(site="hopd", coverage="medicare", year=2025, deductible_remaining=0, sedation="anesthesia")
    r = q(site="hopd", coverage="medicare", year=2025, deductible_remaining=0, sedation="anesthesia",
          medicare_provider="nonpar_unassigned")
    comp = {c["name"]: c for c in r.components}
    par_comp = {c["name"]: c for c in par.components}
    assert comp["facility"]["allowed"] == par_comp["facility"]["allowed"]  # hospitals accept assignment
    gap = 0.0
    for name in ("professional", "anesthesia"):
        approved, charge = comp[name]["allowed"]["typical"], comp[name]["billed"]["typical"]
        assert approved == pytest.approx(round(comp[name]["medicare"] * 0.95, 2), abs=0.006)
        assert charge == pytest.approx(approved * 1.15, abs=0.011)
        gap += charge - approved
    assert r.breakdown["balance"]["typical"] == pytest.approx(gap, abs=0.01)
    allowed = r.total_allowed["typical"]
    assert r.patient_pays["typical"] == pytest.approx(0.2 * allowed + gap, abs=0.02)
    assert r.patient_pays["typical"] + r.plan_pays["typical"] == pytest.approx(allowed + gap, abs=0.02)
    assert "medicare_limiting_charge" in r.warning_codes()
    assert any("limiting charge" in s for s in r.steps)


def test_non_participating_doctor_accepting_assignment_costs_less_and_bills_no_more():
    par = q(site="office", coverage="medicare", year=2026, deductible_remaining=0)
    r = q(site="office", coverage="medicare", year=2026, deductible_remaining=0, medicare_provider="nonpar_assigned")
    assert r.total_allowed["typical"] < par.total_allowed["typical"]
    assert r.breakdown["balance"]["typical"] == 0
    assert r.patient_pays["typical"] == pytest.approx(0.2 * r.total_allowed["typical"], abs=0.01)
    assert "medicare_limiting_charge" not in r.warning_codes()


def test_medigap_g_pays_the_limiting_charge_gap_too():
    r = q(site="asc", coverage="medicare", year=2025, deductible_remaining=0, medigap="g",
          medicare_provider="nonpar_unassigned")
    assert r.breakdown["balance"]["typical"] > 0
    assert r.patient_pays["typical"] == 0
    assert r.plan_pays["typical"] == pytest.approx(r.total_allowed["typical"] + r.breakdown["balance"]["typical"])


def test_hospital_coinsurance_cap_at_the_part_a_deductible(ref):
    # A known hospital facility amount large enough that 20% passes the Part A deductible.
    r = q(site="hopd", coverage="medicare", year=2025, deductible_remaining=0, allowed_facility=10000)
    cap = ref.param("hopd_copay_cap", 2025)
    fac = next(c for c in r.components if c["name"] == "facility")
    assert fac["patient_pays"]["typical"] == pytest.approx(cap)
    assert any("Part A deductible" in s for s in r.steps)


def test_frequency_limit_reached_prices_at_cash_and_warns():
    r = q(coverage="medicare", prior_sessions=4, site="office", year=2025)
    assert "frequency_limit_reached" in r.warning_codes()
    assert r.plan_pays["typical"] == 0
    assert r.patient_pays["typical"] == r.total_allowed["typical"]
    assert r.total_allowed["typical"] != 224.68  # the cash price, not Medicare's


def test_medicare_sedation_warning_names_the_amount():
    r = q(coverage="medicare", sedation="anesthesia", site="asc", year=2025)
    w = next(w for w in r.warnings if w["code"] == "medicare_sedation")
    anes = next(c for c in r.components if c["name"] == "anesthesia")
    assert f"${anes['allowed']['typical']:,.2f}" in w["message"]


def test_no_imaging_is_priced_as_62320_with_a_warning():
    with_img = q(site="office", coverage="medicare", year=2025)
    none = q(site="office", coverage="medicare", year=2025, imaging="none")
    assert none.code == "62320" and with_img.code == "62321"
    prof = next(c for c in none.components if c["name"] == "professional")
    assert prof["medicare"] == 139.05  # CMS's published Alabama 2025 office amount for 62320
    assert "no_imaging" in none.warning_codes()
    commercial = q(site="office", coverage="commercial", year=2025, imaging="none")
    assert commercial.code == "62320" and "medicare_imaging_required" not in commercial.warning_codes()


def test_fluoroscopy_and_ct_are_the_same_price():
    a = q(imaging="fluoroscopy", site="hopd")
    b = q(imaging="ct", site="hopd")
    assert a.total_allowed == b.total_allowed and a.patient_pays == b.patient_pays
    assert "imaging_included" in a.warning_codes()


def test_moderate_sedation_adds_99152_and_99153_lines():
    r = q(sedation="moderate", sedation_minutes=40, site="office", coverage="medicare", year=2025)
    prof = next(c for c in r.components if c["name"] == "professional")
    codes = {li["code"]: li["units"] for li in prof["lines"]}
    assert codes == {"62321": 1, "99152": 1, "99153": 2}
    assert prof["allowed"]["typical"] == pytest.approx(sum(li["medicare"] * li["units"] for li in prof["lines"]))


def test_out_of_network_adds_a_balance_bill_that_ignores_the_maximum():
    r = q(site="asc", network="out", plan_type="ppo", deductible=0, oon_deductible=0, oon_coinsurance=30,
          oon_oop_max=100)
    bal = r.breakdown["balance"]["typical"]
    assert bal > 0
    assert r.patient_pays["typical"] == pytest.approx(100 + bal, abs=0.02)
    assert "balance_billing" in r.warning_codes()


def test_no_surprises_act_protects_against_out_of_network_anesthesia_at_an_in_network_facility():
    base = dict(site="hopd", sedation="anesthesia", deductible=500, coinsurance=20)
    protected = q(**base, anesthesia_network="out")
    in_net = q(**base)
    assert protected.breakdown["balance"]["typical"] == 0
    assert protected.patient_pays == in_net.patient_pays
    assert "nsa_protected" in protected.warning_codes()


def test_out_of_network_office_is_not_protected():
    r = q(site="office", network="out", coinsurance=20)
    assert {"balance_billing", "office_not_protected"} <= set(r.warning_codes())


def test_state_only_quote_says_which_locality_it_used():
    r = q(zip=None, state="CA")
    assert r.place.matched_by == "state"
    assert "locality_approximate" in r.warning_codes()


def test_self_pay_gets_the_good_faith_estimate_notice():
    r = q(coverage="self_pay", site="asc")
    assert "good_faith_estimate" in r.warning_codes()
    assert "$400" in next(w["message"] for w in r.warnings if w["code"] == "good_faith_estimate")


def test_prior_authorization_warning_for_commercial_plans():
    assert "prior_authorization" in q().warning_codes()


def test_assumed_benefits_are_flagged():
    r = q()
    assert {"coinsurance_assumed", "deductible_assumed"} <= set(r.warning_codes())
    assert "coinsurance_assumed" not in q(coinsurance=10, deductible=0).warning_codes()


def test_out_of_pocket_maximum_caps_the_share():
    r = q(site="hopd", deductible=5000, oop_max=1000, oop_met=600)
    assert r.patient_pays["typical"] == pytest.approx(400)
    assert any("out-of-pocket maximum" in s for s in r.steps)


def test_copay_before_deductible_convention():
    after = q(allowed=1000, deductible_remaining=200, copay=100, coinsurance=20)
    before = q(allowed=1000, deductible_remaining=200, copay=100, coinsurance=20, copay_timing="before_deductible")
    assert after.patient_pays["typical"] == pytest.approx(200 + 100 + 0.2 * 700)
    assert before.patient_pays["typical"] == pytest.approx(100 + 200 + 0.2 * 700)
    incl = q(allowed=1000, deductible_remaining=200, copay=100, coinsurance=20, coinsurance_base="including_copay")
    assert incl.patient_pays["typical"] == pytest.approx(200 + 100 + 0.2 * 800)


def test_invalid_scenarios_raise_with_every_problem_listed():
    with pytest.raises(ScenarioError) as e:
        q(site="spa", coinsurance=150, deductible=-1)
    assert {err.field for err in e.value.errors} == {"site", "coinsurance", "deductible"}


def test_quote_records_the_data_version_and_sources(ref):
    r = q(site="hopd")
    assert r.data_version == ref.version and len(r.data_version) == 12
    assert any("OPPS" in s for s in r.sources) and any("hospital price-transparency" in s for s in r.sources)


def test_out_of_network_anesthesia_in_an_office_is_not_protected():
    r = q(site="office", sedation="anesthesia", anesthesia_network="out", coinsurance=20, deductible=0)
    assert r.breakdown["balance"]["typical"] > 0
    assert {"balance_billing", "office_not_protected"} <= set(r.warning_codes())
    assert "nsa_protected" not in r.warning_codes()


def test_comparisons_count_a_balance_bill_in_the_total_cost():
    sc = Scenario(state="IL", network="out", site="office", deductible=500)
    row = compare.by_state(sc).set_index("state").loc["IL"]
    q = quote(sc)
    assert row["total_cost_typical"] == pytest.approx(q.total_cost["typical"], abs=0.02)
    assert row["total_cost_typical"] > row["total_allowed_typical"]


def test_other_ways_to_pay_less_are_the_engines_differences():
    sc = Scenario(zip="60612", site="hopd", sedation="anesthesia", network="out", deductible=500)
    table = compare.savings(sc)
    base = quote(sc).patient_pays["typical"]
    alternatives = {"network": Scenario(zip="60612", site="hopd", sedation="anesthesia", deductible=500),
                    "sedation": Scenario(zip="60612", site="hopd", network="out", deductible=500)}
    for lever, alt in alternatives.items():
        saving = table[table["lever"] == lever]["saving"].max()
        assert saving == pytest.approx(base - quote(alt).patient_pays["typical"], abs=0.02)
    assert list(table["saving"]) == sorted(table["saving"], reverse=True) and (table["saving"] >= 1).all()
    assert compare.savings(Scenario(zip="60612")).empty  # nothing left to change


@pytest.mark.parametrize("text, number", [("1,500", 1500.0), (" 1500.00 ", 1500.0), ("250", 250.0)])
def test_a_scenario_given_as_text_is_quoted_as_its_values_read(text, number):
    """The Python API takes what a form or file holds: text reads as the number it says, and the
    quote is that of the typed scenario (not an error from deep in the engine)."""
    as_text = quote(Scenario(zip="35203", coverage="commercial", deductible=text))
    typed = quote(Scenario(zip="35203", coverage="commercial", deductible=number))
    assert as_text.patient_pays == typed.patient_pays
    assert as_text.to_dict()["inputs"]["deductible"] == number


def test_text_that_is_not_a_number_is_refused_naming_the_field():
    with pytest.raises(ScenarioError) as err:
        quote(Scenario(zip="35203", coverage="commercial", deductible="lots"))
    assert [e.field for e in err.value.errors] == ["deductible"]
