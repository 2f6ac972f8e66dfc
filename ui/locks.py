"""What a classroom link lets a session change: the one place that decides (pure, no Streamlit).

A link's ``hide`` names settings, view choices and sections (``network``, ``training``, ``stop``,
``data``, ``upload``, ``editor``). A setting is fixed when it is named, or when its section
(``RunSettings`` field metadata) is. Every route that changes settings, not only the widgets the
page hides, passes through :func:`hold` in :func:`ui.state.set_settings`: a run bundle, Compare
runs' Restore, the presets, the one-click fixes. A bundle's table is not loaded when
:func:`tables_fixed` says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings

SECTION_OF = {f.name: f.metadata.get("section", "") for f in dataclasses.fields(RunSettings)}


def fixed_fields(locked: Iterable[str]) -> frozenset[str]:
    """The RunSettings fields a lock fixes: each named one, and every field of a named section."""
    names = frozenset(locked)
    return frozenset(f for f, section in SECTION_OF.items() if f in names or section in names)


def may_change(locked: Iterable[str], *fields: str) -> bool:
    """Whether a session with this lock may change all of ``fields``."""
    return not fixed_fields(locked) & set(fields)


def tables_fixed(locked: Iterable[str]) -> bool:
    """Whether the lock keeps new tables out: the upload section (a run bundle's table is an
    upload too). Hiding ``data`` fixes the built-in choice; the Upload tab stays, as it did."""
    return "upload" in frozenset(locked)


def hold(current: RunSettings, proposed: RunSettings,
         locked: Iterable[str]) -> tuple[RunSettings, list[str]]:
    """``proposed`` with every fixed field kept at its ``current`` value, and the names of the
    fields that were kept (those ``proposed`` would have changed), in field order.

    When the kept values do not go with the rest (e.g. an activation per layer of a network
    whose layers are fixed), the kept fields' whole sections are kept; when even that does not
    go together, nothing changes.
    """
    fixed = fixed_fields(locked)
    kept = [f for f in SECTION_OF if f in fixed and getattr(proposed, f) != getattr(current, f)]
    if not kept:
        return proposed, []
    try:
        return proposed.replace(**{f: getattr(current, f) for f in kept}), kept
    except PlaygroundError:
        pass
    sections = {SECTION_OF[f] for f in kept}
    wider = [f for f in SECTION_OF
             if SECTION_OF[f] in sections and getattr(proposed, f) != getattr(current, f)]
    try:
        return proposed.replace(**{f: getattr(current, f) for f in wider}), wider
    except PlaygroundError:
        return current, [f for f in SECTION_OF if getattr(proposed, f) != getattr(current, f)]


def kept_notice(kept: Iterable[str], what: str = "the change") -> str:
    """One line for the user: which settings the classroom link kept, and what (``what``, e.g.
    "the run bundle") would have changed them."""
    return (f"This classroom link fixes {', '.join(kept)}: kept as they were ({what} would have "
            "changed them).")
