"""Binary frames: layout, alignment and the decoder's checks."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from depthlens.web.frames import decode_frame, encode_frame, json_safe


def test_round_trip_keeps_header_arrays_shapes_and_dtypes():
    arrays = {
        "odd": np.arange(7, dtype=np.uint8),
        "w": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
        "empty": np.zeros((0, 2), dtype=np.float32),
        "codes": np.arange(30, dtype=np.uint8).reshape(2, 3, 5),
    }
    header, back = decode_frame(encode_frame({"kind": "frame", "epoch": 3}, arrays))
    assert header["kind"] == "frame" and header["epoch"] == 3
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype and back[name].shape == a.shape
        np.testing.assert_array_equal(back[name], a)


def test_payload_and_every_array_start_on_a_multiple_of_four():
    data = encode_frame({"kind": "x" * 5}, {"a": np.ones(3, np.uint8),
                                            "b": np.ones(5, np.float32)})
    (n,) = struct.unpack_from("<I", data, 0)
    header = json.loads(data[4:4 + n])
    start = (4 + n + 3) & ~3
    assert start % 4 == 0
    for spec in header["arrays"]:
        assert spec["offset"] % 4 == 0
        assert start + spec["offset"] + spec["nbytes"] <= len(data)
    assert [s["name"] for s in header["arrays"]] == ["a", "b"]


def test_nan_in_the_header_becomes_null():
    header, _ = decode_frame(encode_frame({"loss": float("nan"), "rows": [[1.0, np.inf]]}, {}))
    assert header["loss"] is None and header["rows"] == [[1.0, None]]
    assert json_safe(np.float32(2.5)) == 2.5


def test_other_dtypes_are_refused():
    with pytest.raises(TypeError, match="float64"):
        encode_frame({}, {"x": np.zeros(2)})


def test_decoder_rejects_truncated_and_misaligned_frames():
    data = encode_frame({}, {"w": np.ones(4, np.float32)})
    with pytest.raises(ValueError, match="past the end"):
        decode_frame(data[:-4])
    with pytest.raises(ValueError, match="prefix"):
        decode_frame(b"\x01")
    head = json.dumps({"arrays": [{"name": "w", "dtype": "float32", "shape": [1],
                                   "offset": 2, "nbytes": 4}]}).encode()
    bad = struct.pack("<I", len(head)) + head + b"\0" * 16
    with pytest.raises(ValueError, match="multiple of 4"):
        decode_frame(bad)
