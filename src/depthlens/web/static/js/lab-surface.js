// The Lab's surface race: a contour map of an analytic 2-D loss, every optimizer raced from
// one start point on the server, the trajectories animated here frame by frame.

import { el } from "./dom.js";
import { decimals, fmt, fmtAgainst, fmtExact, minus } from "./format.js";
import { superseded } from "./http.js";
import {
  control, lastAtMost, MAX_SEED, numberIn, problem, requestJSON, swatch, wholeIn,
} from "./lab-common.js";
import { savePng } from "./picture.js";

export const SIZE = 480;
const BAND_COLORS = [[255, 255, 255], [222, 235, 247], [158, 202, 225], [79, 143, 192]];
const LINE = [58, 109, 153];
const BASE_SECONDS = 5; // a whole race at speed 1×
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const MAX_STEPS = 5000;
const GAP = "f\u00a0\u2212\u00a0f*"; // the distance to the global minimum's value, unbroken
const MAX_LR = 100;
const MAX_NOISE = 100;
/** The settings of this section in a Lab link (besides `lr.NAME` for each optimizer). */
const KEYS = ["surface", "optimizers", "steps", "noise", "seed", "start"];

/** Colour of band position `t` ∈ [0, 1]: white (low loss) to mid blue (high loss). */
function bandColor(t) {
  const x = Math.min(Math.max(t, 0), 1) * (BAND_COLORS.length - 1);
  const i = Math.min(Math.floor(x), BAND_COLORS.length - 2);
  const f = x - i;
  return BAND_COLORS[i].map((c, k) => c + (BAND_COLORS[i + 1][k] - c) * f);
}

/** The contour picture of a surface as SIZE × SIZE ImageData: the server's band positions
 * (GRID × GRID cell centres, row 0 at the top) interpolated bilinearly, coloured by band, with
 * a line where the band changes. */
export function contourImage(ctx, grid) {
  const raw = atob(grid.data);
  const n = grid.width;
  const m = grid.height;
  const values = new Float32Array(n * m);
  for (let i = 0; i < values.length; i += 1) values[i] = raw.charCodeAt(i) / 255;
  const levels = grid.levels;
  const band = new Int16Array(SIZE * SIZE);
  const pos = new Float32Array(SIZE * SIZE);
  for (let py = 0; py < SIZE; py += 1) {
    const gy = Math.min(Math.max(((py + 0.5) / SIZE) * m - 0.5, 0), m - 1);
    const y0 = Math.min(Math.floor(gy), m - 2);
    const fy = gy - y0;
    for (let px = 0; px < SIZE; px += 1) {
      const gx = Math.min(Math.max(((px + 0.5) / SIZE) * n - 0.5, 0), n - 1);
      const x0 = Math.min(Math.floor(gx), n - 2);
      const fx = gx - x0;
      const a = values[y0 * n + x0];
      const b = values[y0 * n + x0 + 1];
      const c = values[(y0 + 1) * n + x0];
      const d = values[(y0 + 1) * n + x0 + 1];
      const v = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      pos[py * SIZE + px] = v;
      band[py * SIZE + px] = Math.min(Math.floor(v * levels), levels - 1);
    }
  }
  const image = ctx.createImageData(SIZE, SIZE);
  const palette = [];
  for (let k = 0; k < levels; k += 1) palette.push(bandColor((k + 0.5) / levels));
  for (let i = 0; i < SIZE * SIZE; i += 1) {
    const k = band[i];
    const px = i % SIZE;
    const edge = (px + 1 < SIZE && band[i + 1] !== k) || (i + SIZE < band.length && band[i + SIZE] !== k);
    const rgb = palette[k];
    const alpha = edge ? 0.4 : 0;
    image.data[4 * i] = rgb[0] * (1 - alpha) + LINE[0] * alpha;
    image.data[4 * i + 1] = rgb[1] * (1 - alpha) + LINE[1] * alpha;
    image.data[4 * i + 2] = rgb[2] * (1 - alpha) + LINE[2] * alpha;
    image.data[4 * i + 3] = 255;
  }
  return image;
}

