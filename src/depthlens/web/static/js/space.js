// The hidden-space panel and the separability bars.
//
// SpacePanel subscribes to `space` frames: the data and a grid of lines of the input window,
// carried by the server through the network to one stage (input, a hidden layer, the output)
// and projected there on 2 chosen units, 2 principal axes, or 3 of either for a rotatable 3-D
// view (orthographic, drag to turn). The mode menu offers only what the chosen stage can honour
// (`modesFor`: no "PCA" of a 2-unit layer, no 3-D of fewer than 3 units); axis labels are kept
// inside the canvas (`labelBoxes` says where they went). ProbeBars subscribes to `probes`
// frames: the score of a linear read-out of every stage, as bars. Both re-subscribe on every
// state (the network's shape may have changed); the server re-sends them while training plays.

import { cssColor } from "./colors.js";
import { el, onResize, option, page } from "./dom.js";
import { legendItem, LONG_SIDE, slideCanvas } from "./picture.js";

const SIZE = 300; // the canvas's side (CSS px) until the panel is laid out (see resize)
const MODES = [
  ["units", "2 units", 2],
  ["pca", "PCA (2 axes)", 2],
  ["3d", "3-D: 3 units", 3],
  ["pca3", "3-D: PCA", 3],
];
const EASE = 0.35; // fraction of the way to the new bounds per animation frame
const PAD = 28; // pixels kept free around the picture (axis labels)
const FONT = "11px sans-serif";

/** The axis labels' font: larger in presentation mode (present.js). */
function labelFont() {
  return page().classList.contains("present") ? "16px sans-serif" : FONT;
}
const EDGE = 2; // pixels between an axis label and the canvas's edge, at least
const FALLBACK = { pca: "units", "3d": "units", pca3: "3d" }; // a mode a layer cannot honour → the next best

