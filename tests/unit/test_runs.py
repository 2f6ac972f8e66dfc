"""Runs kept side by side (nn_core/training/runs.py): what a record holds, the log's bounds in runs,
points and bytes, JSON round trips, run bundles carrying runs, and hostile runs refused in one
line."""

import dataclasses
import json
import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.io.bundle import MAX_BUNDLE_ITEMS, read_bundle, write_bundle
from nn_core.io.jsonscan import json_items
from nn_core.limits import MAX_BUNDLE_BYTES, MAX_FEATURES, MAX_NAME_CHARS
from nn_core.settings import RunSettings
from nn_core.training.runs import (
    MAX_CHANGES,
    MAX_DATA_NAME,
    MAX_LOG_BYTES,
    MAX_POINTS,
    MAX_RECORD_BYTES,
    MAX_RECORD_ITEMS,
    MAX_RUNS,
    MAX_TEXT,
    SERIES,
    RunLog,
    RunRecord,
    data_fingerprint,
    record_run,
    thin,
)
from nn_core.training.trainer import Trainer
from tests.conftest import trained

XOR = RunSettings(dataset="xor", n_samples=40, hidden=(4,))


def _trained(s: RunSettings = XOR, epochs: int = 5) -> Trainer:
    t = trained(s)
    t.train_epochs(epochs)
    return t


def _same(a: RunRecord, b: RunRecord) -> bool:
    """Equal in every field (NaN equal to NaN; floats compared by their exact repr)."""
    return json.dumps(a.to_dict()) == json.dumps(b.to_dict())


def test_an_untrained_trainer_makes_no_run():
    assert record_run(trained(XOR), 1) is None


def test_a_record_holds_the_runs_settings_history_and_final_and_best_numbers():
    t = _trained(epochs=7)
    r = record_run(t, 3, "xor")
    assert (r.number, r.label, r.data, r.task, r.epochs) == (3, "Run 3", "xor", "binary", 7)
    assert r.settings == XOR and r.stop == "" and r.changes == ()
    assert r.history["epoch"].tolist() == list(range(8))
    for k in SERIES:
        np.testing.assert_array_equal(r.history[k], np.array(t.history[k], dtype=float))
    cur = t.current()
    assert r.final == {k: cur[k] for k in ("train_loss", "test_loss", "train_metric",
                                           "test_metric")}
    i = int(np.argmax(t.history["test_metric"]))  # the first of the best
    assert r.best["test_metric"] == t.history["test_metric"][i]
    assert r.best["test_metric_epoch"] == t.history["epoch"][i]
    j = int(np.argmin(t.history["test_loss"]))
    assert (r.best["test_loss"], r.best["test_loss_epoch"]) == (t.history["test_loss"][j], j)
    assert r.data_key == data_fingerprint(t.dataset) == data_fingerprint(load_data(XOR))
    assert data_fingerprint(load_data(XOR.replace(noise=0.3))) != r.data_key


def test_a_long_history_is_thinned_to_the_bound_keeping_the_first_and_last_epoch():
    t = trained(XOR, history_cap=600)
    t.train_epochs(1000)
    assert len(t.history["epoch"]) > MAX_POINTS
    r = record_run(t, 1)
    e = r.history["epoch"]
    assert len(e) == MAX_POINTS and e[0] == 0 and e[-1] == 1000 and np.all(np.diff(e) > 0)
    assert all(len(r.history[k]) == MAX_POINTS for k in SERIES)
    assert r.final["test_loss"] == r.history["test_loss"][-1]


def test_the_last_epoch_joins_the_history_when_the_trainer_did_not_record_it():
    t = trained(XOR, history_cap=4)
    t.train_epochs(11)  # records every 4th epoch by now
    assert t.history["epoch"][-1] != 11
    r = record_run(t, 1)
    assert r.history["epoch"][-1] == 11 and r.history["test_loss"][-1] == t.current()["test_loss"]


