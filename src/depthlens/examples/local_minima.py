"""``local-minima``: the first trouble of gradient descent, shown two ways.

1. **The double well** (when ``depthlens.lab`` is installed): the founding text's picture, a
   loss with a shallow local valley and a deeper global one. From a start in the local basin,
   plain gradient descent stops in the local valley; momentum rolls over the ridge into the
   global one. The race and its picture are the lab's (``lab.race_on_surface``), run on the
   engine's own optimizers.
2. **The network race** (always; the whole example when the lab is missing): Playground's
   default network 2 → 4 → 2 → 1 (tanh) on the circle, started from the same weights, trained
   with per-sample SGD and with full-batch descent for the same number of gradient evaluations
   (epochs), from several starting points. Per-sample SGD makes n small noisy steps per epoch
   where full-batch descent makes one exact step: at the same learning rate it is far ahead,
   and even a full-batch learning rate 33× larger leaves some starts stuck in a poor minimum
   that per-sample SGD does not stay in.
"""

from __future__ import annotations

import time
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.examples.common import ExampleResult, finish, png
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session

NAME = "local-minima"
TITLE = "Local minima: the double well, and per-sample against full-batch descent"
SUMMARY = "gradient descent stuck in a local valley; per-sample SGD vs full batch on a network"

RACERS = ("sgd", "momentum", "nesterov", "adam")
CONTENDERS: dict[str, tuple[int | str, float]] = {
    "per-sample SGD, lr 0.03": (1, 0.03),
    "full batch, lr 0.03": ("all", 0.03),
    "full batch, lr 1.0": ("all", 1.0),
}
"""Label → (batch size, learning rate) of the network race."""
SOLVED = 0.95
PALETTE = ("#0877bd", "#999999", "#f59322")


def lab_available() -> bool:
    """Whether ``depthlens.lab`` (the training lab) can be imported."""
    try:
        import depthlens.lab  # noqa: F401
    except ImportError:
        return False
    return True


