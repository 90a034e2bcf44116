"""``thresholds``: negative / zero / positive on a line, cut by two points.

One unit w·x + b of a 1-D input is a threshold: it is positive on one side of the point
x = −b/w and negative on the other. A hidden layer of two tanh units therefore places two cut
points on the line, and the output layer names the three pieces. The data is ``line-sign``:
x in [−6, 6], class 'zero' for |x| ≤ 0.5.
"""

from __future__ import annotations

import time
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.draw import colors
from depthlens.draw.stage_axes import hexcolor
from depthlens.examples.common import ExampleResult, finish, png
from depthlens.examples.plots import probe_dict, strip_png
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session

NAME = "thresholds"
TITLE = "Thresholds: negative, zero and positive on a line, cut by two points"
SUMMARY = "line-sign through 1 → 2 tanh → 3: each hidden unit is one cut point"


def make_config(epochs: int, band: float, seed: int) -> Config:
    """line-sign, one hidden layer of two tanh units, softmax over the three classes."""
    return Config(dataset="line-sign", dataset_params={"band": band}, layers=(2,),
                  activation="tanh", optimizer="adam", lr=0.03, epochs=epochs,
                  init="glorot_uniform", seed=seed)


def cut_points(session: Session) -> np.ndarray:
    """Where each hidden unit's w·x + b crosses zero, in the data's x units, sorted."""
    w, b = session.net.weights[0][:, 0], session.net.biases[0]
    return np.sort(-np.asarray(b, dtype=np.float64) / np.asarray(w, dtype=np.float64))


def figure(session: Session, cuts: np.ndarray, band: float) -> plt.Figure:
    """The line with its classes and the two cuts; the hidden units; the class probabilities."""
    xs = np.linspace(-6, 6, 600)
    tr = session.train_data
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.2), sharex=True,
                             gridspec_kw={"height_ratios": [0.8, 1.3, 1.3]})
    names = session.dataset.class_names
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(tr.y))
    for k, name in enumerate(names):
        sel = tr.y == k
        axes[0].scatter(tr.x[sel, 0], jitter[sel], s=10, color=hexcolor(colors.class_color(k)),
                        label=name)
    axes[0].set_yticks([])
    axes[0].set_ylim(-0.6, 0.6)
    axes[0].legend(fontsize=7, ncol=3, loc="upper left", bbox_to_anchor=(0, 1.45))
    axes[0].set_title(f"the data: x in [−6, 6]; 'zero' where |x| ≤ {band}", fontsize=9,
                      loc="right")
    trace = session.net.trace(xs[:, None])
    hidden = np.asarray(trace.post[0])
    w, b = session.net.weights[0][:, 0], session.net.biases[0]
    for j in range(hidden.shape[1]):
        sign = "+" if b[j] >= 0 else "−"
        axes[1].plot(xs, hidden[:, j], lw=2, color=["#444444", "#999999"][j],
                     label=f"unit {j + 1}: tanh({w[j]:.2f}·x {sign} {abs(b[j]):.2f}), "
                     f"cut at x = {-b[j] / w[j]:.3f}")
    axes[1].axhline(0, color="#cccccc", lw=0.8)
    axes[1].set_ylabel("hidden unit", fontsize=8)
    axes[1].legend(fontsize=7, loc="lower right")
    probs = session.net.head.probabilities(session.predict(xs[:, None]))
    for k, name in enumerate(names):
        axes[2].plot(xs, probs[:, k], lw=2, color=hexcolor(colors.class_color(k)),
                     label=f"P({name})")
    axes[2].set_ylabel("probability", fontsize=8)
    axes[2].legend(fontsize=7, loc="center right")
    axes[2].set_xlabel("x", fontsize=8)
    for ax in axes:
        for c in cuts:
            ax.axvline(c, color="#222222", ls="--", lw=1)
        ax.tick_params(labelsize=7)
    m = session.metrics()
    fig.suptitle(f"two hidden units = two cut points at x = {cuts[0]:.3f} and {cuts[1]:.3f} · "
                 f"accuracy {m['train_accuracy']:.3f} train, {m['test_accuracy']:.3f} test",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        epochs: int | None = None, band: float = 0.5, seed: int = 1) -> ExampleResult:
    """Train 1 → 2 → 3 on line-sign and read the cut points off the first layer."""
    start = time.perf_counter()
    epochs = 300 if epochs is None else epochs  # about a second: --quick changes nothing
    session = Session(make_config(epochs, band, seed))
    session.run()
    cuts = cut_points(session)
    m = session.metrics()
    probes = probe_dict(session)
    numbers: dict[str, Any] = {
        "train_accuracy": m["train_accuracy"],
        "test_accuracy": m["test_accuracy"],
        "cut_low": float(cuts[0]),
        "cut_high": float(cuts[1]),
        "band": band,
        "probe_input": probes["input"],
        "probe_a1": probes["a1"],
        "epochs": epochs,
    }
    pictures = {"": png(figure(session, cuts, band)),
                "strip": strip_png(session, "line-sign through 1 → 2 tanh → 3 softmax: the "
                                   "line, then the hidden layer's plane")}
    return finish(NAME, TITLE, numbers, start, explanation, pictures, {"session": session})


def explanation(n: dict[str, Any]) -> str:
    """The page's text."""
    return f"""
On a line, a single unit w·x + b is a threshold: it changes sign at the one point
x = −b/w. Three classes in a row — negative, zero (|x| ≤ {n['band']}), positive — need two
such cuts. The network 1 → 2 → 3 (two tanh units, then a softmax over the classes) learns them:
its hidden units cut the line at **x = {n['cut_low']:.3f}** and **x = {n['cut_high']:.3f}**
(the true edges are ±{n['band']}), and it classifies every point right: accuracy
{n['train_accuracy']:.3f} on the training points and {n['test_accuracy']:.3f} on the test
points.

The second picture is the lens strip: the line itself, then the hidden layer's plane, where each
point sits at (unit 1, unit 2). The two tanh steps fold the line into an L-shaped curve whose
three arms hold the three classes, and a linear read-out separates them. A linear probe —
the best softmax read-out of a stage — scores {n['probe_input']:.3f} on the raw line (three
classes in a row *can* be cut by a softmax of x alone, but only with steep, finely placed
logits) and {n['probe_a1']:.3f} after the hidden layer.
"""
