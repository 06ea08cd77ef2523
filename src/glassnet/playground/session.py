"""One playground session: the data, network and training thread behind one browser tab.

Training runs in a background thread through the real ``gn.train`` with a callback. After every
epoch the callback checks whether the page asked to pause (then it sets
``history.stop_training``) and, at most ``MAX_SNAPSHOTS_PER_SECOND`` times a second, takes a
snapshot of what the page shows. A snapshot is never allowed to cost more than
``SNAPSHOT_SHARE`` of the training time: after a snapshot that took s seconds the next one waits
at least s (1 - share) / share seconds, so training keeps >= 90 % of its speed whatever the
network size.

What a snapshot holds (all computed from the live network, nothing simulated):

    cost        J (mean binary cross-entropy) of the last epoch and on the validation split
    accuracy    fraction of thresholded outputs equal to the label, training and validation
    gradients   ||dW[l]|| (Frobenius, ``gn.gradient_norms``) of every layer at the current
                weights, on a fixed sample of up to SAMPLE_ROWS training rows
    histograms  of every layer's W, and of every layer's A on the same sample rows
    boundary    P(y = 1 | x) on a grid over the 2-D data (quantized to 0..255)
    cats        P(cat | image) of the first validation images
"""

from __future__ import annotations

import base64
import itertools
import math
import threading
import time
from dataclasses import fields

import numpy as np

from .. import datasets
from ..checks import gradient_norms
from ..data import Standardizer
from ..errors import DivergenceError
from ..history import History
from ..metrics import output_accuracy
from ..recipe import Recipe, holdout, make_network, make_optimizer
from ..training import train
from .settings import DEFAULTS, check_settings, recipe_of

MAX_SNAPSHOTS_PER_SECOND = 20
SNAPSHOT_SHARE = 0.1
FOREVER = 10**9  # epochs for "start": training runs until paused
MAX_POINTS = 1000  # points drawn on the decision boundary
MAX_HISTOGRAM_VALUES = 20_000
HISTOGRAM_BINS = 24
SAMPLE_ROWS = 256  # training rows whose activations are histogrammed
GRID_WORK = 5e7  # grid points x parameters per boundary picture
CAT_TILES = 16  # validation images shown with their predictions

_ids = itertools.count(1)


