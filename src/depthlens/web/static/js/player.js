// The five-operation player: one layer y = a(W·x + b) of the live network, played one
// operation at a time, the same steps in the same order as `depthlens animate` / `explain`:
// rotate by Vᵀ, [reflect], scale by Σ, change dimension, rotate by U, translate by b, bend by a,
// filed under the article's five operations (raise/lower dimension, scale, rotate — twice —,
// translate, bend).
//
// The server sends every frame of the animation at once (an `operations` binary frame:
// `points` (F, N, d) and `grid` (F, P, d) float32), each step already in the display
// coordinates of the space it acts in (`header.spaces`, `step.space`): a 1-D space as a number
// line, a 2-D space flat in its own coordinates, a 3-D space in its own three axes, a wider
// space through 3 principal axes. This panel plays, scrubs and draws them: a flat space with
// one scale on both axes (a rotation is a rigid rotation on screen), a 3-D space in an
// orthographic view the user can turn; each space has one camera for all its frames, and its
// axes carry ticks with numbers.
//
// Following training. While it is not held, the player asks for the layer again when a newer
// training frame has arrived and its last request is answered, at most once a second
// (FOLLOW_MS), and only while it is shown. Playing, scrubbing or picking a step holds the
// epoch shown; the status line then says "showing epoch N — catch up", and its button asks
// for the current epoch and follows again.

import { cssColor } from "./colors.js";
import { el, onResize, option, page } from "./dom.js";
import { tick } from "./format.js";

const PER_STEP = 12;
const FPS = 24;
const HOLD_MS = 350; // extra pause on the last frame of each step while playing
const FOLLOW_MS = 1000; // at most one request a second while following training
const MIN_SIZE = 220;
const MAX_SIZE = 560;
const PICTURE = 1400; // the download's plot, in pixels a side
const BASE = 300; // the size the canvas's text is designed for

const GROUPS = ["raise/lower dimension", "scale", "rotate", "translate", "bend"];
/** What is drawn under the canvas (slider, five group rows, caption), in CSS px. */
const BELOW = 190;
const TITLE = `Five operations: ${GROUPS.join(" \u00b7 ")}`;

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

/** The space each frame is drawn in: frame 0 (the input) in space 0, the frames of step s in
 * `steps[s].space`. Returns an Int8Array of n_frames. */
export function frameSpaces(header) {
  const out = new Int8Array(header.n_frames);
  for (const s of header.steps) out.fill(s.space, s.start, s.start + s.count);
  return out;
}

/** One camera per space, fitted to every frame drawn in it (so nothing zooms within a space):
 * the centre of the box of its points and grid, and the radius that holds them (the larger
 * half-side in 2-D, the distance from the centre in 3-D so a turned view never crops).
 * `arrays` {points, grid} of shape (F, ·, dims). Returns [{centre: number[], radius}]. */
export function spaceCameras(header, arrays, spaces = frameSpaces(header)) {
  const d = header.dims;
  return header.spaces.map((space, k) => {
    const dims = space.dims;
    const lo = new Array(dims).fill(Infinity);
    const hi = new Array(dims).fill(-Infinity);
    const each = (fn) => {
      for (const arr of [arrays.points, arrays.grid]) {
        const data = arr.data;
        const count = arr.shape[1];
        for (let f = 0; f < header.n_frames; f++) {
          if (spaces[f] !== k) continue;
          for (let p = 0; p < count; p++) fn(data, (f * count + p) * d);
        }
      }
    };
    each((data, i) => {
      for (let a = 0; a < dims; a++) {
        const v = data[i + a];
        if (!Number.isFinite(v)) continue;
        if (v < lo[a]) lo[a] = v;
        if (v > hi[a]) hi[a] = v;
      }
    });
    const centre = lo.map((v, a) => (Number.isFinite(v) ? (v + hi[a]) / 2 : 0));
    let radius = 0;
    if (dims === 3) {
      each((data, i) => {
        let r = 0;
        for (let a = 0; a < 3; a++) {
          const v = data[i + a] - centre[a];
          if (Number.isFinite(v)) r += v * v;
        }
        radius = Math.max(radius, Math.sqrt(r));
      });
    } else {
      for (let a = 0; a < dims; a++) {
        if (Number.isFinite(lo[a])) radius = Math.max(radius, (hi[a] - lo[a]) / 2);
      }
    }
    return { centre, radius: Math.max(radius * 1.03, 1e-6) };
  });
}

