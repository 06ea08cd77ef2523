"""Reading DATA for the glassnet command: every format, the label rules, and every user error."""

import re
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets, readers
from glassnet.readers import tabular
from glassnet.tables import Plan


def numbers(data) -> np.ndarray:
    """A table of number columns read from a CSV, side by side."""
    return np.column_stack(data.table.columns)


def write_csv(path, header, rows):
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_images(folder, rng, classes=("cat", "dog"), per_class=3, sizes=((20, 12), (9, 9))):
    Image = pytest.importorskip("PIL.Image", reason="image folders need Pillow")
    for c, name in enumerate(classes):
        (folder / name).mkdir(parents=True)
        for i in range(per_class):
            width, height = sizes[i % len(sizes)]
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            pixels[..., c] = 255  # each class has its own saturated channel
            Image.fromarray(pixels).save(folder / name / f"{i}.png")
    return folder


def write_cat_h5(path, rng, m, set_name, size=4):
    h5py = pytest.importorskip("h5py", reason="HDF5 files need h5py")
    images = rng.integers(0, 256, (m, size, size, 3), dtype=np.uint8)
    labels = np.arange(m) % 2
    with h5py.File(path, "w") as f:
        f.create_dataset(f"{set_name}_set_x", data=images)
        f.create_dataset(f"{set_name}_set_y", data=labels)
        f.create_dataset("list_classes", data=np.array([b"non-cat", b"cat"]))
    return images, labels


# ---- formats ------------------------------------------------------------------------------


def test_csv_numeric_labels_default_target_is_the_last_column(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "b", "y"], [[1, 2.5, 0], [3, 4, 1], [5, -6, 1]])
    data = readers.read(path)
    assert data.X is None and data.table.names == ["a", "b"]  # raw columns, for a plan
    assert np.array_equal(numbers(data), [[1, 2.5], [3, 4], [5, -6]])
    assert data.classes.tolist() == [0, 1] and data.y.tolist() == [0, 1, 1]
    assert data.feature_names == ["a", "b"] and data.target == "y"


def test_csv_string_labels_sorted_and_positive_reorders(tmp_path):
    rows = [["yes", 1, 2], ["no", 3, 4], ["no", 5, 6]]
    path = write_csv(tmp_path / "d.csv", ["label", "a", "b"], rows)
    data = readers.read(path, target="label")
    assert data.classes.tolist() == ["no", "yes"] and data.y.tolist() == [1, 0, 0]
    assert data.feature_names == ["a", "b"]
    flipped = readers.read(path, target="label", positive="no")
    assert flipped.classes.tolist() == ["yes", "no"] and flipped.y.tolist() == [0, 1, 1]


def test_csv_more_than_two_labels_one_against_the_rest(tmp_path):
    rows = [[1, "a"], [2, "b"], [3, "c"], [4, "b"]]
    data = readers.read(write_csv(tmp_path / "d.csv", ["x", "y"], rows), positive="b")
    assert data.classes.tolist() == ["not b", "b"] and data.y.tolist() == [0, 1, 0, 1]
    assert data.positive == "b"


def test_csv_more_than_two_labels_are_classes_sorted(tmp_path):
    rows = [[1, "pear"], [2, "apple"], [3, "fig"], [4, "apple"], [5, "pear"]]
    data = readers.read(write_csv(tmp_path / "d.csv", ["x", "y"], rows))
    assert data.classes.tolist() == ["apple", "fig", "pear"] and data.positive is None
    assert data.y.tolist() == [2, 0, 1, 0, 2] and data.task == "classification"
    assert data.describe().endswith("apple 2, fig 1, pear 2")
    # a model's classes fix the order, whatever order the new data has
    again = readers.read(tmp_path / "d.csv", classes=np.array(["pear", "fig", "apple"]))
    assert again.y.tolist() == [0, 2, 1, 2, 0]


def test_too_many_classes_suggest_regression(tmp_path):
    rows = [[i, i + 0.5] for i in range(readers.MAX_CLASSES + 1)]
    path = write_csv(tmp_path / "d.csv", ["x", "y"], rows)
    with pytest.raises(gn.GlassnetError, match="1001 distinct labels .* use --task regression"):
        readers.read(path)
    assert len(readers.read(path, task="regression").y) == 1001


