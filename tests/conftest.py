"""What tests in more than one file share: the rooms' markers, a plain dict standing in for a
session's state, the finite-difference gradient, one way to train a trainer, and the AppTest
helpers of the page tests (start the app, switch pages, read what a page shows).

The rooms: ``unit/`` (engine, data, io, CLI, pure ui logic), ``app/`` (pages through AppTest),
``browser/`` (the live app in headless Chromium) and ``deploy/`` (replicas behind HAProxy). Each
test is marked with its room's name by :func:`pytest_collection_modifyitems`, and a test that
uses the ``browser`` fixture is marked ``browser`` wherever it is. Playwright is imported only
under browser/ and deploy/: ``python -m pytest -m "not browser and not deploy"`` does not even
collect those two folders (:func:`pytest_ignore_collect`), so it runs without Playwright.

AppTest runs ``app.py`` once, then ``switch_page``; every ``at.run()`` executes app.py and then
the current page.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

# One BLAS thread, as app.py and bench/ set: the tests' networks are small, and OpenBLAS's own
# threads only compete with the other pytest-xdist worker (a 64-wide network's epoch took 12
# times longer under load). Set before numpy loads here; the CLI and streamlit processes the
# tests start inherit it.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from streamlit.runtime.media_file_manager import MediaFileManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.element_tree import Button  # noqa: E402

from nn_core.data.load import load_data  # noqa: E402
from nn_core.settings import RunSettings  # noqa: E402
from nn_core.training.trainer import Trainer  # noqa: E402
from ui.session import actions, store  # noqa: E402

APP = "../app.py"  # relative to this file (AppTest reads it relative to its caller)
TESTS = Path(__file__).resolve().parent
ROOMS = ("unit", "app", "browser", "deploy")
# the markers a test in each room can have (deploy/: some also drive Chromium)
ROOM_MARKERS = {"browser": [{"browser"}], "deploy": [{"deploy"}, {"deploy", "browser"}]}


def _room(path: Path) -> str | None:
    """The room (first folder under tests/) that ``path`` lies in, if any."""
    try:
        parts = path.resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 and parts[0] in ROOMS else None


def _selected(markexpr: str, markers: set[str]) -> bool:
    """Whether ``-m markexpr`` selects a test with exactly ``markers`` (True when unsure)."""
    names = collections.defaultdict(bool, dict.fromkeys(markers, True))
    try:
        return bool(eval(markexpr, {"__builtins__": {}}, names))  # and/or/not of names only
    except Exception:  # an expression Python cannot read: let pytest collect and decide
        return True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A room whose every test ``-m`` deselects is not collected at all (so the inner loop
    imports neither Playwright nor the browser helpers)."""
    markexpr = config.getoption("markexpr", "")
    if not markexpr or collection_path.parent != TESTS or collection_path.name not in ROOM_MARKERS:
        return None
    if any(_selected(markexpr, m) for m in ROOM_MARKERS[collection_path.name]):
        return None
    return True


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers by folder: each test gets its room's name; a test that drives Chromium (uses
    the ``browser`` fixture) is also marked ``browser``."""
    for item in items:
        room = _room(item.path)
        if room is not None:
            item.add_marker(room)
        if room != "browser" and "browser" in getattr(item, "fixturenames", ()):
            item.add_marker("browser")
        if room in ("browser", "deploy") and _uses_module_fixture(item):
            # under pytest-xdist (--dist loadgroup) the tests of a file that share a module's
            # own server or HAProxy front run in one worker, so it starts once; the other
            # browser tests spread one by one (each worker has its session-wide server and
            # Chromium), so a long file does not hold up the end of the run
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


def _uses_module_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` uses a fixture built once per module (or class)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(d.scope in ("module", "class", "package")
               for defs in info.name2fixturedefs.values() for d in defs)


@pytest.fixture
def ss(monkeypatch: pytest.MonkeyPatch) -> dict:
    """ui.session.store on a plain dict instead of st.session_state, initialised."""
    values: dict = {}
    monkeypatch.setattr(store, "_ss", lambda: values)
    actions.init_state()
    return values


def numeric_gradient(net: Any, X: np.ndarray, Y: np.ndarray, l1: float, l2: float,
                     h: float = 1e-6) -> np.ndarray:
    """The slope of ``net.objective`` in each parameter by central finite differences (the
    network's parameters are left as they were)."""
    p0 = net.get_params()
    num = np.zeros_like(p0)
    for i in range(p0.size):
        for sign in (1, -1):
            p = p0.copy()
            p[i] += sign * h
            net.set_params(p)
            num[i] += sign * net.objective(X, Y, l1, l2)
    net.set_params(p0)
    return num / (2 * h)


def trained(settings: RunSettings, epochs: int = 0, csv: bytes | None = None,
            **options: Any) -> Trainer:
    """A Trainer on the data ``settings`` name (``csv``: the bytes of the uploaded table when
    ``settings.dataset`` is "csv"), trained ``epochs`` epochs (0: as built, at epoch 0);
    ``options`` go to :class:`Trainer` (``history_cap``, ``backend``)."""
    trainer = Trainer(settings, load_data(settings, csv), **options)
    if epochs:
        trainer.train_epochs(epochs)
    return trainer


def start(query: dict[str, str] | None = None, **fields: Any) -> AppTest:
    """Run app.py once, with URL query parameters and a session made of ``fields`` (of
    :class:`ui.session.store.Session`) beforehand."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if fields:
        at.session_state[store.KEY] = store.Session(**fields)
    at.run()
    assert not at.exception, at.exception
    return at


def session(at: AppTest) -> store.Session:
    """The app's session object in ``at`` (the same object the pages change)."""
    return at.session_state[store.KEY]


def go(at: AppTest, page: str) -> AppTest:
    """Switch to ``page`` (a path from ui.session.nav) and run."""
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def train_page(**session: Any) -> AppTest:
    """The app started with these session-state values, on the Train page."""
    from ui.session import nav

    return go(start(**session), nav.TRAIN)


def button(at: AppTest, key: str) -> Button:
    return at.button(key=key)


def points(trace: dict, axis: str) -> np.ndarray:
    """A trace's coordinates, whether sent as a list or as a Plotly typed array."""
    values = trace[axis]
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def shown(markdown: str) -> str:
    """What a markdown string shows: backslash escapes and invisible word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@contextlib.contextmanager
def deferred_downloads() -> Iterator[dict[str, Callable[[], Any]]]:
    """The download buttons' callables by file name, as Streamlit registers them to call
    when a button is clicked (after the run: they must not read session state)."""
    made: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        **kwargs)

    with mock.patch.object(MediaFileManager, "add_deferred", record):
        yield made
