// The live training charts: one element that keeps five charts and updates them in place.
//
// Streamlit calls the default export with every new message (`data`): the static part of the
// view (names, geometry, colour scales; kept while `static.key` stays the same) and one or
// more frames (snapshots of the run). Frames are queued and played at the pace the messages
// arrive: each frame paints all five charts at once (every chart shows the same epoch).
//
// The decision surface is a Plotly chart whose data points never change; the network's output
// under them is a layout image replaced with Plotly.relayout (zoom and hover stay Plotly's).
// The network diagram is a canvas with its own hover tooltip. The loss, weight heatmaps and
// unit slopes are Plotly figures updated in place (their section below says how): the
// heatmaps' cells and the slopes' bars are layout images too, painted here.
//
// Trusted code: every string comes from the server's chart builders; text reaches the page
// through canvas fillText, textContent, or Plotly (whose labels the server escaped).


// The contract's constants: names, orders, fonts, colours (ui/live/protocol.py), read from the
// static message (`static.protocol`) before anything is drawn.
let CHARTS, PLOTS, FRAME_PART, LOSS_KEYS, FONT, SMALL, TITLE, INK, MUTED, MAX_QUEUE;
function useProtocol(p) {
  ({
    charts: CHARTS, plots: PLOTS, frame_part: FRAME_PART, loss_keys: LOSS_KEYS, font: FONT,
    small: SMALL, title: TITLE, ink: INK, muted: MUTED, max_queue: MAX_QUEUE,
  } = p);
}
const PLOTLY_CONFIG = {
  displaylogo: false,
  displayModeBar: "hover",
  responsive: true,
  scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
};

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

// The chart's title, wrapped at spaces to the canvas's width; returns the height it took.
function title(ctx, text, width) {
  ctx.font = TITLE;
  ctx.fillStyle = INK;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  const lines = [""];
  for (const word of text.split(" ")) {
    const line = lines[lines.length - 1] ? `${lines[lines.length - 1]} ${word}` : word;
    if (lines[lines.length - 1] && ctx.measureText(line).width > width - 12) lines.push(word);
    else lines[lines.length - 1] = line;
  }
  lines.forEach((line, i) => ctx.fillText(line, 6, 4 + 17 * i));
  return 17 * lines.length;
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

// A mask of the `k` values largest in size (ties in order), or null when all of them fit.
// The k-th largest size is found by counting sizes in 1,024 bins from the top and sorting only
// the bin it falls in: a big network's 21,057 weights take a fraction of a full sort.
function largest(vals, k) {
  const n = vals.length;
  if (!(n > k)) return null;
  const mags = new Float32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    mags[i] = Math.abs(vals[i]);
    if (mags[i] > max) max = mags[i];
  }
  const BINS = 1024;
  const scale = max > 0 && Number.isFinite(max) ? (BINS - 1) / max : 0;
  const counts = new Uint32Array(BINS);
  for (let i = 0; i < n; i++) counts[(mags[i] * scale) | 0] += 1;
  let b = BINS - 1;
  let above = 0;
  while (above + counts[b] < k) above += counts[b--];
  const bin = [];
  for (let i = 0; i < n; i++) if (((mags[i] * scale) | 0) === b) bin.push(mags[i]);
  bin.sort((x, y) => y - x);
  const cut = bin[k - above - 1];
  const mask = new Uint8Array(n);
  let left = k;
  for (let i = 0; i < n && left; i++) if (mags[i] > cut) { mask[i] = 1; left--; }
  for (let i = 0; i < n && left; i++) if (!mask[i] && mags[i] === cut) { mask[i] = 1; left--; }
  return mask;
}

// The longest start of `text` that fits `room` px followed by "…", in the context's current
// font (whole graphemes: an emoji or an accented letter is never split); the text itself when it
// fits, "" when not even "…" does.
const GRAPHEMES = typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
function fitText(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  if (ctx.measureText("…").width > room) return "";
  const parts = GRAPHEMES ? Array.from(GRAPHEMES.segment(text), (g) => g.segment) : Array.from(text);
  const cut = (k) => parts.slice(0, k).join("").trimEnd() + "…";
  let lo = 0; // cut(lo) fits
  let hi = parts.length; // the whole text does not
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ctx.measureText(cut(mid)).width <= room) lo = mid;
    else hi = mid;
  }
  return cut(lo);
}

