"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a zip archive like the model file (see ``glassnet.io``), written atomically:

    checkpoint.json    format and version, the architecture, the optimizer's configuration and
                       step count, the shuffling generator's state, the epochs done, the initial
                       learning rate, the history, and every array's declared dtype and shape
    p0.npy p1.npy ...  the network's parameters, in the order of ``net.parameters()``
    <slot><i>.npy      the optimizer's state (e.g. velocities0 ...), same order
    running_mean<l>.npy, running_var<l>.npy   batch normalization's running averages

Loading applies the model file's rules: no pickle, no member larger than its declared shape
allows, declared shapes checked against the architecture, every number finite.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
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
    "rng_state", "epochs_done", "base_lr", "history", "arrays",
}  # fmt: skip


@dataclass
class Checkpoint:
    """A loaded checkpoint: the network and optimizer with their state, and where the run was."""

    network: Network
    optimizer: optimizers.Optimizer
    history: History
    rng_state: dict
    epochs_done: int
    base_lr: float


def save(path, net: Network, optimizer, history: History, rng, epochs_done: int, base_lr: float):
    """Write the training state to ``path`` atomically (temporary file, fsync, rename)."""
    from . import __version__

    arrays = {f"p{i}": p for i, p in enumerate(net.parameters())}
    for slot in optimizer.slots:
        for i, a in enumerate(getattr(optimizer, slot) or []):
            arrays[f"{slot}{i}"] = a
    for l, layer in enumerate(net.layers, start=1):
        if layer.norm is not None:
            arrays[f"running_mean{l}"] = layer.norm.running_mean
            arrays[f"running_var{l}"] = layer.norm.running_var
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "architecture": net.config(),
        "optimizer": optimizer.config(),
        "optimizer_t": optimizer.t,
        "rng_state": rng.bit_generator.state,
        "epochs_done": epochs_done,
        "base_lr": base_lr,
        "history": history.to_dict(),
        "arrays": {k: {"dtype": a.dtype.name, "shape": list(a.shape)} for k, a in arrays.items()},
    }
    text = json.dumps(document, allow_nan=False)

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
    """Copy a checkpoint's weights and optimizer state into ``net`` and ``optimizer``."""
    if state.network.config()["sizes"] != net.sizes or _shape_of(state.network) != _shape_of(net):
        raise GlassnetError(
            f"the checkpoint holds a network {state.network!r}, not {net!r}; resume with the "
            "same architecture"
        )
    if type(state.optimizer) is not type(optimizer):
        raise GlassnetError(
            f"the checkpoint was trained with {state.optimizer!r}, not {optimizer!r}; resume "
            "with the same optimizer"
        )
    for mine, saved in zip(net.parameters(), state.network.parameters(), strict=True):
        mine[...] = saved
    for layer, saved in zip(net.layers, state.network.layers, strict=True):
        if layer.norm is not None:
            layer.norm.running_mean[...] = saved.norm.running_mean
            layer.norm.running_var[...] = saved.norm.running_var
    optimizer.__dict__.update(state.optimizer.__dict__)


def _shape_of(net: Network) -> list:
    return [(layer.activation.name, layer.norm is not None) for layer in net.layers]


def _read(archive: zipfile.ZipFile, where: str) -> Checkpoint:
    def fail(problem: str) -> ModelFileError:
        return ModelFileError(f"{where}: checkpoint.json {problem}")

    infos = {info.filename: info for info in archive.infolist()}
    if "checkpoint.json" not in infos:
        raise ModelFileError(f"{where} has no checkpoint.json: it is not a glassnet checkpoint")
    info = infos["checkpoint.json"]
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
    if not isinstance(document["base_lr"], float | int) or not document["base_lr"] > 0:
        raise fail(f"has an invalid base_lr {document['base_lr']!r}")
    rng_state = _check_rng_state(document["rng_state"], fail)
    try:
        net = Network.from_config(architecture)
        config = document["optimizer"]
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            raise GlassnetError("the optimizer must be an object with a name")
        optimizer = optimizers.from_config(config)
    except (GlassnetError, TypeError) as e:
        raise fail(f"describes an invalid network or optimizer: {e}") from None

    expected = {f"p{i}": p for i, p in enumerate(net.parameters())}
    for slot in optimizer.slots:
        for i, p in enumerate(net.parameters()):
            expected[f"{slot}{i}"] = p
    for l, layer in enumerate(net.layers, start=1):
        if layer.norm is not None:
            expected[f"running_mean{l}"] = layer.norm.running_mean
            expected[f"running_var{l}"] = layer.norm.running_var
    declared = document["arrays"]
    slots_present = t > 0 and bool(optimizer.slots)  # state slots exist after the first step
    if not slots_present:
        expected = {f"p{i}": p for i, p in enumerate(net.parameters())} | {
            k: v for k, v in expected.items() if k.startswith("running_")
        }
    wanted = {k: {"dtype": v.dtype.name, "shape": list(v.shape)} for k, v in expected.items()}
    if declared != wanted:
        raise fail("declares arrays that do not match its architecture and optimizer")
    names = set(infos)
    if names != {"checkpoint.json"} | {f"{k}.npy" for k in wanted}:
        raise ModelFileError(f"{where} does not hold exactly the members its checkpoint.json lists")
    for name, spec in wanted.items():
        if infos[f"{name}.npy"].file_size > model_io._nbytes(spec) + model_io.NPY_HEADER_ALLOWANCE:
            raise ModelFileError(f"{where}: member {name}.npy is larger than its declared shape")
    arrays = {k: model_io._read_array(archive, k, spec, where) for k, spec in wanted.items()}

    for i, target in enumerate(net.parameters()):
        target[...] = arrays[f"p{i}"]
    for l, layer in enumerate(net.layers, start=1):
        if layer.norm is not None:
            layer.norm.running_mean[...] = arrays[f"running_mean{l}"]
            layer.norm.running_var[...] = arrays[f"running_var{l}"]
    optimizer.t = t
    if slots_present:
        n = len(net.parameters())
        for slot in optimizer.slots:
            setattr(optimizer, slot, [arrays[f"{slot}{i}"] for i in range(n)])
    return Checkpoint(
        network=net,
        optimizer=optimizer,
        history=History(**document["history"]),
        rng_state=rng_state,
        epochs_done=epochs_done,
        base_lr=float(document["base_lr"]),
    )


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
