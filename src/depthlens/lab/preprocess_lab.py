"""The preprocessing lab: one network, one badly scaled dataset, five ways to feed it.

The data (``badly_scaled``): two Gaussian classes in a plane, written in badly chosen units,

    x₁ = 20·u₁ + 50            (values in the tens, offset far from 0)
    x₂ = 0.05·(u₂ + ½u₁) + 1    (values in hundredths, correlated with x₁)

with (u₁, u₂) the blobs' natural coordinates (turned by 30°); the classes need both features.
The same network (default 2-8-1 tanh, Glorot init, SGD lr 0.01, batch 10, same seed) is trained
on the inputs as they are and after each preprocessing of ``depthlens.data.preprocessing``
(fitted on the training inputs):

    none         z = x
    center       z = x − μ
    standardize  z = (x − μ)/σ                 per feature
    pca-whiten   z = (x − μ)·Vᵀ·Λ^(−½)          decorrelated, unit variance along the axes of Σ
    zca          z = (x − μ)·Vᵀ·Λ^(−½)·V        the same, turned back to the input axes

For each the lab reports the condition number κ(Σ) = λ_max/λ_min of the training inputs'
covariance, the condition number of E[x̃x̃ᵀ] (x̃ = (x, 1), which also sees the offset) and the
epochs needed to reach a target loss. Why it matters: for a linear unit on
inputs with covariance Σ (and mean μ), the squared loss has Hessian E[x̃x̃ᵀ] with x̃ = (x, 1),
so gradient descent's stable step is set by the largest eigenvalue while progress along the
smallest eigenvector goes as (1 − lr·λ_min)ᵏ: about κ steps are needed. An offset μ adds a huge
eigenvalue too (centering removes it); standardizing fixes the scales; whitening also removes
the correlation (κ = 1). Saturating tanh units on inputs in the tens are a second trouble.

Python::

    from depthlens.lab import preprocess_lab
    lab = preprocess_lab(epochs=60)
    lab.runs["standardize"].epochs_to_target
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from depthlens.data.dataset import TWO_CLASS_NAMES, Dataset
from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lab.curves import train_curves

Array = np.ndarray

TRANSFORMS = ("none", "center", "standardize", "pca-whiten", "zca")
LABELS = {"none": "raw", "center": "centered", "standardize": "standardized",
          "pca-whiten": "PCA-whitened", "zca": "ZCA-whitened"}


def badly_scaled(n_samples: int = 400, seed: int = 0, scale: tuple[float, float] = (20.0, 0.05),
                 offset: tuple[float, float] = (50.0, 1.0), angle: float = 30.0) -> Dataset:
    """The lab's two-class dataset in bad units (module docstring)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_samples)
    sign = np.where(y == 1, 1.0, -1.0)
    u = rng.normal(size=(n_samples, 2)) * 0.8 + sign[:, None]
    th = math.radians(angle)
    rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    u = u @ rot.T
    x = np.column_stack([u[:, 0] * scale[0] + offset[0],
                         (u[:, 1] + 0.5 * u[:, 0]) * scale[1] + offset[1]])
    return Dataset(x, y, "classification", 2, TWO_CLASS_NAMES, ("x1", "x2"), "badly-scaled")


def condition_number(x: Array) -> float:
    """κ(Σ) = λ_max/λ_min of the population covariance of the rows of x (inf if singular)."""
    xc = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
    lam = np.linalg.eigvalsh(xc.T @ xc / xc.shape[0])
    return float(lam[-1] / lam[0]) if lam[0] > 0 else math.inf


def hessian_condition(x: Array) -> float:
    """κ of E[x̃x̃ᵀ] with x̃ = (x, 1): the Hessian of a linear unit with a bias under the squared
    loss, up to a factor 2. Unlike κ(Σ) it sees an offset (which centering removes)."""
    xa = np.column_stack([np.asarray(x, dtype=np.float64), np.ones(len(x))])
    lam = np.linalg.eigvalsh(xa.T @ xa / xa.shape[0])
    return float(lam[-1] / lam[0]) if lam[0] > 0 else math.inf


@dataclass
class PreprocessRun:
    """One transform: its training inputs (after the transform), κ(Σ), κ(E[x̃x̃ᵀ]) and the
    curves (index 0 = before training)."""

    name: str
    x_train: Array
    condition: float
    hessian_condition: float
    train_loss: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    epochs_to_target: int | None = None
    diverged: str | None = None


@dataclass
class PreprocessLab:
    """Every transform's run, the raw training inputs and labels, the target loss."""

    runs: dict[str, PreprocessRun]
    x_raw: Array
    y: Array
    target: float
    epochs: int
    config: Config


def preprocess_config(preprocessing: str = "none", layers: Sequence[int] = (8,),
                      activation: str = "tanh", optimizer: str = "sgd", lr: float = 0.01,
                      batch_size: int = 10, seed: int = 0) -> Config:
    """The Config every run uses, with its own preprocessing."""
    return Config(dataset="gauss", layers=tuple(layers), activation=activation,
                  init="glorot_uniform", preprocessing=preprocessing, optimizer=optimizer,
                  lr=lr, batch_size=batch_size, seed=seed)


def preprocess_lab(transforms: Sequence[str] = TRANSFORMS, dataset: Dataset | None = None,
                   epochs: int = 100, target: float = 0.3, layers: Sequence[int] = (8,),
                   activation: str = "tanh", optimizer: str = "sgd", lr: float = 0.01,
                   batch_size: int = 10, seed: int = 0,
                   progress: Callable[[str], object] | None = None) -> PreprocessLab:
    """Train the same network on each transform of ``dataset`` (``badly_scaled()`` by default)
    for ``epochs`` epochs; ``epochs_to_target`` is the first epoch whose training loss is at
    most ``target`` (None if none is)."""
    for t in transforms:
        if t not in TRANSFORMS:
            raise ConfigError("transforms", t, TRANSFORMS)
    data = badly_scaled(seed=seed) if dataset is None else dataset
    runs: dict[str, PreprocessRun] = {}
    cfg = preprocess_config("none", layers, activation, optimizer, lr, batch_size, seed)
    x_raw = y = None
    for name in transforms:
        session = Session(cfg.replace(preprocessing=name), dataset=data)
        if x_raw is None:
            x_raw, y = session.train_data.x, session.train_data.y
        run = PreprocessRun(name, session.x_train, condition_number(session.x_train),
                            hessian_condition(session.x_train))
        curves = train_curves(session, epochs)
        run.train_loss, run.test_metric = curves.train_loss, curves.test_metric
        run.diverged = curves.diverged
        run.epochs_to_target = next((e for e, loss in enumerate(run.train_loss)
                                     if e > 0 and loss <= target), None)
        runs[name] = run
        if progress is not None:
            progress(name)
    assert x_raw is not None and y is not None
    return PreprocessLab(runs, np.asarray(x_raw), np.asarray(y), float(target), int(epochs), cfg)
