"""A named hospital's published prices for the facility fee (the ``hospital`` and ``payer`` fields).

Where the figures come from, in order: a clinic's own imported hospital files
(``estimator.hospital_files.load_hospital_prices``: var/ or $ESTIMATOR_DATA_DIR) when they hold the
hospital's CCN and the code; else data/hospital_prices.csv and data/hospital_payer_rates.csv (built
from hospitals' machine-readable price files under 45 CFR 180.50). All amounts in US dollars.

Which figure prices what (stage 3a applies them, estimator.pricing.market_prices):
- a self-pay patient: the published discounted cash price;
- the facility's billed charge: the published gross charge;
- a commercial plan in network: the named payer's negotiated rate (``payer``, matched ignoring
  case against the payer's or the plan's name) where published, else the hospital's range of
  negotiated rates (min / median / max as low / typical / high);
- Medicare, Medicare Advantage and Medicaid: unchanged (the program's own rate).

A hospital that publishes no gross charge or cash price for the code, but whose health system
publishes them at another of its chargemasters, is priced on its own band (data/hospital_bands.csv,
estimator.databuild.system_bands: multiples of the Medicare facility rate) rather than the state's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from estimator.common.i18n import N_
from estimator.reference import hospitals as hosp
from estimator.reference.tables import RefData, load

IMPORTED = "imported"
PUBLISHED = "published"


@dataclass(frozen=True)
class HospitalPrice:
    """One hospital's published figures for one code (dollars; NaN where not published)."""

    ccn: str
    name: str
    city: str
    state: str
    code: str
    file_date: str
    gross: float
    cash: float
    negotiated: tuple[float, float, float]  # low / typical / high, or the payer's rate three times
    payer: str  # the payer whose rate was found ('' = the hospital's range)
    origin: str  # IMPORTED or PUBLISHED
    source: str  # the file the figures come from

    @property
    def published(self) -> bool:
        """Whether the hospital publishes any price for the code."""
        return not (np.isnan(self.gross) and np.isnan(self.cash) and np.isnan(self.negotiated[1]))


def _folder(ref: RefData | None) -> str:
    """The folder of the reference tables in use (data/ unless another was loaded)."""
    return hosp._folder(ref if ref is not None else load())  # noqa: SLF001


def _imported_path() -> tuple[str, float]:
    from estimator.hospital_files.store import table_path

    p = table_path()
    return str(p), (p.stat().st_mtime if p.exists() else -1.0)


@lru_cache(maxsize=2)
def _imported_at(path: str, mtime: float) -> pd.DataFrame:
    from estimator.hospital_files import load_hospital_prices

    frame = load_hospital_prices(os.path.dirname(path))
    frame = frame[frame["setting"].fillna("").str.lower() != "inpatient"]
    return frame.assign(ccn=frame["ccn"].fillna("").astype(str).str.strip().str.upper(),
                        code=frame["code"].astype(str))


def imported() -> pd.DataFrame:
    """The clinic's imported hospital prices (read again when the table file changes)."""
    return _imported_at(*_imported_path())


def known_ccns(ref: RefData | None = None) -> frozenset[str]:
    """Every CCN we can name: data/hospitals.csv and the clinic's imported files."""
    return _known(_folder(ref), *_imported_path())


@lru_cache(maxsize=4)
def _known(folder: str, path: str, mtime: float) -> frozenset[str]:
    h = hosp._read(folder, "hospitals.csv")
    return frozenset(h["ccn"]) | frozenset(c for c in _imported_at(path, mtime)["ccn"] if c)


def hospital_zips(ref: RefData | None = None) -> dict[str, str]:
    """CCN -> the hospital's 5-digit ZIP code (data/hospitals.csv), where a named hospital sets the place."""
    return _zips(_folder(ref))


@lru_cache(maxsize=4)
def _zips(folder: str) -> dict[str, str]:
    h = hosp._read(folder, "hospitals.csv")
    return {c: z[:5] for c, z in zip(h["ccn"], h["zip"].fillna(""), strict=True) if len(z) >= 5}


