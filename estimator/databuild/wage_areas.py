"""The patient's wage-index area: ZIP code -> county -> CBSA (or the state's rural area) -> wage index.

Medicare adjusts the labor-related share of a surgery center's rate (and of a hospital outpatient
department's) by the wage index of the area the facility is in: the metropolitan CBSA of its county
(the metropolitan division where OMB divides the CBSA, e.g. 35614 for New York-Jersey City-White
Plains), or, for a county in no metropolitan area (micropolitan areas included), the state's rural
area. The chain, all from public files:

* ZIP -> county: the ``zipcodes`` package (PyPI, pinned; USPS ZIP codes with each ZIP's main county
  and state). It gives one county per ZIP: a ZIP that crosses a county line is priced in the county
  the package lists, and ZIPs CMS splits across Medicare localities by ZIP+4 are flagged ``split``;
* county -> CBSA: OMB's delineation file as NBER republishes it
  (reference/cms/geography/cbsa2fipsxw.csv, the 2018/2020 vintage); county names are matched after
  folding accents, case and punctuation, then without the words for the county's kind ("Municipality
  of Anchorage", "San Juan" for "San Juan Municipio") where that leaves one county of the state. A
  county that matches no metropolitan county is taken as rural;
* CBSA -> wage index: CMS's CY2025 and CY2026 ASC wage index files (reference/cms/asc/), the first
  value where a file lists an area twice.

CMS's 2025 and later files use OMB's 2023 delineations. A county whose 2020-vintage CBSA is missing
from a year's file (an area that was renamed, split or merged) gets no area: the quote then uses the
locality's wage index as before, and says so. So does a ZIP the package does not know.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import zipcodes

from estimator.databuild import cms

DELINEATION_FILE = "cms/geography/cbsa2fipsxw.csv"
WAGE_FILES = {2025: "cms/asc/ASC_wage_index_2025.txt", 2026: "cms/asc/ASC_wage_index_2026.csv"}
METRO = "Metropolitan Statistical Area"
SOURCE = f"zipcodes {zipcodes.__version__}; reference/{DELINEATION_FILE}"


def _fold(name: str) -> str:
    """A county name for matching: no accents, case, spaces or punctuation ("Doña Ana" = "Dona Ana")."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


#: Words that name the kind of county rather than the county ("Municipality of Anchorage" is OMB's
#: "Anchorage Municipality", "San Juan" its "San Juan Municipio").
_KIND_WORDS = ("cityandboroughof", "municipalityof", "cityandborough", "censusarea", "municipality", "municipio",
               "borough", "parish", "county")


def _core(name: str) -> str:
    """A folded county name without the words for its kind."""
    core = _fold(name)
    for word in _KIND_WORDS:
        if core.startswith(word) and len(core) > len(word):
            core = core[len(word):]
        if core.endswith(word) and len(core) > len(word):
            core = core[:-len(word)]
    return core


def wage_index_areas(reference: Path) -> pd.DataFrame:
    """Every area of the ASC wage index files, per year.

    Columns: year, area (CBSA / division code, or the 2-digit state code of a rural area), area_name,
    rural, wage_index, source.
    """
    rows = []
    for year, f in WAGE_FILES.items():
        wi = cms.read_asc_wage_index(reference / f)
        rows.append(pd.DataFrame({"year": year, "area": wi["cbsa"], "area_name": wi["area_name"],
                                  "rural": wi["rural"].map({True: "yes", False: ""}),
                                  "wage_index": wi["wage_index"],
                                  "source": f"CMS CY{year} ASC wage index (reference/{f})"}))
    return pd.concat(rows, ignore_index=True)


def zip_wage_areas(reference: Path, zips: pd.DataFrame, state_names: dict[str, str],
                   areas: pd.DataFrame) -> pd.DataFrame:
    """The wage-index area of each CMS ZIP code the ``zipcodes`` package knows.

    ``zips``: data/zip_locality.csv (zip, state, plus4); ``state_names``: full state name in capitals
    -> two-letter code; ``areas``: :func:`wage_index_areas`. Columns: zip, county, area, area_kind
    (metropolitan: the county's CBSA or division; rural: the county is in no metropolitan area, and
    CMS uses the state's rural wage index), split ("yes" where CMS splits the ZIP across localities),
    source.
    ZIPs with no usable area are left out (the locality's wage index applies).
    """
    delineation = pd.read_csv(reference / DELINEATION_FILE, dtype=str)
    delineation["state"] = delineation["statename"].str.upper().map(state_names)
    if delineation["state"].isna().any():
        raise ValueError(f"{DELINEATION_FILE}: a state name with no two-letter code")
    metro = delineation[delineation["metropolitanmicropolitanstatis"] == METRO]
    metro_area = dict(zip(zip(metro["state"], metro["countycountyequivalent"].map(_fold)),
                          metro["metrodivisioncode"].fillna(metro["cbsacode"])))
    # The same without the kind words, where that leaves one county of the state (not Virginia's
    # Fairfax County and Fairfax city, say).
    cores = delineation.assign(core=delineation["countycountyequivalent"].map(_core))
    unique = cores.groupby(["state", "core"])["core"].transform("size") == 1
    by_core = cores[unique & (cores["metropolitanmicropolitanstatis"] == METRO)]
    metro_core = dict(zip(zip(by_core["state"], by_core["core"]),
                          by_core["metrodivisioncode"].fillna(by_core["cbsacode"])))
    in_every_year = set.intersection(*(set(g["area"]) for _, g in areas.groupby("year")))
    rural_area = {state_names.get(str(n).upper()): a
                  for a, n in areas.loc[areas["rural"] == "yes", ["area", "area_name"]].itertuples(index=False)}

    known = pd.DataFrame(zipcodes.list_all())[["zip_code", "state", "county"]]
    known = known[known["county"].fillna("") != ""].drop_duplicates("zip_code")
    z = zips[["zip", "state", "plus4"]].merge(known.rename(columns={"zip_code": "zip", "state": "zip_state"}),
                                              on="zip", how="inner")
    z = z[z["state"] == z["zip_state"]]  # a ZIP the two files place in different states: left out
    rows = []
    for r in z.itertuples(index=False):
        area = metro_area.get((r.state, _fold(r.county)), metro_core.get((r.state, _core(r.county))))
        if area is not None:
            if area not in in_every_year:
                continue  # an area of the 2020 delineation that CMS's 2023-based files no longer list
            kind = "metropolitan"
        else:
            area, kind = rural_area.get(r.state), "rural"
            if area is None or area not in in_every_year:
                continue
        rows.append({"zip": r.zip, "county": r.county, "area": area, "area_kind": kind,
                     "split": "yes" if str(r.plus4) == "1" else "", "source": SOURCE})
    return pd.DataFrame(rows).sort_values("zip").reset_index(drop=True)


def zip_wage_index(zip_areas: pd.DataFrame, areas: pd.DataFrame, year: int) -> pd.Series:
    """ZIP -> that year's wage index of its area (ZIPs with no area are absent)."""
    wi = areas[areas["year"] == year].drop_duplicates("area").set_index("area")["wage_index"]
    return zip_areas.set_index("zip")["area"].map(wi)
