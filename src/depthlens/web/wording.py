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
    "dataset_params.k": "Number of classes (k)",
    "dataset_params.tiles": "Tiles per side",
    "dataset_params.band": "Width of the zero band",
    "dataset_params.fn": "Function f(x)",
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
        if not name:  # {"optimizer_params": {"": 1}}: a parameter with an empty name
            what = label(group.removesuffix("_params")).lower()
            return f"{'An' if what[:1] in 'aeiou' else 'A'} {what} parameter with no name"
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


# -- names and help sentences of every control -------------------------------------------------
NAMES: dict[str, dict[str, str]] = {
    "optimizer": {
        "sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov momentum",
        "adagrad": "Adagrad", "rmsprop": "RMSProp", "adadelta": "Adadelta", "adam": "Adam",
        "adamw": "AdamW",
    },
    "init": {
        "zeros": "Zeros", "constant": "Constant", "gaussian": "Gaussian (normal)",
        "uniform": "Uniform", "glorot_uniform": "Glorot (Xavier) uniform",
        "glorot_normal": "Glorot (Xavier) normal", "he_uniform": "He (Kaiming) uniform",
        "he_normal": "He (Kaiming) normal", "lecun_uniform": "LeCun uniform",
        "lecun_normal": "LeCun normal", "orthogonal": "Orthogonal", "sparse": "Sparse",
        "torch": "PyTorch's default", "playground": "Playground's own",
    },
    "activation": {
        "linear": "Linear", "relu": "ReLU", "leaky_relu": "Leaky ReLU", "elu": "ELU",
        "tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus", "swish": "Swish",
        "gelu": "GELU", "sine": "Sine",
    },
    "regularization": {"none": "None", "l1": "L1", "l2": "L2"},
    "head": {
        "|": "default for the problem",
        "bce|sigmoid": "binary cross-entropy (sigmoid)",
        "cross_entropy|softmax": "cross-entropy (softmax)",
        "half_mse|tanh": "\u00bd\u00b7mean squared error on tanh (Playground)",
        "mse|linear": "mean squared error (linear)",
        "mse|tanh": "mean squared error on tanh",
        "half_mse|linear": "\u00bd\u00b7mean squared error (linear)",
    },
    "dataset": {
        "circle": "Circle", "xor": "XOR", "gauss": "Gaussian", "spiral": "Spiral",
        "reg-plane": "Plane", "reg-gauss": "Multi\u00adGaussian", "moons": "Moons",
        "checkerboard": "Checker\u00adboard", "spirals": "k spirals", "rings": "Rings",
        "two-curves": "Two curves", "disk-annulus": "Disk, ring", "line-sign": "Sign",
        "odd-even": "Odd or even", "line-fn": "y = f(x)",
    },
    "choice": {"fan_in": "fan in", "fan_out": "fan out", "sin": "sin x", "abs": "|x|",
               "cubic": "x\u00b3", "step": "step"},
}
"""Each menu's options in words (``value`` stays the identifier, so the link keeps it); a
dataset's name may hold a soft hyphen (U+00AD) where it may break under its thumbnail; a
head is keyed ``loss|output`` (empty: the problem's default)."""

PARAM_NAMES: dict[str, str] = {
    "optimizer.momentum": "momentum", "optimizer.dampening": "dampening",
    "optimizer.weight_decay": "weight decay", "optimizer.nesterov": "Nesterov",
    "optimizer.lr_decay": "learning-rate decay",
    "optimizer.initial_accumulator_value": "initial accumulator",
    "optimizer.eps": "epsilon (\u03b5)",
    "optimizer.alpha": "smoothing (\u03b1)", "optimizer.centered": "centered",
    "optimizer.rho": "smoothing (\u03c1)", "optimizer.betas.0": "\u03b2\u2081 (gradient average)",
    "optimizer.betas.1": "\u03b2\u2082 (square average)", "optimizer.amsgrad": "AMSGrad",
    "init.value": "weight value", "init.bias": "bias", "init.std": "spread (std)",
    "init.mean": "mean", "init.low": "low", "init.high": "high", "init.gain": "gain",
    "init.mode": "fan", "init.n_nonzero": "non-zero weights per unit",
    "dataset.k": "classes (k)", "dataset.tiles": "tiles per side",
    "dataset.band": "zero band", "dataset.fn": "function f(x)",
}
"""The label of each parameter box (``group.name`` as in a link; ``betas.0``: the first of a
pair)."""

