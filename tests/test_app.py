"""AppTest for every page: the numbers shown are the engine's, bad input is explained, URLs round-trip."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.safe_text import shown
from estimator.common.money import usd
from estimator.planning import compare
from estimator.quote import quote
from estimator.scenario import Scenario

from .conftest import ROOT

APP = str(ROOT / "app.py")


def run(params: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### You would likely pay"))


def test_landing_page_shows_the_engines_numbers():
    at = run({"zip": "35203", "site": "hopd", "deductible": "1500", "coinsurance": "20", "year": "2025"})
    q = quote(Scenario(zip="35203", site="hopd", deductible=1500, coinsurance=20, year=2025))
    assert headline(at) == f"### You would likely pay {usd(q.patient_pays['typical'], cents=False)}"
    assert at.metric[0].value == usd(q.total_allowed["typical"], cents=False)
    assert any(q.steps[0] in m.value for m in at.markdown)


def test_total_cost_of_care_includes_an_out_of_network_balance_bill():
    at = run({"zip": "60612", "site": "office", "network": "out", "deductible": "500", "coinsurance": "30"})
    q = quote(Scenario(zip="60612", site="office", network="out", deductible=500, coinsurance=30))
    assert q.breakdown["balance"]["typical"] > 0
    assert at.metric[0].value == usd(q.total_allowed["typical"] + q.breakdown["balance"]["typical"], cents=False)


def test_landing_page_lists_other_ways_to_pay_less_from_the_engine():
    at = run({"zip": "60612", "site": "hopd", "sedation": "anesthesia", "network": "out"})
    table = compare.savings(Scenario(zip="60612", site="hopd", sedation="anesthesia", network="out"))
    text = next(m.value for m in at.markdown if m.value.startswith("**Other ways you could pay less**"))
    for r in table.itertuples():
        assert f"With {r.change}: about {usd(r.saving, cents=False)} less" in text


def test_compare_mode_details_the_cheapest_site_and_states_the_saving():
    at = run({"zip": "60612", "coverage": "self_pay"})
    table = compare.by_site(Scenario(zip="60612", coverage="self_pay"))
    cheapest = table["patient_pays_typical"].min()
    assert headline(at) == f"### You would likely pay {usd(cheapest, cents=False)}"
    saving = table["patient_pays_typical"].max() - cheapest
    assert any(f"about {usd(saving, cents=False)} less" in s.value for s in at.success)


def test_changing_an_input_changes_the_headline_to_the_new_engine_value():
    at = run({"zip": "35203", "site": "asc", "coinsurance": "20"})
    before = headline(at)
    # A blank deductible is priced not yet met at a typical deductible, so a small one changes the figure.
    at.number_input(key="w_deductible").set_value(100.0)
    at.run()
    q = quote(Scenario(zip="35203", site="asc", coinsurance=20, deductible=100))
    assert headline(at) == f"### You would likely pay {usd(q.patient_pays['typical'], cents=False)}" != before
    assert at.query_params["deductible"] == "100"


def test_url_parameters_round_trip():
    at = run({"zip": "10001"})
    at.selectbox(key="w_coverage").set_value("medicare")
    at.run()
    at.radio(key="w_site").set_value("office")
    at.run()
    at.selectbox(key="w_medigap").set_value("g")
    at.run()
    params = dict(at.query_params.items())
    assert params == {"zip": "10001", "coverage": "medicare", "site": "office", "medigap": "g"}
    reopened = run(params)
    assert headline(reopened) == headline(at)
    assert reopened.session_state["in_medigap"] == "g"


def test_medicare_doctor_status_changes_the_estimate_as_the_engine_does():
    at = run({"zip": "35203", "coverage": "medicare", "site": "office", "deductible_met": "257", "year": "2025"})
    at.selectbox(key="w_medicare_provider").set_value("nonpar_unassigned")
    at.run()
    q = quote(Scenario(zip="35203", coverage="medicare", site="office", deductible_met=257, year=2025,
                       medicare_provider="nonpar_unassigned"))
    assert headline(at) == f"### You would likely pay {usd(q.patient_pays['typical'], cents=False)}"
    assert at.query_params["medicare_provider"] == "nonpar_unassigned"
    at.selectbox(key="w_coverage").set_value("commercial")  # the Medicare-only answer is set aside
    at.run()
    assert not at.exception and headline(at).startswith("### You would likely pay")


@pytest.mark.parametrize("params, field", [
    ({"zip": "00000"}, "ZIP code"),
    ({"zip": "123"}, "ZIP code"),
    ({"zip": "35203", "deductible": "100", "deductible_met": "500"}, "Deductible paid so far this year"),
    ({"zip": "35203", "oop_max": "100", "oop_met": "500"}, "Out-of-pocket paid so far this year"),
])
def test_bad_input_shows_a_message_naming_the_field_and_keeps_the_entry(params, field):
    at = run(params)
    assert any(shown(e.value).startswith(field) for e in at.error), [e.value for e in at.error]
    assert not any(m.value.startswith("### You would likely pay") for m in at.markdown)
    assert at.session_state["in_zip"] == params["zip"]


def test_bad_url_values_are_named_ignored_and_the_rest_kept():
    at = run({"zip": "35203", "coinsurance": "150", "site": "spaceship", "deductible": "lots"})
    msgs = " ".join(shown(w.value) for w in at.warning)
    assert "Coinsurance (%): '150'" in msgs and "Where will it be done?: 'spaceship'" in msgs
    assert "Yearly deductible ($): 'lots' is not a number" in msgs
    assert at.session_state["in_zip"] == "35203" and at.session_state["in_coinsurance"] is None
    assert headline(at)  # still priced, with the valid inputs


def test_no_place_asks_for_one_without_an_error():
    at = run()
    assert any("Enter your ZIP code" in i.value for i in at.info) and not at.error


def test_a_hidden_field_keeps_its_value_when_the_coverage_changes_back():
    at = run({"zip": "35203", "deductible": "1234"})
    at.selectbox(key="w_coverage").set_value("self_pay")
    at.run()
    at.selectbox(key="w_coverage").set_value("commercial")
    at.run()
    assert at.number_input(key="w_deductible").value == 1234


def test_prices_page_map_and_tables_use_the_engine():
    at = run({"zip": "35203", "site": "asc"}, page="app_pages/prices.py")
    assert len(at.get("plotly_chart")) == 2
    table = compare.by_state(Scenario(state="AL", site="asc"))
    top = table.loc[table["total_cost_typical"].idxmax()]
    assert any(f"highest in {top['state']} ({usd(top['total_cost_typical'], cents=False)})" in c.value
               for c in at.caption)
    assert len(at.dataframe[0].value) == 109
    pr = table.loc[table["state"] == "PR", "total_cost_typical"].iloc[0]
    assert any("Not on the map: " in c.value and f"Puerto Rico {usd(pr, cents=False)}" in c.value
               for c in at.caption)


def test_prices_page_measure_is_in_the_url_and_follows_the_engine():
    at = run({"zip": "35203", "site": "asc", "deductible": "500"}, page="app_pages/prices.py")
    at.radio(key="w_show").set_value("you_pay")
    at.run()
    assert at.query_params["show"] == "you_pay"
    table = compare.by_state(Scenario(state="AL", site="asc", deductible=500))
    top = table.loc[table["patient_pays_typical"].idxmax()]
    assert any(f"highest in {top['state']} ({usd(top['patient_pays_typical'], cents=False)})" in c.value
               for c in at.caption)
    reopened = run({"zip": "35203", "site": "asc", "deductible": "500", "show": "you_pay"},
                   page="app_pages/prices.py")
    assert reopened.radio(key="w_show").value == "you_pay"
    assert [c.value for c in reopened.caption] == [c.value for c in at.caption]


def test_about_page_explains_and_disclaims():
    at = run(page="app_pages/about.py")
    text = " ".join(m.value for m in at.markdown)
    assert "informs; it does not advise" in text
    for topic in ("epidural space", "fluoroscopy", "62320", "Blood thinners", "drive you home", "prior authorization"):
        assert topic in text


def test_methods_page_is_generated_from_the_table_metadata(ref):
    at = run(page="app_pages/methods.py")
    text = " ".join(m.value for m in at.markdown) + " ".join(e.label for e in at.expander)
    for assumption in ref.metadata["assumptions"]:
        assert assumption in text
    for name in ref.metadata["tables"]:
        assert name in text
    assert ref.version in text


def test_an_unknown_deductible_is_shown_both_ways_beside_the_headline():
    at = run({"zip": "35203", "site": "asc"})
    q = quote(Scenario(zip="35203", site="asc"))
    cases = q.patient_pays_if
    line = next(m.value for m in at.markdown if m.value.startswith("If you have not met your deductible yet"))
    assert usd(cases["deductible_not_met"]["typical"], cents=False) in line
    assert usd(cases["deductible_met"]["typical"], cents=False) in line
    at = run({"zip": "35203", "site": "asc", "deductible": "1000", "deductible_met": "1000"})  # said: met
    assert not any(m.value.startswith("If you have not met") for m in at.markdown)


def test_no_cost_sharing_at_any_site_is_said_as_such_not_as_a_cheapest_site():
    at = run({"state": "TX", "coverage": "medicaid"})
    table = compare.by_site(Scenario(state="TX", coverage="medicaid", site="asc"))
    assert (table["patient_pays_high"] < 0.5).all()  # the premise: Texas Medicaid charges nothing here
    captions = [c.value for c in at.caption]
    assert not any("lowest-cost site" in c for c in captions)
    assert any(c.startswith("You would pay the same at every site") for c in captions)
    assert not at.success  # no "biggest saving"
    office = table.loc[table["site"] == "office", "total_allowed_typical"].iloc[0]
    assert any("you would pay nothing at any site" in c and usd(office, cents=False) in c for c in captions)


def test_a_number_out_of_range_is_explained_under_its_field_and_the_others_kept():
    at = run({"zip": "35203", "site": "asc", "deductible": "1500", "coinsurance": "20"})
    at.number_input(key="w_coinsurance").set_value(150).run()
    assert not at.exception
    assert any("Coinsurance" in shown(e.value) and "100" in shown(e.value) for e in at.error)
    assert not [m for m in at.markdown if m.value.startswith("### You would likely pay")]  # no stale figure
    assert any("Check your entries" in shown(m.value) for m in at.markdown)
    assert at.session_state["in_deductible"] == 1500 and at.session_state["in_zip"] == "35203"


def test_visiting_prices_near_you_keeps_the_compare_choice():
    at = run({"zip": "35203"})
    assert at.session_state["in_site"] == "compare"
    at.switch_page("app_pages/prices.py").run()
    assert at.radio(key="w_site").value == "asc"  # the map prices one site; the choice itself is kept
    assert at.session_state["in_site"] == "compare" and "site" not in at.query_params
    at.switch_page("app_pages/estimate.py").run()
    assert at.radio(key="w_site").value == "compare"
