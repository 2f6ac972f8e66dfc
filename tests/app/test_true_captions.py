"""Captions that must be true for the network on screen, read from the pages (AppTest): the
input scaling's title, a rate changed before any training, the loss after a step applied by
hand, the numbers after early stopping, and a table whose only feature holds text."""

import json
import re

import numpy as np
from streamlit.testing.v1 import AppTest

from nn_core.data.load import load_data
from nn_core.data.preprocess import HIGH, LOW, Preprocessor
from nn_core.engine import losses
from nn_core.io.serialize import model_from_json, model_to_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import go, session, start, train_page
from ui.session import nav, widgets


def sent(at: AppTest) -> dict:
    """The message the live element received on the last run."""
    return json.loads(at.get("bidi_component")[0].proto.json)


def test_the_min_max_title_says_the_range_it_scales_to():
    at = train_page()
    box = at.selectbox(key=widgets.widget_key("scale"))
    titles = [o for o in box.options if o.startswith("min–max")]
    assert titles == ["min–max to 0.01–0.99"]
    X = np.array([[3.0, -7.0], [5.0, 1.0], [4.0, 0.0]])
    scaled = Preprocessor("minmax", ()).fit(X).transform(X)
    assert scaled.min() == LOW and scaled.max() == HIGH  # the range the title names


def test_a_rate_changed_before_any_training_keeps_no_trained_network():
    at = train_page()
    assert session(at).trainer.epoch == 0
    at.select_slider(key=widgets.widget_key("lr")).set_value(0.1).run()
    assert session(at).settings.lr == 0.1
    assert not any("Kept the trained network" in i.value for i in at.info)
    at.button(key="train_step").click().run()
    at.select_slider(key=widgets.widget_key("lr")).set_value(0.3).run()
    assert any("Kept the trained network" in i.value for i in at.info)  # now there is one


def test_after_a_step_by_hand_the_train_page_shows_the_loss_after_it():
    settings = RunSettings(dataset="xor", n_samples=60, hidden=(3,), lr=0.5, batch_size=0)
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(3)
    before = dict(trainer.current())
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.HOW_IT_WORKS)
    at.button(key="step_apply").click().run()
    assert not at.exception and trainer.manual_steps == 1
    go(at, nav.TRAIN)
    frame = sent(at)["frames"][-1]
    def loss(X, Y):  # the stepped weights' loss, measured with the engine's own functions
        zs, acts = trainer.network.forward_layers(X)
        return losses.value(trainer.loss_name, trainer.output, zs[-1], acts[-1], Y)

    train_after = loss(trainer.X_train, trainer.Y_train)
    test_after = loss(trainer.X_test, trainer.Y_test)
    assert train_after != before["train_loss"]
    assert frame["epoch"] == 3 and frame["loss"][:3] == [3, train_after, test_after]
    assert f"train loss {train_after:.4g}" in frame["text"]
    assert f"train loss {before['train_loss']:.4g}" not in frame["text"]


EARLY = RunSettings(dataset="moons", n_samples=200, noise=0.3, hidden=(8,), lr=0.3,
                    batch_size=8, seed=2, patience=5, validation_fraction=0.2)


def test_after_early_stopping_every_number_is_the_held_networks():
    ds = load_data(EARLY)
    trainer = Trainer(EARLY, ds)
    trainer.train_epochs(2000)
    assert trainer.stop_kind == "early" and trainer.held_epoch < trainer.epoch
    at = train_page(settings=EARLY, dataset=ds, trainer=trainer)
    best = Trainer(EARLY, ds)  # a run stopped at the best epoch: the network held
    best.train_epochs(trainer.best_epoch)
    want = best.current()
    heading = [m.value for m in at.markdown if m.value.startswith("## ")]
    assert f"## Stopped at epoch {trainer.epoch} · holding the network of epoch " \
           f"{trainer.best_epoch}" in heading
    text = sent(at)["frames"][-1]["text"]
    assert text.startswith(f"epoch {trainer.best_epoch} (held)")
    assert f"train loss {want['train_loss']:.4g} · test loss {want['test_loss']:.4g}" in text
    assert f"best epoch {trainer.best_epoch}" in text
    caption = next(c.value for c in at.caption if c.value.startswith("The network of epoch"))
    assert caption.startswith(f"The network of epoch {trainer.best_epoch} (early stopping's "
                              f"best; the run stopped at epoch {trainer.epoch})")
    go(at, nav.PREDICT)
    assert any(f"holding the network of epoch {trainer.best_epoch}" in c.value
               for c in [*at.caption, *at.markdown])
    go(at, nav.SHARE)
    assert any(c.value.startswith(f"The trained network: epoch {trainer.best_epoch} (early "
                                  f"stopping's best; the run stopped at epoch {trainer.epoch})")
               for c in at.caption)
    model = model_from_json(model_to_json(trainer))  # the download: the held weights
    assert model.epochs == trainer.best_epoch
    assert np.array_equal(model.network.params, best.network.params)


def test_a_table_whose_only_feature_holds_text_says_so_in_words():
    at = go(start(), nav.DATA)
    csv = "comment,y\nfine,1\nbad,0\nok,1\nmeh,0\n"
    at.file_uploader[0].upload("notes.csv", csv.encode(), "text/csv").run()
    errors = [e.value for e in at.error]
    assert any(re.search(r"the column 'comment' holds text", e) for e in errors), errors
    assert not any("hold text)" in e for e in errors)
