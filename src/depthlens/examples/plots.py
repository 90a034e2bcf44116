"""Pictures and probe numbers several examples share, built on ``depthlens.draw``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.draw.charts import score, stage_probes
from depthlens.draw.scene import Scene, build_scene
from depthlens.draw.stage_axes import draw_stage, stage_projection
from depthlens.draw.strip import layer_strip
from depthlens.examples.common import png
from depthlens.lens.probes import ProbeResult

if TYPE_CHECKING:
    from depthlens.experiment.session import Session


def probe_results(session: Session) -> list[ProbeResult]:
    """A linear probe per post-activation stage (input, a1, …, output) of the session."""
    return stage_probes(session, "post")


def probe_dict(session: Session, results: list[ProbeResult] | None = None) -> dict[str, float]:
    """Probe score per stage name: test accuracy (or R²), the train score if there is no test."""
    results = probe_results(session) if results is None else results
    return {r.stage: float(score(r)) for r in results}


def strip_png(session: Session, title: str, probes: list[ProbeResult] | None = None,
              per_row: int = 5, dims: int = 2) -> bytes:
    """The lens strip of ``session`` as PNG bytes, with ``title`` above it."""
    fig = layer_strip(session, probes=probes, per_row=per_row, dims=dims)
    fig.suptitle(f"{title}\nunder each panel: a linear probe's accuracy on that stage",
                 fontsize=9)
    return png(fig)


def balanced_accuracy_gap(a: float, b: float) -> float:
    """a − b, rounded to 4 decimals (for the pages' 'gained' numbers)."""
    return float(np.round(a - b, 4))


def stage_figure(session: Session | None, panels: list[tuple], title: str,
                 size: tuple[float, float] = (11.0, 5.0), elev: float = 22.0,
                 azim: float = -58.0, surface_3d: bool = True) -> plt.Figure:
    """One figure of lens panels side by side, drawn by ``draw.stage_axes.draw_stage`` (cells
    coloured by the prediction, carried grid lines, points, and the separating hyperplane in
    the last hidden layer).

    ``panels``: ``(stage name, dims, caption)`` of ``session``, or ``(session, stage name,
    dims, caption)`` to mix networks. ``surface_3d=False`` leaves the carried input plane out of
    3-D panels (points and hyperplane only), for layers that wrap the plane around many times.
    """
    scenes: dict[int, Scene] = {}
    fig = plt.figure(figsize=size)
    for n, panel in enumerate(panels):
        own, stage, dims, caption = panel if len(panel) == 4 else (session, *panel)
        if id(own) not in scenes:
            scenes[id(own)] = build_scene(own, resolution=28)
        scene = scenes[id(own)]
        i = scene.index(stage)
        use3d = dims == 3 and scene.stages[i].width >= 3
        ax = fig.add_subplot(1, len(panels), n + 1, projection="3d" if use3d else None)
        proj = stage_projection(scene, i, 3 if use3d else 2)
        draw_stage(ax, scene, i, proj, cells=surface_3d or not use3d,
                   grid=surface_3d or not use3d)
        if use3d:
            ax.view_init(elev=elev, azim=azim)
            ax.tick_params(labelsize=6)
        else:
            ax.tick_params(labelsize=7)
        ax.set_title(caption, fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig
