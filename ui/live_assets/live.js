// The live training charts: one element that keeps five charts and updates them in place.
//
// Streamlit calls the default export with every new message (`data`): the static part of the
// view (names, geometry, colour scales; kept while `static.key` stays the same) and one or
// more frames (snapshots of the run). Frames are queued and painted one per animation frame at
// the pace the messages arrive.
//
// Drawing costs decide the design (bench/ui.py measures the page): a Plotly.react per chart per
// frame costs the browser many times a canvas redraw. Here the decision surface is a Plotly
// chart whose data points never change; the network's output under them is a layout image
// replaced with Plotly.relayout (zoom and hover stay Plotly's). The network, the weight
// heatmaps, the unit slopes and the loss curves are drawn on canvases with their own hover
// tooltips.
//
// Trusted code: every string comes from the server's chart builders; text reaches the page
// through canvas fillText, textContent, or Plotly (whose labels the server escaped).

const CHARTS = ["surface", "network", "loss", "weights", "slopes"];
const PLOTLY_CONFIG = {
  displaylogo: false,
  displayModeBar: "hover",
  responsive: true,
  scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
};
const MAX_QUEUE = 12;
const FONT = "12px 'Source Sans Pro', 'Source Sans 3', sans-serif";
const SMALL = "10px 'Source Sans Pro', 'Source Sans 3', sans-serif";
const TITLE = "600 13px 'Source Sans Pro', 'Source Sans 3', sans-serif";
const INK = "#1f2430";
const MUTED = "#5a6270";
const GRID = "#e6e9ef";

// ------------------------------------------------------------------------------ loading
let plotlyPromise = null;

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyPromise) {
    plotlyPromise = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")));
      s.onerror = () => {
        plotlyPromise = null;
        reject(new Error("could not load " + url));
      };
      document.head.appendChild(s);
    });
  }
  return plotlyPromise;
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

// ----------------------------------------------------------------------------- canvases
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

function title(ctx, text) {
  ctx.font = TITLE;
  ctx.fillStyle = INK;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText(text, 6, 4);
}

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

function ticks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function tickLabel(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(+v.toPrecision(6));
}

// ------------------------------------------------------------------------- unit maps
// Each hidden unit's output over the surface's two inputs (ui/live_frames.unit_maps): per unit
// m × m bytes over its own [lo, hi], row r at map y[r]. Coloured on the weights' scale over
// [-b, b] per layer: white = 0, blue = +b, red = -b, where b = 1 for tanh and sigmoid (so a
// sigmoid runs white = off to blue = fully on) and, for relu and linear, the layer's largest
// |output| on the grid (relu: white = off, no gradient through it).
const ATLAS = document.createElement("canvas");

function unitLayer(sm, fm, layer) {
  for (let i = 0; i < sm.layers.length; i++) {
    const L = sm.layers[i];
    if (L.layer === layer) return { ...L, bound: fm.scale[i] || 1 };
  }
  return null;
}