def hospital_wage_areas(ccns: np.ndarray, ref: RefData) -> np.ndarray:
    """The wage-index area of each named hospital's ZIP code (positions in RefData.wage_areas; -1 for no
    hospital or no area): a named hospital's facility rate is wage-adjusted where the hospital is."""
    zips = hospital_zips(ref)
    codes, uniq = pd.factorize(np.asarray(ccns, dtype=object))
    per = np.array([int(ref.zip_wage_area[int(zips[c])]) if zips.get(c, "").isdigit() else -1 for c in uniq]
                   + [-1], dtype=np.int64)
    return per[codes]


def _match(names: pd.Series, payer: str) -> pd.Series:
    return names.fillna("").astype(str).str.strip().str.casefold() == payer.strip().casefold()


def _band(values: np.ndarray) -> tuple[float, float, float]:
    v = values[~np.isnan(values)]
    if not len(v):
        return (np.nan, np.nan, np.nan)
    return (float(v.min()), float(np.median(v)), float(v.max()))


def lookup(ccn: str, code: str, payer: str | None = None, ref: RefData | None = None) -> HospitalPrice:
    """The named hospital's published figures for ``code`` (the clinic's imported file first)."""
    return _lookup(_folder(ref), *_imported_path(), ccn.strip().upper(), code, (payer or "").strip())


@lru_cache(maxsize=256)
def _lookup(folder: str, path: str, mtime: float, ccn: str, code: str, payer: str) -> HospitalPrice:
    h = hosp._read(folder, "hospitals.csv")
    row = h[h["ccn"] == ccn]
    name, city, state = (("", "", "") if row.empty else
                         (str(row["name"].iloc[0]), str(row["city"].iloc[0]), str(row["state"].iloc[0])))
    imp = _imported_at(path, mtime)
    mine = imp[(imp["ccn"] == ccn) & (imp["code"] == code)]
    if not mine.empty:
        name = name or str(mine["hospital_name"].iloc[0])
        rates = mine["negotiated_dollar"].to_numpy(float)
        negotiated, found = _band(rates), ""
        if payer:
            hit = mine[_match(mine["payer"], payer) | _match(mine["plan"], payer)]
            r = hit["negotiated_dollar"].to_numpy(float)
            r = r[~np.isnan(r)]
            if len(r):
                negotiated, found = (float(np.median(r)),) * 3, str(hit["payer"].iloc[0])
        dates = mine["file_date"].dropna()
        gross, cash = mine["gross"].to_numpy(float), mine["cash"].to_numpy(float)
        return HospitalPrice(
            ccn, name, city, state, code, dates.max().date().isoformat() if len(dates) else "",
            float(np.nanmax(gross)) if (~np.isnan(gross)).any() else np.nan,
            float(np.nanmax(cash)) if (~np.isnan(cash)).any() else np.nan,
            negotiated, found, IMPORTED, str(mine["source_file"].iloc[0]))
    p = hosp._read(folder, "hospital_prices.csv")
    p = p[(p["ccn"] == ccn) & (p["code"] == code)]
    if p.empty:
        return HospitalPrice(ccn, name, city, state, code, "", np.nan, np.nan, (np.nan,) * 3, "", PUBLISHED, "")
    r0 = p.iloc[0]
    f = lambda k: float(r0[k]) if pd.notna(r0[k]) else np.nan  # noqa: E731
    lo, mid, hi = f("negotiated_min"), f("commercial_median"), f("negotiated_max")
    if np.isnan(mid) and not (np.isnan(lo) or np.isnan(hi)):
        mid = (lo + hi) / 2
    negotiated, found = (lo, mid, hi), ""
    if payer:
        rates = hosp._read(folder, "hospital_payer_rates.csv")
        rates = rates[(rates["ccn"] == ccn) & (rates["code"] == code) & (rates["plan_type"] == "commercial")]
        hit = rates[_match(rates["payer_name"], payer) | _match(rates["plan_name"], payer)]
        if not hit.empty:
            negotiated, found = (float(hit["amount_usd"].median()),) * 3, str(hit["payer_name"].iloc[0])
    source = f"{r0['source_repo']}/{r0['source_path']}" if pd.notna(r0["source_repo"]) else "hospital_prices.csv"
    return HospitalPrice(ccn, name or str(r0["hospital_name"]), city, state, code, str(r0["file_date"] or ""),
                         f("gross_charge"), f("cash_price"), negotiated, found, PUBLISHED, source)


