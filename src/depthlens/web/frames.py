"""Binary frames: a JSON header and typed arrays in one websocket message.

Layout (all offsets in bytes, integers little-endian)::

    [uint32 header length H][H bytes of UTF-8 JSON header][zero padding to a multiple of 4]
    [payload: the arrays one after another, each starting at a multiple of 4]

The header is a JSON object; its ``arrays`` entry lists ``{name, dtype, shape, offset, nbytes}``
for every array, ``offset`` counted from the start of the payload. The payload starts at a
multiple of 4 and so does every array, so the page can make ``Float32Array`` / ``Uint8Array``
views straight onto the message's ``ArrayBuffer`` without copying. Only ``uint8``,
``float32`` and ``int32`` (counts: the confusion matrix) are sent.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

DTYPES = ("uint8", "float32", "int32")
_PREFIX = struct.Struct("<I")


def _align(n: int) -> int:
    return (n + 3) & ~3


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN or inf)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.floating):
        return json_safe(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def encode_frame(header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> bytes:
    """One binary message: ``header`` (JSON-able; NaN becomes null) plus ``arrays``.

    Each array must be uint8, float32 or int32; it is sent C-contiguous with its shape."""
    specs = []
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        a = np.asarray(array, order="C")  # (ascontiguousarray would make a scalar 1-d)
        if a.dtype.name not in DTYPES:
            raise TypeError(f"array {name!r}: dtype {a.dtype} is not one of {DTYPES}")
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        specs.append({"name": name, "dtype": a.dtype.name, "shape": list(a.shape),
                      "offset": offset, "nbytes": len(data)})
        chunks.append(data)
        pad = _align(len(data)) - len(data)
        if pad:
            chunks.append(b"\0" * pad)
        offset += len(data) + pad
    head = json.dumps(json_safe({**header, "arrays": specs}), separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
    start = _align(_PREFIX.size + len(head))
    prefix = _PREFIX.pack(len(head)) + head + b"\0" * (start - _PREFIX.size - len(head))
    return prefix + b"".join(chunks)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_spec(spec: Any, k: int) -> tuple[str, str, tuple[int, ...], int, int]:
    """(name, dtype, shape, offset, nbytes) of the k-th entry of a header's ``arrays``;
    ValueError naming what is wrong (the page's ``frames.js`` makes the same checks)."""
    if not isinstance(spec, dict):
        raise ValueError(f"frame array entry {k} is not an object")
    name, dtype, shape = spec.get("name"), spec.get("dtype"), spec.get("shape")
    offset, nbytes = spec.get("offset"), spec.get("nbytes")
    if not isinstance(name, str):
        raise ValueError(f"frame array entry {k} has no name")
    if dtype not in DTYPES:
        raise ValueError(f"array {name!r}: dtype {dtype!r} is not one of {DTYPES}")
    if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
        raise ValueError(f"array {name!r}: shape {shape!r} is not a list of sizes")
    if not _is_count(offset) or not _is_count(nbytes):
        raise ValueError(f"array {name!r}: offset {offset!r} and nbytes {nbytes!r} must be "
                         "whole numbers \u2265 0")
    if offset % 4:
        raise ValueError(f"array {name!r}: offset {offset} is not a multiple of 4")
    if nbytes != math.prod(shape) * np.dtype(dtype).itemsize:
        raise ValueError(f"array {name!r}: {nbytes} bytes do not hold shape {tuple(shape)}")
    return name, dtype, tuple(shape), offset, nbytes


def decode_frame(message: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The inverse of :func:`encode_frame`: (header, {name: array}).

    Checks the layout (lengths, alignment, dtypes, that every array lies inside the message)
    and raises ValueError naming what is wrong."""
    buf = memoryview(message)
    if len(buf) < _PREFIX.size:
        raise ValueError(f"frame of {len(buf)} bytes is shorter than its length prefix")
    (n_head,) = _PREFIX.unpack_from(buf, 0)
    if _PREFIX.size + n_head > len(buf):
        raise ValueError(f"header length {n_head} runs past the end of the frame "
                         f"({len(buf)} bytes)")
    try:
        header = json.loads(bytes(buf[_PREFIX.size:_PREFIX.size + n_head]).decode("utf-8"))
    except ValueError as e:  # not UTF-8, or not JSON
        raise ValueError(f"frame header is not JSON text: {e}") from None
    if not isinstance(header, dict):
        raise ValueError("frame header is not a JSON object")
    specs = header.get("arrays", [])
    if not isinstance(specs, list):
        raise ValueError("frame header's arrays is not a list")
    start = _align(_PREFIX.size + n_head)
    arrays: dict[str, np.ndarray] = {}
    for k, spec in enumerate(specs):
        name, dtype, shape, offset, nbytes = _check_spec(spec, k)
        dt = np.dtype(dtype).newbyteorder("<")
        if start + offset + nbytes > len(buf):
            raise ValueError(f"array {name!r} runs past the end of the frame")
        arrays[name] = np.frombuffer(buf, dtype=dt, count=nbytes // dt.itemsize,
                                     offset=start + offset).reshape(shape)
    return header, arrays
