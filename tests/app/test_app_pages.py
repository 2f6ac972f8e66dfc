"""AppTest tests of the app shell and the Data, Predict and How-it-works pages.

How these run: ``AppTest.from_file("../app.py")`` (relative to tests/conftest.py), run once,
then ``switch_page``; every ``at.run()`` executes app.py and then the current page. (The pages live
in ``app_pages/``: with a folder named ``pages/``, Streamlit 1.67 treats the app as a v1
multipage app until some run calls ``st.navigation``, which made AppTest skip app.py on reruns
and a fresh server open deep links without app.py.) Where a test needs a trained model it puts a
real Trainer into the session state before switching, as the Train page would.

AppTest does not apply ``st.data_editor`` cell edits, so the edit-and-Apply path is tested one
level down (the edited table through ``actions.use_table``, exactly what the page's Apply does).
"""

import io
import json
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from nn_core.data.builtin import BLOG_TEST
from nn_core.data.load import load_data
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import deferred_downloads, go, points, session, shown, start
from ui.session import actions, choices, nav, store, widgets
from ui.views.data import apply_edits, dataset_frame, table_csv
from ui.views.how import per_sample_code

GOOD_CSV = (
    b"name;height;weight;age;sex\nAl;170;70;25;m\nBo;160;55;30;f\nCy;180;90;40;m\nDi;150;45;20;f\n"
)


def scatter(at: AppTest) -> dict:
    charts = [c for c in at.get("plotly_chart") if "data_scatter" in c.proto.id]
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def trained(settings: RunSettings, epochs: int = 40) -> tuple[Trainer, object]:
    ds = load_data(settings)
    trainer = Trainer(settings, ds)
    trainer.train_epochs(epochs)
    return trainer, ds


# --- shell and Data page --------------------------------------------------------------------
def test_app_opens_on_the_data_page_with_its_widgets():
    at = start()
    assert at.title[0].value == "📊 Data"
    assert at.selectbox(key="w_dataset").value == RunSettings().dataset
    assert at.slider(key="w_n_samples").value == RunSettings().n_samples
    assert at.slider(key="w_noise").value == RunSettings().noise
    assert at.slider(key="w_test_fraction").value == RunSettings().test_fraction
    assert at.number_input(key="w_data_seed").value == RunSettings().data_seed
    assert [b.label for b in at.button] == ["🎲 Regenerate", "✅ Apply edits", "↩️ Discard edits"]
    assert [u.label for u in at.file_uploader] == ["CSV file", "Run bundle"]
    assert len(at.data_editor) == 1
    assert [m.label for m in at.metric] == ["Rows", "Features", "Train / test", "Classes"]
    assert at.metric[0].value == "200" and at.metric[2].value == "160 / 40"
    assert at.metric[3].value == "2"  # short: a metric cuts a long value ("Multi…")
    assert ("Target label: binary classification — classes 0: 100, 1: 100"
            in [c.value for c in at.caption])  # the task in full, where it can wrap
    traces = scatter(at)["data"]
    assert sum(len(points(t, "x")) for t in traces) == 200
    hollow = [t for t in traces if t["marker"]["color"] == "#ffffff"]  # white inside: a ring
    assert sum(len(points(t, "x")) for t in hollow) == 40  # the test rows


def test_choosing_a_dataset_changes_the_scatter():
    at = start()
    before = scatter(at)
    at.selectbox(key="w_dataset").set_value("spiral3").run()
    after = scatter(at)
    assert session(at).settings.dataset == "spiral3"
    assert session(at).dataset.name == "spiral3"
    assert len(before["data"]) == 4 and len(after["data"]) == 6  # 3 classes × train/test
    assert not np.array_equal(points(before["data"][0], "x"), points(after["data"][0], "x"))
    assert at.caption[1].value.startswith("Three interleaved spiral arms")


