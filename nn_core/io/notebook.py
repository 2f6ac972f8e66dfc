"""The run as a Jupyter notebook (nbformat 4 JSON, written directly: no new dependency).

The notebook holds the data, the standalone script's own NumPy code (``activate``, ``prepare``
and ``predict``, taken from :func:`nn_core.io.export.script_for`'s text), a training loop with
the run's settings that starts from the run's initial weights and random generator, and Plotly
charts of its loss and its predictions; its last cell compares its predictions with the weights
the app ended with. A run trained with unchanged settings from its first epoch gives the app's
predictions (the tests hold it to 1e-12); a run whose settings changed mid-way, that was stepped
by hand, rolled back or early-stopped says by how much it differs. A float32 run is trained in
float32 here too and retraced to about 1e-6 (its sums run in another order), which it says.

User text (column names, class names, the file name) travels only as data: inside one JSON text
that one code cell parses (a Python string literal written with ``repr``), never as code and
never in a markdown cell.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nn_core.engine import losses
from nn_core.errors import PlaygroundError
from nn_core.io import export
from nn_core.limits import MAX_NOTEBOOK_BYTES
from nn_core.training.trainer import Trainer

INTRO = """# A neural network from the NumPy Neural Network Playground

This notebook is one run of the playground, whole: the data, the network's NumPy code (the same
code as the playground's standalone script), the training loop with the run's settings, and
charts of its loss and its predictions. Run it top to bottom (*Run All*); it needs numpy and
plotly. The training starts from the run's own initial weights and random generator, so it
retraces the run the playground trained."""

TRAIN_TEXT = """## Training

