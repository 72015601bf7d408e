"""The app's own style sheet (dashboard/content/app.css), sent inline with every page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

CSS = Path(__file__).parent / "content" / "app.css"


@lru_cache(maxsize=1)
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def style() -> None:
    """Add the style sheet to the page (a style-only st.html takes no space on the page)."""
    st.html(f"<style>{_css()}</style>")
