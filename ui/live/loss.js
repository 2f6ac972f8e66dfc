// The loss chart: loss above, accuracy or R² below (ui/live/loss.py builds the figure).

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

const MAX_LOSS_HEIGHT = 720; // a loss chart taller than this reads no better

// The loss figure (built by the server without its numbers) with a frame's lines, ranges and
// marks: while looking back, the later epochs faint and a line at the epoch shown; early
// stopping's best epoch dotted.
function lossFigure(st, fr, ranges, rowHeight = 0) {
  const { data, layout } = structuredClone(st.figure);
  const later = fr.after && fr.after.epoch.length ? fr.after : null;
  const n = fr.epoch.length;
  st.series.forEach((s, i) => {
    Object.assign(data[i], { x: fr.epoch, y: fr[s.key], mode: n > 1 ? "lines" : "markers" });
    // each split's dash from the contract (the same SPLITS the server's figures use)
    data[i].line.dash = data[st.series.length + i].line.dash = SPLITS[s.split].dash;
    if (later) Object.assign(data[st.series.length + i], { x: later.epoch, y: later[s.key] });
  });
  // beside a taller weights chart (two columns), as tall as it: no blank under the loss
  if (rowHeight > layout.height) layout.height = Math.min(rowHeight, MAX_LOSS_HEIGHT);
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

class LossChart extends PlotlyChart {
  // a double click gives the ranges back and draws the chart again at once (the element's call)
  watch() {
    if (!this.el.__nnlZoom) watchZoom(this.el, this, () => this.onReset && this.onReset());
  }

  // Its lines' new arrays through Plotly.animate without a redraw; new ranges or marks rebuild.
  update(fr) {
    const fresh = this.fresh();
    const ranges = this.zoomed && this.el._fullLayout ? shownRanges(this.el) : fr.ranges;
    const later = fr.after && fr.after.epoch.length ? fr.epoch[fr.epoch.length - 1] : null;
    const shape = JSON.stringify([ranges, fr.best, later, fr.epoch.length > 1, this.rowHeight]);
    if (fresh || shape !== this.shape) {
      this.build(lossFigure(this.st, fr, ranges, this.rowHeight));
      this.shape = shape;
    } else {
      // (immediate: a new frame's lines replace an animation still in flight)
      const data = this.st.series.map((x) => ({ x: fr.epoch, y: fr[x.key] }));
      window.Plotly.animate(this.el, { data, traces: data.map((_, i) => i) }, ANIMATE);
    }
  }
}