class Session:
    """The state of one tab. ``configure``, ``reset``, ``start``, ``pause``, ``step`` and
    ``close`` are called by the server (from worker threads); ``snapshot`` and ``curve_since``
    are read by the server's sender. ``state`` is "ready" (built, not trained), "running",
    "paused", "diverged" or "failed"."""

    def __init__(self, settings: dict | None = None) -> None:
        self.name = f"glassnet-playground-{next(_ids)}"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.settings: dict = dict(DEFAULTS)
        self.run_id = 0
        self.version = 0
        self._snapshot: dict = {}
        self._build(check_settings(settings or {}))

    # ---- commands -----------------------------------------------------------------------

    def configure(self, changes: dict) -> dict:
        """Check ``changes`` (SettingError if bad, the session unchanged), then rebuild data and
        network from the new settings; training that was running goes on with the new network."""
        settings = check_settings(changes, self.settings)
        was_running = self.running
        self.stop()
        self._build(settings)
        if was_running:
            self.start()
        return self.describe()

    def reset(self) -> dict:
        """Fresh weights from the same settings and seed, an empty history."""
        return self.configure({})

    def start(self, epochs: int = FOREVER) -> bool:
        """Train in the background for ``epochs`` epochs (default: until paused).
        False if training is already running."""
        if self.running:
            if not self._stop.is_set():
                return False
            self.stop()  # a pause is under way: let it finish, then start again
        self._stop.clear()
        self.state, self.message = "running", ""
        self._thread = threading.Thread(
            target=self._train, args=(epochs,), name=self.name, daemon=True
        )
        self._thread.start()
        return True

    def step(self) -> bool:
        """One epoch (one pass over the training split in mini-batches), then pause."""
        return self.start(epochs=1)

    def pause(self) -> None:
        """Ask the training thread to stop after the current epoch; return at once."""
        self._stop.set()

    def stop(self) -> None:
        """Stop training and wait until the thread has ended."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        self._thread = None

    close = stop

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until training ends by itself (after ``step`` or ``start(epochs)``);
        True if it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- what the server reads ----------------------------------------------------------

    def snapshot(self) -> tuple[int, dict]:
        """(version, the latest snapshot); the version grows with every new snapshot."""
        with self._lock:
            return self.version, self._snapshot

    def curve_since(self, run_id: int, start: int, stop: int) -> tuple[int, int, dict]:
        """The cost-curve points of epochs ``start + 1`` to ``stop`` of run ``run_id`` (from the
        first epoch when the run changed): (run_id, next start, {"start", "train", "val"})."""
        with self._lock:
            record, current = self.record, self.run_id
        if current != run_id:
            start = 0
        stop = min(stop, len(record.val_costs))  # val_costs is appended last: both have them
        piece = {
            "start": start,
            "train": [_finite(c) for c in record.train_costs[start:stop]],
            "val": [_finite(c) for c in record.val_costs[start:stop]],
        }
        return current, max(start, stop), piece

    def describe(self) -> dict:
        """What the page draws once per configuration: settings, sizes, points, images."""
        info = {
            "run_id": self.run_id,
            "settings": self.settings,
            "sizes": self.net.sizes,
            "n_parameters": self.net.n_parameters,
            "n_train": len(self.X_train),
            "n_val": len(self.X_val),
            "batch_size": self.settings["batch_size"] or len(self.X_train),
        }
        if self.is_2d:
            info["points"] = self.points
            info["bounds"] = self.bounds
            info["grid"] = self.grid_size
        else:
            info["tiles"] = self.tiles
        return info

    # ---- building -----------------------------------------------------------------------

    def _build(self, settings: dict) -> None:
        """Data, split, optional Standardizer (fitted on the training split only), network,
        optimizer, and the fixed inputs of the views. The settings are translated into a
        ``Recipe`` (``settings.recipe_of``); the network, the optimizer and the split are the
        setup layer's."""
        seed = settings["seed"]
        recipe = recipe_of(settings)
        X_train, y_train, X_val, y_val, images = _load(settings, recipe)
        scaler = Standardizer().fit(X_train) if recipe.standardize else None

        def transform(X: np.ndarray) -> np.ndarray:
            """The network's inputs in its own float32: standardized or as they are."""
            return _as_float32(X if scaler is None else scaler.transform(X))

        net = make_network(recipe, X_train.shape[1], "classification", 2)
        optimizer = make_optimizer(recipe)
        rows = np.random.default_rng(seed + 1).permutation(len(X_train))[:SAMPLE_ROWS]

        self.settings, self.recipe, self.net, self.optimizer = settings, recipe, net, optimizer
        self.X_train, self.y_train = transform(X_train), y_train.astype(np.float32)
        self.X_val, self.y_val = transform(X_val), y_val.astype(np.float32)
        self.X_sample = self.X_train[np.sort(rows)]
        self.y_sample = self.y_train[np.sort(rows)]
        self.is_2d = images is None
        if self.is_2d:
            self._build_grid(X_train, y_train, X_val, y_val, transform, net.n_parameters)
        else:
            self.tiles = [
                {"rgb": base64.b64encode(image.tobytes()).decode("ascii"), "label": int(label)}
                for image, label in zip(images[:CAT_TILES], y_val[:CAT_TILES])
            ]
        self._shuffles = np.random.default_rng(seed + 2)
        self.state, self.message = "ready", ""
        self._samples_per_second = 0.0
        with self._lock:
            self.record = Record()
            self.run_id += 1
        self._publish()

    def _build_grid(self, X_train, y_train, X_val, y_val, transform, n_parameters: int) -> None:
        """The boundary's grid in the data's own coordinates (each axis spans its data plus a
        margin), fed through the same transform as the data; as many points as the network's
        size allows (at most 64 x 64)."""
        X, y = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.08 * np.maximum(high - low, 1e-9)
        low, high = low - pad, high + pad
        n = int(np.clip(math.sqrt(GRID_WORK / n_parameters), 16, 64))
        xs, ys = np.linspace(low[0], high[0], n), np.linspace(high[1], low[1], n)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row 0 is the top
        self.grid_size, self.bounds = n, [*map(float, low), *map(float, high)]
        self.grid = transform(grid)
        is_train = np.arange(len(X)) < len(X_train)
        shown = np.random.default_rng(0).permutation(len(X))[:MAX_POINTS]
        self.points = [
            [float(X[i, 0]), float(X[i, 1]), int(y[i]), bool(is_train[i])] for i in shown
        ]

    # ---- training -----------------------------------------------------------------------

    def _train(self, epochs: int) -> None:
        """The training thread: gn.train with ``_after_epoch`` as its callback."""
        history = History()
        self._last = time.perf_counter()
        self._epochs_at_last = self.record.epochs
        self._next_snapshot = self._last + 1 / MAX_SNAPSHOTS_PER_SECOND
        state, message = "paused", ""
        try:
            train(
                self.net,
                self.X_train,
                self.y_train,
                optimizer=self.optimizer,
                epochs=epochs,
                batch_size=self.settings["batch_size"],
                seed=int(self._shuffles.integers(2**32)),
                validation_data=(self.X_val, self.y_val),
                callbacks=[self._after_epoch],
                history=history,
            )
        except DivergenceError:
            state = "diverged"
            record = self.record
            message = (
                f"Training diverged in epoch {record.epochs + 1}, iteration "
                f"{record.iterations + len(history.costs) + 1}: the cost became NaN or infinite. "
                "The network keeps its last finite weights. Set a smaller learning rate, e.g. "
                f"{self.optimizer.lr / 10:g}, and press Start (a changed setting starts over "
                "from fresh weights)."
            )
        except Exception as e:  # shown on the page instead of dying silently in a thread
            state, message = "failed", f"training stopped with an error: {e!r}"
        self._measure_speed(time.perf_counter())
        self.state, self.message = state, message
        self._publish()

    def _after_epoch(self, history: History) -> None:
        """gn.train's callback: move the epoch's numbers to the session's record, pause on
        request, take a snapshot when one is due.

        The History is emptied after every epoch so that it never grows: gn.train's own
        per-epoch bookkeeping then costs the same in the millionth epoch as in the first.
        """
        self.record.add(history)
        if self._stop.is_set():
            history.stop_training = True
            return
        now = time.perf_counter()
        if now >= self._next_snapshot:
            self._measure_speed(now)
            self._publish()
            done = time.perf_counter()
            spent = done - now
            wait = max(1 / MAX_SNAPSHOTS_PER_SECOND, spent * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE)
            self._next_snapshot = done + wait
            self._last = done  # the snapshot's own time is not training time

    def _measure_speed(self, now: float) -> None:
        """samples/s = (epochs since the last snapshot) * m_train / (seconds since then)."""
        epochs = self.record.epochs - self._epochs_at_last
        if epochs > 0 and now > self._last:
            self._samples_per_second = epochs * len(self.X_train) / (now - self._last)
        self._epochs_at_last = self.record.epochs

    # ---- views ----------------------------------------------------------------------------

    def _publish(self) -> None:
        with np.errstate(all="ignore"):  # a diverged network's norms may overflow: shown as None
            snapshot = self._views()
        with self._lock:
            self.version += 1
            self._snapshot = snapshot

    def _views(self) -> dict:
        net, record = self.net, self.record
        layers = net.layers
        # one backward pass on the fixed sample rows; it also leaves their activations in A
        norms = [_finite(g) for g in gradient_norms(net, self.X_sample, self.y_sample)]
        activations = [_histogram(layer.A) for layer in layers]
        weights = [_histogram(layer.W) for layer in layers]
        if record.val_costs:
            val_cost, val_accuracy = record.val_costs[-1], record.val_accuracy
        else:
            Y_val = self.y_val.reshape(-1, 1)
            val_cost = net.batch_cost(self.X_val, Y_val)
            val_accuracy = output_accuracy(net.propagate(self.X_val), Y_val, net.output.name)
        snapshot = {
            "type": "update",
            "run_id": self.run_id,
            "state": self.state,
            "message": self.message,
            "epoch": record.epochs,
            "iteration": record.iterations,
            "train_cost": _finite(record.train_costs[-1]) if record.train_costs else None,
            "val_cost": _finite(val_cost),
            "train_accuracy": output_accuracy(
                net.propagate(self.X_train), self.y_train.reshape(-1, 1), net.output.name
            ),
            "val_accuracy": float(val_accuracy),
            "samples_per_second": self._samples_per_second,
            "gradient_norms": norms,
            "weights": weights,
            "activations": activations,
        }
        if self.is_2d:
            P = net.propagate(self.grid)[:, 0]
            shades = np.nan_to_num(P * 255, nan=127).round().astype(np.uint8)
            snapshot["boundary"] = base64.b64encode(shades.tobytes()).decode("ascii")
        else:
            P = net.propagate(self.X_val[:CAT_TILES])[:, 0]
            snapshot["tiles"] = [_finite(p) for p in P]
        return snapshot


