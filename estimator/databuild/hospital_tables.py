"""The hospital tables in data/: hospitals, their published prices, exclusions and ZIP centroids.

Sources (reference/PROVENANCE.md):

* ``hospitals/hospital_locations.csv``: every hospital CMS certifies (CCN, name, address, type,
  ownership, latitude/longitude), from CMS Care Compare.
* ``market/hospitals/hospital_prices_62320_62323.csv``: one row per published price for 62320-62323
  from the price-transparency files of about 2,300 hospitals. ``value_semantics`` says what a figure
  is; for the largest source (nathansutton/hospital-price-transparency) it is the maximum over every
  row of the hospital's file carrying the code. ``amount_flag`` marks placeholders ($0.01, $999,999).
* ``hospitals/nathansutton/dim_urls_ccn_name_address.csv``: each hospital's price-transparency page.
* ``hospitals/census_zcta/2022_Gaz_zcta_national.zip``: Census 2022 ZIP code tabulation area centroids.

Every published price row ends in exactly one place: a figure of ``hospital_prices.csv`` (which lists
the reference lines it came from), a row of ``hospital_payer_rates.csv``, or a row of
``hospital_price_exclusions.csv`` with the reason. Line numbers are those of the reference file
(the header is line 1).

Health systems (``system_id``) are derived, since most price files do not name one: two hospitals are
in one system when (a) the source names the same system, (b) they publish the same chargemaster
(equal gross charges on every code both publish, at least two codes with different amounts), or (c) they publish through
the same price-transparency page (not a domain's root or default page, which price-file vendors
serve to unrelated clients). ``chargemaster_id`` groups only by (b): one chargemaster is one
observation in the market model.
"""

from __future__ import annotations

import io
import urllib.parse
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

PRICES_FILE = "market/hospitals/hospital_prices_62320_62323.csv"
LOCATIONS_FILE = "hospitals/hospital_locations.csv"
PAGES_FILE = "hospitals/nathansutton/dim_urls_ccn_name_address.csv"
ZCTA_FILE = "hospitals/census_zcta/2022_Gaz_zcta_national.zip"

#: When one hospital, code and kind of price comes from several sources, the most specific wins:
#: a line of the hospital's file, then per-payer extracts, then the maximum over the whole file.
SOURCE_PRECEDENCE = ("lkowalcz/hospital-price-history", "atalreja777/virginia-hospital-price-transparency",
                     "nathansutton/hospital-price-transparency")
SEMANTICS_KEY = {
    "one value per code: the maximum over every row": "max_over_file",
    "per payer and plan": "per_payer_plan",
    "one line of the hospital's file": "file_line",
}
KINDS = {"gross_charge": "gross_charge", "discounted_cash": "cash_price",
         "min_negotiated": "negotiated_min", "max_negotiated": "negotiated_max"}
#: How several rows of one kind (several lines of one file) combine: as the largest source does.
COMBINE = {"gross_charge": "max", "discounted_cash": "max", "min_negotiated": "min", "max_negotiated": "max"}
COMMERCIAL_PLANS = ("commercial", "exchange")
GENERIC_PAGE = ("", "/default.aspx", "/index.html", "/index.php", "/index.aspx", "/tools.aspx")


def read_prices(reference: Path) -> pd.DataFrame:
    """The published price rows with their reference line number and a short semantics key."""
    d = pd.read_csv(reference / PRICES_FILE, dtype=str, keep_default_na=False, na_values=[""])
    d.insert(0, "reference_line", np.arange(len(d)) + 2)
    d["amount_usd"] = d["amount_usd"].astype(float)
    d["semantics"] = d["value_semantics"].map(
        lambda s: next((v for k, v in SEMANTICS_KEY.items() if str(s).startswith(k)), "other"))
    if (d["semantics"] == "other").any():
        raise ValueError("hospital prices: a value_semantics the build does not know")
    d["hospital_key"] = d["ccn"].fillna("slug:" + d["hospital_slug"])
    return d


