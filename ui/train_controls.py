"""The Train page's settings widgets, each bound to one field of the session's RunSettings.

Every widget takes its value from the stored settings (:func:`ui.state.bind`) and writes back
through :func:`ui.state.try_update_settings`, which keeps the trained weights for
hyper-parameters (learning rate, batch size, optimiser, regularisation, update rule), resets
them for anything that changes the network (architecture, initialisation, biases, scaling),
says which happened, and shows a refused value as one ``st.error`` line.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from nn_core.settings import (
    ACTIVATIONS,
    INITS,
    MAX_EPOCHS,
    MAX_PATIENCE,
    OPTIMIZERS,
    OUTPUTS,
    SCALES,
    TRANSFORMS,
)
from ui import state

MAX_LAYERS = 6
MAX_UNITS = 32
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
VALIDATION_SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
REG_RATES = (0.0, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LOSS_LABELS = {"auto": "auto (by problem)", "mse": "squared error (the blog's)",
               "bce": "binary cross-entropy", "ce": "categorical cross-entropy"}
OUTPUT_LABELS = {"auto": "auto (by problem)", "sigmoid": "sigmoid", "softmax": "softmax",
                 "linear": "linear"}
INIT_LABELS = {"blog": "the blog's: normal(0, n_out^-½)", "xavier": "Xavier (uniform)",
               "he": "He (normal)"}
SCALE_LABELS = {"standard": "standardise (mean 0, sd 1)", "minmax": "min–max to [0, 1]",
                "none": "none: raw values (the blog's)"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}

BLOG_SETUP: dict[str, Any] = {
    "hidden": (2,), "activation": "sigmoid", "output": "sigmoid", "loss": "mse", "bias": False,
    "init": "blog", "update_rule": "blog", "lr": 0.1, "batch_size": 1, "optimizer": "sgd",
    "l1": 0.0, "l2": 0.0, "scale": "none", "transforms": (), "shuffle": False,
}


def _fmt_rate(v: float) -> str:
    return f"{v:g}"


def _set(**changes: Any) -> None:
    state.try_update_settings(**changes)


# ------------------------------------------------------------------------------ architecture
def _on_layers() -> None:
    n = int(st.session_state["w_hidden_layers"])
    hidden = list(state.get_settings().hidden)
    fill = hidden[-1] if hidden else 4
    _set(hidden=tuple((hidden + [fill] * n)[:n]))


def _on_units(layer: int) -> None:
    hidden = list(state.get_settings().hidden)
    if layer < len(hidden):
        hidden[layer] = int(st.session_state[f"w_units_{layer}"])
        _set(hidden=tuple(hidden))


def architecture(n_features: int) -> None:
    """Hidden layers (0–6), units per layer (1–32), activation, output and loss."""
    s = state.get_settings()
    st.session_state["w_hidden_layers"] = len(s.hidden)
    if not state.shown("hidden"):
        st.caption("Hidden layers: " + (", ".join(map(str, s.hidden)) or "none"))
    else:
        st.number_input("Hidden layers", 0, MAX_LAYERS, step=1, key="w_hidden_layers",
                        on_change=_on_layers,
                        help="0 = no hidden layer (a linear or logistic model).")
    if s.hidden and state.shown("hidden"):
        cols = st.columns(min(len(s.hidden), 3))
        for i, units in enumerate(s.hidden):
            st.session_state[f"w_units_{i}"] = min(int(units), MAX_UNITS)
            cols[i % len(cols)].number_input(
                f"Units in layer {i + 1}", 1, MAX_UNITS, step=1, key=f"w_units_{i}",
                on_change=_on_units, args=(i,),
            )
    if state.shown("activation"):
        _activation(s.activations)
    if state.shown("output"):
        st.selectbox("Output", OUTPUTS, format_func=OUTPUT_LABELS.get,
                     key=state.bind("output"), on_change=state.on_change("output"))
    if state.shown("loss"):
        st.selectbox("Loss", tuple(LOSS_LABELS), format_func=LOSS_LABELS.get,
                     key=state.bind("loss"), on_change=state.on_change("loss"))
    if state.shown("init"):
        st.selectbox("Initialisation", INITS, format_func=INIT_LABELS.get,
                     key=state.bind("init"), on_change=state.on_change("init"))
    if state.shown("scale"):
        st.selectbox("Input scaling", SCALES, format_func=SCALE_LABELS.get,
                     key=state.bind("scale"), on_change=state.on_change("scale"),
                     help="Raw inputs of 150–180 (the blog's heights) drive sigmoids into "
                     "saturation; standardising them is what lets the network learn.")
    if state.shown("bias"):
        st.checkbox("Biases", key=state.bind("bias"), on_change=state.on_change("bias"),
                    help="The blog's network has none.")
    if n_features == 2 and state.shown("transforms"):
        st.multiselect("Extra input features", TRANSFORMS, key=state.bind("transforms", list),
                       on_change=state.on_change("transforms", tuple),
                       help="Computed from the two inputs, as in TensorFlow Playground.")


def _activation(acts: tuple[str, ...]) -> None:
    if len(set(acts)) <= 1:
        st.selectbox("Activation (hidden layers)", ACTIVATIONS,
                     key=state.bind("activation", lambda v: v if v in ACTIVATIONS else None),
                     on_change=state.on_change("activation"))
    else:
        st.text_input("Activations, one per hidden layer", key=state.bind("activation"),
                      on_change=state.on_change("activation"))


# ------------------------------------------------------------------------------- optimisation
def _on_reg() -> None:
    kind = st.session_state["w_reg_kind"]
    rate = float(st.session_state["w_reg_rate"])
    if kind == "none":
        _set(l1=0.0, l2=0.0)
    elif kind == "L1":
        _set(l1=rate if rate > 0 else 0.001, l2=0.0)
    else:
        _set(l1=0.0, l2=rate if rate > 0 else 0.001)


def optimisation(n_train: int) -> None:
    """Learning rate, batch size, optimiser, regularisation, update rule, seed."""
    s = state.get_settings()
    rates = tuple(sorted({*LEARNING_RATES, float(s.lr)}))
    if state.shown("lr"):
        st.select_slider("Learning rate", rates, format_func=_fmt_rate,
                         key=state.bind("lr", float), on_change=state.on_change("lr"),
                         help="TensorFlow Playground's steps, 0.00001 to 10. Changing it keeps "
                         "the weights.")
    if state.shown("batch_size"):
        st.number_input("Batch size (0 = all rows)", 0, max(n_train, 1), step=1,
                        key=state.bind("batch_size", lambda v: min(int(v), max(n_train, 1))),
                        on_change=state.on_change("batch_size"),
                        help="1 updates after every row, as the blog's loop does.")
    if state.shown("optimizer"):
        st.selectbox("Optimiser", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get,
                     key=state.bind("optimizer"), on_change=state.on_change("optimizer"))
    if s.optimizer == "momentum" and state.shown("momentum"):
        st.number_input("Momentum", 0.0, 0.999, step=0.05, format="%.3f",
                        key=state.bind("momentum"), on_change=state.on_change("momentum"))
    kind = "L1" if s.l1 > 0 else "L2" if s.l2 > 0 else "none"
    rate = s.l1 if s.l1 > 0 else s.l2
    st.session_state["w_reg_kind"] = kind
    st.session_state["w_reg_rate"] = rate
    if state.shown("l1", "l2"):
        st.selectbox("Regularisation", ("none", "L1", "L2"), key="w_reg_kind",
                     on_change=_on_reg)
        st.select_slider("Regularisation rate", tuple(sorted({*REG_RATES, float(rate)})),
                         format_func=_fmt_rate, key="w_reg_rate", on_change=_on_reg,
                         disabled=kind == "none")
    if state.shown("update_rule"):
        _update_rule()
    if state.shown("seed"):
        st.number_input("Seed", 0, 2**31 - 1, step=1, key=state.bind("seed"),
                        on_change=state.on_change("seed"), help="Initial weights and shuffling.")
    if state.shown("shuffle"):
        st.checkbox("Shuffle rows each epoch", key=state.bind("shuffle"),
                    on_change=state.on_change("shuffle"))


def _update_rule() -> None:
    st.radio("Update rule", ("exact", "blog"), horizontal=True,
             format_func={"exact": "exact gradient", "blog": "the blog's rule"}.get,
             key=state.bind("update_rule"), on_change=state.on_change("update_rule"),
             help="The blog's rule sends errors back through the weights without the output "
             "sigmoid's slope: its hidden-layer steps are ≥ 4× the gradient's.")


def _fmt_share(v: float) -> str:
    return f"{v:.0%}" if v else "none"


def stopping() -> None:
    """Stop at a number of epochs, a target loss, or early: after ``patience`` epochs without
    a better validation loss, with the best weights restored."""
    s = state.get_settings()
    if state.shown("epochs"):
        st.number_input("Stop after epochs", 1, MAX_EPOCHS, step=100, key=state.bind("epochs"),
                        on_change=state.on_change("epochs"),
                        help=f"{MAX_EPOCHS:,} (the default) trains until you pause.")
    if state.shown("target_loss"):
        st.number_input("…or at training loss", 0.0, 1e6, step=0.001, format="%.4f",
                        key=state.bind("target_loss"),
                        on_change=state.on_change("target_loss"), help="0 = no target.")
    if state.shown("patience"):
        st.number_input("Early stopping: patience (epochs)", 0, MAX_PATIENCE, step=5,
                        key=state.bind("patience"), on_change=state.on_change("patience"),
                        help="Stop after this many epochs without a better validation loss, "
                        "and go back to the weights of the best epoch. 0 = off. On by default "
                        "for an uploaded table of 100 rows or more.")
    if state.shown("validation_fraction"):
        shares = tuple(sorted({*VALIDATION_SHARES, float(s.validation_fraction)}))
        st.select_slider("Validation share of the training rows", shares,
                         format_func=_fmt_share, key=state.bind("validation_fraction", float),
                         on_change=state.on_change("validation_fraction"),
                         help="Rows set aside from training for early stopping to watch "
                         "(the test rows stay untouched). Changing it starts a new network.")
    if s.patience > 0 and s.validation_fraction == 0:
        st.caption("No validation share: early stopping watches the training loss.")


def use_blog_setup() -> None:
    """The blog's network: 2 sigmoid hidden units, no biases, squared error, per-row updates,
    its initialisation and update rule, raw inputs."""
    _set(**BLOG_SETUP)


def use_playground_defaults() -> None:
    """Back to the playground's defaults for the network and its training (data unchanged)."""
    from nn_core.settings import RunSettings

    d = RunSettings()
    _set(**{k: getattr(d, k) for k in BLOG_SETUP})
