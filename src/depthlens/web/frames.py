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

    Each array must be uint8 or float32; it is sent C-contiguous with its shape."""
    specs = []
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        a = np.ascontiguousarray(array)
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


def decode_frame(message: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The inverse of :func:`encode_frame`: (header, {name: array}).

    Checks the layout (lengths, alignment, dtypes, that every array lies inside the message)
    and raises ValueError naming what is wrong."""
    buf = memoryview(message)
    if len(buf) < _PREFIX.size:
        raise ValueError(f"frame of {len(buf)} bytes is shorter than its length prefix")
    (n_head,) = _PREFIX.unpack_from(buf, 0)
    if _PREFIX.size + n_head > len(buf):
        raise ValueError(f"header length {n_head} runs past the end of the frame")
    header = json.loads(bytes(buf[_PREFIX.size:_PREFIX.size + n_head]).decode("utf-8"))
    start = _align(_PREFIX.size + n_head)
    arrays: dict[str, np.ndarray] = {}
    for spec in header.get("arrays", []):
        name, dtype, shape = spec["name"], spec["dtype"], tuple(spec["shape"])
        offset, nbytes = int(spec["offset"]), int(spec["nbytes"])
        if dtype not in DTYPES:
            raise ValueError(f"array {name!r}: dtype {dtype!r} is not one of {DTYPES}")
        if offset % 4:
            raise ValueError(f"array {name!r}: offset {offset} is not a multiple of 4")
        dt = np.dtype(dtype).newbyteorder("<")
        if nbytes != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
            raise ValueError(f"array {name!r}: {nbytes} bytes do not hold shape {shape}")
        if start + offset + nbytes > len(buf):
            raise ValueError(f"array {name!r} runs past the end of the frame")
        arrays[name] = np.frombuffer(buf, dtype=dt, count=nbytes // dt.itemsize,
                                     offset=start + offset).reshape(shape)
    return header, arrays
