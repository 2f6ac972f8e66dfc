"""A permalink opened in a fresh browser session reproduces the set-up and the epoch-0 loss;
every download of the Share & export and Predict pages gives its file, and a run bundle loads back.
"""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
from playwright.sync_api import Page, expect

from nn_core.data.load import load_data
from nn_core.data.tabular import dataset_from_table, read_csv_bytes
from nn_core.io.bundle import bundle_from_json
from nn_core.io.serialize import model_from_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer
from tests.browser.conftest import Visit
from tests.browser.helpers import (
    TIMEOUT_MS,
    assert_no_exception,
    epoch,
    go_to,
    permalink,
    step,
    upload_csv,
    wait_idle,
)
from tests.conftest import trained
from ui.session import link_codec

SETUP = RunSettings(dataset="circle", n_samples=120, noise=0.2, hidden=(5, 3),
                    activation="relu", lr=0.1, batch_size=5, seed=7, scale="minmax",
                    data_seed=3)


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def _loss_shown(text: str) -> str:
    match = re.search(r"train loss ([0-9.e+-]+)", text)
    assert match, f"no train loss in {text[:300]!r}"
    return match.group(1)


def test_a_permalink_reproduces_the_setup_in_a_new_session(visit: Visit):
    with visit(permalink(SETUP, {"log_loss": True})) as pg:
        pg.wait_for_selector(".st-key-nn_epoch h2", timeout=TIMEOUT_MS)
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
        expected = trained(SETUP).history["train_loss"][0]
        other = Trainer(SETUP.replace(seed=8), load_data(SETUP)).history["train_loss"][0]
        assert f"{expected:.4g}" != f"{other:.4g}"  # the check below can tell seeds apart
        assert _loss_shown(main.inner_text()) == f"{expected:.4g}"
        # the address bar stays a permalink of the set-up
        assert _query(pg.url) == {**link_codec.to_query(SETUP), "log_loss": "true"}


def test_a_classroom_link_hides_the_data_choice(visit: Visit):
    with visit("/?dataset=xor&hide=data,upload,editor") as pg:
        assert_no_exception(pg)
        text = pg.locator("[data-testid='stMain']").inner_text()
        assert "This classroom link fixes the data." in text
        assert pg.locator("[data-testid='stFileUploader']").count() == 0
        assert _query(pg.url) == {"dataset": "xor", "hide": "data,editor,upload"}


PEOPLE = ("height,weight,age,sex\n170,70,25,m\n160,55,30,f\n180,90,40,m\n150,45,20,f\n"
          "175,75,27,m\n165,60,35,f\n185,95,42,m\n155,50,22,f\n172,68,33,m\n158,52,29,f\n")


def _people() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(PEOPLE))


def _download(pg: Page, label: str, folder: Path) -> bytes:
    """Press the download button labelled ``label``; the file's bytes."""
    button = pg.locator("[data-testid='stDownloadButton'] button:visible", has_text=label)
    expect(button).to_have_count(1)
    with pg.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.failure() is None, (label, download.failure())
    path = folder / download.suggested_filename
    download.save_as(path)
    return path.read_bytes()


