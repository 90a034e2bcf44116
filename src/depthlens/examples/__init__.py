"""The worked examples: the founding 39 → 48 regression and a gallery of the founding ideas.

Each example is a module with ``NAME``, ``TITLE``, ``SUMMARY``, ``add_arguments(parser)`` (its
own command-line flags) and ``run(quick=False, budget=None, progress=False, **options)``, which
returns an :class:`ExampleResult` (numbers, explanation, pictures). From Python::

    from depthlens.examples import run_example
    result = run_example("two-curves")          # displays itself in a notebook
    result.write("out/")                        # two-curves.png, two-curves.md, two-curves.json

From the shell: ``depthlens example NAME [--out DIR] [--quick] [--budget SECONDS]``,
``depthlens example list`` and ``depthlens example all --out docs/examples``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from depthlens.errors import ConfigError
from depthlens.examples.common import ExampleResult

MODULES: dict[str, str] = {
    "regression": "regression",
    "molecules": "molecules",
    "thresholds": "thresholds",
    "odd-even": "odd_even",
    "quadrants": "quadrants",
    "two-curves": "two_curves",
    "depth-vs-width": "depth_vs_width",
    "topology": "topology",
    "digits": "digits",
    "local-minima": "local_minima",
    "state-space": "state_space",
}
"""Example name → module name inside ``depthlens.examples``, in the gallery's order."""

EXAMPLES: tuple[str, ...] = tuple(MODULES)


def example_module(name: str) -> ModuleType:
    """The module of example ``name`` (ConfigError naming the examples if unknown)."""
    if name not in MODULES:
        raise ConfigError("example", name, list(MODULES))
    return importlib.import_module(f"depthlens.examples.{MODULES[name]}")


def run_example(name: str, quick: bool = False, budget: float | None = None,
                progress: bool = False, **options: Any) -> ExampleResult:
    """Run example ``name`` and return its result (nothing is written).

    ``budget`` is the training time limit in seconds where an example has one (``regression``:
    default 200 s; None there means that default, pass ``float('inf')`` for none)."""
    module = example_module(name)
    kwargs: dict[str, Any] = {"quick": quick, "progress": progress, **options}
    if budget is not None:
        kwargs["budget"] = None if budget == float("inf") else budget
    return module.run(**kwargs)


__all__ = ["EXAMPLES", "MODULES", "ExampleResult", "example_module", "run_example"]
