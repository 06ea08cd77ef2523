"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a zip archive like the model file (see ``glassnet.io``), written atomically:

    checkpoint.json    format and version, the architecture, the optimizer's configuration and
                       step count, the states of the shuffling and dropout generators, the epochs
                       done, the initial learning rate, the history (and whether it stopped),
                       the best epoch so far, and every array's declared dtype and shape
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import io as model_io
from . import optimizers
from .errors import GlassnetError, ModelFileError
from .network import Network
from .training import History

FORMAT_NAME = "glassnet-checkpoint"
FORMAT_VERSION = 1
_KEYS = {
    "format", "format_version", "glassnet_version", "architecture", "optimizer", "optimizer_t",
    "rng_state", "dropout_rng_state", "epochs_done", "base_lr", "history", "stopped", "best",
    "arrays",
}  # fmt: skip
_MAX_MEMBERS = 8 * model_io.MAX_LAYERS + 8


@dataclass
class Best:
    """The lowest monitored cost so far, its epoch, and that epoch's parameters and buffers."""

    cost: float = np.inf
    epoch: int = 0
    params: list[np.ndarray] | None = None
    buffers: list[np.ndarray] = field(default_factory=list)


@dataclass
class Checkpoint:
    """A loaded checkpoint: the network and optimizer with their state, and where the run was."""

    network: Network
    optimizer: optimizers.Optimizer
    history: History
    rng_state: dict
    epochs_done: int
    base_lr: float
    best: Best


def save(path, net: Network, optimizer, history: History, rng, epochs_done: int, base_lr: float,
         best: Best | None = None):  # fmt: skip
    """Write the training state to ``path`` atomically (temporary file, fsync, rename)."""
    from . import __version__

    best = Best() if best is None else best
    arrays = {f"p{i}": p for i, p in enumerate(net.parameters())}
    arrays |= {f"r{i}": r for i, r in enumerate(net.buffers())}
    for slot in optimizer.slots:
        arrays |= {f"{slot}{i}": a for i, a in enumerate(getattr(optimizer, slot) or [])}
    if best.params is not None:
        arrays |= {f"best_p{i}": p for i, p in enumerate(best.params)}
        arrays |= {f"best_r{i}": r for i, r in enumerate(best.buffers)}
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "architecture": net.config(),
        "optimizer": optimizer.config(),
        "optimizer_t": optimizer.t,
        "rng_state": rng.bit_generator.state,
        "dropout_rng_state": net.dropout_rng.bit_generator.state,
        "epochs_done": epochs_done,
        "base_lr": base_lr,
        "history": history.to_dict(),
        "stopped": bool(history.stop_training),
        "best": None if best.params is None else {"cost": best.cost, "epoch": best.epoch},
        "arrays": {k: {"dtype": a.dtype.name, "shape": list(a.shape)} for k, a in arrays.items()},
    }
    try:
        text = json.dumps(document, allow_nan=False)
    except ValueError as e:  # a non-finite number in the history: training had diverged
        raise GlassnetError(f"cannot checkpoint a state with non-finite numbers ({e})") from None

    def write(f) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("checkpoint.json", text)
            for name, a in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=a.nbytes > 2**30) as member:
                    np.lib.format.write_array(member, a.astype(a.dtype.newbyteorder("<")))

    return model_io.atomic_write(path, write)


def load(path) -> Checkpoint:
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
    except model_io._READ_ERRORS as e:
        raise ModelFileError(
            f"{where} is not a readable glassnet checkpoint ({type(e).__name__}: {e})"
        ) from None


def restore(state: Checkpoint, net: Network, optimizer) -> None:
    """Copy a checkpoint's weights, buffers, dropout generator and optimizer state into ``net``
    and ``optimizer``."""
    if net.config() | {"seed": None, "init": None} != state.network.config() | {
        "seed": None,
        "init": None,
    }:
        raise GlassnetError(
            f"the checkpoint holds a network {state.network!r}, not {net!r}; resume with the "
            "same architecture"
        )
    if type(state.optimizer) is not type(optimizer):
        raise GlassnetError(
            f"the checkpoint was trained with {state.optimizer!r}, not {optimizer!r}; resume "
            "with the same optimizer"
        )
    for mine, saved in zip(net.parameters() + net.buffers(),
                           state.network.parameters() + state.network.buffers()):  # fmt: skip
        mine[...] = saved
    net.dropout_rng.bit_generator.state = state.network.dropout_rng.bit_generator.state
    optimizer.__dict__.update(state.optimizer.__dict__)


def _expected_arrays(architecture: dict, optimizer, t: int, best: bool) -> dict:
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
    if t > 0:  # an optimizer's state slots exist after its first step
        for slot in optimizer.slots:
            expected |= {f"{slot}{i}": s for i, s in enumerate(params)}
    if best:
        expected |= {f"best_p{i}": s for i, s in enumerate(params)}
        expected |= {f"best_r{i}": s for i, s in enumerate(buffers)}
    return {k: {"dtype": dtype, "shape": list(s)} for k, s in expected.items()}


