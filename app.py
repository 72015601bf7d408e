"""The dashboard: ``streamlit run app.py`` (or scripts/app).

A multipage app; each page lives in app_pages/ and holds no pricing logic of its own.
"""

import streamlit as st

from dashboard.layout import style
from dashboard.nav import menu

st.set_page_config(page_title="Epidural injection cost estimator", page_icon="static/icon.png",
                   layout="wide", initial_sidebar_state="collapsed")

pages = {
    "For patients": [
        st.Page("app_pages/estimate.py", title="Estimate my cost", icon=":material/calculate:", default=True),
        st.Page("app_pages/prices.py", title="Prices near you", icon=":material/map:", url_path="prices"),
        st.Page("app_pages/about.py", title="About the procedure", icon=":material/info:", url_path="about"),
        st.Page("app_pages/methods.py", title="Data & methods", icon=":material/dataset:", url_path="methods"),
    ],
    "Front desk": [
        st.Page("app_pages/front_desk.py", title="Quote", icon=":material/point_of_sale:", url_path="desk"),
        st.Page("app_pages/quote_log.py", title="Quote log", icon=":material/history:", url_path="log"),
        st.Page("app_pages/batch_quotes.py", title="Batch quotes", icon=":material/upload_file:", url_path="batch"),
        st.Page("app_pages/clinic_prices.py", title="Clinic prices", icon=":material/sell:", url_path="clinic-prices"),
    ],
}
style()
current = st.navigation(pages, position="hidden")
menu(pages)
current.run()
