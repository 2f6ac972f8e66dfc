"""What the pages need for keyboard and screen-reader users beyond Streamlit's own widgets
and theme (.streamlit/config.toml sets the colours that the theme can set).

Code blocks (``st.code``) colour their syntax from a fixed palette that the theme does not
reach, and several of its colours fall short of 4.5:1 on the block's background (keywords
#1c83e1: 3.76:1, comments #808495: 3.58:1, numbers, constants and strings 2.3-2.9:1).
:data:`CODE_CSS` draws them in darker colours of the same hues (each at least 4.6:1 on the
code background), on every page (:func:`page_support`, from app.py).

A formula (``st.latex``: KaTeX) wider than its column scrolls sideways inside its own box; a
keyboard user can only scroll a box that can take the focus, and Streamlit renders it without.
:func:`formulas_reachable` adds a small script that gives every such box (only while it does
scroll) a place in the tab order and a name, so the arrow keys scroll it; the formula's own
MathML stays what a screen reader reads. Trusted code: no user text goes into it.
"""

from __future__ import annotations

import streamlit as st

from ui.session import widgets

_FORMULAS_JS = """
export default function () {
  if (window.__nnFormulas) return;
  window.__nnFormulas = true;
  const mark = () => {
    for (const el of document.querySelectorAll(".katex-display")) {
      const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && el.getAttribute("tabindex") !== "0") {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "group");
        el.setAttribute("aria-label", "Formula (scrolls sideways: arrow keys)");
      } else if (!scrolls && el.hasAttribute("tabindex")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
      }
    }
  };
  let queued = false;
  const later = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; mark(); });
  };
  new MutationObserver(later).observe(document.body, { subtree: true, childList: true });
  window.addEventListener("resize", later);
  later();
}
"""
# Syntax colours of st.code, each >= 4.6:1 on its background (#fafbfd); the selectors outrank
# Streamlit's own (one element more).
CODE_CSS = """
div.stCode .token.comment, div.stCode .token.prolog, div.stCode .token.doctype,
div.stCode .token.cdata, div.stCode .token.punctuation { color: #5c6070; }
div.stCode .token.attr-name, div.stCode .token.property,
div.stCode .token.variable { color: #0969da; }
div.stCode .token.boolean, div.stCode .token.constant, div.stCode .token.symbol { color: #116329; }
div.stCode .token.number, div.stCode .token.regex { color: #0a6b63; }
div.stCode .token.string, div.stCode .token.char, div.stCode .token.attr-value { color: #116329; }
div.stCode .token.operator, div.stCode .token.entity, div.stCode .token.decorator,
div.stCode .token.atrule { color: #953800; }
div.stCode .token.url { color: #8250df; }
div.stCode .token.keyword, div.stCode .token.tag, div.stCode .token.function,
div.stCode .token.class-name, div.stCode .token.selector { color: #0550ae; }
div.stCode .token.important { color: #b62324; }
"""
_support = None


def page_support() -> None:
    """Every page's keyboard and contrast support (see the module's text): one empty element
    in the sidebar that carries :data:`CODE_CSS` and makes scrolling formulas focusable."""
    global _support
    if _support is None:
        _support = st.components.v2.component("nn_page_support", js=_FORMULAS_JS,
                                              css=CODE_CSS, isolate_styles=False)
    with st.sidebar:  # an empty element still takes a gap: not above the page's title
        _support(key=widgets.W_PAGE_SUPPORT, height=0)
