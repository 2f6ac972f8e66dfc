"""The Train page's "Compare runs" section in AppTest, and the runs kept by
ui/session/actions.py: a run is kept when its trainer is replaced, the charts overlay the runs,
the table shows what differs, Restore brings a run's settings back, bundles carry the runs
across sessions."""

import json

import pytest

from nn_core.io.bundle import write_bundle
from nn_core.settings import RunSettings
from nn_core.training.runs import MAX_RUNS, record_run
from tests.conftest import go, session, start
from ui.session import actions, nav, store, widgets

TABLE_A = b"a,b,label\n1,2,x\n2,3,y\n3,1,x\n4,4,y\n5,0,x\n0,5,y\n1,1,x\n2,2,y\n"
TABLE_B = b"a,b,label\n9,2,x\n2,9,y\n3,1,x\n4,4,y\n5,0,x\n0,5,y\n1,1,x\n2,2,y\n"


def _steps(at, n: int):
    for _ in range(n):
        at.button(key="train_step").click().run()
    assert not at.exception, at.exception
    return at


def _set_lr(at, lr: float):
    at.select_slider(key=widgets.widget_key("lr")).set_value(lr).run()
    return at


def _table(at):
    frames = _runs_tables(at)
    assert len(frames) == 1
    return frames[0].value


def _runs_tables(at) -> list:
    """The Compare runs table (its first column is "run"; How good is it has tables too)."""
    return [f for f in at.table if list(f.value.columns)[:1] == ["run"]]