def _page(url: object) -> str | None:
    """A transparency page as host + path (lower case, no scheme, www, fragment or trailing slash)."""
    if not isinstance(url, str) or not url.strip():
        return None
    p = urllib.parse.urlparse(url.strip().lower())
    path = p.path.rstrip("/")
    if path in GENERIC_PAGE:
        return None
    return p.netloc.removeprefix("www.") + path


class _Union:
    def __init__(self, items: list[str]):
        self.parent = {i: i for i in items}

    def find(self, a: str) -> str:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, members: list[str]) -> None:
        roots = sorted({self.find(m) for m in members})
        for r in roots[1:]:
            self.parent[r] = roots[0]


def chargemaster_groups(prices: pd.DataFrame) -> pd.Series:
    """hospital_key -> chargemaster_id: hospitals whose gross charges are equal on every code both
    publish, on at least two codes with different amounts (one repeated amount, such as $1,183 for
    every code, could be chance); the id is the group's smallest hospital key."""
    g = prices[(prices["row_kind"] == "gross_charge") & prices["amount_flag"].isna()]
    wide = g.pivot_table(index="hospital_key", columns="code", values="amount_usd", aggfunc="max")
    keys = list(wide.index)
    uf = _Union(keys)
    vals = wide.to_numpy()
    have = ~np.isnan(vals)
    for i in range(len(keys)):
        common = have[i] & have[i + 1:]
        same = np.where(common, np.isclose(vals[i], vals[i + 1:]), True).all(axis=1)
        distinct = np.array([len(np.unique(vals[i][c])) for c in common])
        for j in np.nonzero(same & (distinct >= 2))[0]:
            uf.join([keys[i], keys[i + 1 + j]])
    return pd.Series({k: uf.find(k) for k in keys}, name="chargemaster_id")


def system_groups(prices: pd.DataFrame, pages: pd.DataFrame, chargemaster: pd.Series,
                  keys: list[str]) -> pd.DataFrame:
    """hospital_key -> system_id, system_name, system_basis (how the grouping was found)."""
    uf = _Union(keys)
    basis: dict[str, set[str]] = {k: set() for k in keys}
    named = prices.dropna(subset=["system"]).drop_duplicates(["hospital_key", "system"])
    for _, g in named.groupby("system"):
        members = [k for k in g["hospital_key"] if k in uf.parent]
        uf.join(members)
        if len(members) > 1:
            for m in members:
                basis[m].add("source names the system")
    for _, g in chargemaster[chargemaster.index.isin(keys)].groupby(chargemaster):
        if len(g) > 1:
            uf.join(list(g.index))
            for m in g.index:
                basis[m].add("shared chargemaster")
    pg = pages.assign(page=pages["transparency_page"].map(_page)).dropna(subset=["page"])
    pg = pg[pg["ccn"].isin(keys)].drop_duplicates(["ccn", "page"])
    for _, g in pg.groupby("page"):
        if g["ccn"].nunique() > 1:
            uf.join(list(g["ccn"]))
            for m in g["ccn"]:
                basis[m].add("shared price-transparency page")
    root = {k: uf.find(k) for k in keys}
    members = pd.Series(root).rename("root").rename_axis("hospital_key").reset_index()
    name_of = named.assign(root=named["hospital_key"].map(root)).dropna(subset=["root"])
    name_of = name_of.sort_values(["root", "system"]).drop_duplicates("root").set_index("root")["system"]
    page_of = pg.assign(root=pg["ccn"].map(root)).sort_values(["root", "page"])
    page_of = page_of.groupby("root")["page"].agg(lambda x: x.value_counts().index[0])
    size = members.groupby("root")["hospital_key"].transform("size")
    members["system_id"] = np.where(size > 1, "sys-" + members["root"], "")
    members["system_name"] = np.where(
        size > 1, members["root"].map(name_of).fillna(members["root"].map(page_of)).fillna(""), "")
    members["system_basis"] = ["; ".join(sorted(basis[k])) for k in members["hospital_key"]]
    return members.drop(columns=["root"]).set_index("hospital_key")


