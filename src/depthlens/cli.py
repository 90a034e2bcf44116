"""The ``depthlens`` command.

    depthlens train [flags | --config FILE] [--out DIR] [--checkpoint-every SECONDS]
                                                          train and write a run folder
    depthlens lens RUN_DIR [--stages post|all] [--units i,j] [--dims 2|3]
                                                          every lens picture + report.html
    depthlens animate RUN_DIR [--what forward|training] [--layer K] --out FILE.gif|.mp4
    depthlens explain [flags | --config FILE] [--out DIR] train, save, write the report
    depthlens sweep [flags] --grid FIELD=VALUES … [--seeds N] [--out DIR] [--scheduler ADDR]
                                                          many runs on Dask (docs/sweeps.md)
    depthlens serve [--host 127.0.0.1] [--port 8000] [--open]  the browser playground
    depthlens datasets                                    list the datasets
    depthlens options                                     list activations, inits, optimizers…

Flags override the values of ``--config``; anything without a flag of its own is set with
``--set group.name=value`` (e.g. ``--set optimizer.momentum=0.9 --set dataset.k=4``). The flags
are declared once, in ``experiment/flags.py`` (``depthlens lab network`` uses them too).

``depthlens train`` saves the run folder every ``--checkpoint-every`` seconds (default 30)
and at the end; each save is whole or absent (``experiment/run.py``), so a kill loses at most
the time since the last one. Ctrl-C stops training and saves; a Ctrl-C during a save waits
for it to finish. A run folder or model that cannot be used is a ``DataError``: one line on
stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from depthlens.errors import DepthlensError, DivergenceError
from depthlens.experiment.flags import add_config_flags, config_from_args


def _default_out(dataset: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = Path(dataset.split(":", 1)[-1]).stem if ":" in dataset else dataset
    return Path("runs") / f"{name}-{stamp}"


CHECKPOINT_EVERY = 30.0
"""Seconds between the run folder's saves during ``depthlens train`` (``--checkpoint-every``)."""


