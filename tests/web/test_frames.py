"""Binary frames: layout, alignment and the decoder's checks."""

from __future__ import annotations

import json
import re
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- the layout at every padding, truncations and malformed headers ----------------------------
# Shared with the page's decoder test (tests/web/test_browser_pixels.py): the same frames must
# be refused by frames.py and by frames.js, each naming the same fault.

def raw_frame(header: bytes | dict[str, Any], payload: bytes = b"") -> bytes:
    """A frame built by hand (not by the encoder): the length prefix, ``header`` (bytes as
    they are, or a dict as JSON), zero padding to 4 and ``payload``."""
    head = header if isinstance(header, bytes) else json.dumps(header).encode()
    pad = -(4 + len(head)) % 4
    return struct.pack("<I", len(head)) + head + b"\0" * pad + payload


def _spec(**change: Any) -> dict[str, Any]:
    return {"name": "w", "dtype": "float32", "shape": [2], "offset": 0, "nbytes": 8, **change}


MALFORMED: dict[str, tuple[bytes, str]] = {
    "header not JSON": (raw_frame(b'{"arrays": ['), "header is not JSON"),
    "header not UTF-8": (raw_frame(b'{"k": "\xff"}'), "header is not JSON"),
    "header a list": (raw_frame(b"[1, 2]"), "header is not a JSON object"),
    "arrays not a list": (raw_frame({"arrays": {"w": 1}}), "arrays is not a list"),
    "entry not an object": (raw_frame({"arrays": [5]}), "entry 0 is not an object"),
    "entry without a name": (raw_frame({"arrays": [{"dtype": "uint8"}]}), "entry 0 has no name"),
    "unknown dtype": (raw_frame({"arrays": [_spec(dtype="float64")]}, bytes(16)),
                      "array 'w': dtype"),
    "negative size": (raw_frame({"arrays": [_spec(shape=[-2])]}, bytes(8)), "array 'w': shape"),
    "negative offset": (raw_frame({"arrays": [_spec(offset=-4)]}, bytes(8)), "array 'w': offset"),
    "fractional nbytes": (raw_frame({"arrays": [_spec(nbytes=7.5)]}, bytes(8)),
                          "must be whole numbers"),
    "misaligned offset": (raw_frame({"arrays": [_spec(offset=2)]}, bytes(12)), "multiple of 4"),
    "nbytes not the shape's": (raw_frame({"arrays": [_spec(nbytes=12)]}, bytes(12)),
                               "do not hold shape"),
    "array past the end": (raw_frame({"arrays": [_spec(offset=4)]}, bytes(8)),
                           "array 'w' runs past the end"),
}
"""Frames whose header does not describe them: (bytes, what the error must say)."""


def expected_cut_error(data: bytes, n: int) -> str | None:
    """What decoding the first ``n`` bytes of the encoded frame ``data`` must complain of: the
    length prefix, the header length, or the first array not wholly inside (None: every byte
    of the prefix, the header and the arrays is there; only padding was cut)."""
    (n_head,) = struct.unpack_from("<I", data, 0)
    if n < 4:
        return "shorter than its length prefix"
    if n < 4 + n_head:
        return f"header length {n_head} runs past the end"
    start = (4 + n_head + 3) & ~3
    for spec in json.loads(data[4:4 + n_head])["arrays"]:
        if start + spec["offset"] + spec["nbytes"] > n:
            return f"array {spec['name']!r} runs past the end"
    return None


ARRAY = st.tuples(st.sampled_from(["uint8", "int32", "float32"]),
                  st.lists(st.integers(0, 5), min_size=0, max_size=3))


