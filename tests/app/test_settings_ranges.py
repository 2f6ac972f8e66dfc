"""Every setting's range, choices, help and effect live once, in RunSettings' field metadata: the
page widget, the share link's parser and the CLI accept exactly that range (the ends, not a hair
beyond), offer exactly those choices with that help, and what a change does to a trained network
is what a new network shows."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from nn_core.cli import SETTING_FLAGS, UsageError, build_parser, settings_from_args
from nn_core.data.builtin import BUILTIN
from nn_core.data.tabular import show
from nn_core.errors import PlaygroundError
from nn_core.io.serialize import model_to_json
from nn_core.settings import (
    EFFECT_HELP,
    KEEP,
    MAX_HIDDEN_LAYERS,
    RunSettings,
    choice_title,
    help_text,
    hidden_activations,
    value_choices,
    value_range,
)
from nn_core.training.trainer import Trainer
from tests.conftest import go, start, trained
from ui.session import link_codec, nav

FIELDS = {f.name: f for f in dataclasses.fields(RunSettings)}
RANGED = [name for name, f in FIELDS.items() if "range" in f.metadata]
CHOICES = [name for name, f in FIELDS.items() if "choices" in f.metadata]
LISTS = [name for name, f in FIELDS.items() if isinstance(f.default, tuple)]
SWITCHES = [name for name, f in FIELDS.items() if isinstance(f.default, bool)]
FLAG_OF = {name: flag for flag, name in SETTING_FLAGS.items()}

# The widget of a setting whose key is not w_<field>; every other one is found by its field name
# on the page of its section (the Data page for "data", else Train), a table's columns on the
# Data page once a CSV is loaded. The dataset choice is a list of built-in sets with its own help.
WIDGET_KEY = {"hidden": "w_units_0", "l1": "w_reg_rate", "l2": "w_reg_rate"}
TABLE_ONLY = {"target", "features", "task"}
NO_WIDGET_HELP = {"dataset"}


def _outside(name: str) -> tuple[str, str]:
    """Text values just below and just above the field's range."""
    lo, hi = value_range(name)
    if isinstance(RunSettings.__dataclass_fields__[name].default, float):
        below = lo - max(abs(lo) * 1e-9, 1e-12)
        above = hi + max(abs(hi) * 1e-9, 1e-12)
        return repr(below), repr(above)
    if name == "hidden":  # a lone 0 means "no hidden layer" on the command line
        return f"4,{lo - 1}", f"4,{hi + 1}"
    return str(lo - 1), str(hi + 1)


def _ends(name: str) -> tuple[str, str]:
    return tuple(link_codec.encode(v) for v in value_range(name))


def test_every_ranged_setting_is_walked():
    assert set(RANGED) == {"n_samples", "noise", "test_fraction", "data_seed", "hidden", "lr",
                           "batch_size", "momentum", "l1", "l2", "epochs", "target_loss",
                           "seed", "patience", "validation_fraction"}, \
        "a new ranged setting: give it a widget and walk it here"


@pytest.mark.parametrize("name", RANGED)
def test_the_link_accepts_exactly_the_settings_range(name):
    lo, hi = value_range(name)
    for text, value in zip(_ends(name), (lo, hi), strict=True):
        settings, _, notices = link_codec.from_query({name: text})
        assert notices == [], (name, text, notices)
        got = getattr(settings, name)
        assert (got[0] if isinstance(got, tuple) else got) == value
    for text in _outside(name):
        _, _, notices = link_codec.from_query({name: text})
        assert len(notices) == 1 and notices[0].startswith(f"{name}:"), (name, text, notices)


def _cli(name: str, text: str) -> RunSettings:
    argv = ["train", "--dataset", "xor"]
    if name in FLAG_OF and name not in SWITCHES:
        argv.append(f"--{FLAG_OF[name].replace('_', '-')}={text}")
    else:
        argv.append(f"--set={name}={text}")
    return settings_from_args(build_parser().parse_args(argv))


@pytest.mark.parametrize("name", RANGED)
def test_the_cli_accepts_exactly_the_settings_range(name):
    lo, hi = value_range(name)
    for text, value in zip(_ends(name), (lo, hi), strict=True):
        got = getattr(_cli(name, text), name)
        assert (got[0] if isinstance(got, tuple) else got) == value
    for text in _outside(name):
        with pytest.raises(UsageError, match=name):
            _cli(name, text)


def _widget(at, key):
    for kind in ("number_input", "slider", "select_slider"):
        found = [w for w in at.get(kind) if w.key == key]
        if found:
            return kind, found[0]
    raise AssertionError(f"no widget {key}")


