"""A 3-D view of a layer's space: the data, the warped input plane and the separating plane.

A stage of 3 units is drawn in its own coordinates (equal scales, a cubic box); a wider stage
through 3 chosen units or a 3-axis PCA of the data's representation. The input plane's decision
grid becomes a warped, coloured surface (the cells, coloured by the network's prediction), the
grid lines run over it, and in the last hidden layer the output unit's separating plane cuts
through the box: the classes lie on either side of it when the network has made them linearly
separable.

Python::

    from depthlens.draw.space3d import space_3d, three_unit_stage
    fig = space_3d(session)                # the last 3-unit layer, or None if there is none
    fig = space_3d(session, stage="a1")    # any stage, through a PCA if it is wider
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from depthlens.draw.scene import Scene, build_scene
from depthlens.draw.stage_axes import draw_stage, stage_projection

if TYPE_CHECKING:
    from depthlens.experiment.session import Session


def three_unit_stage(scene: Scene) -> int | None:
    """The stage a 3-D view shows by default: the last hidden layer if it has 3 units, else the
    last post-activation stage (output included) with 3 units; None if there is none."""
    if scene.last_hidden > 0 and scene.stages[scene.last_hidden].width == 3:
        return scene.last_hidden
    chosen = [i for i in scene.post_indices() if scene.stages[i].width == 3 and i > 0]
    return chosen[-1] if chosen else None


def space_3d(session: Session, stage: str | int | None = None,
             units: tuple[int, ...] | None = None, scene: Scene | None = None,
             elev: float = 22.0, azim: float = -58.0, resolution: int = 24) -> plt.Figure | None:
    """The 3-D picture of one stage (default ``three_unit_stage``); None when no stage is given
    and the network has no 3-unit layer."""
    scene = build_scene(session, resolution=resolution) if scene is None else scene
    i = three_unit_stage(scene) if stage is None else scene.index(stage)
    if i is None:
        return None
    fig = plt.figure(figsize=(6.4, 6.0))
    ax = fig.add_subplot(projection="3d")
    proj = stage_projection(scene, i, 3, units)
    if proj.dims < 3:
        plt.close(fig)
        return None
    draw_stage(ax, scene, i, proj)
    ax.view_init(elev=elev, azim=azim)
    title = scene.label(i)
    if proj.note != "own units":
        title += f" · {proj.note}"
    sep = (" · grey plane: the output's separating plane"
           if i == scene.last_hidden and scene.hyperplane is not None else "")
    ax.set_title(f"{title}\ncoloured surface: the input plane, carried here{sep}", fontsize=9)
    fig.tight_layout()
    return fig
