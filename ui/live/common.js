// Shared by every chart of the live element (ui/live/panel.py joins the files: common.js,
// network.js, surface.js, loss.js, weights.js, slopes.js, live.js, in that order, into one
// module): the contract's constants, decoding, colour tables, number formats, the stats the
// tests and benchmarks read, and the helpers of the Plotly charts updated in place.

// The contract's constants: names, orders, fonts, colours, each split's line and marker
// (ui/live/protocol.py), read from the static message (`static.protocol`) before anything is
// drawn.
let CHARTS, PLOTS, FRAME_PART, LOSS_KEYS, FONT, SMALL, TITLE, INK, MUTED, MAX_QUEUE;
let SPLITS, LINE_KEY, POINT_KEY;
function useProtocol(p) {
  ({
    charts: CHARTS, plots: PLOTS, frame_part: FRAME_PART, loss_keys: LOSS_KEYS, font: FONT,
    small: SMALL, title: TITLE, ink: INK, muted: MUTED, max_queue: MAX_QUEUE, splits: SPLITS,
    line_key: LINE_KEY, point_key: POINT_KEY,
  } = p);
}

// ---------------------------------------------------------------------------- decoding
const DTYPES = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array,
  u2: Uint16Array, i4: Int32Array, u4: Uint32Array,
};

function decodeTyped(spec) {
  const bin = atob(spec.bdata);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const flat = new DTYPES[spec.dtype](bytes.buffer);
  if (!spec.shape) return flat;
  const dims = String(spec.shape).split(",").map(Number);
  if (dims.length !== 2) return flat;
  const rows = new Array(dims[0]);
  for (let r = 0; r < dims[0]; r++) rows[r] = flat.subarray(r * dims[1], (r + 1) * dims[1]);
  return rows;
}

// Deep copy of a JSON value with every typed-array spec decoded.
function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    if (typeof value.bdata === "string" && typeof value.dtype === "string") return decodeTyped(value);
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = decode(v);
    return out;
  }
  return value;
}

// ------------------------------------------------------------------------------ colours
const LUTS = new Map();

function lut(scale) {
  const key = JSON.stringify(scale);
  let table = LUTS.get(key);
  if (table) return table;
  const stops = scale.map(([t, c]) => [t, parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)]);
  const rgb = new Uint8Array(256 * 3);
  const css = new Array(256);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
    const [t0, r0, g0, b0] = stops[k];
    const [t1, r1, g1, b1] = stops[k + 1];
    const f = t1 > t0 ? Math.min(Math.max((t - t0) / (t1 - t0), 0), 1) : 1;
    rgb[3 * i] = Math.round(r0 + (r1 - r0) * f);
    rgb[3 * i + 1] = Math.round(g0 + (g1 - g0) * f);
    rgb[3 * i + 2] = Math.round(b0 + (b1 - b0) * f);
    css[i] = `rgb(${rgb[3 * i]},${rgb[3 * i + 1]},${rgb[3 * i + 2]})`;
  }
  table = { rgb, css };
  LUTS.set(key, table);
  return table;
}

function lutIndex(v, lo, hi) {
  if (!Number.isFinite(v)) return 127;
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return Math.min(255, Math.max(0, Math.round(t * 255)));
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return v.toFixed(digits);
}

// A canvas of width × height pixels (resized only when it differs) and a blank image of its size.
function blankImage(canvas, width, height) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext("2d");
  return { ctx, img: ctx.createImageData(width, height) };
}

// ---------------------------------------------------------------- Plotly charts (in place)
// The loss, the weight heatmaps and the unit slopes are Plotly figures that the server builds
// without their numbers (ui/live/loss.py, weights.py, slopes.py). Here each is drawn once per
// static key and width (Plotly.react) and then updated in place by the cheapest call that fits it (figures in
// bench/chart_choices.md), every frame:
// - loss: its lines' new arrays go through Plotly.animate without a redraw (Plotly moves the
//   lines only: no axes, legend or layout work). The axis ranges come with each frame and
//   move in steps; a new range, a new best epoch or the look-back marks rebuild it with
//   Plotly.react. A user's zoom holds its ranges until a double click gives them back;
// - weights: each layer's cells painted here into a canvas the size its axes take on screen,
//   all layers' images swapped by one Plotly.relayout (Plotly redraws the images only: the
//   heatmaps' own update of z costs 5-15 times more). The heatmaps stay under the images,
//   transparent, for the hover ("from → to: value"), the category axes and the colour bar;
//   their z is refreshed when paused and, while playing, only while the pointer is on the
//   chart (at most every HOVER_MS). The colour range moves in steps (niceUp), each step one
//   relayout of the colour axis;
// - slopes: the bars painted likewise into one image; transparent outlines under it give the
//   hover (their y refreshed like the heatmaps' z).
// While playing no call re-lays the charts out: axes and margins hold. `uirevision` keeps a
// user's zoom through every rebuild. Every user string arrives escaped
// from the server (the `*_text` fields: ui.views.text.plotly_text); templates hold no user text.
const ANIMATE = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate" };
const HOVER_MS = 250; // while playing, the hover's numbers are refreshed this often at most
const STEPS = [1, 1.5, 2, 3, 5, 7.5, 10];

