"""The fitted plan of a table (glassnet.tables.plan): columns found by name, rows of an array,
and the plan as plain data, round trip and refusals."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.tables import Plan

from conftest import table_of


def test_columns_are_found_by_name_a_missing_one_is_an_error_extra_ones_are_said():
    plan = Plan.fit(table_of(a=[1, 2, 3], b=["x", "y", "x"]), target="label")
    X, report = plan.transform(table_of(b=["y"], extra=[0], label=[1], a=[2]))
    np.testing.assert_allclose(X, plan.transform(table_of(a=[2], b=["y"]))[0])
    assert report.extra == ["extra"]  # the target is not an extra column
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table_of(b=["y"]))
    assert "the data has no column 'a', an input of the model (it needs: a, b)" in str(error.value)


def test_rows_of_an_array_are_the_inputs_in_order():
    plan = Plan.fit(table_of(a=[1, 2, 3], b=["x", "y", "x"]))
    rows = np.array([[2, "y"], [3, "x"]], dtype=object)
    X, _ = plan.transform(plan.read(rows))
    np.testing.assert_array_equal(X, plan.transform(table_of(a=[2, 3], b=["y", "x"]))[0])
    with pytest.raises(gn.GlassnetError, match="columns a, b .* got ndarray of shape \\(2, 3\\)"):
        plan.read(np.zeros((2, 3)))


# ---- the plan as data ------------------------------------------------------------------------


def test_the_plan_round_trips_through_json_and_transforms_the_same():
    dates = ["2020-01-01", "2020-05-06", None, "2021-01-01"]
    t = table_of(a=[1, None, 3, 8], c=["x", None, "y", "x"], d=dates)
    plan = Plan.fit(t, scaling="robust", target="y")
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
    np.testing.assert_array_equal(again.transform(t)[0], plan.transform(t)[0])
    assert len(plan.describe()) == 3 and "flagged in a 0/1 column" in plan.describe()[0]


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d: d.update(scaling="log"), "'plan.scaling' must be one of"),
        (lambda d: d.pop("dropped"), "must be an object with the keys"),
        (lambda d: d["columns"][0].update(scale=[0.0]), "'scale' must be positive"),
        (lambda d: d["columns"][0].update(fill=[1.0, 2.0]), "'fill' must be 1 finite number"),
        (lambda d: d["columns"][0].update(fill=[True]), "'fill' must be 1 finite number"),
        (lambda d: d["columns"][1].update(levels=["x", "x"]), "'levels' repeat"),
        (lambda d: d["columns"][1].update(levels=[1]), "'levels' must be a list of text"),
        (lambda d: d["columns"][0].update(levels=["x"]), "only a category column has levels"),
        (lambda d: d["columns"][0].update(kind="image"), "a kind among number, date, category"),
        (lambda d: d["columns"].append(dict(d["columns"][0])), "names a column twice"),
        (lambda d: d.update(columns=[]), "'plan.columns' must be a non-empty list"),
        (lambda d: d.update(dropped=[["a"]]), "'plan.dropped' must be a list of"),
        (lambda d: d.update(id_column=3), "'plan.id_column' must be null or a column name"),
    ],
)
def test_an_invalid_plan_is_refused(change, fragment):
    document = Plan.fit(table_of(a=[1, 2, 3], c=["x", "y", "x"])).to_dict()
    change(document)
    with pytest.raises(gn.GlassnetError, match=fragment):
        Plan.from_dict(document)


def test_what_train_says_it_chose_a_line_per_kind_and_per_dropped_column():
    m = 30
    plan = Plan.fit(table_of(
        n=[float(i % 7) if i % 5 else None for i in range(m)], k=[float(i % 3) for i in range(m)],
        c=[["a", "b", None][i % 3] for i in range(m)], g=[["x", "y"][i % 2] for i in range(m)],
        d=[f"2024-01-{1 + i % 28:02d}" for i in range(m)], one=[1.0] * m,
    ))  # fmt: skip
    assert plan.notes() == [
        "2 number column(s), robust scaling (median, IQR, smooth clipping); missing values "
        "filled with the median in n",
        "one-hot encoded c (2 levels + missing), g (2 levels)",
        "dates as year, month, day, weekday: d",
        "dropped 'one': constant (every value is 1)",
    ]
    standard = Plan.fit(table_of(k=[1.0, 2.0, 3.0]), scaling="standard")
    assert standard.notes() == ["1 number column(s), standardized (mean, std)"]
    none = Plan.fit(table_of(k=[1.0, 2.0, 3.0], g=["x", "y", "x"]), scaling="none")
    assert none.notes() == ["1 number column(s), as they are", "one-hot encoded g (2 levels)"]
    assert Plan.fit(table_of(g=["x", "y", "x"])).notes() == ["one-hot encoded g (2 levels)"]


def test_the_first_id_dropped_is_the_id_column_and_an_empty_table_is_refused():
    m = 25
    plan = Plan.fit(table_of(
        code=[f"c{i}" for i in range(m)], row=[float(i) for i in range(m)],
        v=[float(i % 4) for i in range(m)],
    ))  # fmt: skip
    assert plan.id_column == "code" and [n for n, _ in plan.dropped] == ["code", "row"]
    assert Plan.fit(table_of(v=[1.0, 2.0, 1.0])).id_column is None
    with pytest.raises(gn.GlassnetError, match="the table has no rows to learn from"):
        Plan.fit(table_of(v=[]))
    X, report = plan.transform(table_of(v=[]))
    assert X.shape == (0, plan.n_features) and not report.lines()


def test_a_mapping_or_a_frame_is_read_by_name_and_strict_is_off_by_default():
    plan = Plan.fit(table_of(a=[1.0, 2.0, 3.0], b=["x", "y", "x"]))
    by_name = plan.read({"b": ["z"], "a": [2.0]})
    X, report = plan.transform(by_name)  # an unseen level: said, not refused
    assert report.unseen == {"b": (1, "z", "row 1")} and X[0, 1:].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d: d["columns"][0].pop("levels"), "must have the keys"),
        (lambda d: d["columns"][0].update(indicator="yes"), "'indicator' and 'missing_level'"),
        (lambda d: d["columns"][1].update(missing_level=1), "'indicator' and 'missing_level'"),
        (lambda d: d["columns"][1].update(levels=[], missing_level=False), "needs a level"),
        (lambda d: d["columns"][1].update(levels=[str(i) for i in range(10_001)]), "too many"),
        (lambda d: d.update(dropped=[["a", "b", "c"]]), "'plan.dropped' must be a list of"),
        (lambda d: d.update(target="t" * 10_001), "'plan.target' must be null or a column"),
    ],
)
def test_more_invalid_plans_are_refused(change, fragment):
    document = Plan.fit(table_of(a=[1, 2, 3], c=["x", "y", "x"])).to_dict()
    change(document)
    with pytest.raises(gn.GlassnetError, match=fragment):
        Plan.from_dict(document)


def test_the_limits_of_a_valid_plan_are_accepted():
    document = Plan.fit(table_of(a=[1, 2, 3], c=["x", "y", "x"])).to_dict()
    document["target"] = "t" * 10_000
    document["columns"][1]["levels"] = [str(i) for i in range(10_000)]
    document["columns"][1]["missing_level"] = False
    assert len(Plan.from_dict(document).columns[1].levels) == 10_000
    document["columns"][1].update(levels=[], missing_level=True)  # only the missing level
    assert Plan.from_dict(document).columns[1].outputs == ["c=(missing)"]
