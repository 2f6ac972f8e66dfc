// The live training charts: one element that keeps five charts and updates them in place.
// This file keeps the queue, the pacing and the layout; each chart's drawing is in its own file
// (network.js, surface.js, loss.js, weights.js, slopes.js), shared helpers in common.js.
//
// Streamlit calls the default export with every new message (`data`): the static part of the
// view (names, geometry, colour scales; kept while `static.key` stays the same) and one or
// more frames (snapshots of the run). Frames are queued and played at the pace the messages
// arrive: each frame paints all five charts at once (every chart shows the same epoch).
//
// The decision surface is a Plotly chart whose data points never change; the network's output
// under them is a layout image replaced with Plotly.relayout (zoom and hover stay Plotly's).
// The network diagram is a canvas with its own hover tooltip. The loss, weight heatmaps and
// unit slopes are Plotly figures updated in place (common.js says how): the
// heatmaps' cells and the slopes' bars are layout images too, painted here.
//
// Trusted code: every string comes from the server's chart builders; text reaches the page
// through canvas fillText, textContent, or Plotly (whose labels the server escaped).


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

// ------------------------------------------------------------------------------ element
// Every frame paints every chart (LiveCharts.draw), each by its cheapest update (plot).

const PLOT_CHARTS = { loss: LossChart, weights: WeightsChart, slopes: SlopesChart };

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
    this.surfaceNote = "";
    this.surfaceHover = false;
    this.hits = {};
    this.plots = {};
    this.stopped = false;
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
    // what a screen reader announces: one line, politely, at most every SPEAK_MS while playing
    // and at once when paused (speech.js)
    this.spoken = document.createElement("div");
    this.spoken.className = "nnl-sr";
    this.spoken.setAttribute("role", "status");
    this.spoken.setAttribute("aria-live", "polite");
    this.spoken.setAttribute("aria-atomic", "true");
    root.appendChild(this.spoken);
    this.speech = new Speech();
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
      cell.setAttribute("role", "figure");
      cell.setAttribute("aria-label", CHART_NAMES[name]);
      const said = document.createElement("div");
      said.className = "nnl-sr";
      said.id = `nnl-said-${name}-${++SAID_IDS}`;
      cell.setAttribute("aria-describedby", said.id);
      cell.appendChild(said);
      this.said = this.said || {};
      this.said[name] = said;
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
    this.network = new NetworkChart(this.els.network, this.hits.network);
    this.els.network.tabIndex = 0; // its units: arrow keys, Enter pins (unitKeys)
    this.els.network.setAttribute("role", "img");
    this.els.network.setAttribute("aria-label", CHART_NAMES.network);
    this.surface = new SurfaceChart(this.els.surface);
    this.hover("network", this.els.network);
    this.unitEvents();
    this.els.surface.addEventListener("mousemove", (ev) => this.hoverSurface(ev));
    this.els.surface.addEventListener("mouseleave", () => {
      this.surfaceHover = false;
      this.notes.surface.textContent = this.surfaceNote || "";
    });
    this.networkResizer = redrawOnResize(this.els.network, () => {
      if (this.current && this.static && !this.stopped) {
        this.network.update(this.current.network);
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
    this.unitKeys(el, same);
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

  // The same by keyboard: the focused diagram shows a unit's map (the first, on focus); the
  // arrow keys move to the next or previous unit, Enter or Space pins it (again: unpins),
  // Escape unpins. The diagram's name says which unit is shown.
  unitKeys(el, same) {
    const units = () => this.hits.network.filter((h) => h.kind === "node" && h.node.kind === "unit")
      .map((h) => ({ layer: h.node.layer, index: h.node.index, label: h.node.full || h.node.label }));
    const say = () => {
      const u = this.shownUnit();
      const list = units();
      const at = u ? list.find((x) => same(x, u)) : null;
      const pinned = this.unitPin && u && same(this.unitPin, u) ? ", pinned" : "";
      el.setAttribute("aria-label", at
        ? `${CHART_NAMES.network}: hidden unit ${at.label} shown on the surface${pinned}. Arrow keys: another unit; Enter: pin or unpin.`
        : `${CHART_NAMES.network}. Arrow keys show each hidden unit's map on the surface.`);
    };
    const move = (step) => {
      const list = units();
      if (!list.length) return;
      const u = this.unitHover || this.unitPin;
      const i = u ? list.findIndex((x) => same(x, u)) : -1;
      const next = list[(i + step + list.length) % list.length];
      this.unitHover = { layer: next.layer, index: next.index };
      this.showUnit();
    };
    el.addEventListener("focus", () => {
      if (!this.static || !this.static.network.maps) return;
      if (!this.unitHover && !this.unitPin) move(1);
      say();
    });
    el.addEventListener("blur", () => {
      if (this.unitHover) {
        this.unitHover = null;
        this.showUnit();
      }
      say();
    });
    el.addEventListener("keydown", (ev) => {
      if (!this.static || !this.static.network.maps) return;
      const steps = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (ev.key in steps) move(steps[ev.key]);
      else if (ev.key === "Enter" || ev.key === " ") {
        const u = this.unitHover || this.unitPin;
        if (u) this.unitPin = same(u, this.unitPin) ? null : { ...u };
        this.showUnit();
      } else if (ev.key === "Escape" && this.unitPin) {
        this.unitPin = null;
        this.showUnit();
      } else return;
      ev.preventDefault();
      say();
    });
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
      this.network.update(this.current.network);
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
    const view = this.surfaceView(frame);
    st.network.shown = view.unit; // drawNetwork outlines it
    this.surface.view(st.surface, this.staticKey);
    const { lo, hi, built } = this.surface.update(view);
    // the range on the grid: a flat output (the blog's ~0.5) says so in numbers
    if (view.unit) {
      this.surfaceNote = `${view.label} on this grid: ${fmt(lo)} to ${fmt(hi)} · ${view.meaning}`;
    } else {
      this.surfaceNote = view.colours.zmin === -0.5 ? "" : `output on this grid: ${fmt(lo)} to ${fmt(hi)}`;
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
    if (built) {
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
      this.network.st = this.static.network;
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
    // the numbers as decoded, for the contract test (tests/browser/test_live_contract_e2e.py)
    if (window.__nnLiveTest) s.decoded = { static: this.static, history, frames };
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
      // At most about two messages of latency: drop the oldest frames beyond them (messages
      // arrive unevenly: with one message's room, a late one then an early one dropped frames).
      this.batch = Math.max(frames.length, 1);
      const keep = Math.min(Math.max(2 * frames.length + 1, 2), MAX_QUEUE);
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
      let frame = this.queue.shift();
      if (this.playing && CALM && CALM.matches) {
        // reduced motion: the newest frame, at most one a CALM_MS (the rest are skipped)
        if (this.queue.length) frame = this.queue.pop();
        stats().dropped += this.queue.length;
        this.queue.length = 0;
        stats().calm = true;
        this.draw(frame);
        // a second from the end of this redraw: calm steps even when one redraw is slow
        this.nextDue = performance.now() + CALM_MS;
        requestAnimationFrame(this.loop);
        return;
      }
      // more than a message's frames waiting: play a little faster, to catch up
      const pace = this.queue.length > (this.batch || 1) ? 0.8 : 1;
      this.nextDue = Math.max(now + this.spacing * 0.5, this.nextDue + this.spacing * pace);
      this.draw(frame);
    } else if (this.playing && this.current && this.static && window.Plotly) {
      this.plotNext(now);
    }
    requestAnimationFrame(this.loop);
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
      this.network.update(frame.network);
      took.network = performance.now() - t;
      for (const name of PLOTS) this.plot(name, frame);
      this.notes.slopes.textContent = frame.slopes.summary || "";
      if (!this.surfaceHover) this.notes.surface.textContent = this.surfaceNote;
      this.status.textContent = frame.text || "";
      this.speak(frame);
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
    s.drawnAt = (s.drawnAt || []).concat([[frame.epoch, performance.now()]]).slice(-30);
    this.root.dataset.epoch = String(frame.epoch);
    this.root.dataset.bestEpoch = Number.isFinite(frame.loss.best) ? String(frame.loss.best) : "";
  }

  // The charts in words (speech.js): each chart's description, and the line announced.
  speak(frame) {
    const said = this.speech.say(frame, this.static, this.playing, performance.now());
    if (!said) return;
    for (const name of CHARTS) if (this.said[name].textContent !== said.charts[name]) this.said[name].textContent = said.charts[name];
    this.spoken.textContent = said.line;
    stats().spoken = { line: said.line, epoch: frame.epoch, playing: this.playing, count: (stats().spoken || { count: 0 }).count + 1 };
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
    this.plots[name].hoverData(frame[FRAME_PART[name]], frame.epoch);
  }

  // One Plotly chart for one frame (its class says how it is updated).
  plot(name, frame) {
    const chart = this.plots[name] || (this.plots[name] = this.plotChart(name));
    chart.view(this.static[name], this.staticKey, this.playing);
    if (name === "loss") chart.rowHeight = this.weightsHeight();
    const t0 = performance.now();
    chart.update(frame[FRAME_PART[name]], frame.epoch);
    chart.epoch = frame.epoch;
    this.count(name, frame.epoch, performance.now() - t0);
    // the loss chart shares a row with the weights: a new weights height re-lays it out
    const loss = this.plots.loss;
    if (name === "weights" && loss && loss.rowHeight !== this.weightsHeight()) this.plot("loss", frame);
  }

  // The weights chart's height when it sits beside the loss chart (two columns), else 0.
  weightsHeight() {
    const w = this.plots.weights;
    const columns = getComputedStyle(this.grid).gridTemplateColumns.trim().split(/\s+/).length;
    return columns > 1 && w && w.el._fullLayout ? w.el._fullLayout.height : 0;
  }

  plotChart(name) {
    const chart = new PLOT_CHARTS[name](this.els[name], this.titles[name]);
    chart.onReset = () => this.current && !this.playing && this.plot(name, this.current);
    return chart;
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
