"""ui/session/share.py: settings <-> URL query parameters, lenient reading, classroom links."""

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn_core.data.builtin import BUILTIN
from nn_core.settings import MAX_HIDDEN_LAYERS, RunSettings, hidden_activations
from tests.conftest import trained
from ui.session import link_codec, locks, share

FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


# --- strategies built from the field metadata ---------------------------------------------------
def _field_strategy(f: dataclasses.Field) -> st.SearchStrategy:
    meta, default = f.metadata, f.default
    if isinstance(default, tuple):
        if "choices" in meta:
            return st.lists(st.sampled_from(meta["choices"]), unique=True).map(tuple)
        lo, hi = meta["range"]
        return st.lists(st.integers(lo, hi), max_size=MAX_HIDDEN_LAYERS).map(tuple)
    if "choices" in meta:
        return st.sampled_from(meta["choices"])
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(*meta["range"])
    if isinstance(default, float):
        return st.floats(*meta["range"], allow_nan=False)
    raise AssertionError(f"no strategy for {f.name}")


@st.composite
def run_settings(draw) -> RunSettings:
    """Any valid RunSettings on a built-in dataset (what a link can carry)."""
    values = {}
    for f in dataclasses.fields(RunSettings):
        if f.name not in ("dataset", "target", "features", "activation"):
            values[f.name] = draw(_field_strategy(f))
    dataset = draw(st.sampled_from(sorted(BUILTIN)))
    spec = BUILTIN[dataset]
    n_layers = max(len(values["hidden"]), 1)
    names = st.sampled_from(hidden_activations())
    per_layer = st.lists(names, min_size=n_layers, max_size=n_layers)
    activation = draw(st.one_of(names, per_layer.map(",".join)))
    return RunSettings(
        dataset=dataset,
        target=draw(st.sampled_from(["", spec.target])),
        features=tuple(draw(st.lists(st.sampled_from(spec.features), unique=True))),
        activation=activation,
        **values,
    )


def _ui_strategy() -> st.SearchStrategy:
    parts = {}
    for name, p in link_codec.UI_PARAMS.items():
        if p.choices is not None:
            parts[name] = st.sampled_from(p.choices)
        elif isinstance(p.default, bool):
            parts[name] = st.booleans()
        else:
            parts[name] = st.integers(*p.range)
    return st.fixed_dictionaries({}, optional=parts)


