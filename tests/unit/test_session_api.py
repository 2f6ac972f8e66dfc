"""The session API's rules, read from the code: pages (app.py, app_pages/) and views (ui/views/)
read the session's fields and change them only through ui/session/actions.py. They never touch
``st.session_state``, never take the session's lock, and never assign to the session's fields;
the actions that change the trainer take the lock themselves. A page (app_pages/) imports
Streamlit, views and the session's API only: its logic lives in a view or an action."""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from nn_core.settings import RunSettings
from ui.session import actions, choices, link_codec, store

ROOT = Path(__file__).resolve().parents[2]
PAGES_AND_VIEWS = sorted([ROOT / "app.py", *ROOT.glob("app_pages/*.py"),
                          *ROOT.glob("ui/views/*.py")])
PAGES = sorted(ROOT.glob("app_pages/*.py"))
# What a page may import: Streamlit itself, any view, and the session's API: the typed Session
# (store), the actions that change it, the widget keys (widgets) and the page paths (nav).
PAGE_IMPORTS = ("streamlit", "ui.views", "ui.session.actions", "ui.session.store",
                "ui.session.widgets", "ui.session.nav")


def _root(node: ast.expr) -> ast.expr:
    """The start of an attribute chain: ``a`` of ``a.b.c``, the call of ``f().b``."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _is_session_call(node: ast.expr) -> bool:
    """``store.session()`` or ``session()``."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "session") or (
        isinstance(f, ast.Name) and f.id == "session")


def breaches(source: str) -> list[tuple[int, str]]:
    """Lines where ``source`` touches st.session_state, takes the session's lock, or writes a
    field of the session (directly, or through a name bound to the session or a part of it)."""
    tree = ast.parse(source)
    bound = {  # names bound to the session or a part of it: s = store.session(); v = s.views
        t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
        and _is_session_call(_root(node.value)) for t in node.targets if isinstance(t, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "session_state":
            found.append((node.lineno, "st.session_state"))
        if isinstance(node, ast.Attribute) and node.attr == "lock":
            found.append((node.lineno, "the session's lock"))
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else
                   node.targets if isinstance(node, ast.Delete) else [])
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                root = _root(target)
                if _is_session_call(root) or (isinstance(root, ast.Name) and root.id in bound):
                    found.append((node.lineno, "writes a session field"))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr") and node.args
                and (_is_session_call(_root(node.args[0]))
                     or (isinstance(_root(node.args[0]), ast.Name)
                         and _root(node.args[0]).id in bound))):
            found.append((node.lineno, "writes a session field"))
    return sorted(found)


def test_the_check_finds_each_breach():
    assert breaches("x = st.session_state['a']\n"
                    "with store.session().lock:\n    pass\n"
                    "store.session().running = True\n"
                    "s = store.session()\ns.views.step_row += 1\n"
                    "views = store.session().views\nsetattr(views, 'log_loss', True)\n"
                    "del store.session().made['x']\n") == [
        (1, "st.session_state"), (2, "the session's lock"), (4, "writes a session field"),
        (6, "writes a session field"), (8, "writes a session field"),
        (9, "writes a session field")]
    assert breaches("s = store.session()\nx = s.settings.lr\nactions.pause()\n"
                    "value = s.keyed('q', 1, make)\nother.lock = 1\n") == [
        (5, "the session's lock")]  # any .lock is refused: one name, held by actions only


def test_pages_and_views_read_the_session_and_change_it_only_through_actions():
    assert len(PAGES_AND_VIEWS) > 20
    offenders = {str(p.relative_to(ROOT)): b for p in PAGES_AND_VIEWS
                 if (b := breaches(p.read_text(encoding="utf-8")))}
    assert offenders == {}


def _page_may_import(name: str) -> bool:
    return name == "streamlit" or any(name == allowed or name.startswith(allowed + ".")
                                      for allowed in PAGE_IMPORTS[1:])


