"""Build every table in data/ from the reference folder, deterministically.

Run ``python -m estimator.databuild --reference ../shared/reference`` (writes data/), or add
``--check`` to compare the committed tables with a fresh build without writing anything.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from . import cms, market
from .figures import Figure, load_codes, load_figures

YEARS = (2025, 2026)
RVU_FILES = {2025: "cms/pfs2025/PPRRVU2025_Oct.csv", 2026: "cms/pfs2026/PPRRVU2026_Jul_nonQPP.csv"}
GPCI_FILE = "cms/pfs2025/GPCI2025.csv"
ANES_FILE = "cms/pfs2025/ANES2025.csv"
ZIP_FILE = "cms/zip_locality/ZIP5_OCT2025.txt"
GPCI_2026_NOTE = ("CY2025 GPCIs used for CY2026: the official CY2026 GPCI file is not in the "
                  "reference data")


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
    gpci = pd.concat([
        gpci25.assign(year=2025, source=f"CMS CY2025 GPCI Addendum E (reference/{GPCI_FILE})"),
        gpci25.assign(year=2026, source=f"{GPCI_2026_NOTE} (reference/{GPCI_FILE})"),
    ], ignore_index=True)
    gpci = gpci[["year", "locality_key", "carrier", "locality", "state", "name",
                 "gpci_work", "gpci_pe", "gpci_mp", "source"]]

    anes25, national25 = cms.read_anesthesia_cf(reference / ANES_FILE)
    if abs(national25 - _fig(figures, "anesthesia_cf_national", 2025).value) > 1e-9:
        raise ValueError("anesthesia CF header disagrees with the published figure")
    national26 = _fig(figures, "anesthesia_cf_national", 2026)
    anes = pd.concat([
        anes25.assign(year=2025, national_cf=national25,
                      source=f"CMS CY2025 anesthesia conversion factors (reference/{ANES_FILE})"),
        anes25.assign(year=2026, national_cf=national26.value,
                      anesthesia_cf=(anes25["anesthesia_cf"] * national26.value / national25).round(2),
                      source=(f"CY2025 locality factor x CY2026 national anesthesia CF "
                              f"{national26.value} / {national25}; {national26.source}; "
                              f"locality factors from reference/{ANES_FILE}")),
    ], ignore_index=True)[["year", "locality_key", "anesthesia_cf", "national_cf", "source"]]

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

    # Facility reference rates (Medicare) by year, site and code.
    fac_rows = []
    proc = codes[codes["kind"] == "procedure"]
    opps_labor = _fig(figures, "opps_labor_share").value / 100
    asc_labor = _fig(figures, "asc_labor_share").value / 100
    for year in YEARS:
        for row in proc.itertuples(index=False):
            apc = _fig(figures, f"apc_rate_{row.apc}", 2025)
            carried = "" if year == 2025 else (
                "; CY2025 rate carried into CY2026 (CY2026 OPPS rates not in the reference data)")
            fac_rows.append({
                "year": year, "site": "hopd", "code": row.code, "national_rate": apc.value,
                "labor_share": opps_labor, "wage_index_proxy": "gpci_pe",
                "method": (f"OPPS APC {row.apc} rate, {opps_labor:.0%} wage-adjusted; "
                           f"APC {row.apc_basis}{carried}"),
                "source": apc.source,
            })
            r = pfs[(pfs["year"] == year) & (pfs["code"] == row.code)].iloc[0]
            fac_rows.append({
                "year": year, "site": "asc", "code": row.code,
                "national_rate": round(r["pe_rvu_nonfacility"] * r["conversion_factor"], 2),
                "labor_share": asc_labor, "wage_index_proxy": "gpci_pe",
                "method": ("assumed office-based ASC procedure: Medicare pays the lesser of the ASC rate and "
                           "the PFS non-facility practice-expense amount (non-facility PE RVU x conversion "
                           f"factor), taken here as the PE amount; {asc_labor:.0%} wage-adjusted"),
                "source": f"{r['source']}; {_fig(figures, 'asc_labor_share').source}",
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
                "medigap_g_high_deductible", "medicare_nonpar_pct", "medicare_limiting_charge_pct"):
        for (k, year), fig in sorted(figures.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            if k == key:
                for y in ([year] if year else YEARS):
                    params.append({"year": y, "parameter": key, "value": fig.value, "unit": fig.unit,
                                   "source": fig.source})
    parameters = pd.DataFrame(params).sort_values(["parameter", "year"]).reset_index(drop=True)

    # Market bands and regional factors.
    ev = market.hospital_evidence(reference, zips, gpci25, figures, apc="5442")
    fee_ranges = market.fee_ranges(ev, figures)
    regional = market.regional_factors(ev, figures)
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
        "state_default_locality.csv": state_default,
        "facility_rates.csv": facility,
        "medicare_parameters.csv": parameters,
        "fee_ranges.csv": fee_ranges,
        "regional_factors.csv": regional,
        "calibration_hospitals.csv": hospitals,
    }
    out = {name: _csv(df) for name, df in tables.items()}
    out["metadata.json"] = _metadata(tables, figures)
    return out


def _metadata(tables: dict[str, pd.DataFrame], figures: dict[tuple[str, int | None], Figure]) -> bytes:
    """Describe each table (what it holds, its sources, its assumptions) for the methods page."""
    def sources(df: pd.DataFrame) -> list[str]:
        if "source" not in df.columns:
            return []
        return sorted({s for s in df["source"].astype(str)})

    desc = {
        "codes.csv": "The codes priced, with the project's plain-language names and CMS short descriptors.",
        "pfs_rvus.csv": "Medicare physician fee schedule relative value units and conversion factors.",
        "gpci.csv": "Geographic practice cost indices for every Medicare locality.",
        "anesthesia_cf.csv": "Anesthesia conversion factor (dollars per unit) for every locality.",
        "anesthesia_units.csv": "Anesthesia base units and the length of a time unit.",
        "zip_locality.csv": "Every US ZIP code with its state and Medicare locality.",
        "state_default_locality.csv": "The locality used when only a state is known.",
        "facility_rates.csv": "Medicare facility rates: hospital outpatient (OPPS) and surgery center (ASC).",
        "medicare_parameters.csv": "Medicare cost sharing and coverage parameters by year.",
        "fee_ranges.csv": "Market price bands (10th/50th/90th percentile) as multiples of Medicare.",
        "regional_factors.csv": "State factors applied to facility market prices.",
        "calibration_hospitals.csv": "The hospital price-file evidence behind the facility bands.",
    }
    assumptions = [
        GPCI_2026_NOTE + ".",
        "CY2026 anesthesia conversion factors: CY2025 locality factors scaled by the CY2026 national "
        "anesthesia conversion factor.",
        "Hospital outpatient facility rate: CY2025 OPPS APC rate (APC assignment inferred from hospital "
        "Medicare Advantage rates), carried into CY2026; 60% wage-adjusted, with the locality PE GPCI "
        "standing in for the hospital wage index.",
        "Surgery-center facility rate: treated as an office-based ASC procedure, paid the PFS "
        "non-facility practice-expense amount; 50% wage-adjusted with the PE GPCI as proxy.",
        "A surgery center's facility fee is never taken below the practice-expense payment an office would get "
        "for the same services, so a surgery-center visit is never shown cheaper than an office visit.",
        "Surgery-center charges, cash prices and Medicaid rates sit at the hospitals' multiples of Medicare; "
        "surgery-center commercial rates at the hospital band scaled by RAND's ASC-to-hospital ratio.",
        "State factors for facility prices are shrunk towards 1 by credibility: one hospital says little about "
        "its whole state.",
        "Anesthesia: 4 base units for 01937 plus one time unit per 15 minutes (time units to one decimal).",
        "Out-of-network plan allowance: the plan's qualifying payment amount is the median in-network "
        "rate, so the commercial in-network band stands for the plan's out-of-network allowance.",
        "ZIP codes that CMS splits by ZIP+4 are priced in the locality CMS gives for the 5-digit ZIP.",
        "Original Medicare with a doctor who does not participate: the anesthesia provider is taken to "
        "have the same status; hospitals and surgery centers accept assignment, so facility bills are "
        "unchanged.",
    ]
    external = sorted({f.source for f in figures.values() if not f.reference_file})
    meta = {
        "tables": {name: {"description": desc[name], "rows": int(len(df)), "sources": sources(df)}
                   for name, df in tables.items()},
        "assumptions": assumptions,
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
