import io
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets, plots

pytest.importorskip("matplotlib", reason="plots draw with matplotlib (the demo extra)")
from matplotlib.image import imread  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history(validation=True):
    X, y = datasets.two_moons(m=80, seed=0)
    net = gn.Network([2, 8, 1], seed=0)
    data = (X, y) if validation else None
    return gn.train(net, X, y, gn.Momentum(lr=0.1), epochs=6, batch_size=16, validation_data=data)


def _read_png(path):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    return imread(path)


def test_cost_curve_writes_a_png_that_shows_the_costs(tmp_path):
    history = _history()
    path = plots.cost_curve(history, tmp_path / "cost.png", title="moons")
    assert path == tmp_path / "cost.png"
    image = _read_png(path)
    assert image.shape[:2] == (400, 640)  # 6.4 x 4.0 inches at 100 dpi
    assert image[..., :3].std() > 0.05  # not blank
    # the validation curves add pixels of their own colours: the picture changes without them
    without = _read_png(plots.cost_curve(_history(validation=False), tmp_path / "plain.png"))
    assert not np.array_equal(image, without)
    log = _read_png(plots.cost_curve(history, tmp_path / "log.png", log_scale=True))
    assert not np.array_equal(image, log)
    # a run continued with validation data after epochs without it
    mixed = _history(validation=False)
    mixed.epoch_costs += history.epoch_costs
    mixed.costs += history.costs
    mixed.val_costs, mixed.val_accuracies = history.val_costs, history.val_accuracies
    assert _read_png(plots.cost_curve(mixed, tmp_path / "mixed.png")).std() > 0.05
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cost.png", "log.png", "mixed.png", "plain.png"]


def test_cost_curve_refuses_what_it_cannot_plot(tmp_path):
    with pytest.raises(gn.GlassnetError, match="no epochs yet"):
        plots.cost_curve(gn.History(), tmp_path / "cost.png")
    with pytest.raises(gn.GlassnetError, match="needs the History"):
        plots.cost_curve([0.5, 0.4], tmp_path / "cost.png")
    with pytest.raises(gn.GlassnetError, match=r"should end in \.png"):
        plots.cost_curve(_history(), tmp_path / "cost.jpg")
    assert list(tmp_path.iterdir()) == []


def test_image_grid_places_every_image_pixel_exactly_and_frames_the_wrong_ones(tmp_path):
    X, y, _, _ = datasets.cats(n_train=6, n_test=2, seed=0)
    predicted = y.copy()
    predicted[[1, 4]] = 1 - y[[1, 4]]  # two wrong predictions
    probability = np.where(predicted == 1, 0.9, 0.2)
    path = plots.image_grid(X, y, predicted, probability, tmp_path / "grid.png", columns=4)
    image = _read_png(path)
    pad, caption, top, tile = 12, 30, 4, 128  # the documented layout, 64 px images scaled x2
    assert image.shape[:2] == (top + 2 * (caption + tile) + pad, 4 * (tile + pad) + pad)
    for k in range(6):
        row, column = divmod(k, 4)
        left, upper = pad + column * (tile + pad), top + row * (caption + tile) + caption
        drawn = np.round(image[upper : upper + tile, left : left + tile, :3] * 255).astype(int)
        expected = X[k].repeat(2, axis=0).repeat(2, axis=1).astype(int)
        inside = slice(4, -4)
        np.testing.assert_array_equal(drawn[inside, inside], expected[inside, inside])
        border = np.concatenate([drawn[0], drawn[-1], drawn[:, 0], drawn[:, -1]])
        is_red = np.all(border == (198, 40, 40), axis=1)
        assert is_red.all() if k in (1, 4) else not is_red.all()


def test_image_grid_of_grey_images_and_titles(tmp_path):
    grey = (np.arange(3 * 20 * 30) % 251).astype(np.uint8).reshape(3, 20, 30)
    labels = np.array([0, 1, 1])
    path = plots.image_grid(
        grey,
        labels,
        labels,
        [0.1, 0.8, 0.6],
        tmp_path / "g.png",
        columns=2,
        class_names=("dog", "cat"),
        title="pets",
        scale=3,
    )
    image = _read_png(path)
    assert image.shape[:2] == (30 + 2 * (30 + 60) + 12, 2 * (90 + 12) + 12)
    drawn = np.round(image[30 + 30 : 30 + 30 + 60, 12 : 12 + 90, 0] * 255).astype(int)
    np.testing.assert_array_equal(drawn, grey[0].repeat(3, axis=0).repeat(3, axis=1))


