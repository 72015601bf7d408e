"""Hospitals near a patient (estimator.planning.nearby) and the pages that show them (AppTest).

Expected figures come from the hospitals' own published files (data/hospital_prices.csv, built from
the reference price files) and from the engine's single quote with the hospital named.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.safe_text import shown
from estimator.common.errors import InputError
from estimator.planning.nearby import KM_PER_MILE, OUTPATIENT_TYPES, display_name, hospitals_near, local_hospital_range
from estimator.quote import quote
from estimator.reference import hospitals as hosp
from estimator.reference.named_hospital import hospital_zips, system_band
from estimator.reference.tables import load
from estimator.scenario import Scenario

from .conftest import ROOT
from .test_app import run

DOTHAN = "36301"  # Southeast Health Medical Center (CCN 010001) publishes a cash price of $469.68


def _published(ccn: str, code: str = "62321") -> pd.Series:
    p = pd.read_csv(ROOT / "data" / "hospital_prices.csv", dtype={"ccn": str, "code": str})
    return p[(p["ccn"] == ccn) & (p["code"] == code)].iloc[0]


def test_the_nearest_outpatient_hospitals_come_first_with_their_published_prices():
    near = hospitals_near(Scenario(zip=DOTHAN, coverage="self_pay"))
    assert len(near) == 10
    assert near["distance_miles"].is_monotonic_increasing
    assert set(near["hospital_type"]) <= set(OUTPATIENT_TYPES)
    row = near[near["ccn"] == "010001"].iloc[0]
    published = _published("010001")
    assert row["cash_price"] == pytest.approx(published["cash_price"])
    assert row["gross_charge"] == pytest.approx(published["gross_charge"])
    assert row["file_date"] == published["file_date"]
    assert row["name"] == "Southeast Health Medical Center"


def test_distances_are_great_circle_miles_from_the_zip_centroid():
    near = hospitals_near(Scenario(zip="60614", coverage="self_pay"), n=5)
    lat, lon = hosp.zip_centroid("60614")
    h = hosp.hospitals().set_index("ccn").loc[near["ccn"]]
    km = hosp.distance_km(lat, lon, h["lat"].to_numpy(float), h["lon"].to_numpy(float))
    np.testing.assert_allclose(near["distance_miles"], np.round(km / KM_PER_MILE, 1))
    # Nothing of an outpatient type and still open is closer than the last one listed.
    pool = hosp.hospitals()
    pool = pool[(pool["in_latest_care_compare"] == "Y") & pool["hospital_type"].isin(OUTPATIENT_TYPES)]
    all_km = hosp.distance_km(lat, lon, pool["lat"].to_numpy(float), pool["lon"].to_numpy(float))
    assert (all_km < km.max() - 1e-6).sum() <= 4


@pytest.mark.parametrize("coverage, extra", [("self_pay", {}), ("commercial", {"deductible": 1500, "coinsurance": 20}),
                                             ("medicare", {})])
def test_what_the_list_says_you_pay_is_the_quote_at_that_hospital(coverage, extra):
    sc = Scenario(zip=DOTHAN, coverage=coverage, **extra)
    near = hospitals_near(sc, n=4)
    for r in near.itertuples():
        q = quote(sc.changed(site="hopd", hospital=r.ccn))
        assert r.patient_pays_typical == pytest.approx(q.patient_pays["typical"], abs=0.01)
        assert r.patient_pays_low == pytest.approx(q.patient_pays["low"], abs=0.01)
        assert r.patient_pays_high == pytest.approx(q.patient_pays["high"], abs=0.01)


def test_a_self_pay_patient_pays_the_published_cash_price_as_the_facility_fee():
    near = hospitals_near(Scenario(zip=DOTHAN, coverage="self_pay"))
    published = near[near["published"] & near["cash_price"].notna()]
    assert len(published) >= 2
    np.testing.assert_allclose(published["facility_allowed_typical"], published["cash_price"])


def test_a_hospital_without_prices_gets_the_local_range():
    sc = Scenario(zip=DOTHAN, coverage="self_pay")
    near = hospitals_near(sc)
    local = local_hospital_range(sc)
    silent = near[~near["published"]]
    assert len(silent)
    q = quote(sc.changed(site="hopd"))
    fac = next(c for c in q.components if c["name"] == "facility")
    assert local["cash"] == pytest.approx((fac["allowed"]["low"], fac["allowed"]["high"]))
    # Each silent hospital is priced as a quote naming it is: on its health system's band where it has
    # one, else on the local range, wage-adjusted where the hospital is.
    named = [next(c for c in quote(sc.changed(site="hopd", hospital=ccn)).components
                  if c["name"] == "facility")["allowed"]["typical"] for ccn in silent["ccn"]]
    np.testing.assert_allclose(silent["facility_allowed_typical"], named)
    ref = load()
    here = ref.zip_wage_area[int(DOTHAN)]
    plain = [ccn for ccn in silent["ccn"] if system_band(ccn, "cash") is None
             and ref.zip_wage_area[int(hospital_zips(ref)[ccn])] == here]
    assert plain
    plain_typical = silent.set_index("ccn").loc[plain, "facility_allowed_typical"]
    np.testing.assert_allclose(plain_typical, fac["allowed"]["typical"])
    assert local["gross"][0] < local["gross"][1]


def test_a_hospital_chosen_earlier_stays_listed_though_far_away():
    near = hospitals_near(Scenario(zip="60614", coverage="self_pay"), n=3, include="010001")
    assert list(near["ccn"])[-1] == "010001"
    assert near["distance_miles"].iloc[-1] > 500


def test_a_zip_without_a_census_area_is_named():
    with pytest.raises(InputError) as e:
        hospitals_near(Scenario(zip="00000", coverage="self_pay"))
    assert e.value.errors[0].field == "zip"


@given(st.lists(st.sampled_from(["SAINT", "MARY'S", "OF", "THE", "UAB", "ST.", "JOSEPH-MERCY", "AND", "HOSPITAL"]),
                min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_display_names_keep_the_words_and_only_change_case(words):
    upper = " ".join(words)
    out = display_name(upper)
    assert out.upper() == upper
    assert out.split()[0][0].isupper()
    assert display_name(out) == out  # mixed case is left as written


def _hospital_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Hospital" in d.value.columns)


def test_choosing_a_hospital_prices_the_hospital_visit_there_and_keeps_it_in_the_address():
    at = run({"zip": DOTHAN, "coverage": "self_pay", "site": "office"})
    table = _hospital_table(at)
    assert list(table["Hospital"])[0] == "Southeast Health Medical Center"
    assert list(table["Cash price"])[0] == "$470"
    at.selectbox(key="w_hospital").set_value("010001").run()
    assert not at.exception
    assert at.query_params["hospital"] == "010001"
    assert at.session_state["in_site"] == "hopd"  # a hospital was chosen: the visit is priced there
    q = quote(Scenario(zip=DOTHAN, coverage="self_pay", site="hopd", hospital="010001"))
    head = next(m.value for m in at.markdown if m.value.startswith("### You would likely pay"))
    assert head == f"### You would likely pay ${q.patient_pays['typical']:,.0f}"
    assert any("Southeast Health Medical Center" in shown(m.value) for m in at.markdown)
    reopened = run(dict(at.query_params))
    assert reopened.selectbox(key="w_hospital").value == "010001"


def test_a_hospital_in_the_address_is_dropped_for_another_site():
    at = run({"zip": DOTHAN, "coverage": "self_pay", "site": "asc", "hospital": "010001"})
    assert not at.error
    q = quote(Scenario(zip=DOTHAN, coverage="self_pay", site="asc"))
    head = next(m.value for m in at.markdown if m.value.startswith("### You would likely pay"))
    assert head == f"### You would likely pay ${q.patient_pays['typical']:,.0f}"


def test_an_unknown_hospital_in_the_address_is_named():
    at = run({"zip": DOTHAN, "coverage": "self_pay", "site": "hopd", "hospital": "999999"})
    assert any("hospital" in shown(e.value).lower() and "999999" in shown(e.value) for e in at.error)


def test_prices_page_takes_a_zip_highlights_the_area_and_lists_hospitals():
    at = run({"zip": DOTHAN, "coverage": "self_pay"}, page="app_pages/prices.py")
    assert at.text_input(key="w_zip").value == DOTHAN
    localities = next(d.value for d in at.dataframe if "locality_key" in d.value.columns)
    assert localities.iloc[0]["yours"] == "Yes" and localities.iloc[0]["locality_state"] == "AL"
    assert (localities["yours"] == "Yes").sum() == 1
    assert any("Your state, AL, is outlined" in c.value for c in at.caption)
    hospitals = _hospital_table(at)
    assert list(hospitals["Hospital"])[0] == "Southeast Health Medical Center"
    assert not [s for s in at.selectbox if s.key == "w_hospital"]  # a list here, chosen on the estimate page


def test_prices_page_without_a_place_says_so_and_claims_no_area():
    at = run({}, page="app_pages/prices.py")
    assert any("Enter your ZIP code" in i.value for i in at.info)
    assert not any("Your area" in shown(m.value) for m in at.markdown)
    assert not any("outlined" in c.value for c in at.caption)
    at.text_input(key="w_zip").set_value("60614").run()
    assert at.query_params["zip"] == "60614"
    assert any("Your state, IL, is outlined" in c.value for c in at.caption)
    assert math.isfinite(len(_hospital_table(at)))


TONOPAH = "89049"  # a Nevada ZIP whose nearest outpatient hospital is about 100 miles away


@pytest.mark.parametrize("within", [4, 25, 60])
def test_a_distance_keeps_only_the_hospitals_that_close(within):
    sc = Scenario(zip="60612", coverage="self_pay")
    everything = hospitals_near(sc, n=10)
    close = hospitals_near(sc, n=10, within_miles=within)
    assert (close["distance_miles"] <= within).all()
    pd.testing.assert_frame_equal(close, everything[everything["distance_miles"] <= within].reset_index(drop=True))


def test_none_within_reach_says_how_far_the_nearest_is():
    from estimator.planning.nearby import nearby

    found = nearby(Scenario(zip=TONOPAH, coverage="self_pay"), within_miles=25)
    assert found.hospitals.empty and found.nearest_miles > 25
    assert found.nearest_miles == hospitals_near(Scenario(zip=TONOPAH, coverage="self_pay"))["distance_miles"].iloc[0]


def test_the_nearest_hospitals_are_found_once_per_zip():
    from estimator.planning import nearby as module
    from estimator.planning.nearby import nearest

    ref = load()
    module._NEAREST.clear()
    first = nearest("36301", ref)
    cached = module._NEAREST[(ref.version, "36301", 10)]
    pd.testing.assert_frame_equal(nearest("36301", ref), first)
    assert module._NEAREST[(ref.version, "36301", 10)] is cached and len(module._NEAREST) == 1
    assert not nearest("60612", ref).equals(first) and len(module._NEAREST) == 2


def test_a_session_changing_its_list_never_changes_anothers():
    from concurrent.futures import ThreadPoolExecutor

    from estimator.planning.nearby import nearest

    ref = load()
    mine = nearest("36301", ref)
    mine.loc[0, "name"] = "CHANGED"
    mine.drop(index=mine.index[1:], inplace=True)
    with ThreadPoolExecutor(8) as pool:
        lists = list(pool.map(lambda z: nearest(z, ref), ["36301", "60612"] * 16))
    assert all(len(x) == 10 and "CHANGED" not in set(x["name"]) for x in lists)
    assert all(x.equals(lists[0]) for x in lists[::2]) and all(x.equals(lists[1]) for x in lists[1::2])


def test_the_page_asks_how_far_and_keeps_it_in_the_address():
    at = run({"zip": TONOPAH, "coverage": "self_pay", "within": "25"})
    assert at.selectbox(key="w_within").value == "25"
    line = next(i.value for i in at.info if "No hospital is within 25 miles" in i.value)
    assert "ZIP code 89049" in line and "Choose a longer distance" in line
    at.selectbox(key="w_within").set_value("any").run()
    assert at.query_params["within"] == "any"
    assert list(_hospital_table(at)["Miles"])[0] > 25
    default = run({"zip": DOTHAN, "coverage": "self_pay"})
    assert default.selectbox(key="w_within").value == "50"
    assert (_hospital_table(default)["Miles"] <= 50).all()
