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
