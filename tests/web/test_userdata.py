"""Your own data (``web.userdata``), the 1-D view (``heatmaps.LineView``) and both through the
server: the ``points`` message and the CSV upload route."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthlens.data import load_csv, make_dataset
from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.heatmaps import NODE_RESOLUTION, RESOLUTION, LineView, PlaneView, make_view
from depthlens.web.palettes import NAN_CODE
from depthlens.web.protocol import MAX_POINTS, MAX_UPLOAD_BYTES, PLAYGROUND_DATASETS, check_limits
from depthlens.web.userdata import MAX_VALUE, MIN_POINTS, add_points, extent_of, parse_upload
from tests.data.csv_cases import bad_cell_files

from .support import open_session, send, until

GOOD = b"x1,x2,label\n0.5,1,a\n-1,2,b\n3,-0.25,a\n-2,-2,b\n1,1,a\n"


# -- parse_upload -----------------------------------------------------------------------------
def test_a_good_file_gives_its_points_classes_and_names():
    d = parse_upload("mine.csv", GOOD)
    assert d.x.shape == (5, 2) and d.problem == "classification"
    assert d.class_names == ("a", "b") and list(d.y) == [0, 1, 0, 1, 0]
    assert d.feature_names == ("x1", "x2") and d.name == "mine.csv"


def test_one_input_and_a_numeric_target_is_a_regression():
    body = "x,y\n" + "".join(f"{x / 10},{np.sin(x / 10):.6f}\n" for x in range(-30, 30))
    d = parse_upload("curve.csv", body.encode())
    assert d.problem == "regression" and d.x.shape == (60, 1)
    assert d.y[0] == pytest.approx(np.sin(-3.0), abs=1e-6)


def test_a_bom_and_blank_lines_are_fine():
    d = parse_upload("bom.csv", b"\xef\xbb\xbfa,b,c\n\n1,2,0\n3,4,1\n\n5,6,0\n7,8,1\n")
    assert d.n_samples == 4 and d.feature_names == ("a", "b")


@pytest.mark.parametrize("body, words", [
    (b"x1,x2,label\n1,2,a\n3,zz,b\n4,5,a\n6,7,b\n",
     ["bad.csv", "line 3", "'x2'", "'zz'", "not a finite number"]),
    (b"x1,x2,label\n1,2,a\n3,4\n", ["bad.csv", "line 3", "2 cells", "3 columns"]),
    (b"a,b,c,d\n1,2,3,0\n", ["bad.csv", "line 1", "4 columns", "1 or 2 input columns"]),
    (b"only\n1\n2\n", ["bad.csv", "1 column ('only')", "1 or 2 input columns"]),
    (b"", ["bad.csv", "empty", "header"]),
    (b"x,y\n", ["bad.csv", "no data rows"]),
    (b"x,y\n1,a\n2,a\n3,a\n4,a\n", ["bad.csv", "'y'", "'a'", "at least 2 classes"]),
    (b"x,y\n" + b"".join(f"{i},c{i}\n".encode() for i in range(12)),
     ["bad.csv", "12 classes", "at most 10"]),
    (b"x,y\n1,0\n2,1\n", ["bad.csv", "2 data rows", f"at least {MIN_POINTS}"]),
    (b"x,y\n1,0.5\n2e7,1.5\n3,2.5\n4,3.5\n", ["bad.csv", "line 3", "'x'", "2e+07",
                                             f"{MAX_VALUE:g}"]),
    (b"x,y\n1,0.5\n2,1.5\n3,9e9\n4,3.5\n", ["bad.csv", "line 4", "'y'", "9e+09"]),
    (b"x,y\n1,\xff\n", ["bad.csv", "not UTF-8", "byte 6", "0xff"]),
    (b"x,x\n1,2\n", ["bad.csv", "duplicate column name 'x'"]),
    (b'x,y\n"1,2\n', ["bad.csv", "not valid CSV"]),
])
def test_a_bad_file_is_refused_naming_file_line_column_and_value(body, words):
    with pytest.raises(DataError) as e:
        parse_upload("bad.csv", body)
    message = str(e.value)
    assert message.startswith("bad.csv"), message
    for word in words:
        assert word in message, (word, message)


def test_more_rows_than_the_playground_takes_is_refused_with_the_limit():
    body = "x,y\n" + "1,0\n2,1\n" * (MAX_POINTS // 2) + "3,0\n"
    with pytest.raises(DataError, match=rf"big\.csv, line {MAX_POINTS + 2}: more than "
                                        rf"{MAX_POINTS} data rows.*at most {MAX_POINTS} points"):
        parse_upload("big.csv", body.encode())
    assert parse_upload("ok.csv", ("x,y\n" + "1,0\n2,1\n" * (MAX_POINTS // 2)).encode()
                        ).n_samples == MAX_POINTS


def test_more_bytes_than_the_upload_limit_is_refused():
    with pytest.raises(DataError, match=f"upload limit of {MAX_UPLOAD_BYTES} bytes"):
        parse_upload("huge.csv", b"x" * (MAX_UPLOAD_BYTES + 1))


def _finite(lo: float = -1e3, hi: float = 1e3) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """(x (n, d), numeric targets or None, text classes or None) of a CSV file."""
    n = draw(st.integers(MIN_POINTS, 40))
    d = draw(st.integers(1, 2))
    x = np.array(draw(st.lists(st.lists(_finite(), min_size=d, max_size=d), min_size=n,
                               max_size=n)), dtype=np.float64)
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(["cat", "dog", "émeu", "b c", "-1", "7"]),
                              min_size=n, max_size=n).filter(lambda v: len(set(v)) >= 2))
        return x, None, names
    y = np.array(draw(st.lists(_finite(), min_size=n, max_size=n)
                      .filter(lambda v: len(set(v)) >= 2)), dtype=np.float64)
    return x, y, None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_generated_files_round_trip(table):
    x, y, names = table
    d = x.shape[1]
    header = ",".join([f"in{j}" for j in range(d)] + ["target"])
    cells = [[repr(float(v)) for v in row] for row in x]
    if names is not None:
        if len(set(names)) > 10:
            return
        target = [f'"{v}"' if " " in v else v for v in names]
    else:
        target = [repr(float(v)) for v in y]
    text = header + "\n" + "".join(",".join([*c, t]) + "\n" for c, t in zip(cells, target))
    data = parse_upload("gen.csv", text.encode())
    np.testing.assert_array_equal(data.x, x)
    assert data.feature_names == tuple(f"in{j}" for j in range(d))
    if data.problem == "regression":
        np.testing.assert_array_equal(data.y, y)
    else:
        back = [data.class_names[c] for c in data.y]
        if names is not None and not all(_is_number(v) for v in names):
            assert back == names
        else:  # numbers as classes: the same values
            expect = names if names is not None else y
            assert [float(v) for v in back] == [float(v) for v in expect]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_a_bad_cell_in_a_generated_file_is_named_by_line_and_column(table, data):
    x, _, _ = table
    n, d = x.shape
    i = data.draw(st.integers(0, n - 1), label="row")
    j = data.draw(st.integers(0, d - 1), label="column")
    bad = data.draw(st.sampled_from(["abc", "nan", "inf", "", "1..2"]), label="cell")
    lines = [",".join([f"in{k}" for k in range(d)] + ["target"])]
    for r in range(n):
        cells = [repr(float(v)) for v in x[r]] + [str(r % 2)]
        if r == i:
            cells[j] = bad
        lines.append(",".join(cells))
    with pytest.raises(DataError) as e:
        parse_upload("gen.csv", ("\n".join(lines) + "\n").encode())
    message = str(e.value)
    assert message.startswith(f"gen.csv: line {i + 2}, column 'in{j}'"), message
    assert (e.value.line, e.value.column, e.value.value) == (i + 2, f"in{j}", bad)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_cell_files(max_inputs=2))
def test_an_upload_and_the_loader_name_the_same_bad_cell(case):
    with pytest.raises(DataError) as upload:
        parse_upload("gen.csv", case.body)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.csv"
        path.write_bytes(case.body)
        with pytest.raises(DataError) as loaded:
            load_csv(path)
    e = upload.value
    assert (e.line, e.column, e.value) == (case.line, case.column, case.value), str(e)
    assert (e.line, e.column, e.value) == (loaded.value.line, loaded.value.column,
                                           loaded.value.value)
    assert str(e) == f"gen.csv: {loaded.value}"


@pytest.mark.parametrize("body, line, column, value", [
    (b"a,b,c,d\n1,2,3,0\n", 1, None, None),
    (b"\nx,y\n1,0.5\n2e7,1.5\n3,2.5\n4,3.5\n", 4, "x", "2e+07"),
    (b"x,y\n1,\xff\n", 2, None, "0xff"),
    (b"x,y\n1,a\n2,a\n3,a\n4,a\n", None, "y", "a"),
])
def test_the_playgrounds_own_refusals_carry_fields_too(body, line, column, value):
    with pytest.raises(DataError) as e:
        parse_upload("f.csv", body)
    assert (e.value.line, e.value.column, e.value.value) == (line, column, value), str(e.value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- add_points -------------------------------------------------------------------------------
def test_clicked_points_are_added_to_two_class_data():
    base = make_dataset("circle", n_samples=20)
    d = add_points(base, [[1.0, 2.0, 1], [-1.0, 0.5, 0]])
    assert d.n_samples == 22 and list(d.y[-2:]) == [1, 0]
    np.testing.assert_array_equal(d.x[-2:], [[1.0, 2.0], [-1.0, 0.5]])
    assert d.class_names == base.class_names and d.n_classes == 2


def test_class_k_starts_a_new_class():
    base = make_dataset("circle", n_samples=20)
    d = add_points(base, [[0.0, 0.0, 2]])
    assert d.n_classes == 3 and d.class_names == ("orange", "blue", "2")
    assert d.y[-1] == 2


def test_clear_keeps_only_the_new_points():
    base = make_dataset("reg-plane", n_samples=50)
    rows = [[0, 0, 0.1], [1, 1, 0.2], [2, 2, 0.3], [3, 3, 0.4]]
    d = add_points(base, rows, clear=True)
    assert d.n_samples == 4 and d.problem == "regression"
    np.testing.assert_allclose(d.y, [0.1, 0.2, 0.3, 0.4])


def test_one_input_data_takes_x_and_a_value():
    base = make_dataset("line-fn", n_samples=30)
    d = add_points(base, [[0.5, -0.25]])
    assert d.x.shape == (31, 1) and d.y[-1] == -0.25


@pytest.mark.parametrize("dataset, rows, clear, words", [
    ("circle", [[1.0, 0]], False, ["[x1, x2, value]", "2 inputs"]),
    ("line-fn", [[1.0, 2.0, 0.5]], False, ["[x1, value]", "1 input"]),
    ("circle", [[1.0, 2.0, 0.5]], False, ["class index 0..1", "or 2 for a new class"]),
    ("circle", [[1.0, 2.0, 3]], False, ["class index 0..1"]),
    ("line-sign", [[1.0, -1]], False, ["class index 0..2"]),
    ("circle", [[0, 0, 1]], True, [f"at least {MIN_POINTS} points"]),
])
def test_bad_points_are_refused_naming_the_point_and_what_is_allowed(dataset, rows, clear,
                                                                     words):
    base = make_dataset(dataset, n_samples=20)
    with pytest.raises(ConfigError) as e:
        add_points(base, rows, clear=clear)
    assert e.value.field == "points"
    for word in words:
        assert word in str(e.value), (word, str(e.value))


def test_no_more_than_the_playground_limit_of_points():
    base = make_dataset("circle", n_samples=MAX_POINTS - 1)
    assert add_points(base, [[0, 0, 1]]).n_samples == MAX_POINTS
    with pytest.raises(ConfigError, match=f"at most {MAX_POINTS} points"):
        add_points(base, [[0, 0, 1], [1, 1, 0]])


def test_the_palette_bounds_the_number_of_classes():
    base = make_dataset("spirals", n_samples=40, k=10)
    with pytest.raises(ConfigError, match=r"class index 0\.\.9 as"):
        add_points(base, [[0, 0, 10]])


def test_extent_holds_every_point():
    d = parse_upload("w.csv", b"x,y\n-7.2,0\n3,1\n1,0\n2,1\n")
    assert extent_of(d) == (-8.0, 8.0)


# -- the 1-D view -----------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", ["line-fn", "line-sign", "odd-even"])
def test_a_line_gets_a_line_view_of_stripes(dataset):
    session = Session(Config(dataset=dataset, features=("x1",)))
    view = make_view(session, (-6.0, 6.0))
    assert isinstance(view, LineView)
    output, nodes = view.codes()
    assert output.shape == (RESOLUTION, RESOLUTION) and output.dtype == np.uint8
    assert (output == output[0]).all()  # every row the same: stripes
    n_nodes = sum(session.sizes)
    assert nodes.shape == (n_nodes, NODE_RESOLUTION, NODE_RESOLUTION)
    assert (nodes == nodes[:, :1, :]).all()
    features = view.feature_maps()
    assert features.shape == (9, NODE_RESOLUTION, NODE_RESOLUTION)
    assert (features[1] == NAN_CODE).all() and (features[0] != NAN_CODE).all()  # no x2 on a line
    assert features[0, 0, 0] < features[0, 0, -1]  # x1 grows to the right
    curve = view.curve()
    assert curve.dtype == np.float32 and curve.shape[0] == RESOLUTION
    assert view.points.shape == (RESOLUTION, 1)


def test_the_curve_is_the_network_output_along_x():
    session = Session(Config(dataset="line-fn", features=("x1",)))
    view = make_view(session, (-6.0, 6.0))
    expect = session.predict(view.xs[:, None])
    np.testing.assert_allclose(view.curve()[:, 0], expect[:, 0], rtol=1e-5, atol=1e-6)
    assert view.xs[0] == pytest.approx(-6 + 0.06) and view.xs[-1] == pytest.approx(6 - 0.06)


def test_two_and_k_class_curves_are_probabilities():
    two = make_view(Session(Config(dataset="odd-even", features=("x1",))), (-20.0, 20.0))
    assert two.curve().shape == (RESOLUTION, 1) and not two.multiclass
    three = make_view(Session(Config(dataset="line-sign", features=("x1",))), (-6.0, 6.0))
    p = three.curve()
    assert p.shape == (RESOLUTION, 3) and three.multiclass
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_a_plane_keeps_its_plane_view():
    assert type(make_view(Session(Config()), (-6.0, 6.0))) is PlaneView


def test_the_playground_offers_the_1d_sets_but_not_files_or_sequences():
    assert {"line-sign", "odd-even", "line-fn"} <= set(PLAYGROUND_DATASETS)
    assert "sequence" not in PLAYGROUND_DATASETS
    check_limits(Config(dataset="line-fn"))
    with pytest.raises(ConfigError, match="upload the file instead") as e:
        check_limits(Config(dataset="csv:/tmp/some.csv"))
    assert e.value.field == "dataset"
    with pytest.raises(ConfigError, match="a feature of x1") as e:
        check_limits(Config(dataset="line-sign", features=("x1", "x1*x2")))
    assert e.value.field == "features"


# -- through the server -----------------------------------------------------------------------
def _greet(ws) -> str:
    hello = ws.receive_json()
    assert hello["type"] == "hello"
    return hello["session"]


def test_hello_tells_the_inputs_of_each_dataset_and_thumbnails_lay_out_lines(ws):
    hello = ws.receive_json()
    inputs = {d["name"]: d["inputs"] for d in hello["options"]["datasets"]}
    assert inputs["line-fn"] == 1 and inputs["circle"] == 2
    assert hello["options"]["user_data"]["min_points"] == MIN_POINTS
    header, arrays = until(ws, "thumbnails")
    assert header["inputs"]["odd-even"] == 1
    lo, hi = header["extent"]
    x = arrays["odd-even.x"]
    assert x.shape == (200, 2) and lo <= x.min() and x.max() <= hi


def test_points_message_rebuilds_on_more_points(ws):
    until(ws, "thumbnails")
    state, _, _ = open_session(ws, "dataset=gauss", greet=False)
    before = state["n_train"] + state["n_test"]
    assert state["user_data"] is None
    send(ws, type="points", add=[[1.0, 1.0, 1], [-1.5, 2.0, 0]])
    state = until(ws, "state")
    assert state["user_data"]["points"] == before + 2
    assert state["n_train"] + state["n_test"] == before + 2
    _, data = until(ws, "data")
    assert len(data["train_x"]) + len(data["test_x"]) == before + 2
    send(ws, type="points", add=[[1.0, 1.0, 5]])
    error = until(ws, "error")
    assert error["field"] == "points" and "class index 0..1" in error["message"]


def test_added_points_keep_the_trained_network_unless_a_class_is_new(client, ws):
    session_id = _greet(ws)
    until(ws, "thumbnails")
    open_session(ws, "dataset=gauss", greet=False)
    send(ws, type="step", count=3)
    until(ws, "frame")
    (live,) = [s for s in client.app.state.sessions if s.id == session_id]
    trained = live.session.net.params.copy()
    send(ws, type="points", add=[[1.0, 1.0, 1]])
    state = until(ws, "state")
    assert state["epoch"] == 3  # training goes on from where it was
    np.testing.assert_array_equal(live.session.net.params, trained)
    send(ws, type="points", add=[[2.0, -2.0, 2]])  # a third class: a new output, a new network
    state = until(ws, "state")
    assert state["epoch"] == 0 and state["network"]["n_classes"] == 3
    assert live.session.net.params.shape != trained.shape


def test_a_one_input_file_keeps_only_the_configs_features_of_x1(client, ws):
    session_id = _greet(ws)
    until(ws, "thumbnails")
    open_session(ws, "features=x1,x2,x1^2,x1*x2", greet=False)
    body = b"x,y\n" + b"".join(f"{x},{x * x / 10}\n".encode() for x in range(-6, 7))
    r = client.post(f"/api/session/{session_id}/upload", params={"name": "line.csv"},
                    content=body)
    assert r.status_code == 200, r.text
    state = until(ws, "state")
    assert state["config"]["features"] == ["x1", "x1^2"]
    assert state["network"]["sizes"][0] == 2 and state["network"]["problem"] == "regression"


def test_a_line_sends_its_curve_and_targets(ws):
    until(ws, "thumbnails")
    state, (header, data), (_, frame) = open_session(ws, "dataset=line-fn&features=x1",
                                                     greet=False)
    assert state["network"]["sizes"][0] == 1 and header["inputs"] == 1
    assert data["curve_x"].shape == (RESOLUTION,)
    assert data["train_y"].shape == (state["n_train"],)
    assert frame["curve"].shape == (RESOLUTION, 1) and frame["curve"].dtype == np.float32
    send(ws, type="points", add=[[0.5, 0.75]])
    state = until(ws, "state")
    assert state["user_data"]["inputs"] == 1


def test_upload_good_then_bad_then_too_large(client, ws):
    session = _greet(ws)
    until(ws, "thumbnails")
    open_session(ws, "", greet=False)
    url = f"/api/session/{session}/upload"
    r = client.post(url, params={"name": "good.csv"}, content=GOOD)
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "good.csv", "points": 5, "problem": "classification",
                        "n_classes": 2, "inputs": 2}
    state = until(ws, "state")
    assert state["user_data"] == {"name": "good.csv", "points": 5, "inputs": 2}
    assert state["network"]["class_names"] == ["a", "b"]

    r = client.post(url, params={"name": "bad.csv"}, content=b"x1,x2,label\n1,2,a\n3,zz,b\n")
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "file"
    assert "bad.csv" in body["message"] and "line 3" in body["message"] \
        and "'x2'" in body["message"] and "'zz'" in body["message"]
    assert until(ws, "error")["field"] == "file"
    send(ws, type="step")  # the good file's session goes on
    header, _ = until(ws, "frame")
    assert header["epoch"] == 1

    r = client.post(url, params={"name": "huge.csv"}, content=b"1" * (MAX_UPLOAD_BYTES + 1))
    assert r.status_code == 413
    assert r.json()["field"] == "file" and str(MAX_UPLOAD_BYTES) in r.json()["message"]


def test_a_csv_dataset_in_a_config_is_refused_with_where_to_go(ws):
    until(ws, "thumbnails")
    open_session(ws, "", greet=False)
    send(ws, type="config", query="dataset=csv:/etc/passwd")  # a link: the rest holds
    notice = until(ws, "notice")
    assert notice["fields"] == ["dataset"] and "upload the file" in notice["message"]
    send(ws, type="config", config={"dataset": "csv:/etc/passwd"})  # a control: refused
    error = until(ws, "error")
    assert error["field"] == "dataset" and "upload the file" in error["message"]


def test_the_playground_refuses_pre_training_and_a_notebooks_own_data_by_name_only() -> None:
    """A Reset would pre-train on the server: refused, naming ``pretrain``. The ``csv:`` name
    of data a tab already holds passes (no file is read), any other ``csv:`` does not."""
    with pytest.raises(ConfigError) as info:
        check_limits(Config(dataset="circle", pretrain="autoencoder"))
    assert info.value.field == "pretrain"
    with pytest.raises(ConfigError) as info:  # the page draws dense networks only
        check_limits(Config(dataset="circle", model="gru", layers=(4,)))
    assert info.value.field == "model"
    own = Config(dataset="csv:your data")
    check_limits(own, own="csv:your data")
    with pytest.raises(ConfigError) as info:
        check_limits(own, own="csv:other")
    assert info.value.field == "dataset"
    with pytest.raises(ConfigError, match="at most"):
        check_limits(own.replace(layers=(99,)), own="csv:your data")  # the network's limits
