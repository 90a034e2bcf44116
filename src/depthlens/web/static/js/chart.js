// The loss chart: train (grey #777) and test (black) data loss per epoch, and the
// regularization penalty (dashed orange, only while it is > 0), as Playground's
// AppendingLineChart, y autoscaled to the min/max seen. Long runs are thinned: past MAX_POINTS
// every other point is dropped, so the chart costs the same after a million epochs.

const MAX_POINTS = 2000;
const COLORS = ["#777", "#000", "#e8a33d"];
const DASHES = [[], [], [4, 3]];

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

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, width, height } = this;
    ctx.clearRect(0, 0, width, height);
    const n = this.epochs.length;
    if (n === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of this.series) {
      for (const v of s) {
        if (v === null || !Number.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (!Number.isFinite(lo)) return;
    if (hi - lo < 1e-12) { hi += 1e-6; lo -= 1e-6; }
    const x0 = this.epochs[0];
    const x1 = this.epochs[n - 1];
    const sx = (e) => (x1 > x0 ? ((e - x0) / (x1 - x0)) * (width - 2) + 1 : width / 2);
    const sy = (v) => height - 2 - ((v - lo) / (hi - lo)) * (height - 4);
    this.series.forEach((s, i) => {
      ctx.beginPath();
      ctx.strokeStyle = COLORS[i];
      ctx.setLineDash(DASHES[i]);
      ctx.lineWidth = 1.2;
      let started = false;
      for (let k = 0; k < n; k++) {
        const v = s[k];
        if (v === null || !Number.isFinite(v)) { started = false; continue; }
        if (started) ctx.lineTo(sx(this.epochs[k]), sy(v));
        else ctx.moveTo(sx(this.epochs[k]), sy(v));
        started = true;
      }
      ctx.stroke();
    });
  }
}
