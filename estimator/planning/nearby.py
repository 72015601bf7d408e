"""Hospitals near a patient: each one's published prices and what the patient would likely pay there.

The list behind "Hospitals near you". Hospitals come from data/hospitals.csv (CMS Care Compare, with
latitude/longitude), distances from the Census centroid of the patient's ZIP code (miles, great circle),
published figures from the hospital's price file (``named_hospital.lookup``: the clinic's imported file
first, else data/hospital_prices.csv), and the patient's share from the engine with the hospital named
(``hospital`` field, site hopd): the same figures a quote with ``--hospital CCN`` gives. All amounts in
US dollars.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import pandas as pd

from estimator.batch import quote_frame
from estimator.reference import hospitals as hosp
from estimator.reference import named_hospital
from estimator.reference.hospitals import display_name
from estimator.reference.tables import RefData, load
from estimator.scenario import Scenario

KM_PER_MILE = 1.609344  # international mile

#: Care Compare hospital types that offer outpatient procedures to the public. Left out: psychiatric,
#: long-term care and children's hospitals, and federal hospitals (VA, Defense) that serve only their
#: own beneficiaries and publish no prices.
OUTPATIENT_TYPES = ("Acute Care Hospitals", "Critical Access Hospitals", "Rural Emergency Hospital",
                    "HHS subtype: Short Term")

#: The distances a patient may choose to see hospitals within (miles).
DISTANCES = (10, 25, 50, 100)
#: ZIP codes whose nearest hospitals are kept (a list depends only on the ZIP and the data).
_CACHE_SIZE = 512
_NEAREST: OrderedDict[tuple[str, str, int], pd.DataFrame] = OrderedDict()
_NEAREST_LOCK = threading.Lock()  # Streamlit serves each session on its own thread


class Nearby(NamedTuple):
    """The hospitals near a patient and the local range for those that publish no price."""

    hospitals: pd.DataFrame  # as hospitals_near returns it
    local: dict[str, tuple[float, float]]  # as local_hospital_range returns it
    nearest_miles: float = float("nan")  # how far the nearest outpatient hospital is, whatever the distance asked


def nearest(zip_code: str, ref: RefData, n: int = 10) -> pd.DataFrame:
    """The ``n`` outpatient hospitals nearest a ZIP code's centroid, closest first, with ``distance_km``;
    computed once per ZIP code and data version (the last few hundred ZIP codes are kept). Each caller
    gets its own copy, so what one session does to its list never reaches another's."""
    key = (ref.version, str(zip_code).strip()[:5], n)
    with _NEAREST_LOCK:
        if key in _NEAREST:
            _NEAREST.move_to_end(key)
            return _NEAREST[key].copy()
    h = hosp.hospitals(ref)
    pool = _with_distance(h[(h["in_latest_care_compare"] == "Y") & h["hospital_type"].isin(OUTPATIENT_TYPES)],
                          zip_code, ref)
    found = pool.sort_values(["distance_km", "ccn"], kind="stable").head(n).reset_index(drop=True)
    with _NEAREST_LOCK:
        _NEAREST[key] = found
        if len(_NEAREST) > _CACHE_SIZE:
            _NEAREST.popitem(last=False)
    return found.copy()


def _with_distance(hospitals: pd.DataFrame, zip_code: str | None, ref: RefData) -> pd.DataFrame:
    """``hospitals`` with ``distance_km`` from the ZIP code's centroid."""
    lat, lon = hosp.zip_centroid(str(zip_code or ""), ref)
    return hospitals.assign(distance_km=hosp.distance_km(lat, lon, hospitals["lat"].to_numpy(float),
                                                         hospitals["lon"].to_numpy(float)))