/** The surface race section (see the module comment). `drawn` counts what it drew. */
export class SurfaceRace {
  constructor(root, hooks, drawn) {
    this.root = root;
    this.hooks = hooks;
    this.drawn = drawn;
    this.surfaces = [];
    this.surface = null;
    this.start = null; // null: the surface's own start point
    this.race = null;
    this.frameStep = 0;
    this.playing = false;
    this.speed = 1;
    this.racing = false;
    this._lastTime = null;
    this._frame = null;
    this._background = document.createElement("canvas");
    this._background.width = SIZE;
    this._background.height = SIZE;
    this.build();
  }

  build() {
    this.select = el("select.lab-surface", { onchange: () => this.chooseSurface(this.select.value) });
    this.steps = el("input.number.lab-steps", { type: "number", min: 1, max: 5000, step: 1, value: 600 });
    this.noise = el("input.number.lab-noise", { type: "number", min: 0, max: 100, step: "any", value: 0 });
    this.seed = el("input.number.lab-seed", { type: "number", min: 0, step: 1, value: 0 });
    this.raceButton = el("button.lab-race-button", { text: "Race", onclick: () => this.run() });
    this.resetStart = el("button.text-button", {
      text: "Default start", title: "Race from the surface's own start point",
      onclick: () => {
        this.start = null;
        this.hooks.changed?.();
        this.run();
      },
    });
    this.description = el("p.hint.lab-description");
    this.optimizerBox = el("div.lab-optimizers");
    this.canvas = el("canvas.lab-contour", { width: SIZE, height: SIZE, title: "Click to race from here" });
    this.canvas.addEventListener("click", (e) => this.clickStart(e));
    this.canvas.addEventListener("mousemove", (e) => this.showCursor(e));
    this.canvas.addEventListener("mouseleave", () => { this.cursor.textContent = ""; });
    this.ctx = this.canvas.getContext("2d");
    this.cursor = el("div.lab-cursor");
    this.playButton = el("button.round.small.lab-play", {
      title: "Play / pause the race", "aria-label": "Play",
      onclick: () => this.togglePlay(),
    });
    this.scrubber = el("input.lab-scrubber", { type: "range", min: 0, max: 1, step: 1, value: 0 });
    this.scrubber.addEventListener("input", () => {
      this.frameStep = Number(this.scrubber.value);
      this.draw();
    });
    this.speedSelect = el("select.lab-speed", {
      onchange: () => { this.speed = Number(this.speedSelect.value); },
    }, SPEEDS.map((s) => el("option", { value: String(s), text: `${s}\u00d7`, selected: s === 1 })));
    this.stepLabel = el("span.lab-step-label", { text: "step 0" });
    this.legend = el("div.lab-legend");
    this.status = el("span.lab-status");
    this.table = el("table.lab-table.lab-race-table");
    this.summary = el("p.hint.lab-race-summary");
    this.root.append(
      el("div.lab-controls",
        control("Surface", this.select),
        control("Steps", this.steps, "Updates per optimizer (1 to 5000)"),
        control("Gradient noise \u03c3", this.noise, "Gaussian noise added to every gradient component (the same for every optimizer)"),
        control("Noise seed", this.seed),
        this.raceButton, this.resetStart, this.status),
      this.description,
      el("div.lab-race-body",
        el("div.lab-left",
          el("h4", { text: "Optimizers and learning rates" }),
          this.optimizerBox),
        el("div.lab-middle",
          el("div.lab-canvas-wrap", this.canvas, this.cursor),
          el("div.lab-player", this.playButton, this.scrubber, this.stepLabel,
            control("Speed", this.speedSelect),
            el("button.text-button.lab-png", {
              text: "PNG", title: "The race as it is drawn now, as a PNG picture",
              onclick: () => savePng(`depthlens-race-${this.surface?.name ?? "surface"}.png`, [this.canvas]),
            })),
          this.legend),
        el("div.lab-right",
          el("h4", { text: "Race table" }),
          this.summary,
          this.table)),
    );
    this.updatePlayButton();
  }

