"""Clicked points with a non-finite coordinate or value are refused at both doors: the socket
message (``protocol.PointsMessage``, a ProtocolError naming ``add``) and ``userdata.add_points``
(a ConfigError naming ``points`` and the row), so NaN never reaches the engine from the page."""

from __future__ import annotations

import math

import pytest

from depthlens.data import make_dataset
from depthlens.errors import ConfigError
from depthlens.web.protocol import ProtocolError, parse_message
from depthlens.web.userdata import add_points

ROWS = [[math.nan, 0.5, 1], [0.5, math.inf, 0], [0.1, 0.2, -math.inf], [0.1, 0.2, math.nan]]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", '"nan"'])
@pytest.mark.parametrize("slot", [0, 1, 2])
def test_the_points_message_refuses_non_finite_numbers(token, slot):
    row = ["0.25", "0.5", "1"]
    row[slot] = token
    text = '{"type": "points", "add": [[0, 0, 1], [' + ", ".join(row) + "]]}"
    with pytest.raises(ProtocolError) as err:
        parse_message(text)
    assert err.value.field == "add" and "finite number" in str(err.value)


@pytest.mark.parametrize("dataset", ["circle", "reg-plane"])
@pytest.mark.parametrize("row", ROWS, ids=["nan-x1", "inf-x2", "-inf-value", "nan-value"])
def test_add_points_refuses_non_finite_coordinates_and_values(row, dataset):
    base = make_dataset(dataset, n_samples=20)
    with pytest.raises(ConfigError) as err:
        add_points(base, [[0.0, 0.0, 1], row])
    assert err.value.field == "points" and "finite numbers" in str(err.value)
    assert err.value.value == row
