"""The Data page's parts: its controls (built-in data, uploads, the row editor, columns and
split) and its data section, with the tables and small facts it shows about a
:class:`Dataset` (no maths here)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from nn_core.data.builtin import BUILTIN
from nn_core.data.dataset import Dataset, split_indices
from nn_core.data.tabular import frame_csv
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_BUNDLE_BYTES, MAX_ROWS, MAX_UPLOAD_BYTES
from nn_core.settings import TASKS, RunSettings, choice_title, help_text, value_range
from ui.live.protocol import POINT_KEY
from ui.session import actions, store, widgets
from ui.views.data_charts import data_scatter
from ui.views.text import plain, widget_text


def whole_mb(n_bytes: int) -> int:
    """A byte limit in whole megabytes (at least 1), as an uploader's ``max_upload_size``."""
    return max(1, n_bytes // (1024 * 1024))


TASK_LABELS = {
    "binary": "binary classification",
    "multiclass": "multi-class classification",
    "regression": "regression",
}


def class_metric(ds: Dataset) -> str:
    """The number of classes, "—" for a regression target: short enough for the Data page's
    narrow metric at any width (the caption under it names the task in full)."""
    return str(ds.n_classes) if ds.is_classification else "—"


def dataset_frame(ds: Dataset) -> pd.DataFrame:
    """The dataset as a table: feature columns, then the target (class labels, not indices)."""
    frame = pd.DataFrame(ds.X, columns=list(ds.feature_names))
    if ds.is_classification:
        target = pd.Series([ds.classes[int(i)] for i in ds.y], dtype=object)
    else:
        target = pd.Series(ds.y, dtype=float)
    frame[ds.target_name] = target
    return frame


def table_csv(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV bytes, the form the data layer reads (formulas neutralised)."""
    return frame_csv(frame).encode("utf-8")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def apply_edits(base: pd.DataFrame, edits: Mapping[str, Any] | None) -> tuple[pd.DataFrame, int]:
    """``base`` with a data editor's edits applied: ``(table, empty added rows dropped)``.

    ``edits`` is the editor's own state (:func:`ui.session.widgets.editor_edits`):
    ``edited_rows`` (position -> {column: value}), ``added_rows`` (list of {column: value})
    and ``deleted_rows`` (positions). Added rows without a single value are left out and
    counted, so the page can say so; every other edit is kept exactly as typed.
    """
    edits = edits or {}
    columns = list(base.columns)
    rows = base.to_dict("records")
    for pos, change in (edits.get("edited_rows") or {}).items():
        i = int(pos)
        if 0 <= i < len(rows):
            rows[i] = {**rows[i], **{c: v for c, v in change.items() if c in columns}}
    deleted = {int(i) for i in edits.get("deleted_rows") or ()}
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    empty = 0
    for added in edits.get("added_rows") or ():
        row = {c: added.get(c) for c in columns}
        if all(_blank(v) for v in row.values()):
            empty += 1
        else:
            rows.append(row)
    return pd.DataFrame(rows, columns=columns), empty


def holdout_mask(ds: Dataset, test_fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the rows the trainer holds out for testing (the same split it uses)."""
    _, test = split_indices(ds, test_fraction, seed)
    mask = np.zeros(ds.n_samples, dtype=bool)
    mask[test] = True
    return mask


def class_counts(ds: Dataset) -> dict[str, int]:
    """Rows per class label, in class order."""
    counts = np.bincount(ds.y.astype(np.int64), minlength=ds.n_classes)
    return {label: int(n) for label, n in zip(ds.classes, counts, strict=True)}


UPLOAD_MB = whole_mb(MAX_UPLOAD_BYTES)
BUNDLE_MB = whole_mb(MAX_BUNDLE_BYTES)


def on_upload(file: UploadedFile | None) -> None:
    """A new file in the uploader: load it, or keep the previous data and say why not."""
    if file is None:  # the user removed the file: keep the data already loaded
        return
    if file.file_id == store.session().upload_seen:
        return
    actions.mark_upload_seen(file.file_id)
    try:
        ds = actions.use_table(file.getvalue(), file.name)
    except PlaygroundError as exc:
        actions.set_error(f"Could not use {file.name}: {exc}. The previous data is kept.")
        return
    actions.push_notice(
        f"Loaded {file.name}: {ds.n_samples} rows; target {ds.target_name}, "
        f"{ds.n_features} feature column{'s' * (ds.n_features != 1)}."
    )


def on_bundle(file: UploadedFile | None) -> None:
    """A run bundle in its uploader: restore its settings and data, or say why not."""
    if file is None:
        return
    try:
        actions.load_bundle(file.getvalue())
    except PlaygroundError as exc:
        actions.set_error(f"Could not load {file.name}: {exc}. The previous data is kept.")
        return
    kept = " (except what this classroom link fixes)" if store.session().locked else ""
    actions.push_notice(f"Loaded the run bundle {file.name}: its data and settings are in "
                      f"use{kept}.")


def on_regenerate() -> None:
    actions.try_update_settings(data_seed=random.randrange(0, 1_000_000))


def on_target(target: str) -> None:
    """A new target column: it stops being a feature (and the old target does not become one)."""
    features = tuple(f for f in store.session().settings.features if f != target)
    actions.try_update_settings(target=target, features=features)


def on_features(chosen: tuple[str, ...]) -> None:
    if not chosen:
        actions.set_error("Choose at least one feature column.")
        return
    actions.try_update_settings(features=chosen)


def on_use_file_again() -> None:
    actions.try_update_settings(dataset="csv")


def builtin_controls(settings: RunSettings, ds: Dataset) -> None:
    names = list(BUILTIN)
    shown = actions.shown
    if shown("dataset"):
        st.selectbox(
            "Dataset",
            names,
            format_func=lambda n: BUILTIN[n].title,
            key=widgets.bind("dataset", lambda v: v if v in BUILTIN else None),
            on_change=widgets.on_change("dataset"),
            placeholder="Choose a built-in dataset",
            help="Synthetic 2-D shapes after TensorFlow Playground, the blog's own table, and "
            "three regression sets. Picking one replaces the current data and resets the "
            "network.",
        )
    spec = BUILTIN.get(settings.dataset)
    if spec is None:
        st.caption("The current data is a CSV table; pick a built-in dataset to switch back.")
        return
    st.caption(spec.description)
    fixed = spec.test_rows is not None
    if shown("n_samples"):
        setting_slider("Samples", "n_samples", 10 if value_range("n_samples")[0] % 10 == 0 else 1,
                       fixed)
    if shown("noise"):
        setting_slider("Noise", "noise", 0.05, fixed)
    if shown("data_seed"):
        seed_controls(fixed)


def setting_slider(label: str, name: str, step: float, fixed: bool,
                   fixed_help: str = "The blog's table has fixed rows.") -> None:
    """A slider over the range of the setting ``name`` with its help text; disabled, saying
    why, when the data fixes it."""
    st.slider(
        label,
        *value_range(name),
        step=step,
        key=widgets.bind(name),
        on_change=widgets.on_change(name),
        disabled=fixed,
        help=fixed_help if fixed else help_text(name, True),
    )


def seed_controls(fixed: bool, label: str = "Data seed",
                  help: str = help_text("data_seed", True)) -> None:
    lo, hi = value_range("data_seed")
    seed_col, button_col = st.columns([3, 2], vertical_alignment="bottom")
    seed_col.number_input(
        label,
        min_value=lo,
        max_value=hi,
        step=1,
        key=widgets.bind("data_seed"),
        on_change=widgets.on_change("data_seed"),
        disabled=fixed,
        help=help,
    )
    button_col.button(
        "🎲 Regenerate",
        on_click=on_regenerate,
        disabled=fixed,
        help="A new data seed: new points, or a new split of a table.",
        width="stretch",
    )


def upload_controls(settings: RunSettings) -> None:
    st.file_uploader(
        "CSV file",
        type=["csv", "txt", "tsv"],
        key=widgets.W_UPLOAD,
        on_change=widgets.on_value(widgets.W_UPLOAD, on_upload),
        max_upload_size=UPLOAD_MB,
        help=f"First row: column names. Comma, semicolon or tab separated. Up to {UPLOAD_MB} MB "
        f"and {MAX_ROWS:,} rows. The last column is the target until you choose another.",
    )
    name = store.session().csv_name
    if store.session().csv_bytes is not None and settings.dataset not in BUILTIN:
        st.caption(f"In use: {plain(name or 'a table')}")
    elif store.session().csv_bytes is not None:
        st.button(
            f"Use {plain(name or 'the table', 40)} again",
            on_click=on_use_file_again,
            help="Switch back to the table you uploaded or edited earlier.",
        )
    st.file_uploader(
        "Run bundle",
        type=["json"],
        key=widgets.W_BUNDLE,
        on_change=widgets.on_value(widgets.W_BUNDLE, on_bundle),
        max_upload_size=BUNDLE_MB,
        help="A run bundle saved on the Share & export page: settings and data in one file, "
        f"up to {BUNDLE_MB} MB.",
    )


def editor(ds: Dataset) -> None:
    st.caption(
        "Add rows at the bottom, delete them with the checkbox column, change any cell. "
        "Nothing changes until you press Apply; applied edits become a custom table."
    )
    # The editor sits in a form: typing sends nothing to the server, so no rerun can race a
    # quick edit; Apply submits every edit at once and reads them from the editor's own state in
    # its callback. The input stays fixed while editing.
    with st.form(f"editor_form_{widgets.editor_key()}", border=False, enter_to_submit=False):
        st.data_editor(
            dataset_frame(ds),
            key=widgets.editor_key(),
            num_rows="dynamic",
            hide_index=True,
            height=300,
            width="stretch",
        )
        apply_col, discard_col = st.columns(2)
        apply_col.form_submit_button("✅ Apply edits", type="primary", width="stretch",
                                     on_click=actions.apply_editor_edits)
        discard_col.form_submit_button(
            "↩️ Discard edits",
            on_click=actions.reset_editor,
            width="stretch",
            help="Show the current data again, dropping unapplied edits.",
        )


def column_controls(ds: Dataset) -> None:
    """Target, features and task for a CSV or edited table."""
    columns = list(store.session().csv_columns)
    st.markdown("**Columns**")
    st.selectbox(
        "Target column",
        columns,
        key=widgets.bind("target"),
        on_change=widgets.on_change("target", apply=on_target),
        format_func=widget_text,
        help=help_text("target", True),
    )
    target = store.session().settings.target
    options = [c for c in list(store.session().csv_numeric) if c != target]
    st.multiselect(
        "Feature columns",
        options,
        key=widgets.bind("features", lambda chosen: [c for c in chosen if c in options]),
        on_change=widgets.on_change("features", tuple, apply=on_features),
        format_func=widget_text,
        help=help_text("features", True),
    )
    text = [c for c in columns if c != target and c not in options]
    if text:
        st.caption(
            "Text columns (usable only as the target): " + ", ".join(plain(c, 40) for c in text)
        )
    st.radio(
        "Task",
        TASKS,
        format_func=lambda task: choice_title("task", task),
        key=widgets.bind("task"),
        on_change=widgets.on_change("task"),
        horizontal=True,
        help=help_text("task", True),
    )


def split_controls(ds: Dataset) -> None:
    if not actions.shown("test_fraction"):
        return
    fixed = ds.test_rows is not None
    setting_slider("Test fraction", "test_fraction", 0.05, fixed,
                   "The blog's table fixes its test rows: its 3 test_inputs.")
    if ds.name not in BUILTIN and actions.shown("data_seed"):
        seed_controls(fixed, label="Split seed", help="Which rows are held out for testing: the "
                      "same seed gives the same split. Changing it resets the network.")


def data_section(settings: RunSettings, ds: Dataset) -> None:
    mask = holdout_mask(ds, settings.test_fraction, settings.data_seed)
    n_test = int(mask.sum())
    # a row that wraps: each metric as wide as its value, never cut short on a narrow screen
    with st.container(horizontal=True, horizontal_alignment="distribute", key="data_metrics"):
        st.metric("Rows", f"{ds.n_samples:,}", width="content")
        st.metric("Features", ds.n_features, width="content")
        st.metric("Train / test", f"{ds.n_samples - n_test} / {n_test}", width="content")
        st.metric("Classes", class_metric(ds), width="content",
                  help="How many labels the target takes; — for a regression target (a number).")
    task = f"Target {plain(ds.target_name, 60)}: {TASK_LABELS[ds.task]}"
    if ds.is_classification:
        counts = ", ".join(f"{plain(k, 30)}: {v}" for k, v in class_counts(ds).items())
        st.caption(f"{task} — classes {counts}")
    else:
        st.caption(f"{task} — from {ds.y.min():.4g} to {ds.y.max():.4g}")
    x_index, y_index = 0, min(1, ds.n_features - 1)
    if ds.n_features > 2:
        axes = zip(st.columns(2), ("Horizontal axis", "Vertical axis"), "xy", strict=True)
        x_index, y_index = (
            column.selectbox(
                label,
                list(range(ds.n_features)),
                index=index,
                format_func=lambda i: widget_text(ds.feature_names[i]),
                key=widgets.plot_axis_key(axis),
            )
            for index, (column, label, axis) in enumerate(axes)
        )
    fig = data_scatter(
        ds.X,
        ds.y,
        feature_names=ds.feature_names,
        target_name=ds.target_name,
        classes=ds.classes,
        test_mask=mask,
        x_index=x_index,
        y_index=y_index,
    )
    st.plotly_chart(fig, config={"displaylogo": False}, key="data_scatter")
    st.caption(f"{POINT_KEY[0].upper()}{POINT_KEY[1:]} (never trained on).")
    for notice in ds.notices:
        st.info(plain(notice, 300), icon="ℹ️")
    with st.expander(f"Table ({ds.n_samples:,} rows)"):
        frame = dataset_frame(ds)
        st.dataframe(frame, hide_index=True, height=260)
        st.download_button(
            "⬇️ Download as CSV",
            table_csv(frame),
            file_name=f"{ds.name}.csv" if ds.name in BUILTIN else "data.csv",
            mime="text/csv",
            on_click="ignore",
        )


def controls(settings: RunSettings, ds: Dataset) -> None:
    """The Data page's left column: the data's tabs (as a classroom link allows), then the
    columns of a custom table and the split."""
    sections = {"data": ("Built-in", lambda: builtin_controls(settings, ds)),
                "upload": ("Upload", lambda: upload_controls(settings)),
                "editor": ("Edit rows", lambda: editor(ds))}
    sections = {k: v for k, v in sections.items() if actions.shown(k)}
    if sections:
        tabs = st.tabs([title for title, _ in sections.values()], key=widgets.W_DATA_TAB,
                       on_change="rerun")
        for tab, (_, draw) in zip(tabs, sections.values(), strict=True):
            with tab:
                draw()
    else:
        st.caption("This classroom link fixes the data.")
    custom_table = settings.dataset not in BUILTIN and store.session().csv_bytes is not None
    if custom_table and actions.shown("target", "features", "task"):
        column_controls(ds)
    split_controls(ds)
