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
