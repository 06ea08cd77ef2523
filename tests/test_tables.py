"""The preprocessing plan of a table: every rule against a hand computation, every refusal with
its column, place and value, and the plan as data."""

import json

import numpy as np
import pytest

import glassnet as gn
from glassnet.tables import (
    CLIP,
    MISSING_LEVEL,
    Plan,
    Table,
    as_table,
    check_columns,
    text_of,
)


def table(**columns) -> Table:
    """A Table of columns given as lists: numbers become float64 (None -> NaN), text object."""
    names, arrays = [], []
    for name, values in columns.items():
        if all(v is None or isinstance(v, int | float) for v in values):
            arrays.append(np.array([np.nan if v is None else v for v in values], dtype=float))
        else:
            arrays.append(np.array(values, dtype=object))
        names.append(name)
    return Table(names, arrays, lambda i: f"line {i + 2} of t.csv")


def smooth(z):
    return z / np.sqrt(1 + (z / CLIP) ** 2)


# ---- numbers ---------------------------------------------------------------------------------


def test_robust_scaling_centres_on_the_median_divides_by_the_iqr_and_clips_smoothly():
    plan = Plan.fit(table(x=[1, 2, 3, 4, 100]))
    (column,) = plan.columns
    # median 3; numpy's percentiles of 1..4, 100: q25 = 2, q75 = 4
    assert (column.fill, column.center, column.scale) == ([3.0], [3.0], [2.0])
    X, report = plan.transform(table(x=[3, 5, 100, -1e9]))
    z = np.array([0.0, 1.0, 48.5, (-1e9 - 3) / 2])
    np.testing.assert_allclose(X[:, 0], smooth(z))
    assert np.all(np.abs(X) <= CLIP) and X[2, 0] == pytest.approx(2.9943, abs=1e-4)
    # no square overflows: the largest numbers are clipped to 3, never 0 or NaN
    X, _ = plan.transform(table(x=[1e308, -1e308, 1e200]))
    np.testing.assert_allclose(X[:, 0], [CLIP, -CLIP, CLIP], rtol=1e-11)
    assert plan.feature_names == ["x"] and not report.lines()


def test_a_value_beyond_float_range_once_scaled_is_refused():
    plan = Plan.fit(table(x=[1.0, 2.0, 4.0, 9.0]), scaling="standard")
    plan.columns[0].scale = [1e-300]  # as a tampered model file could hold
    with pytest.raises(gn.GlassnetError, match="'x' at line 2 of t.csv is too large"):
        plan.transform(table(x=[1e300]))


def test_standard_scaling_and_none():
    values = [1.0, 2.0, 4.0, 9.0]
    X, _ = (plan := Plan.fit(table(x=values), scaling="standard")).transform(table(x=values))
    np.testing.assert_allclose(X[:, 0], (np.array(values) - 4.0) / np.std(values))
    assert plan.columns[0].fill == [3.0]  # the median fills, whatever the scaling
    X, _ = Plan.fit(table(x=values), scaling="none").transform(table(x=[7.5, None]))
    np.testing.assert_array_equal(X[:, 0], [7.5, 3.0])
    with pytest.raises(gn.GlassnetError, match="unknown scaling 'minmax'"):
        Plan.fit(table(x=values), scaling="minmax")


def test_a_spread_of_zero_falls_back_to_the_std_then_to_one():
    plan = Plan.fit(table(x=[5, 5, 5, 5, 5, 6]))  # IQR 0: 1.349 std
    assert plan.columns[0].scale == [pytest.approx(np.std([5, 5, 5, 5, 5, 6]) * 1.349)]
    plan = Plan.fit(table(x=[5, 5, None]))  # one value and gaps: kept for its indicator
    assert plan.columns[0].scale == [1.0] and plan.feature_names == ["x", "x (missing)"]


def test_gaps_are_filled_with_the_training_median_and_flagged():
    plan = Plan.fit(table(a=[1, None, 3, 10], b=[1, 2, 3, 4]))
    assert plan.feature_names == ["a", "a (missing)", "b"]
    X, report = plan.transform(table(a=[None, 3], b=[None, 2]))
    # a: median of 1, 3, 10 is 3 -> z = 0 and flagged; b had no gap in training: filled with
    # its median 2.5, said in the report
    assert X[0, :2].tolist() == [0.0, 1.0] and X[1, :2].tolist() == [0.0, 0.0]
    assert X[0, 2] == 0.0
    assert report.filled == {"b": 1}
    assert "column 'b': 1 missing value(s), which the training rows never had" in report.lines()[0]
    with pytest.raises(gn.GlassnetError, match="'b' has a missing value at line 2 of t.csv"):
        plan.transform(table(a=[None, 3], b=[None, 2]), strict=True)


