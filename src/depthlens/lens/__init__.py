"""The lens: what each layer of a network does to space.

- ``representations``: the data and a grid of input lines at every stage (input, z1, a1, …).
- ``operations``: a dense layer as rotate, (reflect), scale, change dimension, rotate,
  translate, bend — each step with a caption and an interpolation for animation.
- ``probes``: linear separability of every stage (a linear read-out's accuracy or R²).
"""

from depthlens.lens.operations import LayerOperations, Step, decompose
from depthlens.lens.probes import ProbeResult, WarmStart, probe, probe_stages
from depthlens.lens.representations import (
    GridLines,
    Stage,
    View,
    grid_lines,
    make_view,
    represent,
    separating_hyperplane,
    stage_index,
    stages,
)

__all__ = [
    "GridLines",
    "LayerOperations",
    "ProbeResult",
    "Stage",
    "Step",
    "View",
    "WarmStart",
    "decompose",
    "grid_lines",
    "make_view",
    "probe",
    "probe_stages",
    "represent",
    "separating_hyperplane",
    "stage_index",
    "stages",
]
