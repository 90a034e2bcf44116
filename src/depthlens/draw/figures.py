"""Matplotlib figures of a run: what the network predicts, beside its loss curves.

- 2 inputs: the decision map (or regression surface) over the input plane, with the training
  points filled and the test points ringed.
- 1 input: the fitted curve y = f(x) (regression) or each class's probability along the line.
- more inputs: actual against predicted for the first output on the test set.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.data import DATASETS
from depthlens.draw import colors, maps
from depthlens.draw.strip import activation_text, architecture_text, data_text, epoch_text
from depthlens.files import write_bytes

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

DPI = 100


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def domain(session: Session) -> tuple[float, float]:
    """The plotting window per axis: the dataset's own, else the data's range padded by 10%."""
    spec = DATASETS.get(session.dataset.name)
    if spec is not None and spec.domain is not None:
        return spec.domain
    x = session.dataset.x
    lo, hi = float(x.min()), float(x.max())
    pad = 0.1 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _point_colors(session: Session, y: np.ndarray) -> list[str]:
    if session.problem == "classification":
        return [_hex(colors.class_color(int(c))) for c in y]
    rgb = colors.diverging(np.asarray(y).reshape(len(y), -1)[:, 0],
                           float(np.abs(session.dataset.y).max()) or 1.0)
    return [_hex(tuple(c)) for c in rgb]


def draw_plane(ax: plt.Axes, session: Session, resolution: int = 100,
               discretize: bool = False) -> None:
    """Decision map / surface over the plane with train (filled) and test (ringed) points."""
    lo, hi = domain(session)
    pts = maps.grid((lo, hi), resolution)
    out = session.predict(pts)
    scale = float(np.abs(session.dataset.y).max()) if session.problem == "regression" else None
    rgb = maps.colorize(session.net.head, session.problem, out, discretize, scale)
    ax.imshow(rgb.reshape(resolution, resolution, 3), extent=(lo, hi, lo, hi),
              interpolation="nearest", alpha=0.85)
    tr, te = session.train_data, session.test_data
    ax.scatter(tr.x[:, 0], tr.x[:, 1], c=_point_colors(session, tr.y), s=14,
               edgecolors="white", linewidths=0.6, label="train")
    ax.scatter(te.x[:, 0], te.x[:, 1], facecolors="none", edgecolors=_point_colors(session, te.y),
               s=14, linewidths=1.0, label="test")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")


def draw_line(ax: plt.Axes, session: Session) -> None:
    """1-D input: the fitted curve (regression) or the class probabilities along x."""
    lo, hi = domain(session)
    xs = np.linspace(lo, hi, 400)
    out = session.predict(xs[:, None])
    tr, te = session.train_data, session.test_data
    if session.problem == "regression":
        ax.scatter(tr.x[:, 0], tr.y, s=8, c=_hex(colors.GREY), edgecolors="#888888",
                   linewidths=0.4, label="train")
        ax.scatter(te.x[:, 0], te.y, s=8, facecolors="none", edgecolors="#555555",
                   linewidths=0.6, label="test")
        ax.plot(xs, out[:, 0], color=_hex(colors.BLUE), lw=2, label="network")
        ax.set_ylabel("y")
    else:
        head = session.net.head
        probs = head.probabilities(out)
        for k in range(probs.shape[1]):
            ax.plot(xs, probs[:, k], color=_hex(colors.class_color(k)), lw=2,
                    label=f"P(class {session.dataset.class_names[k]})")
        jitter = np.random.default_rng(0).uniform(-0.03, 0.03, size=len(tr.y))
        ax.scatter(tr.x[:, 0], -0.08 + jitter, c=_point_colors(session, tr.y), s=10)
        ax.set_ylim(-0.15, 1.05)
        ax.set_ylabel("probability")
    ax.set_xlabel("x1")
    ax.legend(loc="best", fontsize=7)


def draw_actual_vs_predicted(ax: plt.Axes, session: Session, output: int = 0) -> None:
    """Test set: actual against predicted for one output, with the y = x line."""
    te = session.test_data
    y = np.asarray(te.y).reshape(len(te.y), -1)[:, output]
    pred = session.predict(te.x)[:, output]
    ax.scatter(y, pred, s=6, c=_hex(colors.BLUE), alpha=0.6)
    lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    ax.plot([lo, hi], [lo, hi], color="#555555", lw=1)
    ax.set_xlabel(f"actual (output {output})")
    ax.set_ylabel("predicted")


LOG_SPAN = 10.0
"""The loss axis is logarithmic when the largest loss is at least this many times the smallest;
a narrower range stays linear (a log axis over 1.02–1.10 labels every tick 1.0×10⁰)."""


def draw_history(ax: plt.Axes, session: Session) -> None:
    """Train and test data loss per epoch, and the regularization penalty apart."""
    h = session.history
    if len(h):
        ax.plot(h.epoch, h.train_loss, color="#777777", label="train loss")
        if np.isfinite(h.test_loss).any():
            ax.plot(h.epoch, h.test_loss, color="#000000", label="test loss")
        if any(p > 0 for p in h.penalty):
            ax.plot(h.epoch, h.penalty, color=_hex(colors.ORANGE), ls="--", label="penalty")
        losses = np.concatenate([h.train_loss, h.test_loss])
        losses = losses[np.isfinite(losses)]
        if losses.size and losses.min() > 0 and losses.max() >= LOG_SPAN * losses.min():
            ax.set_yscale("log")  # a loss falling by orders of magnitude
        ax.legend(fontsize=7)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")


def run_figure(session: Session) -> plt.Figure:
    """The run's picture: prediction panel and loss curves, titled with the final numbers."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.6), dpi=DPI,
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    n_inputs = session.dataset.x.shape[1]
    if n_inputs == 2:
        draw_plane(left, session)
    elif n_inputs == 1:
        draw_line(left, session)
    else:
        draw_actual_vs_predicted(left, session)
    draw_history(right, session)
    m = session.metrics()
    name = "accuracy" if session.problem == "classification" else "r2"
    test = f", test {name} {m[f'test_{name}']:.3f}" if f"test_{name}" in m else ""
    fig.suptitle(f"{data_text(session)} · {architecture_text(session)} "
                 f"{activation_text(session)} · "
                 f"{epoch_text(session)} · train {name} {m[f'train_{name}']:.3f}{test}",
                 fontsize=10)
    fig.tight_layout()
    return fig


def figure_png(fig: plt.Figure) -> bytes:
    """Render ``fig`` to PNG bytes at ``DPI``; close the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def save_png(fig: plt.Figure, path: str | Path) -> Path:
    """Render ``fig`` to PNG bytes and write them atomically; close the figure."""
    write_bytes(path, figure_png(fig))
    return Path(path)


def run_png(session: Session) -> bytes:
    """The run picture as PNG bytes: the ``picture.png`` of a run folder (experiment/ draws
    nothing, so ``save_run(session, folder, picture=run_png)`` is how it gets there)."""
    return figure_png(run_figure(session))
