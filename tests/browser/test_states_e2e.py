"""Training states in headless Chromium: a run that blows up says so once and offers its fix;
early stopping draws the validation loss and marks the best epoch; one epoch number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, expect

from nn_core.settings import RunSettings
from tests.browser.conftest import Visit
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    click,
    epoch,
    permalink,
    wait_epoch,
    wait_idle,
)

DEAD = RunSettings(dataset="moons", hidden=(8,) * 6, activation="relu", lr=10.0)
EARLY = RunSettings(dataset="moons", noise=0.3, hidden=(32, 32), activation="relu",
                    optimizer="adam", lr=0.03, validation_fraction=0.2, patience=10)


@contextmanager
def _open(visit: Visit, settings: RunSettings, **ui) -> Iterator[Page]:
    """A fresh session on the Train page of a permalink to ``settings`` and ``ui``."""
    with visit(permalink(settings, ui)) as pg:
        pg.wait_for_selector(".st-key-nn_epoch h2")
        yield pg


def test_a_blown_up_run_is_told_once_and_fixed_in_one_click(visit: Visit):
    with _open(visit, DEAD) as pg:
        click(pg, "train_play")
        alert = pg.locator("[data-testid='stAlertContentError']")
        expect(alert).to_contain_text("Training diverged at epoch 1: ", timeout=TIMEOUT_MS)
        wait_idle(pg)
        assert alert.count() == 1
        assert "back at epoch 0" in alert.inner_text()
        assert pg.locator("[data-testid='stAlertContentSuccess']").count() == 0  # no ✅
        assert epoch(pg) == 0
        expect(pg.locator(".st-key-train_play button:visible")).to_be_disabled()
        fix = pg.locator(".st-key-train_fix button:visible")
        expect(fix).to_have_text("Try learning rate 0.3")
        fix.click()
        expect(pg.locator(".st-key-w_lr")).to_contain_text("0.3")
        expect(pg.locator("[data-testid='stAlertContentInfo']")).to_contain_text("press Play")
        wait_idle(pg)
        assert pg.locator("[data-testid='stAlertContentError']").count() == 0
        click(pg, "train_play")
        try:
            wait_epoch(pg, lambda e: e > 20, "trained with the fixed rate")
        except AssertionError as exc:  # say what the page shows
            main = pg.locator("[data-testid='stMain']").inner_text()[-600:]
            raise AssertionError(f"{exc}; the page ends with {main!r}") from None
        assert pg.locator("[data-testid='stAlertContentError']").count() == 0
        assert_no_exception(pg)


def test_early_stopping_draws_validation_and_marks_the_best_epoch(visit: Visit):
    with _open(visit, EARLY, speed="max") as pg:
        root = pg.locator(".nnl-root")
        expect(root).to_have_attribute("data-loss-series", re.compile(r"\bval_loss\b"))
        click(pg, "train_play")
        done = pg.locator("[data-testid='stAlertContentSuccess']")
        expect(done).to_contain_text("Stopped early", timeout=TIMEOUT_MS)
        best = int(re.search(r"weights of epoch (\d+)", done.inner_text()).group(1))
        wait_idle(pg)
        stopped = epoch(pg)
        assert stopped == best + 10
        expect(root).to_have_attribute("data-epoch", str(stopped))
        expect(root).to_have_attribute("data-best-epoch", str(best))
        assert f"best epoch {best}" in pg.locator(".nnl-status").inner_text()
        assert_no_exception(pg)


def test_while_playing_the_epoch_is_one_number(visit: Visit):
    with _open(visit, RunSettings(), speed=10) as pg:
        click(pg, "train_play")
        wait_epoch(pg, lambda e: e >= 50, "reached 50")
        expect(pg.locator(".nnl-status")).to_have_text(re.compile(r"train loss \d"))
        status = pg.locator(".nnl-status").inner_text()
        assert "epoch" not in status.lower(), status  # the heading is the one counter
        click(pg, "train_pause")
        assert_no_exception(pg)
