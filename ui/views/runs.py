"""The Train page's "Compare runs" section: the kept runs' curves overlaid, what differs
between them, and a one-click Restore of each run's settings.

The charts are plain ``st.plotly_chart`` figures, drawn on full runs only (never while a
fragment tick trains), so they cost nothing per frame. User text (column and file names) stays
out of Plotly except through :func:`ui.views.text.plotly_text`, and goes into the table as data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from nn_core.training.runs import MAX_LOG_BYTES, MAX_POINTS, MAX_RUNS, RunRecord, changed_fields
from ui.live.protocol import LINE_KEY
from ui.session import actions, store, widgets
from ui.views.charts import split_line
from ui.views.text import plain, plotly_text, widget_text

# Okabe-Ito and Tableau colours: told apart with common colour blindness, one per run
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000",
           "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF")
LABELS = {"lr": "learning rate", "n_samples": "rows", "data_seed": "data seed",
          "test_fraction": "test share", "batch_size": "batch size", "l1": "L1", "l2": "L2",
          "update_rule": "update rule", "target_loss": "target loss", "epochs": "max epochs",
          "validation_fraction": "validation share", "hidden": "hidden layers",
          "dtype": "number format"}
HIDDEN_FIELDS = ("dataset",)  # shown as the "data" column instead


def label_of(field: str) -> str:
    return LABELS.get(field, field.replace("_", " "))


def show_value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def differing_fields(runs: Sequence[RunRecord]) -> list[str]:
    """Settings fields whose values differ between ``runs`` (the data shown on its own)."""
    return [f for f in changed_fields([r.settings for r in runs]) if f not in HIDDEN_FIELDS]


def data_differs(runs: Sequence[RunRecord]) -> bool:
    return len({(r.data, r.data_key) for r in runs}) > 1


def names(runs: Sequence[RunRecord], live: RunRecord | None) -> dict[int, str]:
    """Each run's name in charts and the table: "Run 3", "This run" for the live one."""
    return {r.number: ("This run" if live is not None and r is live else r.label)
            for r in runs}


def legend_name(run: RunRecord, name: str, fields: Sequence[str]) -> str:
    """The run's name and its differing settings, for a Plotly legend (escaped)."""
    parts = [f"{label_of(f)} {show_value(getattr(run.settings, f))}" for f in fields[:2]]
    return plotly_text(f"{name}: {', '.join(parts)}" if parts else name, 60)


def _y(values: object) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in values]


def figures(runs: Sequence[RunRecord], run_names: dict[int, str],
            log_loss: bool = False) -> tuple[go.Figure, go.Figure]:
    """The loss and the accuracy / R² of every run over its epochs: one colour per run, each
    split's curve in its dash (:data:`ui.live.protocol.SPLITS`: training solid, test dashed)."""
    fields = differing_fields(runs)
    tasks = {r.task for r in runs}
    metric = ("R²" if tasks == {"regression"} else "accuracy" if "regression" not in tasks
              else "accuracy / R²")
    loss, acc = go.Figure(), go.Figure()
    for i, run in enumerate(runs):
        colour = COLOURS[i % len(COLOURS)]
        name = legend_name(run, run_names[run.number], fields)
        epochs = run.history["epoch"].astype(int).tolist()
        for fig, key in ((loss, "loss"), (acc, "metric")):
            for split in ("train", "test"):
                fig.add_trace(go.Scatter(
                    x=epochs, y=_y(run.history[f"{split}_{key}"]), mode="lines",
                    name=f"{name} · {split}", legendgroup=str(run.number),
                    line=split_line(split, colour),
                    hovertemplate=f"{split} %{{y:.4g}} at epoch %{{x}}<extra>{name}</extra>",
                ))
    for fig, title in ((loss, "loss"), (acc, metric)):
        fig.update_layout(
            # the modebar upright on the right, in its own margin: never over the title
            height=360, margin={"l": 50, "r": 36, "t": 52, "b": 60},
            modebar={"orientation": "v"},
            title={"text": f"{title.capitalize()} per epoch", "font": {"size": 13},
                   "subtitle": {"text": LINE_KEY, "font": {"size": 11}}},
            xaxis_title="epoch", yaxis_title=title,
            legend={"orientation": "h", "y": -0.3, "font": {"size": 11}},
        )
    last = max((int(r.history["epoch"][-1]) for r in runs), default=0)
    if last <= 10:  # a few epochs: one tick each, no fractions of an epoch
        for fig in (loss, acc):
            fig.update_xaxes(tick0=0, dtick=1)
    if metric == "accuracy":
        acc.update_yaxes(tickformat=".0%")
    if log_loss:
        loss.update_yaxes(type="log")
    return loss, acc


