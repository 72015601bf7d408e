"""Writes notebooks/01_calibration.ipynb (cells kept here as plain Python for reviewable diffs).

Run: python notebooks/build_calibration_notebook.py
"""

from pathlib import Path

import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))  # noqa: E731
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))  # noqa: E731

md("""
# How the market price bands were set

The estimator prices every bill (doctor, facility, anesthesia) as a **multiple of Medicare's own
amount** for the same service, site and place. Medicare's amounts are exact (they come from CMS's
fee schedule files); what a commercial plan pays, what a provider charges and what a cash price is
are not published per service, so the multiples are calibrated from two kinds of evidence:

1. **Hospital price-transparency files**: the published 62321 prices of about 2,000 US hospitals
   (gross charges, cash prices; per-payer negotiated rates for a few dozen) for the hospital
   facility bands (section 5), and eight hospitals' detailed files for Medicaid rates and the
   ratios behind the doctor's and anesthesia bills.
2. **Published ratios** where no price file exists: physician and anesthesiology charge-to-Medicare
   ratios (Bai & Anderson, JAMA 2017), the usual commercial-to-Medicare range for physician fees,
   Medicaid-to-Medicare fee levels, and RAND's surgery-center vs hospital price levels.

Each band is low / typical / high = the 10th / 50th / 90th percentile. This notebook re-derives the
bands from the sources with the same functions the data build uses, checks them against
`data/fee_ranges.csv`, and plots the evidence. CI runs it, so it cannot drift from the data.
""")
code("""
import os
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from estimator.databuild import cms, market
from estimator.databuild.figures import load_figures
from estimator.reference.tables import data_dir

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
REFERENCE = Path(os.environ.get("ESTIMATOR_REFERENCE", ROOT.parent / "shared" / "reference"))
fee_ranges = pd.read_csv(data_dir() / "fee_ranges.csv")
hospitals = pd.read_csv(data_dir() / "calibration_hospitals.csv", dtype={"zip": str})
figures = load_figures(REFERENCE)
zips = cms.read_zip_locality(REFERENCE / "cms/zip_locality/ZIP5_OCT2025.txt")
gpci = cms.read_gpci(REFERENCE / "cms/pfs2025/GPCI2025.csv")
evidence = market.hospital_evidence(REFERENCE, zips, gpci, figures, apc="5442")
""")
md("""
## 1. Each hospital's prices against its own Medicare rate

Medicare pays a hospital outpatient department the OPPS rate for the service's payment group (APC),
adjusted for local wages: 60% of the rate is multiplied by a wage index. We use the Medicare
locality's practice-expense index as the wage index (no wage-index file is in the reference data).
62321 is taken to be in APC 5442 (Level 2 nerve injections, $692.52 in 2025): the hospitals'
**Medicare Advantage** rates, which follow Medicare's, sit close to that amount, which supports the
assignment. A ratio near 1.0 below is the check.
""")
code("""
cols = ["hospital_name", "state", "medicare_rate", "medicare_advantage_ratio", "commercial_ratio",
        "gross_ratio", "cash_ratio", "medicaid_ratio"]
hospitals[cols].round(2)
""")
code("""
ma = hospitals["medicare_advantage_ratio"]
print(f"Medicare Advantage / Medicare OPPS rate: median {ma.median():.2f} across {ma.notna().sum()} hospitals")
assert 0.9 < ma.median() < 1.25, "APC 5442 no longer matches the Medicare Advantage rates"
""")
md("""
## 2. The hospital facility band (commercial in-network)

Each hospital publishes many negotiated rates (one per plan). The summary gives, per hospital, the
minimum, quartiles and maximum of its commercial and exchange rates. We treat each hospital's rates
as spread evenly between those points and give every hospital the same weight (so a hospital with
fifty plans does not outvote one with five), then read the 10th, 50th and 90th percentiles of the
mixture. The chart shows each hospital's range and median with the band.
""")
code("""
rows = evidence.quantile_rows("commercial")
band = market.mixture_quantiles(rows, market.QUANTILES)
h = evidence.hospitals[evidence.hospitals["commercial_exchange_n"] > 0]
fig = go.Figure()
for (name, r) in zip(h["hospital_name"], rows):
    fig.add_trace(go.Box(q1=[r[1]], median=[r[2]], q3=[r[3]], lowerfence=[r[0]], upperfence=[r[4]],
                         name=name, orientation="h", showlegend=False))
for level, x in zip(("10th", "50th", "90th"), band):
    fig.add_vline(x=x, line_dash="dash", annotation_text=f"{level} {x:.2f}x")
fig.update_layout(title="Commercial negotiated facility rates for 62321, as multiples of Medicare",
                  xaxis_title="multiple of the hospital's Medicare OPPS rate", height=420)
fig
""")
code("""
row = fee_ranges.query("component == 'facility' and site == 'hopd' and basis == 'commercial'").iloc[0]
rand = figures[("rand_hopd_pct", None)].value / 100
print(f"these eight hospitals' rates: {band.round(2)}; the band in data/ (section 5, with the Virginia "
      f"hospitals): {row[['low', 'typical', 'high']].astype(float).round(2).to_numpy()}; RAND reports employer "
      f"plans paying hospitals {rand:.2f}x Medicare on average")
""")
md("""
These eight hospitals also give the Medicaid facility band and the ratios used for the doctor's and
anesthesia bills below; the hospital bands for gross charges, cash prices and commercial rates come
from about 2,000 hospitals (section 5). Surgery centers have no price files here: their commercial
band is the hospital band scaled by RAND's surgery-center-to-hospital ratio (171% vs 254% of
Medicare), and their charges and cash prices are assumed to sit at the hospitals' multiples of
Medicare.
""")
code("""
fig = px.strip(hospitals.melt(id_vars="hospital_name", value_vars=["gross_ratio", "cash_ratio"],
                              var_name="price", value_name="multiple"),
               x="multiple", y="price", hover_name="hospital_name",
               title="Gross charges and cash prices for 62321, as multiples of Medicare")
fig
""")
md("""
## 3. Doctor and anesthesia bills: published ratios

For the professional (doctor) and anesthesia bills there is no price file, only published medians
and interquartile ranges. Treating each ratio as log-normal turns a median and an interquartile
range into 10th and 90th percentiles: sigma = ln(p75 / p25) / (2 x 0.6745), and the 10th/90th
percentiles are median x exp(-/+ 1.2816 sigma).

- Doctor's charges: 2.5x Medicare (IQR 1.8-3.6). Anesthesia charges: 5.8x (IQR 4.5-7.9).
- Doctor's commercial rates: the usually quoted 120-160% of Medicare, read as the interquartile range.
- Anesthesia commercial rates: no published figure in the reference, so anesthesia charges are
  multiplied by the hospitals' median ratio of negotiated rate to gross charge.
- Cash prices for both: charges x the hospitals' median ratio of cash price to gross charge.
""")
code("""
f = {k[0]: v.value for k, v in figures.items() if k[1] is None}
phys = market.lognormal_band(f["physician_charge_ratio_median"], f["physician_charge_ratio_p25"],
                             f["physician_charge_ratio_p75"])
anes = market.lognormal_band(f["anesthesia_charge_ratio_median"], f["anesthesia_charge_ratio_p25"],
                             f["anesthesia_charge_ratio_p75"])
neg = hospitals["negotiated_to_gross"].median()
cash = hospitals["cash_to_gross"].median()
derived = pd.DataFrame({
    ("professional", "billed"): phys, ("professional", "cash"): phys * cash,
    ("anesthesia", "billed"): anes, ("anesthesia", "commercial"): anes * neg, ("anesthesia", "cash"): anes * cash,
}, index=["low", "typical", "high"]).T
derived.index.names = ["component", "basis"]
table = fee_ranges.query("site == 'office'").set_index(["component", "basis"])[["low", "typical", "high"]]
check = derived.join(table, rsuffix="_data")
assert np.allclose(check[["low", "typical", "high"]].to_numpy(),
                   check[["low_data", "typical_data", "high_data"]].to_numpy(), atol=1e-3)
print(f"negotiated-to-charge {neg:.3f}, cash-to-charge {cash:.3f}")
derived.round(2)
""")
md("""
A cross-check: the doctor's commercial band that comes from charges x the negotiated-to-charge ratio
(2.5 x 0.56, about 1.4x) lands inside the 120-160% usually reported, and anesthesia's
(about 3.2x Medicare) agrees with the common observation that commercial plans pay anesthesia at
roughly three times Medicare's rate.
""")
code("""
print(f"doctor, from charges: {f['physician_charge_ratio_median'] * neg:.2f}x Medicare "
      f"(reported range {f['professional_commercial_low_pct'] / 100:.1f}-{f['professional_commercial_high_pct'] / 100:.1f}x)")
assert 1.2 <= f["physician_charge_ratio_median"] * neg <= 1.6
""")
md("""
## 4. All bands, and what they mean in dollars

The bands for every component, site and price basis, then the typical total for one scenario
(62321 in Alabama, 2025) by site and price basis, straight from the engine.
""")
code("""
fig = px.scatter(fee_ranges, x="typical", y="basis", error_x=fee_ranges["high"] - fee_ranges["typical"],
                 error_x_minus=fee_ranges["typical"] - fee_ranges["low"], color="component",
                 facet_row="site", title="Market bands: multiples of Medicare (10th / 50th / 90th percentile)",
                 height=700)
fig
""")
code("""
from estimator.quote import quote
from estimator.scenario import Scenario

rows = []
for site in ("hopd", "asc", "office"):
    for coverage in ("medicare", "commercial", "self_pay"):
        q = quote(Scenario(zip="35203", site=site, coverage=coverage, year=2025))
        rows.append({"site": site, "coverage": coverage, **q.total_allowed})
totals = pd.DataFrame(rows)
px.bar(totals, x="site", y="typical", color="coverage", barmode="group",
       error_y=totals["high"] - totals["typical"], error_y_minus=totals["typical"] - totals["low"],
       title="62321 in Alabama, 2025: total allowed (cash price for self-pay), typical with range")
""")
md("""
### Surgery centers: multiples of the Medicare ASC rate

A surgery center's bands are multiples of Medicare's own ASC payment (CMS Addendum AA: 62321 is
payment indicator G2, paid from its OPPS weight, $371.75 in 2025 and $387.46 in 2026 before the
wage adjustment). The ratios behind them (RAND: surgery centers 171% of Medicare, hospitals 254%)
are each relative to what Medicare pays that setting, so they do not depend on the size of the ASC
rate. The check below is the one the data build runs: Medicare's ASC rate is below its hospital
rate, and at every level and price basis a surgery center's national facility price is below the
hospital's.
""")
code("""
facility = pd.read_csv(data_dir() / "facility_rates.csv", dtype={"code": str})
levels = market.check_asc_bands(fee_ranges, facility)
levels[(levels["code"] == "62321") & (levels["year"] == 2026)]
""")
md("""
## 5. Hospital facility bands from about 2,000 hospitals, proved out of sample

`data/hospital_market_evidence.csv` holds one row per hospital that publishes a 62321 price: its
gross charge, cash price, commercial median (where it publishes per-payer rates) and its own
Medicare OPPS rate. Each price is read as y = ln(price / Medicare rate). The model
(`estimator/databuild/market_model.py`) is national -> state partial pooling: hospitals sharing one
chargemaster count once; each state's shift is shrunk toward the national level by
Z = n tau^2 / (n tau^2 + sigma^2), with tau^2 (between states) and sigma^2 (between chargemasters
within a state) estimated from the data. The band is the national level plus the state's shift plus
the 10th/50th/90th percentiles of predictive residuals (each hospital against a state shift
estimated without its own chargemaster), scaled by the state's own spread: each state's mean
squared residual pooled toward the national one with a prior weight in chargemasters estimated from
how much the states' spreads differ beyond sampling noise. Commercial rates (few hospitals publish them) take b x the
gross-charge state shift, b from the hospitals publishing both; since a patient's plan pays its own
rate, the commercial spread adds each plan's deviation from its hospital's median, and the
cross-validation scores each held-out hospital's plan rates (the share inside, per hospital).

The engine reads the national band from `fee_ranges.csv` and the state factors from
`regional_factors.csv` (one per state, price basis and level: the shift and the spread). It is a
state-level band, not a local one.

Note on the data: the largest source keeps one value per code, the largest over every row of the
hospital's file, so a gross charge or cash price may be a professional or inpatient line's figure.
""")
code("""
from estimator.databuild import market_model as mm

ev = pd.read_csv(data_dir() / "hospital_market_evidence.csv", dtype={"ccn": str, "zip": str},
                 keep_default_na=False, na_values=[""])
from estimator.reference.hospitals import payer_rates

plans = mm.commercial_plan_rates(payer_rates())
models = mm.fit_all(ev, plans)
summary = pd.DataFrame({b: {"hospitals": m.n_hospitals, "chargemasters": m.n_chargemasters,
                            "tau2": m.tau2, "sigma2": m.sigma2, "slope_on_gross": m.slope,
                            "low": m.multiples[0], "typical": m.multiples[1], "high": m.multiples[2]}
                        for b, m in models.items()}).T
hopd = fee_ranges.query("component == 'facility' and site == 'hopd'").set_index("basis")
for b, m in models.items():
    assert np.allclose(m.multiples, hopd.loc[b, ["low", "typical", "high"]].astype(float), atol=1e-4)
summary.round(3)
""")
md("""
### Cross-validation by hospital, grouped by health system

Ten folds; every hospital of one health system (shared chargemaster, shared price page or the
source's system name; `data/hospitals.csv` says which) sits in the same fold. For each fold the
model is fitted on the other nine and predicts each held-out hospital's band from its state and its
own Medicare rate. A calibrated 10th-90th band holds about 80% of the hospitals it never saw.
""")
code("""
cv = mm.cross_validate(ev, k=10, seed=0, plans=plans)
overall = mm.coverage_summary(cv)
meta = pd.read_json(data_dir() / "metadata.json", typ="series")["hospital_facility_model"]["bases"]
for r in overall.itertuples():
    assert abs(meta[r.basis]["cv_coverage_10_90"] - r.coverage) < 1e-4
    print(f"{r.basis:>10}: {r.coverage:.1%} of {r.hospitals} held-out hospitals inside 10th-90th "
          f"({r.below:.1%} below, {r.above:.1%} above); median band width high/low {r.median_width:.1f}x")
assert 0.70 <= overall.set_index("basis").loc["billed", "coverage"] <= 0.90
overall.round(3)
""")
md("""
### Against the plain baseline

The simplest band anyone could build from the same files: each state's own 10th and 90th percentiles
of its hospitals' multiples (the national ones where the training folds hold fewer than three of the
state's chargemasters), scored on the same folds.
""")
code("""
baseline = mm.coverage_summary(mm.cross_validate_state_quantiles(ev, k=10, seed=0)).set_index("basis")
side = pd.DataFrame({"model coverage": overall.set_index("basis")["coverage"],
                     "model median width": overall.set_index("basis")["median_width"],
                     "baseline coverage": baseline["coverage"], "baseline median width": baseline["median_width"]})
for b in baseline.index:
    assert abs(meta[b]["baseline_state_quantiles"]["cv_coverage_10_90"] - baseline.loc[b, "coverage"]) < 1e-4
side.round(3)
""")
code("""
by_state = mm.coverage_summary(cv[cv["basis"] != "commercial"], ["state"])
px.bar(by_state, x="state", y="coverage", color="basis", barmode="group", hover_data=["hospitals"],
       title="Held-out coverage of the 10th-90th band by state (gross charges and cash prices)",
       height=420).add_hline(y=0.8, line_dash="dash")
""")
code("""
fig = px.scatter(cv, x="typical", y="observed", color="basis", log_x=True, log_y=True, opacity=0.4,
                 hover_data=["ccn", "state"], title="Published price vs predicted typical (held out), dollars")
lo, hi = cv[["typical", "observed"]].min().min(), cv[["typical", "observed"]].max().max()
fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="equal", line_dash="dash"))
fig
""")
md("""
### A named hospital that publishes nothing: its health system's prices

Hospitals of one system set prices together. `estimator/databuild/system_bands.py` adds a system
level to the state model (variance components by moments, the system's other chargemasters' mean
deviation shrunk by its credibility; the band's width the system's own spread, its siblings' variance
pooled toward the common one by an empirical-Bayes prior, so that a system whose hospitals price
alike gets a narrow band and one with more siblings a surer level) and scores it out of sample
chargemaster by chargemaster: the
held-out hospital's system keeps its other chargemasters in training, as for a named hospital whose
siblings publish. `data/hospital_bands.csv` holds the resulting band of every such hospital.
""")
code("""
from estimator.databuild import system_bands as sb

system_cv = mm.coverage_summary(sb.cross_validate(ev, k=10, seed=0)).set_index("basis")
for b in system_cv.index:
    assert abs(meta[b]["hospital_aware_system"]["cv_coverage_10_90"] - system_cv.loc[b, "coverage"]) < 1e-4
side.join(system_cv[["coverage", "median_width"]].add_prefix("system band "), how="left").round(3)
""")
md("""
### Where the state band is not enough

With no hospital named the engine does not know which one will bill. The table shows how held-out
coverage differs by hospital type; in this data type, ownership, size and the hospital's CBSA take
almost none of the within-state variance, so they do not narrow the band.
""")
code("""
mm.coverage_summary(cv[cv["basis"] != "commercial"], ["hospital_type"]).query("hospitals >= 20").round(3)
""")
code("""
pd.read_csv(data_dir() / "regional_factors.csv").query("basis == 'billed'")[
    ["state", "factor_low", "factor", "factor_high", "spread_ratio", "credibility", "chargemasters"]
].sort_values("factor")
""")
md("""
## Limitations

Commercial negotiated rates rest on the few hospitals that publish them per payer (mostly in
Virginia); the Medicaid facility band rests on four hospitals; the facility band is state-level,
not local, and cannot tell a critical-access hospital from an academic centre; the doctor and anesthesia bands rest on published ratios that are not specific to epidural injections;
surgery-center prices are inferred rather than observed. The methods page of the app lists these
with every other assumption. This notebook informs; it is not medical or financial advice.
""")

nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
Path(__file__).with_name("01_calibration.ipynb").write_text(nbf.writes(nb))
