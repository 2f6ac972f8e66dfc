"""Every setting's range lives once, in RunSettings' field metadata: the page widget, the share
link's parser and the CLI accept exactly that range (the ends, not a hair beyond)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from nn_core.cli import SETTING_FLAGS, UsageError, build_parser, settings_from_args
from nn_core.settings import MAX_HIDDEN_LAYERS, RunSettings, value_choices, value_range
from tests.apptest_helpers import go, start
from ui import link_codec, nav

RANGED = [f.name for f in dataclasses.fields(RunSettings) if "range" in f.metadata]
CHOICES = [f.name for f in dataclasses.fields(RunSettings) if "choices" in f.metadata]
FLAG_OF = {name: flag for flag, name in SETTING_FLAGS.items()}

# field -> (page, widget key, what to read); momentum's widget shows with the momentum optimiser
DATA_PAGE = {"n_samples", "noise", "data_seed", "test_fraction"}
WIDGET_KEY = {"hidden": "w_units_0", "l1": "w_reg_rate", "l2": "w_reg_rate"}


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
    argv += [f"--{FLAG_OF[name].replace('_', '-')}={text}"] if name in FLAG_OF else \
        [f"--set={name}={text}"]
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
    train = go(start(settings=RunSettings(optimizer="momentum")), nav.TRAIN)
    return data, train


def _number(shown) -> float:
    """A widget's end as a number; select sliders show shares as "none" or "20%"."""
    text = str(shown)
    if text == "none":
        return 0.0
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


@pytest.mark.parametrize("name", RANGED)
def test_the_widget_offers_exactly_the_settings_range(name, pages):
    at = pages[0] if name in DATA_PAGE else pages[1]
    kind, w = _widget(at, WIDGET_KEY.get(name, f"w_{name}"))
    ends = (w.options[0], w.options[-1]) if kind == "select_slider" else (w.min, w.max)
    got = tuple(_number(v) for v in ends)
    lo, hi = value_range(name)
    assert all(math.isclose(a, b) for a, b in zip(got, (lo, hi), strict=True)), (name, got)


def test_the_layer_count_widget_allows_the_settings_maximum(pages):
    _, w = _widget(pages[1], "w_hidden_layers")
    assert (w.min, w.max) == (0, MAX_HIDDEN_LAYERS)


@pytest.mark.parametrize("name", ["output", "loss", "init", "scale", "optimizer", "update_rule"])
def test_choice_widgets_offer_every_choice(name, pages):
    w = [w for w in (*pages[1].selectbox, *pages[1].radio) if w.key == f"w_{name}"]
    assert len(w) == 1 and len(w[0].options) == len(value_choices(name))


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