def test_regenerate_draws_new_points_with_a_new_seed():
    at = start()
    before = points(scatter(at)["data"][0], "x")
    at.button[0].click().run()
    seed = session(at).settings.data_seed
    assert seed != RunSettings().data_seed
    assert at.number_input(key="w_data_seed").value == seed
    assert not np.array_equal(before, points(scatter(at)["data"][0], "x"))


def test_a_csv_upload_becomes_the_data_with_column_choices():
    at = start()
    at.file_uploader[0].upload("people.csv", GOOD_CSV, "text/csv").run()
    assert not at.exception and not at.error
    ds = session(at).dataset
    assert ds.name == "csv" and ds.target_name == "sex" and ds.classes == ["f", "m"]
    assert ds.feature_names == ["height", "weight", "age"]
    assert at.selectbox(key="w_target").value == "sex"
    assert at.multiselect(key="w_features").value == ["height", "weight", "age"]
    assert at.radio(key="w_task").value == "auto"
    assert at.multiselect(key="w_features").options == ["height", "weight", "age"]
    captions = [shown(c.value) for c in at.caption]
    assert "Text columns (usable only as the target): name" in captions
    assert any("Loaded people.csv: 4 rows" in shown(i.value) for i in at.info)
    # three features: the scatter offers its two axes
    axes = {s.label: s for s in at.selectbox}
    assert axes["Horizontal axis"].value == 0 and axes["Vertical axis"].value == 1
    axes["Vertical axis"].set_value(2).run()
    layout = scatter(at)["layout"]
    assert layout["xaxis"]["title"]["text"] == "height"
    assert layout["yaxis"]["title"]["text"] == "age"
    # a new target: it leaves the features, the data reloads from the stored bytes
    at.selectbox(key="w_target").set_value("weight").run()
    ds = session(at).dataset
    assert ds.target_name == "weight" and ds.feature_names == ["height", "age"]
    assert ds.task == "multiclass"  # "auto": four whole numbers look like labels
    assert at.metric[3].value == "4" and ds.n_classes == 4
    at.radio(key="w_task").set_value("regression").run()  # the task override
    assert session(at).dataset.task == "regression"
    assert at.metric[3].value == "—"
    assert any(c.value.startswith("Target weight: regression — from ") for c in at.caption)
    # no features at all is refused; the choice springs back
    at.multiselect(key="w_features").set_value([]).run()
    assert shown(at.error[0].value) == "Choose at least one feature column."
    assert at.multiselect(key="w_features").value == ["height", "age"]
    # back to a built-in dataset, then to the uploaded table again
    at.selectbox(key="w_dataset").set_value("xor").run()
    assert session(at).dataset.name == "xor"
    again = next(b for b in at.button if b.label.startswith("Use people"))
    again.click().run()
    ds = session(at).dataset
    assert ds.name == "csv" and ds.target_name == "weight" and ds.task == "regression"


@pytest.mark.parametrize(
    "name, content",
    [
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("one_class.csv", b"a,b\n1,5\n2,5\n3,5\n"),
        ("empty.csv", b""),
    ],
)
def test_a_bad_upload_shows_one_line_and_keeps_the_previous_data(name, content):
    at = start()
    old = session(at).dataset
    at.file_uploader[0].upload(name, content, "text/csv").run()
    assert not at.exception
    assert len(at.error) == 1
    message = shown(at.error[0].value)
    assert "\n" not in message and message.startswith(f"Could not use {name}: ")
    assert message.endswith("The previous data is kept.")
    assert session(at).dataset is old
    assert session(at).settings == RunSettings()
    assert len(scatter(at)["data"]) == 4  # still the two moons


