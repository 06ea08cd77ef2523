"""glassnet in Jupyter: the live training view, the rich displays and the lecture as a notebook,
executed in a real kernel (nbclient + ipykernel), and the same objects checked outside one.

The kernel tests skip, with the reason, only when no Jupyter kernel can start here; with the
notebook extra installed (``.ci/run`` installs it) they run.
"""

import base64
import io
import os
import shutil
import struct
from html import escape

import numpy as np
import pytest

import glassnet as gn
from glassnet import checks, datasets, lecture, plots
from glassnet.notebook import LiveView, in_notebook
from glassnet.progress import ProgressBar

pytest.importorskip("matplotlib", reason="the figures draw with matplotlib (the notebook extra)")

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == PNG
    return struct.unpack(">II", data[16:24])


def moons(m=120):
    X, y = datasets.two_moons(m, noise=0.2, seed=0)
    return X, y


# ---- in a real kernel ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel():
    """Run notebooks in a fresh python3 kernel; skip when none can start."""
    nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat")
    nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbclient")
    pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel")
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    try:
        nbclient.NotebookClient(probe, timeout=120, kernel_name="python3").execute()
    except Exception as e:  # no kernel spec, a kernel that dies or never answers
        pytest.skip(f"no Jupyter kernel could start here: {type(e).__name__}: {e}")

    def execute(notebook, cwd):
        nbclient.NotebookClient(
            notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": cwd}}
        ).execute()
        errors = [
            o for cell in notebook.cells for o in cell.get("outputs", [])
            if o.output_type == "error"
            or (o.output_type == "stream" and "Traceback" in o.get("text", ""))
        ]  # fmt: skip
        assert not errors, errors
        return notebook

    return nbformat, execute


def outputs(cell, mime: str) -> list:
    return [o.data[mime] for o in cell.outputs if mime in o.get("data", {})]


CELLS = [
    # 0: training with the live view, a few epochs
    """import glassnet as gn
from glassnet import datasets, plots
from glassnet.notebook import LiveView, in_notebook

X, y = datasets.two_moons(300, noise=0.2, seed=0)
net = gn.Network([2, 8, 8, 1], hidden="tanh", seed=0)
with LiveView(net, X, y, epochs=6, interval=0) as view:
    history = gn.train(net, X, y, gn.Adam(lr=0.01), epochs=6, validation_split=0.2,
                       callbacks=[view])
assert in_notebook() and view.notebook and view.terminal is None
print("draws", view.draws, "epochs", history.epochs)""",
    "net",  # 1
    "history",  # 2
    "gn.explain(net, X, y, batch_size=8)",  # 3
    "plots.cost_curve(history)",  # 4
    "images, labels, _, _ = datasets.cats(6, 2, seed=0)\ndatasets.show_images(images, labels)",
    """gn.save("moons.glassnet", net, history=history, classes=["upper", "lower"])
gn.load("moons.glassnet")""",  # 6
]