def nearby(sc: Scenario, ref: RefData | None = None, n: int = 10, include: str | None = None,
           within_miles: float | None = None) -> Nearby:
    """``hospitals_near`` and ``local_hospital_range`` from one pass through the engine; with
    ``within_miles``, only the hospitals that close (``nearest_miles`` says how far the nearest is)."""
    ref = ref or load()
    near = nearest(str(sc.zip or ""), ref, n)
    nearest_miles = float(near["distance_km"].iloc[0] / KM_PER_MILE) if len(near) else float("nan")
    if within_miles is not None:
        near = near[np.round(near["distance_km"] / KM_PER_MILE, 1) <= within_miles]  # as the miles are shown
    if include and include not in set(near["ccn"]):
        h = hosp.hospitals(ref)
        near = pd.concat([near, _with_distance(h[h["ccn"] == include], sc.zip, ref)])
    near = near.reset_index(drop=True)
    code = sc.billed_code
    found = [named_hospital.lookup(c, code, sc.payer, ref) for c in near["ccn"]]
    rows = [sc.changed(site="hopd", hospital=c).to_dict() for c in near["ccn"]] + [_local_row(sc)]
    priced = quote_frame(pd.DataFrame(rows), ref, keep_inputs=False)
    out = pd.DataFrame({
        "ccn": near["ccn"].to_numpy(str),
        "name": [display_name(hp.name or nm) for hp, nm in zip(found, near["name"], strict=True)],
        "city": [display_name(c) for c in near["city"].fillna("")],
        "state": near["state"].to_numpy(str),
        "hospital_type": near["hospital_type"].to_numpy(str),
        "distance_miles": np.round(near["distance_km"].to_numpy(float) / KM_PER_MILE, 1),
        "cash_price": [hp.cash for hp in found],
        "gross_charge": [hp.gross for hp in found],
        "file_date": [hp.file_date for hp in found],
        "published": [hp.published for hp in found],
        "origin": [hp.origin for hp in found],
    })
    for col in ("patient_pays_low", "patient_pays_typical", "patient_pays_high", "facility_allowed_typical"):
        out[col] = priced[col].to_numpy(float)[:-1]
    return Nearby(out, _local_band(priced.iloc[-1]), round(nearest_miles, 1))


def hospitals_near(sc: Scenario, ref: RefData | None = None, n: int = 10,
                   include: str | None = None, within_miles: float | None = None) -> pd.DataFrame:
    """The ``n`` outpatient hospitals nearest the scenario's ZIP code, closest first.

    One row per hospital: ccn, name (display case), city, state, hospital_type, distance_miles;
    its published figures for the scenario's code (``cash_price``, ``gross_charge``; NaN where not
    published), ``file_date``, ``published`` (any figure at all) and ``origin`` (published or imported);
    and what the patient would pay there (``patient_pays_low/typical/high``, ``facility_allowed_typical``)
    priced like a quote at a hospital outpatient department with the hospital named. ``include`` (a CCN)
    adds that hospital when it is not among the nearest (a hospital chosen earlier stays listed);
    ``within_miles`` keeps only the hospitals that close (none may be).

    Raises InputError naming ``zip`` when the scenario has no ZIP code with a Census centroid.
    """
    return nearby(sc, ref, n, include, within_miles).hospitals


def _local_row(sc: Scenario) -> dict:
    return sc.changed(site="hopd", coverage="self_pay", hospital=None).to_dict()


def _local_band(r: pd.Series) -> dict[str, tuple[float, float]]:
    return {"cash": (float(r["facility_allowed_low"]), float(r["facility_allowed_high"])),
            "gross": (float(r["facility_billed_low"]), float(r["facility_billed_high"]))}


def local_hospital_range(sc: Scenario, ref: RefData | None = None) -> dict[str, tuple[float, float]]:
    """The local 10th-90th percentile range of hospital facility fees at the scenario's place, for the
    code billed: ``cash`` (discounted cash prices) and ``gross`` (gross charges), in dollars. What a
    hospital that publishes no price is likely to charge (the market model's band, not any one hospital)."""
    return _local_band(quote_frame(pd.DataFrame([_local_row(sc)]), ref or load(), keep_inputs=False).iloc[0])


__all__ = ["DISTANCES", "KM_PER_MILE", "OUTPATIENT_TYPES", "Nearby", "display_name", "hospitals_near",
           "local_hospital_range", "nearby", "nearest"]
