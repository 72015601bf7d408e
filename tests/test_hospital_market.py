"""The hospital tables, the pooled facility model out of sample, and the hospital loaders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimator.common.errors import InputError
from estimator.databuild import market_model as mm
from estimator.reference import hospitals as hosp
from estimator.reference.tables import BASES, COMPONENTS

PRICES = "market/hospitals/hospital_prices_62320_62323.csv"


@pytest.fixture(scope="module")
def plans(ref):
    return mm.commercial_plan_rates(hosp.payer_rates(ref))


@pytest.fixture(scope="module")
def cv(evidence, plans):
    return mm.cross_validate(evidence, k=10, seed=0, plans=plans)


def _lines(series: pd.Series) -> list[int]:
    return [int(x) for cell in series.dropna().astype(str) for x in cell.split(";") if x]


def test_every_published_row_is_used_once_or_excluded_with_a_reason(ref, reference):
    raw = pd.read_csv(reference / PRICES, dtype=str)
    prices, payer = hosp.hospital_prices(ref), hosp.payer_rates(ref)
    excl = pd.read_csv(f"{ref.path}/hospital_price_exclusions.csv", dtype=str)
    used = _lines(prices["reference_lines"])  # every figure's lines, per-payer rates included
    assert set(payer["reference_line"].astype(int)) <= set(used)
    excluded = list(excl["reference_line"].astype(int))
    assert len(used) == len(set(used))
    assert not set(used) & set(excluded)
    assert sorted(used + excluded) == list(range(2, len(raw) + 2))
    assert (excl["reason"].str.len() > 0).all()
    flagged = set(np.nonzero(raw["amount_flag"].notna().to_numpy())[0] + 2)
    assert flagged <= set(excluded)


def test_prices_match_their_reference_lines(ref, reference):
    raw = pd.read_csv(reference / PRICES, dtype={"code": str, "ccn": str})
    p = hosp.hospital_prices(ref)
    sample = p.dropna(subset=["gross_charge"]).sample(200, random_state=1)
    for r in sample.itertuples(index=False):
        lines = [int(x) for x in r.reference_lines.split(";")]
        rows = raw.iloc[[n - 2 for n in lines]]
        gross = rows[rows["row_kind"] == "gross_charge"]["amount_usd"]
        assert math.isclose(r.gross_charge, gross.max())
        assert set(rows["code"]) == {r.code}


def test_hospital_table_has_every_cms_hospital_with_a_location(ref, reference):
    h = hosp.hospitals(ref)
    loc = pd.read_csv(reference / "hospitals/hospital_locations.csv", dtype={"ccn": str})
    assert set(h["ccn"]) == set(loc["ccn"]) and h["ccn"].is_unique
    assert h["lat"].between(-15, 72).all() and h["lon"].between(-180, 146).all()
    priced = set(hosp.hospital_prices(ref)["ccn"].dropna())
    assert set(h.loc[h["publishes_prices"] == "Y", "ccn"]) == priced
    grouped = h[h["system_id"].fillna("") != ""]
    assert (grouped["system_basis"].str.len() > 0).all()
    # A system joins at least two hospitals (some priced hospitals have no CCN confirmed against CMS).
    p = hosp.hospital_prices(ref)
    members = pd.concat([grouped[["system_id"]].assign(k=grouped["ccn"]),
                         p.loc[p["system_id"].fillna("") != "", ["system_id", "hospital_key"]]
                         .rename(columns={"hospital_key": "k"})]).drop_duplicates()
    assert (members.groupby("system_id")["k"].nunique() > 1).all()


def test_a_shared_chargemaster_has_equal_gross_charges(ref):
    """Hospitals are joined when equal on every code both publish; chains (A = B on some codes, B = C on
    others) can join hospitals that differ on a code neither shares with the middle one: rare."""
    p = hosp.hospital_prices(ref).dropna(subset=["gross_charge", "ccn"])
    p = p[p["chargemaster_id"].fillna("") != ""]
    spread = p.groupby(["chargemaster_id", "code"])["gross_charge"].agg(lambda x: x.max() - x.min())
    assert (spread < 0.01).mean() > 0.99


@pytest.mark.parametrize("basis", ["billed", "cash"])
def test_held_out_hospitals_fall_in_the_band_about_80_percent_of_the_time(cv, basis):
    s = mm.coverage_summary(cv).set_index("basis").loc[basis]
    assert s["hospitals"] > 1000
    assert 0.70 <= s["coverage"] <= 0.90, f"{basis}: {s['coverage']:.3f} of held-out hospitals inside 10th-90th"
    assert 0.04 <= s["below"] <= 0.16 and 0.04 <= s["above"] <= 0.16  # misses on both sides, not one
    assert s["median_width"] < 12


def test_negotiated_rates_held_out_coverage(cv):
    """Each held-out hospital's published commercial plan rates (its median where no plan detail)."""
    s = mm.coverage_summary(cv).set_index("basis").loc["commercial"]
    assert s["hospitals"] >= 30
    assert 0.60 <= s["coverage"] <= 0.95


def test_coverage_holds_in_most_states_with_data(cv):
    by_state = mm.coverage_summary(cv[cv["basis"] == "billed"], ["state"])
    big = by_state[by_state["hospitals"] >= 20]
    assert len(big) >= 25
    assert (big["coverage"] >= 0.5).mean() >= 0.9


