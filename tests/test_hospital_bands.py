"""Hospital-aware bands: a named hospital that publishes no price is priced on its health system's
published prices (estimator/databuild/system_bands.py, data/hospital_bands.csv)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from estimator.batch import quote_frame
from estimator.databuild import market_model as mm
from estimator.databuild import system_bands as sb
from estimator.quote import quote
from estimator.reference import hospitals as hosp
from estimator.scenario import Scenario


@pytest.fixture(scope="module")
def bands(ref):
    return hosp._read(ref.path, "hospital_bands.csv")  # noqa: SLF001


def _unpublished(ref, bands: pd.DataFrame, basis: str) -> pd.DataFrame:
    h = hosp.hospitals(ref)
    silent = set(h.loc[h["publishes_prices"] == "N", "ccn"])
    return bands[(bands["basis"] == basis) & bands["ccn"].isin(silent)]


def _facility(q) -> dict:
    return next(c for c in q.to_dict()["components"] if c["name"] == "facility")


@pytest.mark.parametrize("basis", ["billed", "cash"])
def test_an_unpublished_hospital_is_priced_on_its_system_band(ref, bands, basis):
    """Self-pay at a hospital that publishes nothing: the facility's charge (billed) and cash price are
    its own band's multiples of the Medicare facility rate, to the cent, in a single quote and a batch."""
    rows = _unpublished(ref, bands, basis).head(25)
    assert len(rows) >= 25
    frame = pd.DataFrame({"hospital": rows["ccn"], "coverage": "self_pay", "site": "hopd"})
    out = quote_frame(frame)
    kind = "billed" if basis == "billed" else "allowed"
    for (_, r), (_, o) in zip(rows.iterrows(), out.iterrows()):
        q = quote(Scenario(hospital=r["ccn"], coverage="self_pay", site="hopd"))
        fac = _facility(q)
        expected = [round(fac["medicare"] * r[lvl], 2) for lvl in ("low", "typical", "high")]
        assert [fac[kind][lvl] for lvl in ("low", "typical", "high")] == pytest.approx(expected, abs=0.011)
        assert [o[f"facility_{kind}_{lvl}"] for lvl in ("low", "typical", "high")] == [
            fac[kind][lvl] for lvl in ("low", "typical", "high")]
        if basis == "cash":
            assert q.to_dict()["hospital"]["band"] == "health_system"
            assert any("health system" in w["message"] for w in q.to_dict()["warnings"])


def test_a_hospital_with_no_system_evidence_keeps_the_local_range(ref, bands):
    h = hosp.hospitals(ref)
    lone = h[(h["publishes_prices"] == "N") & ~h["ccn"].isin(bands["ccn"])]["ccn"].iloc[0]
    q = quote(Scenario(hospital=lone, coverage="self_pay", site="hopd")).to_dict()
    assert q["hospital"]["band"] == "local"


@pytest.mark.parametrize(("key", "cross_validate"), [
    ("baseline_state_quantiles", mm.cross_validate_state_quantiles), ("hospital_aware_system", sb.cross_validate)])
def test_metadata_reports_the_cross_validation(ref, evidence, key, cross_validate):
    """The per-state-quantile baseline and the system band, each on its folds, as metadata.json says."""
    meta = ref.metadata["hospital_facility_model"]["bases"]
    s = mm.coverage_summary(cross_validate(evidence, k=10, seed=0)).set_index("basis")
    for basis in ("billed", "cash"):
        got = meta[basis][key]
        assert got["cv_coverage_10_90"] == pytest.approx(s.loc[basis, "coverage"], abs=1e-4)
        assert got["cv_median_width_high_over_low"] == pytest.approx(s.loc[basis, "median_width"], abs=1e-3)


def test_the_bands_against_the_baseline(ref):
    """Out of sample the state band holds at least as many unseen hospitals as the per-state quantiles;
    the system band is honest (77-92% inside) and narrower than both."""
    meta = ref.metadata["hospital_facility_model"]["bases"]
    for basis in ("billed", "cash"):
        base, system = meta[basis]["baseline_state_quantiles"], meta[basis]["hospital_aware_system"]
        assert meta[basis]["cv_coverage_10_90"] >= base["cv_coverage_10_90"]
        assert 0.77 <= system["cv_coverage_10_90"] <= 0.92
        assert system["cv_median_width_high_over_low"] < base["cv_median_width_high_over_low"]
        assert system["cv_median_width_high_over_low"] < meta[basis]["cv_median_width_high_over_low"]


