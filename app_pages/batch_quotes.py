"""Batch quotes: a day's schedule from a CSV file."""

import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator import batch_csv
from estimator.errors import InputError

access.require_staff()
prices = store.price_list()

st.title("Batch quotes")
st.markdown("Upload the day's schedule as a CSV file: every row is quoted, and a row with a problem gets its own "
            "message without stopping the others.")
st.download_button("Download the template (CSV)", batch_csv.TEMPLATE, file_name="cases-template.csv", mime="text/csv",
                   on_click="ignore")
upload = st.file_uploader("Scheduled cases (CSV, up to 5 MB)", type=["csv"], key="batch_file")
if upload is not None:
    try:
        df, notes = batch_csv.read_cases(upload.getvalue())
    except InputError as e:
        for err in e.errors:
            st.error(md(f"{upload.name}: {err.message if err.field == 'file' else err}"), icon=":material/error:")
        st.stop()
    for note in notes:
        st.info(note)
    bar = st.progress(0.0, text=f"Quoting {len(df):,} rows...")
    result = batch_csv.quote_cases(df, prices, progress=lambda f: bar.progress(f, text=f"Quoting... {f:.0%}"))
    bar.progress(1.0, text=f"Done: {result.ok:,} of {len(df):,} rows quoted, {len(df) - result.ok:,} with errors.")
    show = result.table[["row", "status", "error"] + [c for c in ("patient_name", "zip", "state", "site", "coverage")
                                                       if c in result.table] +
                        ["patient_pays_typical", "patient_pays_low", "patient_pays_high", "total_allowed_typical",
                         "price_source"]]
    money = {c: st.column_config.NumberColumn(format="dollar") for c in show.columns
             if c.endswith(("typical", "low", "high"))}
    st.dataframe(show, hide_index=True, width="stretch", column_config=money)
    c1, c2 = st.columns(2)
    c1.download_button("Download the results (CSV)", result.to_csv(), file_name="quoted-cases.csv", mime="text/csv",
                       on_click="ignore", type="primary")
    if result.ok:
        label = "Download the patient summaries (ZIP of PDFs)"
        if result.ok > batch_csv.MAX_DOCUMENTS:
            label += f", first {batch_csv.MAX_DOCUMENTS}"
        c2.download_button(label, lambda: batch_csv.documents_zip(result, prices), file_name="summaries.zip",
                           mime="application/zip", on_click="ignore")
