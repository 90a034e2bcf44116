"""``molecules``: a 2 → 3 linear layer whose weight matrix is a table of recipes.

Rows of W are molecules, columns are atoms: CO₂ = 1 C + 2 O, O₃ = 3 O, CO = 1 C + 1 O. So
y = W·x turns any per-atom quantity x = (x_C, x_O) into the same quantity per molecule: atoms
counted as 1 each give the atoms per molecule (3, 3, 2); atomic masses (12.011, 15.999) give
molecular masses; (1, 0) counts the carbons and (0, 1) the oxygens. Read the other way, Wᵀ
maps a shopping list of molecules to the atoms it needs.

The example does not write W down: it *trains* a 2 → 3 linear layer (the engine's MLP with no
hidden layer, identity output, MSE, full-batch SGD) on random per-atom values and their
per-molecule totals, and the recipes come out as the learned weights (biases → 0).
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
from depthlens.examples.common import ExampleResult, png, rounded
from depthlens.nn.network import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import Trainer

NAME = "molecules"
TITLE = "Molecules: the weight matrix as a table of recipes"
SUMMARY = "a 2 → 3 linear layer learns CO₂ = C + 2 O, O₃ = 3 O, CO = C + O"

ATOMS = ("C", "O")
MOLECULES = ("CO₂", "O₃", "CO")
MATH_NAMES = ("CO$_2$", "O$_3$", "CO")
RECIPES = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
"""W: one row per molecule, one column per atom (how many of that atom the molecule holds)."""
MASSES = np.array([12.011, 15.999])
"""Standard atomic masses of carbon and oxygen (u)."""
PROBES: dict[str, np.ndarray] = {
    "atoms counted once each": np.array([1.0, 1.0]),
    "carbon only": np.array([1.0, 0.0]),
    "oxygen only": np.array([0.0, 1.0]),
    "protons (6, 8)": np.array([6.0, 8.0]),
}
"""Per-atom quantities fed to the trained layer, each giving a per-molecule count."""
MIX = np.array([2.0, 1.0, 3.0])
"""A shopping list: 2 CO₂ + 1 O₃ + 3 CO, which needs Wᵀ·MIX = 5 C and 10 O."""


def learn(n_samples: int, steps: int, seed: int) -> tuple[MLP, list[float]]:
    """Train the 2 → 3 linear layer on x ~ U(0, 1)², y = RECIPES·x; return it and its losses."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n_samples, 2))
    y = x @ RECIPES.T
    net = MLP([2, 3], activation=(), output="linear", loss="mse", dtype=np.float64)
    net.initialize("glorot_uniform", rng)
    trainer = Trainer(net, make_optimizer("sgd", lr=0.5, momentum=0.9), x, y,
                      problem="regression", batch_size="all", seed=seed)
    losses = [trainer.step() for _ in range(steps)]
    return net, losses