def _array(dtype: str, shape: list[int], seed: int) -> np.ndarray:
    """Random values of ``dtype`` (integers over their whole range) in ``shape``."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "float32":
        return rng.standard_normal(n).astype(np.float32).reshape(shape)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, endpoint=True, dtype=dtype).reshape(shape)


@settings(max_examples=150, deadline=None)
@given(pad=st.integers(0, 40), specs=st.lists(ARRAY, max_size=5), seed=st.integers(0, 2**16))
def test_round_trip_at_every_header_length_and_shape(
        pad: int, specs: list[tuple[str, list[int]]], seed: int) -> None:
    """Any header length (so every padding 0..3 after it) and any mix of uint8/int32/float32
    arrays of any shape (odd sizes, empty, scalars) come back equal, dtype and shape kept, and
    every array starts on a multiple of 4."""
    arrays = {f"a{k}": _array(dtype, shape, seed + k) for k, (dtype, shape) in enumerate(specs)}
    data = encode_frame({"kind": "t", "pad": "x" * pad}, arrays)
    (n_head,) = struct.unpack_from("<I", data, 0)
    assert n_head == len(data[4:4 + n_head]) and (4 + n_head + 3) & ~3 <= len(data)
    header, back = decode_frame(data)
    assert header["pad"] == "x" * pad and list(back) == list(arrays)
    for spec in header["arrays"]:
        assert spec["offset"] % 4 == 0
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype and back[name].shape == a.shape
        np.testing.assert_array_equal(back[name], a)


def test_header_lengths_cover_every_padding() -> None:
    """Consecutive header lengths put the payload after 0, 1, 2 and 3 bytes of padding."""
    pads = set()
    for n in range(8):
        data = encode_frame({"pad": "x" * n}, {"u": np.arange(3, dtype=np.uint8)})
        (n_head,) = struct.unpack_from("<I", data, 0)
        pads.add(-(4 + n_head) % 4)
        assert data[4 + n_head:(4 + n_head + 3) & ~3] == b"\0" * (-(4 + n_head) % 4)
    assert pads == {0, 1, 2, 3}


@settings(max_examples=60, deadline=None)
@given(pad=st.integers(0, 12), specs=st.lists(ARRAY, min_size=1, max_size=4),
       cut=st.floats(0, 1, exclude_max=True))
def test_a_truncated_frame_is_refused_naming_what_is_cut(
        pad: int, specs: list[tuple[str, list[int]]], cut: float) -> None:
    """A frame cut anywhere in its length prefix, its header or its arrays raises ValueError
    naming the prefix, the header length or the array cut (never an IndexError, a struct
    error or an array of the wrong length); cut only in the padding after the last array, it
    decodes to the same arrays."""
    arrays = {f"a{k}": _array(dtype, shape, k) for k, (dtype, shape) in enumerate(specs)}
    data = encode_frame({"kind": "t", "pad": "x" * pad}, arrays)
    n = int(cut * len(data))
    expected = expected_cut_error(data, n)
    if expected is None:
        _, back = decode_frame(data[:n])
        for name, a in arrays.items():
            np.testing.assert_array_equal(back[name], a)
    else:
        with pytest.raises(ValueError, match=re.escape(expected)):
            decode_frame(data[:n])


def test_every_cut_of_one_frame_is_refused() -> None:
    """Every strict prefix of a frame with an odd uint8, an int32 and a float32 array is
    refused, and what is named moves from the prefix to the header to each array in turn."""
    data = encode_frame({"kind": "t"}, {"u": np.arange(7, dtype=np.uint8),
                                        "i": np.arange(-2, 3, dtype=np.int32),
                                        "f": np.ones(3, np.float32)})
    named = []
    for n in range(len(data)):
        expected = expected_cut_error(data, n)
        assert expected is not None, n
        with pytest.raises(ValueError, match=re.escape(expected)):
            decode_frame(data[:n])
        named.append(expected.split(" runs")[0])
    assert list(dict.fromkeys(named))[-3:] == ["array 'u'", "array 'i'", "array 'f'"]


@pytest.mark.parametrize("case", MALFORMED)
def test_a_header_that_does_not_describe_the_frame_is_refused(case: str) -> None:
    """Each malformed header raises ValueError saying what is wrong (not a KeyError,
    AttributeError or a bare JSON error)."""
    data, message = MALFORMED[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_frame(data)
