// Small helpers shared by the Lab tab's modules: elements, numbers, requests, links. The
// racers' colours are not here: the server sends them (depthlens.lab.figures' table).

import { fetchJSON } from "./http.js";

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

/** `text` with every hyphen-minus that is a sign (before a digit, a point or ∞) as the true
 * minus U+2212, also inside exponents: "-1.2e-5" → "−1.2e−5". Words ("per-sample") stay. */
export function minus(text) {
  return String(text).replace(/-(?=[\d.\u221e])/g, "\u2212");
}

/** `v` with `digits` significant figures in ASCII (exponent form for the very small or large),
 * as `Number()` reads it back. */
function plain(v, digits) {
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
}

/** A number for a table: `digits` significant figures (one fewer in exponent form), a true
 * minus sign; an en dash for none. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return "\u2013";
  if (typeof v !== "number") return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return minus(plain(v, a < 1e-3 || a >= 1e5 ? digits - 1 : digits));
}

/** `v` with as few significant figures (at least `digits`) as read back exactly: a tolerance
 * shown as it is compared. */
export function fmtExact(v, digits = 1) {
  if (typeof v !== "number" || !Number.isFinite(v) || v === 0) return fmt(v);
  for (let d = digits; d < 17; d += 1) {
    if (Number(plain(v, d)) === v) return minus(plain(v, d));
  }
  return minus(plain(v, 17));
}

/** `v` compared with `limit` (is v ≤ limit?): `digits` significant figures, more when the
 * rounded number would fall on the other side of `limit` (or on it while v is above it), so the
 * number shown answers the question as the number itself does. */
export function fmtAgainst(v, limit, digits = 3) {
  if (typeof v !== "number" || !Number.isFinite(v) || v === 0) return fmt(v);
  const side = v <= limit;
  for (let d = digits; d < 17; d += 1) {
    const text = plain(v, d);
    if ((Number(text) <= limit) === side) return minus(text);
  }
  return minus(plain(v, 17));
}

/** The label of the tick at 10^p on a log axis: "1", "10", "1e−3". */
export function powerLabel(p) {
  if (p === 0) return "1";
  if (p === 1) return "10";
  return minus(`1e${p}`);
}

/** The largest seed the server takes (2³² − 1). */
export const MAX_SEED = 4294967295;

/** Is `text` a whole number from `lo` to `hi`? */
export function wholeIn(text, lo, hi) {
  const v = text.trim() === "" ? NaN : Number(text);
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/** Is `text` a number from `lo` (excluded when `aboveLo`) to `hi`? */
export function numberIn(text, lo, hi, aboveLo = false) {
  const v = text.trim() === "" ? NaN : Number(text);
  return Number.isFinite(v) && (aboveLo ? v > lo : v >= lo) && v <= hi;
}

/** A Lab link's refused setting, for the toast: what it was, what is allowed, what is used. */
export function problem(key, value, allowed, fallback) {
  return `${key} \u201c${value}\u201d is not allowed (${allowed}): using ${fallback}`;
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

/** A Lab link's query text from [key, value] pairs: values percent-encoded except commas,
 * colons and spaces as "+" (as the playground's Config query). */
export function encodeQuery(pairs) {
  const part = (t) => encodeURIComponent(String(t)).replace(/%2C/gi, ",").replace(/%3A/gi, ":").replace(/%20/g, "+");
  return pairs.map(([k, v]) => `${part(k)}=${part(v)}`).join("&");
}