def _number(v: float, digits: int = 4) -> float | None:
    return round(v, digits) if math.isfinite(v) else None


def table(runs: Sequence[RunRecord], run_names: dict[int, str]) -> pd.DataFrame:
    """One row per run: the settings that differ, epochs, final and best test numbers, why it
    stopped and what changed while it trained (only the columns that say something)."""
    fields = differing_fields(runs)
    with_data = data_differs(runs)
    with_changes = any(r.changes for r in runs)
    rows = []
    for run in runs:
        metric = run.metric_name
        row: dict[str, object] = {"run": run_names[run.number]}
        if with_data:
            row["data"] = widget_text(run.data, 60)
        for f in fields:
            row[label_of(f)] = widget_text(show_value(getattr(run.settings, f)), 60)
        best_epoch = run.best["test_metric_epoch"]
        row.update({
            "epochs": run.epochs,
            "final test loss": _number(run.final["test_loss"]),
            "final train loss": _number(run.final["train_loss"]),
            "final test score": _score(run.final["test_metric"], metric),
            "best test score": _score(run.best["test_metric"], metric),
            "best at epoch": int(best_epoch) if math.isfinite(best_epoch) else None,
        })
        if any(r.stop for r in runs):
            row["stopped"] = widget_text(run.stop, 90) if run.stop else ""
        if with_changes:
            row["changed while training"] = widget_text("; ".join(run.changes), 120)
        rows.append(row)
    return pd.DataFrame(rows)


def _score(value: float, metric: str) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.1%} accuracy" if metric == "accuracy" else f"R² {value:.3f}"




def compare_runs() -> None:
    """The section: captions, the two charts, the table and a Restore button per kept run."""
    st.header("Compare runs")
    kept = list(store.session().runs.runs)
    running = store.session().running
    live = None if running else actions.live_run()
    runs = kept + ([live] if live is not None else [])
    st.caption(f"A run lasts from new weights (Reset, new data or a new network) to the next. "
               f"This session keeps the last {MAX_RUNS} runs that trained an epoch, "
               f"{MAX_POINTS} points of each curve (at most {MAX_LOG_BYTES // 1024} kB); the "
               "oldest go first. Run bundles (Share page) carry them.")
    if running and kept:
        st.caption("The run in progress joins the comparison when you pause it.")
    if not runs:
        st.caption("No runs yet: train, then press Reset or change the network, and the run "
                   "appears here beside the next one.")
        return
    run_names = names(runs, live)
    loss, acc = figures(runs, run_names, store.session().views.log_loss)
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(loss, key="runs_loss", width="stretch", config={"displaylogo": False})
    with c2:
        st.plotly_chart(acc, key="runs_metric", width="stretch", config={"displaylogo": False})
    fields = differing_fields(runs)
    if len(runs) == 1:
        st.caption("One run so far: change a setting and train again to see what differs.")
    elif fields or data_differs(runs):
        st.caption(plain("Settings that differ: " + ", ".join(
            ["data"] * data_differs(runs) + [label_of(f) for f in fields]) + "."))
    else:
        st.caption("These runs have the same settings.")
    # a table that wraps its cells: every column shows whole at any width (why a run stopped
    # is a sentence), where a data grid would cut the last ones off behind a scroll
    with st.container(key="runs_table"):
        st.table(table(runs, run_names).style.format(na_rep="–", precision=4), hide_index=True)
    if not kept:
        return
    st.caption("Restore a run's settings (new weights from its seed, ready to play):")
    per_row = 5
    for start in range(0, len(kept), per_row):
        cols = st.columns(per_row)
        for col, run in zip(cols, kept[start:start + per_row], strict=False):
            col.button(f"↩ Restore {run.label}", key=widgets.restore_key(run.number),
                       on_click=actions.restore_run, args=(run.number,), width="stretch",
                       help=plain(f"Sets the settings {run.label} started with "
                                  f"({run.epochs} epochs on {run.data}).", 300))
