"""A table's raw columns (glassnet.tables.table): a DataFrame by dtype, its index in messages."""

import numpy as np
import pytest

from glassnet.tables import Plan, as_table


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


def test_a_mapping_of_lists_numbers_text_booleans_and_missing_values():
    import glassnet as gn

    t = as_table({
        "n": [1, 2, 3], "s": ["a", " ", None], "b": [True, False, None],
        "f": [1.5, float("nan"), 2.0], "o": [1, "x", np.nan],
    })  # fmt: skip
    assert t.column("n").dtype == np.float64 and t.column("n").tolist() == [1.0, 2.0, 3.0]
    assert t.column("s").tolist() == ["a", None, None]  # blank text is a missing value
    assert t.column("b").tolist() == ["True", "False", None]
    assert t.column("f").dtype == np.float64 and np.isnan(t.column("f")[1])
    assert t.column("o").tolist() == [1, "x", None]
    assert t.place(2) == "row 3"
    with pytest.raises(gn.GlassnetError, match="a table's column must be 1-D; got shape"):
        as_table({"m": [[1, 2], [3, 4]]})
    with pytest.raises(gn.GlassnetError, match="expected a table"):
        as_table([[1, 2]])


def test_the_text_and_the_number_of_a_cell():
    from glassnet.tables.table import number_of, text_of

    assert [text_of(v) for v in (True, np.bool_(False), 3.0, np.float32(2.5), 7, "x")] == [
        "True", "False", "3", "2.5", "7", "x",
    ]  # fmt: skip
    assert [number_of(v) for v in (True, np.int64(3), "2.5", "x", None, 4)] == [
        None, 3.0, 2.5, None, None, 4.0,
    ]  # fmt: skip


def test_pandas_missing_values_of_every_kind_are_missing():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "o": pd.Series(["a", pd.NA, None, np.nan, ""], dtype=object),
        "t": pd.to_datetime(["2020-01-01", None, "2020-01-03", "2020-01-04", "2020-01-05"]),
        "b": pd.array([True, None, False, True, True], dtype="boolean"),
    })  # fmt: skip
    t = as_table(frame)
    assert t.column("o").tolist() == ["a", None, None, None, None]
    assert t.column("t")[1] is None and Plan.fit(t).columns[1].kind == "date"
    assert t.column("b").tolist() == ["True", None, "False", "True", "True"]


def test_a_table_has_one_length_and_distinct_names():
    import types

    import glassnet as gn
    from glassnet.tables import Table

    with pytest.raises(gn.GlassnetError, match="must have one length"):
        Table(["a", "b"], [np.zeros(3), np.zeros(2)])
    with pytest.raises(gn.GlassnetError, match="two columns named 'a'; rename one"):
        Table(["b", "a", "a"], [np.zeros(2)] * 3)
    assert len(Table(["a", "b"], [np.zeros(2), np.zeros(2)])) == 2
    assert len(Table(["a"], [np.zeros(4)])) == 4 and len(Table([], [])) == 0
    with pytest.raises(gn.GlassnetError, match="expected a table"):
        as_table(types.SimpleNamespace(columns=["a"], iloc=None))  # no dtypes: not a frame


# equivalent: tables.table:128:16 True -> False -- a None cell is stored as None either way
# equivalent: tables.table:32:67 False -> True -- whether repr shows the place function


def test_a_cell_that_cannot_compare_with_itself_is_kept_as_it_is():
    cell = np.array([1, 2])  # cell != cell is an array, whose truth raises
    column = as_table({"o": [cell, "x", None]}).column("o")
    assert column[0] is cell and column.tolist()[1:] == ["x", None]
