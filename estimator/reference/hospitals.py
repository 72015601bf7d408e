"""Hospitals and their published prices (data/hospitals.csv, hospital_prices.csv), and distances.

Loaders for the next layer (the named hospital, hospitals near a patient). Distances are great-circle
distances in kilometres between the hospital's latitude/longitude (CMS Care Compare, geocoded) and the
Census 2022 centroid of the patient's ZIP code tabulation area (data/zip_centroids.csv).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.common.errors import FieldError, InputError
from estimator.reference.tables import RefData, data_dir

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


#: Words kept in lower case when CMS's upper-case names are shown in title case.
_SMALL_WORDS = frozenset({"of", "and", "the", "at", "for", "in", "on"})
_UPPER_WORDS = frozenset({"UAB", "UCSF", "UCLA", "UC", "VA", "LLC", "NYU", "SSM", "OSF", "HCA", "UPMC", "UNC",
                          "ECU", "MUSC", "UT", "UW", "MD", "II", "III"})


def display_name(name: str) -> str:
    """A hospital name as people write it: 'SOUTHEAST HEALTH MEDICAL CENTER OF DOTHAN' -> 'Southeast Health
    Medical Center of Dothan' (names already in mixed case are kept)."""
    text = str(name or "").strip()
    if not text or text != text.upper():
        return text
    words = []
    for i, w in enumerate(text.split()):
        if w in _UPPER_WORDS:
            words.append(w)
        elif i and w.lower() in _SMALL_WORDS:
            words.append(w.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")))
    return " ".join(words)


def _folder(ref: RefData | None) -> str:
    return str(getattr(ref, "path", "") or data_dir()) if ref is not None else str(data_dir())


@lru_cache(maxsize=4)
def _read(folder: str, name: str) -> pd.DataFrame:
    dtype = {"ccn": str, "zip": str, "code": str, "chargemaster_id": str, "system_id": str, "hospital_key": str}
    return pd.read_csv(Path(folder) / name, dtype=dtype, keep_default_na=False, na_values=[""])


def hospitals(ref: RefData | None = None) -> pd.DataFrame:
    """Every CMS-certified hospital: ccn, name, city, state, zip, hospital_type, lat/lon, system_id, ..."""
    return _read(_folder(ref), "hospitals.csv")


def hospital_prices(ref: RefData | None = None, ccn: str | None = None, code: str | None = None) -> pd.DataFrame:
    """Published prices per hospital and code (dollars): gross_charge, cash_price, negotiated_min,
    commercial_median, negotiated_max, file_date, semantics, source; optionally one hospital / code."""
    p = _read(_folder(ref), "hospital_prices.csv")
    if ccn is not None:
        p = p[p["ccn"] == ccn]
    if code is not None:
        p = p[p["code"] == code]
    return p


def payer_rates(ref: RefData | None = None, ccn: str | None = None) -> pd.DataFrame:
    """Published negotiated rates by payer and plan (dollars)."""
    p = _read(_folder(ref), "hospital_payer_rates.csv")
    return p if ccn is None else p[p["ccn"] == ccn]


def zip_centroid(zip_code: str, ref: RefData | None = None) -> tuple[float, float]:
    """(lat, lon) in degrees of a 5-digit ZIP's Census centroid; InputError naming ``zip`` if unknown."""
    z = str(zip_code).strip()[:5]
    c = _read(_folder(ref), "zip_centroids.csv")
    hit = c[c["zip"] == z]
    if len(z) != 5 or not z.isdigit() or hit.empty:
        raise InputError([FieldError("zip", f"no Census ZIP area {z!r} to measure distances from")])
    return float(hit["lat"].iloc[0]), float(hit["lon"].iloc[0])


def distance_km(lat1: float | np.ndarray, lon1: float | np.ndarray,
                lat2: float | np.ndarray, lon2: float | np.ndarray) -> np.ndarray:
    """Great-circle (haversine) distance in kilometres between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def nearest_hospitals(zip_code: str, ref: RefData | None = None, n: int = 10, max_km: float | None = None,
                      open_only: bool = True) -> pd.DataFrame:
    """The ``n`` hospitals nearest to a ZIP's centroid (closest first), with ``distance_km``.

    ``open_only`` keeps hospitals in the newest Care Compare release (others have closed or merged).
    """
    lat, lon = zip_centroid(zip_code, ref)
    h = hospitals(ref)
    if open_only:
        h = h[h["in_latest_care_compare"] == "Y"]
    h = h.assign(distance_km=distance_km(lat, lon, h["lat"].to_numpy(float), h["lon"].to_numpy(float)))
    if max_km is not None:
        h = h[h["distance_km"] <= max_km]
    return h.sort_values(["distance_km", "ccn"], kind="stable").head(n).reset_index(drop=True)
