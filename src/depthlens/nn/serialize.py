"""Save and load a network as JSON (structure) + .npz (arrays). Loading never runs code.

``save_model(net, folder)`` writes ``folder/model.json`` and ``folder/model.npz`` atomically.
For an ``MLP`` the JSON names the format, the layer sizes, activations, head and dtype, and every
array with its shape; the .npz holds ``W0, b0, W1, b1, …`` (W as (out, in)). For a
``RecurrentNet`` the JSON has ``"kind": "recurrent"`` and names the cell, ``n_inputs``,
``hidden``, ``layers``, ``n_outputs``, the Elman activation, head and dtype; the .npz holds its
tensors by their PyTorch names (``weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, …,
readout.weight, readout.bias``, ``RecurrentNet.shapes``), so they load into ``torch.nn.GRU``
as they are. A JSON without ``kind`` is an MLP (every file written before recurrent nets).
``load_model(folder)`` reads the arrays with ``allow_pickle=False`` and checks that the names
and shapes are exactly those the JSON's structure implies.

A model file may come from anyone, so reading one is cheap to refuse and never surprising:
each file is read only up to a size cap (``MAX_JSON_BYTES``, ``MAX_NPZ_BYTES``); JSON must be
UTF-8 nested at most ``MAX_JSON_DEPTH`` deep; every array's .npy header (shape, dtype) is
checked against the expected one, and the total against ``MAX_ELEMENTS``, before its data is
decompressed, so the memory used is what the structure implies and never what a header or a
zip bomb claims; object dtypes are refused and every weight must be finite. Each refusal is a
``DataError`` naming the file (``.file``) and the key or array (``.field``). ``parse_json``
and ``read_npz`` do the same for the run folder's other files (``experiment/run.py``).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from depthlens.errors import DataError
from depthlens.files import write_bytes, write_text
from depthlens.nn.network import MLP
from depthlens.nn.recurrent import BACKENDS as RECURRENT_BACKENDS
from depthlens.nn.recurrent import CELLS, GATES, RecurrentNet

FORMAT = "depthlens.model"
VERSION = 1

MAX_JSON_BYTES = 1 << 20
"""A model.json (or a run's config.json, trainer.json, manifest.json) larger is refused."""
MAX_JSON_DEPTH = 32
"""JSON nested deeper is refused (before ``json.loads`` could recurse on it)."""
MAX_NPZ_BYTES = 1 << 30
"""An .npz file larger is refused before it is read."""
MAX_ELEMENTS = 64_000_000
"""At most this many numbers in one .npz (512 MB in float64): the largest network a Config
allows (16 layers of 1024 units) with Adam's state fits; a header claiming more is refused
before anything is decompressed."""
KINDS = ("mlp", "recurrent")
"""model.json's ``kind``: absent means 'mlp'."""
MAX_RECURRENT_LAYERS = 2 * MAX_JSON_DEPTH
"""A recurrent model.json naming more stacked layers is refused."""


def model_spec(net: MLP | RecurrentNet) -> dict[str, Any]:
    """The JSON-able description of ``net``'s structure and arrays."""
    if isinstance(net, RecurrentNet):
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": "recurrent",
            "cell": net.cell,
            "n_inputs": net.n_inputs,
            "hidden": net.hidden,
            "layers": net.n_layers,
            "n_outputs": net.n_outputs,
            "activation": net.activation,
            "output": net.head.output,
            "loss": net.head.loss,
            "dtype": net.dtype.name,
            "arrays": {k: list(v) for k, v in net.shapes.items()},
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "output": net.head.output,
        "loss": net.head.loss,
        "dtype": net.dtype.name,
        "arrays": _array_shapes(list(net.sizes)),
    }


