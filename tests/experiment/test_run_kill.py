"""A run folder is whole or absent: a process killed at any moment of a save leaves, at the
folder's path, either the old run or the new one, and it loads.

Two tests: every system call of ``save_run`` in turn is the moment a forked child dies
(exhaustive, deterministic), and real ``depthlens train`` processes, checkpointing every few
hundredths of a second, are SIGKILLed at random (seeded) moments.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from depthlens.errors import DataError
from depthlens.experiment import Config, Session, load_run, save_run
from depthlens.files import leftovers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")

# The calls of save_run that change the disk (and fsync, the moments data reaches it).
PATCHED = ("mkdir", "rename", "replace", "fsync", "unlink", "rmdir", "link", "open")


def _same_run(a: Session, b: Session) -> bool:
    """Config, parameters (bit for bit), history and step count all equal."""
    return (a.config == b.config and np.array_equal(a.net.params, b.net.params)
            and a.history.train_loss == b.history.train_loss
            and a.trainer.steps_done == b.trainer.steps_done)


def _patch_calls(die_at: int | None) -> list[str]:
    """Wrap the os functions of PATCHED to count calls; at call number ``die_at`` the process
    dies on the spot (os._exit: no cleanup, no finally, as under SIGKILL)."""
    calls: list[str] = []
    for name in PATCHED:
        real = getattr(os, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            if die_at is not None and len(calls) == die_at:
                os._exit(0)
            calls.append(_name)
            return _real(*args, **kwargs)

        setattr(os, name, wrapper)
    return calls


def _save_in_child(session: Session, folder: Path, die_at: int | None) -> int:
    """Fork; the child saves ``session`` to ``folder`` (dying at call ``die_at``) and reports
    how many patched calls the save made. Returns that count (−1 if the child died)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read)
            calls = _patch_calls(die_at)
            save_run(session, folder, picture=b"new picture")
            n = len(calls)
            os.write(write, str(n).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    report = b""
    while chunk := os.read(read, 64):
        report += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return int(report) if report else -1


@pytest.fixture(scope="module")
def two_runs() -> tuple[Session, Session]:
    old = Session(Config(dataset="xor", n_samples=60, layers=[5], optimizer="adam", epochs=2,
                         seed=1))
    old.run()
    new = Session(Config(dataset="xor", n_samples=60, layers=[5], optimizer="adam", epochs=3,
                         seed=2))
    new.run()
    new.step()  # in the middle of an epoch
    return old, new


@pytest.mark.parametrize("extra", [False, True], ids=["run-only", "with-lens-pictures"])
def test_a_save_killed_at_any_of_its_system_calls_leaves_the_old_or_the_new_run(
        two_runs, tmp_path, extra):
    old, new = two_runs
    total = _save_in_child(new, tmp_path / "dry" / "run", None)
    assert total > 10  # the dry run saved into an absent folder and made its calls
    outcomes = []
    for die_at in range(3 * total):  # a save over an old run makes more calls
        folder = tmp_path / f"k{die_at}" / "run"
        save_run(old, folder, picture=b"old picture")
        if extra:
            (folder / "report.html").write_text("lens pictures of the old run")
        made = _save_in_child(new, folder, die_at)
        loaded = load_run(folder)  # a killed save must leave a loadable run
        if _same_run(loaded, old):
            outcomes.append("old")
            assert (folder / "picture.png").read_bytes() == b"old picture"
        else:
            assert _same_run(loaded, new), f"killed at call {die_at}: neither run"
            outcomes.append("new")
            assert (folder / "picture.png").read_bytes() == b"new picture"
        if extra:  # what others wrote into the folder survives the swap
            assert (folder / "report.html").read_text() == "lens pictures of the old run"
        if made >= 0:  # the save finished: nothing left beside it
            assert leftovers(folder) == []
            break
        save_run(new, folder, picture=b"new picture")  # the next save tidies what was left
        assert leftovers(folder) == []
        assert _same_run(load_run(folder), new)
    assert made >= 0, "the save never finished"
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes == sorted(outcomes, key=["old", "new"].index)  # old, …, old, new, …, new


def test_a_folder_whose_save_died_between_its_renames_is_put_back_by_the_next_load(
        two_runs, tmp_path):
    old, new = two_runs
    folder = tmp_path / "run"
    save_run(old, folder)
    calls = _save_in_child(new, tmp_path / "dry", None)
    assert calls > 0
    # Find the moment the old folder has been renamed aside and the new one is not yet in.
    for die_at in range(3 * calls):
        save_run(old, folder)
        _save_in_child(new, folder, die_at)
        if not folder.exists():
            break
    else:
        pytest.fail("no kill moment left the target missing")
    kinds = [kind for _, kind, _ in leftovers(folder)]
    assert ".old-" in kinds
    assert _same_run(load_run(folder), old)
    assert folder.is_dir()  # put back by the load, by a rename


# -- real `depthlens train` processes, SIGKILLed ------------------------------------------------

ZYGOTE = r"""
import json, os, sys
from depthlens.cli import main
from depthlens.draw.figures import run_png
from depthlens.experiment import Config, Session
warm = Session(Config(dataset="xor", n_samples=40, layers=[3], epochs=1))
warm.run()
run_png(warm)  # fonts, caches and compiled kernels loaded once, before any fork
print("ready", flush=True)
for line in sys.stdin:
    argv = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # its summary is not our protocol
            code = main(argv)
        finally:
            os._exit(code)
    print("started", pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("exited", status, flush=True)
"""
"""Starts ``depthlens train`` processes quickly: it imports depthlens once, then forks one
child per request, each running the command's own ``main(argv)`` (on a loaded machine a fresh
interpreter takes seconds to import numpy, numba and matplotlib)."""

TRAIN = ["train", "--dataset", "xor", "--n-samples", "150", "--layers", "6,6",
         "--optimizer", "adam", "--lr", "0.01", "--batch-size", "10", "--seed", "3", "--quiet",
         "--checkpoint-every", "0.03"]
"""Every process trains the same run (one seed); only ``--epochs`` differs, so the epochs
field of a loaded run names the process that saved it."""


class Reference:
    """The one trajectory every process follows: parameters and history after each epoch."""

    def __init__(self) -> None:
        self.session = Session(Config(dataset="xor", n_samples=150, layers=[6, 6],
                                      optimizer="adam", lr=0.01, batch_size=10, seed=3))
        self.params = [self.session.net.params.copy()]

    def check(self, run: Session) -> None:
        """``run`` is this trajectory at its epoch, bit for bit."""
        while len(self.params) <= run.epoch:
            self.session.train_epoch()
            self.params.append(self.session.net.params.copy())
        np.testing.assert_array_equal(run.net.params, self.params[run.epoch])
        assert run.history.train_loss == self.session.history.train_loss[: run.epoch]
        assert run.trainer.steps_done == run.epoch * self.session.trainer.steps_per_epoch


def _epochs_of(run: Session) -> int:
    return run.config.epochs


def test_killing_depthlens_train_at_random_moments_always_leaves_a_loadable_run(tmp_path):
    rng = random.Random(20261203)  # the kill moments are the same on every run of the test
    folder = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    reference = Reference()
    kills = fresh = mid_save = 0
    running: list[int] = []  # the process under way, killed if the test fails meanwhile
    try:
        assert zygote.stdout.readline().strip() == "ready"

        def train(epochs: int, kill_after: float | None, in_a_save: bool = False) -> None:
            """One process; SIGKILLed ``kill_after`` seconds after it starts, or (in_a_save)
            that long after it is seen writing its second save (its temporary folder)."""
            zygote.stdin.write(json.dumps([*TRAIN, "--epochs", str(epochs), "--out",
                                           str(folder)]) + "\n")
            zygote.stdin.flush()
            word, pid = zygote.stdout.readline().split()
            assert word == "started"
            running[:] = [int(pid)]
            if in_a_save:  # its second save (so it has saved once, whole): two names seen
                seen: set[str] = set()

                def second_save() -> bool:
                    seen.update(n for n in os.listdir(tmp_path)
                                if n.startswith(f".run.tmp-{pid}-"))
                    return len(seen) >= 2

                _wait_for(second_save, poll=0.0005)
            if kill_after is not None:
                time.sleep(kill_after)
                os.kill(int(pid), signal.SIGKILL)
            word, status = zygote.stdout.readline().split()
            assert word == "exited"
            running.clear()
            if kill_after is None:
                assert os.waitstatus_to_exitcode(int(status)) == 0

        train(2, None)  # a finished run to start from
        before = load_run(folder)
        assert _epochs_of(before) == 2
        reference.check(before)
        for k in range(1, 25):
            epochs = 100_000 + k  # names the process
            if k % 2:  # any moment: training, drawing the picture, saving
                train(epochs, rng.uniform(0.02, 0.9))
            else:  # while a save writes its folder (a few milliseconds)
                train(epochs, rng.uniform(0.0, 0.004), in_a_save=True)
                assert _epochs_of(load_run(folder)) == epochs  # its first save is there
            kills += 1
            mid_save += bool(leftovers(folder))
            run = load_run(folder)
            assert _epochs_of(run) in (_epochs_of(before), epochs), "a run of neither process"
            if _epochs_of(run) == epochs:
                reference.check(run)  # a state the new process really passed through
                fresh += 1
            else:
                assert _same_run(run, before)  # the old run, untouched
            before = run
        assert fresh >= 12  # every process killed in its second save had saved
        print(f"{kills} kills: {fresh} left a run of the killed process, {mid_save} a "
              "temporary or old folder beside the run (killed while saving)")
    finally:
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        zygote.stdin.close()
        try:
            zygote.wait(timeout=60)
        except subprocess.TimeoutExpired:
            zygote.kill()
            zygote.wait()
    assert kills >= 20
    # A real `python -m depthlens.cli train` (a fresh interpreter, not a fork) killed mid-run.
    _kill_a_real_process(folder, rng, env)
    run = load_run(folder)
    assert _epochs_of(run) in (_epochs_of(before), 200_000)
    reference.check(run)
    # The next finished save leaves nothing beside the folder.
    save_run(run, folder)
    assert leftovers(folder) == []


def _wait_for(condition, poll: float = 0.005, limit: float = 120.0) -> None:
    """Wait until ``condition()`` holds (a test failure after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(poll)


def _kill_a_real_process(folder: Path, rng: random.Random, env: dict[str, str]) -> None:
    """Start ``python -m depthlens.cli train``, wait until its first save begins (a temporary
    sibling with its pid appears, or the folder holds its run), then SIGKILL it a random
    moment later."""
    proc = subprocess.Popen([sys.executable, "-m", "depthlens.cli", *TRAIN, "--epochs", "200000",
                             "--out", str(folder)], cwd=folder.parent, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        marker = f".{folder.name}.tmp-{proc.pid}-"
        _wait_for(lambda: proc.poll() is not None
                  or any(n.startswith(marker) for n in os.listdir(folder.parent)))
        assert proc.poll() is None, "the process ended by itself"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_load_never_tidies_or_deletes(two_runs, tmp_path):
    """load_run is read-only apart from putting a killed save's old folder back: leftovers
    of a live process and a fresh temporary folder are left alone."""
    old, _ = two_runs
    folder = tmp_path / "run"
    save_run(old, folder)
    tmp = tmp_path / f".run.tmp-{os.getpid()}-abcd"
    shutil.copytree(folder, tmp)
    assert _same_run(load_run(folder), old)
    assert tmp.is_dir()
    with pytest.raises(DataError, match="not a run folder"):
        load_run(tmp_path / "absent")


def test_a_link_to_a_run_folder_keeps_pointing_at_it_across_saves(two_runs, tmp_path):
    old, new = two_runs
    save_run(old, tmp_path / "real")
    (tmp_path / "latest").symlink_to(tmp_path / "real")
    save_run(new, tmp_path / "latest")
    assert (tmp_path / "latest").is_symlink()
    assert _same_run(load_run(tmp_path / "latest"), new)
    assert _same_run(load_run(tmp_path / "real"), new)
    assert leftovers(tmp_path / "real") == []
