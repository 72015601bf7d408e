"""Pieces of page shared by several pages: problems, the headline, downloads (display only)."""

from __future__ import annotations

import streamlit as st

from estimator.common import i18n
from estimator.common.i18n import N_, _
from estimator.common.money import between, usd
from estimator.documents.summary import summary_csv, summary_pdf
from estimator.quote import Quote
from estimator.scenario import FieldError
from estimator.words.guidance import disclaimer as disclaimer_text

from . import state
from .charts import PLOT_CONFIG
from .safe_text import md


def problems(errors: list[FieldError]) -> bool:
    """Show input problems next to the results; True if there were any."""
    if not errors:
        return False
    if all(state.needs_place(e) for e in errors):
        st.info(_("Enter your ZIP code (or choose your state) to see an estimate."))
        return True
    for e in errors:
        if not state.needs_place(e):
            st.error(md(state.describe(e)), icon=":material/error:")
    return True


def url_problems() -> None:
    for msg in state.url_errors():
        st.warning(_("From the page address: {problem}. That value was ignored.").format(problem=md(msg)),
                   icon=":material/link_off:")


def show_headline(q: Quote, where: str = "") -> None:
    """The headline beside the total cost of care."""
    p, t = q.patient_pays, q.total_cost
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown("### " + _("You would likely pay {amount}").format(amount=usd(p["typical"], cents=False)))
        st.markdown(f"**{between(p['low'], p['high']).capitalize()}**{md(where)}.")
        st.caption(_("The typical amount, and the range that most prices in your area fall in."))
        for line in assumed_cases(q):
            st.markdown(line)
    with c2:
        st.metric(_("Total cost of care"), usd(t["typical"], cents=False),
                  help=_("What the providers are likely to be paid in all, by you and your plan: {range}.").format(
                      range=between(t["low"], t["high"])), border=True)


def summary_bar(where, q: Quote | None = None, errors: list[FieldError] | None = None) -> None:  # noqa: ANN001
    """The compact estimate at the top of the page (kept in view on a phone while the patient types):
    the amount, what is missing, or which entry to fix."""
    with where:
        if q is not None:
            p = q.patient_pays
            st.markdown(_("**You would likely pay {amount}** ({range})").format(
                amount=usd(p["typical"], cents=False), range=between(p["low"], p["high"])))
        elif errors and all(state.needs_place(e) for e in errors):
            st.markdown(_("**Enter your ZIP code** to see your estimate."))
        elif errors:
            first = next(e for e in errors if not state.needs_place(e))
            st.markdown(md(_("Check your entries: {problem}").format(problem=state.describe(first))))


#: What the patient left unsaid, priced both ways by the engine (Quote.patient_pays_if), in words.
CASE_WORDS = (("deductible_not_met", "deductible_met",
               N_("If you have not met your deductible yet: about **{first}**; if you have already met it: "
                  "about **{second}**.")),
              ("hmo", "ppo", N_("If your plan is an HMO or EPO (no out-of-network benefits): about **{first}**; "
                                "if it is a PPO or POS plan: about **{second}**.")))


def assumed_cases(q: Quote) -> list[str]:
    """One line per thing the estimate did not know, with the typical amount either way."""
    cases = q.patient_pays_if
    return [_(words).format(first=usd(cases[a]["typical"], cents=False), second=usd(cases[b]["typical"], cents=False))
            for a, b, words in CASE_WORDS if a in cases and b in cases]


def plot(fig_and_alt: tuple, key: str) -> None:
    fig, alt = fig_and_alt
    st.plotly_chart(fig, config=PLOT_CONFIG, key=key, alt=alt)
    st.caption(alt)


def _pdf(q: dict, series: dict | None, lang: str) -> bytes:
    """The summary PDF in the page's language (Streamlit builds a download's data after the run)."""
    with i18n.use(lang):
        return summary_pdf(q, series=series)


def downloads(q: Quote, series: dict | None = None) -> None:
    """The summary as PDF (with a planned series of injections, when there is one; in the page's
    language) and as CSV (its keys stay English: scripts read them)."""
    c1, c2 = st.columns(2)
    qd, lang = q.to_dict(), i18n.get_language()
    c1.download_button(_("Download a one-page summary (PDF)"), lambda: _pdf(qd, series, lang),
                       file_name="cost-estimate.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
                       on_click="ignore", key="dl_pdf")
    c2.download_button(_("Download the numbers (CSV)"), lambda: summary_csv(q), file_name="cost-estimate.csv",
                       mime="text/csv", icon=":material/table:", on_click="ignore", key="dl_csv")


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd' (Spanish: "1.º", "23.º", as in "el lugar 23.º")."""
    if i18n.get_language() == "es":
        return f"{n}.º"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def disclaimer() -> None:
    st.caption(disclaimer_text())