def _figures(at) -> list[dict]:
    """The Compare runs charts (the paused page also shows How good is it's)."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")
            if (c.key or "").startswith("runs_")]


def _two_runs():
    """Three Steps at lr 0.03; lr 0.3 and Reset; three Steps at 0.3."""
    at = go(start(), nav.TRAIN)
    _steps(at, 3)
    _set_lr(at, 0.3)
    at.button(key="train_reset").click().run()
    return _steps(at, 3)


def test_no_runs_yet_says_how_to_make_one():
    at = go(start(), nav.TRAIN)
    assert any(c.value.startswith("No runs yet") for c in at.caption)
    assert not _figures(at) and not _runs_tables(at)


def test_two_runs_with_different_rates_are_overlaid_tabled_and_restored():
    at = _two_runs()
    log = session(at).runs
    assert [(r.number, r.settings.lr, r.epochs) for r in log.runs] == [(1, 0.03, 3)]
    assert log.runs[0].changes == ()  # the new rate came after its last epoch
    table = _table(at)
    assert table["run"].tolist() == ["Run 1", "This run"]
    assert table["learning rate"].tolist() == ["0.03", "0.3"]
    assert table["epochs"].tolist() == [3, 3]
    assert "hidden layers" not in table.columns  # only what differs
    trainer = session(at).trainer
    assert table["final test loss"].iloc[1] == round(trainer.current()["test_loss"], 4)
    assert table["final test loss"].iloc[0] == round(log.runs[0].final["test_loss"], 4)

    loss, metric = _figures(at)
    names = [t["name"] for t in loss["data"]]
    assert names == ["Run 1: learning rate 0.03 · train", "Run 1: learning rate 0.03 · test",
                     "This run: learning rate 0.3 · train", "This run: learning rate 0.3 · test"]
    colours = [t["line"]["color"] for t in loss["data"]]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert loss["data"][1]["x"] == [0, 1, 2, 3]
    assert loss["data"][3]["y"][-1] == pytest.approx(trainer.current()["test_loss"])
    assert [t["name"] for t in metric["data"]] == names
    assert metric["layout"]["yaxis"]["title"]["text"] == "accuracy"

    at.button(key="runs_restore_1").click().run()
    assert not at.exception and not at.error
    assert session(at).settings == RunSettings()  # lr 0.03 again
    assert at.select_slider(key=widgets.widget_key("lr")).value == 0.03
    assert session(at).trainer is None or session(at).trainer.epoch == 0
    assert any("Restored the settings Run 1 started with" in i.value.replace("\\", "")
               for i in at.info)
    log = session(at).runs
    assert [(r.number, r.settings.lr) for r in log.runs] == [(1, 0.03), (2, 0.3)]
    _steps(at, 3)  # the restored run trains to the same numbers as run 1
    table = _table(at)
    assert table["run"].tolist() == ["Run 1", "Run 2", "This run"]
    assert table["final test loss"].iloc[2] == table["final test loss"].iloc[0]


def test_a_rate_changed_while_training_is_told_and_restore_brings_the_start():
    at = go(start(), nav.TRAIN)
    _steps(at, 2)
    _set_lr(at, 0.1)
    _steps(at, 2)
    at.button(key="train_reset").click().run()
    (run,) = session(at).runs.runs
    assert run.settings.lr == 0.03 and run.epochs == 4
    assert run.changes == ("epoch 2: lr 0.03 → 0.1",)
    _steps(at, 1)
    table = _table(at)
    assert table["changed while training"].tolist() == ["epoch 2: lr 0.03 → 0.1", ""]


def test_a_new_network_keeps_the_run_and_the_table_shows_the_architecture():
    at = go(start(), nav.TRAIN)
    _steps(at, 2)
    at.number_input(key="w_units_0").set_value(5).run()
    _steps(at, 2)
    table = _table(at)
    assert table["hidden layers"].tolist() == ["8, 8", "5, 8"]


def test_the_oldest_runs_go_first_with_a_notice():
    at = go(start(), nav.TRAIN)
    for _ in range(MAX_RUNS + 1):
        _steps(at, 1)
        at.button(key="train_reset").click().run()
    log = session(at).runs
    assert [r.number for r in log.runs] == list(range(2, MAX_RUNS + 2))
    assert any("Run 1 left the run comparison" in i.value for i in at.info)


def test_restore_refuses_a_run_on_a_table_this_session_no_longer_has():
    at = start()
    at.file_uploader(key=widgets.W_UPLOAD).upload("a.csv", TABLE_A, "text/csv").run()
    go(at, nav.TRAIN)
    _steps(at, 2)
    go(at, nav.DATA)
    at.file_uploader(key=widgets.W_UPLOAD).upload("b.csv", TABLE_B, "text/csv").run()
    go(at, nav.TRAIN)
    (run,) = session(at).runs.runs
    assert run.data == "a.csv"
    before = session(at).settings
    at.button(key="runs_restore_1").click().run()
    assert len(at.error) == 1
    assert "Run 1 was trained on other data (a.csv)" in at.error[0].value.replace("\\", "")
    assert session(at).settings == before


def test_restore_of_a_run_on_another_built_in_dataset_brings_its_data_back():
    at = go(start(), nav.TRAIN)
    _steps(at, 2)
    go(at, nav.DATA)
    at.selectbox(key=widgets.widget_key("dataset")).set_value("circle").run()
    go(at, nav.TRAIN)
    assert session(at).settings.dataset == "circle"
    _steps(at, 1)
    assert _table(at)["data"].tolist() == ["moons", "circle"]
    at.button(key="runs_restore_1").click().run()
    assert not at.error
    assert session(at).settings.dataset == "moons"
    assert session(at).dataset.name == "moons"


def test_a_bundle_carries_the_runs_to_another_session():
    at = _two_runs()
    go(at, nav.SHARE)
    assert any("The run bundle carries 2 runs to compare" in c.value for c in at.caption)
    log = session(at).runs  # the bundle the page wrote: the kept and live runs
    live = record_run(session(at).trainer, log.next_number, "moons")
    text, left_out = write_bundle(session(at).settings, None, "",
                                  [*log.runs, live])
    assert left_out == 0

    other = start()
    other.file_uploader(key="w_upload_bundle").upload("run.json", text.encode(),
                                                      "application/json").run()
    assert not other.exception and not other.error
    assert any("The bundle brought 2 runs to compare" in i.value for i in other.info)
    kept = session(other).runs.runs
    assert [(r.number, r.settings.lr, r.source) for r in kept] == [(1, 0.03, "bundle"),
                                                                   (2, 0.3, "bundle")]
    go(other, nav.TRAIN)
    assert _table(other)["learning rate"].tolist() == ["0.03", "0.3"]
    assert len(_figures(other)[0]["data"]) == 4
    other.button(key="runs_restore_1").click().run()
    assert session(other).settings.lr == 0.03 and not other.error


def test_a_run_on_an_uploaded_table_restores_after_a_bundle_round_trip():
    table = b"\xef\xbb\xbfa;b;label\r\n1;2;x\r\n2;3;y\r\n3;1;x\r\n4;4;y\r\n5;0;x\r\n0;5;y\r\n"
    at = start()
    at.file_uploader(key=widgets.W_UPLOAD).upload("mine.csv", table, "text/csv").run()
    go(at, nav.TRAIN)
    _steps(at, 2)
    at.button(key="train_reset").click().run()
    (run,) = session(at).runs.runs
    text, _ = write_bundle(session(at).settings, session(at).csv_bytes,
                           "mine.csv", [run])
    other = start()
    other.file_uploader(key="w_upload_bundle").upload("run.json", text.encode(),
                                                      "application/json").run()
    go(other, nav.TRAIN)
    assert _table(other)["run"].tolist() == ["Run 1"]
    other.button(key="runs_restore_1").click().run()
    assert not other.error and session(other).settings == run.settings


def test_a_setting_changed_before_the_first_epoch_is_where_the_run_starts(ss):
    actions.get_trainer()
    actions.update_settings(lr=0.1)  # kept network, nothing trained yet
    actions.get_trainer().train_epochs(2)
    actions.update_settings(lr=0.3)
    actions.get_trainer().train_epochs(1)
    actions.drop_trainer()
    (run,) = store.session().runs.runs
    assert run.settings.lr == 0.1 and run.changes == ("epoch 2: lr 0.1 → 0.3",)
    assert actions.live_run() is None  # no trainer now
    actions.get_trainer().train_epochs(1)
    live = actions.live_run()
    assert (live.number, live.epochs, live.settings.lr) == (2, 1, 0.3)
    assert [r.number for r in actions.runs_for_bundle()] == [1, 2]
