"""The live element's frame contract, checked in Chromium without a Streamlit server.

For the extreme shapes (no hidden layer, 6 × 64 hidden units, 50 inputs, 20 classes,
regression with early stopping) the static part, the history and a frame are built in Python
(:class:`ui.live.view.LiveView`), the element's own code (:func:`ui.live.panel.element_js`,
served by ``page.route``) is called with a fake parent element and that message, and the numbers
it decoded (``window.__nnLiveTest`` makes it keep them in ``window.__nnLive.decoded``) are
compared with the ones sent: the surface's z, the weights per layer, the loss series by name,
the unit slopes, the unit maps, and the protocol itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly
import pytest
from playwright.sync_api import Browser, Route

from nn_core.data.dataset import Dataset
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.conftest import trained
from ui.live import panel, protocol
from ui.live.view import LiveView, ViewOptions
from ui.live.weights import weight_matrices
from ui.views.charts import unpack

ORIGIN = "http://contract.test"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PAGE = """<!doctype html><html><body><div id="parent" style="width: 1200px"></div>
<script type="module">
import element from "./live.js";
window.__nnElement = element;
</script></body></html>"""
# typed arrays as plain lists (NaN stays NaN), so Playwright hands them back as they are
PLAIN = """() => {
  const plain = (v) => ArrayBuffer.isView(v) ? Array.from(v)
    : Array.isArray(v) ? v.map(plain)
    : v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  return plain(window.__nnLive.decoded);
}"""


def custom(n_features: int, n_classes: int, n: int = 120) -> Dataset:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_features))
    task = "regression" if n_classes == 0 else ("binary" if n_classes == 2 else "multiclass")
    y = X[:, 0] + X[:, 1] if n_classes == 0 else np.arange(n) % n_classes
    return Dataset(X=X, y=y, feature_names=[f"f{i}" for i in range(n_features)],
                   target_name="t", task=task, classes=[f"c{k}" for k in range(n_classes)])


def trainer(case: str) -> Trainer:
    if case == "no hidden layer":
        settings = RunSettings(hidden=())
        t = trained(settings)
    elif case == "6 x 64 hidden":
        settings = RunSettings(hidden=(64,) * 6)
        t = trained(settings)
    elif case == "50 inputs":
        t = Trainer(RunSettings(dataset="csv", hidden=(5,)), custom(50, 2))
    elif case == "20 classes":
        t = Trainer(RunSettings(dataset="csv", hidden=(8,)), custom(3, 20, n=200))
    else:  # regression, with a validation share (its loss series and the best epoch)
        t = Trainer(RunSettings(dataset="csv", hidden=(4, 3), patience=50,
                                validation_fraction=0.2), custom(2, 0))
    t.train_epochs(3)
    return t


def serve(route: Route) -> None:
    path = route.request.url[len(ORIGIN):]
    if path == "/live.js":
        route.fulfill(body=panel.element_js(), content_type="text/javascript")
    elif path == "/plotly.min.js":
        route.fulfill(path=str(PLOTLY_JS), content_type="text/javascript")
    else:
        route.fulfill(body=PAGE, content_type="text/html")


def decoded(browser: Browser, message: dict) -> dict:
    """What the element decoded of ``message`` (static, history and frames)."""
    page = browser.new_page()
    try:
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("() => typeof window.__nnElement === 'function'")
        page.evaluate("""(data) => {
          window.__nnLiveTest = true;
          window.__nnElement({ data, parentElement: document.getElementById("parent"),
                               setTriggerValue: () => {} });
        }""", message)
        page.wait_for_function("() => window.__nnLive && window.__nnLive.decoded"
                               " && window.__nnLive.frames > 0", timeout=60_000)
        out = page.evaluate(PLAIN)
        out["error"] = page.evaluate("() => window.__nnLive.error")
        return out
    finally:
        page.close()


def same(got: object, sent: object) -> None:
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(sent, dtype=float))


CASES = ["no hidden layer", "6 x 64 hidden", "50 inputs", "20 classes", "regression"]


@pytest.mark.parametrize("case", CASES)
def test_the_element_decodes_what_the_server_sends(browser: Browser, case: str) -> None:
    t = trainer(case)
    view = LiveView(t, ViewOptions())
    frame = view.frame()
    message = json.loads(json.dumps({
        "seq": 1, "gen": 0, "playing": False, "plotly_url": f"{ORIGIN}/plotly.min.js",
        "static": view.static(), "history": view.history(), "frames": [frame],
    }))
    got = decoded(browser, message)
    assert got["error"] is None
    st, fr = got["static"], got["frames"][0]
    assert st["protocol"] == protocol.message()
    assert set(fr) >= set(protocol.FRAME_FIELDS)
    assert fr["epoch"] == t.epoch and fr["text"] == frame["text"]

    # the surface: one row per grid row, the numbers sent
    z = unpack(frame["surface"]["z"])
    assert np.shape(fr["surface"]["z"]) == z.shape == (view.grid, view.grid)
    same(fr["surface"]["z"], z)

    # the weights, layer by layer as the heatmaps slice them: the network's own (float32)
    net = t.network
    layers = st["weights"]["layers"]
    matrices = weight_matrices(net.weights, net.biases)
    assert len(layers) == len(matrices) == len(net.sizes) - 1
    w = np.asarray(fr["network"]["w"])
    for layer, m in zip(layers, matrices, strict=True):
        rows, cols = len(layer["rows"]), len(layer["cols"])
        assert (rows, cols) == m.shape
        cells = w[layer["offset"]: layer["offset"] + rows * cols].reshape(rows, cols)
        same(cells, m.astype(np.float32))

    # the loss series by name: the history sent (float32), ending at the frame's own point
    history = view.history()
    keys = [s["key"] for s in st["loss"]["series"]]
    assert set(keys) <= set(protocol.LOSS_KEYS)
    assert ("val_loss" in keys) == (case == "regression")
    same(fr["loss"]["epoch"][:-1], unpack(history["epoch"])[:-1])
    assert fr["loss"]["epoch"][-1] == t.epoch
    for i, key in enumerate(protocol.LOSS_KEYS):
        sent = unpack(history[key])
        same(fr["loss"][key][:-1], sent[:-1])
        last = frame["loss"][i + 1]
        assert (np.isnan(fr["loss"][key][-1]) if last is None else fr["loss"][key][-1] == last)
    if case == "regression":
        assert fr["loss"]["best"] == frame["best_epoch"] is not None

    # the unit slopes and each hidden unit's map
    same(fr["slopes"]["slope"], unpack(frame["slopes"]["slope"]))
    maps = frame["network"]["maps"]
    for part in ("q", "lo", "hi"):  # (q: every unit's m × m bytes, read flat)
        same(np.ravel(fr["network"]["maps"][part]), unpack(maps[part]).ravel())
    m = st["network"]["maps"]["m"]
    assert np.size(fr["network"]["maps"]["q"]) == sum(net.sizes[1:-1]) * m * m
    assert len(st["network"]["maps"]["layers"]) == len(net.sizes) - 2
