"""The market bands against the hospital price files, rate by rate (nominal coverage 80%)."""

from __future__ import annotations

import pandas as pd
import pytest

from estimator.databuild.figures import load_figures

# Each code's APC, as in the data build (62322 sits one level up).
APC = {"62320": "5442", "62321": "5442", "62322": "5443", "62323": "5442"}


@pytest.fixture(scope="module")
def rates(reference, ref):
    d = pd.read_csv(reference / "market" / "hospital_mrf_epidural_calibration.csv", dtype={"code": str})
    d = d[(d["setting"] != "inpatient") & (d["billing_class"].fillna("facility") == "facility")]
    hospitals = ref.frames["calibration_hospitals"].set_index("hospital_slug")
    figs = load_figures(reference)
    scale = {c: figs[(f"apc_rate_{a}", 2025)].value / figs[("apc_rate_5442", 2025)].value for c, a in APC.items()}
    d = d.assign(medicare=d["hospital_slug"].map(hospitals["medicare_rate"]) * d["code"].map(scale))
    return d.assign(ratio=d["amount_usd"] / d["medicare"])


@pytest.mark.parametrize("code", sorted(APC))
def test_commercial_rates_fall_in_the_hospital_band_about_80_percent_of_the_time(rates, ref, code):
    fr = ref.frames["fee_ranges"].set_index(["component", "site", "basis"])
    band = fr.loc[("facility", "hopd", "commercial")]
    x = rates[(rates["code"] == code) & (rates["row_kind"] == "negotiated")
              & rates["plan_type"].isin(["commercial", "exchange"])]
    weight = 1 / x.groupby("hospital_slug")["ratio"].transform("size")
    inside = ((x["ratio"] >= band["low"]) & (x["ratio"] <= band["high"])).astype(float)
    share = (inside * weight).sum() / weight.sum()
    assert len(x) > 100
    assert 0.65 <= share <= 0.95, f"{code}: {share:.2f} of commercial rates inside the 10th-90th percentile band"
