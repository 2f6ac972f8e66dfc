"""Inside the network: gradient flow, loss landscape, hidden space and the learning-rate finder.

The maths is in :mod:`nn_core.analysis`; here are the Plotly figures and the page's sections.
Each view shows the network on screen: the live one, or the epoch the Train page's scrubber
looks back to (:mod:`ui.views.scrubber`), which this page's own epoch slider also moves. The costly
views (landscape, hidden space) are kept per session for the epoch they were drawn for; the
rate finder runs on a button (both kept in the session object, ui/session/store.py). User text
reaches a figure only through :func:`ui.views.text.plotly_text`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from nn_core.analysis import gradients, hidden, landscape, lr_finder
from nn_core.analysis.rows import sample_rows
from nn_core.errors import PlaygroundError
from nn_core.limits import HIDDEN_ROWS, LANDSCAPE_GRID
from nn_core.settings import value_range
from nn_core.training.trainer import Trainer
from ui.live.surface import surface_axes
from ui.server import scheduler
from ui.session import actions, store, widgets
from ui.views.charts import TEST_COLOR, TRAIN_COLOR
from ui.views.text import plain, plotly_text

CONFIG = {"displaylogo": False}
LAYER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")
SATURATION_WORDS = ("slope f′(z) below 1% of its largest: sigmoid beyond |z| ≈ 6, tanh beyond "
                    "|z| ≈ 3, ReLU at z ≤ 0")
TITLES = {
    "flow": "Gradient flow",
    "landscape": "Loss landscape",
    "hidden": "Hidden space",
    "finder": "Learning-rate finder",
}


def _layout(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return fig


def layer_name(i: int, n_layers: int) -> str:
    return "output layer" if i == n_layers - 1 else f"hidden layer {i + 1}"


# ------------------------------------------------------------------------------ gradient flow
def flow_figure(epochs: np.ndarray, norms: np.ndarray, saturated: np.ndarray) -> go.Figure:
    """Per layer, the gradient's norm (log scale) and, per hidden layer, the saturated share."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Gradient norm per layer (log scale)",
                                        "Saturated units per hidden layer"))
    n_layers = norms.shape[1]
    mode = "lines" if len(epochs) > 1 else "markers"  # one epoch so far: a line needs two
    for i in range(n_layers):
        color = LAYER_COLORS[i % len(LAYER_COLORS)]
        name = layer_name(i, n_layers)
        # a gradient of exactly 0 has no place on a log scale: drawn at the smallest float
        y = np.maximum(norms[:, i], np.finfo(float).tiny)
        fig.add_trace(go.Scatter(x=epochs, y=y, mode=mode, name=name, legendgroup=name,
                                 line={"color": color},
                                 hovertemplate="epoch %{x}: %{y:.3g}<extra>" + name
                                 + "</extra>"), row=1, col=1)
        if i < n_layers - 1:
            fig.add_trace(go.Scatter(x=epochs, y=100 * saturated[:, i], mode=mode,
                                     name=name, legendgroup=name, showlegend=False,
                                     line={"color": color, "dash": "dot"},
                                     hovertemplate="epoch %{x}: %{y:.1f}% saturated<extra>"
                                     + name + "</extra>"), row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(range=[-3, 103], ticksuffix="%", row=2, col=1)
    fig.update_xaxes(title_text="epoch", row=2, col=1)
    if len(epochs) == 1:  # one epoch: its tick alone (no "epoch -0.5" beside it)
        fig.update_xaxes(tickvals=[int(epochs[0])], range=[epochs[0] - 0.5, epochs[0] + 0.5])
    return _layout(fig, 520)


def flow_verdict(norms: np.ndarray, saturated: np.ndarray, epoch: int) -> str:
    """One sentence on the newest measure, true for these numbers."""
    n_layers = len(norms)
    parts = []
    for i in range(n_layers - 1):
        g, s = norms[i], saturated[i]
        state_words = ("its gradient is about zero: it has almost stopped learning"
                       if g < 1e-6 else "its gradient is alive")
        parts.append(f"hidden layer {i + 1}: gradient {g:.2g}, {s:.0%} of its units saturated "
                     f"({state_words})")
    parts.append(f"output layer: gradient {norms[-1]:.2g}")
    return f"At epoch {epoch}: " + "; ".join(parts) + "."


def flow_section(trainer: Trainer, shown: Trainer) -> None:
    st.header(TITLES["flow"], anchor="gradient-flow")
    flow = trainer.flow
    st.caption(f"How strongly each layer is being pushed: the size of the loss's gradient for "
               f"its weights and biases, and the share of its units saturated ("
               f"{SATURATION_WORDS}), epoch by epoch, on {flow.n_rows} training rows. A layer "
               "whose gradient is near zero has stopped learning.")
    epochs, norms, saturated = flow.upto(shown.epoch)
    if len(epochs) == 0 or epochs[-1] != shown.epoch:  # the epoch shown is off the stride
        now_norms, now_saturated = gradients.measure(shown.network, flow.X, flow.Y)
        epochs = np.append(epochs, shown.epoch)
        norms = np.vstack([norms.reshape(-1, len(now_norms)), now_norms])
        saturated = np.vstack([saturated.reshape(-1, len(now_saturated)), now_saturated])
    st.plotly_chart(flow_figure(epochs, norms, saturated), key="inside_flow", width="stretch",
                    config=CONFIG)
    st.markdown(flow_verdict(norms[-1], saturated[-1], int(epochs[-1])))
    if flow.stride > 1:
        st.caption(f"One point every {flow.stride} epochs (at most {flow.cap} kept: thinned by "
                   "halves as the run grows).")


# ------------------------------------------------------------------------------ loss landscape
def landscape_figure(land: landscape.Landscape, epoch: int) -> go.Figure:
    """The slice as a contour of log10(objective), the projected path and the current point;
    hover gives the objective itself."""
    z = np.log10(np.maximum(land.loss, 1e-300))
    text = np.vectorize(lambda v: f"{v:.4g}")(land.loss)
    axis_words = (("principal axis 1", "principal axis 2") if land.kind == "pca"
                  else ("random direction 1", "random direction 2"))
    fig = go.Figure(go.Contour(
        x=land.alphas, y=land.betas, z=z, text=text, colorscale="Viridis", ncontours=24,
        colorbar={"title": {"text": "log₁₀ loss"}},
        hovertemplate="α %{x:.3g}, β %{y:.3g}<br>loss %{text}<extra></extra>"))
    if len(land.path):
        fig.add_trace(go.Scatter(
            x=land.path[:, 0], y=land.path[:, 1], mode="lines+markers", name="training path",
            line={"color": "white", "width": 2}, marker={"size": 5, "color": "white"},
            text=[f"epoch {e}" for e in land.path_epochs],
            hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name=f"epoch {epoch} (here)",
                             marker={"symbol": "star", "size": 16, "color": "#d62728",
                                     "line": {"color": "white", "width": 1}},
                             hovertemplate=f"epoch {epoch}: loss {land.centre:.4g}"
                             "<extra></extra>"))
    fig.update_xaxes(title_text=f"α: {axis_words[0]}")
    fig.update_yaxes(title_text=f"β: {axis_words[1]}")
    return _layout(fig, 480)


def _cached(key: tuple, make: Any) -> Any:
    """This session's view for ``key``, made once (one entry per view name)."""
    return store.session().keyed(f"inside:{key[0]}", key, make)


def path_of(trainer: Trainer, shown: Trainer) -> tuple[list[np.ndarray], list[int]]:
    """The kept weights of the run up to the shown epoch, oldest first, ending with the shown
    network's (the current epoch is not always a kept one)."""
    epochs = [e for e in trainer.snapshots.epochs() if e <= shown.epoch]
    params = [trainer.snapshots.get(e).params for e in epochs]
    if not epochs or epochs[-1] != shown.epoch:
        epochs.append(int(shown.epoch))
        params.append(shown.network.get_params())
    return params, epochs


def landscape_section(trainer: Trainer, shown: Trainer) -> None:
    st.header(TITLES["landscape"], anchor="loss-landscape")
    rows = sample_rows(len(shown.X_train), landscape.rows_for(shown.network.params.size,
                                                              len(shown.X_train)))
    s = shown.settings
    key = ("landscape", store.session().generation, shown.epoch, s.l1, s.l2,
           shown.network.params.sum())

    def make() -> landscape.Landscape:
        params, epochs = path_of(trainer, shown)
        return landscape.landscape(shown.network, shown.X_train[rows], shown.Y_train[rows],
                                   params, epochs, s.l1, s.l2, LANDSCAPE_GRID, s.seed)

    land = _cached(key, make)
    if land.kind == "pca":
        how = (f"the plane through these weights that holds the run's path best (the first two "
               f"principal axes of its {len(land.path)} kept snapshots, {land.explained:.1%} of "
               "the path's spread)")
    else:
        how = ("two random directions through these weights, each unit's part scaled to that "
               "unit's weights (filter-normalised, Li et al. 2018): train a few epochs to see "
               "the plane of the run's own path")
    st.caption(f"The loss (plus any L1/L2 penalty) around the current weights, on {how}; the "
               f"star is the network now, the white line its training path. "
               f"{LANDSCAPE_GRID}×{LANDSCAPE_GRID} points on {land.n_rows} training rows. "
               "Hover for the loss.")
    st.plotly_chart(landscape_figure(land, shown.epoch), key="inside_landscape",
                    width="stretch", config=CONFIG)


# ------------------------------------------------------------------------------ hidden space
def hidden_figure(space: hidden.HiddenSpace, colors: list[str], labels: list[str],
                  axis_titles: tuple[str, str], order: list[str]) -> go.Figure:
    """The rows (one trace per label, in ``order``) over the input grid's bent lines."""
    fig = go.Figure()
    for k, line in enumerate(space.lines):
        fig.add_trace(go.Scatter(x=line[:, 0], y=line[:, 1], mode="lines",
                                 line={"color": "rgba(90,98,112,0.35)", "width": 1},
                                 hoverinfo="skip", showlegend=k == 0, name="input grid",
                                 legendgroup="grid"))
    for label in [v for v in order if v in labels]:
        idx = [i for i, v in enumerate(labels) if v == label]
        fig.add_trace(go.Scatter(
            x=space.points[idx, 0], y=space.points[idx, 1], mode="markers", name=label,
            marker={"size": 6, "color": colors[idx[0]], "line": {"color": "white", "width": 0.5}},
            hovertemplate="(%{x:.3g}, %{y:.3g})<extra>" + label + "</extra>"))
    fig.update_xaxes(title_text=axis_titles[0])
    fig.update_yaxes(title_text=axis_titles[1])
    return _layout(fig, 480)


def hidden_section(shown: Trainer) -> None:
    st.header(TITLES["hidden"], anchor="hidden-space")
    net = shown.network
    n_hidden = net.n_layers - 1
    if n_hidden == 0:
        st.info("This network has no hidden layer: add one on the Train page to see where it "
                "puts the rows.")
        return
    layer = st.selectbox("Hidden layer", list(range(1, n_hidden + 1)), key=widgets.W_INSIDE_LAYER,
                         format_func=lambda i: f"{i} ({net.sizes[i]} units, "
                         f"{net.layer_activations[i - 1]})")
    layer = min(int(layer), n_hidden)
    ds = shown.dataset
    views = store.session().views
    ix, iy = surface_axes(ds.n_features, views.surface_x, views.surface_y)
    rows = sample_rows(len(shown.train_idx), HIDDEN_ROWS)
    X_raw = ds.X[shown.train_idx]
    key = ("hidden", store.session().generation, shown.epoch, layer, ix, iy, net.params.sum())

    def make() -> hidden.HiddenSpace:
        lines = hidden.grid_lines(X_raw.min(axis=0), X_raw.max(axis=0), ix, iy,
                                  X_raw.mean(axis=0))
        return hidden.hidden_space(net, shown.X_train[rows], layer,
                                   [shown._inputs(line) for line in lines])

    space = _cached(key, make)
    y = shown.y_train[rows]
    if ds.is_classification:
        labels = [plotly_text(ds.classes[int(c)], 40) for c in y]
        colors = [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in y]
        order = [plotly_text(c, 40) for c in ds.classes]
    else:
        median = float(np.median(y))
        labels = ["above the median" if v > median else "at or below the median" for v in y]
        colors = [TEST_COLOR if v > median else TRAIN_COLOR for v in y]
        order = ["at or below the median", "above the median"]
    if space.kind == "units":
        axes = ("unit 1", "unit 2")
        how = "its two units are the axes"
    elif space.kind == "one unit":
        axes = ("unit 1", "(nothing: the layer has one unit)")
        how = "its one unit is the horizontal axis"
    else:
        axes = ("principal axis 1", "principal axis 2")
        how = (f"it has {net.sizes[layer]} units, so the axes are its first two principal axes "
               f"({space.explained:.0%} of the points' spread)")
    names = (plain(ds.feature_names[ix], 40), plain(ds.feature_names[iy], 40))
    grid_words = (f"the straight grid lines of *{names[0]}* × *{names[1]}*"
                  if ix != iy else f"a straight line along *{names[0]}*")
    held = " (the other inputs at their mean)" if ds.n_features > 2 else ""
    st.caption(f"Where {len(rows)} training rows land in hidden layer {layer} at epoch "
               f"{shown.epoch}: {how}. The grey lines are {grid_words}{held}, bent by the layers "
               "below: a layer that separates the classes has warped the input grid until a "
               "straight line can split them.")
    st.plotly_chart(hidden_figure(space, colors, labels, axes, order), key="inside_hidden",
                    width="stretch", config=CONFIG)


# ------------------------------------------------------------------------------ rate finder
def finder_figure(found: lr_finder.RateSearch, current: float) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=found.rates, y=found.losses, mode="markers", name="measured",
                             marker={"size": 4, "color": "rgba(31,119,180,0.35)"},
                             hovertemplate="rate %{x:.3g}: loss %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=found.rates, y=found.smoothed, mode="lines", name="smoothed",
                             line={"color": TRAIN_COLOR, "width": 2},
                             hovertemplate="rate %{x:.3g}: smoothed %{y:.4g}<extra></extra>"))
    if found.suggested is not None:
        fig.add_vline(x=found.suggested, line={"color": "#d62728", "dash": "dash"},
                      annotation_text=f"suggested {found.suggested:.2g}",
                      annotation_position="top left")
    fig.add_vline(x=current, line={"color": "#5a6270", "dash": "dot"},
                  annotation_text=f"now {current:g}", annotation_position="bottom right")
    fig.update_xaxes(type="log", title_text="learning rate (log scale)", exponentformat="power")
    fig.update_yaxes(title_text="loss after the step (log scale)", type="log")  # an explosion
    # would flatten the rest on a linear scale
    return _layout(fig, 420)


