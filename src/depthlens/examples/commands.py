"""``depthlens example NAME``: run a worked example, write its pictures and its page.

    depthlens example list                          the examples, one line each
    depthlens example NAME [--out DIR] [--quick] [--budget SECONDS] [--quiet] [options]
    depthlens example all [--out DIR] [--quick]     every example, plus a gallery README.md

Every example writes ``NAME.png`` (and ``NAME-PART.png``), ``NAME.md`` (the explanation with the
pictures and the numbers) and ``NAME.json`` (the numbers) into ``--out`` (default
``runs/examples``); ``--out docs/examples`` regenerates the documentation. ``--quick`` runs a
small version (what the tests run); ``--budget`` limits training time in seconds
(``regression``; default 200 s). This module imports no example until one runs, so building
the ``depthlens`` parser stays fast.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from depthlens.examples import EXAMPLES, run_example

DEFAULT_OUT = Path("runs") / "examples"

HELP: dict[str, str] = {
    "regression": "the founding example: 39 past values → the next 48 on unseen series, "
                  "39 → 1000 → 1000 → 48 ReLU with per-sample SGD and with Adam, and a GRU "
                  "(about 7 minutes)",
    "molecules": "a 2 → 3 linear layer whose weight rows are the recipes of CO₂, O₃, CO",
    "thresholds": "negative / zero / positive on a line, cut by two hidden units",
    "odd-even": "parity: no threshold separates it, the feature x mod 2 does",
    "quadrants": "four quadrants, four classes: one linear layer separates them",
    "two-curves": "two curves no line separates, a plane does after a lift into 3-D",
    "depth-vs-width": "depths 1–6 at ~300 parameters on spiral, checkerboard and rings: a "
                      "sweep of 10 seeds each, with intervals",
    "topology": "a disk in a ring: 2-unit layers fail, 3-unit layers succeed",
    "digits": "8×8 handwritten digits (scikit-learn): weights, PCA views, probes per layer",
    "local-minima": "the double well (depthlens.lab) and per-sample vs full-batch descent",
    "state-space": "a 2-unit recurrent net counts ±1 inputs: its state's paths, one step as "
                   "the five operations",
}


# -- the examples' own flags (defaults live in the modules: None here means "the example's") --
def _regression(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-samples", type=int, help="windows in all (default 40000)")
    p.add_argument("--n-series", type=int,
                   help="independent series the windows are cut from (default 1000)")
    p.add_argument("--train-ratio", type=float,
                   help="share of the series used for training (default 0.75)")
    p.add_argument("--preprocessing",
                   choices=("pca-whiten", "standardize", "pca", "zca", "center", "none"),
                   help="input preprocessing, fitted on the training windows (default "
                   "pca-whiten)")
    p.add_argument("--whiten-eps", type=float,
                   help="eps added to the variances by pca-whiten and zca (default 0.01)")
    p.add_argument("--targets", choices=("raw", "standardize"),
                   help="fit standardized targets (predictions mapped back) or raw ones "
                   "(default raw)")
    p.add_argument("--hidden", type=int, help="units in each hidden layer (default 1000)")
    p.add_argument("--optimizer", help="sgd (default), momentum, nesterov, adam, …")
    p.add_argument("--lr", type=float, help="learning rate (default 0.01)")
    p.add_argument("--batch-size", type=int,
                   help="1 = per-sample SGD (default); more = mini-batches")
    p.add_argument("--epochs", type=int,
                   help="epochs, unless the budget ends training first (default 3)")
    p.add_argument("--output-dim", type=int,
                   help="the output drawn over time, 0..47 = t+0..t+47 (default 11)")
    p.add_argument("--seed", type=int, help="one seed for everything (default 0)")
    p.add_argument("--model", choices=("dense", "rnn"),
                   help="the network the page is about, its figure first: dense (the text's "
                   "recipe, default) or rnn (the recurrent net)")
    p.add_argument("--no-compare", dest="compare", action="store_false", default=None,
                   help="train only --model's network (default: all three, compared)")
    p.add_argument("--cell", choices=("gru", "elman", "lstm"),
                   help="the recurrent net's cell (default gru)")
    p.add_argument("--rnn-hidden", type=int, help="the recurrent net's units (default 32)")
    p.add_argument("--rnn-lr", type=float, help="its Adam learning rate (default 0.01)")
    p.add_argument("--rnn-epochs", type=int, help="its epochs (default 30)")
    p.add_argument("--rnn-budget", type=float, help="its seconds of training (default 150)")
    p.add_argument("--adam-lr", type=float,
                   help="the dense net with Adam: learning rate (default 0.001)")
    p.add_argument("--adam-epochs", type=int, help="its epochs (default 30)")
    p.add_argument("--adam-budget", type=float, help="its seconds of training (default 60)")


def _molecules(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n-samples", type=int, help="random per-atom values to learn from "
                   "(default 64)")
    p.add_argument("--steps", type=int, help="full-batch SGD steps (default 3000)")
    p.add_argument("--seed", type=int, help="seed of the data and the weights (default 0)")


def _epochs_seed(default_epochs: int, default_seed: int) -> Callable[[argparse.ArgumentParser],
                                                                       None]:
    def add(p: argparse.ArgumentParser) -> None:
        p.add_argument("--epochs", type=int, help=f"epochs (default {default_epochs})")
        p.add_argument("--seed", type=int, help=f"seed (default {default_seed})")
    return add


def _thresholds(p: argparse.ArgumentParser) -> None:
    _epochs_seed(300, 1)(p)
    p.add_argument("--band", type=float, help="half-width of the 'zero' class (default 0.5)")


def _odd_even(p: argparse.ArgumentParser) -> None:
    _epochs_seed(3000, 0)(p)
    p.add_argument("--layers", help="hidden layers of the network on x alone (default "
                   "32,32,32)")


def _two_curves(p: argparse.ArgumentParser) -> None:
    _epochs_seed(300, 0)(p)
    p.add_argument("--activation",
                   help="hidden activation (default sine; tanh cannot do it with 3 units)")


def _depth_vs_width(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param-budget", type=int,
                   help="parameters of every network (default 300)")
    p.add_argument("--datasets", help="datasets, comma-separated (default "
                   "spiral,checkerboard,rings)")
    p.add_argument("--depths", help="hidden-layer counts, comma-separated (default 1,2,3,4,5,6)")
    p.add_argument("--epochs", type=int, help="epochs (default 1000)")
    p.add_argument("--seeds", type=int, help="seeds per depth and dataset (default 10)")
    p.add_argument("--sweep-out", type=Path,
                   help="keep the sweep's folder here (runs/, results.csv, report.html; a rerun "
                   "resumes it); default: a temporary folder")
    p.add_argument("--scheduler", help="a running Dask scheduler, tcp://HOST:PORT (default: a "
                   "local cluster)")
    p.add_argument("--workers", type=int, help="local worker processes (default: the CPUs)")


def _topology(p: argparse.ArgumentParser) -> None:
    _epochs_seed(300, 0)(p)
    p.add_argument("--depth", type=int, help="hidden layers of each net (default 3)")


def _digits(p: argparse.ArgumentParser) -> None:
    _epochs_seed(40, 0)(p)
    p.add_argument("--activation", help="hidden activation (default tanh)")


def _local_minima(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epochs", type=int, help="epochs of the network race (default 300)")
    p.add_argument("--starts", type=int,
                   help="starting points (seeds) of the network race (default 8)")
    p.add_argument("--no-lab", action="store_true", default=None,
                   help="leave out the double-well race even if depthlens.lab is installed")


def _state_space(p: argparse.ArgumentParser) -> None:
    _epochs_seed(80, 0)(p)
    p.add_argument("--steps", type=int, help="inputs per sequence (default 11)")
    p.add_argument("--animation", type=Path,
                   help="also play every step as its operations into this .gif or .mp4")


OPTIONS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "regression": _regression,
    "molecules": _molecules,
    "thresholds": _thresholds,
    "odd-even": _odd_even,
    "quadrants": _epochs_seed(200, 0),
    "two-curves": _two_curves,
    "depth-vs-width": _depth_vs_width,
    "topology": _topology,
    "digits": _digits,
    "local-minima": _local_minima,
    "state-space": _state_space,
}

_COMMON = ("example", "out", "quick", "budget", "quiet", "func", "command")


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("every example")
    g.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"folder for the pictures, NAME.md and NAME.json (default {DEFAULT_OUT})")
    g.add_argument("--quick", action="store_true",
                   help="a small, fast version (what the tests run)")
    g.add_argument("--budget", type=float, metavar="SECONDS",
                   help="training time limit (regression: default 200; the other examples "
                   "run in seconds and have none)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")


def options_of(args: argparse.Namespace) -> dict[str, Any]:
    """The example's own options that were given on the command line."""
    return {k: v for k, v in vars(args).items() if k not in _COMMON and v is not None}