def test_text_in_a_numeric_column_is_type_drift_never_encoded():
    plan = Plan.fit(table(x=[1.0, 2.0, 3.0]))
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table(x=["1.5", "abc"]))
    assert str(error.value) == (
        "column 'x' was numeric in training but holds the text 'abc' at line 3 of t.csv; give a "
        "number, or leave the cell empty (NA) for a missing value"
    )
    X, _ = plan.transform(table(x=["1.5", None]))  # numbers written as text are numbers
    np.testing.assert_allclose(X[:, 0], smooth((np.array([1.5, 2.0]) - 2) / 1.0))
    with pytest.raises(gn.GlassnetError, match="'x' has an infinite value at line 2"):
        plan.transform(table(x=[np.inf]))
    with pytest.raises(gn.GlassnetError, match="'x' has an infinite value at line 3"):
        Plan.fit(table(x=[1.0, -np.inf]))


def test_a_few_stray_texts_among_numbers_are_refused_with_their_place():
    values = [str(i) for i in range(30)]
    values[7] = "?"
    with pytest.raises(gn.GlassnetError) as error:
        check_columns(table(x=values))
    message = str(error.value)
    assert "column 'x' holds numbers ('0' at line 2 of t.csv) and the text '?' at line 9" in message
    assert "--na-values" in message
    with pytest.raises(gn.GlassnetError, match="the text '\\?' at line 9"):
        Plan.fit(table(x=values))
    check_columns(table(x=["a", "b", "1"]))  # mostly text: categories, not a typo


# ---- categories ------------------------------------------------------------------------------


def test_categories_are_one_hot_with_a_missing_level_and_unseen_levels_are_zeros():
    plan = Plan.fit(table(colour=["red", "blue", None, "red"], n=[1, 2, 3, 4]))
    (colour, _) = plan.columns
    assert colour.levels == ["blue", "red"] and colour.missing_level
    assert plan.feature_names[:3] == ["colour=blue", "colour=red", f"colour={MISSING_LEVEL}"]
    X, report = plan.transform(table(colour=["blue", None, "pink", "pink"], n=[1, 2, 3, 4]))
    assert X[:, :3].tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert report.unseen == {"colour": (2, "pink", "line 4 of t.csv")}
    assert report.lines() == [
        "column 'colour': 2 value(s) never seen in training (first 'pink' at line 4 of t.csv), "
        "encoded as no known level (all zeros)"
    ]
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table(colour=["blue", "pink"], n=[1, 2]), strict=True)
    expected = "'colour' has the value 'pink' at line 3 of t.csv, which the training rows never"
    assert expected in str(error.value)


def test_a_missing_value_where_training_had_none_is_zeros_or_refused():
    plan = Plan.fit(table(colour=["red", "blue", "red"]))
    assert plan.feature_names == ["colour=blue", "colour=red"]
    X, report = plan.transform(table(colour=[None, "red"]))
    assert X.tolist() == [[0, 0], [0, 1]] and report.filled == {"colour": 1}
    with pytest.raises(gn.GlassnetError, match="'colour' has a missing value at line 2"):
        plan.transform(table(colour=[None]), strict=True)


def test_numbers_given_to_a_category_column_name_its_levels():
    assert [text_of(v) for v in (3.0, 2.5, 7, True, "x")] == ["3", "2.5", "7", "True", "x"]
    plan = Plan.fit(table(grade=["1", "2", "A", "1"]))
    X, report = plan.transform(table(grade=[1.0, 2.0]))
    assert X.tolist() == [[1, 0, 0], [0, 1, 0]] and not report.unseen


# ---- dates, ids, constants, free text --------------------------------------------------------


def test_iso_dates_become_year_month_day_and_weekday():
    days = ["2024-03-31", "2023-01-02 12:30", None, "2024-02-29"]
    plan = Plan.fit(table(day=days), scaling="none")
    (column,) = plan.columns
    assert column.kind == "date" and column.indicator
    assert plan.feature_names == [
        "day.year", "day.month", "day.day", "day.weekday", "day (missing)",
    ]  # fmt: skip
    X, _ = plan.transform(table(day=days))
    # 2024-03-31 was a Sunday (6), 2023-01-02 a Monday (0), 2024-02-29 a Thursday (3)
    assert X[0].tolist() == [2024, 3, 31, 6, 0]
    assert X[1].tolist() == [2023, 1, 2, 0, 0]
    assert X[3].tolist() == [2024, 2, 29, 3, 0]
    assert X[2].tolist() == [*column.fill, 1]  # the medians fill a missing date
    with pytest.raises(gn.GlassnetError, match="'tomorrow' at line 2 of t.csv is not one"):
        plan.transform(table(day=["tomorrow"]))


def test_ambiguous_dates_are_refused_with_the_fix():
    with pytest.raises(gn.GlassnetError) as error:
        Plan.fit(table(when=["12/31/2020", "01/02/2021", "03/04/2021"]))
    assert "column 'when' holds dates written as '12/31/2020' (line 2 of t.csv)" in str(error.value)
    assert "YYYY-MM-DD" in str(error.value)


