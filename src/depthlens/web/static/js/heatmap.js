// The large output view: the network's output over the plane (100×100 codes drawn at 300 px)
// with the data on top (train points outlined white, test points outlined black), or, while a
// neuron is hovered, that neuron's map.
//
// Data with one input is drawn as a plot of y = f(x): the map is then a stripe picture (each
// column one x, coloured by the output there) and on top come axes with ticks, the network's
// curve (the frame's `curve` at the data frame's `curve_x`) and the points at (x, target):
// regression the predicted y over the points' y; two classes p(class 1) over the points at 0 or
// 1; k classes every p(class c) in its class colour over the points at 1.
//
// A click on the view calls `onPick({coords, line})` when a hook is set (your own data adds a
// point there): `coords` are (x1, x2) on the plane, (x, y) in the plot's units on a line.

import { cssColor, drawCodes, SHADES, NAN_CODE } from "./colors.js";
import { precision, roundShown, tick } from "./format.js";

const ALPHA = 160; // Playground draws its heatmap at alpha 160/255
const LEVELS = 25; // k-class codes: class·25 + confidence level
const MARK_RADIUS = 9; // px: the marked point's ring (see mark)

/** Discretized code: the sign for the two-class scale, full confidence for k classes. */
function discretizer(multiclass) {
  if (multiclass) return (c) => (c === NAN_CODE ? c : Math.floor(c / LEVELS) * LEVELS + LEVELS - 1);
  return (c) => (c === NAN_CODE ? c : c >= SHADES / 2 ? SHADES : 0);
}

export class OutputView {
  constructor(heatmap, points, label) {
    this.heatmap = heatmap;
    this.points = points;
    this.label = label;
    this.small = document.createElement("canvas");
    const ratio = window.devicePixelRatio || 1;
    this.size = points.clientWidth || 300;
    points.width = this.size * ratio;
    points.height = this.size * ratio;
    this.pctx = points.getContext("2d");
    this.pctx.scale(ratio, ratio);
    this.showTest = false;
    this.discretize = false;
    this.hover = null;
    this.data = null;
    this.output = null;
    this.curve = null;
    this.line = false;
    this.onPick = null;
    this.marked = null; // {split, index}: the point a panel points at (see mark)
    points.addEventListener("click", (e) => {
      if (!this.onPick || !this.extent) return;
      const box = points.getBoundingClientRect();
      const px = ((e.clientX - box.left) / box.width) * this.size;
      const py = ((e.clientY - box.top) / box.height) * this.size;
      this.onPick({ coords: this.toData(px, py), line: this.line });
    });
  }

  /** Data coordinates of a point (px, py) of the 300 px view: (x1, x2), or (x, y) on a line. */
  toData(px, py) {
    const [lo, hi] = this.extent;
    const x = lo + (px / this.size) * (hi - lo);
    if (this.line) {
      const [ylo, yhi] = this.yRange();
      return [x, yhi - (py / this.size) * (yhi - ylo)];
    }
    return [x, hi - (py / this.size) * (hi - lo)];
  }

  /** The plot's value axis on a line: ±1.15·scale (regression) or [−0.1, 1.1] (probability). */
  yRange() {
    if (this.problem === "regression") return [-1.15 * this.scale, 1.15 * this.scale];
    return [-0.1, 1.1];
  }

  /** The network's output along the line (a frame's `curve` array), or null. */
  setCurve(curve) {
    this.curve = curve;
    if (this.line) this.drawPoints();
  }

  setState(state) {
    this.palettes = state.palettes;
    this.extent = state.grid.extent;
    this.multiclass = state.network.problem === "classification" && state.network.n_classes > 2;
    this.problem = state.network.problem;
    this.nClasses = state.network.n_classes;
    this.scale = state.output_scale || 1;
    this.clamped = state.output_clamped || 0; // targets beyond ±scale (drawn at the end colour)
    this.resolution = state.grid.resolution;
    this.nodeResolution = state.grid.node_resolution;
    // resizing clears a canvas: only when the size changes (a live lr change keeps the map)
    if (this.heatmap.width !== this.resolution) {
      this.heatmap.width = this.resolution;
      this.heatmap.height = this.resolution;
    }
    if (this.small.width !== this.nodeResolution) {
      this.small.width = this.nodeResolution;
      this.small.height = this.nodeResolution;
    }
    this.drawPoints();
  }

  setData(arrays) {
    this.data = arrays;
    const line = arrays.train_x.shape[1] === 1;
    if (line !== this.line) this.curve = null;
    this.line = line;
    this.points.classList.toggle("line", line);
    this.drawPoints();
  }

  setOutput(codes) {
    this.output = codes;
    if (this.hover === null) this.drawOutput();
  }

  /** Show a node's codes (r×r) large, named `name`; null goes back to the output. */
  showNode(codes, name) {
    this.hover = codes;
    if (codes === null) {
      this.label.textContent = "";
      this.drawOutput();
      return;
    }
    this.label.textContent = name;
    drawCodes(this.small, codes, this.palettes.node, ALPHA);
    const ctx = this.heatmap.getContext("2d");
    ctx.clearRect(0, 0, this.heatmap.width, this.heatmap.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.small, 0, 0, this.heatmap.width, this.heatmap.height);
  }

