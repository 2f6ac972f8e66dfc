"""True numbers in headless Chromium: after early stopping the Train page describes the network
it holds (the engine's and the CLI's numbers for the same run); the scrubber goes back to an
epoch between two snapshots (after 200) and draws exactly a run stopped there; after
"Connection lost" the live element draws the network of the epoch the page names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, expect

from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.browser.conftest import VIEWPORT, Visit, free_port, open_page, serve
from tests.browser.helpers import (
    ROOT,
    TIMEOUT_MS,
    assert_no_exception,
    click,
    epoch,
    go_to,
    move_slider,
    permalink,
    play_then_pause,
    screenshot,
    step,
    wait_epoch,
    wait_idle,
    wait_surface,
)
from tests.conftest import trained
from ui.live.view import LiveView, ViewOptions
from ui.session.reconnect import LOST
from ui.views.charts import unpack

pytestmark = pytest.mark.browser

EARLY = RunSettings(dataset="moons", noise=0.3, hidden=(32, 32), activation="relu",
                    optimizer="adam", lr=0.03, validation_fraction=0.2, patience=10)


def surface_of(t: Trainer) -> np.ndarray:
    return unpack(LiveView(t, ViewOptions()).frame()["surface"]["z"]).astype(np.float64)


def stepped(s: RunSettings, k: int) -> Trainer:
    t = trained(s)
    t.train_epochs(k)
    assert t.epoch == k
    return t


def cli_summary(settings: RunSettings, tmp_path: Path) -> dict:
    (tmp_path / "s.json").write_text(settings.to_json())
    done = subprocess.run([sys.executable, "-m", "nn_core", "train", "--settings", "s.json",
                           "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_after_early_stopping_the_page_shows_the_network_it_holds(visit: Visit, tmp_path):
    engine = trained(EARLY)
    engine.train_epochs(100_000)
    assert engine.stop_kind == "early" and engine.held_epoch == engine.best_epoch < engine.epoch
    held = engine.summary()
    cli = cli_summary(EARLY, tmp_path)
    assert (cli["epochs"], cli["held_epoch"]) == (engine.epoch, engine.best_epoch)
    assert (cli["train_loss"], cli["test_loss"]) == (held["train_loss"], held["test_loss"])

    with visit(permalink(EARLY, {"speed": "max"})) as pg:
        pg.wait_for_selector(".st-key-nn_epoch h2")
        click(pg, "train_play")
        done = pg.locator("[data-testid='stAlertContentSuccess']")
        expect(done).to_contain_text("Stopped early", timeout=TIMEOUT_MS)
        wait_idle(pg)
        heading = pg.locator(".st-key-nn_epoch h2").inner_text().strip()
        assert heading == (f"Stopped at epoch {engine.epoch} · holding the network of epoch "
                           f"{engine.best_epoch}")
        assert epoch(pg) == engine.epoch
        expect(pg.locator(".nnl-status")).to_contain_text(f"epoch {engine.best_epoch} (held)")
        status = pg.locator(".nnl-status").inner_text()
        shown = re.search(r"train loss (\S+) · test loss (\S+)", status)
        assert shown, status
        assert shown.groups() == (f"{held['train_loss']:.4g}", f"{held['test_loss']:.4g}")
        assert f"epoch {engine.best_epoch} (held)" in status
        assert f"best epoch {engine.best_epoch}" in status
        # the surface drawn is the held network's: a run stopped at the best epoch draws it
        drawn = np.array(wait_surface(pg, engine.epoch)["z"], dtype=np.float64)
        assert np.allclose(drawn, surface_of(stepped(EARLY, engine.best_epoch)), atol=1e-6)
        quality = pg.locator(".st-key-train_quality")
        expect(quality).to_contain_text(
            f"The network of epoch {engine.best_epoch} (early stopping's best; the run stopped "
            f"at epoch {engine.epoch})")
        screenshot(pg, "train_early_stopped")
        go_to(pg, "Predict")
        expect(pg.locator("[data-testid='stMain']")).to_contain_text(
            f"holding the network of epoch {engine.best_epoch}")
        assert_no_exception(pg)


def test_go_back_between_snapshots_after_200(visit: Visit) -> None:
    with visit(permalink(RunSettings(), {"speed": 10})) as page:
        # 10 epochs a frame (what is kept does not depend on it), ending on a whole epoch
        now = play_then_pause(page, 200, whole=True)
        s = RunSettings()
        kept = stepped(s, now).snapshots.epochs()
        # two pages of the slider on from epoch 0 (a fifth of the run: past the dense start,
        # where snapshots are kept 8 epochs apart), then an arrow, once more if still on a kept
        # epoch (a page key rather than dozens of arrows: each key is a rerun)
        k = move_slider(page, "Home", "PageUp", "PageUp", "ArrowRight")
        if k in kept:
            k = move_slider(page, "ArrowRight")
        assert 0 < k < now and k not in kept  # not kept: rebuilt by a replay
        wait_epoch(page, lambda e: e == k, f"showed epoch {k}")
        assert f"Training is at epoch {now}" in page.locator(".st-key-nn_epoch").inner_text()
        drawn = np.array(wait_surface(page, k)["z"], dtype=np.float64)
        assert np.allclose(drawn, surface_of(stepped(s, k)), atol=1e-6)
        before = max(e for e in kept if e < k)  # the snapshot the replay starts from
        assert not np.allclose(drawn, surface_of(stepped(s, before)), atol=1e-4)
        screenshot(page, "train_scrubber_between")

        click(page, "scrub_continue")
        wait_idle(page)
        assert epoch(page) == k
        step(page, 1, start=k)
        drawn = np.array(wait_surface(page, k + 1)["z"], dtype=np.float64)
        assert np.allclose(drawn, surface_of(stepped(s, k + 1)), atol=1e-6)
        assert_no_exception(page)


def test_after_connection_lost_the_surface_is_of_the_epoch_shown(
        browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = serve(tmp_path / "first", port=port)
    url = first.__enter__()
    try:
        with open_page(browser, url + "/train", request, tmp_path, VIEWPORT) as pg:
            step(pg, 3)
            wait_surface(pg, 3)
            first.__exit__(None, None, None)  # the server dies with the session
            first = None
            with serve(tmp_path / "second", port=port):
                pg.get_by_text("Connection lost").wait_for(timeout=TIMEOUT_MS)
                assert pg.get_by_text("Connection lost").first.inner_text() == LOST
                wait_idle(pg)
                assert epoch(pg) == 0  # the new session's network...
                drawn = np.array(wait_surface(pg, 0)["z"], dtype=np.float64)
                # ...is the one drawn, not the old session's epoch 3
                assert np.allclose(drawn, surface_of(stepped(RunSettings(), 0)), atol=1e-6)
                assert_no_exception(pg)
    finally:
        if first is not None:
            first.__exit__(None, None, None)