def test_regression_target_is_the_numbers_themselves(tmp_path):
    rows = [[1, 2, 3.5], [2, 0, -1], [3, 1, 7]]
    data = readers.read(write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows), task="regression")
    assert data.task == "regression" and data.classes is None
    assert data.y.dtype == np.float64 and data.y.tolist() == [3.5, -1.0, 7.0]
    assert "target in [-1, 7], mean 3.167" in data.describe()


@pytest.mark.parametrize(
    "rows, kwargs, fragment",
    [
        (
            [[1, "1.5"], [2, "tall"]],
            {"task": "regression"},
            r"target column of .*d.csv is not numeric \('tall' at line 3 of",
        ),
        ([[1, 1.5], [2, 3]], {"task": "regression", "positive": "3"}, "--positive .* regression"),
        ([[1, 1.5], [2, 3]], {"task": "ranking"}, "unknown task 'ranking'; choose one of"),
    ],
)
def test_regression_errors(tmp_path, rows, kwargs, fragment):
    path = write_csv(tmp_path / "d.csv", ["x", "y"], rows)
    with pytest.raises(gn.GlassnetError, match=fragment):
        readers.read(path, **kwargs)


def test_csv_without_label_column_for_prediction(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "b"], [[1, 2], [3, 4]])
    data = readers.read(path, n_features=2, labels=False, classes=np.array(["n", "y"]))
    assert data.y is None and numbers(data).shape == (2, 2)


def test_npz_with_a_test_set(tmp_path, rng):
    X, X_test = rng.standard_normal((10, 3)), rng.standard_normal((4, 3))
    y, y_test = np.arange(10) % 2, np.array([1, 0, 1, 1])
    np.savez(tmp_path / "d.npz", X=X, y=y, X_test=X_test, y_test=y_test)
    data = readers.read(tmp_path / "d.npz")
    assert np.array_equal(data.X, X) and data.y.tolist() == y.tolist()
    assert np.array_equal(data.X_test, X_test) and data.y_test.tolist() == [1, 0, 1, 1]


