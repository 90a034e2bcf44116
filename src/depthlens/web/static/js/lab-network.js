// The Lab's network race: optimizers and batch sizes trained on the server from the same
// initial weights with the same budget of gradient evaluations; here the loss curves (log
// scale) against evaluations, and the final train/test numbers.

import { el } from "./dom.js";
import { fmt, minus, powerLabel } from "./format.js";
import { superseded } from "./http.js";
import { control, MAX_SEED, problem, requestJSON, swatch, wholeIn } from "./lab-common.js";
import { savePng } from "./picture.js";

const WIDTH = 560;
const HEIGHT = 320;
const PAD = { left: 56, right: 30, top: 12, bottom: 40 };
const DEFAULT_LAYERS = "4, 2";
const DEFAULT_ACTIVATION = "tanh";
const CURVES = ["train_loss", "test_loss"];
/** The settings of this section in a Lab link (`net.` before each). */
const KEYS = ["dataset", "layers", "activation", "contenders", "budget", "seed", "curve"];

/** The network race section. `drawn` counts what it drew. */
export class NetworkRace {
  constructor(root, hooks, drawn) {
    this.root = root;
    this.hooks = hooks;
    this.drawn = drawn;
    this.options = null;
    this.result = null;
    this.racing = false;
    this.build();
  }

  build() {
    this.dataset = el("select.lab-dataset");
    this.layers = el("input.lab-layers", { type: "text", value: DEFAULT_LAYERS, size: 10, title: "Hidden layer widths, e.g. 8, 8 (at most 4 layers of at most 16)" });
    this.activation = el("select.lab-activation");
    this.budget = el("input.number.lab-budget", { type: "number", min: 1, step: 1000, value: 10000 });
    this.seed = el("input.number.lab-net-seed", { type: "number", min: 0, step: 1, value: 0 });
    this.which = el("select.lab-which", { onchange: () => this.drawChart() },
      el("option", { value: "train_loss", text: "training loss", selected: true }),
      el("option", { value: "test_loss", text: "test loss" }));
    this.raceButton = el("button.lab-race-button.lab-net-race", { text: "Race", onclick: () => this.run() });
    this.status = el("span.lab-status.lab-net-status");
    this.contenderBox = el("div.lab-contenders");
    this.canvas = el("canvas.lab-chart", { width: WIDTH, height: HEIGHT });
    // read back by the tests (and cheap to draw in software: a few lines)
    this.ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    this.legend = el("div.lab-legend.lab-net-legend");
    this.summary = el("p.hint.lab-net-summary");
    this.table = el("table.lab-table.lab-net-table");
    this.root.append(
      el("div.lab-controls",
        control("Dataset", this.dataset),
        control("Hidden layers", this.layers),
        control("Activation", this.activation),
        control("Budget (gradient evaluations)", this.budget, "Samples whose gradient each contender may compute"),
        control("Seed", this.seed, "Data, split, initial weights and batch order"),
        this.raceButton, this.status),
      el("p.hint", { text: "Every contender trains the same network from the same initial weights on the same data; each gets the same number of per-sample gradient evaluations, so per-sample SGD makes many small updates and full-batch GD a few large ones." }),
      el("div.lab-race-body",
        el("div.lab-left", el("h4", { text: "Contenders" }), this.contenderBox),
        el("div.lab-middle",
          this.canvas,
          el("div.lab-chart-key", control("Curve", this.which),
            el("button.text-button.lab-png", {
              text: "PNG", title: "The loss curves as a PNG picture",
              onclick: () => savePng("depthlens-network-race.png", [this.canvas]),
            })),
          this.legend),
        el("div.lab-right", el("h4", { text: "After the budget" }), this.summary, this.table)),
    );
    this.drawChart();
  }

  async load() {
    try {
      this.options = await requestJSON("/api/lab/network/options");
    } catch (err) {
      this.hooks.toast?.(`Lab: ${err.message}`);
      return;
    }
    const o = this.options;
    this.dataset.replaceChildren(...o.datasets.map((d) => el("option", { value: d, text: d })));
    this.activation.replaceChildren(...o.activations.map((a) => el("option", { value: a, text: a, selected: a === DEFAULT_ACTIVATION })));
    this.budget.max = String(o.max_budget);
    this.budget.value = String(o.default_budget);
    this.contenderBox.replaceChildren(...o.contenders.map((c) => el("label.lab-optimizer", { "data-name": c.name },
      el("input.lab-use", { type: "checkbox", checked: true, value: c.name }),
      swatch(c.color),
      el("span.lab-name", { text: c.name }),
      el("span.lab-rule", { text: minus(`${c.rule}, batch ${c.batch}`) }))));
  }

  /** The colour of contender `name`, as the server sent it with the options. */
  colorOf(name) {
    return this.options?.contenders.find((c) => c.name === name)?.color ?? "#000";
  }

