"""The layer strip: the input space, then every layer's space, side by side.

Each panel is one stage (``lens.stages``) drawn by ``stage_axes.draw_stage``: the warped decision
grid coloured by the network's prediction, the carried grid lines of the input plane, the
training points and, in the last hidden layer, the separating hyperplane; axes at equal scales
with their real units, so a layer that scales space up or down shows it. Under each panel, the
accuracy (or R²) of a linear probe on that stage: the number behind "deeper layers are more
linearly separable".

Python::

    from depthlens.draw.strip import layer_strip
    fig = layer_strip(session)                 # post-activation stages, 2-D views
    fig = layer_strip(session, which="all", dims=3, units=(0, 2, 3))
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from depthlens.draw.charts import probe_text, stage_probes
from depthlens.draw.scene import Scene, build_scene
from depthlens.draw.stage_axes import draw_stage, stage_projection
from depthlens.lens.probes import ProbeResult

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

PANEL = 3.1
"""Inches per panel."""


def data_text(session: Session) -> str:
    """The data's name for a title: the dataset's own ('circle', 'your data', a CSV's)."""
    return session.dataset.name or session.config.dataset


def epoch_text(session: Session) -> str:
    """Where training stands, for a title: 'epoch 12', or 'imported weights' for a model
    trained elsewhere and not trained here since (``Session.imported``)."""
    if getattr(session, "imported", False) and session.epoch == 0:
        return "imported weights"
    return f"epoch {session.epoch}"


def activation_text(session: Session) -> str:
    """The hidden activations in words ('tanh', or 'relu,tanh' per layer)."""
    act = session.config.activation
    return act if isinstance(act, str) else ",".join(act)


def architecture_text(session: Session) -> str:
    """The network's sizes ('2-8-8-1'); a recurrent one's cell and its window's steps too
    ('GRU 1-8-48 over 39 steps')."""
    arch = "-".join(str(s) for s in session.net.sizes)
    model = session.config.model
    if model == "mlp":
        return arch
    cell = "Elman" if model == "elman" else model.upper()
    return f"{cell} {arch} over {session.x_train.shape[1]} steps"


def layer_strip(session: Session, which: str = "post", dims: int = 2,
                units: tuple[int, ...] | None = None,
                probes: list[ProbeResult] | None = None, scene: Scene | None = None,
                per_row: int = 5, resolution: int = 32, progress: bool = False) -> plt.Figure:
    """The strip of ``session``'s network: one panel per stage.

    Args:
        which: 'post' (input, each activation, output) or 'all' (adds each W·x + b).
        dims: 2, or 3 to draw stages of 3 or more units in 3-D.
        units: 0-based units to show for stages wider than ``dims`` (else a PCA).
        probes: probe results per stage (``charts.stage_probes``); computed when None.
        per_row: panels per row before wrapping.
    """
    scene = build_scene(session, resolution=resolution) if scene is None else scene
    chosen = scene.post_indices(which)
    if probes is None:
        probes = stage_probes(session, which, progress=progress)
    by_stage = {p.stage: p for p in probes}
    cols = min(per_row, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig = plt.figure(figsize=(PANEL * cols, (PANEL + 0.55) * rows + 0.5))
    for n, i in enumerate(chosen):
        stage = scene.stages[i]
        use3d = dims == 3 and stage.width >= 3
        ax = fig.add_subplot(rows, cols, n + 1, projection="3d" if use3d else None)
        proj = stage_projection(scene, i, 3 if use3d else 2, units)
        title = scene.label(i)
        if proj.note != "own units":
            title += f"\n{proj.note}"
        draw_stage(ax, scene, i, proj, title=title)
        result = by_stage.get(stage.name)
        if result is not None:
            text = probe_text(result)
            if use3d:
                ax.text2D(0.5, -0.16, text, transform=ax.transAxes, ha="center", va="top",
                          fontsize=8)
            else:
                ax.set_xlabel(f"{ax.get_xlabel()}\n{text}", fontsize=8)
    arch = "-".join(str(s) for s in session.net.sizes)
    if session.problem == "classification":
        legend = "cells: the input plane coloured by the network's prediction"
        if scene.hyperplane is not None:
            legend += (" · dashed: where the output's decision flips (flat in the last "
                       "hidden layer)")
    else:
        legend = "points: the target · cells: the input plane coloured by the predicted value"
    fig.suptitle(f"{data_text(session)} · {arch} · {activation_text(session)} · "
                 f"{epoch_text(session)}: the data and a grid of the input plane carried through "
                 f"each layer\n{legend}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig
