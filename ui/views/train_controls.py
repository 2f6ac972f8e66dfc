"""The Train page's settings widgets, each bound to one field of the session's RunSettings.

Every widget takes its value from the stored settings (:func:`ui.session.widgets.bind`) and writes
back through :func:`ui.session.actions.try_update_settings`, which keeps the trained weights for
hyper-parameters (learning rate, batch size, optimiser, regularisation, update rule), resets
them for anything that changes the network (architecture, initialisation, biases, scaling),
says which happened, and shows a refused value as one ``st.error`` line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from nn_core.settings import (
    BLOG_SETUP,
    DTYPES,
    EARLY_STOPPING_ROWS,
    INITS,
    LEARNING_RATES,
    LOSSES,
    MAX_HIDDEN_LAYERS,
    OPTIMIZERS,
    OUTPUTS,
    SCALES,
    TRANSFORMS,
    UPDATE_RULES,
    RunSettings,
    choice_title,
    help_text,
    hidden_activations,
    value_range,
)
from ui.session import actions, store, widgets
from ui.views.text import plain

# Every limit, name and help text comes from the settings' field metadata
# (nn_core/settings.py), as links and the CLI's do: a value a link can set, a widget can show.
MAX_LAYERS = MAX_HIDDEN_LAYERS
UNITS_WIDTH = 104  # px: a hidden layer's units box, "Layer 6" and its help icon on one line
MIN_UNITS, MAX_UNITS = value_range("hidden")
# the sliders' steps between the settings' own ends (which are always options too); the
# learning rates' are nn_core.settings.LEARNING_RATES, the grid the trainer suggests from
VALIDATION_SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
REG_RATES = (0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def titles(name: str) -> Any:
    """A widget's ``format_func`` naming the choices of setting ``name``."""
    return lambda choice: choice_title(name, choice)


def _fmt_rate(v: float) -> str:
    return f"{v:g}"


def rate_options(field: str, steps: tuple[float, ...], current: float) -> tuple[float, ...]:
    """A select slider's options: the steps within the field's range, its two ends, and the
    current value (a link's 0.05 shows as 0.05, not as the nearest step)."""
    lo, hi = value_range(field)
    return tuple(sorted({float(lo), float(hi), float(current),
                         *(float(v) for v in steps if lo <= v <= hi)}))


def _set(**changes: Any) -> None:
    actions.try_update_settings(**changes)


# ------------------------------------------------------------------------------ architecture
def _on_layers(n: int) -> None:
    n = int(n)
    hidden = list(store.session().settings.hidden)
    fill = hidden[-1] if hidden else 4
    _set(hidden=tuple((hidden + [fill] * n)[:n]))


def _on_units(units: int, layer: int) -> None:
    hidden = list(store.session().settings.hidden)
    if layer < len(hidden):
        hidden[layer] = int(units)
        _set(hidden=tuple(hidden))


def architecture(n_features: int) -> None:
    """Hidden layers, units per layer, activation, output and loss (limits: RunSettings)."""
    s = store.session().settings
    if not actions.shown("hidden"):
        st.caption("Hidden layers: " + (", ".join(map(str, s.hidden)) or "none"))
    else:
        st.number_input("Hidden layers", 0, MAX_LAYERS, step=1,
                        key=widgets.put(widgets.W_HIDDEN_LAYERS, len(s.hidden)),
                        on_change=widgets.on_value(widgets.W_HIDDEN_LAYERS, _on_layers),
                        help="0 = no hidden layer (a linear or logistic model).")
    if s.hidden and actions.shown("hidden"):
        # short labels in boxes of one width that wrap in layer order: one line each, however
        # narrow the column and however many layers
        st.caption("Units in each hidden layer")
        with st.container(horizontal=True, key="train_units", gap="small"):
            for i, units in enumerate(s.hidden):
                key = widgets.put(widgets.units_key(i), int(units))
                st.number_input(
                    f"Layer {i + 1}", MIN_UNITS, MAX_UNITS, step=1, key=key, width=UNITS_WIDTH,
                    on_change=widgets.on_value(key, _on_units, i),
                    help=f"Units in hidden layer {i + 1}. " + help_text("hidden", True),
                )
    if actions.shown("activation"):
        _activation(s.activations)
    if actions.shown("output"):
        st.selectbox("Output", OUTPUTS, format_func=titles("output"),
                     help=help_text("output", effect=True),
                     key=widgets.bind("output"), on_change=widgets.on_change("output"))
    if actions.shown("loss"):
        st.selectbox("Loss", LOSSES, format_func=titles("loss"), help=help_text("loss", True),
                     key=widgets.bind("loss"), on_change=widgets.on_change("loss"))
    if actions.shown("init"):
        st.selectbox("Initialisation", INITS, format_func=titles("init"),
                     help=help_text("init", True),
                     key=widgets.bind("init"), on_change=widgets.on_change("init"))
    if actions.shown("scale"):
        st.selectbox("Input scaling", SCALES, format_func=titles("scale"),
                     key=widgets.bind("scale"), on_change=widgets.on_change("scale"),
                     help=help_text("scale", True))
    if actions.shown("bias"):
        st.checkbox("Biases", key=widgets.bind("bias"), on_change=widgets.on_change("bias"),
                    help=help_text("bias", True))
    if n_features == 2 and actions.shown("transforms"):
        st.multiselect("Extra input features", TRANSFORMS, key=widgets.bind("transforms", list),
                       on_change=widgets.on_change("transforms", tuple),
                       help=help_text("transforms", True))


