"""``topology``: a disk inside an annulus — 2-unit layers cannot pull it out, 3-unit layers can.

Olah's topology argument: a tanh layer with 2 units maps the plane into the plane by a
continuous, one-to-one map (or squashes it), so however many such layers are stacked the disk
stays enclosed by the ring and no line can separate them. A third unit gives room: in 3-D the
disk can be lifted off the ring's plane and a flat plane cuts between them.

Configs (as in tests/lens/test_demonstrations.py): disk-annulus, three tanh layers of w units,
Adam at 0.03, 300 epochs, Glorot-uniform weights.
"""

from __future__ import annotations

import time
from typing import Any

from depthlens.examples.common import ExampleResult, finish, png
from depthlens.examples.plots import probe_dict, probe_results, stage_figure, strip_png
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session

NAME = "topology"
TITLE = "Topology: a disk in a ring needs a third dimension"
SUMMARY = "disk-annulus with 2-unit layers (fails) against 3-unit layers (succeeds)"


def make_config(width: int, depth: int, epochs: int, seed: int) -> Config:
    """disk-annulus through ``depth`` tanh layers of ``width`` units."""
    return Config(dataset="disk-annulus", layers=(width,) * depth, activation="tanh",
                  optimizer="adam", lr=0.03, epochs=epochs, init="glorot_uniform", seed=seed)


def run(quick: bool = False, budget: float | None = None, progress: bool = False,
        epochs: int | None = None, depth: int = 3, seed: int = 0) -> ExampleResult:
    """Train the 2-unit and the 3-unit net and probe their last hidden layers (``quick``: 150
    epochs)."""
    start = time.perf_counter()
    epochs = (150 if quick else 300) if epochs is None else epochs
    nets = {w: Session(make_config(w, depth, epochs, seed)) for w in (2, 3)}
    results, probes, m = {}, {}, {}
    for w, session in nets.items():
        session.run()
        results[w] = probe_results(session)
        probes[w] = probe_dict(session, results[w])
        m[w] = session.metrics()
    last = f"a{depth}"
    numbers: dict[str, Any] = {
        "test_accuracy_2_units": m[2]["test_accuracy"],
        "test_accuracy_3_units": m[3]["test_accuracy"],
        "train_accuracy_2_units": m[2]["train_accuracy"],
        "train_accuracy_3_units": m[3]["train_accuracy"],
        "probe_input": probes[2]["input"],
        "probe_last_hidden_2_units": probes[2][last],
        "probe_last_hidden_3_units": probes[3][last],
        "depth": depth,
        "epochs": epochs,
    }
    main = stage_figure(
        None,
        [(nets[2], "input", 2, f"the input: a disk inside a ring\nlinear probe "
                               f"{numbers['probe_input']:.3f}"),
         (nets[2], last, 2, f"2-unit layers, last hidden layer (2-D)\nlinear probe "
                            f"{numbers['probe_last_hidden_2_units']:.3f}"),
         (nets[3], last, 3, f"3-unit layers, last hidden layer (3-D)\nlinear probe "
                            f"{numbers['probe_last_hidden_3_units']:.3f}")],
        f"disk-annulus through {depth} tanh layers: accuracy {numbers['test_accuracy_2_units']:.3f}"
        f" with 2 units a layer, {numbers['test_accuracy_3_units']:.3f} with 3 (test) · dashed "
        "line / grey plane: the output's decision boundary", size=(13.5, 4.9), elev=30.0,
        azim=-120.0)
    pictures = {
        "": png(main),
        "2-units": strip_png(nets[2], "2 units a layer: every layer maps the plane into the "
                             "plane, the ring stays around the disk", results[2]),
        "3-units": strip_png(nets[3], "3 units a layer: the disk is lifted out of the ring",
                             results[3], dims=3),
    }
    return finish(NAME, TITLE, numbers, start, explanation,
                  pictures, {"two_units": nets[2], "three_units": nets[3]})


def explanation(n: dict[str, Any]) -> str:
    """The page's text."""
    return f"""
A blue disk sits inside an orange ring, with an empty gap between them. No line separates
them in the plane (a linear probe on the input scores {n['probe_input']:.3f}: the majority
class, about).

**Two units a layer.** Each tanh layer of width 2 maps the plane into the plane, continuously
and — unless it squashes — one to one. Such a map can stretch and fold space near its edges,
but it cannot pull the inside of a closed ring out through the ring: after
{n['depth']} such layers the ring still surrounds the disk. The network reaches only
{n['test_accuracy_2_units']:.3f} on the test points, and a linear probe on its last hidden
layer {n['probe_last_hidden_2_units']:.3f}.

**Three units a layer.** Now every layer maps into 3-D, where the disk can be lifted above the
ring's plane — like pushing the middle of a rubber sheet up. A flat plane then cuts between
them: the probe on the last hidden layer scores {n['probe_last_hidden_3_units']:.3f}, the
network {n['test_accuracy_3_units']:.3f}.

This is Olah's topology argument ("Neural Networks, Manifolds, and Topology"): some data
cannot be made linearly separable by any number of layers that are too narrow — depth cannot
replace the missing dimension. The strips below show every layer of both networks.
"""
