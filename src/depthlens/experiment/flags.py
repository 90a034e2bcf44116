"""The Config's command-line flags, declared once: ``depthlens train`` / ``explain`` (cli.py)
and ``depthlens lab network`` (lab/commands.py) both add them from here.

    add_config_flags(parser)                       every flag (and --config, --set)
    add_config_flags(parser, ("dataset", …), …)    only those (plus --config and --set)
    config_from_args(args)                         the Config the flags given describe

Flags override the values of ``--config``; anything without a flag of its own is set with
``--set group.name=value`` (e.g. ``--set optimizer.momentum=0.9 --set dataset.k=4``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import Config, _parse_field, _parse_scalar

FLAGS: dict[str, dict[str, Any]] = {
    "dataset": {"help": "dataset name, or csv:PATH for your own data"},
    "n_samples": {"type": int, "help": "number of points to generate"},
    "noise": {"type": float, "help": "noise in [0, 0.8] (Playground's 0–50 is 0–0.5)"},
    "target": {"help": "target column of a CSV (default: the last)"},
    "train_ratio": {"type": float, "help": "fraction of data used for training"},
    "features": {"help": "comma list: x1,x2,x1^2,x2^2,x1*x2,sin(x1),cos(x2),…"},
    "preprocessing": {"help": "none, center, standardize, minmax, pca, pca-whiten, zca"},
    "layers": {"help": "hidden layer sizes, comma list, e.g. 4,2 ('' for none)"},
    "activation": {"help": "one name, or one per hidden layer (comma list)"},
    "output": {"help": "output activation (sigmoid, softmax, linear, tanh, …)"},
    "loss": {"help": "mse, half_mse, bce, cross_entropy"},
    "init": {"help": "initializer (playground, glorot, he, sparse, torch, …)"},
    "pretrain": {"help": "none, or autoencoder: greedy layer-wise pre-training after the "
                 "initializer (--set pretrain.epochs=10 --set pretrain.optimizer=adam …)"},
    "dtype": {"help": "float32 or float64"},
    "model": {"help": "mlp (dense layers), or a recurrent cell: elman, gru, lstm (--layers "
              "then gives its layers, all one size, e.g. 64; each sample's inputs read as a "
              "sequence)"},
    "optimizer": {"help": "sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw"},
    "lr": {"type": float, "help": "learning rate"},
    "regularization": {"help": "none, l1, l2"},
    "reg_rate": {"type": float, "help": "regularization rate"},
    "clip_norm": {"type": float, "help": "clip each batch's gradient to this 2-norm (PyTorch's "
                  "clip_grad_norm_; default: no clipping)"},
    "batch_size": {"help": "a whole number, or 'all' for full batch"},
    "epochs": {"type": int, "help": "number of epochs"},
    "shuffle": {"action": argparse.BooleanOptionalAction, "default": None,
                "help": "reshuffle every epoch (--no-shuffle keeps the order, as Playground)"},
    "seed": {"type": int, "help": "one seed for data, split, weights and order"},
}
"""Config field → its flag's argparse options; the flag is ``--field-name`` and sets the field
of the same name (text values are parsed as the field's own, e.g. '4,2' for layers)."""

GROUPS = {"dataset": "dataset_params", "init": "init_params", "optimizer": "optimizer_params",
          "preprocessing": "preprocessing_params", "pretrain": "pretrain_params"}
"""``--set GROUP.NAME=VALUE``: GROUP → the Config field holding the parameters."""


def add_config_flags(parser: argparse.ArgumentParser, fields: Iterable[str] | None = None,
                     title: str = "experiment (each overrides --config)") -> None:
    """Add ``--config``, a flag per Config field in ``fields`` (default all of ``FLAGS``, in
    that order) and ``--set`` to ``parser``, in one argument group called ``title``."""
    names = list(FLAGS) if fields is None else list(fields)
    unknown = [n for n in names if n not in FLAGS]
    if unknown:
        raise ValueError(f"no Config flag for {unknown}; flags exist for {list(FLAGS)}")
    g = parser.add_argument_group(title)
    g.add_argument("--config", type=Path, help="a Config JSON file")
    for name in names:
        g.add_argument("--" + name.replace("_", "-"), **FLAGS[name])
    g.add_argument("--set", action="append", default=[], metavar="GROUP.NAME=VALUE",
                   help="a parameter of " + ", ".join(list(GROUPS)[:-1]) + " or "
                   + list(GROUPS)[-1])


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config the flags describe (``--config`` first, then each flag given)."""
    if args.config is not None:
        try:
            text = args.config.read_text(encoding="utf-8")
        except OSError as e:
            raise DataError(f"--config: cannot read {args.config} ({e.strerror})") from None
        data = Config.from_json(text).to_dict()
    else:
        data = {}
    for field in FLAGS:
        value = getattr(args, field, None)
        if value is None:
            continue
        if isinstance(value, str):
            value = _parse_field(field, value)
        data[field] = value
    for item in args.set:
        key, sep, raw = item.partition("=")
        group, dot, name = key.partition(".")
        if not sep or not dot or group not in GROUPS or not name:
            raise ConfigError("--set", item, "GROUP.NAME=VALUE with GROUP one of "
                              + ", ".join(GROUPS))
        data.setdefault(GROUPS[group], {})
        data[GROUPS[group]] = {**data[GROUPS[group]], name: _parse_scalar(raw)}
    return Config.from_dict(data)


__all__ = ["FLAGS", "GROUPS", "add_config_flags", "config_from_args"]