@pytest.fixture(scope="module")
def pages():
    data = start()
    # (L2 on: the rate slider shows only with a regularisation chosen)
    train = go(start(settings=RunSettings(optimizer="momentum", l2=0.001)), nav.TRAIN)
    table = start()
    table.file_uploader[0].upload("t.csv", b"a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,z\n",
                                  "text/csv").run()
    assert not table.exception
    return data, train, table


def _page_of(name: str, pages):
    if name in TABLE_ONLY:
        return pages[2]
    return pages[0] if FIELDS[name].metadata["section"] == "data" else pages[1]


def _any_widget(at, key):
    found = [w for kind in ("number_input", "slider", "select_slider", "selectbox", "radio",
                            "checkbox", "multiselect", "text_input") for w in at.get(kind)
             if w.key == key]
    assert len(found) == 1, (key, found)
    return found[0]


def _number(shown) -> float:
    """A widget's end as a number; select sliders show shares as "none" or "20%"."""
    text = str(shown)
    if text == "none":
        return 0.0
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


@pytest.mark.parametrize("name", RANGED)
def test_the_widget_offers_exactly_the_settings_range(name, pages):
    at = _page_of(name, pages)
    kind, w = _widget(at, WIDGET_KEY.get(name, f"w_{name}"))
    ends = (w.options[0], w.options[-1]) if kind == "select_slider" else (w.min, w.max)
    got = tuple(_number(v) for v in ends)
    lo, hi = value_range(name)
    assert all(math.isclose(a, b) for a, b in zip(got, (lo, hi), strict=True)), (name, got)


def test_the_layer_count_widget_allows_the_settings_maximum(pages):
    _, w = _widget(pages[1], "w_hidden_layers")
    assert (w.min, w.max) == (0, MAX_HIDDEN_LAYERS)


@pytest.mark.parametrize("name", CHOICES)
def test_choice_widgets_offer_every_choice_by_its_title(name, pages):
    w = _any_widget(_page_of(name, pages), f"w_{name}")
    assert list(w.options) == [choice_title(name, c) for c in value_choices(name)]


@pytest.mark.parametrize("name", [n for n in FIELDS if n not in NO_WIDGET_HELP])
def test_each_widget_shows_its_settings_help_and_what_a_change_does(name, pages):
    w = _any_widget(_page_of(name, pages), WIDGET_KEY.get(name, f"w_{name}"))
    assert help_text(name, effect=False) in w.help
    assert EFFECT_HELP[FIELDS[name].metadata["effect"]] in w.help


# What a choice needs beside it to make a network that trains (links check settings together).
FITTING = {("output", "linear"): {"dataset": "sine"}, ("loss", "ce"): {"output": "softmax"}}


@pytest.mark.parametrize("name", CHOICES)
def test_link_and_cli_accept_every_choice_and_nothing_else(name):
    for choice in value_choices(name):
        _, _, notices = link_codec.from_query({name: choice, **FITTING.get((name, choice), {})})
        assert notices == [], notices
        assert choice in (lambda v: v if isinstance(v, tuple) else (v,))(
            getattr(_cli(name, choice), name))
    _, _, notices = link_codec.from_query({name: "nope"})
    assert len(notices) == 1
    with pytest.raises((UsageError, SystemExit)):
        _cli(name, "nope")


def _option_of(name: str):
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    found = [a for a in train._actions if a.dest == FLAG_OF[name]]
    assert len(found) == 1, name
    return found[0]


def test_every_setting_but_the_dataset_has_an_option():
    # --dataset NAME and --data FILE.csv choose the data; everything else is a settings option
    assert set(FIELDS) - set(SETTING_FLAGS.values()) == {"dataset"}


@pytest.mark.parametrize("name", [n for n in FIELDS if n in FLAG_OF])
def test_each_option_carries_its_settings_help_and_choices(name):
    action = _option_of(name)
    shown = action.help.replace("%%", "%").lower().removeprefix("turn off: ")
    assert shown.startswith(help_text(name).rstrip(".").lower())
    if name in CHOICES and name not in LISTS:
        assert tuple(action.choices) == value_choices(name)
    if "range" in FIELDS[name].metadata:
        lo, hi = value_range(name)
        assert f"{lo} to {hi}" in action.help or f"{lo:g} to {hi:g}" in action.help