def test_user_text_is_shown_literally():
    at = start()
    csv = b"[x](http://e.invalid),**y**,<b>t</b>\n1,2,a\n2,3,b\n3,1,a\n4,4,b\n"
    at.file_uploader[0].upload("![img](http://e.invalid/p.png).csv", csv, "text/csv").run()
    assert not at.exception
    assert session(at).dataset.feature_names == ["[x](http://e.invalid)", "**y**"]
    notice = next(i.value for i in at.info if "Loaded" in i.value)
    assert "\\!\\[img\\]\\(http" in notice  # markdown escaped: shows as typed
    assert "Loaded ![img](http://e.invalid/p.png).csv" in shown(notice)
    layout = scatter(at)["layout"]
    assert layout["xaxis"]["title"]["text"] == "[x](http://e.invalid)"
    assert "<b>" not in json.dumps(scatter(at))  # Plotly's HTML-like labels escaped


def test_settings_survive_a_page_switch():
    at = start()
    at.slider(key="w_noise").set_value(0.35).run()
    at.slider(key="w_test_fraction").set_value(0.3).run()
    at.selectbox(key="w_dataset").set_value("xor").run()
    go(at, nav.HOW_IT_WORKS)
    go(at, nav.PREDICT)
    go(at, nav.DATA)
    assert at.selectbox(key="w_dataset").value == "xor"
    assert at.slider(key="w_noise").value == 0.35
    assert at.slider(key="w_test_fraction").value == 0.3
    assert session(at).settings.noise == 0.35


def test_a_tour_of_every_page_keeps_one_session_and_only_widget_values_beside_it():
    at = go(start(), nav.TRAIN)
    for _ in range(3):
        at.button(key=widgets.W_STEP).click().run()
    at.checkbox(key=choices.widget_of("log_loss")).check().run()
    here, trainer = session(at), session(at).trainer
    keys = set(at.session_state.keys())
    for page in (nav.PREDICT, nav.SHARE, nav.HOW_IT_WORKS, nav.DATA, nav.TRAIN):
        go(at, page)
        keys |= set(at.session_state.keys())
    assert session(at) is here and here.trainer is trainer and trainer.epoch == 3
    assert here.settings == RunSettings() and here.views.log_loss is True
    assert at.checkbox(key=choices.widget_of("log_loss")).value is True
    # beside the session, st.session_state holds only widget values under keys ui/state makes
    made = {v for k, v in vars(widgets).items() if k.startswith("W_")}
    others = {k for k in keys - made - set(choices.widget_keys().values())
              if not k.startswith(("w_", "FormSubmitter:editor_form_w_editor_"))}
    assert others == {store.KEY}


def test_applied_table_edits_become_the_data():
    """What the Apply button does with the editor's table (AppTest cannot type into cells)."""
    values: dict = {}
    with mock.patch.object(store, "_ss", lambda: values):
        actions.init_state()
        ds = actions.get_dataset()
        table = dataset_frame(ds)
        table = table.drop(index=[0, 1])  # delete two rows
        table.iloc[0, 0] = 123.5  # change a cell
        table.loc[len(table) + 10] = [0.5, -0.5, "1"]  # add a row
        new = actions.use_table(
            table_csv(table),
            "edited table",
            target=ds.target_name,
            features=tuple(ds.feature_names),
            task="classification",
        )
        assert new.n_samples == ds.n_samples - 1
        assert new.X[0, 0] == 123.5
        assert new.X[-1].tolist() == [0.5, -0.5] and new.classes[new.y[-1]] == "1"
        assert new.classes == ds.classes and new.task == "binary"


# --- Predict page --------------------------------------------------------------------------
def test_predict_without_a_model_links_to_train():
    at = go(start(), nav.PREDICT)
    assert "No trained model yet" in shown(at.info[0].value)
    assert [p.proto.page for p in at.get("page_link")] == ["train"]
    assert len(at.number_input) == 0


def test_predict_gives_the_engine_s_numbers():
    settings = RunSettings(dataset="gaussians", hidden=(4,), epochs=1000)
    trainer, ds = trained(settings)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
    boxes = at.number_input
    assert [b.label for b in boxes] == ["x1", "x2"]
    assert [b.value for b in boxes] == pytest.approx(ds.X.mean(axis=0).round(4).tolist())
    boxes[0].set_value(1.5).run()
    at.number_input[1].set_value(-0.25).run()
    probs = trainer.predict(np.array([[1.5, -0.25]]))[0]
    label = trainer.predict_labels(np.array([[1.5, -0.25]]))[0]
    assert at.metric[0].label == "Predicted label" and at.metric[0].value == label
    assert at.metric[1].value == f"{probs.max():.2%}"
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert points(bars, "x") == pytest.approx(probs)


