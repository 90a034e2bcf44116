"""A dense layer as rotate, [reflect], scale, [dimension], rotate, translate, bend: the steps
compose to the layer, come in the documented order, read in words, interpolate as documented,
and no in-between frame flattens the data unless the layer itself does."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.lens import decompose
from depthlens.lens.operations import GROUPS
from depthlens.lens.rotations import is_rotation
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.losses import softmax
from depthlens.nn.network import MLP

from .support import plane_rotation, random_layer

ALL_ACTIVATIONS = [*ACTIVATIONS, "softmax"]
# Strictly increasing activations: their bend cannot flatten a cloud.
INJECTIVE = ("linear", "leaky_relu", "elu", "tanh", "sigmoid", "softplus")
SHAPES = {
    "lower m<n": (2, 3),
    "lower to 1-D": (1, 4),
    "square": (3, 3),
    "square 2-D": (2, 2),
    "lift m>n": (3, 2),
    "lift from 1-D": (4, 1),
    "lift 3->5": (5, 3),
}
SIZES = st.integers(min_value=1, max_value=5)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def engine_output(w: np.ndarray, b: np.ndarray, activation: str, x: np.ndarray,
                  dtype: type = np.float32) -> np.ndarray:
    """The engine's own forward pass of the one-layer network a(W·x + b)."""
    m, n = w.shape
    if activation == "softmax" and m == 1:  # the engine refuses it: a softmax of one unit is 1
        return np.ones((x.shape[0], 1))
    loss = "cross_entropy" if activation == "softmax" else "mse"
    net = MLP([n, m], output=activation, loss=loss, dtype=dtype)
    net.set_params([w.astype(dtype)], [b.astype(dtype)])
    return net.forward(x.astype(dtype)).astype(np.float64)