// The room for the input names (left) and the output names (right) beside the diagram, and
// the names cut to it. Each side's room is at most a quarter of the width less the node (of
// radius r) and its gaps, so the columns span at least half the width whatever the names.
// Kept per static spec, width, radius and font: a playing diagram measures its names once.
const NAME_GAP = 4; // px between a node and its name
const NAME_MARGIN = 6; // px between a name and the canvas's edge
const FITTED = new WeakMap();
function networkNames(ctx, st, w, r) {
  ctx.font = FONT;
  const key = `${w}|${r}|${ctx.measureText("Mg…").width}`; // (a web font that loads later)
  const kept = FITTED.get(st);
  if (kept && kept.key === key) return kept;
  const most = Math.max(0, w / 4 - r - NAME_GAP - NAME_MARGIN - 2);
  const room = { input: 0, output: 0 };
  for (const n of st.nodes) {
    if (n.kind === "input" || n.kind === "output") {
      room[n.kind] = Math.max(room[n.kind], Math.min(most, ctx.measureText(n.full || n.label).width));
    }
  }
  const text = new Map();
  for (const n of st.nodes) {
    if (n.kind === "input" || n.kind === "output") text.set(n, fitText(ctx, n.full || n.label, room[n.kind]));
  }
  const pad = (side) => Math.min(w / 4, NAME_MARGIN + side + NAME_GAP + r + 2);
  const fitted = { key, text, padL: pad(room.input), padR: pad(room.output) };
  FITTED.set(st, fitted);
  return fitted;
}

const overlaps = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;

