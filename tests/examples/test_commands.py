"""``depthlens example …`` on the command line."""

from __future__ import annotations

import json

import pytest

from depthlens import cli
from depthlens.examples import EXAMPLES, ExampleResult, commands


def test_an_example_writes_its_picture_page_and_numbers(tmp_path, capsys):
    assert cli.main(["example", "molecules", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["README.md", "molecules.json", "molecules.md", "molecules.png"]
    index = (tmp_path / "README.md").read_text()
    assert "## [Molecules: the weight matrix as a table of recipes](molecules.md)" in index
    assert "thresholds" not in index  # only the examples whose pages are there
    numbers = json.loads((tmp_path / "molecules.json").read_text())
    assert numbers["weights_round_to_recipes"] is True
    out = capsys.readouterr().out
    assert out.startswith("molecules: ") and "molecules.png" in out


def test_per_example_options_reach_the_example(tmp_path):
    assert cli.main(["example", "quadrants", "--epochs", "30", "--seed", "2", "--quiet",
                     "--out", str(tmp_path)]) == 0
    numbers = json.loads((tmp_path / "quadrants.json").read_text())
    assert numbers["epochs"] == 30


def test_list_names_every_example(capsys):
    assert cli.main(["example", "list"]) == 0
    out = capsys.readouterr().out
    for name in EXAMPLES:
        assert name in out
    assert len(EXAMPLES) == 11


def test_unknown_example_or_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["example", "nope"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        cli.main(["example", "molecules", "--colour", "blue"])
    assert "usage: depthlens example" in capsys.readouterr().err


def test_every_example_has_options_help_and_a_page_in_docs():
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    assert set(commands.OPTIONS) == set(EXAMPLES) == set(commands.HELP)
    for name in EXAMPLES:
        assert (docs / f"{name}.md").is_file(), name
        assert (docs / f"{name}.png").is_file(), name
        assert (docs / f"{name}.png").stat().st_size <= 160_000, name
        page = (docs / f"{name}.md").read_text(encoding="utf-8")
        assert f"]({name}.png)" in page
    index = (docs / "README.md").read_text(encoding="utf-8")
    for name in EXAMPLES:
        assert f"({name}.md)" in index


def test_all_runs_every_example_and_writes_the_gallery(tmp_path, monkeypatch):
    ran = []

    def fake(name, quick=False, budget=None, progress=False, **options):
        ran.append((name, quick))
        return ExampleResult(name, f"Title of {name}", {"x": 1.0}, "text", {"": b"png"})

    monkeypatch.setattr(commands, "run_example", fake)
    assert cli.main(["example", "all", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    assert ran == [(n, True) for n in EXAMPLES]
    index = (tmp_path / "README.md").read_text()
    for name in EXAMPLES:
        assert f"## [Title of {name}]({name}.md)" in index
        assert f"[![{name}]({name}.png)]({name}.md)" in index
        assert (tmp_path / f"{name}.md").is_file()


def test_budget_flag_reaches_the_regression(monkeypatch, tmp_path):
    seen = {}

    def fake(name, quick=False, budget=None, progress=False, **options):
        seen.update(name=name, budget=budget, options=options)
        return ExampleResult(name, "t", {}, "", {})

    monkeypatch.setattr(commands, "run_example", fake)
    cli.main(["example", "regression", "--budget", "12.5", "--lr", "0.02", "--targets",
              "standardize", "--quiet", "--out", str(tmp_path)])
    assert seen == {"name": "regression", "budget": 12.5,
                    "options": {"lr": 0.02, "targets": "standardize"}}