  /** The hidden layer widths written in `text`, or null when they are not allowed. */
  parseLayers(text) {
    const o = this.options;
    const trimmed = text.trim();
    const layers = trimmed ? trimmed.split(/[\s,]+/).map(Number) : [];
    const ok = layers.length <= o.max_layers && layers.every((w) => Number.isInteger(w) && w >= 1 && w <= o.max_width);
    return ok ? layers : null;
  }

  /** This section's settings for a Lab link: [key, value] pairs of what the form holds (none
   * before the options are loaded). */
  settings() {
    if (!this.options) return [];
    const chosen = [...this.contenderBox.querySelectorAll(".lab-use")].filter((c) => c.checked).map((c) => c.value);
    const layers = this.parseLayers(this.layers.value);
    return [["dataset", this.dataset.value], ["layers", layers ? layers.join(",") : this.layers.value],
      ["activation", this.activation.value], ["contenders", chosen.join(",")],
      ["budget", this.budget.value], ["seed", this.seed.value], ["curve", this.which.value]];
  }

  /** Put a Lab link's settings (`params`: URLSearchParams of this section's keys, without
   * `net.`) in the form. A value that is not allowed gives that field's default and a line in
   * `problems`; a setting left out has its default. The race itself waits for its button. */
  applySettings(params, problems) {
    const o = this.options;
    if (!o) return;
    const value = (key, fallback, ok, allowed) => {
      const raw = params.get(key);
      if (raw === null) return fallback;
      if (ok(raw)) return raw;
      problems.push(problem(`net.${key}`, raw, allowed, fallback));
      return fallback;
    };
    for (const key of params.keys()) {
      if (!KEYS.includes(key)) problems.push(`\u201cnet.${key}\u201d is not a setting of the Lab: ignored`);
    }
    this.dataset.value = value("dataset", o.datasets[0], (v) => o.datasets.includes(v), `a 2-D dataset: one of ${o.datasets.join(", ")}`);
    const layers = value("layers", DEFAULT_LAYERS, (v) => this.parseLayers(v) !== null,
      `at most ${o.max_layers} widths from 1 to ${o.max_width}, e.g. 8,8`);
    this.layers.value = this.parseLayers(layers).join(", ");
    this.activation.value = value("activation", DEFAULT_ACTIVATION, (v) => o.activations.includes(v), `one of ${o.activations.join(", ")}`);
    const names = o.contenders.map((c) => c.name);
    const chosen = value("contenders", names.join(","), (v) => {
      const list = v.split(",").filter((n) => n !== "");
      return list.length > 0 && list.every((n) => names.includes(n));
    }, `some of ${names.join(", ")}`).split(",");
    for (const box of this.contenderBox.querySelectorAll(".lab-use")) box.checked = chosen.includes(box.value);
    // numbers as a number field holds them (" 600" would not fit one)
    this.budget.value = String(Number(value("budget", String(o.default_budget), (v) => wholeIn(v, 1, o.max_budget),
      `a whole number from 1 to ${o.max_budget}`)));
    this.seed.value = String(Number(value("seed", "0", (v) => wholeIn(v, 0, MAX_SEED), `a whole number from 0 to ${MAX_SEED}`)));
    this.which.value = value("curve", CURVES[0], (v) => CURVES.includes(v), CURVES.join(" or "));
    this.drawChart();
  }

