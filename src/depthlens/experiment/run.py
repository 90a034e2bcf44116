from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from depthlens.errors import DataError, DepthlensError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.files import recover_folder, write_folder
from depthlens.nn.pretraining import MAX_PRETRAIN_EPOCHS, PretrainResult
from depthlens.nn.recurrent import RecurrentNet
from depthlens.nn.serialize import (
    MAX_JSON_BYTES,
    MAX_NPZ_BYTES,
    model_arrays,
    model_from_bytes,
    model_spec,
    npz_bytes,
    parse_json,
    read_npz,
)
from depthlens.nn.training import History

PICTURE = "picture.png"
MANIFEST = "manifest.json"
FORMAT = "depthlens.run"
VERSION = 1
PRETRAINING = "pretraining.json"
RUN_FILES = ("config.json", "model.json", "model.npz", "history.csv", "trainer.json",
             "trainer.npz", PRETRAINING, "metrics.json", PICTURE)
"""Every file ``save_run`` may write besides the manifest, in the order it writes them.
pretraining.json only for a Config with pre-training: what it did, layer by layer
(``PretrainResult.to_dict``: each hidden layer's reconstruction loss before and after every
pre-training epoch)."""
MAX_HISTORY_BYTES = 256 << 20
"""history.csv larger is refused (a million epochs take about 150 MB)."""
MAX_PICTURE_BYTES = 64 << 20
_CAPS = {"model.npz": MAX_NPZ_BYTES, "trainer.npz": MAX_NPZ_BYTES,
         "history.csv": MAX_HISTORY_BYTES, PICTURE: MAX_PICTURE_BYTES}
_COUNTER = 1 << 53  # counters above this are not a run anyone trained


def _cap(name: str) -> int:
    return _CAPS.get(name, MAX_JSON_BYTES)


def _json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Picture = bytes | Callable[[Session], bytes]
"""The run picture for ``save_run``: PNG bytes, or a function of the Session that makes them
(``depthlens.draw.figures.run_png``)."""


