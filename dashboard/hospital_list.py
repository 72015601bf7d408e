"""'Hospitals near you': the hospitals around the patient's ZIP code with their published prices.

Display only: the list and the figures come from estimator.planning.nearby. Choosing a hospital sets the
``hospital`` input (kept in the page address like every other input), which prices the hospital
site at that hospital's published prices.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from estimator.common.errors import InputError
from estimator.common.i18n import N_, _
from estimator.common.money import between, usd
from estimator.planning import nearby
from estimator.reference.tables import RefData
from estimator.scenario import Scenario

from . import inputs, state
from .safe_text import md

TYPE_WORDS = {"Acute Care Hospitals": N_("General hospital"), "Critical Access Hospitals": N_("Small rural hospital"),
              "Rural Emergency Hospital": N_("Rural emergency hospital"),
              "HHS subtype: Short Term": N_("General hospital")}
ANY = ""


def _money(x: float) -> str:
    return _("not published") if x is None or (isinstance(x, float) and math.isnan(x)) else usd(x, cents=False)


def table_for_people(near: pd.DataFrame) -> pd.DataFrame:
    """The list in words and dollars, as shown on the page (column names in the current language)."""
    return pd.DataFrame({
        _("Hospital"): near["name"],
        _("City"): near["city"] + ", " + near["state"],
        _("Type"): [_(TYPE_WORDS.get(t, N_("Hospital"))) for t in near["hospital_type"]],
        _("Miles"): near["distance_miles"],
        _("Cash price"): [_money(x) for x in near["cash_price"]],
        _("Gross charge"): [_money(x) for x in near["gross_charge"]],
        _("Price file date"): [d or "-" for d in near["file_date"]],
        _("You would likely pay"): [usd(x, cents=False) for x in near["patient_pays_typical"]],
    })


def _card(r: object, choose: bool, key: str) -> None:
    """One hospital as a card: name, city and distance, what the patient would pay there, its cash price."""
    with st.container(border=True, key=f"{key}_card_{r.ccn}"):
        st.markdown(f"**{md(r.name)}**")
        st.caption(md(_("{city}, {state} · {miles} miles").format(city=r.city, state=r.state,
                                                                  miles=f"{r.distance_miles:.1f}")))
        st.markdown(_("You would likely pay {amount} there ({range}).").format(
            amount=f"**{md(usd(r.patient_pays_typical, cents=False))}**",
            range=md(between(r.patient_pays_low, r.patient_pays_high))))
        st.caption(md(_("Cash price: {cash}. Gross charge: {gross}.").format(cash=_money(r.cash_price),
                                                                            gross=_money(r.gross_charge))))
        if choose:
            st.button(_("Price my visit here"), key=f"{key}_pick_{r.ccn}", on_click=_pick, args=(r.ccn,))


def _pick(ccn: str) -> None:
    st.session_state["w_hospital"] = ccn
    _choose()


def _choose() -> None:
    chosen = st.session_state["w_hospital"]
    st.session_state[state.BY_NAME["hospital"].key] = chosen
    site_key = state.BY_NAME["site"].key
    if chosen and st.session_state.get(site_key) in ("asc", "office"):
        st.session_state[site_key] = "hopd"  # a hospital was chosen: price the visit there


def render(sc: Scenario | None, ref: RefData, choose: bool = True, key: str = "hospitals") -> None:
    """The 'Hospitals near you' section for the scenario's ZIP code (a prompt without one).

    With ``choose`` the patient can pick one of them to price the hospital visit at.
    """
    st.subheader(_("Hospitals near you"))
    if sc is None or not sc.zip:
        st.caption(_("Enter your ZIP code to see the hospitals near you and the prices they publish."))
        return
    chosen = str(st.session_state.get(state.BY_NAME["hospital"].key) or "")
    within = inputs.widget("within")
    miles = None if within == "any" else float(within)
    try:
        near, local, nearest = nearby.nearby(sc, ref, include=chosen or None, within_miles=miles)
    except InputError as e:
        st.caption(md(_("Hospitals near you: {problem}.").format(problem=e.errors[0].message)))
        return
    if near.empty:
        st.info(_("No hospital is within {miles} miles of ZIP code {zip}: the nearest is {nearest} miles away. "
                  "Choose a longer distance to see it.").format(miles=within, zip=sc.zip[:5],
                                                                nearest=f"{nearest:.0f}")
                if miles is not None and nearest == nearest else _("No hospitals found near this ZIP code."),
                icon=":material/location_on:")
        return
    st.caption(md(_("Prices for an outpatient visit billed as code {code}, as each hospital published them in its "
                    "price file. The cash price is what the hospital charges a patient paying without insurance; "
                    "the gross charge is its list price, before any discount. \"You would likely pay\" adds the "
                    "doctor's and any anesthesia bills, with your coverage.").format(code=sc.billed_code)))
    with st.container(key=f"{key}_hosp_wide"):  # wider screens: the table (app.css shows one or the other)
        st.dataframe(table_for_people(near), hide_index=True, width="stretch", key=f"{key}_table",
                     column_config={_("Miles"): st.column_config.NumberColumn(_("Miles"), format="%.1f")})
    with st.container(key=f"{key}_hosp_cards"):  # phones: one card per hospital, nothing off-screen
        for r in near.itertuples():
            _card(r, choose, key)
    missing = int((~near["published"]).sum())
    if missing:
        lo, hi = local["cash"]
        glo, ghi = local["gross"]
        st.caption(_("{missing} of these hospitals publish no price for this code: the local range of cash prices "
                     "is {cash_low}-{cash_high} and of gross charges {gross_low}-{gross_high}.").format(
            missing=missing, cash_low=usd(lo, cents=False), cash_high=usd(hi, cents=False),
            gross_low=usd(glo, cents=False), gross_high=usd(ghi, cents=False)))
    if not choose:
        return
    options = {ANY: _("Any hospital near me (the local range of prices)")}
    options.update({r.ccn: f"{r.name}, {r.city} ({r.distance_miles:.1f} mi)" for r in near.itertuples()})
    st.session_state["w_hospital"] = chosen if chosen in options else ANY
    st.selectbox(_("Price the hospital visit at"), list(options), format_func=options.get, key="w_hospital",
                 on_change=_choose,
                 help=_("Choose a hospital to price its facility fee at the prices it publishes; the doctor's "
                        "and anesthesia bills are estimated as before."))
    row = near[near["ccn"] == chosen]
    if len(row):
        r = row.iloc[0]
        words = (_("At {hospital} you would likely pay about {amount} ({range}), with its published prices.")
                 if r["published"] else
                 _("At {hospital} you would likely pay about {amount} ({range}), with the local range of prices: it "
                   "publishes none for this code."))
        st.markdown(md(words.format(hospital=r["name"], amount=usd(r["patient_pays_typical"], cents=False),
                                    range=between(r["patient_pays_low"], r["patient_pays_high"]))))


__all__ = ["render", "table_for_people"]
