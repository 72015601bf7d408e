"""The data tables (data/*.csv), loaded once per process into lookup arrays.

Everything the engine prices with comes from here; nothing is priced by a constant in code. The
tables are built from the public reference files by ``python -m estimator.databuild``.

Units: relative value units (RVU), geographic indices (GPCI, dimensionless), conversion factors
in dollars per RVU or per anesthesia unit, rates in dollars, shares as fractions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.common.i18n import N_

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"

YEARS = (2025, 2026)
PROCEDURE_CODES = ("62320", "62321", "62322", "62323")
SITES = ("hopd", "asc", "office")
COMPONENTS = ("professional", "facility", "anesthesia")
BASES = ("commercial", "billed", "cash", "medicaid")
LEVELS = ("low", "typical", "high")
MEDICARE_BASIS = len(BASES)  # position of Medicare's own amounts in RefData.bands


def data_dir() -> Path:
    """The folder the tables are read from: $ESTIMATOR_DATA_DIR, else the repository's data/."""
    return Path(os.environ.get("ESTIMATOR_DATA_DIR", DEFAULT_DATA_DIR))


def _to_int(x: np.ndarray | pd.Series, scale: int) -> np.ndarray:
    """Decimal figures as exact integers in units of 1/scale (e.g. RVUs in hundredths)."""
    return np.rint(np.asarray(x, dtype=float) * scale).astype(np.int64)


@dataclass(frozen=True)
class Locality:
    """A Medicare physician fee schedule locality."""

    key: str  # "10112-00"
    carrier: str
    locality: str
    state: str
    name: str  # as CMS writes it, in capitals: "DC + MD/VA SUBURBS"
    label: str = ""  # for people: "DC + MD/VA Suburbs"


def locality_label(name: str, state_codes: set[str]) -> str:
    """A CMS locality name (all capitals, abbreviated) written for people.

    Words are capitalised; state and territory codes, single letters and NYC stay in capitals,
    "of" is lower case and CMS's "CNTY" is written out: "REST OF NEW YORK" -> "Rest of New York",
    "POUGHKPSIE/N NYC SUBURBS" -> "Poughkpsie/N NYC Suburbs".
    """
    def word(m: re.Match) -> str:
        w = m.group(0)
        if w in state_codes or len(w) == 1 or w == "NYC":
            return w
        return {"OF": "of", "CNTY": "County"}.get(w, w.capitalize())
    return re.sub(r"[A-Z]+", word, name.upper())


@dataclass(frozen=True)
class Mac:
    """The Medicare Administrative Contractor that pays Part B claims for a carrier's localities."""

    carrier: str
    jurisdiction: str  # "JL"
    contractor: str  # "Novitas Solutions"
    lcd_id: str  # its epidural steroid injection LCD, "" where no public source names it
    source: str

    @property
    def lcd_name(self) -> str:
        """The contractor's epidural steroid injection LCD in words, by number where known."""
        who = f"your Medicare contractor, {self.contractor} (jurisdiction {self.jurisdiction})"
        if self.lcd_id:
            return f"LCD {self.lcd_id} of {who}"
        return f"the epidural injection coverage rule (local coverage determination, LCD) of {who}"


GENERIC_LCD = N_("your Medicare contractor's epidural injection coverage rule (local coverage determination, LCD)")


