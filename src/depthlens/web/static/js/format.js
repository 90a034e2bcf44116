// Numbers as the page writes them: compact, fixed in width, one minus sign (U+2212).

const MINUS = "\u2212";

/** A loss, rate or metric: three decimals from 0.001 to 9999 (0.123, 12.500), else three
 * significant digits in exponent form (1.58e+31, 4.20e−5); "–" for none, "∞", "NaN". */
export function compact(v) {
  if (v === null || v === undefined || v === "") return "\u2013";
  const x = Number(v);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "\u221e" : `${MINUS}\u221e`;
  const a = Math.abs(x);
  const text = a === 0 || (a >= 1e-3 && a < 1e4) ? x.toFixed(3) : x.toExponential(2);
  return text.replace(/-/g, MINUS);
}

/** A setting as typed (a learning rate, an L2 rate): its shortest exact form, with the
 * exponent form past 1e4 or below 1e−3 (0.03, 3e−5, 1e+5). */
export function setting(v) {
  const x = Number(v);
  if (!Number.isFinite(x)) return compact(x);
  const a = Math.abs(x);
  const text = a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential() : String(x);
  return text.replace(/-/g, MINUS);
}
