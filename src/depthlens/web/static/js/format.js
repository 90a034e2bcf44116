// Numbers as the page writes them: every number turned into text with a rule of digits or of
// signs is written here (the playground, its panels and the Lab alike), with the true minus
// sign (U+2212) wherever a reader sees a sign. Which function to use:
//
//   compact(v)            a loss or metric in its fixed-width box (0.123, 1.58e+31)
//   setting(v)            a setting as the user typed it (a learning rate: 0.03, 3e−5)
//   formatNumber(v, d)    a value read off the network (weights, activations, gradients,
//                         the backprop stepper's sums): d significant digits (−0.25, 1.23e−4)
//   roundShown(v, d)      the number formatNumber(v, d) shows, as a number (to check sums)
//   tick(v, d)            an axis tick label (0.5, −1.15)
//   precision(v, d)       a scale given to d digits, trailing zeros kept (1.0)
//   editable(v)           a value to edit in an input box (ASCII: Number() reads it back)
//   fmt / fmtExact / fmtAgainst / decimals / powerLabel   the Lab's tables and axes
//   minus(text)           a sign in text made of numbers ("(-2.81, -3.13)" → "(−2.81, −3.13)")
//
// Fixed decimals of bounded values (a percentage, a score in [0, 1] that a test reads back,
// an SVG width) stay `toFixed` where they are written.

const MINUS = "\u2212";
const DASH = "\u2013"; // no number
const EXPONENT_BELOW = 1e-3; // |v| under this (and not 0) is written d.dd…e−k
const EXPONENT_FROM = 1e4; // |v| from this on is written d.dd…e+k

/** "NaN", "∞" or "−∞" for a number that is not finite; null for a finite one. */
function notFinite(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "\u221e" : `${MINUS}\u221e`;
  return null;
}

/** `text` with every hyphen-minus that is a sign (before a digit, a point or ∞) as the true
 * minus U+2212, also inside exponents: "-1.2e-5" → "−1.2e−5". Words ("per-sample") stay. Use
 * it for text that holds numbers written elsewhere (a server's rule, a coordinate pair). */
export function minus(text) {
  return String(text).replace(/-(?=[\d.\u221e])/g, MINUS);
}

// -- the playground's boxes ------------------------------------------------------------------

/** A loss, rate or metric in its box (train/test loss, the metric, the RMSE): three decimals
 * from 0.001 to 9999 (0.123, 12.500), else three significant digits in exponent form
 * (1.58e+31, 4.20e−5), so the width stays small; "–" for none, "∞", "NaN". */
export function compact(v) {
  if (v === null || v === undefined || v === "") return DASH;
  const x = Number(v);
  const special = notFinite(x);
  if (special) return special;
  const a = Math.abs(x);
  const text = a === 0 || (a >= 1e-3 && a < 1e4) ? x.toFixed(3) : x.toExponential(2);
  return text.replace(/-/g, MINUS);
}

/** A setting as typed (a learning rate, an L2 rate, in a summary line): its shortest exact
 * form, with the exponent form past 1e4 or below 1e−3 (0.03, 3e−5, 1e+5). */
export function setting(v) {
  const x = Number(v);
  if (!Number.isFinite(x)) return compact(x);
  const a = Math.abs(x);
  const text = a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential() : String(x);
  return text.replace(/-/g, MINUS);
}

// -- values of the network -------------------------------------------------------------------

/** `v` rounded to `digits` significant digits, and never rounded left of the decimal point
 * below EXPONENT_FROM (1234.5 at 3 digits is 1235, not 1230: no zero the reader cannot tell
 * from a measured one). The number `formatNumber(v, digits)` writes: use it to check that
 * numbers as shown add up (the backprop stepper's sums). */
export function roundShown(v, digits = 3) {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  const whole = a >= 1 && a < EXPONENT_FROM ? Math.floor(Math.log10(a)) + 1 : 0;
  const p = Math.min(Math.max(digits, whole), 100);
  const r = Number(v.toPrecision(p));
  return r === 0 ? 0 : r; // no −0
}

/** A value read off the network (the hover card's weights and biases, the backprop stepper,
 * the operation player): `digits` significant digits (see roundShown), trailing zeros dropped;
 * exponent form when the rounded |v| is below 1e−3 or from 1e+4 on (1.58e+31, 2.5e−5); the true
 * minus sign (−) throughout; null/undefined as "–". The shown text reads back (minus → "-")
 * as exactly roundShown(v, digits). The server's `page_number` (web/backprop.py) writes the
 * same. */
export function formatNumber(v, digits = 3) {
  if (v === null || v === undefined) return DASH;
  const special = notFinite(v);
  if (special) return special;
  const r = roundShown(v, digits);
  const a = Math.abs(r);
  const text = a !== 0 && (a < EXPONENT_BELOW || a >= EXPONENT_FROM) ? r.toExponential() : String(r);
  return text.replace(/-/g, MINUS);
}

// -- axes, legends, inputs -------------------------------------------------------------------

/** An axis tick label (the output view's plot of a line): `digits` significant digits,
 * trailing zeros dropped (0.5, −1.15, 12300). */
export function tick(v, digits = 3) {
  return minus(String(Number(v.toPrecision(digits))));
}

/** A scale given to its precision: `digits` significant digits, trailing zeros kept (the
 * regression legend's ±1.0). */
export function precision(v, digits = 2) {
  return minus(v.toPrecision(digits));
}

/** A value in an input box to edit (a weight, a bias): six significant digits in ASCII, as
 * `Number()` reads it back; "" for none. */
export function editable(v, digits = 6) {
  return Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : "";
}

// -- the Lab's tables and axes ---------------------------------------------------------------

/** `v` with `digits` significant figures in ASCII (exponent form for the very small or large),
 * as `Number()` reads it back. */
function plain(v, digits) {
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
}

/** A number for a Lab table or summary: `digits` significant figures (one fewer in exponent
 * form), a true minus sign; an en dash for none. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
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

/** A coordinate for a table (the Lab's start and end points): `places` decimals, a true minus
 * sign, no "−0.000". */
export function decimals(v, places = 3) {
  const text = v.toFixed(places);
  return minus(Number(text) === 0 ? (0).toFixed(places) : text);
}

/** The label of the tick at 10^p on a log axis: "1", "10", "1e−3". */
export function powerLabel(p) {
  if (p === 0) return "1";
  if (p === 1) return "10";
  return minus(`1e${p}`);
}
