"""One playground session: the data, network and training thread behind one browser tab.

Training runs in a background thread that steps ``gn.train``'s own loop, a
``glassnet.training.Trainer`` (the same shuffles, the same engine, the same costs and the same
rollback of a diverged epoch, bit for bit), with each epoch cut into *chunks* of mini-batches:
``Trainer.run_batches`` runs a few of the epoch's batches at a time, as many as take about
``CHUNK_SECONDS``. Between two chunks the thread looks whether the page asked to pause (or the
tab closed, or the server stops), applies a weight the page edited, and, at most
``MAX_SNAPSHOTS_PER_SECOND`` times a second, takes a snapshot of what the page shows. So pause
and close act within about one chunk whatever the length of an epoch; one step of one batch is
bounded by the settings (``MAX_STEP_WORK``), every forward pass of many rows runs in
interruptible chunks of rows as well. A paused epoch is resumed where it stopped.

A snapshot is never allowed to cost more than ``SNAPSHOT_SHARE`` of the training time: after a
snapshot that took s seconds the next one waits at least s (1 - share) / share seconds.
What a snapshot holds is ``views``'s; "step through one batch" is ``trace``'s.
"""

from __future__ import annotations

import base64
import itertools
import math
import threading
import time

import numpy as np

from .. import datasets
from ..data import Standardizer
from ..errors import DivergenceError
from ..recipe import Recipe, holdout, make_network, make_optimizer
from ..training import Trainer
from . import problems, views
from .settings import (
    DEFAULTS,
    MAX_STEP_WORK,
    SettingError,
    check_settings,
    recipe_of,
    task_of,
)
from .trace import Diverged, trace_batch

MAX_SNAPSHOTS_PER_SECOND = 20
SNAPSHOT_SHARE = 0.1
CHUNK_SECONDS = 0.04  # training between two looks at the pause button
FOREVER = 10**9  # epochs for "start": training runs until paused
SAMPLE_ROWS = 256  # training rows whose activations and gradients are shown
GRID_WORK = 5e7  # grid points x parameters per boundary picture
MAX_GRAPH_WIDTH = 16  # the graph is drawn for layers of at most this many units
MAX_WEIGHT = 1e3  # |w| of an edited weight

_ids = itertools.count(1)


