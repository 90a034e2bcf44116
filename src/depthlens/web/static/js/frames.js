// Binary frames from the server: [uint32 LE header length][JSON header][pad to 4][payload].
// The header's `arrays` list {name, dtype, shape, offset, nbytes}; offsets count from the
// payload's start and are multiples of 4, so each array is a typed-array view (no copy).
//
// The layout is checked before any view is made (as depthlens.web.frames.decode_frame checks
// it), so a truncated or malformed frame throws an Error saying what is wrong, not a bare
// RangeError from a typed-array constructor.

const TYPES = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array };
const PREFIX = 4; // bytes of the header length

function isCount(v) {
  return Number.isSafeInteger(v) && v >= 0;
}

/** The checked {name, Type, shape, offset, nbytes} of the k-th entry of a header's `arrays`. */
function checkSpec(spec, k) {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new Error(`frame array entry ${k} is not an object`);
  }
  const { name, dtype, shape, offset, nbytes } = spec;
  if (typeof name !== "string") throw new Error(`frame array entry ${k} has no name`);
  const Type = Object.hasOwn(TYPES, dtype) ? TYPES[dtype] : undefined;
  if (!Type) {
    throw new Error(`frame array '${name}': dtype ${JSON.stringify(dtype)} is not one of ` +
      `${Object.keys(TYPES).join(", ")}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new Error(`frame array '${name}': shape ${JSON.stringify(shape)} is not a list of ` +
      "sizes");
  }
  if (!isCount(offset) || !isCount(nbytes)) {
    throw new Error(`frame array '${name}': offset ${offset} and nbytes ${nbytes} must be ` +
      "whole numbers ≥ 0");
  }
  if (offset % 4) throw new Error(`frame array '${name}': offset ${offset} is not a multiple of 4`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (nbytes !== count * Type.BYTES_PER_ELEMENT) {
    throw new Error(`frame array '${name}': ${nbytes} bytes do not hold shape [${shape}] of ` +
      `${dtype}`);
  }
  return { name, Type, shape, offset, nbytes, count };
}

/** Decode one frame: {header, arrays: {name: {data: TypedArray, shape: number[]}}}. Throws an
 * Error naming what is wrong when the frame is truncated or its header does not describe it. */
export function decodeFrame(buffer) {
  if (!(buffer instanceof ArrayBuffer)) throw new Error("frame is not an ArrayBuffer");
  const size = buffer.byteLength;
  if (size < PREFIX) {
    throw new Error(`frame of ${size} bytes is shorter than its length prefix (${PREFIX} bytes)`);
  }
  const headLength = new DataView(buffer).getUint32(0, true);
  if (PREFIX + headLength > size) {
    throw new Error(`header length ${headLength} runs past the end of the frame (${size} bytes)`);
  }
  let header;
  try {
    const text = new TextDecoder("utf-8", { fatal: true })
      .decode(new Uint8Array(buffer, PREFIX, headLength));
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`frame header is not JSON text: ${e.message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new Error("frame header is not a JSON object");
  }
  const specs = header.arrays ?? [];
  if (!Array.isArray(specs)) throw new Error("frame header's arrays is not a list");
  const start = (PREFIX + headLength + 3) & ~3;
  const arrays = {};
  specs.forEach((raw, k) => {
    const spec = checkSpec(raw, k);
    const end = start + spec.offset + spec.nbytes;
    if (end > size) {
      throw new Error(`frame array '${spec.name}' runs past the end of the frame (bytes ` +
        `${start + spec.offset}..${end} of ${size})`);
    }
    arrays[spec.name] = {
      data: new spec.Type(buffer, start + spec.offset, spec.count), shape: spec.shape,
    };
  });
  return { header, arrays };
}
