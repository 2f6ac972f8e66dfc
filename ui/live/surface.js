// The decision surface: the network's output on the grid, painted into the layout image under
// the data points (ui/live/surface.py builds the figure).
// The grid's values `z` (rows, row 0 at the bottom) coloured over [zmin, zmax] into `canvas`,
// one pixel a grid point; returns its PNG data URL and the values' range.
function paintSurface(canvas, z, grid) {
  const n = z.length;
  const m = z[0].length;
  const { ctx, img } = blankImage(canvas, m, n);
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
  return { source: canvas.toDataURL(), lo, hi };
}

// The surface's Plotly chart: built once per view (Plotly.react), then only its image and title
// swapped (Plotly.relayout: the zoom and the points' hover stay Plotly's). `update(view)` draws
// what the element chose to show (the network's output or a hidden unit's map: z, colours,
// title) and returns the values' range and whether the chart was built anew.
class SurfaceChart {
  constructor(el) {
    this.el = el;
    this.canvas = document.createElement("canvas");
    this.st = null;
    this.staticKey = null;
    this.key = null; // the view it was built for
    this.title = null;
  }

  view(st, staticKey) {
    this.st = st;
    this.staticKey = staticKey;
  }

  update(view) {
    const { source, lo, hi } = paintSurface(this.canvas, view.z, view.colours);
    const grid = this.st.grid;
    const div = this.el;
    const built = this.key !== this.staticKey || !div._fullLayout;
    if (built) {
      const fig = this.st.figure;
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
      this.key = this.staticKey;
      this.title = view.title;
    } else {
      const update = { "images[0].source": source };
      if (view.title !== this.title) {
        update["title.text"] = view.title;
        this.title = view.title;
      }
      window.Plotly.relayout(div, update);
    }
    return { lo, hi, built };
  }
}
