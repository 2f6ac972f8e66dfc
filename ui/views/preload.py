"""Warm the browser's code for the app's elements while the visitor reads the first page.

Streamlit's frontend loads the code of each kind of element the first time a page shows one:
``st.code`` pulls a 1.5 MB syntax highlighter, ``st.plotly_chart`` 4.7 MB of Plotly, ``st.latex``
KaTeX, ``st.dataframe`` its grid. Until that code has arrived and been parsed the element stays
empty: How it works showed blank code boxes for 1–3 s, and every first visit to a page waited
for its elements' code (``bench/page_runs.md``). This module mounts a tiny trusted component on
every page that, once the browser is idle, imports those modules one at a time from Streamlit's
own static folder (the same URLs Streamlit imports them from, so the browser keeps one copy), so
a later page finds its code ready.

No user text goes into it; the file names come from the installed Streamlit's static folder.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

from ui.session import widgets

# the element modules the app's pages use, the heaviest and most often waited for first
WANTED = ("StreamlitSyntaxHighlighter", "PlotlyChart", "katex", "DataFrame", "Table",
          "BidiComponent", "Slider", "Selectbox", "NumberInput", "Multiselect", "ButtonGroup",
          "Checkbox", "Radio", "TextInput", "DownloadButton", "FileUploader", "Metric")

# Trusted code: one module at a time, each when the browser is idle, once per page load.
_JS = """
export default function ({ data }) {
  if (window.__nnPreload) return;
  const main = document.querySelector('script[type="module"][src*="static/js/index."]');
  if (!main) return;
  window.__nnPreload = { done: [], failed: [] };
  const idle = window.requestIdleCallback
    ? (f) => window.requestIdleCallback(f, { timeout: 4000 })
    : (f) => setTimeout(f, 1000);
  const queue = data.chunks.slice();
  const next = () => {
    const name = queue.shift();
    if (!name) return;
    import(new URL(name, main.src).href)
      .then(() => window.__nnPreload.done.push(name), () => window.__nnPreload.failed.push(name))
      .finally(() => idle(next));
  };
  idle(next);
}
"""
_component = None
# A tab that has preloaded already holds this (the element's guard above): the browser tests'
# tabs start with it (tests/browser/conftest.py), so only a first visit they ask for pays the
# imports, once per tab as a visitor does.
ALREADY_PRELOADED_JS = "window.__nnPreload = { done: [], failed: [], skipped: 'already' };"


@lru_cache(maxsize=1)
def chunks() -> tuple[str, ...]:
    """The installed Streamlit's module files of :data:`WANTED`, in that order (none that it
    does not have)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return ()
    found = []
    for wanted in WANTED:
        pattern = re.compile(rf"{re.escape(wanted)}\.[A-Za-z0-9_-]+\.js")
        found += sorted(n for n in names if pattern.fullmatch(n))[:1]
    return tuple(found)


def warm_browser() -> None:
    """Mount the warming element (in the sidebar: an empty element still takes a gap)."""
    global _component
    names = chunks()
    if not names:
        return
    if _component is None:
        _component = st.components.v2.component("nn_preload", js=_JS)
    with st.sidebar:
        _component(key=widgets.W_PRELOAD, data={"chunks": list(names)}, height=0)
