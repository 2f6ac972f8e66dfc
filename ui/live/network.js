// The network diagram: a canvas with its own hover tooltip; each hidden unit drawn as its own
// map over the surface's two inputs (the surface shows the one pointed at). Python side:
// ui/live/network.py.

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
// Each hidden unit's output over the surface's two inputs (ui/live/network.py unit_maps): per unit
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

// The network diagram's canvas: `update(fr)` draws a frame's edges, units and maps over the
// view `st` (set by the element); `hits` collects what the pointer can point at.
class NetworkChart {
  constructor(canvas, hits) {
    this.canvas = canvas;
    this.hits = hits;
    this.st = null;
  }

  update(fr) {
    drawNetwork(this.canvas, this.st, fr, this.hits);
  }
}