One epoch takes the training rows in order (or shuffled, by the run's own generator), cuts them
into mini-batches, and for each: a forward pass, the deltas back through the layers (the exact
gradient, or the blog's rule that sends the error back without the output's slope), the L1/L2
penalty's gradient on the weights, then the optimiser's step. Samples are columns here, as in the
blog: a layer computes `W @ a + b`."""

FLOAT32_TEXT = """

The run's settings compute in float32 (single precision, about 7 significant digits), so the
training here does too (`DTYPE`). Its sums run in another order than the playground's, so its
numbers retrace a float32 run to about 1e-6, not exactly: the last cell prints by how much they
differ."""

NETWORK_CODE = '''def derivative(name, a, e):
    """The chain rule's step back through an activation: e * f'(z), written from a = f(z)."""
    if name == "sigmoid":
        return e * a * (1 - a)
    if name == "tanh":
        return e * (1 - a**2)
    if name == "relu":
        return e * (a > 0)
    if name == "linear":
        return e
    return (e - (e * a).sum(axis=0, keepdims=True)) * a  # softmax: its Jacobian times e


def forward(weights, biases, X):
    """Every layer's outputs for the columns of X (X itself first)."""
    outputs = [X]
    with np.errstate(over="ignore"):
        for W, b, name in zip(weights, biases, ACTIVATIONS):
            z = W @ outputs[-1] if b is None else W @ outputs[-1] + b[:, None]
            outputs.append(activate(name, z))
    return outputs


def loss(weights, biases, X, Y):
    """The mean loss over the columns (LOSS), without the penalty."""
    W, b = weights[-1], biases[-1]
    a = forward(weights[:-1], biases[:-1], X)[-1]
    z = W @ a if b is None else W @ a + b[:, None]
    o = activate(ACTIVATIONS[-1], z)
    n = max(X.shape[1], 1)
    if LOSS == "mse":
        return float(0.5 * np.sum((o - Y) ** 2) / n)
    if LOSS == "bce":
        return float(np.sum(np.logaddexp(0.0, z) - Y * z) / n)
    m = z.max(axis=0, keepdims=True)
    return float(np.sum(Y * (m + np.log(np.exp(z - m).sum(axis=0, keepdims=True)) - z)) / n)


def gradients(weights, biases, X, Y):
    """The gradient of the mean loss (or the blog's rule's step) for each layer."""
    outputs = forward(weights, biases, X)
    n, L = X.shape[1], len(weights)
    o = outputs[-1]
    deltas = [None] * L
    deltas[-1] = derivative(ACTIVATIONS[-1], o, o - Y) if LOSS == "mse" else o - Y
    errors = o - Y
    for i in range(L - 1, 0, -1):
        if RULE == "blog":  # the error travels back through the weights alone
            errors = weights[i].T @ errors
            deltas[i - 1] = derivative(ACTIVATIONS[i - 1], outputs[i], errors)
        else:
            deltas[i - 1] = derivative(ACTIVATIONS[i - 1], outputs[i], weights[i].T @ deltas[i])
    grad_w = [deltas[i] @ outputs[i].T / n for i in range(L)]
    grad_b = [None if biases[i] is None else deltas[i].sum(axis=1) / n for i in range(L)]
    return grad_w, grad_b


class Optimiser:
    """SGD, momentum (v = mu v - lr g; w += v) or Adam, over a list of arrays."""

    def __init__(self, name, lr, momentum):
        self.name, self.lr, self.momentum, self.t = name, lr, momentum, 0
        self.state = None

    def step(self, params, grads):
        if self.state is None:
            self.state = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
        self.t += 1
        for p, g, s in zip(params, grads, self.state):
            if self.name == "sgd":
                p -= self.lr * g
            elif self.name == "momentum":
                s[0] = self.momentum * s[0] - self.lr * g
                p += s[0]
            else:
                s[0] = 0.9 * s[0] + (1 - 0.9) * g
                s[1] = 0.999 * s[1] + (1 - 0.999) * g**2
                lr_t = self.lr * np.sqrt(1 - 0.999**self.t) / (1 - 0.9**self.t)
                p -= (s[0] / (np.sqrt(s[1]) + 1e-8)) * lr_t'''

TRAIN_CODE = '''weights = [np.array(W, dtype=DTYPE) for W in RUN["initial_weights"]]
biases = [None if b is None else np.array(b, dtype=DTYPE) for b in RUN["initial_biases"]]
rng = np.random.default_rng()
rng.bit_generator.state = RUN["initial_generator"]
optimiser = Optimiser(OPTIMISER, LEARNING_RATE, MOMENTUM)
X_train = prepare(X_raw[TRAIN_ROWS]).astype(DTYPE)
Y_train = encode(y[TRAIN_ROWS]).astype(DTYPE)
n = X_train.shape[1]
size = BATCH_SIZE if 0 < BATCH_SIZE < n else n
shuffled = SHUFFLE and size < n
history = [loss(weights, biases, X_train, Y_train)]
for epoch in range(EPOCHS):
    order = rng.permutation(n) if shuffled else np.arange(n)
    Xe, Ye = (X_train[:, order], Y_train[:, order]) if shuffled else (X_train, Y_train)
    for i in range(0, n, size):
        grad_w, grad_b = gradients(weights, biases, Xe[:, i:i + size], Ye[:, i:i + size])
        if L1 or L2:
            grad_w = [g + (L2 * W + L1 * np.sign(W)) for g, W in zip(grad_w, weights)]
        params = weights + [b for b in biases if b is not None]
        optimiser.step(params, grad_w + [g for g in grad_b if g is not None])
    history.append(loss(weights, biases, X_train, Y_train))
print(f"trained {EPOCHS} epochs: training loss {history[0]:.4f} -> {history[-1]:.4f}")'''

SETUP_CODE = '''TRAIN_ROWS = np.array(RUN["train_rows"], dtype=int)
TEST_ROWS = np.array(RUN["test_rows"], dtype=int)
s = RUN["settings"]
EPOCHS, LEARNING_RATE, BATCH_SIZE = RUN["epochs"], s["lr"], s["batch_size"]
OPTIMISER, MOMENTUM, L1, L2 = s["optimizer"], s["momentum"], s["l1"], s["l2"]
RULE, SHUFFLE, LOSS = s["update_rule"], s["shuffle"], RUN["loss"]
DTYPE = np.dtype(s["dtype"])  # the precision the training computes in
ACTIVATIONS = RUN["activations"]
TARGET_MEAN, TARGET_STD = RUN["target_mean"], RUN["target_std"]


def encode(labels):
    """Targets as the network's outputs (columns): 0/1, one-hot, or standardised values."""
    if TASK == "regression":
        return ((labels - TARGET_MEAN) / TARGET_STD).reshape(1, -1)
    if RUN["n_outputs"] == 1:
        return labels.astype(float).reshape(1, -1)
    return np.eye(RUN["n_outputs"])[labels.astype(int)].T'''

DATA_CODE = '''FEATURES, TARGET, TASK = RUN["features"], RUN["target"], RUN["task"]
CLASSES = RUN["classes"]
X_raw = np.array(RUN["X"], dtype=float)
y = np.array(RUN["y"], dtype=float)
TRANSFORMS, SCALE, STATS = RUN["transforms"], RUN["scale"], RUN["stats"]
print(f"{len(X_raw)} rows, {len(FEATURES)} inputs, task: {TASK}")'''

PREDICT_CODE = '''WEIGHTS = [W.tolist() for W in weights]
BIASES = [None if b is None else b.tolist() for b in biases]
PREDICTIONS = predict(X_raw)  # class probabilities, or values
mine = (WEIGHTS, BIASES)
WEIGHTS, BIASES = RUN["final_weights"], RUN["final_biases"]  # the playground's own
APP_PREDICTIONS = predict(X_raw)
WEIGHTS, BIASES = mine
difference = float(np.max(np.abs(PREDICTIONS - APP_PREDICTIONS)))
print(f"largest difference from the playground's predictions: {difference:.3g}")'''

LOSS_CHART = '''fig = go.Figure(go.Scatter(x=list(range(len(history))), y=history, mode="lines",
                           name="training loss"))
fig.update_layout(title="Training loss, epoch by epoch", xaxis_title="epoch",
                  yaxis_title="loss", yaxis_type="log", height=380)
fig.show()'''

PREDICTION_CHART = '''if TASK == "regression":
    fig = go.Figure(go.Scatter(x=y, y=PREDICTIONS, mode="markers", name="rows"))
    fig.update_layout(title="Predicted against actual", xaxis_title="actual",
                      yaxis_title="predicted")
else:
    labels = np.array(CLASSES, dtype=object)[np.argmax(PREDICTIONS, axis=1)]
    right = labels == np.array(CLASSES, dtype=object)[y.astype(int)]
    i, j = 0, min(1, X_raw.shape[1] - 1)
    fig = go.Figure(go.Scatter(
        x=X_raw[:, i], y=X_raw[:, j], mode="markers",
        marker=dict(color=PREDICTIONS[:, -1], colorscale="RdBu", cmin=0, cmax=1,
                    symbol=np.where(right, "circle", "x"), size=8,
                    colorbar=dict(title="p(last class)")),
        text=labels, hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title="Predictions (colour: probability of the last class; x: wrong)",
                      xaxis_title=FEATURES[i], yaxis_title=FEATURES[j])
fig.update_layout(height=420)
fig.show()'''


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def _code(text: str) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": text.splitlines(keepends=True)}


def _script_function(script: str, name: str) -> str:
    """One top-level function's text as the standalone script writes it."""
    start = script.index(f"\ndef {name}(") + 1
    return script[start:script.index("\n\n\n", start)]


def _layers(network: Any, flat: np.ndarray) -> tuple[list, list]:
    """Per layer the (out × in) matrix and the bias (None) of the flat ``params`` ``flat``."""
    weights, biases, k = [], [], 0
    for n_in, n_out in zip(network.sizes, network.sizes[1:], strict=False):
        cols = n_in + network.bias
        block = flat[k:k + n_out * cols].reshape(n_out, cols)
        k += n_out * cols
        weights.append(block[:, :n_in].tolist())
        biases.append(block[:, n_in].tolist() if network.bias else None)
    return weights, biases


def run_data(trainer: Trainer) -> dict[str, Any]:
    """Everything the notebook's cells read, as plain JSON values."""
    first = trainer.snapshots.get(min(trainer.snapshots.epochs()))
    if first.epoch != 0:
        raise PlaygroundError("the run's first weights are no longer kept: reset to export it")
    ds, net, pre = trainer.dataset, trainer.network, trainer.preprocessor
    w0, b0 = _layers(net, first.params)
    w1, b1 = _layers(net, net.params)
    s = trainer.settings
    rng = json.loads(json.dumps(first.rng))
    return {
        "features": [str(n) for n in ds.feature_names], "target": str(ds.target_name),
        "task": trainer.task, "classes": [str(c) for c in ds.classes],
        "X": np.asarray(ds.X, dtype=float).tolist(), "y": np.asarray(ds.y, dtype=float).tolist(),
        "train_rows": trainer.train_idx.tolist(), "test_rows": trainer.test_idx.tolist(),
        "transforms": list(pre.transforms), "scale": pre.scale,
        "stats": {k: [float(x) for x in v] for k, v in pre.stats.items()},
        "settings": {"lr": float(s.lr), "batch_size": int(s.batch_size),
                     "optimizer": s.optimizer, "momentum": float(s.momentum), "l1": float(s.l1),
                     "l2": float(s.l2), "update_rule": s.update_rule, "shuffle": bool(s.shuffle),
                     "dtype": s.dtype},
        "epochs": int(trainer.epoch), "loss": trainer.loss_name,
        "activations": list(net.layer_activations), "n_outputs": int(net.sizes[-1]),
        "target_mean": float(trainer.coding.mean), "target_std": float(trainer.coding.std),
        "initial_weights": w0, "initial_biases": b0, "initial_generator": rng,
        "final_weights": w1, "final_biases": b1,
    }


def refusal(trainer: Trainer) -> str | None:
    """Why this run cannot be a notebook (checked before any is written), or None."""
    n_values = trainer.dataset.X.size + trainer.dataset.n_samples + 3 * trainer.network.params.size
    if n_values * 24 > MAX_NOTEBOOK_BYTES:  # a float's repr takes at most 24 characters
        return (f"this run is too large for a notebook (at most "
                f"{MAX_NOTEBOOK_BYTES // 1024 // 1024} MB): download the run bundle instead")
    if 0 not in trainer.snapshots:
        return "the run's first weights are no longer kept: reset to export it as a notebook"
    return None


def notebook_for(trainer: Trainer) -> str:
    """The run as an ``.ipynb`` text (nbformat 4.5). Raises :class:`PlaygroundError` when
    :func:`refusal` says why not, or the text would pass
    :data:`~nn_core.limits.MAX_NOTEBOOK_BYTES`."""
    losses.check(trainer.loss_name, trainer.output)
    why = refusal(trainer)
    if why:
        raise PlaygroundError(why)
    script = export.script_for(trainer)
    net = trainer.network
    derivative_code, network_code = NETWORK_CODE.split("\n\n\n", 1)
    payload = json.dumps(run_data(trainer), ensure_ascii=True, allow_nan=False)
    cells = [
        _markdown(INTRO),
        _code("import json\n\nimport numpy as np\nimport plotly.graph_objects as go"),
        _markdown("## The data\n\nThe run's table, its training and test rows, its settings "
                  "and its weights, as one JSON text (names stay data)."),
        _code("RUN = json.loads(" + repr(payload) + ")"),
        _code(DATA_CODE),
        _markdown("## The network\n\nThe standalone script's code: the activations, the inputs' "
                  "preprocessing (fitted on the training rows) and the prediction."),
        _code(export.activate_source(net.layer_activations) + "\n\n\n"
              + _script_function(script, "prepare") + "\n\n\n"
              + _script_function(script, "predict")),
        _code(SETUP_CODE),
        _markdown(TRAIN_TEXT + (FLOAT32_TEXT if trainer.dtype == "float32" else "")),
        _code(export.with_table_functions(derivative_code, net.layer_activations, 1, "a, e")
              + "\n\n\n" + network_code),
        _code(TRAIN_CODE),
        _markdown("## Loss"),
        _code(LOSS_CHART),
        _markdown("## Predictions\n\nThe trained network's predictions on every row, and the "
                  "same rows through the weights the playground ended with."),
        _code(PREDICT_CODE),
        _code(PREDICTION_CHART),
    ]
    nb = {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    text = json.dumps(nb, indent=1, ensure_ascii=False)
    if len(text.encode()) > MAX_NOTEBOOK_BYTES:
        raise PlaygroundError("this run is too large for a notebook: use the run bundle")
    return text
