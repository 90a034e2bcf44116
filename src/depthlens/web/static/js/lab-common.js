// Small helpers shared by the Lab tab's modules: elements, numbers, requests, colours.

import { fetchJSON } from "./http.js";

/** Fixed colours per optimizer / contender (the lab's matplotlib figures use the same). */
export const COLORS = {
  sgd: "#222222",
  momentum: "#1f77b4",
  nesterov: "#17becf",
  adagrad: "#2ca02c",
  rmsprop: "#ff7f0e",
  adadelta: "#9467bd",
  adam: "#d62728",
  adamw: "#8c564b",
  "sgd per-sample": "#8c8c8c",
  "sgd mini-batch": "#222222",
  "sgd full batch": "#bcbd22",
};
const CYCLE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#17becf"];

/** The colour of a racer by name (a cycle for names without a fixed one). */
export function colorOf(name, i = 0) {
  return COLORS[name] ?? CYCLE[i % CYCLE.length];
}

/** `el("div.a.b", {attr: v}, child, "text", …)`: an element with classes, attributes and
 * children (strings become text nodes). `on*` attributes that are functions become listeners.
 * The attributes may be left out: `el("div", child, …)`. */
export function el(spec, attrs = {}, ...children) {
  if (attrs instanceof Node || Array.isArray(attrs) || typeof attrs === "string") {
    children.unshift(attrs);
    attrs = {};
  }
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "text") {
      node.textContent = value;
    } else if (key in node && typeof value !== "string") {
      node[key] = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A labelled control box (the playground's `.control` look). */
export function control(label, input, title = "") {
  return el("div.control", { title: title || undefined }, el("label", { text: label }), input);
}

/** A number for a table: 4 significant digits, exponent form for the very small or large;
 * an en dash for none. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "\u2013";
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  const text = a < 1e-3 || a >= 1e5 ? v.toExponential(digits - 2) : String(Number(v.toPrecision(digits)));
  return text.replace("-", "\u2212");
}

/** The element of `items` sorted ascending at which `value` falls: largest i with items[i] ≤ value. */
export function lastAtMost(items, value) {
  let lo = 0;
  let hi = items.length - 1;
  if (hi < 0 || items[0] > value) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (items[mid] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** JSON from the server (a POST of `body` as JSON when given); a refused request throws an
 * Error whose message is the server's `{field, message}` message. */
export function requestJSON(url, body) {
  return fetchJSON(url, body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A small colour square (its colour set through the CSSOM: the page's CSP forbids inline
 * style attributes). */
export function swatch(color) {
  const node = el("span.lab-swatch");
  node.style.background = color;
  return node;
}
