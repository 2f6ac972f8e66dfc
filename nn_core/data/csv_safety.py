"""Formula injection: text cells a spreadsheet would run, made harmless in every CSV we write.

OWASP's rule: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is run as a
formula by spreadsheets (``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``), so such a text cell gets a
leading ``'``, which spreadsheets show as text. Plain numbers (``-1.5``, ``+2e3``) stay numbers.
A cell that already starts with quotes before a formula's first character gets one more, so
:func:`restore` can undo exactly what :func:`neutralise` did and what the project reads back
stays equal. No pandas here: the CLI and the standalone script use it on their own.

A control character anywhere in a cell (carriage return, line feed, tab, ...) counts too: after a
line break inside a cell, a spreadsheet (or a reader that splits rows at a bare carriage return)
may see a new cell that starts there. Such a cell gets the ``'`` and is always quoted
(:func:`csv_row`); Python's csv writer with ``lineterminator="\n"`` quotes ``\n`` but not ``\r``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

# a text cell a spreadsheet would run as a formula, after any quotes already in front of it, or
# one with a control character anywhere (a formula may start after it)
FORMULA = re.compile(r"'*[=+\-@\t\r]|.*[\x00-\x1f\x7f]", re.DOTALL)
# a control character: no name, label or other text of a model, bundle or column may hold one
CONTROL_CHAR = re.compile(r"[\x00-\x1f\x7f]")
# a field that must be quoted: the separator, the quote, any control character
MUST_QUOTE = re.compile(r'[",\x00-\x1f\x7f]')
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet shows it but never runs: one more ``'`` before a formula."""
    if FORMULA.match(cell) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of :func:`neutralise`: ``restore(neutralise(s)) == s`` for every text."""
    return cell[1:] if cell.startswith("'") and FORMULA.match(cell) else cell


def csv_row(cells: Sequence[str]) -> str:
    """One CSV line (``\n``-terminated) of already neutralised text cells: a cell holding a
    comma, a quote or any control character is quoted, its quotes doubled."""
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # as Python's csv writes it: a blank line would be no row at all
    return ",".join('"' + c.replace('"', '""') + '"' if MUST_QUOTE.search(c) else c
                    for c in cells) + "\n"


def number_text(value: float) -> str:
    """A number as a CSV cell: a whole number without a decimal point (170, not 170.0; a class
    0, not 0.0), any other in its shortest round-trip form (``repr``), NaN as a blank cell."""
    v = float(value)
    if math.isnan(v):
        return ""
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)