// Network diagram: edges coloured and sized by weight, units, +1 bias nodes; each hidden
// unit drawn as its own map (st.maps, fr.maps) when the frame has them. st.shown (set by the
// element) is the unit the surface shows: outlined. Input and output names are cut to the room
// beside the diagram (networkNames); pointing at a node names it whole (networkTip).
function drawNetwork(canvas, st, fr, hits) {
  const started = performance.now();
  const { ctx, w, h } = prepare(canvas);
  const titleH = title(ctx, st.title, w);
  const padT = titleH + 13;
  const padB = 10;
  const [ya, yb] = st.y_range;
  const sy = (y) => h - padB - ((y - ya) / (yb - ya)) * (h - padT - padB);
  // nodes: as large as the closest two in a column allow (13 px at most, 3 at least)...
  const units = st.nodes.filter((n) => n.kind !== "bias");
  let minGap = Infinity;
  for (let i = 1; i < units.length; i++) {
    if (units[i].x === units[i - 1].x) minGap = Math.min(minGap, Math.abs(sy(units[i].y) - sy(units[i - 1].y)));
  }
  if (!Number.isFinite(minGap)) minGap = Math.abs(sy(0) - sy(1));
  const rY = Math.max(3, Math.min(13, minGap * 0.4));
  const names = networkNames(ctx, st, w, rY);
  const [xa, xb] = st.x_range; // the first and the last column
  const { padL, padR } = names;
  const sx = (x) => padL + ((x - xa) / (xb - xa || 1)) * (w - padL - padR);
  // ...and to the columns' spacing: neighbouring bias boxes (2r wide) stay apart
  const colGap = Math.abs(sx(xa + 1) - sx(xa));
  const r = Math.min(rY, colGap * 0.4);
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
  const drawn = largest(vals, st.max_edges);
  let edges = 0;
  ctx.lineCap = "round";
  for (const b of order) {
    const ks = drawn ? groups[b].filter((k) => drawn[k]) : groups[b];
    edges += ks.length;
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
  stats().edgesDrawn = edges; // (the browser tests read it)
  // unit maps: squares as large as the spacing allows, never overlapping (a 6×64 network in
  // the usual 400 px: ~4 px chips of the unit's colours; pointing at one shows it on the
  // surface at full size)
  const t0 = performance.now();
  const maps = st.maps && fr.maps && fr.maps.lo && fr.maps.lo.length ? st.maps : null;
  const stride = maps ? paintAtlas(maps, fr.maps) : 0;
  const half = maps ? Math.max(1.5, Math.min(22, minGap * 0.43, colGap * 0.18)) : r;
  const offsets = {};
  if (maps) for (const L of maps.layers) offsets[L.layer] = L.offset;
  const shown = st.shown;
  const positions = [];
  const labels = []; // the input and output names drawn: their boxes
  const nodeBoxes = []; // every node's box (bias nodes' in biasBoxes), for the tests
  const biasBoxes = [];
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
      nodeBoxes.push({ l: x - half, r: x + half, t: y - half, b: y + half });
      hits.push({ kind: "node", x, y, r: half + 3, node: n });
      continue;
    }
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = n.kind === "bias" ? MUTED : INK;
    ctx.fillStyle = n.kind === "bias" ? "#eef0f4" : "#ffffff";
    ctx.beginPath();
    if (n.kind === "bias") {
      ctx.rect(x - r, y - r * 0.8, 2 * r, 1.6 * r);
      biasBoxes.push({ l: x - r, r: x + r, t: y - r * 0.8, b: y + r * 0.8 });
    } else {
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      nodeBoxes.push({ l: x - r, r: x + r, t: y - r, b: y + r });
    }
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = INK;
    const text = names.text.get(n);
    if (text) {
      // names one under another, each only where it clears the last (pointing names them all)
      const left = n.kind === "input";
      ctx.font = FONT;
      ctx.textAlign = left ? "right" : "left";
      const width = ctx.measureText(text).width;
      const box = { l: left ? x - r - NAME_GAP - width : x + r + NAME_GAP, r: left ? x - r - NAME_GAP : x + r + NAME_GAP + width, t: y - 7, b: y + 7 };
      if (!labels.some((o) => overlaps(o, box))) {
        ctx.fillText(text, left ? box.r : box.l, y);
        labels.push({ ...box, text, full: n.full || n.label, x, y });
      }
    } else if (r >= 9 && n.kind !== "input" && n.kind !== "output") {
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
  // the drawn edges' midpoints for hover
  for (let k = 0; k < vals.length; k++) {
    if (drawn && !drawn[k]) continue;
    hits.push({ kind: "edge", x: sx(0.55 * e.x0[k] + 0.45 * e.x1[k]), y: sy(0.55 * e.y0[k] + 0.45 * e.y1[k]), r: 6, k });
  }
  const s = stats();
  // what was drawn where, in the canvas's CSS pixels (the browser tests read them): the names'
  // boxes (text drawn, full name, node centre), the canvas, the first and last columns' x, the
  // bias boxes and every other node's box
  Object.defineProperty(s, "networkLabels", { value: labels, writable: true, configurable: true, enumerable: false });
  const layout = { w, h, span: [sx(xa), sx(xb)], bias: biasBoxes, nodes: nodeBoxes };
  Object.defineProperty(s, "networkLayout", { value: layout, writable: true, configurable: true, enumerable: false });
  s.networkDraws = (s.networkDraws || 0) + 1;
  s.networkMs = (s.networkMs || 0) + (performance.now() - started);
}

function networkTip(hit, st, fr) {
  if (hit.kind === "edge") return `${st.edges.label[hit.k]}\nweight ${fmt(fr.w[hit.k])}`;
  const n = hit.node;
  if (n.kind === "bias") return "bias node (constant 1)\nits edges are the biases of the next layer";
  const pin = n.kind === "unit" && st.maps ? "\nits map is on the surface; click to pin it" : "";
  const name = n.full || n.label; // the whole name (the diagram may show it cut)
  if (n.kind === "input" || !st.bias) return name + pin;
  // the bias of unit (layer, index): the last row of weight layer (layer - 1)
  const sizes = [];
  for (const node of st.nodes) if (node.kind !== "bias") sizes[node.layer] = (sizes[node.layer] || 0) + 1;
  let offset = 0;
  for (let l = 0; l < n.layer - 1; l++) offset += (sizes[l] + 1) * sizes[l + 1];
  const k = offset + sizes[n.layer - 1] * sizes[n.layer] + n.index;
  return `${name}\nbias ${fmt(fr.w[k])}${pin}`;
}

// Calls draw() once the canvas's shown size no longer matches its pixels (a new window width):
// a paused diagram would otherwise stay stretched or squeezed to the new width, names and all.
function redrawOnResize(canvas, draw) {
  let queued = false;
  const observer = new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(canvas.clientWidth * dpr)
          || canvas.height !== Math.round(canvas.clientHeight * dpr)) draw();
    });
  });
  observer.observe(canvas);
  return observer;
}

