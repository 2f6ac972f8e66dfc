"""A classroom link's lock holds on every route that changes settings (issue 21, item 4).

Opening ``/train?dataset=moons&hidden=5&hide=network`` and then loading a run bundle with six
layers of 64 units made the locked network 6 × 64. ui/session/locks.py decides what a locked session
may change; ui.session.actions.set_settings applies it to every route: the link itself, a run
bundle, Compare runs' Restore, the scaling hint's one-click fixes and a failed run's "Try
learning rate".
"""

from __future__ import annotations

from nn_core.io.bundle import bundle_to_json, write_bundle
from nn_core.settings import RunSettings
from nn_core.training.runs import data_fingerprint, record_run
from tests.conftest import go, session, start, trained
from ui.live import controls
from ui.session import actions, locks, nav, store, widgets
from ui.views import train_controls

LOCKED_LINK = {"dataset": "moons", "hidden": "5", "hide": "network"}
BIG = RunSettings(dataset="moons", hidden=(64,) * 6, activation="relu", lr=0.1)
TABLE = b"a,b,label\n1,2,x\n2,3,y\n3,1,x\n4,4,y\n5,0,x\n0,5,y\n1,1,x\n2,2,y\n"


def infos(at) -> str:
    return " ".join(i.value.replace("\\", "") for i in at.info)


def upload_bundle(at, text: str):
    at.file_uploader(key=widgets.W_BUNDLE).upload("run.json", text.encode(),
                                                 "application/json").run()
    assert not at.exception and not at.error
    return at


# --- the one place ------------------------------------------------------------------------------
def test_a_section_fixes_its_fields_and_hold_keeps_only_them() -> None:
    assert locks.fixed_fields({"network"}) >= {"hidden", "activation", "bias", "scale"}
    assert "lr" not in locks.fixed_fields({"network"})
    assert locks.fixed_fields({"lr", "speed"}) == {"lr"}  # a view choice fixes no setting
    current = RunSettings(dataset="moons", hidden=(5,))
    held, kept = locks.hold(current, BIG, {"network"})
    assert held.hidden == (5,) and held.activation == current.activation and held.lr == 0.1
    assert kept == ["hidden", "activation"]
    assert locks.hold(current, BIG, set()) == (BIG, [])
    # an activation per layer that no longer fits the kept layers: the section is kept whole
    per_layer = BIG.replace(activation=",".join(["relu"] * 6))
    held, kept = locks.hold(current, per_layer, {"hidden"})
    assert held.hidden == (5,) and held.activation == current.activation and held.lr == 0.1
    assert locks.tables_fixed({"upload"}) and not locks.tables_fixed({"data", "network"})


# --- each route ---------------------------------------------------------------------------------
def test_the_link_sets_what_it_then_locks() -> None:
    at = start(LOCKED_LINK)
    assert session(at).settings.hidden == (5,)
    assert session(at).locked == {"network"}


def test_a_run_bundle_cannot_lift_the_lock_and_the_page_says_what_was_kept() -> None:
    at = go(start(LOCKED_LINK), nav.DATA)
    upload_bundle(at, bundle_to_json(BIG, None))
    s = session(at).settings
    assert s.hidden == (5,) and s.activation == "tanh"  # the network stays as the link set it
    assert s.lr == 0.1  # what the link does not fix comes from the bundle
    assert "This classroom link fixes hidden, activation: kept as they were (the run bundle" \
        in infos(at)
    go(at, nav.TRAIN)
    assert session(at).settings.hidden == (5,)


def test_a_bundles_table_is_not_loaded_when_the_link_keeps_uploads_out(ss) -> None:
    # the bundle uploader sits in the Upload tab, which hide=upload takes away; the rule
    # holds in ui.session.actions all the same
    saved = RunSettings(dataset="csv", target="label", features=("a", "b"), lr=0.5)
    actions.set_settings(RunSettings(dataset="moons"))
    actions.set_locked(frozenset({"upload"}))
    actions.load_bundle(bundle_to_json(saved, TABLE, "mine.csv").encode())
    assert store.session().settings.dataset == "moons" and store.session().csv_bytes is None
    assert any("the run bundle's table was not loaded" in n for n in actions.take_notices())


def test_hiding_the_built_in_choice_keeps_a_bundle_from_switching_it() -> None:
    at = go(start({"dataset": "moons", "noise": "0.2", "hide": "data"}), nav.DATA)
    upload_bundle(at, bundle_to_json(RunSettings(dataset="circle", noise=0.0, lr=0.5), None))
    s = session(at).settings
    assert (s.dataset, s.noise, s.lr) == ("moons", 0.2, 0.5)
    assert "This classroom link fixes dataset, noise: kept as they were" in infos(at)


def test_compare_runs_restore_keeps_the_locked_network() -> None:
    at = start(LOCKED_LINK)
    current = session(at).settings
    big = current.replace(hidden=(64,) * 6, lr=0.1)
    trainer = trained(big)
    trainer.train_epochs(1)
    run = record_run(trainer, 1, "moons", data_key=data_fingerprint(session(at).dataset))
    text, _ = write_bundle(current, None, "", [run])
    upload_bundle(go(at, nav.DATA), text)  # the run comes to compare; the settings are the same
    at = go(at, nav.TRAIN)
    at.button(key=widgets.restore_key(1)).click().run()
    assert not at.exception and not at.error
    s = session(at).settings
    assert s.hidden == (5,) and s.lr == 0.1
    assert "This classroom link fixes hidden: kept as they were (restoring Run 1" in infos(at)


def test_the_scaling_fixes_are_offered_only_where_the_lock_allows() -> None:
    query = {"dataset": "blog", "scale": "none"}
    keys = [widgets.fix_key(changes) for _, changes in train_controls.scaling_hint(
        RunSettings(dataset="blog", scale="none"), 100.0)[1]]
    assert keys
    at = go(start(query), nav.TRAIN)
    assert all(k in [b.key for b in at.button] for k in keys)
    at = go(start({**query, "hide": "network"}), nav.TRAIN)
    assert not any(k in [b.key for b in at.button] for k in keys)
    assert session(at).settings.scale == "none"


def test_try_rate_keeps_a_locked_rate(ss) -> None:
    actions.set_settings(RunSettings(dataset="xor", lr=3.0))
    actions.set_locked(frozenset({"training"}))
    controls.on_try_rate(0.1)
    assert store.session().settings.lr == 3.0
    assert any("fixes lr" in n for n in actions.take_notices())
    actions.set_locked(frozenset())
    controls.on_try_rate(0.1)
    assert store.session().settings.lr == 0.1
