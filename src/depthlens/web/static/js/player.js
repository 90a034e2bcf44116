// The five-operation player: one layer y = a(W·x + b) of the live network, played one
// operation at a time (rotate by Vᵀ, [reflect], change dimension, scale by Σ, rotate by U,
// translate by b, bend by a), the same decomposition as `depthlens animate` / `explain`.
//
// The server sends every frame of the animation at once (an `operations` binary frame:
// `points` (F, N, d) and `grid` (F, P, d) float32, already projected to d = 2 or 3 display
// coordinates by one projection for the whole animation); this panel only plays, scrubs and
// draws them. It asks again when a layer is picked, when the network is rebuilt or reset, and
// on "Refresh" (the network trains meanwhile), never on a training frame.

import { cssColor } from "./colors.js";
import { el, option } from "./dom.js";
import { formatNumber } from "./format.js";

const PER_STEP = 12;
const FPS = 24;
const HOLD_MS = 350; // extra pause on the last frame of each step while playing
const SIZE = 300;
const MARGIN = 14;

const STEP_WORDS = {
  rotate: "rotate", reflect: "reflect", dimension: "dimension", scale: "scale",
  translate: "translate", bend: "bend",
};

/** Labels of the network's dense layers: "Layer 1: 2→4 tanh" … "Output: 2→1 sigmoid". */
export function layerLabels(network) {
  const sizes = network.sizes;
  const labels = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const last = k === sizes.length - 2;
    const act = last ? network.output : network.activations[k];
    labels.push(`${last ? "Output" : `Layer ${k + 1}`}: ${sizes[k]}\u2192${sizes[k + 1]} ${act}`);
  }
  return labels;
}

/** A camera that follows the points smoothly (as the CLI's animations): for frame f, the
 * centre of the box of frames f … f + look (it looks ahead, so where the points are going is
 * in view) and the radius that holds them (Chebyshev in 2-D, Euclidean in 3-D so a rotation
 * never crops), then centre and log-radius averaged over ±look/2, never below what frame f
 * itself needs. Returns {centre: Float64Array(F·d), radius: Float64Array(F)}. */
export function followCamera(frames, n, dims, look) {
  const box = (f) => {
    const lo = new Array(dims).fill(Infinity);
    const hi = new Array(dims).fill(-Infinity);
    for (const arr of frames) {
      const data = arr.data;
      const count = arr.shape[1];
      const base = f * count * dims;
      for (let i = 0; i < count * dims; i++) {
        const v = data[base + i];
        if (!Number.isFinite(v)) continue;
        const a = i % dims;
        if (v < lo[a]) lo[a] = v;
        if (v > hi[a]) hi[a] = v;
      }
    }
    return [lo, hi];
  };
  const reach = (f, c) => {
    let r = 0;
    for (const arr of frames) {
      const data = arr.data;
      const count = arr.shape[1];
      const base = f * count * dims;
      for (let p = 0; p < count; p++) {
        let d = 0;
        for (let a = 0; a < dims; a++) {
          const v = data[base + p * dims + a] - c[a];
          if (!Number.isFinite(v)) continue;
          d = dims === 3 ? d + v * v : Math.max(d, Math.abs(v));
        }
        r = Math.max(r, dims === 3 ? Math.sqrt(d) : d);
      }
    }
    return r;
  };
  const boxes = [];
  for (let f = 0; f < n; f++) boxes.push(box(f));
  const centre = new Float64Array(n * dims);
  const wide = new Float64Array(n);
  const own = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const lo = new Array(dims).fill(Infinity);
    const hi = new Array(dims).fill(-Infinity);
    for (let g = f; g <= Math.min(n - 1, f + look); g++) {
      for (let a = 0; a < dims; a++) {
        lo[a] = Math.min(lo[a], boxes[g][0][a]);
        hi[a] = Math.max(hi[a], boxes[g][1][a]);
      }
    }
    const c = lo.map((v, a) => (Number.isFinite(v) ? (v + hi[a]) / 2 : 0));
    for (let a = 0; a < dims; a++) centre[f * dims + a] = c[a];
    let r = 0;
    for (let g = f; g <= Math.min(n - 1, f + look); g++) r = Math.max(r, reach(g, c));
    wide[f] = Math.max(r, 1e-6);
  }
  const half = Math.max(1, Math.floor(look / 2));
  const smoothC = new Float64Array(n * dims);
  const radius = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const from = Math.max(0, f - half);
    const to = Math.min(n - 1, f + half);
    let logSum = 0;
    for (let g = from; g <= to; g++) {
      logSum += Math.log(wide[g]);
      for (let a = 0; a < dims; a++) smoothC[f * dims + a] += centre[g * dims + a] / (to - from + 1);
    }
    own[f] = reach(f, Array.from(smoothC.subarray(f * dims, f * dims + dims)));
    radius[f] = Math.max(Math.exp(logSum / (to - from + 1)), own[f], 1e-6);
  }
  return { centre: smoothC, radius };
}