def test_predict_on_the_blog_table_starts_from_its_test_inputs():
    settings = RunSettings(dataset="blog", hidden=(2,), batch_size=1)
    trainer, ds = trained(settings, epochs=20)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
    assert [b.value for b in at.number_input] == [175.0, 75.0, 27.0]
    at.selectbox(key=widgets.W_PREDICT_EXAMPLE).set_value(2).run()
    assert [b.value for b in at.number_input] == [185.0, 95.0, 42.0]
    blog_rows = at.dataframe[0].value
    expected = trainer.predict(np.array(BLOG_TEST, float))[:, 1]
    assert blog_rows["network output"].to_numpy() == pytest.approx(expected)
    assert at.metric[1].value == f"{trainer.predict(np.array([BLOG_TEST[2]], float)).max():.2%}"


def test_batch_prediction_table_and_download():
    settings = RunSettings(dataset="plane", hidden=(3,))
    trainer, ds = trained(settings)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
    upload = b"id,x2,x1\na,1,2\nb,-1,0.5\nc,,3\nd,0,0\n"
    with deferred_downloads() as made:
        at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload("in.csv", upload, "text/csv").run()
    assert not at.exception and not at.error
    assert "1 of 4 rows" in shown(at.info[0].value)  # row c has no x2
    assert list(made) == ["predictions.csv"]
    result = pd.read_csv(io.BytesIO(made["predictions.csv"]()))  # made when clicked
    assert list(result.columns) == ["id", "x2", "x1", "predicted y"]
    expected = trainer.predict(np.array([[2, 1], [0.5, -1], [0, 0]], float))
    got = result["predicted y"].to_numpy()
    assert np.isnan(got[2])
    assert got[[0, 1, 3]] == pytest.approx(expected)


def test_batch_prediction_names_missing_columns():
    settings = RunSettings(dataset="blog", hidden=(2,))
    trainer, ds = trained(settings, epochs=5)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.PREDICT)
    at.file_uploader(key=widgets.W_PREDICT_UPLOAD).upload("in.csv", b"height,age\n170,30\n").run()
    assert not at.exception
    assert len(at.error) == 1
    message = shown(at.error[0].value)
    assert message.startswith("Could not predict in.csv: ") and "'weight'" in message
    assert "'height'" not in message and "'age'" not in message


# --- How it works --------------------------------------------------------------------------
def test_how_it_works_shows_the_maths_next_to_the_running_code():
    at = go(start(), nav.HOW_IT_WORKS)
    codes = [c.value for c in at.code]
    assert any(c.startswith("def forward_layers(") for c in codes)
    assert any(c.startswith("def backward(") and 'rule == "blog"' in c
               and "errors[i] @ W.T" in c for c in codes)
    assert any(c.startswith("def train_step(") and "optimizer.step(self.params, self.grad)" in c
               and "params -= self.lr * g" in c for c in codes)



def test_how_it_works_shows_the_generated_per_sample_code_of_the_sessions_network():
    settings = RunSettings(dataset="xor", hidden=(3,), update_rule="exact", l2=0.01)
    trainer, ds = trained(settings, epochs=2)
    at = go(start(settings=settings, dataset=ds, trainer=trainer), nav.HOW_IT_WORKS)
    codes = [c.value for c in at.code]
    expected = per_sample_code(trainer.network, "exact", 0.0, 0.01)[1]
    assert expected.startswith("def sgd_epoch(") and "* l2_step" in expected
    assert expected in codes
    assert per_sample_code()[1] not in codes  # not the blog's network: the session's
    assert any("hidden_errors = np.dot(self.weights_hidden_output.T" in c for c in codes)
    assert len(at.latex) >= 6
    ratio = next(m for m in at.metric if m.label.startswith("Blog step"))
    output = float(next(m for m in at.metric if m.label == "Output o").value)
    assert float(ratio.value.rstrip("×")) == pytest.approx(1 / (output * (1 - output)), rel=2e-3)