def test_every_download_gives_its_file_and_the_bundle_loads_back(visit: Visit, tmp_path: Path):
    # built-in data: the bundle downloads before anything is trained
    with visit("/?dataset=xor&n_samples=60", accept_downloads=True) as pg:
        go_to(pg, "Share & export")
        settings, csv, _ = bundle_from_json(_download(pg, "Run bundle", tmp_path))
        assert (settings.dataset, settings.n_samples, csv) == ("xor", 60, None)

        # an uploaded table, three epochs
        go_to(pg, "Data")
        upload = tmp_path / "people.csv"
        upload.write_text(PEOPLE)
        upload_csv(pg, str(upload), "Loaded people.csv: 10 rows; target sex")
        go_to(pg, "Train")
        step(pg, 3)
        go_to(pg, "Share & export")
        assert_no_exception(pg)
        table = pd.read_csv(io.BytesIO(_download(pg, "Dataset (CSV)", tmp_path)))
        assert table.columns.tolist() == ["height", "weight", "age", "sex"]
        pd.testing.assert_frame_equal(table, _people(), check_dtype=False)
        bundle = _download(pg, "Run bundle", tmp_path)
        bundle_settings, bundle_csv, name = bundle_from_json(bundle)
        assert bundle_csv.decode() == PEOPLE and name == "people.csv"
        assert bundle_settings.target == "sex"
        model = model_from_json(_download(pg, "Trained model (JSON)", tmp_path))
        assert model.epochs == 3 and model.feature_names == ["height", "weight", "age"]
        script = _download(pg, "Standalone Python script", tmp_path).decode()
        assert "trained 3 epochs" in (ast.get_docstring(ast.parse(script)) or "")
        history = pd.read_csv(io.BytesIO(_download(pg, "Training history (CSV)", tmp_path)))
        assert history["epoch"].tolist() == [0, 1, 2, 3]

        # the Predict page's downloads
        go_to(pg, "Predict")
        template = pd.read_csv(io.BytesIO(_download(pg, "Template CSV", tmp_path)))
        assert template.columns.tolist() == ["height", "weight", "age"]
        inputs = tmp_path / "inputs.csv"
        inputs.write_text("height,weight,age\n175,75,27\n165,60,35\n")
        pg.locator("[data-testid='stFileUploader'] input[type=file]").last.set_input_files(
            str(inputs))
        wait_idle(pg)
        result = pd.read_csv(io.BytesIO(_download(pg, "predictions (CSV)", tmp_path)))
        assert len(result) == 2 and result.columns[:3].tolist() == ["height", "weight", "age"]
        X = result[["height", "weight", "age"]].to_numpy(float)
        labels = [str(v) for v in model.predict_labels(X)]
        assert any(result[c].astype(str).tolist() == labels for c in result.columns)
        p_m = model.predict(X)[:, 1]
        assert any(pd.api.types.is_float_dtype(result[c]) and
                   np.allclose(result[c].to_numpy(), p_m) for c in result.columns)
        assert_no_exception(pg)

    # the bundle, loaded in a fresh session on the Data page: the same table and epoch-0 loss
    (tmp_path / "run-bundle.json").write_bytes(bundle)
    with visit("/") as pg:
        pg.get_by_role("tab", name="Upload").click()
        pg.locator(".st-key-w_upload_bundle input[type=file]").set_input_files(
            str(tmp_path / "run-bundle.json"))
        pg.get_by_text("Loaded the run bundle run-bundle.json").wait_for()
        wait_idle(pg)
        assert_no_exception(pg)
        rows = pg.locator("[data-testid='stMetric']", has_text="Rows")
        assert rows.locator("[data-testid='stMetricValue']").inner_text().strip() == "10"
        go_to(pg, "Share & export")
        again = pd.read_csv(io.BytesIO(_download(pg, "Dataset (CSV)", tmp_path)))
        pd.testing.assert_frame_equal(again, _people(), check_dtype=False)
        ds = dataset_from_table(read_csv_bytes(bundle_csv), bundle_settings.target,
                                bundle_settings.features, bundle_settings.task, name="csv")
        expected_loss = Trainer(bundle_settings, ds).history["train_loss"][0]
        go_to(pg, "Train")
        # the page settles on the bundle's run (a busy machine may read an earlier run's text)
        expect(pg.locator("[data-testid='stMain']")).to_contain_text(
            f"train loss {expected_loss:.4g}", timeout=TIMEOUT_MS)
        main = pg.locator("[data-testid='stMain']").inner_text()
        assert _loss_shown(main) == f"{expected_loss:.4g}"
        assert json.loads(bundle)["settings"]["target"] == "sex"