def test_thin_spreads_points_evenly():
    h = {"epoch": np.arange(1000.0), "x": np.arange(1000.0) * 2}
    out = thin(h, 11)
    assert out["epoch"].tolist() == [0, 100, 200, 300, 400, 500, 599, 699, 799, 899, 999]
    assert out["x"].tolist() == [2 * e for e in out["epoch"]]


def test_settings_changed_while_training_are_told_and_the_start_is_what_restores():
    t = _trained(epochs=10)
    segments = [(0, XOR), (4, XOR.replace(lr=0.1)), (10, XOR.replace(lr=0.3))]
    r = record_run(t, 1, segments=segments)
    assert r.settings == XOR  # the run started with these
    assert r.changes == ("epoch 4: lr 0.03 → 0.1",)  # lr 0.3 came after the last epoch
    many = [(0, XOR)] + [(e, XOR.replace(seed=e)) for e in range(1, 10)]
    r = record_run(t, 1, segments=many)
    assert len(r.changes) == MAX_CHANGES and r.changes[-1] == "and 2 more"


def test_the_log_keeps_the_last_runs_and_says_which_left():
    log = RunLog()
    record = record_run(_trained(epochs=1), 1)
    notices = [log.add(dataclasses.replace(record, number=log.take_number()))
               for _ in range(MAX_RUNS + 2)]
    assert notices[:MAX_RUNS] == [None] * MAX_RUNS
    assert notices[MAX_RUNS] == ("Run 1 left the run comparison: a session keeps the last "
                                 f"{MAX_RUNS} runs, and the oldest go first.")
    assert notices[MAX_RUNS + 1].startswith("Run 2 left the run comparison")
    assert [r.number for r in log.runs] == list(range(3, MAX_RUNS + 3))
    assert log.get(1) is None and log.get(3) is log.runs[0]


