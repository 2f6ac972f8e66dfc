"""Showing user text (column names, file names, class labels) safely.

User text never goes into HTML. Streamlit renders markdown in labels, captions and alerts, so
text shown there is escaped first: ``[a](b)``, ``**x**`` or ``$x$`` in a column name shows as
typed instead of becoming a link, bold or maths.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$:~<>=^])")


def plain(text: object, limit: int = 200) -> str:
    """``text`` as a string that Streamlit's markdown shows literally (cut to ``limit`` chars)."""
    s = " ".join(str(text).split())  # one line, no markdown line structure
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def plotly_text(text: object, limit: int = 80) -> str:
    """``text`` for a Plotly title, legend or hover label: one line, its HTML-like tags and
    entities escaped (Plotly renders a subset of HTML in labels)."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
