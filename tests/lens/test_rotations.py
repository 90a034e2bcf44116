"""Rotations: the geodesic R^t = exp(t·log R) stays in SO(d), is a one-parameter subgroup, copes
with half turns, and the words for a rotation give the right angles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.lens.rotations import (
    _MIXERS,
    axis_angle,
    describe,
    is_rotation,
    plane_angles,
    rotation_power,
)

from .support import axis_rotation, block_rotation, plane_rotation, random_rotation

DIMS = st.integers(min_value=2, max_value=8)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
TIMES = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
HALF_TURNS = [
    np.diag([-1.0, -1.0, 1.0]),
    np.diag([-1.0, -1.0, -1.0, -1.0]),
    np.diag([-1.0, -1.0, 1.0, 1.0, 1.0]),
    np.diag([1.0, -1.0, -1.0, -1.0, -1.0, 1.0]),
    -np.eye(2),
]


def assert_in_so(r: np.ndarray, tol: float = 1e-9) -> None:
    d = r.shape[0]
    assert r.dtype.kind == "f", "a rotation power must be a real matrix"
    np.testing.assert_allclose(r.T @ r, np.eye(d), atol=tol)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=tol)


# -- the geodesic ------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(d=DIMS, seed=SEEDS, t=TIMES)
def test_rotation_power_stays_a_rotation_for_every_t(d, seed, t):
    r = random_rotation(d, np.random.default_rng(seed))
    assert_in_so(rotation_power(r, t))


@settings(max_examples=40, deadline=None)
@given(d=DIMS, seed=SEEDS)
def test_rotation_power_endpoints_are_identity_and_the_rotation(d, seed):
    r = random_rotation(d, np.random.default_rng(seed))
    np.testing.assert_allclose(rotation_power(r, 0.0), np.eye(d), atol=1e-12)
    np.testing.assert_allclose(rotation_power(r, 1.0), r, atol=1e-12)
    # Just inside the endpoints the general path runs, and it must still land next to them.
    np.testing.assert_allclose(rotation_power(r, 1e-9), np.eye(d), atol=1e-7)
    np.testing.assert_allclose(rotation_power(r, 1.0 - 1e-9), r, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(d=DIMS, seed=SEEDS)
def test_square_root_of_a_rotation_squares_back_to_it(d, seed):
    r = random_rotation(d, np.random.default_rng(seed))
    half = rotation_power(r, 0.5)
    np.testing.assert_allclose(half @ half, r, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(d=DIMS, seed=SEEDS, s=TIMES, t=TIMES)
def test_powers_form_a_one_parameter_subgroup(d, seed, s, t):
    """R^s·R^t = R^{s+t}: the path is a geodesic at constant speed, not just any curve."""
    r = random_rotation(d, np.random.default_rng(seed))
    s, t = s / 2, t / 2  # keep s + t in [0, 1]
    np.testing.assert_allclose(rotation_power(r, s) @ rotation_power(r, t),
                               rotation_power(r, s + t), atol=1e-9)
    # Powers of one rotation commute.
    np.testing.assert_allclose(rotation_power(r, s) @ rotation_power(r, t),
                               rotation_power(r, t) @ rotation_power(r, s), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(d=DIMS, seed=SEEDS, t=TIMES)
def test_rotation_power_turns_each_plane_by_t_times_its_angle(d, seed, t):
    r = random_rotation(d, np.random.default_rng(seed))
    full = np.sort(plane_angles(r))
    np.testing.assert_allclose(np.sort(plane_angles(rotation_power(r, t))), t * full, atol=1e-7)


def test_rotation_power_in_the_plane_is_rotation_by_a_fraction_of_the_angle():
    r = plane_rotation(math.radians(150))
    np.testing.assert_allclose(rotation_power(r, 0.2), plane_rotation(math.radians(30)),
                               atol=1e-12)
    # The short way round: −150° is reached through −75°, not through +105°.
    np.testing.assert_allclose(rotation_power(r.T, 0.5), plane_rotation(math.radians(-75)),
                               atol=1e-12)


def test_rotation_power_about_a_known_axis_keeps_the_axis_and_scales_the_angle():
    axis = np.array([1.0, 2.0, 2.0]) / 3.0
    r = axis_rotation(axis, math.radians(120))
    np.testing.assert_allclose(rotation_power(r, 0.25), axis_rotation(axis, math.radians(30)),
                               atol=1e-10)


def test_rotation_power_of_the_identity_is_the_identity():
    for d in range(1, 7):
        np.testing.assert_allclose(rotation_power(np.eye(d), 0.37), np.eye(d), atol=1e-12)


def _check_power(r: np.ndarray) -> None:
    half = rotation_power(r, 0.5)
    assert_in_so(half)
    np.testing.assert_allclose(half @ half, r, atol=1e-9)
    np.testing.assert_allclose(rotation_power(r, 0.2) @ rotation_power(r, 0.3), half, atol=1e-9)


@pytest.mark.parametrize("c", [0.5772156649015329, *_MIXERS])
def test_rotation_power_when_an_angle_collides_with_the_fixed_axis(c):
    """Regression: eigenvectors come from H = sym + c·antisym/i, whose eigenvalue for angle θ is
    cos θ + c·sin θ. A 3-D turn by 2·atan c gives its axis (θ = 0) and its plane the same value,
    and with one fixed c = 0.577… R^{1/2} came out wrong by 0.23 (not even orthogonal)."""
    _check_power(axis_rotation(np.array([1.0, 2.0, 2.0]), 2 * math.atan(c)))
    _check_power(axis_rotation(np.array([1.0, 2.0, 2.0]), 2 * math.atan(c) + 1e-9))


@pytest.mark.parametrize("first", range(len(_MIXERS) - 1))
def test_rotation_power_when_planes_collide_for_several_mixers(first):
    c1, c2 = _MIXERS[first], _MIXERS[first + 1]
    base = block_rotation([2 * math.atan(c1), 2 * math.atan(c2)], extra=1)
    q = random_rotation(5, np.random.default_rng(first))
    _check_power(q @ base @ q.T)
    # Two planes whose angles sum to 2·atan c collide with each other (no fixed axis needed).
    base = block_rotation([1.0, 2 * math.atan(c1) - 1.0])
    q = random_rotation(4, np.random.default_rng(first))
    _check_power(q @ base @ q.T)


# -- half turns --------------------------------------------------------------------------------
@pytest.mark.parametrize("r", HALF_TURNS, ids=lambda r: "diag(" + ",".join(
    f"{v:+.0f}" for v in np.diag(r)) + ")")
@pytest.mark.parametrize("conjugate", [False, True], ids=["plain", "conjugated"])
def test_half_turns_have_real_rotation_powers(r, conjugate):
    """Eigenvalue −1 has no unique logarithm; the path must still be real rotations that
    reach R and form a subgroup."""
    d = r.shape[0]
    if conjugate:
        q = random_rotation(d, np.random.default_rng(d))
        r = q @ r @ q.T
    for t in np.linspace(0.0, 1.0, 11):
        assert_in_so(rotation_power(r, t))
    half = rotation_power(r, 0.5)
    np.testing.assert_allclose(half @ half, r, atol=1e-9)
    np.testing.assert_allclose(rotation_power(r, 0.25) @ rotation_power(r, 0.5),
                               rotation_power(r, 0.75), atol=1e-9)
    # A half turn is turned by 90° at t = 1/2: every −1 plane is turned by π/2, no further.
    np.testing.assert_allclose(np.sort(plane_angles(half)),
                               np.sort(plane_angles(r)) / 2, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, t=TIMES, extra=st.integers(min_value=0, max_value=3))
def test_half_turn_mixed_with_an_ordinary_plane_stays_a_rotation(seed, t, extra):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0.1, 3.0)
    base = block_rotation([math.pi, theta], extra)
    q = random_rotation(base.shape[0], rng)
    r = q @ base @ q.T
    p = rotation_power(r, t)
    assert_in_so(p)
    expected = [math.pi * t, theta * t] + [0.0] * (base.shape[0] // 2 - 2)
    np.testing.assert_allclose(np.sort(plane_angles(p)), np.sort(expected), atol=1e-7)
    np.testing.assert_allclose(rotation_power(r, 0.5) @ rotation_power(r, 0.5), r, atol=1e-9)


# -- angles and words --------------------------------------------------------------------------
@pytest.mark.parametrize("degrees", [0, 37, 90, -45, 135, -170])
def test_describe_a_plane_rotation_gives_its_signed_angle(degrees):
    r = plane_rotation(math.radians(degrees))
    assert describe(r) == f"rotate by {degrees}°"
    np.testing.assert_allclose(plane_angles(r), [math.radians(abs(degrees))], atol=1e-12)


@pytest.mark.parametrize("axis, degrees", [
    ((0.0, 0.0, 1.0), 50),
    ((1.0, 0.0, 0.0), 90),
    ((0.0, 0.6, 0.8), 20),
    ((0.27, 0.96, 0.0), 120),
])
def test_describe_a_3d_rotation_gives_angle_and_axis(axis, degrees):
    axis = np.asarray(axis) / np.linalg.norm(axis)
    r = axis_rotation(axis, math.radians(degrees))
    got_axis, got_angle = axis_angle(r)
    assert math.degrees(got_angle) == pytest.approx(degrees, abs=1e-9)
    np.testing.assert_allclose(got_axis, axis, atol=1e-9)
    ax = ", ".join(f"{a:.2f}" for a in axis)
    assert describe(r) == f"rotate by {degrees}° about axis ({ax})"
    np.testing.assert_allclose(plane_angles(r), [math.radians(degrees)], atol=1e-9)


def test_axis_angle_of_a_negative_turn_flips_the_axis_not_the_angle():
    axis = np.array([0.0, 0.6, 0.8])
    got_axis, got_angle = axis_angle(axis_rotation(axis, math.radians(-40)))
    assert math.degrees(got_angle) == pytest.approx(40)
    np.testing.assert_allclose(got_axis, -axis, atol=1e-9)


def test_axis_angle_of_a_half_turn_finds_the_fixed_axis():
    axis = np.array([2.0, -1.0, 2.0]) / 3.0
    got_axis, got_angle = axis_angle(axis_rotation(axis, math.pi))
    assert got_angle == pytest.approx(math.pi)
    assert abs(got_axis @ axis) == pytest.approx(1.0, abs=1e-9)
    assert "180°" in describe(axis_rotation(axis, math.pi))


def test_axis_angle_of_the_identity_is_no_turn():
    _, angle = axis_angle(np.eye(3))
    assert angle == 0.0
    assert describe(np.eye(3)).startswith("rotate by 0°")


@pytest.mark.parametrize("angles, extra", [([80, 12], 0), ([150, 30, 5], 0), ([60, 20], 1)])
def test_describe_in_higher_dimensions_lists_every_plane_largest_first(angles, extra):
    base = block_rotation([math.radians(a) for a in angles], extra)
    q = random_rotation(base.shape[0], np.random.default_rng(7))
    r = q @ base @ q.T
    np.testing.assert_allclose(plane_angles(r), np.radians(sorted(angles, reverse=True)),
                               atol=1e-9)
    d = base.shape[0]
    words = " and ".join(f"{a}°" for a in sorted(angles, reverse=True))
    assert describe(r) == f"rotate in {d}-D: planes turned by {words}"


def test_describe_a_1d_rotation_says_there_is_none():
    assert describe(np.eye(1)) == "no rotation (1-D)"
    assert plane_angles(np.eye(1)).size == 0


@pytest.mark.parametrize("matrix, expected", [
    (np.eye(3), True),
    (plane_rotation(1.0), True),
    (np.diag([1.0, -1.0]), False),  # a reflection: orthogonal, det −1
    (2 * np.eye(2), False),  # det +4, not orthogonal
    (np.array([[1.0, 0.5], [0.0, 1.0]]), False),  # a shear: det +1, not orthogonal
])
def test_is_rotation_accepts_only_orthogonal_det_plus_one(matrix, expected):
    assert is_rotation(matrix) is expected


@pytest.mark.parametrize("radians", [-1e-3, -1e-12])
def test_describe_a_tiny_negative_turn_reads_zero_not_minus_zero(radians):
    assert describe(plane_rotation(radians)) == "rotate by 0°"
