"""The sweep's spec: the grid syntax, spec files, every run's Config checked up front."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import Config
from depthlens.sweep.grid import (
    SweepSpec,
    Target,
    format_grid_arg,
    load_spec,
    parse_grid_arg,
    run_id,
    value_text,
)

BASE = Config(dataset="xor", n_samples=100, layers=(3,), epochs=5)
OPTIMIZERS = ["sgd", "adam", "momentum", "rmsprop", "adagrad"]
ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"]


def test_the_command_lines_example():
    spec = SweepSpec.parse(BASE, ["layers=8;8,8;8,8,8", "optimizer=sgd,adam"], seeds=10)
    runs = spec.runs()
    assert len(runs) == 3 * 2 * 10
    assert [r.config.layers for r in runs[::20]] == [(8,), (8, 8), (8, 8, 8)]
    assert [r.config.optimizer for r in runs[:20:10]] == ["sgd", "adam"]
    assert [r.config.seed for r in runs[:10]] == list(range(10))
    assert runs[13].params == {"layers": "8", "optimizer": "adam", "seed": 3}
    assert runs[13].id == run_id(runs[13].config) and len(runs[13].id) == 16
    assert len({r.id for r in runs}) == len(runs)


def test_run_id_is_the_sha256_of_the_canonical_config_json():
    import hashlib

    text = json.dumps(BASE.to_dict(), sort_keys=True, separators=(",", ":"))
    assert run_id(BASE) == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert run_id(BASE) != run_id(BASE.replace(seed=1))


def test_scalar_and_group_axes():
    spec = SweepSpec.parse(BASE, {"lr": "0.1,0.03", "optimizer.momentum": [0.5, 0.9],
                                  "optimizer": ["momentum"]})
    runs = spec.runs()
    assert [(r.config.lr, r.config.optimizer_params["momentum"]) for r in runs] == [
        (0.1, 0.5), (0.1, 0.9), (0.03, 0.5), (0.03, 0.9)]
    assert runs[0].params == {"lr": "0.1", "optimizer.momentum": 0.5, "optimizer": "momentum",
                              "seed": 0}


def test_an_empty_list_value_is_no_hidden_layer():
    axis, values = parse_grid_arg("layers=;4")
    assert (axis, values) == ("layers", ["", "4"])
    runs = SweepSpec.parse(BASE, [f"{axis}=;4"]).runs()
    assert [r.config.layers for r in runs] == [(), (4,)]


def test_spec_values_as_python_lists_are_written_as_the_command_line_writes_them():
    runs = SweepSpec.parse(BASE, {"layers": [[8], [8, 8]]}).runs()
    assert [r.params["layers"] for r in runs] == ["8", "8,8"]


@pytest.mark.parametrize(("grid", "field", "value"), [
    (["layers=3;0"], "grid.layers", "0"),
    (["optimizer=sgd,adamm"], "grid.optimizer", "adamm"),
    (["lr=0.1,-1"], "grid.lr", "-1"),
    ({"activation": ["tanh", "nope"]}, "grid.activation", "nope"),
    (["dataset.tiles=3,0"], "grid.dataset.tiles", "0"),
])
def test_a_bad_value_names_the_axis_and_value(grid, field, value):
    base = BASE.replace(dataset="checkerboard") if "dataset.tiles" in str(grid) else BASE
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(base, grid)
    assert (e.value.field, e.value.value) == (field, value)


def test_an_unknown_axis_names_the_allowed_ones():
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(BASE, ["optimiser=sgd"])
    assert e.value.field == "grid" and e.value.value == "optimiser"
    assert "optimizer" in e.value.allowed and "layers" in e.value.allowed
    with pytest.raises(ConfigError, match="--seeds"):
        SweepSpec.parse(BASE, ["seed=1,2"])
    with pytest.raises(ConfigError, match="FIELD=VALUES"):
        SweepSpec.parse(BASE, ["layers"])


def test_values_giving_one_config_are_refused():
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(BASE, ["activation=tanh;Tanh"])
    assert e.value.field == "grid.activation" and "'tanh'" in e.value.allowed


def test_a_combination_refused_by_the_config_names_the_run():
    # 1 sample × train ratio 0.5 leaves no training point: neither value alone is wrong
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(BASE, ["n_samples=100,1", "train_ratio=0.5"])
    assert e.value.field == "grid.train_ratio" and e.value.value == "0.5"
    assert "(in the run n_samples=1, train_ratio=0.5)" in str(e.value)


@pytest.mark.parametrize(("text", "target"), [
    ("test_metric=0.95", Target("test_metric", 0.95)),
    ({"metric": "test_loss", "value": 0.1}, Target("test_loss", 0.1)),
])
def test_targets(text, target):
    assert Target.parse(text) == target
    assert SweepSpec.parse(BASE, [], target=text).target == target


@pytest.mark.parametrize(("text", "field"), [
    ("test_accuracy=0.9", "target.metric"), ("test_metric", "target"),
    ("test_metric=high", "target"), ({"metric": "test_loss", "value": float("nan")},
                                     "target.value")])
def test_bad_targets(text, field):
    with pytest.raises(ConfigError) as e:
        Target.parse(text)
    assert e.value.field == field


def test_target_reached_is_a_floor_for_the_metric_and_a_ceiling_for_the_loss():
    assert Target("test_metric", 0.9).reached(5.0, 0.9)
    assert not Target("test_metric", 0.9).reached(0.0, 0.89)
    assert Target("test_loss", 0.1).reached(0.1, 0.0)
    assert not Target("test_loss", 0.1).reached(0.11, 1.0)


@pytest.mark.parametrize("seeds", [0, -1, True, 2.5])
def test_seeds_must_be_a_positive_whole_number(seeds):
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(BASE, [], seeds=seeds)
    assert e.value.field == "seeds"


def test_spec_files_toml_and_json(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('seeds = 2\n[base]\ndataset = "xor"\nn_samples = 100\nepochs = 5\n'
                    '[grid]\nlayers = [[3], [3, 3]]\noptimizer = ["sgd", "adam"]\n'
                    '[target]\nmetric = "test_metric"\nvalue = 0.9\n')
    spec = load_spec(toml)
    assert len(spec.runs()) == 8 and spec.target == Target("test_metric", 0.9)
    js = tmp_path / "s.json"
    js.write_text(json.dumps(spec.to_dict()))
    assert load_spec(js) == spec
    assert [r.id for r in load_spec(js).runs()] == [r.id for r in spec.runs()]
    js.write_text('{"base": {"dataset": "xor"}, "grid": {"layers": [[3], [0]]}}')
    with pytest.raises(ConfigError) as e:
        load_spec(js)
    assert e.value.field == "grid.layers"
    js.write_text('{"base": {"dataset": "nope"}}')
    with pytest.raises(ConfigError, match="dataset"):
        load_spec(js)
    js.write_text('{"grid": {}, "seed": 3}')
    with pytest.raises(ConfigError, match="'seed'"):
        load_spec(js)
    js.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_spec(js)


# -- properties ---------------------------------------------------------------------------------
layer_values = st.lists(st.lists(st.integers(1, 12), min_size=0, max_size=3), min_size=1,
                        max_size=3, unique_by=tuple)
grids = st.fixed_dictionaries({}, optional={
    "layers": layer_values,
    "optimizer": st.lists(st.sampled_from(OPTIMIZERS), min_size=1, max_size=3, unique=True),
    "lr": st.lists(st.sampled_from([0.001, 0.01, 0.03, 0.1, 1.0]), min_size=1, max_size=3,
                   unique=True),
    "activation": st.lists(st.sampled_from(ACTIVATIONS), min_size=1, max_size=2, unique=True),
})


@settings(max_examples=40, deadline=None)
@given(grid=grids, seeds=st.integers(1, 3))
def test_round_trip_spec_to_runs(grid, seeds):
    """Command-line texts and Python values give the same runs, one per combination × seed,
    each Config holding its combination's values."""
    texts = [format_grid_arg(axis, values) for axis, values in grid.items()]
    from_texts = SweepSpec.parse(BASE, texts, seeds=seeds).runs()
    from_values = SweepSpec.parse(BASE, grid, seeds=seeds).runs()
    assert [r.id for r in from_texts] == [r.id for r in from_values]
    # params are as written: texts from the command line, values from Python / a spec file
    assert [{k: value_text(v) for k, v in r.params.items()} for r in from_values] == \
        [{**r.params, "seed": str(r.params["seed"])} for r in from_texts]
    combos = list(itertools.product(*grid.values()))
    assert len(from_texts) == len(combos) * seeds
    for k, run in enumerate(from_texts):
        combo, seed = combos[k // seeds], k % seeds
        assert run.config.seed == seed == run.params["seed"]
        for axis, value in zip(grid, combo):
            got = getattr(run.config, axis)
            assert got == (tuple(value) if axis == "layers" else value), (axis, value)
    assert SweepSpec.from_dict(SweepSpec.parse(BASE, grid, seeds).to_dict()).runs() == \
        from_values


bad_values = st.one_of(
    st.tuples(st.just("layers"), st.sampled_from(["0", "-3", "x", "2000", "3,0"])),
    st.tuples(st.just("optimizer"), st.text("qxzjkw", min_size=1, max_size=6)),
    st.tuples(st.just("lr"), st.sampled_from(["0", "-0.5", "1e9", "nan", "fast"])),
    st.tuples(st.just("batch_size"), st.sampled_from(["0", "-1", "1.5", "some"])),
    st.tuples(st.just("noise"), st.sampled_from(["-0.1", "0.9", "inf"])),
    st.tuples(st.just("epochs"), st.sampled_from(["-1", "2.5", "many"])),
)


@settings(max_examples=40, deadline=None)
@given(bad=bad_values, good_first=st.booleans())
def test_a_bad_value_always_gives_a_config_error_naming_its_axis(bad, good_first):
    axis, value = bad
    good = {"layers": "4", "optimizer": "sgd", "lr": "0.1", "batch_size": "10", "noise": "0",
            "epochs": "5"}[axis]
    values = [good, value] if good_first else [value]
    sep = ";" if axis == "layers" else ","
    with pytest.raises(ConfigError) as e:
        SweepSpec.parse(BASE, [f"{axis}={sep.join(values)}"])
    assert e.value.field == f"grid.{axis}"
    assert e.value.value == value


def test_depthlens_sweep_is_the_package_and_the_call(tmp_path):
    import depthlens as dl

    assert dl.sweep.grid.SweepSpec is SweepSpec  # the package's modules stay reachable
    with pytest.raises(ConfigError) as e:  # and the call checks before anything is written
        dl.sweep(BASE, ["layers=3;0"], out=tmp_path / "o")
    assert e.value.field == "grid.layers" and not (tmp_path / "o").exists()