class Session:
    """The state of one tab. ``configure``, ``reset``, ``start``, ``pause``, ``step``,
    ``trace``, ``set_weight`` and ``close`` are called by the server (from worker threads);
    ``snapshot`` and ``curve_since`` are read by the server's sender. ``state`` is "ready" (built,
    not trained), "running", "paused", "diverged" or "failed"."""

    def __init__(self, settings: dict | None = None) -> None:
        self.name = f"glassnet-playground-{next(_ids)}"
        self._lock = threading.Lock()  # the snapshot and the record
        self._work = threading.Lock()  # held while the network changes (a chunk, an edit)
        self._stop = threading.Event()  # pause, or close
        self._closing = threading.Event()  # close: not even a last snapshot
        self._thread: threading.Thread | None = None
        self.settings: dict = dict(DEFAULTS)
        self.run_id = 0
        self.version = 0
        self._snapshot: dict = {}
        self._dirty = False
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
        """Train in the background until ``epochs`` more epochs are complete (default: until
        paused); a paused epoch is finished first and counts. False if already running."""
        if self.running:
            if not self._stop.is_set():
                return False
            self.stop()  # a pause is under way: let it finish, then start again
        self._stop.clear()
        self._closing.clear()
        self.state, self.message = "running", ""
        self._announce()  # the page hears "running" at once, not after the first epoch
        target = self.record.epochs + epochs
        self._thread = threading.Thread(
            target=self._train, args=(target,), name=self.name, daemon=True
        )
        self._thread.start()
        return True

    def step(self) -> bool:
        """One epoch (one pass over the training split in mini-batches), then pause."""
        return self.start(epochs=1)

    def pause(self) -> None:
        """Ask the training thread to stop after its current chunk; return at once."""
        self._stop.set()

    def stop(self) -> None:
        """Stop training and wait until the thread has ended (within about one chunk): a
        closing tab, a new configuration, the server stopping."""
        self._closing.set()
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

    @property
    def batch(self) -> int:
        """The mini-batches of the current epoch done so far (``batches`` when it is complete)."""
        trainer = self._trainer
        return min(trainer.next_batch, self.batches) if trainer.in_epoch else self.batches

    @property
    def batches(self) -> int:
        """The mini-batches of one epoch."""
        return len(self._trainer.slices)

    def set_weight(self, layer, row, col, value) -> None:
        """W[layer][row, col] = value (layer from 1, row the unit, col its input), checked;
        applied between two chunks while training runs."""
        sizes = self.net.sizes
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer < len(sizes):
            raise SettingError("layer", f"layer must be 1 to {len(sizes) - 1}, got {layer!r}")
        for name, index, n in (("row", row, sizes[layer]), ("col", col, sizes[layer - 1])):
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
                raise SettingError(
                    name, f"{name} of W[{layer}] must be 0 to {n - 1}, got {index!r}"
                )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or abs(value) > MAX_WEIGHT
        ):
            raise SettingError(
                "value", f"a weight must be a number between -{MAX_WEIGHT:g} and {MAX_WEIGHT:g}, "
                f"got {value!r}"
            )
        with self._work:
            self.net.layers[layer - 1].W[row, col] = value
            self._dirty = True
        if not self.running:
            self._publish()

    def trace(self) -> dict:
        """Step through one batch: one mini-batch step of the reference engine (forward pass,
        cost, backward pass, the optimizer's update), with the values of every stage on the
        first TRACE_ROWS rows and the lecture's formula beside each. The next batch of the
        current epoch is used, so the run goes on as if trained. Refused while running."""
        if self.running:
            raise SettingError("trace", "training is running: pause it, then step through a batch")
        stages, m = [], 0

        def traced(net, optimizer, X, Y, order, slices) -> list[float]:
            """The engine's epoch function for one batch, by the reference engine's step."""
            nonlocal stages, m
            rows = order[slices[0]]
            m = len(rows)
            stages = trace_batch(net, optimizer, X[rows], Y[rows])
            return [stages[-1]["J"]]

        trainer = self._trainer
        with self._work:
            self.state, self.message = "paused", ""
            try:
                if trainer.epoch_done:
                    self._end_epoch(views.never)
                if not trainer.in_epoch:
                    trainer.begin_epoch()
                self._run_batches(1, traced)
                if trainer.epoch_done:
                    self._end_epoch(views.never)
            except Diverged as e:
                self.state, self.message = "diverged", str(e)
        self._publish()
        return {"batch": m, "stages": stages, "sizes": self.net.sizes}

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
            stop = min(stop, record.epochs)
            piece = {
                "start": start,
                "train": [views.finite(c) for c in record.train_costs[start:stop]],
                "val": [views.finite(c) for c in record.val_costs[start:stop]],
            }
        return current, max(start, stop), piece

    def describe(self) -> dict:
        """What the page draws once per configuration: settings, sizes, points, images."""
        info = {
            "run_id": self.run_id,
            "settings": self.settings,
            "task": self.task,
            "output": self.net.output.name,
            "sizes": self.net.sizes,
            "n_parameters": self.net.n_parameters,
            "n_train": len(self.X_train),
            "n_val": len(self.X_val),
            "batch_size": self.settings["batch_size"] or len(self.X_train),
            "batches_per_epoch": self.batches,
            "graph": self.drawable,
        }
        if self.is_2d:
            info["points"] = self.points
            info["bounds"] = self.bounds
            info["grid"] = self.grid_size
            info["features"] = self.settings["features"]
            info["neuron_grid"] = views.NEURON_GRID
            info["feature_maps"] = self.feature_maps
        else:
            info["tiles"] = self.tiles
        return info

    # ---- building -----------------------------------------------------------------------

    def _build(self, settings: dict) -> None:
        """Data, split, optional Standardizer (fitted on the training split only), network,
        optimizer, the training state, and the fixed inputs of the views. The settings are
        translated into a ``Recipe`` (``settings.recipe_of``); the network, the optimizer and
        the split are the setup layer's."""
        seed = settings["seed"]
        recipe = recipe_of(settings)
        task = task_of(settings)
        X_train, y_train, X_val, y_val, images = _load(settings, recipe, task)
        self.is_2d = images is None
        names = settings["features"]
        lift = (lambda X: problems.features(X, names)) if self.is_2d else (lambda X: X)
        scaler = Standardizer().fit(lift(X_train)) if recipe.standardize else None

        def transform(X: np.ndarray) -> np.ndarray:
            """The network's inputs in its own float32: the features, standardized or not."""
            F = lift(X)
            return _as_float32(F if scaler is None else scaler.transform(F))

        n_outputs = 1 if task == "regression" else 2  # one identity, or one sigmoid unit
        net = make_network(recipe, lift(X_train[:1]).shape[1], task, n_outputs)
        optimizer = make_optimizer(recipe)
        self.settings, self.recipe, self.task = settings, recipe, task
        self.net, self.optimizer = net, optimizer
        self.X_train, self.y_train = transform(X_train), y_train.astype(np.float32)
        self.X_val, self.y_val = transform(X_val), y_val.astype(np.float32)
        self.Y_train, self.Y_val = self.y_train.reshape(-1, 1), self.y_val.reshape(-1, 1)
        n_sample = int(np.clip(MAX_STEP_WORK // net.n_parameters, 2, SAMPLE_ROWS))
        rows = np.sort(np.random.default_rng(seed + 1).permutation(len(X_train))[:n_sample])
        self.X_sample, self.Y_sample = self.X_train[rows], self.Y_train[rows]
        self.drawable = self.is_2d and max(net.sizes) <= MAX_GRAPH_WIDTH
        if self.is_2d:
            self._build_grid(X_train, y_train, X_val, y_val, transform, net.n_parameters)
        else:
            self.tiles = [
                {"rgb": base64.b64encode(image.tobytes()).decode("ascii"), "label": int(label)}
                for image, label in zip(images[:views.CAT_TILES], y_val[:views.CAT_TILES])
            ]
        # the loop is gn.train's (a Trainer, stepped a chunk of batches at a time), with one
        # shuffling generator per run, seeded as gn.train(seed=s) seeds its own
        shuffle_seed = int(np.random.default_rng(seed + 2).integers(2**32))
        self._trainer = Trainer(
            net, self.X_train, self.y_train, optimizer, epochs=FOREVER,
            batch_size=settings["batch_size"], seed=shuffle_seed,
            validation_data=(self.X_val, self.y_val), engine=recipe.engine,
        )  # fmt: skip
        self._trainer.begin()
        self._epoch = self._trainer.run_epoch  # the engine's epoch function
        self.state, self.message = "ready", ""
        self.samples_per_second = 0.0
        self._rows = self._rows_at_last = 0
        self._last = time.perf_counter()
        with self._lock:
            self.record = views.Record()
            self.run_id += 1
        self._publish()

    def _build_grid(self, X_train, y_train, X_val, y_val, transform, n_parameters: int) -> None:
        """The boundary's grid in the data's own coordinates (each axis spans its data plus a
        margin), fed through the same transform as the data; as many points as the network's
        size allows (at most 64 x 64); the coarser views.NEURON_GRID grid of the neurons' heat maps
        and the input features' own maps on it."""
        X, y = np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val])
        low, high = X.min(axis=0), X.max(axis=0)
        pad = 0.08 * np.maximum(high - low, 1e-9)
        low, high = low - pad, high + pad

        def grid(n):
            xs, ys = np.linspace(low[0], high[0], n), np.linspace(high[1], low[1], n)
            return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row 0 is the top

        n = int(np.clip(math.sqrt(GRID_WORK / n_parameters), 16, 64))
        self.grid_size, self.bounds = n, [*map(float, low), *map(float, high)]
        self.grid = transform(grid(n))
        self.neuron_grid = transform(grid(views.NEURON_GRID))
        self.feature_maps = [views.heat(column) for column in self.neuron_grid.T]
        is_train = np.arange(len(X)) < len(X_train)
        shown = np.random.default_rng(0).permutation(len(X))[:views.MAX_POINTS]
        value = (lambda v: round(float(v), 3)) if self.task == "regression" else int
        self.points = [
            [float(X[i, 0]), float(X[i, 1]), value(y[i]), bool(is_train[i])] for i in shown
        ]

    # ---- training -----------------------------------------------------------------------

    def _train(self, target: int) -> None:
        """The training thread: epochs in chunks of mini-batches until ``target`` epochs are
        complete or the page asks to stop."""
        self._last = time.perf_counter()
        self._rows_at_last = self._rows
        self._next_snapshot = self._last + 1 / MAX_SNAPSHOTS_PER_SECOND
        state, message = "paused", ""
        stopping = self._stop.is_set
        chunk = 1  # batches per call of the engine, adapted to take about CHUNK_SECONDS
        try:
            trainer = self._trainer
            while True:
                if trainer.epoch_done:
                    self._end_epoch(stopping)  # an epoch paused before it was recorded
                if not trainer.in_epoch:
                    if self.record.epochs >= target or stopping():
                        break
                    trainer.begin_epoch()
                chunk = self._run_chunk(chunk)
                if trainer.epoch_done:
                    self._end_epoch(stopping)
                if stopping():
                    break
                self._maybe_publish()
        except views.Stopped:
            pass
        except Diverged as e:
            state, message = "diverged", str(e)
        except Exception as e:  # shown on the page instead of dying silently in a thread
            state, message = "failed", f"training stopped with an error: {e!r}"
        self._measure_speed(time.perf_counter())
        self.state, self.message = state, message
        self._announce()  # the new state at once; then, unless the tab is closing, a snapshot
        if not self._closing.is_set():
            try:
                self._publish(self._closing.is_set)
            except views.Stopped:
                pass

    def _announce(self) -> None:
        """The last snapshot with the session's new state and message, published at once."""
        with self._lock:
            self.version += 1
            self._snapshot = {**self._snapshot, "state": self.state, "message": self.message}

    def _run_chunk(self, chunk: int) -> int:
        """Train the next ``chunk`` batches of the epoch; return the chunk size for next time."""
        with self._work:
            began = time.perf_counter()
            costs = self._run_batches(chunk, self._epoch)
            spent = time.perf_counter() - began
        per_batch = spent / max(1, len(costs))
        return int(np.clip(CHUNK_SECONDS / max(per_batch, 1e-7), 1, self.batches))

    def _run_batches(self, count: int, epoch) -> list[float]:
        """The trainer's next ``count`` batches, by the engine's epoch function ``epoch``, into
        the record; a divergence (the trainer has rolled the epoch back) raised as Diverged with
        the advice the page shows."""
        trainer = self._trainer
        first = trainer.next_batch
        try:
            costs = trainer.run_batches(count, epoch)
        except DivergenceError:
            raise self._diverged() from None
        finally:
            with self._lock:
                self.record.iterations = trainer.history.iterations + len(trainer.costs)
        self._rows += int(trainer.sizes[first:trainer.next_batch].sum())
        return costs

    def _diverged(self) -> Diverged:
        return Diverged(
            f"Training diverged in epoch {self._trainer.state.epoch + 1}: the cost became NaN "
            "or infinite. The network keeps its weights from the start of that epoch. Set a "
            f"smaller learning rate, e.g. {self.optimizer.lr / 10:g}, and press Start (a changed "
            "setting starts over from fresh weights)."
        )

    def _end_epoch(self, stopping) -> None:
        """The trainer ends the epoch, with the validation pass computed here in interruptible
        chunks of rows (then the epoch stays complete but unrecorded, and is recorded first
        when training goes on); its costs and accuracy into the record."""
        trainer = self._trainer
        validation = views.cost_of(self.net, self.X_val, self.Y_val, stopping)
        try:
            trainer.end_epoch(validation)
        except DivergenceError:
            raise self._diverged() from None
        history = trainer.history
        accuracy = None
        if self.task == "classification":
            accuracy = history.val_accuracies[-1]
        with self._lock:
            self.record.add(history.epoch_costs[-1], history.val_costs[-1], accuracy)

    def _maybe_publish(self) -> None:
        now = time.perf_counter()
        if now < self._next_snapshot and not self._dirty:
            return
        self._measure_speed(now)
        self._publish(self._stop.is_set)
        done = time.perf_counter()
        spent = done - now
        wait = max(1 / MAX_SNAPSHOTS_PER_SECOND, spent * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE)
        self._next_snapshot = done + wait
        self._last = done  # the snapshot's own time is not training time

    def _measure_speed(self, now: float) -> None:
        """samples/s = (training rows since the last snapshot) / (seconds since then)."""
        rows = self._rows - self._rows_at_last
        if rows > 0 and now > self._last:
            self.samples_per_second = rows / (now - self._last)
        self._rows_at_last = self._rows

    # ---- views ----------------------------------------------------------------------------

    def _publish(self, stopping=None) -> None:
        stopping = stopping or views.never
        self._dirty = False
        with np.errstate(all="ignore"):  # a diverged network's norms may overflow: shown as None
            snapshot = views.snapshot_of(self, stopping)
        with self._lock:
            self.version += 1
            self._snapshot = snapshot



