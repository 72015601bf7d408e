"""Pieces of page shared by several pages: problems, the headline, downloads (display only)."""

from __future__ import annotations

import streamlit as st

from estimator.documents.summary import summary_csv, summary_pdf
from estimator.guidance import DISCLAIMER
from estimator.money import between, usd
from estimator.quote import Quote
from estimator.scenario import FieldError

from . import state
from .charts import PLOT_CONFIG
from .safe_text import md

NEEDS_PLACE = state.NEEDS_PLACE


def problems(errors: list[FieldError]) -> bool:
    """Show input problems next to the results; True if there were any."""
    if not errors:
        return False
    if all(NEEDS_PLACE in e.message for e in errors):
        st.info("Enter your ZIP code (or choose your state) to see an estimate.")
        return True
    for e in errors:
        if NEEDS_PLACE not in e.message:
            st.error(md(state.describe(e)), icon=":material/error:")
    return True


def url_problems() -> None:
    for msg in state.url_errors():
        st.warning(f"From the page address: {md(msg)}. That value was ignored.", icon=":material/link_off:")


def show_headline(q: Quote, where: str = "") -> None:
    """The headline beside the total cost of care."""
    p, t = q.patient_pays, q.total_cost
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(f"### You would likely pay {usd(p['typical'], cents=False)}")
        st.markdown(f"**{between(p['low'], p['high']).capitalize()}**{md(where)}.")
        st.caption("The typical amount, and the range that most prices in your area fall in.")
        for line in assumed_cases(q):
            st.markdown(line)
    with c2:
        st.metric("Total cost of care", usd(t["typical"], cents=False),
                  help=f"What the providers are likely to be paid in all, by you and your plan: "
                       f"{between(t['low'], t['high'])}.", border=True)


def summary_bar(where, q: Quote | None = None, errors: list[FieldError] | None = None) -> None:  # noqa: ANN001
    """The compact estimate at the top of the page (kept in view on a phone while the patient types):
    the amount, what is missing, or which entry to fix."""
    with where:
        if q is not None:
            p = q.patient_pays
            st.markdown(f"**You would likely pay {usd(p['typical'], cents=False)}** "
                        f"({between(p['low'], p['high'])})")
        elif errors and all(NEEDS_PLACE in e.message for e in errors):
            st.markdown("**Enter your ZIP code** to see your estimate.")
        elif errors:
            first = next(e for e in errors if NEEDS_PLACE not in e.message)
            st.markdown(md(f"Check your entries: {state.describe(first)}"))


#: What the patient left unsaid, priced both ways by the engine (Quote.patient_pays_if), in words.
CASE_WORDS = (("deductible_not_met", "deductible_met", "If you have not met your deductible yet",
               "if you have already met it"),
              ("hmo", "ppo", "If your plan is an HMO or EPO (no out-of-network benefits)",
               "if it is a PPO or POS plan"))


def assumed_cases(q: Quote) -> list[str]:
    """One line per thing the estimate did not know, with the typical amount either way."""
    cases = q.patient_pays_if
    return [f"{first}: about **{usd(cases[a]['typical'], cents=False)}**; {second}: about "
            f"**{usd(cases[b]['typical'], cents=False)}**."
            for a, b, first, second in CASE_WORDS if a in cases and b in cases]


def plot(fig_and_alt: tuple, key: str) -> None:
    fig, alt = fig_and_alt
    st.plotly_chart(fig, config=PLOT_CONFIG, key=key, alt=alt)
    st.caption(alt)


def downloads(q: Quote, series: dict | None = None) -> None:
    """The summary as PDF (with a planned series of injections, when there is one) and as CSV."""
    c1, c2 = st.columns(2)
    c1.download_button("Download a one-page summary (PDF)", lambda: summary_pdf(q.to_dict(), series=series),
                       file_name="cost-estimate.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                       on_click="ignore", key="dl_pdf")
    c2.download_button("Download the numbers (CSV)", lambda: summary_csv(q), file_name="cost-estimate.csv",
                       mime="text/csv", icon=":material/table:", on_click="ignore", key="dl_csv")


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def disclaimer() -> None:
    st.caption(DISCLAIMER)