def _summary(numbers: dict[str, Any], limit: int = 8) -> str:
    from depthlens.examples.common import format_number

    items = [(k, v) for k, v in numbers.items() if not isinstance(v, str)][:limit]
    return ", ".join(f"{k} {format_number(v)}" for k, v in items)


def gallery_index(folder: str | Path) -> str:
    """The gallery page (README.md) of ``folder``: every example whose page is there, in the
    gallery's order, with its title (the page's first line) and its picture."""
    folder = Path(folder)
    lines = ["# The worked examples", "",
             "Each example runs with one command, `depthlens example NAME`, and writes its "
             "pictures, its page (`NAME.md`) and its numbers (`NAME.json`). "
             "`depthlens example all --out DIR` runs them all and writes this index.", ""]
    for name in EXAMPLES:
        page = folder / f"{name}.md"
        if not page.is_file():
            continue
        first = page.read_text(encoding="utf-8").splitlines()[0]
        title = first.removeprefix("# ").strip() or name
        lines += [f"## [{title}]({name}.md)", "", f"`depthlens example {name}` — {HELP[name]}",
                  "", f"[![{name}]({name}.png)]({name}.md)", ""]
    return "\n".join(lines)


def write_index(folder: str | Path) -> Path:
    """Write ``folder/README.md`` (``gallery_index``); return its path."""
    from depthlens.files import write_text

    path = Path(folder) / "README.md"
    write_text(path, gallery_index(folder))
    return path