// The tip beside the pointer (right of it and below), or left of it where it would leave the
// element (an output node's long name); never wider than the element (a long line wraps).
function placeTip(tip, root, ev) {
  const host = root.getBoundingClientRect();
  tip.style.maxWidth = `${Math.max(120, host.width - 8)}px`;
  tip.style.left = "0px"; // measured where it has the element's whole width
  const width = tip.offsetWidth;
  const x = ev.clientX - host.left;
  let left = x + 14;
  if (left + width > host.width) left = x - 14 - width;
  tip.style.left = `${Math.max(0, Math.min(left, host.width - width))}px`;
  tip.style.top = `${ev.clientY - host.top + 10}px`;
}

// Weight heatmaps, one per layer, last row the biases, one shared scale [-m, m].
// The history up to a frame's epoch, ending at the frame's own newest point.
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


// ---------------------------------------------------------------- Plotly charts (in place)
// The loss, the weight heatmaps and the unit slopes are Plotly figures that the server builds
// without their numbers (ui/charts.py). Here each is drawn once per static key and width
// (Plotly.react) and then updated in place by the cheapest call that fits it (figures in
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
// from the server (the `*_text` fields: ui.text.plotly_text); templates hold no user text.
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

// 32-bit pixels (little-endian RGBA) of a colour scale's 256 entries, opaque.
function lut32(scale) {
  const { rgb } = lut(scale);
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) out[i] = ((255 << 24) | (rgb[3 * i + 2] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i]) >>> 0;
  return out;
}

// Which cell each of `n` pixels shows across `cells` cells, -1 in a gap (the last `gap`
// pixels of every cell but the last, as Plotly's xgap/ygap leave).
function cellOf(n, cells, gap) {
  const out = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const c = Math.min(cells - 1, Math.floor((p * cells) / n));
    out[p] = gap && c < cells - 1 && Math.floor(((p + gap) * cells) / n) > c ? -1 : c;
  }
  return out;
}

// One weight layer's cells (rows x cols values of `vals` from `offset`, row-major) coloured
// over [-m, m] into `cv`, width x height pixels; returns its PNG data URL.
function paintCells(cv, vals, offset, rows, cols, gaps, width, height, m, colours) {
  if (cv.width !== width || cv.height !== height) {
    cv.width = width;
    cv.height = height;
  }
  const ctx = cv.getContext("2d");
  const img = ctx.createImageData(width, height);
  const px = new Uint32Array(img.data.buffer);
  const dpr = window.devicePixelRatio || 1;
  const cx = cellOf(width, cols, Math.round(gaps[0] * dpr));
  const cy = cellOf(height, rows, Math.round(gaps[1] * dpr));
  const cell = new Uint32Array(rows * cols);
  for (let k = 0; k < cell.length; k++) cell[k] = colours[lutIndex(vals[offset + k], -m, m)];
  for (let y = 0; y < height; y++) {
    const r = cy[y];
    if (r < 0) continue;
    const base = r * cols;
    const line = y * width;
    for (let x = 0; x < width; x++) {
      const c = cx[x];
      if (c >= 0) px[line + x] = cell[base + c];
    }
  }
  ctx.putImageData(img, 0, 0);
  return cv.toDataURL();
}

// Every layer's image for one frame, {"images[i].source": url}: across and down, one pixel
// a cell where its cells have no gap (the image is then scaled up without smoothing: see
// crisp), else painted at the size the layer's axes take now, gaps and all. (A 6 x 64
// network's seven layers: 29 thousand pixels to encode instead of about 360 thousand.)
function weightsImages(el, st, fr, m, canvases) {
  const L = el._fullLayout;
  const colours = st.lut32 || (st.lut32 = lut32(st.colorscale));
  const update = {};
  st.layers.forEach((layer, i) => {
    const k = i === 0 ? "" : String(i + 1);
    const rows = layer.rows.length;
    const cols = layer.cols.length;
    const w = layer.gaps[0] ? span(L["xaxis" + k], -0.5, cols - 0.5) : cols;
    const h = layer.gaps[1] ? span(L["yaxis" + k], -0.5, rows - 0.5) : rows;
    const cv = canvases[i] || (canvases[i] = document.createElement("canvas"));
    update[`images[${i}].source`] = paintCells(cv, fr.w, layer.offset, rows, cols, layer.gaps, w, h, m, colours);
  });
  return update;
}