def encode(ccns: np.ndarray, codes: np.ndarray, payers: np.ndarray,
           ref: RefData | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row figures for the engine: (cash (n,), gross (n,), negotiated (3, n)), NaN where a row
    names no hospital or the hospital publishes no such figure. ``ccns``/``payers`` hold '' for none;
    ``codes`` the code billed. Looked up once per distinct (hospital, code, payer)."""
    n = len(ccns)
    cash, gross, neg = np.full(n, np.nan), np.full(n, np.nan), np.full((3, n), np.nan)
    named = np.flatnonzero(ccns != "")
    if not len(named):
        return cash, gross, neg
    keys = pd.DataFrame({"c": ccns[named], "k": codes[named], "p": payers[named]})
    group, uniq = pd.factorize(pd.MultiIndex.from_frame(keys))
    for g, (ccn, code, payer) in enumerate(uniq):
        rows = named[group == g]
        hp = lookup(ccn, code, payer, ref)
        cash[rows], gross[rows] = hp.cash, hp.gross
        neg[:, rows] = np.asarray(hp.negotiated)[:, None]
    return cash, gross, neg


#: The bases of data/hospital_bands.csv, in the order of ``encode_bands``' first axis.
BAND_BASES = ("billed", "cash")


@dataclass(frozen=True)
class SystemBand:
    """A hospital's band from its health system's published prices: multiples of Medicare."""

    multiples: tuple[float, float, float]  # low / typical / high
    chargemasters: int  # the system's other chargemasters behind it
    source: str


def system_band(ccn: str, basis: str, ref: RefData | None = None) -> SystemBand | None:
    """The hospital's system-aware band for ``basis`` (billed or cash), or None (the state band applies)."""
    return _system_bands(_folder(ref)).get((ccn.strip().upper(), basis))


@lru_cache(maxsize=4)
def _system_bands(folder: str) -> dict[tuple[str, str], SystemBand]:
    b = hosp._read(folder, "hospital_bands.csv")
    return {(c, basis): SystemBand((lo, typ, hi), int(n), src) for c, basis, lo, typ, hi, n, src in zip(
        b["ccn"], b["basis"], b["low"], b["typical"], b["high"], b["chargemasters"], b["source"], strict=True)}


def encode_bands(ccns: np.ndarray, ref: RefData | None = None) -> np.ndarray | None:
    """(bases, levels, n) system-aware multiples per row (BAND_BASES; NaN where none), or None when no
    row names a hospital that has one. ``ccns`` holds '' for none."""
    bands = _system_bands(_folder(ref))
    codes, uniq = pd.factorize(np.asarray(ccns, dtype=object))
    per = np.full((len(BAND_BASES), 3, len(uniq) + 1), np.nan)  # the last column: no hospital
    for u, ccn in enumerate(uniq):
        for k, basis in enumerate(BAND_BASES):
            band = bands.get((ccn, basis)) if ccn else None
            if band is not None:
                per[k, :, u] = band.multiples
    if np.isnan(per).all():
        return None
    return per[:, :, codes]


def figure(hp: HospitalPrice, coverage: str, network: str) -> tuple[str, float | None]:
    """(what the facility fee is priced at, in words; the figure in dollars or None) for a coverage."""
    if coverage == "self_pay":
        return N_("published cash price"), None if np.isnan(hp.cash) else hp.cash
    if coverage == "commercial" and network != "out":
        if hp.payer:
            return f"{hp.payer}'s published negotiated rate", hp.negotiated[1]  # explain.py words it per language
        return (N_("published range of negotiated rates (lowest, median, highest)"),
                None if np.isnan(hp.negotiated[1]) else hp.negotiated[1])
    if coverage in ("medicare", "medicare_advantage", "medicaid"):
        return N_("the program's own rate (the hospital's prices do not set it)"), None
    return N_("published gross charge (out of network)"), None if np.isnan(hp.gross) else hp.gross


__all__ = ["HospitalPrice", "encode", "figure", "imported", "known_ccns", "lookup"]
