"""Readers for the CMS files in the reference folder.

Each function reads one CMS file format and returns a tidy DataFrame with the columns the
engine needs. Nothing here prices anything: it only parses.

Sources (see reference/PROVENANCE.md):
- PPRRVU files: CMS National Physician Fee Schedule Relative Value File (RVU25D, RVU26C).
- GPCI2025.csv: CY2025 Geographic Practice Cost Indices (Addendum E).
- ANES2025.csv: CY2025 anesthesia conversion factor by locality.
- ZIP5_OCT2025.txt: CMS ZIP code to carrier/locality file, fixed width (layout in ZIP5lyout.txt).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

#: ZIP-file state codes that CMS uses for the two halves of Kansas and Missouri.
ZIP_FILE_STATE_ALIASES = {"EK": "KS", "WK": "KS", "EM": "MO", "WM": "MO"}


def locality_key(carrier: str, locality: str) -> str:
    """The project's locality identifier, e.g. ``"10112-00"`` (MAC number, locality number)."""
    return f"{int(carrier):05d}-{int(locality):02d}"


def read_rvu_file(path: Path, codes: list[str]) -> pd.DataFrame:
    """Read the PFS relative value file and keep the given HCPCS codes (no modifier rows).

    Returns columns: code, status, work_rvu, pe_rvu_nonfacility, pe_rvu_facility, facility_na,
    mp_rvu, pctc_indicator, conversion_factor (dollars per RVU), short_descriptor (CMS short
    descriptor). ``facility_na`` is CMS's facility NA indicator as written ("NA" or blank): "NA" means
    CMS pays no facility amount for the code (e.g. 99153, extra moderate-sedation time, whose PC/TC
    indicator 3 makes it a technical-only service: in a hospital or surgery center the facility's
    staff provide it).
    The header spans several rows; the row whose first cell is ``HCPCS`` closes it.
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    header_row = next(i for i, r in enumerate(rows) if r and r[0].strip() == "HCPCS")
    header = rows[header_row]
    # Column positions are found from the last header row plus the rows above it, because the
    # CY2026 file inserts a column (PRIC IND) that shifts the later ones.
    stacked = [" ".join(rows[j][i].strip() for j in range(header_row - 4, header_row + 1)
                        if i < len(rows[j])).split() for i in range(len(header))]
    names = [" ".join(parts) for parts in stacked]

    def col(*needles: str) -> int:
        hits = [i for i, n in enumerate(names) if all(k in n for k in needles)]
        if len(hits) != 1:
            raise ValueError(f"{path.name}: cannot locate column {needles}: {hits}")
        return hits[0]

    idx = {
        "code": 0,
        "modifier": 1,
        "short_descriptor": 2,
        "status": col("STATUS", "CODE"),
        "work_rvu": col("WORK", "RVU"),
        "pe_rvu_nonfacility": col("NON-FAC", "PE RVU"),
        "pe_rvu_facility": col("FACILITY", "PE RVU"),
        "facility_na": col("FACILITY", "NA INDICATOR"),
        "mp_rvu": col("MP", "RVU"),
        "pctc_indicator": col("PCTC", "IND"),
        "conversion_factor": col("CONV", "FACTOR"),
    }
    wanted = set(codes)
    out = []
    for r in rows[header_row + 1:]:
        if len(r) <= max(idx.values()) or r[0] not in wanted or r[1].strip():
            continue
        out.append({k: r[i].strip() for k, i in idx.items() if k != "modifier"})
    df = pd.DataFrame(out)
    missing = wanted - set(df["code"])
    if missing:
        raise ValueError(f"{path.name}: codes not found: {sorted(missing)}")
    for c in ["work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu", "conversion_factor"]:
        df[c] = df[c].astype(float)
    return df.sort_values("code").reset_index(drop=True)


def read_gpci(path: Path) -> pd.DataFrame:
    """Read Addendum E: one row per Medicare locality.

    Returns columns: carrier, locality, locality_key, state, name, gpci_work, gpci_pe, gpci_mp.
    The work GPCI is the one CMS pays with (1.0 floor; 1.5 in Alaska).
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    out = []
    for r in rows:
        if len(r) < 7 or not r[0].strip().isdigit() or not r[2].strip().isdigit():
            continue
        out.append({
            "carrier": f"{int(r[0]):05d}",
            "locality": f"{int(r[2]):02d}",
            "locality_key": locality_key(r[0], r[2]),
            "state": r[1].strip(),
            "name": r[3].strip().rstrip("*").strip(),
            "gpci_work": float(r[4]),
            "gpci_pe": float(r[5]),
            "gpci_mp": float(r[6]),
        })
    df = pd.DataFrame(out)
    if df["locality_key"].duplicated().any():
        raise ValueError(f"{path.name}: duplicate localities")
    return df.sort_values("locality_key").reset_index(drop=True)


