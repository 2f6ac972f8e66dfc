"""A link's fields checked together without a network on the whole data (issue 21, item 5).

The cheap check (:func:`ui.session.link_codec._refusal`) must give the verdict the Train page meets:
the reference here builds a trainer on every row of the data the settings name, as the check
did before, and the two must agree on fitting and non-fitting settings alike.
"""

from __future__ import annotations

import itertools

import pytest

from nn_core.data.builtin import BUILTIN
from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings
from tests.conftest import trained
from ui.session import link_codec


def whole_data_verdict(settings: RunSettings) -> str | None:
    """The trainer built on all the rows: None when it can be, else its one-line refusal."""
    try:
        trained(settings, history_cap=4)
    except PlaygroundError as exc:
        return " ".join(str(exc).split())[:160]
    return None


def combinations() -> list[RunSettings]:
    """Every built-in dataset against the fields that have rules between them."""
    out = []
    heads = [("auto", "auto"), ("linear", "mse"), ("sigmoid", "bce"), ("softmax", "ce"),
             ("sigmoid", "ce"), ("softmax", "bce"), ("linear", "ce"), ("sigmoid", "mse")]
    extras = [{}, {"transforms": ("x1^2", "x1x2")}, {"transforms": ("sin_x2",), "scale": "none"},
              {"test_fraction": 0.95, "scale": "minmax"}, {"test_fraction": 0.0},
              {"hidden": (), "validation_fraction": 0.3, "patience": 5}]
    for name, (output, loss), extra in itertools.product(BUILTIN, heads, extras):
        try:
            out.append(RunSettings(dataset=name, output=output, loss=loss, n_samples=600,
                                   **extra))
        except PlaygroundError:
            continue  # refused by the settings' own checks: a link never reaches the trainer
    return out


SETTINGS = combinations()


def test_the_combinations_hold_fitting_and_refused_settings() -> None:
    verdicts = [whole_data_verdict(s) for s in SETTINGS[::7]]
    assert any(v is None for v in verdicts) and any(v is not None for v in verdicts)


@pytest.mark.parametrize("chunk", range(4))
def test_the_cheap_check_gives_the_whole_data_verdict(chunk: int) -> None:
    for settings in SETTINGS[chunk::4]:
        assert link_codec._refusal(settings) == whole_data_verdict(settings), settings


def test_a_link_that_does_not_fit_keeps_what_fits_and_says_what_was_left_out() -> None:
    params = {"dataset": "spiral3", "n_samples": "5000", "hidden": "64,64,64,64,64,64",
              "output": "linear", "loss": "bce", "transforms": "x1^2,x2^2", "batch_size": "1",
              "optimizer": "adam"}
    settings, _, notices = link_codec.from_query(params)
    assert [n.split(":")[0] for n in notices] == ["output", "loss"]
    assert settings.hidden == (64,) * 6 and settings.transforms == ("x1^2", "x2^2")
    assert (settings.output, settings.loss) == ("auto", "auto")
    assert whole_data_verdict(settings) is None


def test_the_probe_keeps_every_class_and_column() -> None:
    data = load_data(RunSettings(dataset="spiral3", n_samples=5000))
    probe = link_codec._probe(data)
    assert probe.X.shape == (3 * link_codec.PROBE_ROWS_PER_CLASS, data.n_features)
    assert sorted(set(probe.y.tolist())) == [0, 1, 2] and probe.classes == data.classes
    blog = load_data(RunSettings(dataset="blog"))
    assert link_codec._probe(blog) is blog  # fixed test rows: checked whole
