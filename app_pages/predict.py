"""Predict page: the trained network's answer for inputs typed in or uploaded as a CSV."""

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from nn_core.errors import PlaygroundError
from nn_core.io.serialize import MAX_MODEL_BYTES, model_from_json
from nn_core.limits import MAX_UPLOAD_BYTES
from ui.session import actions, nav, store, widgets
from ui.views import quality
from ui.views.data import TASK_LABELS, table_csv, whole_mb
from ui.views.data_charts import probability_bars
from ui.views.predict import (
    BatchPrediction,
    batch_prediction,
    blog_examples,
    class_probabilities,
    default_inputs,
    input_step,
    model_dataset,
    prediction_key,
    prediction_need,
)
from ui.views.text import plain

UPLOAD_MB = whole_mb(MAX_UPLOAD_BYTES)
MODEL_MB = whole_mb(MAX_MODEL_BYTES)
SOURCES = ("This session's network", "The loaded model file")


def on_example(index: int, ds) -> None:
    """The user picked one of the blog's test inputs: put it in the number boxes."""
    widgets.set_predict_inputs(blog_examples(ds)[index])


def on_model_file(file: UploadedFile | None) -> None:
    """A model JSON in the uploader: load it, or say why not (the session's network stays)."""
    if file is None:
        actions.set_loaded_model(None)
        return
    try:
        model = model_from_json(file.getvalue())
    except PlaygroundError as exc:
        actions.set_error(f"Could not load {file.name}: {exc}")
        return
    actions.set_loaded_model(model, file.name)
    actions.push_notice(f"Loaded the model {file.name}: its predictions are shown below.")


def loaded_line(model, name: str) -> str:
    sizes = "-".join(str(s) for s in model.network.sizes)
    return f"Model file {plain(name, 60)} · network {sizes} · {model.epochs:,} epochs trained"


def model_line(trainer) -> str:
    summary = trainer.summary()
    sizes = "-".join(str(s) for s in trainer.network.sizes)
    parts = [f"Network {sizes}", f"{trainer.epoch:,} epochs trained"]
    if trainer.held_epoch != trainer.epoch:
        parts[-1] += f", holding the network of epoch {trainer.held_epoch:,} (the best)"
    metric = trainer.metric_name
    test_value = summary.get(f"test_{metric}")
    train_value = summary.get(f"train_{metric}")
    shown = test_value if test_value is not None and np.isfinite(test_value) else train_value
    which = "test" if shown is test_value else "training"
    if shown is not None and np.isfinite(shown):
        parts.append(
            f"{which} accuracy {shown:.1%}" if metric == "accuracy" else f"{which} R² {shown:.3f}"
        )
    return " · ".join(parts)


def single_prediction(trainer, ds) -> None:
    inputs_col, output_col = st.columns([5, 7], gap="large")
    with inputs_col:
        st.header("One input")
        examples = blog_examples(ds)
        if examples:
            st.selectbox(
                "The blog's test_inputs",
                range(len(examples)),
                format_func=lambda i: f"test_inputs[{i}] = {[int(v) for v in examples[i]]}",
                key=widgets.W_PREDICT_EXAMPLE,
                on_change=widgets.on_value(widgets.W_PREDICT_EXAMPLE, on_example, ds),
                help="Fill the boxes with one of the three inputs the blog predicts.",
            )
        defaults = default_inputs(ds)
        per_row = 3 if ds.n_features % 3 == 0 or ds.n_features > 4 else 2
        values = []
        for start in range(0, ds.n_features, per_row):
            cols = st.columns(per_row)
            for offset, col in enumerate(cols):
                i = start + offset
                if i >= ds.n_features:
                    break
                key = widgets.seed(widgets.predict_input_key(i), defaults[i])
                values.append(
                    col.number_input(
                        plain(ds.feature_names[i], 40),
                        step=input_step(ds, i),
                        format="%g",
                        key=key,
                        persist_state="session",
                        help=f"Seen in the data: {ds.X[:, i].min():g} to {ds.X[:, i].max():g}",
                    )
                )
    X = np.asarray([values], dtype=float)
    with output_col:
        st.header("Output")
        labels = trainer.predict_labels(X)
        if ds.is_classification:
            probs = class_probabilities(trainer, ds, X)
            best = int(np.argmax(probs[0]))
            c1, c2 = st.columns(2)
            c1.metric(f"Predicted {plain(ds.target_name, 40)}", plain(labels[0], 40))
            c2.metric(f"Probability of {plain(ds.classes[best], 30)}", f"{probs[0, best]:.2%}")
            st.plotly_chart(
                probability_bars(probs[0], ds.classes),
                config={"displayModeBar": False},
                key="predict_probabilities",
            )
        else:
            st.metric(f"Predicted {plain(ds.target_name, 40)}", f"{float(labels[0]):.6g}")
        if examples:
            st.markdown("**All three, as the blog prints them**")
            X_blog = np.asarray(examples, dtype=float)
            frame = pd.DataFrame(X_blog, columns=list(ds.feature_names)).astype(int)
            frame["network output"] = class_probabilities(trainer, ds, X_blog)[:, 1]
            frame["label"] = trainer.predict_labels(X_blog)
            st.dataframe(frame, hide_index=True, width="stretch")


