"""Batch quotes: a day's schedule from a CSV file, quoted, checked and saved to the quote log in one go."""

import hashlib

import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator.common.errors import InputError
from estimator.frontdesk import batch_csv, desk

#: Error rows listed one by one above the table (the table holds every row).
MAX_LISTED_ERRORS = 50

staff = access.require_staff()
prices = store.price_list()
log = store.quote_log()

st.title("Batch quotes")
st.markdown("Upload the day's schedule as a CSV file: every row is quoted, and a row with a problem gets its own "
            "message without stopping the others. Choices may be written as codes (`asc`, `self_pay`) or as "
            "their labels (Ambulatory surgery center, Self-pay).")
top = st.container()
st.download_button("Download the template (CSV)", batch_csv.TEMPLATE, file_name="cases-template.csv", mime="text/csv",
                   on_click="ignore")
upload = st.file_uploader("Scheduled cases (CSV, up to 5 MB)", type=["csv"], key="batch_file")
if upload is not None:
    data = upload.getvalue()
    try:
        df, notes = batch_csv.read_cases(data)
    except InputError as e:
        for err in e.errors:
            st.error(md(f"{upload.name}: {err.message if err.field == 'file' else err}"), icon=":material/error:")
        st.stop()
    for note in notes:
        st.info(md(note))
    bar = st.progress(0.0, text=f"Quoting {len(df):,} rows...")
    result = batch_csv.quote_cases(df, prices, progress=lambda f: bar.progress(f, text=f"Quoting... {f:.0%}"))
    bad = len(df) - result.ok
    bar.progress(1.0, text=f"Done: {result.ok:,} of {len(df):,} rows quoted, {bad:,} with errors.")
    table = result.table
    errors = table[table["status"] != "ok"]
    if len(errors):
        st.error(md(f"{len(errors):,} row(s) of {upload.name} have problems and were not quoted:"),
                 icon=":material/error:")
        st.markdown("\n".join(f"- Row {int(r.row)}: {md(r.error)}"
                              for r in errors.head(MAX_LISTED_ERRORS).itertuples()))
        if len(errors) > MAX_LISTED_ERRORS:
            st.caption(f"... and {len(errors) - MAX_LISTED_ERRORS:,} more: every one is in the table and the CSV.")
    # Rows with problems first, each with its whole message; then the quoted rows, in file order.
    ordered = table.assign(_ok=table["status"] == "ok").sort_values(["_ok", "row"], kind="stable")
    show = ordered[["row", "status", "error"] + [c for c in ("patient_name", "zip", "state", "site", "coverage")
                                                 if c in table] +
                   ["patient_pays_typical", "patient_pays_low", "patient_pays_high", "total_allowed_typical",
                    "price_source"]]
    money = {c: st.column_config.NumberColumn(format="dollar") for c in show.columns
             if c.endswith(("typical", "low", "high"))}
    st.dataframe(show, hide_index=True, width="stretch",
                 column_config={**money, "error": st.column_config.TextColumn("error", width="large")})
    c1, c2, c3 = st.columns(3)
    c1.download_button("Download the results (CSV)", result.to_csv(), file_name="quoted-cases.csv", mime="text/csv",
                       on_click="ignore", type="primary")
    if result.ok:
        label = "Download the patient summaries (ZIP of PDFs)"
        if result.ok > batch_csv.MAX_DOCUMENTS:
            label += f", first {batch_csv.MAX_DOCUMENTS}"
        c2.download_button(label, lambda: batch_csv.documents_zip(result, prices), file_name="summaries.zip",
                           mime="application/zip", on_click="ignore")
        # One save per uploaded file: the same upload is not saved twice by a second click.
        digest = hashlib.sha256(data).hexdigest()
        done = st.session_state.get("batch_saved", {}).get(digest)
        if done:
            top.success(f"Saved {len(done):,} quotes to the quote log from {md(upload.name)} "
                        f"({done[0]} to {done[-1]}); each keeps its row number.", icon=":material/check:")
        if c3.button(f"Save the {result.ok:,} quoted rows to the quote log", disabled=bool(done) or not staff,
                     help="Enter your name or initials first." if not staff else
                     "Each quoted row becomes a quote in the log, with its row number."):
            try:
                saved = desk.save_batch(log, result, staff, prices, file_name=upload.name)
            except (InputError, desk.StorageError) as e:
                for message in ([err.message for err in e.errors] if isinstance(e, InputError) else [str(e)]):
                    top.error(md(f"Not saved: {message}"), icon=":material/error:")
                st.toast("Not saved: the reason is at the top of the page.", icon=":material/error:")
            else:
                st.session_state.setdefault("batch_saved", {})[digest] = [s.id for s in saved]
                st.session_state["batch_toast"] = f"Saved {len(saved):,} quotes to the quote log."
                st.rerun()
for_toast = st.session_state.pop("batch_toast", None)
if for_toast:
    st.toast(for_toast, icon=":material/check:")
