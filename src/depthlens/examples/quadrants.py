"""``quadrants``: four classes, one per quadrant of the plane — linearly separable.

The points are Playground's ``xor`` points (uniform in [−6, 6]², kept 0.3 off the axes) with a
label per quadrant instead of xor's two. A single softmax layer 2 → 4 (no hidden layer) gives
class k the score w_k·x + b_k and picks the largest; with w_k pointing into quadrant k the
winner changes exactly on the axes. No bending is needed: the classes are linearly separable
in the input itself.
"""

from __future__ import annotations

import time
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.data import Dataset, make_dataset
from depthlens.draw import colors
from depthlens.draw.figures import draw_plane
from depthlens.draw.stage_axes import hexcolor
from depthlens.examples.common import ExampleResult, finish, png
from depthlens.examples.plots import probe_dict
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session

NAME = "quadrants"
TITLE = "Quadrants: four classes a single linear layer separates"
SUMMARY = "one class per quadrant, a 2 → 4 softmax layer with no hidden layer"

QUADRANTS = ("x1>0, x2>0", "x1<0, x2>0", "x1<0, x2<0", "x1>0, x2<0")


def quadrant_data(seed: int, n_samples: int = 500) -> Dataset:
    """xor's points labelled by quadrant: 0 = (+, +), 1 = (−, +), 2 = (−, −), 3 = (+, −)."""
    base = make_dataset("xor", n_samples=n_samples, seed=seed)
    x = np.asarray(base.x)
    angle = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
    y = np.floor(angle / (np.pi / 2)).astype(np.int64)
    return Dataset(x=x, y=y, problem="classification", n_classes=4, class_names=QUADRANTS,
                   feature_names=("x1", "x2"), name="quadrants")


def make_config(epochs: int, seed: int) -> Config:
    """No hidden layer: 2 → 4 softmax, cross-entropy, Adam. (``dataset`` only names a
    registered set; the Session is given the quadrant data.)"""
    return Config(dataset="xor", layers=(), output="softmax", loss="cross_entropy",
                  optimizer="adam", lr=0.03, epochs=epochs, init="glorot_uniform", seed=seed)


def figure(session: Session, numbers: dict[str, Any]) -> plt.Figure:
    """The decision map with the data, and the four weight rows as arrows."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 5.0))
    draw_plane(left, session)
    left.set_title(f"the 2 → 4 softmax layer's decision map · accuracy "
                   f"{numbers['train_accuracy']:.3f} train, {numbers['test_accuracy']:.3f} test",
                   fontsize=9)
    w, b = session.net.weights[0], session.net.biases[0]
    scale = 4.5 / float(np.abs(w).max())
    for k in range(4):
        color = hexcolor(colors.class_color(k))
        right.annotate("", xy=(w[k, 0] * scale, w[k, 1] * scale), xytext=(0, 0),
                       arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2.2})
        right.text(w[k, 0] * scale * 1.12, w[k, 1] * scale * 1.12,
                   f"w{k + 1} = ({w[k, 0]:.2f}, {w[k, 1]:.2f})\nb{k + 1} = {b[k]:.2f}",
                   color=color, fontsize=8, ha="center", va="center")
    right.axhline(0, color="#999999", lw=0.8)
    right.axvline(0, color="#999999", lw=0.8)
    right.set_xlim(-7.5, 7.5)
    right.set_ylim(-7.5, 7.5)
    right.set_aspect("equal")
    right.set_title("the rows of W: class k wins where w_k·x + b_k is largest,\nso each row "
                    "points into its own quadrant", fontsize=9)
    right.tick_params(labelsize=7)
    fig.suptitle(f"four quadrants, four classes: linearly separable (linear probe on the input "
                 f"{numbers['probe_input']:.3f})", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        epochs: int | None = None, seed: int = 0) -> ExampleResult:
    """Train the 2 → 4 layer on the quadrant data (``quick``: 60 epochs)."""
    start = time.perf_counter()
    epochs = (60 if quick else 200) if epochs is None else epochs
    session = Session(make_config(epochs, seed), quadrant_data(seed))
    session.run()
    m = session.metrics()
    probes = probe_dict(session)
    numbers: dict[str, Any] = {
        "probe_input": probes["input"],
        "train_accuracy": m["train_accuracy"],
        "test_accuracy": m["test_accuracy"],
        "epochs": epochs,
    }
    pic = png(figure(session, numbers))
    return finish(NAME, TITLE, numbers, start, explanation, {"": pic}, {"session": session})


def explanation(n: dict[str, Any]) -> str:
    """The page's text."""
    return f"""
Four classes, one per quadrant of the plane. They are *linearly separable*: a single dense
layer with a softmax, 2 → 4 and no hidden layer, scores class k by w_k·x + b_k and picks the
largest score. When each row w_k points into its own quadrant, the largest score changes hands
exactly on the axes, so flat cuts through the origin do the whole job.

The trained layer classifies {n['train_accuracy']:.3f} of the training points and
{n['test_accuracy']:.3f} of the test points correctly, and a linear probe on the raw input — the
best linear read-out of the data as it is — scores {n['probe_input']:.3f}. Nothing has to be
bent, lifted or folded: this is the case depth is *not* needed for, and the baseline the other
examples are measured against (compare `two-curves` and `topology`, where no flat cut exists
in the input).
"""
