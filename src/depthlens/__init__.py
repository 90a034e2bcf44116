"""depthlens: see what the depth of a neural network does.

A layer y = a(W·x + b) changes dimension, scales and rotates (W), translates (b) and bends (a)
the space its input lives in; depth bends it again and again until the classes can be cut by a
flat plane. depthlens trains small networks with an exact numpy engine and shows every layer.

Entry points: ``Config`` and ``Session`` (an experiment), ``MLP`` and ``Trainer`` (the engine),
``MLPClassifier`` and ``MLPRegressor`` (the estimator API), ``make_dataset`` and ``load_csv``,
``from_torch`` and ``from_sklearn`` (a model trained by PyTorch or scikit-learn, as an ``MLP``
the lens reads; torch is imported only when ``from_torch`` is called).
"""

from __future__ import annotations

from pathlib import Path

from depthlens.data import load_csv, make_dataset
from depthlens.errors import ConfigError, DataError, DepthlensError, DivergenceError
from depthlens.estimators import MLPClassifier, MLPRegressor
from depthlens.experiment import Config, Session, load_run
from depthlens.experiment.run import Picture
from depthlens.nn import (
    MLP,
    Trainer,
    from_sklearn,
    from_torch,
    load_model,
    make_optimizer,
    save_model,
)

__version__ = "0.1.0"


def save_run(session: Session, folder: str | Path, picture: Picture | bool = True) -> Path:
    """Write the run folder of ``session`` (``depthlens.experiment.run.save_run``), with its
    ``picture.png`` drawn here (``draw.figures.run_png``) unless ``picture`` is False, or
    given as PNG bytes or a callable ``session → bytes``; return the folder."""
    from depthlens.experiment.run import save_run as write_run

    if picture is True:
        from depthlens.draw.figures import run_png

        picture = run_png
    return write_run(session, folder, picture=picture)


def _session_png(session: Session) -> bytes:
    """A Session's notebook picture (``Session._repr_png_``): its run picture. experiment/
    draws nothing, so the drawing is plugged in here, and matplotlib is imported only when a
    notebook asks."""
    from depthlens.draw.figures import run_figure
    from depthlens.draw.stage_axes import png_bytes

    return png_bytes(run_figure(session))


Session.picture_maker = _session_png

__all__ = [
    "MLP",
    "Config",
    "ConfigError",
    "DataError",
    "DepthlensError",
    "DivergenceError",
    "MLPClassifier",
    "MLPRegressor",
    "Session",
    "Trainer",
    "__version__",
    "from_sklearn",
    "from_torch",
    "load_csv",
    "load_model",
    "load_run",
    "make_dataset",
    "make_optimizer",
    "save_model",
    "save_run",
]
