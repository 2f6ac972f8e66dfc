"""The Train page's "Show the charts as tables" while paused: the numbers the charts draw."""

from __future__ import annotations

import numpy as np

from tests.conftest import button, session, train_page


def _tables_expander(at):
    return [e for e in at.expander if e.label.startswith("Show the charts as tables")]


def test_paused_page_shows_the_charts_as_tables() -> None:
    at = train_page()
    button(at, "train_step").click().run()
    button(at, "train_step").click().run()
    assert not at.exception
    (exp,) = _tables_expander(at)
    assert exp.label == "Show the charts as tables (epoch 2)"
    trainer = session(at).trainer
    frames = [df.value for df in exp.dataframe]
    loss = frames[0]
    assert list(loss["epoch"]) == [0, 1, 2]
    assert np.allclose(loss["train loss"], trainer.history["train_loss"], rtol=1e-6)
    # one matrix per layer, the biases as the last row, every weight of the network
    weights = frames[1:]
    assert len(weights) == len(trainer.network.weights)
    for table, w, b in zip(weights, trainer.network.weights, trainer.network.biases, strict=True):
        assert np.allclose(table.to_numpy()[:-1], w, rtol=1e-6)
        assert np.allclose(table.to_numpy()[-1], b, rtol=1e-6)
        assert table.index[-1] == "bias"
    (surface,) = exp.table
    counts = surface.value
    classes = list(trainer.dataset.classes)
    assert list(counts["class"]) == classes
    grid = session(at).peek("live_view").grid
    assert counts["grid points"].sum() == grid * grid


def test_an_untrained_network_has_its_tables_too() -> None:
    at = train_page()
    (exp,) = _tables_expander(at)  # epoch 0: the initial weights, one loss point
    assert exp.label == "Show the charts as tables (epoch 0)"
    assert list(exp.dataframe[0].value["epoch"]) == [0]
