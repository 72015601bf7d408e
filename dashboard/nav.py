"""The app's menu: a row of links at the top of every page.

Streamlit's own menu folds into a side panel on a phone and stays open over the page after a
choice; plain links need no closing. Only the pages the visitor may use are listed. The row ends
with the language switch (English / Español), which sets the ``lang`` input (kept in the page
address by dashboard/state.py).
"""

from __future__ import annotations

import streamlit as st

from estimator.common import i18n

from . import state

SWITCH_KEY = "w_lang"


def _set_language() -> None:
    """The chosen language for this session, and in the address (the patients' pages rewrite their
    whole address each run; the front desk's keep only this)."""
    chosen = st.session_state[SWITCH_KEY]
    st.session_state[state.BY_NAME[state.LANG].key] = chosen
    if chosen == i18n.DEFAULT:
        st.query_params.pop(state.LANG, None)
    else:
        st.query_params[state.LANG] = chosen


def _language_switch(where) -> None:  # noqa: ANN001
    """A small picker labelled in both languages; its choice takes effect from this run on."""
    f = state.BY_NAME[state.LANG]
    st.session_state[SWITCH_KEY] = st.session_state.get(f.key) or state.language()
    where.selectbox(f.label, list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key=SWITCH_KEY,
                    on_change=_set_language, width=170)


def menu(groups: dict[str, list[st.Page]]) -> None:
    """One link per page the visitor may see (pages registered as hidden are left out), in a row that
    wraps on a narrow screen (the current page marked by Streamlit), and the language picker at its end."""
    row = st.container(horizontal=True, gap="small", key="app_menu", vertical_alignment="center")
    for i, (group, pages) in enumerate(groups.items()):
        shown = [p for p in pages if p.visibility != "hidden"]
        if i and shown:  # the patients' pages come first, unlabelled; staff see their group named
            row.markdown(f"**{group}:**")
        for page in shown:
            row.page_link(page, label=page.title, icon=page.icon)
    _language_switch(row)
