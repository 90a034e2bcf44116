// The loss chart: train (grey #777) and test (black) data loss per epoch, and the
// regularization penalty (dashed orange, only while it is > 0), as Playground's
// AppendingLineChart, y autoscaled to the min/max seen (a linear scale). Long runs are thinned:
// past MAX_POINTS every other point is dropped, so the chart costs the same after a million
// epochs. `picture(loss)` draws the same curves again for a download, at slide resolution,
// with axes (epochs, the loss), ticks, axis titles and a legend.

import { ticks } from "./heatmap.js";
import { tick } from "./format.js";
import { legendItem, slideCanvas } from "./picture.js";

const MAX_POINTS = 2000;
const COLORS = ["#777", "#000", "#e8a33d"];
const DASHES = [[], [], [4, 3]];
const NAMES = ["training loss", "test loss", "regularization penalty"];
/** What each loss is, for the picture's y-axis title. */
const LOSS_NAMES = {
  bce: "binary cross-entropy",
  cross_entropy: "cross-entropy",
  mse: "mean squared error",
  half_mse: "\u00bd \u00b7 mean squared error",
};
/** The picture's layout in CSS pixels (drawn at ×2: 1200 × 680). */
const PICTURE = { width: 600, height: 340, left: 70, right: 18, top: 40, bottom: 52 };