def test_cross_validation_keeps_a_system_in_one_fold(evidence):
    f = mm.folds(evidence, 10, 0)
    sys_ = evidence["system_id"].fillna("")
    assert (pd.Series(f)[sys_.to_numpy() != ""].groupby(sys_[sys_ != ""].to_numpy()).nunique() == 1).all()
    assert (pd.Series(f).groupby(evidence["chargemaster_id"].to_numpy()).nunique() == 1).all()


def test_metadata_reports_the_cross_validation_it_was_built_with(ref, cv):
    meta = ref.metadata["hospital_facility_model"]["bases"]
    s = mm.coverage_summary(cv).set_index("basis")
    for basis in ("billed", "cash", "commercial"):
        assert meta[basis]["cv_coverage_10_90"] == pytest.approx(s.loc[basis, "coverage"], abs=1e-4)


def test_fee_ranges_and_state_factors_are_the_model(ref, evidence, plans):
    models = mm.fit_all(evidence, plans)
    fr = ref.frames["fee_ranges"].set_index(["component", "site", "basis"])
    for basis, m in models.items():
        row = fr.loc[("facility", "hopd", basis)]
        assert np.allclose(row[["low", "typical", "high"]].to_numpy(float), m.multiples, atol=1e-4)
        for state, u in m.state_effect.items():
            i = ref.state_index[state]
            got = ref.regional_factor[COMPONENTS.index("facility"), BASES.index(basis), i]
            # The state's band is exp(mu + u + s_state / s x q): its own shift and its own spread.
            ratio = m.state_scale.get(state, m.scale) / m.scale
            assert got == pytest.approx(np.exp(u + (ratio - 1) * m.q), abs=1e-4)
            assert np.all(np.diff(got * m.multiples) > 0)  # low < typical < high in every state
    # Medicaid and the other components carry no state factor.
    assert (ref.regional_factor[:, BASES.index("medicaid"), :] == 1).all()
    assert (ref.regional_factor[COMPONENTS.index("professional")] == 1).all()


def test_a_state_with_more_chargemasters_is_trusted_more(evidence):
    m = mm.fit_state_model(evidence, "gross_charge", "billed")
    n = pd.Series(m.state_n)
    z = pd.Series(m.state_credibility)
    order = n.sort_values(kind="stable").index
    assert (np.diff(z[order].to_numpy()) >= -1e-12).all()
    assert z.min() > 0 and z.max() < 1


def test_nearest_hospitals_to_a_zip(ref):
    near = hosp.nearest_hospitals("10016", ref, n=5)
    assert len(near) == 5 and near["distance_km"].is_monotonic_increasing
    assert near["distance_km"].iloc[0] < 5 and (near["state"] == "NY").all()
    assert len(hosp.nearest_hospitals("59901", ref, n=50, max_km=30)) < 50


def test_unknown_zip_is_named():
    with pytest.raises(InputError) as e:
        hosp.zip_centroid("00000")
    assert e.value.errors[0].field == "zip"


def test_distance_matches_a_known_figure():
    # New York City Hall to Los Angeles City Hall: about 3,936 km along the great circle.
    assert hosp.distance_km(40.7128, -74.0060, 34.0537, -118.2428) == pytest.approx(3936, rel=0.01)


@given(st.floats(-89, 89), st.floats(-180, 180), st.floats(-89, 89), st.floats(-180, 180))
def test_distance_is_symmetric_and_bounded(a, b, c, d):
    x, y = hosp.distance_km(a, b, c, d), hosp.distance_km(c, d, a, b)
    assert x == pytest.approx(y, abs=1e-6)
    assert 0 <= x <= math.pi * hosp.EARTH_RADIUS_KM + 1e-6


def _synthetic(spreads: dict[str, float], per_state: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{"state": s, "chargemaster_id": f"{s}{i}", "medicare_rate": 600.0,
             "gross_charge": 600.0 * math.exp(1.0 + sd * rng.standard_normal())}
            for s, sd in spreads.items() for i in range(per_state)]
    return pd.DataFrame(rows)


def test_a_state_whose_hospitals_disagree_more_gets_a_wider_band():
    """Two states with well-documented, different spreads: each gets close to its own spread; the
    national band lies between them."""
    m = mm.fit_state_model(_synthetic({"AA": 0.3, "BB": 0.3, "CC": 0.3, "DD": 1.2}, 200, 1),
                           "gross_charge", "billed")
    width = {s: math.log(b[2] / b[0]) for s, b in zip("AB", m.band(pd.Series(["AA", "DD"])))}
    assert width["B"] > 2.5 * width["A"]
    assert width["A"] == pytest.approx(2 * 1.2816 * 0.3, rel=0.2)
    assert width["B"] == pytest.approx(2 * 1.2816 * 1.2, rel=0.2)


@given(st.integers(0, 10_000))
def test_states_alike_share_one_spread(seed):
    """Where every state has the same spread, what the states' spreads differ by is sampling noise:
    the pooled scales stay near the national one (prior weight large or infinite)."""
    m = mm.fit_state_model(_synthetic({s: 0.5 for s in ("AA", "BB", "CC", "DD", "EE", "FF")}, 200, seed),
                           "gross_charge", "billed")
    ratios = np.array([m.state_scale.get(s, m.scale) / m.scale for s in ("AA", "BB", "CC", "DD", "EE", "FF")])
    assert np.all(np.abs(ratios - 1) < 0.2)
