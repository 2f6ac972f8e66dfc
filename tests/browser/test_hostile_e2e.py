"""Hostile names in a real browser: addresses in column names, class labels and file names stay
text (no link anywhere), widgets show names as typed, Plotly shows tags as text."""

from __future__ import annotations

import csv
import io

import numpy as np
from playwright.sync_api import Page

from tests.browser.helpers import assert_no_exception, go_to, step, upload_csv, wait_idle

WJ = "\u2060"
FORMULA = '=HYPERLINK("http://evil.example",1)'
WWW = "www.evil.example"
BOLD = "**bold** (cm)"
TARGET = "ask a@evil.example"
CLASSES = ("a@evil.example", "see https://evil.example/x")
TAG = '<a href="https://evil.example/">CLICK ME</a>'
HUGE = '<b style="font-size:80px">HUGE</b>'
EVIL_LINKS = "a[href*='evil'], a:has-text('evil'), a:has-text('CLICK ME')"


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(pg: Page, name: str, data: bytes) -> None:
    upload_csv(pg, [{"name": name, "mimeType": "text/csv", "buffer": data}], "rows; target")


def _text(pg: Page) -> str:
    return pg.locator("[data-testid='stMain']").inner_text().replace(WJ, "")


def test_addresses_in_user_text_never_become_links(page: Page) -> None:
    rng = np.random.default_rng(3)
    rows = [[round(float(v), 3) for v in rng.normal(size=3)] + [CLASSES[i % 2]]
            for i in range(40)]
    _upload(page, "www.evil.example.csv", _csv([FORMULA, WWW, BOLD, TARGET], rows))
    text = _text(page)
    for shown in ("Loaded www.evil.example.csv", f"Target {TARGET}", CLASSES[0], CLASSES[1]):
        assert shown in text
    assert page.locator(f"[data-testid='stMain'] :is({EVIL_LINKS})").count() == 0
    # selectboxes and multiselects show the names as typed: no backslashes
    values = "input => input.value"
    assert page.locator(".st-key-w_target input").evaluate(values) == TARGET
    features = page.locator(".st-key-w_features").inner_text()
    assert FORMULA in features and BOLD in features and "\\" not in features
    axes = page.locator("[data-testid='stSelectbox'] input").evaluate_all(
        "inputs => inputs.map(i => i.value)")  # dataset, target, the chart's two axes
    assert axes[-2:] == [FORMULA, WWW]

    go_to(page, "Train")
    step(page, 1)
    go_to(page, "Predict")
    assert_no_exception(page)
    labels = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    assert labels[0].replace(WJ, "").strip() == f"Predicted {TARGET}"
    assert any(c in labels[1].replace(WJ, "") for c in CLASSES)
    assert FORMULA in _text(page)  # the caption listing the CSV's columns
    assert page.locator(f"[data-testid='stMain'] :is({EVIL_LINKS})").count() == 0


def test_tags_in_a_class_label_show_as_text_on_the_data_chart(page: Page) -> None:
    rows = [[i, TAG if i % 2 else HUGE] for i in range(20)]
    _upload(page, "tags.csv", _csv(["x <i>1</i>", "label"], rows))
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.locator(".main-svg").first.wait_for()
    assert chart.locator("a").count() == 0
    ticks = chart.locator(".ytick text").all_text_contents()
    assert sorted(ticks) == sorted([TAG[:29] + "…", HUGE[:29] + "…"])  # as typed, tags and all
    assert chart.locator("[style*='80px'], b, tspan[style*='font-weight']").count() == 0
    assert chart.locator(".xtitle").text_content() == "x <i>1</i>"
    box = chart.locator(".scatterlayer .point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = chart.locator(".hoverlayer .hovertext")
    hover.wait_for()
    shown = hover.text_content()  # the class (the trace's name), then x and y, as typed
    assert shown.startswith((TAG[:29] + "…", HUGE[:29] + "…")) and "<" in shown
    assert hover.locator("a, [style*='80px']").count() == 0


def test_a_link_streamlit_drops_for_its_size_is_reported(tab: Page, server: str) -> None:
    many = "&".join(f"p{i}=1" for i in range(2000))
    tab.goto(f"{server}/train?dataset=xor&{many}")
    wait_idle(tab)
    alert = tab.locator("[data-testid='stAlert']", has_text="parameters")
    alert.wait_for()
    assert alert.inner_text().replace(WJ, "").replace("\\", "").strip().endswith(
        "This link has 2,001 parameters, more than the 1,000 the app can read, so none of its "
        "settings were used: showing the defaults.")
    assert_no_exception(tab)
    tab.goto(f"{server}/train?dataset=xor&zz=1")  # within the limits: read as usual
    wait_idle(tab)
    tab.locator("[data-testid='stAlert']", has_text="ignored unknown parameter").wait_for()
    assert tab.locator("[data-testid='stAlert']", has_text="2,001").count() == 0