// One unit's values as rows (like the surface's z): rows[r][c] at (x[c], y[r]).
function unitValues(sm, fm, layer, index) {
  const L = unitLayer(sm, fm, layer);
  if (!L || index < 0 || index >= L.units) return null;
  const k = L.offset + index;
  const m = sm.m;
  const lo = fm.lo[k];
  const step = (fm.hi[k] - lo) / 255;
  const rows = new Array(m);
  for (let r = 0; r < m; r++) {
    const row = new Float32Array(m);
    for (let c = 0; c < m; c++) row[c] = lo + fm.q[k * m * m + r * m + c] * step;
    rows[r] = row;
  }
  return { rows, layer: L, label: L.names[index] };
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

// Every unit's map side by side in ATLAS (one pixel a point, one blank column between maps).
function paintAtlas(sm, fm) {
  const m = sm.m;
  const stride = m + 1;
  const count = fm.lo.length;
  const w = Math.max(1, count * stride);
  const { ctx, img } = blankImage(ATLAS, w, m);
  const { rgb } = lut(sm.colorscale);
  sm.layers.forEach((L, li) => {
    const b = fm.scale[li] || 1;
    for (let u = 0; u < L.units; u++) {
      const k = L.offset + u;
      const lo = fm.lo[k];
      const step = (fm.hi[k] - lo) / 255;
      for (let r = 0; r < m; r++) {
        const base = k * m * m + (m - 1 - r) * m; // image rows run top-down, y up
        for (let c = 0; c < m; c++) {
          const j = lutIndex(lo + fm.q[base + c] * step, -b, b);
          const i = 4 * (r * w + k * stride + c);
          img.data[i] = rgb[3 * j];
          img.data[i + 1] = rgb[3 * j + 1];
          img.data[i + 2] = rgb[3 * j + 2];
          img.data[i + 3] = 255;
        }
      }
    }
  });
  ctx.putImageData(img, 0, 0);
  return stride;
}

// What 0 and the ends of a unit map's colours mean, per activation.
function mapMeaning(activation, bound) {
  if (activation === "sigmoid") return "white 0 (off) → blue 1 (fully on)";
  if (activation === "tanh") return "red −1 · white 0 · blue +1";
  if (activation === "relu") return `white 0 (off: no gradient) → blue ${fmt(bound, 3)} (layer's largest)`;
  return `red −${fmt(bound, 3)} · white 0 · blue +${fmt(bound, 3)} (layer's largest |output|)`;
}

// The maps' colours per layer, consecutive layers of one bounded activation said once.
function mapLegend(layers, scale) {
  const parts = [];
  let i = 0;
  while (i < layers.length) {
    const act = layers[i].activation;
    let j = i;
    while (j + 1 < layers.length && layers[j + 1].activation === act) j++;
    const which = j > i ? `Hidden ${layers[i].layer}–${layers[j].layer}` : `Hidden ${layers[i].layer}`;
    if (act === "tanh" || act === "sigmoid" || j === i) {
      parts.push(`${which} (${act}): ${mapMeaning(act, scale[i])}.`);
    } else {
      const bounds = scale.slice(i, j + 1).map((b) => fmt(b, 3)).join(", ");
      parts.push(`${which} (${act}): ${act === "relu" ? "white 0 (off: no gradient) → blue" : "red −b · white 0 · blue +b"}, b = each layer's largest |output|: ${bounds}.`);
    }
    i = j + 1;
  }
  return parts.join(" ");
}

// Network diagram: edges coloured and sized by weight, units, +1 bias nodes; each hidden
// unit drawn as its own map (st.maps, fr.maps) when the frame has them. st.shown (set by the
// element) is the unit the surface shows: outlined.
function drawNetwork(canvas, st, fr, hits) {
  const started = performance.now();
  const { ctx, w, h } = prepare(canvas);
  title(ctx, st.title);
  ctx.font = FONT;
  let inW = 0;
  let outW = 0;
  for (const n of st.nodes) {
    if (n.kind === "input") inW = Math.max(inW, ctx.measureText(n.label).width);
    if (n.kind === "output") outW = Math.max(outW, ctx.measureText(n.label).width);
  }
  const padL = Math.min(inW, 140) + 22;
  const padR = Math.min(outW, 140) + 22;
  const padT = 30;
  const padB = 10;
  const [xa, xb] = st.x_range;
  const [ya, yb] = st.y_range;
  const sx = (x) => padL + ((x - xa) / (xb - xa)) * (w - padL - padR);
  const sy = (y) => h - padB - ((y - ya) / (yb - ya)) * (h - padT - padB);
  const e = st.edges;
  const vals = fr.w;
  const m = fr.wmax || 1;
  const { css } = lut(st.colorscale);
  const BINS = 21;
  const groups = Array.from({ length: BINS }, () => []);
  for (let k = 0; k < vals.length; k++) {
    const t = Math.max(-1, Math.min(1, (vals[k] || 0) / m));
    groups[Math.round(((t + 1) / 2) * (BINS - 1))].push(k);
  }
  const order = [...Array(BINS).keys()].sort((a, b) => Math.abs(a - (BINS - 1) / 2) - Math.abs(b - (BINS - 1) / 2));
  ctx.lineCap = "round";
  for (const b of order) {
    const ks = groups[b];
    if (!ks.length) continue;
    const t = (2 * b) / (BINS - 1) - 1;
    ctx.strokeStyle = css[Math.round(((t + 1) / 2) * 255)];
    ctx.lineWidth = 0.4 + 5.6 * Math.abs(t);
    ctx.globalAlpha = 0.35 + 0.65 * Math.abs(t);
    ctx.beginPath();
    for (const k of ks) {
      ctx.moveTo(sx(e.x0[k]), sy(e.y0[k]));
      ctx.lineTo(sx(e.x1[k]), sy(e.y1[k]));
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  const spacingPx = Math.abs(sy(0) - sy(1)) * (st.nodes.length > 1 ? 1 : 1);
  const units = st.nodes.filter((n) => n.kind !== "bias");
  let minGap = Infinity;
  for (let i = 1; i < units.length; i++) {
    if (units[i].x === units[i - 1].x) minGap = Math.min(minGap, Math.abs(sy(units[i].y) - sy(units[i - 1].y)));
  }
  if (!Number.isFinite(minGap)) minGap = spacingPx;
  const r = Math.max(3, Math.min(13, minGap * 0.4));
  // unit maps: squares as large as the spacing allows, never overlapping (a 6×64 network in
  // the usual 400 px: ~4 px chips of the unit's colours; pointing at one shows it on the
  // surface at full size)
  const t0 = performance.now();
  const maps = st.maps && fr.maps && fr.maps.lo && fr.maps.lo.length ? st.maps : null;
  const stride = maps ? paintAtlas(maps, fr.maps) : 0;
  const half = maps ? Math.max(1.5, Math.min(22, minGap * 0.43, Math.abs(sx(1) - sx(0)) * 0.18)) : r;
  const offsets = {};
  if (maps) for (const L of maps.layers) offsets[L.layer] = L.offset;
  const shown = st.shown;
  const positions = [];
  hits.length = 0;
  ctx.textBaseline = "middle";
  for (const n of st.nodes) {
    const x = sx(n.x);
    const y = sy(n.y);
    if (maps && n.kind === "unit" && n.layer in offsets) {
      const k = offsets[n.layer] + n.index;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(ATLAS, k * stride, 0, maps.m, maps.m, x - half, y - half, 2 * half, 2 * half);
      const on = shown && shown.layer === n.layer && shown.index === n.index;
      if (on || half >= 5) { // tiny squares go without a frame: it would hide the map
        ctx.lineWidth = on ? (half >= 5 ? 3 : 2) : 1;
        ctx.strokeStyle = on ? "#000000" : INK;
        ctx.strokeRect(x - half, y - half, 2 * half, 2 * half);
      }
      positions.push({ layer: n.layer, index: n.index, label: n.label, x, y, half });
      hits.push({ kind: "node", x, y, r: half + 3, node: n });
      continue;
    }
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = n.kind === "bias" ? MUTED : INK;
    ctx.fillStyle = n.kind === "bias" ? "#eef0f4" : "#ffffff";
    ctx.beginPath();
    if (n.kind === "bias") ctx.rect(x - r, y - r * 0.8, 2 * r, 1.6 * r);
    else ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = INK;
    if (n.kind === "input") {
      ctx.font = FONT;
      ctx.textAlign = "right";
      ctx.fillText(n.label, x - r - 4, y);
    } else if (n.kind === "output") {
      ctx.font = FONT;
      ctx.textAlign = "left";
      ctx.fillText(n.label, x + r + 4, y);
    } else if (r >= 9) {
      ctx.font = n.kind === "bias" ? SMALL : "9px sans-serif";
      ctx.textAlign = "center";
      ctx.fillText(n.kind === "bias" ? "+1" : n.label.replace(/^h/, ""), x, y);
    }
    hits.push({ kind: "node", x, y, r: r + 3, node: n });
  }
  if (maps) {
    const s = stats();
    s.mapsDrawn = (s.mapsDrawn || 0) + 1;
    s.mapUnits = positions.length;
    s.mapMs = (s.mapMs || 0) + (performance.now() - t0);
    // hidden units' centres and half sides in the canvas's CSS pixels (for tests)
    Object.defineProperty(s, "units", { value: positions, writable: true, configurable: true, enumerable: false });
  }
  // edge midpoints for hover (at most a few thousand)
  for (let k = 0; k < vals.length; k++) {
    hits.push({ kind: "edge", x: sx(0.55 * e.x0[k] + 0.45 * e.x1[k]), y: sy(0.55 * e.y0[k] + 0.45 * e.y1[k]), r: 6, k });
  }
  const s = stats();
  s.networkDraws = (s.networkDraws || 0) + 1;
  s.networkMs = (s.networkMs || 0) + (performance.now() - started);
}

function networkTip(hit, st, fr) {
  if (hit.kind === "edge") return `${st.edges.label[hit.k]}\nweight ${fmt(fr.w[hit.k])}`;
  const n = hit.node;
  if (n.kind === "bias") return "bias node (constant 1)\nits edges are the biases of the next layer";
  const pin = n.kind === "unit" && st.maps ? "\nits map is on the surface; click to pin it" : "";
  if (n.kind === "input" || !st.bias) return n.label + pin;
  // the bias of unit (layer, index): the last row of weight layer (layer - 1)
  const sizes = [];
  for (const node of st.nodes) if (node.kind !== "bias") sizes[node.layer] = (sizes[node.layer] || 0) + 1;
  let offset = 0;
  for (let l = 0; l < n.layer - 1; l++) offset += (sizes[l] + 1) * sizes[l + 1];
  const k = offset + sizes[n.layer - 1] * sizes[n.layer] + n.index;
  return `${n.label}\nbias ${fmt(fr.w[k])}${pin}`;
}

// Weight heatmaps, one per layer, last row the biases, one shared scale [-m, m].
function drawWeights(canvas, st, fr, hits) {
  const { ctx, w, h } = prepare(canvas);
  title(ctx, st.title);
  const { css } = lut(st.colorscale);
  const layers = st.layers;
  ctx.font = SMALL;
  let labelW = 0;
  for (const r of layers[0].rows) labelW = Math.max(labelW, ctx.measureText(r).width);
  labelW = Math.min(labelW, 110) + 8;
  const barW = 54;
  const gap = 26;
  const top = 58;
  const bottom = 26;
  const totalCols = layers.reduce((s, l) => s + l.cols.length, 0);
  const maxRows = Math.max(...layers.map((l) => l.rows.length));
  const cellW = Math.max(2, Math.min(40, (w - labelW - barW - gap * (layers.length - 1) - 10) / totalCols));
  const cellH = Math.max(2, Math.min(28, (h - top - bottom) / maxRows));
  hits.length = 0;
  let x = labelW;
  const lo = fr.wmin;
  const hi = fr.wmax;
  layers.forEach((layer, li) => {
    const rows = layer.rows.length;
    const cols = layer.cols.length;
    for (let r = 0; r < rows; r++) {
      const base = layer.offset + r * cols;
      for (let c = 0; c < cols; c++) {
        ctx.fillStyle = css[lutIndex(fr.w[base + c], lo, hi)];
        ctx.fillRect(x + c * cellW, top + r * cellH, cellW - (cellW > 4 ? 1 : 0), cellH - (cellH > 4 ? 1 : 0));
      }
    }
    hits.push({ kind: "grid", x0: x, y0: top, cw: cellW, ch: cellH, rows, cols, li });
    ctx.fillStyle = INK;
    ctx.font = SMALL;
    if (cellH >= 8) {
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (let r = 0; r < rows; r++) {
        const label = li === 0 || r === rows - 1 ? layer.rows[r] : "";
        if (label && (li === 0 || label === "bias")) ctx.fillText(label, x - 3, top + (r + 0.5) * cellH);
      }
    }
    if (cellW >= 9) {
      ctx.save();
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      for (let c = 0; c < cols; c++) {
        ctx.save();
        ctx.translate(x + (c + 0.5) * cellW, top - 4);
        ctx.rotate(-Math.PI / 3);
        ctx.fillText(layer.cols[c], 0, 0);
        ctx.restore();
      }
      ctx.restore();
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillStyle = MUTED;
    ctx.fillText(layer.caption, x + (cols * cellW) / 2, top + rows * cellH + 4);
    x += cols * cellW + gap;
  });
  // colour bar
  const bx = w - barW + 8;
  const bh = Math.min(h - top - bottom, 180);
  for (let i = 0; i < bh; i++) {
    ctx.fillStyle = css[Math.round((1 - i / (bh - 1)) * 255)];
    ctx.fillRect(bx, top + i, 10, 1);
  }
  ctx.fillStyle = INK;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(fmt(hi, 2), bx + 13, top + 2);
  ctx.fillText("0", bx + 13, top + bh / 2);
  ctx.fillText(fmt(lo, 2), bx + 13, top + bh - 2);
}

function weightsTip(hit, st, fr, mx, my) {
  const c = Math.floor((mx - hit.x0) / hit.cw);
  const r = Math.floor((my - hit.y0) / hit.ch);
  if (c < 0 || r < 0 || c >= hit.cols || r >= hit.rows) return null;
  const layer = st.layers[hit.li];
  const what = layer.rows[r] === "bias" ? "bias" : "weight";
  return `${layer.rows[r]} → ${layer.cols[c]}\n${what} ${fmt(fr.w[layer.offset + r * hit.cols + c])}`;
}

// Unit slopes: mean f'(z) / max f' per hidden and output unit.
function drawSlopes(canvas, st, fr, hits) {
  const { ctx, w, h } = prepare(canvas);
  title(ctx, st.title);
  const n = st.labels.length;
  const left = 40;
  const right = 10;
  const top = 28;
  const bottom = 34;
  const ph = h - top - bottom;
  const sy = (v) => top + ph * (1 - Math.max(0, Math.min(1.05, v)) / 1.05);
  ctx.font = SMALL;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of [0, 0.5, 1]) {
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(left, sy(v));
    ctx.lineTo(w - right, sy(v));
    ctx.stroke();
    ctx.fillStyle = MUTED;
    ctx.fillText(String(v), left - 4, sy(v));
  }
  hits.length = 0;
  if (!n) return;
  let groupsCount = 0;
  for (let i = 0; i < n; i++) if (i === 0 || st.groups[i] !== st.groups[i - 1]) groupsCount++;
  const slot = (w - left - right) / (n + (groupsCount - 1) * 0.8);
  const bw = Math.max(1, slot * 0.75);
  const { css } = lut(st.colorscale);
  let x = left;
  for (let i = 0; i < n; i++) {
    if (i > 0 && st.groups[i] !== st.groups[i - 1]) x += slot * 0.8;
    const v = fr.slope[i];
    ctx.fillStyle = css[lutIndex(v, 0, 1)];
    const y = sy(v);
    ctx.fillRect(x, y, bw, Math.max(sy(0) - y, 1));
    hits.push({ kind: "bar", x0: x, x1: x + bw, i });
    if (slot >= 11) {
      ctx.save();
      ctx.fillStyle = INK;
      ctx.translate(x + bw / 2, sy(0) + 4);
      ctx.rotate(-Math.PI / 4);
      ctx.textAlign = "right";
      ctx.fillText(st.labels[i], 0, 0);
      ctx.restore();
    }
    x += slot;
  }
}

function slopesTip(hit, st, fr) {
  const i = hit.i;
  return `${st.labels[i]} (${st.activations[i]})\nslope ${fmt(fr.slope[i])} of its largest\nmean |z| ${fmt(fr.mean_abs_z[i], 3)}`;
}

// The history up to a frame's epoch, ending at the frame's own newest point.
const LOSS_KEYS = ["train_loss", "test_loss", "train_metric", "test_metric", "val_loss"];

function lossSeries(history, last) {
  const ep = history ? history.epoch : new Float32Array(0);
  const epoch = last && last[0] !== null ? last[0] : Infinity;
  let n = 0;
  let hi = ep.length;
  while (n < hi) {
    const mid = (n + hi) >> 1;
    if (ep[mid] < epoch) n = mid + 1;
    else hi = mid;
  }
  const extra = last && last[0] !== null ? 1 : 0;
  const out = { epoch: new Float64Array(n + extra) };
  out.epoch.set(ep.subarray(0, n));
  if (extra) out.epoch[n] = last[0];
  LOSS_KEYS.forEach((key, i) => {
    const arr = new Float64Array(n + extra);
    if (history && history[key]) arr.set(history[key].subarray(0, n));
    else if (n) arr.fill(NaN, 0, n);
    if (extra) arr[n] = last[i + 1] === null || last[i + 1] === undefined ? NaN : last[i + 1];
    out[key] = arr;
  });
  return out;
}

// Loss (top panel) and accuracy or R² (bottom panel) over the epochs.
function drawLoss(canvas, st, fr, hits) {
  const { ctx, w, h } = prepare(canvas);
  title(ctx, st.title);
  const ep = fr.epoch;
  const n = ep.length;
  const left = 52;
  const right = 12;
  const top = 44;
  const bottom = 30;
  const gap = 22;
  const ph = h - top - bottom - gap;
  const p0 = { y0: top, h: ph * 0.62 };
  const p1 = { y0: top + ph * 0.62 + gap, h: ph * 0.38 };
  const later = fr.after && fr.after.epoch.length ? fr.after : null;
  const xmax = Math.max(n ? ep[n - 1] : 0, later ? later.epoch[later.epoch.length - 1] : 0, 1);
  const xmin = n ? ep[0] : 0;
  const sx = (v) => left + ((v - xmin) / Math.max(xmax - xmin, 1e-9)) * (w - left - right);
  // legend
  ctx.font = SMALL;
  ctx.textBaseline = "middle";
  let lx = w - right;
  for (let i = st.series.length - 1; i >= 0; i--) {
    const s = st.series[i];
    const tw = ctx.measureText(s.name).width;
    lx -= tw + 30;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ? [3, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, 30);
    ctx.lineTo(lx + 18, 30);
    ctx.stroke();
    ctx.fillStyle = INK;
    ctx.textAlign = "left";
    ctx.fillText(s.name, lx + 22, 30);
  }
  ctx.setLineDash([]);
  const panels = [p0, p1];
  for (let p = 0; p < 2; p++) {
    const series = st.series.filter((s) => s.panel === p);
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series) {
      for (const v of fr[s.key]) {
        if (Number.isFinite(v) && (p === 1 || !st.log || v > 0)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    let ty;
    let tickVals;
    if (p === 0 && st.log) {
      if (!(hi > 0)) { lo = 0.01; hi = 1; }
      const a = Math.floor(Math.log10(lo));
      const b = Math.max(Math.ceil(Math.log10(hi)), a + 1);
      ty = (v) => panels[p].y0 + panels[p].h * (1 - (Math.log10(v) - a) / (b - a));
      tickVals = [];
      const step = Math.max(1, Math.ceil((b - a) / 5));
      for (let e = a; e <= b; e += step) tickVals.push(Math.pow(10, e));
    } else {
      if (p === 1 && st.metric_range) {
        lo = st.metric_range[0];
        hi = st.metric_range[1];
      } else if (p === 1) {
        lo = Math.max(Math.min(lo, 0), -1);
        hi = 1;
      } else {
        if (!Number.isFinite(hi)) hi = 1;
        lo = 0;
        if (!(hi > lo)) hi = lo + 1;
        hi = hi * 1.05;
      }
      ty = (v) => panels[p].y0 + panels[p].h * (1 - (Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo));
      tickVals = p === 1 && st.metric_range ? [0, 0.5, 1] : ticks(lo, hi, p === 0 ? 4 : 2);
    }
    panels[p].ty = ty;
    ctx.font = SMALL;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of tickVals) {
      const y = ty(v);
      ctx.strokeStyle = GRID;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(w - right, y);
      ctx.stroke();
      ctx.fillStyle = MUTED;
      ctx.fillText(tickLabel(v), left - 4, y);
    }
    ctx.save();
    ctx.translate(12, panels[p].y0 + panels[p].h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillStyle = INK;
    ctx.fillText(p === 0 ? (st.log ? "loss (log)" : "loss") : st.metric, 0, 0);
    ctx.restore();
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, panels[p].y0 - 2, w - left - right, panels[p].h + 4);
    ctx.clip();
    for (const s of later ? series : []) {
      // the run after the epoch looked back to, faint
      const ys = later[s.key];
      ctx.globalAlpha = 0.22;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dash ? [4, 3] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < ys.length; i++) {
        const v = ys[i];
        if (!Number.isFinite(v) || (p === 0 && st.log && v <= 0)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(sx(later.epoch[i]), ty(v));
        else ctx.moveTo(sx(later.epoch[i]), ty(v));
        pen = true;
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    for (const s of series) {
      const ys = fr[s.key];
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dash ? [4, 3] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = ys[i];
        if (!Number.isFinite(v) || (p === 0 && st.log && v <= 0)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(sx(ep[i]), ty(v));
        else ctx.moveTo(sx(ep[i]), ty(v));
        pen = true;
      }
      if (n === 1 && Number.isFinite(ys[0])) ctx.arc(sx(ep[0]), ty(ys[0]), 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);
  }
  // early stopping's best epoch: a dotted vertical line over both panels
  if (Number.isFinite(fr.best) && fr.best >= xmin && fr.best <= xmax) {
    const x = sx(fr.best);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, h - bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = SMALL;
    ctx.fillStyle = INK;
    ctx.textAlign = x > w / 2 ? "right" : "left";
    ctx.textBaseline = "top";
    ctx.fillText(`best epoch ${fr.best}`, x + (x > w / 2 ? -4 : 4), top + 2);
  }
  if (later && n) {
    // the epoch looked back to: a solid vertical line, labelled at the bottom panel's top
    const x = sx(ep[n - 1]);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, h - bottom);
    ctx.stroke();
    ctx.font = SMALL;
    ctx.fillStyle = INK;
    ctx.textAlign = x > w / 2 ? "right" : "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(`epoch ${ep[n - 1]}`, x + (x > w / 2 ? -4 : 4), p1.y0 - 4);
  }
  ctx.font = SMALL;
  ctx.fillStyle = MUTED;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of ticks(xmin, xmax, 5)) ctx.fillText(tickLabel(v), sx(v), h - bottom + 4);
  ctx.fillText("epoch", (left + w - right) / 2, h - 13);
  hits.length = 0;
  hits.push({ kind: "x", left, right: w - right, sx, n });
}

function lossTip(hit, st, fr, mx) {
  const n = fr.epoch.length;
  if (!n || mx < hit.left || mx > hit.right) return null;
  let best = 0;
  for (let i = 1; i < n; i++) if (Math.abs(hit.sx(fr.epoch[i]) - mx) < Math.abs(hit.sx(fr.epoch[best]) - mx)) best = i;
  const lines = [`epoch ${fr.epoch[best]}`];
  for (const s of st.series) lines.push(`${s.name} ${fmt(fr[s.key][best])}`);
  if (Number.isFinite(fr.best)) lines.push(`best epoch (early stopping) ${fr.best}`);
  return lines.join("\n");
}

// ------------------------------------------------------------------------------ stats
function stats() {
  if (!window.__nnLive) {
    window.__nnLive = {
      frames: 0, distinct: 0, lastEpoch: -1, messages: 0, mounts: 0, blank: 0, dropped: 0,
      drawMs: [], gen: null, staticKey: null, error: null, playing: false, surfaceRedraws: 0,
    };
  }
  return window.__nnLive;
}

// ------------------------------------------------------------------------------ element
const CANVAS_DRAW = { network: drawNetwork, weights: drawWeights, slopes: drawSlopes, loss: drawLoss };
const CANVAS_TIP = { network: networkTip, weights: weightsTip, slopes: slopesTip, loss: lossTip };
const FRAME_PART = { network: "network", weights: "network", slopes: "slopes", loss: "loss" };

class LiveCharts {
  constructor(parent) {
    this.parent = parent;
    this.seq = -1;
    this.gen = null;
    this.staticKey = null;
    this.static = null;
    this.queue = [];
    this.nextDue = 0;
    this.spacing = 80;
    this.lastArrival = 0;
    this.arrivalMs = 300;
    this.playing = false;
    this.current = null;
    this.surfaceKey = null;
    this.surfaceNote = "";
    this.surfaceHover = false;
    this.hits = {};
    this.stopped = false;
    this.surfaceCanvas = document.createElement("canvas");
    this.build();
    stats().mounts += 1;
    this.loop = this.loop.bind(this);
    requestAnimationFrame(this.loop);
  }

  build() {
    const root = document.createElement("div");
    root.className = "nnl-root";
    const head = document.createElement("div");
    head.className = "nnl-head";
    this.status = document.createElement("span");
    this.status.className = "nnl-status";
    this.status.textContent = "Loading charts…";
    head.appendChild(this.status);
    root.appendChild(head);
    const grid = document.createElement("div");
    grid.className = "nnl-grid";
    this.els = {};
    this.notes = {};
    for (const name of CHARTS) {
      const cell = document.createElement("div");
      cell.className = "nnl-cell nnl-" + name;
      const el = document.createElement(name === "surface" ? "div" : "canvas");
      el.className = "nnl-plot";
      el.dataset.chart = name;
      cell.appendChild(el);
      const note = document.createElement("div");
      note.className = "nnl-note";
      cell.appendChild(note);
      grid.appendChild(cell);
      this.els[name] = el;
      this.notes[name] = note;
      this.hits[name] = [];
      if (name !== "surface") this.hover(name, el);
    }
    this.tip = document.createElement("div");
    this.tip.className = "nnl-tip";
    root.appendChild(grid);
    root.appendChild(this.tip);
    this.parent.appendChild(root);
    this.root = root;
    this.unitEvents();
    this.els.surface.addEventListener("mousemove", (ev) => this.hoverSurface(ev));
    this.els.surface.addEventListener("mouseleave", () => {
      this.surfaceHover = false;
      this.notes.surface.textContent = this.surfaceNote || "";
    });
  }

  // Hovering a hidden unit in the network shows its map on the surface; a click pins it
  // (a click on it again, or the button under the surface, shows the network's output again).
  unitEvents() {
    const el = this.els.network;
    this.unitHover = null;
    this.unitPin = null;
    const at = (ev) => {
      const rect = el.getBoundingClientRect();
      const mx = ev.clientX - rect.left;
      const my = ev.clientY - rect.top;
      let best = null;
      let bestD = Infinity;
      for (const hit of this.hits.network) {
        if (hit.kind !== "node" || hit.node.kind !== "unit") continue;
        const d = Math.max(Math.abs(hit.x - mx), Math.abs(hit.y - my));
        if (d <= hit.r && d < bestD) {
          best = { layer: hit.node.layer, index: hit.node.index };
          bestD = d;
        }
      }
      return best; // the nearest unit (a 6×64 network's squares are ~6 px apart)
    };
    const same = (a, b) => (!a && !b) || (a && b && a.layer === b.layer && a.index === b.index);
    el.addEventListener("mousemove", (ev) => {
      if (!this.static || !this.static.network.maps) return;
      const unit = at(ev);
      el.style.cursor = unit ? "pointer" : "";
      if (!same(unit, this.unitHover)) {
        this.unitHover = unit;
        this.showUnit();
      }
    });
    el.addEventListener("mouseleave", () => {
      el.style.cursor = "";
      if (this.unitHover) {
        this.unitHover = null;
        this.showUnit();
      }
    });
    el.addEventListener("click", (ev) => {
      if (!this.static || !this.static.network.maps) return;
      const unit = at(ev);
      if (!unit) return;
      this.unitPin = same(unit, this.unitPin) ? null : unit;
      this.showUnit();
    });
    const cell = this.els.surface.parentElement;
    const bar = document.createElement("div");
    bar.style.cssText = "display:none;padding:0.15rem 0.5rem;";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "nnl-unpin";
    button.textContent = "Show the network's output";
    button.style.cssText = "font:inherit;font-size:0.8rem;padding:0.1rem 0.6rem;cursor:pointer;" +
      "border:1px solid #c4c9d4;border-radius:0.4rem;background:#fff;color:#1f2430;";
    button.addEventListener("click", () => {
      this.unitPin = null;
      this.showUnit();
    });
    bar.appendChild(button);
    cell.appendChild(bar);
    this.unpinBar = bar;
  }

  // The unit the surface shows: the one under the pointer, else the pinned one, else none.
  shownUnit() {
    return this.unitHover || this.unitPin;
  }

  // Redraw the surface and the network for a new choice of unit (also while paused).
  showUnit() {
    const s = stats();
    s.unitShown = this.shownUnit() ? { ...this.shownUnit() } : null;
    s.unitPinned = this.unitPin ? { ...this.unitPin } : null;
    this.unpinBar.style.display = this.unitPin ? "block" : "none";
    if (!this.current || !this.static || !window.Plotly) return;
    try {
      this.drawSurface(this.current);
      drawNetwork(this.els.network, this.static.network, this.current.network, this.hits.network);
      if (!this.surfaceHover) this.notes.surface.textContent = this.surfaceNote;
    } catch (err) {
      s.error = String(err && err.stack ? err.stack : err);
    }
  }

  // What the surface shows for a frame: the network's output, or a hidden unit's map.
  surfaceView(frame) {
    const st = this.static;
    const grid = st.surface.grid;
    const base = st.surface.figure.layout.title.text;
    const unit = this.shownUnit();
    const maps = st.network.maps;
    const fm = frame.network.maps;
    const values = unit && maps && fm ? unitValues(maps, fm, unit.layer, unit.index) : null;
    if (!values) {
      if (unit && this.unitPin === unit) { // gone with a new network
        this.unitPin = null;
        this.unpinBar.style.display = "none";
      }
      return { z: frame.surface.z, colours: grid, title: base, unit: null, label: "output" };
    }
    const b = values.layer.bound;
    const pinned = this.unitPin && this.unitPin === unit;
    const act = values.layer.activation;
    return {
      z: values.rows,
      colours: { colorscale: maps.colorscale, zmin: -b, zmax: b, opacity: 0.85 },
      title: `Hidden unit ${values.label} (${act})${pinned ? ", pinned" : ""}`,
      unit: { layer: unit.layer, index: unit.index },
      label: values.label,
      meaning: mapMeaning(act, b),
    };
  }

  // The decision surface (or a unit's map) as the layout image under the points; the first
  // draw of a view builds the Plotly chart, later ones swap the image (zoom is kept).
  drawSurface(frame) {
    const st = this.static;
    const s = stats();
    const grid = st.surface.grid;
    const view = this.surfaceView(frame);
    st.network.shown = view.unit; // drawNetwork outlines it
    const source = this.surfaceImage(view.z, view.colours);
    if (view.unit) {
      const [lo, hi] = this.surfaceSpan;
      this.surfaceNote = `${view.label} on this grid: ${fmt(lo)} to ${fmt(hi)} · ${view.meaning}`;
    }
    this.shownZ = view.z;
    this.shownLabel = view.label;
    const maps = st.network.maps;
    const fm = frame.network.maps;
    const note = maps && fm && maps.layers.length
      ? "Each hidden unit is drawn as its own output over the surface's two inputs (the other " +
        "inputs held as the surface holds them). Hover one to see it on the surface; click to pin. " +
        mapLegend(maps.layers, fm.scale)
      : "";
    if (this.notes.network.textContent !== note) this.notes.network.textContent = note;
    const div = this.els.surface;
    if (this.surfaceKey !== this.staticKey || !div._fullLayout) {
      const fig = st.surface.figure;
      const layout = {
        ...fig.layout,
        title: { ...fig.layout.title, text: view.title },
        images: [{
          source, xref: "x", yref: "y", x: grid.x0, y: grid.y1, sizex: grid.x1 - grid.x0,
          sizey: grid.y1 - grid.y0, xanchor: "left", yanchor: "top", sizing: "stretch",
          layer: "below",
        }],
      };
      window.Plotly.react(div, fig.data, layout, PLOTLY_CONFIG);
      this.surfaceKey = this.staticKey;
      this.surfaceTitle = view.title;
      s.surfaceRedraws += 1;
      if (!div.__nnlWatched && div.on) {
        // keep the last few view changes (zoom, pan, autoscale) for diagnosis
        div.__nnlWatched = true;
        div.on("plotly_relayout", (ev) => {
          const keys = Object.keys(ev || {}).filter((k) => !k.startsWith("images") && !k.startsWith("title"));
          if (!keys.length) return;
          const log = (stats().viewChanges = stats().viewChanges || []);
          log.push(keys.join(","));
          if (log.length > 10) log.shift();
        });
      }
    } else {
      const update = { "images[0].source": source };
      if (view.title !== this.surfaceTitle) {
        update["title.text"] = view.title;
        this.surfaceTitle = view.title;
      }
      window.Plotly.relayout(div, update);
    }
    // the last surface drawn, for tests (not enumerable: stats copies stay small)
    Object.defineProperty(s, "lastSurface", {
      value: { epoch: frame.epoch, z: view.z, unit: view.unit, title: view.title },
      writable: true, configurable: true, enumerable: false,
    });
  }

  hover(name, el) {
    el.addEventListener("mousemove", (ev) => {
      const rect = el.getBoundingClientRect();
      const mx = ev.clientX - rect.left;
      const my = ev.clientY - rect.top;
      const text = this.tipAt(name, mx, my);
      if (!text) {
        this.tip.style.display = "none";
        return;
      }
      this.tip.textContent = text;
      this.tip.style.display = "block";
      const host = this.root.getBoundingClientRect();
      this.tip.style.left = `${ev.clientX - host.left + 14}px`;
      this.tip.style.top = `${ev.clientY - host.top + 10}px`;
      this.tipFor = { name, mx, my };
    });
    el.addEventListener("mouseleave", () => {
      this.tip.style.display = "none";
      this.tipFor = null;
    });
  }

  tipAt(name, mx, my) {
    if (!this.current || !this.static) return null;
    const st = this.static[name];
    const fr = this.current[FRAME_PART[name]];
    let best = null;
    let bestD = Infinity;
    for (const hit of this.hits[name]) {
      if (hit.kind === "grid") {
        const t = weightsTip(hit, st, fr, mx, my);
        if (t) return t;
      } else if (hit.kind === "bar") {
        if (mx >= hit.x0 - 1 && mx <= hit.x1 + 1) return slopesTip(hit, st, fr);
      } else if (hit.kind === "x") {
        return lossTip(hit, st, fr, mx);
      } else {
        const d = Math.hypot(hit.x - mx, hit.y - my);
        if (d <= hit.r && (d < bestD || (hit.kind === "node" && best && best.kind === "edge"))) {
          if (!(best && best.kind === "node" && hit.kind === "edge")) {
            best = hit;
            bestD = d;
          }
        }
      }
    }
    return best ? CANVAS_TIP[name](best, st, fr, mx, my) : null;
  }

  hoverSurface(ev) {
    const gd = this.els.surface;
    const full = gd._fullLayout;
    if (!full || !this.current || !this.static) return;
    const rect = gd.getBoundingClientRect();
    const xa = full.xaxis;
    const ya = full.yaxis;
    const px = ev.clientX - rect.left - xa._offset;
    const py = ev.clientY - rect.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
    this.surfaceHover = true;
    const x = xa.p2d(px);
    const y = ya.p2d(py);
    const g = this.static.surface.grid;
    const z = this.shownZ || this.current.surface.z;
    const n = z.length;
    const c = Math.round(((x - g.x0) / (g.x1 - g.x0)) * (n - 1));
    const r = Math.round(((y - g.y0) / (g.y1 - g.y0)) * (n - 1));
    if (c < 0 || r < 0 || c >= n || r >= n) return;
    const v = z[r][c];
    const what = this.shownLabel || "output";
    this.notes.surface.textContent = `${what} at (${fmt(x, 3)}, ${fmt(y, 3)}): ${fmt(v, 3)}`;
  }

  receive(data, askForStatic) {
    const s = stats();
    s.messages += 1;
    if (typeof data.seq !== "number" || data.seq <= this.seq) return;
    this.seq = data.seq;
    const now = performance.now();
    if (data.static && data.static.key !== this.staticKey) {
      if (!data.static.surface) {
        // Only the key came (the server thinks we have the rest): ask for it once.
        if (this.askedFor !== data.static.key && askForStatic) {
          this.askedFor = data.static.key;
          s.staticRequests = (s.staticRequests || 0) + 1;
          askForStatic("need_static", data.static.key);
        }
        return;
      }
      this.staticKey = data.static.key;
      this.static = decode(data.static);
      this.root.dataset.lossSeries = this.static.loss.series.map((x) => x.key).join(",");
      s.staticKey = this.staticKey;
      this.queue = [];
    }
    const history = data.history ? decode(data.history) : null;
    const frames = (data.frames || []).map((f) => {
      const frame = decode(f);
      frame.loss = lossSeries(history, f.loss);
      frame.loss.best = typeof f.best_epoch === "number" ? f.best_epoch : NaN;
      // looking back (the scrubber): the epochs after this frame's, greyed, and a marker
      if (typeof f.now === "number" && f.now > f.epoch) frame.loss.after = lossSeries(history, null);
      return frame;
    });
    if (data.gen !== this.gen) {
      this.gen = data.gen;
      this.queue = [];
      s.gen = data.gen;
    }
    this.playing = !!data.playing;
    s.playing = this.playing;
    if (!this.playing) {
      this.queue = frames.slice(-1);
      this.nextDue = 0;
      this.lastArrival = 0;
    } else {
      if (this.lastArrival) {
        const gap = Math.min(Math.max(now - this.lastArrival, 30), 2000);
        this.arrivalMs = 0.7 * this.arrivalMs + 0.3 * gap;
      }
      this.lastArrival = now;
      this.queue.push(...frames);
      // At most about one message of latency: drop the oldest frames beyond it.
      const keep = Math.min(Math.max(frames.length + 1, 2), MAX_QUEUE);
      while (this.queue.length > keep) {
        this.queue.shift();
        s.dropped += 1;
      }
      this.spacing = Math.min(Math.max((0.9 * this.arrivalMs) / Math.max(frames.length, 1), 20), 500);
    }
  }

  loop(now) {
    if (this.stopped) return;
    if (!this.root.isConnected) {
      this.destroy();
      return;
    }
    if (this.queue.length && now >= this.nextDue && window.Plotly && this.static) {
      const frame = this.queue.shift();
      this.nextDue = Math.max(now + this.spacing * 0.5, this.nextDue + this.spacing);
      this.draw(frame);
    }
    requestAnimationFrame(this.loop);
  }

  surfaceImage(z, grid) {
    const n = z.length;
    const m = z[0].length;
    const { ctx, img } = blankImage(this.surfaceCanvas, m, n);
    const { rgb } = lut(grid.colorscale);
    const alpha = Math.round(255 * grid.opacity);
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < n; r++) {
      const row = z[n - 1 - r];
      for (let c = 0; c < m; c++) {
        if (row[c] < lo) lo = row[c];
        if (row[c] > hi) hi = row[c];
        const k = lutIndex(row[c], grid.zmin, grid.zmax);
        const i = 4 * (r * m + c);
        img.data[i] = rgb[3 * k];
        img.data[i + 1] = rgb[3 * k + 1];
        img.data[i + 2] = rgb[3 * k + 2];
        img.data[i + 3] = alpha;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.surfaceSpan = [lo, hi];
    // the range of the output on the grid: a flat surface (the blog's ~0.5) says so in numbers
    this.surfaceNote = grid.zmin === -0.5 ? "" : `output on this grid: ${fmt(lo)} to ${fmt(hi)}`;
    return this.surfaceCanvas.toDataURL();
  }

  draw(frame) {
    const t0 = performance.now();
    const st = this.static;
    const s = stats();
    this.current = frame;
    try {
      this.drawSurface(frame);
      for (const name of ["network", "loss", "weights", "slopes"]) {
        CANVAS_DRAW[name](this.els[name], st[name], frame[FRAME_PART[name]], this.hits[name]);
      }
      this.notes.slopes.textContent = frame.slopes.summary || "";
      if (!this.surfaceHover) this.notes.surface.textContent = this.surfaceNote;
      this.status.textContent = frame.text || "";
      if (this.tipFor) {
        const text = this.tipAt(this.tipFor.name, this.tipFor.mx, this.tipFor.my);
        if (text) this.tip.textContent = text;
      }
    } catch (err) {
      s.error = String(err && err.stack ? err.stack : err);
    }
    s.frames += 1;
    if (frame.epoch !== s.lastEpoch) s.distinct += 1;
    s.lastEpoch = frame.epoch;
    s.drawMs.push(performance.now() - t0);
    if (s.drawMs.length > 200) s.drawMs.splice(0, s.drawMs.length - 200);
    const div = this.els.surface;
    if (!div.querySelector(".main-svg") || !div._fullLayout || !div._fullLayout.images || !div._fullLayout.images.length) s.blank += 1;
    this.root.dataset.epoch = String(frame.epoch);
    this.root.dataset.bestEpoch = Number.isFinite(frame.loss.best) ? String(frame.loss.best) : "";
  }

  destroy() {
    this.stopped = true;
    if (window.Plotly) window.Plotly.purge(this.els.surface);
  }
}

const INSTANCES = new WeakMap();

// While playing, tell the server when the tab is hidden: it pauses and frees its slot.
function watchVisibility(inst, data, report) {
  inst.hiddenWatch = { playing: Boolean(data.playing), report };
  if (inst.watchingVisibility) return;
  inst.watchingVisibility = true;
  document.addEventListener("visibilitychange", () => {
    const w = inst.hiddenWatch;
    if (document.hidden && w.playing && !inst.stopped) w.report("hidden", Date.now());
  });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let inst = INSTANCES.get(parentElement);
  if (!inst || inst.stopped) {
    inst = new LiveCharts(parentElement);
    INSTANCES.set(parentElement, inst);
  }
  if (!data) return;
  watchVisibility(inst, data, setTriggerValue);
  if (!window.Plotly) {
    loadPlotly(data.plotly_url).then(
      () => inst.receive(data, setTriggerValue),
      (err) => {
        stats().error = String(err);
        inst.status.textContent = "The charts could not load (plotly.js is missing).";
      },
    );
    return;
  }
  inst.receive(data, setTriggerValue);
}