def read_anesthesia_cf(path: Path) -> tuple[pd.DataFrame, float]:
    """Read the anesthesia conversion factor file.

    Returns (table with locality_key and anesthesia_cf in dollars per unit, national CF). The
    national CF is stated in the header ("National Anes CF of 20.3178").
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    national = float(rows[0][3].split()[-1])
    out = []
    for r in rows[1:]:
        if len(r) < 4 or not r[0].strip().isdigit():
            continue
        out.append({"locality_key": locality_key(r[0].strip(), r[1].strip()),
                    "anesthesia_cf": float(r[3])})
    return pd.DataFrame(out).sort_values("locality_key").reset_index(drop=True), national


def read_zip_locality(path: Path) -> pd.DataFrame:
    """Read the fixed-width CMS ZIP5 file (layout: ZIP5lyout.txt).

    Returns columns: zip, state (two-letter, with CMS's Kansas/Missouri split codes mapped to KS/MO),
    locality_key, rural ("" urban, "R" rural, "B" super rural), plus4 (1 if CMS splits the ZIP by
    ZIP+4, in which case the locality given is the ZIP5 default), year_quarter.
    """
    recs = []
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if len(line) < 21:
                continue
            state = line[0:2]
            recs.append({
                "zip": line[2:7],
                "state": ZIP_FILE_STATE_ALIASES.get(state, state),
                "locality_key": locality_key(line[7:12], line[12:14]),
                "rural": line[14].strip(),
                "plus4": int(line[20]) if line[20].isdigit() else 0,
                "year_quarter": line[75:80].strip(),
            })
    df = pd.DataFrame(recs)
    if df["zip"].duplicated().any():
        raise ValueError(f"{path.name}: a ZIP appears twice")
    return df.sort_values("zip").reset_index(drop=True)


def read_gpci_2026(values_path: Path, cms_rows_path: Path) -> pd.DataFrame:
    """Read the CY2026 GPCI table and check it against CMS's own rows.

    ``values_path`` holds all 109 localities (a public transcription of CMS GPCI2026.csv; a comment
    line, then mac, state, locality, locality_name, pw_gpci_with_floor, pe_gpci, mp_gpci);
    ``cms_rows_path`` holds rows of CMS's Addendum E for CY2026 in CMS's layout. Every CMS row must
    equal the transcription to the last digit, or the build stops. Returns the columns of
    :func:`read_gpci` (name as transcribed).
    """
    df = pd.read_csv(values_path, skiprows=1, dtype=str)  # line 1 is a quoted comment
    out = pd.DataFrame({
        "carrier": df["mac"].str.strip().map(lambda s: f"{int(s):05d}"),
        "locality": df["locality"].str.strip().map(lambda s: f"{int(s):02d}"),
        "state": df["state"].str.strip(),
        "name": df["locality_name"].str.strip().str.rstrip("*").str.strip(),
        "gpci_work": df["pw_gpci_with_floor"].astype(float),
        "gpci_pe": df["pe_gpci"].astype(float),
        "gpci_mp": df["mp_gpci"].astype(float),
    })
    out.insert(2, "locality_key", [locality_key(c, lo) for c, lo in zip(out["carrier"], out["locality"])])
    if out["locality_key"].duplicated().any():
        raise ValueError(f"{values_path.name}: duplicate localities")
    official = read_gpci(cms_rows_path)
    if official.empty:
        raise ValueError(f"{cms_rows_path.name}: no CMS rows found")
    merged = official.merge(out, on="locality_key", suffixes=("_cms", ""), how="left")
    for col in ("gpci_work", "gpci_pe", "gpci_mp"):
        if merged[col].isna().any() or (merged[col] != merged[f"{col}_cms"]).any():
            raise ValueError(f"{values_path.name}: {col} differs from CMS's rows in {cms_rows_path.name}")
    return out.sort_values("locality_key").reset_index(drop=True)


def read_anesthesia_cf_published(path: Path) -> tuple[pd.DataFrame, float, float]:
    """Read published rows of a CY2026-style anesthesia conversion factor file.

    The header names two national factors, for qualifying APM participants and for everyone else
    ("... Non-Qualifying APM National Anes CF (with 2.5% Statutory increase) of 20.49754").
    Returns (locality_key, anesthesia_cf_qualifying, anesthesia_cf_nonqualifying; national
    qualifying CF; national non-qualifying CF), dollars per anesthesia unit.
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    qual = float(next(h for h in header if h.startswith("Qualifying")).split()[-1])
    nonqual = float(next(h for h in header if h.startswith("Non-Qualifying")).split()[-1])
    out = []
    for r in rows[1:]:
        if len(r) < 5 or not r[0].strip().isdigit():
            continue
        out.append({"locality_key": locality_key(r[0].strip(), r[1].strip()),
                    "anesthesia_cf_qualifying": float(r[3]), "anesthesia_cf_nonqualifying": float(r[4])})
    return pd.DataFrame(out).sort_values("locality_key").reset_index(drop=True), qual, nonqual


def read_asc_addendum_aa(path: Path, codes: list[str]) -> pd.DataFrame:
    """Read CMS ASC Addendum AA (covered surgical procedures) for the given HCPCS codes.

    The header row starts with ``HCPCS Code``; the columns after it are the short descriptor,
    multiple-procedure discounting, payment indicator, payment weight and payment rate ("$371.75").
    Returns code, payment_indicator, payment_weight, national_rate (dollars, unadjusted).
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    h = next(i for i, r in enumerate(rows) if r and r[0].strip() == "HCPCS Code")
    header = [c.strip().lower() for c in rows[h]]

    def col(word: str) -> int:
        hits = [i for i, c in enumerate(header) if word in c]
        if len(hits) != 1:
            raise ValueError(f"{path.name}: cannot locate column {word!r}")
        return hits[0]

    ind, wt, rate = col("payment indicator"), col("payment weight"), col("payment rate")
    wanted, out = set(codes), []
    for r in rows[h + 1:]:
        if r and r[0].strip() in wanted:
            out.append({"code": r[0].strip(), "payment_indicator": r[ind].strip(),
                        "payment_weight": float(r[wt]),
                        "national_rate": float(r[rate].strip().lstrip("$").replace(",", ""))})
    df = pd.DataFrame(out)
    missing = wanted - set(df["code"]) if len(df) else wanted
    if missing or df["code"].duplicated().any():
        raise ValueError(f"{path.name}: codes missing or repeated: {sorted(missing)}")
    return df.sort_values("code").reset_index(drop=True)


def read_asc_wage_index(path: Path) -> pd.DataFrame:
    """Read an ASC wage index file (tab- or comma-separated: CBSA, CBSA Name, WIyy).

    Five-digit CBSAs are urban areas (and CMS's special 5xxxx areas); two-digit codes are a state's
    rural area (named by the state). An area with no value (a state with no rural area) is dropped.
    Where an area is listed more than once (the CY2025 file repeats 27 areas with different values,
    presumably county-level transition values that cannot be placed without a county crosswalk),
    the first row listed is kept and ``listed`` counts the rows. Returns cbsa, area_name, wage_index,
    rural (bool), listed.
    """
    text = path.read_bytes().decode("latin-1")
    sep = "\t" if "\t" in text.splitlines()[0] else ","
    df = pd.read_csv(path, sep=sep, dtype=str, encoding="latin-1", keep_default_na=False)
    df.columns = ["cbsa", "area_name", "wage_index"]
    df = df[df["wage_index"].str.strip() != ""].copy()
    df["cbsa"] = df["cbsa"].str.strip()
    df["area_name"] = df["area_name"].str.strip()
    df["wage_index"] = df["wage_index"].astype(float)
    df["listed"] = df.groupby("cbsa")["cbsa"].transform("size")
    df = df.drop_duplicates("cbsa", keep="first")
    df["rural"] = df["cbsa"].str.len() == 2
    return df.reset_index(drop=True)[["cbsa", "area_name", "wage_index", "rural", "listed"]]


def read_zip9_splits(folder: Path) -> pd.DataFrame:
    """ZIP+4 ranges of the ZIP codes CMS splits across localities, rows still in force.

    ``folder`` is the ZIP5/ZIP9 re-encoding (FORMAT.md there): ``records/NN.tsv.gz`` rows
    zip5, plus4 (blank = whole ZIP), first year, last year (9999 = in force), carrier index,
    locality index. For each ZIP whose ZIP+4 rows in force name more than one locality (counting
    the ZIP5 row), returns the ZIP+4 rows whose locality differs from the 5-digit ZIP's, as ranges
    of consecutive plus4 numbers with one locality: zip, plus4_from, plus4_to (4-digit strings),
    locality_key, zip5_locality_key. Any ZIP+4 not in a range is priced in the 5-digit ZIP's own
    locality (listed there or not), so the table is exact and small.
    """
    import gzip

    carriers = gzip.decompress((folder / "carriers.txt.gz").read_bytes()).decode().split()
    localities = gzip.decompress((folder / "localities.txt.gz").read_bytes()).decode().split()
    frames = []
    for p in sorted((folder / "records").glob("*.tsv.gz")):
        frames.append(pd.read_csv(p, sep="\t", header=None, dtype=str, keep_default_na=False,
                                  names=["zip", "plus4", "first", "last", "carrier", "locality"]))
    df = pd.concat(frames, ignore_index=True)
    df = df[(df["last"] == "9999") & df["zip"].isin(df.loc[df["plus4"] != "", "zip"].unique())]
    keys = {(c, lo): locality_key(carriers[int(c)], localities[int(lo)])
            for c, lo in df[["carrier", "locality"]].drop_duplicates().itertuples(index=False)}
    df = df.assign(locality_key=[keys[k] for k in zip(df["carrier"], df["locality"])])
    zip5 = df[df["plus4"] == ""].set_index("zip")["locality_key"]
    if zip5.index.duplicated().any():
        raise ValueError("zip9: a ZIP has two ZIP5 rows in force")
    p4 = df[df["plus4"] != ""][["zip", "plus4", "locality_key"]]
    if p4.duplicated(["zip", "plus4"]).any():
        raise ValueError("zip9: a ZIP+4 has two rows in force")
    p4 = p4.assign(zip5_locality_key=p4["zip"].map(zip5))
    n_locs = pd.concat([p4[["zip", "locality_key"]],
                        p4[["zip", "zip5_locality_key"]].rename(columns={"zip5_locality_key": "locality_key"})]
                       ).groupby("zip")["locality_key"].nunique()
    split = p4[p4["zip"].isin(n_locs[n_locs > 1].index)].copy()
    split["n"] = split["plus4"].astype(int)
    split = split.sort_values(["zip", "n"])
    run = ((split["zip"] != split["zip"].shift()) | (split["locality_key"] != split["locality_key"].shift())
           | (split["n"] != split["n"].shift() + 1)).cumsum()
    split = split.assign(run=run)[split["locality_key"] != split["zip5_locality_key"]]
    ranges = split.groupby("run").agg(zip=("zip", "first"), plus4_from=("plus4", "first"),
                                    plus4_to=("plus4", "last"), locality_key=("locality_key", "first"),
                                    zip5_locality_key=("zip5_locality_key", "first"))
    return ranges.reset_index(drop=True)
