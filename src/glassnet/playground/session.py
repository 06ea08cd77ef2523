"""One playground session: the data, network and training thread behind one browser tab.

Training runs in a background thread, epoch after epoch as ``gn.train`` runs them (the same
shuffles, the same engine, the same costs, bit for bit), but each epoch is cut into *chunks* of
mini-batches: the engine's epoch function (``glassnet.engine.select``) is called on a few of the
epoch's batch slices at a time, as many as take about ``CHUNK_SECONDS``. Between two chunks the
thread looks whether the page asked to pause (or the tab closed, or the server stops), applies a
weight the page edited, and, at most ``MAX_SNAPSHOTS_PER_SECOND`` times a second, takes a
snapshot of what the page shows. So pause and close act within about one chunk whatever the
length of an epoch; one step of one batch is bounded by the settings (``MAX_STEP_WORK``), every
forward pass of many rows runs in interruptible chunks of rows as well. A paused epoch is
resumed where it stopped.

A snapshot is never allowed to cost more than ``SNAPSHOT_SHARE`` of the training time: after a
snapshot that took s seconds the next one waits at least s (1 - share) / share seconds.

What a snapshot holds (all computed from the live network, nothing simulated):

    cost        J of the last epoch (mean of its batch costs) and on the validation split
    accuracy    fraction of thresholded outputs equal to the label, training and validation
    gradients   ||dW[l]|| of every layer at the current weights, on a fixed sample of training
                rows (one training pass of a copy of the network, so training is untouched)
    histograms  of every layer's W, and of every layer's A on the same sample rows
    boundary    the output (P(y = 1 | x), or the regression output) on a grid over the plane
    graph       for a network small enough to draw: every W[l] and b[l], every dW[l] and the
                mean |dZ[l]| of each neuron on the sample rows, and each neuron's output A over
                a small grid of the plane (its heat map)
    cats        P(cat | image) of the first validation images
"""

from __future__ import annotations

import base64
import itertools
import math
import threading
import time

import numpy as np

from .. import datasets
from ..data import Standardizer, batch_slices
from ..engine import select
from ..errors import GlassnetError
from ..metrics import output_accuracy
from ..recipe import Recipe, holdout, make_network, make_optimizer
from ..state import TrainingState
from . import problems
from .settings import (
    DEFAULTS,
    MAX_STEP_WORK,
    SettingError,
    check_settings,
    recipe_of,
    task_of,
)

MAX_SNAPSHOTS_PER_SECOND = 20
SNAPSHOT_SHARE = 0.1
CHUNK_SECONDS = 0.04  # training between two looks at the pause button
FOREVER = 10**9  # epochs for "start": training runs until paused
MAX_POINTS = 1000  # points drawn on the decision boundary
MAX_HISTOGRAM_VALUES = 20_000
HISTOGRAM_BINS = 24
SAMPLE_ROWS = 256  # training rows whose activations and gradients are shown
GRID_WORK = 5e7  # grid points x parameters per boundary picture
FORWARD_WORK = 2 * MAX_STEP_WORK  # rows x parameters of one forward chunk (no backward pass)
CAT_TILES = 16  # validation images shown with their predictions
NEURON_GRID = 20  # each neuron's heat map is NEURON_GRID x NEURON_GRID
MAX_GRAPH_WIDTH = 16  # the graph is drawn for layers of at most this many units
TRACE_ROWS = 4  # rows of one batch shown by "step through one batch"
TRACE_UNITS = 16  # units per layer shown there
MAX_WEIGHT = 1e3  # |w| of an edited weight

_ids = itertools.count(1)


