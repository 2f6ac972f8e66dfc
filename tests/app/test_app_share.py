"""AppTest tests of sharing: links in, links out, classroom links, bundles, model files."""

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from nn_core.io.bundle import bundle_to_json
from nn_core.io.serialize import model_to_json
from nn_core.settings import RunSettings
from tests.conftest import go, session, start, trained
from ui.session import link_codec, nav, widgets


def test_a_link_opens_its_settings_and_the_same_initial_network():
    chosen = RunSettings(dataset="spiral3", n_samples=150, noise=0.3, hidden=(5, 3),
                         activation="relu,tanh", lr=0.3, batch_size=4, optimizer="momentum",
                         l2=0.001, init="he", bias=False, seed=11, scale="minmax",
                         data_seed=4, test_fraction=0.3)
    at = start(link_codec.to_query(chosen, {"speed": 50, "log_loss": True}))
    assert session(at).settings == chosen
    assert session(at).views.speed == 50
    assert session(at).views.log_loss is True
    assert not at.info  # a clean link gives no notices
    # the same settings in a fresh session give the same epoch-0 network and loss
    here = trained(session(at).settings)
    fresh = trained(chosen)
    assert np.array_equal(here.network.params, fresh.network.params)
    assert here.history["train_loss"][0] == fresh.history["train_loss"][0]


def test_hostile_links_fall_back_with_notices_and_no_error():
    at = start({"lr": "1e999", "hidden": "9" * 5000, "activation": "<script>",
                "dataset": "../../etc/passwd", "batch_size": "-3", "zzz": "1",
                "hide": "everything"})
    assert session(at).settings == RunSettings()
    notices = " ".join(i.value for i in at.info)
    for name in ("lr", "hidden", "activation", "dataset", "batch", "zzz", "hide"):
        assert name in notices.replace("\\", "")
    assert not at.error


def _query(at: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_the_address_bar_follows_the_settings():
    at = start({"dataset": "xor"})
    assert _query(at) == {"dataset": "xor"}
    at.slider(key=widgets.widget_key("noise")).set_value(0.35)
    at.run()
    assert session(at).settings.noise == 0.35
    assert _query(at) == {"dataset": "xor", "noise": "0.35"}
    go(at, nav.PREDICT)  # a page switch clears Streamlit's query parameters; the app restores them
    assert _query(at) == {"dataset": "xor", "noise": "0.35"}


def test_a_classroom_link_hides_what_it_names():
    at = start({"hide": "upload,editor,noise"})
    assert [t.label for t in at.tabs] == ["Built-in"]
    assert [s.label for s in at.slider] == ["Samples", "Test fraction"]
    assert not at.file_uploader


def test_share_page_shows_the_link_and_the_downloads():
    settings = RunSettings(dataset="circle", lr=0.1)
    trainer = trained(settings)
    trainer.train_epochs(3)
    at = start({"dataset": "circle", "lr": "0.1"})
    session(at).trainer = trainer
    go(at, nav.SHARE)
    links = [c.value for c in at.code]
    assert links[0].endswith("/train?dataset=circle&lr=0.1")
    at.multiselect(key="share_hide").set_value(["upload", "lr"]).run()
    assert at.code[1].value.endswith("/train?dataset=circle&lr=0.1&hide=lr,upload")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Dataset (CSV)", "Run bundle (settings + data)", "Trained model (JSON)",
                      "Standalone Python script", "Training history (CSV)",
                      "Jupyter notebook (.ipynb)"]


def test_share_page_without_training_offers_data_and_bundle_only():
    at = go(start(), nav.SHARE)
    assert any("Nothing is trained yet" in i.value for i in at.info)
    disabled = [b.proto.disabled for b in at.get("download_button")]
    assert disabled == [False, False, True]


def test_a_bundle_restores_an_uploaded_table_and_its_settings():
    table = b"a;b;label\n1;2;x\n2;3;y\n3;1;x\n4;4;y\n5;0;x\n0;5;y\n1;1;x\n2;2;y\n"
    saved = RunSettings(dataset="csv", target="label", features=("b",), lr=0.5, hidden=(3,),
                        test_fraction=0.25)
    at = start()
    at.file_uploader(key="w_upload_bundle").upload(
        "run.json", bundle_to_json(saved, table, "mine.csv").encode(), "application/json").run()
    assert not at.exception and not at.error
    s = session(at).settings
    assert s == saved
    ds = session(at).dataset
    assert ds.feature_names == ["b"] and ds.classes == ["x", "y"]
    assert ds.X[:, 0].tolist() == [2, 3, 1, 4, 0, 5, 1, 2]