def _synthetic(system_sd: float, seed: int) -> pd.DataFrame:
    """Four states, 60 systems of four chargemasters each, prices around 3x Medicare."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(60):
        w = system_sd * rng.standard_normal()
        for c in range(4):
            rows.append({"ccn": f"{s:03d}{c}", "state": "ABCD"[c], "system_id": f"sys{s}",
                         "chargemaster_id": f"{s:03d}{c}", "medicare_rate": 600.0,
                         "gross_charge": 600.0 * math.exp(1.1 + w + 0.4 * rng.standard_normal())})
    return pd.DataFrame(rows)


def test_a_system_priced_high_lifts_its_hospitals_band():
    obs = _synthetic(0.8, 3)
    state = mm.fit_state_model(obs, "gross_charge", "billed")
    system = sb.fit(obs, state, "billed")
    assert system.tau2 == pytest.approx(0.64, rel=0.4)
    assert system.sigma2 == pytest.approx(0.16, rel=0.4)
    b = sb.bands(obs, state, system).set_index("ccn")
    own = obs.groupby("system_id")["gross_charge"].transform(lambda x: np.log(x).mean())
    high_sys = obs.loc[own.idxmax(), "ccn"]
    low_sys = obs.loc[own.idxmin(), "ccn"]
    assert b.loc[high_sys, "typical"] > 2 * b.loc[low_sys, "typical"]
    # The system band is narrower than the state band when systems explain the prices.
    assert math.log(b["high"].iloc[0] / b["low"].iloc[0]) < math.log(state.multiples[2] / state.multiples[0])


def test_systems_that_do_not_differ_add_nothing():
    obs = _synthetic(0.0, 4)
    state = mm.fit_state_model(obs, "gross_charge", "billed")
    system = sb.fit(obs, state, "billed")
    b = sb.bands(obs, state, system)
    assert (b["credibility"] < 0.5).all()
    spread = np.log(b["typical"]).std()
    assert spread < 0.15


def _systems(nu0: float, n_systems: int, size: int, seed: int) -> pd.DataFrame:
    """Systems whose within variances are drawn from a scaled inverse chi-squared with ``nu0`` degrees
    of freedom around 0.2 (``nu0`` inf: all the same), as the d's the system level sees."""
    rng = np.random.default_rng(seed)
    var = np.full(n_systems, 0.2) if math.isinf(nu0) else nu0 * 0.2 / rng.chisquare(nu0, n_systems)
    d = rng.normal(0, 0.4, n_systems)[:, None] + rng.standard_normal((n_systems, size)) * np.sqrt(var)[:, None]
    return pd.DataFrame({"system": np.repeat([f"s{i}" for i in range(n_systems)], size), "d": d.ravel()})


@pytest.mark.parametrize("nu0", [4.0, 10.0])
def test_the_spread_prior_is_recovered_from_systems_that_differ(nu0):
    estimates = [sb._prior_weight(_systems(nu0, 600, 4, seed)) for seed in range(5)]  # noqa: SLF001
    assert np.median(estimates) == pytest.approx(nu0, rel=0.35)


def test_systems_that_spread_alike_share_one_spread():
    """No heterogeneity: a large prior weight (or inf), far above what differing systems give."""
    estimates = [sb._prior_weight(_systems(float("inf"), 600, 4, seed)) for seed in range(5)]  # noqa: SLF001
    assert np.median(estimates) > 20


@given(st.floats(min_value=-1.0, max_value=1e3, allow_nan=False))
def test_any_excess_gives_a_prior_weight_or_none(extra):
    """Every excess variance, however close to zero (trigamma never reaches it on a finite bracket),
    gives a positive weight solving trigamma(nu0 / 2) = excess, or inf."""
    nu0 = sb.prior_weight_of_excess(extra)
    assert nu0 > 0
    if math.isfinite(nu0):
        assert float(special.polygamma(1, nu0 / 2)) == pytest.approx(extra, rel=1e-6)
    else:
        assert extra <= 1.1e-8


def test_a_vanishing_excess_is_no_excess():
    assert sb.prior_weight_of_excess(5e-9) == float("inf") == sb.prior_weight_of_excess(0.0)
    assert sb.prior_weight_of_excess(float(special.polygamma(1, 5.0))) == pytest.approx(10.0)


def test_a_system_whose_hospitals_agree_gets_a_narrower_band():
    """Same siblings' mean, same count: the band follows how far apart the siblings' prices are; and
    more siblings narrow it when systems share one spread."""
    total, m = np.array([0.6, 0.6]), np.array([3.0, 3.0])
    tight, loose = 3 * 0.2 ** 2 + 0.01, 3 * 0.2 ** 2 + 1.2  # sums of squares: sibling variances 0.005 and 0.6
    s = sb._scale(total, np.array([tight, loose]), m, 0.15, 0.3, 2.0)  # noqa: SLF001
    assert s[0] < s[1]
    by_count = sb._scale(np.zeros(3), np.zeros(3), np.array([1.0, 4.0, 20.0]), 0.15, 0.3, float("inf"))  # noqa: SLF001
    assert by_count[0] > by_count[1] > by_count[2] > math.sqrt(0.3)


def _states(n_states: int, size: int, seed: int) -> tuple[pd.Series, np.ndarray, np.ndarray, pd.Series]:
    """Residuals of states whose scales differ (log-normal around 0.8), one chargemaster each."""
    rng = np.random.default_rng(seed)
    scale = np.exp(rng.normal(np.log(0.8), 0.4, n_states))
    states = pd.Series(np.repeat([f"S{i:02d}" for i in range(n_states)], size))
    resid = (rng.standard_t(6, (n_states, size)) * scale[:, None]).ravel()
    return states, resid, np.ones(len(resid)), states.value_counts()


def test_states_too_small_for_a_scale_do_not_move_the_prior_weight():
    """A state of one chargemaster, or one whose hospitals all sit on the centre, has no scale of its
    own: the prior weight and the other states' scales are what they are without it."""
    states, resid, w, units = _states(40, 12, 0)
    scales, pooled, nu0 = mm.state_scales(states, resid, w, units)
    extra_states = pd.concat([states, pd.Series(["ZZ", "ZZ", "ZZ", "YY"])], ignore_index=True)
    extra_resid = np.concatenate([resid, [0.0, 0.0, 0.0, 2.5]])
    more = mm.state_scales(extra_states, extra_resid, np.ones(len(extra_resid)), extra_states.value_counts())
    assert math.isfinite(nu0) and more[2] == pytest.approx(nu0, rel=1e-9)
    assert all(more[0][s] == pytest.approx(v, rel=0.05) for s, v in scales.items())