def test_a_notebook_trains_with_the_live_view_and_shows_glassnet_objects(kernel, tmp_path):
    nbformat, execute = kernel
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    cells = execute(notebook, str(tmp_path)).cells

    # the live view: tqdm's notebook bar (a widget) and the figure, updated in place
    widgets = outputs(cells[0], "application/vnd.jupyter.widget-view+json")
    assert widgets, "no tqdm notebook bar"
    live = [h for h in outputs(cells[0], "text/html") if 'class="glassnet-live"' in h]
    assert len(live) == 1, "one figure, updated in place"
    (figure,) = live
    assert 'class="glassnet-history"' in figure and "epoch 6" in figure  # the last epoch
    norms = figure[figure.index('class="glassnet-norms"') :]
    marks = norms.count("<polyline") + norms.count("<circle")  # lines, or dots between gaps
    assert marks >= 3 and marks % 3 == 0 and "dW[3]" in norms  # the same marks for each layer
    assert any("draws" in o.get("text", "") for o in cells[0].outputs)

    network = " ".join(outputs(cells[1], "text/html"))
    assert 'class="glassnet-network"' in network and "(8, 2)" in network and "mean A[l]" in network
    history = " ".join(outputs(cells[2], "text/html"))
    assert 'class="glassnet-history"' in history and "<svg" in history and "epoch 6" in history
    trace = " ".join(outputs(cells[3], "text/html"))
    assert 'class="glassnet-explain"' in trace and "dZ[3] = A[3] - Y" in trace
    assert "(1, m)(m, 8) -&gt; (1, 8)" in trace
    (curve,) = outputs(cells[4], "image/png")
    assert png_size(base64.b64decode(curve)) == (640, 400)
    grid = " ".join(outputs(cells[5], "text/html"))
    assert grid.count("data:image/png;base64,") == 6 and "cat" in grid
    model = " ".join(outputs(cells[6], "text/html"))
    assert 'class="glassnet-model"' in model and "upper" in model and "glassnet-network" in model
    shot = os.environ.get("GLASSNET_NOTEBOOK_SCREENSHOT")  # docs/images/notebook-live.png
    if shot:
        write_screenshot(nbformat, execute, shot, tmp_path)


SCREENSHOT_CELL = """import glassnet as gn
from glassnet import datasets
from glassnet.data import Standardizer
from glassnet.notebook import LiveView

images, y, _, _ = datasets.cats(1500, 2, seed=0)
X = Standardizer().fit_transform(datasets.image_features(images))
net = gn.Network([12288, 20, 7, 5, 1], hidden="relu", seed=0)

def pause(history):  # stop at epoch 12 of 25: the picture is taken mid-training
    history.stop_training = history.epochs == 12

with LiveView(net, X, y, epochs=25, desc="cats", interval=0, budget=1.0) as view:
    gn.train(net, X, y, gn.Momentum(lr=0.01, beta=0.9), epochs=25, validation_split=0.2,
             callbacks=[pause, view])
print(view.bar.tqdm)"""

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ font-family: sans-serif; margin: 16px; background: #fff; width: 960px; }}
pre.code {{ background: #f5f5f5; border: 1px solid #e0e0e0; padding: 8px; font-size: 12px; }}
.bar {{ display: flex; align-items: center; gap: 8px; font-size: 13px; margin: 6px 0; }}
.bar .track {{ width: 300px; height: 16px; background: #eee; }}
.bar .fill {{ height: 16px; background: #4caf50; width: {percent}%; }}
</style></head><body><pre class="code">{code}</pre>
<div class="bar"><span>{desc}</span><div class="track"><div class="fill"></div></div>
<span>{meter}</span></div>{figure}</body></html>"""


def write_screenshot(nbformat, execute, path, tmp_path):
    """The README's picture: the live view of the cat network mid-training, as the executed
    notebook shows it (the widget bar rendered from its text, the figure as the kernel sent
    it), in the Chromium that the browser tests use."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("GLASSNET_CHROMIUM") or shutil.which("chromium")

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SCREENSHOT_CELL)])
    (cell,) = execute(notebook, str(tmp_path)).cells
    (figure,) = [h for h in outputs(cell, "text/html") if 'class="glassnet-live"' in h]
    meter = [o.text for o in cell.outputs if o.output_type == "stream"][-1].strip()
    desc, _, rest = meter.partition(":")
    done = int(rest.split("|")[2].split("/")[0])
    page = PAGE.format(code=escape(SCREENSHOT_CELL), desc=escape(desc), figure=figure,
                       meter=escape(rest.split("|")[-1].strip()), percent=100 * done / 25)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1000, "height": 600}, device_scale_factor=1)
        tab.set_content(page)
        tab.screenshot(path=path, full_page=True)
        browser.close()


def test_the_lecture_notebook_has_claims_code_and_outputs_and_runs(kernel, tmp_path):
    nbformat, execute = kernel
    path = tmp_path / "lecture.ipynb"
    lines = []
    results = lecture.write_notebook(path, only=["output_layer", "saturation"], echo=lines.append)
    assert [r["name"] for r in results] == ["output_layer", "saturation"]  # the lecture's order
    assert any("saturation: confirmed" in line for line in lines)
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "code"] + ["markdown", "code"] * 2
    for result, claim, code in zip(results, notebook.cells[2::2], notebook.cells[3::2]):
        assert result["claim"] in claim.source
        assert f'lecture.run("{result["name"]}", seed=0)' in code.source
        (stored_html,) = outputs(code, "text/html")
        assert escape(result["measured"]) in stored_html and "Verdict: confirmed" in stored_html
        assert outputs(code, "image/png")[0]
    executed = execute(notebook, str(tmp_path))
    for code in executed.cells[3::2]:
        (html,) = outputs(code, "text/html")
        assert 'class="glassnet-lecture"' in html and "Verdict: confirmed" in html
        (figure,) = outputs(code, "image/png")
        assert png_size(base64.b64decode(figure)) == (990, 342)  # 11 x 3.8 in at 90 dpi


