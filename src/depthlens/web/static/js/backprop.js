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
// The page computes no number it shows: every one comes from the server's frame. It only
// chooses how many digits each gets (`spell`), so that every line that multiplies or adds
// can be redone by hand from what is written, in one notation (format.js's formatNumber).

import { $ } from "./dom.js";
import { formatNumber, roundShown } from "./format.js";
import { edgeKey } from "./network.js";

const SUB = ["\u2080", "\u2081", "\u2082", "\u2083", "\u2084", "\u2085", "\u2086", "\u2087", "\u2088", "\u2089"];
const TIMES = " \u00d7 ";
const DOT = "\u00b7";
const MORE_DIGITS = 6; // at most this many digits beyond the first try, for factors and results
const LR_DIGITS = 6; // a configured constant (the learning rate) is written as typed
const TIE = 1e-12; // relative distance from a rounding tie that still counts as one

/** A number for a caption or a detail line: the page's one notation (format.js). */
export function num(v, digits = 3) {
  return formatNumber(v, digits);
}

/** A number for a node label: two significant digits, the same notation. */
function short(v) {
  return formatNumber(v, 2);
}

/** A shown number inside a formula, after its first: negative ones in parentheses. */
function paren(v, text) {
  return v < 0 ? `(${text})` : text;
}

/** A factor of `spell`: a number (its digits chosen by spell) or {value, digits} (pinned). */
function factorValue(f) {
  return f === null || f === undefined || typeof f === "number" ? f : f.value;
}

function factorDigits(f, d) {
  return typeof f === "number" || f === null ? d : f.digits;
}

/** Whether `x` rounds to `want` at `p` digits with room to spare: x nudged by a relative 1e−12
 * either way still does, so a product landing on a tie (0.03 × 0.1235 = 0.003705), which a
 * reader could round either way, never counts. */
function roundsTo(x, p, want) {
  const e = Math.abs(x) * TIE;
  return [x - e, x, x + e].every((v) => roundShown(v, p) === want);
}

/**
 * Spell out value = Σₜ Πf terms[t][f] so it can be redone by hand from what is shown. Each
 * factor x is shown as roundShown(x, d) and the value as roundShown(value, p); the smallest
 * d ≥ p ≥ `digits` (p from `atLeast` on) is taken for which
 *
 *     roundShown(Σₜ Πf roundShown(x_tf, d), p) = roundShown(value, p),
 *
 * i.e. the shown factors, multiplied and added, round to the shown value at the value's own
 * precision (1.09 × 0.991 = 1.08019 → 1.08), and not from a tie (see roundsTo). Factors
 * given as {value, digits} keep their digits. Returns {terms: [[text]], value: text, d, p, exact}; `exact` is false when no d, p
 * up to MORE_DIGITS more were found (then 17 digits) or a number is null or not finite (then
 * plain: the digits as asked, nothing to redo).
 */
export function spell(terms, value, digits = 3, atLeast = digits) {
  const all = terms.flat().map(factorValue);
  const texts = (d, p) => ({
    terms: terms.map((t) => t.map((f) => formatNumber(factorValue(f), factorDigits(f, d)))),
    value: formatNumber(value, p), d, p,
  });
  if (![value, ...all].every((v) => Number.isFinite(v))) {
    return { ...texts(digits, atLeast), exact: false };
  }
  const start = Math.max(digits, atLeast);
  for (let p = start; p <= start + MORE_DIGITS; p++) {
    const want = roundShown(value, p);
    for (let d = p; d <= p + MORE_DIGITS; d++) {
      let sum = 0;
      for (const t of terms) {
        sum += t.reduce((acc, f) => acc * roundShown(factorValue(f), factorDigits(f, d)), 1);
      }
      if (roundsTo(sum, p, want)) return { ...texts(d, p), exact: true };
    }
  }
  return { ...texts(17, 17), exact: false };
}

/** A spelled product: "a × (b) = c" (negative factors after the first in parentheses). */
function product(factors, value, digits = 3) {
  const s = spell([factors], value, digits);
  const shown = s.terms[0].map((text, k) => (k === 0 ? text : paren(factorValue(factors[k]), text)));
  return { text: `${shown.join(TIMES)} = ${s.value}`, value: s.value, d: s.d, p: s.p, exact: s.exact };
}