HELP: dict[str, str] = {
    # the top bar
    "reset": "Reset: start training again from the same initial weights, so the same run "
             "replays.",
    "play": "Run or pause: train continuously, drawing every neuron as it learns.",
    "step": "Step: train one epoch (every training point once) and stop.",
    "step-batch": "One batch: train on a single mini-batch, the smallest update there is.",
    "lr": "Learning rate: how big a step each update takes; larger learns faster but can "
          "overshoot and diverge.",
    "activation": "Activation: the bend each hidden neuron applies to its sum; it is what lets "
                  "the network draw curved boundaries.",
    "regularization": "Regularization: a penalty on large weights; L1 pushes weights to exactly "
                      "zero, L2 shrinks them all.",
    "reg-rate": "Regularization rate: how strongly large weights are penalized; larger gives "
                "simpler, smoother fits but can underfit.",
    "problem": "Problem type: predict a class (classification) or a number (regression); it "
               "picks which datasets are shown.",
    "speed": "Speed: how many epochs are trained between two pictures; larger trains faster "
             "but shows fewer steps.",
    "optimizer": "Optimizer: the rule that turns each gradient into an update; SGD steps "
                 "straight downhill, Momentum and Adam also remember earlier steps.",
    "init": "Initializer: how the weights are drawn before training; too large or too small "
            "starting weights make learning slow or unstable.",
    "head": "Loss (output): what the last neuron outputs and how its error is measured; "
            "cross-entropy for classes, mean squared error for numbers.",
    "shuffle": "Reshuffle each epoch: visit the training points in a new random order every "
               "epoch, so the batches differ.",
    "epochs": "Stop at epoch: play pauses when training reaches this epoch; 0 never pauses.",
    "target-loss": "Target test loss: play pauses once the test loss is at most this number; "
                   "empty never pauses.",
    # the data column
    "ratio": "Ratio of training to test data: the share of points the network learns from; "
             "more leaves fewer points aside to test it.",
    "noise": "Noise: how much the points are scattered or mislabelled; more noise makes the "
             "pattern harder to learn.",
    "batch": "Batch size: how many points each update averages over; larger gives steadier "
             "but fewer updates per epoch.",
    "regenerate": "Regenerate: draw new points from a new seed; the network is kept.",
    "ud-value": "Value of new points: the target a clicked point gets in a regression.",
    "ud-click": "Click the output to add points: each click on the output map adds a point "
                "of the chosen class or value.",
    "ud-clear": "Clear points: start again from your next clicks; the points shown stay until "
                "you have clicked enough.",
    "ud-file": "Upload CSV: train on your own file (one or two input columns, the target "
               "last).",
    # the network column's layer buttons
    "add-layer": "Add a hidden layer: one more stage that reshapes the space; deeper networks "
                 "can bend it more.",
    "remove-layer": "Remove the last hidden layer: a shallower network with fewer bends.",
    # the output column
    "show-test": "Show test data: draw the held-out test points on the output map too.",
    "discretize": "Discretize output: colour each place by the predicted class alone, without "
                  "shades of confidence.",
    "export-config": "Config JSON: download this experiment's settings (depthlens train "
                     "--config reads them).",
    "export-model": "Model .zip: download the network as it is now (model.json and "
                    "model.npz).",
    "export-png": "Output PNG: download the output map as a picture.",
    "export-chart": "Loss PNG: download the loss chart as a picture.",
    "export-space": "Hidden space PNG: download the hidden-space panel's picture.",
    "export-player": "Operations PNG: download the five-operation player's picture.",
    "export-network": "Network PNG: download the network diagram as a picture.",
    "export-probes": "Separability PNG: download the separability bars as a picture.",
    # the title bar
    "present": "Present: large dark text, thicker lines and fewer controls, for a projector; "
               "the link keeps it as present=1.",
    # the lens: the five-operation player
    "player-layer": "Layer: the layer whose transformation is taken apart into rotate, scale, "
                    "raise or lower the dimension, rotate, translate and bend.",
    "player-play": "Play: run the layer's operations one after the other, holding the epoch "
                   "shown.",
    "player-slider": "Frame: scrub through the operations by hand; the caption says which step "
                     "is drawn.",
    "player-catch-up": "Catch up: show the layer as it is now and follow training again.",
    # the lens: the backprop stepper
    "bp-edges-weights": "Weights: draw each edge by its weight (blue positive, orange negative, "
                        "thicker is larger).",
    "bp-edges-gradients": "Gradients: draw each edge by the gradient of the loss with respect "
                          "to its weight, live.",
    "bp-index": "Training point: which point's forward and backward pass to step through.",
    "bp-random": "Random: pick another training point at random.",
    "bp-open": "Step through: walk this point forward, back through the chain rule, to each "
               "weight's update.",
    "bp-prev": "Back: the previous phase of the pass.",
    "bp-next": "Next: the next phase of the pass (forward, loss, backward, update).",
    "bp-close": "Close: end the stepper and leave the diagram plain.",
    "bp-item-prev": "Previous: the previous unit or weight of this phase.",
    "bp-item-next": "Next: the next unit or weight of this phase.",
}
"""One plain sentence for each control of the page, by its element id: what it does and what
raising it does."""

CLASS_HELP: dict[str, str] = {
    "ud-class": "Class of new points: the class a clicked point gets; + new class starts "
                "another one.",
    "space-stage": "Stage: the layer whose space is drawn, from the input through every hidden "
                   "layer to the output.",
    "space-mode": "View: a layer's own units, its principal axes (PCA) or a 3-D view you turn "
                  "by dragging.",
    "space-show": "Points: the training points, the test points or both, where the layer puts "
                  "them.",
    "space-unit": "Unit: which of the layer's units goes on this axis.",
}
"""Sentences for controls the page makes many of, by their CSS class."""