def test_ids_constants_and_free_text_are_dropped_with_their_reason_unless_kept():
    m = 40
    rng = np.random.default_rng(0)
    data = dict(
        row=list(range(100, 100 + m)),  # consecutive whole numbers: row numbers
        customer_id=list(rng.permutation(10_000)[:m] * 1.0),  # distinct, and named as an id
        name=[f"person {i}" for i in range(m)],  # text, every value distinct
        note=[f"note {i % 30}" for i in range(m)],  # 30 values in 40 rows: free text
        country=["fr"] * m,  # one value
        size=list(rng.standard_normal(m)),  # distinct numbers, but not an id
        group=["a", "b"] * (m // 2),
    )
    plan = Plan.fit(table(**data))
    assert plan.inputs == ["size", "group"]
    reasons = dict(plan.dropped)
    assert reasons["row"].startswith("an id (row numbers)")
    assert reasons["customer_id"].startswith("an id (every value distinct, an id by its name)")
    assert reasons["name"].startswith("an id (every value distinct)")
    assert reasons["note"].startswith("30 distinct text values in 40 rows")
    assert reasons["country"] == "constant (every value is 'fr')"
    assert plan.id_column == "row"
    assert any("dropped 'name'" in note for note in plan.notes())
    kept = Plan.fit(table(**data), keep=["name", "row"])
    assert kept.inputs == ["row", "name", "size", "group"] and kept.id_column == "customer_id"
    assert kept.columns[1].levels[:2] == ["person 0", "person 1"]
    with pytest.raises(gn.GlassnetError, match="--keep names the column 'nope'"):
        Plan.fit(table(**data), keep=["nope"])
    with pytest.raises(gn.GlassnetError, match="no column is left to learn from"):
        Plan.fit(table(country=["fr"] * m))


def test_few_rows_prove_nothing_about_ids():
    plan = Plan.fit(table(name=["a", "b", "c"], n=[1, 2, 3]))
    assert plan.inputs == ["name", "n"] and not plan.dropped


# ---- columns by name -------------------------------------------------------------------------


def test_columns_are_found_by_name_a_missing_one_is_an_error_extra_ones_are_said():
    plan = Plan.fit(table(a=[1, 2, 3], b=["x", "y", "x"]), target="label")
    X, report = plan.transform(table(b=["y"], extra=[0], label=[1], a=[2]))
    np.testing.assert_allclose(X, plan.transform(table(a=[2], b=["y"]))[0])
    assert report.extra == ["extra"]  # the target is not an extra column
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table(b=["y"]))
    assert "the data has no column 'a', an input of the model (it needs: a, b)" in str(error.value)


def test_rows_of_an_array_are_the_inputs_in_order():
    plan = Plan.fit(table(a=[1, 2, 3], b=["x", "y", "x"]))
    rows = np.array([[2, "y"], [3, "x"]], dtype=object)
    X, _ = plan.transform(plan.read(rows))
    np.testing.assert_array_equal(X, plan.transform(table(a=[2, 3], b=["y", "x"]))[0])
    with pytest.raises(gn.GlassnetError, match="columns a, b .* got ndarray of shape \\(2, 3\\)"):
        plan.read(np.zeros((2, 3)))


def test_a_dataframe_by_dtype_and_its_index_in_messages():
    pd = pytest.importorskip("pandas", reason="DataFrames need pandas")
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
            "kind": pd.Categorical(["a", "b", None]),
            "when": pd.to_datetime(["2020-01-01", "2021-06-15", None]),
            "text": pd.array(["x", None, "y"], dtype="string"),
        },
        index=[10, 11, 12],
    )
    t = as_table(frame)
    assert t.column("n").dtype == np.float64 and np.isnan(t.column("n")[1])
    assert t.column("flag").tolist() == ["True", "False", "True"]
    assert t.column("kind").tolist() == ["a", "b", None]
    assert t.column("text").tolist() == ["x", None, "y"]
    assert t.place(1) == "row 11"
    plan = Plan.fit(t)
    assert [c.kind for c in plan.columns] == ["number", "category", "category", "date", "category"]
    assert plan.columns[3].indicator


# ---- the plan as data ------------------------------------------------------------------------


def test_the_plan_round_trips_through_json_and_transforms_the_same():
    dates = ["2020-01-01", "2020-05-06", None, "2021-01-01"]
    t = table(a=[1, None, 3, 8], c=["x", None, "y", "x"], d=dates)
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
    document = Plan.fit(table(a=[1, 2, 3], c=["x", "y", "x"])).to_dict()
    change(document)
    with pytest.raises(gn.GlassnetError, match=fragment):
        Plan.from_dict(document)