def _activation(acts: tuple[str, ...]) -> None:
    if len(set(acts)) <= 1:
        names = hidden_activations()
        st.selectbox("Activation (hidden layers)", names, help=help_text("activation", True),
                     key=widgets.bind("activation", lambda v: v if v in names else None),
                     on_change=widgets.on_change("activation"))
    else:
        st.text_input("Activations, one per hidden layer", help=help_text("activation", True),
                      key=widgets.bind("activation"),
                      on_change=widgets.on_change("activation"))


# ------------------------------------------------------------------------------- optimisation
def _regularisation(s: Any) -> tuple[str, float]:
    """The regularisation widgets' view of the settings: its kind and its rate."""
    return ("L1" if s.l1 > 0 else "L2" if s.l2 > 0 else "none"), (s.l1 if s.l1 > 0 else s.l2)


def _on_reg_kind(kind: str) -> None:
    _on_reg(kind, _regularisation(store.session().settings)[1])


def _on_reg_rate(rate: float) -> None:
    _on_reg(_regularisation(store.session().settings)[0], float(rate))


def _on_reg(kind: str, rate: float) -> None:
    if kind == "none":
        _set(l1=0.0, l2=0.0)
    elif kind == "L1":
        _set(l1=rate if rate > 0 else 0.001, l2=0.0)
    else:
        _set(l1=0.0, l2=rate if rate > 0 else 0.001)


def optimisation(n_train: int) -> None:
    """Learning rate, batch size, optimiser, regularisation, update rule, seed."""
    s = store.session().settings
    rates = rate_options("lr", LEARNING_RATES, s.lr)
    if actions.shown("lr"):
        st.select_slider("Learning rate", rates, format_func=_fmt_rate,
                         key=widgets.bind("lr", float), on_change=widgets.on_change("lr"),
                         help=help_text("lr", True) + f" TensorFlow Playground's steps, "
                         f"{rates[0]:g} to {rates[-1]:g}, and any value a link set.")
    if actions.shown("batch_size"):
        st.number_input("Batch size (0 = all rows)", *value_range("batch_size"), step=1,
                        key=widgets.bind("batch_size"), on_change=widgets.on_change("batch_size"),
                        help=help_text("batch_size", True))
        if s.batch_size > n_train:
            st.caption(f"{s.batch_size:,} is more than the data's {n_train:,} rows: each "
                       "batch is the whole training set.")
    if actions.shown("optimizer"):
        st.selectbox("Optimiser", OPTIMIZERS, format_func=titles("optimizer"),
                     help=help_text("optimizer", True),
                     key=widgets.bind("optimizer"), on_change=widgets.on_change("optimizer"))
    if s.optimizer == "momentum" and actions.shown("momentum"):
        st.number_input("Momentum", *value_range("momentum"), step=0.05, format="%.3f",
                        key=widgets.bind("momentum"), on_change=widgets.on_change("momentum"),
                        help=help_text("momentum", True))
    kind, rate = _regularisation(s)
    if actions.shown("l1", "l2"):
        st.selectbox("Regularisation", ("none", "L1", "L2"),
                     key=widgets.put(widgets.W_REG_KIND, kind),
                     on_change=widgets.on_value(widgets.W_REG_KIND, _on_reg_kind))
        if kind != "none":  # (not a disabled slider: its greyed label was unreadable, 2.6:1)
            st.select_slider("Regularisation rate", rate_options("l2", REG_RATES, rate),
                             format_func=_fmt_rate, key=widgets.put(widgets.W_REG_RATE, rate),
                             on_change=widgets.on_value(widgets.W_REG_RATE, _on_reg_rate),
                             help=f"{help_text('l1')} {help_text('l2', True)}")
    if actions.shown("update_rule"):
        _update_rule()
    if actions.shown("seed"):
        st.number_input("Seed", *value_range("seed"), step=1, key=widgets.bind("seed"),
                        on_change=widgets.on_change("seed"), help=help_text("seed", True))
    if actions.shown("shuffle"):
        st.checkbox("Shuffle rows each epoch", key=widgets.bind("shuffle"),
                    on_change=widgets.on_change("shuffle"), help=help_text("shuffle", True))
    if actions.shown("dtype"):
        st.radio("Number format", DTYPES, horizontal=True, format_func=titles("dtype"),
                 help=help_text("dtype", True), key=widgets.bind("dtype"),
                 on_change=widgets.on_change("dtype"))


def _update_rule() -> None:
    st.radio("Update rule", UPDATE_RULES, horizontal=True,
             format_func=titles("update_rule"), help=help_text("update_rule", True),
             key=widgets.bind("update_rule"), on_change=widgets.on_change("update_rule"))


