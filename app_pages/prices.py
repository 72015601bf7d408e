"""Prices near you: the chosen scenario across the country, by locality, and what moves the price."""

import streamlit as st

from dashboard import charts, inputs, state, views
from estimator import compare
from estimator.tables import load

ref = load()
state.init()

st.title("Prices near you")
st.markdown("How the same visit is priced across the country, and which of your choices changes the "
            "price the most.")
views.url_problems()

with st.expander("The visit being compared", expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        inputs.visit_inputs(compare_option=False)
    with c2:
        inputs.insurance_inputs()
state.sync_url()

sc, errors = state.scenario()
if errors and all(views.NEEDS_PLACE in e.message for e in errors):
    sc, errors = state.scenario(overrides={"zip": "", "state": "AL"})  # the map needs no place of its own
if not views.problems(errors):
    choice = inputs.widget("show", radio=True, horizontal=True)
    measure = {"total": "total_cost_typical", "you_pay": "patient_pays_typical"}[choice]
    what = "total cost of care" if choice == "total" else "amount you would pay"
    by_state = compare.by_state(sc, ref)
    views.plot(charts.state_map(by_state, measure, what), "chart_map")

    factors = compare.factor_ranges(sc, measure, ref)
    views.plot(charts.factors(factors, what), "chart_factors")

    st.header("By Medicare locality")
    st.caption("Medicare divides the country into 109 payment localities; prices follow local costs.")
    loc = compare.by_locality(sc, ref)
    show = loc[["locality_state", "name", "locality_key", "total_allowed_low", "total_allowed_typical",
                "total_allowed_high", "patient_pays_typical"]].sort_values(["locality_state", "name"])
    st.dataframe(show, hide_index=True, width="stretch", column_config={
        "locality_state": "State", "name": "Locality", "locality_key": "Code",
        "total_allowed_low": st.column_config.NumberColumn("Price, low", format="dollar"),
        "total_allowed_typical": st.column_config.NumberColumn("Price, typical", format="dollar"),
        "total_allowed_high": st.column_config.NumberColumn("Price, high", format="dollar"),
        "patient_pays_typical": st.column_config.NumberColumn("You pay, typical", format="dollar")})
views.disclaimer()
