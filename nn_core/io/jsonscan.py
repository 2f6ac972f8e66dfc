"""How many values a JSON text can hold, counted before parsing it.

Parsing multiplies memory: ``[{},{},…]`` costs some 70 bytes per 3 characters, so a 5 MB file
would take 120 MB. A reader counts first and refuses a text with more values than any file of
its kind can need.
"""

from __future__ import annotations

import re

from nn_core.data.csv_safety import CONTROL_CHAR

# a string literal, escapes included (unrolled so that long strings cost one regex step each)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_items(text: str, limit: int) -> int:
    """An upper bound of the number of values (containers, keys, items) ``text`` parses to, or
    some number above ``limit`` once it is clear there are more (the work is bounded by it).

    Every value after the first in an array or object follows a comma, every key a colon, and
    every container opens with a bracket; strings are counted once more each. Separators inside
    strings are not counted; an unterminated string only makes the count larger.
    """
    rest, strings = _STRING.subn("", text, count=limit + 1)
    if strings > limit:
        return strings
    return 1 + strings + sum(rest.count(c) for c in ",:[{")


def control_text(value: object, skip: frozenset[str] = frozenset()) -> str | None:
    """The key path (``settings.features[2]``) of the first text in a parsed JSON ``value``, a
    key or a string, that holds a control character (line break, carriage return, tab, ...);
    ``None`` if there is none. Top-level keys in ``skip`` are not looked into (a bundle's CSV
    text has line breaks of its own)."""
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            if CONTROL_CHAR.search(v):
                return where or "text"
        elif isinstance(v, dict):
            for k, item in v.items():
                at = f"{where}.{k}" if where else str(k)
                if CONTROL_CHAR.search(str(k)):
                    return f"{where or 'top'} (a key)"
                if not (where == "" and k in skip):
                    stack.append((at, item))
        elif isinstance(v, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(v))
    return None