@contextlib.contextmanager
def sigint_deferred() -> Iterator[list[int]]:
    """Hold back Ctrl-C (SIGINT) while the block runs: the list it yields gains one entry per
    Ctrl-C, and the caller decides what to do once the block is done. Outside the main thread
    (where signals cannot be handled) the block just runs."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


class Checkpoints:
    """Saves ``session``'s run folder at ``out`` every ``every`` seconds (0: only when asked)
    and when training ends, each save shielded from Ctrl-C (``sigint_deferred``)."""

    clock = staticmethod(time.monotonic)

    def __init__(self, session, out: Path, every: float, picture: Any = None):
        from depthlens.experiment.run import save_run

        self.session, self.out, self.every, self.picture = session, out, every, picture
        self._save_run = save_run
        self.saved_steps: int | None = None
        self.last = self.clock()

    def due(self) -> bool:
        return self.every > 0 and self.clock() - self.last >= self.every

    def save(self) -> bool:
        """Save now (unless nothing changed since the last save); True if a Ctrl-C came
        during the save."""
        steps = self.session.trainer.steps_done
        caught: list[int] = []
        if steps != self.saved_steps or not Path(self.out).is_dir():
            with sigint_deferred() as caught:
                self._save_run(self.session, self.out, picture=self.picture)
            self.saved_steps = steps
        self.last = self.clock()
        return bool(caught)


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from depthlens.draw.figures import run_png
    from depthlens.errors import ConfigError
    from depthlens.experiment.run import PICTURE, check_target
    from depthlens.experiment.session import Session

    every = getattr(args, "checkpoint_every", CHECKPOINT_EVERY)
    if not every >= 0:
        raise ConfigError("--checkpoint-every", every, "a number of seconds ≥ 0 (0: only at "
                          "the end)")
    config = config_from_args(args)
    session = Session(config)
    out = args.out or _default_out(config.dataset)
    check_target(Path(out))  # before training, not at the first save
    checkpoints = Checkpoints(session, Path(out), every, picture=run_png)
    metric = session.history.metric
    status = 0
    bar = tqdm(total=config.epochs, desc="train", unit="epoch", disable=args.quiet,
               dynamic_ncols=True, file=sys.stderr)
    try:
        for _ in range(config.epochs):
            row = session.train_epoch()
            bar.update(1)
            bar.set_postfix_str(f"loss {row['train_loss']:.4f} test {row['test_loss']:.4f} "
                                f"{metric} {row[f'test_{metric}']:.3f}", refresh=False)
            if checkpoints.due() and checkpoints.save():
                raise KeyboardInterrupt  # Ctrl-C during the save: it finished, now stop
    except KeyboardInterrupt:
        print(f"\ninterrupted at epoch {session.epoch}: saving what was trained", file=sys.stderr)
        status = 130
    except DivergenceError as e:
        print(f"\n{e}", file=sys.stderr)
        status = 1
    finally:
        bar.close()
    if checkpoints.save():
        print(f"depthlens: interrupted during the save; it finished first: run folder {out} is "
              "whole", file=sys.stderr)
        return 130
    m = session.metrics()
    summary = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in m.items() if k != "problem")
    print(f"{session.net!r}\n{summary}\nrun folder: {out}  (picture: {Path(out) / PICTURE})")
    return status


def cmd_datasets(args: argparse.Namespace) -> int:
    from depthlens.data import DATASETS

    for spec in DATASETS.values():
        params = ", ".join(f"{k}={v!r}" for k, v in spec.params.items())
        print(f"{spec.name:13} {spec.problem:14} n={spec.n_samples:<5} inputs={spec.n_features:<3}"
              f" {spec.description}" + (f"  [{params}]" if params else ""))
    return 0


def cmd_options(args: argparse.Namespace) -> int:
    from depthlens.data import FEATURES, PREPROCESSORS
    from depthlens.nn import (
        ACTIVATIONS,
        INITIALIZERS,
        LOSSES,
        OPTIMIZERS,
        OUTPUTS,
        PRESETS,
        REGULARIZATIONS,
    )
    from depthlens.nn.initializers import init_params

    def signature(name: str) -> str:
        return name + "(" + ", ".join(f"{p}={v!r}" for p, v in init_params(name).items()) + ")"

    rows: list[tuple[str, Any]] = [
        ("activations", ", ".join(ACTIVATIONS)),
        ("outputs", ", ".join(OUTPUTS)),
        ("losses", ", ".join(LOSSES)),
        ("initializers", "; ".join(signature(k) for k in INITIALIZERS)),
        ("optimizers", ", ".join([*OPTIMIZERS, *PRESETS])),
        ("regularization", ", ".join(REGULARIZATIONS)),
        ("features", ", ".join(FEATURES)),
        ("preprocessing", ", ".join(PREPROCESSORS)),
    ]
    for name, text in rows:
        print(f"{name:15} {text}")
    return 0


def _parse_units(text: str | None) -> tuple[int, ...] | None:
    """'1,3' (1-based, as the pictures label units) → (0, 2)."""
    from depthlens.errors import ConfigError

    if text is None:
        return None
    try:
        units = tuple(int(u) - 1 for u in text.split(",") if u.strip())
    except ValueError:
        raise ConfigError("--units", text, "unit numbers from 1, comma separated, e.g. 1,2"
                          ) from None
    if len(units) < 2 or len(units) > 3 or min(units) < 0:
        raise ConfigError("--units", text, "2 or 3 unit numbers from 1, e.g. 1,2 or 1,2,3")
    return units


def _add_lens_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("lens pictures")
    g.add_argument("--stages", choices=("post", "all"), default="post",
                   help="post: input, every activation, output; all: also every W·x + b")
    g.add_argument("--units", help="units to draw for layers wider than --dims (1-based, e.g. "
                   "1,2); default: a PCA of the layer")
    g.add_argument("--dims", type=int, choices=(2, 3), default=2,
                   help="draw wide layers in 2-D or 3-D")
    g.add_argument("--per-step", type=int, default=8,
                   help="frames per operation in forward.gif (default 8)")
    g.add_argument("--fps", type=float, default=12.0, help="frames per second (default 12)")
    g.add_argument("--dpi", type=int, default=90, help="resolution of the PNGs (default 90)")
    g.add_argument("--no-animation", action="store_true", help="skip forward.gif")
    g.add_argument("--training", action="store_true",
                   help="also retrain the Config and write training.gif")


def _check_lens_flags(config, problem: str | None, args: argparse.Namespace) -> None:
    """The lens flags, checked before any work (a recurrent run takes the defaults)."""
    from depthlens.draw.report import check_recurrent_lens
    from depthlens.errors import ConfigError

    if args.per_step < 1:
        raise ConfigError("--per-step", args.per_step, "a whole number ≥ 1")
    if args.fps <= 0:
        raise ConfigError("--fps", args.fps, "a number > 0")
    if config.recurrent:
        check_recurrent_lens(config.model, problem, {"--stages": (args.stages, "post"),
                                       "--units": (args.units, None),
                                       "--dims": (args.dims, 2),
                                       "--training": (args.training, False)})


def _write_lens(session, folder: Path, args: argparse.Namespace) -> Path:
    from depthlens.draw.report import REPORT, lens_pictures

    _check_lens_flags(session.config, session.problem, args)
    written = lens_pictures(session, folder, which=args.stages, units=_parse_units(args.units),
                            dims=args.dims, per_step=args.per_step, fps=args.fps, dpi=args.dpi,
                            animation=not args.no_animation, training=args.training,
                            progress=not args.quiet)
    names = ", ".join(n for n in written if n != REPORT)
    print(f"wrote {names}\nreport: {folder / REPORT}")
    return folder / REPORT


def cmd_lens(args: argparse.Namespace) -> int:
    from depthlens.experiment.run import load_run

    session = load_run(args.run_dir)
    _write_lens(session, args.run_dir, args)
    return 0


def _animate_recurrent(session, args: argparse.Namespace, fps: float) -> int:
    """``animate`` of a recurrent run: its steps, each as its operations, on layer --layer."""
    from depthlens.draw.report import check_recurrent_lens, frame_bar
    from depthlens.draw.state_space import step_animation
    from depthlens.errors import ConfigError

    check_recurrent_lens(session.config.model, session.problem,
                         {"--what": (args.what, "forward"), "--units": (args.units, None),
                          "--dims": (args.dims, 2), "--every": (args.every, None)})
    if args.per_step < 1:
        raise ConfigError("--per-step", args.per_step, "a whole number ≥ 1")
    layer = 0 if args.layer is None else args.layer - 1
    path = step_animation(session.net, session.x_train, session.train_data.y, args.out,
                          per_step=args.per_step, fps=fps, layer=layer,
                          progress=frame_bar(not args.quiet))
    print(f"animation: {path}")
    return 0


def cmd_animate(args: argparse.Namespace) -> int:
    from depthlens.draw.animate import check_output, forward_animation, training_animation
    from depthlens.errors import ConfigError
    from depthlens.experiment.run import load_run

    check_output(args.out)  # a clear error before any work (e.g. MP4 without ffmpeg)
    if args.fps is not None and args.fps <= 0:
        raise ConfigError("--fps", args.fps, "a number > 0")
    fps = args.fps or (12.0 if args.what == "forward" else 6.0)
    session = load_run(args.run_dir)
    n_layers = session.net.n_layers
    if args.layer is not None and not 1 <= args.layer <= n_layers:
        raise ConfigError("--layer", args.layer, f"a layer number in [1, {n_layers}]")
    if session.config.recurrent:
        return _animate_recurrent(session, args, fps)
    units = _parse_units(args.units)
    if args.what == "forward":
        if args.per_step < 1:
            raise ConfigError("--per-step", args.per_step, "a whole number ≥ 1")
        layers = None if args.layer is None else [args.layer]
        path = forward_animation(session, args.out, layers, per_step=args.per_step,
                                 fps=fps, dims=args.dims, progress=not args.quiet)
    else:
        if args.every is not None and args.every < 1:
            raise ConfigError("--every", args.every, "a whole number of epochs ≥ 1")
        stage = None
        if args.layer is not None:
            stage = "output" if args.layer == n_layers else f"a{args.layer}"
        path = training_animation(session, args.out, stage, every=args.every, fps=fps,
                                  dims=args.dims, units=units, progress=not args.quiet)
    print(f"animation: {path}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from depthlens.experiment.run import load_run

    config = config_from_args(args)
    _check_lens_flags(config, config.problem, args)  # before the training, not after it
    if args.out is None:
        args.out = _default_out(config.dataset)
    status = cmd_train(args)
    if status not in (0, 130):  # a diverged run has nothing to explain
        return status
    _write_lens(load_run(args.out), args.out, args)
    return status


SWEEP_CONFIG_FLAGS = ("target", "seed")
"""Config flags ``depthlens sweep`` leaves out: its ``--target`` is the run's goal (a CSV's
target column goes in ``--config``), and the seeds are ``--seeds N``."""


def cmd_sweep(args: argparse.Namespace) -> int:
    from depthlens.errors import ConfigError
    from depthlens.experiment.flags import FLAGS
    from depthlens.sweep.grid import SweepSpec, load_spec
    from depthlens.sweep.runner import finish, run_sweep

    if args.spec is not None:
        given = [f"--{f.replace('_', '-')}" for f in FLAGS
                 if f not in SWEEP_CONFIG_FLAGS and getattr(args, f, None) is not None]
        given += ["--config"] * (args.config is not None) + ["--set"] * bool(args.set)
        given += ["--grid"] * bool(args.grid)
        if given:
            raise ConfigError(given[0], "with --spec", "the spec file's base and grid, or the "
                              "flags, not both")
        spec = load_spec(args.spec)
        seeds = spec.seeds if args.seeds is None else args.seeds
        target = spec.target if args.target is None else args.target
        spec = SweepSpec.parse(spec.base, spec.grid, seeds, target)
    else:
        spec = SweepSpec.parse(config_from_args(args), args.grid, 1 if args.seeds is None
                               else args.seeds, args.target)
    try:
        result = run_sweep(spec, args.out, scheduler=args.scheduler, workers=args.workers,
                           batch=args.batch, chunk=args.chunk, progress=not args.quiet)
    except KeyboardInterrupt:
        from depthlens.sweep.store import done_ids

        print(f"\ninterrupted: {len(done_ids(args.out))} runs done are kept in {args.out}; "
              "the same command resumes", file=sys.stderr)
        return 130
    table = finish(result)
    print(f"sweep: {result.summary()}\nrecords: {result.out / 'runs'}\n"
          f"results: {table.attrs['sweep']['results']}\nreport: {table.attrs['sweep']['report']}")
    return 1 if result.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from depthlens.errors import ConfigError
    from depthlens.web.server import is_host_name, is_loopback, serve, url_of

    if not 1 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "a port number in [1, 65535]")
    for name in args.allow_host:
        if not is_host_name(name):
            raise ConfigError("--allow-host", name, "a host name (letters, digits, '-' and "
                              "'.') or an IP address, without scheme or port")
    if not is_loopback(args.host):
        print(f"depthlens: warning: serving on {args.host}, reachable from other machines; "
              "the playground has no login (the default --host 127.0.0.1 is this machine only)",
              file=sys.stderr)
    print(f"depthlens playground: {url_of(args.host, args.port)}  (Ctrl-C to stop)", flush=True)
    try:
        serve(args.host, args.port, open_browser=args.open, allow_hosts=args.allow_host)
    except KeyboardInterrupt:
        pass
    return 0


def _add_checkpoint_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint-every", type=float, default=CHECKPOINT_EVERY,
                   metavar="SECONDS", help=f"save the run folder every SECONDS while training "
                   f"(default {CHECKPOINT_EVERY:g}; 0: only at the end)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="depthlens",
                                     description="See what the depth of a neural network does.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a network and write a run folder")
    add_config_flags(p)
    p.add_argument("--out", type=Path, help="run folder (default runs/DATASET-TIME)")
    _add_checkpoint_flag(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("lens", help="write every lens picture of a run and report.html")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder (from train)")
    _add_lens_flags(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_lens)
    p = sub.add_parser("animate", help="animate a run: the forward pass or training")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder (from train)")
    p.add_argument("--what", choices=("forward", "training"), default="forward",
                   help="forward: each layer's operations; training: a layer over epochs")
    p.add_argument("--layer", type=int, help="forward: only this layer (1-based); training: "
                   "show this layer's space (default: the last hidden layer)")
    p.add_argument("--out", type=Path, required=True, help="FILE.gif or FILE.mp4 (needs ffmpeg)")
    p.add_argument("--fps", type=float, default=None, help="frames per second (default 12 "
                   "forward, 6 training)")
    p.add_argument("--per-step", type=int, default=10, help="forward: frames per operation")
    p.add_argument("--every", type=int, help="training: epochs between frames (default: about "
                   "40 frames)")
    p.add_argument("--dims", type=int, choices=(2, 3), default=2,
                   help="draw wide layers in 2-D or 3-D")
    p.add_argument("--units", help="training: units to draw for a wide layer (1-based, e.g. 1,2)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_animate)
    p = sub.add_parser("explain", help="train, save the run folder and write its lens report")
    add_config_flags(p)
    p.add_argument("--out", type=Path, help="run folder (default runs/DATASET-TIME)")
    _add_checkpoint_flag(p)
    _add_lens_flags(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("sweep", help="many runs over a grid of settings and seeds, on Dask")
    from depthlens.experiment.flags import FLAGS
    add_config_flags(p, [f for f in FLAGS if f not in SWEEP_CONFIG_FLAGS],
                     title="the base experiment (each overrides --config)")
    g = p.add_argument_group("the sweep")
    g.add_argument("--grid", action="append", default=[], metavar="FIELD=VALUES",
                   help="an axis: optimizer=sgd,adam; list fields (layers, features, "
                   "activation) separate values by ';': layers=8;8,8 (repeatable)")
    g.add_argument("--seeds", type=int, help="seeds 0..N-1 of every combination (default 1)")
    g.add_argument("--target", metavar="METRIC=VALUE", help="record the first epoch reaching "
                   "test_metric>=VALUE or test_loss<=VALUE (training goes on to --epochs)")
    g.add_argument("--spec", type=Path, help="a TOML or JSON spec file: base, grid, seeds, "
                   "target (instead of the experiment flags and --grid)")
    g.add_argument("--out", type=Path, default=Path("sweep-out"),
                   help="the sweep folder (default sweep-out); rerun to resume")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="a running Dask scheduler (default: a local cluster)")
    g.add_argument("--workers", type=int, help="local cluster: worker processes (default: "
                   "the CPU count)")
    g.add_argument("--batch", type=int, help="tasks in flight (default 4 per worker thread)")
    g.add_argument("--chunk", type=int, help="runs per task (default: sized from the runs' "
                   "time, about a second a task)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
    p = sub.add_parser("serve", help="the browser playground (train live, see every neuron)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also serve pages opened as http://NAME:PORT/ (repeatable; a machine "
                        "name or LAN address students type); others are refused")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("datasets", help="list the datasets")
    p.set_defaults(func=cmd_datasets)
    p = sub.add_parser("options", help="list activations, losses, initializers, optimizers, …")
    p.set_defaults(func=cmd_options)
    from depthlens.lab.commands import register as register_lab
    register_lab(sub)
    from depthlens.examples.commands import register as register_examples
    register_examples(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except DepthlensError as e:
        print("depthlens: error: " + " ".join(str(e).split()), file=sys.stderr)  # one line
        return 2


if __name__ == "__main__":
    sys.exit(main())