def _fmt_share(v: float) -> str:
    return f"{v:.0%}" if v else "none"


def stopping() -> None:
    """Stop at a number of epochs, a target loss, or early: after ``patience`` epochs without
    a better validation loss, with the best weights restored."""
    s = store.session().settings
    if actions.shown("epochs"):
        st.number_input("Stop after epochs", *value_range("epochs"), step=100,
                        key=widgets.bind("epochs"), on_change=widgets.on_change("epochs"),
                        help=help_text("epochs", True))
    if actions.shown("target_loss"):
        st.number_input("…or at training loss", *value_range("target_loss"), step=0.001,
                        format="%.4f", key=widgets.bind("target_loss"),
                        on_change=widgets.on_change("target_loss"),
                        help=help_text("target_loss", True))
    if actions.shown("patience"):
        st.number_input("Early stopping: patience (epochs)", *value_range("patience"), step=5,
                        key=widgets.bind("patience"), on_change=widgets.on_change("patience"),
                        help=help_text("patience", True) + " On by default for an uploaded "
                        f"table of {EARLY_STOPPING_ROWS} rows or more.")
    if actions.shown("validation_fraction"):
        shares = rate_options("validation_fraction", VALIDATION_SHARES, s.validation_fraction)
        st.select_slider("Validation share of the training rows", shares,
                         format_func=_fmt_share, key=widgets.bind("validation_fraction", float),
                         on_change=widgets.on_change("validation_fraction"),
                         help=help_text("validation_fraction", True))
    if s.patience > 0 and s.validation_fraction == 0:
        st.caption("No validation share: early stopping watches the training loss.")


# ------------------------------------------------------------------------ surface held inputs
def held_inputs(dataset: Any, ix: int, iy: int) -> tuple[tuple[int, float], ...]:
    """One slider per input the surface does not plot (``ix``, ``iy`` are plotted), over that
    input's data range and starting at its mean; returns ``(input, value)`` pairs for
    :class:`ui.live.view.ViewOptions`. Only the chart changes, never the training."""
    X = np.asarray(dataset.X, dtype=float)
    others = [j for j in range(X.shape[1]) if j not in (ix, iy)]
    if not others:
        return ()
    held = []
    with st.expander(f"Inputs the surface holds fixed ({len(others)})", expanded=False):
        st.caption("The surface plots two inputs; the network still needs the others. Move "
                   "them to see the surface elsewhere (training is not affected).")
        for j in others:
            lo, hi = float(X[:, j].min()), float(X[:, j].max())
            value = float(X[:, j].mean())
            key = widgets.seed(widgets.held_input_key(j), value)
            if hi > lo:
                value = st.slider(plain(dataset.feature_names[j], 60), lo, hi,
                                  step=(hi - lo) / 100, key=key, format="%.4g")
            held.append((j, float(value)))
    return tuple(held)


# ------------------------------------------------------------------------------ scaling hint
MINMAX_FIX = ("Use min–max scaling", {"scale": "minmax"})
BIAS_FIX = ("Turn biases on", {"bias": True})


def scaling_hint(settings: Any, max_abs_input: float) -> tuple[str, list[tuple[str, dict]]]:
    """What is true about the input scaling for these settings, and one-click fixes.

    Returns ``("", [])`` when there is nothing to say. Each fix is ``(button label, settings
    changes)``; on the blog's network each one makes it separate its three test people.
    """
    if settings.scale == "none" and max_abs_input > 5:
        return ("Raw inputs (no scaling): values this large push sigmoid and tanh units to "
                "their limits (0 or 1, −1 or 1), where their slope is ~0 — see the unit slopes "
                "under the charts. Min–max "
                "scaling puts every input in 0.01–0.99"
                + (", which works with or without biases." if not settings.bias else "."),
                [MINMAX_FIX])
    if settings.scale == "standard" and not settings.bias:
        return ("Standardised inputs without biases: standardising moves the average row to "
                "all zeros, the one point a bias-free network cannot move away from — every "
                "hidden unit's boundary passes through it and gives the same output there "
                "whatever the weights (0.5 for sigmoid). On the blog's table this leaves the "
                "training accuracy at 50%. Use min–max scaling or turn biases on.",
                [MINMAX_FIX, BIAS_FIX])
    return "", []


def show_scaling_hint(settings: Any, max_abs_input: float) -> None:
    """The scaling hint as an info box with one button per fix a classroom link allows."""
    text, fixes = scaling_hint(settings, max_abs_input)
    if not text:
        return
    st.info(text)
    for label, changes in fixes:
        if actions.may_change(*changes):
            st.button(label, key=widgets.fix_key(changes), on_click=_set, kwargs=changes,
                      width="stretch")


def use_blog_setup() -> None:
    """The blog's network: 2 sigmoid hidden units, no biases, squared error, per-row updates,
    its initialisation and update rule, raw inputs."""
    _set(**BLOG_SETUP)


def use_playground_defaults() -> None:
    """Back to the playground's defaults for the network and its training (data unchanged)."""
    d = RunSettings()
    _set(**{k: getattr(d, k) for k in BLOG_SETUP})
