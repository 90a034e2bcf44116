"""The run folder: everything a finished (or interrupted) run leaves behind, no pickle.

    config.json     the Config (the run is a pure function of it)
    model.json      the network's structure;  model.npz  its weights (W as (out, in))
    history.csv     one row per epoch: data loss, penalty, test loss, accuracy or R²
    trainer.json    counters and the batch-order generator's state;  trainer.npz  the
                    optimizer's state, the batch order and the epoch-start snapshot
    metrics.json    final train/test loss, accuracy (classification) or R² (regression)
    picture.png     decision map (2 inputs), fitted curve (1 input) or actual vs predicted

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


def save_run(session: Session, folder: str | Path, picture: bool = True) -> Path:
    """Write the run folder for ``session``; return its path."""
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
    if picture:
        from depthlens.draw.figures import run_figure, save_png

        save_png(run_figure(session), folder / PICTURE)
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
