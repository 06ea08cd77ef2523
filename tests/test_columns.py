"""What each column of a table becomes (glassnet.tables.columns): every rule against a hand
computation, and every refusal with its column, place and value."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.tables import CLIP, MISSING_LEVEL, Plan, check_columns, text_of

from conftest import table_of


def smooth(z):
    return z / np.sqrt(1 + (z / CLIP) ** 2)


# ---- numbers ---------------------------------------------------------------------------------


def test_robust_scaling_centres_on_the_median_divides_by_the_iqr_and_clips_smoothly():
    plan = Plan.fit(table_of(x=[1, 2, 3, 4, 100]))
    (column,) = plan.columns
    # median 3; numpy's percentiles of 1..4, 100: q25 = 2, q75 = 4
    assert (column.fill, column.center, column.scale) == ([3.0], [3.0], [2.0])
    X, report = plan.transform(table_of(x=[3, 5, 100, -1e9]))
    z = np.array([0.0, 1.0, 48.5, (-1e9 - 3) / 2])
    np.testing.assert_allclose(X[:, 0], smooth(z))
    assert np.all(np.abs(X) <= CLIP) and X[2, 0] == pytest.approx(2.9943, abs=1e-4)
    # no square overflows: the largest numbers are clipped to 3, never 0 or NaN
    X, _ = plan.transform(table_of(x=[1e308, -1e308, 1e200]))
    np.testing.assert_allclose(X[:, 0], [CLIP, -CLIP, CLIP], rtol=1e-11)
    assert plan.feature_names == ["x"] and not report.lines()


def test_a_value_beyond_float_range_once_scaled_is_refused():
    plan = Plan.fit(table_of(x=[1.0, 2.0, 4.0, 9.0]), scaling="standard")
    plan.columns[0].scale = [1e-300]  # as a tampered model file could hold
    with pytest.raises(gn.GlassnetError, match="'x' at line 2 of t.csv is too large"):
        plan.transform(table_of(x=[1e300]))


# equivalent: tables.columns:26:9 1000000.0 -> 1000001.0 -- beyond 1e6 the clipped value is 3
# to within 5e-12 either way
# equivalent: tables.columns:48:23 False -> True -- every Column is made with its indicator given
# equivalent: tables.columns:145:27 < -> <= -- all-text cells (len(text) == len(present) >= 1)
# fail the next condition, len(text) <= 0.1 len(present), all the same


def test_standard_scaling_and_none():
    values = [1.0, 2.0, 4.0, 9.0]
    X, _ = (plan := Plan.fit(table_of(x=values), scaling="standard")).transform(table_of(x=values))
    np.testing.assert_allclose(X[:, 0], (np.array(values) - 4.0) / np.std(values))
    assert plan.columns[0].fill == [3.0]  # the median fills, whatever the scaling
    small = [0.1, 0.2, 0.4]  # a spread below 1 divides as it is
    assert Plan.fit(table_of(x=small), scaling="standard").columns[0].scale == [np.std(small)]
    X, _ = Plan.fit(table_of(x=values), scaling="none").transform(table_of(x=[7.5, None]))
    np.testing.assert_array_equal(X[:, 0], [7.5, 3.0])
    with pytest.raises(gn.GlassnetError, match="unknown scaling 'minmax'"):
        Plan.fit(table_of(x=values), scaling="minmax")


def test_a_spread_of_zero_falls_back_to_the_std_then_to_one():
    plan = Plan.fit(table_of(x=[5, 5, 5, 5, 5, 6]))  # IQR 0: 1.349 std
    assert plan.columns[0].scale == [pytest.approx(np.std([5, 5, 5, 5, 5, 6]) * 1.349)]
    plan = Plan.fit(table_of(x=[5, 5, None]))  # one value and gaps: kept for its indicator
    assert plan.columns[0].scale == [1.0] and plan.feature_names == ["x", "x (missing)"]


def test_gaps_are_filled_with_the_training_median_and_flagged():
    plan = Plan.fit(table_of(a=[1, None, 3, 10], b=[1, 2, 3, 4]))
    assert plan.feature_names == ["a", "a (missing)", "b"]
    X, report = plan.transform(table_of(a=[None, 3], b=[None, 2]))
    # a: median of 1, 3, 10 is 3 -> z = 0 and flagged; b had no gap in training: filled with
    # its median 2.5, said in the report
    assert X[0, :2].tolist() == [0.0, 1.0] and X[1, :2].tolist() == [0.0, 0.0]
    assert X[0, 2] == 0.0
    assert report.filled == {"b": 1}
    assert "column 'b': 1 missing value(s), which the training rows never had" in report.lines()[0]
    with pytest.raises(gn.GlassnetError, match="'b' has a missing value at line 2 of t.csv"):
        plan.transform(table_of(a=[None, 3], b=[None, 2]), strict=True)


def test_text_in_a_numeric_column_is_type_drift_never_encoded():
    plan = Plan.fit(table_of(x=[1.0, 2.0, 3.0]))
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table_of(x=["1.5", "abc"]))
    assert str(error.value) == (
        "column 'x' was numeric in training but holds the text 'abc' at line 3 of t.csv; give a "
        "number, or leave the cell empty (NA) for a missing value"
    )
    X, _ = plan.transform(table_of(x=["1.5", None]))  # numbers written as text are numbers
    np.testing.assert_allclose(X[:, 0], smooth((np.array([1.5, 2.0]) - 2) / 1.0))
    with pytest.raises(gn.GlassnetError, match="'x' has an infinite value at line 2"):
        plan.transform(table_of(x=[np.inf]))
    with pytest.raises(gn.GlassnetError, match="'x' has an infinite value at line 3"):
        Plan.fit(table_of(x=[1.0, -np.inf]))


def test_a_few_stray_texts_among_numbers_are_refused_with_their_place():
    values = [str(i) for i in range(30)]
    values[7] = "?"
    with pytest.raises(gn.GlassnetError) as error:
        check_columns(table_of(x=values))
    message = str(error.value)
    assert "column 'x' holds numbers ('0' at line 2 of t.csv) and the text '?' at line 9" in message
    assert "--na-values" in message
    with pytest.raises(gn.GlassnetError, match="the text '\\?' at line 9"):
        Plan.fit(table_of(x=values))
    check_columns(table_of(x=["a", "b", "1"]))  # mostly text: categories, not a typo


# ---- categories ------------------------------------------------------------------------------


def test_categories_are_one_hot_with_a_missing_level_and_unseen_levels_are_zeros():
    plan = Plan.fit(table_of(colour=["red", "blue", None, "red"], n=[1, 2, 3, 4]))
    (colour, _) = plan.columns
    assert colour.levels == ["blue", "red"] and colour.missing_level
    assert plan.feature_names[:3] == ["colour=blue", "colour=red", f"colour={MISSING_LEVEL}"]
    X, report = plan.transform(table_of(colour=["blue", None, "pink", "pink"], n=[1, 2, 3, 4]))
    assert X[:, :3].tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert report.unseen == {"colour": (2, "pink", "line 4 of t.csv")}
    assert report.lines() == [
        "column 'colour': 2 value(s) never seen in training (first 'pink' at line 4 of t.csv), "
        "encoded as no known level (all zeros)"
    ]
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table_of(colour=["blue", "pink"], n=[1, 2]), strict=True)
    expected = "'colour' has the value 'pink' at line 3 of t.csv, which the training rows never"
    assert expected in str(error.value)


def test_a_missing_value_where_training_had_none_is_zeros_or_refused():
    plan = Plan.fit(table_of(colour=["red", "blue", "red"]))
    assert plan.feature_names == ["colour=blue", "colour=red"]
    X, report = plan.transform(table_of(colour=[None, "red"]))
    assert X.tolist() == [[0, 0], [0, 1]] and report.filled == {"colour": 1}
    with pytest.raises(gn.GlassnetError, match="'colour' has a missing value at line 2"):
        plan.transform(table_of(colour=[None]), strict=True)


def test_numbers_given_to_a_category_column_name_its_levels():
    assert [text_of(v) for v in (3.0, 2.5, 7, True, "x")] == ["3", "2.5", "7", "True", "x"]
    plan = Plan.fit(table_of(grade=["1", "2", "A", "1"]))
    X, report = plan.transform(table_of(grade=[1.0, 2.0]))
    assert X.tolist() == [[1, 0, 0], [0, 1, 0]] and not report.unseen


# ---- dates, ids, constants, free text --------------------------------------------------------


def test_iso_dates_become_year_month_day_and_weekday():
    days = ["2024-03-31", "2023-01-02 12:30", None, "2024-02-29"]
    plan = Plan.fit(table_of(day=days), scaling="none")
    (column,) = plan.columns
    assert column.kind == "date" and column.indicator
    assert plan.feature_names == [
        "day.year", "day.month", "day.day", "day.weekday", "day (missing)",
    ]  # fmt: skip
    X, _ = plan.transform(table_of(day=days))
    # 2024-03-31 was a Sunday (6), 2023-01-02 a Monday (0), 2024-02-29 a Thursday (3)
    assert X[0].tolist() == [2024, 3, 31, 6, 0]
    assert X[1].tolist() == [2023, 1, 2, 0, 0]
    assert X[3].tolist() == [2024, 2, 29, 3, 0]
    assert X[2].tolist() == [*column.fill, 1]  # the medians fill a missing date
    with pytest.raises(gn.GlassnetError, match="'tomorrow' at line 2 of t.csv is not one"):
        plan.transform(table_of(day=["tomorrow"]))


def test_ambiguous_dates_are_refused_with_the_fix():
    with pytest.raises(gn.GlassnetError) as error:
        Plan.fit(table_of(when=["12/31/2020", "01/02/2021", "03/04/2021"]))
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
    plan = Plan.fit(table_of(**data))
    assert plan.inputs == ["size", "group"]
    reasons = dict(plan.dropped)
    assert reasons["row"].startswith("an id (row numbers)")
    assert reasons["customer_id"].startswith("an id (every value distinct, an id by its name)")
    assert reasons["name"].startswith("an id (every value distinct)")
    assert reasons["note"].startswith("30 distinct text values in 40 rows")
    assert reasons["country"] == "constant (every value is 'fr')"
    assert plan.id_column == "row"
    assert any("dropped 'name'" in note for note in plan.notes())
    kept = Plan.fit(table_of(**data), keep=["name", "row"])
    assert kept.inputs == ["row", "name", "size", "group"] and kept.id_column == "customer_id"
    assert kept.columns[1].levels[:2] == ["person 0", "person 1"]
    with pytest.raises(gn.GlassnetError, match="--keep names the column 'nope'"):
        Plan.fit(table_of(**data), keep=["nope"])
    with pytest.raises(gn.GlassnetError, match="no column is left to learn from"):
        Plan.fit(table_of(country=["fr"] * m))


def test_few_rows_prove_nothing_about_ids():
    plan = Plan.fit(table_of(name=["a", "b", "c"], n=[1, 2, 3]))
    assert plan.inputs == ["name", "n"] and not plan.dropped


# ---- columns by name -------------------------------------------------------------------------


# ---- the limits, one row or one level on each side -----------------------------------------


def test_the_limits_of_ids_free_text_and_levels():
    from glassnet.tables.columns import MAX_KEPT_LEVELS, MAX_LEVELS, MIN_ROWS_FOR_ID

    n = MIN_ROWS_FOR_ID

    def dropped(m, **column):  # beside a column that is always kept
        return Plan.fit(table_of(**column, v=[float(i % 2) for i in range(m)])).dropped

    assert not dropped(n - 1, t=[f"v{i}" for i in range(n - 1)])  # 19 rows: kept
    assert dropped(n, t=[f"v{i}" for i in range(n)])[0][1].startswith("an id")
    assert not dropped(n - 1, r=[float(i) for i in range(n - 1)])
    assert dropped(n, r=[float(i) for i in range(n)])[0][1].startswith("an id")
    half = [f"v{i % (n // 2)}" for i in range(n)]  # 10 levels in 20 rows: categories
    assert not dropped(n, t=half)
    more = [f"v{i % (n // 2 + 1)}" for i in range(n)]  # 11 levels in 20 rows: free text
    assert "11 distinct text values in 20 rows" in dropped(n, t=more)[0][1]
    assert MAX_LEVELS == 100  # as docs/own-data.md says: more than 100 values are free text
    m = 400  # many rows, so that only the count of levels decides
    assert not dropped(m, t=[f"v{i % 100}" for i in range(m)])
    too_many = dropped(m, t=[f"v{i % 101}" for i in range(m)])
    assert too_many[0][1].startswith("101 distinct text values")
    kept = [f"v{i}" for i in range(MAX_KEPT_LEVELS)]
    assert len(Plan.fit(table_of(t=kept), keep=["t"]).columns[0].levels) == MAX_KEPT_LEVELS
    with pytest.raises(gn.GlassnetError, match=f"{MAX_KEPT_LEVELS + 1} distinct values, too"):
        Plan.fit(table_of(t=[*kept, "one more"]), keep=["t"])


def test_stray_texts_and_other_dates_at_their_thresholds():
    numbers = [str(i) for i in range(9)]
    with pytest.raises(gn.GlassnetError, match="holds numbers"):  # 1 text in 10: refused
        Plan.fit(table_of(x=[*numbers, "?"]))
    two = Plan.fit(table_of(x=[*numbers[:8], "?", "!"]))  # 2 in 10: categories
    assert two.columns[0].kind == "category"
    dates = [f"{1 + i}/02/2021" for i in range(9)]
    with pytest.raises(gn.GlassnetError, match="holds dates written as"):  # 9 in 10
        Plan.fit(table_of(w=[*dates, "soon"]))
    assert Plan.fit(table_of(w=[*dates[:8], "soon", "later"])).columns[0].kind == "category"


def test_one_value_with_gaps_is_kept_for_its_flag_and_constants_say_their_value():
    plan = Plan.fit(table_of(x=[7.0, None, None]))
    assert plan.feature_names == ["x", "x (missing)"] and plan.columns[0].fill == [7.0]
    assert dict(Plan.fit(table_of(x=[5.0, 5.0], y=[1.0, 2.0])).dropped) == {
        "x": "constant (every value is 5)"
    }
    assert Plan.fit(table_of(x=[5.0, None], y=[1.0, 2.0]), scaling="standard").columns[
        0
    ].scale == [1.0]
    days = ["2024-05-01"] * 3
    assert dict(Plan.fit(table_of(d=days, y=[1.0, 2.0, 3.0])).dropped) == {
        "d": "constant (every date is the same)"
    }
    flagged = Plan.fit(table_of(d=[*days, None], y=[1.0, 2.0, 3.0, 4.0]))
    assert flagged.columns[0].kind == "date" and flagged.columns[0].indicator
    X, _ = flagged.transform(table_of(d=[np.nan, np.nan], y=[1.0, 2.0]))  # a column of NaN
    assert X[:, 4].tolist() == [1.0, 1.0]  # missing dates, flagged


def test_what_info_says_of_each_kind_of_column():
    many = Plan.fit(table_of(c=[f"l{i:02d}" for i in range(13)] * 2, n=[1.0, None] * 13))
    assert many.columns[0].describe() == (
        "category, one-hot over 13 levels: " + ", ".join(f"l{i:02d}" for i in range(12)) + " ..."
    )
    assert many.columns[1].describe() == (
        "number, missing values filled with 1 and flagged in a 0/1 column"
    )
    twelve = Plan.fit(table_of(c=[f"l{i:02d}" for i in range(12)] * 2 + [None]))
    assert twelve.columns[0].describe() == (
        "category, one-hot over 12 levels + (missing): " + ", ".join(f"l{i:02d}" for i in range(12))
    )
    dates = Plan.fit(table_of(d=["2024-01-01", "2024-03-01", "2024-03-05"]))
    assert dates.columns[0].describe() == (
        "date (year, month, day, weekday), no missing value in training (one would be filled "
        "with 2024, 3, 1, 1)"
    )


def test_the_report_lists_ten_extra_columns_then_says_there_are_more():
    from glassnet.tables import Report

    ten = Report(extra=[f"e{i}" for i in range(10)]).lines()
    assert ten == ["ignored 10 column(s) the model does not use: " + ", ".join(
        f"e{i}" for i in range(10))]  # fmt: skip
    eleven = Report(extra=[f"e{i}" for i in range(11)]).lines()
    assert eleven[0].endswith(", e9 ...") and eleven[0].startswith("ignored 11 column(s)")


def test_a_strict_refusal_lists_the_first_twenty_levels():
    levels = [f"l{i:02d}" for i in range(25)]
    plan = Plan.fit(table_of(c=levels * 2))
    with pytest.raises(gn.GlassnetError) as error:
        plan.transform(table_of(c=["new"]), strict=True)
    assert "l19);" in str(error.value) and "l20" not in str(error.value)