def test_image_grid_refuses_bad_input(tmp_path):
    X = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    y = np.array([0, 1])
    cases = [
        ((X.astype(np.float32), y, y, [0.2, 0.7]), "non-empty uint8 array"),
        ((X, [0, 1, 1], y, [0.2, 0.7]), "labels_true must have one label per image"),
        ((X, y, [0, 2], [0.2, 0.7]), r"labels_pred must be class indices 0 \.\. 1"),
        ((X, y, y, [0.2, 1.7]), r"probabilities must be 2 numbers in \[0, 1\]"),
    ]
    for arguments, message in cases:
        with pytest.raises(gn.GlassnetError, match=message):
            plots.image_grid(*arguments, tmp_path / "grid.png")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_picture(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = plots.cost_curve(_history(), tmp_path / "cost.png")
    before = path.read_bytes()

    def broken_savefig(self, f, **kwargs):
        f.write(PNG_SIGNATURE + b"half a picture")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plots.cost_curve(_history(), tmp_path / "cost.png")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["cost.png"]  # no temporary file left


def test_missing_matplotlib_names_the_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[demo\]"'):
        plots.cost_curve(_history(), tmp_path / "cost.png")


def test_without_a_path_every_plot_returns_a_figure_that_shows_as_png(tmp_path):
    history = _history()
    X, y, _, _ = datasets.cats(n_train=4, n_test=2, seed=0)
    figures = [
        plots.cost_curve(history),
        plots.image_grid(X, y, y, np.full(4, 0.7)),
        plots.training_view(history, np.ones((6, 2))),
    ]
    for figure, size in zip(figures, [(640, 400), (4 * 140 + 12, 4 + 158 + 12), (800, 288)]):
        assert isinstance(figure, plots.figure_class())
        data = figure._repr_png_()  # what IPython displays, with no pyplot and no %matplotlib
        assert data[:8] == PNG_SIGNATURE
        assert imread(io.BytesIO(data)).shape[:2] == size[::-1]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_training_view_draws_costs_accuracy_and_the_gradient_norms(tmp_path):
    history = _history()
    norms = np.array([[1e-4, 1e-1]] * 6)
    full = _read_png(plots.training_view(history, norms, epochs=10, path=tmp_path / "v.png"))
    assert full.shape[:2] == (288, 800)
    right = full[:, 420:, :3]  # the gradient panel: its two lines have colours of their own
    costs_only = _read_png(plots.training_view(history, None, epochs=10, path=tmp_path / "c.png"))
    assert not np.array_equal(right, costs_only[:, 420:, :3])
    assert np.array_equal(full[:, :380], costs_only[:, :380])  # the cost panel is the same
    gap = norms.copy()
    gap[2] = np.nan  # an epoch whose norms were not measured: a gap, not an error
    assert _read_png(plots.training_view(history, gap, path=tmp_path / "g.png")).std() > 0.05
    empty = _read_png(plots.training_view(gn.History(), None, 25, path=tmp_path / "e.png"))
    assert empty.shape[:2] == (288, 800)


def test_training_view_kept_for_redrawing_follows_the_history():
    history = _history()
    view = plots.TrainingView(epochs=10, title="moons")
    view.update(gn.History())
    first = view.png()
    view.update(history, np.ones((6, 3)))
    assert view.headings[0].get_text() == "moons: epoch 6 of 10"
    x, y = view.lines["epoch_costs"].get_data()
    assert list(x) == [1, 2, 3, 4, 5, 6] and list(y) == history.epoch_costs
    assert len(view.norm_lines) == 3
    assert view.gradients.get_xlim() == (0.5, 10.5)
    second = view.png()
    assert second[:8] == PNG_SIGNATURE and second != first
    decoded = imread(io.BytesIO(second))
    assert decoded.shape[:2] == (288, 800)


def test_training_view_refuses_what_it_cannot_draw():
    with pytest.raises(gn.GlassnetError, match="needs the History"):
        plots.training_view([0.5], None)
    with pytest.raises(gn.GlassnetError, match="at most 6 rows"):
        plots.training_view(_history(), np.ones((7, 2)))
