// The output map as a download: drawn again at slide resolution (picture.js `slideCanvas`),
// not copied from the page's 300-px canvases. The map is the server's 100×100 grid scaled
// smoothly (as on the page, at alpha 160 over white); the points, a 1-D plot's axes and curve
// are drawn again at the picture's scale (OutputView.drawPointsOn); around them come axis ticks
// and titles, a title line, and the legend: the colour bar (or the class colours) with its
// range, and a sentence saying what the colours mean (and that the scale is clamped when
// targets lie beyond it).

import { cssColor, SHADES } from "./colors.js";
import { tick } from "./format.js";
import { legendLabels, ticks } from "./heatmap.js";
import { slideCanvas } from "./picture.js";

const ALPHA = 160 / 255; // the map's alpha on the page (Playground's)
const LEVELS = 25; // k-class codes: class·25 + confidence level
const FONT = "12px Helvetica, Arial, sans-serif";
/** The layout in CSS px (drawn at ×3: 1458 × 1296). */
export const LAYOUT = { width: 486, height: 432, left: 48, top: 34, map: 300, barGap: 22, bar: 14 };

/** `text` shortened with "…" to fit `room` px in the context's font. */
function fitText(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}\u2026`).width > room) n -= 1;
  return `${text.slice(0, n).trimEnd()}\u2026`;
}

/** Write `text` from (x, y) on, wrapped at `width` px, `lineHeight` apart; returns the y after. */
function wrapText(ctx, text, x, y, width, lineHeight) {
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      ctx.fillText(line, x, y);
      y += lineHeight;
      line = word;
    } else {
      line = next;
    }
  }
  if (line) ctx.fillText(line, x, y);
  return y + lineHeight;
}

/** The output view `view` (heatmap.js OutputView) and the page's `state` as a picture for a
 * download: the map and the points at least 1200 px on the long side, white, with axis ticks
 * (x1 across, x2 up; on a line x across), the colour legend with its range (clamped when the
 * state says targets lie beyond it) and what the colours mean. The canvas's `layout` says
 * where things went (CSS px, `scale` pixels per CSS px): {map: {left, top, size}, bar:
 * {left, top, width, height} or null, swatches: [{class, left, top, width, height}]}. Null
 * before the first frame.
 * @returns {HTMLCanvasElement | null} */
export function outputPicture(view, state) {
  if (!state || !view.palettes || !view.extent) return null;
  const L = LAYOUT;
  const { canvas, ctx, scale } = slideCanvas(L.width, L.height);
  const n = state.network;
  const multiclass = n.problem === "classification" && n.n_classes > 2;
  const lut = view.palettes.output;
  const [lo, hi] = view.extent;
  const m = { left: L.left, top: L.top, size: L.map };
  // the title
  ctx.font = "bold 14px Helvetica, Arial, sans-serif";
  ctx.fillStyle = "#222";
  ctx.textBaseline = "middle";
  const shown = view.label?.textContent;
  ctx.fillText(shown ? `Neuron ${shown}` : `The network's output at epoch ${state.epoch}`, m.left, L.top / 2);
  // the map, scaled smoothly as on the page, then the points drawn again at this scale
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(view.heatmap, m.left, m.top, m.size, m.size);
  ctx.restore();
  const layer = document.createElement("canvas");
  layer.width = Math.round(m.size * scale);
  layer.height = Math.round(m.size * scale);
  const lctx = layer.getContext("2d");
  lctx.scale(scale, scale);
  view.drawPointsOn(lctx, m.size);
  ctx.drawImage(layer, m.left, m.top, m.size, m.size);
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 0.75;
  ctx.strokeRect(m.left, m.top, m.size, m.size);
  // axes: ticks outside the map, titles
  ctx.font = FONT;
  ctx.fillStyle = "#333";
  ctx.strokeStyle = "#333";
  const X = (v) => m.left + ((v - lo) / (hi - lo)) * m.size;
  const Y = (v) => m.top + ((hi - v) / (hi - lo)) * m.size;
  if (!view.line) { // (a line's plot has its ticks and numbers inside)
    ctx.beginPath();
    for (const t of ticks(lo, hi, 6)) {
      ctx.moveTo(X(t), m.top + m.size);
      ctx.lineTo(X(t), m.top + m.size + 4);
      ctx.moveTo(m.left - 4, Y(t));
      ctx.lineTo(m.left, Y(t));
    }
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of ticks(lo, hi, 6)) ctx.fillText(tick(t), X(t), m.top + m.size + 6);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.font = "13px Helvetica, Arial, sans-serif";
  ctx.fillText(view.line ? "x" : "x1", m.left + m.size / 2, m.top + m.size + (view.line ? 8 : 22));
  ctx.font = FONT;
  if (!view.line) {
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of ticks(lo, hi, 6)) ctx.fillText(tick(t), m.left - 6, Y(t));
  }
  ctx.save();
  ctx.translate(12, m.top + m.size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.font = "13px Helvetica, Arial, sans-serif";
  const yTitle = !view.line ? "x2" : n.problem === "regression" ? "y" : multiclass ? "p(class)" : "p(class 1)";
  ctx.fillText(yTitle, 0, 0);
  ctx.restore();
  // the legend, right of the map
  const legend = legendLabels(state);
  const bx = m.left + m.size + L.barGap;
  const room = L.width - bx - L.bar - 10;
  const layout = { map: m, bar: null, swatches: [], scale };
  ctx.font = FONT;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  if (multiclass) {
    // one ramp per class, least sure (left) to sure (right), with its name
    const k = n.n_classes;
    const rowH = Math.min(28, m.size / k);
    const width = 36;
    ctx.fillStyle = "#333";
    ctx.fillText("less \u2192 more sure", bx, m.top + 4);
    for (let c = 0; c < k; c++) {
      const top = m.top + 16 + c * rowH;
      ctx.save();
      ctx.globalAlpha = ALPHA;
      for (let level = 0; level < LEVELS; level++) {
        ctx.fillStyle = cssColor(lut, c * LEVELS + level);
        ctx.fillRect(bx + (level * width) / LEVELS, top, width / LEVELS + 0.3, rowH - 8);
      }
      ctx.restore();
      ctx.strokeStyle = "rgba(0,0,0,0.3)";
      ctx.lineWidth = 0.5;
      ctx.strokeRect(bx, top, width, rowH - 8);
      ctx.fillStyle = "#333";
      ctx.fillText(fitText(ctx, legend.labels[c] ?? String(c), L.width - bx - width - 12), bx + width + 6, top + (rowH - 8) / 2);
      layout.swatches.push({ class: c, left: bx, top, width, height: rowH - 8 });
    }
  } else {
    // the colour bar: the table's 31 shades, +1 (or +scale) at the top, at the map's alpha
    const bar = { left: bx, top: m.top, width: L.bar, height: m.size };
    ctx.save();
    ctx.globalAlpha = ALPHA;
    for (let c = 0; c <= SHADES; c++) {
      ctx.fillStyle = cssColor(lut, c);
      const top = bar.top + ((SHADES - c) * bar.height) / (SHADES + 1);
      ctx.fillRect(bar.left, top, bar.width, bar.height / (SHADES + 1) + 0.3);
    }
    ctx.restore();
    ctx.strokeStyle = "rgba(0,0,0,0.3)";
    ctx.lineWidth = 0.5;
    ctx.strokeRect(bar.left, bar.top, bar.width, bar.height);
    ctx.fillStyle = "#333";
    const [low, mid, high] = legend.labels;
    const at = [[high, bar.top + 6], [mid, bar.top + bar.height / 2], [low, bar.top + bar.height - 6]];
    for (const [text, y] of at) ctx.fillText(fitText(ctx, text, room), bar.left + bar.width + 6, y);
    layout.bar = bar;
  }
  // what it means, under the axes
  ctx.fillStyle = "#333";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  const dots = view.line ? "Dots: the points at (x, target); line: the network's output."
    : `Dots: the training points (white rim)${view.showTest ? " and the test points (black rim)" : ""}.`;
  wrapText(ctx, `${legend.meaning} ${dots}`, m.left, m.top + m.size + 44, L.width - m.left - 12, 15);
  canvas.layout = layout;
  return canvas;
}