  /** Load the surfaces (once); `applySettings` then chooses one and races. */
  async load() {
    try {
      this.surfaces = await requestJSON("/api/lab/surfaces");
    } catch (err) {
      this.hooks.toast?.(`Lab: ${err.message}`);
      return;
    }
    this.select.replaceChildren(...this.surfaces.map((s) => el("option", { value: s.name, text: s.title })));
  }

  /** The colour of optimizer `name`, as the server sent it with the surface. */
  colorOf(name) {
    return this.surface?.optimizers.find((o) => o.name === name)?.color ?? "#000";
  }

  /** Show surface `name` with its default settings (and race on it unless `run` is false). */
  chooseSurface(name, run = true) {
    this.surface = this.surfaces.find((s) => s.name === name);
    this.select.value = name;
    this.start = null;
    this.race = null;
    this.steps.value = String(this.surface.steps);
    this.description.textContent = `f(x, y) = ${this.surface.formula}. ${this.surface.description}`;
    this.optimizerBox.replaceChildren(...this.surface.optimizers.map((o) => {
      const extra = o.hyper.momentum ? ` \u03bc=${o.hyper.momentum}${o.hyper.nesterov ? " Nesterov" : ""}` : "";
      return el("label.lab-optimizer", { "data-name": o.name, title: `${o.rule}${extra}` },
        el("input.lab-use", { type: "checkbox", checked: true, value: o.name }),
        swatch(o.color),
        el("span.lab-name", { text: o.name }),
        el("input.number.lab-lr", {
          type: "number", min: 0, step: "any", value: String(o.lr), title: `learning rate of ${o.name}`,
          "aria-label": `learning rate of ${o.name}`,
        }));
    }));
    this.ctx.putImageData(contourImage(this.ctx, this.surface.grid), 0, 0);
    this._background.getContext("2d").drawImage(this.canvas, 0, 0);
    this.drawn.contour += 1;
    this.draw();
    if (run) this.run();
  }

  /** This section's settings for a Lab link, as [key, value] pairs of what the form holds;
   * null before the surfaces are loaded. */
  settings() {
    if (!this.surface) return null;
    const rows = [...this.optimizerBox.querySelectorAll(".lab-optimizer")];
    const used = rows.filter((r) => r.querySelector(".lab-use").checked).map((r) => r.dataset.name);
    const pairs = [["surface", this.surface.name], ["optimizers", used.join(",")]];
    for (const r of rows) pairs.push([`lr.${r.dataset.name}`, r.querySelector(".lab-lr").value]);
    pairs.push(["steps", this.steps.value], ["noise", this.noise.value], ["seed", this.seed.value]);
    if (this.start) pairs.push(["start", this.start.join(",")]);
    return pairs;
  }