@dataclass
class RefData:
    """Lookup arrays over the tables. Index orders follow YEARS, PROCEDURE_CODES, SITES, ..."""

    version: str
    frames: dict[str, pd.DataFrame]
    metadata: dict
    localities: list[Locality]
    locality_index: dict[str, int]
    zip_locality: np.ndarray  # int32[100000]: locality index for each 5-digit ZIP, -1 if none
    zip_state: np.ndarray  # '<U2'[100000]: the ZIP's state
    zip_plus4: np.ndarray  # bool[100000]: CMS splits this ZIP across localities by ZIP+4
    #: ZIP+4 ranges priced in another locality than their 5-digit ZIP (data/zip9_locality.csv), as
    #: sorted 9-digit integers (ZIP x 10000 + plus4): range starts, range ends, locality index.
    zip9_from: np.ndarray
    zip9_to: np.ndarray
    zip9_locality: np.ndarray
    zip_split_localities: dict[int, tuple[int, ...]]  # split 5-digit ZIP -> its localities (ZIP5's first)
    states: list[str]
    state_index: dict[str, int]
    state_default_locality: np.ndarray  # int[state]: locality index used when only the state is known
    state_locality_count: np.ndarray  # int[state]: how many localities the state's ZIPs fall in
    # Physician fee schedule, exact integers: RVUs in 1/100, GPCIs in 1/1000, CF in 1/10000.
    pfs_codes: tuple[str, ...] = ()
    rvu_work: np.ndarray = field(default=None)  # [year, pfs code]
    rvu_pe_nonfac: np.ndarray = field(default=None)
    rvu_pe_fac: np.ndarray = field(default=None)
    rvu_mp: np.ndarray = field(default=None)
    #: [year, pfs code] False where CMS pays nothing in a facility (facility NA indicator, e.g. 99153)
    paid_in_facility: np.ndarray = field(default=None)
    imaging_guided: np.ndarray = field(default=None)  # bool[procedure code]: imaging is part of the code
    macs: dict[str, Mac] = field(default_factory=dict)  # carrier -> its MAC
    #: source key (facility:year:site:code, anes_cf:year:locality) -> why that year's figure is an estimate
    estimates: dict[str, str] = field(default_factory=dict)
    cf: np.ndarray = field(default=None)  # [year]
    gpci_work: np.ndarray = field(default=None)  # [year, locality]
    gpci_pe: np.ndarray = field(default=None)
    gpci_mp: np.ndarray = field(default=None)
    anes_cf_cents: np.ndarray = field(default=None)  # [year, locality] dollars per unit, in cents
    anes_base_units: float = 0.0
    anes_minutes_per_unit: int = 15
    facility_rate_cents: np.ndarray = field(default=None)  # [year, site (hopd, asc), procedure code]
    facility_labor_permille: np.ndarray = field(default=None)  # [site (hopd, asc)]
    asc_wage_index: np.ndarray = field(default=None)  # [year, locality] ASC wage index in 1/10000
    #: The patient's wage-index area (data/zip_wage_area.csv, wage_index_areas.csv): area codes (CBSA,
    #: metropolitan division, or a state's 2-digit rural code), each ZIP's area index (-1: none, the
    #: locality's wage index applies) and each area's wage index by year in 1/10000.
    wage_areas: tuple[str, ...] = ()
    zip_wage_area: np.ndarray = field(default=None)  # int32[100000]
    area_wage_index: np.ndarray = field(default=None)  # [year, area]
    multiples: np.ndarray = field(default=None)  # [component, site, basis, level]; NaN = no such price
    #: multiples with NaN -> 0 and a last basis, MEDICARE_BASIS, of ones (Medicare's own amounts)
    bands: np.ndarray = field(default=None)
    #: [component, basis (BASES, then Medicare = 1), state, level]; data/regional_factors.csv (factor_low,
    #: factor, factor_high: a state's shift and its own spread), basis "*" = every basis
    regional_factor: np.ndarray = field(default=None)
    #: bands and regional_factor as contiguous (component x level, site x basis) and (component x
    #: level, basis x state) tables: one gather per row serves all nine prices (market_prices.price)
    bands_flat: np.ndarray = field(default=None)
    regional_flat: np.ndarray = field(default=None)
    parameters: dict[tuple[str, int], float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    path: str = ""  # the folder the tables were read from
    _by_year: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    def param(self, name: str, year: int) -> float:
        """A Medicare or regulatory parameter for a calendar year (data/medicare_parameters.csv)."""
        return self.parameters[(name, year)]

    def parameters_array(self, name: str, year_index: np.ndarray) -> np.ndarray:
        """The parameter for each scenario's year (year_index: positions in YEARS)."""
        by_year = self._by_year.get(name)
        if by_year is None:  # built once per name (the tables are read-only once loaded)
            by_year = self._by_year[name] = np.array([self.parameters[(name, y)] for y in YEARS])
        return by_year[year_index]


def _version(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.csv")) + [folder / "metadata.json"]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@lru_cache(maxsize=4)
def load(folder: str | None = None) -> RefData:
    """Load and index the tables (cached per folder for the life of the process)."""
    path = Path(folder) if folder else data_dir()
    names = ["codes", "pfs_rvus", "gpci", "anesthesia_cf", "anesthesia_units", "zip_locality",
             "zip9_locality", "state_default_locality", "facility_rates", "asc_rates", "asc_wage_index",
             "wage_index_areas", "zip_wage_area", "medicare_parameters", "fee_ranges", "regional_factors",
             "calibration_hospitals", "mac_jurisdictions"]
    frames = {n: pd.read_csv(path / f"{n}.csv",
                             dtype={"code": str, "zip": str, "locality": str, "carrier": str, "cbsa": str, "area": str,
                                    "plus4_from": str, "plus4_to": str},
                             keep_default_na=False, na_values=[""]) for n in names}
    metadata = json.loads((path / "metadata.json").read_text())

    gpci = frames["gpci"]
    g25 = gpci[gpci["year"] == YEARS[0]].sort_values("locality_key")
    state_codes = set(gpci["state"])
    localities = [Locality(r.locality_key, r.carrier, r.locality, r.state, r.name,
                           locality_label(r.name, state_codes)) for r in g25.itertuples(index=False)]
    loc_index = {loc.key: i for i, loc in enumerate(localities)}

    zips = frames["zip_locality"]
    zip_int = zips["zip"].astype(int).to_numpy()
    zip_loc = np.full(100000, -1, dtype=np.int32)
    zip_loc[zip_int] = zips["locality_key"].map(loc_index).to_numpy()
    zip_state = np.full(100000, "", dtype="<U2")
    zip_state[zip_int] = zips["state"].to_numpy(dtype=str)
    z9 = frames["zip9_locality"]
    z9_zip = z9["zip"].astype(np.int64).to_numpy()
    z9_from = z9_zip * 10000 + z9["plus4_from"].astype(np.int64).to_numpy()
    order = np.argsort(z9_from, kind="stable")
    z9_loc = z9["locality_key"].map(loc_index).to_numpy()
    zip_plus4 = np.zeros(100000, dtype=bool)
    zip_plus4[z9_zip] = True
    split: dict[int, tuple[int, ...]] = {}
    for z, g in z9.assign(i=z9_loc).groupby(z9_zip)["i"]:
        own = int(zip_loc[int(z)])
        split[int(z)] = (own, *sorted({int(i) for i in g} - {own}))

    sd = frames["state_default_locality"].sort_values("state")
    states = list(sd["state"])
    state_index = {s: i for i, s in enumerate(states)}
    n_locs = zips.groupby("state")["locality_key"].nunique()

    ref = RefData(
        version=_version(path), frames=frames, metadata=metadata, localities=localities,
        locality_index=loc_index, zip_locality=zip_loc, zip_state=zip_state, zip_plus4=zip_plus4,
        zip9_from=z9_from[order], zip9_to=(z9_zip * 10000 + z9["plus4_to"].astype(np.int64).to_numpy())[order],
        zip9_locality=z9_loc[order].astype(np.int32), zip_split_localities=split,
        states=states, state_index=state_index,
        state_default_locality=sd["locality_key"].map(loc_index).to_numpy(),
        state_locality_count=np.array([int(n_locs.get(s, 1)) for s in states]), path=str(path),
    )

    pfs = frames["pfs_rvus"]
    ref.pfs_codes = tuple(sorted(pfs["code"].unique()))
    def pfs_grid(col: str, scale: int) -> np.ndarray:
        grid = pfs.pivot(index="year", columns="code", values=col).loc[list(YEARS), list(ref.pfs_codes)]
        return _to_int(grid.to_numpy(), scale)
    ref.rvu_work = pfs_grid("work_rvu", 100)
    ref.rvu_pe_nonfac = pfs_grid("pe_rvu_nonfacility", 100)
    ref.rvu_pe_fac = pfs_grid("pe_rvu_facility", 100)
    ref.rvu_mp = pfs_grid("mp_rvu", 100)
    ref.cf = pfs_grid("conversion_factor", 10000)[:, 0]
    fac_na = pfs.assign(na=(pfs["facility_na"].fillna("") == "NA").astype(int))
    ref.paid_in_facility = fac_na.pivot(index="year", columns="code", values="na").loc[
        list(YEARS), list(ref.pfs_codes)].to_numpy() == 0
    guided = frames["codes"].set_index("code")["imaging_guided"]
    ref.imaging_guided = np.array([guided[c] == "yes" for c in PROCEDURE_CODES])
    ref.macs = {r.carrier: Mac(r.carrier, r.jurisdiction, r.contractor, r.lcd_id if isinstance(r.lcd_id, str) else "",
                               r.source) for r in frames["mac_jurisdictions"].itertuples(index=False)}

    def loc_grid(df: pd.DataFrame, col: str, scale: int) -> np.ndarray:
        grid = df.pivot(index="year", columns="locality_key", values=col).loc[
            list(YEARS), [loc.key for loc in localities]]
        return _to_int(grid.to_numpy(), scale)
    ref.gpci_work = loc_grid(gpci, "gpci_work", 1000)
    ref.gpci_pe = loc_grid(gpci, "gpci_pe", 1000)
    ref.gpci_mp = loc_grid(gpci, "gpci_mp", 1000)
    ref.anes_cf_cents = loc_grid(frames["anesthesia_cf"], "anesthesia_cf", 100)
    ref.asc_wage_index = loc_grid(frames["asc_wage_index"], "wage_index", 10000)
    areas = frames["wage_index_areas"].drop_duplicates(["year", "area"])
    ref.wage_areas = tuple(sorted(areas["area"].unique()))
    area_index = {a: i for i, a in enumerate(ref.wage_areas)}
    ref.area_wage_index = np.zeros((len(YEARS), len(ref.wage_areas)), dtype=np.int64)
    ref.area_wage_index[areas["year"].map(YEARS.index).to_numpy(), areas["area"].map(area_index).to_numpy()] = (
        _to_int(areas["wage_index"].to_numpy(), 10000))
    zw = frames["zip_wage_area"]
    ref.zip_wage_area = np.full(100000, -1, dtype=np.int32)
    ref.zip_wage_area[zw["zip"].astype(int).to_numpy()] = zw["area"].map(area_index).to_numpy()
    units = frames["anesthesia_units"].iloc[0]
    ref.anes_base_units = float(units["base_units"])
    ref.anes_minutes_per_unit = int(units["minutes_per_time_unit"])

    fac = frames["facility_rates"]
    ref.facility_rate_cents = np.zeros((len(YEARS), 2, len(PROCEDURE_CODES)), dtype=np.int64)
    ref.facility_labor_permille = np.zeros(2, dtype=np.int64)
    for r in fac.itertuples(index=False):
        s = SITES.index(r.site)
        ref.facility_rate_cents[YEARS.index(r.year), s, PROCEDURE_CODES.index(r.code)] = round(
            r.national_rate * 100)
        ref.facility_labor_permille[s] = round(r.labor_share * 1000)

    fr = frames["fee_ranges"]
    ref.multiples = np.full((len(COMPONENTS), len(SITES), len(BASES), len(LEVELS)), np.nan)
    for r in fr.itertuples(index=False):
        ref.multiples[COMPONENTS.index(r.component), SITES.index(r.site), BASES.index(r.basis)] = (
            r.low, r.typical, r.high)
        ref.sources[f"market:{r.component}:{r.site}:{r.basis}"] = r.source

    ref.bands = np.concatenate([np.nan_to_num(ref.multiples, nan=0.0),
                                np.ones((len(COMPONENTS), len(SITES), 1, len(LEVELS)))], axis=2)

    rf = frames["regional_factors"]
    if "basis" not in rf.columns:
        rf = rf.assign(basis="*")
    ref.regional_factor = np.ones((len(COMPONENTS), len(BASES) + 1, len(states), len(LEVELS)))
    levels = ["factor_low", "factor", "factor_high"] if "factor_low" in rf.columns else ["factor"] * 3
    # Rows for every basis first, then basis-specific ones; national ("*") before states.
    order = rf.assign(b=rf["basis"] != "*", s=rf["state"] != "*").sort_values(["s", "b"], kind="stable")
    for r in order.itertuples(index=False):
        c = COMPONENTS.index(r.component)
        b = slice(0, len(BASES)) if r.basis == "*" else BASES.index(r.basis)
        factors = [getattr(r, name) for name in levels]
        if r.state == "*":
            ref.regional_factor[c, b, :, :] = factors
        elif r.state in state_index:
            ref.regional_factor[c, b, state_index[r.state], :] = factors
            ref.sources[f"regional:{r.component}:{r.state}"] = r.source
    ref.sources["regional:*"] = rf[rf["state"] == "*"]["source"].iloc[0]
    n_levels = len(LEVELS)
    ref.bands_flat = np.ascontiguousarray(ref.bands.transpose(0, 3, 1, 2).reshape(len(COMPONENTS) * n_levels, -1))
    ref.regional_flat = np.ascontiguousarray(
        ref.regional_factor.transpose(0, 3, 1, 2).reshape(len(COMPONENTS) * n_levels, -1))

    for r in frames["medicare_parameters"].itertuples(index=False):
        ref.parameters[(r.parameter, int(r.year))] = float(r.value)
        ref.sources[f"param:{r.parameter}:{r.year}"] = r.source
    for r in pfs.itertuples(index=False):
        ref.sources[f"pfs:{r.year}"] = r.source
    for r in gpci.drop_duplicates("year").itertuples(index=False):
        ref.sources[f"gpci:{r.year}"] = r.source
    for r in frames["anesthesia_cf"].itertuples(index=False):
        ref.sources.setdefault(f"anes_cf:{r.year}", r.source)
        ref.sources[f"anes_cf:{r.year}:{r.locality_key}"] = r.source
        if isinstance(r.estimate, str) and r.estimate:
            ref.estimates[f"anes_cf:{r.year}:{r.locality_key}"] = r.estimate
    for r in frames["asc_wage_index"].itertuples(index=False):
        ref.sources[f"asc_wage:{r.year}:{r.locality_key}"] = (
            f"ASC wage index {r.wage_index} ({r.area_name}): {r.method}. Source: {r.source}")
    for r in areas.itertuples(index=False):
        kind = "the state's rural area" if r.rural == "yes" else f"CBSA {r.area}"
        ref.sources[f"wage_area:{r.year}:{r.area}"] = (
            f"ASC wage index {r.wage_index} ({r.area_name}, {kind}): the area of the patient's ZIP code, from its "
            f"county (data/zip_wage_area.csv). Source: {r.source}; ZIP to area: {zw['source'].iloc[0]}")
    ref.sources["anes_units"] = units["source"]
    for r in fac.itertuples(index=False):
        ref.sources[f"facility:{r.year}:{r.site}:{r.code}"] = f"{r.method}. Source: {r.source}"
        if isinstance(r.estimate, str) and r.estimate:
            ref.estimates[f"facility:{r.year}:{r.site}:{r.code}"] = r.estimate
    for m in ref.macs.values():
        ref.sources[f"mac:{m.carrier}"] = (
            f"Medicare contractor for carrier {m.carrier}: {m.contractor}, A/B MAC jurisdiction {m.jurisdiction}; "
            + (f"its epidural steroid injection LCD: {m.lcd_id}. " if m.lcd_id else
               "its epidural steroid injection LCD number is not in the project's data. ") + f"Source: {m.source}")
    ref.sources["zip"] = frames["state_default_locality"]["source"].iloc[0]
    return ref


def code_names(ref: RefData) -> dict[str, str]:
    """Plain-language name of each code (the project's own words, not AMA descriptors); read once per RefData."""
    names = ref.__dict__.get("_code_names")
    if names is None:
        c = ref.frames["codes"]
        names = ref.__dict__["_code_names"] = dict(zip(c["code"], c["plain_name"]))
    return names
