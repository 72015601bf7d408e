"""Surgery-center (ASC) inputs: Addendum AA rates and a wage index for every Medicare locality.

Medicare pays an ambulatory surgery center the national ASC rate of CMS's Addendum AA, with 50% of
it adjusted by the wage index of the CBSA (metropolitan area, or a state's rural area) where the
center is: rate x (0.50 x wage index + 0.50) (42 CFR 416.172). 62320, 62321 and 62323 carry
payment indicator G2 (a non-office-based procedure paid from its OPPS relative weight), so the
rate is not capped at the physician practice-expense amount.

The reference data has no ZIP or county to CBSA crosswalk, so each Medicare locality gets one
wage-index area:

* a locality named for a metropolitan area (Los Angeles, Atlanta, Metropolitan Boston...) takes that
  area's CBSA, listed with the reason in ``curated/locality_cbsa.csv`` (the build checks the CBSA is
  in both years' files and carries one of the locality's states);
* any other locality (a whole state, or "rest of" a state) takes the median wage index of the
  state's areas in the file: its CBSAs (by the first state in the CBSA's name) and its rural area,
  leaving out CBSAs already given to another locality of the state. That is a typical place in the
  state, between its rural and its metropolitan values; a surgery center in a big city there is paid
  more, one in the countryside less.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.databuild import cms
from estimator.databuild.figures import CURATED

AA_FILES = {2025: ("cms/asc/ASC_AA_2025_January.csv", "cms/asc/ASC_AA_2025_October.csv"),
            2026: ("cms/asc/ASC_AA_2026_January.csv",)}
WAGE_FILES = {2025: "cms/asc/ASC_wage_index_2025.txt", 2026: "cms/asc/ASC_wage_index_2026.csv"}
LOCCO_FILE = "cms/pfs2025/25LOCCO.csv"


def asc_rates(reference: Path, codes: list[str]) -> pd.DataFrame:
    """Addendum AA rows for the codes, one per year and release (every release of a year is kept).

    Columns: year, release (the file), code, payment_indicator, payment_weight, national_rate,
    conversion_factor (rate / weight, dollars), source.
    """
    rows = []
    for year, files in AA_FILES.items():
        for f in files:
            df = cms.read_asc_addendum_aa(reference / f, codes)
            release = Path(f).stem.replace("ASC_AA_", "")
            df.insert(0, "release", release)
            df.insert(0, "year", year)
            df["conversion_factor"] = (df["national_rate"] / df["payment_weight"]).round(3)
            df["source"] = f"CMS ASC Addendum AA, {release.replace('_', ' ')} (reference/{f})"
            rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    for year, g in out.groupby("year"):
        if g.groupby("code")[["payment_indicator", "payment_weight", "national_rate"]].nunique().max().max() > 1:
            raise ValueError(f"ASC Addendum AA: the {year} releases disagree for a code")
    return out


def state_of_area_names(reference: Path, gpci: pd.DataFrame) -> dict[str, str]:
    """Full state names as the wage index files write them (rural areas) -> two-letter code.

    Derived from the CMS locality-county file (state name per carrier/locality) and the GPCI
    table (two-letter state per locality); "HAWAII/GUAM" gives both names.
    """
    state_of_key = dict(zip(gpci["locality_key"], gpci["state"]))
    out: dict[str, str] = {}
    with open(reference / LOCCO_FILE, newline="", encoding="latin-1") as fh:
        for r in csv.reader(fh):
            if len(r) >= 3 and r[0].strip().isdigit() and r[1].strip().isdigit():
                st = state_of_key.get(cms.locality_key(r[0], r[1]))
                for name in r[2].strip().split("/"):
                    if st and name.strip():
                        out[name.strip().upper()] = st
    return out


def _states_of(area_name: str) -> list[str]:
    """The two-letter states in a CBSA name: "Kansas City, MO-KS" -> ["MO", "KS"]."""
    if "," not in area_name:
        return []
    return [s.strip() for s in area_name.rsplit(",", 1)[1].split("-")]


def locality_wage_index(reference: Path, gpci: pd.DataFrame) -> pd.DataFrame:
    """The ASC wage index for every locality and year, with the area used and how it was chosen.

    Columns: year, locality_key, cbsa, area_name, wage_index, method, source.
    """
    mapping = pd.read_csv(CURATED / "locality_cbsa.csv", dtype=str)
    if set(mapping["locality_key"]) - set(gpci["locality_key"]):
        raise ValueError("locality_cbsa.csv names a locality that is not in the GPCI table")
    names = state_of_area_names(reference, gpci)
    rows = []
    for year, f in WAGE_FILES.items():
        wi = cms.read_asc_wage_index(reference / f)
        by_cbsa = wi.set_index("cbsa")
        wi["state"] = [names.get(n.upper()) if rural else (_states_of(n) or [None])[0]
                       for n, rural in zip(wi["area_name"], wi["rural"])]
        repeated = int((wi["listed"] > 1).sum())
        src = f"CMS CY{year} ASC wage index (reference/{f})"
        dup_note = (f"; where the file lists an area more than once ({repeated} areas) the first value is used"
                    if repeated else "")
        for loc in gpci.itertuples(index=False):
            m = mapping[mapping["locality_key"] == loc.locality_key]
            if len(m):
                cbsa = m["cbsa"].iloc[0]
                if cbsa not in by_cbsa.index:
                    raise ValueError(f"locality_cbsa.csv: CBSA {cbsa} is not in {f}")
                area = by_cbsa.loc[cbsa]
                if loc.state not in _states_of(area["area_name"]):
                    raise ValueError(f"locality_cbsa.csv: CBSA {cbsa} is not in {loc.state}")
                rows.append({"year": year, "locality_key": loc.locality_key, "cbsa": cbsa,
                             "area_name": area["area_name"], "wage_index": float(area["wage_index"]),
                             "method": f"CBSA of the locality: {m['basis'].iloc[0]}{dup_note}",
                             "source": f"{src}; locality to CBSA: estimator/databuild/curated/locality_cbsa.csv"})
                continue
            taken = set(mapping.loc[mapping["locality_key"].isin(
                gpci.loc[gpci["state"] == loc.state, "locality_key"]), "cbsa"])
            pool = wi[(wi["state"] == loc.state) & ~wi["cbsa"].isin(taken)]
            if pool.empty:
                raise ValueError(f"no ASC wage index area for {loc.state} in {f}")
            rows.append({"year": year, "locality_key": loc.locality_key, "cbsa": "",
                         "area_name": f"median of {len(pool)} {loc.state} areas",
                         "wage_index": round(float(np.median(pool["wage_index"])), 4),
                         "method": (f"no single CBSA for the locality: median wage index of the state's areas "
                                    f"({len(pool) - int(pool['rural'].sum())} CBSAs and "
                                    f"{int(pool['rural'].sum())} rural area; range "
                                    f"{pool['wage_index'].min():.4f}-{pool['wage_index'].max():.4f}), leaving out "
                                    f"CBSAs given to other localities{dup_note}"),
                         "source": src})
    return pd.DataFrame(rows).sort_values(["year", "locality_key"]).reset_index(drop=True)
