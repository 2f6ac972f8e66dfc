// Unit slopes: each hidden unit's mean slope (ui/live/slopes.py builds the figure).

// Each unit's place on the slopes' x axis: layers a unit apart (as ui/live/slopes.py slopes_figure).
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

class SlopesChart extends PlotlyChart {
  // The bars painted into the one layout image (their outlines, under it, hold the hover).
  update(fr, epoch) {
    const fresh = this.fresh();
    if (fresh) this.build(slopesFigure(this.st, fr, this.widthNow)); // (its outlines hold the frame's y)
    const cv = this.canvases[0] || (this.canvases[0] = document.createElement("canvas"));
    if (this.st.group_names.length) {
      window.Plotly.relayout(this.el, { "images[0].source": paintBars(this.el, this.st, fr.slope, cv) });
      crisp(this.el);
    }
    if (!fresh && !this.playing) this.hoverData(fr, epoch);
  }

  hoverData(fr, epoch) {
    if (this.st.group_names.length) {
      const ys = slopesY(this.st, fr.slope);
      window.Plotly.restyle(this.el, { y: ys }, ys.map((_, i) => i));
    }
    super.hoverData(fr, epoch);
  }
}