def model_arrays(net: MLP | RecurrentNet) -> dict[str, np.ndarray]:
    """``W0, b0, …`` (an MLP) or the PyTorch-named tensors (a RecurrentNet) as independent
    arrays."""
    if isinstance(net, RecurrentNet):
        return {k: v.copy() for k, v in net.tensors.items()}
    out: dict[str, np.ndarray] = {}
    for k in range(net.n_layers):
        out[f"W{k}"] = net.weights[k].copy()
        out[f"b{k}"] = net.biases[k].copy()
    return out


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive of ``arrays`` as bytes (compressed)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def save_model(net: MLP | RecurrentNet, folder: str | Path, name: str = "model") -> Path:
    """Write ``folder/name.json`` and ``folder/name.npz``; return the JSON's path."""
    folder = Path(folder)
    write_bytes(folder / f"{name}.npz", npz_bytes(model_arrays(net)))
    path = folder / f"{name}.json"
    write_text(path, json.dumps(model_spec(net), indent=2) + "\n")
    return path


def _fail(path: Path, why: str, field: str | None = None) -> DataError:
    return DataError(f"{path}: not a depthlens model: {why}", file=str(path), field=field)


def read_capped(path: Path, cap: int, fail: Any = None) -> bytes:
    """The bytes of ``path``, refused (DataError naming it) if the file is larger than ``cap``
    bytes, before anything is read; ``fail(path, why)`` makes the error (default: a plain
    ``DataError`` ``"{path}: {why}"``)."""
    make = fail or (lambda p, why: DataError(f"{p}: {why}", file=str(p)))
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > cap:
                raise make(path, f"{size} bytes, more than the {cap} allowed")
            data = f.read(size + 1)  # not cap + 1: read(n) allocates n bytes first
    except FileNotFoundError:
        raise make(path, "file not found") from None
    except IsADirectoryError:
        raise make(path, "a folder, not a file") from None
    except OSError as e:
        raise make(path, f"cannot read it ({e.strerror})") from None
    if len(data) > cap:  # grew while being read
        raise make(path, f"more than the {cap} bytes allowed")
    return data


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest (brackets inside strings not counted);
    linear time, no recursion. ``json_depth('[{"a": [1]}]') == 3``."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_json(path: Path, data: bytes, prefix: str = "") -> Any:
    """``data`` (the bytes of ``path``) as JSON: DataError naming ``path`` if it is not UTF-8,
    nests deeper than ``MAX_JSON_DEPTH`` or is not JSON. ``prefix`` starts the reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: {prefix}invalid JSON (not UTF-8 text: byte "
                        f"{data[e.start]:#04x} at offset {e.start})", file=str(path)) from None
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise DataError(f"{path}: {prefix}JSON nested {depth} deep, more than the "
                        f"{MAX_JSON_DEPTH} allowed", file=str(path))
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise DataError(f"{path}: {prefix}invalid JSON ({e})", file=str(path)) from None


def load_model(folder: str | Path, name: str = "model", backend: str = "auto",
               ) -> MLP | RecurrentNet:
    """Read a model written by ``save_model``; DataError says what is wrong with a bad one."""
    folder = Path(folder)
    jpath, apath = folder / f"{name}.json", folder / f"{name}.npz"
    spec = read_capped(jpath, MAX_JSON_BYTES, _fail)
    return model_from_bytes(jpath, spec, apath, lambda: read_capped(apath, MAX_NPZ_BYTES, _fail),
                            backend)


def model_from_bytes(jpath: Path, spec_bytes: bytes, apath: Path, npz: Any,
                     backend: str = "auto", sizes: list[int] | None = None,
                     ) -> MLP | RecurrentNet:
    """The network of a model.json's bytes and its .npz (bytes, or a function returning them,
    called only once the JSON is known to be good); ``jpath`` and ``apath`` name them in
    errors. ``sizes``, when given (a run's Config implies them), must be the JSON's (a
    RecurrentNet's ``sizes`` are (I, H, …, H, m))."""
    spec = parse_json(jpath, spec_bytes, "not a depthlens model: ")
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise _fail(jpath, f"'format' must be {FORMAT!r}", "format")
    if spec.get("version") != VERSION:
        raise _fail(jpath, f"'version' {spec.get('version')!r} is not {VERSION}", "version")
    kind = spec.get("kind", "mlp")
    if kind not in KINDS:
        raise _fail(jpath, f"'kind' {_short(kind)} is not one of {list(KINDS)}", "kind")
    if kind == "recurrent":
        return _recurrent_from_spec(jpath, spec, apath, npz, backend, sizes)
    got = spec.get("sizes")
    if (not isinstance(got, list) or not 2 <= len(got) <= 2 * MAX_JSON_DEPTH
            or not all(type(s) is int and 1 <= s <= MAX_ELEMENTS for s in got)):
        raise _fail(jpath, f"'sizes' {_short(got)} must list 2 to {2 * MAX_JSON_DEPTH} whole "
                    f"numbers in [1, {MAX_ELEMENTS}]", "sizes")
    if sizes is not None and got != list(sizes):
        raise DataError(f"{jpath}: model sizes {got} do not match the config's {list(sizes)}",
                        file=str(jpath), field="sizes")
    expected = _array_shapes(got)
    if spec.get("arrays") != expected:
        raise _fail(jpath, f"'arrays' {_short(spec.get('arrays'))} do not match the sizes "
                    f"({expected})", "arrays")
    # The arrays are checked before the network is built, so a tampered size cannot make it
    # allocate more than the archive actually holds.
    data = npz() if callable(npz) else npz
    arrays = read_npz(apath, data, {k: (tuple(v), "f") for k, v in expected.items()},
                      "not a depthlens model: ")
    try:
        net = MLP(got, spec["activations"], spec["output"], spec["loss"], spec["dtype"],
                  backend)
    except KeyError as e:
        raise _fail(jpath, f"missing key {e}", str(e.args[0])) from None
    except (TypeError, ValueError) as e:
        raise _fail(jpath, str(e), getattr(e, "field", None)) from None
    net.set_params([arrays[f"W{k}"] for k in range(net.n_layers)],
                   [arrays[f"b{k}"] for k in range(net.n_layers)])
    return net


def _recurrent_from_spec(jpath: Path, spec: dict[str, Any], apath: Path, npz: Any,
                         backend: str, sizes: list[int] | None) -> RecurrentNet:
    """A RecurrentNet from a checked-format model.json (``spec``) and its .npz: every field
    checked, then the arrays' names and shapes (``RecurrentNet.shapes``, computed here without
    building the network), then the network built and filled."""
    def whole(key: str, top: int) -> int:
        if key not in spec:
            raise _fail(jpath, f"missing key '{key}'", key)
        value = spec[key]
        if type(value) is not int or not 1 <= value <= top:
            raise _fail(jpath, f"'{key}' {_short(value)} must be a whole number in [1, {top}]",
                        key)
        return value

    for key in ("cell", "activation", "output", "loss", "dtype"):
        if key not in spec:
            raise _fail(jpath, f"missing key '{key}'", key)
    cell = spec["cell"]
    if cell not in CELLS:
        raise _fail(jpath, f"'cell' {_short(cell)} is not one of {list(CELLS)}", "cell")
    n_in, hidden = whole("n_inputs", MAX_ELEMENTS), whole("hidden", MAX_ELEMENTS)
    layers = whole("layers", MAX_RECURRENT_LAYERS)
    n_out = whole("n_outputs", MAX_ELEMENTS)
    got = [n_in, *[hidden] * layers, n_out]
    if sizes is not None and got != list(sizes):
        raise DataError(f"{jpath}: model sizes {got} do not match the config's {list(sizes)}",
                        file=str(jpath), field="sizes")
    g = GATES[cell] * hidden
    expected: dict[str, list[int]] = {}
    for layer in range(layers):
        expected[f"weight_ih_l{layer}"] = [g, n_in if layer == 0 else hidden]
        expected[f"weight_hh_l{layer}"] = [g, hidden]
        expected[f"bias_ih_l{layer}"] = [g]
        expected[f"bias_hh_l{layer}"] = [g]
    expected["readout.weight"] = [n_out, hidden]
    expected["readout.bias"] = [n_out]
    if spec.get("arrays") != expected:
        raise _fail(jpath, f"'arrays' {_short(spec.get('arrays'))} do not match the cell and "
                    f"sizes ({_short(expected, 200)})", "arrays")
    data = npz() if callable(npz) else npz
    arrays = read_npz(apath, data, {k: (tuple(v), "f") for k, v in expected.items()},
                      "not a depthlens model: ")
    try:
        net = RecurrentNet(n_in, hidden, cell, spec["activation"], n_out, layers,
                           spec["output"], spec["loss"], spec["dtype"], init="zeros",
                           backend=backend if backend in RECURRENT_BACKENDS else "auto")
    except (TypeError, ValueError) as e:
        raise _fail(jpath, str(e), getattr(e, "field", None)) from None
    net.set_params(arrays)
    return net


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _array_shapes(sizes: list[int]) -> dict[str, list[int]]:
    """``W0, b0, …`` → their shapes for layer sizes ``sizes`` (as ``model_spec`` lists them)."""
    shapes: dict[str, list[int]] = {}
    for k in range(len(sizes) - 1):
        shapes[f"W{k}"] = [sizes[k + 1], sizes[k]]
        shapes[f"b{k}"] = [sizes[k + 1]]
    return shapes


# What a damaged or foreign file can raise while numpy and zipfile read it.
_UNREADABLE = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError, TypeError,
               KeyError, SyntaxError, OverflowError, zipfile.BadZipFile, zlib.error)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}
