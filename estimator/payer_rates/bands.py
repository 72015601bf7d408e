"""Commercial surgery-center and office bands per payer and state, from imported TiC rates across
many providers (estimator.reference.payer_bands reads them for the quote).

TiC files name providers by NPI and TIN only; where each practises comes from a providers file the
user supplies: CMS's NPPES download (``NPI`` and ``Provider Business Practice Location Address State
Name`` / ``... Postal Code``) or any CSV with ``npi``, ``state`` and optionally ``zip``.

For each usable dollar rate (``excluded`` empty, a payer named, no modifier, codes 62320-62323) at a
surgery center (place of service 24) or an office (11), or at every place (CSTM-00: both; a doctor's
rate with no place written too, a facility's rate with none is at no known place and left out):
1. its multiple of Medicare: the rate / Medicare's amount for the same bill (the doctor's fee or
   the surgery center's facility fee), code, year (the file's, within the project's years) and the
   provider's ZIP, else its state's default locality: the engine's own reference price for that bill
   (estimator.pricing.reference_prices);
2. one figure per tax ID: the median of its rates' multiples (a TIN's NPIs share one contract);
3. per payer, state, site, code, bill and year: the 10th / 50th / 90th percentiles across tax IDs,
   written only where at least ``payer_bands.MIN_PROVIDERS`` tax IDs back them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from estimator.batch import encode_frame
from estimator.common.errors import fail
from estimator.payer_rates.tic_file import BILLS_BY_CLASS, places_of_service
from estimator.pricing.reference_prices import reference_prices
from estimator.reference import payer_bands
from estimator.reference.tables import PROCEDURE_CODES, YEARS, RefData, load

NPPES_COLUMNS = {"NPI": "npi", "Provider Business Practice Location Address State Name": "state",
                 "Provider Business Practice Location Address Postal Code": "zip"}
SITE_BY_POS = {"24": ("asc",), "11": ("office",), "CSTM-00": ("asc", "office")}


@dataclass(frozen=True)
class BandsBuilt:
    """The bands written, and what was left out: groups with too few tax IDs, rates whose NPI has no
    state in the providers file, rates of no named payer."""

    bands: pd.DataFrame
    thin_groups: int
    unplaced_rates: int
    unnamed_payer_rates: int = 0


#: Rows of the providers file read at a time (NPPES's download is some 9 million rows of 330 columns).
PROVIDER_CHUNK_ROWS = 200_000


def read_providers(path: str, npis: set[str] | frozenset[str] | None = None,
                   chunk_rows: int = PROVIDER_CHUNK_ROWS) -> pd.DataFrame:
    """npi, state, zip (5 digits or '') from an NPPES download or a plain CSV, read ``chunk_rows`` rows
    at a time and only its npi, state and zip columns; with ``npis`` (those of the rates), only those
    providers are kept, so memory follows the rates, not the file."""
    try:
        head = pd.read_csv(path, nrows=0).columns
    except (OSError, ValueError) as e:
        raise fail("providers", f"cannot read {path}: {e}") from None
    names = NPPES_COLUMNS if "NPI" in head else {"npi": "npi", "state": "state", "zip": "zip"}
    use = [c for c in names if c in head]
    if {names_key for names_key, v in names.items() if v in ("npi", "state")} - set(use):
        raise fail("providers", "needs the columns npi and state (or NPPES's NPI and practice location state)")
    kept = []
    try:
        for chunk in pd.read_csv(path, usecols=use, dtype=str, keep_default_na=False, chunksize=chunk_rows):
            chunk = chunk.rename(columns=names)
            chunk["npi"] = chunk["npi"].str.strip()
            kept.append(chunk if npis is None else chunk[chunk["npi"].isin(npis)])
    except (OSError, ValueError) as e:
        raise fail("providers", f"cannot read {path}: {e}") from None
    df = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[names[c] for c in use], dtype=str)
    if "zip" not in df:
        df["zip"] = ""
    df["zip"] = df["zip"].str.strip().str[:5].where(df["zip"].str.strip().str[:5].str.fullmatch(r"\d{5}"), "")
    df["state"] = df["state"].str.strip().str.upper()
    return df[df["npi"].str.fullmatch(r"\d{10}")].drop_duplicates("npi")


def _medicare(points: pd.DataFrame, ref: RefData) -> pd.DataFrame:
    """Medicare's amount per bill for each (zip, state, site, code, year): the engine's reference
    price (what Medicare pays for that bill, whether or not its coverage rules would pay this visit);
    a ZIP it does not know is priced at its state's default locality."""
    def priced(where: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
        frame = pd.DataFrame({**where, "site": points["site"].to_numpy(), "code": points["code"].to_numpy(),
                              "year": points["year"].astype(str).to_numpy(), "coverage": "medicare",
                              "sedation": "local"})
        inp, checked = encode_frame(frame, ref)
        base = reference_prices(ref, inp).base
        return ~checked.bad, base[:2]

    ok, base = priced({"zip": points["zip"].to_numpy()})
    if not ok.all():
        _, by_state = priced({"state": points["state"].to_numpy()})
        base = np.where(ok, base, by_state)
    return pd.DataFrame({"professional": base[0], "facility": base[1]}, index=points.index)


def build(rates: pd.DataFrame, providers: pd.DataFrame, ref: RefData | None = None) -> BandsBuilt:
    """The bands of ``rates`` (a payer-rates import) for providers placed by ``providers``."""
    ref = ref or load()
    named = rates["payer"].fillna("").astype(str).str.strip() != ""
    usable = rates[(rates["excluded"] == "") & (rates["modifiers"] == "") & rates["billing_code"].isin(PROCEDURE_CODES)
                   & (rates["npi"] != "")]
    unnamed = int((~named[usable.index]).sum())
    usable = usable[named[usable.index]]
    placed = usable.merge(providers, on="npi", how="left")
    unplaced = int(placed["state"].isna().sum() + (placed["state"] == "").sum())
    placed = placed[placed["state"].notna() & (placed["state"] != "") & placed["state"].isin(ref.states)]
    rows = []
    for r in placed.itertuples(index=False):
        year = min(max(int(r.file_date[:4]) if r.file_date[:4].isdigit() else YEARS[-1], YEARS[0]), YEARS[-1])
        for bill in BILLS_BY_CLASS[r.billing_class]:
            for site in {s for p in places_of_service(r.place_of_service, bill) for s in SITE_BY_POS.get(p, ())}:
                if bill == "facility" and site == "office":
                    continue
                rows.append((r.payer, r.state, r.zip, site, r.billing_code, bill, year, r.tin, r.npi,
                             r.negotiated_rate, r.file_date))
    cols = ["payer", "state", "zip", "site", "code", "component", "year", "tin", "npi", "rate", "file_date"]
    long = pd.DataFrame(rows, columns=cols)
    if long.empty:
        return BandsBuilt(pd.DataFrame(columns=list(payer_bands.COLUMNS)), 0, unplaced, unnamed)
    points = long[["zip", "state", "site", "code", "year"]].drop_duplicates().reset_index(drop=True)
    medicare = _medicare(points, ref)
    points = pd.concat([points, medicare], axis=1)
    long = long.merge(points, on=["zip", "state", "site", "code", "year"], how="left")
    base = np.where(long["component"] == "facility", long["facility"], long["professional"])
    long["multiple"] = long["rate"] / base
    long = long[np.isfinite(long["multiple"]) & (long["multiple"] > 0)]
    keys = ["payer", "state", "site", "code", "component", "year"]
    per_tin = long.groupby(keys + ["tin"]).agg(multiple=("multiple", "median"), npis=("npi", "nunique"),
                                              rates=("rate", "size"), first=("file_date", "min"),
                                              last=("file_date", "max")).reset_index()
    groups = per_tin.groupby(keys)
    bands = groups.agg(low=("multiple", lambda m: np.percentile(m, 10)), typical=("multiple", "median"),
                       high=("multiple", lambda m: np.percentile(m, 90)), providers=("tin", "nunique"),
                       npis=("npis", "sum"), rates=("rates", "sum"), first=("first", "min"),
                       last=("last", "max")).reset_index()
    thin = int((bands["providers"] < payer_bands.MIN_PROVIDERS).sum())
    bands = bands[bands["providers"] >= payer_bands.MIN_PROVIDERS].copy()
    bands["file_dates"] = np.where(bands["first"] == bands["last"], bands["first"],
                                   bands["first"] + " to " + bands["last"])
    bands["source"] = ("insurers' Transparency in Coverage in-network files (payer-rates import); providers' "
                       "states from the providers file; multiples of Medicare's amount for the same bill")
    for c in ("low", "typical", "high"):
        bands[c] = bands[c].round(4)
    return BandsBuilt(bands[list(payer_bands.COLUMNS)].reset_index(drop=True), thin, unplaced, unnamed)
