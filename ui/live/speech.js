// The live charts in words, for screen readers: each chart's name and a short description
// (the cells' aria-describedby), and one line announced politely ("Epoch 240: train loss
// 0.21 falling, test accuracy 90%"). Computed here from the frame already drawn: the frames
// carry nothing more for it. While playing, at most every SPEAK_MS (a reader must finish a
// line before the next); when paused, at once.
//
// Reduced motion: with the system's "reduce motion" setting (prefers-reduced-motion), a
// playing element draws the newest frame at most once a CALM_MS and skips the rest (live.js
// loop), and live.css turns off its transitions.

const CHART_NAMES = {
  surface: "Decision surface",
  network: "Network diagram",
  loss: "Loss and accuracy over the epochs",
  weights: "Weight heatmaps, one per layer",
  slopes: "Unit slopes",
};
let SAID_IDS = 0;
const SPEAK_MS = 4000;
const CALM_MS = 1000;
const CALM = typeof window !== "undefined" && window.matchMedia
  ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

// A number as said: 3 significant digits, no trailing zeros.
function said(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "not known";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function lastOf(arr) {
  for (let i = arr ? arr.length - 1 : -1; i >= 0; i--) if (Number.isFinite(arr[i])) return arr[i];
  return NaN;
}

class Speech {
  constructor() {
    this.at = -Infinity; // when it last spoke while playing
    this.lastLoss = NaN; // the train loss then (for "falling" / "rising")
  }

  // {line, charts} for this frame, or null while playing within SPEAK_MS of the last line.
  say(frame, st, playing, now) {
    if (playing && now - this.at < SPEAK_MS) return null;
    const loss = frame.loss;
    const regression = st.surface.grid.task === "regression";
    const metric = regression ? "R²" : "accuracy";
    const train = lastOf(loss.train_loss);
    const test = lastOf(loss.test_loss);
    const testMetric = lastOf(loss.test_metric);
    const trainMetric = lastOf(loss.train_metric);
    let trend = "";
    if (Number.isFinite(this.lastLoss) && Number.isFinite(train) && this.lastEpoch !== frame.epoch) {
      const change = (train - this.lastLoss) / Math.max(Math.abs(this.lastLoss), 1e-12);
      trend = change < -0.01 ? " falling" : change > 0.01 ? " rising" : " flat";
    }
    const shown = (v) => (regression ? said(v) : `${Math.round(100 * v)}%`);
    const m = Number.isFinite(testMetric) ? `, test ${metric} ${shown(testMetric)}`
      : Number.isFinite(trainMetric) ? `, train ${metric} ${shown(trainMetric)}` : "";
    const lossText = Number.isFinite(train) ? `train loss ${said(train)}${trend}` : "not trained yet";
    const line = `Epoch ${frame.epoch}: ${lossText}${m}${playing ? "" : ". Paused"}.`;
    const charts = {
      loss: `${lossText}${Number.isFinite(test) ? `, test loss ${said(test)}` : ""}${m}, over ${loss.epoch.length} points.`,
      surface: this.surface(frame, st),
      network: this.network(frame, st),
      weights: this.weights(frame, st),
      slopes: frame.slopes.summary || "No hidden units.",
    };
    if (playing) this.at = now;
    this.lastLoss = train;
    this.lastEpoch = frame.epoch;
    return { line, charts };
  }

  // Classes: how much of the grid each class takes; regression: the output's range.
  surface(frame, st) {
    const g = st.surface.grid;
    const z = frame.surface.z;
    const axes = g.axes || [];
    const over = axes[1] ? ` over ${axes[0]} and ${axes[1]}` : axes[0] ? ` over ${axes[0]}` : "";
    let lo = Infinity;
    let hi = -Infinity;
    const counts = new Array((g.classes || []).length).fill(0);
    let total = 0;
    for (const row of z) {
      for (const v of row) {
        if (!Number.isFinite(v)) continue;
        total += 1;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (g.task === "regression") continue;
        const k = counts.length === 2 ? (v >= 0.5 ? 1 : 0) : Math.round(v);
        if (k >= 0 && k < counts.length) counts[k] += 1;
      }
    }
    if (!total) return `The network's output${over}: not drawn yet.`;
    if (g.task === "regression") return `The network's output${over}: from ${said(lo)} to ${said(hi)}.`;
    const parts = counts.map((c, k) => `${g.classes[k]} ${Math.round((100 * c) / total)}%`);
    return `The class the network predicts${over}, share of the grid: ${parts.join(", ")}.`;
  }

  network(frame, st) {
    const sizes = [];
    for (const n of st.network.nodes) if (n.kind !== "bias") sizes[n.layer] = (sizes[n.layer] || 0) + 1;
    const w = frame.network.w;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of w) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return `Layers ${sizes.join("-")}, ${w.length} weights${w.length ? ` from ${said(lo)} to ${said(hi)}` : ""}.`;
  }

  weights(frame, st) {
    const w = frame.network.w;
    const parts = st.weights.layers.map((layer, i) => {
      const n = layer.rows.length * layer.cols.length;
      let big = 0;
      for (let k = layer.offset; k < layer.offset + n; k++) big = Math.max(big, Math.abs(w[k]) || 0);
      return `layer ${i + 1} (${layer.rows.length} by ${layer.cols.length}): largest size ${said(big)}`;
    });
    return `${parts.join("; ")}. Red below zero, blue above.`;
  }
}