def figure(net: MLP, losses: list[float], outputs: dict[str, np.ndarray]) -> plt.Figure:
    """The learned W as a recipe table, the 2-D atom plane lifted into 3-D molecule space, and
    molecular masses from atomic masses."""
    w, b = net.weights[0], net.biases[0]
    fig = plt.figure(figsize=(12.5, 4.3))
    ax = fig.add_subplot(1, 3, 1)
    ax.imshow(w, cmap="Blues", vmin=0, vmax=3.6)
    for i in range(3):
        for j in range(2):
            ax.text(j, i, f"{w[i, j]:.3f}", ha="center", va="center", fontsize=12,
                    color="white" if w[i, j] > 1.8 else "#111111")
    ax.set_xticks([0, 1], [f"{a} atoms" for a in ATOMS])
    ax.set_yticks([0, 1, 2], [f"{m} = ({int(r[0])} C, {int(r[1])} O)"
                              for m, r in zip(MATH_NAMES, RECIPES)])
    ax.set_title(f"the learned W (3 × 2): one recipe per row\nbias {np.round(b, 4) + 0.0}, "
                 f"final loss {losses[-1]:.1e}", fontsize=9)
    ax3 = fig.add_subplot(1, 3, 2, projection="3d")
    grid = np.linspace(0.0, 1.0, 6)
    for c in grid:
        for line in (np.column_stack([np.full(30, c), np.linspace(0, 1, 30)]),
                     np.column_stack([np.linspace(0, 1, 30), np.full(30, c)])):
            p = net.forward(line)
            ax3.plot(p[:, 0], p[:, 1], p[:, 2], color="#888888", lw=0.7)
    corners = net.forward(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]))
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    ax3.add_collection3d(Poly3DCollection([corners], facecolor=hexcolor(colors.BLUE),
                                          alpha=0.15, edgecolor="none"))
    marks = {"0": np.array([0.0, 0.0]), "C": np.array([1.0, 0.0]),
             "O": np.array([0.0, 1.0]), "C+O": np.array([1.0, 1.0])}
    for label, x in marks.items():
        p = net.forward(x[None, :])[0]
        ax3.scatter(*p, color=hexcolor(colors.BLUE), s=30)
        ax3.text(p[0], p[1], p[2] + 0.12, f"{label} → {tuple(round(float(v)) for v in p)}",
                 fontsize=8, ha="center")
    ax3.set_xlabel(MATH_NAMES[0], fontsize=8)
    ax3.set_ylabel(MATH_NAMES[1], fontsize=8)
    ax3.set_zlabel(MATH_NAMES[2], fontsize=8)
    ax3.tick_params(labelsize=7)
    ax3.view_init(elev=28, azim=150)
    ax3.set_title("the atom square [0, 1]² (2-D) carried into\nmolecule space (3-D): still a "
                  "flat plane", fontsize=9)
    ax = fig.add_subplot(1, 3, 3)
    mass = outputs["masses"]
    xs = np.arange(3)
    ax.bar(xs - 0.2, RECIPES @ MASSES, 0.38, color="#bbbbbb", label="from the recipe")
    ax.bar(xs + 0.2, mass, 0.38, color=hexcolor(colors.BLUE), label="the layer's output")
    for x, m in zip(xs, mass):
        ax.text(x + 0.2, m + 0.8, f"{m:.3f}", ha="center", fontsize=8)
    ax.set_xticks(xs, MATH_NAMES)
    ax.set_ylabel("molecular mass (u)", fontsize=8)
    ax.set_ylim(0, 56)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("input: the atomic masses (12.011, 15.999)\noutput: W·x, the molecular "
                 "masses", fontsize=9)
    fig.suptitle("A 2 → 3 linear layer y = W·x + b trained on per-atom values → per-molecule "
                 "totals: its rows are the recipes", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        n_samples: int = 64, steps: int | None = None, seed: int = 0) -> ExampleResult:
    """Train the layer and read the recipes off its weights (``quick``: 1000 steps)."""
    start = time.perf_counter()
    steps = (1000 if quick else 3000) if steps is None else steps
    net, losses = learn(n_samples, steps, seed)
    w = net.weights[0].copy()
    outputs = {name: net.forward(x[None, :])[0] for name, x in PROBES.items()}
    outputs["masses"] = net.forward(MASSES[None, :])[0]
    needs = w.T @ MIX
    numbers: dict[str, Any] = {
        "max_weight_error": float(np.abs(w - RECIPES).max()),
        "max_bias": float(np.abs(net.biases[0]).max()),
        "weights_round_to_recipes": bool(np.array_equal(np.round(w), RECIPES)),
        "final_loss": float(losses[-1]),
        "steps": steps,
    }
    for name, out in outputs.items():
        numbers[f"out {name}"] = ", ".join(f"{v:.4f}" for v in out)
    numbers["atoms for 2 CO2 + 1 O3 + 3 CO"] = f"C {needs[0]:.4f}, O {needs[1]:.4f}"
    numbers["elapsed_s"] = time.perf_counter() - start
    numbers = rounded(numbers)
    pic = png(figure(net, losses, outputs))
    text = explanation(numbers, outputs, needs)
    return ExampleResult(NAME, TITLE, numbers, text, {"": pic},
                         {"net": net, "outputs": outputs}, command=f"depthlens example {NAME}")


def explanation(n: dict[str, Any], outputs: dict[str, np.ndarray], needs: np.ndarray) -> str:
    """The page's text."""
    count = outputs["atoms counted once each"]
    mass = outputs["masses"]
    return f"""
A dense layer computes y = W·x + b. With two inputs and three outputs, W has three rows of
two numbers, and each output is its row's weighted sum of the inputs. Make the inputs atoms
(carbon, oxygen) and the outputs molecules (CO₂, O₃, CO), and a row *is* a recipe:
CO₂ = 1 C + 2 O is the row (1, 2).

The example trains such a layer without telling it the recipes: it sees {n['steps']} rounds of
random per-atom values x (think: a price per atom) and the per-molecule totals, and learns W by
full-batch gradient descent. The learned weights are the recipes to within
{n['max_weight_error']:.1e} (biases within {n['max_bias']:.1e}); rounded, they are exactly
(1, 2), (0, 3), (1, 1).

Whatever a per-atom quantity is, the layer turns it into the per-molecule one: count each atom
as 1 and it outputs the atoms per molecule, ({count[0]:.3f}, {count[1]:.3f}, {count[2]:.3f}) ≈
(3, 3, 2); give it the atomic masses (12.011, 15.999) and it outputs the molecular masses
({mass[0]:.3f}, {mass[1]:.3f}, {mass[2]:.3f}). Read backwards, Wᵀ turns a shopping list into the
atoms it needs: 2 CO₂ + 1 O₃ + 3 CO needs {needs[0]:.3f} C and {needs[1]:.3f} O (5 and 10).

Geometrically the layer *changes dimension*: the square of atom values (2-D) lands on a tilted
flat plane inside the 3-D molecule space (middle picture). A linear layer can only raise the
dimension this way, onto a flat subspace; bending it needs an activation (see the other
examples).
"""
