// Weight heatmaps, one per layer, last row the biases, one shared scale [-m, m]
// (ui/live/weights.py builds the figure).

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

class WeightsChart extends PlotlyChart {
  // `fr` is the network's frame part (the weights ride with it): the layers' images swapped by
  // one relayout; the colour range moves in steps.
  update(fr, epoch) {
    const fresh = this.fresh();
    const m = niceUp(Math.max(Math.abs(fr.wmin), Math.abs(fr.wmax)));
    if (fresh) {
      const fig = weightsFigure(this.st, this.widthNow);
      Object.assign(fig.layout.coloraxis, { cmin: -m, cmax: m });
      this.build(fig);
      this.range = m;
    }
    const update = weightsImages(this.el, this.st, fr, m, this.canvases);
    if (m !== this.range) {
      Object.assign(update, { "coloraxis.cmin": -m, "coloraxis.cmax": m });
      this.range = m;
    }
    window.Plotly.relayout(this.el, update);
    crisp(this.el);
    if (fresh || !this.playing) this.hoverData(fr, epoch);
  }

  hoverData(fr, epoch) {
    const zs = weightsZ(this.st, fr);
    window.Plotly.restyle(this.el, { z: zs }, zs.map((_, i) => i));
    super.hoverData(fr, epoch);
  }
}