  /** The request of the form, or null (with a toast) when a value is not allowed. */
  request() {
    const o = this.options;
    const layers = this.parseLayers(this.layers.value);
    if (layers === null) {
      return this.refuse(`Hidden layers: at most ${o.max_layers} widths from 1 to ${o.max_width}, e.g. 8, 8`);
    }
    const budget = Number(this.budget.value);
    if (!Number.isInteger(budget) || budget < 1 || budget > o.max_budget) {
      return this.refuse(`Budget: a whole number of gradient evaluations from 1 to ${o.max_budget}`);
    }
    const seed = Number(this.seed.value);
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) return this.refuse(`Seed: a whole number from 0 to ${MAX_SEED}`);
    const contenders = [...this.contenderBox.querySelectorAll(".lab-use")].filter((c) => c.checked).map((c) => c.value);
    if (!contenders.length) return this.refuse("Choose at least one contender");
    return { dataset: this.dataset.value, layers, activation: this.activation.value, contenders, budget, seed };
  }

  refuse(text) {
    this.hooks.toast?.(text);
    return null;
  }

  async run() {
    if (!this.options || this.racing) return;
    const body = this.request();
    if (!body) return;
    this.racing = true;
    this.raceButton.disabled = true;
    this.root.classList.add("racing");
    this.status.textContent = "racing\u2026";
    try {
      this.result = await requestJSON("/api/lab/network", body);
      this.status.textContent = `${fmt(this.result.seconds, 2)} s`;
      this.showLegend();
      this.showTable();
      this.drawChart();
    } catch (err) {
      this.status.textContent = "";
      if (!superseded(err)) this.hooks.toast?.(`Network race: ${err.message}`);
    } finally {
      this.racing = false;
      this.raceButton.disabled = false;
      this.root.classList.remove("racing");
    }
  }

  showLegend() {
    const r = this.result;
    this.legend.replaceChildren(...r.contenders.map((c) => el("span.lab-legend-item", { "data-name": c.name, title: minus(`${c.rule}, batch ${c.batch}`) },
      swatch(this.colorOf(c.name)), c.name)));
  }

  showTable() {
    const r = this.result;
    const metric = r.metric === "accuracy" ? "accuracy" : "R\u00b2";
    const head = el("tr", {}, ["contender", "batch", "updates", "evaluations", "train loss", "test loss",
      `train ${metric}`, `test ${metric}`].map((t) => el("th", { text: t })));
    const rows = r.table.map((row) => el("tr", { "data-name": row.name, class: row.diverged ? "diverged" : undefined, title: row.diverged || undefined },
      el("td", {}, swatch(this.colorOf(row.name)), row.name),
      el("td", { text: String(row.batch) }),
      el("td", { text: String(row.updates) }),
      el("td", { text: String(row.evaluations) }),
      el("td", { text: fmt(row.train_loss) }),
      el("td", { text: fmt(row.test_loss) }),
      el("td", { text: fmt(row[`train_${r.metric}`], 3) }),
      el("td", { text: fmt(row[`test_${r.metric}`], 3) })));
    this.table.replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
    this.summary.textContent = `${r.dataset}, hidden layers [${r.layers.join(", ")}], ${r.activation}: ` +
      `${r.epochs} epochs of ${r.n_train} training samples = ${r.budget} gradient evaluations each` +
      (r.budget !== r.requested_budget && !r.stopped ? ` (${r.requested_budget} asked, rounded to whole epochs)` : "") + "." +
      (r.stopped ? ` The race was ${r.stopped}.` : "");
    this.drawn.table += 1;
  }

  /** Loss (log scale) against gradient evaluations, one curve per contender. */
  drawChart() {
    const ctx = this.ctx;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    const plotW = WIDTH - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    ctx.strokeStyle = "#e2e2e2";
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);
    const r = this.result;
    if (!r) {
      ctx.fillStyle = "#aaa";
      ctx.font = "12px sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("Press Race to train every contender", WIDTH / 2, HEIGHT / 2);
      return;
    }
    const key = this.which.value;
    const curves = r.contenders.map((c) => ({ name: c.name, data: r.curves[c.name] }));
    let lo = Infinity;
    let hi = -Infinity;
    let maxX = 1;
    for (const c of curves) {
      c.data[key].forEach((v, j) => {
        if (v !== null && v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        maxX = Math.max(maxX, c.data.evaluations[j]);
      });
    }
    if (!Number.isFinite(lo)) { lo = 1e-3; hi = 1; }
    let lgLo = Math.floor(Math.log10(lo) * 2) / 2;
    let lgHi = Math.ceil(Math.log10(hi) * 2) / 2;
    if (lgHi - lgLo < 0.5) { lgLo -= 0.25; lgHi += 0.25; }
    const xOf = (e) => PAD.left + (e / maxX) * plotW;
    const yOf = (v) => PAD.top + ((lgHi - Math.log10(v)) / (lgHi - lgLo)) * plotH;
    // grid and axes
    ctx.font = "11px sans-serif";
    ctx.fillStyle = "#777";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let p = Math.ceil(lgLo); p <= Math.floor(lgHi); p += 1) {
      const y = yOf(10 ** p);
      ctx.strokeStyle = "#eee";
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + plotW, y);
      ctx.stroke();
      ctx.fillText(powerLabel(p), PAD.left - 6, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let j = 0; j <= 4; j += 1) {
      const e = (maxX * j) / 4;
      ctx.fillText(Math.round(e).toLocaleString("en"), xOf(e), PAD.top + plotH + 5);
    }
    ctx.fillText("gradient evaluations", PAD.left + plotW / 2, PAD.top + plotH + 21);
    ctx.save();
    ctx.translate(14, PAD.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.which.selectedOptions[0].text + " (log)", 0, -6);
    ctx.restore();
    // curves
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, plotW, plotH);
    ctx.clip();
    curves.forEach((c) => {
      ctx.strokeStyle = this.colorOf(c.name);
      ctx.lineWidth = 1.8;
      ctx.beginPath();
      let pen = false;
      c.data[key].forEach((v, j) => {
        if (v === null || !(v > 0)) { pen = false; return; }
        const x = xOf(c.data.evaluations[j]);
        const y = yOf(v);
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      });
      ctx.stroke();
    });
    ctx.restore();
    this.drawn.chart += 1;
  }
}
