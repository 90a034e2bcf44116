"""``depthlens lab optimizers|network|init|pretrain|preprocess``: the training lab on the
command line.

    depthlens lab optimizers [--surfaces double_well,rosenbrock] [--optimizers sgd,adam]
                             [--lr adam=0.05] [--steps N] [--noise S] [--start X,Y] [--out DIR]
    depthlens lab network    [--dataset circle --layers 4,2 …] [--optimizers adam,momentum]
                             [--epochs E] [--resolution 51] [--span 1] [--out DIR]
    depthlens lab init       [--activations tanh,relu] [--init he_normal --init gaussian:std=1]
                             [--depth 10 --width 32] [--epochs E] [--no-strips] [--out DIR]
    depthlens lab pretrain   [--depth 6 --width 32] [--epochs 40] [--optimizer adam --lr 0.003]
                             [--init gaussian:std=0.01+pretrain:epochs=5 …] [--out DIR]
    depthlens lab preprocess [--epochs E] [--target 0.3] [--lr 0.01] [--out DIR]

Each writes its figures (PNG), GIFs, CSV tables and a self-contained report.html into
``--out`` (default ``lab/<name>``), with a progress bar on stderr (``--quiet`` for none).
The heavy modules are imported only when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from depthlens.experiment.flags import add_config_flags, config_from_args


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def _lrs(items: list[str]) -> dict[str, float]:
    from depthlens.errors import ConfigError

    out = {}
    for item in items:
        name, eq, raw = item.partition("=")
        try:
            out[name.strip()] = float(raw)
        except ValueError:
            raise ConfigError("--lr", item, "NAME=LR, e.g. adam=0.05") from None
        if not eq:
            raise ConfigError("--lr", item, "NAME=LR, e.g. adam=0.05")
    return out


def _start(text: str | None) -> tuple[float, float] | None:
    from depthlens.errors import ConfigError

    if text is None:
        return None
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError("--start", text, "two numbers X,Y, e.g. 1.8,1") from None
    return x, y


def _report(written: dict[str, Path]) -> None:
    names = ", ".join(n for n in written if n != "report.html")
    print(f"wrote {names}\nreport: {written['report.html']}")


def cmd_lab_optimizers(args: argparse.Namespace) -> int:
    from depthlens.lab.runners import run_optimizers_lab

    written = run_optimizers_lab(args.out, surfaces=_names(args.surfaces),
                                 optimizers=_names(args.optimizers), lrs=_lrs(args.lr),
                                 steps=args.steps, noise=args.noise, seed=args.seed,
                                 start=_start(args.start), frames=args.frames, fps=args.fps,
                                 dpi=args.dpi, animation=not args.no_animation,
                                 video=args.format, progress=not args.quiet)
    _report(written)
    return 0


def cmd_lab_network(args: argparse.Namespace) -> int:
    from depthlens.lab.runners import run_network_lab

    written = run_network_lab(args.out, config_from_args(args),
                              contenders=_names(args.optimizers), epochs=args.budget,
                              resolution=args.resolution, span=args.span, seed=args.seed or 0,
                              bias=args.bias, dpi=args.dpi, progress=not args.quiet)
    _report(written)
    return 0


def cmd_lab_init(args: argparse.Namespace) -> int:
    from depthlens.lab.runners import run_init_lab

    written = run_init_lab(args.out, activations=tuple(_names(args.activations) or ()),
                           inits=args.init or None, depth=args.depth, width=args.width,
                           dataset=args.dataset, epochs=args.epochs, optimizer=args.optimizer,
                           lr=args.lr, seed=args.seed, strips=not args.no_strips, dpi=args.dpi,
                           progress=not args.quiet)
    _report(written)
    return 0


def cmd_lab_pretrain(args: argparse.Namespace) -> int:
    from depthlens.lab.init_lab import PRETRAIN_INITS
    from depthlens.lab.pretrain_race import run_pretrain_race

    written = run_pretrain_race(args.out, depth=args.depth, width=args.width,
                                dataset=args.dataset, epochs=args.epochs,
                                optimizer=args.optimizer, lr=args.lr, seed=args.seed,
                                inits=args.init or PRETRAIN_INITS, dpi=args.dpi)
    _report(written)
    return 0


def cmd_lab_preprocess(args: argparse.Namespace) -> int:
    from depthlens.lab.runners import run_preprocess_lab

    written = run_preprocess_lab(args.out, epochs=args.epochs, target=args.target, lr=args.lr,
                                 optimizer=args.optimizer, seed=args.seed, dpi=args.dpi,
                                 progress=not args.quiet)
    _report(written)
    return 0


def _common(p: argparse.ArgumentParser, name: str, dpi: int) -> None:
    p.add_argument("--out", type=Path, default=Path("lab") / name,
                   help=f"output folder (default lab/{name})")
    p.add_argument("--dpi", type=int, default=dpi, help=f"resolution of the PNGs (default {dpi})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(sub: Any) -> None:
    """Add ``lab`` and its five subcommands to the ``depthlens`` parser's subparsers."""
    lab = sub.add_parser("lab", help="the training lab: optimizer races, loss landscapes, "
                         "initialization and preprocessing")
    labsub = lab.add_subparsers(dest="lab_command", required=True)

    p = labsub.add_parser("optimizers", help="race every optimizer on 2-D loss surfaces")
    p.add_argument("--surfaces", help="comma list (default all): double_well, rosenbrock, "
                   "beale, saddle, himmelblau, rastrigin, ravine")
    p.add_argument("--optimizers", help="comma list (default sgd,momentum,nesterov,adagrad,"
                   "rmsprop,adadelta,adam)")
    p.add_argument("--lr", action="append", default=[], metavar="NAME=LR",
                   help="a learning rate for one optimizer (repeatable; default: the "
                   "surface's own)")
    p.add_argument("--steps", type=int, help="steps per racer (default: the surface's)")
    p.add_argument("--noise", type=float, default=0.0,
                   help="σ of Gaussian noise added to every gradient (stands in for "
                   "mini-batches)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise")
    p.add_argument("--start", help="start point X,Y (default: the surface's)")
    p.add_argument("--frames", type=int, default=48, help="frames per GIF (default 48)")
    p.add_argument("--fps", type=float, default=12.0, help="frames per second (default 12)")
    p.add_argument("--format", choices=("gif", "mp4"), default="gif",
                   help="animation format (default gif, embedded in the report; mp4 needs "
                   "ffmpeg and is written beside it)")
    p.add_argument("--no-animation", action="store_true", help="skip the animations")
    _common(p, "optimizers", 80)
    p.set_defaults(func=cmd_lab_optimizers)

    p = labsub.add_parser("network", help="race the optimizers (and per-sample, mini-batch, "
                          "full-batch SGD) on one network from one set of initial weights")
    add_config_flags(p, ("dataset", "n_samples", "noise", "features", "preprocessing", "layers",
                         "activation", "init", "dtype", "seed"),
                     title="the network and its data (Playground's default network if not "
                     "given)")
    p.add_argument("--optimizers", help="contenders, comma list (default all): sgd per-sample, "
                   "sgd mini-batch, sgd full batch, momentum, nesterov, adagrad, rmsprop, "
                   "adadelta, adam (or per-sample, mini-batch, full-batch)")
    p.add_argument("--epochs", dest="budget", type=int, default=50,
                   help="budget: epochs of gradient evaluations per contender (default 50)")
    p.add_argument("--resolution", type=int, default=51, help="landscape grid points per side "
                   "(default 51)")
    p.add_argument("--span", type=float, default=1.0,
                   help="filter-normalized landscape over [−span, span]² (default 1)")
    p.add_argument("--bias", choices=("zero", "copy"), default="zero",
                   help="landscape directions for biases: zero (Li et al.'s figures) or the "
                   "bias itself")
    _common(p, "network", 90)
    p.set_defaults(func=cmd_lab_network)

    p = labsub.add_parser("init", help="a deep network at initialization, per initializer")
    p.add_argument("--activations", default="tanh,relu", help="comma list (default tanh,relu)")
    p.add_argument("--init", action="append", metavar="NAME[:param=value,…]",
                   help="an initializer (repeatable), e.g. he_normal or gaussian:std=1; "
                   "default: zeros, constant, gaussian(0.01), gaussian(1), playground, "
                   "glorot_normal, he_normal, orthogonal, sparse")
    p.add_argument("--depth", type=int, default=10, help="hidden layers (default 10)")
    p.add_argument("--width", type=int, default=32, help="units per hidden layer (default 32)")
    p.add_argument("--dataset", default="circle", help="dataset (default circle)")
    p.add_argument("--epochs", type=int, default=30, help="training epochs (default 30)")
    p.add_argument("--optimizer", default="momentum", help="optimizer (default momentum)")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--no-strips", action="store_true",
                   help="skip the lens strip of every network at initialization")
    _common(p, "init", 80)
    p.set_defaults(func=cmd_lab_init)

    p = labsub.add_parser("pretrain", help="greedy layer-wise autoencoder pre-training raced "
                          "against Gaussian, Glorot and He starts on a deep sigmoid network")
    p.add_argument("--init", action="append", metavar="NAME[:p=v,…][+pretrain[:s=v,…]]",
                   help="a contender (repeatable), e.g. he_normal or gaussian:std=0.01+pretrain;"
                   " default: gaussian(0.01) with and without pre-training, glorot_normal, "
                   "he_normal")
    p.add_argument("--depth", type=int, default=6, help="hidden sigmoid layers (default 6)")
    p.add_argument("--width", type=int, default=32, help="units per hidden layer (default 32)")
    p.add_argument("--dataset", default="circle", help="dataset (default circle)")
    p.add_argument("--epochs", type=int, default=40, help="training epochs (default 40)")
    p.add_argument("--optimizer", default="adam", help="optimizer (default adam)")
    p.add_argument("--lr", type=float, default=0.003, help="learning rate (default 0.003)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    _common(p, "pretrain", 100)
    p.set_defaults(func=cmd_lab_pretrain)

    p = labsub.add_parser("preprocess", help="one network on raw, centered, standardized, "
                          "PCA- and ZCA-whitened inputs of a badly scaled dataset")
    p.add_argument("--epochs", type=int, default=100, help="epochs (default 100)")
    p.add_argument("--target", type=float, default=0.3,
                   help="target training loss for 'epochs to target' (default 0.3)")
    p.add_argument("--optimizer", default="sgd", help="optimizer (default sgd)")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    _common(p, "preprocess", 90)
    p.set_defaults(func=cmd_lab_preprocess)
