"""``digits``: pixels → strokes → parts → whole, on real 8×8 handwritten digits.

The data is scikit-learn's ``load_digits`` (1,797 images of 8×8 pixels, 16 grey levels), which
ships inside scikit-learn: nothing is downloaded. scikit-learn is optional for depthlens; it is
imported only here, with a clear message if it is missing.

The network 64 → 32 → 16 → 10 (tanh, softmax output, Adam, standardized pixels, small initial
weights and a light L2 penalty) is trained on three quarters of the images. The pictures: the
32 first-layer weight vectors drawn as 8×8 images (what each unit looks for: strokes and
blobs), each stage's representation of the test images in a 2-D PCA, and linear probe accuracy
per stage.
"""

from __future__ import annotations

import time
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.data import Dataset, Standardize, split
from depthlens.data.preprocessing import PCA
from depthlens.draw import colors
from depthlens.draw.stage_axes import hexcolor
from depthlens.errors import DataError
from depthlens.examples.common import ExampleResult, finish, png
from depthlens.lens.probes import probe
from depthlens.lens.representations import represent, stages
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import Trainer

NAME = "digits"
TITLE = "Digits: pixels → strokes → parts → whole, layer by layer"
SUMMARY = "scikit-learn's 8×8 digits through 64 → 32 → 16 → 10: weights, PCA views, probes"

LAYERS = (32, 16)
L2 = 1e-3
SHOWN = ("input", "a1", "a2", "z3")
"""Stages drawn and probed: the pixels, both hidden layers, and the output *scores* (before the
softmax, which would pile every point onto one of ten corners)."""
INSTALL = "pip install scikit-learn"


def load_digits_dataset() -> Dataset:
    """scikit-learn's 8×8 digits as a Dataset; DataError naming the install command if
    scikit-learn is missing."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError("the digits example needs scikit-learn, which ships the 8×8 digits "
                        f"(no download): {INSTALL}") from None
    d = load_digits()
    return Dataset(x=d.data, y=d.target, problem="classification", n_classes=10,
                   class_names=tuple(str(k) for k in range(10)),
                   feature_names=tuple(f"pixel{r}{c}" for r in range(8) for c in range(8)),
                   name="digits")


def pca2(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Both sets in the 2-D PCA of ``train``, and the share of variance those axes keep."""
    p = PCA(n_components=2).fit(train)
    total = float(np.var(train, axis=0).sum()) or 1.0
    return p.transform(train), p.transform(test), float(p.variances.sum() / total)


