"""The app's menu: a row of links at the top of every page.

Streamlit's own menu folds into a side panel on a phone and stays open over the page after a
choice; plain links need no closing. Only the pages the visitor may use are listed.
"""

from __future__ import annotations

import streamlit as st


def menu(groups: dict[str, list[st.Page]]) -> None:
    """One link per page the visitor may see (pages registered as hidden are left out), in a row that
    wraps on a narrow screen (the current page marked by Streamlit)."""
    row = st.container(horizontal=True, gap="small", key="app_menu", vertical_alignment="center")
    for i, (group, pages) in enumerate(groups.items()):
        shown = [p for p in pages if p.visibility != "hidden"]
        if i and shown:  # the patients' pages come first, unlabelled; staff see their group named
            row.markdown(f"**{group}:**")
        for page in shown:
            row.page_link(page, label=page.title, icon=page.icon)
