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

The same script keeps the keyboard's place on the Train page: Play and Pause are two buttons,
each drawn in the other's place, so the focus on the one pressed would fall back to the page
when it goes; it moves to the one that comes instead, and Enter pauses what Enter started.
:data:`FOCUS_CSS` draws a focus ring where Streamlit draws none (the main area, which Chromium
puts in the tab order because it scrolls).
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
  // Play <-> Pause: the pressed one goes, the other comes in its place (module text)
  const PARTNER = { train_play: "train_pause", train_pause: "train_play" };
  const keyOf = (el) => {
    if (!el || el.tagName !== "BUTTON") return null;
    const box = el.closest(".st-key-train_play, .st-key-train_pause");
    if (!box) return null;
    return box.classList.contains("st-key-train_play") ? "train_play" : "train_pause";
  };
  let left = null; // {el, key}: the focused Play or Pause button
  document.addEventListener("focusin", (ev) => {
    const key = keyOf(ev.target);
    left = key ? { el: ev.target, key } : null;
  }, true);
  const keepFocus = () => {
    if (!left || left.el.isConnected) return;
    const lost = document.activeElement === null || document.activeElement === document.body;
    const next = document.querySelector(`.st-key-${PARTNER[left.key]} button`);
    if (lost && next) {
      left = null;
      next.focus();
    }
  };
  let queued = false;
  const later = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; mark(); keepFocus(); });
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
# The main area scrolls, so Chromium gives it a tab stop; Streamlit draws no focus on it.
FOCUS_CSS = """
main:focus-visible, [data-testid="stMain"]:focus-visible {
  outline: 3px solid #b93d18; outline-offset: -3px;
}
"""
_support = None


def page_support() -> None:
    """Every page's keyboard and contrast support (see the module's text): one empty element
    in the sidebar that carries :data:`CODE_CSS` and makes scrolling formulas focusable."""
    global _support
    if _support is None:
        _support = st.components.v2.component("nn_page_support", js=_FORMULAS_JS,
                                              css=CODE_CSS + FOCUS_CSS, isolate_styles=False)
    with st.sidebar:  # an empty element still takes a gap: not above the page's title
        _support(key=widgets.W_PAGE_SUPPORT, height=0)