def figure_weights(net: MLP) -> plt.Figure:
    """The first layer's 32 weight vectors as 8×8 images (blue +, orange −)."""
    w = np.asarray(net.weights[0], dtype=np.float64)
    rows, cols = 4, int(np.ceil(w.shape[0] / 4))
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.35 * rows + 0.5))
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list(
        "pg", [np.array(c) / 255 for c in (colors.ORANGE, (245, 245, 245), colors.BLUE)])
    for j, ax in enumerate(np.ravel(axes)):
        ax.set_xticks([])
        ax.set_yticks([])
        if j < w.shape[0]:
            lim = float(np.abs(w[j]).max()) or 1.0  # each unit on its own scale
            ax.imshow(w[j].reshape(8, 8), cmap=cmap, vmin=-lim, vmax=lim)
            ax.set_title(f"unit {j + 1}", fontsize=7, pad=2)
        else:
            ax.axis("off")
    fig.suptitle("layer 1: each unit's 64 weights as an 8×8 image (each on its own scale) — "
                 "ink on blue pixels drives the unit up, ink on orange ones down", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def figure_stages(views: list[tuple[str, np.ndarray, float]], y: np.ndarray,
                  full: dict[str, float], flat: dict[str, float]) -> plt.Figure:
    """Each stage's test images in a 2-D PCA, and probe accuracy per stage."""
    n = len(views)
    fig = plt.figure(figsize=(3.0 * n + 3.6, 3.6))
    gs = fig.add_gridspec(1, n + 1, width_ratios=[1] * n + [1.25])
    cols = [hexcolor(colors.class_color(int(k))) for k in y]
    for i, (label, pts, kept) in enumerate(views):
        ax = fig.add_subplot(gs[0, i])
        ax.scatter(pts[:, 0], pts[:, 1], s=5, c=cols, alpha=0.8, linewidths=0)
        for k in range(10):
            c = pts[y == k].mean(axis=0)
            ax.text(c[0], c[1], str(k), fontsize=10, weight="bold", ha="center", va="center",
                    color="black", bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                         "alpha": 0.7, "lw": 0})
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{label}\nPCA keeps {kept:.0%} · probe on these 2-D: "
                     f"{flat[label.split()[0]]:.2f}", fontsize=8)
    ax = fig.add_subplot(gs[0, n])
    names = list(full)
    ax.plot(names, [full[s] for s in names], marker="o", color=hexcolor(colors.BLUE), lw=2,
            label="linear probe, all units")
    ax.plot(names, [flat[s] for s in names], marker="o", color=hexcolor(colors.ORANGE), lw=2,
            label="linear probe, 2-D PCA view")
    for s in names:
        ax.annotate(f"{full[s]:.3f}", (s, full[s]), xytext=(0, 5), textcoords="offset points",
                    ha="center", fontsize=7)
        ax.annotate(f"{flat[s]:.2f}", (s, flat[s]), xytext=(0, -11),
                    textcoords="offset points", ha="center", fontsize=7)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("test accuracy", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("how separable is each stage?", fontsize=9)
    fig.suptitle("the test images at each stage of 64 → 32 → 16 → 10, in each stage's own "
                 "2-D PCA (colour and label: the true digit)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return fig


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        epochs: int | None = None, activation: str = "tanh", seed: int = 0) -> ExampleResult:
    """Train 64 → 32 → 16 → 10 on the digits and look at every stage (``quick``: 15 epochs,
    shorter probe fits)."""
    start = time.perf_counter()
    epochs = (15 if quick else 40) if epochs is None else epochs
    steps = 600 if quick else 3000  # probe fitting steps (the probes are most of the time)
    data = load_digits_dataset()
    train, test = split(data, 0.75, seed)
    scaler = Standardize().fit(train.x)
    x_train, x_test = scaler.transform(train.x), scaler.transform(test.x)
    y_train, y_test = np.asarray(train.y), np.asarray(test.y)
    net = MLP([64, *LAYERS, 10], activation, "softmax", "cross_entropy", np.float32)
    # Small initial weights and a light L2 penalty, so that what the first layer's weights show
    # is what training put there, not the random start (accuracy is the same either way).
    net.initialize("gaussian", seed, std=0.01)
    trainer = Trainer(net, make_optimizer("adam", lr=0.003), x_train, y_train,
                      problem="classification", batch_size=32, seed=seed, x_test=x_test,
                      y_test=y_test, regularization="l2", reg_rate=L2)
    trainer.fit(epochs)
    row = trainer.history.last()
    reps_train, reps_test = represent(net, x_train), represent(net, x_test)
    full: dict[str, float] = {}
    flat: dict[str, float] = {}
    views: list[tuple[str, np.ndarray, float]] = []
    for i, st in enumerate(stages(net)):
        if st.name not in SHOWN:
            continue
        full[st.name] = probe(reps_train[i], y_train, reps_test[i], y_test, n_classes=10,
                              stage=st.name, max_steps=steps).test
        p_train, p_test, kept = pca2(reps_train[i], reps_test[i])
        flat[st.name] = probe(p_train, y_train, p_test, y_test, n_classes=10,
                              stage=st.name, max_steps=steps).test
        views.append((f"{st.name} ({st.width}-D)", p_test, kept))
    last = f"a{len(LAYERS)}"
    numbers: dict[str, Any] = {
        "test_accuracy": row["test_accuracy"],
        "train_accuracy": row["train_accuracy"],
        **{f"probe_{k}": v for k, v in full.items()},
        **{f"probe_pca2_{k}": v for k, v in flat.items()},
        "probe_gain_input_to_last_hidden": full[last] - full["input"],
        "probe_pca2_gain_input_to_last_hidden": flat[last] - flat["input"],
        "n_train": len(y_train),
        "n_test": len(y_test),
        "epochs": epochs,
        "activation": activation,
    }
    pictures = {"": png(figure_stages(views, y_test, full, flat)),
                "weights": png(figure_weights(net))}
    return finish(NAME, TITLE, numbers, start, explanation,
                  pictures, {"net": net, "scaler": scaler})


def explanation(n: dict[str, Any]) -> str:
    """The page's text."""
    return f"""
The founding text describes a deep network as building up its picture of the input: pixels,
then strokes, then parts, then the whole. Here is that view on real images — the 8×8
handwritten digits that ship inside scikit-learn (optional for depthlens: `{INSTALL}`;
nothing is downloaded). A 64 → 32 → 16 → 10 network ({n['activation']}, softmax output) learns
from {n['n_train']} images and classifies **{n['test_accuracy']:.3f}** of the {n['n_test']}
test images correctly.

**Layer 1 looks for strokes** (second picture): each of the 32 units has one weight per pixel,
and drawn as an 8×8 image the weights show what the unit responds to — ink along some bar or
curve (blue) and no ink elsewhere (orange). At 8×8 pixels these detectors are coarse: a few
pixels make a stroke. (The weights start near zero, std 0.01, with a light L2 penalty
{L2:g}, so that the images show what training put there rather than the random start.)

**Each layer's representation** (first picture) shows the test images as points, in the 2-D
PCA of that stage. In the pixels the digits overlap in one cloud; layer by layer they pull
apart into clusters, one per digit. A linear probe on those 2-D views — how separable the
classes are *in the picture* — rises from {n['probe_pca2_input']:.2f} (pixels) to
{n['probe_pca2_a1']:.2f} (layer 1), {n['probe_pca2_a2']:.2f} (layer 2) and
{n['probe_pca2_z3']:.2f} (the output scores, before the softmax).

**A caveat the numbers make**: with all of its 64 dimensions, the raw pixel space is already
almost linearly separable — a linear probe on the pixels scores {n['probe_input']:.3f}; on the
hidden layers {n['probe_a1']:.3f} and {n['probe_a2']:.3f} (a gain of
{n['probe_gain_input_to_last_hidden']:+.3f}). Small clean digits need little bending; what the
layers add is mainly *compression*: 16 numbers that separate the classes as well as 64 pixels
do, and a geometry in which they are visible in two.
"""
