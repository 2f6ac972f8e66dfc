"""ui/session/actions.py: the rules between settings, dataset, CSV table and trainer.

The session store is swapped for a plain dict, so these run without a Streamlit script.
"""

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from nn_core.errors import PlaygroundError
from nn_core.settings import RunSettings
from ui.session import actions, store, widgets

TABLE = b"height,weight,label\n170,70,1\n160,55,0\n180,90,1\n150,45,0\n175,75,1\n165,60,0\n"


def test_the_session_is_one_object_under_one_key_made_once(ss):
    s = store.session()
    assert list(ss) == [store.KEY] and ss[store.KEY] is s
    assert s.settings == RunSettings()
    assert s.trainer is None and s.running is False
    s.generation = 7
    s.settings = RunSettings(lr=0.5)
    actions.init_state()
    assert store.session() is s
    assert store.session().generation == 7 and store.session().settings.lr == 0.5


def test_two_sessions_share_no_mutable_part():
    a, b = store.Session(), store.Session()
    immutable = (int, float, str, bytes, bool, tuple, frozenset, type(None), RunSettings)
    for f in dataclasses.fields(store.Session):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        assert isinstance(va, immutable) or va is not vb, f.name
    assert a.views is not b.views and a.runs is not b.runs and a.lock is not b.lock


def test_dataset_loads_lazily_from_settings(ss):
    assert store.session().dataset is None
    ds = actions.get_dataset()
    assert ds.name == RunSettings().dataset
    assert ds.n_samples == RunSettings().n_samples
    assert actions.get_dataset() is ds  # loaded once


def test_changing_a_data_setting_reloads_the_data(ss):
    before = actions.get_dataset()
    version = store.session().data_version
    assert actions.update_settings(dataset="circle", n_samples=50) is None  # no trainer: no message
    after = actions.get_dataset()
    assert after.name == "circle" and after.n_samples == 50
    assert not np.array_equal(after.X[:10], before.X[:10])
    assert store.session().data_version == version + 1


def test_a_refused_data_setting_changes_nothing(ss):
    before = actions.get_dataset()
    with pytest.raises(PlaygroundError, match="CSV"):
        actions.update_settings(dataset="csv")  # no table in this session
    assert store.session().settings.dataset == RunSettings().dataset
    assert actions.get_dataset() is before


def test_hyper_parameter_change_keeps_the_trainer(ss):
    trainer = actions.get_trainer()
    trainer.train_epochs(3)
    message = actions.update_settings(lr=0.2)
    assert store.session().trainer is trainer
    assert trainer.settings.lr == 0.2 and trainer.epoch == 3
    assert message and message.startswith("Kept")


def test_architecture_change_drops_the_trainer_and_bumps_the_generation(ss):
    actions.get_trainer()
    actions.play()
    generation = store.session().generation
    message = actions.update_settings(hidden=(4,))
    assert store.session().trainer is None
    assert not store.session().running
    assert store.session().generation == generation + 1
    assert message and "reset" in message
    assert actions.get_trainer().network.sizes == [2, 4, 1]  # rebuilt lazily from new settings


def test_data_change_drops_the_trainer(ss):
    actions.get_trainer()
    assert "reset" in actions.update_settings(noise=0.3)
    assert store.session().trainer is None


def test_use_table_takes_the_last_column_as_target(ss):
    actions.get_trainer()
    ds = actions.use_table(TABLE, "people.csv")
    assert ds.target_name == "label" and ds.feature_names == ["height", "weight"]
    assert ds.task == "binary" and ds.n_samples == 6
    settings = store.session().settings
    assert settings.dataset == "csv"
    assert settings.target == "label" and settings.features == ("height", "weight")
    assert list(store.session().csv_columns) == ["height", "weight", "label"]
    assert store.session().csv_name == "people.csv"
    assert store.session().trainer is None
    assert any("reset" in n for n in actions.take_notices())
    # the target can then be changed through the settings; the data reloads from the bytes
    actions.update_settings(target="weight", features=("height",), task="regression")
    assert actions.get_dataset().target_name == "weight"
    assert actions.get_dataset().task == "regression"


def test_a_refused_table_keeps_the_previous_data(ss):
    before = actions.get_dataset()
    settings = store.session().settings
    with pytest.raises(PlaygroundError):
        actions.use_table(b"a,b\n1,2\n", "bad.csv")  # one class only, one row
    with pytest.raises(PlaygroundError):
        actions.use_table(b"\x00\x01\x02binary", "bad.bin")
    assert actions.get_dataset() is before
    assert store.session().settings == settings
    assert store.session().csv_bytes is None


def test_lost_table_falls_back_to_the_default_dataset(ss):
    store.session().settings = RunSettings(dataset="csv", target="label")  # e.g. from a link
    ds = actions.get_dataset()
    assert ds.name == RunSettings().dataset
    assert store.session().settings.dataset == RunSettings().dataset
    notices = actions.take_notices()
    assert len(notices) == 1 and "default dataset" in notices[0]
    assert actions.take_notices() == []  # shown once