  /** Put a Lab link's settings (`params`: URLSearchParams of this section's keys) in the form
   * and race. A value that is not allowed gives that field's default and a line in `problems`;
   * a setting left out has its default. */
  applySettings(params, problems) {
    if (!this.surfaces.length) return;
    const first = this.surfaces[0].name;
    let name = params.get("surface") ?? first;
    if (!this.surfaces.some((s) => s.name === name)) {
      problems.push(problem("surface", name, `one of ${this.surfaces.map((s) => s.name).join(", ")}`, first));
      name = first;
    }
    this.chooseSurface(name, false);
    const s = this.surface;
    this.applyOptimizers(params, problems);
    for (const key of params.keys()) {
      if (!KEYS.includes(key) && !key.startsWith("lr.")) problems.push(`\u201c${key}\u201d is not a setting of the Lab: ignored`);
    }
    const field = (key, input, ok, allowed, fallback) => {
      const raw = params.get(key);
      if (raw === null) return;
      if (ok(raw)) input.value = String(Number(raw)); // " 600" would not fit a number field
      else problems.push(problem(key, raw, allowed, fallback));
    };
    field("steps", this.steps, (v) => wholeIn(v, 1, MAX_STEPS), `a whole number from 1 to ${MAX_STEPS}`, String(s.steps));
    field("noise", this.noise, (v) => numberIn(v, 0, MAX_NOISE), `a number from 0 to ${MAX_NOISE}`, "0");
    field("seed", this.seed, (v) => wholeIn(v, 0, MAX_SEED), `a whole number from 0 to ${MAX_SEED}`, "0");
    const start = params.get("start");
    if (start !== null) {
      const point = start.split(",").map((t) => (t.trim() === "" ? NaN : Number(t)));
      const [x0, x1, y0, y1] = s.extent;
      if (point.length === 2 && point[0] >= x0 && point[0] <= x1 && point[1] >= y0 && point[1] <= y1) {
        this.start = point;
      } else {
        problems.push(problem("start", start, `a point x,y inside [${fmt(x0)}, ${fmt(x1)}] \u00d7 [${fmt(y0)}, ${fmt(y1)}]`, "the surface's own start"));
      }
    }
    this.run();
  }

  /** The optimizers used and their learning rates from a Lab link (see `applySettings`). */
  applyOptimizers(params, problems) {
    const rows = [...this.optimizerBox.querySelectorAll(".lab-optimizer")];
    const names = rows.map((r) => r.dataset.name);
    const raw = params.get("optimizers");
    if (raw !== null) {
      const chosen = raw.split(",").filter((n) => n !== "");
      if (chosen.length && chosen.every((n) => names.includes(n))) {
        for (const r of rows) r.querySelector(".lab-use").checked = chosen.includes(r.dataset.name);
      } else {
        problems.push(problem("optimizers", raw, `some of ${names.join(", ")}`, "all of them"));
      }
    }
    for (const [key, value] of params.entries()) {
      if (!key.startsWith("lr.")) continue;
      const row = rows[names.indexOf(key.slice(3))];
      if (!row) {
        problems.push(`\u201c${key}\u201d: ${key.slice(3)} is not an optimizer of this race: ignored`);
      } else if (numberIn(value, 0, MAX_LR, true)) {
        row.querySelector(".lab-lr").value = String(Number(value));
      } else {
        const fallback = this.surface.optimizers.find((o) => o.name === row.dataset.name).lr;
        problems.push(problem(key, value, `a number > 0 and \u2264 ${MAX_LR}`, String(fallback)));
      }
    }
  }

  /** Canvas pixel ↔ surface coordinates (the same window as the contour picture). */
  toPixel(x, y) {
    const [x0, x1, y0, y1] = this.surface.extent;
    return [((x - x0) / (x1 - x0)) * SIZE, ((y1 - y) / (y1 - y0)) * SIZE];
  }

  toPoint(px, py) {
    const [x0, x1, y0, y1] = this.surface.extent;
    return [x0 + (px / SIZE) * (x1 - x0), y1 - (py / SIZE) * (y1 - y0)];
  }

  eventPoint(e) {
    const box = this.canvas.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * SIZE;
    const py = ((e.clientY - box.top) / box.height) * SIZE;
    return this.toPoint(px, py);
  }

  showCursor(e) {
    if (!this.surface) return;
    const [x, y] = this.eventPoint(e);
    this.cursor.textContent = `(${fmt(x, 3)}, ${fmt(y, 3)})`;
  }

  clickStart(e) {
    if (!this.surface) return;
    const [x0, x1, y0, y1] = this.surface.extent;
    const [x, y] = this.eventPoint(e);
    // three decimals (a pixel is about 0.01 wide): the start a link carries is exactly this one
    const round = (v) => Math.round(v * 1000) / 1000;
    this.start = [round(Math.min(Math.max(x, x0), x1)), round(Math.min(Math.max(y, y0), y1))];
    this.hooks.changed?.();
    this.run();
  }