  drawOutput() {
    if (!this.output || !this.palettes) return;
    const map = this.discretize ? discretizer(this.multiclass) : null;
    drawCodes(this.heatmap, this.output, this.palettes.output, ALPHA, map);
  }

  redraw() {
    if (this.hover === null) this.drawOutput();
    this.drawPoints();
  }

  drawPoints() {
    const ctx = this.pctx;
    const s = this.size;
    ctx.clearRect(0, 0, s, s);
    if (!this.data || !this.palettes) return;
    if (this.line) {
      this.drawLine();
      this._drawMark();
      return;
    }
    const [lo, hi] = this.extent;
    const scale = s / (hi - lo);
    const lut = this.palettes.output;
    const sets = [["train_x", "train_c", "#fff"]];
    if (this.showTest) sets.push(["test_x", "test_c", "#000"]);
    for (const [xs, cs, stroke] of sets) {
      const x = this.data[xs].data;
      const c = this.data[cs].data;
      ctx.lineWidth = 1;
      ctx.strokeStyle = stroke;
      for (let k = 0; k < c.length; k++) {
        const px = (x[2 * k] - lo) * scale;
        const py = (hi - x[2 * k + 1]) * scale;
        if (px < 0 || px > s || py < 0 || py > s) continue;
        ctx.beginPath();
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.fillStyle = cssColor(lut, c[k]);
        ctx.fill();
        ctx.stroke();
      }
    }
    this._drawMark();
  }

  /** Point at one data point (the backprop stepper's): `point` = {split: "train"|"test",
   * index} into the data frame's points, drawn with a ring (black on a white halo, so it reads
   * on orange, blue and white) where that point is drawn, redrawn with the points; null
   * removes it. */
  mark(point) {
    this.marked = point;
    this.drawPoints();
  }

  /** The marked point's place (px, py) in the 300 px view, or null. */
  markedAt() {
    const m = this.marked;
    const xs = m && this.data?.[`${m.split}_x`];
    if (!xs || !this.extent || m.index < 0 || m.index >= xs.shape[0]) return null;
    const [lo, hi] = this.extent;
    const s = this.size;
    if (!this.line) {
      const k = 2 * m.index;
      return [((xs.data[k] - lo) / (hi - lo)) * s, ((hi - xs.data[k + 1]) / (hi - lo)) * s];
    }
    const y = this.data[`${m.split}_y`]?.data[m.index];
    const [ylo, yhi] = this.yRange();
    const v = this.problem === "regression" ? y : this.multiclass ? 1 : y >= 1 ? 1 : 0;
    return [((xs.data[m.index] - lo) / (hi - lo)) * s, ((yhi - v) / (yhi - ylo)) * s];
  }

