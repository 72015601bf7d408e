"""About the procedure: what 62321 is, in the project's own words."""

from pathlib import Path

import streamlit as st

st.title("About the procedure")
st.markdown((Path(__file__).parents[1] / "dashboard" / "content" / "about.md").read_text())