def negative_det_layer(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    w, b = random_layer(n, n, rng)
    if np.linalg.det(w.astype(np.float64)) > 0:
        w[0] = -w[0]
    assert np.linalg.det(w.astype(np.float64)) < 0
    return w, b


def expected_kinds(m: int, n: int, reflected: bool) -> list[str]:
    return ((["rotate"] if n > 1 else []) + (["reflect"] if reflected else [])
            + ["scale"] + (["dimension"] if m != n else []) + (["rotate"] if m > 1 else [])
            + ["translate", "bend"])


def inputs(n: int, rng: np.random.Generator, count: int = 64) -> np.ndarray:
    return rng.uniform(-2.0, 2.0, (count, n)).astype(np.float32).astype(np.float64)


def rectangular(s: np.ndarray, m: int, n: int) -> np.ndarray:
    out = np.zeros((m, n))
    out[np.arange(len(s)), np.arange(len(s))] = s
    return out


# -- the steps compose to the layer ------------------------------------------------------------
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
@pytest.mark.parametrize("shape", [*SHAPES, "det<0 2-D", "det<0 3-D", "det<0 1-D"])
def test_composing_the_steps_reproduces_the_layer(shape, activation):
    rng = np.random.default_rng(sum(map(ord, shape + activation)))
    if shape.startswith("det<0"):
        w, b = negative_det_layer(int(shape[-3]), rng)
    else:
        w, b = random_layer(*SHAPES[shape], rng)
    x = inputs(w.shape[1], rng)
    ops = decompose(w, b, activation)
    got = ops.output(x)
    assert got.shape == (len(x), w.shape[0])
    np.testing.assert_allclose(got, engine_output(w, b, activation, x), rtol=1e-5, atol=1e-5)
    # In float64 the agreement is to rounding, not just to float32 precision.
    np.testing.assert_allclose(got, engine_output(w, b, activation, x, np.float64), rtol=1e-10,
                               atol=1e-10)
    square = w.shape[0] == w.shape[1]
    assert ops.reflected == (square and np.linalg.det(w.astype(np.float64)) < 0)
    if shape.startswith("det<0"):
        assert ops.reflected


@settings(max_examples=60, deadline=None)
@given(m=SIZES, n=SIZES, seed=SEEDS, activation=st.sampled_from(ALL_ACTIVATIONS))
def test_steps_compose_to_the_layer_for_any_shape(m, n, seed, activation):
    rng = np.random.default_rng(seed)
    w, b = random_layer(m, n, rng)
    x = inputs(n, rng, 16)
    ops = decompose(w, b, activation)
    np.testing.assert_allclose(ops.output(x), engine_output(w, b, activation, x), rtol=1e-5,
                               atol=1e-5)
    # The ambient coordinates past m are zero at the end: nothing leaks out of the output.
    assert np.all(ops.run(x)[-1][:, m:] == 0.0)


@settings(max_examples=60, deadline=None)
@given(m=SIZES, n=SIZES, seed=SEEDS)
def test_decomposition_is_an_svd_with_proper_rotations(m, n, seed):
    w, b = random_layer(m, n, np.random.default_rng(seed))
    ops = decompose(w, b, "tanh")
    assert is_rotation(ops.u) and is_rotation(ops.vt)
    np.testing.assert_allclose(ops.u @ rectangular(ops.s, m, n) @ ops.vt, w, atol=1e-6)
    w64 = w.astype(np.float64)
    det_negative = m == n and np.linalg.det(w64) < 0
    assert ops.reflected == det_negative
    # Only the reflected square layer keeps a sign, on its smallest singular value.
    assert np.all(ops.s[:-1] > 0)
    assert (ops.s[-1] < 0) == det_negative
    np.testing.assert_allclose(np.abs(ops.s), np.linalg.svd(w64, compute_uv=False), rtol=1e-12)
    assert (ops.n_in, ops.n_out, ops.ambient) == (n, m, max(m, n))


# -- order and kinds ---------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(m=SIZES, n=SIZES, seed=SEEDS, flip=st.booleans())
def test_steps_follow_the_documented_order(m, n, seed, flip):
    rng = np.random.default_rng(seed)
    w, b = random_layer(m, n, rng)
    if flip and m == n:
        w, b = negative_det_layer(n, rng)
    ops = decompose(w, b, "relu")
    det_negative = m == n and np.linalg.det(w.astype(np.float64)) < 0
    kinds = [s.kind for s in ops.steps]
    assert kinds == expected_kinds(m, n, det_negative)
    assert ("reflect" in kinds) == det_negative
    for step in ops.steps:
        if step.kind == "rotate":
            assert is_rotation(step.params["matrix"])
    rotations = [s.params["matrix"] for s in ops.steps if s.kind == "rotate"]
    assert [r.shape[0] for r in rotations] == [d for d in (n, m) if d > 1]


# -- captions ----------------------------------------------------------------------------------
def _degrees(caption: str) -> int:
    found = re.search(r"by (-?\d+)°", caption)
    assert found, caption
    return int(found.group(1))


def test_captions_of_a_2d_layer_give_its_turns_scales_shift_and_bend():
    """W = R(50°)·diag(3, 0.5)·R(−20°): the two turns add to 30° (mod 360) whatever signs the
    SVD picks, the scales are 3 and 0.5, the shift is b."""
    w = plane_rotation(math.radians(50)) @ np.diag([3.0, 0.5]) @ plane_rotation(math.radians(-20))
    ops = decompose(w, np.array([0.25, -1.5]), "tanh")
    caps = ops.captions()
    assert caps[0].startswith("rotate (Vᵀ) by ") and caps[0].endswith("°")
    assert caps[1] == "scale by 3 and 0.5"
    assert caps[2].startswith("rotate (U) by ") and caps[2].endswith("°")
    assert (_degrees(caps[0]) + _degrees(caps[2])) % 360 == 30
    assert caps[3] == "translate by (0.25, -1.5)"
    assert caps[4] == "bend by tanh"


def test_caption_of_a_3d_rotation_names_its_axis():
    w = np.diag([2.0, 1.0, 0.5])[:, [1, 2, 0]]  # a permutation: a turn of 120° about (1,1,1)
    caps = decompose(w, np.zeros(3), "relu").captions()
    assert any(re.search(r"rotate \((U|Vᵀ)\) by \d+° about axis \(-?\d\.\d\d, -?\d\.\d\d, "
                         r"-?\d\.\d\d\)", c) for c in caps), caps
    assert caps[-1] == "bend by relu"


@pytest.mark.parametrize("m, n, words", [
    (3, 2, "lift 2-D into 3-D"),
    (2, 3, "lower 3-D to 2-D"),
    (5, 1, "lift 1-D into 5-D"),
    (1, 4, "lower 4-D to 1-D"),
])
def test_caption_of_a_dimension_change_says_from_and_to(m, n, words):
    w, b = random_layer(m, n, np.random.default_rng(m * 10 + n))
    caps = decompose(w, b, "sigmoid").captions()
    dim = [c for c in caps if c.startswith(("lift", "lower"))]
    assert len(dim) == 1 and dim[0].startswith(words)
    if m < n:
        assert f"drop {n - m} direction" in dim[0]
    assert caps[-1] == "bend by sigmoid"
    assert any(c.startswith("scale by ") and re.search(r"\d", c) for c in caps)


def test_caption_of_a_reflection_and_a_linear_bend():
    ops = decompose(np.diag([2.0, -1.0]), np.zeros(2), "linear")
    caps = ops.captions()
    assert any(c.startswith("reflect axis 2 (det W < 0)") for c in caps), caps
    assert caps[-1] == "nothing to bend (linear)"
    assert "scale by 2 and 1" in caps


# -- interpolation -----------------------------------------------------------------------------
def _step_inputs(ops, x: np.ndarray) -> list[np.ndarray]:
    return ops.run(x)[:-1]


@settings(max_examples=40, deadline=None)
@given(m=SIZES, n=SIZES, seed=SEEDS, activation=st.sampled_from(ALL_ACTIVATIONS),
       flip=st.booleans())
def test_every_step_starts_at_its_input_and_ends_at_apply(m, n, seed, activation, flip):
    rng = np.random.default_rng(seed)
    w, b = negative_det_layer(n, rng) if flip and m == n else random_layer(m, n, rng)
    ops = decompose(w, b, activation)
    x = inputs(n, rng, 12)
    for step, start in zip(ops.steps, _step_inputs(ops, x)):
        first = step.frame(start, 0.0)
        np.testing.assert_allclose(first.points, start, atol=1e-12, err_msg=step.kind)
        np.testing.assert_allclose(first.depth, 0.0, atol=1e-12)
        last = step.frame(start, 1.0)
        np.testing.assert_allclose(last.points, step.apply(start), atol=1e-12)
        np.testing.assert_allclose(last.depth, 0.0, atol=1e-12)


def test_scale_is_interpolated_geometrically():
    ops = decompose(np.diag([4.0, 0.25, 9.0]), np.zeros(3), "linear")
    scale = next(s for s in ops.steps if s.kind == "scale")
    p = np.array([[1.0, 2.0, -3.0]])
    factors = np.sort([4.0, 0.25, 9.0])[::-1]
    start = ops.run(p)[[s.kind for s in ops.steps].index("scale")]
    for t in (0.25, 0.5, 0.8):
        np.testing.assert_allclose(scale.frame(start, t).points, start * factors**t, rtol=1e-12)
    np.testing.assert_allclose(scale.frame(start, 0.5).points, start * np.sqrt(factors))


def test_a_zero_singular_value_shrinks_linearly():
    ops = decompose(np.diag([2.0, 0.0]), np.zeros(2), "linear")
    scale = next(s for s in ops.steps if s.kind == "scale")
    p = np.array([[1.0, 1.0], [-2.0, 3.0]])
    for t in (0.0, 0.5, 1.0):
        np.testing.assert_allclose(scale.frame(p, t).points, p * np.array([2.0**t, 1.0 - t]))


def test_translation_is_linear_in_t():
    w, b = random_layer(2, 3, np.random.default_rng(3))
    ops = decompose(w, b, "tanh")
    translate = next(s for s in ops.steps if s.kind == "translate")
    p = np.random.default_rng(4).normal(size=(5, 3))
    for t in (0.0, 0.3, 0.5, 1.0):
        got = translate.frame(p, t).points
        np.testing.assert_allclose(got[:, :2], p[:, :2] + t * b.astype(np.float64), rtol=1e-12)
        np.testing.assert_array_equal(got[:, 2:], p[:, 2:])


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_bend_halfway_is_the_average_of_z_and_a_of_z(activation):
    w, b = random_layer(3, 2, np.random.default_rng(5))
    ops = decompose(w, b, activation)
    bend = ops.steps[-1]
    z = np.random.default_rng(6).normal(scale=2.0, size=(7, 3))
    fz = softmax(z) if activation == "softmax" else ACTIVATIONS[activation](z)
    np.testing.assert_allclose(bend.frame(z, 0.5).points, (z + fz) / 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bend.apply(z), fz, rtol=1e-12, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(m=st.integers(2, 5), n=st.integers(2, 5), seed=SEEDS, t=st.floats(0.0, 1.0))
def test_rotation_steps_follow_the_geodesic(m, n, seed, t):
    """Halfway twice is the whole turn, and every frame is the start turned rigidly."""
    rng = np.random.default_rng(seed)
    w, b = random_layer(m, n, rng)
    ops = decompose(w, b, "linear")
    x = inputs(n, rng, 10)
    for step, start in zip(ops.steps, _step_inputs(ops, x)):
        if step.kind != "rotate":
            continue
        half = step.frame(step.frame(start, 0.5).points, 0.5).points
        np.testing.assert_allclose(half, step.apply(start), atol=1e-10)
        moved = step.frame(start, t).points
        d = step.params["matrix"].shape[0]
        gram = start[:, :d] @ start[:, :d].T
        np.testing.assert_allclose(moved[:, :d] @ moved[:, :d].T, gram, atol=1e-10)
        np.testing.assert_array_equal(moved[:, d:], start[:, d:])


def test_lowering_squashes_the_dropped_directions_linearly():
    w, b = random_layer(2, 4, np.random.default_rng(8))
    ops = decompose(w, b, "linear")
    kinds = [s.kind for s in ops.steps]
    dim = ops.steps[kinds.index("dimension")]
    start = ops.run(inputs(4, np.random.default_rng(9), 6))[kinds.index("dimension")]
    for t in (0.25, 0.5):
        got = dim.frame(start, t).points
        np.testing.assert_array_equal(got[:, :2], start[:, :2])
        np.testing.assert_allclose(got[:, 2:], (1 - t) * start[:, 2:])
    assert np.all(dim.apply(start)[:, 2:] == 0.0)


def test_reflection_turns_the_axis_over_through_depth():
    ops = decompose(np.array([[1.0, 0.0], [0.0, -2.0]]), np.zeros(2), "linear")
    kinds = [s.kind for s in ops.steps]
    reflect = ops.steps[kinds.index("reflect")]
    axis = reflect.params["axis"]
    start = ops.run(inputs(2, np.random.default_rng(10), 8))[kinds.index("reflect")]
    for t in np.linspace(0.0, 1.0, 9):
        fr = reflect.frame(start, t)
        other = [i for i in range(2) if i != axis]
        np.testing.assert_array_equal(fr.points[:, other], start[:, other])
        # The turned axis keeps its length: (x·cos πt, x·sin πt).
        np.testing.assert_allclose(np.hypot(fr.points[:, axis], fr.depth), np.abs(start[:, axis]))
    np.testing.assert_allclose(reflect.apply(start)[:, axis], -start[:, axis])
    mid = reflect.frame(start, 0.5)
    np.testing.assert_allclose(mid.points[:, axis], 0.0, atol=1e-12)  # flat without the depth…
    np.testing.assert_allclose(mid.depth, start[:, axis])  # …but not with it


def test_frames_cover_every_step_in_order_and_end_at_the_output():
    w, b = random_layer(3, 2, np.random.default_rng(11))
    ops = decompose(w, b, "tanh")
    x = inputs(2, np.random.default_rng(12), 9)
    frames = ops.frames(x, per_step=4)
    assert len(frames) == 1 + 4 * len(ops.steps)
    i0, t0, f0 = frames[0]
    assert (i0, t0) == (-1, 0.0)
    np.testing.assert_array_equal(f0.points, ops.embed(x))
    assert [(i, t) for i, t, _ in frames[1:5]] == [(0, 0.25), (0, 0.5), (0, 0.75), (0, 1.0)]
    assert [i for i, _, _ in frames[1:]] == sorted(i for i, _, _ in frames[1:])
    np.testing.assert_allclose(frames[-1][2].points[:, :3], ops.output(x), atol=1e-12)


# -- no frame collapses the data unless the layer does -----------------------------------------
def _spread(frame) -> np.ndarray:
    """Singular values of the centered cloud, the reflection's depth counted as a coordinate."""
    cloud = np.column_stack([frame.points, frame.depth])
    return np.linalg.svd(cloud - cloud.mean(axis=0), compute_uv=False)


def _check_no_collapse(w: np.ndarray, b: np.ndarray, activation: str, x: np.ndarray) -> None:
    n = w.shape[1]
    ops = decompose(w, b, activation)
    floor = _spread(ops.frames(x, 1)[0][2])[n - 1]
    assert floor > 0.1  # the input cloud is full rank n
    sigma_min = np.linalg.svd(w.astype(np.float64), compute_uv=False).min()
    # Rotations, the reflection (with depth), lifting and translating are isometries of the
    # cloud; scaling by σ^t shrinks by at most min(1, σ_min); nothing should do worse.
    bound = 0.999 * min(1.0, sigma_min) * floor
    for i, t, frame in ops.frames(x, per_step=8):
        kind = "input" if i < 0 else ops.steps[i].kind
        spread = _spread(frame)[n - 1]
        if kind == "bend":
            assert spread > 1e-6 * floor, (kind, t, spread)
        else:
            assert spread >= bound, (kind, t, spread, bound)


@pytest.mark.parametrize("activation", INJECTIVE)
@pytest.mark.parametrize("shape", ["square", "square 2-D", "lift m>n", "lift from 1-D",
                                   "lift 3->5", "det<0 3-D", "det<0 2-D"])
def test_no_frame_flattens_a_full_rank_layer(shape, activation):
    rng = np.random.default_rng(sum(map(ord, shape)))
    if shape.startswith("det<0"):
        w, b = negative_det_layer(int(shape[-3]), rng)
    else:
        w, b = random_layer(*SHAPES[shape], rng)
    _check_no_collapse(w, b, activation, inputs(w.shape[1], rng, 80))


@settings(max_examples=40, deadline=None)
@given(n=SIZES, extra=st.integers(0, 3), seed=SEEDS, flip=st.booleans(),
       activation=st.sampled_from(INJECTIVE))
def test_no_frame_flattens_any_square_or_lifting_layer(n, extra, seed, flip, activation):
    rng = np.random.default_rng(seed)
    m = n + extra
    w, b = negative_det_layer(n, rng) if flip and m == n else random_layer(m, n, rng)
    _check_no_collapse(w, b, activation, inputs(n, rng, 40))


@pytest.mark.parametrize("n", [2, 3, 4])
def test_a_singular_layer_does_flatten_the_cloud_in_the_end(n):
    rng = np.random.default_rng(n)
    w = rng.normal(size=(n, n - 1)) @ rng.normal(size=(n - 1, n))  # rank n − 1
    ops = decompose(w, rng.normal(size=n), "linear")
    x = inputs(n, rng, 50)
    frames = ops.frames(x, per_step=4)
    first, last = _spread(frames[0][2]), _spread(frames[-1][2])
    assert first[n - 1] > 0.1
    assert last[n - 1] < 1e-9 * last[0]
    # It is the scale step that does it, not a rotation or the reflection.
    kinds = [s.kind for s in ops.steps]
    for i, _, frame in frames:
        if 0 <= i < kinds.index("scale"):
            assert _spread(frame)[n - 1] > 0.999 * first[n - 1]


def test_a_lowering_layer_flattens_to_its_output_width():
    rng = np.random.default_rng(13)
    w, b = random_layer(2, 4, rng)
    ops = decompose(w, b, "tanh")
    x = inputs(4, rng, 50)
    last = _spread(ops.frames(x, per_step=3)[-1][2])
    assert last[1] > 1e-3
    assert last[2] < 1e-12


# -- the five operations: groups, labels and the space each step acts in ------------------------
@pytest.mark.parametrize("shape", [*SHAPES, "det<0 2-D"])
def test_every_step_is_one_of_the_five_operations_and_acts_in_the_input_then_the_output(shape):
    rng = np.random.default_rng(sum(map(ord, shape)))
    if shape == "det<0 2-D":
        w, b = negative_det_layer(2, rng)
    else:
        w, b = random_layer(*SHAPES[shape], rng)
    m, n = w.shape
    ops = decompose(w, b, "tanh")
    assert GROUPS == ("raise/lower dimension", "scale", "rotate", "translate", "bend")
    groups = [s.group for s in ops.steps]
    assert set(groups) <= set(GROUPS)
    assert groups.count("rotate") == (n > 1) + (m > 1) + ops.reflected  # Vᵀ and U (and a flip)
    assert ("raise/lower dimension" in groups) == (m != n)
    assert all(s.label for s in ops.steps)
    labels = [s.label for s in ops.steps]
    assert labels[-2:] == ["+ b", "tanh"] and "\u03a3" in labels
    if m != n:
        assert f"{'lift' if m > n else 'lower'} {n}\u2192{m}" in labels
    # every step before the change of dimension acts in the input's n-D space, every step after
    # it in the output's m-D space; the change is seen in the larger of the two
    spaces = [s.space for s in ops.steps]
    kinds = [s.kind for s in ops.steps]
    cut = kinds.index("dimension") if m != n else kinds.index("scale") + 1
    assert set(spaces[:cut]) <= {"in"} and set(spaces[cut + (m != n):]) <= {"out"}
    if m != n:
        assert spaces[cut] == ("out" if m > n else "in")
