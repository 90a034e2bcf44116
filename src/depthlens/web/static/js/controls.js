// The page's controls: menus filled from the server's `hello`, set from each `state`, and every
// change sent back as a whole Config (the server validates it and answers with a new state).

import { $, $$, el, option } from "./dom.js";
import { compact } from "./format.js";
import { installHelp } from "./help.js";

const SOFT_HYPHEN = /\u00ad/g;

/** A head's menu key: "loss|output" ("|" is the problem's default). */
function headKey(h) {
  return `${h.loss ?? ""}|${h.output ?? ""}`;
}

function fill(select, values, label = (v) => String(v)) {
  select.replaceChildren(...values.map((v) => option(v, label(v))));
}

/** Select `value`, adding it as an option first if the menu lacks it (a hand-made URL). */
function choose(select, value) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) {
    select.append(option(v, v));
  }
  select.value = v;
}

/** The global activation menu: the one name all hidden layers use, or "mixed" when they
 * differ (a disabled choice: picking a name sets every layer to it). */
function showActivation(select, activation) {
  let mixed = select.querySelector("option[data-mixed]");
  if (Array.isArray(activation) && !mixed) {
    mixed = document.createElement("option");
    mixed.dataset.mixed = "true";
    mixed.value = "mixed";
    mixed.textContent = "mixed";
    mixed.disabled = true;
    select.prepend(mixed);
  } else if (!Array.isArray(activation) && mixed) mixed.remove();
  if (Array.isArray(activation)) select.value = "mixed";
  else choose(select, activation);
}

/** A 2-D regression set's target over the whole thumbnail (`ctx`'s 100 px canvas): each of
 * 50 × 50 cells takes the kernel-weighted mean colour of the points (x in [lo, hi]²),
 * c(p) = Σₖ wₖ rgbₖ / Σₖ wₖ with wₖ = exp(−|p − xₖ|² / 2h²) and h = 1/12 of the window; the
 * scale is linear in the target on each side of 0, so this is the colour of the smoothed
 * target, as Playground draws its regression thumbnails. */
