"""Every spelling of a non-finite number in a CSV cell is refused, naming line, column, cell."""

from __future__ import annotations

import pytest

from depthlens.data.tabular import parse_csv_text
from depthlens.errors import DataError

SPELLINGS = ["nan", "NaN", "NAN", "-nan", "inf", "+inf", "-inf", "Infinity", "-Infinity",
             "1e999", "-1e999", " nan "]


@pytest.mark.parametrize("cell", SPELLINGS)
def test_a_non_finite_feature_cell_is_refused(cell):
    with pytest.raises(DataError) as err:
        parse_csv_text(f"a,b,y\n1,2,0\n3,{cell},1\n")
    e = err.value
    assert (e.line, e.column, e.value) == (3, "b", cell.strip())
    assert str(e) == f"line 3, column 'b': the feature cell {cell.strip()!r} is not a finite number"


@pytest.mark.parametrize("problem", ["auto", "regression"])
@pytest.mark.parametrize("cell", SPELLINGS)
def test_a_non_finite_target_cell_is_refused(cell, problem):
    with pytest.raises(DataError) as err:
        parse_csv_text(f"a,y\n1,0.5\n2,1.5\n3,{cell}\n", problem=problem)
    e = err.value
    assert (e.line, e.column, e.value) == (4, "y", cell.strip())
    assert "is not a finite number" in str(e)
