"""The state-space example, run small: it holds its number, draws its pictures, writes its page."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from depthlens import cli
from depthlens.examples import run_example, state_space
from tests.examples.support import check_page, check_pictures

ACCURACY_BAR = 0.95
"""Quick version, seed 0 (40 epochs, 1000 training sequences): measured 0.998; seeds 1 and 2
gave 0.992 and 0.974."""


def test_quick_state_space_remembers_the_sign_of_the_sum():
    r = run_example("state-space", quick=True)
    n = r.numbers
    assert n["test_accuracy"] >= ACCURACY_BAR, n
    assert n["test_accuracy_sum_pm1"] >= 0.9, n  # the sequences one input decides
    assert n["parameters"] == 13 and n["steps"] == 11
    net, path = r.objects["net"], r.objects["path"]
    assert net.hidden == 2 and path.view.method == "own"  # the space is drawn as it is
    np.testing.assert_array_equal(state_space.running_sums(np.ones((1, 3, 1))), [[0, 1, 2, 3]])
    check_pictures(r, ("", "step", "first-step"))
    check_page(r)
    assert "raise/lower dimension" in r.text.lower() and "translates" in r.text
    again = run_example("state-space", quick=True)  # seeds fixed: the same run
    assert {k: v for k, v in again.numbers.items() if k != "elapsed_s"} == \
        {k: v for k, v in n.items() if k != "elapsed_s"}


def test_command_line_writes_the_page_and_the_animation(tmp_path):
    gif = tmp_path / "steps.gif"
    assert cli.main(["example", "state-space", "--quick", "--quiet", "--steps", "3",
                     "--epochs", "20", "--out", str(tmp_path), "--animation", str(gif)]) == 0
    numbers = json.loads((tmp_path / "state-space.json").read_text())
    assert numbers["steps"] == 3 and numbers["epochs"] == 20
    for name in ("state-space.png", "state-space-step.png", "state-space-first-step.png",
                 "state-space.md"):
        assert (tmp_path / name).is_file(), name
    with Image.open(gif) as im:
        ops = 6 if numbers["reflected"] else 5
        assert im.n_frames == 3 * (1 + 5 * ops)
