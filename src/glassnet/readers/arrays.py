"""Numeric sources: ``.npz`` arrays, HDF5 files in the cat layout, folders of images, and the
built-in and scikit-learn sets. Each reader returns a ``Raw`` with numeric rows ``X``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .. import datasets
from ..errors import GlassnetError
from .raw import DATA_EXTRA, Raw

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
BUILTIN = ("builtin:cats", *(f"builtin:{name}" for name in datasets.TWO_D))
SKLEARN = ("sklearn:breast_cancer", "sklearn:digits", "sklearn:diabetes")


# ---- npz ------------------------------------------------------------------------------------


def read_npz(path: Path) -> Raw:
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if "X" not in names:
                raise GlassnetError(
                    f"{path} has no array 'X' (it has: {', '.join(sorted(names)) or 'none'}); "
                    "save the features as X and the labels as y, e.g. np.savez(path, X=X, y=y)"
                )
            arrays = {
                name: archive[name] for name in ("X", "y", "X_test", "y_test") if name in names
            }
    except GlassnetError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise GlassnetError(
            f"cannot read {path} as .npz ({e}); glassnet reads numeric arrays X and y saved with "
            "np.savez (never pickled objects)"
        ) from None
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise GlassnetError(f"{path} has only one of X_test and y_test; give both or neither")
    X, shape = _rows(arrays["X"], f"X in {path}")
    X_test = None
    if "X_test" in arrays:
        X_test, _ = _rows(arrays["X_test"], f"X_test in {path}")
    return Raw(
        X=X,
        y=_labels(arrays.get("y"), len(X), f"y in {path}"),
        source=str(path),
        X_test=X_test,
        y_test=None if X_test is None else _labels(arrays["y_test"], len(X_test), path),
        test_source=None if X_test is None else f"{path} (X_test)",
        images_shape=shape,
    )


def _rows(X: np.ndarray, name: str) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Samples as rows: images (m, h, w, c) of uint8 become pixels / 255; other arrays with more
    than two axes are flattened."""
    if X.ndim == 4 and X.dtype == np.uint8:
        return datasets.image_features(X), X.shape[1:]
    if X.ndim > 2:
        return X.reshape(len(X), -1), X.shape[1:]
    return X, None


def _labels(y: np.ndarray | None, m: int, name) -> np.ndarray | None:
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1 or len(y) != m:
        raise GlassnetError(f"{name} must hold one label per sample ({m}), got shape {y.shape}")
    if y.dtype.kind in "SU":
        return np.char.decode(y, "utf-8") if y.dtype.kind == "S" else y
    if y.dtype.kind not in "biuf":
        raise GlassnetError(f"{name} must hold numbers or strings, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise GlassnetError(f"{name} has NaN or infinite labels; remove those samples")
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return y


# ---- HDF5: the classic cat layout -----------------------------------------------------------


def read_hdf5(path: Path) -> Raw:
    try:
        import h5py
    except ImportError:
        raise GlassnetError(f"reading HDF5 files needs h5py: {DATA_EXTRA}") from None
    X, y, order, which, shape = _read_h5_set(h5py, path, ("train", "test"))
    X_test = y_test = test_source = None
    twin = path.with_name(path.name.replace("train", "test"))
    if which == "train" and twin != path and twin.is_file():
        X_test, y_test, test_order, _, _ = _read_h5_set(h5py, twin, ("test",))
        test_source = str(twin)
        if X_test.shape[1] != X.shape[1]:
            raise GlassnetError(
                f"the test set {twin} has {X_test.shape[1]} features but {path} has {X.shape[1]}"
            )
        order = order or test_order
    return Raw(
        X=X,
        y=y,
        source=str(path),
        order=order,
        X_test=X_test,
        y_test=y_test,
        test_source=test_source,
        images_shape=shape,
    )


def _read_h5_set(h5py, path: Path, which: tuple[str, ...]):
    try:
        with h5py.File(path, "r") as f:
            for name in which:
                if f"{name}_set_x" in f:
                    break
            else:
                raise GlassnetError(
                    f"{path} has no {' or '.join(f'{n}_set_x' for n in which)}; glassnet reads "
                    "HDF5 files in the classic cat layout (train_set_x, train_set_y, list_classes)"
                )
            if f"{name}_set_y" not in f:
                raise GlassnetError(f"{path} has {name}_set_x but no {name}_set_y labels")
            images = f[f"{name}_set_x"][()]
            y = f[f"{name}_set_y"][()]
            order = None
            if "list_classes" in f:
                order = [
                    c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c)
                    for c in np.asarray(f["list_classes"][()]).reshape(-1).tolist()
                ]
    except GlassnetError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as e:
        raise GlassnetError(f"cannot read {path} as HDF5: {e}") from None
    images = np.asarray(images)
    if images.ndim < 2 or images.dtype.kind not in "uif":
        raise GlassnetError(
            f"{name}_set_x in {path} must be numeric images (m, height, width, channels); got "
            f"{images.dtype} of shape {images.shape}"
        )
    X, shape = _rows(images, f"{name}_set_x in {path}")
    y = _labels(y, len(X), f"{name}_set_y in {path}")
    if order is not None and y.dtype.kind in "iu" and len(order) >= 2:
        if y.min() < 0 or y.max() >= len(order):
            raise GlassnetError(
                f"{name}_set_y in {path} has labels outside 0..{len(order) - 1} (list_classes)"
            )
        y = np.array(order)[y]
    return X, y, order, name, shape