/** "1 unit", "2 units": a count of `word`s. */
export function count(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The views a stage of `width` units can honour, as [mode, menu text, dims]. A projection
 * only when it loses something (PCA to 2 axes of ≥ 3 units, to 3 axes of ≥ 4), chosen units
 * only when there are more than the view shows, 3-D only with 3 units or more; a stage of 1
 * or 2 units is drawn in its own coordinates and the menu says so. */
export function modesFor(width) {
  if (width <= 2) return [["units", `its ${count(width, "unit")}`, 2]];
  if (width === 3) return [MODES[0], MODES[1], ["3d", "3-D: its 3 units", 3]];
  return MODES;
}

/** Stage names of a network of layer `sizes`: Input, Layer 1.., Output (with widths). */
function stageLabels(sizes) {
  const last = sizes.length - 1;
  return sizes.map((w, k) => `${k === 0 ? "Input" : k === last ? "Output" : `Layer ${k}`} (${w})`);
}

function dimsOf(mode) {
  return MODES.find((m) => m[0] === mode)?.[2] ?? 2;
}

/** The mode shown for a wish `mode` at a stage of `width` units: the wish if the stage can
 * honour it, else its fallback (pca3 → 3d → units, pca → units). */
export function modeShown(mode, width) {
  const offered = modesFor(width).map((m) => m[0]);
  let m = mode;
  while (!offered.includes(m)) m = FALLBACK[m] ?? "units";
  return m;
}

/** Where text drawn with the canvas's current font lands: {text, left, top, right, bottom},
 * for `textAlign` center at (x, y) on the alphabetic baseline. */
function textBox(ctx, text, x, y) {
  const m = ctx.measureText(text);
  const ascent = m.actualBoundingBoxAscent || 9;
  const descent = m.actualBoundingBoxDescent || 3;
  const half = Math.max(m.actualBoundingBoxLeft + m.actualBoundingBoxRight, m.width) / 2;
  return { text, left: x - half, right: x + half, top: y - ascent, bottom: y + descent };
}

/** `text` as it fits on one line of the canvas (EDGE pixels free at both ends): itself, or
 * shortened to the longest start that fits with "…" after it (a long class name of a CSV). */
function fit(ctx, text, size = SIZE) {
  const room = size - 2 * EDGE;
  if (ctx.measureText(text).width <= room) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}\u2026`).width > room) n -= 1;
  return `${text.slice(0, n).trimEnd()}\u2026`;
}

/** The anchor (centre, baseline) that keeps a label wanted at (x, y) inside the canvas, at
 * least EDGE pixels from every side. */
function inside(ctx, text, x, y, size = SIZE) {
  const box = textBox(ctx, text, x, y);
  const dx = Math.max(EDGE - box.left, 0) + Math.min(size - EDGE - box.right, 0);
  const dy = Math.max(EDGE - box.top, 0) + Math.min(size - EDGE - box.bottom, 0);
  return [x + dx, y + dy];
}

/** Bounding box [lo[], hi[]] of the finite rows of a flat (n, d) array (null if none). */
function bounds(data, d, into = null) {
  const lo = into ? into[0] : new Array(d).fill(Infinity);
  const hi = into ? into[1] : new Array(d).fill(-Infinity);
  for (let i = 0; i + d <= data.length; i += d) {
    let ok = true;
    for (let j = 0; j < d; j++) if (!Number.isFinite(data[i + j])) ok = false;
    if (!ok) continue;
    for (let j = 0; j < d; j++) {
      const v = data[i + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  return [lo, hi];
}

/** Stroke polylines of `lengths` points each (in order), point i on screen at `at(i)` = [x, y];
 * a non-finite point lifts the pen. */
function strokeLines(ctx, lengths, at) {
  let start = 0;
  for (const n of lengths) {
    ctx.beginPath();
    let pen = false;
    for (let i = start; i < start + n; i++) {
      const [x, y] = at(i);
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    start += n;
  }
}

export class SpacePanel {
  /** @param {HTMLElement} root  the panel's box
   * @param {import("./panel-api.js").PanelApi} api  what the panel may read and call */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.kinds = ["space"];
    this.state = null;
    this.choice = { stage: null, mode: "pca", units: [0, 1, 2], show: "train" };
    this.drawn = 0;
    this.lastFrame = null;
    this.error = null;
    this.box = null; // eased [lo[], hi[]] of what is drawn
    this.target = null;
    this.key = ""; // what is shown (stage, mode, units): a change snaps the bounds
    this.yaw = -0.6;
    this.pitch = 0.35;
    this._raf = 0;
    this.labelBoxes = []; // where the axis labels were drawn: {text, left, top, right, bottom} (px)
    this.build();
    new ResizeObserver(() => this.resize()).observe(this.root);
    // the window's height bounds it too; presentation mode (a resize event) changes its text
    onResize(() => { this.resize(); this.draw(); });
  }

  build() {
    this.stageSelect = el("select", { class: "space-stage", title: "Which layer's space" });
    this.modeSelect = el("select", { class: "space-mode", title: "How the space is drawn" },
      ...MODES.map(([v, t]) => option(v, t))); // trimmed to what the stage can honour by sync()
    this.showSelect = el("select", { class: "space-show", title: "Which points" },
      option("train", "train points"), option("test", "test points"), option("both", "train + test"));
    this.unitSelects = [0, 1, 2].map((i) => el("select", { class: "space-unit", title: `Unit on axis ${i + 1}` }));
    this.unitBox = el("span", { class: "space-units" }, ...this.unitSelects);
    this.canvas = el("canvas", { class: "space-canvas" });
    this.ctx = this.canvas.getContext("2d");
    this.size = 0;
    this.setSize(SIZE);
    this.caption = el("p", { class: "hint space-caption" });
    this.root.replaceChildren(
      el("h4", { text: "Hidden space" }),
      el("p", { class: "hint", text: "The data and the grid of the input plane, as a layer sees them." }),
      el("div", { class: "space-controls" }, this.stageSelect, this.modeSelect, this.unitBox, this.showSelect),
      this.canvas,
      this.caption,
    );
    this.stageSelect.addEventListener("change", () => { this.choice.stage = Number(this.stageSelect.value); this.sync(); this.subscribe(); });
    this.modeSelect.addEventListener("change", () => { this.choice.mode = this.modeSelect.value; this.sync(); this.subscribe(); });
    this.showSelect.addEventListener("change", () => { this.choice.show = this.showSelect.value; this.subscribe(); });
    this.unitSelects.forEach((select, i) => select.addEventListener("change", () => {
      const units = this.choice.units.slice();
      const v = Number(select.value);
      const j = units.indexOf(v);
      if (j >= 0 && j !== i) units[j] = units[i]; // picking a unit shown on another axis swaps them
      units[i] = v;
      this.choice.units = units;
      this.sync();
      this.subscribe();
    }));
    this.dragging = null;
    this.canvas.addEventListener("pointerdown", (e) => {
      if (this.dims() !== 3) return;
      this.dragging = { x: e.clientX, y: e.clientY };
      this.canvas.setPointerCapture?.(e.pointerId);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!this.dragging) return;
      this.yaw += (e.clientX - this.dragging.x) * 0.01;
      this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + (e.clientY - this.dragging.y) * 0.01));
      this.dragging = { x: e.clientX, y: e.clientY };
      this.draw();
    });
    const stop = () => { this.dragging = null; };
    this.canvas.addEventListener("pointerup", stop);
    this.canvas.addEventListener("pointercancel", stop);
  }

  /** The canvas's side: `size` CSS px (at the screen's pixel ratio), drawn again. */
  setSize(size) {
    if (size === this.size) return;
    const ratio = window.devicePixelRatio || 1;
    this.size = size;
    this.canvas.width = Math.round(size * ratio);
    this.canvas.height = Math.round(size * ratio);
    this.canvas.style.width = `${size}px`;
    this.canvas.style.height = `${size}px`;
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.draw();
  }

  /** Fit the canvas to the panel: its width (240–640 px), and no taller than what is left of
   * the window below the canvas's top (keeping its caption in view), so the hidden space is
   * as large as the lens column allows and still on the first screen. */
  resize() {
    const width = this.root.clientWidth;
    if (!width) return; // hidden: laid out when shown
    const top = this.canvas.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - 64;
    this.setSize(Math.round(Math.max(240, Math.min(width - 2, room, 640))));
  }

  /** The picture to download: the hidden space drawn again at slide resolution (at least
   * 1200 px wide, see picture.js `slideCanvas`), white, its caption (the stage, what the axes
   * are, the dashed line) written under it; null before the first frame. */
  picture() {
    if (!this.lastFrame || !this.state || !this.box) return null;
    const size = this.size || SIZE;
    const { canvas, ctx } = slideCanvas(size, size + 44);
    const saved = [this.ctx, this.labelBoxes];
    this.ctx = ctx; // every drawing method draws on this.ctx, in CSS px
    try {
      this.draw();
    } finally {
      [this.ctx, this.labelBoxes] = saved;
    }
    ctx.fillStyle = "#333";
    ctx.font = "12px Helvetica, Arial, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    let line = "";
    let y = size + 6;
    for (const word of this.caption.textContent.split(" ")) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > size - 12) {
        ctx.fillText(line, 6, y);
        y += 15;
        line = word;
      } else {
        line = next;
      }
    }
    if (line) ctx.fillText(line, 6, y);
    return canvas;
  }

  /** The mode drawn: the one picked, or the next best the chosen stage can honour. */
  mode() {
    return this.state ? modeShown(this.choice.mode, this.width()) : this.choice.mode;
  }

  dims() {
    return dimsOf(this.mode());
  }

  /** The width of the chosen stage in the current network. */
  width() {
    return this.state ? this.state.network.sizes[this.choice.stage] : 0;
  }

  /** Menus from the state's network; keep the choices that are still valid. */
  onState(state) {
    this.state = state;
    const sizes = state.network.sizes;
    const last = sizes.length - 1;
    if (this.choice.stage === null || this.choice.stage > last) this.choice.stage = Math.max(0, last - 1);
    this.stageSelect.replaceChildren(...stageLabels(sizes).map((t, k) => option(k, t)));
    this.sync();
    this.subscribe();
  }

  /** Put the menus in line with `choice` (units pickers only when units are chosen). */
  sync() {
    const dims = this.dims();
    const width = this.width();
    let units = this.choice.units.filter((u) => u < width);
    units = [...new Set(units)];
    for (let u = 0; units.length < 3 && u < width; u++) if (!units.includes(u)) units.push(u);
    this.choice.units = units;
    const mode = this.mode();
    this.stageSelect.value = String(this.choice.stage);
    this.modeSelect.replaceChildren(...modesFor(width).map(([v, t]) => option(v, t)));
    this.modeSelect.value = mode;
    this.modeSelect.title = width <= 2
      ? `${count(width, "unit")}: drawn as they are (nothing to project)` : "How the space is drawn";
    this.showSelect.value = this.choice.show;
    const pick = (mode === "units" || mode === "3d") && width > dims;
    this.unitBox.hidden = !pick;
    this.unitSelects.forEach((select, i) => {
      select.hidden = i >= dims;
      if (!pick || i >= dims) return;
      select.replaceChildren(...Array.from({ length: width }, (_, u) => option(u, `unit ${u + 1}`)));
      select.value = String(units[i]);
    });
  }

  /** The lens tab shown or hidden (lens.js): a hidden panel unsubscribes, so the server does
   * not build its frames; shown again, it subscribes to what it shows. */
  onShown(shown) {
    this.hidden = !shown;
    if (shown) this.resize();
    if (!this.state) return;
    if (shown) this.subscribe();
    else this.api.send({ type: "space", on: false });
  }

  subscribe() {
    if (!this.state || this.hidden) return;
    const dims = this.dims();
    const mode = this.mode();
    const message = { type: "space", stage: this.choice.stage, mode, show: this.choice.show };
    if ((mode === "units" || mode === "3d") && this.width() > dims) {
      message.units = this.choice.units.slice(0, dims);
    }
    this.error = null;
    this.api.send(message);
  }

  onError(m) {
    this.error = m;
    this.caption.textContent = `${m.field}: ${m.message}`;
  }

  onPanel(frame) {
    const h = frame.header;
    this.lastFrame = frame;
    const d = h.dims;
    const key = `${h.stage}|${h.mode}|${(h.units || []).join(",")}|${h.show}|${this.state?.network.sizes.join("-")}`;
    let target = bounds(frame.arrays.points.data, d);
    target = bounds(frame.arrays.grid.data, d, target);
    if (!target[0].every(Number.isFinite)) target = [new Array(d).fill(-1), new Array(d).fill(1)];
    this.target = target;
    if (key !== this.key || !this.box || this.box[0].length !== d) {
      this.key = key;
      this.box = [target[0].slice(), target[1].slice()];
    }
    const expl = h.explained?.length
      ? ` · explained ${h.explained.map((e) => `${(100 * e).toFixed(0)}%`).join(" + ")}` : "";
    const plane = h.hyperplane === "exact" ? " · dashed: the output's decision line"
      : h.hyperplane === "slice" ? " · dashed: a slice of the output's decision boundary" : "";
    const drag = d === 3 ? " · drag to turn" : "";
    const own = h.method === "own" ? " · its own axes" : "";
    this.caption.textContent = `${h.stage_name} (${count(h.width, "unit")})${own}${expl}${plane}${drag}`;
    this.drawn += 1;
    this.animate();
  }

  /** Ease the bounds toward the frame's and redraw until they arrive. */
  animate() {
    if (this._raf) return;
    const tick = () => {
      this._raf = 0;
      if (!this.box || !this.target) return;
      let moving = false;
      for (let s = 0; s < 2; s++) {
        for (let j = 0; j < this.box[s].length; j++) {
          const gap = this.target[s][j] - this.box[s][j];
          const span = Math.abs(this.target[1][j] - this.target[0][j]) || 1;
          if (Math.abs(gap) > 1e-3 * span) {
            this.box[s][j] += EASE * gap;
            moving = true;
          } else {
            this.box[s][j] = this.target[s][j];
          }
        }
      }
      this.draw();
      if (moving) this._raf = requestAnimationFrame(tick);
    };
    this.draw();
    this._raf = requestAnimationFrame(tick);
  }

  draw() {
    const S = this.size; // the canvas's side in CSS px
    const frame = this.lastFrame;
    const ctx = this.ctx;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, S, S);
    if (!frame || !this.state || !this.box) return;
    if (frame.header.dims === 3) this.draw3d(frame);
    else this.draw2d(frame);
  }

  /** Colours of the points: the output table indexed by their codes. */
  colour(code) {
    return cssColor(this.state.palettes.output, code);
  }

  draw2d(frame) {
    const S = this.size; // the canvas's side in CSS px
    const ctx = this.ctx;
    const h = frame.header;
    const [lo, hi] = this.box;
    const cx = (lo[0] + hi[0]) / 2;
    const cy = (lo[1] + hi[1]) / 2;
    const dx = hi[0] - lo[0];
    const dy = hi[1] - lo[1];
    const span = Math.max(dx, dy) || 1; // equal scales on both axes: scaling by W stays visible
    const k = (S - 2 * PAD) / span;
    const X = (x) => S / 2 + (x - cx) * k;
    const Y = (y) => S / 2 - (y - cy) * k;
    // axes through 0 when 0 is in view
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (X(0) > 0 && X(0) < S) { ctx.moveTo(X(0), 0); ctx.lineTo(X(0), S); }
    if (Y(0) > 0 && Y(0) < S) { ctx.moveTo(0, Y(0)); ctx.lineTo(S, Y(0)); }
    ctx.stroke();
    // the warped grid
    const g = frame.arrays.grid.data;
    ctx.strokeStyle = "rgba(120,120,120,0.55)";
    ctx.lineWidth = 0.7;
    strokeLines(ctx, h.lines, (i) => [X(g[2 * i]), Y(g[2 * i + 1])]);
    // the output's decision line a·p + c = 0
    const plane = frame.arrays.hyperplane?.data;
    if (plane) this.line2d(plane, X, Y, cx, cy, span);
    // the points
    const p = frame.arrays.points.data;
    const codes = frame.arrays.codes.data;
    for (let i = 0; i < codes.length; i++) {
      const x = p[2 * i];
      const y = p[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.beginPath();
      ctx.arc(X(x), Y(y), 3, 0, 2 * Math.PI);
      ctx.fillStyle = this.colour(codes[i]);
      ctx.fill();
      ctx.strokeStyle = i < h.n_train ? "#fff" : "#000";
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    // axis labels: x along the bottom, y turned up along the left side
    ctx.fillStyle = "#555";
    ctx.font = labelFont();
    ctx.textAlign = "center";
    this.labelBoxes = [];
    if (h.axis_labels[0]) {
      const text = fit(ctx, h.axis_labels[0], S);
      const [x, y] = inside(ctx, text, S / 2, S - 8, S);
      this.label(text, x, y);
      this.labelBoxes.push(textBox(ctx, text, x, y));
    }
    if (h.axis_labels[1]) {
      // turned by −90°: the text's box (along, across) becomes (up, right) on the canvas
      const text = fit(ctx, h.axis_labels[1], S);
      const b = textBox(ctx, text, 0, 0);
      const along = b.right - b.left;
      const cx = Math.max(EDGE - b.top, 11); // the baseline's x; the ascent reaches left of it
      const cy = Math.min(Math.max(S / 2, EDGE + along / 2), S - EDGE - along / 2);
      ctx.save();
      ctx.translate(cx, cy);
      ctx.rotate(-Math.PI / 2);
      this.label(text, 0, 0);
      ctx.restore();
      this.labelBoxes.push({ text, left: cx + b.top, right: cx + b.bottom,
        top: cy - along / 2, bottom: cy + along / 2 });
    }
  }

  /** The line a₁x + a₂y + c = 0 across the view (dashed). */
  line2d([a1, a2, c], X, Y, cx, cy, span) {
    const r = span; // far enough beyond the view on both sides
    let p0;
    let p1;
    if (Math.abs(a2) >= Math.abs(a1)) {
      if (a2 === 0) return;
      const y = (x) => -(a1 * x + c) / a2;
      p0 = [cx - r, y(cx - r)];
      p1 = [cx + r, y(cx + r)];
    } else {
      const x = (y) => -(a2 * y + c) / a1;
      p0 = [x(cy - r), cy - r];
      p1 = [x(cy + r), cy + r];
    }
    if (![...p0, ...p1].every(Number.isFinite)) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = "#222";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(X(p0[0]), Y(p0[1]));
    ctx.lineTo(X(p1[0]), Y(p1[1]));
    ctx.stroke();
    ctx.restore();
  }

  /** Orthographic view of the box's content turned by yaw (about the vertical) and pitch. */
  projector() {
    const S = this.size; // the canvas's side in CSS px
    const [lo, hi] = this.box;
    const c = [0, 1, 2].map((j) => (lo[j] + hi[j]) / 2);
    const half = Math.max(...[0, 1, 2].map((j) => (hi[j] - lo[j]) / 2)) || 1;
    const k = (S / 2 - PAD) / (half * Math.sqrt(3)); // the whole cube stays in view
    const [cyw, syw, cp, sp] = [Math.cos(this.yaw), Math.sin(this.yaw), Math.cos(this.pitch), Math.sin(this.pitch)];
    return (x, y, z) => {
      const u = x - c[0];
      const v = y - c[1];
      const w = z - c[2];
      const x1 = cyw * u + syw * w; // turn about the vertical (y) axis
      const z1 = -syw * u + cyw * w;
      const y2 = cp * v - sp * z1; // then tilt about the screen's x axis
      const z2 = sp * v + cp * z1;
      return [S / 2 + x1 * k, S / 2 - y2 * k, z2];
    };
  }

  draw3d(frame) {
    const S = this.size; // the canvas's side in CSS px
    const ctx = this.ctx;
    const h = frame.header;
    const P = this.projector();
    const [lo, hi] = this.box;
    // the box's three axes from its low corner (labelled after the points)
    ctx.lineWidth = 1;
    ctx.font = labelFont();
    ctx.textAlign = "center";
    this.labelBoxes = [];
    const o = P(lo[0], lo[1], lo[2]);
    const ends = [P(hi[0], lo[1], lo[2]), P(lo[0], hi[1], lo[2]), P(lo[0], lo[1], hi[2])];
    ends.forEach((e) => {
      ctx.strokeStyle = "#999";
      ctx.beginPath();
      ctx.moveTo(o[0], o[1]);
      ctx.lineTo(e[0], e[1]);
      ctx.stroke();
    });
    // grid lines
    const g = frame.arrays.grid.data;
    ctx.strokeStyle = "rgba(120,120,120,0.5)";
    ctx.lineWidth = 0.7;
    strokeLines(ctx, h.lines, (i) => P(g[3 * i], g[3 * i + 1], g[3 * i + 2]));
    const plane = frame.arrays.hyperplane?.data;
    if (plane) this.plane3d(plane, P);
    // the points, far ones first
    const p = frame.arrays.points.data;
    const codes = frame.arrays.codes.data;
    const order = [];
    for (let i = 0; i < codes.length; i++) {
      const q = P(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
      if (q.every(Number.isFinite)) order.push([q[2], q[0], q[1], i]);
    }
    order.sort((a, b) => a[0] - b[0]);
    for (const [, x, y, i] of order) {
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fillStyle = this.colour(codes[i]);
      ctx.fill();
      ctx.strokeStyle = i < h.n_train ? "#fff" : "#000";
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    // the axis labels last (over the points), each a little beyond its axis's end, moved in
    // where that would cross the canvas's edge
    ends.forEach((e, j) => {
      if (!h.axis_labels[j]) return;
      const text = fit(ctx, h.axis_labels[j], S);
      const len = Math.hypot(e[0] - o[0], e[1] - o[1]) || 1;
      const [x, y] = inside(ctx, text, e[0] + ((e[0] - o[0]) / len) * 10,
        e[1] + ((e[1] - o[1]) / len) * 10 + 4, S);
      this.label(text, x, y);
      this.labelBoxes.push(textBox(ctx, text, x, y));
    });
  }

  /** Write an axis label (centred on x, baseline y) over a white halo, readable over points. */
  label(text, x, y) {
    const ctx = this.ctx;
    ctx.save();
    ctx.font = labelFont();
    ctx.textAlign = "center";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.strokeText(text, x, y);
    ctx.fillStyle = "#555";
    ctx.fillText(text, x, y);
    ctx.restore();
  }

  /** The plane a·p + c = 0 cut to the box: where it crosses the box's 12 edges. */
  plane3d([a1, a2, a3, c], P) {
    const [lo, hi] = this.box;
    const a = [a1, a2, a3];
    const f = (q) => a[0] * q[0] + a[1] * q[1] + a[2] * q[2] + c;
    const corner = (m) => [0, 1, 2].map((j) => ((m >> j) & 1 ? hi[j] : lo[j]));
    const cuts = [];
    for (let m = 0; m < 8; m++) {
      for (let j = 0; j < 3; j++) {
        if ((m >> j) & 1) continue;
        const p = corner(m);
        const q = corner(m | (1 << j));
        const fp = f(p);
        const fq = f(q);
        if (fp === fq || fp * fq > 0) continue;
        const t = fp / (fp - fq);
        cuts.push(p.map((v, i) => v + t * (q[i] - v)));
      }
    }
    if (cuts.length < 3) return;
    const screen = cuts.map((q) => P(q[0], q[1], q[2]));
    const mx = screen.reduce((s, q) => s + q[0], 0) / screen.length;
    const my = screen.reduce((s, q) => s + q[1], 0) / screen.length;
    screen.sort((u, v) => Math.atan2(u[1] - my, u[0] - mx) - Math.atan2(v[1] - my, v[0] - mx));
    const ctx = this.ctx;
    ctx.save();
    ctx.fillStyle = "rgba(40,40,40,0.08)";
    ctx.strokeStyle = "#222";
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    screen.forEach((q, i) => (i ? ctx.lineTo(q[0], q[1]) : ctx.moveTo(q[0], q[1])));
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
    ctx.restore();
  }
}

export class ProbeBars {
  /** @param {HTMLElement} root  the panel's box
   * @param {import("./panel-api.js").PanelApi} api  what the panel may read and call */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.kinds = ["probes"];
    this.drawn = 0;
    this.scores = null;
    this.rows = el("div", { class: "probe-rows" });
    this.note = el("p", { class: "hint", text: "How well a straight line (plane) through each layer's space separates the classes: a linear probe's score." });
    this.root.replaceChildren(
      el("h4", { text: "Linear separability" }),
      this.note,
      el("div", { class: "probe-key" },
        el("span", { class: "key train", text: "train" }),
        el("span", { class: "key test", text: "test" })),
      this.rows,
    );
  }

  /** The picture to download: the bars drawn on a canvas at slide resolution (see toCanvas:
   * 320 CSS px at ×4, 1280 px wide); null before the first scores. */
  picture() {
    return this.toCanvas(Math.ceil(LONG_SIDE / 320));
  }

  onState() {
    this.api.send({ type: "probes" });
  }

  onPanel(frame) {
    const h = frame.header;
    this.scores = { stages: h.stages, metric: h.metric, train: h.train, test: h.test };
    const metric = h.metric === "r2" ? "R\u00b2" : "accuracy";
    this.note.textContent = `How well a linear read-out of each layer predicts the target: a linear probe's ${metric} (train and test).`;
    const width = (v) => `${Math.max(0, Math.min(1, v ?? 0)) * 100}%`;
    const text = (v) => (v === null || v === undefined ? "–" : v.toFixed(2));
    const bar = (cls, v) => {
      const fill = el("div", { class: "probe-fill" });
      fill.style.width = width(v);
      return el("div", { class: `probe-bar ${cls}`, title: `${cls}: ${text(v)}` },
        el("div", { class: "probe-track" }, fill),
        el("span", { class: "probe-value", text: text(v) }));
    };
    const rows = h.stages.map((name, k) => {
      const train = bar("train", h.train[k]);
      const test = bar("test", h.test[k]);
      const label = `${name[0].toUpperCase()}${name.slice(1)}`;
      return el("div", { class: "probe-row" },
        el("span", { class: "probe-name", text: `${label} (${h.widths[k]})` }),
        el("div", { class: "probe-bars" }, train, test));
    });
    this.rows.replaceChildren(...rows);
    this.drawn += 1;
  }

  /** The bars as a canvas (train and test per stage, the numbers beside), for a PNG; null
   * before the first scores. */
  toCanvas(scale = 2) {
    if (!this.scores) return null;
    const { stages, train, test, metric } = this.scores;
    const rowH = 34;
    const width = 320;
    const head = 26; // the title and the key
    const height = head + 16 + rowH * stages.length;
    const canvas = document.createElement("canvas");
    canvas.width = width * scale;
    canvas.height = height * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.font = "12px Helvetica, Arial, sans-serif";
    ctx.textBaseline = "middle";
    const colours = [getComputedStyle(this.root).getPropertyValue("--accent").trim() || "#183d4e",
      getComputedStyle(this.root).getPropertyValue("--orange").trim() || "#f59322"];
    ctx.fillStyle = "#222";
    ctx.font = "bold 12px Helvetica, Arial, sans-serif";
    const title = `Linear probe's ${metric === "r2" ? "R\u00b2" : "accuracy"} per layer`;
    ctx.fillText(title, 4, 13);
    let x = 4 + ctx.measureText(title).width + 16;
    ctx.font = "12px Helvetica, Arial, sans-serif";
    for (const [j, name] of ["train", "test"].entries()) {
      x = legendItem(ctx, x, 13, name, { colour: colours[j], swatch: true }) + 12;
    }
    stages.forEach((name, k) => {
      const y = head + 8 + k * rowH;
      ctx.fillStyle = "#333";
      ctx.fillText(name, 4, y + rowH / 2 - 4);
      [train[k], test[k]].forEach((v, j) => {
        const top = y + 2 + j * 13;
        ctx.fillStyle = "#eee";
        ctx.fillRect(110, top, 150, 10);
        ctx.fillStyle = colours[j];
        ctx.fillRect(110, top, 150 * Math.max(0, Math.min(1, v ?? 0)), 10);
        ctx.fillStyle = "#333";
        ctx.fillText(v === null || v === undefined ? "–" : v.toFixed(2), 268, top + 5);
      });
    });
    return canvas;
  }
}
