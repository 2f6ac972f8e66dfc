"""The epoch scrubber in headless Chromium: train the default moons, pause, look back to an
earlier epoch, and check that the surface the live element drew is the one a fresh run stopped
at that epoch gives; then continue from there."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page

from nn_core.settings import RunSettings
from tests.browser.conftest import Visit
from tests.browser.helpers import (
    assert_no_exception,
    click,
    epoch,
    move_slider,
    permalink,
    play_then_pause,
    screenshot,
    wait_epoch,
    wait_idle,
    wait_surface,
)
from tests.conftest import trained
from ui.live.view import LiveView, ViewOptions
from ui.views.charts import unpack


def drawn_surface(pg: Page, n: int) -> np.ndarray:
    """The surface the live element drew at epoch ``n``."""
    got = wait_surface(pg, n)
    assert got["epoch"] == n
    return np.array(got["z"], dtype=np.float64)


def fresh_surface(k: int) -> np.ndarray:
    """The surface of a fresh default run (same seed) stepped to epoch ``k``."""
    s = RunSettings()
    t = trained(s)
    t.train_epochs(k)
    return unpack(LiveView(t, ViewOptions()).frame()["surface"]["z"]).astype(np.float64)


def test_scrub_back_shows_the_surface_of_a_run_stopped_there_and_continues(visit: Visit) -> None:
    with visit(permalink(RunSettings(), {"speed": 10})) as page:
        assert page.locator(".st-key-w_scrub_epoch").count() == 0  # nothing trained yet
        # 10 epochs a frame (what is kept does not depend on it), ending on a whole epoch
        now = play_then_pause(page, 80, whole=True)
        assert np.allclose(drawn_surface(page, now), fresh_surface(now), atol=1e-6)

        # an early epoch: Home is epoch 0, a page key a tenth of the run on (each key is a
        # rerun: a page key rather than many arrows)
        early = move_slider(page, "Home", "PageUp")
        assert 0 < early < now // 5
        wait_epoch(page, lambda e: e == early, f"showed epoch {early}")
        z_early = drawn_surface(page, early)
        assert np.allclose(z_early, fresh_surface(early), atol=1e-6)
        assert not np.allclose(z_early, fresh_surface(now), atol=1e-3)
        assert "Training is at epoch" in page.locator(".st-key-nn_epoch").inner_text()

        # a late epoch: End is now, a page key a tenth of the run back
        k = move_slider(page, "End", "PageDown")
        assert now // 2 < k < now
        wait_epoch(page, lambda e: e == k, f"showed epoch {k}")
        assert np.allclose(drawn_surface(page, k), fresh_surface(k), atol=1e-6)
        assert_no_exception(page)
        screenshot(page, "train_scrubber")

        click(page, "scrub_continue")
        wait_idle(page)
        assert epoch(page) == k
        assert "Training is at epoch" not in page.locator(".st-key-nn_epoch").inner_text()
        click(page, "train_step")
        wait_epoch(page, lambda e: e == k + 1, "stepped on from the snapshot")
        assert np.allclose(drawn_surface(page, k + 1), fresh_surface(k + 1), atol=1e-6)
        assert_no_exception(page)