// A chart's layout images scaled up without smoothing (cells stay cells; Plotly keeps the
// attribute through its redraws of an image, and its PNG export keeps it too).
function crisp(el) {
  for (const img of el.querySelectorAll(".imagelayer image")) {
    if (img.getAttribute("image-rendering") !== "pixelated") img.setAttribute("image-rendering", "pixelated");
  }
}

// Each unit's place on the slopes' x axis: layers a unit apart (as ui/charts.slopes_figure).
function slopePlaces(st) {
  if (st.places) return st.places;
  const places = [];
  let x = 0;
  st.groups.forEach((g, i) => {
    if (i > 0 && g !== st.groups[i - 1]) x += 1;
    places.push(x++);
  });
  st.places = places;
  return places;
}

// The slopes' bars into `cv` over the figure's image (x from -0.5 to the last place + 0.5, y
// from 0 to the axis's top): as wide as the image is on screen, at most BAR_ROWS pixels high
// (scaled up without smoothing: a bar's top moves in steps of ~1% of the axis), so the PNG to
// encode stays small. Returns its data URL. (An SVG image of the bars costs more: the browser
// builds a document for every new one.)
const BAR_ROWS = 96;

function paintBars(el, st, slope, cv) {
  const L = el._fullLayout;
  const image = st.figure.layout.images[0];
  const places = slopePlaces(st);
  const w = span(L.xaxis, image.x, image.x + image.sizex);
  const h = Math.min(span(L.yaxis, 0, image.sizey), BAR_ROWS);
  if (cv.width !== w || cv.height !== h) {
    cv.width = w;
    cv.height = h;
  }
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  const sx = w / image.sizex;
  const sy = h / image.sizey;
  st.group_names.forEach((_, g) => {
    ctx.fillStyle = st.colors[g];
    ctx.beginPath();
    for (let i = 0; i < places.length; i++) {
      if (st.groups[i] !== g) continue;
      const v = Number.isFinite(slope[i]) ? Math.max(0, Math.min(slope[i], image.sizey)) : 0;
      const top = Math.round(h - v * sy);
      ctx.rect((places[i] - 0.4 - image.x) * sx, top, 0.8 * sx, h - top);
    }
    ctx.fill();
  });
  return cv.toDataURL();
}

// The pointer on a chart: while playing, its hover's numbers are refreshed then only.
function watchPointer(el, c) {
  el.__nnlPointer = true;
  el.addEventListener("mouseenter", () => { c.pointer = true; });
  el.addEventListener("mouseleave", () => { c.pointer = false; });
}

// The loss chart's ranges as shown (a user's zoom).
function shownRanges(el) {
  const L = el._fullLayout;
  return { x: L.xaxis.range.slice(), y: L.yaxis.range.slice(), y2: L.yaxis2.range.slice() };
}

// A drag or a zoom button on the loss chart marks it zoomed (its ranges then stay as the user
// left them); a double click hands the ranges back to the chart (`redraw` draws it at once).
function watchZoom(el, c, redraw) {
  el.__nnlZoom = true;
  el.on("plotly_doubleclick", () => {
    c.zoomed = false;
    c.shape = null;
    c.resetAt = performance.now();
    setTimeout(redraw, 0);
  });
  el.on("plotly_relayout", (ev) => {
    if (c.building || performance.now() - c.resetAt < 500) return;
    if (Object.keys(ev || {}).some((k) => /^(x|y)axis2?\.range/.test(k))) c.zoomed = true;
  });
}

// The loss figure (built by the server without its numbers) with a frame's lines, ranges and
// marks: while looking back, the later epochs faint and a line at the epoch shown; early
// stopping's best epoch dotted.
function lossFigure(st, fr, ranges) {
  const { data, layout } = structuredClone(st.figure);
  const later = fr.after && fr.after.epoch.length ? fr.after : null;
  const n = fr.epoch.length;
  st.series.forEach((s, i) => {
    Object.assign(data[i], { x: fr.epoch, y: fr[s.key], mode: n > 1 ? "lines" : "markers" });
    if (later) Object.assign(data[st.series.length + i], { x: later.epoch, y: later[s.key] });
  });
  layout.xaxis.range = ranges.x;
  layout.yaxis.range = ranges.y;
  layout.yaxis2.range = ranges.y2;
  layout.shapes = [];
  layout.annotations = [];
  const mark = (x, y, text, dash, width) => {
    layout.shapes.push({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color: INK, width, dash } });
    const right = x > ranges.x[1] / 2;
    layout.annotations.push({ x, xref: "x", y, yref: "paper", text, showarrow: false, xanchor: right ? "right" : "left", yanchor: "top", xshift: right ? -3 : 3, font: { size: 10 } });
  };
  if (Number.isFinite(fr.best)) mark(fr.best, 1, `best epoch ${fr.best}`, "dot", 1);
  if (later && n) mark(fr.epoch[n - 1], 0.36, `epoch ${fr.epoch[n - 1]}`, "solid", 1.5);
  return { traces: data, layout };
}