def _deep_size(obj, seen=None) -> int:
    """Bytes held by ``obj`` and everything it refers to (each object counted once)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)  # an ndarray owning its data counts the data
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        size += sum(_deep_size(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
        size += _deep_size(obj.__dict__, seen) if hasattr(obj, "__dict__") else 0
    elif isinstance(obj, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set)):
        size += sum(_deep_size(v, seen) for v in obj)
    elif isinstance(obj, RunLog):
        size += _deep_size(obj.__dict__, seen)
    return size


def _worst_record(number: int) -> RunRecord:
    """The largest record the app can keep: the most features, the longest names in the widest
    characters, every text at its limit, a full history and every change."""
    wide = "😀"  # 4 bytes a character in a Python string
    features = tuple(f"{k:02d}" + wide * (MAX_NAME_CHARS - 2) for k in range(MAX_FEATURES))
    s = RunSettings(dataset="csv", target=wide * MAX_NAME_CHARS, features=features)
    history = {k: np.linspace(0, 1, MAX_POINTS) for k in SERIES}
    return RunRecord(number=number, settings=s, data=wide * MAX_DATA_NAME, data_key="f" * 16,
                     task="multiclass", epochs=MAX_POINTS, history=history,
                     final=dict.fromkeys(("train_loss", "test_loss", "train_metric",
                                          "test_metric"), 0.5),
                     best=dict.fromkeys(("test_metric", "test_metric_epoch", "test_loss",
                                         "test_loss_epoch"), 1.0),
                     stop=wide * MAX_TEXT, changes=(wide * MAX_TEXT,) * MAX_CHANGES)


def test_memory_per_session_stays_under_the_stated_bound():
    worst = _worst_record(1)
    assert _deep_size(worst) <= MAX_RECORD_BYTES
    log = RunLog()
    for n in range(1, 3 * MAX_RUNS):
        log.add(_worst_record(n))
    assert len(log) == MAX_RUNS
    assert _deep_size(log) <= MAX_LOG_BYTES
    # and a real run on moons is far below it
    assert _deep_size(record_run(_trained(RunSettings(), 300), 1)) < MAX_RECORD_BYTES / 2


def test_the_worst_record_fits_the_bundles_value_count():
    text = json.dumps(_worst_record(1).to_dict())
    assert json_items(text, 10**6) <= MAX_RECORD_ITEMS


def test_json_round_trip_is_strict_json_and_exact():
    t = _trained(XOR.replace(test_fraction=0.0), 6)  # no test rows: NaN test numbers
    r = record_run(t, 4, "xor", [(0, XOR), (3, XOR.replace(lr=0.1))])
    text = json.dumps(r.to_dict(), allow_nan=False)  # null for NaN
    back = RunRecord.from_dict(json.loads(text))
    assert _same(back, r) and math.isnan(back.final["test_loss"])
    assert RunRecord.from_dict(json.loads(text), number=9).number == 9


def test_a_bundle_carries_runs_and_loads_them_back():
    runs = [record_run(_trained(XOR.replace(lr=lr), 3), n, "xor") for n, lr in
            ((1, 0.03), (2, 0.3))]
    text, left_out = write_bundle(XOR, None, "", runs)
    assert left_out == 0 and json.loads(text)["version"] == 2
    settings_, table, name, back = read_bundle(text.encode())
    assert (settings_, table, name) == (XOR, None, "")
    assert len(back) == 2 and all(_same(a, b) for a, b in zip(back, runs, strict=True))
    assert [r.settings.lr for r in back] == [0.03, 0.3]


def test_a_version_1_bundle_without_runs_still_loads():
    v1 = {"format": "nn-playground-run", "version": 1, "settings": XOR.to_dict(),
          "csv_name": "xor.csv"}
    assert read_bundle(json.dumps(v1)) == (XOR, None, "", [])


def test_the_oldest_runs_give_way_when_the_bundle_would_pass_the_size_limit():
    run = record_run(_trained(XOR, 300), 1, "t.csv")
    runs = [dataclasses.replace(run, number=n) for n in range(1, MAX_RUNS + 3)]
    s = RunSettings(dataset="csv", target="label", features=("a", "b"))
    one_run = len(json.dumps({"runs": [run.to_dict()]}, indent=1)) - 12
    n_rows = (MAX_BUNDLE_BYTES - 3 * one_run) // 1010  # room for three runs, not four
    table = b"a,b,label,note\n" + b"".join(b"%d,%d,x,%s\n" % (i % 10, i % 7, b"q" * 1000)
                                           for i in range(n_rows)) + b"0,0,y,\n"
    text, left_out = write_bundle(s, table, "t.csv", runs)
    kept = json.loads(text)["runs"]
    assert len(text.encode()) <= MAX_BUNDLE_BYTES
    assert left_out == len(runs) - len(kept) and len(kept) == 3  # as many as fit, no more:
    one_more = {**json.loads(text), "runs": [runs[-len(kept) - 1].to_dict(), *kept]}
    assert len(json.dumps(one_more, indent=1, ensure_ascii=False).encode()) > MAX_BUNDLE_BYTES
    assert [r["number"] for r in kept] == [r.number for r in runs[-len(kept):]]  # the newest


def _bundle_with(change) -> str:
    run = record_run(_trained(XOR, 3), 1, "xor")
    text, _ = write_bundle(XOR, None, "", [run])
    d = json.loads(text)
    change(d["runs"][0])
    return json.dumps(d)


def _set(key, value, sub=None):
    def change(r):
        (r[sub] if sub else r)[key] = value
    return change


HOSTILE_RUNS = {
    "an unknown field": (_set("x", 1), "run 1: a run has an unexpected field 'x'"),
    "epochs 10^400": (_set("epochs", 10**400), "run 1: a run's epochs must be a whole number "
                      "from 1 to 1,000,000"),
    "zero epochs": (_set("epochs", 0), "run 1: a run's epochs must be a whole number from 1 "
                    "to 1,000,000"),
    "number as text": (_set("number", "1"), "run 1: a run's number must be a whole number "
                       "from 1 to 1,000,000,000"),
    "a huge history": (_set("epoch", list(range(MAX_POINTS + 1)), "history"),
                       f"run 1: a run's history must be lists of the same length, 1 to "
                       f"{MAX_POINTS} numbers each"),
    "an infinite loss": (_set("final", {"train_loss": 1e308 * 10, "test_loss": 0,
                                        "train_metric": 0, "test_metric": 0}),
                         "run 1: a run's final train_loss must hold finite numbers or null"),
    "a text loss": (_set("test_loss", ["x"] * 4, "history"),
                    "run 1: a run's history test_loss must hold finite numbers or null"),
    "epochs going back": (lambda r: r["history"].update(
        {k: [0, 2, 1, 3] for k in SERIES}),
                          "run 1: a run's history epochs must be whole numbers rising from 0 "
                          "to the run's epochs"),
    "a best epoch past the end": (_set("test_loss_epoch", 99, "best"),
                                  "run 1: a run's best test_loss_epoch must be an epoch of the "
                                  "run"),
    "a long stop reason": (_set("stop", "x" * (MAX_TEXT + 1)),
                           f"run 1: a run's stop must be text of at most {MAX_TEXT} characters"),
    "hidden of 10,000 nodes": (lambda r: r["settings"].update(hidden=[10_000]),
                               "run 1: a run's settings: hidden: 10000 is outside 1…64"),
    "too many features": (lambda r: r["settings"].update(
        features=[f"f{k}" for k in range(MAX_FEATURES + 1)]),
        f"run 1: a run's settings name more than {MAX_FEATURES} features or a column name "
        f"longer than {MAX_NAME_CHARS} characters"),
    "an empty run": (lambda r: r.clear(), "run 1: a run's settings: settings must be a JSON "
                     "object of name: value pairs"),
}


@pytest.mark.parametrize(("change", "message"), HOSTILE_RUNS.values(), ids=HOSTILE_RUNS)
def test_a_hostile_run_in_a_bundle_is_refused_in_one_line(change, message):
    with pytest.raises(PlaygroundError) as err:
        read_bundle(_bundle_with(change))
    assert str(err.value) == "the run bundle's " + message


def test_too_many_runs_or_values_are_refused_before_parsing_them_all():
    run = record_run(_trained(XOR, 3), 1, "xor").to_dict()
    d = json.loads(write_bundle(XOR, None)[0])
    with pytest.raises(PlaygroundError) as err:
        read_bundle(json.dumps({**d, "runs": [run] * (MAX_RUNS + 1)}))
    assert str(err.value) == f"the run bundle's runs must be a list of at most {MAX_RUNS}"
    bomb = json.dumps({**d, "runs": [[0] * (MAX_BUNDLE_ITEMS + 1)]})
    with pytest.raises(PlaygroundError) as err:
        read_bundle(bomb)
    assert str(err.value).startswith("the run bundle holds more values than a bundle can")


GOOD_RUN = record_run(_trained(XOR, 5), 1, "xor").to_dict()
VALUES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
          | st.lists(st.floats() | st.integers(), max_size=6)
          | st.dictionaries(st.text(max_size=8), st.integers(), max_size=3))


@st.composite
def mutated_runs(draw):
    run = json.loads(json.dumps(GOOD_RUN))
    paths = [(k,) for k in run] + [(k, s) for k in ("history", "final", "best", "settings")
                                   for s in run[k]]
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        target = run
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if draw(st.booleans()) and len(path) > 1:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = draw(VALUES)
    return run


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_runs())
def test_mutated_runs_load_or_are_refused_in_one_line(run):
    d = json.loads(write_bundle(XOR, None)[0])
    try:
        _, _, _, runs = read_bundle(json.dumps({**d, "runs": [run]}))
    except PlaygroundError as exc:
        assert len(str(exc).splitlines()) == 1 and len(str(exc)) <= 240
        return
    (r,) = runs
    assert r.history["epoch"].tolist() == [float(v) for v in run["history"]["epoch"]]
    assert all(np.isfinite(r.history["epoch"]))
    for k in SERIES:  # numbers are finite or NaN (null), never infinite
        assert not np.isinf(r.history[k]).any()
    assert _same(RunRecord.from_dict(json.loads(json.dumps(r.to_dict(), allow_nan=False))), r)
