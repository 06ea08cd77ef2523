"""glassnet: neural networks you can see through, from the backprop lecture to a fast engine."""

from . import (
    activations,
    datasets,
    engine,
    initializers,
    lecture,
    losses,
    optimizers,
    schedules,
    sweep,
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
from .export import to_onnx
from .io import Model, load, save
from .network import Dense, Network
from .optimizers import Adam, AdamW, GradientDescent, Momentum, Nesterov, RMSProp
from .training import History, TrainingInterrupted, train

__version__ = "0.1.0"

__all__ = [
    "__version__",
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
    "datasets",
    "engine",
    "gradient_check",
    "gradient_errors",
    "gradient_norms",
    "initializers",
    "lecture",
    "load",
    "losses",
    "minibatches",
    "numerical_gradients",
    "optimizers",
    "save",
    "schedules",
    "sweep",
    "to_onnx",
    "train",
]
