"""The "Planning more than one injection?" panel: a series of injections and the running total.

``render_series(scenario)`` draws the panel (an expander with the number of injections and the
weeks between them, a chart and a short table) and returns the priced plan, for a page that also
puts it in its PDF (``estimator.documents.series_section.add_series``). ``series_chart(plan)`` builds
the chart (no Streamlit). All pricing is ``estimator.planning.series.plan_series``.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from estimator.common.errors import InputError
from estimator.common.i18n import _
from estimator.common.money import between, usd
from estimator.planning.series import COUNT, DEFAULT_COUNT, DEFAULT_WEEKS_APART, WEEKS_APART, SeriesPlan, plan_series
from estimator.scenario import Scenario

from .charts import BLUE, GREY, ORANGE, _layout
from .safe_text import md

#: The panel's key: its open state is kept in the session (st.session_state[PANEL_KEY] is True when open).
PANEL_KEY = "series_panel"
#: The series chart has no toolbar.
SERIES_CONFIG = {"displayModeBar": False, "responsive": True}


def series_chart(plan: SeriesPlan) -> tuple[go.Figure, str]:
    """Each injection's typical share (bars) and the running total (line), with what each would be
    with low and with high bills in the hover text; (figure, alternative text)."""
    labels = [_("Injection {number}<br>week {week}").format(number=i.number, week=i.week) for i in plan.injections]
    typ = [i.patient_pays["typical"] for i in plan.injections]
    running = [sum(typ[: k + 1]) for k in range(len(typ))]
    custom = [[i.patient_pays["low"], i.patient_pays["high"]] for i in plan.injections]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=typ, name=_("This injection"), marker_color=BLUE, text=[usd(v, cents=False) for v in typ],
        textposition="outside", customdata=custom,
        hovertemplate=_("{injection}: {amount} (low bills {low}, high bills {high})").format(
            injection="%{x}", amount="%{y:$,.0f}", low="%{customdata[0]:$,.0f}", high="%{customdata[1]:$,.0f}")
        + "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=labels, y=running, name=_("Running total"), mode="lines+markers", line=dict(color=ORANGE, width=3),
        marker=dict(size=9),
        hovertemplate=_("Total so far: {amount}").format(amount="%{y:$,.0f}") + "<extra></extra>"))
    fig.update_yaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero")
    fig.update_xaxes(linecolor=GREY)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), bargap=0.35)
    t = plan.total_patient_pays
    alt = _("Chart of what each injection would cost you: {injections}; about {amount} in all ({range}).").format(
        injections="; ".join(_("injection {number} (week {week}) about {amount}").format(
            number=i.number, week=i.week, amount=usd(v, cents=False)) for i, v in zip(plan.injections, typ)),
        amount=usd(t["typical"], cents=False), range=between(t["low"], t["high"]))
    return _layout(fig, _("Each injection, and the running total"), 360), alt


def render_series(scenario: Scenario) -> SeriesPlan | None:
    """The panel for one patient's scenario; returns the plan (None while the panel is closed, or
    when it cannot be priced). The series is priced only once the patient opens the panel, so the
    page does not pay for it on every change."""
    panel = st.expander(_("Planning more than one injection?"), icon=":material/event_repeat:", key=PANEL_KEY,
                        on_change="rerun")
    if not panel.open:
        return None
    with panel:
        st.markdown(_("Injections are often given as a series. Once the first has paid toward your deductible, "
                      "the next ones usually cost less."))
        c1, c2 = st.columns(2)
        count = c1.number_input(_(COUNT.label), min_value=int(COUNT.low), max_value=int(COUNT.high),
                                value=DEFAULT_COUNT, step=1, key="series_count", help=_(COUNT.help))
        weeks = c2.number_input(_(WEEKS_APART.label), min_value=int(WEEKS_APART.low),
                                max_value=int(WEEKS_APART.high), value=DEFAULT_WEEKS_APART, step=1,
                                key="series_weeks", help=_(WEEKS_APART.help))
        try:
            plan = plan_series(scenario, count, weeks)
        except InputError as e:
            for err in e.errors:
                st.error(md(f"{err.field}: {err.message}"), icon=":material/error:")
            return None
        t = plan.total_patient_pays
        st.markdown(_("**In all you would likely pay {amount}** ({range}).").format(
            amount=md(usd(t["typical"], cents=False)), range=md(between(t["low"], t["high"]))))
        fig, alt = series_chart(plan)
        st.plotly_chart(fig, config=SERIES_CONFIG, key="series_chart")
        st.caption(md(alt))
        rows = [{_("Injection"): i.number, _("Week"): i.week,
                 _("You pay (typical)"): usd(i.patient_pays["typical"], True),
                 _("With low bills"): usd(i.patient_pays["low"], True),
                 _("With high bills"): usd(i.patient_pays["high"], True)} for i in plan.injections]
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(_("With low (or high) bills: each injection's share when all the bills are at the low (or high) "
                     "end of their range. A later injection can cost more with low bills, as the first then pays "
                     "less of the deductible."))
        notes = {w["message"]: w for w in plan.warnings}
        for inj in plan.injections:
            for w in inj.series_warnings:
                notes.setdefault(w["message"], w)
            for w in inj.merged["warnings"]:
                if w["code"] == "frequency_limit_reached":
                    notes.setdefault(_("Injection {number}: {message}").format(number=inj.number,
                                                                              message=w["message"]), w)
        for message, w in notes.items():
            (st.warning if w["severity"] == "warning" else st.info)(md(message))
        return plan