PARAM_HELP: dict[str, str] = {
    "optimizer.momentum": "Momentum: how much of the previous step each step keeps; larger "
                          "rolls faster through flat parts but can overshoot.",
    "optimizer.dampening": "Dampening: how much of the new gradient is left out of the "
                           "momentum; larger makes the momentum react more slowly.",
    "optimizer.weight_decay": "Weight decay: shrinks every weight a little at each step; "
                              "larger keeps the weights smaller.",
    "optimizer.nesterov": "Nesterov: look ahead along the momentum before taking the gradient, "
                          "which often overshoots less.",
    "optimizer.lr_decay": "Learning-rate decay: lowers the learning rate as steps go by; "
                          "larger slows learning down sooner.",
    "optimizer.initial_accumulator_value": "Initial accumulator: the squared-gradient sum "
                                           "Adagrad starts from; larger makes the first steps "
                                           "smaller.",
    "optimizer.eps": "Epsilon: a tiny number added before dividing, so steps stay finite; "
                     "larger makes steps smaller and more even.",
    "optimizer.alpha": "Smoothing (alpha): how slowly the average of squared gradients "
                       "forgets; closer to 1 remembers longer.",
    "optimizer.centered": "Centered: divide by the gradient's variance instead of its mean "
                          "square, which can steady training.",
    "optimizer.rho": "Smoothing (rho): how slowly Adadelta's running averages forget; closer "
                     "to 1 remembers longer.",
    "optimizer.betas.0": "Beta 1: how slowly the average of gradients forgets; closer to 1 "
                         "gives smoother, slower-turning steps.",
    "optimizer.betas.1": "Beta 2: how slowly the average of squared gradients forgets; closer "
                         "to 1 adapts each step size more slowly.",
    "optimizer.amsgrad": "AMSGrad: never let the squared-gradient average shrink, so step "
                         "sizes can only fall.",
    "init.value": "Weight value: the one value every weight starts at.",
    "init.bias": "Bias: the value every bias starts at.",
    "init.std": "Spread: the standard deviation of the starting weights; larger starts with "
                "bigger, more varied weights.",
    "init.mean": "Mean: the average starting weight.",
    "init.low": "Low: the smallest starting weight.",
    "init.high": "High: the largest starting weight.",
    "init.gain": "Gain: scales every starting weight; larger starts with bigger weights and "
                 "sharper neurons.",
    "init.mode": "Fan: scale the weights by a layer's inputs (fan in, keeps the forward pass "
                 "steady) or its outputs (fan out, keeps the gradients steady).",
    "init.n_nonzero": "Non-zero weights per unit: how many weights of each neuron start "
                      "non-zero; the rest start at 0.",
    "dataset.k": "Classes (k): how many classes the dataset has, one colour each; more classes "
                 "are harder to separate.",
    "dataset.tiles": "Tiles per side: the board's size; more tiles make more, smaller squares "
                     "to tell apart.",
    "dataset.band": "Zero band: how wide the middle class around 0 is; wider makes it easier "
                    "to find.",
    "dataset.fn": "Function: the curve y = f(x) the network learns to draw.",
}
"""One plain sentence for each parameter box (``group.name`` as in a link)."""

DATASET_HELP: dict[str, str] = {
    "circle": "Circle: a blue disk inside an orange ring.",
    "xor": "XOR: blue in two opposite quarters, orange in the other two.",
    "gauss": "Gaussian: two clouds of points, blue and orange; a straight line parts them.",
    "spiral": "Spiral: two arms winding round each other, the hardest of Playground's four.",
    "reg-plane": "Plane: a number that rises steadily from the bottom left to the top right.",
    "reg-gauss": "Multi-Gaussian: six bumps and dips, the number to learn at each place.",
    "moons": "Moons: two half circles, each reaching into the other's hollow.",
    "checkerboard": "Checkerboard: a board of alternating squares; set the tiles per side "
                    "below.",
    "spirals": "k spirals: k arms winding round each other, one class each; set k below.",
    "rings": "Rings: k rings, one class each, one inside the next; set k below.",
    "two-curves": "Two curves: two parallel waves that no straight line can part.",
    "disk-annulus": "Disk, ring: a disk inside a ring with an empty gap between them.",
    "line-sign": "Sign (1-D): negative, near zero or positive, on a line; set the zero "
                 "band below.",
    "odd-even": "Odd or even (1-D): whether a whole number from \u221220 to 20 is odd or "
                "even.",
    "line-fn": "y = f(x) (1-D): learn a curve over a line; pick the function below.",
}
"""One plain sentence for each dataset of the picker."""


def page_words() -> dict[str, Any]:
    """What the page shows in words, sent in ``hello``: ``labels`` (each menu's option names,
    the parameter boxes' labels) and ``help`` (a sentence per control id, per CSS class, per
    parameter and per dataset)."""
    return {
        "labels": {**NAMES, "param": PARAM_NAMES},
        "help": {"controls": HELP, "classes": CLASS_HELP, "params": PARAM_HELP,
                 "datasets": DATASET_HELP},
    }
