"""Estimate my cost: the patient's landing page."""

import streamlit as st

from dashboard import charts, hospital_list, inputs, state, views
from dashboard.series_view import render_series
from estimator.common.i18n import _
from estimator.common.money import usd
from estimator.planning import compare
from estimator.quote import quote
from estimator.reference.hospitals import display_name
from estimator.reference.tables import load
from estimator.scenario import SITE_PHRASES, ScenarioError
from estimator.words.guidance import questions

ref = load()
state.init()

st.title(_("What will my neck or upper-back epidural injection cost?"))
st.markdown(_("An estimate of what you would pay for an epidural steroid injection in the neck or upper back "
              "(code 62321), with the range you can expect, where the money goes, and how to pay less."))
views.url_problems()
sc, errors = state.scenario()  # the inputs as they stand (widget changes are already in)
inputs.show_errors(errors)
summary = st.container(key="summary_bar")

left, right = st.columns([2, 3], gap="large")
with left:
    st.header(_("1. Where and how"))
    inputs.place_inputs(ref.states)
    inputs.visit_inputs()
    st.header(_("2. Your insurance"))
    inputs.insurance_inputs()
    inputs.more_inputs()
    st.caption(_("Your answers stay in this page's address, so you can bookmark or share the result. "
                 "Nothing is stored and nothing personal is asked."))
state.sync_url()

with right:
    chosen = state.values()["site"]
    if views.problems(errors):
        views.summary_bar(summary, errors=errors)
    else:
        try:
            table = compare.by_site(sc, ref)
            detail_site = chosen
            tied = compare.sites_tie(table)
            if chosen == state.COMPARE:  # the cheapest for the patient; among ties, the cheapest in all
                detail_site = table.sort_values(["patient_pays_typical", "total_cost_typical"]).iloc[0]["site"]
            sc = sc.changed(site=detail_site)
            q = quote(sc, ref)
        except ScenarioError as e:
            views.problems(e.errors)
            views.summary_bar(summary, errors=e.errors)
            st.stop()
        where = _(" at {place}").format(place=_(SITE_PHRASES[detail_site])) if chosen == state.COMPARE else ""
        if q.hospital:
            name = display_name(q.hospital["name"]) or _("hospital {ccn}").format(ccn=q.hospital["ccn"])
            where = _(" at {place}").format(place=name)
        views.show_headline(q, where)
        views.summary_bar(summary, q)
        if chosen == state.COMPARE and tied:
            st.caption(_("You would pay the same at every site. Shown for {site}, where the total cost is lowest; "
                         "choose a site in step 1 to see another.").format(site=_(SITE_PHRASES[detail_site])))
        elif chosen == state.COMPARE:
            st.caption(_("Shown for the lowest-cost site for you; choose a site in step 1 to see another."))
        cheapest, dearest = table["patient_pays_typical"].min(), table["patient_pays_typical"].max()
        saving = dearest - cheapest
        best = table.loc[table["patient_pays_typical"].idxmin(), "site"]
        worst = table.loc[table["patient_pays_typical"].idxmax(), "site"]
        if saving >= 1:
            st.success(_("**Biggest saving: the site of care.** {cheaper} would likely cost you about {amount} less "
                         "than {dearer}.").format(cheaper=_(SITE_PHRASES[best]).capitalize(),
                                                  amount=usd(saving, cents=False), dearer=_(SITE_PHRASES[worst])),
                       icon=":material/savings:")
        other = compare.savings(sc, ref)
        if len(other):
            st.markdown("**" + _("Other ways you could pay less") + "**\n" + "\n".join(
                "- " + _("With {change}: about {amount} less").format(
                    change=_(r.change), amount=usd(r.saving, cents=False)) for r in other.itertuples()))
        views.plot(charts.sites(table), "chart_sites")
        hospital_list.render(sc, ref)
        views.plot(charts.breakdown(q), "chart_breakdown")
        views.plot(charts.waterfall(q), "chart_waterfall")
        series = render_series(sc)

        st.subheader(_("How this was worked out"))
        st.markdown("\n".join(f"{i}. {s}" for i, s in enumerate(q.steps, 1)))
        st.subheader(_("Please note"))
        for w in q.warnings:
            (st.warning if w["severity"] == "warning" else st.info)(w["message"])

        st.subheader(_("Questions to ask"))
        qs = questions(sc)
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**" + _("The doctor's office") + "**\n" + "\n".join(f"- {x}" for x in qs["doctor"]))
        if qs["insurer"]:
            with c2:
                st.markdown("**" + _("Your insurer") + "**\n" + "\n".join(f"- {x}" for x in qs["insurer"]))
        views.downloads(q, series.to_dict() if series is not None else None)
        st.caption(_("Prices for {area} (Medicare locality {locality}), {year}. Data version {version}; sources on "
                     "the Data & methods page.").format(area=q.place.locality.label, locality=q.place.locality.key,
                                                       year=q.year, version=q.data_version))
    views.disclaimer()