# ---- data ------------------------------------------------------------------------------------


def _load(settings: dict, recipe: Recipe, task: str):
    """(X_train, y_train, X_val, y_val, validation images or None): X as float rows, y 0/1 (or
    the regression target).

    The 2-D points are split by the recipe (``holdout``: stratified by the label for
    classification, so both splits keep the classes' proportions); the cat images of the
    validation set are drawn separately, as many as the recipe's validation fraction asks for."""
    if settings["dataset"] == "cats":
        m = settings["n_cats"]
        n_val = round(m * recipe.validation_split)
        images, y_train, val_images, y_val = datasets.cats(m - n_val, n_val, recipe.seed)
        features = datasets.image_features
        return features(images), y_train, features(val_images), y_val, val_images
    make = problems.REGRESSION.get(settings["dataset"]) or datasets.TWO_D[settings["dataset"]]
    X, y = make(settings["n_samples"], settings["noise"], settings["seed"])
    X = np.array(X, dtype=np.float64)
    X[:, 1] = X[:, 1] * settings["x2_scale"] + settings["x2_offset"]
    train_rows, val_rows = holdout(recipe, len(X), y if task == "classification" else None)
    return X[train_rows], y[train_rows], X[val_rows], y[val_rows], None


def _as_float32(X: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(X, dtype=np.float32)


__all__ = ["Session"]