export class OperationPlayer {
  /** @param {HTMLElement} root  the panel's box
   * @param {import("./panel-api.js").PanelApi} api  what the panel may read and call */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.kinds = ["operations"];
    this.state = null;
    this.header = null;
    this.arrays = null;
    this.camera = null;
    this.colors = [];
    this.layer = 0;
    this.frameIndex = 0;
    this.drawn = 0;
    this.requests = 0;
    this.answers = 0;
    this.pending = false;
    this.playing = false;
    this.stopAt = null;
    this.yaw = -0.55;
    this.pitch = 0.5;
    this.labelBoxes = []; // where the canvas's text was drawn: {text, left, top, right, bottom}
    this._networkKey = "";
    this._raf = null;
    this._last = 0;
    this._wait = 0;
    this.build();
  }

  // -- DOM ---------------------------------------------------------------------------------
  build() {
    this.select = el("select", { id: "player-layer", title: "The layer to take apart" });
    this.playButton = el("button", { id: "player-play", class: "text-button outlined",
      title: "Play the operations one by one" }, "\u25b6 Play");
    this.refreshButton = el("button", { id: "player-refresh", class: "text-button",
      title: "Take the layer's current weights again (the network trains meanwhile)" }, "Refresh");
    this.canvas = el("canvas", { id: "player-canvas", class: "player-canvas", width: SIZE,
      height: SIZE });
    this.slider = el("input", { id: "player-slider", class: "player-slider", type: "range",
      min: 0, max: 0, step: 1, value: 0 });
    this.slider.setAttribute("aria-label", "Frame of the animation");
    this.chips = el("div", { id: "player-steps", class: "player-steps" });
    this.caption = el("p", { id: "player-caption", class: "player-caption" },
      "Waiting for the network\u2026");
    this.note = el("p", { id: "player-note", class: "hint player-note" });
    this.root.append(
      el("h4", {}, "Five operations"),
      el("p", { class: "hint" },
        "One layer y = a(W\u00b7x + b) as rotate (V\u1d40), change dimension, scale (\u03a3), " +
        "rotate (U), translate (b) and bend (a): W = U\u03a3V\u1d40."),
      el("div", { class: "player-controls" }, this.select, this.playButton, this.refreshButton),
      this.canvas, this.slider, this.chips, this.caption, this.note,
    );
    this.ctx = this.canvas.getContext("2d");
    this.select.addEventListener("change", () => {
      this.layer = Number(this.select.value);
      this.pause();
      this.request();
    });
    this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    this.refreshButton.addEventListener("click", () => this.request());
    this.slider.addEventListener("input", () => {
      this.pause();
      this.show(Number(this.slider.value));
    });
    this.dragRotate();
    this.drawEmpty();
  }

  /** Drag on the canvas to turn a 3-D picture (yaw about the vertical, pitch up to ±90°). */
  dragRotate() {
    let from = null;
    this.canvas.addEventListener("pointerdown", (e) => {
      if (this.header?.dims !== 3) return;
      from = [e.clientX, e.clientY];
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!from) return;
      this.yaw += (e.clientX - from[0]) * 0.01;
      this.pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, this.pitch + (e.clientY - from[1]) * 0.01));
      from = [e.clientX, e.clientY];
      this.draw();
    });
    const end = () => { from = null; };
    this.canvas.addEventListener("pointerup", end);
    this.canvas.addEventListener("pointercancel", end);
  }

  // -- hooks -------------------------------------------------------------------------------
  onState(state) {
    this.state = state;
    const net = state.network;
    const key = JSON.stringify([net.sizes, net.activations, net.output]);
    const changed = key !== this._networkKey;
    if (changed) {
      this._networkKey = key;
      const labels = layerLabels(net);
      this.layer = Math.min(this.layer, labels.length - 1);
      this.select.replaceChildren(...labels.map((text, k) => option(k, text)));
      this.select.value = String(this.layer);
    }
    if (changed || state.fresh || !this.header) this.request();
  }

  onPanel(frame) {
    const h = frame.header;
    if (h.kind !== "operations") return;
    this.pending = false;
    this.answers += 1;
    if (h.layer !== this.layer) return; // an answer for a layer no longer picked
    const sameLayer = this.header && this.header.layer === h.layer
      && this.header.n_frames === h.n_frames;
    if (!sameLayer) {
      // a plane with a page turn, or the output plane of a lowering layer ('first'), is seen
      // nearly from above (tilted, so what leaves the plane shows); a 3-D space obliquely
      const flat = h.projection.method === "turn" || h.projection.method === "first";
      [this.yaw, this.pitch] = flat ? [0, 1.15] : [-0.55, 0.5];
    }
    this.header = h;
    this.arrays = frame.arrays;
    const lut = this.state?.palettes.output ?? this.api.state()?.palettes.output;
    const codes = frame.arrays.codes.data;
    this.colors = Array.from(codes, (c) => (lut ? cssColor(lut, c) : "#888"));
    this.camera = followCamera([frame.arrays.points, frame.arrays.grid], h.n_frames, h.dims,
      h.per_step);
    this.slider.max = String(h.n_frames - 1);
    this.buildChips();
    this.note.textContent = this.describe(h);
    this.show(sameLayer ? Math.min(this.frameIndex, h.n_frames - 1) : 0);
  }

  onError() {
    this.pending = false;
  }

  /** The picture to download: the animation's canvas. */
  picture() {
    return this.canvas;
  }

  /** Training paused (play pressed again, a stop condition, divergence): show the layer as
   * trained so far, if it was trained since the last answer. */
  onPlaying(playing) {
    const epoch = this.api.frame()?.header.epoch;
    if (this._wasPlaying && !playing && this.header && epoch !== this.header.epoch) this.request();
    this._wasPlaying = playing;
  }

  // -- requests and playback ----------------------------------------------------------------
  request() {
    if (!this.state) return;
    this.pending = true;
    this.requests += 1;
    this.api.send({ type: "operations", layer: this.layer, per_step: PER_STEP });
  }

  play() {
    if (!this.header) return;
    if (this.frameIndex >= this.header.n_frames - 1) this.show(0);
    this.playing = true;
    this.playButton.textContent = "\u275a\u275a Pause";
    this._last = performance.now();
    this._wait = 1000 / FPS;
    const tick = (now) => {
      if (!this.playing) return;
      if (now - this._last >= this._wait) {
        this._last = now;
        const next = this.frameIndex + 1;
        if (next >= this.header.n_frames || (this.stopAt !== null && this.frameIndex >= this.stopAt)) {
          this.pause();
          return;
        }
        this.show(next);
        this._wait = 1000 / FPS + (this.stepEnds(next) ? HOLD_MS : 0);
      }
      this._raf = requestAnimationFrame(tick);
    };
    this._raf = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.stopAt = null;
    if (this._raf !== null) cancelAnimationFrame(this._raf);
    this._raf = null;
    this.playButton.textContent = "\u25b6 Play";
  }

  /** Whether frame f is the last frame of a step. */
  stepEnds(f) {
    return this.header.steps.some((s) => f === s.start + s.count - 1);
  }

  /** The step frame f belongs to (its index), or −1 for the input frame. */
  stepOf(f) {
    return this.header.steps.findIndex((s) => f >= s.start && f < s.start + s.count);
  }

  buildChips() {
    const h = this.header;
    const chips = h.steps.map((s, i) => {
      let word = STEP_WORDS[s.name] ?? s.name;
      if (s.name === "dimension") word = h.n_out > h.n_in ? "lift" : "lower";
      const chip = el("button", { class: "player-chip", title: s.caption }, `${i + 1} ${word}`);
      chip.dataset.step = String(i);
      chip.addEventListener("click", () => {
        this.pause();
        this.show(s.start - 1);
        this.play();
        this.stopAt = s.start + s.count - 1; // play this step only
      });
      return chip;
    });
    this.chips.replaceChildren(...chips);
  }

  describe(h) {
    const how = {
      own: `drawn in its own ${h.ambient}-D coordinates`,
      line: "drawn on a number line (data in rows by class, the grid below)",
      first: `${h.ambient}-D space drawn through its first 3 coordinates (the output's own axes; drag to turn)`,
      turn: "plane drawn in 3-D so the reflection's page turn shows (drag to turn)",
      pca: `${h.ambient}-D space drawn through 3 principal axes of all frames (one view for the whole animation; drag to turn)`,
    }[h.projection.method];
    const turned = h.reflected && h.projection.method !== "turn"
      ? " The reflection turns an axis over through an extra dimension, drawn as perspective." : "";
    const points = `${h.n_points} ${h.points} point${h.n_points === 1 ? "" : "s"}`;
    return `${h.title} \u00b7 epoch ${h.epoch} \u00b7 ${points} \u00b7 ${how}.${turned}`;
  }

  /** Show frame f: slider, caption, chips and the picture. */
  show(f) {
    if (!this.header) return;
    this.frameIndex = Math.max(0, Math.min(this.header.n_frames - 1, f));
    this.slider.value = String(this.frameIndex);
    const h = this.header;
    const s = this.stepOf(this.frameIndex);
    if (s < 0) {
      this.caption.textContent = `Input of the layer (${h.n_in}-D): press play or pick a step`;
    } else {
      const step = h.steps[s];
      const t = (this.frameIndex - step.start + 1) / step.count;
      this.caption.textContent = `Step ${s + 1} of ${h.steps.length} \u00b7 ${step.caption} (t = ${t.toFixed(2)})`;
    }
    this.caption.dataset.step = String(s);
    for (const chip of this.chips.children) chip.classList.toggle("active", Number(chip.dataset.step) === s);
    this.draw();
  }

  // -- drawing -----------------------------------------------------------------------------
  drawEmpty() {
    const ctx = this.ctx;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, SIZE, SIZE);
  }

  /** A function from display coordinates (frame f) to canvas pixels [x, y]. */
  mapper(f) {
    const h = this.header;
    const d = h.dims;
    const c = this.camera.centre.subarray(f * d, f * d + d);
    const k = (SIZE / 2 - MARGIN) / this.camera.radius[f];
    if (d === 2) return (v, i) => [SIZE / 2 + (v[i] - c[0]) * k, SIZE / 2 - (v[i + 1] - c[1]) * k];
    const cy = Math.cos(this.yaw);
    const sy = Math.sin(this.yaw);
    const cp = Math.cos(this.pitch);
    const sp = Math.sin(this.pitch);
    return (v, i) => {
      const x = v[i] - c[0];
      const y = v[i + 1] - c[1];
      const z = v[i + 2] - c[2];
      const x1 = x * cy - y * sy;
      const y1 = x * sy + y * cy;
      return [SIZE / 2 + x1 * k, SIZE / 2 - (z * cp + y1 * sp) * k];
    };
  }

  draw() {
    const h = this.header;
    if (!h || !this.arrays) return;
    const ctx = this.ctx;
    const f = this.frameIndex;
    const d = h.dims;
    const at = this.mapper(f);
    this.drawEmpty();
    this.drawAxes(at, f);
    // grid lines: polylines of line_lengths points each (the first half one direction)
    const grid = this.arrays.grid.data;
    const nGrid = this.arrays.grid.shape[1];
    let base = f * nGrid * d;
    ctx.lineWidth = 1;
    const half = h.line_lengths.length / 2;
    h.line_lengths.forEach((len, li) => {
      ctx.strokeStyle = li < half ? "rgba(24, 61, 78, 0.35)" : "rgba(120, 120, 120, 0.35)";
      ctx.beginPath();
      for (let p = 0; p < len; p++) {
        const [x, y] = at(grid, base + p * d);
        if (p === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
      base += len * d;
    });
    // the data points, coloured as on the output map
    const pts = this.arrays.points.data;
    const n = this.arrays.points.shape[1];
    const start = f * n * d;
    ctx.strokeStyle = "#fff";
    for (let p = 0; p < n; p++) {
      const [x, y] = at(pts, start + p * d);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.beginPath();
      ctx.arc(x, y, 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = this.colors[p];
      ctx.fill();
      ctx.stroke();
    }
    this.drawn += 1;
  }

  /** Faint axes through the origin and the view's half-width, so scaling stays readable. */
  drawAxes(at, f) {
    const ctx = this.ctx;
    const d = this.header.dims;
    const r = this.camera.radius[f];
    const ends = [];
    for (let a = 0; a < d; a++) {
      const lo = new Float64Array(d);
      const hi = new Float64Array(d);
      lo[a] = -4 * r;
      hi[a] = 4 * r;
      ends.push([at(lo, 0), at(hi, 0)]);
    }
    ctx.strokeStyle = "#d6d6d6";
    ctx.lineWidth = 1;
    for (const [p, q] of ends) {
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(q[0], q[1]);
      ctx.stroke();
    }
    // the scale, bottom left, its box kept for the tests (inside the canvas, never clipped)
    const text = `half-width ${formatNumber(r, 2)}`;
    ctx.fillStyle = "#999";
    ctx.font = "10px sans-serif";
    ctx.textAlign = "left";
    const m = ctx.measureText(text);
    const descent = m.actualBoundingBoxDescent || 3;
    const y = SIZE - 2 - descent;
    ctx.fillText(text, 4, y);
    this.labelBoxes = [{ text, left: 4 - (m.actualBoundingBoxLeft || 0),
      right: 4 + Math.max(m.width, m.actualBoundingBoxRight || 0),
      top: y - (m.actualBoundingBoxAscent || 8), bottom: y + descent }];
  }
}
