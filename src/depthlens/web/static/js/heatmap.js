// The large output view: the network's output over the plane (100×100 codes drawn at 300 px)
// with the data on top (train points outlined white, test points outlined black), or, while a
// neuron is hovered, that neuron's map.

import { cssColor, drawCodes, SHADES, NAN_CODE } from "./colors.js";

const ALPHA = 160; // Playground draws its heatmap at alpha 160/255
const LEVELS = 25; // k-class codes: class·25 + confidence level

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
  }

  setState(state) {
    this.palettes = state.palettes;
    this.extent = state.grid.extent;
    this.multiclass = state.network.problem === "classification" && state.network.n_classes > 2;
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
  }
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