def cmd_example(args: argparse.Namespace) -> int:
    """Run one example, write its files and refresh the folder's index."""
    start = time.perf_counter()
    result = run_example(args.example, quick=args.quick, budget=args.budget,
                         progress=not args.quiet, **options_of(args))
    written = result.write(args.out)
    written["README.md"] = write_index(args.out)
    print(f"{args.example}: {_summary(result.numbers)} ({time.perf_counter() - start:.1f} s)")
    for path in written.values():
        print(f"  {path}")
    return 0


def cmd_all(args: argparse.Namespace) -> int:
    """Run every example, write them all and the gallery index."""
    for name in EXAMPLES:
        t = time.perf_counter()
        result = run_example(name, quick=args.quick, budget=args.budget,
                             progress=not args.quiet)
        result.write(args.out)
        print(f"{name}: {_summary(result.numbers, 4)} ({time.perf_counter() - t:.1f} s)",
              flush=True)
    print(f"  {write_index(args.out)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print every example with one line about it."""
    width = max(len(n) for n in EXAMPLES)
    for name in EXAMPLES:
        print(f"{name:<{width}}  {HELP[name]}")
    return 0


def register(sub: Any) -> None:
    """Add ``example`` and its subcommands (one per example, ``all``, ``list``) to the
    ``depthlens`` parser's subparsers."""
    p = sub.add_parser("example", help="run a worked example: its pictures and its page",
                       description="Run a worked example and write NAME.png, NAME.md and "
                       "NAME.json.")
    names = p.add_subparsers(dest="example", required=True, metavar="NAME")
    for name in EXAMPLES:
        q = names.add_parser(name, help=HELP[name], description=HELP[name])
        OPTIONS[name](q.add_argument_group(f"{name} options"))
        _common(q)
        q.set_defaults(func=cmd_example)
    q = names.add_parser("all", help="run every example and write the gallery README.md")
    _common(q)
    q.set_defaults(func=cmd_all)
    q = names.add_parser("list", help="list the examples")
    q.set_defaults(func=cmd_list)


def main(argv: list[str] | None = None) -> int:
    """``python -m depthlens.examples.commands NAME …`` (the same as ``depthlens example``)."""
    parser = argparse.ArgumentParser(prog="depthlens")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["example", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
