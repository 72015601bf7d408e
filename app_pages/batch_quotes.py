"""Batch quotes: a day's schedule from a CSV file, quoted, checked and saved to the quote log in one go."""

import hashlib

import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator.common.errors import InputError
from estimator.common.i18n import _, ngettext
from estimator.frontdesk import batch_csv, desk

#: Error rows listed one by one above the table (the table holds every row).
MAX_LISTED_ERRORS = 50

staff = access.require_staff()
prices = store.price_list()
log = store.quote_log()

st.title(_("Batch quotes"))
st.markdown(_("Upload the day's schedule as a CSV file: every row is quoted, and a row with a problem gets its own "
              "message without stopping the others. Choices may be written as codes (`asc`, `self_pay`) or as "
              "their labels (Ambulatory surgery center, Self-pay)."))
top = st.container()
st.download_button(_("Download the template (CSV)"), batch_csv.TEMPLATE, file_name="cases-template.csv",
                   mime="text/csv", on_click="ignore")
upload = st.file_uploader(_("Scheduled cases (CSV, up to 5 MB)"), type=["csv"], key="batch_file")
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
    bar = st.progress(0.0, text=_("Quoting {rows} rows...").format(rows=f"{len(df):,}"))
    result = batch_csv.quote_cases(df, prices, progress=lambda f: bar.progress(
        f, text=_("Quoting... {share}").format(share=f"{f:.0%}")))
    bad = len(df) - result.ok
    bar.progress(1.0, text=_("Done: {ok} of {rows} rows quoted, {bad} with errors.").format(
        ok=f"{result.ok:,}", rows=f"{len(df):,}", bad=f"{bad:,}"))
    table = result.table
    errors = table[table["status"] != "ok"]
    if len(errors):
        st.error(md(ngettext("{n} row of {file} has problems and was not quoted:",
                             "{n} rows of {file} have problems and were not quoted:", len(errors)).format(
            n=f"{len(errors):,}", file=upload.name)), icon=":material/error:")
        st.markdown("\n".join("- " + _("Row {row}: {problem}").format(row=int(r.row), problem=md(r.error))
                              for r in errors.head(MAX_LISTED_ERRORS).itertuples()))
        if len(errors) > MAX_LISTED_ERRORS:
            st.caption(_("... and {n} more: every one is in the table and the CSV.").format(
                n=f"{len(errors) - MAX_LISTED_ERRORS:,}"))
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
    c1.download_button(_("Download the results (CSV)"), result.to_csv(), file_name="quoted-cases.csv", mime="text/csv",
                       on_click="ignore", type="primary")
    if result.ok:
        label = (_("Download the patient summaries (ZIP of PDFs), first {n}").format(n=batch_csv.MAX_DOCUMENTS)
                 if result.ok > batch_csv.MAX_DOCUMENTS else _("Download the patient summaries (ZIP of PDFs)"))
        c2.download_button(label, lambda: batch_csv.documents_zip(result, prices), file_name="summaries.zip",
                           mime="application/zip", on_click="ignore")
        # One save per uploaded file: the same upload is not saved twice by a second click.
        digest = hashlib.sha256(data).hexdigest()
        done = st.session_state.get("batch_saved", {}).get(digest)
        if done:
            top.success(_("Saved {n} quotes to the quote log from {file} ({first} to {last}); each keeps its row "
                          "number.").format(n=f"{len(done):,}", file=md(upload.name), first=done[0], last=done[-1]),
                        icon=":material/check:")
        if c3.button(_("Save the {n} quoted rows to the quote log").format(n=f"{result.ok:,}"),
                     disabled=bool(done) or not staff,
                     help=_("Enter your name or initials first.") if not staff else
                     _("Each quoted row becomes a quote in the log, with its row number.")):
            try:
                saved = desk.save_batch(log, result, staff, prices, file_name=upload.name)
            except (InputError, desk.StorageError) as e:
                for message in ([err.message for err in e.errors] if isinstance(e, InputError) else [str(e)]):
                    top.error(md(_("Not saved: ") + message), icon=":material/error:")
                st.toast(_("Not saved: the reason is at the top of the page."), icon=":material/error:")
            else:
                st.session_state.setdefault("batch_saved", {})[digest] = [s.id for s in saved]
                st.session_state["batch_toast"] = _("Saved {n} quotes to the quote log.").format(n=f"{len(saved):,}")
                st.rerun()
for_toast = st.session_state.pop("batch_toast", None)
if for_toast:
    st.toast(for_toast, icon=":material/check:")