_KINDS = {"f": "a float type", "i": "an integer type", "iu": "an integer type",
          "fiu": "a number type"}


def read_npz(path: Path, data: bytes, expected: Mapping[str, tuple[tuple[int, ...], str]],
             prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays of an .npz archive's bytes ``data`` (the file ``path``), exactly the names
    of ``expected``, each of its shape and of a dtype kind in its kinds string (``'f'`` float,
    ``'iu'`` integer); float arrays must be finite. Every member's .npy header is checked
    before its data is decompressed, and the expected total against ``MAX_ELEMENTS`` before
    anything; nothing is ever unpickled. DataError naming ``path`` and the array otherwise."""
    def fail(why: str, field: str | None = None) -> DataError:
        return DataError(f"{path}: {prefix}{why}", file=str(path), field=field)

    total = sum(math.prod(shape) for shape, _ in expected.values())
    if total > MAX_ELEMENTS:
        raise fail(f"would hold {total} numbers, more than the {MAX_ELEMENTS} allowed")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE as e:
        raise fail(f"unreadable archive ({e})") from None
    with zf:
        names = zf.namelist()
        stored = {n[:-4] for n in names if n.endswith(".npy")}
        if len(names) != len(set(names)) or stored != set(expected) or len(stored) != len(names):
            shown = sorted(n[:-4] if n.endswith(".npy") else n for n in set(names))
            raise fail(f"arrays {_short(shown, 200)}, expected {sorted(expected)}")
        out: dict[str, np.ndarray] = {}
        for key, (shape, kinds) in expected.items():
            try:
                out[key] = _read_member(zf, key, shape, kinds, fail)
            except DataError:
                raise
            except _UNREADABLE as e:
                raise fail(f"unreadable array {key} ({e})", key) from None
    return out


def _read_member(zf: zipfile.ZipFile, key: str, shape: tuple[int, ...], kinds: str,
                 fail: Any) -> np.ndarray:
    """One checked member of ``read_npz``: header first, then exactly the data it claims."""
    info = zf.getinfo(f"{key}.npy")
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version not in _HEADER_READERS:
            raise fail(f"{key}: unsupported .npy format version {version}", key)
        got, fortran, dtype = _HEADER_READERS[version](f)
        if list(got) != list(shape):
            raise fail(f"{key} has shape {list(got)}, expected {list(shape)}", key)
        if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize > 8:
            raise fail(f"{key} has dtype {dtype}, expected {_KINDS.get(kinds, kinds)}", key)
        nbytes = math.prod(shape) * dtype.itemsize
        if info.file_size != f.tell() + nbytes:
            raise fail(f"{key}: the archive holds {info.file_size - f.tell()} data bytes, its "
                       f"header implies {nbytes}", key)
        raw = f.read(nbytes)
        if len(raw) != nbytes or f.read(1):  # reading to the end checks the CRC
            raise fail(f"{key}: truncated data", key)
    array = np.frombuffer(raw, dtype=dtype)
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    array = array.astype(dtype.newbyteorder("="), copy=True)
    if dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.flatnonzero(~np.isfinite(array.reshape(-1)))[0]
        raise fail(f"{key} holds {array.reshape(-1)[bad]} at flat index {bad}; every number "
                   f"must be finite", key)
    return array