/** Tick values for an axis from `lo` to `hi`, about `count` of them, at 1, 2 or 5 × 10ᵏ. */
export function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [];
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

/** Pearson correlation of two equally long arrays (NaN when either is constant). */
export function pearson(a, b) {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Pairwise distances of the first `count` points of `xy` (x0, y0, x1, y1, …). */
export function pairDistances(xy, count = xy.length / 2) {
  const out = [];
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      out.push(Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]));
    }
  }
  return out;
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
    this.cameras = [];
    this.spaceOf = new Int8Array(0);
    this.colors = [];
    this.layer = 0;
    this.frameIndex = 0;
    this.drawn = 0;
    this.requests = 0;
    this.answers = 0;
    this.pending = false;
    this.playing = false;
    this.stopAt = null;
    this.following = true; // false: the epoch shown is held (the user plays or scrubs)
    this.latestEpoch = null; // the newest training epoch the page has drawn
    this.shown = true; // onShown(false): a hidden tab asks for nothing
    this.size = BASE; // the canvas's side in CSS pixels
    this.yaw = -0.55;
    this.pitch = 0.5;
    this.labelBoxes = []; // where the canvas's text was drawn: {text, left, top, right, bottom}
    this.drawnPoints = new Float32Array(0); // canvas (CSS px) x, y of each data point drawn
    this.pictureState = null; // the last picture(): {size, points (its pixels), colors}
    this._networkKey = "";
    this._raf = null;
    this._last = 0;
    this._wait = 0;
    this._askedAt = -Infinity;
    this._followTimer = null;
    this._stale = true;
    this.build();
  }

  // -- DOM ---------------------------------------------------------------------------------
  build() {
    this.select = el("select", { id: "player-layer", title: "The layer to take apart" });
    this.playButton = el("button", { id: "player-play", class: "text-button outlined",
      title: "Play the operations one by one (holds the epoch shown)" }, "\u25b6 Play");
    this.canvas = el("canvas", { id: "player-canvas", class: "player-canvas", width: BASE,
      height: BASE });
    this.slider = el("input", { id: "player-slider", class: "player-slider", type: "range",
      min: 0, max: 0, step: 1, value: 0 });
    this.slider.setAttribute("aria-label", "Frame of the animation");
    this.chips = el("div", { id: "player-steps", class: "player-steps" });
    this.caption = el("p", { id: "player-caption", class: "player-caption" },
      "Waiting for the network\u2026");
    this.epochText = el("span", { id: "player-epoch-text" });
    this.catchUp = el("button", { id: "player-catch-up", class: "text-button outlined",
      title: "Show the layer at the current epoch and follow training again" }, "catch up");
    this.catchUp.hidden = true;
    this.status = el("p", { id: "player-status", class: "player-status" }, this.epochText,
      this.catchUp);
    this.note = el("p", { id: "player-note", class: "hint player-note" });
    this.root.append(
      el("h4", { id: "player-title" }, TITLE),
      el("p", { class: "hint" },
        "One layer y = a(W\u00b7x + b), W = U\u03a3V\u1d40, step by step, each step drawn " +
        "in the space it acts in."),
      el("div", { class: "player-controls" }, this.select, this.playButton),
      this.status, this.canvas, this.slider, this.chips, this.caption, this.note,
    );
    this.ctx = this.canvas.getContext("2d");
    this.select.addEventListener("change", () => {
      this.layer = Number(this.select.value);
      this.pause();
      this.following = true; // a layer picked is shown as it is now
      this.request();
    });
    this.playButton.addEventListener("click", () => {
      if (this.playing) this.pause();
      else { this.hold(); this.play(); }
    });
    this.catchUp.addEventListener("click", () => this.resume());
    this.slider.addEventListener("input", () => {
      this.pause();
      this.hold();
      this.show(Number(this.slider.value));
    });
    this.dragRotate();
    if (typeof ResizeObserver !== "undefined") {
      this._resize = new ResizeObserver(() => this.fit());
      this._resize.observe(this.root);
    }
    // the window's height bounds it too; presentation mode (a resize event) changes its text
    onResize(() => { this.fit(); this.draw(); });
    this.fit();
  }

  /** Size the canvas to the panel's width (between MIN_SIZE and MAX_SIZE CSS pixels, sharp on
   * high-density screens) and draw again. */
  fit() {
    const style = getComputedStyle(this.root);
    const pad = (parseFloat(style.paddingLeft) || 0) + (parseFloat(style.paddingRight) || 0);
    const width = this.root.clientWidth - pad;
    this.width = Math.max(width, 0);
    if (!(width > 0)) return; // hidden: keep the last size
    // no taller than what the window leaves under the canvas's top, keeping the slider, the
    // five groups of steps and the caption on the same screen
    const top = this.canvas.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - BELOW;
    const size = Math.max(MIN_SIZE, Math.min(MAX_SIZE, Math.floor(width - 2), Math.floor(room)));
    const dpr = window.devicePixelRatio || 1;
    if (size === this.size && this.canvas.width === Math.round(size * dpr)) return;
    this.size = size;
    this.canvas.width = Math.round(size * dpr);
    this.canvas.height = Math.round(size * dpr);
    this.canvas.style.width = `${size}px`;
    this.canvas.style.height = `${size}px`;
    this.slider.style.width = `${size}px`;
    this.draw();
  }

  /** Drag on the canvas to turn a 3-D picture (yaw about the vertical, pitch up to ±90°). */
  dragRotate() {
    let from = null;
    this.canvas.addEventListener("pointerdown", (e) => {
      if (!this.header || this.currentSpace().dims !== 3) return;
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
    this.latestEpoch = state.epoch;
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
    if (changed || state.fresh || !this.header) {
      this.following = true; // a new network: nothing to hold on to
      this._stale = true; // what is shown (if anything) is of the old network
      this.request();
    } else {
      this.follow();
    }
    this.showStatus();
  }

  /** A training frame was drawn: follow it (at most once a second) unless held. */
  onFrame(frame) {
    this.latestEpoch = frame.header.epoch;
    this.follow();
    if (!this.following) this.showStatus(); // "catch up (epoch …)" counts on; else unchanged
  }

  /** The lens tab holding the player was shown or hidden. */
  onShown(shown) {
    this.shown = shown;
    if (shown) {
      this.fit();
      this.follow();
    }
  }

  onPanel(frame) {
    const h = frame.header;
    if (h.kind !== "operations") return;
    this.pending = false;
    this.answers += 1;
    if (h.layer !== this.layer) return; // an answer for a layer no longer picked
    const sameLayer = this.header && this.header.layer === h.layer
      && this.header.n_frames === h.n_frames;
    if (!sameLayer) [this.yaw, this.pitch] = [-0.55, 0.5];
    this.header = h;
    this._stale = false;
    this.arrays = frame.arrays;
    this.spaceOf = frameSpaces(h);
    const lut = this.state?.palettes.output ?? this.api.state()?.palettes.output;
    const codes = frame.arrays.codes.data;
    this.colors = Array.from(codes, (c) => (lut ? cssColor(lut, c) : "#888"));
    this.cameras = spaceCameras(h, frame.arrays, this.spaceOf);
    this.slider.max = String(h.n_frames - 1);
    // the same steps as the last answer (training went on): keep the chips, the page's layout
    const steps = JSON.stringify([h.groups, h.steps.map((st) => [st.group, st.label, st.caption])]);
    if (steps !== this._steps) {
      this._steps = steps;
      this.buildChips();
    }
    const note = this.describe(h);
    if (this.note.textContent !== note) this.note.textContent = note;
    this.show(sameLayer ? Math.min(this.frameIndex, h.n_frames - 1) : 0);
    this.showStatus();
    this.follow(); // training went on while this was built
  }

  onError() {
    this.pending = false;
  }

  /** The picture to download: the current view drawn again at slide resolution (PICTURE
   * pixels a side, its text scaled with it) under a band with the layer, the step and the
   * epoch. Null before the first answer. */
  picture() {
    if (!this.header) return null;
    const band = Math.round(PICTURE * 0.085);
    const canvas = document.createElement("canvas");
    canvas.width = PICTURE;
    canvas.height = PICTURE + band;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const u = PICTURE / BASE;
    ctx.fillStyle = "#333";
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    const lines = [`${this.header.title} \u00b7 ${TITLE}`, this.caption.textContent];
    lines.forEach((text, i) => {
      let px = Math.round((i === 0 ? 7.5 : 6.5) * u);
      ctx.font = `${i === 0 ? "bold " : ""}${px}px sans-serif`;
      while (px > 10 && ctx.measureText(text).width > PICTURE - 8 * u) {
        px -= 1;
        ctx.font = `${i === 0 ? "bold " : ""}${px}px sans-serif`;
      }
      ctx.fillText(text, 4 * u, band * (i === 0 ? 0.42 : 0.85));
    });
    ctx.save();
    ctx.translate(0, band);
    const points = this.render(ctx, PICTURE, u, false);
    ctx.restore();
    for (let i = 1; i < points.length; i += 2) points[i] += band;
    this.pictureState = { width: canvas.width, height: canvas.height, points: Array.from(points),
      colors: this.colors.slice() };
    return canvas;
  }

  // -- following training -------------------------------------------------------------------
  /** Whether the panel can be seen (a hidden tab or a zero-width box asks for nothing). Read
   * from what the lens and the ResizeObserver said, not from the layout: this is asked at
   * every training frame, and reading a width there would lay the page out again each time. */
  visible() {
    return this.shown !== false && !this.root.hidden && this.width !== 0;
  }

  /** Whether the layer shown is older than the newest training epoch. */
  behind() {
    return !!this.header && this.latestEpoch !== null && this.header.epoch !== this.latestEpoch;
  }

  /** Whether what is shown is not the picked layer of the current network at its newest epoch
   * (or nothing is shown yet). */
  outdated() {
    return this._stale || !this.header || this.header.layer !== this.layer || this.behind();
  }

  /** Ask for the newest epoch if following, outdated, shown and not waiting for an answer; at
   * most once every FOLLOW_MS (a timer asks at the end of the wait). */
  follow() {
    const waiting = this.pending && performance.now() - this._askedAt < 5 * FOLLOW_MS; // an
    // answer lost (the network rebuilt meanwhile) does not stop the player for good
    if (!this.state || !this.following || waiting || !this.outdated() || !this.visible()) return;
    const wait = FOLLOW_MS - (performance.now() - this._askedAt);
    if (wait > 0) {
      if (this._followTimer === null) {
        this._followTimer = setTimeout(() => { this._followTimer = null; this.follow(); }, wait);
      }
      return;
    }
    this.request();
  }

  /** Hold the epoch shown (the user plays, scrubs or picks a step). */
  hold() {
    this.following = false;
    this.showStatus();
  }

  /** Catch up: show the current epoch and follow training again. */
  resume() {
    this.following = true;
    if (this.behind() && !this.pending) this.request();
    this.showStatus();
  }

  /** The status line: the epoch shown, and whether it follows training or is held. */
  showStatus() {
    const h = this.header;
    if (!h) {
      this.epochText.textContent = "";
      this.catchUp.hidden = true;
      return;
    }
    if (this.following) {
      this.epochText.textContent = `epoch ${h.epoch} \u00b7 follows training`;
      this.catchUp.hidden = true;
    } else {
      this.epochText.textContent = `showing epoch ${h.epoch} \u2014 `;
      this.catchUp.textContent = this.behind() ? `catch up (epoch ${this.latestEpoch})` : "catch up";
      this.catchUp.hidden = false;
    }
    this.status.classList.toggle("held", !this.following);
  }

  // -- requests and playback ----------------------------------------------------------------
  request() {
    if (!this.state || !this.visible()) return;
    this.pending = true;
    this.requests += 1;
    this._askedAt = performance.now();
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

  /** The chips, grouped under the five operations (the title's order); each chip is one step,
   * numbered in the order it is played. A group with no step says why. */
  buildChips() {
    const h = this.header;
    const groups = (h.groups ?? GROUPS).map((name) => {
      const members = h.steps.map((s, i) => [s, i]).filter(([s]) => s.group === name);
      const chips = members.map(([s, i]) => {
        const chip = el("button", { class: "player-chip", title: s.caption }, `${i + 1} ${s.label}`);
        chip.dataset.step = String(i);
        chip.addEventListener("click", () => {
          this.pause();
          this.hold();
          this.show(s.start - 1);
          this.play();
          this.stopAt = s.start + s.count - 1; // play this step only
        });
        return chip;
      });
      if (!chips.length) {
        const why = name === "raise/lower dimension" ? `${h.n_in} \u2192 ${h.n_out}: no change`
          : name === "rotate" ? "1-D: nothing to turn" : "none";
        chips.push(el("span", { class: "player-none" }, why));
      }
      const group = el("div", { class: "player-group" },
        el("span", { class: "player-group-name" }, name), ...chips);
      group.dataset.group = name;
      return group;
    });
    this.chips.replaceChildren(...groups);
  }

  describe(h) {
    const where = h.spaces.map((s) => (h.spaces.length > 1 ? `${s.role}: ${s.how}` : s.how));
    const turned = h.reflected
      ? " The reflection turns an axis over through an extra dimension, drawn as perspective." : "";
    const points = `${h.n_points} ${h.points} point${h.n_points === 1 ? "" : "s"}`;
    return `${h.title} \u00b7 ${points} \u00b7 ${where.join("; ")}.${turned}`;
  }

  /** The space frame f (default: the frame shown) is drawn in. */
  currentSpace(f = this.frameIndex) {
    return this.header.spaces[this.spaceOf[f] ?? 0];
  }

  /** Show frame f: slider, caption, chips and the picture. */
  show(f) {
    if (!this.header) return;
    this.frameIndex = Math.max(0, Math.min(this.header.n_frames - 1, f));
    this.slider.value = String(this.frameIndex);
    const h = this.header;
    const s = this.stepOf(this.frameIndex);
    const space = this.currentSpace();
    const projected = space.method === "pca" ? ` \u00b7 ${space.how}` : "";
    if (s < 0) {
      this.caption.textContent = `Input of the layer (${h.n_in}-D) \u00b7 epoch ${h.epoch}` +
        `${projected}: press play or pick a step`;
    } else {
      const step = h.steps[s];
      const t = (this.frameIndex - step.start + 1) / step.count;
      this.caption.textContent = `Step ${s + 1} of ${h.steps.length} (${step.group}) \u00b7 ` +
        `${step.caption} (t = ${t.toFixed(2)}) \u00b7 epoch ${h.epoch}${projected}`;
    }
    this.caption.dataset.step = String(s);
    for (const chip of this.chips.querySelectorAll(".player-chip")) {
      chip.classList.toggle("active", Number(chip.dataset.step) === s);
    }
    this.draw();
  }

  // -- drawing -----------------------------------------------------------------------------
  /** Draw the frame shown on the panel's canvas. */
  draw() {
    const ctx = this.ctx;
    const dpr = this.canvas.width / this.size;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.size, this.size);
    if (!this.header || !this.arrays) return;
    // presentation mode: text and lines half as large again, for the back of the room
    const present = page().classList.contains("present") ? 1.5 : 1;
    this.drawnPoints = this.render(ctx, this.size, (this.size / BASE) * present, true);
    this.drawn += 1;
  }

  /** The plot box of a canvas `size` pixels a side, text scaled by `u`: room on the left
   * and below for a flat space's tick labels. */
  plotBox(size, u, dims) {
    if (dims === 3) return { left: 6 * u, top: 6 * u, width: size - 12 * u, height: size - 22 * u };
    const left = 34 * u;
    const bottom = 24 * u;
    const side = Math.min(size - left - 8 * u, size - bottom - 8 * u);
    return { left, top: 8 * u, width: side, height: side };
  }

  /** A function from display coordinates of frame f to canvas pixels [x, y]: one scale on
   * every axis (so distances are kept up to one factor); an orthographic turn in 3-D. */
  mapper(f, box) {
    const space = this.currentSpace(f);
    const d = this.header.dims;
    const cam = this.cameras[this.spaceOf[f]];
    const c = cam.centre;
    const k = Math.min(box.width, box.height) / 2 / cam.radius;
    const cx = box.left + box.width / 2;
    const cy0 = box.top + box.height / 2;
    if (space.dims !== 3) return (v, i) => [cx + (v[i] - c[0]) * k, cy0 - (v[i + 1] - c[1]) * k];
    const cy = Math.cos(this.yaw);
    const sy = Math.sin(this.yaw);
    const cp = Math.cos(this.pitch);
    const sp = Math.sin(this.pitch);
    return (v, i) => {
      const x = v[i] - c[0];
      const y = v[i + 1] - c[1];
      const z = (d === 3 ? v[i + 2] : 0) - c[2];
      const x1 = x * cy - y * sy;
      const y1 = x * sy + y * cy;
      return [cx + x1 * k, cy0 - (z * cp + y1 * sp) * k];
    };
  }

  /** Draw the frame shown into `ctx` (a canvas `size` pixels a side, text scaled by `u`):
   * axes with ticks, the grid lines, the points. Returns the points' pixel positions (x, y
   * pairs); with `keep`, records where its text went (`labelBoxes`). */
  render(ctx, size, u, keep) {
    const h = this.header;
    const f = this.frameIndex;
    const d = h.dims;
    const space = this.currentSpace(f);
    const box = this.plotBox(size, u, space.dims);
    const at = this.mapper(f, box);
    const labels = this.drawAxes(ctx, at, f, box, u, size);
    if (keep) this.labelBoxes = labels;
    // grid lines: polylines of line_lengths points each (the first half one direction)
    const grid = this.arrays.grid.data;
    const nGrid = this.arrays.grid.shape[1];
    let base = f * nGrid * d;
    ctx.lineWidth = Math.max(1, u * 0.9);
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
    const xy = new Float32Array(2 * n);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = Math.max(1, u * 0.8);
    const r = 2.6 * Math.max(1, u);
    for (let p = 0; p < n; p++) {
      const [x, y] = at(pts, start + p * d);
      xy[2 * p] = x;
      xy[2 * p + 1] = y;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = this.colors[p];
      ctx.fill();
      ctx.stroke();
    }
    return xy;
  }

  /** The axes of the frame's space, with ticks and numbers: a flat space framed by its two
   * axes (one scale for both), a number line by its one, a 3-D space by its three coordinate
   * axes through the view's centre. Returns the boxes of the text written. */
  drawAxes(ctx, at, f, box, u, size) {
    const space = this.currentSpace(f);
    const cam = this.cameras[this.spaceOf[f]];
    const boxes = [];
    const write = (text, x, y, align, baseline, colour = "#777") => {
      ctx.fillStyle = colour;
      ctx.textAlign = align;
      ctx.textBaseline = baseline;
      const m = ctx.measureText(text);
      const w = m.width;
      const asc = m.actualBoundingBoxAscent || 8 * u;
      const desc = m.actualBoundingBoxDescent || 2 * u;
      let left = align === "left" ? x : align === "right" ? x - w : x - w / 2;
      let top = baseline === "top" ? y : baseline === "bottom" ? y - asc - desc : y - (asc + desc) / 2;
      left = Math.max(1, Math.min(size - w - 1, left)); // never clipped
      top = Math.max(1, Math.min(size - asc - desc - 1, top));
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      ctx.fillText(text, left, top);
      boxes.push({ text, left, top, right: left + w, bottom: top + asc + desc });
    };
    ctx.font = `${Math.round(9.5 * u)}px sans-serif`;
    ctx.lineWidth = Math.max(1, u * 0.8);
    const c = cam.centre;
    const r = cam.radius;
    const count = Math.max(3, Math.round(Math.min(box.width, box.height) / (55 * u)));
    if (space.dims !== 3) {
      ctx.strokeStyle = "#bbb";
      ctx.strokeRect(box.left, box.top, box.width, box.height);
      const flat = space.method !== "line";
      const axes = flat ? [0, 1] : [0];
      for (const a of axes) {
        const ticks = niceTicks(c[a] - r, c[a] + r, count);
        for (const v of ticks) {
          const p = [c[0], c[1]];
          p[a] = v;
          const [x, y] = at(p, 0);
          ctx.strokeStyle = v === 0 ? "#c8c8c8" : "#eee";
          ctx.beginPath();
          if (a === 0) { ctx.moveTo(x, box.top); ctx.lineTo(x, box.top + box.height); }
          else { ctx.moveTo(box.left, y); ctx.lineTo(box.left + box.width, y); }
          ctx.stroke();
          if (a === 0) write(tick(v), x, box.top + box.height + 3 * u, "center", "top");
          else write(tick(v), box.left - 3 * u, y, "right", "middle");
        }
      }
      const names = space.labels ?? [];
      if (names[0]) write(names[0], box.left + box.width, box.top + box.height + 13 * u, "right", "top", "#333");
      if (flat && names[1]) write(names[1], 2 * u, box.top, "left", "top", "#333");
      return boxes;
    }
    // 3-D: the coordinate axes through the centre of the view, ticked
    for (let a = 0; a < 3; a++) {
      const lo = [...c];
      const hi = [...c];
      lo[a] -= r;
      hi[a] += r;
      const p = at(lo, 0);
      const q = at(hi, 0);
      ctx.strokeStyle = "#c4c4c4";
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(q[0], q[1]);
      ctx.stroke();
      const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
      if (len < 20 * u) continue; // seen end-on: no room for numbers
      const nx = -(q[1] - p[1]) / len;
      const ny = (q[0] - p[0]) / len;
      for (const v of niceTicks(c[a] - r * 0.95, c[a] + r * 0.95, count - 1)) {
        const t = [...c];
        t[a] = v;
        const [x, y] = at(t, 0);
        ctx.beginPath();
        ctx.moveTo(x - nx * 3 * u, y - ny * 3 * u);
        ctx.lineTo(x + nx * 3 * u, y + ny * 3 * u);
        ctx.stroke();
        write(tick(v), x + nx * 9 * u, y + ny * 9 * u, "center", "middle", "#999");
      }
      const name = space.labels?.[a];
      if (name) write(name, q[0] + (q[0] - p[0]) / len * 8 * u, q[1] + (q[1] - p[1]) / len * 8 * u, "center", "middle", "#333");
    }
    return boxes;
  }
}
