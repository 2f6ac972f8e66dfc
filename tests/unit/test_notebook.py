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

from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.io.notebook import notebook_for, refusal
from nn_core.settings import BLOG_SETUP, RunSettings
from nn_core.training.trainer import Trainer

HOSTILE = ['"""; import os; os.system("echo pwned") #', "</script><img src=x onerror=alert(1)>",
           "$$\\int$$ **bold** [link](http://x.example)", "{RUN} ''' # %% \\x00"]


def execute(text: str) -> tuple[nbformat.NotebookNode, np.ndarray]:
    """Run the notebook top to bottom, then read its PREDICTIONS."""
    nb = nbformat.reads(text, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print(json.dumps(PREDICTIONS.tolist()))"))
    limit = sys.getrecursionlimit()
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    finally:  # the client leaves it at 3000, which lets test_bundle's deep JSON parse
        sys.setrecursionlimit(limit)
    return nb, np.array(json.loads(nb.cells[-1].outputs[0]["text"]))


@pytest.mark.parametrize("settings, epochs", [
    (RunSettings(dataset="moons", hidden=(8, 8), activation="tanh", batch_size=10), 60),
    (RunSettings(dataset="blog", **BLOG_SETUP), 300),  # the blog's rule, per sample, raw
    (RunSettings(dataset="spiral", hidden=(6, 5), activation="relu", optimizer="adam",
                 l2=0.001, l1=0.0001, scale="minmax"), 40),
    (RunSettings(dataset="sine", hidden=(8,), optimizer="momentum"), 50),  # regression
])
def test_the_notebook_runs_and_predicts_what_the_app_predicts(settings, epochs):
    trainer = Trainer(settings, load_data(settings))
    trainer.train_epochs(epochs)
    text = notebook_for(trainer)
    nbformat.validate(nbformat.reads(text, as_version=4))
    nb, predictions = execute(text)
    np.testing.assert_allclose(predictions, trainer.predict(trainer.dataset.X), rtol=0,
                               atol=1e-12)
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
    trainer = Trainer(settings, load_data(settings, table))
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
    nb_run, predictions = execute(text)
    np.testing.assert_allclose(predictions, trainer.predict(trainer.dataset.X), atol=1e-12)
    probe = nbformat.v4.new_code_cell("print(json.dumps([FEATURES, CLASSES]))")
    nb_run.cells.append(probe)
    NotebookClient(nb_run, timeout=120, kernel_name="python3").execute()
    features, classes = json.loads(nb_run.cells[-1].outputs[0]["text"])
    assert features == names and sorted(classes) == sorted([HOSTILE[3], "ok"])
    assert "pwned" not in "".join(o.get("text", "") for c in nb_run.cells if c.cell_type == "code"
                                  for o in c.outputs if c is not probe)


def test_a_notebook_is_refused_before_it_is_written_when_too_large():
    s = RunSettings(dataset="moons", n_samples=5000, hidden=(64,) * 6)
    trainer = Trainer(s, load_data(s))
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