def _query_of(url: str) -> dict[str, list[str]]:
    """What Streamlit hands a page: parse_qs with blank values kept."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# --- round trips --------------------------------------------------------------------------------
@FAST
@given(run_settings(), _ui_strategy())
def test_settings_survive_a_link(s, ui):
    query = link_codec.to_query(s, ui)
    for name, text in query.items():  # only what differs from the defaults
        p = link_codec.SETTING_PARAMS.get(name) or link_codec.UI_PARAMS[name]
        assert text != link_codec.encode(p.default)
    back, back_ui, notices = link_codec.from_query(query)
    if link_codec._refusal(s) is None:  # settings a trainer accepts come back exactly
        assert (back, notices) == (s, [])
    else:  # an impossible combination comes back as one that works, saying what was left out
        assert notices and all("does not fit the rest of the link" in n for n in notices)
        assert link_codec._refusal(back) is None
    assert back_ui == {**{n: p.default for n, p in link_codec.UI_PARAMS.items()}, **ui}
    # ... and through a real URL (percent-encoding, lists of values as Streamlit gives them)
    url = link_codec.classroom_link("https://demo.example/train", s, ui)
    assert link_codec.from_query(_query_of(url)) == (back, back_ui, notices)


def test_a_readable_link_with_only_the_changes():
    s = RunSettings(dataset="xor", hidden=(4, 2), activation="tanh,relu", lr=0.1, l2=0.001,
                    batch_size=0, bias=False, transforms=("x1x2",))
    assert link_codec.to_query(s, {"speed": "max", "log_loss": True, "surface_x": 0}) == {
        "dataset": "xor", "transforms": "x1x2", "hidden": "4,2", "activation": "tanh,relu",
        "bias": "false", "lr": "0.1", "batch_size": "0", "l2": "0.001", "speed": "max",
        "log_loss": "true",
    }
    assert link_codec.to_query(RunSettings()) == {}


def test_floats_keep_every_digit_and_no_hidden_layer_is_written_none():
    s = RunSettings(lr=0.1 + 0.2, noise=1 / 3, hidden=())
    query = link_codec.to_query(s)
    assert query == {"noise": "0.3333333333333333", "hidden": "none",
                     "lr": "0.30000000000000004"}
    assert link_codec.from_query(query)[0] == s


def test_an_uploaded_table_goes_into_a_link_as_csv_without_its_columns():
    s = RunSettings(dataset="csv", target="Species", features=("petal length",),
                    task="classification", lr=0.1, n_samples=300)
    assert link_codec.to_query(s) == {"dataset": "csv", "n_samples": "300", "lr": "0.1"}
    back, _, notices = link_codec.from_query(link_codec.to_query(s))
    assert back == RunSettings(n_samples=300, lr=0.1)
    assert notices == ["dataset: the link was made on an uploaded or edited table, which links "
                       "do not carry; using moons"]


def test_column_names_left_over_from_a_table_stay_out_of_a_builtin_link():
    s = RunSettings(dataset="xor", target="Species", features=("x1", "petal"))
    assert link_codec.to_query(s) == {"dataset": "xor"}
    s = RunSettings(dataset="blog", target="label", features=("height", "age"))
    assert link_codec.to_query(s) == {"dataset": "blog", "target": "label",
                                 "features": "height,age"}


@pytest.mark.parametrize("ui", [{"speed": 3}, {"speed": True}, {"surface_x": 1.0},
                                {"surface_y": 50}, {"log_loss": "yes"}, {"colour": "red"}])
def test_to_query_refuses_view_choices_a_link_could_not_carry(ui):
    with pytest.raises(ValueError):
        link_codec.to_query(RunSettings(), ui)


# --- hostile and broken links -------------------------------------------------------------------
HOSTILE = [
    ({"lr": "abc"}, "lr: 'abc' is not a number; using 0.03"),
    ({"lr": "nan"}, "lr: 'nan' is not a finite number; using 0.03"),
    ({"lr": "-inf"}, "lr: '-inf' is not a finite number; using 0.03"),
    ({"lr": "1e999"}, "lr: '1e999' is not a finite number; using 0.03"),
    ({"lr": "50"}, "lr: '50' is outside 1e-06 to 10; using 0.03"),
    ({"lr": "1_0"}, "lr: '1_0' is not a number; using 0.03"),
    ({"lr": ["0.1", "0.2"]}, "lr: given 2 times; using 0.03"),
    ({"lr": ""}, "lr: empty value; using 0.03"),
    ({"n_samples": "1e3"}, "n_samples: '1e3' is not a whole number; using 200"),
    ({"n_samples": "٣٠٠"}, "n_samples: '٣٠٠' is not a whole number; using 200"),
    ({"data_seed": "4294967296"}, "data_seed: '4294967296' is outside 0 to 2147483647; using 0"),
    ({"bias": "maybe"}, "bias: 'maybe' is not true or false; using true"),
    ({"optimizer": "<b>adam</b>"},
     "optimizer: '<b>adam</b>' is not one of sgd, momentum, adam; using sgd"),
    ({"dataset": "mnist"}, "dataset: 'mnist' is not one of " + ", ".join(BUILTIN)
     + "; using moons"),
    ({"hidden": "4,0"}, "hidden: '0' is outside 1 to 64; using 8,8"),
    ({"hidden": "1,2,3,4,5,6,7"}, "hidden: '1,2,3,4,5,6,7' has more than 6 items; using 8,8"),
    ({"hidden": "4,,2"}, "hidden: '' is not a whole number; using 8,8"),
    ({"activation": "tanh,relu,relu"},
     "activation: give one name or one per hidden layer (2), got 3; using tanh"),
    ({"activation": "gelu"}, "activation: 'gelu' is not one of sigmoid, tanh, relu, linear; "
     "using tanh"),
    ({"transforms": "x1^3"}, "transforms: 'x1^3' is not one of x1^2, x2^2, x1x2, sin_x1, "
     "sin_x2; using none"),
    ({"target": "Species"}, "target: 'Species' is not a column of the moons data (label); "
     "using the dataset's own"),
    ({"features": "x1,height"}, "features: 'height' is not a column of the moons data (x1, x2); "
     "using all"),
    ({"speed": "1000"}, "speed: '1000' is not one of 1, 2, 5, 10, 20, 50, 100, 200, max; "
     "using 1"),
    ({"surface_y": "-1"}, "surface_y: '-1' is outside 0 to 49; using 1"),
    ({"seed": "9" * 100_000}, "seed: value of 100,000 characters; using 0"),
    ({"epochs": 5}, "epochs: not text; using 1000000"),
    ({"name": "x\n<script>"}, "ignored unknown parameter 'name'"),
    ({"hide": "lr,data,foo"}, "hide: ignored unknown control 'foo'"),
    ({"hide": ["lr", "data"]}, "hide: given 2 times; hiding nothing"),
]


@pytest.mark.parametrize(("params", "notice"), HOSTILE)
def test_each_bad_value_falls_back_with_one_exact_notice(params, notice):
    s, ui, notices = link_codec.from_query(params)
    assert notices == [notice]
    assert s == RunSettings()
    assert ui == {n: p.default for n, p in link_codec.UI_PARAMS.items()}


def test_good_values_next_to_bad_ones_are_kept():
    s, ui, notices = link_codec.from_query({"dataset": "blog", "target": "label", "features": "age",
                                       "hidden": "3,5", "activation": "relu,linear", "lr": "oops",
                                       "speed": "max"})
    assert s == RunSettings(dataset="blog", target="label", features=("age",), hidden=(3, 5),
                            activation="relu,linear")
    assert ui["speed"] == "max"
    assert notices == ["lr: 'oops' is not a number; using 0.03"]


def test_user_text_in_notices_is_cut_to_one_short_line():
    _, _, notices = link_codec.from_query({"optimizer": "a\nb\x00" + "z" * 900})
    assert notices == ["optimizer: 'a b " + "z" * 35 + "…' is not one of sgd, momentum, adam; "
                       "using sgd"]


def test_ten_thousand_parameters_cost_one_look_each_at_the_known_names():
    params = {f"p{i}": "x" * 100 for i in range(10_000)}
    params["lr"] = "0.5"
    s, _, notices = link_codec.from_query(params)
    assert s == RunSettings(lr=0.5)
    assert notices == ["ignored unknown parameters 'p0', 'p1', 'p2' and 9,997 more"]


@FAST
@given(st.dictionaries(
    st.one_of(st.sampled_from(link_codec.KNOWN), st.text()),
    st.one_of(st.text(), st.lists(st.text(), max_size=3),
              st.sampled_from(["none", "true", "0", "1e-3", "4,4", "x1,x2", "label", "nan"])),
    max_size=40,
))
def test_any_link_gives_valid_settings_and_one_line_notices(params):
    s, ui, notices = link_codec.from_query(params)
    assert RunSettings.from_dict(s.to_dict()) == s
    assert set(ui) == set(link_codec.UI_PARAMS)
    for name, value in ui.items():
        assert link_codec.from_query({name: link_codec.encode(value)})[1][name] == value
    for notice in notices:
        assert len(notice.splitlines()) == 1 and len(notice) < 400
    bad = {k for k in params if k not in link_codec.SETTING_PARAMS and k not in link_codec.UI_PARAMS
           and k != "hide"}
    assert any(n.startswith("ignored unknown") for n in notices) == bool(bad)
    assert link_codec.parse_locked(params) <= link_codec.LOCKABLE


# --- classroom links ----------------------------------------------------------------------------
def test_classroom_link_lists_hidden_controls_sorted_and_replaces_the_old_query():
    s = RunSettings(dataset="circle", hidden=(4,))
    url = link_codec.classroom_link("https://demo.example/train?lr=9#top", s, {"speed": 50},
                               ["upload", "lr", "editor", "lr"])
    assert url == ("https://demo.example/train?dataset=circle&hidden=4&speed=50"
                   "&hide=editor,lr,upload")
    params = _query_of(url)
    assert link_codec.parse_locked(params) == {"editor", "lr", "upload"}
    assert link_codec.from_query(params) == (s, {**link_codec.from_query({})[1], "speed": 50}, [])
    assert link_codec.classroom_link("https://demo.example/", RunSettings()) == "https://demo.example/"
    with pytest.raises(ValueError, match="unknown control 'Lr'"):
        link_codec.classroom_link("https://demo.example/", s, locked=["Lr"])


def test_parse_hidden_drops_unknown_names_with_one_notice():
    notices: list[str] = []
    hidden = link_codec.parse_locked({"hide": " lr, data ,foo,bar,,baz,qux"}, notices)
    assert hidden == {"lr", "data"}
    assert notices == ["hide: ignored unknown controls 'foo', 'bar', 'baz' and 1 more"]
    assert link_codec.parse_locked({}) == frozenset()
    assert {"lr", "hidden", "speed", "data", "upload", "editor"} <= link_codec.LOCKABLE
    assert not set(link_codec.UI_PARAMS) & set(link_codec.SETTING_PARAMS)


def test_current_params_reads_streamlits_query_parameters():
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from ui.session import link_codec, share

        s, ui, notices = link_codec.from_query(share.current_params())
        st.write(repr((s.lr, s.hidden, ui["speed"], notices, sorted(link_codec.parse_locked(
            share.current_params())))))

    at = AppTest.from_function(page)
    at.query_params.update({"lr": "0.3", "hidden": "5", "speed": "max", "hide": "data",
                            "junk": "1"})
    at.run()
    assert not at.exception
    assert at.markdown[0].value == repr(
        (0.3, (5,), "max", ["ignored unknown parameter 'junk'"], ["data"]))


@pytest.mark.parametrize("current, slug, expected", [
    ("http://localhost:8501/share", "train", "http://localhost:8501/train"),
    ("http://localhost:8501/", "train", "http://localhost:8501/train"),
    ("http://localhost:8501", "", "http://localhost:8501/"),
    ("https://x.streamlit.app/base/predict?lr=1#top", "", "https://x.streamlit.app/base"),
    ("https://host/base/how_it_works", "predict", "https://host/base/predict"),
])
def test_page_url(current, slug, expected):
    assert link_codec.page_url(current, slug) == expected


def test_every_hideable_name_has_a_label():
    labels = {locks.hide_label(n) for n in link_codec.LOCKABLE}
    assert len(labels) == len(link_codec.LOCKABLE)
    assert all(label.endswith(f"({n})") for n, label in
               zip(link_codec.LOCKABLE, map(locks.hide_label, link_codec.LOCKABLE), strict=True))
    assert locks.hide_label("upload") == "CSV upload: the whole section (upload)"


# --- settings checked together (issue 14) ------------------------------------------------------
IMPOSSIBLE = [
    ({"dataset": "blog", "transforms": "x1^2"}, "transforms",
     {"dataset": "blog"}),
    ({"dataset": "sine", "output": "sigmoid", "lr": "0.1"}, "output",
     {"dataset": "sine", "lr": 0.1}),
    ({"dataset": "xor", "output": "softmax", "loss": "bce"}, "loss",
     {"dataset": "xor", "output": "softmax"}),
    ({"output": "linear", "hidden": "3"}, "output", {"hidden": (3,)}),
]


@pytest.mark.parametrize(("params", "dropped", "kept"), IMPOSSIBLE)
def test_a_combination_the_trainer_refuses_falls_back_field_by_field(params, dropped, kept):

    s, _, notices = link_codec.from_query(params)
    assert s == RunSettings(**kept)
    assert len(notices) == 1 and notices[0].startswith(f"{dropped}: ")
    assert "does not fit the rest of the link" in notices[0]
    param = link_codec.SETTING_PARAMS[dropped]
    assert notices[0].endswith(f"using {link_codec._default_text(param)}")
    trained(s)  # what the link opens can be trained


def test_a_link_that_fits_together_keeps_every_value():
    params = {"dataset": "xor", "transforms": "x1^2,x1x2", "output": "softmax", "loss": "ce"}
    s, _, notices = link_codec.from_query(params)
    assert notices == []
    assert (s.transforms, s.output, s.loss) == (("x1^2", "x1x2"), "softmax", "ce")


def test_a_link_streamlit_dropped_gets_a_notice_naming_its_limit():
    assert share.dropped_link_notice(2001, 15_000) == (
        "This link has 2,001 parameters, more than the 1,000 the app can read, so none of its "
        "settings were used: showing the defaults.")
    assert share.dropped_link_notice(3, 600_000).startswith(
        "This link is 600,000 characters long, more than the 524,288 the app can read")
    assert share.dropped_link_notice(1000, 524_288) is None


def test_a_link_carries_the_early_stopping_settings():
    s = RunSettings(dataset="moons", patience=15, validation_fraction=0.2)
    query = link_codec.to_query(s)
    assert query["patience"] == "15" and query["validation_fraction"] == "0.2"
    assert link_codec.from_query(query)[0] == s
    assert "epochs" not in link_codec.to_query(RunSettings())  # the default: until paused