# ---- a folder of images ---------------------------------------------------------------------


def read_image_folder(folder: Path, image_size: tuple[int, int]) -> Raw:
    try:
        from PIL import Image
    except ImportError:
        raise GlassnetError(f"reading image folders needs Pillow: {DATA_EXTRA}") from None
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if subfolders:
        groups = [(p.name, image_files(p)) for p in subfolders]
        for name, files in groups:
            if not files:
                raise GlassnetError(
                    f"the class folder {folder / name} has no images "
                    f"({', '.join(IMAGE_SUFFIXES)}); add images or remove the folder"
                )
    else:
        groups = [(None, image_files(folder))]
        if not groups[0][1]:
            raise GlassnetError(
                f"{folder} has no images and no class subfolders; give a folder with one "
                "subfolder of images per class"
            )
    height, width = image_size
    images, labels, names = [], [], []
    for label, files in groups:
        for file in files:
            try:
                with Image.open(file) as image:
                    pixels = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
                    images.append(np.asarray(pixels, dtype=np.uint8))
            except (OSError, ValueError, Image.DecompressionBombError) as e:
                raise GlassnetError(
                    f"cannot read the image {file} ({e}); remove or replace it"
                ) from None
            labels.append(label)
            names.append(str(file.relative_to(folder)))
    stacked = np.stack(images)
    return Raw(
        X=datasets.image_features(stacked),
        y=np.array(labels) if subfolders else None,
        source=str(folder),
        order=[name for name, _ in groups] if subfolders else None,
        images_shape=stacked.shape[1:],
        sample_names=names,
    )


def image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


# ---- built-in sets --------------------------------------------------------------------------


def read_builtin(name: str, seed: int) -> Raw:
    if name == "builtin:cats":
        X_train, y_train, X_test, y_test = datasets.cats(seed=seed)
        order = list(datasets.CAT_CLASSES)
        return Raw(
            X=datasets.image_features(X_train),
            y=np.array(order)[y_train],
            source=name,
            order=order,
            X_test=datasets.image_features(X_test),
            y_test=np.array(order)[y_test],
            test_source=f"{name} (test)",
            images_shape=X_train.shape[1:],
        )
    key = name.removeprefix("builtin:")
    if key in datasets.TWO_D:
        X, y = datasets.TWO_D[key](seed=seed)
        return Raw(X=X, y=y, source=name, feature_names=["x1", "x2"])
    raise GlassnetError(f"unknown data set {name!r}; choose one of: {', '.join(BUILTIN + SKLEARN)}")


def read_sklearn(name: str) -> Raw:
    if name not in SKLEARN:
        raise GlassnetError(
            f"unknown data set {name!r}; choose one of: {', '.join(BUILTIN + SKLEARN)}"
        )
    try:
        from sklearn import datasets as bundled
    except ImportError:
        raise GlassnetError(f"{name} needs scikit-learn: {DATA_EXTRA}") from None
    if name == "sklearn:breast_cancer":
        bunch = bundled.load_breast_cancer()
        names = [str(n) for n in bunch.target_names]
        return Raw(
            X=bunch.data,
            y=np.array(names)[bunch.target],
            source=name,
            order=names,
            feature_names=[str(n) for n in bunch.feature_names],
        )
    if name == "sklearn:diabetes":
        bunch = bundled.load_diabetes()
        return Raw(
            X=bunch.data,
            y=bunch.target.astype(np.float64),
            source=name,
            feature_names=[str(n) for n in bunch.feature_names],
            task="regression",
        )
    bunch = bundled.load_digits()
    return Raw(
        X=bunch.data,
        y=bunch.target.astype(np.int64),
        source=name,
        order=bunch.target_names.tolist(),
        feature_names=[str(n) for n in bunch.feature_names],
        images_shape=(8, 8, 1),
    )


