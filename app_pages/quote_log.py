"""Quote log: find a saved quote, reprint it exactly, correct it, check a bill, export."""

import base64
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import access, store
from estimator import gfe
from estimator.documents.summary import summary_pdf
from estimator.money import usd
from estimator.storage import export_csv

access.require_staff()
log = store.quote_log()

st.title("Quote log")
st.caption("Every saved quote is kept as first given (corrections are new versions). Records are never deleted.")

c = st.columns([3, 2, 2])
text = c[0].text_input("Search by quote ID, patient name or reference", key="log_query")
start = c[1].date_input("Saved from", value=date.today() - timedelta(days=30), key="log_start", format="YYYY-MM-DD")
end = c[2].date_input("Saved to", value=date.today(), key="log_end", format="YYYY-MM-DD")
records = log.search(text, start, end)
if not records:
    st.info("No saved quotes match.")
    st.stop()

table = pd.DataFrame([{
    "Quote ID": r.id, "Version": r.version, "Saved (UTC)": r.created_at.strftime("%Y-%m-%d %H:%M"),
    "By": r.created_by, "Kind": r.kind.upper(), "Patient": r.patient_name or "", "Reference": r.patient_ref or "",
    "Patient pays (typical)": r.outputs["patient_pays"]["typical"], "Site": r.outputs.get("site", ""),
    "Coverage": r.outputs.get("coverage", "")} for r in records])
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"Patient pays (typical)": st.column_config.NumberColumn(format="dollar")})
st.download_button("Export these to CSV", export_csv(records), file_name="quote-log.csv", mime="text/csv",
                   on_click="ignore")

names = {r.id: r.patient_name or "(no name)" for r in records}
chosen = st.selectbox("Open a quote", list(names), key="log_open", format_func=lambda i: f"{i} - {names[i]}")
rec = log.get(chosen)
o = rec.outputs
history = log.history(rec.id)
latest = history[-1]
st.subheader(f"Quote {rec.id}" + (f" (version {rec.version})" if len(history) > 1 else ""))
if latest.id != rec.id:
    st.warning(f"This version was corrected: the latest is {latest.id} (version {latest.version}).")
st.markdown(f"Saved {rec.created_at:%Y-%m-%d %H:%M} UTC by {rec.created_by}; priced with data version "
            f"**{rec.data_version}**. Patient pays **{usd(o['patient_pays']['typical'], cents=True)}** "
            f"(range {usd(o['patient_pays']['low'], cents=False)} to {usd(o['patient_pays']['high'], cents=False)}); "
            f"total allowed {usd(o['total_allowed']['typical'], cents=True)}.")
if len(history) > 1:
    st.caption("History: " + " -> ".join(f"{h.id} (v{h.version}, {h.created_at:%Y-%m-%d})" for h in history))

b = st.columns(3)
b[0].download_button("Reprint the patient summary", lambda: summary_pdf(o), file_name=f"estimate-{rec.id}.pdf",
                     mime="application/pdf", on_click="ignore", key="reprint_summary")
if rec.kind == "gfe":
    b[1].download_button("Reprint the Good Faith Estimate", base64.b64decode(o["gfe"]["pdf_base64"]),
                         file_name=f"GFE-{rec.id}.pdf", mime="application/pdf", on_click="ignore", key="reprint_gfe")
if latest.id == rec.id and b[2].button("Correct this quote", key="correct"):
    # The front desk loads the record itself and starts its form from it.
    st.switch_page("app_pages/front_desk.py", query_params={"correct": rec.id})

if rec.kind == "gfe":
    with st.expander("Check a bill against this Good Faith Estimate"):
        expected: dict[str, float] = {}
        for li in o["gfe"]["lines"]:
            expected[gfe.ROLE_LABELS[li["role"]]] = expected.get(gfe.ROLE_LABELS[li["role"]], 0) + li["amount"]
        bill_date = st.date_input("Date on the bill", value=None, key="chk_date", format="YYYY-MM-DD")
        bills = {}
        cols = st.columns(len(expected))
        for col, (who, amount) in zip(cols, expected.items()):
            val = col.number_input(f"{who}: billed ($); estimate {usd(amount, cents=True)}", min_value=0.0,
                                   value=None, key=f"chk_{who}")
            if val is not None:
                bills[who] = val
        if bill_date and bills:
            for check in gfe.check_bill(expected, bills, bill_date):
                (st.warning if check.can_dispute else st.info)(check.message)