@pytest.mark.parametrize("name", SWITCHES)
def test_switches_go_both_ways_through_link_and_cli_and_refuse_anything_else(name):
    default = FIELDS[name].default
    settings, _, notices = link_codec.from_query({name: link_codec.encode(not default)})
    assert (getattr(settings, name), notices) == (not default, [])
    option = _option_of(name).option_strings[0]
    assert option == f"--no-{name}"  # both switches are on by default
    args = build_parser().parse_args(["train", "--dataset", "xor", option])
    assert getattr(settings_from_args(args), name) is False
    assert getattr(_cli(name, "true"), name) is True
    _, _, notices = link_codec.from_query({name: "maybe"})
    assert len(notices) == 1 and notices[0].startswith(f"{name}: ")
    with pytest.raises(UsageError, match=name):
        _cli(name, "maybe")


def _items(name: str, n: int) -> str:
    meta = FIELDS[name].metadata
    one = str(value_range(name)[0]) if "range" in meta else (meta.get("choices") or ("x1",))[0]
    return ",".join([one] * n)


@pytest.mark.parametrize("name", LISTS)
def test_lists_hold_at_most_their_items_in_link_and_cli(name):
    most = FIELDS[name].metadata["items"]
    # the most items are accepted by the settings themselves (a list of choices is a set of them)
    if "choices" not in FIELDS[name].metadata:
        assert len(getattr(RunSettings(**{name: _items(name, most)}), name)) == most
    _, _, notices = link_codec.from_query({name: _items(name, most + 1)})
    fallback = link_codec._default_text(link_codec.SETTING_PARAMS[name])
    assert notices == [f"{name}: {show(_items(name, most + 1))} has more than "
                       f"{most} items; using {fallback}"]
    with pytest.raises(UsageError, match=f"{name}: at most {most} items, got {most + 1}"):
        _cli(name, _items(name, most + 1))


# --- what a change does to a trained network ----------------------------------------------------
def _other_values(name: str) -> list:
    """Valid values other than the default, from the field's metadata: both ends of a range,
    every choice, the other truth value (one-item lists of each for a list)."""
    f = FIELDS[name]
    meta, default = f.metadata, f.default
    if "range" in meta or "choices" in meta:
        values = meta.get("range") or meta["choices"]
        values = [(v,) for v in values] if isinstance(default, tuple) else list(values)
    elif isinstance(default, bool):
        values = [not default]
    else:
        values = {"dataset": list(BUILTIN), "activation": list(hidden_activations()),
                  "features": [("a",), ("b",)], "target": ["a"]}[name]
    return [v for v in values if v != default]


def _what_is_built(settings: RunSettings) -> tuple:
    """Everything a new trainer is made of: the network (architecture, initial weights,
    preprocessing), its data and the split; not the settings' own record."""
    trainer = _trainer(settings)
    model = json.loads(model_to_json(trainer))
    del model["settings"]
    split = (trainer.train_idx, trainer.val_idx, trainer.test_idx)
    return json.dumps(model), trainer.dataset.X.tobytes(), *(i.tobytes() for i in split)


# A table's columns (target, features, task) matter on a CSV table only: those are walked on one.
TABLE = b"a,b,y\n" + b"".join(b"%d,%d,%d\n" % (i, (7 * i) % 11, i % 3) for i in range(40))


def _start(name: str) -> RunSettings:
    if name in TABLE_ONLY:
        return RunSettings(dataset="csv", target="y")
    return RunSettings(n_samples=40)


def _trainer(settings: RunSettings) -> Trainer:
    return trained(settings, csv=TABLE if settings.dataset == "csv" else None)


@pytest.mark.parametrize("name", list(FIELDS))
def test_a_change_keeps_the_weights_exactly_when_no_new_network_could_differ(name):
    """A setting whose change keeps the trained weights builds the very same network (weights,
    preprocessing, data, split) at every other value; one that resets builds another at some
    value. Values the trainer refuses with the other defaults are left out."""
    old = _start(name)
    built = _what_is_built(old)
    differ = []
    for value in _other_values(name):
        try:
            differ.append(_what_is_built(old.replace(**{name: value})) != built)
        except PlaygroundError:
            continue
    assert differ, name
    keeps = FIELDS[name].metadata["effect"] == KEEP
    assert (not any(differ)) if keeps else any(differ), (name, differ)
    new = old.replace(**{name: _other_values(name)[0]})
    assert old.needs_reset(new) is not keeps
    trainer = _trainer(old)
    trainer.train_epochs(2)
    if keeps:
        before = trainer.network.params.copy()
        trainer.set_settings(new)
        assert np.array_equal(trainer.network.params, before) and trainer.epoch == 2
    else:
        with pytest.raises(PlaygroundError, match="reset"):
            trainer.set_settings(new)