class Stopped(Exception):
    """The page asked the training thread to stop between two chunks."""


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
        with self._work:
            self.state, self.message = "paused", ""
            try:
                if self._next >= len(self._slices):
                    self._finish_epoch(_never)
                    self._begin_epoch()
                rows = self._order[self._slices[self._next]]
                m = len(rows)
                with np.errstate(over="ignore", invalid="ignore"):
                    stages = _trace(self.net, self.optimizer, self.X_train[rows],
                                    self.Y_train[rows])
                self._costs.append(stages[-1]["J"])
                self._next += 1
                with self._lock:
                    self.record.iterations += 1
                self._check_finite([])
                if self._next >= len(self._slices):
                    self._finish_epoch(_never)
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
                "train": [_finite(c) for c in record.train_costs[start:stop]],
                "val": [_finite(c) for c in record.val_costs[start:stop]],
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
            "batches_per_epoch": len(self._slices),
            "graph": self.drawable,
        }
        if self.is_2d:
            info["points"] = self.points
            info["bounds"] = self.bounds
            info["grid"] = self.grid_size
            info["features"] = self.settings["features"]
            info["neuron_grid"] = NEURON_GRID
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
                for image, label in zip(images[:CAT_TILES], y_val[:CAT_TILES])
            ]
        # one shuffling generator per run, seeded as gn.train(seed=s) seeds its own
        shuffle_seed = int(np.random.default_rng(seed + 2).integers(2**32))
        self._state = TrainingState(net, optimizer, np.random.default_rng(shuffle_seed))
        self._epoch = select(recipe.engine, net, optimizer)
        self._slices = batch_slices(len(self.X_train), settings["batch_size"])
        self._sizes = np.array([s.stop - s.start for s in self._slices])
        self._next = len(self._slices)  # no epoch begun yet
        self._order = np.arange(len(self.X_train))
        self._costs: list[float] = []
        self._epoch_start = None
        self.state, self.message = "ready", ""
        self._samples_per_second = 0.0
        self._rows = self._rows_at_last = self._iterations_at_epoch = 0
        self._last = time.perf_counter()
        with self._lock:
            self.record = Record()
            self.run_id += 1
        self._publish()

    def _build_grid(self, X_train, y_train, X_val, y_val, transform, n_parameters: int) -> None:
        """The boundary's grid in the data's own coordinates (each axis spans its data plus a
        margin), fed through the same transform as the data; as many points as the network's
        size allows (at most 64 x 64); the coarser NEURON_GRID grid of the neurons' heat maps
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
        self.neuron_grid = transform(grid(NEURON_GRID))
        self.feature_maps = [_heat(column) for column in self.neuron_grid.T]
        is_train = np.arange(len(X)) < len(X_train)
        shown = np.random.default_rng(0).permutation(len(X))[:MAX_POINTS]
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
            while True:
                if self._next >= len(self._slices):
                    self._finish_epoch(stopping)  # an epoch paused before it was recorded
                    if self.record.epochs >= target or stopping():
                        break
                    self._begin_epoch()
                chunk = self._run_chunk(chunk)
                if self._next >= len(self._slices):
                    self._finish_epoch(stopping)
                if stopping():
                    break
                self._maybe_publish()
        except Stopped:
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
            except Stopped:
                pass

    def _announce(self) -> None:
        """The last snapshot with the session's new state and message, published at once."""
        with self._lock:
            self.version += 1
            self._snapshot = {**self._snapshot, "state": self.state, "message": self.message}

    def _begin_epoch(self) -> None:
        """As gn.train begins an epoch: a snapshot to roll back to, the optimizer's epoch
        clock, a permutation of the training rows."""
        self._epoch_start = self._state.snapshot()
        self._iterations_at_epoch = self.record.iterations
        self.optimizer.begin_epoch()
        self._order = self._state.rng.permutation(len(self.X_train))
        self._next, self._costs = 0, []

    def _run_chunk(self, chunk: int) -> int:
        """Train the next ``chunk`` batches of the epoch; return the chunk size for next time."""
        first = self._next
        with self._work:
            began = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                costs = self._epoch(
                    self.net, self.optimizer, self.X_train, self.Y_train, self._order,
                    self._slices[first:first + chunk],
                )
            spent = time.perf_counter() - began
            self._costs.extend(costs)
            self._next = first + len(costs)
            with self._lock:
                self.record.iterations += len(costs)
            self._rows += int(self._sizes[first:self._next].sum())
            self._check_finite(costs)
        per_batch = spent / max(1, len(costs))
        return int(np.clip(CHUNK_SECONDS / max(per_batch, 1e-7), 1, len(self._slices)))

    def _check_finite(self, costs, val_cost: float = 0.0) -> None:
        """After a chunk: a NaN or infinite cost or weight rolls the epoch back (as gn.train
        does) and raises Diverged with the advice the page shows."""
        bad = not np.all(np.isfinite(np.asarray(costs, dtype=np.float64)))
        bad = bad or not math.isfinite(val_cost)
        bad = bad or not all(np.isfinite(p).all() for p in self.net.parameters())
        if not bad:
            return
        epoch, iteration = self.record.epochs + 1, self.record.iterations
        self._state.rollback(self._epoch_start)
        self._next, self._costs = len(self._slices), []  # the rolled back epoch starts afresh
        with self._lock:
            self.record.iterations = self._iterations_at_epoch
        raise Diverged(
            f"Training diverged in epoch {epoch}, iteration {iteration}: the cost became NaN or "
            "infinite. The network keeps its last finite weights. Set a smaller learning rate, "
            f"e.g. {self.optimizer.lr / 10:g}, and press Start (a changed setting starts over "
            "from fresh weights)."
        )

    def _finish_epoch(self, stopping) -> None:
        """As gn.train ends an epoch: the epoch's cost (batch costs weighted by batch size), the
        validation cost and accuracy, into the record. Interruptible (then the epoch stays
        complete but unrecorded, and is recorded first when training goes on)."""
        if not self._costs:
            return
        val_cost, A_val = self._cost_of(self.X_val, self.Y_val, stopping)
        self._check_finite([], val_cost)
        train_cost = float(np.dot(self._costs, self._sizes) / len(self.X_train))
        accuracy = None
        if self.task == "classification":
            accuracy = output_accuracy(A_val, self.Y_val, self.net.output.name)
        with self._lock:
            self.record.add(train_cost, val_cost, accuracy)
        self._costs = []

    def _cost_of(self, X, Y, stopping) -> tuple[float, np.ndarray]:
        """(J, A[L]) of rows X in prediction mode. Small enough for one forward pass: exactly as
        gn.train computes it (``batch_cost``, then ``propagate``); else in chunks of rows,
        J = (1/m) sum_chunks m_c J_c(no penalty) + the L2 penalty of m rows."""
        net = self.net
        if len(X) * net.n_parameters <= FORWARD_WORK:
            J = net.batch_cost(X, Y)
            return J, net.propagate(X)
        total, parts = 0.0, []
        for rows in self._row_chunks(len(X)):
            if stopping():
                raise Stopped
            Z = net.logits(X[rows])
            A = net.output.forward(Z)
            total += net.loss.cost(Z, A, Y[rows]) * len(Z)
            parts.append(A)
        return total / len(X) + net.penalty(len(X)), np.concatenate(parts)

    def _outputs(self, X, stopping) -> np.ndarray:
        """A[L] of rows X in interruptible chunks (the fastest engine, no caches)."""
        parts = []
        for rows in self._row_chunks(len(X)):
            if stopping():
                raise Stopped
            parts.append(self.net.outputs(X[rows]))
        return np.concatenate(parts) if parts else np.zeros((0, self.net.n_outputs))

    def _row_chunks(self, m: int):
        step = max(1, int(FORWARD_WORK // self.net.n_parameters))
        return [slice(i, min(i + step, m)) for i in range(0, m, step)]

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
            self._samples_per_second = rows / (now - self._last)
        self._rows_at_last = self._rows

    # ---- views ----------------------------------------------------------------------------

    def _publish(self, stopping=None) -> None:
        stopping = stopping or _never
        self._dirty = False
        with np.errstate(all="ignore"):  # a diverged network's norms may overflow: shown as None
            snapshot = self._views(stopping)
        with self._lock:
            self.version += 1
            self._snapshot = snapshot

    def _views(self, stopping) -> dict:
        net, record = self.net, self.record
        regression = self.task == "regression"
        # one training pass on the sample rows, by a copy: dropout masks and batch-norm
        # statistics of the live network stay as training left them
        view = net.copy()
        view.backprop(self.X_sample, self.Y_sample)
        layers = view.layers
        norms = [_finite(np.linalg.norm(layer.dW)) for layer in layers]
        if record.val_costs:
            val_cost, val_accuracy = record.val_costs[-1], record.val_accuracy
        else:
            val_cost, A_val = self._cost_of(self.X_val, self.Y_val, stopping)
            val_accuracy = None if regression else output_accuracy(
                A_val, self.Y_val, net.output.name
            )
        train_accuracy = None
        if not regression:
            A_train = self._outputs(self.X_train, stopping)
            train_accuracy = output_accuracy(A_train, self.Y_train, net.output.name)
        snapshot = {
            "type": "update",
            "run_id": self.run_id,
            "state": self.state,
            "message": self.message,
            "epoch": record.epochs,
            "iteration": record.iterations,
            "batch": [min(self._next, len(self._slices)), len(self._slices)],
            "train_cost": _finite(record.train_costs[-1]) if record.train_costs else None,
            "val_cost": _finite(val_cost),
            "train_accuracy": train_accuracy,
            "val_accuracy": None if val_accuracy is None else float(val_accuracy),
            "samples_per_second": self._samples_per_second,
            "gradient_norms": norms,
            "weights": [_histogram(layer.W) for layer in net.layers],
            "activations": [_histogram(layer.A) for layer in layers],
        }
        if self.is_2d:
            P = self._outputs(self.grid, stopping)[:, 0]
            low, high = (-1.0, 1.0) if regression else (0.0, 1.0)
            snapshot["boundary"] = _encode(P, low, high)
        else:
            P = self._outputs(self.X_val[:CAT_TILES], stopping)[:, 0]
            snapshot["tiles"] = [_finite(p) for p in P]
        if self.drawable:
            snapshot["graph"] = self._graph(view)
        return snapshot

    def _graph(self, view) -> dict:
        """The graph view's numbers: the weights and biases, the gradients dW[l] and the mean
        |dZ[l]| of each neuron (from ``view``'s training pass on the sample rows), and each
        neuron's output over the NEURON_GRID plane, quantized within its layer's range."""
        gradients = {
            "dW": [_rounded(layer.dW) for layer in view.layers],
            "dZ": [_rounded(np.abs(layer.dZ).mean(axis=0)) for layer in view.layers],
        }
        view.propagate(self.neuron_grid)  # prediction mode: each layer keeps its A
        return {
            "W": [_rounded(layer.W) for layer in self.net.layers],
            "b": [_rounded(layer.b) for layer in self.net.layers],
            **gradients,
            "neurons": [_heat_layer(layer.A, layer.activation.name) for layer in view.layers],
        }


def _never() -> bool:
    return False


class Diverged(GlassnetError):
    """The cost or a weight became NaN or infinite; the message says what to do."""


class Record:
    """What the page plots, kept by the session across pauses: per epoch the training cost
    (batch costs weighted by batch size) and the validation cost; the last validation accuracy;
    the number of mini-batch steps."""

    def __init__(self) -> None:
        self.train_costs: list[float] = []
        self.val_costs: list[float] = []
        self.val_accuracy: float | None = None
        self.iterations = 0

    @property
    def epochs(self) -> int:
        return len(self.val_costs)

    def add(self, train_cost: float, val_cost: float, val_accuracy: float | None) -> None:
        self.val_accuracy = val_accuracy
        self.train_costs.append(train_cost)
        self.val_costs.append(val_cost)


# ---- step through one batch ------------------------------------------------------------------


def _trace(net, optimizer, X, Y) -> list[dict]:
    """The stages of one training step on the batch (X, Y), each with its formula and values:
    forward l = 1..L, the cost, backward l = L..1, the update. The step itself is the reference
    engine's: ``net.backprop``, then ``optimizer.step``."""
    J, grads = net.backprop(X, Y)
    if not math.isfinite(J):
        raise Diverged("the cost of this batch is NaN or infinite: set a smaller learning rate")
    L = len(net.layers)
    stages = []
    for l, layer in enumerate(net.layers, start=1):
        g = layer.activation.name
        formula = [f"Z[{l}] = A[{l - 1}] W[{l}]^T + b[{l}]"]
        if layer.norm is not None:
            formula.append(f"Z~[{l}] = gamma (Z[{l}] - mu_B) / sqrt(var_B + eps) + beta")
        formula.append(f"A[{l}] = {g}(Z[{l}])")
        if net.dropout and l < L:
            formula.append(f"A[{l}] = A[{l}] * mask / {1 - net.dropout:g}   (dropout)")
        stages.append({
            "phase": "forward", "layer": l, "formula": formula,
            "values": {f"Z[{l}]": _rows(layer.Z), f"A[{l}]": _rows(layer.A)},
        })
    last = net.layers[-1]
    cost = (
        "J = (1/m) sum_i [max(z, 0) - z y + log(1 + e^-|z|)]   (binary cross-entropy)"
        if net.output.name == "sigmoid"
        else "J = (1/m) sum_i (1/2) (a - y)^2   (mean squared error)"
    )
    if net.l2:
        cost += f" + ({net.l2:g} / 2m) sum_l ||W[l]||^2"
    if net.l1:
        cost += f" + ({net.l1:g} / m) sum_l sum |W[l]|"
    stages.append({
        "phase": "cost", "layer": L, "formula": [cost, f"dZ[{L}] = A[{L}] - Y"],
        "values": {"Y": _rows(Y), f"A[{L}]": _rows(last.A), f"dZ[{L}]": _rows(last.dZ)},
        "J": float(J),
    })
    derivative = {
        "sigmoid": "a (1 - a)", "tanh": "1 - a^2", "relu": "1 where a > 0, else 0",
        "identity": "1",
    }
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        formula = [
            f"dW[{l}] = (1/m) dZ[{l}]^T A[{l - 1}]"
            + (f" + ({net.l2:g}/m) W[{l}]" if net.l2 else "")
            + (f" + ({net.l1:g}/m) sign(W[{l}])" if net.l1 else ""),
            f"db[{l}] = (1/m) sum_i dZ[{l}]_i",
        ]
        values = {f"dZ[{l}]": _rows(layer.dZ), f"dW[{l}]": _rows(layer.dW),
                  f"db[{l}]": _rows(layer.db[None, :])}
        if l > 1:
            below = net.layers[l - 2]
            formula += [
                f"dA[{l - 1}] = dZ[{l}] W[{l}]",
                f"dZ[{l - 1}] = dA[{l - 1}] * g'(Z[{l - 1}]),  g' = "
                f"{derivative.get(below.activation.name, 'g′')}",
            ]
        stages.append({"phase": "backward", "layer": l, "formula": formula, "values": values})
    optimizer.step(net.parameters(), [g for pair in grads for g in pair])
    rule = (type(optimizer).__doc__ or "").strip()
    stages.append({
        "phase": "update", "layer": 0, "formula": [f"lr = {optimizer.lr:g}", rule],
        "values": {f"W[{l}]": _rows(layer.W) for l, layer in enumerate(net.layers, start=1)},
        "J": float(J),
    })
    return stages


def _rows(values: np.ndarray) -> list[list[float | None]]:
    """The first TRACE_ROWS rows and TRACE_UNITS columns, to 4 significant digits."""
    block = np.asarray(values)[:TRACE_ROWS, :TRACE_UNITS]
    return [[_finite(float(f"{v:.4g}")) for v in row] for row in block]


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


def _encode(values: np.ndarray, low: float, high: float) -> str:
    """values in [low, high] as base64 bytes 0..255 (NaN as the middle)."""
    shades = (np.clip(values, low, high) - low) / (high - low) * 255
    return base64.b64encode(np.nan_to_num(shades, nan=127).round().astype(np.uint8).tobytes()
                            ).decode("ascii")


def _heat(values: np.ndarray, low: float | None = None, high: float | None = None) -> dict:
    """One map over the neuron grid: its bytes and the range they span."""
    finite = values[np.isfinite(values)]
    if low is None:
        low = float(finite.min()) if finite.size else 0.0
        high = float(finite.max()) if finite.size else 1.0
        bound = max(abs(low), abs(high), 1e-9)  # symmetric, so that 0 is the middle colour
        low, high = -bound, bound
    return {"low": low, "high": high, "map": _encode(values, low, high)}


def _heat_layer(A: np.ndarray, activation: str) -> list[dict]:
    """The heat map of every unit of a layer, in its activation's range (tanh in [-1, 1], sigmoid
    in [0, 1], ReLU and identity in the symmetric range of the layer's values)."""
    fixed = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(activation)
    if fixed is None:
        finite = A[np.isfinite(A)]
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        fixed = (-max(bound, 1e-9), max(bound, 1e-9))
    return [_heat(column, *fixed) for column in A.T]


def _rounded(values: np.ndarray) -> list:
    """An array as nested lists of floats to 4 significant digits (None where not finite)."""
    flat = [_finite(float(f"{v:.4g}")) for v in np.asarray(values, dtype=np.float64).reshape(-1)]
    if values.ndim == 1:
        return flat
    n = values.shape[1]
    return [flat[i:i + n] for i in range(0, len(flat), n)]


def _histogram(values: np.ndarray) -> dict:
    """Counts of at most MAX_HISTOGRAM_VALUES evenly strided values in HISTOGRAM_BINS bins."""
    flat = values.reshape(-1)
    flat = flat[:: max(1, flat.size // MAX_HISTOGRAM_VALUES)]
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return {"low": 0.0, "high": 0.0, "counts": [0] * HISTOGRAM_BINS}
    low, high = float(flat.min()), float(flat.max())
    if high - low <= 1e-6 * max(1.0, abs(low), abs(high)):  # one value (in float32's precision)
        low, high = low - 0.5, high + 0.5
    counts, _ = np.histogram(flat, bins=HISTOGRAM_BINS, range=(low, high))
    return {"low": low, "high": high, "counts": counts.tolist()}


def _finite(value) -> float | None:
    """A float for JSON, or None for NaN and infinity (which JSON cannot carry)."""
    value = float(value)
    return value if math.isfinite(value) else None


__all__ = ["Session"]
