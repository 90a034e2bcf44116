"""The page's controls for a dataset's own parameters (``DATASETS[name].params``), and their
check.

A parameter is a whole number in a range (``k`` classes, ``tiles`` per side), a number in a
range (``band``) or one name of a list (the ``fn`` of ``line-fn``). The ranges repeat the
generators' own checks (``data/generators``); ``tests/web/test_dataset_params.py`` makes every
set at both ends of each range and one step beyond, so the two cannot drift apart.

The Config checks a parameter's name only; :func:`check_dataset_params` checks its value by
making the set with two points (cheap), so a link with ``dataset.k=99`` falls back to the
default ``k`` with a sentence naming the field, the value and what is allowed::

    >>> try:
    ...     check_dataset_params("rings", {"k": 99})
    ... except ConfigError as e:
    ...     print(e.field, e.value, e.allowed)
    dataset_params.k 99 an integer from 2 to 10
"""

from __future__ import annotations

from typing import Any

from depthlens.data import DATASETS, make_dataset
from depthlens.data.generators.line import LINE_FUNCTIONS
from depthlens.data.generators.shapes import MAX_CLASSES
from depthlens.errors import ConfigError

PARAM_CONTROLS: dict[str, dict[str, dict[str, Any]]] = {
    "checkerboard": {"tiles": {"kind": "int", "min": 2, "max": 12}},
    "spirals": {"k": {"kind": "int", "min": 3, "max": MAX_CLASSES}},
    "rings": {"k": {"kind": "int", "min": 2, "max": MAX_CLASSES}},
    "line-sign": {"band": {"kind": "number", "min": 0.05, "max": 3.0, "step": 0.05}},
    "line-fn": {"fn": {"kind": "choice", "choices": list(LINE_FUNCTIONS)}},
}
"""Each dataset's parameters as the page's controls: ``int`` and ``number`` with their range,
``choice`` with its names."""


def param_controls(name: str) -> list[dict[str, Any]]:
    """The controls of dataset ``name``'s parameters, in the registry's order, each with its
    ``name`` and ``default``: ``[{"name": "k", "default": 3, "kind": "int", "min": 2, …}]``."""
    own = PARAM_CONTROLS.get(name, {})
    return [{"name": key, "default": default, **own[key]}
            for key, default in DATASETS[name].params.items() if key in own]


def check_dataset_params(name: str, params: dict[str, Any]) -> None:
    """Raise ConfigError naming ``dataset_params.<key>`` when a value of ``params`` is not one
    dataset ``name`` allows (the generator's own check, on a set of two points)."""
    if name not in DATASETS or not params:
        return
    try:
        make_dataset(name, n_samples=2, **params)
    except ConfigError as e:
        if e.field in params:
            raise ConfigError(f"dataset_params.{e.field}", e.value, e.allowed) from None
        raise