def test_the_blog_setup_button_loads_the_blog_run():
    at = go(start(), nav.HOW_IT_WORKS)
    at.button[0].click().run()
    settings = session(at).settings
    assert settings.dataset == "blog" and settings.hidden == (2,) and not settings.bias
    assert settings.update_rule == "blog" and settings.scale == "none"
    assert at.title[0].value.endswith("Train")


def test_an_uploaded_table_has_a_split_seed_like_built_in_data():
    rows = "".join(f"{i},{(i * 7) % 11},{'ab'[i % 2]}\n" for i in range(40))
    at = start()
    at.file_uploader[0].upload("t.csv", ("x1,x2,y\n" + rows).encode(), "text/csv").run()
    assert session(at).settings.dataset == "csv"
    seed = at.number_input(key=widgets.widget_key("data_seed"))
    assert seed.label == "Split seed" and not seed.disabled
    ds = session(at).dataset
    before = Trainer(session(at).settings, ds).test_idx.tolist()
    seed.set_value(5).run()
    settings = session(at).settings
    assert not at.exception and settings.data_seed == 5 and settings.dataset == "csv"
    after = Trainer(settings, session(at).dataset).test_idx.tolist()
    assert sorted(after) != sorted(before)
    assert session(at).dataset.n_samples == 40


def test_apply_takes_every_edit_from_the_editor_state_and_names_empty_rows():
    """The Apply callback reads the editor's own state: edits, deletions and added rows; added
    rows with no value at all are left out with a notice, a half-filled row is reported by the
    data layer, and a refused table keeps the data and the edits."""
    values: dict = {}
    with mock.patch.object(store, "_ss", lambda: values):
        actions.init_state()
        ds = actions.get_dataset()
        x1, x2, target = dataset_frame(ds).columns
        values[widgets.editor_key()] = {
            "edited_rows": {0: {x1: 123.5}, 3: {x2: -7.25}},
            "added_rows": [{x1: 0.5, x2: -0.5, target: "1"}, {}, {x1: None, x2: None},
                           {x1: 2.0}],
            "deleted_rows": [1, 2],
        }
        actions.apply_editor_edits()
        new = actions.get_dataset()
        notices = actions.take_notices()
        assert new.n_samples == ds.n_samples - 2 + 1  # the half-filled row has no target
        assert new.X[0, 0] == 123.5 and new.X[1, 1] == -7.25
        assert new.X[-1].tolist() == [0.5, -0.5] and new.classes[new.y[-1]] == "1"
        assert any("Left out 2 added rows with no values at all" in n for n in notices), notices
        assert any("dropped 1 of" in n for n in new.notices), new.notices
        # nothing to apply: said, and nothing changes
        actions.apply_editor_edits()
        assert actions.take_notices() == ["No edits to apply."] and actions.get_dataset() is new
        # a table the data layer refuses: one error, data and edits kept
        key = widgets.editor_key()
        values[key] = {"deleted_rows": list(range(new.n_samples))}
        actions.apply_editor_edits()
        assert actions.take_error().startswith("Could not apply the edits: ")
        assert actions.get_dataset() is new and widgets.editor_key() == key


def test_apply_edits_keeps_values_and_counts_only_fully_empty_rows():
    base = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    edits = {"added_rows": [{"a": float("nan"), "b": " "}, {"b": "z"}],
             "edited_rows": {"1": {"b": "w"}}}
    table, empty = apply_edits(base, edits)
    assert empty == 1
    assert table["b"].tolist() == ["x", "w", "z"] and table["a"].tolist()[:2] == [1.0, 2.0]