def test_npz_uint8_images_are_flattened_and_scaled(tmp_path, rng):
    images = rng.integers(0, 256, (6, 4, 4, 3), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", X=images, y=np.arange(6) % 2)
    data = readers.read(tmp_path / "d.npz")
    assert data.X.shape == (6, 48) and data.images_shape == (4, 4, 3)
    assert np.isclose(data.X[2, 5], images[2].reshape(-1)[5] / 255)


def test_hdf5_cat_layout_with_its_test_twin(tmp_path, rng):
    train_images, train_labels = write_cat_h5(tmp_path / "train_cats.h5", rng, 8, "train")
    test_images, test_labels = write_cat_h5(tmp_path / "test_cats.h5", rng, 6, "test")
    data = readers.read(tmp_path / "train_cats.h5")
    assert data.classes.tolist() == ["non-cat", "cat"]  # list_classes order, not sorted
    assert data.y.tolist() == train_labels.tolist()
    assert data.X.shape == (8, 48) and data.X.min() >= 0 and data.X.max() <= 1
    assert np.isclose(data.X[3, 7], train_images[3].reshape(-1)[7] / 255)
    assert np.isclose(data.X_test[1, 2], test_images[1].reshape(-1)[2] / 255)
    assert data.y_test.tolist() == test_labels.tolist()
    assert data.test_source == str(tmp_path / "test_cats.h5")
    alone = readers.read(tmp_path / "test_cats.h5", classes=data.classes)
    assert np.array_equal(alone.X, data.X_test) and alone.X_test is None


def test_image_folder_one_subfolder_per_class(tmp_path, rng):
    folder = write_images(tmp_path / "pets", rng)
    data = readers.read(folder, image_size=(6, 5))
    assert data.X.shape == (6, 6 * 5 * 3) and data.images_shape == (6, 5, 3)
    assert data.classes.tolist() == ["cat", "dog"] and data.y.tolist() == [0, 0, 0, 1, 1, 1]
    pixels = data.X.reshape(6, 6, 5, 3)
    assert np.all(pixels[:3, ..., 0] == 1.0) and np.all(pixels[3:, ..., 1] == 1.0)
    assert data.sample_names[0] == "cat/0.png"


def test_folder_of_images_alone_is_unlabelled(tmp_path, rng):
    folder = write_images(tmp_path / "pets", rng)
    for image in (folder / "cat").iterdir():
        image.rename(folder / image.name)
    (folder / "cat").rmdir()
    (folder / "dog").rename(tmp_path / "elsewhere")
    data = readers.read(folder, labels=False, image_size=(4, 4))
    assert data.y is None and data.X.shape == (3, 48)
    with pytest.raises(gn.GlassnetError, match="has no labels"):
        readers.read(folder)


def test_builtin_cats_uses_the_drawn_cats_and_their_test_set(monkeypatch, rng):
    calls = []

    def tiny_cats(n_train=1000, n_test=400, seed=0):
        calls.append(seed)
        images = rng.integers(0, 256, (6, 2, 2, 3), dtype=np.uint8)
        return images[:4], np.array([0, 1, 1, 0]), images[4:], np.array([1, 0])

    monkeypatch.setattr(datasets, "cats", tiny_cats)
    data = readers.read("builtin:cats", seed=5)
    assert calls == [5]
    assert data.classes.tolist() == list(datasets.CAT_CLASSES) == ["non-cat", "cat"]
    assert data.y.tolist() == [0, 1, 1, 0] and data.y_test.tolist() == [1, 0]
    assert data.X.shape == (4, 12) and data.images_shape == (2, 2, 3)


def test_builtin_two_d_sets():
    X, y = datasets.two_moons(seed=3)
    data = readers.read("builtin:two_moons", seed=3)
    assert np.array_equal(data.X, X) and data.y.tolist() == y.tolist()


def test_sklearn_sets():
    pytest.importorskip("sklearn", reason="the sklearn: sets need scikit-learn")
    from sklearn.datasets import load_digits

    cancer = readers.read("sklearn:breast_cancer")
    assert cancer.X.shape == (569, 30) and cancer.classes.tolist() == ["malignant", "benign"]
    digits = readers.read("sklearn:digits")
    assert digits.classes.tolist() == list(range(10)) and digits.positive is None
    assert digits.y.tolist() == load_digits().target.tolist()
    assert digits.X.shape == (1797, 64) and digits.images_shape == (8, 8, 1)
    eights = readers.read("sklearn:digits", positive="8")  # one against the rest, as before
    assert eights.classes.tolist() == ["not 8", "8"] and eights.positive == "8"
    assert eights.y.tolist() == (load_digits().target == 8).astype(int).tolist()
    threes = readers.read("sklearn:digits", positive="3")
    assert threes.y.sum() == np.sum(load_digits().target == 3)


def test_sklearn_diabetes_is_a_regression_set():
    pytest.importorskip("sklearn", reason="the sklearn: sets need scikit-learn")
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    data = readers.read("sklearn:diabetes", task="regression")
    assert np.array_equal(data.X, bunch.data) and np.array_equal(data.y, bunch.target)
    assert data.classes is None and data.feature_names[:3] == ["age", "sex", "bmi"]
    with pytest.raises(gn.GlassnetError, match="regression data set; use --task regression"):
        readers.read("sklearn:diabetes")


def test_model_classes_fix_the_order_and_allow_a_single_class(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["a", "y"], [[1, "cat"], [2, "cat"]])
    data = readers.read(path, classes=np.array(["non-cat", "cat"]))
    assert data.y.tolist() == [1, 1]


# ---- user errors: one message that names the problem and the fix --------------------------


CSV_ERRORS = [
    ("a,b,y\n1,2,0\n2,3,0\n", "\\(column 'y'\\) has a single class \\(0\\)"),
    ("a,b,y\n1,2,0\n2,3\n", "line 3 has 2 fields but the header has 3"),
    ("\na,b,y\n1,2,0\n2,3,4,5\n", "line 4 has 4 fields but the header has 3"),
    ("a,b,y\n1,2,\n2,3,NA\n", "the target column 'y' of .* has no value in any row"),
    ("a,a,y\n1,2,0\n", "two columns named 'a'"),
    ("", "is empty"),
    ("a,b,y\n", "a header \\(line 1\\) but no data rows"),
    ("\n\na,b,y\n", "a header \\(line 3\\) but no data rows"),
    ("y\n1\n0\n", "no feature columns besides the label column 'y'"),
    ('a,b,y\n1,2,0\n2,"3,1\n', "line 3, column 2 opens a quoted field"),
    ('a,b\n1,2,3\n4,"5\n', "line 2 has 3 fields but the header has 2"),  # the first problem
    ('a,b,y\n1,2,0\n2,"3"" in",1\n4,5,"0\n', "line 4, column 3 opens a quoted field"),
    ("a,b,y\n1,2\x00,0\n", "line 2, column 2 holds a NUL byte"),
    ("a,b,y\n1,2\r3,0\n4,5,1\n", "line break \\(carriage return\\) inside an unquoted"),
]


def test_leading_blank_lines_are_skipped_and_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\n\r\n\na,b,y\n1,2,0\n3,4,1\n")
    data = readers.read(path)
    assert numbers(data).tolist() == [[1, 2], [3, 4]] and data.y.tolist() == [0, 1]
    path.write_text("\n\na,b,y\n1,,0\n3,4,1\n\n5,6,\n7,8,0\n")  # a blank line keeps its number
    data = readers.read(path)
    assert data.notes == ["dropped 1 row(s) without a target value (line(s) 7)"]
    assert [data.table.place(i) for i in range(3)] == [f"line {n} of {path}" for n in (4, 5, 8)]


@pytest.mark.parametrize(
    "text, opened",
    [
        ('"a', 0),  # a field at the very start
        ('""', None),  # an empty quoted field
        ('"""', 0),  # an escaped quote inside, never closed
        ('"a""', 0),
        ('"a"""', None),  # an escaped quote, then the closing one
        ('"a""b', 0),  # an escaped quote in the middle
        ('a,"b""c",d\n1,"x', 13),
        ('5",3\n', None),  # a quote inside an unquoted field is text
        ('a,"b"x,"c', 7),  # after a closed field, the next field opens again
        ('a\n"b', 2),
        ('a\r"b', 2),
        ('a;"b', 2),  # the delimiter starts a field
        ('a,"b', None),  # ...but the comma is not the delimiter here
    ],
)
def test_the_quote_that_opens_a_field_never_closed(text, opened):
    delimiter = ";" if text in ('a;"b', 'a,"b') else ","
    assert tabular.unclosed_quote(text, delimiter) == opened


# equivalent: readers:633:30 0 -> 1 -- rfind from 1 misses only a line break at index 0, and
# counting delimiters from 0 instead of 1 then adds nothing: text[0] is that line break


def test_the_place_of_a_character_is_its_line_and_field():
    text = "a,b\nc,d,e\nf"
    assert tabular.place(text, 0, ",") == (1, 1)
    assert tabular.place(text, 2, ",") == (1, 2)
    assert tabular.place(text, text.index("e"), ",") == (2, 3)
    assert tabular.place(text, text.index("f"), ",") == (3, 1)
    assert tabular.place(text, text.index("c"), ";") == (2, 1)


@pytest.mark.parametrize("text, fragment", CSV_ERRORS)
def test_csv_errors(tmp_path, text, fragment):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(gn.GlassnetError, match=fragment):
        readers.read(path)


def test_binary_file_as_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01")
    with pytest.raises(gn.GlassnetError, match="not UTF-8 text"):
        readers.read(path)


def test_missing_unknown_and_mismatched_sources(tmp_path, rng):
    cases = [
        (lambda: readers.read(tmp_path / "nope.csv"), "nope.csv does not exist; check the path"),
        (lambda: readers.read("builtin:dogs"), "unknown data set 'builtin:dogs'; choose one of"),
        (lambda: readers.read("sklearn:iris"), "unknown data set 'sklearn:iris'"),
    ]
    odd = tmp_path / "d.dat"
    odd.write_text("1,2\n")
    cases.append((lambda: readers.read(odd), "cannot tell the format"))
    np.savez(tmp_path / "d.npz", features=np.zeros((2, 2)))
    cases.append((lambda: readers.read(tmp_path / "d.npz"), "no array 'X' \\(it has: features\\)"))
    cases.append((lambda: readers.read(tmp_path / "d.npz", target="y"), "applies to tables"))
    np.savez(tmp_path / "o.npz", X=np.array([{"a": 1}, None], dtype=object), y=[0, 1])
    cases.append((lambda: readers.read(tmp_path / "o.npz"), "never pickled objects"))
    csv = write_csv(tmp_path / "d.csv", ["a", "y"], [[1, 0], [2, 1]])
    cases.append((lambda: readers.read(csv, target="label"), "has no column 'label'"))
    cases.append(
        (
            lambda: readers.read(csv, classes=np.array(["no", "yes"])),
            "label 0, which is not one of the model's classes \\('no', 'yes'\\)",
        )
    )
    cases.append((lambda: readers.read(csv, positive="7"), "--positive '7' is not a label"))
    for call, fragment in cases:
        with pytest.raises(gn.GlassnetError, match=fragment):
            call()


def test_image_folder_errors(tmp_path, rng):
    folder = write_images(tmp_path / "pets", rng, classes=("a", "b", "c"), per_class=1)
    assert readers.read(folder, image_size=(4, 4)).classes.tolist() == ["a", "b", "c"]
    with pytest.raises(
        gn.GlassnetError, match="target of .*pets is not numeric \\('a' at sample 0"
    ):
        readers.read(folder, image_size=(4, 4), task="regression")
    (folder / "c" / "0.png").write_bytes(b"not a png")
    with pytest.raises(gn.GlassnetError, match="cannot read the image .*0.png"):
        readers.read(folder, positive="a")
    (folder / "c" / "0.png").unlink()
    with pytest.raises(gn.GlassnetError, match="class folder .*c has no images"):
        readers.read(folder)


def test_hdf5_without_the_cat_layout(tmp_path):
    h5py = pytest.importorskip("h5py", reason="HDF5 files need h5py")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("data", data=np.zeros(3))
    with pytest.raises(gn.GlassnetError, match="classic cat layout"):
        readers.read(tmp_path / "other.h5")


@pytest.mark.parametrize(
    "module, source", [("h5py", "d.h5"), ("PIL", "folder"), ("sklearn", "sklearn:digits")]
)
def test_missing_optional_dependency_names_the_extra(tmp_path, monkeypatch, module, source):
    (tmp_path / "d.h5").write_bytes(b"\x89HDF")
    (tmp_path / "folder").mkdir()
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    target = source if ":" in source else tmp_path / source
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[data\]"'):
        readers.read(target)


# ---- task inference (issue 16) --------------------------------------------------------------


def test_task_inference_decimal_target_is_regression_text_labels_classes(tmp_path):
    rng = np.random.default_rng(0)
    rows = [[i, f"{v:.3f}"] for i, v in enumerate(rng.normal(100, 20, 60))]
    data = readers.read(write_csv(tmp_path / "r.csv", ["a", "y"], rows), task="auto")
    assert data.task == "regression" and "60 distinct decimal numbers" in data.task_reason
    rows = [[i, ["cat", "dog"][i % 2]] for i in range(40)]
    data = readers.read(write_csv(tmp_path / "c.csv", ["a", "y"], rows), task="auto")
    assert data.task == "classification" and data.classes.tolist() == ["cat", "dog"]
    assert "2 text labels" in data.task_reason
    rows = [[i, i % 3] for i in range(30)]
    data = readers.read(write_csv(tmp_path / "k.csv", ["a", "y"], rows), task="auto")
    assert data.task == "classification" and "3 whole-number labels" in data.task_reason
    # whole numbers written as decimals (pandas writes 0/1 labels with a NaN as 0.0/1.0)
    rows = [[i, f"{i % 2}.0"] for i in range(30)]
    assert (
        readers.read(write_csv(tmp_path / "f.csv", ["a", "y"], rows), task="auto").classes.size == 2
    )


def test_task_inference_refuses_the_ambiguous_cases_naming_task(tmp_path):
    # the diabetes progression written as integers: 214 classes of 442 rows is not a classifier
    rows = [[i, 25 + i // 2] for i in range(442)]
    path = write_csv(tmp_path / "counts.csv", ["a", "y"], rows)
    with pytest.raises(gn.GlassnetError, match=r"221 distinct whole numbers in 442 rows.*--task"):
        readers.read(path, task="auto")
    with pytest.raises(
        gn.GlassnetError,
        match="quantity rather than classes; for a continuous target use --task regression",
    ):
        readers.read(path, task="classification")
    assert readers.read(path, task="regression").y[-1] == 25 + 441 // 2
    rows = [[i, [0.5, 1.5, 2.5][i % 3]] for i in range(30)]
    with pytest.raises(gn.GlassnetError, match="only 3 distinct decimal numbers.*--task"):
        readers.read(write_csv(tmp_path / "d.csv", ["a", "y"], rows), task="auto")
    rows = [[i, f"id{i}"] for i in range(50)]
    with pytest.raises(gn.GlassnetError, match="50 distinct text values in 50 rows.*--target"):
        readers.read(write_csv(tmp_path / "t.csv", ["a", "y"], rows), task="auto")
    assert readers.read("sklearn:diabetes", task="auto").task == "regression"


# ---- CSV files as people have them ----------------------------------------------------------


def iris_frame():
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    frame["target"] = pd.Categorical.from_codes(
        frame["target"], ["setosa", "versicolor", "virginica"]
    )
    return frame


def test_csv_shapes_pandas_index_no_header_semicolon_tab(tmp_path):
    frame = iris_frame()
    expected = frame.drop(columns="target").to_numpy()
    shapes = {
        "index.csv": (dict(), ["dropped a leading unnamed index column"]),
        "plain.csv": (dict(index=False), []),
        "noheader.csv": (dict(index=False, header=False), ["no header row"]),
        "semicolon.csv": (dict(index=False, sep=";"), ["delimiter semicolon"]),
        "tab.txt": (dict(index=False, sep="\t"), ["delimiter tab"]),
        "latin1.csv": (dict(index=False, encoding="latin-1"), []),
    }
    for name, (options, notes) in shapes.items():
        path = tmp_path / name
        frame.to_csv(path, **options)
        data = readers.read(path, task="auto")
        assert data.task == "classification", name
        np.testing.assert_allclose(numbers(data), expected, err_msg=name)
        assert data.classes.tolist() == ["setosa", "versicolor", "virginica"], name
        for note in notes:
            assert any(note in n for n in data.notes), (name, data.notes)
        assert data.table.names == (
            [f"column {j}" for j in range(1, 5)] if "noheader" in name else list(frame.columns[:4])
        )


def test_csv_target_by_name_or_number_and_text_features_one_hot(tmp_path):
    rows = [["red", 1.0, "a", 7], ["blue", 2.0, "b", 8], ["red", 3.0, "a", 9], ["green", 4, "b", 1]]
    path = write_csv(tmp_path / "m.csv", ["color", "size", "label", "n"], rows)
    by_name = readers.read(path, target="label")
    by_number = readers.read(path, target="3")
    last = readers.read(path, target="-2")
    for data in (by_name, by_number, last):
        assert data.target == "label" and data.classes.tolist() == ["a", "b"]
        assert data.feature_names == ["color", "size", "n"] == data.table.names
        assert data.table.column("color").tolist() == ["red", "blue", "red", "green"]
        assert data.table.column("size").tolist() == [1.0, 2.0, 3.0, 4.0]
    # a model's columns, by name and in any order; others are ignored, and said
    new = write_csv(tmp_path / "new.csv", ["n", "size", "color", "id"], [[5, 2.5, "green", 9]])
    again = readers.read(new, labels=False, columns=["color", "size", "n"])
    assert again.table.names == ["color", "size", "n"]
    assert again.table.column("color").tolist() == ["green"]
    assert again.notes == ["ignored the column(s) the model does not use: id"]
    with pytest.raises(gn.GlassnetError, match="no column 'weight', an input of the model"):
        readers.read(new, labels=False, columns=["color", "weight"])
    with pytest.raises(gn.GlassnetError, match="no column 'nine'.*column number, 1 to 4"):
        readers.read(path, target="nine")


def test_fingerprint_counts_the_rows_seen_again():
    X = np.arange(12.0).reshape(6, 2)
    hashes = readers.fingerprint(X[:4])
    assert len(hashes) == 4 and readers.seen_rows(X, hashes) == 4
    assert readers.seen_rows(X[4:], hashes) == 0 and readers.seen_rows(X, None) == 0


# ---- the reader fuzzed like the model loader ------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from byte_edits import edit  # noqa: E402

CSV_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID_CSV = (
    b",a,b,color,label\n0,1.5,2,red,yes\n1,2.5,3,blue,no\n2,0.5,1,red,yes\n3,4.5,0,blue,no\n"
)


def read_bytes(tmp_path, data: bytes, name="case.csv"):
    """Read ``data`` as a CSV: a valid Dataset, or a GlassnetError that names the file and
    where in it (a line, a column, or that it is empty); never anything else."""
    path = tmp_path / name
    path.write_bytes(data)
    for task in ("auto", "classification", "regression"):
        try:
            dataset = readers.read(path, task=task)
        except gn.GlassnetError as e:
            assert str(path) in str(e), str(e)
            assert re.search(r"line \d+|column |is empty", str(e)), str(e)
            continue
        assert len(dataset.y) == dataset.n_samples and dataset.task in readers.TASKS
        try:  # the columns become a plan's inputs, or a GlassnetError says why not
            X, _ = Plan.fit(dataset.table).transform(dataset.table)
        except gn.GlassnetError:
            X = np.zeros((dataset.n_samples, 1))
        assert X.shape[0] == dataset.n_samples and np.isfinite(X).all()
        if dataset.task == "classification":
            assert dataset.y.min() >= 0 and dataset.y.max() < len(dataset.classes)


csv_bytes = st.sampled_from([b",", b";", b"\t", b"\n", b'"', b"x", b"1", b".", b"\xe9", b"\xc3"])


@CSV_FUZZ
@given(data=st.binary(max_size=512))
def test_random_bytes_read_or_raise_glassnet_error(tmp_path, data):
    read_bytes(tmp_path, data)


@CSV_FUZZ
@given(
    operations=st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "insert", "delete", "truncate"]),
            st.integers(0, 2**16),
            st.one_of(csv_bytes, st.binary(min_size=1, max_size=4)),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_random_edits_of_a_valid_csv_read_or_raise_glassnet_error(tmp_path, operations):
    read_bytes(tmp_path, edit(VALID_CSV, operations))


@CSV_FUZZ
@given(
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]),
    words=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4),
)
def test_mixed_encodings_read_or_raise_glassnet_error(tmp_path, encoding, words):
    text = VALID_CSV.decode().replace("red", words[0]).replace("yes", words[-1])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    half = len(data) // 2
    mixed = data[:half] + text.encode("latin-1", "replace")[half:]
    read_bytes(tmp_path, data)
    read_bytes(tmp_path, mixed, "mixed.csv")