/** A spelled sum of products "w·(a) + (w)·a + … + b = z" (negative numbers after the first
 * in parentheses) when it has at most `most` terms, else its first three terms, "…" and the
 * value (nothing to redo by hand). */
function sumOfProducts(terms, value, most = 4, atLeast = 3) {
  if (terms.length > most) {
    const head = terms.slice(0, 3).map((t) => t.map((x) => paren(x, num(x))).join(DOT));
    return { text: `${head.join(" + ")} + \u2026 (${terms.length} terms) = ${num(value, atLeast)}`,
      value: num(value, atLeast), exact: false };
  }
  const s = spell(terms, value, 3, atLeast);
  const shown = s.terms.map((t, k) => t.map((text, f) => (k === 0 && f === 0 ? text
    : paren(factorValue(terms[k][f]), text))).join(DOT));
  return { text: `${shown.join(" + ")} = ${s.value}`, value: s.value, exact: s.exact };
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
  /** @param {HTMLElement} root  the panel's box
   * @param {import("./panel-api.js").PanelApi} api  what the panel may read and call */
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
    this.focus = null; // {column, unit} or {layer, i, j}: the unit or weight last looked at
    this.items = []; // what the phase spells out one at a time (see _items)
    this.item = 0;
    this.lines = []; // the detail's lines: {text, nodes, edges?, value?} (see _explain)
    this.line = 0; // the current line: lit on the diagram
    this.shown = true; // the panel in view (onShown)
    this._build();
    this.api.network.onHover((what) => this._hovered(what));
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
          <button id="bp-next" class="text-button" title="Next step" aria-label="Next step">\u25b6</button>
          <span id="bp-phase" class="bp-phase"></span>
          <button id="bp-close" class="text-button" title="Back to the plain diagram">Close</button>
        </div>
        <div id="bp-point" class="bp-note"></div>
        <div id="bp-caption" class="bp-caption"></div>
        <div id="bp-items" class="bp-row bp-items">
          <button id="bp-item-prev" class="text-button" title="The previous unit or weight" aria-label="Previous unit or weight">\u2039</button>
          <span id="bp-item" class="bp-item"></span>
          <button id="bp-item-next" class="text-button" title="The next unit or weight" aria-label="Next unit or weight">\u203a</button>
        </div>
        <div id="bp-detail" class="bp-detail"></div>
        <div class="bp-note">Point at a line to light what it is about on the diagram; hover a node or an edge to spell out its numbers.</div>
      </div>`;
    this.el = {
      weights: $("bp-edges-weights"), gradients: $("bp-edges-gradients"), note: $("bp-edges-note"),
      index: $("bp-index"), random: $("bp-random"), open: $("bp-open"), stepper: $("bp-stepper"),
      prev: $("bp-prev"), next: $("bp-next"), close: $("bp-close"), phase: $("bp-phase"),
      caption: $("bp-caption"), detail: $("bp-detail"), point: $("bp-point"),
      items: $("bp-items"), itemPrev: $("bp-item-prev"), itemNext: $("bp-item-next"), itemName: $("bp-item"),
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
    this.el.itemPrev.addEventListener("click", () => this.goItem(this.item - 1));
    this.el.itemNext.addEventListener("click", () => this.goItem(this.item + 1));
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
    if (this.mode === "gradients" && this.shown) this.api.send({ type: "gradients", on: true, batch: "all" });
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

  onData() {
    if (this.open) this.close(); // new points: the one stepped through is gone
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
      this.el.stepper.hidden = false;
      this.el.index.value = String(this.trace.index);
      this.go(0);
      this._mark();
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
    const gradients = this.mode === "gradients" && this.shown;
    this.api.network.decorate({ overlay: gradients ? this._gradientOverlay() : null });
  }

  close() {
    this.open = false;
    this.el.stepper.hidden = true;
    this._restore();
    this._mark();
  }

  /** The stepper's point ringed on the output map while it is open and in view. */
  _mark() {
    this.api.output.mark(this.open && this.shown ? { split: this.trace.split, index: this.trace.index } : null);
  }

  /** The lens column shows or hides this panel: hidden, it leaves the diagram and the map plain
   * and asks for no gradients; shown again, it puts back what it showed. */
  onShown(shown) {
    if (shown === this.shown) return;
    this.shown = shown;
    if (this.mode === "gradients") this.api.send(shown ? { type: "gradients", on: true, batch: "all" } : { type: "gradients", on: false });
    if (this.open && shown) this._explain();
    else this._restore();
    this._mark();
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

  /** What a phase spells out one at a time: its layer's units ({column, unit}), its layer's
   * weights ({layer, i, j}; the update: every layer's, the output layer's first), or the one
   * whole step (null). */
  _items(p) {
    const sizes = this.trace.sizes;
    const units = (column) => [...Array(sizes[column]).keys()].map((unit) => ({ column, unit }));
    const edges = (layer) => [...Array(sizes[layer + 1]).keys()].flatMap((i) =>
      [...Array(sizes[layer]).keys()].map((j) => ({ layer, i, j })));
    if (p.kind === "forward" || p.kind === "backward") return units(p.layer + 1);
    if (p.kind === "gradient") return edges(p.layer);
    if (p.kind === "update") return [...Array(sizes.length - 1).keys()].reverse().flatMap(edges);
    return [null];
  }

  /** Show phase `k` (clamped), at the unit or weight last looked at when the phase has it. */
  go(k) {
    if (!this.open) return;
    this.phase = Math.max(0, Math.min(k, this.phases.length - 1));
    this.items = this._items(this.phases[this.phase]);
    const kept = this.focus ? this.items.findIndex((it) => this._matches(it, this.focus)) : -1;
    this.item = Math.max(kept, 0);
    this.line = 0;
    this.el.prev.disabled = this.phase === 0;
    this.el.next.disabled = this.phase === this.phases.length - 1;
    this._phaseLine(this.api.frame()?.header.epoch);
    this._explain();
  }

  /** Spell out item `k` of the phase (clamped): its lines, from the first. */
  goItem(k) {
    if (!this.open) return;
    this.item = Math.max(0, Math.min(k, this.items.length - 1));
    this.focus = this.items[this.item];
    this.line = 0;
    this._explain();
  }

  /** Make line `k` of the detail the current one: its node or edge lit, its value on it. */
  goLine(k) {
    if (!this.open || !this.lines.length) return;
    this.line = Math.max(0, Math.min(k, this.lines.length - 1));
    this._showLines();
    this._draw();
  }

  /** Whether item `it` is the unit or weight `focus` (a weight's unit, in a phase of units). */
  _matches(it, focus) {
    if (!it || !focus) return false;
    if ("column" in it) {
      if ("column" in focus) return it.column === focus.column && it.unit === focus.unit;
      return it.column === focus.layer + 1 && it.unit === focus.i;
    }
    return "layer" in focus && it.layer === focus.layer && it.i === focus.i && it.j === focus.j;
  }

  _phaseLine(epoch) {
    const t = this.trace;
    const p = this.phases[this.phase];
    const stale = epoch !== undefined && epoch !== t.epoch ? ", trained further since" : "";
    this.el.phase.textContent = `${this.phase + 1}/${this.phases.length} \u00b7 ${p.title}`;
    this.el.point.textContent = `training point ${t.index} (ringed on the output) \u00b7 network at epoch ${t.epoch}${stale}`;
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

  /** Labels, highlight and edge overlay of the current phase, lit where the current line is. */
  _draw() {
    if (!this.shown) return; // hidden: the diagram is left plain (onShown puts this back)
    const t = this.trace;
    const p = this.phases[this.phase];
    const L = t.layers.length;
    const total = t.sizes.reduce((a, b) => a + b, 0);
    const labels = new Array(total).fill(null);
    const put = (column, values) => values?.forEach((v, i) => { labels[this._code(column, i)] = short(v); });
    let layers = null;
    let overlay = null;
    if (p.kind === "input" || p.kind === "forward" || p.kind === "loss") {
      put(0, t.inputs);
      const upto = p.kind === "input" ? -1 : p.kind === "loss" ? L - 1 : p.layer;
      for (let l = 0; l <= upto; l++) put(l + 1, t.layers[l].a);
      layers = new Set(p.kind === "forward" ? [p.layer] : []);
    } else if (p.kind === "backward" || p.kind === "gradient") {
      for (let l = L - 1; l >= p.layer; l--) put(l + 1, t.layers[l].dL_dz);
      if (p.kind === "backward") {
        layers = new Set(p.layer < L - 1 ? [p.layer + 1] : []);
      } else {
        const layer = t.layers[p.layer];
        const flat = layer.dL_dW.flat();
        const scale = Math.max(...flat.map(Math.abs), ...layer.dL_db.map(Math.abs));
        const weights = t.layers.map((_, l) => (l === p.layer ? flat : null));
        const biases = t.layers.map((_, l) => (l === p.layer ? layer.dL_db : null));
        overlay = { label: "dL/dw", scale, weights, biases };
        layers = new Set([p.layer]);
      }
    } else if (p.kind === "update") {
      const weights = t.layers.map((layer) => layer.update_W.flat());
      const biases = t.layers.map((layer) => layer.update_b);
      const scale = Math.max(...weights.flat().map(Math.abs), ...biases.flat().map(Math.abs));
      overlay = { label: "Update \u0394w", scale, weights, biases };
    }
    // the current line: what it is about lit, its value written there
    const line = this.lines[this.line];
    const nodes = new Set(line?.nodes ?? []);
    let edgeLabels = null;
    if (line?.value?.node !== undefined) labels[line.value.node] = line.value.text;
    if (line?.value?.edge) edgeLabels = [{ ...line.value.edge, text: line.value.text }];
    const edges = line?.edges?.length ? new Set(line.edges.map(edgeKey)) : undefined;
    const highlight = { nodes, layers, ...(edges ? { edges } : {}) };
    this.api.network.decorate({ overlay, labels, highlight, edgeLabels }); // painted once
  }

  /** The unit of the current phase's layer whose numbers are spelled out. */
  _unit(column) {
    const it = this.items[this.item];
    return it && it.column === column ? it.unit : 0;
  }

  _edge(layer) {
    const it = this.items[this.item];
    return it && "layer" in it ? it : { layer, i: this._unit(layer + 1), j: 0 };
  }

  _hovered(what) {
    if (!this.open || !this.shown || !what) return;
    let focus = null;
    if (what.kind === "node" && what.item.active && what.item.codeIndex >= 0) {
      focus = this._column(what.item.codeIndex);
    } else if (what.kind === "edge") {
      const { layer, i, j } = what.item;
      focus = { layer, i, j };
    }
    const k = focus ? this.items.findIndex((it) => this._matches(it, focus)) : -1;
    if (k >= 0 && k !== this.item) this.goItem(k);
  }

  /** The caption (what the phase means) and the detail: one line per step of the chain rule
   * for the current unit or weight, each naming the node or edge it is about. */
  _explain() {
    const t = this.trace;
    const p = this.phases[this.phase];
    const L = t.layers.length;
    const names = t.feature_names;
    const node = (column, unit) => this._code(column, unit);
    const fanIn = (l, i) => t.sizes[l] ? [...Array(t.sizes[l]).keys()].map((j) => ({ layer: l, i, j })) : [];
    let caption = "";
    let lines = [];
    if (p.kind === "input") {
      caption = `The point's inputs a${sub(0)} (its features after any preprocessing) enter the network. ` +
        "Node labels: the value each node passes on.";
      lines = t.inputs.map((v, j) => ({
        text: `${names[j] ?? `x${j + 1}`} = ${num(v)}`, nodes: [node(0, j)],
        value: { node: node(0, j), text: num(v) },
      }));
      lines.push({ text: `(the point as drawn: (${t.point.map((v) => num(v)).join(", ")}), label ${t.label})`, nodes: [] });
    } else if (p.kind === "forward") {
      const layer = t.layers[p.layer];
      const aPrev = p.layer === 0 ? t.inputs : t.layers[p.layer - 1].a;
      caption = `Forward, layer ${p.layer + 1}: every unit adds up its inputs weighted by the edges, ` +
        `plus its bias, z = w\u00b7a + b, then bends it: a = ${layer.activation}(z). Node labels: a.`;
      const i = this._unit(p.layer + 1);
      const me = node(p.layer + 1, i);
      const terms = [...layer.W[i].map((wj, j) => [wj, aPrev[j]]), [layer.b[i]]];
      const z = sumOfProducts(terms, layer.z[i], 5);
      const bend = layer.activation === "softmax" // not one unit's function: every z enters
        ? `a${sub(i + 1)} = softmax(z)${sub(i + 1)} = ${num(layer.a[i])} (from every output's z)`
        : `a = ${layer.activation}(z) = ${layer.activation}(${z.value}) = ${num(layer.a[i])}`;
      lines = [
        { text: `unit ${i + 1}: z = w\u00b7a + b = ${z.text}`, nodes: [me], edges: fanIn(p.layer, i),
          value: { node: me, text: `z ${z.value}` } },
        { text: bend, nodes: [me], value: { node: me, text: `a ${num(layer.a[i])}` } },
      ];
    } else if (p.kind === "loss") {
      const [word, formula] = LOSS_WORDS[t.head.loss] ?? [t.head.loss, ""];
      caption = `Loss: the output o against the target t, measured by ${word} (${formula}).`;
      const outs = t.output.map((_, k) => node(L, k));
      lines = t.output.map((o, k) => ({
        text: `output ${k + 1}: o = ${num(o)}, target t = ${num(t.target[k])}`, nodes: [outs[k]],
        value: { node: outs[k], text: `o ${num(o)}` },
      }));
      lines.push({ text: `loss L = ${num(t.loss)}`, nodes: outs, value: { node: outs[0], text: `L ${num(t.loss)}` } });
    } else if (p.kind === "backward") {
      const layer = t.layers[p.layer];
      const i = this._unit(p.layer + 1);
      const me = node(p.layer + 1, i);
      if (p.layer === L - 1) {
        caption = "Backward starts at the loss: how much L changes with each output's z, " +
          "dL/dz = dL/do \u00d7 o\u2032(z). Node labels: dL/dz.";
      } else {
        caption = `Backward, layer ${p.layer + 1}: dL/da comes back along the edges from the layer above, ` +
          "dL/da = \u03a3 w \u00d7 dL/dz(above); times the activation's slope a\u2032(z) it gives " +
          "dL/dz = dL/da \u00d7 a\u2032(z) (the chain rule). Node labels: dL/dz.";
      }
      if (layer.dL_da !== null && layer.da_dz !== null && layer.dL_da[i] !== null && layer.da_dz[i] !== null) {
        const chain = product([layer.dL_da[i], layer.da_dz[i]], layer.dL_dz[i]);
        const rule = p.layer === L - 1 ? "dL/do \u00d7 o\u2032(z)" : "dL/da \u00d7 a\u2032(z)"; // as the caption
        lines = [{ text: `unit ${i + 1}: dL/dz = ${rule} = ${chain.text}`, nodes: [me],
          value: { node: me, text: `dL/dz ${chain.value}` } }];
        if (p.layer < L - 1) {
          // dL/da as the sum's value, with at least the digits it has as a factor above
          const above = t.layers[p.layer + 1];
          const terms = above.W.map((row, k) => [row[i], above.dL_dz[k]]);
          const sum = sumOfProducts(terms, layer.dL_da[i], 4, chain.d);
          const outEdges = above.W.map((_, k) => ({ layer: p.layer + 1, i: k, j: i }));
          lines.push({ text: `  where dL/da = \u03a3 w \u00d7 dL/dz(above) = ${sum.text}`,
            nodes: [me], edges: outEdges,
            value: { node: me, text: `dL/da ${sum.value}` } });
        }
      } else {
        // softmax with cross-entropy: dL/dz = o − t (t is 0 or 1, exact)
        const s = spell([[t.output[i]], [-t.target[i]]], layer.dL_dz[i]);
        lines = [{ text: `unit ${i + 1}: dL/dz = o \u2212 t = ${s.terms[0][0]} \u2212 ${num(t.target[i])} = ` +
          `${s.value} (softmax with cross-entropy: the two factors come as one)`, nodes: [me],
          value: { node: me, text: `dL/dz ${s.value}` } }];
      }
    } else if (p.kind === "gradient") {
      const layer = t.layers[p.layer];
      const aPrev = p.layer === 0 ? t.inputs : t.layers[p.layer - 1].a;
      caption = `Gradients of layer ${p.layer + 1}: each weight's dL/dw = dL/dz (of the unit it enters) ` +
        "\u00d7 a (of the unit it leaves); each bias gets dL/dz. Edges: dL/dw (blue +, orange \u2212, " +
        "width \u221d |dL/dw|).";
      const { i, j } = this._edge(p.layer);
      const edge = { layer: p.layer, i, j };
      const me = node(p.layer + 1, i);
      const chain = product([layer.dL_dz[i], aPrev[j]], layer.dL_dW[i][j]);
      lines = [
        { text: `weight unit ${j + 1} \u2192 unit ${i + 1}: dL/dw = dL/dz \u00d7 a = ${chain.text}`,
          nodes: [me, node(p.layer, j)], edges: [edge], value: { edge, text: `dL/dw ${chain.value}` } },
        { text: `bias of unit ${i + 1}: dL/db = dL/dz = ${num(layer.dL_db[i])}`, nodes: [me],
          value: { node: me, text: `dL/db ${num(layer.dL_db[i])}` } },
      ];
    } else if (p.kind === "update") {
      const u = t.update;
      const lr = num(u.lr, LR_DIGITS);
      caption = `Update: ${u.optimizer} (lr ${lr}) takes one step on this point's gradient alone ` +
        `(${u.includes}) from its current state (it would be step ${u.step}); edges show each ` +
        "weight's change \u0394w. Only shown: training is unchanged.";
      const { layer: l, i, j } = this._edge(L - 1);
      const edge = { layer: l, i, j };
      const layer = t.layers[l];
      const g = layer.step_grad_W[i][j];
      const dw = layer.update_W[i][j];
      const plain = u.optimizer === "sgd" && !u.hyper.momentum && !u.hyper.weight_decay;
      const step = plain ? product([{ value: -u.lr, digits: LR_DIGITS }, g], dw) : null;
      const shownDw = step ? step.value : num(dw);
      const after = layer.after_W ? layer.after_W[i][j] : layer.W[i][j] + dw;
      // Δw as the line above shows it (pinned to its digits) when that still adds up exactly
      const pinned = sumOfProducts([[layer.W[i][j]], [{ value: dw, digits: step ? step.p : 3 }]], after, 2);
      const moved = pinned.exact ? pinned : sumOfProducts([[layer.W[i][j]], [dw]], after, 2);
      const ends = [node(l + 1, i), node(l, j)];
      lines = [
        { text: `layer ${l + 1}, weight unit ${j + 1} \u2192 unit ${i + 1}: ` +
          (step ? `\u0394w = \u2212lr \u00d7 g = ${step.text}` : `g = ${num(g)}, \u0394w = ${shownDw}`),
          nodes: ends, edges: [edge], value: { edge, text: `\u0394w ${shownDw}` } },
        { text: `w + \u0394w = ${moved.text}`, nodes: ends, edges: [edge],
          value: { edge, text: `w\u2032 ${moved.value}` } },
      ];
    }
    this.el.caption.textContent = caption;
    this.lines = lines;
    const n = this.items.length;
    const it = this.items[this.item];
    this.el.items.hidden = n < 2;
    this.el.itemName.textContent = !it ? "" : "column" in it
      ? `unit ${it.unit + 1} of ${n}`
      : `weight ${this.item + 1} of ${n} (layer ${it.layer + 1}, unit ${it.j + 1} \u2192 ${it.i + 1})`;
    this.el.itemPrev.disabled = this.item === 0;
    this.el.itemNext.disabled = this.item === n - 1;
    this.el.detail.replaceChildren(...lines.map((line, k) => {
      const div = document.createElement("div");
      div.className = "bp-line";
      div.textContent = line.text;
      div.addEventListener("mouseenter", () => { if (this.line !== k) this.goLine(k); });
      div.addEventListener("click", () => this.goLine(k));
      return div;
    }));
    this.line = Math.min(this.line, Math.max(lines.length - 1, 0));
    this._showLines();
    this._draw();
  }

  /** Mark the current line of the detail. */
  _showLines() {
    [...this.el.detail.children].forEach((div, k) => div.classList.toggle("current", k === this.line));
  }
}