def double_well() -> tuple[dict[str, Any], bytes]:
    """The lab's double-well race of ``RACERS``: (numbers, picture)."""
    from depthlens.lab import race_on_surface, race_table
    from depthlens.lab.figures import surface_race_figure
    from depthlens.lab.surfaces import get_surface

    surface = get_surface("double_well")
    paths = race_on_surface(surface, list(RACERS))
    rows = {r.name: r for r in race_table(surface, paths)}
    numbers: dict[str, Any] = {}
    for name, row in rows.items():
        numbers[f"well_{name}_minimum"] = row.minimum
        numbers[f"well_{name}_final_value"] = row.final_value
    fig = surface_race_figure(surface, paths)
    fig.suptitle("the double well f = (x² − 1)² + 0.3·x + ½·y², from a start in the local "
                 "basin (depthlens.lab)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return numbers, png(fig)


def make_config(batch_size: int | str, lr: float, epochs: int, seed: int) -> Config:
    """Playground's default network on the circle, Glorot-uniform weights."""
    return Config(dataset="circle", layers=(4, 2), activation="tanh", optimizer="sgd", lr=lr,
                  batch_size=batch_size, epochs=epochs, init="glorot_uniform", seed=seed)


def network_race(epochs: int, starts: int) -> dict[str, dict[str, list]]:
    """Every contender from every start: final test accuracy and train loss per epoch."""
    out: dict[str, dict[str, list]] = {}
    for label, (batch, lr) in CONTENDERS.items():
        acc, curves = [], []
        for seed in range(starts):
            session = Session(make_config(batch, lr, epochs, seed))
            session.run()
            acc.append(float(session.metrics()["test_accuracy"]))
            curves.append(list(session.history.train_loss))
        out[label] = {"accuracy": acc, "loss": curves}
    return out


def race_figure(race: dict[str, dict[str, list]], epochs: int) -> plt.Figure:
    """Loss per epoch (every start, thin) and final test accuracy per start."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.4),
                                      gridspec_kw={"width_ratios": [1.3, 1]})
    starts = len(next(iter(race.values()))["accuracy"])
    for c, (label, r) in zip(PALETTE, race.items()):
        for k, curve in enumerate(r["loss"]):
            left.plot(np.arange(1, len(curve) + 1), curve, color=c, lw=1.0, alpha=0.55,
                      label=label if k == 0 else None)
    left.set_yscale("log")
    left.set_xlabel("epoch (= the same number of gradient evaluations for all)", fontsize=8)
    left.set_ylabel("training loss (binary cross-entropy)", fontsize=8)
    left.legend(fontsize=7, loc="lower left")
    left.set_title(f"training loss, {starts} starting points each", fontsize=9)
    left.tick_params(labelsize=7)
    xs = np.arange(starts)
    for j, (c, (label, r)) in enumerate(zip(PALETTE, race.items())):
        right.scatter(xs + (j - 1) * 0.22, r["accuracy"], color=c, s=28, label=label,
                      zorder=3)
    right.axhline(SOLVED, color="#555555", ls="--", lw=0.8)
    right.set_xticks(xs, [f"start {k}" for k in xs], fontsize=7, rotation=45)
    right.set_ylim(0.4, 1.04)
    right.set_ylabel("test accuracy after the race", fontsize=8)
    right.set_title(f"where each start ends (dashed: {SOLVED})", fontsize=9)
    right.tick_params(labelsize=7)
    fig.suptitle(f"the network race: 2 → 4 → 2 → 1 tanh on the circle, {epochs} epochs, the "
                 "same initial weights for the three contenders at each start", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        epochs: int | None = None, starts: int | None = None,
        no_lab: bool = False) -> ExampleResult:
    """The double-well race (lab permitting) and the network race (``quick``: 4 starts, 150
    epochs)."""
    start = time.perf_counter()
    epochs = (150 if quick else 300) if epochs is None else epochs
    starts = (4 if quick else 8) if starts is None else starts
    numbers: dict[str, Any] = {}
    pictures: dict[str, bytes] = {}
    use_lab = not no_lab and lab_available()
    if use_lab:
        well, pic = double_well()
        numbers.update(well)
        pictures[""] = pic
    race = network_race(epochs, starts)
    for label, r in race.items():
        key = label.replace(", ", "_").replace(" ", "_").replace("-", "_")
        numbers[f"{key}_mean_accuracy"] = float(np.mean(r["accuracy"]))
        numbers[f"{key}_solved"] = int(sum(a >= SOLVED for a in r["accuracy"]))
        numbers[f"{key}_accuracies"] = ", ".join(f"{a:.2f}" for a in r["accuracy"])
    numbers.update({"epochs": epochs, "starts": starts, "double_well_from_lab": use_lab})
    pictures["network" if use_lab else ""] = png(race_figure(race, epochs))
    return finish(NAME, TITLE, numbers, start, explanation, pictures, {"race": race})


def explanation(n: dict[str, Any]) -> str:
    """The page's text."""
    per, slow, fast = ("per_sample_SGD_lr_0.03", "full_batch_lr_0.03", "full_batch_lr_1.0")
    parts = []
    if n["double_well_from_lab"]:
        parts.append(f"""
**The double well.** Gradient descent follows the slope downhill and stops where the slope is
zero — in whatever valley it started in. On f = (x² − 1)² + 0.3·x + ½·y², started in the
shallow right-hand valley, plain gradient descent ends in the **{n['well_sgd_minimum']}**
minimum (f = {n['well_sgd_final_value']:.3f}). Momentum keeps part of each step's velocity, so
it rolls through the valley's bottom and over the ridge: it ends in the
**{n['well_momentum_minimum']}** minimum (f = {n['well_momentum_final_value']:.3f}), and so
does Nesterov's variant ({n['well_nesterov_minimum']}). Adam's steps, normalised per
coordinate, shrink as the slope vanishes: it ends in the {n['well_adam_minimum']} minimum. (The
race is `depthlens.lab`'s, on the engine's own optimizers; `depthlens lab optimizers` races
every optimizer on this and six other surfaces.)
""")
    stuck = (": a start where it falls short has settled on a flat stretch or a poor minimum "
             "of the loss (its curve stays level), which the noisy per-sample steps from the "
             "same weights did not stay in." if n[fast + "_solved"] < n["starts"] else ".")
    parts.append(f"""
**The network race.** The same network — Playground's default 2 → 4 → 2 → 1 with tanh — on
the circle data, from {n['starts']} starting points; at each start all contenders begin from
the *same* weights and get the same number of gradient evaluations ({n['epochs']} epochs: every
training point's gradient computed {n['epochs']} times).

- Per-sample SGD at learning rate 0.03 makes one small step per point: it solves the circle
  (test accuracy ≥ {SOLVED}) from **{n[per + '_solved']} of {n['starts']}** starts (mean
  accuracy {n[per + '_mean_accuracy']:.3f}; per start: {n[per + '_accuracies']}).
- Full-batch descent at the same rate makes one exact step per epoch — a few hundred in all —
  and solves it from {n[slow + '_solved']} (mean {n[slow + '_mean_accuracy']:.3f}).
- Full-batch descent at 33× the rate solves it from {n[fast + '_solved']} (mean
  {n[fast + '_mean_accuracy']:.3f}; per start: {n[fast + '_accuracies']}){stuck}

Per-sample SGD is the founding text's cure for both troubles of gradient descent at once: each
step costs one sample's gradient instead of all of them, and the noise of those steps shakes
the parameters out of shallow valleys.
""")
    return "\n\n".join(p.strip() for p in parts)
