"""CSV loading: rules for target/problem, clear errors, size limits, property tests."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.data import load_csv, parse_csv_text
from depthlens.data.tabular import read_csv
from depthlens.errors import ConfigError, DataError

from .csv_cases import BadCell, bad_cell_files

IRIS_LIKE = """a,b,species
1.0,2.5,setosa
3,4e-1,virginica
-2,0,setosa
5,6,versicolor
"""


def test_string_target_gives_sorted_classes():
    ds = parse_csv_text(IRIS_LIKE)
    assert ds.problem == "classification"
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.y.tolist() == [0, 2, 0, 1]
    assert ds.feature_names == ("a", "b")
    assert np.array_equal(ds.x, [[1.0, 2.5], [3.0, 0.4], [-2.0, 0.0], [5.0, 6.0]])


def test_playground_labels_map_to_orange_blue_order():
    ds = parse_csv_text("x1,x2,label\n1,2,1\n3,4,-1\n5,6,1.0\n")
    assert ds.class_names == ("-1", "1")
    assert ds.y.tolist() == [1, 0, 1]


def test_auto_problem_rule():
    eleven = "x,y\n" + "".join(f"{i},{i}\n" for i in range(11))
    ten = "x,y\n" + "".join(f"{i},{i % 10}\n" for i in range(11))
    floats = "x,y\n1,0.5\n2,1.5\n"
    assert parse_csv_text(eleven).problem == "regression"
    assert parse_csv_text(ten).problem == "classification"
    assert parse_csv_text(ten).n_classes == 10
    reg = parse_csv_text(floats)
    assert reg.problem == "regression" and reg.y.dtype == np.float64
    assert reg.y.tolist() == [0.5, 1.5] and reg.target_names == ("y",)
    forced = parse_csv_text(ten, problem="regression")
    assert forced.problem == "regression" and forced.n_classes == 0
    cls = parse_csv_text(floats, problem="classification")
    assert cls.class_names == ("0.5", "1.5")


def test_text_feature_column_is_an_error():
    with pytest.raises(DataError, match=r"line 2, column 'species'.*'setosa'"):
        parse_csv_text(IRIS_LIKE, target="a", features=["species", "b"])


def test_target_and_features_choose_columns():
    text = "p,q,r,s\n1,2,3,4\n5,6,7,8\n"
    ds = parse_csv_text(text, target="q", features=["s", "p"])
    assert ds.feature_names == ("s", "p")
    assert np.array_equal(ds.x, [[4, 1], [8, 5]])
    assert ds.problem == "classification" and ds.class_names == ("2", "6")
    default = parse_csv_text(text)
    assert default.feature_names == ("p", "q", "r")


@pytest.mark.parametrize(
    ("text", "kwargs", "pattern"),
    [
        ("", {}, "empty"),
        ("\n\n  \n", {}, "empty"),
        ("a,b,c\n", {}, "header .* but no data rows"),
        ("a,b\n1,2\n", {"target": "z"}, r"target column 'z' not found; the columns are 'a', 'b'"),
        ("a,b\n1,2\n", {"features": ["q"]}, r"feature column 'q' not found.*'a', 'b'"),
        ("a,b\n1,2\n", {"features": ["b"]}, "is the target"),
        ("a,b\n1,2\n", {"features": []}, "no feature columns"),
        ("y\n1\n", {}, "no feature columns"),
        ("a,b,y\n1,2,0\n1,oops,1\n", {}, r"line 3, column 'b'.*'oops' is not a finite number"),
        ("a,y\n1,0\n\n,1\n", {}, r"line 4, column 'a'.*empty"),
        ("a,y\nnan,0\n", {}, r"line 2, column 'a'.*'nan'"),
        ("a,y\n1,0\n2,\n", {}, r"line 3, column 'y'.*target cell is empty"),
        ("a,y\n1,0.5\n2,cat\n", {"problem": "regression"}, r"line 3, column 'y'.*'cat'"),
        ("a,y\n1,inf\n", {}, r"line 2, column 'y'.*'inf' is not a finite number"),
        ("a,b,y\n1,2,0\n3,4\n", {}, r"line 3: 2 cells, but the header has 3 columns"),
        ("a,b,y\n1,2,0\n3,4,5,6\n", {}, r"line 3: 4 cells"),
        ("a,b,a\n1,2,3\n", {}, r"duplicate column name 'a' \(columns 1 and 3\)"),
        ("a,,y\n1,2,3\n", {}, r"column 2 of the header has no name"),
        ('a,y\n1,"2\n', {}, "not valid CSV"),
        ("a,y\n1\x00,2\n", {}, "NUL"),
    ],
)
def test_errors_are_clear(text, kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        parse_csv_text(text, **kwargs)


def test_line_numbers_count_blank_and_quoted_lines():
    text = 'a,note,y\n\n1," 2\n",0\n2,x,1\n'  # header line 1, blank 2, rows at 3-4 and 5
    with pytest.raises(DataError, match=r"line 5, column 'note'"):
        parse_csv_text(text)
    ds = parse_csv_text(text, features=["a"])
    assert ds.x[:, 0].tolist() == [1.0, 2.0]
    with pytest.raises(DataError, match=r"line 5, column 'note'"):
        parse_csv_text(text, features=["note"])


def test_row_and_byte_limits():
    text = "a,y\n" + "1,0\n" * 11
    assert len(parse_csv_text(text, max_rows=11)) == 11
    with pytest.raises(DataError, match="max_rows=10"):
        parse_csv_text(text, max_rows=10)
    size = len(text.encode())
    with pytest.raises(DataError, match=f"{size} bytes, over the limit of 40 bytes"):
        parse_csv_text(text, max_bytes=40)
    with pytest.raises(ConfigError) as e:
        parse_csv_text(text, problem="ranking")
    assert e.value.field == "problem"


def test_load_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes("\ufeffx1,x2,label\r\n0.5,1,blue\r\n-1,2,orange\r\n".encode())
    ds = load_csv(path)
    assert ds.name == "points" and ds.class_names == ("blue", "orange")
    assert np.array_equal(ds.x, [[0.5, 1.0], [-1.0, 2.0]])
    assert load_csv(str(path)).y.tolist() == [0, 1]
    with pytest.raises(DataError, match=r"is \d+ bytes, over the limit of 10 bytes"):
        load_csv(path, max_bytes=10)
    with pytest.raises(DataError, match="not found"):
        load_csv(tmp_path / "missing.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"a,y\n\xe9,1\n")
    with pytest.raises(DataError, match="not UTF-8"):
        load_csv(bad)


def test_load_text_and_bytes():
    assert load_csv("a,y\n1,2\n").x.tolist() == [[1.0]]
    assert load_csv(b"a,y\n1,2\n").x.tolist() == [[1.0]]
    assert load_csv(" a , y \n 1 , 2 \n").feature_names == ("a",)


names = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(1, 12), d=st.integers(2, 5))
def test_numeric_tables_round_trip(data, n, d):
    header = data.draw(st.lists(names, min_size=d, max_size=d, unique=True))
    values = data.draw(st.lists(st.lists(finite, min_size=d, max_size=d), min_size=n, max_size=n))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([[repr(v) for v in row] for row in values])
    ds = parse_csv_text(buf.getvalue(), problem="regression")
    table = np.array(values)
    assert ds.feature_names == tuple(header[:-1])
    assert np.array_equal(ds.x, table[:, :-1])
    assert np.array_equal(ds.y, table[:, -1])


tokens = [*'ab1.-e,,,"\n\r \t\x00é;', "nan", "1e999", "x,y\n"]
junk = st.one_of(st.lists(st.sampled_from(tokens), max_size=40).map("".join), st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(text=junk, problem=st.sampled_from(["auto", "classification", "regression"]))
def test_junk_raises_only_data_error(text, problem):
    try:
        ds = parse_csv_text(text, problem=problem)
    except DataError:
        return
    assert ds.x.shape[0] >= 1 and np.all(np.isfinite(ds.x))


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=200))
def test_junk_bytes_raise_only_data_error(data):
    try:
        load_csv(data)
    except DataError:
        pass


@pytest.mark.parametrize(
    ("text", "line", "column", "value"),
    [
        ("a,b,y\n1,2,0\n1,oops,1\n", 3, "b", "oops"),
        ("a,y\n1,0\n\n,1\n", 4, "a", ""),
        ("a,y\n1,0\n2,\n", 3, "y", ""),
        ("a,y\n1,0.5\n2,cat\n", 3, "y", "cat"),  # problem="regression" below
        ("a,b,y\n1,2,0\n3,4\n", 3, None, None),
        ("a,b,a\n1,2,3\n", 1, "a", "a"),
        ("\na,,y\n1,2,3\n", 2, 2, None),
        ('a,y\n1,"2\n', 2, None, None),
        ("a,y\r\n1,0\r\n2\x00,1\n", 3, None, None),
    ],
)
def test_errors_carry_line_column_and_value(text, line, column, value):
    problem = "regression" if "cat" in text else "auto"
    with pytest.raises(DataError) as e:
        parse_csv_text(text, problem=problem)
    assert (e.value.line, e.value.column, e.value.value) == (line, column, value), str(e.value)
    assert f"line {line}" in str(e.value) or "NUL" in str(e.value)  # the same words as before


def test_a_bad_byte_is_named_by_offset_line_and_value():
    with pytest.raises(DataError) as e:
        parse_csv_text(b"a,y\r\n1,0\n2,\xff\n")
    assert (e.value.line, e.value.value) == (3, "0xff")
    assert "byte 11 is 0xff, on line 3" in str(e.value)


def test_read_csv_gives_the_header_rows_and_their_lines():
    table = read_csv(b'\xef\xbb\xbf\n a ,y\n1,"2\n"\n\n3,4\n', name="t")
    assert table.header == ("a", "y") and table.header_line == 2
    assert table.rows == [["1", "2"], ["3", "4"]] and table.lines == [3, 6]
    assert table.dataset().name == "t" and read_csv("a,y\n" + "1,0\n" * 20, max_rows=None)
    with pytest.raises(DataError, match="max_rows=2") as e:
        read_csv("a,y\n" + "1,0\n" * 3, max_rows=2)
    assert e.value.line == 4


def _check_names_the_cell(case: BadCell, e: DataError) -> None:
    assert (e.line, e.column, e.value) == (case.line, case.column, case.value), str(e)
    assert f"line {case.line}, column {case.column!r}" in str(e)


@settings(max_examples=60, deadline=None)
@given(bad_cell_files())
def test_a_bad_cell_in_a_generated_file_is_named_by_its_fields(case):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.csv"
        path.write_bytes(case.body)
        with pytest.raises(DataError) as from_path:
            load_csv(path)
    _check_names_the_cell(case, from_path.value)
    for content in (case.body, case.body.decode("utf-8")):
        with pytest.raises(DataError) as from_content:
            load_csv(content)
        _check_names_the_cell(case, from_content.value)
        assert str(from_content.value) == str(from_path.value)
