"""Plotly figures for the dashboard, built from quotes and comparison tables (no pricing here).

Each function returns (figure, alt text); the alt text says in words what the chart shows. Titles,
labels, hover text and alt text are in the current language (estimator.common.i18n); amounts are US dollars.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from estimator.common.i18n import N_, _
from estimator.common.money import usd
from estimator.quote import Quote

BLUE, ORANGE, GREEN, GREY, RED = "#1f5aa6", "#b35900", "#2e7d32", "#5f6368", "#b3261e"
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=14, color="#1f1f1f")
#: Map shapes are served by the app itself (Streamlit static serving of ./static at app/static/):
#: the state outlines, and the base topojson Plotly insists on loading for any map.
STATIC_URL = "app/static/"
#: No toolbar: on touch screens it is always shown and covers the chart's title.
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True,
               "topojsonURL": STATIC_URL + "topojson/"}
GEOJSON_URL = STATIC_URL + "us_states.geojson"


def _layout(fig: go.Figure, title: str, height: int = 300) -> go.Figure:
    fig.update_layout(title=dict(text=title, font=dict(size=16)), font=FONT, height=height,
                      margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white", paper_bgcolor="white",
                      hoverlabel=dict(font_size=14))
    return fig


def breakdown(q: Quote) -> tuple[go.Figure, str]:
    """Each bill's typical allowed amount with its likely range. The amounts are written beside the
    bills' names, where no range bar can cover them."""
    comps = q.components
    labels = [f"{c['label']}: {usd(c['allowed']['typical'], cents=False)}" for c in comps]
    typ = [c["allowed"]["typical"] for c in comps]
    fig = go.Figure(go.Bar(
        y=labels, x=typ, orientation="h", marker_color=BLUE,
        error_x=dict(type="data", symmetric=False, color=GREY, thickness=2,
                     array=[c["allowed"]["high"] - c["allowed"]["typical"] for c in comps],
                     arrayminus=[c["allowed"]["typical"] - c["allowed"]["low"] for c in comps]),
        hovertemplate="%{y}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero")
    alt = _("Bar chart of the bills: {bills}.").format(bills="; ".join(
        _("{bill} about {amount}, likely {low} to {high}").format(
            bill=c["label"], amount=usd(c["allowed"]["typical"], cents=False),
            low=usd(c["allowed"]["low"], cents=False), high=usd(c["allowed"]["high"], cents=False)) for c in comps))
    return _layout(fig, _("Each bill, with its likely range"), 110 + 60 * len(comps)), alt


def waterfall(q: Quote) -> tuple[go.Figure, str]:
    """How the patient's typical share builds up: deductible, copay, coinsurance, caps, balance bill."""
    b = {k: v["typical"] for k, v in q.breakdown.items()}
    steps = [(_("Deductible"), b["deductible"]), (_("Copay"), b["copay"]), (_("Coinsurance"), b["coinsurance"]),
             (_("Capped by your maximum"), -b["over_max"]), (_("Paid by Medigap"), -b["supplemental"]),
             (_("Balance bill"), b["balance"])]
    if q.scenario.coverage == "self_pay" or "frequency_limit_reached" in q.warning_codes():
        steps = [(_("Cash price"), q.patient_pays["typical"])]
    steps = [(name, v) for name, v in steps if abs(v) >= 0.005] or [(_("Nothing to pay"), 0.0)]
    fig = go.Figure(go.Waterfall(
        x=[n for n, _v in steps] + [_("You pay")], y=[v for _n, v in steps] + [0],
        measure=["relative"] * len(steps) + ["total"], text=[usd(v, cents=False) for _n, v in steps]
        + [usd(q.patient_pays["typical"], cents=False)], textposition="outside",
        increasing=dict(marker_color=ORANGE), decreasing=dict(marker_color=GREEN), totals=dict(marker_color=BLUE),
        connector=dict(line=dict(color=GREY)), hovertemplate="%{x}: %{y:$,.0f}<extra></extra>"))
    fig.update_yaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero")
    alt = _("Waterfall chart of your share: {parts}, so you pay about {amount}.").format(
        parts=", ".join(f"{n} {usd(v, cents=False)}" for n, v in steps),
        amount=usd(q.patient_pays["typical"], cents=False))
    return _layout(fig, _("How your share adds up"), 340), alt


def sites(table: pd.DataFrame) -> tuple[go.Figure, str]:
    """What the patient pays at each site, typical with range; the amounts under the sites' names.

    When the patient pays nothing at any site (full coverage, e.g. most Medicaid), the chart shows
    what the coverage pays instead, and its title says so.
    """
    nothing = bool((table["patient_pays_high"] < 0.5).all())
    col = "total_allowed" if nothing else "patient_pays"
    typ, low, high = table[f"{col}_typical"], table[f"{col}_low"], table[f"{col}_high"]
    names = [f"{_(s)}<br>{usd(v, cents=False)}" for s, v in zip(table["short_label"], typ, strict=True)]
    fig = go.Figure(go.Bar(
        x=names, y=typ, marker_color=[BLUE, ORANGE, GREEN][:len(table)],
        error_y=dict(type="data", symmetric=False, color=GREY, thickness=2, array=high - typ, arrayminus=typ - low),
        hovertemplate="%{x}<extra></extra>"))
    fig.update_yaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero",
                     tickformat=",.0f")
    if nothing:
        title = _("You pay nothing at any site: what your coverage pays, by site")
        alt = _("Bar chart: you would pay nothing at any site; your coverage would pay {amounts}.").format(
            amounts="; ".join(_("about {amount} at the {site}").format(amount=usd(v, cents=False),
                                                                       site=_(r.label).lower())
                              for r, v in zip(table.itertuples(), typ, strict=True)))
    else:
        title = _("What you would pay, by site")
        alt = _("Bar chart of what you would pay by site: {amounts}.").format(amounts="; ".join(
            _("{site} about {amount}").format(site=_(r.label), amount=usd(r.patient_pays_typical, cents=False))
            for r in table.itertuples()))
    return _layout(fig, title, 330), alt


