"""About the procedure: what 62321 is, in the project's own words (dashboard/content/about.md, and
about.<lang>.md in another language)."""

from pathlib import Path

import streamlit as st

from estimator.common import i18n
from estimator.common.i18n import _

CONTENT = Path(__file__).parents[1] / "dashboard" / "content"

st.title(_("About the procedure"))
page = CONTENT / f"about.{i18n.get_language()}.md"
st.markdown((page if page.exists() else CONTENT / "about.md").read_text())
