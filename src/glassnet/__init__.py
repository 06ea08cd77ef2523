"""glassnet: neural networks you can see through, from the backprop lecture to a fast engine."""

from . import (
    activations,
    data,
    datasets,
    engine,
    initializers,
    lecture,
    losses,
    metrics,
    optimizers,
    schedules,
    sweep,
    tables,
)
from .checks import collapse, gradient_check, gradient_errors, gradient_norms, numerical_gradients
from .data import Standardizer, minibatches
from .errors import (
    DivergenceError,
    GlassnetError,
    GlassnetTypeError,
    MissingDependencyError,
    ModelFileError,
)
from .explain import explain
from .files.model import Model, load, save
from .files.onnx import onnx_inputs, to_onnx
from .network import Dense, Network
from .optimizers import Adagrad, Adam, AdamW, GradientDescent, Momentum, Nesterov, RMSProp
from .training import History, TrainingInterrupted, train
from .version import __version__  # noqa: E402

__all__ = [
    "__version__",
    "Adagrad",
    "Adam",
    "AdamW",
    "Dense",
    "DivergenceError",
    "GlassnetError",
    "GlassnetTypeError",
    "GradientDescent",
    "History",
    "MissingDependencyError",
    "Model",
    "ModelFileError",
    "Momentum",
    "Nesterov",
    "Network",
    "RMSProp",
    "Standardizer",
    "TrainingInterrupted",
    "activations",
    "collapse",
    "data",
    "datasets",
    "engine",
    "explain",
    "gradient_check",
    "gradient_errors",
    "gradient_norms",
    "initializers",
    "lecture",
    "load",
    "onnx_inputs",
    "losses",
    "metrics",
    "minibatches",
    "numerical_gradients",
    "optimizers",
    "save",
    "schedules",
    "sweep",
    "tables",
    "to_onnx",
    "train",
]