class Record:
    """What the page plots, kept by the session across pauses: per epoch the training cost
    (batch costs weighted by batch size) and the validation cost; the last validation accuracy;
    the number of mini-batch steps."""

    def __init__(self) -> None:
        self.train_costs: list[float] = []
        self.val_costs: list[float] = []
        self.val_accuracy = 0.0
        self.iterations = 0

    @property
    def epochs(self) -> int:
        return len(self.val_costs)

    def add(self, history: History) -> None:
        """Take the last epoch's numbers out of ``history`` and empty its lists."""
        self.iterations += len(history.costs)
        self.val_accuracy = history.val_accuracies[-1]
        self.train_costs.append(history.epoch_costs[-1])
        self.val_costs.append(history.val_costs[-1])  # last: curve_since reads its length
        for f in fields(history):
            value = getattr(history, f.name)
            if isinstance(value, list):
                value.clear()


def _load(settings: dict, recipe: Recipe):
    """(X_train, y_train, X_val, y_val, validation images or None): X as float rows, y 0/1.

    The 2-D points are split by the recipe (``holdout``: stratified by the label, so both
    splits keep the classes' proportions); the cat images of the validation set are drawn
    separately, as many as the recipe's validation fraction asks for."""
    if settings["dataset"] == "cats":
        m = settings["n_cats"]
        n_val = round(m * recipe.validation_split)
        images, y_train, val_images, y_val = datasets.cats(m - n_val, n_val, recipe.seed)
        features = datasets.image_features
        return features(images), y_train, features(val_images), y_val, val_images
    make = datasets.TWO_D[settings["dataset"]]
    X, y = make(settings["n_samples"], settings["noise"], settings["seed"])
    X = X.copy()
    X[:, 1] = X[:, 1] * settings["x2_scale"] + settings["x2_offset"]
    train_rows, val_rows = holdout(recipe, len(X), y)
    return X[train_rows], y[train_rows], X[val_rows], y[val_rows], None


def _as_float32(X: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(X, dtype=np.float32)


def _histogram(values: np.ndarray) -> dict:
    """Counts of at most MAX_HISTOGRAM_VALUES evenly strided values in HISTOGRAM_BINS bins."""
    flat = values.reshape(-1)
    flat = flat[:: max(1, flat.size // MAX_HISTOGRAM_VALUES)]
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return {"low": 0.0, "high": 0.0, "counts": [0] * HISTOGRAM_BINS}
    low, high = float(flat.min()), float(flat.max())
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    counts, _ = np.histogram(flat, bins=HISTOGRAM_BINS, range=(low, high))
    return {"low": low, "high": high, "counts": counts.tolist()}


def _finite(value) -> float | None:
    """A float for JSON, or None for NaN and infinity (which JSON cannot carry)."""
    value = float(value)
    return value if math.isfinite(value) else None