def run_files(session: Session, picture: Picture | None = None) -> dict[str, bytes]:
    """Every file of ``session``'s run folder as bytes, manifest.json last."""
    arrays, meta = session.trainer.resume_state()
    metrics = {k: _json_safe(v) for k, v in session.metrics().items()}
    files = {
        "config.json": session.config.to_json().encode(),
        "model.json": (json.dumps(model_spec(session.net), indent=2) + "\n").encode(),
        "model.npz": npz_bytes(model_arrays(session.net)),
        "history.csv": session.history.to_csv().encode(),
        "trainer.json": (json.dumps(meta, indent=2) + "\n").encode(),
        "trainer.npz": npz_bytes(arrays),
    }
    if session.pretraining is not None:
        files[PRETRAINING] = (json.dumps(session.pretraining.to_dict(), indent=2)
                              + "\n").encode()
    files["metrics.json"] = (json.dumps(metrics, indent=2) + "\n").encode()
    if picture is not None:
        data = picture if isinstance(picture, bytes | bytearray) else picture(session)
        files[PICTURE] = bytes(data)
    manifest = {"format": FORMAT, "version": VERSION,
                "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                          for name, data in files.items()}}
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def check_target(folder: Path) -> None:
    """A run is saved into a new folder, an empty one or a run folder: never over other files
    (the swap replaces the whole folder), nor over the folder the process works in."""
    if not os.path.lexists(folder):
        return
    if not folder.is_dir():
        raise DataError(f"{folder}: exists and is not a folder; a run is saved into a folder",
                        file=str(folder))
    real, cwd = Path(os.path.realpath(folder)), Path.cwd().resolve()
    if cwd == real or real in cwd.parents:
        raise DataError(f"{folder}: is the current folder (or holds it); save the run into a "
                        "folder of its own, e.g. runs/NAME", file=str(folder))
    with os.scandir(folder) as entries:
        names = {e.name for e in entries}
    if names and not names & {"config.json", MANIFEST}:
        raise DataError(f"{folder}: holds other files and is not a run folder (no config.json); "
                        "save the run into a new folder or over a run folder",
                        file=str(folder))


def save_run(session: Session, folder: str | Path, picture: Picture | bool | None = None
             ) -> Path:
    """Write the run folder for ``session``, whole or not at all; return its path.

    ``picture`` (PNG bytes or a callable ``session → bytes``) is written as ``picture.png``;
    None or False writes none. This layer cannot draw: ``depthlens.save_run`` draws it by
    default. The folder must be new, empty or a run folder; what else is in a run folder
    (the lens pictures) is kept."""
    if picture is True:
        raise TypeError("save_run(picture=True): experiment/ draws nothing; pass PNG bytes or "
                        "a callable such as depthlens.draw.figures.run_png, or call "
                        "depthlens.save_run, which draws the picture")
    folder = Path(folder)
    check_target(folder)
    files = run_files(session, None if picture is False else picture)
    write_folder(folder, files, keep=lambda n: n not in RUN_FILES and n != MANIFEST
                 and not n.startswith(".") and not n.endswith(".tmp"))
    return folder


# -- reading ------------------------------------------------------------------------------------

class _Changed(Exception):
    """A file listed in the manifest vanished while the folder was read (a save swapped it)."""


def _fail(path: Path, field: str | None, why: str, **extra: Any) -> DataError:
    where = f"{path}: {field}: " if field else f"{path}: "
    return DataError(where + why, file=str(path), field=field, **extra)


@contextlib.contextmanager
def _opened(folder: Path) -> Iterator[Callable[[str, int], bytes | None]]:
    """``read(name, cap)`` of the files of ``folder`` through one open handle of the folder,
    so that a save swapping the folder meanwhile cannot give files of two runs; None for a
    missing file; DataError for one larger than ``cap`` (checked before reading)."""
    dfd = None
    if os.open in os.supports_dir_fd:
        with contextlib.suppress(OSError):
            dfd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))

    def read(name: str, cap: int) -> bytes | None:
        path = folder / name
        try:
            fd = os.open(name, os.O_RDONLY, dir_fd=dfd) if dfd is not None else os.open(
                path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise _fail(path, None, f"cannot read it ({e.strerror})") from None
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > cap:
                raise _fail(path, None, f"{size} bytes, more than the {cap} allowed")
            try:
                data = f.read(size + 1)  # not cap + 1: read(n) allocates n bytes first
            except OSError as e:  # a folder, or an I/O error
                raise _fail(path, None, f"cannot read it ({e.strerror})") from None
        if len(data) > cap:
            raise _fail(path, None, f"more than the {cap} bytes allowed")
        return data

    try:
        yield read
    finally:
        if dfd is not None:
            os.close(dfd)


_HEX = re.compile(r"[0-9a-f]{64}")


def _manifest(path: Path, data: bytes) -> dict[str, tuple[int, str]]:
    """manifest.json → {file name: (bytes, sha256)}, checked."""
    spec = parse_json(path, data)
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise _fail(path, "format", f"must be {FORMAT!r}")
    if spec.get("version") != VERSION:
        raise _fail(path, "version", f"{spec.get('version')!r} is not {VERSION}")
    files = spec.get("files")
    if not isinstance(files, dict):
        raise _fail(path, "files", "must be an object of file name → {bytes, sha256}")
    out = {}
    for name, entry in files.items():
        if name not in RUN_FILES:
            raise _fail(path, f"files.{name}"[:80], f"not a run file; expected one of "
                        f"{', '.join(RUN_FILES)}")
        size = entry.get("bytes") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if type(size) is not int or not 0 <= size <= _cap(name):
            raise _fail(path, f"files.{name}.bytes", f"{size!r} is not a size in "
                        f"[0, {_cap(name)}]")
        if not isinstance(digest, str) or not _HEX.fullmatch(digest):
            raise _fail(path, f"files.{name}.sha256", "must be 64 lower-case hex digits")
        out[name] = (size, digest)
    for name in ("config.json", "model.json", "model.npz"):
        if name not in out:
            raise _fail(path, "files", f"does not list {name}")
    return out


def _read_folder(folder: Path) -> dict[str, bytes]:
    """The run files of ``folder`` (each checked against manifest.json when there is one)."""
    with _opened(folder) as read:
        raw = read(MANIFEST, MAX_JSON_BYTES)
        if raw is None:  # a folder saved before manifests: take the files as they are
            wanted = [n for n in RUN_FILES if n not in ("metrics.json", PICTURE)]
            files = {n: data for n in wanted if (data := read(n, _cap(n))) is not None}
            if "config.json" not in files:
                raise _fail(folder, None, "not a run folder (no config.json)")
            return files
        listed = _manifest(folder / MANIFEST, raw)
        files = {}
        for name, (size, digest) in listed.items():
            data = read(name, size)  # a larger file is refused before it is read
            if data is None:
                raise _Changed(name)
            if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                raise _fail(folder / name, None, f"does not match {MANIFEST} ({len(data)} "
                            f"bytes, the manifest says {size}, or a different SHA-256): the "
                            "folder mixes files of different saves, or was edited (delete "
                            f"{MANIFEST} to load an edited folder)")
            files[name] = data
        return files


def _read_run(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        recover_folder(folder)  # a save killed between its two renames left the old run aside
    if not folder.is_dir():
        raise _fail(folder, None, "not a run folder (no config.json)"
                    if not os.path.lexists(folder) else "not a folder (no config.json)")
    for _ in range(3):
        try:
            return _read_folder(folder)
        except _Changed as missing:
            last = missing
    raise _fail(folder / str(last), None, f"listed in {MANIFEST} but missing")


def read_history(text: str, metric: str, path: Path | str = "history.csv") -> History:
    """Parse ``History.to_csv`` text back; DataError naming the line and the column of what
    is wrong (rows must count epochs up and steps never down)."""
    h = History(metric=metric)
    labels = [h._label(c) for c in History.COLUMNS]
    path = Path(path)
    try:
        rows = csv.reader(io.StringIO(text))
        header = next(rows, None)
        if header != labels:
            raise _fail(path, "header", f"{_short(header)} is not {','.join(labels)}", line=1)
        for number, row in enumerate(rows, start=2):
            if len(row) != len(labels):
                raise _fail(path, f"line {number}", f"{len(row)} cells, expected "
                            f"{len(labels)}", line=number)
            values: dict[str, float] = {}
            for column, label, cell in zip(History.COLUMNS, labels, row, strict=True):
                values[column] = _cell(path, number, column, label, cell, h)
            h.append(**values)
    except csv.Error as e:
        raise _fail(path, None, f"not CSV ({e})") from None
    return h


def _cell(path: Path, line: int, column: str, label: str, cell: str, h: History) -> float:
    """One checked history cell: epoch and step whole numbers counting up, the rest floats."""
    def bad(why: str) -> DataError:
        return _fail(path, f"line {line}, column {label!r}", f"{_short(cell)} {why}",
                     line=line, column=label, value=cell)

    if column in ("epoch", "step"):
        if not re.fullmatch(r"[0-9]{1,16}", cell):
            raise bad("is not a whole number ≥ 0")
        value = int(cell)
        before = getattr(h, column)[-1] if len(h) else None
        if column == "epoch" and before is not None and value <= before:
            raise bad(f"does not follow epoch {before}")
        if column == "step" and before is not None and value < before:
            raise bad(f"is below the step before ({before})")
        return value
    try:
        return float(cell)
    except ValueError:
        raise bad("is not a number") from None


def _structure(net: Any) -> dict[str, Any]:
    """What a saved model must share with the network its run's Config builds, beyond the
    sizes: the kind ('mlp' or the recurrent cell), the activations, the head and the dtype."""
    if isinstance(net, RecurrentNet):
        kind: dict[str, Any] = {"kind": net.cell, "activation": net.activation}
    else:
        kind = {"kind": "mlp", "activations": list(net.activations)}
    return {**kind, "output": net.head.output, "loss": net.head.loss,
            "dtype": net.dtype.name}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_config(path: Path, data: bytes) -> Config:
    spec = parse_json(path, data)
    if not isinstance(spec, dict):
        raise _fail(path, None, f"a JSON {type(spec).__name__}, expected an object of "
                    "Config fields")
    try:
        return Config.from_dict(spec)
    except DepthlensError as e:
        raise _fail(path, getattr(e, "field", None), str(e)) from None
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as e:
        raise _fail(path, None, f"not a Config ({type(e).__name__}: {e})") from None


def _session(path: Path, config: Config) -> Session:
    try:  # the saved weights replace the network's: pre-training it again would be wasted
        return Session(config, run_pretraining=False)
    except DepthlensError as e:
        raise _fail(path, getattr(e, "field", None), f"its run cannot be built: {e}") from None


def _int_field(path: Path, meta: dict, key: str, high: int) -> int:
    value = meta.get(key)
    if type(value) is not int or not 0 <= value <= high:
        raise _fail(path, key, f"{_short(value)} is not a whole number in [0, {high}]")
    return value


def _trainer_meta(path: Path, meta: Any, session: Session) -> dict[str, Any]:
    """trainer.json, checked field by field against the session it will go back into."""
    trainer = session.trainer
    if not isinstance(meta, dict):
        raise _fail(path, None, f"a JSON {type(meta).__name__}, expected an object")
    for key in ("epochs_done", "steps_done", "epoch_start_steps"):
        _int_field(path, meta, key, _COUNTER)
    _int_field(path, meta, "cursor", trainer.n_train)
    if meta["epoch_start_steps"] > meta["steps_done"]:
        raise _fail(path, "epoch_start_steps", f"{meta['epoch_start_steps']} is after "
                    f"steps_done {meta['steps_done']}")
    if type(meta.get("in_order")) is not bool:
        raise _fail(path, "in_order", f"{_short(meta.get('in_order'))} is not true or false")
    if meta.get("optimizer") != trainer.optimizer.name:
        raise _fail(path, "optimizer", f"{_short(meta.get('optimizer'))} saved, "
                    f"{trainer.optimizer.name!r} configured")
    rng = meta.get("rng")
    scratch = type(trainer.rng.bit_generator)()
    try:
        if not isinstance(rng, dict) or rng.get("bit_generator") != type(scratch).__name__:
            raise ValueError(f"expected a {type(scratch).__name__} state")
        scratch.state = rng
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as e:
        raise _fail(path, "rng", f"not a batch-order generator state ({e})") from None
    return meta


def _trainer_arrays(path: Path, data: bytes, session: Session) -> dict[str, np.ndarray]:
    """trainer.npz: the optimizer's arrays, the order and the snapshot, of exactly the shapes
    this session's network and data imply (checked before anything is decompressed)."""
    trainer = session.trainer
    expected = {f"optimizer.{k}": (tuple(v.shape), "f" if v.dtype.kind == "f" else "iu")
                for k, v in trainer.state.items()}
    expected["order"] = ((trainer.n_train,), "iu")
    expected["snapshot"] = (tuple(session.net.params.shape), "f")
    arrays = read_npz(path, data, expected)
    t = arrays.get("optimizer.t")
    if t is not None and (t.ndim != 0 or not 0 <= int(t) <= _COUNTER):
        raise _fail(path, "optimizer.t", f"{t.tolist()} is not a step count ≥ 0")
    order = arrays["order"]
    if not np.array_equal(np.sort(order), np.arange(trainer.n_train)):
        raise _fail(path, "order", f"not a permutation of the {trainer.n_train} training rows")
    return arrays


def _pretraining(path: Path, data: bytes, session: Session) -> PretrainResult:
    """pretraining.json, checked against the session's Config and network: the method, one
    entry per hidden layer with its (in, out) sizes, losses numbers (or null) and at most
    ``MAX_PRETRAIN_EPOCHS`` + 1 of them, ``diverged`` null or a text."""
    spec = parse_json(path, data)
    method = session.config.pretrain
    if not isinstance(spec, dict):
        raise _fail(path, None, f"a JSON {type(spec).__name__}, expected an object")
    if spec.get("method") != method or method == "none":
        raise _fail(path, "method", f"{_short(spec.get('method'))} does not match the config's "
                    f"pretrain {method!r}")
    if not isinstance(spec.get("settings"), dict):
        raise _fail(path, "settings", "must be an object")
    layers, sizes = spec.get("layers"), session.net.sizes
    if not isinstance(layers, list) or len(layers) != len(sizes) - 2:
        raise _fail(path, "layers", f"must be a list of {len(sizes) - 2} entries, one per "
                    "hidden layer")
    for k, entry in enumerate(layers):
        where = f"layers[{k}]"
        if not isinstance(entry, dict) or entry.get("sizes") != [sizes[k], sizes[k + 1]]:
            raise _fail(path, f"{where}.sizes", f"must be [{sizes[k]}, {sizes[k + 1]}]")
        loss = entry.get("loss")
        if not isinstance(loss, list) or len(loss) > MAX_PRETRAIN_EPOCHS + 1 or not all(
                v is None or (type(v) in (int, float) and math.isfinite(v)) for v in loss):
            raise _fail(path, f"{where}.loss", f"must be a list of at most "
                        f"{MAX_PRETRAIN_EPOCHS + 1} numbers (or null)")
        if not (entry.get("diverged") is None or isinstance(entry.get("diverged"), str)):
            raise _fail(path, f"{where}.diverged", "must be null or a text")
    return PretrainResult.from_dict(spec)


def load_run(folder: str | Path) -> Session:
    """Rebuild a saved run: its Session with the saved weights, history and trainer state.

    The folder is untrusted: anything wrong is a ``DataError`` naming the file and the field
    (the module docstring says what is checked)."""
    folder = Path(folder)
    files = _read_run(folder)
    cpath = folder / "config.json"
    session = _session(cpath, _parse_config(cpath, files["config.json"]))
    for name in ("model.json", "model.npz"):
        if name not in files:
            raise _fail(folder / name, None, "file not found")
    jpath = folder / "model.json"
    saved = model_from_bytes(jpath, files["model.json"], folder / "model.npz",
                             files["model.npz"], sizes=session.net.sizes)
    got_structure, want_structure = _structure(saved), _structure(session.net)
    for field, want in want_structure.items():
        got = got_structure.get(field)
        if got != want:
            raise _fail(jpath, field, f"{_short(got)} does not match the config's "
                        f"{_short(want)}")
    session.net.params[...] = saved.params
    if PRETRAINING in files:
        session.pretraining = _pretraining(folder / PRETRAINING, files[PRETRAINING], session)
    trainer = session.trainer
    if "history.csv" in files:
        hpath = folder / "history.csv"
        try:
            text = files["history.csv"].decode("utf-8")
        except UnicodeDecodeError as e:
            raise _fail(hpath, None, f"not UTF-8 text (byte {e.start})") from None
        h = read_history(text, session.history.metric, hpath)
        trainer.history = h
        if len(h):
            trainer.epochs_done = h.epoch[-1]
            trainer.steps_done = h.step[-1]
    has = ("trainer.json" in files, "trainer.npz" in files)
    if any(has) and not all(has):
        missing = "trainer.npz" if has[0] else "trainer.json"
        raise _fail(folder / missing, None, "file not found (its pair is there)")
    if all(has):
        tpath = folder / "trainer.json"
        meta = _trainer_meta(tpath, parse_json(tpath, files["trainer.json"]), session)
        if len(trainer.history) and meta["epochs_done"] != trainer.history.epoch[-1]:
            raise _fail(tpath, "epochs_done", f"{meta['epochs_done']}, but history.csv ends at "
                        f"epoch {trainer.history.epoch[-1]}")
        arrays = _trainer_arrays(folder / "trainer.npz", files["trainer.npz"], session)
        if meta["in_order"] and not np.array_equal(arrays["order"],
                                                   np.arange(trainer.n_train)):
            raise _fail(tpath, "in_order", "true, but trainer.npz's order is shuffled")
        try:
            trainer.restore(arrays, meta)
        except DataError as e:
            raise _fail(folder / "trainer.npz", None, str(e)) from None
    return session
