"""Tables in Chromium offer no unneutralised CSV (issue 21, item 3).

Every st.dataframe and st.data_editor has a toolbar whose "Download as CSV" wrote the cells as
they are, formulas included. ``client.disableDataExport`` (.streamlit/config.toml) takes that
button (and the read-only tables' clipboard copy) away; the pages' own downloads, which
neutralise, stay. An upload of 140 rows with formula cells shows both: the toolbars have no
download, and the Data page's own download has no formula cell.
"""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from nn_core.data.csv_safety import PLAIN_NUMBER
from tests.browser.conftest import Visit
from tests.browser.helpers import TIMEOUT_MS, assert_no_exception, upload_csv, wait_idle

ROWS = 140
HOSTILE = "x,y,label\n" + "".join(
    f"{i / ROWS},{(i * 7 % ROWS) / ROWS},{'=1+2' if i % 2 else '@SUM(A1)'}\n"
    for i in range(ROWS))


def toolbar_buttons(pg: Page, grid_selector: str) -> list[str]:
    """The labels of the toolbar a table shows when the pointer is over it."""
    grid = pg.locator(grid_selector).first
    grid.scroll_into_view_if_needed()
    grid.hover()
    toolbar = pg.locator("[data-testid='stElementToolbar']:visible").first
    toolbar.wait_for(timeout=TIMEOUT_MS)
    buttons = toolbar.locator("button")
    expect(buttons.first).to_be_visible()
    return [b.get_attribute("aria-label") or b.inner_text() for b in buttons.all()]


def test_no_table_offers_its_own_csv_and_the_page_download_is_neutral(visit: Visit,
                                                                      tmp_path) -> None:
    with visit("/", accept_downloads=True) as pg:
        upload_csv(pg, [{"name": "hostile.csv", "mimeType": "text/csv",
                         "buffer": HOSTILE.encode()}], f"{ROWS} rows")
        pg.get_by_text(f"Table ({ROWS} rows)").click()
        wait_idle(pg)
        labels = toolbar_buttons(pg, "[data-testid='stExpander'] [data-testid='stDataFrame']")
        # the toolbar is there (search, full screen) but has no download
        assert any("Search" in lab or "screen" in lab for lab in labels), labels
        assert not any("Download" in lab for lab in labels), labels

        # the page's own download beside it: every cell neutral
        button = pg.locator("[data-testid='stExpander'] [data-testid='stDownloadButton'] button")
        with pg.expect_download(timeout=TIMEOUT_MS) as info:
            button.click()
        path = tmp_path / "table.csv"
        info.value.save_as(path)
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        assert len(rows) == ROWS + 1
        formulas = [c for r in rows for c in r
                    if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not PLAIN_NUMBER.fullmatch(c)]
        assert formulas == []
        assert {r[-1] for r in rows[1:]} == {"'=1+2", "'@SUM(A1)"}

        # the row editor's toolbar neither
        pg.get_by_role("tab", name="Edit rows").click()
        wait_idle(pg)
        labels = toolbar_buttons(pg, "[data-testid='stDataFrame']:visible")
        assert not any("Download" in lab for lab in labels), labels
        assert_no_exception(pg)
