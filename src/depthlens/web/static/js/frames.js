// Binary frames from the server: [uint32 LE header length][JSON header][pad to 4][payload].
// The header's `arrays` list {name, dtype, shape, offset, nbytes}; offsets count from the
// payload's start and are multiples of 4, so each array is a typed-array view (no copy).

const TYPES = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array };

/** Decode one frame: {header, arrays: {name: {data: TypedArray, shape: number[]}}}. */
export function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const headLength = view.getUint32(0, true);
  const text = new TextDecoder().decode(new Uint8Array(buffer, 4, headLength));
  const header = JSON.parse(text);
  const start = (4 + headLength + 3) & ~3;
  const arrays = {};
  for (const spec of header.arrays || []) {
    const Type = TYPES[spec.dtype];
    if (!Type) throw new Error(`frame array ${spec.name}: unknown dtype ${spec.dtype}`);
    const count = spec.nbytes / Type.BYTES_PER_ELEMENT;
    arrays[spec.name] = { data: new Type(buffer, start + spec.offset, count), shape: spec.shape };
  }
  return { header, arrays };
}
