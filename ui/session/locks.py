"""What a classroom link lets a session change: the one place that decides (pure, no Streamlit).

A link's ``hide`` names settings, view choices and sections (``network``, ``training``, ``stop``,
``data``, ``upload``, ``editor``). A setting is fixed when it is named, or when its section
(``RunSettings`` field metadata) is. Every route that changes settings, not only the widgets the
page hides, passes through :func:`hold` in :func:`ui.session.actions.set_settings`: a run bundle,
Compare runs' Restore, the presets, the one-click fixes. A bundle's table is not loaded when
:func:`tables_fixed` says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings

SECTION_OF = {f.name: f.metadata.get("section", "") for f in dataclasses.fields(RunSettings)}

# What the classroom link's hide list calls each lockable name: the label of its widget on the
# page (without the widget's own hints in brackets), so a teacher finds it by the word they
# see; the code name follows in brackets (``hide_label``). A test reads the pages' widgets.
SECTION_LABELS = {
    "data": "Dataset choice: the whole section (built-in list, samples, noise, seed)",
    "upload": "CSV upload: the whole section",
    "editor": "Row editor: the whole section",
    "network": "Network settings: the whole section",
    "training": "Training settings: the whole section",
    "stop": "Stop settings: the whole section",
}
LABELS = {
    # the Data page
    "dataset": "Dataset", "n_samples": "Samples", "noise": "Noise", "data_seed": "Data seed",
    "test_fraction": "Test fraction", "target": "Target column", "features": "Feature columns",
    "task": "Task",
    # the Train page: Network
    "hidden": "Hidden layers", "activation": "Activation (hidden layers)", "output": "Output",
    "loss": "Loss", "init": "Initialisation", "scale": "Input scaling", "bias": "Biases",
    "transforms": "Extra input features",
    # Training
    "lr": "Learning rate", "batch_size": "Batch size", "optimizer": "Optimiser",
    "momentum": "Momentum", "l1": "Regularisation (L1)", "l2": "Regularisation (L2)",
    "seed": "Seed", "shuffle": "Shuffle rows each epoch", "update_rule": "Update rule",
    "dtype": "Number format",
    # Stop
    "epochs": "Stop after epochs", "target_loss": "Stop at training loss",
    "patience": "Early stopping: patience", "validation_fraction":
    "Validation share of the training rows",
    # the charts' view choices
    "speed": "Speed", "surface_x": "Surface: horizontal input",
    "surface_y": "Surface: vertical input", "discretise": "Discretise", "log_loss": "Log loss",
}


def hide_label(name: str) -> str:
    """The hide list's text for a lockable name: the page's label, then the code name
    (``"Learning rate (lr)"``); a section says it hides the whole section."""
    label = SECTION_LABELS.get(name) or LABELS.get(name)
    return f"{label} ({name})" if label else name


def hide_order(names: Iterable[str]) -> list[str]:
    """The hide list's order: the whole sections first, then the single controls by label."""
    return sorted(names, key=lambda n: (n not in SECTION_LABELS, hide_label(n).lower()))


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
