// Colours come from the server: 256×3 uint8 tables (`palettes` in the state message). This
// module only looks codes up in them. Node-table code c in 0..30 is the value c/15 − 1.

export const SHADES = 30;
export const NAN_CODE = 255;

/** The node-table code of a value (clipped to [−1, 1]); NaN → 255. */
export function valueCode(v) {
  if (Number.isNaN(v)) return NAN_CODE;
  const c = Math.max(-1, Math.min(1, v));
  return Math.round((c + 1) * (SHADES / 2));
}

/** CSS colour of a code in a flat table [r, g, b, r, g, b, …]. */
export function cssColor(lut, code) {
  const i = code * 3;
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}

/** Fill an ImageData from uint8 codes through a table; alpha 0..255 for every pixel. */
export function paintCodes(image, codes, lut, alpha = 255, map = null) {
  const px = image.data;
  for (let k = 0; k < codes.length; k++) {
    const c = (map ? map(codes[k]) : codes[k]) * 3;
    const p = k * 4;
    px[p] = lut[c];
    px[p + 1] = lut[c + 1];
    px[p + 2] = lut[c + 2];
    px[p + 3] = alpha;
  }
  return image;
}

/** Draw codes (w×h, row 0 at the top) on a canvas of that size. */
export function drawCodes(canvas, codes, lut, alpha = 255, map = null) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(canvas.width, canvas.height);
  paintCodes(image, codes, lut, alpha, map);
  ctx.putImageData(image, 0, 0);
}
