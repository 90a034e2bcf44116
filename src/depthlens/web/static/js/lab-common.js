// Small helpers shared by the Lab tab's modules: controls, checks, requests, links (elements
// come from dom.js, numbers from format.js). The racers' colours are not here: the server sends
// them (depthlens.lab.figures' table).

import { el } from "./dom.js";
import { fetchJSON } from "./http.js";

/** A labelled control box (the playground's `.control` look). */
export function control(label, input, title = "") {
  return el("div.control", { title: title || undefined }, el("label", { text: label }), input);
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