  /** The request of the form now, or null (with a toast) when a value is not allowed. */
  request() {
    const steps = Number(this.steps.value);
    const noise = Number(this.noise.value);
    const seed = Number(this.seed.value);
    if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) return this.refuse(`Steps: a whole number from 1 to ${MAX_STEPS}`);
    if (!Number.isFinite(noise) || noise < 0 || noise > MAX_NOISE) return this.refuse(`Gradient noise: a number from 0 to ${MAX_NOISE}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return this.refuse(`Noise seed: a whole number from 0 to ${MAX_SEED}`);
    const optimizers = [];
    const lr = {};
    for (const row of this.optimizerBox.querySelectorAll(".lab-optimizer")) {
      if (!row.querySelector(".lab-use").checked) continue;
      const name = row.dataset.name;
      const rate = Number(row.querySelector(".lab-lr").value);
      if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_LR) return this.refuse(`Learning rate of ${name}: a number > 0 and \u2264 ${MAX_LR}`);
      optimizers.push(name);
      lr[name] = rate;
    }
    if (!optimizers.length) return this.refuse("Choose at least one optimizer");
    const body = { surface: this.surface.name, optimizers, steps, noise, seed, lr };
    if (this.start) body.start = this.start;
    return body;
  }

  refuse(text) {
    this.hooks.toast?.(text);
    return null;
  }

  /** Race on the server and animate the answer from step 0. One request at a time: a race
   * asked for while one is on its way is sent when that answer is in (which is then not shown),
   * so this tab never supersedes its own request (the server would answer the older 409). */
  async run() {
    if (!this.surface) return;
    const body = this.request();
    if (!body) {
      if (!this._sending) this.stopRacing();
      return;
    }
    const ticket = (this._ticket ?? 0) + 1;
    this._ticket = ticket;
    this.racing = true;
    this.status.textContent = "racing\u2026";
    this.root.classList.add("racing");
    if (this._sending) return; // sent when the answer on its way is in (finally, below)
    this._sending = true;
    try {
      const race = await requestJSON("/api/lab/race", body);
      if (ticket !== this._ticket) return; // a newer race was asked for meanwhile
      this.race = race;
      this.frameStep = 0;
      this.scrubber.max = String(race.steps);
      this.scrubber.value = "0";
      this.showTable();
      this.showLegend();
      this.status.textContent = "";
      this.play();
    } catch (err) {
      if (ticket !== this._ticket) return;
      this.status.textContent = "";
      if (!superseded(err)) this.hooks.toast?.(`Race: ${err.message}`);
    } finally {
      this._sending = false;
      if (ticket !== this._ticket) this.run();
      else this.stopRacing(false);
    }
  }

  /** Leave the racing look (and its "racing…" status unless `clear` is false). */
  stopRacing(clear = true) {
    if (!this.racing) return;
    this.racing = false;
    this.root.classList.remove("racing");
    if (clear) this.status.textContent = "";
  }

  /** The race table. The final gap f − f* is shown with as many digits as it takes to be on
   * the same side of the tolerance as the number itself, and the server counts the steps with
   * the same subtraction: "never" never stands beside a gap shown within the tolerance. */
  showTable() {
    const race = this.race;
    const tol = fmtExact(race.tol);
    const head = el("tr", {},
      ["optimizer", "lr", `steps to ${GAP}\u00a0\u2264\u00a0${tol}`, `final ${GAP}`, "final (x, y)", "minimum reached"]
        .map((t) => el("th", { text: t })));
    const rows = race.table.map((r) => el("tr", { "data-name": r.name, class: `kind-${r.kind}` },
      el("td", {}, swatch(this.colorOf(r.name)), r.name),
      el("td", { text: fmt(r.lr, 3) }),
      el("td.lab-steps-to-tol", {
        text: r.steps_to_tol === null ? "never" : String(r.steps_to_tol),
        title: r.steps_to_tol === null ? `f \u2212 f* > ${tol} at every step` : `first step with f \u2212 f* \u2264 ${tol}`,
      }),
      el("td.lab-final-gap", { text: fmtAgainst(r.final_gap, race.tol), title: `final f = ${fmt(r.final_value, 6)}` }),
      el("td", { text: r.final_x === null ? "\u2013" : `(${decimals(r.final_x)}, ${decimals(r.final_y)})` }),
      el("td", { text: minus(r.minimum) })));
    this.table.replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
    const [sx, sy] = race.start;
    this.summary.textContent = `From (${fmt(sx, 3)}, ${fmt(sy, 3)}), ${race.steps} steps` +
      (race.noise > 0 ? `, gradient noise \u03c3 = ${fmt(race.noise)} (seed ${race.seed})` : "") +
      `; f* = ${fmt(race.f_min)}. Click the map to race from another point.`;
    this.drawn.table += 1;
  }

  showLegend() {
    this.legend.replaceChildren(...this.race.trajectories.map((t) => el("span.lab-legend-item",
      { "data-name": t.name, title: `${t.rule} lr=${fmt(t.hyper.lr)}` },
      swatch(this.colorOf(t.name)),
      t.name + (t.diverged_at !== null ? " (diverged)" : ""))));
  }

  // -- animation --------------------------------------------------------------------------
  play() {
    if (!this.race) return;
    if (this.frameStep >= this.race.steps) this.frameStep = 0;
    this.playing = true;
    this._lastTime = null;
    this.updatePlayButton();
    this.schedule();
  }

  pause() {
    this.playing = false;
    this.updatePlayButton();
  }

  togglePlay() {
    if (this.playing) this.pause();
    else this.play();
  }

  updatePlayButton() {
    const icon = this.playing
      ? '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M6 5h4v14H6zM14 5h4v14h-4z"/></svg>'
      : '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M8 5v14l11-7z"/></svg>';
    this.playButton.innerHTML = icon;
    this.playButton.setAttribute("aria-label", this.playing ? "Pause" : "Play");
    this.playButton.classList.toggle("playing", this.playing);
  }

  schedule() {
    if (this._frame === null) this._frame = requestAnimationFrame((t) => this.tick(t));
  }

  tick(time) {
    this._frame = null;
    if (!this.playing || !this.race) return;
    if (this.root.closest("[hidden]")) { // the tab is not shown: stop until it is
      this._lastTime = null;
      return;
    }
    if (this._lastTime !== null) {
      const dt = Math.min((time - this._lastTime) / 1000, 0.1);
      this.frameStep = Math.min(this.frameStep + (dt * this.speed * this.race.steps) / BASE_SECONDS, this.race.steps);
    }
    this._lastTime = time;
    this.scrubber.value = String(Math.floor(this.frameStep));
    this.draw();
    if (this.frameStep >= this.race.steps) {
      this.pause();
      return;
    }
    this.schedule();
  }

  /** Resume the animation when the tab is shown again. */
  resume() {
    if (this.playing) {
      this._lastTime = null;
      this.schedule();
    }
  }

  /** The racer's point at (fractional) step `s`, interpolated between kept points. */
  pointAt(t, s) {
    const k = lastAtMost(t.steps, s);
    if (k < 0) return t.points[0];
    if (k >= t.steps.length - 1) return t.points[t.points.length - 1];
    const f = (s - t.steps[k]) / (t.steps[k + 1] - t.steps[k]);
    const a = t.points[k];
    const b = t.points[k + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
  }

  draw() {
    const ctx = this.ctx;
    ctx.drawImage(this._background, 0, 0);
    if (!this.surface) return;
    const race = this.race;
    if (race && race.surface === this.surface.name) {
      // paths under the minima's marks, the moving points over them
      const s = this.frameStep;
      const trail = Math.max(race.steps * 0.08, 4);
      const heads = race.trajectories.map((t) => this.drawTrail(t, this.colorOf(t.name), s, trail));
      this.drawMinima();
      this.drawStart(race.start);
      race.trajectories.forEach((t, i) => this.drawHead(t, this.colorOf(t.name), s, heads[i]));
      this.stepLabel.textContent = `step ${Math.floor(s)} / ${race.steps}`;
    } else {
      this.drawMinima();
      this.drawStart(this.start ?? this.surface.start);
    }
    this.drawn.frames += 1;
  }

  drawMinima() {
    const ctx = this.ctx;
    for (const m of this.surface.minima) {
      const [px, py] = this.toPixel(m.x, m.y);
      if (px < -5 || py < -5 || px > SIZE + 5 || py > SIZE + 5) continue;
      ctx.save();
      if (m.kind === "global") {
        star(ctx, px, py, 8, 3.4);
        ctx.fillStyle = "#ffd23f";
        ctx.strokeStyle = "#333";
        ctx.lineWidth = 1;
        ctx.fill();
        ctx.stroke();
      } else {
        const r = 4;
        ctx.strokeStyle = "#555";
        ctx.lineWidth = 1.6;
        ctx.beginPath();
        ctx.moveTo(px - r, py - r);
        ctx.lineTo(px + r, py + r);
        ctx.moveTo(px + r, py - r);
        ctx.lineTo(px - r, py + r);
        ctx.stroke();
      }
      ctx.restore();
    }
  }

  drawStart([x, y]) {
    const ctx = this.ctx;
    const [px, py] = this.toPixel(x, y);
    ctx.save();
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "#183d4e";
    ctx.lineWidth = 2;
    ctx.fill();
    ctx.stroke();
    ctx.restore();
  }

  /** Path so far (faint) and a fading trail over the last `trail` steps; returns the pixel
   * of the racer's point at step `s`. */
  drawTrail(t, color, s, trail) {
    const ctx = this.ctx;
    const k = lastAtMost(t.steps, s);
    const head = this.pointAt(t, s);
    const pts = t.points.slice(0, k + 1).map(([x, y]) => this.toPixel(x, y));
    pts.push(this.toPixel(head[0], head[1]));
    ctx.save();
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = color;
    ctx.globalAlpha = 0.3;
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    pts.forEach(([px, py], j) => (j ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.stroke();
    // the trail: segments of the last `trail` steps, more opaque towards the point
    const from = lastAtMost(t.steps, s - trail);
    ctx.lineWidth = 2.6;
    for (let j = Math.max(from, 0); j < pts.length - 1; j += 1) {
      const age = (s - (j < t.steps.length ? t.steps[j] : s)) / trail;
      ctx.globalAlpha = Math.max(0.1, 1 - age) * 0.9;
      ctx.beginPath();
      ctx.moveTo(pts[j][0], pts[j][1]);
      ctx.lineTo(pts[j + 1][0], pts[j + 1][1]);
      ctx.stroke();
    }
    ctx.restore();
    return pts[pts.length - 1];
  }

  /** The racer's point (hollow once it has stopped after a divergence). */
  drawHead(t, color, s, [hx, hy]) {
    const ctx = this.ctx;
    ctx.save();
    const stopped = t.diverged_at !== null && s >= t.steps[t.steps.length - 1];
    ctx.beginPath();
    ctx.arc(hx, hy, stopped ? 3 : 5, 0, 2 * Math.PI);
    ctx.fillStyle = stopped ? "#fff" : color;
    ctx.strokeStyle = stopped ? color : "#fff";
    ctx.lineWidth = 1.5;
    ctx.fill();
    ctx.stroke();
    ctx.restore();
  }
}

/** A five-pointed star path at (x, y). */
function star(ctx, x, y, outer, inner) {
  ctx.beginPath();
  for (let i = 0; i < 10; i += 1) {
    const r = i % 2 ? inner : outer;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const px = x + r * Math.cos(a);
    const py = y + r * Math.sin(a);
    if (i) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
  }
  ctx.closePath();
}