// The least of 1, 1.5, 2, 3, 5, 7.5 times a power of ten that is at least v (1 for no v).
function niceUp(v) {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return p * STEPS.find((k) => k * p >= v * (1 - 1e-9));
}

// A canvas of the size an image spanning [a, b] of an axis takes on screen (device pixels,
// at most four times the axis's length: a deep zoom stretches it).
function span(ax, a, b) {
  const dpr = window.devicePixelRatio || 1;
  const px = Math.abs(ax.l2p(b) - ax.l2p(a));
  return Math.max(1, Math.round(Math.min(px, 4 * ax._length) * dpr));
}

// A chart's layout images scaled up without smoothing (cells stay cells; Plotly keeps the
// attribute through its redraws of an image, and its PNG export keeps it too).
function crisp(el) {
  for (const img of el.querySelectorAll(".imagelayer image")) {
    if (img.getAttribute("image-rendering") !== "pixelated") img.setAttribute("image-rendering", "pixelated");
  }
}

// The pointer on a chart: while playing, its hover's numbers are refreshed then only.
function watchPointer(el, c) {
  el.__nnlPointer = true;
  el.addEventListener("mouseenter", () => { c.pointer = true; });
  el.addEventListener("mouseleave", () => { c.pointer = false; });
}

const PLOTLY_CONFIG = {
  displaylogo: false,
  displayModeBar: "hover",
  responsive: true,
  scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
};

// One Plotly chart (loss, weights, slopes: their files hold the subclasses). `update(fr, epoch)`
// draws a frame's part: a Plotly.react when the view or the width changed (build), else the
// chart's cheapest call in place; `hoverData` refreshes what its hover reads. The element sets
// `st` and `staticKey` (the view) and `playing` before each update.
class PlotlyChart {
  constructor(el, titleEl) {
    this.el = el;
    this.titleEl = titleEl;
    this.st = null;
    this.staticKey = null;
    this.playing = false;
    this.key = null; // the view it was built for
    this.width = 0; // ... and the width
    this.epoch = null; // the epoch it shows
    this.pointer = false;
    this.hoverEpoch = null;
    this.hoverAt = 0;
    this.canvases = [];
  }

  view(st, staticKey, playing) {
    this.st = st;
    this.staticKey = staticKey;
    this.playing = playing;
  }

  // Whether this frame needs a new figure: a new view, no figure yet, or a new width.
  fresh() {
    this.widthNow = this.el.clientWidth || 700;
    return this.key !== this.staticKey || !this.el._fullLayout || Math.abs(this.widthNow - this.width) > 30;
  }

  build(fig) {
    fig.layout.uirevision = this.staticKey;
    this.el.style.height = `${fig.layout.height}px`;
    this.building = true;
    window.Plotly.react(this.el, fig.traces, fig.layout, PLOTLY_CONFIG);
    this.building = false;
    this.watch();
    this.key = this.staticKey;
    this.width = this.widthNow;
    this.titleEl.textContent = this.st.title;
  }

  watch() {
    if (!this.el.__nnlPointer) watchPointer(this.el, this);
  }

  hoverData(fr, epoch) {
    this.hoverEpoch = epoch;
    this.hoverAt = performance.now();
  }
}

// ------------------------------------------------------------------------------ stats
function stats() {
  if (!window.__nnLive) {
    window.__nnLive = {
      frames: 0, distinct: 0, lastEpoch: -1, messages: 0, mounts: 0, blank: 0, dropped: 0,
      drawMs: [], gen: null, staticKey: null, error: null, playing: false, surfaceRedraws: 0, charts: {},
    };
  }
  return window.__nnLive;
}