/** The y-axis title of the picture for a loss named `loss` (the state's network.loss). */
export function lossTitle(loss) {
  const name = LOSS_NAMES[loss] ?? loss;
  return name ? `loss (${name})` : "loss";
}

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    this.width = canvas.width;
    this.height = canvas.height;
    canvas.width = this.width * ratio;
    canvas.height = this.height * ratio;
    this.ctx.scale(ratio, ratio);
    this.reset();
  }

  reset() {
    this.epochs = [];
    this.series = [[], [], []];
    this.dirty = true;
  }

  /** Add one row: epoch, [train loss, test loss, penalty or null]. */
  add(epoch, values) {
    this.epochs.push(epoch);
    values.forEach((v, i) => this.series[i].push(v));
    if (this.epochs.length > MAX_POINTS) {
      const keep = (_, k) => k % 2 === 0 || k === this.epochs.length - 1;
      this.epochs = this.epochs.filter(keep);
      this.series = this.series.map((s) => s.filter(keep));
    }
    this.dirty = true;
  }

  /** The y range [lo, hi] of every finite value, or null when there is none. */
  range() {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of this.series) {
      for (const v of s) {
        if (v === null || !Number.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!Number.isFinite(lo)) return null;
    if (hi - lo < 1e-12) { hi += 1e-6; lo -= 1e-6; }
    return [lo, hi];
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, width, height } = this;
    ctx.clearRect(0, 0, width, height);
    const range = this.range();
    if (this.epochs.length === 0 || !range) return;
    this.plot(ctx, { left: 1, top: 2, width: width - 2, height: height - 4 }, range, 1.2);
  }

  /** Stroke every series into the box {left, top, width, height} with y from range[0]
   * (bottom) to range[1] (top) and the epochs across; returns the maps (sx, sy). */
  plot(ctx, box, [lo, hi], lineWidth) {
    const n = this.epochs.length;
    const x0 = this.epochs[0];
    const x1 = this.epochs[n - 1];
    const sx = (e) => (x1 > x0 ? box.left + ((e - x0) / (x1 - x0)) * box.width : box.left + box.width / 2);
    const sy = (v) => box.top + box.height - ((v - lo) / (hi - lo)) * box.height;
    this.series.forEach((s, i) => {
      ctx.save();
      ctx.beginPath();
      ctx.strokeStyle = COLORS[i];
      ctx.setLineDash(DASHES[i]);
      ctx.lineWidth = lineWidth;
      ctx.lineJoin = "round";
      let started = false;
      for (let k = 0; k < n; k++) {
        const v = s[k];
        if (v === null || !Number.isFinite(v)) { started = false; continue; }
        if (started) ctx.lineTo(sx(this.epochs[k]), sy(v));
        else ctx.moveTo(sx(this.epochs[k]), sy(v));
        started = true;
      }
      ctx.stroke();
      ctx.restore();
    });
    return { sx, sy };
  }

  /** The chart for a download: at least 1200 px wide (see picture.js `slideCanvas`), white,
   * with the epochs on x and the loss on y (a linear scale, as on the page), ticks and their
   * numbers, the axis titles ("epoch", `lossTitle(loss)`) and a legend of the curves drawn
   * (the penalty only when it was shown). The canvas's `plot` says where the data went:
   * {left, top, width, height, x0, x1, lo, hi, scale} (CSS px, scale = pixels per CSS px).
   * Null before the first epoch.
   * @param {string} loss  the network's loss (state.network.loss)
   * @returns {HTMLCanvasElement | null} */
  picture(loss) {
    const range = this.range();
    if (this.epochs.length === 0 || !range) return null;
    const P = PICTURE;
    const { canvas, ctx, scale } = slideCanvas(P.width, P.height);
    const box = { left: P.left, top: P.top, width: P.width - P.left - P.right,
      height: P.height - P.top - P.bottom };
    const pad = (range[1] - range[0]) * 0.05;
    const lo = range[0] - pad;
    const hi = range[1] + pad;
    const x0 = this.epochs[0];
    const x1 = this.epochs[this.epochs.length - 1];
    // the frame and the grid at the ticks
    ctx.font = "12px Helvetica, Arial, sans-serif";
    ctx.fillStyle = "#333";
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 0.5;
    const yTicks = ticks(lo, hi, 5).filter((t) => t >= lo && t <= hi);
    const xTicks = x1 > x0 ? ticks(x0, x1, 6).filter((t) => Number.isInteger(t)) : [x0];
    const X = (e) => (x1 > x0 ? box.left + ((e - x0) / (x1 - x0)) * box.width : box.left + box.width / 2);
    const Y = (v) => box.top + box.height - ((v - lo) / (hi - lo)) * box.height;
    ctx.beginPath();
    for (const t of yTicks) { ctx.moveTo(box.left, Y(t)); ctx.lineTo(box.left + box.width, Y(t)); }
    for (const t of xTicks) { ctx.moveTo(X(t), box.top); ctx.lineTo(X(t), box.top + box.height); }
    ctx.stroke();
    this.plot(ctx, box, [lo, hi], 1.6);
    // the axes, their ticks and numbers
    ctx.strokeStyle = "#333";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(box.left, box.top);
    ctx.lineTo(box.left, box.top + box.height);
    ctx.lineTo(box.left + box.width, box.top + box.height);
    for (const t of yTicks) { ctx.moveTo(box.left - 4, Y(t)); ctx.lineTo(box.left, Y(t)); }
    for (const t of xTicks) { ctx.moveTo(X(t), box.top + box.height); ctx.lineTo(X(t), box.top + box.height + 4); }
    ctx.stroke();
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yTicks) ctx.fillText(tick(t), box.left - 7, Y(t));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xTicks) ctx.fillText(tick(t, 6), X(t), box.top + box.height + 7);
    // the axis titles
    ctx.font = "13px Helvetica, Arial, sans-serif";
    ctx.fillText("epoch", box.left + box.width / 2, box.top + box.height + 26);
    ctx.save();
    ctx.translate(16, box.top + box.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(lossTitle(loss), 0, 0);
    ctx.restore();
    // the legend, above the plot
    ctx.font = "12px Helvetica, Arial, sans-serif";
    let x = box.left;
    this.series.forEach((s, i) => {
      if (i === 2 && !s.some((v) => v !== null && Number.isFinite(v))) return;
      x = legendItem(ctx, x, P.top / 2, NAMES[i], { colour: COLORS[i], dash: DASHES[i], width: 2 }) + 18;
    });
    canvas.plot = { ...box, x0, x1, lo, hi, scale };
    return canvas;
  }
}
