"""A permalink opened in a fresh browser session reproduces the set-up and the epoch-0 loss."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Browser, expect

from nn_core.dataset import load_data
from nn_core.settings import RunSettings
from nn_core.training import Trainer
from tests.browser.conftest import VIEWPORT
from tests.browser.helpers import TIMEOUT_MS, assert_no_exception, epoch, wait_idle
from ui import share

SETUP = RunSettings(dataset="circle", n_samples=120, noise=0.2, hidden=(5, 3),
                    activation="relu", lr=0.1, batch_size=5, seed=7, scale="minmax",
                    data_seed=3)


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def _loss_shown(text: str) -> str:
    match = re.search(r"train loss ([0-9.e+-]+)", text)
    assert match, f"no train loss in {text[:300]!r}"
    return match.group(1)


def test_a_permalink_reproduces_the_setup_in_a_new_session(browser: Browser, server: str):
    query = urlencode(share.to_query(SETUP, {"log_loss": True}), safe=",")
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        pg.goto(f"{server}/train?{query}")
        wait_idle(pg)
        pg.wait_for_selector(".st-key-nn_epoch h3", timeout=TIMEOUT_MS)
        assert_no_exception(pg)
        assert epoch(pg) == 0
        # (expect waits: the inputs can be re-rendered while the first run settles)
        for key, value in (("w_hidden_layers", "2"), ("w_units_0", "5"), ("w_units_1", "3"),
                           ("w_batch_size", "5")):
            expect(pg.locator(f".st-key-{key} input")).to_have_value(value, timeout=TIMEOUT_MS)
        expect(pg.locator(".st-key-w_view_log input")).to_be_checked(timeout=TIMEOUT_MS)
        main = pg.locator("[data-testid='stMain']")
        pg.wait_for_function(
            "() => /train loss/.test(document.querySelector(\"[data-testid='stMain']\")"
            ".innerText)", timeout=TIMEOUT_MS)
        expected = Trainer(SETUP, load_data(SETUP)).history["train_loss"][0]
        other = Trainer(SETUP.replace(seed=8), load_data(SETUP)).history["train_loss"][0]
        assert f"{expected:.4g}" != f"{other:.4g}"  # the check below can tell seeds apart
        assert _loss_shown(main.inner_text()) == f"{expected:.4g}"
        # the address bar stays a permalink of the set-up
        assert _query(pg.url) == {**share.to_query(SETUP), "log_loss": "true"}
    finally:
        context.close()


def test_a_classroom_link_hides_the_data_choice(browser: Browser, server: str):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        pg.goto(f"{server}/?dataset=xor&hide=data,upload,editor")
        wait_idle(pg)
        assert_no_exception(pg)
        text = pg.locator("[data-testid='stMain']").inner_text()
        assert "This classroom link fixes the data." in text
        assert pg.locator("[data-testid='stFileUploader']").count() == 0
        assert _query(pg.url) == {"dataset": "xor", "hide": "data,editor,upload"}
    finally:
        context.close()