def zip_centroids(reference: Path) -> pd.DataFrame:
    """Census 2022 ZCTA internal points: zip, lat, lon (degrees, 4 decimals, about 11 m)."""
    with zipfile.ZipFile(reference / ZCTA_FILE) as z:
        name = next(n for n in z.namelist() if n.endswith(".txt"))
        text = z.read(name).decode("utf-8")
    g = pd.read_csv(io.StringIO(text), sep="\t", dtype={"GEOID": str})
    g.columns = [c.strip() for c in g.columns]
    out = pd.DataFrame({"zip": g["GEOID"].str.zfill(5), "lat": g["INTPTLAT"].round(4),
                        "lon": g["INTPTLONG"].round(4)})
    return out.sort_values("zip").reset_index(drop=True)


def _join_lines(s: pd.Series) -> str:
    return ";".join(str(x) for x in sorted(s))


def build(reference: Path) -> dict[str, pd.DataFrame]:
    """hospitals, hospital_prices, hospital_payer_rates, hospital_price_exclusions, zip_centroids."""
    prices = read_prices(reference)
    locations = pd.read_csv(reference / LOCATIONS_FILE, dtype=str, keep_default_na=False, na_values=[""])
    pages = pd.read_csv(reference / PAGES_FILE, dtype=str, keep_default_na=False, na_values=[""])
    if set(prices["ccn"].dropna()) - set(locations["ccn"]):
        raise ValueError("hospital prices name a CCN that is not in hospital_locations.csv")

    # Exclusions, in order: placeholders, then rows superseded by a more specific source.
    reason = pd.Series("", index=prices.index)
    flagged = prices["amount_flag"].notna()
    reason[flagged] = "amount_flag: " + prices.loc[flagged, "amount_flag"]
    rank = prices["source_repo"].map({r: i for i, r in enumerate(SOURCE_PRECEDENCE)})
    if rank.isna().any():
        raise ValueError("hospital prices: a source the build does not rank")
    ok = reason == ""
    summary = prices["row_kind"] != "negotiated"
    best = rank[ok & summary].groupby([prices["hospital_key"], prices["code"], prices["row_kind"]]).transform("min")
    lost = best.index[rank[best.index] > best]
    reason[lost] = ["superseded: the same hospital, code and kind of price from a more specific source ("
                    + SOURCE_PRECEDENCE[int(b)] + ")" for b in best[lost]]
    exclusions = prices.loc[reason != "", ["reference_line", "hospital_key", "ccn", "hospital_slug", "code",
                                           "row_kind", "amount_usd", "source_repo"]].assign(
        reason=reason[reason != ""])
    used = prices[reason == ""]

    # Summary figures per hospital and code (several lines of one file combine as the largest source).
    s = used[used["row_kind"] != "negotiated"]
    figs = []
    for kind, col in KINDS.items():
        k = s[s["row_kind"] == kind]
        if k.empty:
            continue
        agg = k.groupby(["hospital_key", "code"]).agg(
            value=("amount_usd", COMBINE[kind]), lines=("reference_line", _join_lines), n=("amount_usd", "size"))
        figs.append(agg.rename(columns={"value": col, "lines": f"{col}_lines", "n": f"{col}_n"}))
    wide = pd.concat(figs, axis=1)

    payer = used[used["row_kind"] == "negotiated"]
    comm = payer[payer["plan_type"].isin(COMMERCIAL_PLANS)].groupby(["hospital_key", "code"])["amount_usd"]
    wide["commercial_median"] = comm.median()
    wide["commercial_n"] = comm.size()
    wide["payer_rates_n"] = payer.groupby(["hospital_key", "code"]).size()
    neg = payer.groupby(["hospital_key", "code"])["amount_usd"]
    # Per-payer rates fill the all-payer min/max where the file gave no summary line.
    wide["negotiated_min"] = wide["negotiated_min"].fillna(neg.min())
    wide["negotiated_max"] = wide["negotiated_max"].fillna(neg.max())
    wide = wide.reset_index()
    meta = (used.sort_values(["hospital_key", "code", "reference_line"])
            .assign(r=rank).sort_values(["hospital_key", "code", "r", "reference_line"])
            .drop_duplicates(["hospital_key", "code"])
            .set_index(["hospital_key", "code"])[["ccn", "hospital_slug", "hospital_name", "state", "file_date",
                                                  "semantics", "source_repo", "source_path", "source_commit"]])
    wide = wide.merge(meta, left_on=["hospital_key", "code"], right_index=True, how="left")
    line_cols = [c for c in wide.columns if c.endswith("_lines")]
    payer_lines = payer.groupby(["hospital_key", "code"])["reference_line"].agg(_join_lines)
    wide["payer_rate_lines"] = pd.MultiIndex.from_frame(wide[["hospital_key", "code"]]).map(
        lambda k: payer_lines.get(k, ""))
    wide["reference_lines"] = wide[line_cols + ["payer_rate_lines"]].fillna("").apply(
        lambda r: ";".join(x for x in r if x), axis=1)
    wide["n_lines_combined"] = wide[[c for c in wide.columns if c.endswith("_n") and c != "commercial_n"
                                     and c != "payer_rates_n"]].max(axis=1).fillna(0).astype(int)
    for c in ("commercial_n", "payer_rates_n"):
        wide[c] = wide[c].fillna(0).astype(int)
    hospital_prices = wide[[
        "hospital_key", "ccn", "hospital_slug", "hospital_name", "state", "code", "gross_charge", "cash_price",
        "negotiated_min", "commercial_median", "negotiated_max", "commercial_n", "payer_rates_n",
        "n_lines_combined", "file_date", "semantics", "source_repo", "source_path", "source_commit",
        "reference_lines"]].sort_values(["hospital_key", "code"]).reset_index(drop=True)

    payer_rates = payer[["reference_line", "hospital_key", "ccn", "code", "payer_name", "plan_name", "plan_type",
                         "setting", "amount_usd", "file_date", "source_repo"]].sort_values(
        ["hospital_key", "code", "reference_line"]).reset_index(drop=True)

    # Hospitals: every CMS hospital, with its system and whether it publishes a price here.
    keys = sorted(set(prices["hospital_key"]) | set(locations["ccn"]))
    cm = chargemaster_groups(prices)
    systems = system_groups(prices, pages, cm, keys)
    loc = locations.rename(columns={"facility_name": "name", "zip5": "zip"})
    hospitals = loc[["ccn", "name", "address", "city", "state", "zip", "county", "hospital_type",
                     "hospital_ownership", "emergency_services", "lat", "lon", "latlon_source", "zip_suspect",
                     "in_latest_care_compare"]].copy()
    hospitals["chargemaster_id"] = hospitals["ccn"].map(cm).fillna("")
    hospitals = hospitals.join(systems, on="ccn")
    published = set(hospital_prices["ccn"].dropna())
    hospitals["publishes_prices"] = np.where(hospitals["ccn"].isin(published), "Y", "N")
    hospitals = hospitals.sort_values("ccn").reset_index(drop=True)
    # Hospitals priced without a CCN confirmed against CMS keep their key for the prices table.
    hospital_prices["chargemaster_id"] = hospital_prices["hospital_key"].map(cm).fillna("")
    hospital_prices["system_id"] = hospital_prices["hospital_key"].map(systems["system_id"]).fillna("")

    exclusions = exclusions.sort_values("reference_line").reset_index(drop=True)
    return {"hospitals": hospitals, "hospital_prices": hospital_prices, "hospital_payer_rates": payer_rates,
            "hospital_price_exclusions": exclusions, "zip_centroids": zip_centroids(reference)}


