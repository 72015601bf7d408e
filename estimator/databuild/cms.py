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

    Returns columns: code, status, work_rvu, pe_rvu_nonfacility, pe_rvu_facility, mp_rvu,
    conversion_factor (dollars per RVU), short_descriptor (CMS short descriptor).
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
        "mp_rvu": col("MP", "RVU"),
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
