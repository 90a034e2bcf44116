// The network diagram: a thumbnail per node (every input feature, hidden unit and output unit),
// edges coloured and sized by weight (SVG), a small square per bias. Hover a node to see its
// map large; hover an edge or a bias to read it; click to edit it.
//
// Other views can draw on it (the gradient view, the backprop stepper): `setOverlay` colours
// and sizes the edges (and biases) by other numbers than the weights, `setNodeLabels` writes a
// small value on nodes, `setHighlight` marks nodes and dims the edges of other layers (`decorate`
// does the three at once), and `listeners` hear which node or edge the pointer is on.
// `clearDecorations` restores the plain weight view. Panels reach these through panel-api.js.

import { cssColor, drawCodes, valueCode } from "./colors.js";
import { option } from "./dom.js";
import { editable, formatNumber } from "./format.js";

const SVG = "http://www.w3.org/2000/svg"; // the SVG namespace (a name, never fetched)
const NODE = 30; // px, as Playground
const SPACING = 40; // px between node tops in a column
const HEAD = 66; // px above the first node: each layer's +/−, neuron count and activation
const LABEL = 78; // px left of the feature column for the feature names

/** Playground's edge width: |w| mapped from [0, 5] to 1–10 px, clamped. */
export function edgeWidth(w) {
  return 1 + (Math.min(Math.abs(w), 5) / 5) * 9;
}

/** An overlay's edge width: |v|/scale mapped from [0, 1] to 1–10 px (scale 0: 1 px). */
export function overlayWidth(v, scale) {
  if (!(scale > 0) || !Number.isFinite(v)) return 1;
  return 1 + Math.min(Math.abs(v) / scale, 1) * 9;
}

/** A readable name of a canonical feature: x1 → X₁, x1^2 → X₁², sin(x2) → sin(X₂). */
export function featureLabel(name) {
  return name
    .replace(/x1/g, "X\u2081")
    .replace(/x2/g, "X\u2082")
    .replace(/\^2/g, "\u00b2")
    .replace(/\*/g, "");
}

