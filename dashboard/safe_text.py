"""Showing text that users or links supply, safely, in Streamlit elements that render Markdown.

``md(text)`` escapes every character Markdown (and Streamlit's own extensions: ``:icon:``,
``:color[...]``, ``$math$``) gives a meaning, so a URL parameter, a file name, a column name or a
typed value is shown as the characters it is: ``![x](http://host/i.gif)`` is not fetched as an
image, ``[sign in](http://...)`` is not a link. Use it on every such value before it reaches
``st.markdown``, ``st.error``, ``st.warning``, ``st.info``, ``st.success`` or ``st.caption``.
"""

from __future__ import annotations

import re

#: Characters that start Markdown syntax anywhere on a line: emphasis, code, links and images, HTML,
#: tables, strike-through, math, and Streamlit's ``:icon:`` / ``:color[...]`` directives (a ':' escaped
#: also keeps a bare ``http://`` from being turned into a link).
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>!|~$:])")
#: What makes a block of the line's start: a heading, a list item, a quote, a numbered item.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md(text: object) -> str:
    """``text`` with Markdown's special characters escaped and line breaks as spaces."""
    one_line = " ".join(str(text).splitlines())
    return _LINE_START.sub(lambda m: m.group(1) + (m.group(2)[:-1] + "\\" + m.group(2)[-1]),
                           _SPECIAL.sub(r"\\\1", one_line))


def shown(markdown: str) -> str:
    """The text ``md`` output reads as on screen (its escapes removed): for tests and logs."""
    return re.sub(r"\\(.)", r"\1", markdown)
