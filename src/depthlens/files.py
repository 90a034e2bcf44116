"""Atomic file writes: a reader sees the old file or the new one, never half of one.

``write_text`` / ``write_bytes`` do it for one file (a temporary file beside it, fsync,
rename). ``write_folder`` does it for a whole folder (a run folder): every file is written
into a temporary sibling ``.NAME.tmp-PID-RANDOM``, fsynced with the folder, then swapped in:
the old folder is renamed aside to ``.NAME.old-PID-RANDOM``, the new one renamed into place,
the old one removed. A process killed at any moment leaves at the target either the old
folder or the new one, or, for the instant between the two renames, no target but the
``.old-`` sibling: ``recover_folder`` (run by the next ``write_folder`` and by a reader)
renames it back. Leftover siblings of dead processes are removed by the next ``write_folder``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

TMP, OLD = ".tmp-", ".old-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode: {mode!r} is not allowed; expected 'w' or 'wb'")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, "w") as f:
        f.write(text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def _fsync_dir(path: Path) -> None:
    """Make a folder's entries (new names, renames) durable; a no-op where folders cannot be
    opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}{kind}{os.getpid()}-{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this process counts: its own siblings are its own)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0
    return True


def leftovers(target: str | os.PathLike[str]) -> list[tuple[Path, str, bool]]:
    """The ``.tmp-`` / ``.old-`` siblings ``write_folder`` left beside ``target``: (path,
    kind, whether the process that made it is still running), newest first."""
    target = Path(target)
    found = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    for entry in entries:
        for kind in (TMP, OLD):
            stem = f".{target.name}{kind}"
            if entry.name.startswith(stem):
                pid = entry.name[len(stem):].split("-", 1)[0]
                alive = _alive(int(pid)) if pid.isdigit() else False
                with contextlib.suppress(OSError):
                    found.append((Path(entry.path), kind, alive,
                                  entry.stat(follow_symlinks=False).st_mtime_ns))
    found.sort(key=lambda f: f[3], reverse=True)
    return [f[:3] for f in found]


def recover_folder(target: str | os.PathLike[str]) -> bool:
    """If ``target`` is missing because a ``write_folder`` was killed between its two renames,
    rename the old folder (the ``.old-`` sibling of a process no longer running) back into
    place; True if it did. Never deletes anything."""
    target = Path(os.path.realpath(target))  # a link to the run folder: the folder itself
    if os.path.lexists(target):
        return False
    for path, kind, alive in leftovers(target):
        if kind == OLD and not alive:
            try:
                os.rename(path, target)
            except OSError:
                continue
            _fsync_dir(target.parent)
            return True
    return False


def _remove_leftovers(target: Path) -> None:
    for path, _, alive in leftovers(target):
        if not alive:
            shutil.rmtree(path, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _carry(old: Path, new: Path, keep: Callable[[str], bool]) -> None:
    """Hard-link (or copy) into ``new`` the entries of ``old`` that ``keep`` accepts and ``new``
    lacks, so files others wrote into the folder (pictures) survive the swap."""
    for entry in os.scandir(old):
        dst = new / entry.name
        if not keep(entry.name) or os.path.lexists(dst):
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), dst)
        elif entry.is_dir():
            shutil.copytree(entry.path, dst, symlinks=True, copy_function=_link_or_copy)
        elif entry.is_file():
            _link_or_copy(entry.path, str(dst))


def write_folder(folder: str | os.PathLike[str], files: Mapping[str, bytes],
                 keep: Callable[[str], bool] | None = None) -> Path:
    """Replace the folder ``folder`` by one holding exactly ``files`` (name → bytes, written
    in that order), whole or not at all (the module docstring says how); entries of the old
    folder that ``keep(name)`` accepts are carried over. Returns the folder's path (symbolic
    links resolved: a link to a folder keeps pointing at it)."""
    target = Path(os.path.realpath(folder))
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    _remove_leftovers(target)
    tmp = _sibling(target, TMP)
    os.mkdir(tmp)
    old: Path | None = None
    try:
        for name, data in files.items():
            with open(tmp / name, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        if keep is not None and target.is_dir():
            _carry(target, tmp, lambda n: n not in files and keep(n))
        _fsync_dir(tmp)
        if os.path.lexists(target):
            old = _sibling(target, OLD)
            os.rename(target, old)
        os.rename(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        if old is not None and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.rename(old, target)
                old = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