# ---- Parquet and Excel: pandas reads them, the same table comes out ---------------------------


@pytest.mark.parametrize("suffix, package", [(".parquet", "pyarrow"), (".xlsx", "openpyxl")])
def test_parquet_and_excel_read_as_the_csv_does(tmp_path, suffix, package):
    pd = pytest.importorskip("pandas")
    pytest.importorskip(package, reason=f"{suffix} files need {package}")
    frame = pd.DataFrame(
        {"size": [1.5, None, 3.0, 4.0], "colour": ["red", None, "blue", "red"],
         "label": ["a", "b", None, "a"]}
    )  # fmt: skip
    path = tmp_path / f"d{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_excel(path, index=False)
    frame.to_csv(tmp_path / "d.csv", index=False)
    data, csv_data = readers.read(path), readers.read(tmp_path / "d.csv")
    assert data.notes[-1].startswith("dropped 1 row(s) without a target value")
    assert data.classes.tolist() == ["a", "b"] == csv_data.classes.tolist()
    assert data.y.tolist() == [0, 1, 0] == csv_data.y.tolist()
    assert data.table.names == ["size", "colour"] == csv_data.table.names
    np.testing.assert_array_equal(data.table.column("size"), csv_data.table.column("size"))
    assert data.table.column("size").tolist()[0] == 1.5
    assert data.table.column("colour").tolist() == ["red", None, "red"]
    assert csv_data.table.column("colour").tolist() == ["red", None, "red"]
    assert data.table.place(2) == f"row 4 of {path}"
    with pytest.raises(gn.GlassnetError, match="has no column 'weight'"):
        readers.read(path, target="weight")


def test_a_file_that_is_not_parquet_names_itself(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(gn.GlassnetError, match=f"cannot read {re.escape(str(path))}"):
        readers.read(path)
