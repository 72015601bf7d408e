"""Plotly figures for the dashboard, built from quotes and comparison tables (no pricing here).

Each function returns (figure, alt text); the alt text says in words what the chart shows.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from estimator.money import usd
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
    alt = "Bar chart of the bills: " + "; ".join(
        f"{c['label']} about {usd(c['allowed']['typical'], cents=False)}, likely "
        f"{usd(c['allowed']['low'], cents=False)} to {usd(c['allowed']['high'], cents=False)}" for c in comps) + "."
    return _layout(fig, "Each bill, with its likely range", 110 + 60 * len(comps)), alt


def waterfall(q: Quote) -> tuple[go.Figure, str]:
    """How the patient's typical share builds up: deductible, copay, coinsurance, caps, balance bill."""
    b = {k: v["typical"] for k, v in q.breakdown.items()}
    steps = [("Deductible", b["deductible"]), ("Copay", b["copay"]), ("Coinsurance", b["coinsurance"]),
             ("Capped by your maximum", -b["over_max"]), ("Paid by Medigap", -b["supplemental"]),
             ("Balance bill", b["balance"])]
    if q.scenario.coverage == "self_pay" or "frequency_limit_reached" in q.warning_codes():
        steps = [("Cash price", q.patient_pays["typical"])]
    steps = [(name, v) for name, v in steps if abs(v) >= 0.005] or [("Nothing to pay", 0.0)]
    fig = go.Figure(go.Waterfall(
        x=[n for n, _ in steps] + ["You pay"], y=[v for _, v in steps] + [0],
        measure=["relative"] * len(steps) + ["total"], text=[usd(v, cents=False) for _, v in steps]
        + [usd(q.patient_pays["typical"], cents=False)], textposition="outside",
        increasing=dict(marker_color=ORANGE), decreasing=dict(marker_color=GREEN), totals=dict(marker_color=BLUE),
        connector=dict(line=dict(color=GREY)), hovertemplate="%{x}: %{y:$,.0f}<extra></extra>"))
    fig.update_yaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero")
    alt = ("Waterfall chart of your share: " + ", ".join(f"{n} {usd(v, cents=False)}" for n, v in steps)
           + f", so you pay about {usd(q.patient_pays['typical'], cents=False)}.")
    return _layout(fig, "How your share adds up", 340), alt


def sites(table: pd.DataFrame) -> tuple[go.Figure, str]:
    """What the patient pays at each site, typical with range; the amounts under the sites' names.

    When the patient pays nothing at any site (full coverage, e.g. most Medicaid), the chart shows
    what the coverage pays instead, and its title says so.
    """
    nothing = bool((table["patient_pays_high"] < 0.5).all())
    col = "total_allowed" if nothing else "patient_pays"
    typ, low, high = table[f"{col}_typical"], table[f"{col}_low"], table[f"{col}_high"]
    names = [f"{s}<br>{usd(v, cents=False)}" for s, v in zip(table["short_label"], typ, strict=True)]
    fig = go.Figure(go.Bar(
        x=names, y=typ, marker_color=[BLUE, ORANGE, GREEN][:len(table)],
        error_y=dict(type="data", symmetric=False, color=GREY, thickness=2, array=high - typ, arrayminus=typ - low),
        hovertemplate="%{x}<extra></extra>"))
    fig.update_yaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0", rangemode="tozero",
                     tickformat=",.0f")
    if nothing:
        title = "You pay nothing at any site: what your coverage pays, by site"
        alt = "Bar chart: you would pay nothing at any site; your coverage would pay " + "; ".join(
            f"about {usd(v, cents=False)} at the {r.label.lower()}" for r, v in zip(table.itertuples(), typ,
                                                                                strict=True)) + "."
    else:
        title = "What you would pay, by site"
        alt = "Bar chart of what you would pay by site: " + "; ".join(
            f"{r.label} about {usd(r.patient_pays_typical, cents=False)}" for r in table.itertuples()) + "."
    return _layout(fig, title, 330), alt


#: Places with US ZIP codes that the "albers usa" projection leaves off the map (territories and
#: freely associated states): named in the chart's text instead.
OFF_MAP = {"PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
           "MP": "Northern Mariana Islands", "FM": "Micronesia", "MH": "Marshall Islands", "PW": "Palau"}


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
            hovertemplate="Your state, %{location}<extra></extra>"))
    fig.update_geos(visible=False, projection_type="albers usa", fitbounds="locations", bgcolor="white")
    top, bottom = t.nlargest(1, value).iloc[0], t.nsmallest(1, value).iloc[0]
    alt = (f"Map of the United States shaded by the typical {what}: highest in {top['state']} "
           f"({usd(top[value], cents=False)}), lowest in {bottom['state']} ({usd(bottom[value], cents=False)}).")
    if len(mine):
        alt += f" Your state, {highlight}, is outlined in red: {usd(mine[value].iloc[0], cents=False)}."
    off = t[t["state"].isin(list(OFF_MAP))]
    if len(off):
        alt += " Not on the map: " + "; ".join(f"{OFF_MAP[r.state]} {usd(getattr(r, value), cents=False)}"
                                               for r in off.itertuples()) + "."
    return _layout(fig, f"Typical {what}, by state", 430), alt


def factors(table: pd.DataFrame, what: str) -> tuple[go.Figure, str]:
    """Range bars: how far each factor moves the amount, largest first."""
    t = table.iloc[::-1]
    fig = go.Figure(go.Bar(
        y=t["factor"], x=t["spread"], base=t["low"], orientation="h", marker_color=ORANGE,
        customdata=t[["cheapest", "dearest", "low", "high"]].to_numpy(),
        hovertemplate="%{y}: %{customdata[2]:$,.0f} (%{customdata[0]}) to %{customdata[3]:$,.0f} "
                      "(%{customdata[1]})<extra></extra>"))
    fig.update_xaxes(tickprefix="$", separatethousands=True, gridcolor="#e0e0e0")
    alt = f"Chart of how much each choice moves the {what}: " + "; ".join(
        f"{r.factor} from {usd(r.low, cents=False)} ({r.cheapest}) to {usd(r.high, cents=False)} ({r.dearest})"
        for r in table.itertuples()) + "."
    return _layout(fig, f"What moves the {what} most", 120 + 45 * len(t)), alt
