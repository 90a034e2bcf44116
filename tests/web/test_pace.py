"""The play loop's pace at speed 'max': each frame trains for what the frame interval leaves
once the rest of a frame's work is paid (``live.train_budget``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from depthlens.web.live import (
    FPS,
    FRAME_MARGIN,
    MIN_TRAIN_BUDGET,
    TRAIN_BUDGET,
    train_budget,
)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_the_budget_is_bounded_and_shrinks_as_a_frame_costs_more(a, b):
    low, high = sorted((a, b))
    assert MIN_TRAIN_BUDGET <= train_budget(high) <= train_budget(low) <= TRAIN_BUDGET


def test_a_frame_with_its_other_work_fits_the_interval():
    interval = 1.0 / FPS
    assert train_budget(0.001) == TRAIN_BUDGET  # a small network: the full 12 ms
    for overhead in (0.003, 0.006, 0.009):  # a 10×16 network's maps, a busy machine
        assert abs(train_budget(overhead) + overhead + FRAME_MARGIN - interval) < 1e-12
    assert train_budget(0.05) == MIN_TRAIN_BUDGET  # slower than the interval: still trains
