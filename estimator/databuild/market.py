"""Calibration of market price levels (data/fee_ranges.csv) from published ratios and hospital files.

Every market level is a multiple of the Medicare reference price for the same component, site and
locality, given as a band: low / typical / high = 10th / 50th / 90th percentile.

Two kinds of evidence are combined (reference/market/SOURCES.md and the calibration hospital files):

* Hospital price-transparency files (facility fee for 62321 in a hospital outpatient department):
  every commercial negotiated rate, gross charge, discounted cash price and Medicaid managed-care
  rate is divided by that hospital's own Medicare OPPS rate (APC rate, wage-adjusted with the
  wage index of its ZIP's area, estimator.databuild.wage_areas; the locality's PE GPCI where the ZIP
  has none: the same proxy the quote uses). Percentiles are taken over the pooled ratios with
  each hospital weighted equally, so one hospital with many payers does not dominate.
* Published ratios where no price file exists (professional and anesthesia claims): a published
  median with an interquartile range is turned into 10th/90th percentiles by assuming the ratio is
  log-normal (sigma = ln(p75/p25) / (2 x 0.6745)).

Where a level has no direct evidence it is derived from one that has (for example, anesthesia
in-network = anesthesia charges x the hospitals' median negotiated-to-charge ratio), and the
``method`` and ``source`` columns say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.databuild.figures import Figure
from estimator.databuild.market_model import StateModel

Z10 = 1.2815515655446004  # standard normal 90th percentile
Z75 = 0.6744897501960817  # standard normal 75th percentile
LEVELS = ("low", "typical", "high")
QUANTILES = (0.10, 0.50, 0.90)
MRF_FILE = "market/hospital_mrf_epidural_calibration.csv"
SUMMARY_FILE = "market/hospital_mrf_62321_calibration_summary.csv"
MRF_SOURCE = ("hospital price-transparency files of 8 US hospitals, 2025-2026 "
              "(reference/market/hospital_mrf_62321_calibration_summary.csv)")
CALIBRATION_CODE = "62321"
POOLED_SOURCE = ("hospital price-transparency files of about 2,000 US hospitals (published 62321 prices), 2025-2026 "
                 "(reference/market/hospitals/hospital_prices_62320_62323.csv; data/hospital_market_evidence.csv)")


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles of a weighted sample (midpoint rule: each value sits at the middle of its weight)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    positions = (np.cumsum(w) - w / 2) / w.sum()
    return np.interp(qs, positions, v)


def lognormal_band(median: float, p25: float, p75: float) -> np.ndarray:
    """10th/50th/90th percentiles of a log-normal with the given median and interquartile range."""
    sigma = math.log(p75 / p25) / (2 * Z75)
    return np.array([median * math.exp(-Z10 * sigma), median, median * math.exp(Z10 * sigma)])


QUANTILE_COLUMNS = ("min", "p25", "median", "p75", "max")
QUANTILE_LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
GROUP_PREFIX = {"commercial": "commercial_exchange", "medicaid": "medicaid",
                "medicare_advantage": "medicare_adv"}


def _parse_amount(text: object) -> float:
    """A summary-file dollar cell: a number, or a range "a-b" (several charge lines) -> midpoint."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return math.nan
    parts = [float(p) for p in str(text).split("-")]
    return sum(parts) / len(parts)


