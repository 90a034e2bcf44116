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
    arrays = {}
    for k, (o, i) in enumerate(net.shapes):
        arrays[f"W{k}"] = [o, i]
        arrays[f"b{k}"] = [o]
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "output": net.head.output,
        "loss": net.head.loss,
        "dtype": net.dtype.name,
        "arrays": arrays,
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
    try:
        net = MLP(spec["sizes"], spec["activations"], spec["output"], spec["loss"],
                  spec["dtype"], backend)
    except KeyError as e:
        raise _fail(jpath, f"missing key {e}") from None
    except (TypeError, ValueError) as e:
        raise _fail(jpath, str(e)) from None
    expected = model_spec(net)["arrays"]
    if spec.get("arrays") != expected:
        raise _fail(jpath, f"'arrays' {spec.get('arrays')} do not match the sizes ({expected})")
    try:
        with np.load(apath, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise _fail(apath, "file not found") from None
    except (ValueError, OSError) as e:
        raise _fail(apath, f"unreadable archive ({e})") from None
    if set(arrays) != set(expected):
        raise _fail(apath, f"arrays {sorted(arrays)}, expected {sorted(expected)}")
    for k, shape in expected.items():
        if list(arrays[k].shape) != shape:
            raise _fail(apath, f"{k} has shape {list(arrays[k].shape)}, expected {shape}")
        if not np.issubdtype(arrays[k].dtype, np.floating):
            raise _fail(apath, f"{k} has dtype {arrays[k].dtype}, expected a float type")
    net.set_params([arrays[f"W{k}"] for k in range(net.n_layers)],
                   [arrays[f"b{k}"] for k in range(net.n_layers)])
    return net
