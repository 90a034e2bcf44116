"""depthlens: see what the depth of a neural network does.

A layer y = a(W·x + b) changes dimension, scales and rotates (W), translates (b) and bends (a)
the space its input lives in; depth bends it again and again until the classes can be cut by a
flat plane. depthlens trains small networks with an exact numpy engine and shows every layer.

Entry points: ``Config`` and ``Session`` (an experiment), ``MLP`` and ``Trainer`` (the engine),
``MLPClassifier`` and ``MLPRegressor`` (the estimator API), ``make_dataset`` and ``load_csv``,
``from_torch`` and ``from_sklearn`` (a model trained by PyTorch or scikit-learn, as an ``MLP``
the lens reads; torch is imported only when ``from_torch`` is called), and ``explain(model,
X, y)``: the lens report of such a model on your data; ``sweep(config, grid, seeds=…)``:
many runs on Dask, their results as a table (docs/sweeps.md).
"""

from __future__ import annotations

from pathlib import Path

from depthlens import sweep  # the package, callable: dl.sweep(config, grid, seeds=…)
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


EXPLAIN_FOLDER = "depthlens-explain"
"""Where ``explain`` writes when no folder is given: in the working directory, replaced by
the next call that writes there."""


def explain(model: object, X: object, y: object, folder: str | Path | None = None, *,
            config: Config | None = None, **lens_options: object) -> Path:
    """Write the lens report of a trained ``model`` on (X, y); return ``report.html``'s path.

    ``model``: a depthlens ``MLP``, a ``torch.nn.Module`` (a chain of Linear layers and
    activations: ``from_torch``), or a fitted scikit-learn or depthlens ``MLPClassifier`` /
    ``MLPRegressor`` (``from_sklearn``). ``X``: (n, d), the inputs the model was trained on,
    used as they are (no features, no preprocessing). ``y``: for a classifier (a fitted
    classifier, or a sigmoid/bce or softmax/cross-entropy head) labels of any type: a fitted
    classifier's ``classes_`` map them to its output units, else whole numbers 0..k−1 are the
    units themselves, else the sorted distinct labels are; their names label the pictures. For
    any other head, numbers (n,) or (n, m).

    The rows are split as ``config`` says (``train_ratio``, ``seed``; the defaults without
    one): the probes are fitted on the training part and scored on the test part, and the
    report's metrics are the model's own on both. The pictures and ``report.html`` go into
    ``folder`` (default ``depthlens-explain/`` in the working directory, written over by the
    next call); ``lens_options`` are ``draw.report.lens_pictures``'s (``which``, ``units``,
    ``dims``, ``per_step``, ``fps``, ``dpi``, ``animation``, ``training``, ``progress``).

    Raises ConfigError or DataError naming ``model``, ``X`` or ``y`` (experiment/imported.py:
    the wrong width, NaN, fewer than 2 rows, labels the model cannot have).

    >>> import depthlens as dl                                    # doctest: +SKIP
    >>> dl.explain(torch_model, X, y, "lens/")                    # doctest: +SKIP
    PosixPath('lens/report.html')
    """
    from depthlens.draw.report import REPORT, lens_pictures
    from depthlens.experiment.imported import session_for

    session = session_for(model, X, y, config)
    out = Path(EXPLAIN_FOLDER if folder is None else folder)
    written = lens_pictures(session, out, **lens_options)  # type: ignore[arg-type]
    return written[REPORT]


def _session_png(session: Session) -> bytes:
    """A Session's notebook picture (``Session._repr_png_``): its run picture. experiment/
    draws nothing, so the drawing is plugged in here, and matplotlib is imported only when a
    notebook asks."""
    from depthlens.draw.figures import run_figure
    from depthlens.draw.stage_axes import png_bytes

    return png_bytes(run_figure(session))


Session.picture_maker = _session_png


def __getattr__(name: str) -> object:
    """``depthlens.Playground`` (the notebook widget, ``notebook/widget.py``), imported when
    first asked for: ``import depthlens`` imports neither anywidget nor ipywidgets."""
    if name == "Playground":
        from depthlens.notebook import Playground

        return Playground
    raise AttributeError(f"module 'depthlens' has no attribute {name!r}")

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
    "explain",
    "from_sklearn",
    "from_torch",
    "load_csv",
    "load_model",
    "load_run",
    "make_dataset",
    "make_optimizer",
    "save_model",
    "save_run",
    "sweep",
]