def slider_rates() -> tuple[float, ...]:
    """The Train page's learning-rate steps within the setting's range."""
    from ui.views.train_controls import LEARNING_RATES  # the slider's own grid

    lo, hi = value_range("lr")
    return tuple(sorted({float(lo), float(hi), *(v for v in LEARNING_RATES if lo <= v <= hi)}))


def on_find(generation: int) -> None:
    trainer = store.session().trainer
    if trainer is None or store.session().generation != generation:
        return
    s = trainer.settings
    try:
        with scheduler.page_turn():  # bounded work, one session at a time in this process
            found = lr_finder.find_rate(trainer.network, trainer.optimizer, trainer.X_train,
                                        trainer.Y_train, s.batch_size, s.seed, s.update_rule,
                                        s.l1, s.l2)
    except PlaygroundError as exc:
        actions.set_error(str(exc))
        return
    store.session().keep("inside:finder", (generation, trainer.epoch), found)


def on_use(rate: float, suggested: float) -> None:
    if actions.try_update_settings(lr=rate):
        snapped = "" if rate == suggested else (
            f" (the finder suggested {suggested:.3g}; the slider's nearest step is {rate:g})")
        actions.push_notice(f"Learning rate set to {rate:g}{snapped}.")


def finder_section(trainer: Trainer) -> None:
    st.header(TITLES["finder"], anchor="learning-rate-finder")
    s = trainer.settings
    st.caption(f"From the network now (epoch {trainer.epoch}), a copy (and of its optimiser) "
               "trains up to 100 mini-batches while "
               "the rate grows from 0.00001 to 10, and the loss is measured after each step; "
               "the suggested rate is where the loss falls fastest, before its lowest point. "
               "Your network, its optimiser and its run are not touched.")
    st.button("Find a learning rate", key=widgets.W_INSIDE_FIND, on_click=on_find,
              args=(store.session().generation,), disabled=not actions.may_change("lr"),
              help="Up to 100 mini-batches of at most 256 rows on a copy: about a second on "
              "the largest network.")
    found = store.session().made_for("inside:finder", (store.session().generation, trainer.epoch))
    if found is None:
        return
    st.plotly_chart(finder_figure(found, s.lr), key="inside_finder", width="stretch",
                    config=CONFIG)
    batch = ("all the rows" if found.batch_rows >= len(trainer.X_train) else
             f"{found.batch_rows} row{'s' * (found.batch_rows != 1)}")
    st.caption(f"{len(found.rates)} mini-batches of {batch}; {found.stopped}; loss "
               f"measured on {found.measured_rows} training rows.")
    if found.suggested is None:
        st.info("No real fall before the lowest loss: no rate makes this network learn "
                "faster from here (saturated units, or already near a minimum). Reset the "
                "network, or fix what the gradient flow shows, and look again.")
        return
    rate = lr_finder.snap(found.suggested, slider_rates())
    st.button(f"Use this rate ({rate:g})", key=widgets.W_INSIDE_USE, on_click=on_use,
              args=(rate, found.suggested), disabled=not actions.may_change("lr"),
              help="Sets the Train page's learning-rate slider"
              + ("" if rate == found.suggested else
                 f" to its nearest step (the suggestion is {found.suggested:.3g})") + ".")