function fillRegression(ctx, x, rgb, lo, hi) {
  const n = 50;
  const cells = new ImageData(n, n);
  const h = (hi - lo) / 12;
  const k2 = 1 / (2 * h * h);
  for (let i = 0; i < n; i++) {
    const py = hi - ((i + 0.5) / n) * (hi - lo);
    for (let j = 0; j < n; j++) {
      const px = lo + ((j + 0.5) / n) * (hi - lo);
      let r = 0, g = 0, b = 0, sum = 0;
      for (let k = 0; k < x.length / 2; k++) {
        const dx = x[2 * k] - px, dy = x[2 * k + 1] - py;
        const w = Math.exp(-(dx * dx + dy * dy) * k2);
        r += w * rgb[3 * k]; g += w * rgb[3 * k + 1]; b += w * rgb[3 * k + 2]; sum += w;
      }
      const o = 4 * (i * n + j);
      if (!(sum > 1e-30)) { r = g = b = 255; sum = 1; } // no point near: white
      cells.data[o] = r / sum; cells.data[o + 1] = g / sum; cells.data[o + 2] = b / sum; cells.data[o + 3] = 255;
    }
  }
  const small = document.createElement("canvas");
  small.width = small.height = n;
  small.getContext("2d").putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

export class Controls {
  /** @param {object} actions {config(patch), send(message), redraw()} */
  constructor(actions) {
    this.actions = actions;
    this.state = null;
    this.hello = null;
    this.datasetButtons = new Map();
    this.datasetParams = el("div.dataset-params", { id: "dataset-params", hidden: true });
    $("datasets").after(this.datasetParams);
    this._wire();
  }

  /** An option's name in words (web/wording.py's NAMES, sent as `hello.labels`): `menu` is
   * "optimizer", "init", "activation", "regularization", "head", "dataset" or "choice"; the
   * identifier itself when the server has no name for it. */
  name(menu, value) {
    return this.hello?.labels?.[menu]?.[String(value)] ?? String(value);
  }

  /** A parameter box's label: `key` as in a link ("optimizer.momentum", "optimizer.betas.0"). */
  paramName(key) {
    return this.hello?.labels?.param?.[key] ?? key.split(".").slice(1).join(" ").replace(/_/g, " ");
  }

  /** The Config the page is asking for (the last change sent, before the server's answer):
   * changes build on it, so quick ones all apply. */
  get config() {
    return this.actions.current?.() ?? this.state.config;
  }

  init(hello) {
    this.hello = hello;
    const o = hello.options;
    fill($("lr"), o.learning_rates);
    fill($("activation"), o.activations, (a) => this.name("activation", a));
    fill($("regularization"), o.regularizations, (r) => this.name("regularization", r));
    fill($("reg-rate"), o.reg_rates);
    fill($("optimizer"), o.optimizers.map((x) => x.name), (n) => this.name("optimizer", n));
    fill($("init"), o.initializers.map((x) => x.name), (n) => this.name("init", n));
    fill($("head"), o.heads.map(headKey), (k) => hello.labels?.head?.[k] ?? o.heads.find((h) => headKey(h) === k).label);
    this.optimizerDefaults = Object.fromEntries(o.optimizers.map((x) => [x.name, x.params]));
    this.customaryLr = Object.fromEntries(o.optimizers.map((x) => [x.name, x.lr]));
    this.initDefaults = Object.fromEntries(o.initializers.map((x) => [x.name, x.params]));
    this.initChoices = Object.fromEntries(o.initializers.map((x) => [x.name, x.choices ?? {}]));
    fill($("speed"), o.speeds, (s) => (s === "max" ? "as fast as possible" : `${s} epoch${s === 1 ? "" : "s"} / frame`));
    this.problemOf = Object.fromEntries(o.datasets.map((d) => [d.name, d.problem]));
    this.descriptionOf = Object.fromEntries(o.datasets.map((d) => [d.name, d.description]));
    this.inputsOf = Object.fromEntries(o.datasets.map((d) => [d.name, d.inputs ?? 2]));
    this.datasetParamsOf = Object.fromEntries(o.datasets.map((d) => [d.name, d.params ?? []]));
    installHelp(hello);
  }

  /** Dataset thumbnails, each with its name under it: a set's points (noise 0) as 4×4 px
   * squares on a 100 px canvas (a 1-D set's come laid out as a plot, x across and the target
   * or class up, over its axis); a 2-D regression set as its target filled over the plane
   * (`fillRegression`), so its colour ramp reads at 52 px. */
  setThumbnails(frame) {
    const box = $("datasets");
    box.replaceChildren();
    this.datasetButtons.clear();
    const [lo, hi] = frame.header.extent;
    for (const name of frame.header.datasets) {
      const button = document.createElement("button");
      button.className = "dataset";
      button.dataset.name = name;
      button.dataset.helpKey = `dataset:${name}`;
      const canvas = document.createElement("canvas");
      canvas.width = 100;
      canvas.height = 100;
      const ctx = canvas.getContext("2d");
      const x = frame.arrays[`${name}.x`].data;
      const rgb = frame.arrays[`${name}.rgb`].data;
      if (frame.header.inputs?.[name] === 1) {
        button.classList.add("line");
        ctx.fillStyle = "#bbb";
        ctx.fillRect(0, 50, 100, 1);
      }
      if (this.problemOf?.[name] === "regression" && frame.header.inputs?.[name] !== 1) {
        fillRegression(ctx, x, rgb, lo, hi);
      } else {
        for (let k = 0; k < x.length / 2; k++) {
          ctx.fillStyle = `rgb(${rgb[3 * k]},${rgb[3 * k + 1]},${rgb[3 * k + 2]})`;
          const px = ((x[2 * k] - lo) / (hi - lo)) * 100;
          const py = ((hi - x[2 * k + 1]) / (hi - lo)) * 100;
          ctx.fillRect(px - 2, py - 2, 4, 4);
        }
      }
      const words = el("span.dataset-name", { text: this.name("dataset", name) });
      button.setAttribute("aria-label", words.textContent.replace(SOFT_HYPHEN, ""));
      button.append(canvas, words);
      button.addEventListener("click", () => this._pickDataset(name));
      box.append(button);
      this.datasetButtons.set(name, button);
    }
    if (this.state) this.sync(this.state);
  }

  /** Show a state's Config in every control. */
  sync(state) {
    this.state = state;
    const c = state.config;
    choose($("lr"), c.lr);
    showActivation($("activation"), c.activation);
    choose($("regularization"), c.regularization);
    choose($("reg-rate"), c.reg_rate);
    choose($("speed"), state.epochs_per_frame);
    choose($("optimizer"), c.optimizer);
    this._params($("optimizer-params"), "optimizer", this.optimizerDefaults[c.optimizer] || {},
      null, "optimizer_params");
    choose($("init"), c.init);
    this._params($("init-params"), "init", this.initDefaults[c.init] || {},
      this.initChoices[c.init], "init_params");
    choose($("head"), headKey(c));
    $("shuffle").checked = c.shuffle;
    $("epochs").value = String(c.epochs);
    $("target-loss").value = state.target_loss === null || state.target_loss === undefined ? "" : String(state.target_loss);
    $("problem").value = state.network.problem;
    const ratio = Math.round(c.train_ratio * 100);
    $("ratio").value = ratio;
    $("ratio-value").textContent = `${ratio}%`;
    const noise = Math.round(c.noise * 100);
    $("noise").max = noise > 50 ? 80 : 50;
    $("noise").value = noise;
    $("noise-value").textContent = String(noise);
    const batch = c.batch_size === "all" ? state.n_train : c.batch_size;
    $("batch").value = Math.min(batch, 30);
    $("batch-value").textContent = c.batch_size === "all" ? `all (${state.n_train})` : String(batch);
    for (const [name, button] of this.datasetButtons) {
      button.classList.toggle("selected", name === c.dataset);
      button.hidden = this.problemOf[name] !== state.network.problem;
    }
    this._datasetParams(state);
    const layers = c.layers.length;
    $("layers-count").textContent = `${layers} hidden layer${layers === 1 ? "" : "s"}`;
    $("add-layer").disabled = layers >= this.hello.limits.hidden_layers;
    $("remove-layer").disabled = layers === 0;
  }

  /** Inputs for a component's parameters (`group`: "optimizer_params" or "init_params"): a
   * number box, a checkbox for a flag, a menu for a name (`choices`); each shows the Config's
   * value or the registry's default, and a change sends the Config's parameters (as asked for
   * last, so quick changes add up) with that one set. */
  _params(box, prefix, defaults, choices, group) {
    const current = this.state.config[group];
    const inputs = [];
    for (const [key, def] of Object.entries(defaults)) {
      const value = key in current ? current[key] : def;
      const parts = Array.isArray(def) ? def.map((_, i) => [`${key}-${i}`, value[i]]) : [[key, value]];
      for (const [name, v] of parts) {
        const wrap = document.createElement("div");
        wrap.className = "control";
        const label = document.createElement("label");
        const helpKey = `${prefix}.${name.replace(/-(\d)$/, ".$1")}`; // betas-0 → optimizer.betas.0
        label.textContent = this.paramName(helpKey);
        let input;
        if (choices?.[key]) {
          input = document.createElement("select");
          fill(input, choices[key], (c) => this.name("choice", c).replace(/_/g, " "));
          input.value = String(v);
        } else {
          input = document.createElement("input");
          if (typeof def === "boolean") {
            input.type = "checkbox";
            input.checked = Boolean(v);
          } else {
            input.type = "number";
            input.className = "number";
            input.step = "any";
            input.value = String(v);
          }
        }
        input.id = `${prefix}-${name}`;
        input.dataset.helpKey = helpKey;
        label.htmlFor = input.id;
        input.addEventListener("change", () => {
          const now = this.config[group];
          let next;
          if (typeof def === "boolean") next = input.checked;
          else if (choices?.[key]) next = input.value;
          else if (Array.isArray(def)) {
            next = [...(key in now ? now[key] : def)];
            next[Number(name.split("-").pop())] = Number(input.value);
          } else next = Number(input.value);
          this.actions.config({ [group]: { ...now, [key]: next } });
        });
        wrap.append(label, input);
        inputs.push(wrap);
      }
    }
    box.replaceChildren(...inputs);
  }

  /** The chosen dataset's own parameters (`DATASETS[name].params`, with the page's ranges
   * from web/dataset_params.py) as controls under the picker: a number box for `k`, `tiles`
   * or `band`, a menu for `fn`; each shows the Config's value or the default, and a change
   * sends the Config's `dataset_params` with that one set (so it goes into the link as
   * `dataset.k=4`). Hidden for a set without parameters and for your own data. */
  _datasetParams(state) {
    const c = state.config;
    const specs = state.user_data ? [] : this.datasetParamsOf?.[c.dataset] ?? [];
    const box = this.datasetParams;
    const key = `${c.dataset}|${JSON.stringify(c.dataset_params)}|${specs.length}`;
    box.hidden = specs.length === 0;
    if (box.dataset.key === key) { // the same controls: show the Config's values again (a refused one goes back)
      for (const spec of specs) {
        const input = $(`dataset-${spec.name}`);
        if (input) input.value = String(spec.name in c.dataset_params ? c.dataset_params[spec.name] : spec.default);
      }
      return;
    }
    box.dataset.key = key;
    box.replaceChildren(...specs.map((spec) => {
      const value = spec.name in c.dataset_params ? c.dataset_params[spec.name] : spec.default;
      const id = `dataset-${spec.name}`;
      let input;
      if (spec.kind === "choice") {
        input = el("select", { id });
        fill(input, spec.choices, (v) => this.name("choice", v));
        input.value = String(value);
      } else {
        input = el("input.number", { id, type: "number", value: String(value),
          min: String(spec.min), max: String(spec.max), step: spec.kind === "int" ? "1" : String(spec.step ?? "any") });
      }
      input.dataset.helpKey = `dataset.${spec.name}`;
      input.addEventListener("change", () => {
        const raw = input.value;
        const next = spec.kind === "choice" ? raw : raw.trim() === "" ? spec.default : Number(raw);
        this.actions.config({ dataset_params: { ...this.config.dataset_params, [spec.name]: next } });
      });
      return el("div.control", el("label", { for: id, text: this.paramName(`dataset.${spec.name}`) }), input);
    }));
  }

  // -- changes -----------------------------------------------------------------------------
  _pickDataset(name) {
    const c = this.config;
    if (name === c.dataset) return;
    const patch = { dataset: name, dataset_params: {} };
    if (this.problemOf[name] !== this.problemOf[c.dataset]) Object.assign(patch, { loss: null, output: null });
    // a line has no x2: keep the features of x1 alone; back on a plane, the plane's defaults
    const line = (n) => this.inputsOf?.[n] === 1;
    if (line(name)) {
      const ones = this.hello.options.features.filter((f) => !f.includes("x2") && c.features.includes(f));
      patch.features = ones.length ? ones : ["x1"];
    } else if (line(c.dataset) || this.state.user_data?.inputs === 1) {
      patch.features = ["x1", "x2"];
    }
    this.actions.config(patch);
  }

  toggleFeature(name) {
    const c = this.config;
    const on = new Set(c.features);
    if (on.has(name)) on.delete(name);
    else on.add(name);
    this.actions.config({ features: this.hello.options.features.filter((f) => on.has(f)) });
  }

  /** Layers with per-layer activations kept in step (one name for all stays one name). */
  _layers(layers) {
    const act = this.config.activation;
    if (!Array.isArray(act)) return { layers };
    const acts = layers.map((_, k) => act[Math.min(k, act.length - 1)] ?? "tanh");
    return { layers, activation: acts };
  }

  /** One hidden layer's activation (the others kept; the global menu sets them all). */
  setLayerActivation(layer, name) {
    const c = this.config;
    const acts = Array.isArray(c.activation) ? [...c.activation] : c.layers.map(() => c.activation);
    acts[layer] = name;
    this.actions.config({ activation: acts });
  }

  resizeLayer(layer, delta) {
    const layers = [...this.config.layers];
    const n = layers[layer] + delta;
    if (n < 1 || n > this.hello.limits.neurons) return;
    layers[layer] = n;
    this.actions.config(this._layers(layers));
  }

  /** Beside "+1 batch", after a frame answering it: the batch reached and what it changed
   * ("batch 3 of 25 (epoch 13) · training loss 0.412 → 0.398"); hidden after any other frame
   * (an epoch step, play, a new Config), whose batch would not be the one stepped. */
  showBatch(header) {
    const stepped = header.stepped;
    const cut = stepped?.cut === "time";
    const show = cut || (stepped?.unit === "batch" && header.batch);
    this.batchInfo.hidden = !show;
    if (!show) return;
    if (cut) {
      // a step the server stopped at its time limit: what was trained, in the page's words
      const unit = stepped.unit === "batch" ? "batches" : "epochs";
      this.batchInfo.textContent = `trained ${stepped.done} of ${stepped.count} ${unit}: a step stops ` +
        `after ${this.hello.limits.step_seconds} s so that other tabs get their turn`;
      return;
    }
    const b = header.batch;
    this.batchInfo.textContent = `batch ${b.index} of ${b.of} (epoch ${b.epoch}) \u00b7 training loss ` +
      `${compact(stepped.train_loss_before)} \u2192 ${compact(stepped.train_loss_after)}`;
  }

  _wire() {
    const a = this.actions;
    $("lr").addEventListener("change", (e) => a.config({ lr: Number(e.target.value) }));
    $("activation").addEventListener("change", (e) => a.config({ activation: e.target.value }));
    $("regularization").addEventListener("change", (e) => a.config({ regularization: e.target.value }));
    $("reg-rate").addEventListener("change", (e) => a.config({ reg_rate: Number(e.target.value) }));
    $("problem").addEventListener("change", (e) => {
      // stay on a line when on one (line-fn ↔ line-sign), else the plane's first sets
      const line = this.inputsOf?.[this.config.dataset] === 1;
      const regression = e.target.value === "regression";
      const dataset = line ? (regression ? "line-fn" : "line-sign") : regression ? "reg-plane" : "circle";
      const patch = { dataset, dataset_params: {}, loss: null, output: null };
      if (this.inputsOf?.[dataset] === undefined) patch.dataset = regression ? "reg-plane" : "circle";
      a.config(patch);
    });
    // Picking an optimizer puts its customary learning rate in the box (Adam 0.01, Adadelta 1).
    $("optimizer").addEventListener("change", (e) => a.config({ optimizer: e.target.value, optimizer_params: {},
      lr: this.customaryLr[e.target.value] ?? this.config.lr }));
    $("init").addEventListener("change", (e) => a.config({ init: e.target.value, init_params: {} }));
    $("head").addEventListener("change", (e) => {
      const [loss, output] = e.target.value.split("|");
      a.config({ loss: loss || null, output: output || null });
    });
    $("shuffle").addEventListener("change", (e) => a.config({ shuffle: e.target.checked }));
    $("epochs").addEventListener("change", (e) => a.config({ epochs: Math.max(0, Math.round(Number(e.target.value) || 0)) }));
    $("target-loss").addEventListener("change", (e) => {
      const v = e.target.value.trim();
      a.config({}, v === "" ? null : Number(v));
    });
    $("speed").addEventListener("change", (e) => {
      const v = e.target.value;
      a.send({ type: "speed", epochs_per_frame: v === "max" ? "max" : Number(v) });
    });
    $("ratio").addEventListener("input", (e) => { $("ratio-value").textContent = `${e.target.value}%`; });
    $("ratio").addEventListener("change", (e) => a.config({ train_ratio: Number(e.target.value) / 100 }));
    $("noise").addEventListener("input", (e) => { $("noise-value").textContent = e.target.value; });
    $("noise").addEventListener("change", (e) => a.config({ noise: Number(e.target.value) / 100 }));
    $("batch").addEventListener("input", (e) => { $("batch-value").textContent = e.target.value; });
    $("batch").addEventListener("change", (e) => a.config({ batch_size: Number(e.target.value) }));
    $("regenerate").addEventListener("click", () => a.send({ type: "regenerate" }));
    $("add-layer").addEventListener("click", () => {
      const layers = this.config.layers;
      if (layers.length < this.hello.limits.hidden_layers) a.config(this._layers([...layers, 2]));
    });
    $("remove-layer").addEventListener("click", () => {
      const layers = this.config.layers;
      if (layers.length > 0) a.config(this._layers(layers.slice(0, -1)));
    });
    $("play").addEventListener("click", () => a.send({ type: this.state?.playing ? "pause" : "play" }));
    $("step").addEventListener("click", () => a.send({ type: "step", unit: "epoch" }));
    $("step-batch").addEventListener("click", () => a.send({ type: "step", unit: "batch" }));
    this.batchInfo = el("span.batch-info", { id: "batch-info", hidden: true, "aria-live": "polite" });
    // under the losses, where the eye goes after a step: which batch was trained, what changed
    $$(".losses")[0].append(this.batchInfo);
    $("reset").addEventListener("click", () => a.send({ type: "reset" }));
    $("banner-reset").addEventListener("click", () => a.send({ type: "reset" }));
    $("show-test").addEventListener("change", () => a.redraw());
    $("discretize").addEventListener("change", () => a.redraw());
  }
}