// The weight heatmaps (built by the server) placed for the element's width: the server's
// layout with the most heatmaps a row that fits it (one a row if none does).
function weightsFigure(st, width) {
  const { data, layout } = structuredClone(st.figure);
  const fits = st.by_row.filter((r) => r.min_width <= width);
  const rows = fits.length ? fits[fits.length - 1] : st.by_row[0];
  for (const [name, axis] of Object.entries(rows.axes)) Object.assign(layout[name], axis);
  layout.height = rows.height;
  layout.coloraxis.colorbar.len = rows.colorbar_len;
  return { traces: data, layout };
}

function weightsZ(st, fr) {
  return st.layers.map((layer) => {
    const cols = layer.cols.length;
    const z = new Array(layer.rows.length);
    for (let r = 0; r < z.length; r++) z[r] = fr.w.subarray(layer.offset + r * cols, layer.offset + (r + 1) * cols);
    return z;
  });
}

// Unit slopes: each layer's bars are one filled outline (the server's figure).
// Per layer, the outline's y: for each unit 0, v, v, 0 (its bar's corners).
function slopesY(st, slope) {
  return st.group_names.map((_, g) => {
    const y = [];
    for (let i = 0; i < st.labels.length; i++) {
      if (st.groups[i] !== g) continue;
      const v = Number.isFinite(slope[i]) ? slope[i] : 0;
      y.push(0, v, v, 0);
    }
    return y;
  });
}

