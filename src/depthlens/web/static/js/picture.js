// Files the user keeps: any canvas (or canvases drawn one over another) saved as a PNG, and
// any blob or URL saved under a name. Pictures made for a download are drawn again at slide
// resolution (`slideCanvas`: at least LONG_SIDE pixels on the long side, white), not copied
// from the page's small canvases.

/** The least number of pixels on the long side of a downloaded picture (a projector's width). */
export const LONG_SIDE = 1200;

/** A white canvas for a picture laid out in `width`×`height` CSS pixels, drawn at slide
 * resolution: every length is multiplied by `scale`, the least whole number that makes the
 * long side at least `longSide` pixels (whole, so 1-px lines stay crisp). `ctx` is already
 * scaled: draw in CSS pixels.
 * @returns {{canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, scale: number}} */
export function slideCanvas(width, height, longSide = LONG_SIDE) {
  const scale = Math.max(1, Math.ceil(longSide / Math.max(width, height, 1)));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.scale(scale, scale);
  return { canvas, ctx, scale };
}

/** Draw one line of a legend at (x, y) (the line's middle): a short stroke of `colour` (dashed
 * when `dash` is a dash pattern) or a filled swatch (`swatch`), then `text`; returns the x
 * after it. */
export function legendItem(ctx, x, y, text, { colour, dash = [], swatch = false, width = 2 } = {}) {
  ctx.save();
  if (swatch) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, y - 6, 12, 12);
    ctx.strokeStyle = "rgba(0,0,0,0.25)";
    ctx.lineWidth = 0.5;
    ctx.strokeRect(x, y - 6, 12, 12);
  } else {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 22, y);
    ctx.stroke();
  }
  ctx.restore();
  const start = x + (swatch ? 17 : 27);
  ctx.save();
  ctx.fillStyle = "#333";
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.fillText(text, start, y);
  const end = start + ctx.measureText(text).width;
  ctx.restore();
  return end;
}

/** Save `blob` (or what the URL `href` answers) as a file named `name` through a temporary
 * link. */
export function saveBlob(name, blob, href = null) {
  const a = document.createElement("a");
  a.download = name;
  a.href = href ?? URL.createObjectURL(blob);
  document.body.append(a);
  a.click();
  a.remove();
  if (!href) setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** `layers` (canvases) drawn in order over white at the size of the last one: the picture a
 * PNG download holds. */
export function onWhite(layers) {
  const top = layers[layers.length - 1];
  const canvas = document.createElement("canvas");
  canvas.width = top.width;
  canvas.height = top.height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const layer of layers) ctx.drawImage(layer, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** Save `layers` (see `onWhite`) as a PNG named `name`. */
export function savePng(name, layers) {
  onWhite(layers).toBlob((blob) => saveBlob(name, blob), "image/png");
}
