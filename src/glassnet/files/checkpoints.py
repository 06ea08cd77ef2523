"""Training checkpoints: a ``TrainingState`` in a file, to continue a run exactly where it stopped.

A checkpoint is a safe archive like the model file (``glassnet.files.archive``), written
atomically:

    checkpoint.json    format and version, the architecture, the optimizer's configuration
                       (hyper-parameters and schedule) and state (steps, the schedule's epoch,
                       the current learning rate, which slots it holds), the states of the
                       shuffling and dropout generators, the epochs done, the history (and
                       whether it stopped), the best epoch so far, and every array's declared
                       dtype and shape
    p0.npy p1.npy ...  the network's parameters, in the order of ``net.parameters()``
    r0.npy r1.npy ...  its buffers (batch normalization's running statistics)
    <slot><i>.npy      the optimizer's state (e.g. velocities0 ...), same order as p
    best_p<i>.npy, best_r<i>.npy   the weights of the best epoch (early stopping, restore_best)

Loading applies the model file's rules: no pickle, members stored uncompressed, the declared
shapes checked against the architecture and against the zip directory before anything is
allocated, no member read beyond its declared size, every number finite.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from .. import optimizers
from ..errors import GlassnetError, ModelFileError
from ..history import Best, History
from ..network import Network
from ..optimizers import OptimizerState
from ..state import TrainingState
from ..version import __version__
from .archive import (
    NPY_HEADER_ALLOWANCE,
    READ_ERRORS,
    check_stored,
    is_int,
    is_number,
    nbytes,
    read_array,
    read_json,
    write_archive,
)
from .model import MAX_LAYERS, check_architecture, check_history

FORMAT_NAME = "glassnet-checkpoint"
FORMAT_VERSION = 2
_KEYS = {
    "format", "format_version", "glassnet_version", "architecture", "optimizer",
    "optimizer_state", "rng_state", "dropout_rng_state", "epochs_done", "history", "stopped",
    "best", "arrays",
}  # fmt: skip
_MAX_MEMBERS = 8 * MAX_LAYERS + 8


def save(path, state: TrainingState) -> Path:
    """Write the training state to ``path`` atomically (temporary file, fsync, rename)."""
    net, optimizer, best = state.network, state.optimizer, state.best
    arrays = {f"p{i}": p for i, p in enumerate(net.parameters())}
    arrays |= {f"r{i}": r for i, r in enumerate(net.buffers())}
    for slot, values in optimizer.state.slots.items():
        arrays |= {f"{slot}{i}": a for i, a in enumerate(values)}
    if best.params is not None:
        arrays |= {f"best_p{i}": p for i, p in enumerate(best.params)}
        arrays |= {f"best_r{i}": r for i, r in enumerate(best.buffers)}
    o = optimizer.state
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "architecture": net.config(),
        "optimizer": optimizer.config(),
        "optimizer_state": {"t": o.t, "epoch": o.epoch, "lr": o.lr, "slots": sorted(o.slots)},
        "rng_state": state.rng.bit_generator.state,
        "dropout_rng_state": net.dropout_rng.bit_generator.state,
        "epochs_done": state.epoch,
        "history": state.history.to_dict(),
        "stopped": bool(state.history.stop_training),
        "best": None if best.params is None else {"cost": best.cost, "epoch": best.epoch},
        "arrays": {k: {"dtype": a.dtype.name, "shape": list(a.shape)} for k, a in arrays.items()},
    }
    try:
        text = json.dumps(document, allow_nan=False)
    except ValueError as e:  # a non-finite number in the history: training had diverged
        raise GlassnetError(f"cannot checkpoint a state with non-finite numbers ({e})") from None
    return write_archive(path, "checkpoint.json", text, arrays)


def load(path) -> TrainingState:
    """Read a checkpoint; raise ``ModelFileError`` if it is not a valid one."""
    path = Path(path)
    where = str(path)
    try:
        if not path.is_file() or path.stat().st_size == 0:
            raise ModelFileError(f"checkpoint {where} does not exist or is empty; check the path")
        with zipfile.ZipFile(path) as archive:
            return _read(archive, where)
    except ModelFileError:
        raise
    except READ_ERRORS as e:
        raise ModelFileError(
            f"{where} is not a readable glassnet checkpoint ({type(e).__name__}: {e})"
        ) from None


def _expected_arrays(architecture: dict, slots: list[str], best: bool) -> dict:
    """name -> (dtype, shape) of every array a checkpoint of this run holds, from the
    architecture alone (nothing is allocated)."""
    sizes, dtype = architecture["sizes"], architecture["dtype"]
    batch_norm = bool(architecture.get("batch_norm", False))
    params, buffers = [], []
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        params += [(n_out, n_in), (n_out,)]
        if batch_norm and l < len(sizes) - 1:
            params += [(n_out,), (n_out,)]
            buffers += [(n_out,), (n_out,)]
    expected = {f"p{i}": s for i, s in enumerate(params)}
    expected |= {f"r{i}": s for i, s in enumerate(buffers)}
    for slot in slots:  # an optimizer's state slots exist after its first step
        expected |= {f"{slot}{i}": s for i, s in enumerate(params)}
    if best:
        expected |= {f"best_p{i}": s for i, s in enumerate(params)}
        expected |= {f"best_r{i}": s for i, s in enumerate(buffers)}
    return {k: {"dtype": dtype, "shape": list(s)} for k, s in expected.items()}


def _read(archive: zipfile.ZipFile, where: str) -> TrainingState:
    def fail(problem: str) -> ModelFileError:
        return ModelFileError(f"{where}: checkpoint.json {problem}")

    infos = archive.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ModelFileError(f"{where} has {len(infos)} members, more than any checkpoint")
    check_stored(infos, where)  # uncompressed: nothing expands beyond the file
    by_name = {info.filename: info for info in infos}
    if len(by_name) != len(infos):
        raise ModelFileError(f"{where} holds a member more than once")
    if "checkpoint.json" not in by_name:
        raise ModelFileError(f"{where} has no checkpoint.json: it is not a glassnet checkpoint")
    document = read_json(archive, "checkpoint.json", where)
    if not isinstance(document, dict):
        raise fail(f"must be an object with the keys {sorted(_KEYS)}")
    if document.get("format") != FORMAT_NAME or document.get("format_version") != FORMAT_VERSION:
        raise fail(
            f"has format {document.get('format')!r} version {document.get('format_version')!r}; "
            f"this glassnet reads {FORMAT_NAME!r} version {FORMAT_VERSION}"
        )
    if set(document) != _KEYS:
        raise fail(f"must be an object with the keys {sorted(_KEYS)}")
    architecture = check_architecture(document["architecture"], fail)
    check_history(document["history"], fail)
    epochs_done = document["epochs_done"]
    if not (is_int(epochs_done) and epochs_done >= 0):
        raise fail("has an invalid epochs_done (an integer >= 0)")
    if not isinstance(document["stopped"], bool):
        raise fail("has an invalid 'stopped' flag")
    best = document["best"]
    if best is not None and not (
        isinstance(best, dict)
        and set(best) == {"cost", "epoch"}
        and isinstance(best["cost"], float | int)
        and np.isfinite(best["cost"])
        and is_int(best["epoch"])
        and 0 <= best["epoch"] <= epochs_done
    ):
        raise fail("has an invalid 'best' record")
    rng_state = _check_rng_state(document["rng_state"], fail)
    dropout_rng_state = _check_rng_state(document["dropout_rng_state"], fail)
    config = document["optimizer"]
    try:
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            raise GlassnetError("the optimizer must be an object with a name")
        optimizer = optimizers.from_config(config)
    except (GlassnetError, TypeError) as e:
        raise fail(f"describes an invalid optimizer: {e}") from None
    progress = _check_optimizer_state(document["optimizer_state"], optimizer, fail)

    wanted = _expected_arrays(architecture, progress["slots"], best is not None)
    if document["arrays"] != wanted:
        raise fail("declares arrays that do not match its architecture and optimizer")
    if set(by_name) != {"checkpoint.json"} | {f"{k}.npy" for k in wanted}:
        raise ModelFileError(f"{where} does not hold exactly the members its checkpoint.json lists")
    for name, spec in wanted.items():  # sizes first: nothing is allocated before this
        if (
            by_name[f"{name}.npy"].file_size
            > nbytes(spec) + NPY_HEADER_ALLOWANCE
        ):
            raise ModelFileError(f"{where}: member {name}.npy is larger than its declared shape")
    arrays = {
        name: read_array(archive, name, spec, where, "checkpoint.json")
        for name, spec in wanted.items()
    }

    try:
        net = Network.from_config(architecture)
    except GlassnetError as e:
        raise fail(f"describes an invalid network: {e}") from None
    for i, target in enumerate(net.parameters()):
        target[...] = arrays[f"p{i}"]
    for i, target in enumerate(net.buffers()):
        target[...] = arrays[f"r{i}"]
    net.dropout_rng.bit_generator.state = dropout_rng_state
    n = len(net.parameters())
    slots = {slot: [arrays[f"{slot}{i}"] for i in range(n)] for slot in progress["slots"]}
    optimizer.load_state(
        OptimizerState(progress["t"], progress["epoch"], float(progress["lr"]), slots)
    )
    record = Best()
    if best is not None:
        record = Best(
            cost=float(best["cost"]),
            epoch=best["epoch"],
            params=[arrays[f"best_p{i}"] for i in range(len(net.parameters()))],
            buffers=[arrays[f"best_r{i}"] for i in range(len(net.buffers()))],
        )
    history = History(**document["history"])
    history.stop_training = document["stopped"]
    rng = np.random.default_rng()
    rng.bit_generator.state = rng_state
    return TrainingState(net, optimizer, rng, epochs_done, history, record)


def _check_optimizer_state(progress, optimizer, fail) -> dict:
    """{"t", "epoch", "lr", "slots"}: counts >= 0, a learning rate > 0, the optimizer's slots
    (all of them once it has stepped, none before)."""
    ok = (
        isinstance(progress, dict)
        and set(progress) == {"t", "epoch", "lr", "slots"}
        and is_int(progress["t"])
        and progress["t"] >= 0
        and is_int(progress["epoch"])
        and progress["epoch"] >= 0
        and is_number(progress["lr"])
        and progress["lr"] > 0
        and progress["slots"] in ([], sorted(optimizer.slots))
    )
    if not ok:
        raise fail(f"has an invalid optimizer_state {progress!r}")
    return progress


def _check_rng_state(state, fail) -> dict:
    ok = (
        isinstance(state, dict)
        and state.get("bit_generator") == "PCG64"
        and isinstance(state.get("state"), dict)
        and all(is_int(state["state"].get(k)) for k in ("state", "inc"))
        and all(0 <= state["state"][k] < 2**128 for k in ("state", "inc"))
    )
    if not ok:
        raise fail("has an invalid random generator state")
    try:
        np.random.default_rng().bit_generator.state = state
    except (ValueError, TypeError, KeyError) as e:
        raise fail(f"has an invalid random generator state ({e})") from None
    return state