  _drawMark() {
    const at = this.markedAt();
    if (!at) return;
    const ctx = this.pctx;
    ctx.save();
    for (const [color, width] of [["#fff", 6], ["#000", 2.5]]) {
      ctx.beginPath();
      ctx.arc(at[0], at[1], MARK_RADIUS, 0, 2 * Math.PI);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Draw the points layer (the points, a 1-D plot's axes and curve, the mark) on `ctx`, a
   * canvas of `size` CSS px (cleared first), instead of the page's: a download's picture
   * draws it again at its own resolution. */
  drawPointsOn(ctx, size) {
    const saved = [this.pctx, this.size];
    [this.pctx, this.size] = [ctx, size];
    try {
      this.drawPoints();
    } finally {
      [this.pctx, this.size] = saved;
    }
  }

  /** The 1-D plot: axes with ticks, the points at (x, target) and the network's curve. */
  drawLine() {
    const ctx = this.pctx;
    const s = this.size;
    const [lo, hi] = this.extent;
    const [ylo, yhi] = this.yRange();
    const X = (x) => ((x - lo) / (hi - lo)) * s;
    const Y = (y) => ((yhi - y) / (yhi - ylo)) * s;
    const lut = this.palettes.output;
    // axes: the zero lines and ticks, labelled inside the plot
    ctx.save();
    ctx.font = "10px sans-serif";
    ctx.fillStyle = "rgba(0,0,0,0.65)";
    ctx.strokeStyle = "rgba(0,0,0,0.18)";
    ctx.lineWidth = 1;
    ctx.textBaseline = "middle";
    for (const t of ticks(ylo, yhi, 5)) {
      ctx.beginPath();
      ctx.moveTo(0, Y(t));
      ctx.lineTo(s, Y(t));
      ctx.stroke();
      ctx.fillText(tick(t), 3, Y(t) - 6);
    }
    ctx.textBaseline = "bottom";
    ctx.textAlign = "center";
    for (const t of ticks(lo, hi, 6)) {
      ctx.beginPath();
      ctx.moveTo(X(t), s);
      ctx.lineTo(X(t), s - 5);
      ctx.stroke();
      if (X(t) > 12 && X(t) < s - 12) ctx.fillText(tick(t), X(t), s - 6);
    }
    ctx.strokeStyle = "rgba(0,0,0,0.5)";
    ctx.beginPath();
    ctx.moveTo(0, Y(0));
    ctx.lineTo(s, Y(0));
    if (lo < 0 && hi > 0) {
      ctx.moveTo(X(0), 0);
      ctx.lineTo(X(0), s);
    }
    ctx.stroke();
    ctx.restore();
    // the points: (x, y) for regression, (x, 0 or 1) for two classes, (x, 1) for k classes
    const sets = [["train_x", "train_c", "train_y", "#fff"]];
    if (this.showTest) sets.push(["test_x", "test_c", "test_y", "#000"]);
    const height = (v, k) => {
      if (this.problem === "regression") return v;
      if (!this.multiclass) return v >= 1 ? 1 : 0;
      return 1 + 0.04 * (((k * 7919) % 11) / 10 - 0.5); // a little jitter shows how many
    };
    ctx.lineWidth = 1;
    for (const [xs, cs, ys, stroke] of sets) {
      const x = this.data[xs].data;
      const c = this.data[cs].data;
      const y = this.data[ys]?.data;
      if (!y) continue;
      ctx.strokeStyle = stroke;
      for (let k = 0; k < c.length; k++) {
        const px = X(x[k]);
        const py = Y(height(y[k], k));
        if (px < 0 || px > s || py < -3 || py > s + 3) continue;
        ctx.beginPath();
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.fillStyle = cssColor(lut, c[k]);
        ctx.fill();
        ctx.stroke();
      }
    }
    // the network's curve(s)
    const xs = this.data.curve_x?.data;
    if (!this.curve || !xs) return;
    const [n, m] = this.curve.shape;
    const values = this.curve.data;
    ctx.save();
    ctx.lineWidth = 2.5;
    ctx.lineJoin = "round";
    for (let j = 0; j < m; j++) {
      ctx.strokeStyle = this.multiclass ? cssColor(lut, j * LEVELS + LEVELS - 1) : "#222";
      ctx.beginPath();
      for (let k = 0; k < n && k < xs.length; k++) {
        const py = Math.max(-2, Math.min(s + 2, Y(values[k * m + j])));
        if (k === 0) ctx.moveTo(X(xs[k]), py);
        else ctx.lineTo(X(xs[k]), py);
      }
      ctx.stroke();
    }
    ctx.restore();
  }
}

/** About `count` round tick values in [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function ticks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(count, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * p).find((v) => v >= raw) ?? 10 * p;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Math.abs(t) < step * 1e-9 ? 0 : roundShown(t, 12)); // 12 digits: no float noise
  }
  return out;
}

/** What the output map's legend says, from the state: `labels` under the colour bar (from
 * its low end to its high end: −1 0 1 with the class names, ±scale for regression, written
 * "≤ −s" and "≥ s" when targets lie beyond, or the class names), `note` (a line for the page,
 * "" when there is nothing to add: the clamp, how k classes are shaded) and `meaning` (the
 * sentence a downloaded picture prints: what the colours are). */
export function legendLabels(state) {
  const n = state.network;
  if (n.problem === "regression") {
    const s = precision(state.output_scale || 1, 2);
    const beyond = state.output_clamped || 0;
    if (!beyond) {
      return { labels: [`\u2212${s}`, "0", s], note: "",
        meaning: `Colour: the predicted value, \u00b1${s} at the ends.` };
    }
    const what = `${beyond} target${beyond === 1 ? "" : "s"} beyond`;
    const clamp = `clamped at \u00b1${s} (${what}, drawn at the end colour)`;
    return { labels: [`\u2264 \u2212${s}`, "0", `\u2265 ${s}`], note: `Colours clamped at \u00b1${s} (${what}).`,
      meaning: `Colour: the predicted value, ${clamp}.` };
  }
  if (n.n_classes > 2) {
    return { labels: n.class_names.slice(0, n.n_classes), note: "Paler: less sure.",
      meaning: "Colour: the most likely class; paler where the network is less sure." };
  }
  const [a, b] = n.class_names;
  return { labels: [`\u22121 ${a}`, "0", `${b} 1`], note: "",
    meaning: `Colour: the network's output, from \u22121 (class ${a}) to +1 (class ${b}).` };
}

/** Draw the colour legend of the output table: the two-class scale, or the class colours. */
export function drawLegend(canvas, state) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  const lut = state.palettes.output;
  const n = state.network;
  ctx.clearRect(0, 0, w, h);
  if (n.problem === "classification" && n.n_classes > 2) {
    const k = n.n_classes;
    for (let c = 0; c < k; c++) {
      ctx.fillStyle = cssColor(lut, c * LEVELS + LEVELS - 1);
      ctx.fillRect((c * w) / k, 0, w / k + 1, h);
    }
    return;
  }
  for (let c = 0; c <= SHADES; c++) {
    ctx.fillStyle = cssColor(lut, c);
    ctx.fillRect((c * w) / (SHADES + 1), 0, w / (SHADES + 1) + 1, h);
  }
}
