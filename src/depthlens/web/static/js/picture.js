// Files the user keeps: any canvas (or canvases drawn one over another) saved as a PNG, and
// any blob or URL saved under a name.

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
