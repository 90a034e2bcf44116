// The network diagram: a thumbnail per node (every input feature, hidden unit and output unit),
// edges coloured and sized by weight, a small square per bias. Hover a node to see its
// map large; hover an edge or a bias to read it; click to edit it. The diagram scales to the
// room it has (network-draw.js's diagramGeometry; laid out again when that changes), and the
// edges and maps are drawn on two canvases (network-draw.js) under the SVG's pointer areas and
// the nodes' boxes, so a 10×16 network (2,352 edges) is drawn at the frame rate.
//
// Other views can draw on it (the gradient view, the backprop stepper): `setOverlay` colours
// and sizes the edges (and biases) by other numbers than the weights, `setNodeLabels` writes a
// small value on nodes, `setHighlight` marks nodes and dims the edges of other layers (`decorate`
// does the three at once), and `listeners` hear which node or edge the pointer is on.
// `clearDecorations` restores the plain weight view. Panels reach these through panel-api.js.

import { cssColor, valueCode } from "./colors.js";
import { onResize, option, page } from "./dom.js";
import { editable, formatNumber } from "./format.js";
import {
  CURVES_UP_TO, diagramGeometry, edgePath, NODE, NodePictures, scaledWidth, sizeCanvas,
  strokeEdges,
} from "./network-draw.js";
import { slideCanvas } from "./picture.js";

const SVG = "http://www.w3.org/2000/svg"; // the SVG namespace (a name, never fetched)

/** How much thicker every edge is drawn in presentation mode. */
export const PRESENT_LINES = 1.6;

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

/** An edge's key in a highlight's `edges`: "layer:i:j" (W{layer}[i, j], input j to unit i). */
export function edgeKey({ layer, i, j }) {
  return `${layer}:${i}:${j}`;
}

export class NetworkView {
  /**
   * @param {HTMLElement} container  the positioned box holding nodes and the SVG
   * @param {SVGElement} svg  the edge layer
   * @param {object} hooks  {toggleFeature(name), resizeLayer(l, delta), hoverNode(node | null),
   *   edit({layer, kind, index, value}), setActivation(layer, name), limits, activations,
   *   activationNames (id → the name a menu shows)}
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
    // the pictures: every edge on one canvas, every node's map on another, both under the SVG
    // (hit areas, the hovered edge's outline) and the node boxes (rings, biases, labels)
    this.edgeCanvas = document.createElement("canvas");
    this.edgeCanvas.className = "edge-canvas";
    this.nodeCanvas = document.createElement("canvas");
    this.nodeCanvas.className = "node-canvas";
    svg.before(this.edgeCanvas, this.nodeCanvas);
    this.geometry = null;
    this._laid = null; // [width, viewport height] of the last layout
    // lay out again when the column's width or the window's height changes
    const relayout = () => {
      if (this._relayout) return;
      this._relayout = requestAnimationFrame(() => {
        this._relayout = 0;
        this._maybeLayout();
      });
    };
    this._relayout = 0;
    const sizes = new ResizeObserver(relayout);
    sizes.observe(container);
    // the diagram's top moves when something above it grows or shrinks (a banner, a wrapped
    // bar, a note in its column): one of its ancestors changes size then
    for (let up = container.parentElement; up; up = up.parentElement) sizes.observe(up);
    onResize(relayout);
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
    for (const item of [...this.container.querySelectorAll(".node, .node-label, .layer-head, .output-label, .edge-value")]) {
      item.remove();
    }
    this.svg.replaceChildren();
    this.nodes = [];
    this.edges = [];
    this.biases = [];
    this.overlay = null; // decorations belong to the old structure
    this.labels = null;
    this.highlight = null;
    this.edgeLabels = null;
    const sizes = state.network.sizes;
    const active = state.network.feature_names; // what the network takes (x1 alone on a line)
    const columns = sizes.length; // features, hidden layers, output

    // column 0: all nine features (row k), the used ones in the network's input order
    this.allFeatures = allFeatures;
    this.columns = [[]];
    const columnNodes = [[]];
    allFeatures.forEach((name, k) => {
      const input = active.indexOf(name);
      const node = this._node(0, k, {
        kind: "input", name, title: featureLabel(name), codeIndex: input, feature: k,
        active: input >= 0,
      });
      this.columns[0].push(node);
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
        const node = this._node(c, i, {
          kind: isOutput ? "output" : "hidden", title, codeIndex: index + i, active: true,
        });
        this._bias(node, c - 1, i);
        nodes.push(node);
      }
      index += units;
      columnNodes.push(nodes);
      this.columns.push(nodes);
    }

    // edges, layer by layer: W{l}[i, j] joins input j of layer l to its unit i
    for (let l = 0; l < columns - 1; l++) {
      const sources = columnNodes[l];
      const targets = columnNodes[l + 1];
      targets.forEach((dst, i) => {
        sources.forEach((src, j) => this._edge(src, dst, l, i, j, sources.length));
      });
    }
    // the hit areas go on top of every edge outline
    for (const e of this.edges) this.svg.append(e.hit);
    this.curved = this.edges.length <= CURVES_UP_TO;
    this.pictures = new NodePictures(this.nodes.length, state.grid.node_resolution, this.palette);
    this.arrays = null; // the old frame's arrays have the old shapes: wait for the next frame
    this.layout();
  }

  /** Lay out again if the column's width, the window's height or the diagram's top changed
   * since the last layout (a hidden diagram, of width 0, waits until it is shown). */
  _maybeLayout() {
    if (!this.state || this.container.clientWidth === 0) return;
    const [w, h, top] = this._laid ?? [];
    if (w !== this.container.clientWidth || h !== window.innerHeight || top !== this._top()) this.layout();
  }

