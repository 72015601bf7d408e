"""The dashboard: ``streamlit run app.py`` (or scripts/app).

A multipage app; each page lives in app_pages/ and holds no pricing logic of its own.

The "Front desk" menu appears only to staff: when the desk is open on this install
(``ESTIMATOR_FRONT_DESK=open``) or the visitor has signed in (see dashboard/access.py). Otherwise the
front-desk pages are still registered at their addresses (``/desk``, ``/log``, ``/batch``,
``/clinic-prices``) but hidden from the menu, so staff who go to ``/desk`` reach the sign-in (or the
reason the desk is closed) while patients never see the group.

Every page speaks the language the page address names (``?lang=es``; the switch in the menu row sets
it, and dashboard/state.py keeps it in the address like every other input): the patients' pages and
the front desk's alike. The language is set at the top of every run, before the pages are built. The
front desk prints a patient's documents in the language chosen for that patient.
"""

import streamlit as st

from dashboard import access, state
from dashboard.layout import declare_language, style
from dashboard.nav import menu
from estimator.common import i18n
from estimator.common.i18n import _

i18n.set_language(state.language())
st.set_page_config(page_title=_("Epidural injection cost estimator"), page_icon="static/icon.png",
                   layout="wide", initial_sidebar_state="collapsed")

patient_pages = [
    st.Page("app_pages/estimate.py", title=_("Estimate my cost"), icon=":material/calculate:", default=True),
    st.Page("app_pages/prices.py", title=_("Prices near you"), icon=":material/map:", url_path="prices"),
    st.Page("app_pages/about.py", title=_("About the procedure"), icon=":material/info:", url_path="about"),
    st.Page("app_pages/methods.py", title=_("Data & methods"), icon=":material/dataset:", url_path="methods"),
]
staff_visible = access.signed_in()
desk_pages = [
    st.Page(path, title=title, icon=icon, url_path=url, visibility="visible" if staff_visible else "hidden")
    for path, title, icon, url in (
        ("app_pages/front_desk.py", _("Quote"), ":material/point_of_sale:", "desk"),
        ("app_pages/quote_log.py", _("Quote log"), ":material/history:", "log"),
        ("app_pages/batch_quotes.py", _("Batch quotes"), ":material/upload_file:", "batch"),
        ("app_pages/clinic_prices.py", _("Clinic prices"), ":material/sell:", "clinic-prices"),
    )
]
# Hidden pages sit in the patients' group, so no "Front desk" heading appears for patients.
pages = {_("For patients"): patient_pages, _("Front desk"): desk_pages} if staff_visible else \
    {_("For patients"): patient_pages + desk_pages}
style()
current = st.navigation(pages, position="hidden")
declare_language(i18n.get_language())
menu(pages)
current.run()
