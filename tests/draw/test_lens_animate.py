"""Animations: frame counts, looping, holds, the reflection's page turn, MP4 without ffmpeg."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlens.draw import animate
from depthlens.draw.scene import build_scene
from depthlens.errors import ConfigError
from depthlens.experiment import Config, Session
from depthlens.lens import decompose

from .test_lens_support import assert_two_class_picture, gif_frames, trained


def _steps(session, layers):
    net = session.net
    return [len(decompose(net.weights[k - 1], net.biases[k - 1],
                          net.layer_activations[k - 1]).steps) for k in layers]


def test_forward_gif_has_one_frame_per_step_and_t_and_loops_forever(tmp_path):
    s = trained()
    per_step = 2
    path = animate.forward_animation(s, tmp_path / "f.gif", per_step=per_step, fps=10,
                                     hold_ms=300, dpi=40, resolution=8)
    n, durations, info = gif_frames(path)
    expected = 1 + per_step * sum(_steps(s, [1, 2, 3]))
    assert n == expected == animate.forward_frame_count(s, per_step=per_step)
    assert info.get("loop") == 0
    # The first and last frames and each step's end are held; other frames last 1/fps.
    assert durations[0] > 100 and durations[-1] > durations[1]
    held = [d for d in durations[1:-1] if d > 100]
    assert len(held) == sum(_steps(s, [1, 2, 3])) - 1
    assert min(durations) == 100


def test_forward_frames_of_one_layer_and_their_pixels():
    s = trained()
    frames = list(animate.forward_frames(s, layers=[2], per_step=1, dpi=40, resolution=6))
    assert len(frames) == 1 + _steps(s, [2])[0]
    img, ms = frames[0]
    assert img.dtype == np.uint8 and img.ndim == 3 and ms > 0
    assert_two_class_picture(img, min_colours=50, min_pixels=10)
    with pytest.raises(ConfigError, match="layer"):
        animate.layer_movies(build_scene(s), [7])


def test_layer_movies_project_by_ambient_dimension():
    s = trained(layers=(5, 3))
    movies = animate.layer_movies(build_scene(s, resolution=4), per_step=1)
    # layer 1: 2 → 5, D = 5 > 3: PCA to 2; layer 2: 5 → 3: D = 5, lowered to 3 > 2: PCA;
    # layer 3: 3 → 1: D = 3, 3-D axes.
    assert [m.ops.ambient for m in movies] == [5, 5, 3]
    assert [m.dims for m in movies] == [2, 2, 3]
    movies3 = animate.layer_movies(build_scene(s, resolution=4), per_step=1, dims=3)
    assert [m.dims for m in movies3] == [3, 3, 3]
    # The camera never crops the data.
    for m in movies:
        for (_, _, pts), (lo, hi) in zip(m.frames, m.limits):
            drawn = m.project(pts[: m.counts[0]])
            assert np.all(drawn >= lo - 1e-9) and np.all(drawn <= hi + 1e-9)


def test_reflection_is_drawn_as_a_page_turn(tmp_path):
    s = Session(Config(layers=(2,), epochs=0, n_samples=60))
    s.net.weights[0][...] = [[0.8, 0.3], [0.2, -0.6]]  # det < 0: a reflection step
    ops = decompose(s.net.weights[0], s.net.biases[0], "tanh")
    assert ops.reflected
    movie = animate.layer_movies(build_scene(s, resolution=4), [1], per_step=4)[0]
    k = [st.kind for st in ops.steps].index("reflect")
    start = next(pts for step, t, pts in movie.frames if step == k - 1 and t == 1.0)
    turn = {t: pts for step, t, pts in movie.frames if step == k}
    flat = ops.steps[k].frame(start, 0.25)
    assert np.any(flat.depth != 0)
    # Perspective: mid-turn, points coming out of the page are drawn larger than the flat
    # interpolation; at the end of the turn the page is flat again.
    assert not np.allclose(turn[0.25], flat.points)
    np.testing.assert_allclose(turn[1.0], ops.steps[k].apply(start), atol=1e-12)
    path = animate.forward_animation(s, tmp_path / "r.gif", [1], per_step=2, dpi=30,
                                     resolution=4)
    assert gif_frames(path)[0] == 1 + 2 * len(ops.steps)


def test_training_gif_frames_are_snapshots_every_few_epochs(tmp_path):
    s = trained(epochs=10)
    path = animate.training_animation(s, tmp_path / "t.gif", every=3, dpi=30, resolution=6)
    n, _, info = gif_frames(path)
    assert n == animate.training_frame_count(10, 3) == 1 + math.ceil(10 / 3)
    assert info.get("loop") == 0


def test_training_reproduces_the_saved_run():
    s = trained(epochs=10)
    fresh, snaps = animate.training_snapshots(s, every=5)
    assert [sn.epoch for sn in snaps] == [0, 5, 10]
    np.testing.assert_array_equal(snaps[-1].params, s.net.params)
    np.testing.assert_array_equal(snaps[0].params, Session(s.config).net.params)
    assert fresh.epoch == 10


def test_training_animation_of_a_one_unit_stage(tmp_path):
    s = trained(layers=(3, 1), epochs=4)
    path = animate.training_animation(s, tmp_path / "t.gif", every=2, dpi=30, resolution=4)
    assert gif_frames(path)[0] == 3


def test_output_must_be_gif_or_mp4(tmp_path):
    with pytest.raises(ConfigError, match=r"\.gif or \.mp4"):
        animate.check_output(tmp_path / "x.avi")


def test_mp4_without_ffmpeg_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(animate, "ffmpeg_exe", lambda: None)
    with pytest.raises(ConfigError, match="ffmpeg"):
        animate.forward_animation(trained(), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_mp4_is_a_real_video(tmp_path):
    path = animate.forward_animation(trained(), tmp_path / "x.mp4", [3], per_step=2, dpi=30,
                                     resolution=4)
    data = path.read_bytes()
    assert len(data) > 1000
    assert data[4:8] == b"ftyp"  # an ISO media (MP4) file starts with its ftyp box


def test_camera_follows_and_holds_content():
    boxes = [(np.array([-k, -k], float), np.array([k, k], float)) for k in (1, 1, 10, 10, 1)]
    limits = animate.camera(boxes, per_step=1)
    for (lo, hi), (blo, bhi) in zip(limits, boxes):
        assert np.all(lo <= blo) and np.all(hi >= bhi)
        assert (hi - lo)[0] == pytest.approx((hi - lo)[1])