# ---- the live view outside a kernel ---------------------------------------------------------


def test_outside_a_notebook_the_view_is_the_terminal_bar():
    assert not in_notebook()
    X, y = moons()
    out = io.StringIO()
    net = gn.Network([2, 4, 1], seed=0)
    with LiveView(net, X, y, epochs=3, file=out) as view:
        history = gn.train(net, X, y, epochs=3, callbacks=[view])
    assert isinstance(view.terminal, ProgressBar) and view.terminal.bar.n == 3
    assert f"cost={history.epoch_costs[-1]:.4f}" in out.getvalue()
    assert view.norms == [] and view.draws == 0  # nothing measured for a view nobody sees


@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_the_view_leaves_training_bit_identical_and_measures_the_norms(engine, capsys):
    """The norms are measured on a copy: dropout masks, batch statistics and weights of the run
    are those of a run without the view, with either engine (auto: the fused one when numba is
    installed)."""
    X, y = moons()

    def network():
        return gn.Network([2, 8, 8, 1], seed=3, dropout=0.2, batch_norm=True)

    plain = network()
    gn.train(plain, X, y, gn.Adam(lr=0.01), epochs=5, batch_size=32, engine=engine)
    viewed = network()
    view = LiveView(viewed, X, y, epochs=5, sample=40, notebook=True, interval=0, budget=1e9)
    with view:
        gn.train(viewed, X, y, gn.Adam(lr=0.01), epochs=5, batch_size=32, engine=engine,
                 callbacks=[view])  # fmt: skip
    for a, b in zip(plain.parameters() + plain.buffers(), viewed.parameters() + viewed.buffers()):
        np.testing.assert_array_equal(a, b)
    assert len(view.norms) == 5 and view.X_sample.shape == (40, 2)
    assert view.norms[-1].shape == (3,) and np.all(view.norms[-1] > 0)  # ||dW[l]||, l = 1..3
    capsys.readouterr()


def test_the_view_norms_equal_gradient_norms_after_each_epoch(capsys):
    X, y = moons()
    net = gn.Network([2, 6, 4, 1], hidden="tanh", seed=1)
    seen = []
    view = LiveView(net, X, y, epochs=4, sample=30, notebook=True, interval=0, budget=1e9)

    def record(history):
        seen.append(checks.gradient_norms(net.copy(), view.X_sample, view.y_sample))

    with view:
        gn.train(net, X, y, epochs=4, callbacks=[view, record])
    np.testing.assert_allclose(np.array(view.norms), np.array(seen), rtol=1e-6)
    capsys.readouterr()


