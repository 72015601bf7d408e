"""'Hospitals near you': the hospitals around the patient's ZIP code with their published prices.

Display only: the list and the figures come from estimator.nearby. Choosing a hospital sets the
``hospital`` input (kept in the page address like every other input), which prices the hospital
site at that hospital's published prices.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from estimator import nearby
from estimator.errors import InputError
from estimator.money import between, usd
from estimator.scenario import Scenario
from estimator.tables import RefData

from . import state
from .safe_text import md

TYPE_WORDS = {"Acute Care Hospitals": "General hospital", "Critical Access Hospitals": "Small rural hospital",
              "Rural Emergency Hospital": "Rural emergency hospital", "HHS subtype: Short Term": "General hospital"}
ANY = ""


def _money(x: float) -> str:
    return "not published" if x is None or (isinstance(x, float) and math.isnan(x)) else usd(x, cents=False)


def table_for_people(near: pd.DataFrame) -> pd.DataFrame:
    """The list in words and dollars, as shown on the page."""
    return pd.DataFrame({
        "Hospital": near["name"],
        "City": near["city"] + ", " + near["state"],
        "Type": [TYPE_WORDS.get(t, "Hospital") for t in near["hospital_type"]],
        "Miles": near["distance_miles"],
        "Cash price": [_money(x) for x in near["cash_price"]],
        "Gross charge": [_money(x) for x in near["gross_charge"]],
        "Price file date": [d or "-" for d in near["file_date"]],
        "You would likely pay": [usd(x, cents=False) for x in near["patient_pays_typical"]],
    })


def _choose(options: dict[str, str]) -> None:
    chosen = st.session_state["w_hospital"]
    st.session_state[state.BY_NAME["hospital"].key] = chosen
    site_key = state.BY_NAME["site"].key
    if chosen and st.session_state.get(site_key) in ("asc", "office"):
        st.session_state[site_key] = "hopd"  # a hospital was chosen: price the visit there


def render(sc: Scenario | None, ref: RefData, choose: bool = True, key: str = "hospitals") -> None:
    """The 'Hospitals near you' section for the scenario's ZIP code (a prompt without one).

    With ``choose`` the patient can pick one of them to price the hospital visit at.
    """
    st.subheader("Hospitals near you")
    if sc is None or not sc.zip:
        st.caption("Enter your ZIP code to see the hospitals near you and the prices they publish.")
        return
    chosen = str(st.session_state.get(state.BY_NAME["hospital"].key) or "")
    try:
        near = nearby.hospitals_near(sc, ref, include=chosen or None)
        local = nearby.local_hospital_range(sc, ref)
    except InputError as e:
        st.caption(md(f"Hospitals near you: {e.errors[0].message}."))
        return
    if near.empty:
        st.caption("No hospitals found near this ZIP code.")
        return
    st.caption(md(f"Prices for an outpatient visit billed as code {sc.billed_code}, as each hospital published "
                  f"them in its price file. The cash price is what the hospital charges a patient paying "
                  f"without insurance; the gross charge is its list price, before any discount. \"You would "
                  f"likely pay\" adds the doctor's and any anesthesia bills, with your coverage."))
    st.dataframe(table_for_people(near), hide_index=True, width="stretch", key=f"{key}_table",
                 column_config={"Miles": st.column_config.NumberColumn("Miles", format="%.1f")})
    missing = int((~near["published"]).sum())
    if missing:
        lo, hi = local["cash"]
        glo, ghi = local["gross"]
        st.caption(f"{missing} of these hospitals publish no price for this code: the local range of cash "
                   f"prices is {usd(lo, cents=False)}-{usd(hi, cents=False)} and of gross charges "
                   f"{usd(glo, cents=False)}-{usd(ghi, cents=False)}.")
    if not choose:
        return
    options = {ANY: "Any hospital near me (the local range of prices)"}
    options.update({r.ccn: f"{r.name}, {r.city} ({r.distance_miles:.1f} mi)" for r in near.itertuples()})
    st.session_state["w_hospital"] = chosen if chosen in options else ANY
    st.selectbox("Price the hospital visit at", list(options), format_func=options.get, key="w_hospital",
                 on_change=_choose, args=(options,),
                 help="Choose a hospital to price its facility fee at the prices it publishes; the doctor's "
                      "and anesthesia bills are estimated as before.")
    row = near[near["ccn"] == chosen]
    if len(row):
        r = row.iloc[0]
        how = ("with its published prices" if r["published"]
               else "with the local range of prices: it publishes none for this code")
        st.markdown(md(f"At {r['name']} you would likely pay about {usd(r['patient_pays_typical'], cents=False)} "
                       f"({between(r['patient_pays_low'], r['patient_pays_high'])}), {how}."))


__all__ = ["render", "table_for_people"]