CALIBRATION_CODE = "62321"


def market_evidence(tables: dict[str, pd.DataFrame], zips: pd.DataFrame, gpci: pd.DataFrame,
                    state_default: pd.DataFrame, medicare_rate_national: float, labor_share: float,
                    calibration: pd.DataFrame, zip_wage_index: pd.Series | None = None) -> pd.DataFrame:
    """One row per hospital: its 62321 facility prices and its own Medicare OPPS rate (dollars).

    The Medicare rate is the CY2025 APC rate, ``labor_share`` of it wage-adjusted with the CY2025 wage
    index of the area of the hospital's ZIP (``zip_wage_index``, estimator.databuild.wage_areas), or
    where it has none the PE GPCI of the hospital's Medicare locality (from its CMS ZIP; the state's
    default locality if CMS's ZIP file lacks the ZIP). Hospitals whose CCN is not confirmed against
    CMS have no location and are left out (they stay in hospital_prices.csv). The eight calibration
    hospitals (per-payer rates, data/calibration_hospitals.csv) add their commercial median with the
    gross charge of the same file (``commercial_gross``), used only for the commercial model; they
    carry no gross or cash figure here, so no hospital's chargemaster is counted twice.
    """
    p = tables["hospital_prices"]
    p = p[(p["code"] == CALIBRATION_CODE) & p["ccn"].notna()]
    h = tables["hospitals"].set_index("ccn")
    e = p[["ccn", "gross_charge", "cash_price", "commercial_median", "commercial_n", "semantics",
           "source_repo"]].copy()
    for col in ("name", "state", "zip", "hospital_type", "chargemaster_id", "system_id"):
        e[col] = e["ccn"].map(h[col])
    e["chargemaster_id"] = e["chargemaster_id"].where(e["chargemaster_id"] != "", e["ccn"])
    loc = e["zip"].map(zips.set_index("zip")["locality_key"])
    loc = loc.fillna(e["state"].map(state_default.set_index("state")["locality_key"]))
    e["locality_key"] = loc
    pe = loc.map(gpci.set_index("locality_key")["gpci_pe"])
    if pe.isna().any():
        raise ValueError("a priced hospital has no Medicare locality")
    wage = pe if zip_wage_index is None else e["zip"].map(zip_wage_index).fillna(pe)
    e["medicare_rate"] = (medicare_rate_national * (labor_share * wage + 1 - labor_share)).round(2)
    e["commercial_gross"] = e["gross_charge"].where(e["commercial_median"].notna())
    c = calibration.dropna(subset=["commercial_exchange_median"])
    cal = pd.DataFrame({
        "ccn": "", "name": c["hospital_name"], "state": c["state"], "zip": c["zip"],
        "hospital_type": "", "chargemaster_id": "cal:" + c["hospital_slug"], "system_id": "",
        "locality_key": c["locality_key"], "medicare_rate": c["medicare_rate"],
        "gross_charge": np.nan, "cash_price": np.nan, "commercial_median": c["commercial_exchange_median"],
        "commercial_n": c["commercial_exchange_n"], "commercial_gross": c["gross_charge"],
        "semantics": "per_payer_plan", "source_repo": "lkowalcz/hospital-price-history (8 calibration hospitals)"})
    cols = ["ccn", "name", "state", "zip", "hospital_type", "chargemaster_id", "system_id", "locality_key",
            "medicare_rate", "gross_charge", "cash_price", "commercial_median", "commercial_n", "commercial_gross",
            "semantics", "source_repo"]
    out = pd.concat([e[cols], cal[cols]], ignore_index=True)
    return out.sort_values(["ccn", "chargemaster_id"]).reset_index(drop=True)
