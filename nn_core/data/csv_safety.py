"""Formula injection: text cells a spreadsheet would run, made harmless in every CSV we write.

OWASP's rule: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is run as a
formula by spreadsheets (``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``), so such a text cell gets a
leading ``'``, which spreadsheets show as text. Plain numbers (``-1.5``, ``+2e3``) stay numbers.
A cell that already starts with quotes before a formula's first character gets one more, so
:func:`restore` can undo exactly what :func:`neutralise` did and what the project reads back
stays equal. No pandas here: the CLI and the standalone script use it on their own.
"""

from __future__ import annotations

import re

# a text cell a spreadsheet would run as a formula, after any quotes already in front of it
FORMULA = re.compile(r"'*[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet shows it but never runs: one more ``'`` before a formula."""
    if FORMULA.match(cell) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The inverse of :func:`neutralise`: ``restore(neutralise(s)) == s`` for every text."""
    return cell[1:] if cell.startswith("'") and FORMULA.match(cell) else cell
