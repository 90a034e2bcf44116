// What the network diagram (network.js) draws with, apart from its DOM boxes: its geometry for
// the room it has (node side, row pitch, column positions), and its two canvases — every edge
// in one, every node's picture in the other. Thousands of SVG paths (a 10×16 network has
// 2,352 edges) cost more to restyle and rasterize each frame than one canvas stroked in a few
// batches, and 170 little canvases cost more to upload and composite than one.

/** px: a node's side at most (Playground's 30 px). */
export const NODE = 30;
/** px: the least side a node shrinks to (a 20×20 picture still reads). */
export const NODE_MIN = 14;
/** Row pitch over node side (Playground: rows 40 px apart for 30-px nodes). */
export const PITCH = 4 / 3;
/** px: the least horizontal run of an edge between two columns, and that run over the node
 * side at least (so the edges between two columns stay as visible as the nodes). */
export const GAP_MIN = 10;
export const GAP_RATIO = 0.6;
/** px above the first row: each layer's +/−, neuron count and activation menu. */
export const HEAD = 66;
/** px left of the feature column for the feature names (LABEL_SMALL when nodes are small). */
export const LABEL = 78;
export const LABEL_SMALL = 56;
/** px right of the output column. */
export const RIGHT = 16;
/** px under the last row. */
export const BOTTOM = 6;
/** Up to this many edges, edges are Playground's curves; beyond, straight lines (no curve
 * between columns 20–40 px apart reads better, and lines cost a third of the raster time). */
export const CURVES_UP_TO = 400;
/** Opacity of a faint edge (a layer the overlay or the highlight leaves out). */
export const FAINT = 0.12;

/**
 * The diagram's geometry for `columns` columns (features, hidden layers, output) of at most
 * `rows` nodes in a box `width` px wide, with `height` px of the viewport below its top.
 *
 * The node side s is the largest whole number ≤ NODE such that
 *   width:  label + columns·s + (columns − 1)·gap + RIGHT ≤ width, gap = max(GAP_MIN, GAP_RATIO·s)
 *   height: HEAD + s + (rows − 1)·PITCH·s + BOTTOM ≤ height,
 * and at least NODE_MIN (the diagram then overflows rather than become unreadable). The label
 * room shrinks to LABEL_SMALL when s < 24. Columns are spread evenly over the width.
 * @returns {{s: number, pitch: number, label: number, step: number, xs: number[],
 *   ys: number[], width: number, height: number}}
 */
export function diagramGeometry(width, height, rows, columns) {
  const fit = (label) => {
    const room = width - label - RIGHT;
    const byGap = (room - (columns - 1) * GAP_MIN) / columns;
    const byRatio = room / (columns + (columns - 1) * GAP_RATIO);
    const byHeight = (height - HEAD - BOTTOM) / (1 + (rows - 1) * PITCH);
    return Math.min(NODE, byGap, byRatio, byHeight);
  };
  let label = LABEL;
  let s = fit(label);
  if (s < 24) {
    label = LABEL_SMALL;
    s = fit(label);
  }
  s = Math.max(NODE_MIN, Math.floor(s));
  const pitch = Math.round(s * PITCH);
  const gap = Math.max(GAP_MIN, GAP_RATIO * s);
  const last = Math.max(width - s - RIGHT, label + (columns - 1) * (s + gap));
  const step = columns > 1 ? (last - label) / (columns - 1) : 0;
  const xs = Array.from({ length: columns }, (_, c) => Math.round(label + c * step));
  const ys = Array.from({ length: rows }, (_, k) => HEAD + k * pitch);
  return {
    s, pitch, label, step, xs, ys,
    width: Math.max(width, last + s + RIGHT),
    height: HEAD + s + (rows - 1) * pitch + BOTTOM,
  };
}

/** An edge's width on the diagram: Playground's 1–10 px (`width`) with the part above 1 px
 * scaled by the node side over NODE, so small nodes get thinner lines. */
export function scaledWidth(width, s) {
  return 1 + (width - 1) * (s / NODE);
}

