"""Showing user text (column names, file names, class labels) safely.

User text never goes into HTML. Streamlit renders markdown in labels, captions, alerts, metric
values and the options of radios, select sliders, pills and segmented controls, so text shown
there goes through :func:`plain` first: ``[a](b)``, ``**x**`` or ``$x$`` in a column name shows
as typed instead of becoming a link, bold or maths, and a bare address (``http://…``,
``www.…``, ``a@b.example``) stays text instead of becoming a link. Selectboxes, multiselects,
tables and code blocks show text as it is: they get :func:`widget_text` (no backslashes).
Plotly renders a subset of HTML: figures get :func:`plotly_text`.
"""

from __future__ import annotations

import re
import unicodedata

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$:~<>=^])")
# Where GitHub-flavoured markdown's autolinker starts a link: the "://" after a scheme, the dot
# after "www", an at sign (which also covers mailto: and xmpp:). Escaping does not stop it: it
# matches the text after the escapes are read.
_LINK_START = re.compile(r"(?=\\://|@)|(?i:(?<=www)(?=\\\.))")
WORD_JOINER = "\u2060"  # invisible, and not a character the autolinker accepts in an address


def _one_line(text: object, limit: int, wide: bool = False) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis; with ``wide``, a
    wide character (CJK, full-width forms, most emoji) counts two, so the cut is at about the
    width of ``limit`` narrow ones."""
    s = " ".join(str(text).split())
    if not wide:
        return s if len(s) <= limit else s[: limit - 1] + "…"
    widths = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s]
    if sum(widths) <= limit:
        return s
    used = k = 0
    while used + widths[k] <= limit - 1:  # room for the ellipsis
        used += widths[k]
        k += 1
    return s[:k] + "…"


def plain(text: object, limit: int = 200) -> str:
    """``text`` as a string that Streamlit's markdown shows literally (cut to ``limit`` chars):
    markdown characters escaped, and an invisible word joiner before each ``://``, ``@`` and
    the dot of ``www.`` so no address in it becomes a link."""
    s = _MD_SPECIAL.sub(r"\\\1", _one_line(text, limit))  # one line: no markdown structure
    return _LINK_START.sub(WORD_JOINER, s)


def widget_text(text: object, limit: int = 200) -> str:
    """``text`` for a place that shows it as typed (selectbox and multiselect options): one
    line, cut to ``limit`` characters, nothing escaped."""
    return _one_line(text, limit)


def plotly_text(text: object, limit: int = 80, wide: bool = False) -> str:
    """``text`` for anything Plotly draws (titles, legends, tick labels, hover labels, text
    arrays): one line, with ``&``, ``<``, ``>`` and ``%`` as entities, since Plotly renders a
    subset of HTML in all of them and reads ``%{...}`` in templates. Plotly turns the entities
    back into the characters typed. ``wide``: a wide character counts two towards ``limit``
    (for text with a fixed room, such as an axis title)."""
    s = _one_line(text, limit, wide)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("%", "&#37;"))