// The slopes figure with a frame's bars, and the fullest x labels that fit the width (the
// server's choices, fullest first): upright when they fit side by side, else vertical.
function slopesFigure(st, fr, width) {
  const { data, layout } = structuredClone(st.figure);
  slopesY(st, fr.slope).forEach((y, g) => { data[g].y = y; });
  const ticks = st.ticks;
  const px = ticks.length ? (width - 80) / (ticks[0].end + 1.2) : 1; // pixels per unit
  const t = ticks.find((c) => px >= c.min_px && (c.min_px > 0 || px >= c.upright_px)) || ticks[ticks.length - 1];
  if (t) {
    const pad = Math.max(0.6, t.pad_px / px);
    Object.assign(layout.xaxis, {
      tickvals: t.tickvals, ticktext: t.ticktext, tickangle: px >= t.upright_px ? 0 : -90, range: [-pad, t.end + pad],
    });
  }
  return { traces: data, layout };
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

// ------------------------------------------------------------------------------ element
// Every frame paints every chart (LiveCharts.draw), each by its cheapest update (plot).

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
    this.plots = {};
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
    this.grid = grid;
    this.tip = document.createElement("div");
    this.tip.className = "nnl-tip";
    root.appendChild(grid);
    root.appendChild(this.tip);
    this.parent.appendChild(root);
    this.root = root;
    // a new width re-lays the Plotly charts out (the heatmaps wrap, the slopes' labels thin out)
    this.resizer = new ResizeObserver(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => {
        if (this.current && this.static && window.Plotly && !this.playing) {
          for (const name of PLOTS) this.plot(name, this.current);
        }
      }, 250);
    });
    this.resizer.observe(grid);
  }

  // The charts' cells, once the first static message has said which (its protocol).
  cells(protocol) {
    if (this.els) return;
    useProtocol(protocol);
    const grid = this.grid;
    this.els = {};
    this.notes = {};
    this.titles = {};
    for (const name of CHARTS) {
      const cell = document.createElement("div");
      cell.className = "nnl-cell nnl-" + name;
      if (PLOTS.includes(name)) {
        this.titles[name] = document.createElement("div");
        this.titles[name].className = "nnl-title";
        cell.appendChild(this.titles[name]);
      }
      const el = document.createElement(name === "network" ? "canvas" : "div");
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
    }
    this.hover("network", this.els.network);
    this.unitEvents();
    this.els.surface.addEventListener("mousemove", (ev) => this.hoverSurface(ev));
    this.els.surface.addEventListener("mouseleave", () => {
      this.surfaceHover = false;
      this.notes.surface.textContent = this.surfaceNote || "";
    });
    this.networkResizer = redrawOnResize(this.els.network, () => {
      if (this.current && this.static && !this.stopped) {
        drawNetwork(this.els.network, this.static.network, this.current.network, this.hits.network);
      }
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
      `border:1px solid #c4c9d4;border-radius:0.4rem;background:#fff;color:${INK};`;
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
      placeTip(this.tip, this.root, ev);
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
    const fr = this.current[name];
    let best = null;
    let bestD = Infinity;
    for (const hit of this.hits[name]) {
      const d = Math.hypot(hit.x - mx, hit.y - my);
      if (d <= hit.r && (d < bestD || (hit.kind === "node" && best && best.kind === "edge"))) {
        if (!(best && best.kind === "node" && hit.kind === "edge")) {
          best = hit;
          bestD = d;
        }
      }
    }
    return best ? networkTip(best, st, fr) : null;
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
      this.cells(data.static.protocol);
      this.staticKey = data.static.key;
      this.static = decode(data.static);
      this.root.dataset.lossSeries = this.static.loss.series.map((x) => x.key).join(",");
      s.staticKey = this.staticKey;
      this.queue = [];
    }
    if (!this.static) return; // (frames without their view: a static part comes first)
    const history = data.history ? decode(data.history) : null;
    const frames = (data.frames || []).map((f) => {
      const frame = decode(f);
      frame.loss = lossSeries(history, f.loss);
      frame.loss.ranges = history && history.ranges; // the message's: fits every frame in it
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
    } else if (this.playing && this.current && this.static && window.Plotly) {
      this.plotNext(now);
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
    this.frameNo = (this.frameNo || 0) + 1;
    const took = {};
    try {
      let t = performance.now();
      this.drawSurface(frame);
      took.surface = performance.now() - t;
      t = performance.now();
      drawNetwork(this.els.network, st.network, frame.network, this.hits.network);
      took.network = performance.now() - t;
      for (const name of PLOTS) this.plot(name, frame);
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
    for (const name of ["surface", "network"]) this.count(name, frame.epoch, took[name]);
    // how many frames the chart furthest behind is (0: all show this frame; bench/ui.py)
    let behind = 0;
    for (const name of CHARTS) behind = Math.max(behind, this.frameNo - ((s.charts[name] || {}).at || 0));
    s.behindMax = Math.max(s.behindMax || 0, behind);
    if (frame.epoch !== s.lastEpoch) s.distinct += 1;
    s.lastEpoch = frame.epoch;
    s.drawMs.push(performance.now() - t0);
    if (s.drawMs.length > 200) s.drawMs.splice(0, s.drawMs.length - 200);
    const div = this.els.surface;
    if (!div.querySelector(".main-svg") || !div._fullLayout || !div._fullLayout.images || !div._fullLayout.images.length) s.blank += 1;
    for (const name of PLOTS) if (this.plots[name] && !this.els[name].querySelector(".main-svg")) s.blank += 1;
    this.root.dataset.epoch = String(frame.epoch);
    this.root.dataset.bestEpoch = Number.isFinite(frame.loss.best) ? String(frame.loss.best) : "";
  }

  // Counts a chart's painted frames, distinct epochs and time spent in its updates (ms, the
  // JS part: the browser's own drawing of the change comes later).
  count(name, epoch, ms) {
    const s = stats();
    const c = (s.charts[name] = s.charts[name] || { frames: 0, distinct: 0, last: null, ms: 0 });
    c.frames += 1;
    c.ms += ms || 0;
    if (epoch !== c.last) c.distinct += 1;
    c.last = epoch;
    c.at = this.frameNo;
  }

  // Between frames while playing: a chart the last frame missed (its draw failed) draws it;
  // the pointer on the weights or the slopes refreshes their hover's numbers (plot).
  plotNext(now) {
    for (const name of PLOTS) {
      const c = this.plots[name];
      if (!c || c.epoch !== this.current.epoch) {
        this.plot(name, this.current);
        return;
      }
      if (c.pointer && c.hoverEpoch !== this.current.epoch && now - c.hoverAt >= HOVER_MS) {
        this.hoverData(name, this.current);
        return;
      }
    }
  }

  // The numbers the hover of the weights (the heatmaps' z) or the slopes (the outlines' y)
  // reads, for one frame.
  hoverData(name, frame) {
    const P = window.Plotly;
    const st = this.static[name];
    const el = this.els[name];
    const c = this.plots[name];
    if (name === "weights") {
      const zs = weightsZ(st, frame.network);
      P.restyle(el, { z: zs }, zs.map((_, i) => i));
    } else if (name === "slopes" && st.group_names.length) {
      const ys = slopesY(st, frame.slopes.slope);
      P.restyle(el, { y: ys }, ys.map((_, i) => i));
    }
    c.hoverEpoch = frame.epoch;
    c.hoverAt = performance.now();
  }

  // One Plotly chart for one frame: built with Plotly.react when the view, its width or (for
  // the loss) its ranges and marks changed; otherwise updated in place by its cheapest call.
  plot(name, frame) {
    const P = window.Plotly;
    const st = this.static[name];
    const el = this.els[name];
    const fr = frame[FRAME_PART[name]];
    const c = (this.plots[name] = this.plots[name] || {
      key: null, epoch: null, zoomed: false, resetAt: 0, pointer: false, hoverEpoch: null,
      hoverAt: 0, canvases: [], range: null,
    });
    const t0 = performance.now();
    const width = el.clientWidth || 700;
    const fresh = c.key !== this.staticKey || !el._fullLayout || Math.abs(width - c.width) > 30;
    const build = (fig) => {
      fig.layout.uirevision = this.staticKey;
      el.style.height = `${fig.layout.height}px`;
      c.building = true;
      P.react(el, fig.traces, fig.layout, PLOTLY_CONFIG);
      c.building = false;
      if (name === "loss" && !el.__nnlZoom) {
        watchZoom(el, c, () => this.current && !this.playing && this.plot("loss", this.current));
      }
      if (name !== "loss" && !el.__nnlPointer) watchPointer(el, c);
      c.key = this.staticKey;
      c.width = width;
      this.titles[name].textContent = st.title;
    };
    if (name === "loss") {
      const ranges = c.zoomed && el._fullLayout ? shownRanges(el) : fr.ranges;
      const later = fr.after && fr.after.epoch.length ? fr.epoch[fr.epoch.length - 1] : null;
      const shape = JSON.stringify([ranges, fr.best, later, fr.epoch.length > 1]);
      if (fresh || shape !== c.shape) {
        build(lossFigure(st, fr, ranges));
        c.shape = shape;
      } else {
        // (immediate: a new frame's lines replace an animation still in flight)
        const data = st.series.map((x) => ({ x: fr.epoch, y: fr[x.key] }));
        P.animate(el, { data, traces: data.map((_, i) => i) }, ANIMATE);
      }
    } else if (name === "weights") {
      const m = niceUp(Math.max(Math.abs(fr.wmin), Math.abs(fr.wmax)));
      if (fresh) {
        const fig = weightsFigure(st, width);
        Object.assign(fig.layout.coloraxis, { cmin: -m, cmax: m });
        build(fig);
        c.range = m;
      }
      const update = weightsImages(el, st, fr, m, c.canvases);
      if (m !== c.range) {
        Object.assign(update, { "coloraxis.cmin": -m, "coloraxis.cmax": m });
        c.range = m;
      }
      P.relayout(el, update);
      crisp(el);
      if (fresh || !this.playing) this.hoverData(name, frame);
    } else {
      if (fresh) build(slopesFigure(st, fr, width)); // (its outlines hold the frame's y)
      const cv = c.canvases[0] || (c.canvases[0] = document.createElement("canvas"));
      if (st.group_names.length) {
        P.relayout(el, { "images[0].source": paintBars(el, st, fr.slope, cv) });
        crisp(el);
      }
      if (!fresh && !this.playing) this.hoverData(name, frame);
    }
    c.epoch = frame.epoch;
    this.count(name, frame.epoch, performance.now() - t0);
  }

  destroy() {
    this.stopped = true;
    if (this.resizer) this.resizer.disconnect();
    if (this.networkResizer) this.networkResizer.disconnect();
    if (window.Plotly && this.els) for (const name of ["surface", ...PLOTS]) window.Plotly.purge(this.els[name]);
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
  if (data.static && data.static.protocol) inst.cells(data.static.protocol);
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