def _read(archive: zipfile.ZipFile, where: str) -> Checkpoint:
    def fail(problem: str) -> ModelFileError:
        return ModelFileError(f"{where}: checkpoint.json {problem}")

    infos = archive.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ModelFileError(f"{where} has {len(infos)} members, more than any checkpoint")
    model_io._check_stored(infos, where)  # uncompressed: nothing expands beyond the file
    by_name = {info.filename: info for info in infos}
    if len(by_name) != len(infos):
        raise ModelFileError(f"{where} holds a member more than once")
    if "checkpoint.json" not in by_name:
        raise ModelFileError(f"{where} has no checkpoint.json: it is not a glassnet checkpoint")
    info = by_name["checkpoint.json"]
    if info.file_size > model_io.MAX_JSON_BYTES:
        raise fail(f"claims {info.file_size} bytes, more than the limit")
    with archive.open(info) as member:
        raw = member.read(model_io.MAX_JSON_BYTES + 1)
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=model_io._refuse_constant)
    except (ValueError, RecursionError) as e:
        raise fail(f"is not valid JSON ({e})") from None
    if not isinstance(document, dict) or set(document) != _KEYS:
        raise fail(f"must be an object with the keys {sorted(_KEYS)}")
    if document["format"] != FORMAT_NAME or document["format_version"] != FORMAT_VERSION:
        raise fail(
            f"has format {document['format']!r} version {document['format_version']!r}; this "
            f"glassnet reads {FORMAT_NAME!r} version {FORMAT_VERSION}"
        )
    architecture = model_io._check_architecture(document["architecture"], fail)
    model_io._check_history(document["history"], fail)
    epochs_done, t = document["epochs_done"], document["optimizer_t"]
    if not (model_io._is_int(epochs_done) and epochs_done >= 0 and model_io._is_int(t) and t >= 0):
        raise fail("has invalid epochs_done or optimizer_t (integers >= 0)")
    base_lr = document["base_lr"]
    if isinstance(base_lr, bool) or not isinstance(base_lr, float | int) or not base_lr > 0:
        raise fail(f"has an invalid base_lr {base_lr!r}")
    if not isinstance(document["stopped"], bool):
        raise fail("has an invalid 'stopped' flag")
    best = document["best"]
    if best is not None and not (
        isinstance(best, dict)
        and set(best) == {"cost", "epoch"}
        and isinstance(best["cost"], float | int)
        and np.isfinite(best["cost"])
        and model_io._is_int(best["epoch"])
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

    wanted = _expected_arrays(architecture, optimizer, t, best is not None)
    if document["arrays"] != wanted:
        raise fail("declares arrays that do not match its architecture and optimizer")
    if set(by_name) != {"checkpoint.json"} | {f"{k}.npy" for k in wanted}:
        raise ModelFileError(f"{where} does not hold exactly the members its checkpoint.json lists")
    for name, spec in wanted.items():  # sizes first: nothing is allocated before this
        if (
            by_name[f"{name}.npy"].file_size
            > model_io._nbytes(spec) + model_io.NPY_HEADER_ALLOWANCE
        ):
            raise ModelFileError(f"{where}: member {name}.npy is larger than its declared shape")
    arrays = {k: model_io._read_array(archive, k, spec, where) for k, spec in wanted.items()}

    try:
        net = Network.from_config(architecture)
    except GlassnetError as e:
        raise fail(f"describes an invalid network: {e}") from None
    for i, target in enumerate(net.parameters()):
        target[...] = arrays[f"p{i}"]
    for i, target in enumerate(net.buffers()):
        target[...] = arrays[f"r{i}"]
    net.dropout_rng.bit_generator.state = dropout_rng_state
    optimizer.t = t
    if t > 0:
        n = len(net.parameters())
        for slot in optimizer.slots:
            setattr(optimizer, slot, [arrays[f"{slot}{i}"] for i in range(n)])
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
    return Checkpoint(net, optimizer, history, rng_state, epochs_done, float(base_lr), record)


def _check_rng_state(state, fail) -> dict:
    ok = (
        isinstance(state, dict)
        and state.get("bit_generator") == "PCG64"
        and isinstance(state.get("state"), dict)
        and all(model_io._is_int(state["state"].get(k)) for k in ("state", "inc"))
        and all(0 <= state["state"][k] < 2**128 for k in ("state", "inc"))
    )
    if not ok:
        raise fail("has an invalid random generator state")
    try:
        np.random.default_rng().bit_generator.state = state
    except (ValueError, TypeError, KeyError) as e:
        raise fail(f"has an invalid random generator state ({e})") from None
    return state
