"""Prices near you: the chosen visit across the country, where the patient lives, and what moves the price."""

import streamlit as st

from dashboard import charts, hospital_list, inputs, state, views
from dashboard.safe_text import md
from estimator.common.i18n import _
from estimator.common.money import usd
from estimator.planning import compare
from estimator.reference.geography import resolve
from estimator.reference.tables import load

ref = load()
state.init()

st.title(_("Prices near you"))
st.markdown(_("How the same visit is priced where you live and across the country, the hospitals near you, "
              "and which of your choices changes the price the most."))
views.url_problems()
inputs.place_inputs(ref.states)
with st.expander(_("The visit being compared"), expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        inputs.visit_inputs(compare_option=False)
    with c2:
        inputs.insurance_inputs()
state.sync_url()

sc, errors = state.scenario()
place = None
if errors and all(state.needs_place(e) for e in errors):
    st.info(_("Enter your ZIP code (or choose your state) to see your area highlighted and the hospitals near "
              "you. Until then the map and the table show the whole country."), icon=":material/location_on:")
    # The map and the locality table price every place in turn: any starting place gives the same result.
    sc, errors = state.scenario(overrides={"zip": "", "state": ref.states[0]})
elif not errors:
    place = resolve(ref, zip=sc.zip, locality=sc.locality, state=sc.state)
if not views.problems(errors):
    choice = inputs.widget("show", radio=True, horizontal=True)
    measure = {"total": "total_cost_typical", "you_pay": "patient_pays_typical"}[choice]
    what = _("total cost of care") if choice == "total" else _("amount you would pay")
    by_state = compare.by_state(sc, ref)
    views.plot(charts.state_map(by_state, measure, what, highlight=place.state if place else None), "chart_map")

    st.header(_("By Medicare locality"))
    st.caption(_("Medicare divides the country into 109 payment areas (localities); prices follow local costs."))
    loc = compare.by_locality(sc, ref)
    loc["yours"] = loc["locality_key"] == (place.locality.key if place else None)
    if place is not None:
        mine = loc[loc["yours"]].iloc[0]
        rank = int((loc[measure] < mine[measure]).sum()) + 1
        st.markdown(md(_("Your area: {area}. Typical {what} {amount}, the {ordinal} lowest of {count} areas.").format(
            area=mine["name"], what=what, amount=usd(mine[measure], cents=False), ordinal=views.ordinal(rank),
            count=len(loc))))
    show = loc.sort_values(["yours", "locality_state", "name"], ascending=[False, True, True])[
        ["yours", "locality_state", "name", "locality_key", "total_allowed_low", "total_allowed_typical",
         "total_allowed_high", "patient_pays_typical"]]
    show["yours"] = show["yours"].map({True: _("Yes"), False: ""})
    st.dataframe(show, hide_index=True, width="stretch", column_config={
        "yours": st.column_config.TextColumn(_("Your area"), width="small"),
        "locality_state": _("State"), "name": _("Area"), "locality_key": _("Code"),
        "total_allowed_low": st.column_config.NumberColumn(_("Price, low"), format="dollar"),
        "total_allowed_typical": st.column_config.NumberColumn(_("Price, typical"), format="dollar"),
        "total_allowed_high": st.column_config.NumberColumn(_("Price, high"), format="dollar"),
        "patient_pays_typical": st.column_config.NumberColumn(_("You pay, typical"), format="dollar")})

    if place is not None:
        hospital_list.render(sc, ref, choose=False, key="prices_hospitals")
        factors = compare.factor_ranges(sc, measure, ref)
        views.plot(charts.factors(factors, what), "chart_factors")
views.disclaimer()
