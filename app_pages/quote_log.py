"""Quote log: find a saved quote, reprint it exactly, correct it, check a bill, export.

Times are stored in UTC and shown in the zone ``ESTIMATOR_TIMEZONE`` names (an IANA name such as
America/Chicago), else the browser's, else the server's local zone.
"""

import os
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator import gfe
from estimator.common import clock
from estimator.common.i18n import _
from estimator.common.money import usd
from estimator.frontdesk import desk
from estimator.inputs.fields import FIELDS
from estimator.records.quote_record import TABLE_AMOUNT_COLUMNS, QuoteRecord, UnknownSchemaVersion
from estimator.records.storage import export_csv

access.require_staff()
log = store.quote_log()
ZONE = desk.display_zone(os.environ.get(clock.TIMEZONE_ENV), st.context.timezone)
#: Codes in the table shown as their plain labels (Ambulatory surgery center, not asc).
LABELS = {"Site": FIELDS["site"].choice_labels, "Coverage": FIELDS["coverage"].choice_labels}


def row(record: QuoteRecord) -> dict:
    """The table row with local time and labels instead of codes, headed in the page's language."""
    r = record.table_row()
    out = {}
    for k, v in r.items():
        if k == "Saved (UTC)":
            out[_("Saved")] = desk.local_time(record.saved.created_at, ZONE)
        else:
            out[_(k)] = _(LABELS[k][v]) if k in LABELS and v in LABELS[k] else v
    return out


st.title(_("Quote log"))
st.caption(_("Every saved quote is kept as first given (corrections are new versions). Records are never deleted."))

c = st.columns([3, 2, 2])
text = c[0].text_input(_("Search by quote ID, patient name or reference"), key="log_query")
start = c[1].date_input(_("Saved from"), value=date.today() - timedelta(days=30), key="log_start",
                        format="YYYY-MM-DD")
end = c[2].date_input(_("Saved to"), value=date.today(), key="log_end", format="YYYY-MM-DD")
records = []
for saved in log.search(text, start, end):
    try:
        records.append(QuoteRecord(saved))
    except UnknownSchemaVersion as e:
        st.error(md(e), icon=":material/error:")
if not records:
    st.info(_("No saved quotes match."))
    st.stop()

st.dataframe(pd.DataFrame([row(r) for r in records]), hide_index=True, width="stretch",
             column_config={_(col): st.column_config.NumberColumn(format="dollar") for col in TABLE_AMOUNT_COLUMNS})
st.download_button(_("Export these to CSV"), export_csv([r.saved for r in records]), file_name="quote-log.csv",
                   mime="text/csv", on_click="ignore")

names = {r.id: r.saved.patient_name or _("(no name)") for r in records}
chosen = st.selectbox(_("Open a quote"), list(names), key="log_open", format_func=lambda i: f"{i} - {names[i]}")
rec = log.get(chosen)
record = QuoteRecord(rec)
pays, total = record.patient_pays, record.total_allowed
history = log.history(rec.id)
latest = history[-1]
st.subheader(_("Quote {quote_id} (version {version})").format(quote_id=rec.id, version=rec.version)
             if len(history) > 1 else _("Quote {quote_id}").format(quote_id=rec.id))
if latest.id != rec.id:
    st.warning(_("This version was corrected: the latest is {quote_id} (version {version}).").format(
        quote_id=latest.id, version=latest.version))
site, coverage = (rec.outputs.get("site"), rec.outputs.get("coverage"))
batch_row = rec.inputs.get("batch_row")
st.markdown(" ".join(part for part in [
    _("Saved {when} by {who}").format(when=md(desk.local_time(rec.created_at, ZONE)), who=md(rec.created_by))
    + (_(" for {name}").format(name=md(rec.patient_name)) if rec.patient_name else "")
    + (_(" (batch row {row})").format(row=int(batch_row)) if isinstance(batch_row, int) else "")
    + _("; priced with data version **{version}**.").format(version=md(rec.data_version)),
    _("{site}, {coverage}.").format(site=md(_(LABELS["Site"].get(site, site))),
                                    coverage=md(_(LABELS["Coverage"].get(coverage, coverage))))
    if site and coverage else "",
    _("Patient pays **{typical}** (range {low} to {high}); total allowed {total}.").format(
        typical=md(usd(pays["typical"], cents=True)), low=md(usd(pays["low"], cents=True)),
        high=md(usd(pays["high"], cents=True)), total=md(usd(total["typical"], cents=True)))] if part))
if len(history) > 1:
    st.caption(_("History: {versions}").format(versions=" -> ".join(
        f"{h.id} (v{h.version}, {md(desk.local_time(h.created_at, ZONE))})" for h in history)))

b = st.columns(3)
b[0].download_button(_("Reprint the patient summary"), record.summary_pdf, file_name=f"estimate-{rec.id}.pdf",
                     mime="application/pdf", on_click="ignore", key="reprint_summary")
if record.is_gfe:
    b[1].download_button(_("Reprint the Good Faith Estimate"), record.gfe_pdf(),
                         file_name=f"GFE-{rec.id}.pdf", mime="application/pdf", on_click="ignore", key="reprint_gfe")
if latest.id == rec.id and b[2].button(_("Correct this quote"), key="correct"):
    # The front desk loads the record itself and starts its form from it.
    st.switch_page("app_pages/front_desk.py", query_params={"correct": rec.id})

if record.is_gfe:
    with st.expander(_("Check a bill against this Good Faith Estimate")):
        expected: dict[str, float] = {}  # provider's label in the page's language -> the estimate ($)
        roles: dict[str, str] = {}  # the same label -> its role, which keys the box whatever the language
        for li in record.gfe_lines:
            role = li["role"]
            who = _(gfe.ROLE_LABELS[role])
            expected[who] = expected.get(who, 0) + li["amount"]
            roles[who] = role
        bill_date = st.date_input(_("Date on the bill"), value=None, key="chk_date", format="YYYY-MM-DD")
        bills = {}
        cols = st.columns(len(expected))
        for col, (who, amount) in zip(cols, expected.items()):
            val = col.number_input(_("{provider}: billed ($); estimate {amount}").format(
                provider=md(who), amount=md(usd(amount, cents=True))), min_value=0.0, value=None,
                key=f"chk_{roles[who]}")
            if val is not None:
                bills[who] = val
        if bill_date and bills:
            for check in gfe.check_bill(expected, bills, bill_date):
                (st.warning if check.can_dispute else st.info)(md(check.message))