# ------------------------------------------------------------------------------ How it works
MATHS = [
    ("flow", [r"g_l = \left\lVert \tfrac{\partial L}{\partial W^{(l)}},"
              r"\tfrac{\partial L}{\partial b^{(l)}} \right\rVert_2,"
              r"\qquad s_l = \tfrac{1}{n\,m_l}\,\#\{(i,j) : |f'(z^{(l)}_{ij})| < 0.01 \max f'\}"],
     "Backpropagation multiplies each layer's delta by the slope $f'(z)$ of the layer above. "
     "Where a sigmoid's input is beyond about ±6 its slope is under 1% of its largest, "
     "0.0025, so almost nothing flows back and the layers below stop learning. The view "
     "records, at the trainer's recorded epochs and on a fixed sample of training rows, each "
     "layer's gradient norm $g_l$ and the share $s_l$ of its (row, unit) pairs that are "
     "saturated. On the blog's raw inputs (150–180) the hidden layer's $g$ falls to about "
     "$10^{-10}$ with every unit saturated; min–max scaling keeps it alive."),
    ("landscape", [r"\theta(\alpha,\beta) = \theta^* + \alpha\, d_1 + \beta\, d_2,\qquad"
                   r"(\alpha_k, \beta_k) = \big((\theta_k-\theta^*)\cdot d_1,\ "
                   r"(\theta_k-\theta^*)\cdot d_2\big)"],
     r"The objective over a plane through the current weights $\theta^*$. After a run, "
     r"$d_1, d_2$ are the first two right singular vectors of the matrix of the kept "
     r"snapshots' offsets $\theta_k - \theta^*$ (their principal axes), so the path's "
     r"projection $(\alpha_k, \beta_k)$ is as close to the path as any plane allows. Before "
     "a run they are random, each unit's incoming weights scaled to that unit's norm in "
     r"$\theta^*$ (filter normalisation, Li et al. 2018), so a step of 1 is as large as the "
     "weights in every layer. A large rate bounces across a valley of this surface."),
    ("hidden", [r"p_i = \left(a^{(l)}_i - \mu\right) [\,v_1\ v_2\,]"],
     r"Each row $x_i$ goes through the layers up to $l$; its outputs $a^{(l)}_i$ are drawn "
     r"directly when the layer has two units, else on its first two principal axes $v_1, "
     r"v_2$ (right singular vectors of the centred outputs, mean $\mu$). The straight lines "
     "of a grid over two inputs take the same way: the layers bend and stretch them until "
     "the classes lie on either side of a straight line, which is all the next layer can draw."),
    ("finder", [r"\eta_i = 10^{-5}\cdot\left(\tfrac{10}{10^{-5}}\right)^{i/(N-1)},\qquad"
                r"\bar L_i = \frac{\beta \bar m_{i-1} + (1-\beta) L_i}{1-\beta^{i+1}}"],
     r"A copy of the network trains $N \le 100$ mini-batches with a rate $\eta_i$ growing "
     r"geometrically; the loss $L_i$ after each step, on a fixed sample of rows, is smoothed "
     r"(an exponential average $\bar m$ with $\beta = 0.9$, bias-corrected). The search stops "
     "when the smoothed loss passes 4× its lowest. Too small a rate changes nothing, too "
     "large a rate explodes; the suggestion is where the loss falls fastest against "
     r"$\log \eta$, before its minimum (Smith 2017; fast.ai)."),
]


def sections(trainer: Trainer, shown: Trainer) -> None:
    """The page's four views of ``shown`` (the network now, or at the epoch looked back to)."""
    # the views' work (each bounded by nn_core/limits.py) one session at a time in this process
    with scheduler.page_turn():
        flow_section(trainer, shown)
        st.divider()
        landscape_section(trainer, shown)
        st.divider()
        hidden_section(shown)
        st.divider()
        finder_section(trainer)


def how_it_works_section(inside_page: str) -> None:
    """How it works' part 7: one paragraph of the maths per view, each linking to it."""
    st.subheader("7 · Inside the network", anchor="inside-the-network")
    st.caption("The maths of the four views on the Inside the network page "
               "(nn_core/analysis/), each computed from your own network.")
    for name, lines, text in MATHS:
        st.markdown(f"**{TITLES[name]}**")
        for line in lines:
            st.latex(line)
        st.markdown(text)
        st.page_link(inside_page, label=f"Open {TITLES[name]}", icon="🔬")