#: Places with US ZIP codes that the "albers usa" projection leaves off the map (territories and
#: freely associated states): named in the chart's text instead.
OFF_MAP = {"PR": "Puerto Rico", "VI": N_("U.S. Virgin Islands"), "GU": "Guam", "AS": N_("American Samoa"),
           "MP": N_("Northern Mariana Islands"), "FM": "Micronesia", "MH": N_("Marshall Islands"), "PW": N_("Palau")}


def state_map(table: pd.DataFrame, value: str, what: str, highlight: str | None = None) -> tuple[go.Figure, str]:
    """A map of the states coloured by ``value``, drawn from the vendored shapes (no network), with
    the patient's state (``highlight``) outlined. The colour scale lies under the map, so the map
    keeps the full width of a phone.

    The alternative text names the dearest and cheapest states, the patient's state, and the
    territories the map cannot draw.
    """
    t = table[table["status"] == "ok"]
    fig = go.Figure(go.Choropleth(
        geojson=GEOJSON_URL, featureidkey="id", locations=t["state"], z=t[value], colorscale="Blues",
        marker_line_color="white", marker_line_width=0.6,
        colorbar=dict(tickprefix="$", title="", orientation="h", thickness=12, len=0.9, y=-0.02, yanchor="top"),
        hovertemplate="%{location}: %{z:$,.0f}<extra></extra>"))
    mine = t[t["state"] == highlight]
    if len(mine):
        fig.add_trace(go.Choropleth(
            geojson=GEOJSON_URL, featureidkey="id", locations=mine["state"], z=[0] * len(mine), showscale=False,
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], marker_line_color=RED, marker_line_width=3,
            hovertemplate=_("Your state, {state}").format(state="%{location}") + "<extra></extra>"))
    fig.update_geos(visible=False, projection_type="albers usa", fitbounds="locations", bgcolor="white")
    top, bottom = t.nlargest(1, value).iloc[0], t.nsmallest(1, value).iloc[0]
    alt = _("Map of the United States shaded by the typical {what}: highest in {top} ({top_amount}), lowest in "
            "{bottom} ({bottom_amount}).").format(what=what, top=top["state"], top_amount=usd(top[value], cents=False),
                                                  bottom=bottom["state"],
                                                  bottom_amount=usd(bottom[value], cents=False))
    if len(mine):
        alt += " " + _("Your state, {state}, is outlined in red: {amount}.").format(
            state=highlight, amount=usd(mine[value].iloc[0], cents=False))
    off = t[t["state"].isin(list(OFF_MAP))]
    if len(off):
        alt += " " + _("Not on the map: {places}.").format(places="; ".join(
            f"{_(OFF_MAP[r.state])} {usd(getattr(r, value), cents=False)}" for r in off.itertuples()))
    return _layout(fig, _("Typical {what}, by state").format(what=what), 430), alt


def factors(table: pd.DataFrame, what: str) -> tuple[go.Figure, str]:
    """Range bars: how far each factor moves the amount, largest first."""
    table = table.assign(**{c: table[c].map(_) for c in ("factor", "cheapest", "dearest")})  # names shown
    t = table.iloc[::-1]
    fig = go.Figure(go.Bar(
        y=t["factor"], x=t["spread"], base=t["low"], orientation="h", marker_color=ORANGE,
        customdata=t[["cheapest", "dearest", "low", "high"]].to_numpy(),
        hovertemplate=_("{factor}: {low} ({cheapest}) to {high} ({dearest})").format(
            factor="%{y}", low="%{customdata[2]:$,.0f}", cheapest="%{customdata[0]}", high="%{customdata[3]:$,.0f}",
            dearest="%{customdata[1]}") + "<extra></extra>"))
    fig.update_xaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0")
    alt = _("Chart of how much each choice moves the {what}: {factors}.").format(what=what, factors="; ".join(
        _("{factor} from {low} ({cheapest}) to {high} ({dearest})").format(
            factor=r.factor, low=usd(r.low, cents=False), cheapest=r.cheapest, high=usd(r.high, cents=False),
            dearest=r.dearest) for r in table.itertuples()))
    return _layout(fig, _("What moves the {what} most").format(what=what), 120 + 45 * len(t)), alt
