// The gradient view and the backprop stepper, drawn on the network diagram (network.js).
//
// "Edges show: weights | gradients" — in gradient mode the page subscribes to the server's
// `gradients` panel (the training objective's gradient over the whole training set, re-sent
// while training plays) and the edges take its sign colours and |g|/max|g| widths.
//
// "Backprop one point" asks the server (`backprop`) for one training point's pass in numbers
// and steps through it: the forward pass layer by layer, the loss, then backward layer by layer
// (dL/dz = dL/da × a'(z), with its numbers), each layer's weight gradients on the edges
// (dL/dw = dL/dz × a), and last the update the configured optimizer would give each weight.
// The page computes nothing: every number shown comes from the server's frame.

const SUB = ["\u2080", "\u2081", "\u2082", "\u2083", "\u2084", "\u2085", "\u2086", "\u2087", "\u2088", "\u2089"];

/** A number for a caption: three significant digits (exponent form when tiny or huge). */
export function num(v, digits = 3) {
  if (v === null || v === undefined) return "\u2013";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** A number for a node label: two significant digits. */
function short(v) {
  return num(v, 2);
}

/** A number inside a formula: negative ones in parentheses. */
function term(v) {
  const s = num(v);
  return v < 0 ? `(${s})` : s;
}

function sub(n) {
  return String(n).split("").map((d) => SUB[Number(d)] ?? d).join("");
}

const LOSS_WORDS = {
  mse: ["MSE", "L = mean over outputs of (o \u2212 t)\u00b2"],
  half_mse: ["\u00bd\u00b7MSE", "L = \u00bd \u00b7 mean over outputs of (o \u2212 t)\u00b2"],
  bce: ["binary cross-entropy", "L = \u2212[t\u00b7log o + (1 \u2212 t)\u00b7log(1 \u2212 o)]"],
  cross_entropy: ["cross-entropy", "L = \u2212\u03a3 t\u00b7log softmax(z)"],
};

export class BackpropStepper {
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.kinds = ["backprop", "gradients"];
    this.mode = "weights"; // what the edges show outside the stepper
    this.gradients = null; // the last gradients frame
    this.gradientFrames = 0;
    this.trace = null; // the last backprop header
    this.phases = [];
    this.phase = 0;
    this.open = false;
    this.state = null;
    this.focus = null; // {column, unit}: the node whose numbers the caption spells out
    this.focusEdge = null; // {layer, i, j}
    this._build();
    this._listener = (what) => this._hovered(what);
    this.api.playground.network.listeners.add(this._listener);
  }

  // -- the panel ---------------------------------------------------------------------------
  _build() {
    const root = this.root;
    root.innerHTML = `
      <div class="bp-row">Edges show:
        <span class="bp-seg" role="group" aria-label="Edges show">
          <button id="bp-edges-weights" class="active" aria-pressed="true">weights</button>
          <button id="bp-edges-gradients" aria-pressed="false">gradients</button>
        </span>
        <span id="bp-edges-note" class="bp-note"></span>
      </div>
      <h4>Backprop one point</h4>
      <div class="bp-row">
        <label>Training point <input id="bp-index" type="number" min="0" step="1" value="0"></label>
        <button id="bp-random" class="text-button" title="Pick a training point at random">random</button>
        <button id="bp-open" class="text-button outlined" title="Step through this point's forward and backward pass">Step through</button>
      </div>
      <div id="bp-stepper" class="bp-stepper" hidden>
        <div class="bp-row">
          <button id="bp-prev" class="text-button" title="Previous step" aria-label="Previous step">\u25c0</button>
          <span id="bp-phase" class="bp-phase"></span>
          <button id="bp-next" class="text-button" title="Next step" aria-label="Next step">\u25b6</button>
          <button id="bp-close" class="text-button" title="Back to the plain diagram">Close</button>
        </div>
        <div id="bp-caption" class="bp-caption"></div>
        <div id="bp-detail" class="bp-detail"></div>
        <div class="bp-note">Hover a node or an edge to spell out its numbers.</div>
      </div>`;
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      weights: $("bp-edges-weights"), gradients: $("bp-edges-gradients"), note: $("bp-edges-note"),
      index: $("bp-index"), random: $("bp-random"), open: $("bp-open"), stepper: $("bp-stepper"),
      prev: $("bp-prev"), next: $("bp-next"), close: $("bp-close"), phase: $("bp-phase"),
      caption: $("bp-caption"), detail: $("bp-detail"),
    };
    this.el.weights.addEventListener("click", () => this.setMode("weights"));
    this.el.gradients.addEventListener("click", () => this.setMode("gradients"));
    this.el.random.addEventListener("click", () => {
      const n = this.state?.n_train ?? 1;
      this.el.index.value = String(Math.floor(Math.random() * n));
      if (this.open) this.request();
    });
    this.el.open.addEventListener("click", () => this.request());
    this.el.index.addEventListener("keydown", (e) => { if (e.key === "Enter") this.request(); });
    this.el.prev.addEventListener("click", () => this.go(this.phase - 1));
    this.el.next.addEventListener("click", () => this.go(this.phase + 1));
    this.el.close.addEventListener("click", () => this.close());
  }

  /** "weights" or "gradients": what the edges show outside the stepper. */
  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    for (const m of ["weights", "gradients"]) {
      this.el[m].classList.toggle("active", m === mode);
      this.el[m].setAttribute("aria-pressed", String(m === mode));
    }
    if (mode === "gradients") {
      this.api.send({ type: "gradients", on: true, batch: "all" });
    } else {
      this.api.send({ type: "gradients", on: false });
      this.el.note.textContent = "";
    }
    if (!this.open) this._restore();
  }

  /** Ask for the chosen point's pass. */
  request() {
    const index = Number(this.el.index.value);
    if (!Number.isInteger(index) || index < 0) {
      this.api.toast("index: a training point is a whole number \u2265 0");
      return;
    }
    this.api.send({ type: "backprop", index, split: "train" });
  }

  // -- hooks -------------------------------------------------------------------------------
  onHello() {
    if (this.mode === "gradients") this.api.send({ type: "gradients", on: true, batch: "all" });
  }

  onState(state) {
    const before = this.state;
    this.state = state;
    this.el.index.max = String(Math.max(state.n_train - 1, 0));
    const sizes = state.network.sizes.join();
    const rebuilt = !before || before.network.sizes.join() !== sizes || state.fresh;
    if (this.open && (rebuilt || this.trace.sizes.join() !== sizes)) this.close();
    if (rebuilt) this.gradients = null; // the old network's: wait for the next frame
  }

  onFrame(frame) {
    if (this.open && this.trace) this._phaseLine(frame.header.epoch);
  }

  onPanel(frame) {
    const kind = frame.header.kind;
    if (kind === "gradients") {
      this.gradients = frame;
      this.gradientFrames += 1;
      if (this.mode === "gradients") {
        const h = frame.header;
        this.el.note.textContent = `dJ/dw on all ${h.n} training points` +
          `${h.includes_penalty ? " (data loss + penalty)" : " (data loss)"} \u00b7 max |g| = ${num(h.scale)}`;
        if (!this.open) this._restore();
      }
    } else if (kind === "backprop") {
      this.trace = frame.header;
      this.phases = this._phases(this.trace);
      this.open = true;
      this.focus = null;
      this.focusEdge = null;
      this.el.stepper.hidden = false;
      this.el.index.value = String(this.trace.index);
      this.go(0);
    }
  }

  onError(m) {
    if (m.field === "index" || m.field === "backprop") {
      this.el.caption.textContent = m.message;
    }
  }

  // -- the normal view ---------------------------------------------------------------------
  _gradientOverlay() {
    const frame = this.gradients;
    const sizes = this.state?.network.sizes;
    if (!frame || !sizes) return null;
    const weights = [];
    const biases = [];
    for (let l = 0; l < sizes.length - 1; l++) {
      const G = frame.arrays[`G${l}`];
      const g = frame.arrays[`g${l}`];
      if (!G || !g || G.shape[0] !== sizes[l + 1] || G.shape[1] !== sizes[l]) return null;
      weights.push(G.data);
      biases.push(g.data);
    }
    return { label: "Gradient dJ/dw", scale: frame.header.scale, weights, biases };
  }

  /** The diagram as the toggle says: weights, or the gradient overlay. */
  _restore() {
    const net = this.api.playground.network;
    net.clearDecorations();
    if (this.mode === "gradients") {
      const overlay = this._gradientOverlay();
      if (overlay) net.setOverlay(overlay);
    }
  }

  close() {
    this.open = false;
    this.el.stepper.hidden = true;
    this._restore();
  }

  // -- the stepper -------------------------------------------------------------------------
  _phases(trace) {
    const L = trace.layers.length;
    const name = (l) => (l === L - 1 ? "the output layer" : `hidden layer ${l + 1}`);
    const phases = [{ kind: "input", title: "Input" }];
    for (let l = 0; l < L; l++) phases.push({ kind: "forward", layer: l, title: `Forward: ${name(l)}` });
    phases.push({ kind: "loss", title: "Loss" });
    for (let l = L - 1; l >= 0; l--) {
      phases.push({ kind: "backward", layer: l, title: `Backward: dL/dz of ${name(l)}` });
      phases.push({ kind: "gradient", layer: l, title: `Gradients of ${name(l)}'s weights` });
    }
    phases.push({ kind: "update", title: "Update" });
    return phases;
  }

  /** Show phase `k` (clamped). */
  go(k) {
    if (!this.open) return;
    this.phase = Math.max(0, Math.min(k, this.phases.length - 1));
    this.el.prev.disabled = this.phase === 0;
    this.el.next.disabled = this.phase === this.phases.length - 1;
    this._phaseLine(this.api.playground.frame?.header.epoch);
    this._draw();
    this._explain();
  }

  _phaseLine(epoch) {
    const t = this.trace;
    const p = this.phases[this.phase];
    const stale = epoch !== undefined && epoch !== t.epoch ? ", trained further since" : "";
    this.el.phase.textContent =
      `${this.phase + 1}/${this.phases.length} \u00b7 ${p.title} \u00b7 point ${t.index} (network at epoch ${t.epoch}${stale})`;
  }

  /** codeIndex of unit `unit` of column `column` (0 = the inputs, l + 1 = layer l). */
  _code(column, unit) {
    let offset = 0;
    for (let c = 0; c < column; c++) offset += this.trace.sizes[c];
    return offset + unit;
  }

  _column(code) {
    let offset = 0;
    const sizes = this.trace.sizes;
    for (let c = 0; c < sizes.length; c++) {
      if (code < offset + sizes[c]) return { column: c, unit: code - offset };
      offset += sizes[c];
    }
    return null;
  }

  /** Labels, highlight and edge overlay of the current phase. */
  _draw() {
    const net = this.api.playground.network;
    const t = this.trace;
    const p = this.phases[this.phase];
    const L = t.layers.length;
    const total = t.sizes.reduce((a, b) => a + b, 0);
    const labels = new Array(total).fill(null);
    const put = (column, values) => values?.forEach((v, i) => { labels[this._code(column, i)] = short(v); });
    const columnSet = (column) => new Set(t.sizes[column] ? [...Array(t.sizes[column]).keys()].map((i) => this._code(column, i)) : []);
    let highlight = null;
    let overlay = null;
    if (p.kind === "input" || p.kind === "forward" || p.kind === "loss") {
      put(0, t.inputs);
      const upto = p.kind === "input" ? -1 : p.kind === "loss" ? L - 1 : p.layer;
      for (let l = 0; l <= upto; l++) put(l + 1, t.layers[l].a);
      if (p.kind === "input") highlight = { nodes: columnSet(0), layers: new Set() };
      else if (p.kind === "forward") highlight = { nodes: columnSet(p.layer + 1), layers: new Set([p.layer]) };
      else highlight = { nodes: columnSet(L), layers: new Set() };
    } else if (p.kind === "backward" || p.kind === "gradient") {
      for (let l = L - 1; l >= p.layer; l--) put(l + 1, t.layers[l].dL_dz);
      if (p.kind === "backward") {
        highlight = { nodes: columnSet(p.layer + 1), layers: new Set(p.layer < L - 1 ? [p.layer + 1] : []) };
      } else {
        const layer = t.layers[p.layer];
        const flat = layer.dL_dW.flat();
        const scale = Math.max(...flat.map(Math.abs), ...layer.dL_db.map(Math.abs));
        const weights = t.layers.map((_, l) => (l === p.layer ? flat : null));
        const biases = t.layers.map((_, l) => (l === p.layer ? layer.dL_db : null));
        overlay = { label: "dL/dw", scale, weights, biases };
        highlight = { nodes: columnSet(p.layer + 1), layers: new Set([p.layer]) };
      }
    } else if (p.kind === "update") {
      const weights = t.layers.map((layer) => layer.update_W.flat());
      const biases = t.layers.map((layer) => layer.update_b);
      const scale = Math.max(...weights.flat().map(Math.abs), ...biases.flat().map(Math.abs));
      overlay = { label: "Update \u0394w", scale, weights, biases };
    }
    net.overlay = overlay; // painted once, by setHighlight
    net.setNodeLabels(labels);
    net.setHighlight(highlight);
  }

  /** The unit of the current phase's layer whose numbers are spelled out. */
  _unit(column) {
    if (this.focus && this.focus.column === column) return this.focus.unit;
    return 0;
  }

  _edge(layer) {
    if (this.focusEdge && this.focusEdge.layer === layer) return this.focusEdge;
    return { layer, i: this._unit(layer + 1), j: 0 };
  }

  _hovered(what) {
    if (!this.open || !what) return;
    if (what.kind === "node" && what.item.active && what.item.codeIndex >= 0) {
      const at = this._column(what.item.codeIndex);
      if (at) this.focus = at;
    } else if (what.kind === "edge") {
      const { layer, i, j } = what.item;
      this.focusEdge = { layer, i, j };
      this.focus = { column: layer + 1, unit: i };
    }
    this._explain();
  }

  /** The caption (what the phase means) and the detail (one unit's or edge's numbers). */
  _explain() {
    const t = this.trace;
    const p = this.phases[this.phase];
    const L = t.layers.length;
    const names = t.feature_names;
    let caption = "";
    let detail = "";
    if (p.kind === "input") {
      caption = `The point's inputs a${sub(0)} (its features after any preprocessing) enter the network. ` +
        "Node labels: the value each node passes on.";
      detail = t.inputs.map((v, j) => `${names[j] ?? `x${j + 1}`} = ${num(v)}`).join("\n") +
        `\n(the point as drawn: (${t.point.map((v) => num(v)).join(", ")}), label ${t.label})`;
    } else if (p.kind === "forward") {
      const layer = t.layers[p.layer];
      const aPrev = p.layer === 0 ? t.inputs : t.layers[p.layer - 1].a;
      caption = `Forward, layer ${p.layer + 1}: every unit adds up its inputs weighted by the edges, ` +
        `plus its bias, z = w\u00b7a + b, then bends it: a = ${layer.activation}(z). Node labels: a.`;
      const i = this._unit(p.layer + 1);
      const w = layer.W[i];
      const terms = w.map((wj, j) => `${term(wj)}\u00b7${term(aPrev[j])}`);
      const sum = terms.length <= 4 ? terms.join(" + ") : `${terms.slice(0, 3).join(" + ")} + \u2026 (${terms.length} terms)`;
      detail = `unit ${i + 1}: z = ${sum} + ${term(layer.b[i])} = ${num(layer.z[i])}\n` +
        `a = ${layer.activation}(${num(layer.z[i])}) = ${num(layer.a[i])}`;
    } else if (p.kind === "loss") {
      const [word, formula] = LOSS_WORDS[t.head.loss] ?? [t.head.loss, ""];
      caption = `Loss: the output o against the target t, measured by ${word} (${formula}).`;
      const lines = t.output.map((o, k) => `output ${k + 1}: o = ${num(o)}, target t = ${num(t.target[k])}`);
      detail = `${lines.join("\n")}\nloss L = ${num(t.loss)}`;
    } else if (p.kind === "backward") {
      const layer = t.layers[p.layer];
      const i = this._unit(p.layer + 1);
      if (p.layer === L - 1) {
        caption = "Backward starts at the loss: how much L changes with each output's z, " +
          "dL/dz = dL/do \u00d7 o\u2032(z). Node labels: dL/dz.";
      } else {
        caption = `Backward, layer ${p.layer + 1}: dL/da comes back along the edges from the layer above, ` +
          "dL/da = \u03a3 w \u00d7 dL/dz(above); times the activation's slope a\u2032(z) it gives " +
          "dL/dz = dL/da \u00d7 a\u2032(z) (the chain rule). Node labels: dL/dz.";
      }
      if (layer.dL_da !== null && layer.da_dz !== null && layer.dL_da[i] !== null && layer.da_dz[i] !== null) {
        detail = `unit ${i + 1}: dL/dz = dL/da \u00d7 a\u2032(z) = ${num(layer.dL_da[i])} \u00d7 ` +
          `${num(layer.da_dz[i])} = ${num(layer.dL_dz[i])}`;
        if (p.layer < L - 1) {
          const above = t.layers[p.layer + 1];
          const terms = above.W.map((row, k) => `${term(row[i])}\u00b7${term(above.dL_dz[k])}`);
          const sum = terms.length <= 4 ? terms.join(" + ") : `${terms.slice(0, 3).join(" + ")} + \u2026`;
          detail += `\n  where dL/da = ${sum} = ${num(layer.dL_da[i])}`;
        }
      } else {
        detail = `unit ${i + 1}: dL/dz = o \u2212 t = ${num(t.output[i])} \u2212 ${term(t.target[i])} = ` +
          `${num(layer.dL_dz[i])} (softmax with cross-entropy: the two factors come as one)`;
      }
    } else if (p.kind === "gradient") {
      const layer = t.layers[p.layer];
      const aPrev = p.layer === 0 ? t.inputs : t.layers[p.layer - 1].a;
      caption = `Gradients of layer ${p.layer + 1}: each weight's dL/dw = dL/dz (of the unit it enters) ` +
        "\u00d7 a (of the unit it leaves); each bias gets dL/dz. Edges: dL/dw (blue +, orange \u2212, " +
        "width \u221d |dL/dw|).";
      const { i, j } = this._edge(p.layer);
      detail = `weight unit ${j + 1} \u2192 unit ${i + 1}: dL/dw = dL/dz \u00d7 a = ${num(layer.dL_dz[i])} \u00d7 ` +
        `${num(aPrev[j])} = ${num(layer.dL_dW[i][j])}\nbias of unit ${i + 1}: dL/db = ${num(layer.dL_db[i])}`;
    } else if (p.kind === "update") {
      const u = t.update;
      caption = `Update: ${u.optimizer} (lr ${u.lr}) takes one step on this point's gradient alone ` +
        `(${u.includes}) from its current state (it would be step ${u.step}); edges show each ` +
        "weight's change \u0394w. Only shown: training is unchanged.";
      const { layer: l, i, j } = this._edge(this.focusEdge ? this.focusEdge.layer : L - 1);
      const layer = t.layers[l];
      const g = layer.step_grad_W[i][j];
      const dw = layer.update_W[i][j];
      const plain = u.optimizer === "sgd" && !u.hyper.momentum && !u.hyper.weight_decay;
      detail = `layer ${l + 1}, weight unit ${j + 1} \u2192 unit ${i + 1}: ` +
        (plain ? `\u0394w = \u2212lr \u00d7 g = \u2212${num(u.lr)} \u00d7 ${term(g)} = ${num(dw)}`
          : `g = ${num(g)}, \u0394w = ${num(dw)}`) +
        `\nw: ${num(layer.W[i][j])} \u2192 ${num(layer.W[i][j] + dw, 5)}`;
    }
    this.el.caption.textContent = caption;
    this.el.detail.textContent = detail;
  }
}
