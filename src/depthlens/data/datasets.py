"""The dataset registry: every named set, its defaults, and :func:`make_dataset`.

Limits shared by every set: ``n_samples`` from 1 to 100000, ``noise`` from 0 to 0.8 (Playground's
noise slider value / 100: the slider gives 0..0.5, a URL up to 0.8), ``seed`` a non-negative int.
Generation is deterministic: the same (name, n_samples, noise, seed, params) gives identical
arrays. Samples come back grouped by class (generation order); :func:`depthlens.data.split`
shuffles.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from depthlens.data._checks import MAX_NOISE, MAX_SAMPLES, check_common
from depthlens.data.dataset import Dataset
from depthlens.data.generators import line, playground, sequences, shapes
from depthlens.errors import ConfigError

WINDOW = (-6.0, 6.0)
N_CLASSIFY = 500  # Playground's NUM_SAMPLES_CLASSIFY
N_REGRESS = 1200  # Playground's NUM_SAMPLES_REGRESS


@dataclass(frozen=True)
class DatasetSpec:
    """What the registry knows about one dataset.

    ``domain`` is the default plotting window per input axis ((lo, hi), the same for every axis),
    or None when the inputs are not a picture (``sequence``). ``params`` maps each extra parameter
    of the generator to its default. ``n_features`` is the input width with default params.
    """

    name: str
    problem: str
    n_samples: int
    n_features: int
    domain: tuple[float, float] | None
    description: str
    generator: Callable[..., Dataset] = field(repr=False)
    params: Mapping[str, Any] = field(default_factory=dict)


def _spec(
    name: str,
    problem: str,
    n_samples: int,
    n_features: int,
    domain: tuple[float, float] | None,
    description: str,
    generator: Callable[..., Dataset],
) -> DatasetSpec:
    sig = inspect.signature(generator)
    params = {
        p: v.default for p, v in sig.parameters.items() if p not in ("n_samples", "noise", "seed")
    }
    return DatasetSpec(
        name,
        problem,
        n_samples,
        n_features,
        domain,
        description,
        generator,
        MappingProxyType(params),
    )


# fmt: off
_SPECS = [
    # TensorFlow Playground's six.
    _spec("circle", "classification", N_CLASSIFY, 2, WINDOW,
          "Playground: blue disk r<2.5 inside an orange ring 3.5<r<5; label noise",
          playground.circle),
    _spec("xor", "classification", N_CLASSIFY, 2, WINDOW,
          "Playground: quadrants, blue where x1*x2>=0, 0.3 padding off the axes; label noise",
          playground.xor),
    _spec("gauss", "classification", N_CLASSIFY, 2, WINDOW,
          "Playground: Gaussian clusters at (2,2) blue and (-2,-2) orange; noise widens them",
          playground.gauss),
    _spec("spiral", "classification", N_CLASSIFY, 2, WINDOW,
          "Playground: two interleaved spirals of 1.75 turns; noise moves points",
          playground.spiral),
    _spec("reg-plane", "regression", N_REGRESS, 2, WINDOW,
          "Playground: y=(x1+x2)/10 on [-6,6]^2; noise blurs the target",
          playground.reg_plane),
    _spec("reg-gauss", "regression", N_REGRESS, 2, WINDOW,
          "Playground: six signed cone bumps, y in [-1,1]; noise blurs the target",
          playground.reg_gauss),
    # More 2-D shapes.
    _spec("moons", "classification", N_CLASSIFY, 2, WINDOW,
          "two interleaved half circles", shapes.moons),
    _spec("checkerboard", "classification", N_CLASSIFY, 2, WINDOW,
          "tiles x tiles board of alternating classes (tiles 2..12)", shapes.checkerboard),
    _spec("spirals", "classification", N_CLASSIFY, 2, WINDOW,
          "k interleaved spiral arms, one class each (k 3..10)", shapes.spirals),
    _spec("rings", "classification", N_CLASSIFY, 2, WINDOW,
          "k concentric bands, one class each (k 2..10)", shapes.rings),
    _spec("two-curves", "classification", N_CLASSIFY, 2, WINDOW,
          "two parallel sine curves no line separates; sin(x1) lifts them apart",
          shapes.two_curves),
    _spec("disk-annulus", "classification", N_CLASSIFY, 2, WINDOW,
          "a disk r<=2 inside an annulus 3.5<=r<=5 with an empty gap", shapes.disk_annulus),
    # 1-D sets.
    _spec("line-sign", "classification", N_CLASSIFY, 1, WINDOW,
          "negative / zero (|x|<=band) / positive on a line", line.line_sign),
    _spec("odd-even", "classification", N_CLASSIFY, 1, (-20.0, 20.0),
          "parity of integers -20..20", line.odd_even),
    _spec("line-fn", "regression", N_REGRESS, 1, WINDOW,
          "y=f(x) for fn in sin, abs, cubic, step", line.line_fn),
    # Sequences.
    _spec("sequence", "regression", 2000, sequences.N_IN, None,
          "39 past values of smooth series -> next 48 values; groups = series id",
          sequences.sequence),
]
# fmt: on

DATASETS: Mapping[str, DatasetSpec] = MappingProxyType({s.name: s for s in _SPECS})
"""Every dataset by name (read-only)."""


def make_dataset(
    name: str,
    n_samples: int | None = None,
    noise: float = 0.0,
    seed: int = 0,
    **params: Any,
) -> Dataset:
    """Generate the dataset ``name``.

    ``n_samples`` defaults to the set's size (500 classification, 1200 regression as in
    Playground; 2000 for ``sequence``). Raises ConfigError naming the field for an unknown name
    ('dataset'), an unknown parameter ('params') or a value out of range ('n_samples' in
    [1, 100000], 'noise' in [0, 0.8], 'seed' >= 0, or the parameter's own name).
    """
    spec = DATASETS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ConfigError("dataset", name, sorted(DATASETS))
    for key in params:
        if key not in spec.params:
            allowed = sorted(spec.params) or f"no parameters for dataset {name!r}"
            raise ConfigError("params", key, allowed)
    n = spec.n_samples if n_samples is None else n_samples
    n, noise, seed = check_common(n, noise, seed)
    return spec.generator(n, noise, seed, **params)


__all__ = ["DATASETS", "MAX_NOISE", "MAX_SAMPLES", "DatasetSpec", "make_dataset"]
