"""The standalone script's own words: how to run it by its name, and whether it is trained."""

from __future__ import annotations

import ast
import subprocess
import sys

from nn_core.io.export import script_for
from nn_core.settings import RunSettings
from tests.conftest import trained


def _docstring(source: str) -> str:
    return ast.get_docstring(ast.parse(source)) or ""


def test_the_docstring_runs_the_script_by_its_file_name(tmp_path):
    s = RunSettings(dataset="blog")
    trainer = trained(s)
    trainer.train_epochs(5)
    doc = _docstring(script_for(trainer, "people.py"))
    assert "{this file}" not in doc and "{" not in doc
    assert "python people.py 1.0 1.0 1.0" in doc and "python people.py inputs.csv" in doc
    assert "trained 5 epochs" in doc and "UNTRAINED" not in doc
    path = tmp_path / "people.py"
    path.write_text(script_for(trainer, "people.py"))
    run = subprocess.run([sys.executable, str(path), "175", "75", "27"], capture_output=True,
                         text=True, check=True)
    assert run.stdout.startswith("height,weight,age,")
    assert "python model.py " in _docstring(script_for(trainer, "bad name;rm -rf.py"))


def test_an_untrained_script_says_so():
    s = RunSettings(dataset="xor")
    doc = _docstring(script_for(trained(s)))
    assert "UNTRAINED" in doc and "initial random weights" in doc
    assert "python model.py" in doc