def import_breaches(source: str) -> list[tuple[int, str]]:
    """Lines where a page imports anything but Streamlit (``import streamlit``), a view
    (``ui.views`` and below) or the session's API (PAGE_IMPORTS); ``from m import n`` is read
    as importing ``m.n``, so ``from ui.session import choices`` is refused and ``from ui import
    views`` is not. ``__import__`` and relative imports are refused too."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if module == "__future__":
                continue
            names = [f"{module}.{alias.name}" for alias in node.names]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__"):
            found.append((node.lineno, "__import__"))
            continue
        else:
            continue
        found += [(node.lineno, name) for name in names
                  if name.startswith(".") or not _page_may_import(name)]
    return sorted(found)


def test_the_import_check_finds_each_breach():
    assert import_breaches("import streamlit as st\n"
                           "from nn_core.limits import MAX_ROWS\n"
                           "import numpy as np\n"
                           "from ui.session import actions, choices\n"
                           "from streamlit.runtime.uploaded_file_manager import UploadedFile\n"
                           "from ui.live import panel\n"
                           "def f():\n    import nn_core.io.bundle\n"
                           "x = __import__('nn_core.limits')\n"
                           "from . import helper\n"
                           "from ui.server.scheduler import page_turn\n"
                           "from ui.viewsx import y\n"
                           "from streamlit import session_state\n") == [
        (2, "nn_core.limits.MAX_ROWS"), (3, "numpy"), (4, "ui.session.choices"),
        (5, "streamlit.runtime.uploaded_file_manager.UploadedFile"), (6, "ui.live.panel"),
        (8, "nn_core.io.bundle"), (9, "__import__"), (10, "..helper"),
        (11, "ui.server.scheduler.page_turn"), (12, "ui.viewsx.y"),
        (13, "streamlit.session_state")]
    assert import_breaches("from __future__ import annotations\nimport streamlit as st\n"
                           "from ui.session import actions, nav, store, widgets\n"
                           "from ui.views import data, train_live\n"
                           "from ui.views.text import plain\nfrom ui import views\n"
                           "import ui.views.share\n") == []
    page = (ROOT / "app_pages" / "data.py").read_text(encoding="utf-8")
    lines = len(page.splitlines())
    assert import_breaches(page) == []
    assert import_breaches(page + "from nn_core.limits import MAX_UPLOAD_BYTES\n") == [
        (lines + 1, "nn_core.limits.MAX_UPLOAD_BYTES")]


def test_pages_import_views_and_the_session_api_only():
    assert len(PAGES) >= 6
    offenders = {str(p.relative_to(ROOT)): b for p in PAGES
                 if (b := import_breaches(p.read_text(encoding="utf-8")))}
    assert offenders == {}


@pytest.fixture
def held(ss: dict) -> threading.RLock:
    """A session with a trainer, and its lock held by another thread until the test lets go."""
    actions.get_trainer()
    lock = store.session().lock
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(10)
    yield release
    release.set()
    thread.join(10)


@pytest.mark.parametrize("action", [
    actions.pause, actions.drop_trainer, actions.train_one_epoch,
    lambda: actions.try_update_settings(lr=0.3), lambda: actions.restart_with(lr=0.3),
    lambda: actions.continue_from(0), lambda: actions.step_trace(0)])
def test_actions_that_change_the_trainer_wait_for_the_lock(held: threading.Event, action) -> None:
    """While another thread (a live tick) holds the lock, the action waits; it finishes once the
    lock is let go."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (action(), done.set()), daemon=True)
    worker.start()
    assert not done.wait(0.3)  # still waiting on the lock (a bound, not a timing claim)
    held.set()
    assert done.wait(30)
    worker.join(30)


def test_one_view_choices_shape_names_every_choice_once():
    names = set(vars(choices.ViewChoices()))
    assert set(link_codec.UI_PARAMS) == set(choices.linked()) <= names
    assert set(choices.widget_keys()) <= names
    assert len(set(choices.widget_keys().values())) == len(choices.widget_keys())
    assert link_codec.UI_PARAMS["speed"].choices == choices.SPEEDS
    views = choices.ViewChoices(speed="fast", surface_x=7, surface_y=3)
    assert views.fit(3) is views and (views.speed, views.surface_x, views.surface_y) == (
        choices.DEFAULT_SPEED, 0, 1)


def test_the_keyed_cache_makes_once_per_key(ss: dict) -> None:
    s = store.session()
    made = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert s.keyed("slot", ("a", 1), make) == 1
    assert s.keyed("slot", ("a", 1), make) == 1  # same key: kept
    assert s.keyed("slot", ("a", 2), make) == 2  # new key: made again, replacing the old
    assert s.made_for("slot", ("a", 1)) is None and s.peek("slot") == 2
    s.forget("slot")
    assert s.peek("slot") is None and s.settings == RunSettings()


def test_browser_reported_says_true_where_it_cannot_tell(monkeypatch) -> None:
    """Outside a script run, or where Streamlit's session state lacks the private objects read,
    every widget counts as reported (widgets.put then writes only changed values); the reading
    inside a run is tested through AppTest (tests/app/test_train_page.py)."""
    assert store.browser_reported("w_bias")  # no script run here

    class Ctx:
        session_state = object()  # no _state

    monkeypatch.setattr(store, "get_script_run_ctx", lambda: Ctx())
    assert store.browser_reported("w_bias")

    def report(states: dict) -> SimpleNamespace:  # a run's context with this browser report
        ids = {"w_bias": "$$ID-1-w_bias", "w_lr": "$$ID-2-w_lr"}
        state = SimpleNamespace(_new_widget_state=SimpleNamespace(states=states),
                                _key_id_mapper=SimpleNamespace(get_id_from_key=ids.get))
        return SimpleNamespace(session_state=SimpleNamespace(_state=state))

    ctx = report({"$$ID-2-w_lr": 0.03})  # the browser reported the rate but not the biases
    monkeypatch.setattr(store, "get_script_run_ctx", lambda: ctx)
    assert store.browser_reported("w_lr") and not store.browser_reported("w_bias")
    assert not store.browser_reported("w_never_made")
    ctx = report({})  # st.rerun: no report at all, nothing to go by
    assert store.browser_reported("w_bias")
