"""Atomic writes: the file is the old one or the new one, never a half-written one."""

from __future__ import annotations

import pytest

from depthlens.files import atomic_open, write_bytes, write_text


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_text_creates_then_replaces_the_content(tmp_path):
    path = tmp_path / "a.txt"
    write_text(path, "first\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    write_text(path, "second, ünïcode ✓\n")
    assert path.read_text(encoding="utf-8") == "second, ünïcode ✓\n"
    assert _leftovers(tmp_path) == []


def test_write_bytes_replaces_the_content(tmp_path):
    path = tmp_path / "a.bin"
    write_bytes(path, b"\x00\x01\x02")
    write_bytes(path, b"\xff")
    assert path.read_bytes() == b"\xff"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_write_creates_missing_parent_folders(tmp_path):
    path = tmp_path / "x" / "y" / "z.txt"
    write_text(path, "deep")
    assert path.read_text() == "deep"


def test_the_target_is_untouched_until_the_block_ends(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with atomic_open(path) as f:
        f.write("new")
        f.flush()
        assert path.read_text() == "old"
        assert len(_leftovers(tmp_path)) == 1
    assert path.read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_an_exception_inside_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(path) as f:
        f.write("half of the new")
        raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_keyboard_interrupt_inside_also_cleans_up(tmp_path):
    path = tmp_path / "a.bin"
    with pytest.raises(KeyboardInterrupt), atomic_open(path, "wb") as f:
        f.write(b"partial")
        raise KeyboardInterrupt
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_exception_on_a_new_file_creates_nothing(tmp_path):
    with pytest.raises(ValueError), atomic_open(tmp_path / "new.txt") as f:
        f.write("x")
        raise ValueError
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["a", "r", "w+", "ab"])
def test_only_write_modes_are_allowed(tmp_path, mode):
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "a.txt", mode):
        pass
    assert list(tmp_path.iterdir()) == []


def test_text_mode_writes_utf8(tmp_path):
    path = tmp_path / "u.txt"
    with atomic_open(path) as f:
        f.write("é")
    assert path.read_bytes() == "é".encode()


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    path = tmp_path / "x.txt"
    write_text(path, "hi")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