def test_redraws_are_throttled_by_the_time_budget(capsys):
    X, y = moons()
    generous = LiveView(gn.Network([2, 4, 1], seed=0), X, y, epochs=12, notebook=True,
                        interval=0, budget=1e9)  # fmt: skip
    with generous:
        gn.train(generous.net, X, y, epochs=12, callbacks=[generous])
    assert generous.draws == 12  # every epoch: the view may take any time it wants
    frugal = LiveView(gn.Network([2, 4, 1], seed=0), X, y, epochs=12, notebook=True,
                      interval=0, budget=1e-6)  # fmt: skip
    with frugal:
        gn.train(frugal.net, X, y, epochs=12, callbacks=[frugal])
        assert frugal.draws == 0  # no redraw fits in a millionth of the training time...
    assert frugal.draws == 1  # ... and the last epoch is drawn after training, on closing
    assert frugal.seconds_in_view < 1.0  # 12 epochs of measuring the gradient norms
    slow = LiveView(gn.Network([2, 4, 1], seed=0), X, y, epochs=12, notebook=True,
                    interval=3600, budget=1e9)  # fmt: skip
    with slow:
        gn.train(slow.net, X, y, epochs=12, callbacks=[slow])
    assert slow.draws == 2  # epoch 1, none for an hour after it, and the last one on closing
    capsys.readouterr()


