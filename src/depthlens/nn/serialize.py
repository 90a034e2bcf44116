"""Save and load a network as JSON (structure) + .npz (arrays). Loading never runs code.

``save_model(net, folder)`` writes ``folder/model.json`` and ``folder/model.npz`` atomically.
The JSON names the format, the layer sizes, activations, head and dtype, and every array with
its shape; the .npz holds ``W0, b0, W1, b1, …`` (W as (out, in)). ``load_model(folder)`` reads
the arrays with ``allow_pickle=False`` and checks that the names and shapes are exactly those
the JSON's structure implies.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from depthlens.errors import DataError
from depthlens.files import write_bytes, write_text
from depthlens.nn.network import MLP

FORMAT = "depthlens.model"
VERSION = 1


def model_spec(net: MLP) -> dict[str, Any]:
    """The JSON-able description of ``net``'s structure and arrays."""
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


def model_arrays(net: MLP) -> dict[str, np.ndarray]:
    """``W0, b0, …`` as independent arrays."""
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


def save_model(net: MLP, folder: str | Path, name: str = "model") -> Path:
    """Write ``folder/name.json`` and ``folder/name.npz``; return the JSON's path."""
    folder = Path(folder)
    write_bytes(folder / f"{name}.npz", npz_bytes(model_arrays(net)))
    path = folder / f"{name}.json"
    write_text(path, json.dumps(model_spec(net), indent=2) + "\n")
    return path


def _fail(path: Path, why: str) -> DataError:
    return DataError(f"{path}: not a depthlens model: {why}")


def load_model(folder: str | Path, name: str = "model", backend: str = "auto") -> MLP:
    """Read a model written by ``save_model``; DataError says what is wrong with a bad one."""
    folder = Path(folder)
    jpath, apath = folder / f"{name}.json", folder / f"{name}.npz"
    try:
        spec = json.loads(jpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(jpath, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _fail(jpath, f"invalid JSON ({e})") from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise _fail(jpath, f"'format' must be {FORMAT!r}")
    if spec.get("version") != VERSION:
        raise _fail(jpath, f"'version' {spec.get('version')!r} is not {VERSION}")
    sizes = spec.get("sizes")
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(type(s) is int and s >= 1 for s in sizes)):
        raise _fail(jpath, f"'sizes' {sizes!r} must list at least two whole numbers ≥ 1")
    expected = _array_shapes(sizes)
    if spec.get("arrays") != expected:
        raise _fail(jpath, f"'arrays' {spec.get('arrays')} do not match the sizes ({expected})")
    # The arrays are checked before the network is built, so a tampered size cannot make it
    # allocate more than the archive actually holds.
    arrays = _read_arrays(apath, expected)
    try:
        net = MLP(sizes, spec["activations"], spec["output"], spec["loss"], spec["dtype"],
                  backend)
    except KeyError as e:
        raise _fail(jpath, f"missing key {e}") from None
    except (TypeError, ValueError) as e:
        raise _fail(jpath, str(e)) from None
    net.set_params([arrays[f"W{k}"] for k in range(net.n_layers)],
                   [arrays[f"b{k}"] for k in range(net.n_layers)])
    return net


def _array_shapes(sizes: list[int]) -> dict[str, list[int]]:
    """``W0, b0, …`` → their shapes for layer sizes ``sizes`` (as ``model_spec`` lists them)."""
    shapes: dict[str, list[int]] = {}
    for k in range(len(sizes) - 1):
        shapes[f"W{k}"] = [sizes[k + 1], sizes[k]]
        shapes[f"b{k}"] = [sizes[k + 1]]
    return shapes


# What a damaged or foreign file can raise while numpy and zipfile read it.
_UNREADABLE = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError,
               zipfile.BadZipFile, zlib.error)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def _read_arrays(apath: Path, expected: dict[str, list[int]]) -> dict[str, np.ndarray]:
    """The archive's arrays, each checked against ``expected`` (name, shape, a float dtype) from
    its .npy header before its data is read; never unpickles anything."""
    try:
        z = np.load(apath, allow_pickle=False)
    except FileNotFoundError:
        raise _fail(apath, "file not found") from None
    except _UNREADABLE as e:
        raise _fail(apath, f"unreadable archive ({e})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise _fail(apath, "a single .npy array, not an .npz archive")
    with z:
        if set(z.files) != set(expected):
            raise _fail(apath, f"arrays {sorted(z.files)}, expected {sorted(expected)}")
        members = set(z.zip.namelist())
        arrays = {}
        for k, shape in expected.items():
            if f"{k}.npy" not in members:
                raise _fail(apath, f"{k} is not stored as a .npy array")
            try:
                with z.zip.open(f"{k}.npy") as f:
                    version = np.lib.format.read_magic(f)
                    if version not in _HEADER_READERS:
                        raise _fail(apath, f"{k}: unsupported .npy format version {version}")
                    stored, _, dtype = _HEADER_READERS[version](f)
                if list(stored) != shape:
                    raise _fail(apath, f"{k} has shape {list(stored)}, expected {shape}")
                if dtype.kind != "f":
                    raise _fail(apath, f"{k} has dtype {dtype}, expected a float type")
                arrays[k] = z[k]
            except DataError:
                raise
            except _UNREADABLE as e:
                raise _fail(apath, f"unreadable array {k} ({e})") from None
    return arrays
