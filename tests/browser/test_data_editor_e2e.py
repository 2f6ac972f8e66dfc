"""The Data page's row editor in a real browser: quick edits and Apply lose nothing silently."""

from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.helpers import assert_no_exception, wait_idle

HEADER, ROW = 36, 35  # the editor's header and row heights in pixels
COLUMN_X = {"height": 80, "weight": 180}  # a point inside each column, from the editor's left


def test_quick_edits_then_apply_keep_every_edit_and_name_the_empty_row(visit: Visit):
    with visit("/?dataset=blog", accept_downloads=True) as pg:
        pg.get_by_role("tab", name="Edit rows").click()
        grid = pg.locator("[data-testid='stDataFrame']:visible").first
        grid.wait_for()
        box = grid.bounding_box()

        def cell(column: str, row: int) -> tuple[float, float]:
            return box["x"] + COLUMN_X[column], box["y"] + HEADER + ROW * row + ROW / 2

        # two cells typed one right after the other, an empty row added, Apply at once
        # (each typed value is checked in the cell's input before Enter, so a keystroke the
        # browser dropped under load is not mistaken for an edit the app lost)
        for column, row, value in (("height", 0, "171"), ("weight", 1, "56")):
            pg.mouse.dblclick(*cell(column, row))
            field = pg.locator("input.gdg-input")
            field.wait_for()
            field.fill(value)
            expect(field).to_have_value(value)
            pg.keyboard.press("Enter")
            field.wait_for(state="detached")
        pg.mouse.click(*cell("height", 7))  # the grid's add-row line
        pg.get_by_role("button", name="Apply edits").click()
        notice = pg.get_by_text("Applied the edits: the data now has 7 rows.")
        notice.wait_for()
        assert "Left out 1 added row with no values at all." in notice.inner_text()
        wait_idle(pg)
        assert_no_exception(pg)

        pg.get_by_text("Table (7 rows)").click()
        download = pg.locator("[data-testid='stDownloadButton'] button:visible",
                              has_text="Download as CSV")
        expect(download).to_be_visible()
        wait_idle(pg)
        with pg.expect_download() as info:
            download.click()
        table = pd.read_csv(info.value.path())
        assert table["height"].tolist()[:2] == [171, 160]
        assert table["weight"].tolist()[:2] == [70, 56]