class Clock:
    """A stand-in for time.perf_counter that moves only when told: the throttle's arithmetic on
    costs the test chooses, whatever this machine's speed and load."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.mark.parametrize("measuring", [0.005, 0.03, 0.2])
def test_the_budget_bounds_what_the_view_spends_and_measuring_leaves_room_to_redraw(
    measuring, monkeypatch, capsys
):
    """Epochs of 1 s, a redraw of 0.1 s and measuring the norms of ``measuring`` s, with the
    default budget (3 %): the view never spends more than the budget (but for one redraw or
    measurement in hand), measuring at most a third of it, and it redraws even where measuring
    every epoch alone would take the whole budget (0.03) or more (0.2: norms every 20th
    epoch)."""
    from glassnet import notebook

    clock = Clock()
    monkeypatch.setattr(notebook, "time", clock)
    real_norms, real_figure = notebook.gradient_norms, notebook.figure_html

    def norms(*args):
        clock.now += measuring
        return real_norms(*args)

    def figure(*args):
        clock.now += 0.1
        return real_figure(*args)

    monkeypatch.setattr(notebook, "gradient_norms", norms)
    monkeypatch.setattr(notebook, "figure_html", figure)

    def epoch(history):  # an epoch's training, 1 s, before the view sees it
        clock.now += 1.0

    X, y = moons()
    view = LiveView(gn.Network([2, 4, 1], seed=0), X, y, epochs=100, notebook=True)
    seen = []
    with view:
        gn.train(view.net, X, y, epochs=100,
                 callbacks=[epoch, view, lambda h: seen.append(view.draws)])  # fmt: skip
    measured = int(np.isfinite(np.array(view.norms)[:, 0]).sum())
    assert view.training_seconds >= 99.0  # epochs 2..100, and the first one's real seconds
    budget = 0.03 * view.training_seconds
    assert view.seconds_measuring <= budget / 3 + measuring
    assert view.seconds_in_view <= budget + 0.1 + measuring
    assert measured == round(view.seconds_measuring / measuring)
    assert 1 <= measured <= budget / 3 / measuring + 1
    assert view.draws - 1 >= 3  # redraws during training (and the last one on closing)
    assert view.draws - 1 <= budget / 0.1
    assert all(b - a <= 1 for a, b in zip(seen, seen[1:]))  # at most one redraw per epoch
    capsys.readouterr()


def test_a_run_stopped_early_is_drawn_at_its_last_epoch(capsys):
    X, y = moons()
    net = gn.Network([2, 4, 1], seed=0)

    def stop(history):
        history.stop_training = history.epochs == 3

    with LiveView(net, X, y, epochs=50, notebook=True, interval=3600, budget=1e9) as view:
        gn.train(net, X, y, epochs=50, callbacks=[stop, view])
    assert view.draws == 2 and len(view.norms) == 3  # epoch 1, and 3 where it stopped
    capsys.readouterr()


def test_the_view_refuses_what_it_cannot_show():
    X, y = moons()
    net = gn.Network([2, 4, 1], seed=0)
    with pytest.raises(gn.GlassnetError, match="Network being trained"):
        LiveView("net", X, y, epochs=3)
    with pytest.raises(gn.GlassnetError, match="budget a fraction"):
        LiveView(net, X, y, epochs=3, budget=0)
    with pytest.raises(gn.GlassnetError, match="epochs"):
        LiveView(net, X, y, epochs=0)
    with pytest.raises(gn.GlassnetError, match="3 features"):
        LiveView(net, np.zeros((5, 3)), np.zeros(5), epochs=3, notebook=True)
    with pytest.raises(gn.GlassnetError, match="5 samples.*4|4.*5"):  # X and y disagree
        LiveView(net, np.zeros((5, 2)), np.zeros(4), epochs=3, notebook=True)
    with pytest.raises(gn.GlassnetError, match="2-D|2 dimensions|shape"):
        LiveView(net, np.zeros(5), np.zeros(5), epochs=3, notebook=True)
    bad = np.zeros((200, 2))
    bad[:, 0] = np.nan  # every row: the sample the view measures on has them too
    with pytest.raises(gn.GlassnetError, match="NaN"):
        LiveView(net, bad, np.zeros(200), epochs=3, notebook=True)


def test_notebook_train_is_gn_train_with_a_view():
    from glassnet import notebook

    X, y = moons()
    a, b = gn.Network([2, 4, 1], seed=0), gn.Network([2, 4, 1], seed=0)
    expected = gn.train(a, X, y, gn.Momentum(lr=0.1), epochs=3, seed=2)
    history = notebook.train(b, X, y, epochs=3, optimizer=gn.Momentum(lr=0.1), seed=2,
                             view={"file": io.StringIO()})  # fmt: skip
    assert history.epoch_costs == expected.epoch_costs


# ---- rich displays, outside a kernel --------------------------------------------------------


def test_network_table_shows_shapes_and_after_a_pass_the_activation_statistics():
    net = gn.Network([12288, 20, 7, 5, 1], seed=0)
    html = net._repr_html_()
    assert "(20, 12288)" in html and "(20,)" in html and "(m, 20)" in html
    assert f"{net.n_parameters:,} parameters" in html and "he" in html and "relu" in html
    assert "mean A[l]" not in html  # no forward pass yet
    X = np.random.default_rng(0).normal(size=(16, 12288))
    net.forward(X)
    html = net._repr_html_()
    assert "(16, 20)" in html and "mean A[l]" in html
    A = net.layers[1].A.astype(np.float64)
    assert f"<td>{A.mean():.4g}</td><td>{A.std():.4g}</td>" in html
    assert "batch norm" in gn.Network([2, 3, 1], batch_norm=True)._repr_html_()


def test_history_shows_its_curves_as_svg():
    assert "no epochs yet" in gn.History()._repr_html_()
    X, y = moons()
    history = gn.train(gn.Network([2, 4, 1], seed=0), X, y, epochs=4, validation_split=0.25)
    html = history._repr_html_()
    assert html.count("<polyline") == 3  # training cost, validation cost, validation accuracy
    assert f"cost {history.epoch_costs[-1]:.4f}" in html and "validation accuracy" in html
    plain = gn.train(gn.Network([2, 4, 1], seed=0), X, y, epochs=4)._repr_html_()
    assert plain.count("<polyline") == 1


def test_a_loaded_model_shows_its_summary(tmp_path):
    X, y = moons()
    net = gn.Network([2, 4, 1], seed=0)
    history = gn.train(net, X, y, epochs=2)
    path = gn.save(tmp_path / "m.glassnet", net, history=history, classes=["a", "b"],
                   metadata={"data": "moons"})  # fmt: skip
    html = gn.load(path)._repr_html_()
    assert "glassnet-model" in html and "[&#x27;a&#x27;, &#x27;b&#x27;]" in html
    assert "moons" in html and "glassnet-network" in html and "glassnet-history" in html


def test_cat_images_show_as_a_grid_of_exact_pngs():
    images, labels, _, _ = datasets.cats(4, 2, seed=0)
    grid = datasets.show_images(images, labels, columns=2, scale=3)
    html = grid._repr_html_()
    assert html.count("<img") == 4 and "repeat(2, max-content)" in html and 'width="192"' in html
    assert [datasets.CAT_CLASSES[v] for v in labels] == list(grid.labels)
    from matplotlib.image import imread

    for image in (images[1], images[1][..., 0]):  # RGB and grey
        decoded = imread(io.BytesIO(datasets.png_bytes(image)), format="png")
        np.testing.assert_array_equal(np.round(decoded * 255).astype(np.uint8), image)
    assert "4 images of 64x64" in repr(grid)
    with pytest.raises(gn.GlassnetError, match="one label per image"):
        datasets.show_images(images, labels[:2])
    with pytest.raises(gn.GlassnetError, match="uint8"):
        datasets.show_images(images.astype(float))


def test_lecture_figure_without_a_path_is_a_figure_that_shows_as_png():
    result = lecture.run("saturation")
    figure = lecture.figure("saturation", result)
    assert isinstance(figure, plots.figure_class())
    assert png_size(figure._repr_png_()) == (990, 342)
    shown = lecture.summary(result)
    assert result["claim"] in str(shown) and "Verdict: confirmed" in shown._repr_html_()


# ---- the figure: SVG from the numbers -------------------------------------------------------


def test_the_norms_chart_draws_a_log_scale_line_per_layer_with_gaps():
    from xml.dom import minidom

    from glassnet import notebook

    nan = np.full(2, np.nan)
    rows = [np.array([1e-3, 10.0]), np.array([1e-2, 1.0]), nan, np.array([1e-1, 0.1])]
    svg = notebook.norms_svg(rows, epochs=8, width=300, height=220)
    document = minidom.parseString(svg)  # well-formed
    lines = document.getElementsByTagName("polyline")
    dots = document.getElementsByTagName("circle")
    assert len(lines) == 2 and len(dots) == 2  # epochs 1-2 as lines, epoch 4 alone as a dot
    ys = [float(p.split(",")[1]) for p in lines[0].getAttribute("points").split()]
    xs = [float(p.split(",")[0]) for p in lines[0].getAttribute("points").split()]
    top, plot_h, left, plot_w = 12, 220 - 12 - 58, 56, 300 - 56 - 12
    # decades 1e-3..1e1 over the plot's height: 1e-3 at the bottom, 1e-2 a quarter up
    np.testing.assert_allclose(ys, [top + plot_h, top + plot_h * 3 / 4], atol=0.06)
    np.testing.assert_allclose(xs, [left, left + plot_w / 7], atol=0.06)  # epochs 1 and 2 of 8
    assert float(dots[0].getAttribute("cy")) < ys[1]  # 1e-1 above 1e-2
    labels = [t.firstChild.data for t in document.getElementsByTagName("text")]
    assert "1e-3" in labels and "1e1" in labels and "dW[1]" in labels and "dW[2]" in labels
    assert "8" in labels  # the planned last epoch on the x axis
    empty = notebook.norms_svg([], epochs=5)
    minidom.parseString(empty)
    assert "polyline" not in empty and "after the first epochs" in empty
    assert "polyline" not in notebook.norms_svg([nan, nan], epochs=5)


def test_the_figure_holds_the_history_and_the_norms_under_its_title():
    from glassnet import notebook

    history = gn.History()
    history.epoch_costs, history.val_costs = [0.7, 0.5], [0.8, 0.6]
    history.val_accuracies = [0.6, 0.7]
    html = notebook.figure_html(history, [np.ones(3), np.ones(3) / 2], "moons <1>")
    assert html.startswith('<div class="glassnet-live"><b>moons &lt;1&gt;</b>')
    assert html.index('class="glassnet-history"') < html.index('class="glassnet-norms"')
    assert "validation accuracy 0.700" in html and "dW[3]" in html
    assert html.count(">2</text>") == 2  # both charts end at the history's last epoch
    assert "no epochs yet" in notebook.figure_html(gn.History(), [])


def _svg(text):
    from xml.dom import minidom

    svg = minidom.parseString(text).documentElement
    texts = {t.firstChild.data: t for t in svg.getElementsByTagName("text")}
    return svg, texts


def _at(element, *names):
    return tuple(float(element.getAttribute(n)) for n in names)


def test_the_norms_chart_is_laid_out_around_its_frame():
    """The picture's geometry: a frame with margins 56 / 12 / 12 / 58, the epoch axis labelled
    14 px under it, the rotated y label at x = 12, the decades 4 px left of the frame, one
    legend entry per layer every 62 px, 14 px above the bottom."""
    from glassnet import notebook

    svg, texts = _svg(notebook.norms_svg([np.array([0.1, 0.01, 1.0])] * 3, epochs=9))
    assert _at(svg, "width", "height") == (360, 220)  # the defaults
    (frame,) = svg.getElementsByTagName("rect")
    assert _at(frame, "x", "y", "width", "height") == (56, 12, 292, 150)
    bottom, middle = 12 + 150, 12 + 150 / 2
    assert _at(texts["epoch"], "x", "y") == (56 + 292 / 2, bottom + 14)
    assert _at(texts["1"], "x", "y") == (56, bottom + 14)
    assert _at(texts["9"], "x", "y") == (56 + 292, bottom + 14)
    label = texts["||dW[l]|| (log)"]
    assert _at(label, "x", "y") == (12, middle)
    assert label.getAttribute("transform") == f"rotate(-90 12 {middle})"
    assert _at(texts["1e-2"], "x", "y") == (52, bottom + 4)  # the lowest decade at the bottom
    assert _at(texts["1e0"], "x", "y") == (52, 12 + 4)  # the highest at the top
    lines = svg.getElementsByTagName("line")
    for l, line in enumerate(lines):
        assert _at(line, "x1", "x2", "y1", "y2") == (56 + 62 * l, 72 + 62 * l, 206, 206)
        assert _at(texts[f"dW[{l + 1}]"], "x", "y") == (76 + 62 * l, 210)
    _, waiting = _svg(notebook.norms_svg([], epochs=9))
    assert _at(waiting["gradient norms: after the first epochs"], "x", "y") == (202, middle)


def test_the_norms_chart_survives_what_a_log_scale_cannot_show():
    from glassnet import notebook

    # a zero or infinite norm is a gap, never a point at -inf or +inf
    rows = [np.array([0.1]), np.array([0.0]), np.array([np.inf]), np.array([10.0])]
    text = notebook.norms_svg(rows, epochs=4)
    svg, texts = _svg(text)
    assert "inf" not in text and "nan" not in text
    assert len(svg.getElementsByTagName("circle")) == 2  # epochs 1 and 4, each alone
    assert "1e-1" in texts and "1e1" in texts
    # every norm on the same power of ten: one decade of room above it
    svg, texts = _svg(notebook.norms_svg([np.array([0.1])] * 2, epochs=2))
    assert "1e-1" in texts and "1e0" in texts
    (line,) = svg.getElementsByTagName("polyline")
    assert line.getAttribute("points") == "56.0,162.0 348.0,162.0"  # epochs 1 and 2, at the bottom
    # one epoch: at the left edge, no division by zero
    svg, _ = _svg(notebook.norms_svg([np.array([0.5])], epochs=1))
    assert svg.getElementsByTagName("circle")[0].getAttribute("cx") == "56.0"


def test_each_layer_has_its_colour_and_eight_layers_reuse_the_first():
    from glassnet import notebook

    svg, _ = _svg(notebook.norms_svg([np.linspace(1, 8, 8)] * 2, epochs=2))
    colours = [p.getAttribute("stroke") for p in svg.getElementsByTagName("polyline")]
    assert len(set(colours[:7])) == 7 and colours[7] == colours[0]
