"""What the page says when something it sent is not allowed: in the page's own words.

The engine's errors name a field the way a Config or a flag does (``optimizer.momentum:
-1 is not allowed; expected a number ≥ 0``). The page shows a person the label they see next to
the control, once, and only the choices the page itself offers::

    >>> from depthlens.errors import ConfigError
    >>> config_message(ConfigError("optimizer.momentum", -1, "a number ≥ 0"))
    'Momentum must be a number ≥ 0 (you gave −1)'
"""

from __future__ import annotations

import math
from typing import Any

from depthlens.errors import ConfigError
from depthlens.nn import ACTIVATIONS
from depthlens.nn.initializers import INITIALIZERS
from depthlens.nn.losses import LOSSES, OUTPUTS
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS
from depthlens.nn.regularization import REGULARIZATIONS
from depthlens.web.protocol import PLAYGROUND_DATASETS, page_default

LABELS = {
    "dataset": "Dataset",
    "n_samples": "Number of points",
    "noise": "Noise",
    "train_ratio": "Ratio of training to test data",
    "features": "Features",
    "preprocessing": "Preprocessing",
    "layers": "Hidden layers",
    "activation": "Activation",
    "output": "Output",
    "loss": "Loss",
    "init": "Initializer",
    "dtype": "Precision",
    "optimizer": "Optimizer",
    "lr": "Learning rate",
    "regularization": "Regularization",
    "reg_rate": "Regularization rate",
    "batch_size": "Batch size",
    "epochs": "Stop at epoch",
    "shuffle": "Reshuffle each epoch",
    "seed": "Seed",
    "target_loss": "Target test loss",
    "epochs_per_frame": "Speed",
    "count": "Steps",
    "config": "The experiment",
    "message": "The message",
    "points": "Your points",
}
"""The label the page shows beside each control (Config fields and message fields)."""

PARAM_GROUPS = {"optimizer": "", "init": "initializer's ", "dataset_params": "dataset's ",
                "init_params": "initializer's ", "optimizer_params": ""}
"""Parameter fields (``group.name``) are labelled by the name, as the page labels them."""

OFFERED: dict[str, tuple[str, ...]] = {
    "activation": tuple(ACTIVATIONS),
    "init": tuple(INITIALIZERS),
    "optimizer": (*OPTIMIZERS, *PRESETS),
    "loss": LOSSES,
    "output": OUTPUTS,
    "regularization": REGULARIZATIONS,
    "dataset": PLAYGROUND_DATASETS,
}
"""The choices the page's menus offer (no aliases, no dataset it cannot draw)."""


def label(field: str) -> str:
    """The page's label for a field: ``optimizer.momentum`` → ``Momentum``,
    ``init.gain`` → ``Initializer's gain``."""
    if field in LABELS:
        return LABELS[field]
    group, dot, name = field.partition(".")
    if dot and group in PARAM_GROUPS:
        words = f"{PARAM_GROUPS[group]}{name.replace('_', ' ')}"
        return words[0].upper() + words[1:]
    words = field.replace("_", " ")
    return words[:1].upper() + words[1:]


def shown(value: Any) -> str:
    """A value as the page would write it: true minus signs, lists comma-joined."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        text = "NaN" if math.isnan(value) else f"{value:g}"
    elif isinstance(value, list | tuple):
        text = ",".join(shown(v) for v in value)
    else:
        text = str(value)
    return text.replace("-", "\u2212") if _numeric(value) else text


def _numeric(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_numeric(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def allowed(e: ConfigError) -> str:
    """What is allowed, listing only the page's own choices for a menu's field."""
    if e.field in OFFERED and e.allowed.startswith("one of "):
        return "one of " + ", ".join(OFFERED[e.field])
    return e.allowed


def config_message(e: ConfigError) -> str:
    """One sentence that names the field once, in the page's words:
    ``<Label> must be <allowed> (you gave <value>)``."""
    return f"{label(e.field)} must be {allowed(e)} (you gave {shown(e.value)})"


def protocol_message(field: str, message: str) -> str:
    """A refused page message: ``<Label>: <what is wrong>``."""
    return f"{label(field)}: {message}"


def fallback_message(errors: list[ConfigError]) -> str:
    """What the page says of a link whose fields ``errors`` fell back to their defaults: one
    sentence a field, then that the rest of the link holds."""
    defaults = page_default()
    sentences = []
    for e in errors:
        if e.field == "config":  # a key that is no setting at all
            sentences.append(f"\u201c{e.value}\u201d is not a setting of the page, so it was "
                             "left out.")
            continue
        default = getattr(defaults, e.field, None)
        back = "its default" if default is None else f"its default ({shown(default)})"
        sentences.append(f"{config_message(e)}, so it is back at {back}.")
    return " ".join([*sentences, "The link's other settings are kept."])
