"""How it works, "One step, every number", in headless Chromium: the blog's network on the blog's
first row shows the blog's own code's values, and "Apply this step" moves the live network to
the new weights it showed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from playwright.sync_api import Page

from nn_core.settings import BLOG_SETUP, RunSettings
from tests.browser.helpers import (
    assert_no_exception,
    go_to,
    open_blog_network,
    permalink,
    screenshot,
    wait_idle,
)
from tests.conftest import trained
from tests.step_reference import blog_network, blog_train_values
from ui.views.step import DIGITS

REL = 10.0 ** (1 - DIGITS)  # what the view's 10 significant digits carry


def read_table(pg: Page, key: str) -> list[dict[str, str]]:
    """The rows of the step view's table in the container ``key``, as the page shows them."""
    table = pg.locator(f".st-key-{key} table")
    table.wait_for()
    return table.evaluate("""t => {
        const head = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
        return [...t.querySelectorAll('tbody tr')].map(tr => {
            const cells = [...tr.querySelectorAll('th, td')].map(td => td.innerText.trim());
            return Object.fromEntries(head.map((h, i) => [h, cells[i]]));
        });
    }""")


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(r[name]) for r in rows])


def test_the_step_view_shows_the_blogs_own_numbers_and_applies_the_step(tab: Page,
                                                                        server: str) -> None:
    open_blog_network(tab, server)
    go_to(tab, "How it works")
    tab.locator(".st-key-step_inputs").scroll_into_view_if_needed()
    assert_no_exception(tab)

    # the same network, built here from the same settings: its initial weights
    settings = RunSettings(dataset="blog", **BLOG_SETUP)
    trainer = trained(settings)
    w_ih, w_ho = (m.copy() for m in trainer.network.matrices)
    blog = blog_network(w_ih, w_ho, 0.1)
    ref = blog_train_values(blog, [170, 70, 25], [1])

    inputs = read_table(tab, "step_inputs")
    assert [r["input"] for r in inputs] == ["height", "weight", "age"]
    assert column(inputs, "a = network input").tolist() == [170, 70, 25]
    weights_hidden = read_table(tab, "step_weights_1")
    weights_output = read_table(tab, "step_weights_2")
    np.testing.assert_allclose(column(weights_hidden, "w"), w_ih.ravel(), rtol=REL)
    np.testing.assert_allclose(column(weights_output, "w"), w_ho.ravel(), rtol=REL)

    hidden = read_table(tab, "step_forward_1")
    output = read_table(tab, "step_forward_2")
    error = read_table(tab, "step_error")
    sent_back = read_table(tab, "step_blog_errors_1")
    shown = {
        "hidden_inputs": column(hidden, "z = W·a (hidden_inputs)"),
        "hidden_outputs": column(hidden, "a = sigmoid(z) (hidden_outputs)"),
        "final_inputs": column(output, "z = W·a (final_inputs)"),
        "final_outputs": column(output, "a = sigmoid(z) (final_outputs)"),
        "output_errors": column(error, "output_errors = y − o"),
        "hidden_errors": column(sent_back, "hidden_errors (blog: Wᵀ·output_errors)"),
        "update_input_hidden": column(weights_hidden, "step = −lr·g"),
        "update_hidden_output": column(weights_output, "step = −lr·g"),
    }
    for name, values in shown.items():
        np.testing.assert_allclose(values, np.ravel(ref[name]), rtol=REL, err_msg=name)

    # the blog's rule next to the exact gradient: the ratio is 1/(o(1-o)) >= 4
    o = ref["final_outputs"][0]
    ratios = column(sent_back, "ratio blog ÷ exact")
    np.testing.assert_allclose(ratios, 1 / (o * (1 - o)), rtol=REL)
    assert (ratios >= 4).all()

    # the blog's own train moves its weights to the view's "new w"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        blog.train([170, 70, 25], [1])
    new_hidden = column(weights_hidden, "new w")
    new_output = column(weights_output, "new w")
    np.testing.assert_allclose(new_hidden, blog.weights_input_hidden.ravel(), rtol=REL)
    np.testing.assert_allclose(new_output, blog.weights_hidden_output.ravel(), rtol=REL)
    tab.locator(".st-key-step_view").evaluate(
        "e => { e.scrollIntoView({block: 'start'});"
        " e.closest('[data-testid=stMain]').scrollBy(0, -70); }")
    screenshot(tab, "how_it_works_step")

    # apply: the live network's weights become the "new w" shown, and the epoch stays 0
    tab.locator(".st-key-step_apply button:visible").first.click()
    wait_idle(tab)
    tab.get_by_text("It is not an epoch: the epoch counter stays at 0").wait_for()
    assert [r["w"] for r in read_table(tab, "step_weights_1")] == [
        r["new w"] for r in weights_hidden]
    assert [r["w"] for r in read_table(tab, "step_weights_2")] == [
        r["new w"] for r in weights_output]
    tab.get_by_text("Epoch 0; steps applied by hand to this network: 1.").wait_for()
    assert_no_exception(tab)


def test_a_large_network_shows_the_chosen_units_path_and_summarises_the_rest(
        tab: Page, server: str) -> None:
    settings = RunSettings(dataset="moons", hidden=(64,) * 6, activation="relu")
    tab.goto(server + permalink(settings, page="how_it_works"))
    wait_idle(tab)
    tab.locator(".st-key-step_view").wait_for()
    assert_no_exception(tab)
    trainer = trained(settings)
    forward = read_table(tab, "step_forward_3")
    assert [r["unit"] for r in forward] == ["0", "others (63)"]
    z = np.array([float(forward[0]["z = W·a + b (hidden_inputs)"])])
    np.testing.assert_allclose(z, trainer.network.forward_layers(trainer.X_train[:1])[0][2][0, :1],
                               rtol=REL)
    tab.get_by_text("Hidden layer 3: 64 units, showing unit 0").wait_for()
    box = tab.locator(".st-key-w_step_unit_3 input")
    box.fill("5")
    box.press("Enter")
    wait_idle(tab)
    tab.get_by_text("Hidden layer 3: 64 units, showing unit 5").wait_for()
    forward = read_table(tab, "step_forward_3")
    assert [r["unit"] for r in forward] == ["5", "others (63)"]
    zs = trainer.network.forward_layers(trainer.X_train[:1])[0][2][0]
    np.testing.assert_allclose(float(forward[0]["z = W·a + b (hidden_inputs)"]), zs[5], rtol=REL)
    lo, hi = (float(v) for v in forward[1]["z = W·a + b (hidden_inputs)"].split(" (")[0]
              .split(" … "))
    others = np.delete(zs, 5)
    assert lo == pytest.approx(others.min(), rel=1e-3) and hi == pytest.approx(others.max(),
                                                                             rel=1e-3)
    weights = read_table(tab, "step_weights_3")  # unit 0 of layer 2 → unit 5 of layer 3
    assert [(r["to"], r["from"]) for r in weights] == [("5", "0"), ("5", "bias"),
                                                      ("others (4158)", "")]
    tab.locator(".st-key-step_view").evaluate(
        "e => { e.scrollIntoView({block: 'start'});"
        " e.closest('[data-testid=stMain]').scrollBy(0, -70); }")
    screenshot(tab, "how_it_works_step_large")
    assert_no_exception(tab)