  /** The diagram's top in page coordinates. */
  _top() {
    return Math.round(this.container.getBoundingClientRect().top + window.scrollY);
  }

  /** Place everything for the room the diagram has: the column's width and the viewport's
   * height below the diagram's top (see diagramGeometry); when even the smallest nodes cannot
   * fit that height, the width alone decides and the page scrolls. Decorations are kept. */
  layout() {
    const width = this.container.clientWidth || 420;
    const top = this._top();
    const room = window.innerHeight - top;
    const rows = Math.max(...this.columns.map((c) => c.length));
    const columns = this.columns.length;
    let g = diagramGeometry(width, room, rows, columns);
    if (g.height > room) g = diagramGeometry(width, Infinity, rows, columns);
    this.geometry = g;
    this._laid = [this.container.clientWidth, window.innerHeight, top];
    const { s, xs, ys } = g;
    const box = this.container;
    box.style.setProperty("--node", `${s}px`);
    box.style.setProperty("--bias", `${Math.max(4, Math.round((6 * s) / NODE))}px`);
    box.classList.toggle("small", s < 24);
    box.style.height = `${g.height}px`;
    this.svg.setAttribute("width", g.width);
    this.svg.setAttribute("height", g.height);
    this._edgeCtx = sizeCanvas(this.edgeCanvas, g.width, g.height);
    this._nodeCtx = sizeCanvas(this.nodeCanvas, g.width, g.height);

    for (const node of this.nodes) {
      node.x = xs[node.column];
      node.y = ys[node.row];
      node.el.style.left = `${node.x}px`;
      node.el.style.top = `${node.y}px`;
    }
    for (const edge of this.edges) {
      edge.ends = [edge.src.x + s, edge.src.y + s / 2, edge.dst.x, edge.dst.y + s / 2];
      const d = edgePath(edge.ends, this.curved);
      edge.path.setAttribute("d", d);
      edge.hit.setAttribute("d", d);
      edge.style = null; // widths depend on s: restroke
    }

    // the feature names, the layers' heads and the output's label
    for (const item of [...box.querySelectorAll(".node-label, .layer-head, .output-label")]) {
      item.remove();
    }
    this.columns[0].forEach((node) => {
      const label = document.createElement("div");
      label.className = `node-label${node.active ? "" : " inactive"}`;
      label.textContent = featureLabel(node.name);
      label.style.left = `${node.x - g.label + 2}px`;
      label.style.width = `${g.label - 6}px`;
      label.style.top = `${node.y + s / 2}px`;
      label.addEventListener("click", () => this.hooks.toggleFeature(node.name));
      box.append(label);
    });
    const sizes = this.state.network.sizes;
    for (let c = 1; c < columns - 1; c++) this._layerHead(xs[c], c - 1, sizes[c], g.step);
    this._outputHead(xs[columns - 1], sizes.at(-1));
    if (this.edgeLabels?.length) this.setEdgeLabels(this.edgeLabels);
    this.drawNodes();
    this.paintEdges();
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

  /** A node's box (its ring, bias square and labels; its picture is on the node canvas) in
   * `column` at `row`; `layout` places it. */
  _node(column, row, info) {
    const box = document.createElement("div");
    box.className = `node ${info.kind}${info.active ? "" : " inactive"}`;
    box.title = info.title;
    this.container.append(box);
    const node = { ...info, el: box, column, row, k: this.nodes.length, x: 0, y: 0 };
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

  /** A hidden layer's head over its column at `x` (`step` px from the next): +/−, the neuron
   * count and the activation menu; stacked narrow when the columns are close. */
  _layerHead(x, layer, units, step) {
    const head = document.createElement("div");
    const roomy = step >= 72;
    head.className = `layer-head${step < 44 ? " narrow" : ""}`;
    const w = roomy ? 80 : Math.max(step - 4, 22);
    head.style.left = `${x + this.geometry.s / 2 - w / 2}px`;
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
      act.append(option(name, this.hooks.activationNames?.[name] ?? name)); // the link keeps ids
    }
    act.value = current;
    act.addEventListener("change", () => this.hooks.setActivation(layer, act.value));
    head.append(pms, label, act);
    this.container.append(head);
  }

  _outputHead(x, units) {
    const label = document.createElement("div");
    label.className = "output-label";
    label.style.left = `${x + this.geometry.s / 2}px`;
    label.style.top = `${this.geometry.ys[0] - 18}px`;
    label.textContent = units > 1 ? `${units} outputs` : "output";
    this.container.append(label);
  }

  /** An edge from `src` to `dst` (W{layer}[i, j]): drawn on the edge canvas; its SVG `path`
   * holds its stroke, width and classes (shown only as the hovered edge's outline) and `hit`
   * is its pointer area. `layout` gives both their `d` and the edge its `ends`. */
  _edge(src, dst, layer, i, j, fanIn) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("class", "edge");
    const hit = document.createElementNS(SVG, "path");
    hit.setAttribute("class", "edge-hit");
    this.svg.append(path);
    const edge = { path, hit, layer, i, j, offset: i * fanIn + j, src, dst, ends: [0, 0, 0, 0],
      style: null };
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

  /** The diagram as one canvas at slide resolution (the long side at least LONG_SIDE px:
   * picture.js's slideCanvas), everything drawn again at that scale, not copied from the
   * page: the edges as drawn now (weights, gradients or the stepper's numbers), every node's
   * map with its ring, the bias squares and the feature names. Null before the first layout. */
  toCanvas() {
    const g = this.geometry;
    if (!g) return null;
    const origin = this.container.getBoundingClientRect();
    const labels = [...this.container.querySelectorAll(".node-label")];
    // the feature names stand inside the diagram's box; should one stand out, widen the picture
    const pad = Math.max(0, ...labels.map((l) => origin.left - l.getBoundingClientRect().left));
    const { canvas, ctx } = slideCanvas(g.width + pad, g.height);
    ctx.translate(pad, 0);
    const drawn = this.edges.filter((e) => e.style);
    strokeEdges(ctx, drawn, drawn.map((e) => e.style), this.curved);
    ctx.imageSmoothingEnabled = true; // bilinear, as the page draws the maps
    const s = g.s;
    for (const node of this.nodes) {
      this.pictures.draw(ctx, node.k, node.x + 1, node.y + 1, s - 2, node.active ? 1 : 0.45);
      ctx.strokeStyle = "#bbb";
      ctx.lineWidth = 1;
      ctx.strokeRect(node.x - 0.5, node.y - 0.5, s + 1, s + 1);
    }
    for (const bias of this.biases) {
      const box = bias.el.getBoundingClientRect();
      const [x, y] = [box.left - origin.left, box.top - origin.top];
      ctx.fillStyle = getComputedStyle(bias.el).backgroundColor;
      ctx.fillRect(x, y, box.width, box.height);
      ctx.strokeStyle = "#999";
      ctx.strokeRect(x - 0.5, y - 0.5, box.width + 1, box.height + 1);
    }
    for (const label of labels) {
      const style = getComputedStyle(label);
      const box = label.getBoundingClientRect();
      ctx.fillStyle = style.color;
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      ctx.textBaseline = "middle";
      ctx.textAlign = "right";
      ctx.fillText(label.textContent, box.right - origin.left, (box.top + box.bottom) / 2 - origin.top);
    }
    // over each hidden column its size and activation (the page's +/− and menu), and "output"
    const { sizes, activations } = this.state.network;
    const family = getComputedStyle(this.container).fontFamily;
    ctx.fillStyle = "#555";
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.font = `${g.step < 44 ? 10 : 12}px ${family}`;
    for (let c = 1; c < this.columns.length; c++) {
      const x = g.xs[c] + s / 2;
      const last = c === this.columns.length - 1;
      ctx.fillText(last ? (sizes[c] > 1 ? `${sizes[c]} outputs` : "output") : String(sizes[c]), x,
        g.ys[0] - (last ? 8 : 22));
      if (!last) ctx.fillText(activations[c - 1], x, g.ys[0] - 8);
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
    if (!this.pictures) return;
    for (const node of this.nodes) {
      if (node.kind === "input" && !node.active) {
        const codes = this.codesOf(node);
        if (codes) this.pictures.set(node.k, codes);
      }
    }
    this.drawNodes();
  }

  /** Redraw from a frame's arrays: every node's map, every edge, every bias. */
  update(arrays) {
    this.arrays = arrays;
    for (const node of this.nodes) {
      if (node.kind === "input" && !node.active) continue;
      const codes = this.codesOf(node);
      if (codes) this.pictures.set(node.k, codes);
    }
    this.drawNodes();
    this.paintEdges();
  }

  /** Draw every node's map on the node canvas (the features the network does not use
   * faded, as their boxes are). */
  drawNodes() {
    const ctx = this._nodeCtx;
    const g = this.geometry;
    if (!ctx || !g) return;
    this.pictures.flush();
    ctx.clearRect(0, 0, g.width, g.height);
    ctx.imageSmoothingEnabled = true;
    for (const node of this.nodes) {
      this.pictures.draw(ctx, node.k, node.x, node.y, g.s, node.active ? 1 : 0.3);
    }
  }

  /** Colour and size every edge and bias: by the overlay's numbers when there is one (sign
   * colour of v/scale, width by |v|/scale; layers it leaves out are drawn faint), else by the
   * weights as Playground does. */
  paintEdges() {
    if (!this.geometry) return;
    const overlay = this.overlay;
    const layers = this.highlight?.layers;
    const side = this.geometry.s;
    let changed = false;
    // presentation mode (present.js): thicker lines, to be seen from the back of a room
    const thick = page().classList.contains("present") ? PRESENT_LINES : 1;
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
      const lit = Boolean(this.highlight?.edges?.has(edgeKey(edge)));
      if (this.highlight?.edges && !lit) faint = true;
      // the SVG path keeps what the canvas draws (for the hover outline and for reading);
      // it is written only where something changed
      width = (Number.isFinite(width) ? scaledWidth(width, side) : 1) * thick;
      const text = width.toFixed(2);
      const state = lit ? 2 : faint ? 0 : 1;
      const isOverlay = o !== undefined;
      const old = edge.style;
      if (old?.color !== color) edge.path.setAttribute("stroke", color);
      if (old?.text !== text) edge.path.setAttribute("stroke-width", text);
      if (old?.lit !== lit) edge.path.classList.toggle("lit", lit);
      if (old?.faint !== faint) edge.path.classList.toggle("faint", faint);
      if (old?.overlay !== isOverlay) edge.path.classList.toggle("overlay", isOverlay);
      // the canvas is stroked again only when an edge changes by a quarter pixel or a colour
      const drawnWidth = Math.round(width * 4) / 4;
      if (!old || old.color !== color || old.width !== drawnWidth || old.state !== state) changed = true;
      const style = old ?? (edge.style = {}); // kept, not made anew each frame
      style.color = color;
      style.text = text;
      style.width = drawnWidth;
      style.state = state;
      style.lit = lit;
      style.faint = faint;
      style.overlay = isOverlay;
    }
    if (changed) this._strokeEdges();
    for (const bias of this.biases) {
      const o = this._overlayBias(bias);
      const s = overlay?.scale > 0 ? overlay.scale : 1;
      const color = this._color(valueCode(o === undefined ? this._biasValue(bias) : o / s));
      if (bias.color !== color) bias.el.style.background = color;
      bias.color = color;
    }
  }

  /** Stroke every edge on the edge canvas as `paintEdges` styled it. */
  _strokeEdges() {
    const ctx = this._edgeCtx;
    const g = this.geometry;
    if (!ctx || !g) return;
    ctx.clearRect(0, 0, g.width, g.height);
    if (!this.arrays && !this.overlay) return; // no weights yet: nothing to draw
    strokeEdges(ctx, this.edges, this.edges.map((e) => e.style), this.curved);
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

  /** Values written on edges, at their middle: `labels` = [{layer, i, j, text}] (W{layer}[i, j]);
   * null or [] removes them. */
  setEdgeLabels(labels) {
    this.edgeLabels = labels; // placed again when the diagram is laid out again
    for (const old of this.container.querySelectorAll(".edge-value")) old.remove();
    for (const { layer, i, j, text } of labels ?? []) {
      const edge = this.edges.find((e) => e.layer === layer && e.i === i && e.j === j);
      if (!edge) continue;
      const [x0, y0, x1, y1] = edge.ends;
      const label = document.createElement("div");
      label.className = "edge-value";
      label.textContent = text;
      label.style.left = `${(x0 + x1) / 2}px`;
      label.style.top = `${(y0 + y1) / 2}px`;
      this.container.append(label);
    }
  }

  /** Mark nodes (`nodes`: a Set of codeIndex) and keep only the edges of `layers` (a Set of
   * layer indices, or null for all) at full strength, and of those only `edges` (a Set of
   * "layer:i:j" keys, see edgeKey) when given, drawn marked; null clears all three. */
  setHighlight(highlight) {
    this.highlight = highlight;
    for (const node of this.nodes) {
      node.el.classList.toggle("lit", Boolean(highlight?.nodes?.has(node.codeIndex) && node.active));
    }
    this.paintEdges();
  }

  /** Draw the diagram with an `overlay` on the edges (see setOverlay), node `labels` (see
   * setNodeLabels), `edgeLabels` (see setEdgeLabels) and a `highlight` (see setHighlight),
   * painted once; what is left out is
   * cleared: `decorate()` is the plain diagram. */
  decorate({ overlay = null, labels = null, highlight = null, edgeLabels = null } = {}) {
    this.overlay = overlay;
    this.setNodeLabels(labels);
    this.setEdgeLabels(edgeLabels);
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
