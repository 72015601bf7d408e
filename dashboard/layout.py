"""The app's own style sheet (dashboard/content/app.css), sent inline with every page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

from estimator.common import i18n

CSS = Path(__file__).parent / "content" / "app.css"


@lru_cache(maxsize=1)
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def style() -> None:
    """Add the style sheet to the page (a style-only st.html takes no space on the page)."""
    st.html(f"<style>{_css()}</style>")


def declare_language(lang: str) -> None:
    """Declare the page's language to screen readers and browsers. Streamlit's page shell says
    ``<html lang="en">`` whatever the content and has no setting for it, so a one-line script sets
    the document's ``lang``; its only input is a language code checked against the catalogue's
    (never text a user typed)."""
    code = i18n.check(lang)
    st.html(f'<script>document.documentElement.lang = "{code}";</script>', unsafe_allow_javascript=True)