/** Size a canvas to `width`×`height` CSS px at the screen's pixel ratio; its context draws
 * in CSS px. */
export function sizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * Stroke every edge on `ctx` in a few batches: one path per (state, colour, width) — faint
 * ones first, then plain, then lit — so a 10×16 network's 2,352 edges are a few dozen strokes.
 * `edges[k]` has `ends` [x0, y0, x1, y1]; `styles[k]` is {color (CSS), width (px), state:
 * 0 faint | 1 plain | 2 lit}. Curves are Playground's: horizontal at both ends.
 */
export function strokeEdges(ctx, edges, styles, curved) {
  const batches = new Map();
  edges.forEach((edge, k) => {
    const { color, width, state } = styles[k];
    const key = `${state}|${color}|${width}`;
    let batch = batches.get(key);
    if (!batch) {
      batch = { color, width, state, edges: [] };
      batches.set(key, batch);
    }
    batch.edges.push(edge);
  });
  const order = [...batches.values()].sort((a, b) => a.state - b.state);
  ctx.save();
  ctx.lineCap = "round";
  for (const batch of order) {
    ctx.globalAlpha = batch.state === 0 ? FAINT : 1;
    ctx.strokeStyle = batch.color;
    ctx.lineWidth = batch.width;
    ctx.beginPath();
    for (const { ends: [x0, y0, x1, y1] } of batch.edges) {
      ctx.moveTo(x0, y0);
      if (curved) {
        const mx = (x0 + x1) / 2;
        ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
      } else {
        ctx.lineTo(x1, y1);
      }
    }
    ctx.stroke();
  }
  ctx.restore();
}

/** The SVG path of an edge (the hit area's and the hover outline's): the same curve or line
 * as `strokeEdges` draws. */
export function edgePath([x0, y0, x1, y1], curved) {
  if (!curved) return `M${x0},${y0} L${x1},${y1}`;
  const mx = (x0 + x1) / 2;
  return `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`;
}

/**
 * Every node's picture (r×r colour codes) in one strip of ImageData, r wide and r·n tall: a
 * frame writes each node's codes through a 32-bit colour table and uploads the strip once;
 * `draw` then copies each node's square to where the node is.
 */
export class NodePictures {
  /** @param {number} count  nodes  @param {number} r  a picture's side  @param lut  the node
   * colour table (flat r, g, b per code) */
  constructor(count, r, lut) {
    this.r = r;
    this.strip = document.createElement("canvas");
    this.strip.width = r;
    this.strip.height = Math.max(1, r * count);
    this.ctx = this.strip.getContext("2d");
    this.image = this.ctx.createImageData(r, this.strip.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.table = new Uint32Array(256); // code → ABGR (the byte order of a little-endian RGBA)
    for (let c = 0; c < 256; c++) {
      this.table[c] = ((255 << 24) | (lut[3 * c + 2] << 16) | (lut[3 * c + 1] << 8) | lut[3 * c]) >>> 0;
    }
    this.has = new Uint8Array(count); // which pictures have codes yet
    this.dirty = false;
  }

  /** Put node `k`'s codes (r·r, row 0 at the top) in the strip. */
  set(k, codes) {
    const n = this.r * this.r;
    const out = this.pixels;
    const table = this.table;
    const start = k * n;
    for (let p = 0; p < n; p++) out[start + p] = table[codes[p]];
    this.has[k] = 1;
    this.dirty = true;
  }

  /** Upload what changed (once per frame). */
  flush() {
    if (!this.dirty) return;
    this.ctx.putImageData(this.image, 0, 0);
    this.dirty = false;
  }

  /** Draw node `k`'s picture at (x, y), `s` px square, at `alpha`; a grey square until it
   * has codes. */
  draw(ctx, k, x, y, s, alpha = 1) {
    ctx.globalAlpha = alpha;
    if (this.has[k]) {
      ctx.drawImage(this.strip, 0, k * this.r, this.r, this.r, x, y, s, s);
    } else {
      ctx.fillStyle = "#e8eaeb";
      ctx.fillRect(x, y, s, s);
    }
    ctx.globalAlpha = 1;
  }
}