export class NetworkView {
  /**
   * @param {HTMLElement} container  the positioned box holding nodes and the SVG
   * @param {SVGElement} svg  the edge layer
   * @param {object} hooks  {toggleFeature(name), resizeLayer(l, delta), hoverNode(node | null),
   *   edit({layer, kind, index, value}), setActivation(layer, name), limits, activations}
   */
  constructor(container, svg, card, hooks) {
    this.container = container;
    this.svg = svg;
    this.card = card;
    this.hooks = hooks;
    this.nodes = [];
    this.edges = [];
    this.biases = [];
    this.arrays = null;
    this.featureCodes = null;
    this.editing = null;
    this._colors = new Map();
    this.overlay = null; // {label, scale, weights: [flat (out·in) | null per layer], biases?: [...]}
    this.labels = null; // per unit (the nodes' codeIndex order: inputs, hidden…, outputs): text
    this.highlight = null; // {nodes: Set of codeIndex, layers: Set of edge layers}
    this.listeners = new Set(); // f({kind: 'node'|'edge', item} | null) on pointer enter/leave
    card.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") this._commit();
      if (e.key === "Escape") this._closeCard();
    });
    card.input.addEventListener("blur", () => this._closeCard());
  }

  /** Rebuild the diagram for a new structure (state message). */
  build(state, allFeatures) {
    this.state = state;
    this.palette = state.palettes.node;
    this._colors.clear();
    for (const item of [...this.container.querySelectorAll(".node, .node-label, .layer-head, .output-label")]) {
      item.remove();
    }
    this.svg.replaceChildren();
    this.nodes = [];
    this.edges = [];
    this.biases = [];
    this.overlay = null; // decorations belong to the old structure
    this.labels = null;
    this.highlight = null;
    const sizes = state.network.sizes;
    const hidden = sizes.slice(1, -1);
    const active = state.network.feature_names; // what the network takes (x1 alone on a line)
    const width = Math.max(this.container.clientWidth, 420);
    const columns = hidden.length + 2;
    const xFeatures = LABEL;
    const xOutput = width - NODE - 40;
    const step = (xOutput - xFeatures) / (columns - 1);
    const xOf = (c) => (c === 0 ? xFeatures : c === columns - 1 ? xOutput : xFeatures + c * step);
    const yOf = (k) => HEAD + k * SPACING;
    const tallest = Math.max(allFeatures.length, ...sizes.slice(1));
    const height = HEAD + tallest * SPACING;
    this.container.style.height = `${height}px`;
    this.svg.setAttribute("width", width);
    this.svg.setAttribute("height", height);

    // column 0: all nine features, the used ones in the network's input order
    const columnNodes = [[]];
    allFeatures.forEach((name, k) => {
      const input = active.indexOf(name);
      const node = this._node(xOf(0), yOf(k), {
        kind: "input", name, title: featureLabel(name), codeIndex: input, feature: k,
        active: input >= 0,
      });
      const label = document.createElement("div");
      label.className = `node-label${input >= 0 ? "" : " inactive"}`;
      label.textContent = featureLabel(name);
      label.style.left = `${xOf(0) - LABEL - 4}px`;
      label.style.top = `${yOf(k) + 7}px`;
      label.addEventListener("click", () => this.hooks.toggleFeature(name));
      this.container.append(label);
      if (input >= 0) columnNodes[0][input] = node;
    });

    // hidden and output columns
    let index = sizes[0];
    for (let c = 1; c < columns; c++) {
      const units = sizes[c];
      const isOutput = c === columns - 1;
      const nodes = [];
      for (let i = 0; i < units; i++) {
        const title = isOutput ? this._outputName(i) : `layer ${c}, neuron ${i + 1}`;
        const node = this._node(xOf(c), yOf(i), {
          kind: isOutput ? "output" : "hidden", title, codeIndex: index + i, active: true,
        });
        this._bias(node, c - 1, i);
        nodes.push(node);
      }
      index += units;
      columnNodes.push(nodes);
      if (!isOutput) this._layerHead(xOf(c), c - 1, units, step >= 72, step);
      else this._outputHead(xOf(c), units);
    }

    // edges, layer by layer: W{l}[i, j] joins input j of layer l to its unit i
    for (let l = 0; l < columns - 1; l++) {
      const sources = columnNodes[l];
      const targets = columnNodes[l + 1];
      targets.forEach((dst, i) => {
        sources.forEach((src, j) => this._edge(src, dst, l, i, j, sources.length));
      });
    }
    // the hit areas go on top of every visible edge
    for (const e of this.edges) this.svg.append(e.hit);
    this.arrays = null; // the old frame's arrays have the old shapes: wait for the next frame
  }

  /** An output unit's name; a k ≥ 3-class unit's map is its class's probability (white to
   * the class's colour: the node table's class ramps), and says so. */
  _outputName(i) {
    const n = this.state.network;
    const name = n.class_names[i] ?? String(i);
    if (n.problem === "classification" && n.n_classes > 2) return `output: p(class ${name})`;
    if (n.problem === "classification" && n.sizes.at(-1) > 1) return `output: ${name}`;
    return "output";
  }

  _node(x, y, info) {
    const box = document.createElement("div");
    box.className = `node ${info.kind}${info.active ? "" : " inactive"}`;
    box.style.left = `${x}px`;
    box.style.top = `${y}px`;
    box.title = info.title;
    const canvas = document.createElement("canvas");
    const r = this.state.grid.node_resolution;
    canvas.width = r;
    canvas.height = r;
    box.append(canvas);
    this.container.append(box);
    const node = { ...info, el: box, canvas, x, y };
    box.addEventListener("mouseenter", () => {
      this.hooks.hoverNode(node);
      this._tell({ kind: "node", item: node });
    });
    box.addEventListener("mouseleave", () => {
      this.hooks.hoverNode(null);
      this._tell(null);
    });
    if (info.kind === "input") box.addEventListener("click", () => this.hooks.toggleFeature(info.name));
    this.nodes.push(node);
    return node;
  }

  _bias(node, layer, unit) {
    const box = document.createElement("div");
    box.className = "bias";
    node.el.append(box);
    const bias = { el: box, layer, unit };
    box.addEventListener("mouseenter", (e) => {
      e.stopPropagation();
      const o = this._overlayBias(bias);
      this._hoverCard(e, o === undefined ? `Bias is ${formatNumber(this._biasValue(bias))}`
        : `${this.overlay.label} of the bias is ${formatNumber(o)}`);
    });
    box.addEventListener("mouseleave", () => this._hideCard());
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      this._openCard(e, { layer, kind: "bias", index: [unit] }, this._biasValue(bias), "Bias");
    });
    this.biases.push(bias);
  }

  _layerHead(x, layer, units, roomy, step) {
    const head = document.createElement("div");
    head.className = "layer-head";
    const w = roomy ? 80 : Math.max(step - 4, 30);
    head.style.left = `${x + NODE / 2 - w / 2}px`;
    head.style.width = `${w}px`;
    head.style.top = "0px";
    const pms = document.createElement("div");
    pms.className = "pms";
    const max = this.hooks.limits.neurons;
    for (const [text, delta, disabled] of [["+", 1, units >= max], ["\u2212", -1, units <= 1]]) {
      const b = document.createElement("button");
      b.className = "pm small";
      b.textContent = text;
      b.disabled = disabled;
      b.title = delta > 0 ? "Add a neuron" : "Remove a neuron";
      b.addEventListener("click", () => this.hooks.resizeLayer(layer, delta));
      pms.append(b);
    }
    const label = document.createElement("div");
    label.textContent = roomy ? `${units} neuron${units === 1 ? "" : "s"}` : String(units);
    label.title = `${units} neuron${units === 1 ? "" : "s"}`;
    const act = document.createElement("select");
    act.className = "layer-act";
    act.id = `layer-act-${layer}`;
    act.title = `Activation of hidden layer ${layer + 1}`;
    act.setAttribute("aria-label", act.title);
    const current = this.state.network.activations[layer];
    for (const name of this.hooks.activations || [current]) {
      act.append(option(name, name));
    }
    act.value = current;
    act.addEventListener("change", () => this.hooks.setActivation(layer, act.value));
    head.append(pms, label, act);
    this.container.append(head);
  }

  _outputHead(x, units) {
    const label = document.createElement("div");
    label.className = "output-label";
    label.style.left = `${x - 8}px`;
    label.style.top = `${HEAD - 18}px`;
    label.textContent = units > 1 ? `${units} outputs` : "output";
    this.container.append(label);
  }

  _edge(src, dst, layer, i, j, fanIn) {
    const x0 = src.x + NODE;
    const y0 = src.y + NODE / 2;
    const x1 = dst.x;
    const y1 = dst.y + NODE / 2;
    const mx = (x0 + x1) / 2;
    const d = `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`;
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    path.setAttribute("class", "edge");
    const hit = document.createElementNS(SVG, "path");
    hit.setAttribute("d", d);
    hit.setAttribute("class", "edge-hit");
    this.svg.append(path);
    const edge = { path, hit, layer, i, j, offset: i * fanIn + j };
    hit.addEventListener("mouseenter", (e) => {
      path.classList.add("hover");
      const o = this._overlayValue(edge);
      this._hoverCard(e, o === undefined ? `Weight is ${formatNumber(this._weight(edge))}`
        : `${this.overlay.label} is ${formatNumber(o)} (weight ${formatNumber(this._weight(edge))})`);
      this._tell({ kind: "edge", item: edge });
    });
    hit.addEventListener("mousemove", (e) => this._moveCard(e));
    hit.addEventListener("mouseleave", () => {
      path.classList.remove("hover");
      this._hideCard();
      this._tell(null);
    });
    hit.addEventListener("click", (e) => {
      this._openCard(e, { layer, kind: "weight", index: [i, j] }, this._weight(edge), "Weight");
    });
    this.edges.push(edge);
  }

  _weight(edge) {
    const w = this.arrays?.[`W${edge.layer}`];
    return w ? w.data[edge.offset] : NaN;
  }

  _biasValue(bias) {
    const b = this.arrays?.[`b${bias.layer}`];
    return b ? b.data[bias.unit] : NaN;
  }

  /** The diagram as one canvas at `scale`× (edges as drawn now — weights, gradients or the
   * stepper's numbers —, every node's map, the bias squares and the feature names), for a PNG. */
  toCanvas(scale = 2) {
    const origin = this.container.getBoundingClientRect();
    const labels = [...this.container.querySelectorAll(".node-label")];
    // the feature names stand left of the diagram's box: widen the picture to hold them
    const pad = Math.max(0, ...labels.map((l) => origin.left - l.getBoundingClientRect().left)) + 6;
    const width = Number(this.svg.getAttribute("width")) + pad;
    const height = Number(this.svg.getAttribute("height"));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.translate(pad, 0);
    ctx.lineCap = "round";
    for (const edge of this.edges) {
      const style = getComputedStyle(edge.path);
      if (style.display === "none" || style.stroke === "none") continue;
      ctx.strokeStyle = style.stroke;
      ctx.lineWidth = parseFloat(style.strokeWidth) || 1;
      ctx.globalAlpha = (parseFloat(style.strokeOpacity) || 1) * (parseFloat(style.opacity) || 1);
      ctx.stroke(new Path2D(edge.path.getAttribute("d")));
    }
    ctx.globalAlpha = 1;
    ctx.imageSmoothingEnabled = false;
    for (const node of this.nodes) {
      ctx.globalAlpha = node.active === false ? 0.45 : 1;
      ctx.drawImage(node.canvas, node.x, node.y, NODE, NODE);
      ctx.strokeStyle = "#aaa";
      ctx.lineWidth = 1;
      ctx.strokeRect(node.x + 0.5, node.y + 0.5, NODE - 1, NODE - 1);
    }
    ctx.globalAlpha = 1;
    for (const bias of this.biases) {
      const box = bias.el.getBoundingClientRect();
      ctx.fillStyle = getComputedStyle(bias.el).backgroundColor;
      ctx.fillRect(box.left - origin.left, box.top - origin.top, box.width, box.height);
    }
    for (const label of labels) {
      const style = getComputedStyle(label);
      const box = label.getBoundingClientRect();
      ctx.fillStyle = style.color;
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      ctx.textBaseline = "top";
      ctx.fillText(label.textContent, box.left - origin.left, box.top - origin.top);
    }
    return canvas;
  }

  /** The current codes (r×r) of a node's map, or null before the first frame. */
  codesOf(node) {
    const r = this.state.grid.node_resolution;
    const n = r * r;
    if (node.kind === "input" && !node.active) {
      return this.featureCodes ? this.featureCodes.data.subarray(node.feature * n, (node.feature + 1) * n) : null;
    }
    return this.arrays ? this.arrays.nodes.data.subarray(node.codeIndex * n, (node.codeIndex + 1) * n) : null;
  }

  _color(code) {
    let c = this._colors.get(code);
    if (c === undefined) {
      c = cssColor(this.palette, code);
      this._colors.set(code, c);
    }
    return c;
  }

  /** The feature maps of the data frame (for the features the network does not use). */
  setFeatureCodes(codes) {
    this.featureCodes = codes;
    for (const node of this.nodes) {
      if (node.kind === "input" && !node.active) {
        const codes = this.codesOf(node);
        if (codes) drawCodes(node.canvas, codes, this.palette);
      }
    }
  }

  /** Redraw from a frame's arrays: every node's map, every edge, every bias. */
  update(arrays) {
    this.arrays = arrays;
    for (const node of this.nodes) {
      if (node.kind === "input" && !node.active) continue;
      const codes = this.codesOf(node);
      if (codes) drawCodes(node.canvas, codes, this.palette);
    }
    this.paintEdges();
  }

  /** Colour and size every edge and bias: by the overlay's numbers when there is one (sign
   * colour of v/scale, width by |v|/scale; layers it leaves out are drawn faint), else by the
   * weights as Playground does. */
  paintEdges() {
    const overlay = this.overlay;
    const layers = this.highlight?.layers;
    for (const edge of this.edges) {
      let color, width, faint = false;
      const o = this._overlayValue(edge);
      if (overlay && o === undefined) {
        faint = true;
      }
      if (o !== undefined) {
        const s = overlay.scale > 0 ? overlay.scale : 1;
        color = this._color(valueCode(o / s));
        width = overlayWidth(o, overlay.scale);
      } else {
        const w = this._weight(edge);
        color = this._color(valueCode(w));
        width = edgeWidth(w);
      }
      if (layers && !layers.has(edge.layer)) faint = true;
      edge.path.setAttribute("stroke", color);
      edge.path.setAttribute("stroke-width", width.toFixed(2));
      edge.path.classList.toggle("faint", faint);
      edge.path.classList.toggle("overlay", o !== undefined);
    }
    for (const bias of this.biases) {
      const o = this._overlayBias(bias);
      const s = overlay?.scale > 0 ? overlay.scale : 1;
      bias.el.style.background = this._color(valueCode(o === undefined ? this._biasValue(bias) : o / s));
    }
  }

  // -- decorations (gradient view, backprop stepper) ------------------------------------------
  /** The overlay's number for an edge, or undefined where the overlay has none. */
  _overlayValue(edge) {
    const values = this.overlay?.weights?.[edge.layer];
    if (!values) return undefined;
    const v = values[edge.offset];
    return v === undefined || v === null ? undefined : v;
  }

  _overlayBias(bias) {
    const values = this.overlay?.biases?.[bias.layer];
    if (!values) return undefined;
    const v = values[bias.unit];
    return v === undefined || v === null ? undefined : v;
  }

  /** Colour edges by other numbers: `overlay` = {label (hover text), scale (|v| that gets the
   * full width and colour), weights: per layer a flat row-major (out·in) array or null (that
   * layer drawn faint), biases?: per layer (out) or null}; null restores the weights. */
  setOverlay(overlay) {
    this.overlay = overlay;
    this.paintEdges();
  }

  /** Small value labels on nodes: `labels[codeIndex]` a string (or null/undefined: none) for
   * every unit in the network's order (inputs, hidden layers, outputs); null removes them all. */
  setNodeLabels(labels) {
    this.labels = labels;
    for (const node of this.nodes) {
      const text = labels && node.active && node.codeIndex >= 0 ? labels[node.codeIndex] : null;
      let label = node.valueEl;
      if (text === null || text === undefined) {
        if (label) label.hidden = true;
        continue;
      }
      if (!label) {
        label = document.createElement("div");
        label.className = "node-value";
        node.el.append(label);
        node.valueEl = label;
      }
      label.hidden = false;
      label.textContent = text;
    }
  }

  /** Mark nodes (`nodes`: a Set of codeIndex) and keep only the edges of `layers` (a Set of
   * layer indices, or null for all) at full strength; null clears both. */
  setHighlight(highlight) {
    this.highlight = highlight;
    for (const node of this.nodes) {
      node.el.classList.toggle("lit", Boolean(highlight?.nodes?.has(node.codeIndex) && node.active));
    }
    this.paintEdges();
  }

  /** Draw the diagram with an `overlay` on the edges (see setOverlay), node `labels` (see
   * setNodeLabels) and a `highlight` (see setHighlight), painted once; what is left out is
   * cleared: `decorate()` is the plain diagram. */
  decorate({ overlay = null, labels = null, highlight = null } = {}) {
    this.overlay = overlay;
    this.setNodeLabels(labels);
    this.setHighlight(highlight);
  }

  /** Back to the plain diagram: weights on the edges, no labels, no highlight. */
  clearDecorations() {
    this.decorate();
  }

  _tell(what) {
    for (const f of this.listeners) f(what);
  }

  // -- hover card and editing --------------------------------------------------------------
  _hoverCard(e, text) {
    if (this.editing) return;
    this.card.text.textContent = text;
    this.card.input.hidden = true;
    this.card.el.hidden = false;
    this._moveCard(e);
  }

  _moveCard(e) {
    if (this.editing) return;
    this.card.el.style.left = `${e.clientX + 14}px`;
    this.card.el.style.top = `${e.clientY + 12}px`;
  }

  _hideCard() {
    if (!this.editing) this.card.el.hidden = true;
  }

  _openCard(e, target, value, what) {
    this.editing = target;
    this.card.text.textContent = `${what} is`;
    this.card.input.hidden = false;
    this.card.input.value = editable(value);
    this.card.el.hidden = false;
    this.card.el.style.left = `${e.clientX + 14}px`;
    this.card.el.style.top = `${e.clientY + 12}px`;
    this.card.input.focus();
    this.card.input.select();
  }

  _commit() {
    const target = this.editing;
    const value = Number(this.card.input.value);
    this._closeCard();
    if (target && this.card.input.value.trim() !== "" && Number.isFinite(value)) {
      this.hooks.edit({ ...target, value });
    }
  }

  _closeCard() {
    this.editing = null;
    this.card.input.hidden = true;
    this.card.el.hidden = true;
  }
}
