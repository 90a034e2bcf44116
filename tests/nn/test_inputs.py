"""The engine's data boundary: empty or non-finite data that would train a network is refused
with a DataError naming the argument and the first bad row (``nn.inputs``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from depthlens.data.dataset import Dataset
from depthlens.errors import DataError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.nn import MLP, Trainer, make_optimizer
from depthlens.nn.inputs import check_rows

from .support import BACKENDS

BAD = [np.nan, np.inf, -np.inf]


def test_check_rows_names_the_argument_the_first_bad_row_and_the_value():
    x = np.zeros((6, 3))
    x[4, 0] = np.inf  # a later row
    x[3, 2] = np.nan  # the first bad row
    with pytest.raises(DataError) as err:
        check_rows("x", x)
    e = err.value
    assert str(e) == "x: row 3 has a value that is not a finite number (x[3, 2] = nan)"
    assert e.field == "x" and np.isnan(e.value) and e.index == (3, 2)
    assert e.line is None and e.column is None


def test_check_rows_on_1d_arrays_empty_arrays_and_good_arrays():
    with pytest.raises(DataError, match=r"^y: row 2 has a value .* \(y\[2\] = -inf\)$"):
        check_rows("y", np.array([0.0, 1.0, -np.inf]))
    with pytest.raises(DataError, match=r"^x: 0 rows; at least one is needed$") as err:
        check_rows("x", np.zeros((0, 2)))
    assert err.value.field == "x" and err.value.value is None
    good = np.arange(6.0).reshape(3, 2)
    assert check_rows("x", good) is good
    labels = np.array([0, 1, 1])
    assert check_rows("y", labels) is labels  # integers are finite: returned as they are


def test_a_value_too_large_for_float32_is_reported_as_itself():
    source = [[0.0, 1.0], [2.0, 1e39]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x = np.asarray(source, dtype=np.float32)
    with pytest.raises(DataError) as err:
        check_rows("x", x, source=source)
    assert str(err.value) == ("x: row 1 has a value too large for float32 (x[1, 1] = 1e+39; "
                              "the largest is 3.4e+38)")
    assert err.value.value == 1e39


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bad", BAD, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("method", ["loss", "loss_and_grad"])
def test_loss_and_gradient_refuse_non_finite_inputs_and_targets(method, bad, backend):
    net = MLP([2, 4, 1], "relu", "linear", "mse", backend=backend).initialize(seed=0)
    x, t = np.ones((5, 2)), np.zeros((5, 1))
    fn = getattr(net, method)
    x[2, 1] = bad
    with pytest.raises(DataError, match=r"^x: row 2 has a value that is not a finite") as err:
        fn(x, t)
    assert err.value.field == "x" and err.value.index == (2, 1)
    x[2, 1] = 0.0
    t[4, 0] = bad
    with pytest.raises(DataError, match=r"^t: row 4 ") as err:
        fn(x, t)
    assert err.value.field == "t"
    params = net.params.copy()
    with pytest.raises(DataError, match=r"^x: 0 rows"):
        fn(np.zeros((0, 2)), np.zeros((0, 1)))
    np.testing.assert_array_equal(net.params, params)


def _circle(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return x, (np.hypot(x[:, 0], x[:, 1]) < 1).astype(int)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("where", ["x", "y", "x_test", "y_test"])
def test_trainer_refuses_non_finite_data_naming_the_argument(where, backend):
    """Regression targets and test data too; before the fix, a NaN in x trained to NaN weights
    (numpy) or, through the compiled ReLU, to a constant predictor without an error."""
    x, y = _circle()
    data = {"x": x, "y": y.astype(float), "x_test": x.copy(), "y_test": y.astype(float)}
    data[where] = data[where].copy()
    data[where][7] = np.nan
    net = MLP([2, 4, 1], "relu", "linear", "mse", backend=backend).initialize(seed=0)
    with pytest.raises(DataError, match=rf"^{where}: row 7 has a value that is not a finite"):
        Trainer(net, make_optimizer("sgd", lr=0.1), data["x"], data["y"], problem="regression",
                x_test=data["x_test"], y_test=data["y_test"])


def test_trainer_refuses_nan_class_labels_before_casting_them():
    x, y = _circle()
    labels = y.astype(float)
    labels[3] = np.nan  # astype(int64) would make it −9223372036854775808
    net = MLP([2, 4, 1], "tanh", "sigmoid", "bce").initialize(seed=0)
    with pytest.raises(DataError, match=r"^y: row 3 has a value that is not a finite"):
        Trainer(net, make_optimizer("sgd", lr=0.1), x, labels)


def test_session_says_which_data_and_split_hold_the_bad_value():
    """Data that is finite in float64 but too large for the network's float32 inputs: the
    message of a Session (and so of ``depthlens train``) names the dataset and the split."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    x[:, 0] *= 1e200
    ds = Dataset(x=x, y=(x[:, 1] > 0).astype(int), problem="classification", n_classes=2,
                 class_names=("a", "b"), feature_names=("x1", "x2"), name="mine")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(DataError) as err:
            Session(Config(), dataset=ds)
    message = str(err.value)
    assert message.startswith("dataset 'mine', its training split as the network's float32 "
                              "inputs (features x1, x2; preprocessing none): x: row 0 has a "
                              "value too large for float32")
    assert err.value.field == "x" and abs(err.value.value) > 1e199
