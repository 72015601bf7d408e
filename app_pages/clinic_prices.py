"""Clinic prices: the clinic's contracted allowed amounts per payer and bill, and its cash prices."""

import streamlit as st

from dashboard import access, store
from dashboard.safe_text import md
from estimator.common.errors import InputError
from estimator.common.i18n import _, ngettext
from estimator.frontdesk.clinic_prices import TEMPLATE, PriceList, price_text

staff = access.require_staff()
log = store.quote_log()

st.title(_("Clinic prices"))
st.markdown(_("Where the clinic has its own price for a bill (a payer contract, or a cash price for self-pay "
              "patients), quotes use it instead of the market estimate and name it as the source. Each upload is "
              "kept; the latest is in use."))
st.download_button(_("Download the template (CSV)"), TEMPLATE, file_name="clinic-prices-template.csv", mime="text/csv",
                   on_click="ignore")

AMOUNTS = {"amount": st.column_config.NumberColumn(format="dollar")}
# Just saved (the page is drawn again so that what is in use below is the list just saved).
just_saved = st.session_state.pop("prices_saved", None)
if just_saved:
    st.success(_("Saved as price list #{n}; quotes now use it.").format(n=just_saved), icon=":material/check:")
    st.toast(_("Saved as price list #{n}").format(n=just_saved), icon=":material/check:")
current = store.price_list()
if current:
    st.subheader(md(_("In use: {price_list}").format(price_list=current.label)))
    st.dataframe([p.__dict__ for p in current.prices], hide_index=True, width="stretch", column_config=AMOUNTS)
else:
    st.info(_("No clinic prices saved yet: quotes use market estimates."))

# A new key after each save empties the upload box (Streamlit cannot clear an uploader otherwise).
upload = st.file_uploader(_("New price list (CSV)"), type=["csv"],
                          key=f"prices_file_{st.session_state.get('prices_uploads', 0)}")
if upload is not None:
    try:
        text = price_text(upload.getvalue())
        candidate = PriceList.from_csv(text)
    except InputError as e:
        st.error(md(ngettext("{file} has {n} problem; nothing was saved:",
                             "{file} has {n} problems; nothing was saved:", len(e.errors)).format(
            file=upload.name, n=len(e.errors))))
        st.markdown("\n".join(f"- {md(err)}" for err in e.errors[:50]))
        st.stop()
    st.success(ngettext("{n} price read.", "{n} prices read.", len(candidate.prices)).format(n=len(candidate.prices)))
    st.dataframe([p.__dict__ for p in candidate.prices], hide_index=True, width="stretch", column_config=AMOUNTS)
    if st.button(_("Save as the clinic's prices"), type="primary", disabled=not staff,
                 help=None if staff else _("Enter your name or initials first.")):
        st.session_state["prices_saved"] = log.save_price_set(text, staff)
        st.session_state["prices_uploads"] = st.session_state.get("prices_uploads", 0) + 1
        st.rerun()
