"""The run as a Jupyter notebook: valid nbformat 4, runs top to bottom, predicts as the app does,
and keeps user text inert (issue 25)."""

import ast
import csv
import io
import json
import sys

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from nn_core.errors import PlaygroundError
from nn_core.io.notebook import notebook_for, refusal
from nn_core.settings import BLOG_SETUP, RunSettings
from tests.conftest import trained

HOSTILE = ['"""; import os; os.system("echo pwned") #', "</script><img src=x onerror=alert(1)>",
           "$$\\int$$ **bold** [link](http://x.example)", "{RUN} ''' # %% \\x00"]


def execute(text: str, *then: str) -> tuple[nbformat.NotebookNode, np.ndarray]:
    """Run the notebook top to bottom, then read its PREDICTIONS (``then``: code cells run
    after that one, in the same kernel)."""
    nb = nbformat.reads(text, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print(json.dumps(PREDICTIONS.tolist()))"))
    printed = len(nb.cells) - 1
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in then)
    limit = sys.getrecursionlimit()
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    finally:  # nbclient leaves the recursion limit at 3000 (test_bundle relies on the default)
        sys.setrecursionlimit(limit)
    return nb, np.array(json.loads(nb.cells[printed].outputs[0]["text"]))


@pytest.mark.parametrize("settings, epochs", [
    # trained in float32: retraced in float32 arithmetic, in another order than the recorded
    # backend's, so to the float32 run's tolerance (test_engine_speed: 1e-4), not to 1e-12
    (RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", batch_size=10,
                 dtype="float32"), 60),
    (RunSettings(dataset="blog", **BLOG_SETUP), 300),  # the blog's rule, per sample, raw
    (RunSettings(dataset="spiral", hidden=(6, 5), activation="relu", optimizer="adam",
                 l2=0.001, l1=0.0001, scale="minmax"), 40),
    (RunSettings(dataset="sine", hidden=(8,), optimizer="momentum"), 50),  # regression
])
def test_the_notebook_runs_and_predicts_what_the_app_predicts(settings, epochs):
    trainer = trained(settings)
    trainer.train_epochs(epochs)
    text = notebook_for(trainer)
    nbformat.validate(nbformat.reads(text, as_version=4))
    nb, predictions = execute(text, "print(sorted({str(W.dtype) for W in weights}))")
    np.testing.assert_allclose(predictions, trainer.predict(trainer.dataset.X), rtol=0,
                               atol=1e-4 if settings.dtype == "float32" else 1e-12)
    assert nb.cells[-1].outputs[0]["text"].strip() == f"['{settings.dtype}']"
    markdown = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert ("The run's settings compute in float32" in markdown) == (settings.dtype == "float32")
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs)
    assert f"trained {epochs} epochs" in outputs
    assert "largest difference from the playground's predictions" in outputs
    charts = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 2  # the loss and the predictions


def test_user_text_stays_data():
    names = HOSTILE[:3]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*names, "target"])
    rng = np.random.default_rng(0)
    for i, row in enumerate(rng.normal(size=(24, 3))):
        writer.writerow([f"{v:.3f}" for v in row] + [HOSTILE[3] if i % 2 else "ok"])
    table = buf.getvalue().encode()
    settings = RunSettings(dataset="custom.csv", target="target", hidden=(3,))
    trainer = trained(settings, csv=table)
    assert trainer.dataset.feature_names == names
    trainer.train_epochs(5)
    text = notebook_for(trainer)
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        source = "".join(cell.source)
        if cell.cell_type == "markdown":
            assert not any(n in source or json.dumps(n)[1:-1] in source for n in HOSTILE)
            continue
        tree = ast.parse(source)  # every code cell is valid Python...
        strings = [node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        for name in HOSTILE:  # ...that holds the names only inside a string constant
            code_only = source
            for s in strings:
                code_only = code_only.replace(repr(s), "")
            assert name not in code_only and json.dumps(name)[1:-1] not in code_only
    # one run of the notebook: its predictions, then what it read as names and classes
    nb_run, predictions = execute(text, "print(json.dumps([FEATURES, CLASSES]))")
    np.testing.assert_allclose(predictions, trainer.predict(trainer.dataset.X), atol=1e-12)
    probe = nb_run.cells[-1]
    features, classes = json.loads(probe.outputs[0]["text"])
    assert features == names and sorted(classes) == sorted([HOSTILE[3], "ok"])
    assert "pwned" not in "".join(o.get("text", "") for c in nb_run.cells if c.cell_type == "code"
                                  for o in c.outputs if c is not probe)


def test_a_notebook_is_refused_before_it_is_written_when_too_large():
    s = RunSettings(dataset="moons", n_samples=5000, hidden=(64,) * 6)
    trainer = trained(s)
    assert refusal(trainer) is None
    import nn_core.io.notebook as module

    original = module.MAX_NOTEBOOK_BYTES
    module.MAX_NOTEBOOK_BYTES = 100_000
    try:
        assert "too large" in refusal(trainer)
        with pytest.raises(PlaygroundError):
            notebook_for(trainer)
    finally:
        module.MAX_NOTEBOOK_BYTES = original