def batch_section(trainer, ds) -> None:
    st.header("Many inputs from a CSV file")
    st.caption(
        "One row per input, with a column for each feature: "
        + ", ".join(plain(n, 40) for n in ds.feature_names[:12])
        + (" …" if ds.n_features > 12 else "")
        + ". Other columns are kept in the result."
    )
    template = pd.DataFrame([default_inputs(ds)], columns=list(ds.feature_names))
    upload_col, template_col = st.columns([3, 1], vertical_alignment="bottom")
    file = upload_col.file_uploader(
        "CSV of inputs",
        type=["csv", "txt", "tsv"],
        key=widgets.W_PREDICT_UPLOAD,
        max_upload_size=UPLOAD_MB,
        help=f"Up to {UPLOAD_MB} MB. Column names must match the features exactly.",
    )
    template_col.download_button(
        "⬇️ Template CSV",
        table_csv(template),
        file_name="inputs_template.csv",
        mime="text/csv",
        on_click="ignore",
        help="A CSV with the right column names and one example row.",
        width="stretch",
    )
    if file is None:
        store.session().forget("prediction")
        return
    data = file.getvalue()

    def predict() -> BatchPrediction | str:  # a new file or a changed model: once, for reruns
        try:
            actions.check_memory(prediction_need(trainer, ds, data), "this prediction")
            return batch_prediction(trainer, ds, data)
        except PlaygroundError as exc:
            return f"Could not predict {file.name}: {exc}"

    result = store.session().keyed("prediction", prediction_key(trainer, ds, data), predict)
    if isinstance(result, str):
        st.error(plain(result, 400), icon="⚠️")
        return
    frame, total = result.frame, len(result.frame)
    if result.skipped:
        st.info(
            f"{result.skipped:,} of {total:,} rows {'has' if result.skipped == 1 else 'have'} a "
            "missing or non-numeric input and got no prediction.",
            icon="ℹ️",
        )
    preview = result.preview()
    st.dataframe(preview, hide_index=True, width="stretch")
    if len(preview) < total:
        st.caption(f"The first {len(preview):,} of {total:,} rows; the download has them all.")
    st.download_button(
        f"⬇️ Download {total:,} predictions (CSV)",
        lambda: table_csv(frame),  # made when clicked; reads no session state
        file_name="predictions.csv",
        mime="text/csv",
        on_click="ignore",
        type="primary",
        key=widgets.W_PREDICT_DOWNLOAD,
    )
    if result.check is not None:  # the file carries the target column: how good is it there
        quality.batch_section(result.check, ds)


nav.start_page(
    "🔮 Predict",
    "Ask the trained network about new inputs: type them in, or upload a CSV file of many "
    "and download the answers.",
)
ds = actions.get_dataset()
trainer = store.session().trainer
with st.expander("Use a saved model (JSON)", expanded=False):
    st.file_uploader(
        "Model file", type=["json"], key=widgets.W_MODEL_UPLOAD,
        on_change=widgets.on_value(widgets.W_MODEL_UPLOAD, on_model_file),
        max_upload_size=MODEL_MB,
        help="A model downloaded from the Share & export page: it restores the network exactly.",
    )
loaded, loaded_name = (store.session().loaded_model or (None, ""))
trained = trainer is not None and trainer.epoch > 0
if loaded is not None and trained:
    source = st.segmented_control("Predict with", SOURCES, default=SOURCES[1],
                                  key=widgets.W_PREDICT_SOURCE) or SOURCES[1]
    use_loaded = source == SOURCES[1]
else:
    use_loaded = loaded is not None
if use_loaded:
    st.caption(loaded_line(loaded, loaded_name))
    model_ds = model_dataset(loaded)
    single_prediction(loaded, model_ds)
    st.divider()
    batch_section(loaded, model_ds)
    st.stop()
if not trained:
    st.info(
        "No trained model yet. Train the network on the Train page, then come back (the "
        "trained network stays in your session), or load a saved model file above.",
        icon="🏋️",
    )
    st.page_link(nav.TRAIN, label="Go to Train", icon="🏋️")
    st.stop()

st.caption(f"{model_line(trainer)} · {TASK_LABELS[ds.task]} of {plain(ds.target_name, 40)}")
single_prediction(trainer, ds)
st.divider()
batch_section(trainer, ds)
