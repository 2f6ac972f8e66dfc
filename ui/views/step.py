"""How it works, part 6: one training step on one row of the session's data, every number shown.

The numbers come from :func:`nn_core.training.trainer.trainer_step` on the session's trainer (its
network, preprocessing, target coding, learning rate, rule, a copy of its optimiser's state and
penalties); this module only lays them out, in the blog's order and names. :func:`step_tables`
builds every table as strings (pure, tested without Streamlit); :func:`step_section` shows them
with the row picker, the unit pickers of large layers and the button that applies the step.

A layer (or the inputs) with more than :data:`MAX_UNITS` units shows one chosen unit and a row
"others" with the minimum, maximum and mean of the rest, so nothing is cut silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from nn_core.engine.trace import StepTrace
from nn_core.errors import PlaygroundError
from nn_core.training.trainer import Trainer
from ui.session import actions, store, widgets
from ui.views.text import plain, widget_text

MAX_UNITS = 8  # units shown one by one per layer; more collapse to the chosen unit + a summary
DIGITS = 10  # significant digits of every number in the tables
OPTIMISER_STEP = {"sgd": "step = −lr·g", "momentum": "step (momentum: v ← μv − lr·g)",
                  "adam": "step (Adam)"}
LOSS_FORMULA = {"mse": "½ Σ (o − y)²", "bce": "−Σ [y log o + (1 − y) log(1 − o)]",
                "ce": "−Σ y log o"}


def fmt(v: float) -> str:
    """A number with :data:`DIGITS` significant digits (the tables' one format)."""
    return f"{float(v):.{DIGITS}g}"


def ratio_text(num: float, den: float) -> str:
    """``num / den`` formatted, or why there is none."""
    if den == 0:
        return "— (both 0)" if num == 0 else "∞ (exact is 0)"
    return fmt(num / den)


def shown_units(n: int, chosen: int) -> list[int]:
    """Every unit of a small layer; the chosen one (clamped) of a large one."""
    return list(range(n)) if n <= MAX_UNITS else [min(max(int(chosen), 0), n - 1)]


def _summary(values: np.ndarray) -> str:
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        return ""
    return (f"{values.min():.4g} … {values.max():.4g} (mean {values.mean():.4g})")


@dataclass(frozen=True)
class Table:
    """One table of the view: a key (its container's), a title and the frame of strings."""

    key: str
    title: str
    frame: pd.DataFrame


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _unit_rows(label: str, n: int, shown: list[int], columns: dict[str, np.ndarray | list],
               names: list[str] | None = None) -> list[dict]:
    """Rows of a per-unit table: the shown units, then "others" summarising the rest."""
    rows = []
    for j in shown:
        row = {label: names[j] if names else str(j)}
        for col, values in columns.items():
            v = values[j]
            row[col] = v if isinstance(v, str) else fmt(v)
        rows.append(row)
    rest = [j for j in range(n) if j not in shown]
    if rest:
        row = {label: f"others ({len(rest)})"}
        for col, values in columns.items():
            if isinstance(values[rest[0]], str):
                row[col] = ""
            else:
                row[col] = _summary(np.asarray(values, dtype=float)[rest])
        rows.append(row)
    return rows


def _weight_rows(W: np.ndarray, b: np.ndarray | None, to: list[int], frm: list[int],
                 columns: dict[str, tuple[np.ndarray, np.ndarray | None]],
                 a_in: np.ndarray, input_names: list[str] | None) -> list[dict]:
    """Rows of a weight table: each shown (to, from) weight and the shown units' biases, then
    "others" summarising every other weight and bias of the layer."""
    rows, mask = [], np.ones(W.shape, bool)
    bias_mask = None if b is None else np.ones(b.shape, bool)
    for j in to:
        for i in frm:
            mask[j, i] = False
            row = {"to": str(j), "from": input_names[i] if input_names else str(i),
                   "input a": fmt(a_in[i])}
            for col, (m, _) in columns.items():
                row[col] = fmt(m[j, i])
            rows.append(row)
        if b is not None:
            bias_mask[j] = False
            row = {"to": str(j), "from": "bias", "input a": fmt(1.0)}
            for col, (_, vec) in columns.items():
                row[col] = fmt(vec[j])
            rows.append(row)
    n_rest = int(mask.sum()) + (0 if bias_mask is None else int(bias_mask.sum()))
    if n_rest:
        row = {"to": f"others ({n_rest})", "from": "", "input a": ""}
        for col, (m, vec) in columns.items():
            rest = m[mask] if vec is None else np.concatenate([m[mask], vec[bias_mask]])
            row[col] = _summary(rest)
        rows.append(row)
    return rows


def layer_title(trace: StepTrace, k: int) -> str:
    layer = trace.layers[k]
    n = len(layer.z)
    where = "Output layer" if k == len(trace.layers) - 1 else f"Hidden layer {layer.index}"
    return f"{where} ({layer.activation}, {n} unit{'s' if n != 1 else ''})"


def blog_names(trace: StepTrace, k: int) -> tuple[str, str, str]:
    """The blog's names of layer ``k``'s z, a and weights (its one hidden layer's, generalised)."""
    last = k == len(trace.layers) - 1
    z, a = ("final_inputs", "final_outputs") if last else ("hidden_inputs", "hidden_outputs")
    if len(trace.layers) == 2:
        w = "weights_hidden_output" if last else "weights_input_hidden"
    else:
        w = f"W{k + 1}"
    return z, a, w


def step_tables(trace: StepTrace, input_names: list[str], raw: np.ndarray,
                chosen: list[int]) -> list[Table]:
    """Every table of the view for ``trace``, in the blog's order (the page's order).

    ``input_names`` name the network's inputs, ``raw`` is the row before preprocessing (its
    first values are the first inputs'), ``chosen`` the unit shown of each collapsed layer
    (index 0: the inputs, then one per weight layer).
    """
    L = len(trace.layers)
    sizes = [len(trace.x)] + [len(layer.z) for layer in trace.layers]
    shown = [shown_units(n, chosen[i] if i < len(chosen) else 0) for i, n in enumerate(sizes)]
    tables: list[Table] = []

    raw_col = [fmt(raw[i]) if i < len(raw) else "(transform)" for i in range(sizes[0])]
    tables.append(Table("step_inputs", "Inputs", _frame(
        _unit_rows("input", sizes[0], shown[0], {"raw value": raw_col, "a = network input":
                                                 trace.x}, input_names),
        ["input", "raw value", "a = network input"])))

    # forward: z = W·a (+ b), then a = f(z), layer by layer
    for k, layer in enumerate(trace.layers):
        zn, an, _ = blog_names(trace, k)
        plus_b = " + b" if layer.b is not None else ""
        cols = [f"z = W·a{plus_b} ({zn})", f"a = {layer.activation}(z) ({an})"]
        tables.append(Table(f"step_forward_{k + 1}", layer_title(trace, k), _frame(
            _unit_rows("unit", sizes[k + 1], shown[k + 1], dict(zip(cols, (layer.z, layer.a),
                                                                    strict=True))),
            ["unit", *cols])))

    # the error and the loss of the row
    out = trace.layers[-1]
    cols = ["target y", "o (final_outputs)", "output_errors = y − o"]
    tables.append(Table("step_error", "Error", _frame(
        _unit_rows("output", sizes[-1], shown[-1], dict(zip(
            cols, (trace.y, out.a, trace.output_errors), strict=True))), ["output", *cols])))

    # backward: δ of each layer, top down, then each weight's gradient, step and new value
    used = "blog's rule" if trace.rule == "blog" else "exact"
    step_col = OPTIMISER_STEP.get(trace.optimizer, "step")
    for k in range(L - 1, -1, -1):
        layer = trace.layers[k]
        cols: dict[str, np.ndarray | list] = {}
        if layer.slope is not None:
            cols["f′(z)"] = layer.slope
        else:
            cols["f′(z)"] = ["(softmax: its Jacobian)"] * sizes[k + 1]
        if k < L - 1:
            cols["Wᵀδ from above"] = layer.back_error
        cols["δ = ∂L/∂z (exact)"] = layer.delta
        if trace.rule == "blog" and k < L - 1:
            cols["δ, blog's rule"] = layer.blog_delta
        tables.append(Table(f"step_delta_{k + 1}", f"{layer_title(trace, k)}: delta", _frame(
            _unit_rows("unit", sizes[k + 1], shown[k + 1], cols), ["unit", *cols])))
        _, _, wn = blog_names(trace, k)
        wcols = {"w": (layer.W, layer.b), f"g ({used})": (layer.used_grad_W, layer.used_grad_b),
                 step_col: (layer.step_W, layer.step_b), "new w": (layer.new_W, layer.new_b)}
        names_in = input_names if k == 0 else None
        tables.append(Table(f"step_weights_{k + 1}", f"{layer_title(trace, k)}: {wn}", _frame(
            _weight_rows(layer.W, layer.b, shown[k + 1], shown[k], wcols, layer.a_in, names_in),
            ["to", "from", "input a", *wcols])))

    # the blog's rule next to the exact gradient, on every hidden layer (top down)
    for k in range(L - 2, -1, -1):
        layer = trace.layers[k]
        hidden_errors = -layer.blog_error
        exact_back = -layer.back_error
        ratio = [ratio_text(b, e) for b, e in zip(hidden_errors, exact_back, strict=True)]
        cols = {"hidden_errors (blog: Wᵀ·output_errors)" if k == L - 2 else
                "hidden_errors (blog: Wᵀ·errors above)": hidden_errors,
                "exact: −Wᵀδ": exact_back, "ratio blog ÷ exact": ratio}
        tables.append(Table(f"step_blog_errors_{k + 1}",
                            f"{layer_title(trace, k)}: errors sent back", _frame(
                                _unit_rows("unit", sizes[k + 1], shown[k + 1], cols),
                                ["unit", *cols])))
        rows = []
        for j in shown[k + 1]:
            for i in shown[k]:
                g, gb = layer.grad_W[j, i], layer.blog_grad_W[j, i]
                rows.append({"to": str(j), "from": input_names[i] if k == 0 else str(i),
                             "gradient g (exact)": fmt(g), "blog's rule": fmt(gb),
                             "ratio blog ÷ exact": ratio_text(gb, g)})
        n_rest = layer.grad_W.size - len(rows)
        if n_rest:
            mask = np.ones(layer.grad_W.shape, bool)
            for j in shown[k + 1]:
                mask[j, shown[k]] = False
            g, gb = layer.grad_W[mask], layer.blog_grad_W[mask]
            nz = g != 0
            rows.append({"to": f"others ({n_rest})", "from": "",
                         "gradient g (exact)": _summary(g), "blog's rule": _summary(gb),
                         "ratio blog ÷ exact": _summary(gb[nz] / g[nz]) if nz.any() else ""})
        tables.append(Table(f"step_blog_grads_{k + 1}",
                            f"{layer_title(trace, k)}: weight gradients, both rules", _frame(
                                rows, ["to", "from", "gradient g (exact)", "blog's rule",
                                       "ratio blog ÷ exact"])))
    return tables


# ---------------------------------------------------------------------------- Streamlit
def _next_row(n: int) -> None:
    actions.set_view(step_row=(store.session().views.step_row + 1) % n)


def _unit_pickers(sizes: list[int], layer_names: list[str]) -> list[int]:
    """A number input per collapsed layer: the unit to show (kept in range)."""
    chosen = []
    big = [i for i, n in enumerate(sizes) if n > MAX_UNITS]
    cols = st.columns(max(len(big), 1)) if big else []
    for i, n in enumerate(sizes):
        if n <= MAX_UNITS:
            chosen.append(0)
            continue
        key = widgets.seed(widgets.step_unit_key(i), 0, lambda v, n=n: 0 <= int(v) < n)
        col = cols[big.index(i)]
        chosen.append(int(col.number_input(f"{layer_names[i]}: unit shown (0–{n - 1})", 0,
                                           n - 1, key=key, step=1)))
    return chosen


def step_section() -> None:
    """The section: row picker, every table, the blog-vs-exact comparison, Apply."""
    with st.container(key="step_view"):
        _section()


def _section() -> None:
    st.header("6 · One step, every number")
    st.caption(
        "One training step of your network (the Train page's settings and current weights) "
        "on one training row, every number shown with 10 significant digits: forward to the "
        "output, the row's error and loss, back through each layer's delta to each weight's "
        "gradient, then the optimiser's step and the new weights. The numbers are the "
        "engine's own; the view never changes the network unless you apply the step."
    )
    try:
        trainer: Trainer = actions.get_trainer()
    except PlaygroundError as exc:
        st.error(plain(f"No step to show: {exc}", 400), icon="⚠️")
        return
    n = len(trainer.X_train)
    if not 0 <= store.session().views.step_row < n:
        actions.set_view(step_row=0)
    c_row, c_next, c_info = st.columns([2, 1, 4], vertical_alignment="bottom")
    c_row.number_input(f"Training row (0–{n - 1})", 0, n - 1, step=1,
                       **widgets.view_widget("step_row"))
    c_next.button("Another row", key=widgets.W_STEP_NEXT_ROW, on_click=_next_row, args=(n,),
                  width="stretch", help="The next training row (after the last, the first).")
    row = int(store.session().views.step_row)
    ds = trainer.dataset
    data_row = int(trainer.train_idx[row])
    target = (widget_text(ds.classes[int(ds.y[data_row])]) if ds.classes
              else f"{float(ds.y[data_row]):g}")
    c_info.caption(plain(f"Dataset row {data_row}, target {target}. Learning rate "
                         f"{trainer.settings.lr:g}, optimiser {trainer.optimizer.name}, "
                         f"update rule: {trainer.settings.update_rule}.", 400))

    input_names = [widget_text(n, 60) for n in trainer.feature_names]
    sizes = list(trainer.network.sizes)
    layer_names = ["Inputs"] + [f"Hidden layer {i}" for i in range(1, len(sizes) - 1)] + [
        "Output layer"]
    chosen = _unit_pickers(sizes, layer_names)
    trace = actions.step_trace(row)
    tables = step_tables(trace, input_names, ds.X[data_row], chosen)
    collapsed = [f"{layer_names[i]}: {n} units, showing unit {chosen[i]}"
                 for i, n in enumerate(sizes) if n > MAX_UNITS]
    if collapsed:
        st.caption(plain(f"Layers of more than {MAX_UNITS} units show the unit chosen above "
                         "(the chosen units' path through the network) and a row “others” "
                         "with the minimum … maximum (mean) of the rest. "
                         + " · ".join(collapsed), 1000))

    by_key = {t.key: t for t in tables}
    L = len(trace.layers)

    st.markdown("**Forward**: each layer's inputs times its weights, then its activation; "
                "then the row's error and loss.")
    forward = [by_key["step_inputs"], *(by_key[f"step_forward_{k}"] for k in range(1, L + 1)),
               by_key["step_error"]]
    for start in range(0, len(forward), 3):
        for col, table in zip(st.columns(3), forward[start : start + 3], strict=False):
            with col:
                _show(table)
    loss = f"Loss ({trace.loss_name}: {LOSS_FORMULA[trace.loss_name]}) for this row: " \
        f"**{fmt(trace.loss)}**"
    if trace.penalty:
        loss += (f"; L1/L2 penalty {fmt(trace.penalty)}; objective (loss + penalty) "
                 f"**{fmt(trace.objective)}**")
    with st.container(key="step_loss"):
        st.markdown(loss)

    rule_text = ("the blog's rule: errors go back through the weights alone"
                 if trace.rule == "blog" else "exact backpropagation")
    st.markdown(f"**Backward** ({rule_text}): each layer's delta, then each weight's gradient "
                "g and the update: "
                + ("`w ← w − lr·g`" if trace.optimizer == "sgd" else
                   f"the {trace.optimizer} optimiser's step (from a copy of its state)")
                + (" (g includes the L1/L2 penalty's gradient)" if trace.penalty else "")
                + ", and the new weights.")
    for k in range(L, 0, -1):
        delta = by_key[f"step_delta_{k}"]
        if len(delta.frame.columns) <= 3:  # narrow: beside the weights
            left, right = st.columns([2, 5])
            with left:
                _show(delta)
            with right:
                _show(by_key[f"step_weights_{k}"])
        else:
            _show(delta)
            _show(by_key[f"step_weights_{k}"])

    st.markdown("**The blog's rule next to the exact gradient**")
    if L == 1:
        st.caption("No hidden layer: both rules give the same step.")
    else:
        ratio = trace.predicted_ratio
        if ratio is not None:
            o = float(trace.output[0])
            st.caption(
                "The blog sends output_errors back without the output sigmoid's slope o(1 − o), "
                f"so on the last hidden layer its step is 1/(o(1 − o)) times the gradient's: "
                f"here o = {fmt(o)}, 1/(o(1 − o)) = {fmt(ratio)} (at least 4, since "
                "o(1 − o) ≤ ¼). Below both numbers and their ratio, unit by unit and weight by "
                "weight." + (" Deeper layers differ by more: the blog's rule skips every "
                             "layer's slope on the way back." if L > 2 else ""))
        else:
            st.caption(
                f"With a {trace.output_activation} output and the {trace.loss_name} loss, the "
                "output layer's delta is not (o − y) times one slope, so there is no single "
                "factor between the rules; below both numbers and their ratio, unit by unit "
                "and weight by weight.")
        for k in range(L - 1, 0, -1):
            left, right = st.columns([1, 1])
            with left:
                _show(by_key[f"step_blog_errors_{k}"])
            with right:
                _show(by_key[f"step_blog_grads_{k}"])

    st.button("Apply this step to the network", key=widgets.W_STEP_APPLY, type="primary",
              on_click=actions.apply_shown_step, args=(row, trace.params_after.copy()),
              help="Sets the network's weights (and the optimiser's state) to what this step "
                   "gives, exactly; it does not count as an epoch.")
    result, store.session().step_result = store.session().step_result, None
    if result is not None:
        ok, message = result
        (st.success if ok else st.error)(plain(message, 600))
    st.caption(
        f"Epoch {trainer.epoch}; steps applied by hand to this network: {trainer.manual_steps}. "
        "A step applied here is one update on one row, not an epoch: the epoch counter and the "
        "loss history stay; the Train page shows the new weights, and its loss line ends at "
        "their loss."
    )


def _show(table: Table) -> None:
    with st.container(key=table.key):
        st.markdown(f"*{plain(table.title, 200)}*")
        st.table(table.frame, hide_index=True)
