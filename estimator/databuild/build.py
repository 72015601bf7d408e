"""Build every table in data/ from the reference folder, deterministically.

Run ``python -m estimator.databuild --reference ../shared/reference`` (writes data/), or add
``--check`` to compare the committed tables with a fresh build without writing anything.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.databuild import asc, cms, hospital_tables, mac, market, market_model, system_bands, wage_areas
from estimator.databuild.figures import Figure, load_codes, load_figures

YEARS = (2025, 2026)
RVU_FILES = {2025: "cms/pfs2025/PPRRVU2025_Oct.csv", 2026: "cms/pfs2026/PPRRVU2026_Jul_nonQPP.csv"}
GPCI_FILE = "cms/pfs2025/GPCI2025.csv"
GPCI_2026_FILE = "cms/pfs2026/GPCI2026_values.csv"
GPCI_2026_CMS_ROWS = "cms/pfs2026/GPCI2026_cms_rows.csv"
ANES_FILE = "cms/pfs2025/ANES2025.csv"
ANES_2026_ROWS = "cms/pfs2026/ANES2026_published_rows.csv"
ZIP_FILE = "cms/zip_locality/ZIP5_OCT2025.txt"
ZIP9_FOLDER = "cms/zip9"
CV_FOLDS = 10  # cross-validation of the hospital bands: folds, whole health systems in one fold
CV_SEED = 0


def _csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _fig(figures: dict[tuple[str, int | None], Figure], key: str, year: int | None = None) -> Figure:
    return figures[(key, year)]


def build_tables(reference: Path) -> dict[str, bytes]:
    """Return {file name: bytes} for every table in data/."""
    reference = Path(reference)
    figures = load_figures(reference)
    codes = load_codes()
    pfs_codes = [c for c, k in zip(codes["code"], codes["kind"]) if k in ("procedure", "sedation")]

    # Physician fee schedule inputs.
    pfs = []
    for year in YEARS:
        df = cms.read_rvu_file(reference / RVU_FILES[year], pfs_codes)
        df.insert(0, "year", year)
        df["source"] = f"CMS PFS relative value file CY{year} (reference/{RVU_FILES[year]})"
        pfs.append(df)
    pfs = pd.concat(pfs, ignore_index=True)

    # Localities and their geographic indices.
    gpci25 = cms.read_gpci(reference / GPCI_FILE)
    gpci26 = cms.read_gpci_2026(reference / GPCI_2026_FILE, reference / GPCI_2026_CMS_ROWS)
    if set(gpci26["locality_key"]) != set(gpci25["locality_key"]):
        raise ValueError("the CY2026 GPCI table does not have the CY2025 localities")
    # Locality names and states as CMS spells them in CY2025 (the CY2026 transcription abbreviates some).
    gpci26 = gpci26.drop(columns=["carrier", "locality", "state", "name"]).merge(
        gpci25[["locality_key", "carrier", "locality", "state", "name"]], on="locality_key")
    gpci = pd.concat([
        gpci25.assign(year=2025, source=f"CMS CY2025 GPCI Addendum E (reference/{GPCI_FILE})"),
        gpci26.assign(year=2026, source=(f"CMS CY2026 GPCIs, Addendum E (reference/{GPCI_2026_FILE}, checked "
                                         f"against CMS's own rows in reference/{GPCI_2026_CMS_ROWS})")),
    ], ignore_index=True)
    gpci = gpci[["year", "locality_key", "carrier", "locality", "state", "name",
                 "gpci_work", "gpci_pe", "gpci_mp", "source"]]

    anes25, national25 = cms.read_anesthesia_cf(reference / ANES_FILE)
    if abs(national25 - _fig(figures, "anesthesia_cf_national", 2025).value) > 1e-9:
        raise ValueError("anesthesia CF header disagrees with the published figure")
    published26, _, national26 = cms.read_anesthesia_cf_published(reference / ANES_2026_ROWS)
    if abs(national26 - _fig(figures, "anesthesia_cf_national", 2026).value) > 1e-9:
        raise ValueError("CY2026 anesthesia CF header disagrees with the published figure")
    anes26_scaled = anes25.assign(
        anesthesia_cf=(anes25["anesthesia_cf"] * national26 / national25).round(2))
    published = dict(zip(published26["locality_key"], published26["anesthesia_cf_nonqualifying"]))
    anes26 = anes26_scaled.assign(
        anesthesia_cf=[published.get(k, v) for k, v in zip(anes26_scaled["locality_key"],
                                                           anes26_scaled["anesthesia_cf"])],
        source=[(f"CMS CY2026 anesthesia conversion factor, non-qualifying APM (reference/{ANES_2026_ROWS})"
                 if k in published else
                 f"estimate: CY2025 locality factor x CY2026 national anesthesia CF {national26} / {national25} "
                 f"(reference/{ANES_FILE}, reference/{ANES_2026_ROWS}); the full CY2026 file is not in the "
                 "reference data") for k in anes26_scaled["locality_key"]])
    anes_residual = _scaling_residual(anes26_scaled, published)
    misses = sorted(abs(r["residual_pct"]) for r in anes_residual)
    scaled_note = ("The 2026 anesthesia conversion factor for this locality is an estimate: CMS's 2026 factor is "
                   "in the project's data only for Alabama and Alaska, so 2025's factor is scaled by the change "
                   f"in the national factor (which misses those two by {misses[0]:.2f}-{misses[-1]:.2f}%).")
    anes26 = anes26.assign(estimate=[("" if k in published else scaled_note) for k in anes26["locality_key"]])
    anes = pd.concat([
        anes25.assign(year=2025, national_cf=national25, estimate="",
                      source=f"CMS CY2025 anesthesia conversion factors (reference/{ANES_FILE})"),
        anes26.assign(year=2026, national_cf=national26),
    ], ignore_index=True)[["year", "locality_key", "anesthesia_cf", "national_cf", "estimate", "source"]]

    zips = cms.read_zip_locality(reference / ZIP_FILE)
    missing = set(zips["locality_key"]) - set(gpci25["locality_key"])
    if missing:
        raise ValueError(f"ZIP file names localities with no GPCI: {sorted(missing)}")

    # A state's default locality when only the state is known: the one covering most of its ZIPs.
    counts = zips.groupby(["state", "locality_key"]).size().rename("zips").reset_index()
    counts["zip_share"] = (counts["zips"] / counts.groupby("state")["zips"].transform("sum")).round(4)
    state_default = (counts.sort_values(["state", "zips", "locality_key"], ascending=[True, False, True])
                     .drop_duplicates("state")[["state", "locality_key", "zip_share"]]
                     .assign(method="the locality covering the most ZIP codes in the state",
                             source=f"CMS ZIP to locality file (reference/{ZIP_FILE})"))

    # ZIP codes CMS splits across localities by ZIP+4: only the ranges priced elsewhere than the ZIP5.
    zip9 = cms.read_zip9_splits(reference / ZIP9_FOLDER)
    if set(zip9["locality_key"]) - set(gpci25["locality_key"]):
        raise ValueError("the ZIP+4 file names localities with no GPCI")
    zip5_of = zips.set_index("zip")["locality_key"]
    if (zip9["zip"].map(zip5_of) != zip9["zip5_locality_key"]).any():
        raise ValueError("the ZIP+4 file's 5-digit localities disagree with the ZIP5 file")
    zip9 = zip9.drop(columns=["zip5_locality_key"])

    # Facility reference rates (Medicare) by year, site and code.
    fac_rows = []
    proc = codes[codes["kind"] == "procedure"]
    opps_labor = _fig(figures, "opps_labor_share").value / 100
    asc_labor = _fig(figures, "asc_labor_share").value / 100
    opps_cf26 = _fig(figures, "opps_conversion_factor", 2026)
    asc_aa = asc.asc_rates(reference, list(proc["code"]))
    latest_aa = asc_aa.drop_duplicates(["year", "code"], keep="last").set_index(["year", "code"])
    implied_cf = {}
    for row in proc.itertuples(index=False):
        rate, weight = _fig(figures, f"apc_rate_{row.apc}", 2025), _fig(figures, f"apc_weight_{row.apc}", 2025)
        implied_cf[row.apc] = rate.value / weight.value
    if max(implied_cf.values()) - min(implied_cf.values()) > 0.01:
        raise ValueError(f"CY2025 APC rates / weights imply different conversion factors: {implied_cf}")
    for year in YEARS:
        for row in proc.itertuples(index=False):
            apc = _fig(figures, f"apc_rate_{row.apc}", 2025)
            weight = _fig(figures, f"apc_weight_{row.apc}", 2025)
            if year == 2025:
                national, basis, source, estimate = apc.value, "", apc.source, ""
            else:
                national = round(weight.value * opps_cf26.value, 2)
                basis = (f"; CY2026 rate = CY2025 relative weight {weight.value} (CY2026 weight not in the "
                         f"reference data, assumed unchanged) x CY2026 OPPS conversion factor ${opps_cf26.value}")
                source = f"{weight.source}; {opps_cf26.source}"
                estimate = (f"The 2026 hospital rate is an estimate: CMS's 2026 payment weight for APC {row.apc} "
                            f"is not in the project's data, so 2025's weight ({weight.value}) is priced at 2026's "
                            f"conversion factor (${opps_cf26.value}).")
            fac_rows.append({
                "year": year, "site": "hopd", "code": row.code, "national_rate": national,
                "labor_share": opps_labor, "wage_index_proxy": "cbsa_wage_index", "estimate": estimate,
                "method": (f"OPPS APC {row.apc} rate, {opps_labor:.0%} wage-adjusted with the wage index of the "
                           "patient's area (data/zip_wage_area.csv; the locality PE GPCI where the ZIP has no "
                           f"area) as the hospital wage index; APC {row.apc_basis}{basis}"),
                "source": source,
            })
            aa = latest_aa.loc[(year, row.code)]
            fac_rows.append({
                "year": year, "site": "asc", "code": row.code, "national_rate": float(aa["national_rate"]),
                "labor_share": asc_labor, "wage_index_proxy": "asc_wage_index", "estimate": "",
                "method": (f"ASC Addendum AA payment indicator {aa['payment_indicator']} (paid from the OPPS "
                           f"relative weight, weight {aa['payment_weight']}), national rate x ({asc_labor:.2f} x "
                           f"wage index + {1 - asc_labor:.2f}), wage index of the patient's area "
                           "(data/zip_wage_area.csv; the locality's, data/asc_wage_index.csv, where the ZIP "
                           "has no area)"),
                "source": f"{aa['source']}; {_fig(figures, 'asc_labor_share').source}",
            })
    facility = pd.DataFrame(fac_rows)

    # Anesthesia base units and Medicare cost sharing.
    anes_units = pd.DataFrame([{
        "code": "01937", "base_units": _fig(figures, "anesthesia_base_units_01937").value,
        "minutes_per_time_unit": 15,
        "source": _fig(figures, "anesthesia_base_units_01937").source}])
    params = []
    for key in ("part_b_deductible", "hopd_copay_cap", "aca_max_oop", "part_b_coinsurance",
                "lcd_max_sessions_12mo", "gfe_dispute_threshold", "gfe_dispute_window_days",
                "medigap_g_high_deductible", "medicare_nonpar_pct", "medicare_limiting_charge_pct",
                "typical_single_deductible", "oon_allowance_pct_of_medicare", "oon_coinsurance_default_pct",
                "oon_deductible_multiple", "oon_oop_max_multiple", "medicaid_max_coinsurance_pct",
                "medicaid_nominal_copay_outpatient", "medigap_n_office_copay"):
        for (k, year), fig in sorted(figures.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            if k == key:
                for y in ([year] if year else YEARS):
                    params.append({"year": y, "parameter": key, "value": fig.value, "unit": fig.unit,
                                   "source": fig.source})
    parameters = pd.DataFrame(params).sort_values(["parameter", "year"]).reset_index(drop=True)

    # The patient's wage-index area (and each hospital's, from its ZIP).
    wage_areas_by_year = wage_areas.wage_index_areas(reference)
    zip_areas = wage_areas.zip_wage_areas(reference, zips, asc.state_of_area_names(reference, gpci25),
                                          wage_areas_by_year)
    zip_wi25 = wage_areas.zip_wage_index(zip_areas, wage_areas_by_year, 2025)

    # Market bands and regional factors.
    ev = market.hospital_evidence(reference, zips, gpci25, figures, apc="5442", zip_wage_index=zip_wi25)
    hosp = hospital_tables.build(reference)
    evidence = hospital_tables.market_evidence(
        hosp, zips, gpci25, state_default, _fig(figures, "apc_rate_5442", 2025).value, opps_labor, ev.hospitals,
        zip_wage_index=zip_wi25)
    plans = market_model.commercial_plan_rates(hosp["hospital_payer_rates"])
    models = market_model.fit_all(evidence, plans)
    cv = market_model.cross_validate(evidence, k=CV_FOLDS, seed=CV_SEED, plans=plans)
    baseline_cv = market_model.cross_validate_state_quantiles(evidence, k=CV_FOLDS, seed=CV_SEED)
    hospital_bands = system_bands.table(evidence, models, hosp["hospitals"])
    system_cv = system_bands.cross_validate(evidence, k=CV_FOLDS, seed=CV_SEED)
    fee_ranges = market.fee_ranges(ev, figures, models, market_model.cash_to_gross(evidence))
    asc_wage = asc.locality_wage_index(reference, gpci25)
    market.check_asc_bands(fee_ranges, facility)
    regional = market.pooled_regional_factors(models)
    hosp_cols = ["hospital_slug", "hospital_name", "state", "zip", "locality_key", "medicare_rate",
                 "gross_charge", "cash_price", "commercial_exchange_n", "commercial_exchange_min",
                 "commercial_exchange_median", "commercial_exchange_max", "commercial_ratio",
                 "medicaid_ratio", "medicare_advantage_ratio", "gross_ratio", "cash_ratio",
                 "negotiated_to_gross", "cash_to_gross"]
    hospitals = ev.hospitals[hosp_cols].copy()
    num = hospitals.select_dtypes("number").columns
    hospitals[num] = hospitals[num].round(4)
    hospitals["source"] = market.MRF_SOURCE

    code_names = codes[["code", "plain_name", "kind", "spine_region", "imaging_guided", "apc"]].copy()
    code_names["cms_short_descriptor"] = code_names["code"].map(
        pfs.drop_duplicates("code").set_index("code")["short_descriptor"]).fillna("")

    tables = {
        "codes.csv": code_names,
        "pfs_rvus.csv": pfs.drop(columns=["short_descriptor"]),
        "gpci.csv": gpci,
        "anesthesia_cf.csv": anes,
        "anesthesia_units.csv": anes_units,
        "zip_locality.csv": zips,
        "zip9_locality.csv": zip9,
        "state_default_locality.csv": state_default,
        "facility_rates.csv": facility,
        "asc_rates.csv": asc_aa,
        "asc_wage_index.csv": asc_wage,
        "wage_index_areas.csv": wage_areas_by_year,
        "zip_wage_area.csv": zip_areas,
        "medicare_parameters.csv": parameters,
        "fee_ranges.csv": fee_ranges,
        "regional_factors.csv": regional,
        "calibration_hospitals.csv": hospitals,
        "mac_jurisdictions.csv": mac.mac_jurisdictions(gpci25),
        "hospitals.csv": hosp["hospitals"],
        "hospital_prices.csv": hosp["hospital_prices"],
        "hospital_payer_rates.csv": hosp["hospital_payer_rates"],
        "hospital_price_exclusions.csv": hosp["hospital_price_exclusions"],
        "hospital_market_evidence.csv": evidence,
        "hospital_bands.csv": hospital_bands,
        "zip_centroids.csv": hosp["zip_centroids"],
    }
    out = {name: _csv(df) for name, df in tables.items()}
    out["metadata.json"] = _metadata(tables, figures, anes_residual, models, cv, baseline_cv, system_cv)
    return out


def _scaling_residual(scaled: pd.DataFrame, published: dict[str, float]) -> list[dict]:
    """How far the scaled CY2026 anesthesia factors miss the published ones, per published locality."""
    out = []
    for key, value in sorted(published.items()):
        est = float(scaled.loc[scaled["locality_key"] == key, "anesthesia_cf"].iloc[0])
        out.append({"locality_key": key, "published": value, "scaled_estimate": est,
                    "residual": round(est - value, 2), "residual_pct": round(100 * (est - value) / value, 2)})
    return out


def _model_summary(models: dict[str, market_model.StateModel], cv: pd.DataFrame,
                   baseline_cv: pd.DataFrame, system_cv: pd.DataFrame) -> dict:
    """The fitted facility models and their cross-validated coverage, for the methods page, beside the
    plain per-state quantiles on the same folds."""
    summary = market_model.coverage_summary(cv).set_index("basis")
    baseline = market_model.coverage_summary(baseline_cv).set_index("basis")
    system = market_model.coverage_summary(system_cv).set_index("basis")
    out = {}
    for basis, m in models.items():
        s = summary.loc[basis]
        out[basis] = {"hospitals": m.n_hospitals, "chargemasters": m.n_chargemasters,
                      "national_band": [round(float(x), 4) for x in m.multiples],
                      "tau2_between_states": round(m.tau2, 5), "sigma2_within_state": round(m.sigma2, 5),
                      "states_with_data": len(m.state_effect), "slope_on_gross": round(m.slope, 4),
                      "cv_hospitals": int(s["hospitals"]), "cv_coverage_10_90": round(float(s["coverage"]), 4),
                      "cv_below": round(float(s["below"]), 4), "cv_above": round(float(s["above"]), 4),
                      "cv_median_width_high_over_low": round(float(s["median_width"]), 3),
                      "spread_prior_weight_chargemasters": (round(m.prior_weight, 2) if np.isfinite(m.prior_weight)
                                                            else None),
                      "states_with_own_spread": len(m.state_scale)}
        if basis in baseline.index:
            b = baseline.loc[basis]
            out[basis]["baseline_state_quantiles"] = {
                "cv_coverage_10_90": round(float(b["coverage"]), 4),
                "cv_median_width_high_over_low": round(float(b["median_width"]), 3)}
        if basis in system.index:
            b = system.loc[basis]
            out[basis]["hospital_aware_system"] = {
                "cv_hospitals": int(b["hospitals"]), "cv_coverage_10_90": round(float(b["coverage"]), 4),
                "cv_median_width_high_over_low": round(float(b["median_width"]), 3),
                "held_out": "one chargemaster at a time, its system's other chargemasters in training"}
    return {"folds": CV_FOLDS, "seed": CV_SEED, "bases": out}


def _metadata(tables: dict[str, pd.DataFrame], figures: dict[tuple[str, int | None], Figure],
              anes_residual: list[dict], models: dict[str, market_model.StateModel], cv: pd.DataFrame,
              baseline_cv: pd.DataFrame, system_cv: pd.DataFrame) -> bytes:
    """Describe each table (what it holds, its sources, its assumptions) for the methods page."""
    def sources(df: pd.DataFrame) -> list[str]:
        if "source" not in df.columns:
            return []
        return sorted({s for s in df["source"].astype(str)})

    desc = {
        "codes.csv": "The codes priced, with the project's plain-language names and CMS short descriptors.",
        "pfs_rvus.csv": "Medicare physician fee schedule relative value units and conversion factors.",
        "gpci.csv": "Geographic practice cost indices for every Medicare locality (CY2025 and CY2026).",
        "anesthesia_cf.csv": "Anesthesia conversion factor (dollars per unit) for every locality.",
        "anesthesia_units.csv": "Anesthesia base units and the length of a time unit.",
        "zip_locality.csv": "Every US ZIP code with its state and Medicare locality.",
        "zip9_locality.csv": ("ZIP+4 ranges of the ZIP codes CMS splits across localities that are priced in "
                              "another locality than the 5-digit ZIP (CMS ZIP9 file in force, re-encoded in "
                              "reference/cms/zip9); any other ZIP+4 takes the 5-digit ZIP's locality."),
        "state_default_locality.csv": "The locality used when only a state is known.",
        "facility_rates.csv": "Medicare facility rates: hospital outpatient (OPPS) and surgery center (ASC).",
        "asc_rates.csv": "CMS ASC Addendum AA rows for the procedure codes: payment indicator, weight, rate.",
        "asc_wage_index.csv": ("The ASC wage index used for each Medicare locality and year, with the area "
                               "chosen: for quotes by locality or state, and ZIP codes with no area."),
        "wage_index_areas.csv": "Every area of CMS's ASC wage index files (CBSAs and states' rural areas), by year.",
        "zip_wage_area.csv": ("Each ZIP code's wage-index area: its county (zipcodes package), the county's "
                              "metropolitan CBSA or division (OMB delineation), else the state's rural area."),
        "medicare_parameters.csv": "Medicare cost sharing and coverage parameters by year.",
        "fee_ranges.csv": "Market price bands (10th/50th/90th percentile) as multiples of Medicare.",
        "regional_factors.csv": "State factors applied to facility market prices.",
        "mac_jurisdictions.csv": ("The Medicare Administrative Contractor (A/B MAC jurisdiction) of each "
                                  "locality's carrier, and its epidural steroid injection LCD where a public "
                                  "source names it."),
        "calibration_hospitals.csv": ("Eight hospitals' per-payer price files: the Medicaid facility band and part "
                                      "of the commercial evidence."),
        "hospitals.csv": ("Every CMS-certified hospital (CCN): name, address, type, ownership, latitude/longitude, "
                          "the health system derived from shared chargemasters, price pages or the source's "
                          "system name (system_basis says which), and whether it publishes a price here."),
        "hospital_prices.csv": ("Published prices per hospital and code (62320-62323): gross charge, cash price, "
                                "negotiated min / commercial median / max, file date, source, what the figure "
                                "means (semantics) and the reference lines it came from."),
        "hospital_payer_rates.csv": "Published negotiated rates by payer and plan (where a file gives them).",
        "hospital_price_exclusions.csv": ("Published price rows left out, each with the reason (placeholder "
                                          "amounts, or superseded by a more specific source)."),
        "hospital_bands.csv": ("The gross-charge and cash bands (multiples of Medicare) of each hospital whose "
                               "health system publishes prices at another of its chargemasters: what a named "
                               "hospital that publishes no price is priced at."),
        "hospital_market_evidence.csv": ("One row per hospital: its 62321 facility prices and its own Medicare "
                                         "OPPS rate; the data the facility model is fitted on."),
        "zip_centroids.csv": "Census 2022 ZIP code tabulation area centroids (for distances to hospitals).",
    }
    res = "; ".join(f"{r['locality_key']}: scaled {r['scaled_estimate']:.2f} vs published {r['published']:.2f} "
                    f"({r['residual_pct']:+.2f}%)" for r in anes_residual)
    assumptions = [
        "CY2026 GPCIs are CMS's (a public copy of CMS's GPCI2026 file that the build checks against CMS's own "
        "rows for Alabama, Los Angeles and Manhattan); CY2026 physician fees are exact, with no estimate.",
        "CY2026 anesthesia conversion factors: CMS's published value where the reference data has it (Alabama, "
        "Alaska; clinicians who are not qualifying APM participants); elsewhere the CY2025 locality factor scaled "
        f"by the CY2026 national factor. Against the published rows that scaling is off by: {res}.",
        "Hospital outpatient facility rate: OPPS APC rate (APC assignment from the ASC weights and hospital "
        "Medicare Advantage rates; reference/market/SOURCES.md); CY2026 = the CY2025 relative weight (the "
        "CY2026 weight is not in the reference data) x the CY2026 OPPS conversion factor; 60% wage-adjusted, "
        "with the wage index of the patient's CBSA (or the state's rural area) standing in for the hospital's own "
        "wage index (the hospital-specific OPPS wage index is not in the reference data); the locality PE GPCI "
        "where the ZIP has no area.",
        "Surgery-center facility rate: CMS ASC Addendum AA (62320, 62321 and 62323 are payment indicator G2, "
        "paid from the OPPS weight), x (0.5 x wage index + 0.5), with the wage index of the patient's area: ZIP -> "
        "county (zipcodes package) -> metropolitan CBSA or division (OMB's 2020 delineation) -> CMS's file, "
        "or the state's rural area for a county in no metropolitan area (data/zip_wage_area.csv). A ZIP with "
        "no area (not in the package, or its county's 2020 CBSA missing from CMS's 2023-based files), and a "
        "quote by locality or state, take the locality's: a locality named for a metropolitan area takes that "
        "area's CBSA (curated/locality_cbsa.csv, 57 localities), any other the median wage index of the "
        "state's areas. Where a file lists an area twice, the first value is used.",
        "Surgery-center charges, cash prices and Medicaid rates sit at the hospitals' multiples of Medicare; "
        "surgery-center commercial rates at the hospital band scaled by RAND's ASC-to-hospital ratio. RAND's "
        "ratios are relative to what Medicare pays each setting, so they apply to the Addendum AA rate.",
        "Hospital facility bands (gross charge, cash price, commercial rate): a national -> state model fitted on "
        "the published 62321 prices of about 2,000 hospitals, each price divided by the hospital's own Medicare "
        "rate; hospitals sharing one chargemaster count once; each state's shift is shrunk toward the national "
        "level by how many chargemasters it has. The band is national in width and shifted by state: it is a "
        "state-level band, not a local one. The largest source keeps one value per code and hospital, the "
        "largest over the hospital's file, so gross charges and cash prices may sit above what one outpatient "
        "line says. Commercial rates rest on the few hospitals that publish per-payer rates.",
        "Surgery-center and office levels have no published price files: they rest on published ratios.",
        "Anesthesia: 4 base units for 01937 plus one time unit per 15 minutes (time units to one decimal).",
        "Out-of-network plan allowance: the plan's qualifying payment amount is the median in-network "
        "rate, so the commercial in-network band stands for the plan's out-of-network allowance.",
        "A ZIP+4 written NNNNN-NNNN is priced in the locality CMS gives that ZIP+4; a 5-digit ZIP that CMS "
        "splits across localities is priced in the locality CMS gives the 5-digit ZIP, and the quote names "
        "the other localities and how much the typical total differs across them.",
        "Coverage rules: each Medicare Administrative Contractor (MAC) publishes its own local coverage "
        "determination (LCD) for epidural steroid injections; the quote names the MAC of the locality's "
        "carrier (mac_jurisdictions.csv) and its LCD number only where a public source names it. The LCDs "
        "require imaging guidance, so 62320/62322 under Medicare are priced as self-pay (cash), like a "
        "session over the frequency limit, and the quote says the patient owes it only after signing an "
        "Advance Beneficiary Notice (ABN).",
        "Moderate sedation: 99153 (each further 15 minutes) is paid only in an office; CMS's RVU file gives "
        "it no facility payment (facility NA indicator, PC/TC indicator 3), so it is not priced in a hospital "
        "or surgery center.",
        "Original Medicare with a doctor who does not participate: the anesthesia provider is taken to "
        "have the same status; hospitals and surgery centers accept assignment, so facility bills are "
        "unchanged.",
    ]
    external = sorted({f.source for f in figures.values() if not f.reference_file})
    meta = {
        "tables": {name: {"description": desc[name], "rows": int(len(df)), "sources": sources(df)}
                   for name, df in tables.items()},
        "assumptions": assumptions,
        "anesthesia_2026_scaling_residual": anes_residual,
        "hospital_facility_model": _model_summary(models, cv, baseline_cv, system_cv),
        "figures_outside_reference": external,
        "years": list(YEARS),
    }
    return (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_tables(tables: dict[str, bytes], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, blob in tables.items():
        (out / name).write_bytes(blob)


def compare_tables(tables: dict[str, bytes], out: Path) -> list[str]:
    """Names of tables whose committed bytes differ from a fresh build (or are missing/extra)."""
    diffs = [n for n, blob in tables.items() if not (out / n).exists() or (out / n).read_bytes() != blob]
    extra = [p.name for p in out.glob("*.csv") if p.name not in tables]
    return sorted(diffs + extra)


__all__ = ["build_tables", "write_tables", "compare_tables"]
