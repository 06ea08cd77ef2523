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