def test_bound_widget_mirrors_the_setting_and_refusals_spring_back(ss):
    key = widgets.bind("lr")
    assert key == "w_lr" and ss[key] == RunSettings().lr
    ss[key] = 0.5  # the user moves the widget
    widgets.on_change("lr")()
    assert store.session().settings.lr == 0.5
    ss[key] = 99.0  # outside the allowed range
    widgets.on_change("lr")()
    assert store.session().settings.lr == 0.5
    assert "lr" in actions.take_error()
    assert actions.take_error() is None
    widgets.bind("lr")
    assert ss[key] == 0.5  # the next run shows the stored value again


def test_bind_converts_for_the_widget_and_back(ss):
    key = widgets.bind("hidden", list)
    assert ss[key] == [8, 8]
    ss[key] = [3, 5]
    widgets.on_change("hidden", tuple)()
    assert store.session().settings.hidden == (3, 5)


def test_editor_and_input_keys_change_with_the_data(ss):
    editor, box = widgets.editor_key(), widgets.predict_input_key(0)
    actions.reset_editor()
    assert widgets.editor_key() != editor
    assert widgets.predict_input_key(0) == box
    actions.update_settings(dataset="xor")
    assert widgets.predict_input_key(0) != box


def test_a_new_table_of_100_rows_turns_early_stopping_on_and_a_small_one_off(ss):
    iris = (Path(__file__).parents[1] / "data" / "iris.csv").read_bytes()
    assert store.session().settings.patience == 0  # built-in sets: off, to watch
    actions.use_table(iris, "iris.csv")
    s = store.session().settings
    assert (s.patience, s.validation_fraction) == (20, 0.1)
    assert any("Early stopping is on" in n for n in actions.take_notices())
    assert len(actions.get_trainer().val_idx) == 12  # 10% of iris's 120 training rows
    actions.update_settings(patience=0)
    actions.use_table(iris, "iris.csv", target="species")  # a new target, not a new table
    assert store.session().settings.patience == 0
    actions.use_table(TABLE, "people.csv")  # 6 rows
    settings = store.session().settings
    assert (settings.patience, settings.validation_fraction) == (0, 0)


# --- the rule: one owner of st.session_state, one maker of widget keys --------------------------
ROOT = Path(__file__).resolve().parents[2]
OWNER = ROOT / "ui" / "session" / "store.py"
# Streamlit calls that make a widget (a keyed element with a value in st.session_state)
WIDGETS = {"button", "download_button", "form_submit_button", "checkbox", "toggle", "radio",
           "selectbox", "multiselect", "slider", "select_slider", "number_input", "text_input",
           "text_area", "file_uploader", "segmented_control", "pills", "data_editor",
           "date_input", "time_input", "color_picker", "camera_input", "audio_input",
           "chat_input", "feedback", "tabs"}


def app_sources() -> list[Path]:
    """Every Python file of the app and the engine, ui/session/store.py included."""
    files = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/**/*.py"),
             *ROOT.glob("nn_core/**/*.py")]
    return sorted(files)


def invented_keys(source: str) -> list[int]:
    """Lines where a widget gets a key spelled in place (a string or f-string) instead of one
    made by ui/session/widgets.py. A component with a callback (``on_..._change``) is a widget
    too."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", "")
        words = {k.arg for k in node.keywords}
        is_widget = name in WIDGETS or any(w and w.startswith("on_") and w.endswith("_change")
                                           for w in words)
        key = next((k.value for k in node.keywords if k.arg == "key"), None)
        if is_widget and key is not None and _spelled(key):
            lines.append(node.lineno)
    return lines


def _spelled(expr: ast.expr) -> bool:
    """Whether the key is text written here (a call making it, such as widgets.bind("lr"), is
    not)."""
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.IfExp):
        return _spelled(expr.body) or _spelled(expr.orelse)
    if isinstance(expr, ast.BinOp):
        return _spelled(expr.left) or _spelled(expr.right)
    if isinstance(expr, ast.BoolOp):
        return any(_spelled(v) for v in expr.values)
    return False


def test_only_the_store_mentions_session_state():
    files = app_sources()
    assert OWNER in files and len(files) > 40
    assert "st.session_state" in OWNER.read_text(encoding="utf-8")
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if p != OWNER and "session_state" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_key_check_finds_a_key_spelled_in_place():
    assert invented_keys('st.button("Go", key="go")\nst.slider("a", key=f"a_{i}")\n'
                         '_el(key=a or "x", on_done_change=f)\n'
                         'st.toggle("c", key="t_" + name)\n') == [1, 2, 3, 4]
    assert invented_keys('st.button("Go", key=widgets.W_PLAY)\nst.container(key="box")\n'
                         'st.slider("a", key=widgets.held_input_key(2))\n'
                         'st.selectbox("d", key=widgets.bind("dataset"))\n'
                         'st.checkbox("b", **widgets.view_widget("log_loss"))\n') == []


def test_pages_and_views_take_every_widget_key_from_the_widget_binding():
    offenders = {str(p.relative_to(ROOT)): lines for p in app_sources()
                 if (lines := invented_keys(p.read_text(encoding="utf-8")))}
    assert offenders == {}
