"""`depthlens lens`, `animate` and `explain`, run in-process on a tiny trained run."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from depthlens.cli import main
from depthlens.draw import animate
from depthlens.experiment import load_run

from .test_lens_support import assert_two_class_picture, gif_frames

FAST = ["--per-step", "1", "--dpi", "40", "--quiet"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lens") / "run"
    code = main(["train", "--quiet", "--n-samples", "100", "--layers", "4,3", "--epochs", "20",
                 "--optimizer", "adam", "--lr", "0.03", "--out", str(out)])
    assert code == 0
    return out


def test_lens_writes_every_picture_and_a_self_contained_report(run_dir, capsys):
    assert main(["lens", str(run_dir), *FAST]) == 0
    for name in ("strip.png", "neurons.png", "separability.png", "space3d.png", "forward.gif",
                 "report.html"):
        assert (run_dir / name).is_file(), name
    assert "report.html" in capsys.readouterr().out
    with Image.open(run_dir / "strip.png") as im:
        assert_two_class_picture(np.asarray(im.convert("RGB")), min_colours=200)
    n, _, _ = gif_frames(run_dir / "forward.gif")
    assert n == animate.forward_frame_count(load_run(run_dir), per_step=1)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == 5  # picture + 4 lens PNGs
    assert '<img src="data:image/gif;base64,' in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, flags=re.I)
    assert "<script" not in html and "<link" not in html
    for text in ("Config", "test_accuracy", "linear probe", "init test accuracy"):
        assert text in html


def test_lens_all_stages_in_3d_with_units(run_dir):
    assert main(["lens", str(run_dir), "--stages", "all", "--dims", "3", "--units", "1,2,4",
                 "--no-animation", *FAST]) == 0
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "image/gif" not in html  # no animation asked for this time


def test_lens_bad_units_is_a_clear_error(run_dir, capsys):
    assert main(["lens", str(run_dir), "--units", "0,1", *FAST]) == 2
    assert "--units" in capsys.readouterr().err


def test_lens_of_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["lens", str(tmp_path), *FAST]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_animate_forward_one_layer(run_dir, tmp_path):
    out = tmp_path / "layer2.gif"
    assert main(["animate", str(run_dir), "--layer", "2", "--per-step", "2", "--fps", "20",
                 "--out", str(out), "--quiet"]) == 0
    s = load_run(run_dir)
    assert gif_frames(out)[0] == animate.forward_frame_count(s, [2], per_step=2)


def test_animate_training(run_dir, tmp_path):
    out = tmp_path / "training.gif"
    assert main(["animate", str(run_dir), "--what", "training", "--every", "10", "--layer", "1",
                 "--out", str(out), "--quiet"]) == 0
    assert gif_frames(out)[0] == 3  # epochs 0, 10, 20


def test_animate_bad_layer(run_dir, tmp_path, capsys):
    assert main(["animate", str(run_dir), "--layer", "9", "--out", str(tmp_path / "x.gif"),
                 "--quiet"]) == 2
    assert "--layer" in capsys.readouterr().err


def test_animate_mp4(run_dir, tmp_path, capsys):
    out = tmp_path / "x.mp4"
    code = main(["animate", str(run_dir), "--layer", "3", "--per-step", "1", "--out", str(out),
                 "--quiet"])
    assert code == 0 and out.read_bytes()[4:8] == b"ftyp"


def test_animate_mp4_without_ffmpeg_exits_2_before_any_work(run_dir, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.setattr(animate, "ffmpeg_exe", lambda: None)
    assert main(["animate", str(run_dir), "--out", str(tmp_path / "x.mp4"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "MP4 needs ffmpeg" in err and "depthlens: error" in err


def test_explain_trains_saves_and_reports(tmp_path):
    out = tmp_path / "explained"
    assert main(["explain", "--dataset", "xor", "--n-samples", "80", "--layers", "3",
                 "--epochs", "5", "--out", str(out), *FAST]) == 0
    for name in ("config.json", "model.npz", "picture.png", "strip.png", "space3d.png",
                 "report.html", "forward.gif"):
        assert (out / name).is_file(), name
    assert load_run(out).config.dataset == "xor"


@pytest.fixture(scope="module")
def gru_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lens") / "gru"
    code = main(["train", "--quiet", "--dataset", "spiral", "--n-samples", "100", "--model",
                 "gru", "--layers", "4", "--epochs", "5", "--out", str(out)])
    assert code == 0
    return out


def test_the_lens_of_a_recurrent_run_is_its_state_space_and_its_steps(gru_dir, capsys):
    from depthlens.lens.recurrent import step_operations

    assert main(["lens", str(gru_dir), *FAST]) == 0
    assert "wrote state_space.png, last_step.png, steps.gif" in capsys.readouterr().out
    assert not (gru_dir / "strip.png").exists()  # no dense stages
    for name in ("state_space.png", "last_step.png"):
        with Image.open(gru_dir / name) as im:
            assert_two_class_picture(np.asarray(im.convert("RGB")))
    session = load_run(gru_dir)
    x = session.x_train
    want = sum(1 + len(step_operations(session.net, x, t).steps)
               for t in range(1, x.shape[1] + 1))  # per step 1: h_{t−1}, then each operation
    assert gif_frames(gru_dir / "steps.gif")[0] == want
    html = (gru_dir / "report.html").read_text(encoding="utf-8")
    # x1, x2 read as a sequence of 2 steps of 1 input each
    assert "<title>depthlens · spiral · GRU 1-4-1 over 2 steps tanh</title>" in html
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings[2:] == ["The run", "The state&#x27;s space: each sequence&#x27;s path",
                            "The last step as the five operations",
                            "Every step, one operation at a time"]
    assert html.count('<img src="data:image/png;base64,') == 3  # picture + the two PNGs
    assert html.count('<img src="data:image/gif;base64,') == 1


@pytest.mark.parametrize(("flags", "message"), [
    (["--stages", "all"], "--stages: 'all' is not allowed; expected 'post' (the default) for "
     "a recurrent run"),
    (["--dims", "3"], "--dims: 3 is not allowed; expected 2 (the default) for a recurrent run"),
    (["--training"], "--training: True is not allowed; expected False (the default)"),
])
def test_a_dense_lens_flag_on_a_recurrent_run_is_refused_by_name(gru_dir, capsys, flags,
                                                                   message):
    assert main(["lens", str(gru_dir), *FAST, *flags]) == 2
    assert capsys.readouterr().err.startswith(f"depthlens: error: {message}")


def test_explain_refuses_a_recurrent_regression_run_before_training_it(tmp_path, capsys):
    out = tmp_path / "reg"
    assert main(["explain", "--dataset", "reg-plane", "--model", "elman", "--layers", "3",
                 "--epochs", "2", "--out", str(out), *FAST]) == 2
    err = capsys.readouterr().err
    assert err.startswith("depthlens: error: model: 'elman' is not allowed; expected 'mlp' for "
                          "the lens of a regression run")
    assert not out.exists()  # nothing trained, nothing written


def test_animate_a_recurrent_run_plays_its_steps_and_refuses_training(gru_dir, tmp_path,
                                                                      capsys):
    from depthlens.lens.recurrent import step_operations

    out = tmp_path / "steps.gif"
    assert main(["animate", str(gru_dir), "--out", str(out), "--per-step", "2",
                 "--quiet"]) == 0
    session = load_run(gru_dir)
    x = session.x_train
    want = sum(1 + 2 * len(step_operations(session.net, x, t).steps)
               for t in range(1, x.shape[1] + 1))
    assert gif_frames(out)[0] == want
    capsys.readouterr()
    assert main(["animate", str(gru_dir), "--what", "training", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(
        "depthlens: error: --what: 'training' is not allowed; expected 'forward' (the default) "
        "for a recurrent run")
