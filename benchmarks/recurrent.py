"""Speed of the recurrent layers (nn/recurrent.py) against PyTorch eager on CPU (issue #17).

Usage (from the project root):

    .venv/bin/python benchmarks/recurrent.py [--repeat 7] [--threads 1]

One training step each — forward over the whole sequence, the readout and MSE, backprop through
time, Adam's update — with ours (``RecurrentNet.gradient`` + ``Optimizer.update``, what
``Trainer.step`` runs) and with ``torch.nn.RNN``/``GRU`` + ``Linear`` + ``torch.optim.Adam``
(eager: zero_grad, forward, backward, step), on the same batch, float32, both on ``--threads``
threads (torch.set_num_threads; threadpoolctl for numpy's BLAS). Cases: the issue's batch 32,
T = 39, I = 1, H = 64 (goal: at least as fast as torch), and a playground-size net, H = 4,
T = 8, batch 10 (goal: ≥ 10× faster), also timed as a whole ``Trainer.step`` (its batch
bookkeeping included). The contenders take turns, ``--repeat`` times; the least of the repeats is
the figure (other jobs share the machine and only ever add time). ``--crossover`` also times
our two backends (numpy, compiled) at H = 4 … 64, which is what ``COMPILED_MAX_HIDDEN`` rests on.
Prints tables with the ratios; RESULTS.md is not written.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np

CASES = {"issue (batch 32, T 39, I 1, H 64)": (32, 39, 1, 64, 1.0),
         "playground (batch 10, T 8, I 1, H 4)": (10, 8, 1, 4, 10.0)}


def per_call(fn: Callable[[], object], number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def interleaved(cases: dict[str, tuple[Callable[[], object], int]],
                repeat: int) -> dict[str, list[float]]:
    """Seconds per call of every case, ``repeat`` times, the cases taking turns."""
    for fn, number in cases.values():
        per_call(fn, max(1, number // 4))
    out: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeat):
        for name, (fn, number) in cases.items():
            gc.disable()
            try:
                out[name].append(per_call(fn, number))
            finally:
                gc.enable()
    return out


def show(ts: list[float]) -> str:
    """The least (the median) of the repeats, in µs."""
    return f"{min(ts) * 1e6:.0f} ({statistics.median(ts) * 1e6:.0f}) µs"


def contenders(cell: str, n: int, steps: int, n_inputs: int, hidden: int, trainer: bool = False,
               ) -> dict[str, Callable[[], object]]:
    """Our step and torch's on the same float32 batch and weights (``trainer``: ours as
    ``Trainer.step`` over a long run of such batches, in order)."""
    import torch

    from depthlens.nn import RecurrentNet, Trainer, make_optimizer

    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, steps, n_inputs)).astype(np.float32)
    t = rng.normal(size=(n, 1)).astype(np.float32)
    net = RecurrentNet(n_inputs, hidden, cell, seed=0)
    opt = make_optimizer("adam", lr=1e-3)
    state = opt.init(net.params)

    def ours() -> None:
        net.gradient(x, t)
        opt.update(net.params, net.grads, state)

    step: Callable[[], object] = ours
    if trainer:  # the same work through the Trainer (2,000 batches: no epoch ends)
        tr = Trainer(net, opt, np.tile(x, (2000, 1, 1)), np.tile(t[:, 0], 2000),
                     problem="regression", batch_size=n, shuffle=False)
        step = tr.step

    rnn = (torch.nn.RNN if cell == "elman" else torch.nn.GRU)(n_inputs, hidden,
                                                              batch_first=True)
    readout = torch.nn.Linear(hidden, 1)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(net.tensors[name]))
        readout.weight.copy_(torch.from_numpy(net.tensors["readout.weight"]))
        readout.bias.copy_(torch.from_numpy(net.tensors["readout.bias"]))
    params = [*rnn.parameters(), *readout.parameters()]
    topt = torch.optim.Adam(params, lr=1e-3)
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    mse = torch.nn.functional.mse_loss

    def theirs() -> None:
        topt.zero_grad()
        seq, _ = rnn(xt)
        mse(readout(seq[:, -1]), tt).backward()
        topt.step()

    return {"depthlens": step, "torch": theirs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--crossover", action="store_true",
                        help="also time numpy against compiled at H = 4 … 64")
    args = parser.parse_args()

    import threadpoolctl
    import torch

    torch.set_num_threads(args.threads)
    with threadpoolctl.threadpool_limits(args.threads):
        print(f"torch {torch.__version__}, numpy {np.__version__}, {args.threads} thread(s), "
              f"float32, one step = forward + BPTT + Adam; least of {args.repeat} (median)")
        print(f"{'case':40s} {'cell':6s} {'depthlens':>16s} {'torch':>16s} {'ratio':>8s}  goal")
        rows = [(label, cell, case, False) for label, case in CASES.items()
                for cell in ("elman", "gru")]
        rows += [(label.split(" (")[0] + " Trainer.step", cell, case, True)
                 for label, case in list(CASES.items())[1:] for cell in ("elman", "gru")]
        for label, cell, (n, steps, n_inputs, hidden, goal), trainer in rows:
            fns = contenders(cell, n, steps, n_inputs, hidden, trainer)
            probe = per_call(fns["depthlens"], 3)
            number = max(5, int(0.2 / max(probe, 1e-6)))
            res = interleaved({k: (f, number) for k, f in fns.items()}, args.repeat)
            ratio = min(res["torch"]) / min(res["depthlens"])
            met = "met" if ratio >= goal else "NOT met"
            print(f"{label:40s} {cell:6s} {show(res['depthlens']):>16s} "
                  f"{show(res['torch']):>16s} {ratio:7.2f}×  ≥ {goal:g}×: {met}")
        if args.crossover:
            crossover(args.repeat)


def crossover(repeat: int) -> None:
    """Our gradient (``RecurrentNet.gradient``) on the numpy and the compiled backend."""
    from depthlens.nn import RecurrentNet

    print(f"\n{'gradient, numpy vs compiled':40s} {'cell':6s} {'H':>3s} {'numpy':>10s} "
          f"{'compiled':>10s}")
    for n, steps in ((10, 8), (32, 39)):
        for cell in ("elman", "gru"):
            for hidden in (4, 8, 16, 32, 64):
                rng = np.random.default_rng(0)
                x = rng.normal(size=(n, steps, 1)).astype(np.float32)
                t = np.zeros((n, 1), np.float32)
                fns = {}
                for backend in ("numpy", "compiled"):
                    net = RecurrentNet(1, hidden, cell, seed=0, backend=backend)
                    fns[backend] = (lambda net=net, x=x, t=t: net.gradient(x, t))
                probe = per_call(fns["compiled"], 2)
                number = max(3, int(0.1 / max(probe, 1e-6)))
                res = interleaved({k: (f, number) for k, f in fns.items()}, repeat)
                print(f"{f'batch {n}, T {steps}':40s} {cell:6s} {hidden:3d} "
                      f"{min(res['numpy']) * 1e6:8.0f}µs {min(res['compiled']) * 1e6:8.0f}µs")


if __name__ == "__main__":
    main()
