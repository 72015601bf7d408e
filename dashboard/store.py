"""The quote log and the clinic's price list, shared by the front-desk pages (one per process)."""

from __future__ import annotations

import streamlit as st

from estimator.frontdesk.clinic_prices import PriceList
from estimator.gfe import ClinicProfile
from estimator.inputs.fields import FIELDS, read
from estimator.inputs.readers import read_json_file
from estimator.records.storage import QuoteLog, StorageError, database_url
from estimator.scenario import ScenarioError

from .safe_text import md


def _unavailable(e: StorageError) -> None:
    """Stop the page with the storage problem in words (no SQL, no patient data, no traceback)."""
    st.error(md(f"The quote log cannot be used: {e}"), icon=":material/database:")
    st.stop()


def quote_log() -> QuoteLog:
    """The quote log at the configured database (one connection pool per database, per process);
    the page stops with the reason when the database cannot be opened."""
    try:
        return _open(database_url())
    except StorageError as e:
        _unavailable(e)


@st.cache_resource
def _open(url: str) -> QuoteLog:
    return QuoteLog(url)


def price_list() -> PriceList | None:
    """The clinic's latest saved price list, or None."""
    try:
        latest = quote_log().latest_price_set()
    except StorageError as e:
        _unavailable(e)
    if not latest:
        return None
    set_id, created, text = latest
    return _parse(set_id, created.strftime("%Y-%m-%d"), text)


@st.cache_data(max_entries=4)
def _parse(set_id: int, day: str, text: str) -> PriceList | None:
    try:
        return PriceList.from_csv(text, label=f"Clinic price list #{set_id} (saved {day})")
    except ScenarioError:
        return None


@st.cache_data(max_entries=4)
def clinic_defaults(profile_path: str) -> dict[str, str]:
    """The ``defaults`` of the clinic profile (e.g. its ZIP code and site of care), or {} if the
    profile is missing or invalid (the Good Faith Estimate step reports that problem)."""
    try:
        return {k: str(v) for k, v in ClinicProfile.load(profile_path).defaults.items() if v is not None}
    except (OSError, ValueError):
        pass
    try:  # an invalid profile still starts the form from the defaults that can be read
        raw = read_json_file(profile_path, "clinic_profile").get("defaults")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: str(v) for k, v in raw.items()
            if k in FIELDS and isinstance(v, (str, int, float)) and read(FIELDS[k], v)[1] is None}