def test_a_damaged_bundle_is_refused_and_the_data_kept():
    at = start()
    before = session(at).settings
    at.file_uploader(key="w_upload_bundle").upload(
        "run.json", json.dumps({"format": "nope"}).encode(), "application/json").run()
    assert len(at.error) == 1 and "run.json" in at.error[0].value.replace("\\", "")
    assert session(at).settings == before


def test_a_saved_model_predicts_on_the_predict_page_exactly():
    settings = RunSettings(dataset="moons", n_samples=100, hidden=(4,), batch_size=5)
    trainer = trained(settings)
    trainer.train_epochs(4)
    at = go(start(), nav.PREDICT)
    at.file_uploader(key="w_predict_model").upload(
        "m.json", model_to_json(trainer).encode(), "application/json").run()
    assert not at.exception and not at.error
    x = np.array([[n.value for n in at.number_input]])
    p = trainer.predict(x)[0]
    best = int(np.argmax(p))
    assert at.metric[0].value == trainer.predict_labels(x)[0]
    assert at.metric[1].value == f"{p[best]:.2%}"


def test_a_classroom_link_hides_train_controls_and_keeps_the_charts():
    at = start({"dataset": "xor", "lr": "0.3", "hide": "training,activation,speed"})
    go(at, nav.TRAIN)
    labels = {w.label for w in (*at.selectbox, *at.number_input, *at.select_slider)}
    assert "Hidden layers" in labels and "Output" in labels  # the Network section stays
    assert not labels & {"Learning rate", "Batch size (0 = all rows)", "Optimiser",
                         "Activation (hidden layers)", "Speed (epochs per frame)"}
    assert "Use the blog's network" not in [b.label for b in at.button]
    assert [b.label for b in at.button][:3] == ["▶ Play", "Step", "Reset"]
    at.button(key="train_step").click().run()
    assert session(at).trainer.epoch == 1
    assert session(at).settings.lr == 0.3


def test_an_impossible_link_opens_a_trainable_page_with_one_notice_per_problem():
    # the blog's table has 3 inputs; x1^2 needs 2, and the control that would fix it is hidden
    at = start({"dataset": "blog", "transforms": "x1^2", "hide": "data,network,zz"})
    notices = [i.value.replace("\\", "") for i in at.info]
    assert sum(n.startswith("transforms: 'x1^2' does not fit") for n in notices) == 1
    assert sum("hide: ignored unknown control 'zz'" in n for n in notices) == 1  # once, not twice
    assert session(at).settings == RunSettings(dataset="blog")
    go(at, nav.TRAIN)
    assert not at.error
    at.button(key="train_step").click().run()
    assert not at.error and session(at).trainer.epoch == 1


def _downloads(at: AppTest) -> dict[str, bytes]:
    """Run ``at`` and return the bytes each download button stored in this run, by file name.

    A button whose data is a callable stores nothing here: Streamlit calls it in a later
    request, outside the session (where reading st.session_state fails).
    """
    from unittest import mock

    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    saved: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        data = path_or_data.encode() if isinstance(path_or_data, str) else path_or_data
        saved[filename] = data
        return original(self, path_or_data, mimetype, kind, filename)

    with mock.patch.object(MemoryMediaFileStorage, "load_and_get_id", record):
        at.run()
    assert not at.exception, at.exception
    return saved


def test_the_run_bundle_is_made_in_the_page_run_for_uploaded_and_built_in_data():
    from nn_core.io.bundle import bundle_from_json

    table = b"a,b,label\n1,2,x\n2,3,y\n3,1,x\n4,4,y\n5,0,x\n0,5,y\n"
    at = start()
    at.file_uploader[0].upload("mine.csv", table, "text/csv").run()
    at.switch_page(nav.SHARE)
    files = _downloads(at)
    settings, csv, name = bundle_from_json(files["run-bundle.json"])
    assert settings == session(at).settings.replace(dataset="csv")
    assert csv.replace(b"\r\n", b"\n") == table and name == "mine.csv"
    at = start({"dataset": "xor", "n_samples": "50"})
    at.switch_page(nav.SHARE)
    settings, csv, _ = bundle_from_json(_downloads(at)["run-bundle.json"])
    assert settings.dataset == "xor" and settings.n_samples == 50 and csv is None


def test_an_untrained_network_s_downloads_say_so():
    settings = RunSettings(dataset="xor")
    at = start({"dataset": "xor"})
    session(at).trainer = trained(settings)  # epoch 0
    go(at, nav.SHARE)
    labels = [b.label for b in at.get("download_button")]
    assert "Untrained model (JSON)" in labels and "Trained model (JSON)" not in labels
    assert any("untrained (epoch 0)" in w.value for w in at.warning)
    trainer = session(at).trainer
    trainer.train_epochs(2)
    at.run()
    assert "Trained model (JSON)" in [b.label for b in at.get("download_button")]
    assert not any("untrained" in w.value for w in at.warning)