def mixture_quantiles(quantile_rows: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles of an equal-weight mixture of hospitals, each known by its min/p25/median/p75/max.

    Each hospital's distribution is the piecewise-linear CDF through its five quantiles; the
    mixture CDF is their average, inverted numerically on a fine log-spaced grid.
    """
    lo, hi = np.nanmin(quantile_rows), np.nanmax(quantile_rows)
    grid = np.geomspace(lo, hi, 20001)
    cdf = np.mean([np.interp(grid, row, QUANTILE_LEVELS) for row in quantile_rows], axis=0)
    return np.interp(qs, cdf, grid)


@dataclass
class HospitalEvidence:
    """Per-hospital facility-fee evidence for the calibration code, in dollars and multiples."""

    hospitals: pd.DataFrame  # one row per hospital

    def quantile_rows(self, group: str) -> np.ndarray:
        """Each hospital's min/p25/median/p75/max for a plan group, as multiples of Medicare."""
        cols = [f"{GROUP_PREFIX[group]}_{c}" for c in QUANTILE_COLUMNS]
        h = self.hospitals[self.hospitals[f"{GROUP_PREFIX[group]}_n"] > 0]
        return h[cols].to_numpy(float) / h[["medicare_rate"]].to_numpy(float)

    def count(self, column: str) -> int:
        return int(self.hospitals[column].notna().sum())


def hospital_evidence(reference: Path, zips: pd.DataFrame, gpci: pd.DataFrame,
                      figures: dict[tuple[str, int | None], Figure], apc: str,
                      zip_wage_index: pd.Series | None = None) -> HospitalEvidence:
    """Read the hospital summary for 62321 and express its prices as multiples of Medicare.

    The summary (one row per hospital, facility outpatient rates, exclusions noted per row) is
    used rather than re-filtering the detail file, so the provider's exclusions of inpatient and
    professional-fee lines are kept. The hospital's ZIP comes from the detail file. The Medicare
    rate is the CY2025 OPPS rate for the code's APC, wage-adjusted: rate x (labor share x wage index +
    (1 - labor share)), with the CY2025 wage index of the hospital ZIP's area (``zip_wage_index``, ZIP ->
    wage index) or, where it has none, the PE GPCI of the hospital's locality.
    """
    summary = pd.read_csv(reference / SUMMARY_FILE)
    detail = pd.read_csv(reference / MRF_FILE, dtype={"zip": str}, usecols=["hospital_slug", "zip"])
    zip_of = detail.drop_duplicates("hospital_slug").set_index("hospital_slug")["zip"].str.zfill(5)
    h = summary.assign(zip=summary["hospital_slug"].map(zip_of))
    h = h.merge(zips[["zip", "locality_key"]], on="zip", how="left").merge(
        gpci[["locality_key", "gpci_pe"]], on="locality_key", how="left")
    if h["gpci_pe"].isna().any():
        raise ValueError("a calibration hospital's ZIP is not in the CMS ZIP file")
    labor = figures[("opps_labor_share", None)].value / 100
    rate = figures[(f"apc_rate_{apc}", 2025)].value
    wage = h["gpci_pe"] if zip_wage_index is None else h["zip"].map(zip_wage_index).fillna(h["gpci_pe"])
    h["medicare_rate"] = (rate * (labor * wage + 1 - labor)).round(2)
    h["gross_charge"] = h["gross_charge"].map(_parse_amount)
    h["cash_price"] = h["discounted_cash"].map(_parse_amount)
    for group, prefix in GROUP_PREFIX.items():
        h[f"{prefix}_n"] = h[f"{prefix}_n"].fillna(0).astype(int)
        h[f"{group}_ratio"] = h[f"{prefix}_median"] / h["medicare_rate"]
    h["gross_ratio"] = h["gross_charge"] / h["medicare_rate"]
    h["cash_ratio"] = h["cash_price"] / h["medicare_rate"]
    h["negotiated_to_gross"] = h["commercial_exchange_median"] / h["gross_charge"]
    h["cash_to_gross"] = h["cash_price"] / h["gross_charge"]
    return HospitalEvidence(h.rename(columns={"hospital": "hospital_name"}))


def _per_hospital_band(values: pd.Series) -> np.ndarray:
    v = values.dropna().to_numpy()
    return weighted_quantiles(v, np.ones_like(v), QUANTILES)


def fee_ranges(ev: HospitalEvidence, figures: dict[tuple[str, int | None], Figure],
               models: dict[str, StateModel] | None = None,
               cash_ratio: tuple[float, int] | None = None) -> pd.DataFrame:
    """Build the market band table: one row per component x site x price basis.

    With ``models`` (estimator.databuild.market_model, fitted on the published prices of about 2,000
    hospitals) the hospital facility bands for gross charges, cash prices and commercial rates are the
    models' national bands; the states' shifts are in regional_factors.csv. ``cash_ratio`` (the
    hospitals' median cash-to-gross ratio and how many chargemasters it rests on) then replaces the
    eight hospitals' ratio in the doctor's and anesthesia cash bands.
    """
    f = {k[0]: v for k, v in figures.items() if k[1] is None}
    h = ev.hospitals
    n_hosp = ev.count
    neg_to_gross = float(np.median(h["negotiated_to_gross"].dropna()))
    cash_to_gross = float(np.median(h["cash_to_gross"].dropna()))
    hopd = {
        "commercial": (mixture_quantiles(ev.quantile_rows("commercial"), QUANTILES),
                       f"commercial and exchange negotiated rates / the hospital's Medicare OPPS "
                       f"rate; each hospital's rate distribution (min, quartiles, max) weighted "
                       f"equally ({int(h['commercial_exchange_n'].sum())} rates, "
                       f"{n_hosp('commercial_ratio')} hospitals)", MRF_SOURCE),
        "billed": (_per_hospital_band(h["gross_ratio"]),
                   f"gross charge / Medicare OPPS rate across {n_hosp('gross_ratio')} hospitals",
                   MRF_SOURCE),
        "cash": (_per_hospital_band(h["cash_ratio"]),
                 f"discounted cash price / Medicare OPPS rate across {n_hosp('cash_ratio')} hospitals",
                 MRF_SOURCE),
        "medicaid": (mixture_quantiles(ev.quantile_rows("medicaid"), QUANTILES),
                     f"Medicaid managed-care rates / Medicare OPPS rate, each hospital weighted "
                     f"equally ({n_hosp('medicaid_ratio')} hospitals)", MRF_SOURCE),
    }
    if models:
        for basis, m in models.items():
            what = {"billed": "gross charge", "cash": "discounted cash price",
                    "commercial": "commercial and exchange negotiated rate"}[basis]
            method = (f"{what} / the hospital's Medicare OPPS rate, CPT 62321, national level of a national -> "
                      f"state partially pooled model ({m.n_hospitals} hospitals, {m.n_chargemasters} chargemasters "
                      "counted once each); band = predictive residual 10th/50th/90th percentiles")
            if basis == "commercial":
                method += (f"; thin evidence: {m.n_hospitals} hospitals publish per-payer rates; state shift = "
                           f"{m.slope:.2f} x the gross-charge state shift; spread = hospital medians around the "
                           "model plus each plan's deviation from its hospital's median")
            hopd[basis] = (m.multiples, method, POOLED_SOURCE)
    asc_scale = f["rand_asc_pct"].value / f["rand_hopd_pct"].value
    asc = {
        "commercial": (hopd["commercial"][0] * asc_scale,
                       f"hospital band scaled by RAND's ASC-to-hospital price ratio "
                       f"({f['rand_asc_pct'].value:.0f}% / {f['rand_hopd_pct'].value:.0f}% of Medicare)",
                       f"{hopd['commercial'][2]}; {f['rand_asc_pct'].source}"),
        "billed": (hopd["billed"][0], "assumed: same charge-to-Medicare multiples as hospitals "
                   "(no surgery-center charge data in the reference)", hopd["billed"][2]),
        "cash": (hopd["cash"][0], "assumed: same cash-to-Medicare multiples as hospitals "
                 "(no surgery-center cash-price data in the reference)", hopd["cash"][2]),
        "medicaid": (hopd["medicaid"][0], "assumed: same Medicaid-to-Medicare multiples as hospitals",
                     hopd["medicaid"][2]),
    }
    phys_billed = lognormal_band(f["physician_charge_ratio_median"].value,
                                 f["physician_charge_ratio_p25"].value,
                                 f["physician_charge_ratio_p75"].value)
    anes_billed = lognormal_band(f["anesthesia_charge_ratio_median"].value,
                                 f["anesthesia_charge_ratio_p25"].value,
                                 f["anesthesia_charge_ratio_p75"].value)
    lo = f["professional_commercial_low_pct"].value / 100
    hi = f["professional_commercial_high_pct"].value / 100
    prof_commercial = lognormal_band(math.sqrt(lo * hi), lo, hi)
    # Medicaid: centre from the published national average, spread from the hospital files.
    mlo, mhi = f["medicaid_physician_low_pct"].value / 100, f["medicaid_physician_high_pct"].value / 100
    mband = hopd["medicaid"][0]
    medicaid_prof = (mlo + mhi) / 2 * mband / mband[1]
    medicaid_src = f"{f['medicaid_physician_low_pct'].source}; spread from {MRF_SOURCE}"
    bai = f["physician_charge_ratio_median"].source
    derived_note = (f"x the hospitals' median {{}} ratio ({{:.3f}}, {n_hosp('cash_to_gross')} hospitals)")
    cash_note = derived_note.format("cash-to-gross-charge", cash_to_gross)
    cash_source = MRF_SOURCE
    if cash_ratio is not None:
        cash_to_gross = cash_ratio[0]
        cash_note = (f"x the hospitals' median cash-to-gross-charge ratio ({cash_to_gross:.3f}, "
                     f"{cash_ratio[1]} chargemasters counted once)")
        cash_source = POOLED_SOURCE
    professional = {
        "commercial": (prof_commercial, "log-normal with the usually reported 120-160% of Medicare "
                       "read as the interquartile range", f["professional_commercial_low_pct"].source),
        "billed": (phys_billed, "log-normal from the published median charge-to-Medicare ratio "
                   "and its interquartile range (all physicians)", bai),
        "cash": (phys_billed * cash_to_gross, "physician charges " + cash_note, f"{bai}; {cash_source}"),
        "medicaid": (medicaid_prof, "published national average Medicaid-to-Medicare fee ratio, "
                     "spread as in the hospital Medicaid rates", medicaid_src),
    }
    anesthesia = {
        "commercial": (anes_billed * neg_to_gross,
                       "anesthesia charges " + derived_note.format("negotiated-to-gross-charge",
                                                                    neg_to_gross),
                       f"{f['anesthesia_charge_ratio_median'].source}; {MRF_SOURCE}"),
        "billed": (anes_billed, "log-normal from the published median anesthesiology "
                   "charge-to-Medicare ratio and its interquartile range",
                   f["anesthesia_charge_ratio_median"].source),
        "cash": (anes_billed * cash_to_gross, "anesthesia charges " + cash_note,
                 f"{f['anesthesia_charge_ratio_median'].source}; {cash_source}"),
        "medicaid": (medicaid_prof, "as for the professional claim", medicaid_src),
    }
    rows = []
    for component, site_bands in (("professional", {s: professional for s in ("hopd", "asc", "office")}),
                                  ("facility", {"hopd": hopd, "asc": asc}),
                                  ("anesthesia", {s: anesthesia for s in ("hopd", "asc", "office")})):
        for site, bands in site_bands.items():
            for basis, (band, method, source) in bands.items():
                rows.append({"component": component, "site": site, "basis": basis,
                             "unit": "multiple_of_medicare",
                             **{lvl: round(float(x), 4) for lvl, x in zip(LEVELS, band)},
                             "method": method, "source": source})
    table = pd.DataFrame(rows)
    _check_order(table)
    return table


def _check_order(table: pd.DataFrame) -> None:
    """Refuse a calibration in which a band is not ordered or billed charges fall below a price."""
    if not ((table["low"] <= table["typical"]) & (table["typical"] <= table["high"])).all():
        raise ValueError("fee_ranges: a band is not ordered low <= typical <= high")
    wide = table.pivot_table(index=["component", "site"], columns="basis", values=list(LEVELS))
    for lvl in LEVELS:
        for basis in ("commercial", "cash", "medicaid"):
            if (wide[(lvl, basis)] > wide[(lvl, "billed")]).any():
                raise ValueError(f"fee_ranges: {basis} {lvl} above billed charges")


def regional_factors(ev: HospitalEvidence, figures: dict[tuple[str, int | None], Figure]) -> pd.DataFrame:
    """State factors for facility market prices, shrunk towards 1 by credibility.

    A state's factor is exp(Z x d), where d is the log of its calibration hospital's median
    commercial multiple over the pooled median, and Z = sigma_state^2 / sigma_hospital^2: the share
    of the between-hospital variance that is between states. sigma_state comes from RAND's spread
    of state averages (under 200% to over 300% of Medicare, read as the 10th to 90th percentile of
    states); sigma_hospital is the spread of the calibration hospitals' medians. One hospital says
    little about its whole state, and Z says how little. States with no hospital have factor 1.
    """
    f = {k[0]: v for k, v in figures.items() if k[1] is None}
    h = ev.hospitals.dropna(subset=["commercial_ratio"])
    pooled_median = mixture_quantiles(ev.quantile_rows("commercial"), (0.5,))[0]
    d = np.log(h["commercial_ratio"].to_numpy() / pooled_median)
    sigma_state = math.log(f["rand_state_high_pct"].value / f["rand_state_low_pct"].value) / (2 * Z10)
    sigma_hosp2 = float(np.var(np.log(h["commercial_ratio"].to_numpy()), ddof=1))
    z = min(1.0, sigma_state ** 2 / sigma_hosp2)
    source = f"{MRF_SOURCE}; {f['rand_state_low_pct'].source}"
    rows = [{"state": "*", "component": "facility", "factor": 1.0, "credibility": 0.0,
             "method": "no calibration hospital in the state: national band", "source": source}]
    for (_, row), di in zip(h.iterrows(), d):
        rows.append({"state": row["state"], "component": "facility",
                     "factor": round(math.exp(z * di), 4), "credibility": round(z, 4),
                     "method": (f"{row['hospital_name']}: median commercial multiple "
                                f"{row['commercial_ratio']:.2f} vs pooled {pooled_median:.2f}, "
                                f"credibility {z:.3f}"),
                     "source": source})
    return pd.DataFrame(rows).sort_values(["state", "component"]).reset_index(drop=True)


def pooled_regional_factors(models: dict[str, StateModel]) -> pd.DataFrame:
    """State factors for hospital facility prices per price basis and level, from the pooled model.

    A state's band is exp(mu + u_state + s_state / s x q) against the national exp(mu + q)
    (estimator.databuild.market_model): its factor at each level is exp(u_state + (s_state / s - 1) x q),
    the shift (its chargemasters' mean deviation from the national level, shrunk toward it by
    credibility Z = n tau^2 / (n tau^2 + sigma^2)) and its own spread (its residual scale, pooled toward
    the national one). Commercial rates take b x the gross-charge shift (b from the hospitals publishing
    both) and the national spread. Medicaid rates and professional and anesthesia bills have no state
    factor (1). ``factor`` is the typical level's.
    """
    rows = [{"state": "*", "component": "facility", "basis": "*", "factor_low": 1.0, "factor": 1.0,
             "factor_high": 1.0, "credibility": 0.0, "chargemasters": 0, "spread_ratio": 1.0,
             "method": "national level (no state data, or a basis without state factors)", "source": POOLED_SOURCE}]
    for basis, m in models.items():
        states = pd.Series(sorted(m.state_effect))
        factors = np.exp(m.effect(states)[:, None] + m.spread(states) - m.q[None, :])
        for state, (low, typical, high) in zip(states, factors):
            z = m.state_credibility.get(state, 0.0)
            ratio = m.state_scale.get(state, m.scale) / m.scale
            method = (f"{m.state_n.get(state, 0)} chargemasters in the state, credibility {z:.3f} "
                      f"(tau^2 {m.tau2:.4f}, sigma^2 {m.sigma2:.4f}); spread {ratio:.3f} x the national "
                      f"(pooled with a prior weight of {m.prior_weight:.1f} chargemasters)")
            if basis == "commercial":
                method = (f"{m.slope:.3f} x the gross-charge state shift; gross charges: "
                          f"credibility {z:.3f}; {m.state_n.get(state, 0)} hospitals here publish per-payer rates")
            rows.append({"state": state, "component": "facility", "basis": basis,
                         "factor_low": round(float(low), 4), "factor": round(float(typical), 4),
                         "factor_high": round(float(high), 4), "credibility": round(z, 4),
                         "chargemasters": m.state_n.get(state, 0), "spread_ratio": round(ratio, 4),
                         "method": method, "source": POOLED_SOURCE})
    return pd.DataFrame(rows).sort_values(["state", "component", "basis"]).reset_index(drop=True)


def check_asc_bands(table: pd.DataFrame, facility: pd.DataFrame) -> pd.DataFrame:
    """Check the surgery-center bands against the Medicare ASC rate; return the national dollar levels.

    The surgery-center bands are multiples of the Medicare ASC rate itself (Addendum AA), because the
    ratios behind them are relative to what Medicare pays each setting: RAND's 171% (surgery centers)
    and 254% (hospitals) are each against Medicare's own rate for that setting. The multiples do not
    depend on how large the Medicare ASC rate is, so correcting that base (from the PFS practice-
    expense amount to the Addendum AA rate) leaves them meaningful. Two things must still hold for every
    code and year: Medicare's ASC rate is below its hospital rate (an ASC is paid from the OPPS weight
    times a scalar below 1), and at every level and price basis a surgery center's national facility
    price in dollars is below the hospital's. Returns those dollar levels (year, code, basis, level,
    asc, hopd).
    """
    fr = table[table["component"] == "facility"].set_index(["site", "basis"])
    rates = facility.pivot_table(index=["year", "code"], columns="site", values="national_rate")
    if not (rates["asc"] < rates["hopd"]).all():
        raise ValueError("Medicare ASC rate not below the hospital rate for some code")
    rows = []
    for (year, code), r in rates.iterrows():
        for basis in ("commercial", "billed", "cash", "medicaid"):
            for lvl in LEVELS:
                asc_usd = r["asc"] * fr.loc[("asc", basis), lvl]
                hopd_usd = r["hopd"] * fr.loc[("hopd", basis), lvl]
                if asc_usd >= hopd_usd:
                    raise ValueError(f"surgery-center {basis} {lvl} price for {code} in {year} is not below "
                                     "the hospital's")
                rows.append({"year": year, "code": code, "basis": basis, "level": lvl,
                             "asc": round(asc_usd, 2), "hopd": round(hopd_usd, 2)})
    return pd.DataFrame(rows)
