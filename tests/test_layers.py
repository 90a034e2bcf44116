"""The layers of docs/architecture.md hold: no module imports from a layer above its own.

Every module of src/depthlens is parsed with ``ast``; every import (absolute ``depthlens.x.y``
or relative, at the top of the module or inside a function) is mapped to its layer, in the
order of the doc's "Layers (dependencies point down this list only)" list. The order is read
from the doc itself, so the doc and this test cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "depthlens"
DOC = ROOT / "docs" / "architecture.md"
TOP = "depthlens/__init__.py"
"""The package's own ``__init__`` re-exports the public API from every layer: it sits above
them all, and no module may import from it (``from depthlens import …``)."""


def doc_layers() -> list[str]:
    """The top-level entries of the doc's layer list, bottom first: 'errors.py', 'nn', …"""
    text = DOC.read_text(encoding="utf-8")
    head = text.index("## Layers (dependencies point down this list only)")
    block = text[head:].split("```", 2)[1]
    names = []
    for line in block.splitlines():
        m = re.match(r"^  (\S+)", line)  # two spaces: a direct child of src/depthlens/
        if m:
            names.append(m.group(1).rstrip("/"))
    return names


LAYERS = doc_layers()


def layer_of(module: str) -> int | None:
    """The layer index of a dotted module name inside depthlens (None for the package itself)."""
    parts = module.split(".")
    assert parts[0] == "depthlens", module
    if len(parts) == 1:
        return None
    name = parts[1]
    for candidate in (name, f"{name}.py"):
        if candidate in LAYERS:
            return LAYERS.index(candidate)
    raise AssertionError(f"depthlens.{name} is in no layer of {DOC.name}: add it to the list")


def module_name(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, dotted module) of every depthlens import in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, src).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for a in node.names:  # from depthlens.web import app → depthlens.web.app
                sub = src.joinpath(*target.split("."), a.name)
                is_sub = sub.is_dir() or sub.with_suffix(".py").is_file()
                out.append((node.lineno, f"{target}.{a.name}" if is_sub else target))
    return [(line, m) for line, m in out if m == "depthlens" or m.startswith("depthlens.")]


def file_of(module: str, src: Path = SRC) -> str:
    """The file a dotted module name is read from: 'src/depthlens/draw/figures.py'."""
    path = src.joinpath(*module.split("."))
    if path.is_dir():
        path = path / "__init__.py"
    else:
        path = path.with_suffix(".py")
    return path.relative_to(src.parent).as_posix()


def upward_imports(paths: list[Path], src: Path = SRC) -> list[str]:
    """One message per import in ``paths`` that points up the layer list."""
    problems = []
    for path in paths:
        if path.relative_to(src).as_posix() == TOP:
            continue
        rel = path.relative_to(src.parent).as_posix()
        own = layer_of(module_name(path, src))
        for line, target in imported(path, src):
            theirs = layer_of(target)
            if theirs is None:
                problems.append(f"{rel}:{line} imports src/{TOP} (the package, which "
                                "re-exports every layer): import the module that defines "
                                "the name")
            elif theirs > own:
                problems.append(f"{rel}:{line} (layer {LAYERS[own]}) imports "
                                f"{file_of(target, src)} (layer {LAYERS[theirs]}), a layer "
                                "above its own")
    return problems


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_doc_lists_the_layers_in_order():
    assert LAYERS[:2] == ["errors.py", "files.py"]
    assert LAYERS[-1] == "cli.py"
    for entry in PACKAGE.iterdir():
        if entry.name in ("__init__.py", "py.typed", "__pycache__"):
            continue
        if entry.suffix == ".py" or (entry.is_dir() and (entry / "__init__.py").is_file()):
            assert entry.name.removesuffix(".py") in {n.removesuffix(".py") for n in LAYERS}, \
                f"src/depthlens/{entry.name} is missing from the layer list of {DOC.name}"


def test_every_module_parses_and_has_a_layer():
    assert len(SOURCES) > 50
    for path in SOURCES:
        if path.relative_to(SRC).as_posix() != TOP:
            layer_of(module_name(path))
        imported(path)


def test_no_module_imports_from_a_layer_above_its_own():
    problems = upward_imports(SOURCES)
    assert not problems, "imports that point up the layer list of docs/architecture.md:\n" \
                         + "\n".join(problems)


@pytest.mark.parametrize(("source", "line", "message"), [
    ("experiment/run.py", "from depthlens.draw.figures import run_png",
     "src/depthlens/experiment/run.py:1 (layer experiment) imports "
     "src/depthlens/draw/figures.py (layer draw)"),
    ("nn/training.py", "from ..lens import probes",
     "src/depthlens/nn/training.py:1 (layer nn) imports src/depthlens/lens/__init__.py "
     "(layer lens)"),
    ("lab/commands.py", "def f():\n    from depthlens.cli import main",
     "src/depthlens/lab/commands.py:2 (layer lab) imports src/depthlens/cli.py (layer cli.py)"),
    ("experiment/session.py", "from depthlens.web import app",
     "src/depthlens/experiment/session.py:1 (layer experiment) imports "
     "src/depthlens/web/app.py (layer web)"),
    ("draw/maps.py", "from depthlens import Session",
     "src/depthlens/draw/maps.py:1 imports src/depthlens/__init__.py"),
])
def test_an_upward_import_is_named_with_both_files(tmp_path, source, line, message):
    """The check itself: a planted upward import (absolute, relative, lazy) is caught."""
    fake = tmp_path / "src" / "depthlens" / source
    fake.parent.mkdir(parents=True)
    fake.write_text(line + "\n", encoding="utf-8")
    for folder in ("lens", "draw", "web"):
        (tmp_path / "src" / "depthlens" / folder).mkdir(exist_ok=True)
    (tmp_path / "src" / "depthlens" / "web" / "app.py").write_text("")
    problems = upward_imports([fake], tmp_path / "src")
    assert len(problems) == 1 and problems[0].startswith(message), problems
