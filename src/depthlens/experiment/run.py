"""The run folder: everything a finished (or interrupted) run leaves behind, no pickle.

    config.json     the Config (the run is a pure function of it)
    model.json      the network's structure;  model.npz  its weights (W as (out, in))
    history.csv     one row per epoch: data loss, penalty, test loss, accuracy or R²
    trainer.json    counters and the batch-order generator's state;  trainer.npz  the
                    optimizer's state, the batch order and the epoch-start snapshot
    metrics.json    final train/test loss, accuracy (classification) or R² (regression)
    picture.png     decision map (2 inputs), fitted curve (1 input) or actual vs predicted;
                    drawn by the layer above (``draw.figures.run_png``) and passed in, since
                    experiment/ draws nothing: ``depthlens.save_run`` and ``depthlens train``
                    pass it, ``save_run`` here writes it only when given

Every file is written atomically. ``load_run`` rebuilds the Session from config.json and puts
the saved weights and trainer state back, so predictions and pictures can be made again without
retraining, and training goes on exactly as if it had never stopped (same optimizer moments,
same batch order).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from depthlens.errors import DataError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.files import write_bytes, write_text
from depthlens.nn.serialize import load_model, npz_bytes, save_model
from depthlens.nn.training import History

PICTURE = "picture.png"


def _json_safe(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Picture = bytes | Callable[[Session], bytes]
"""The run picture for ``save_run``: PNG bytes, or a function of the Session that makes them
(``depthlens.draw.figures.run_png``)."""


def save_run(session: Session, folder: str | Path, picture: Picture | bool | None = None
             ) -> Path:
    """Write the run folder for ``session``; return its path.

    ``picture`` (PNG bytes or a callable ``session → bytes``) is written as ``picture.png``;
    None or False writes none. This layer cannot draw: ``depthlens.save_run`` draws it by
    default."""
    if picture is True:
        raise TypeError("save_run(picture=True): experiment/ draws nothing; pass PNG bytes or "
                        "a callable such as depthlens.draw.figures.run_png, or call "
                        "depthlens.save_run, which draws the picture")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "config.json", session.config.to_json())
    save_model(session.net, folder)
    write_text(folder / "history.csv", session.history.to_csv())
    arrays, meta = session.trainer.resume_state()
    write_bytes(folder / "trainer.npz", npz_bytes(arrays))
    write_text(folder / "trainer.json", json.dumps(meta, indent=2) + "\n")
    metrics = {k: _json_safe(v) for k, v in session.metrics().items()}
    write_text(folder / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    if picture is not None and picture is not False:
        data = picture if isinstance(picture, bytes | bytearray) else picture(session)
        write_bytes(folder / PICTURE, bytes(data))
    return folder


def read_history(text: str, metric: str) -> History:
    """Parse ``History.to_csv`` text back."""
    h = History(metric=metric)
    for row in csv.DictReader(io.StringIO(text)):
        h.append(**{c: (int if c in ("epoch", "step") else float)(row[h._label(c)])
                    for c in History.COLUMNS})
    return h


def load_run(folder: str | Path) -> Session:
    """Rebuild a saved run: its Session with the saved weights and history."""
    folder = Path(folder)
    path = folder / "config.json"
    if not path.is_file():
        raise DataError(f"{folder}: not a run folder (no config.json)")
    session = Session(Config.from_json(path.read_text(encoding="utf-8")))
    saved = load_model(folder)
    if saved.sizes != session.net.sizes:
        raise DataError(f"{folder}: model sizes {saved.sizes} do not match the config's "
                        f"{session.net.sizes}")
    session.net.params[...] = saved.params
    hist = folder / "history.csv"
    if hist.is_file():
        h = read_history(hist.read_text(encoding="utf-8"), session.history.metric)
        session.trainer.history = h
        if len(h):
            session.trainer.epochs_done = h.epoch[-1]
            session.trainer.steps_done = h.step[-1]
    state = folder / "trainer.json"
    if state.is_file() and (folder / "trainer.npz").is_file():
        with np.load(folder / "trainer.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        session.trainer.restore(arrays, json.loads(state.read_text(encoding="utf-8")))
    return session
