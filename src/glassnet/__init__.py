"""glassnet: neural networks you can see through, from the backprop lecture to a fast engine."""

from . import activations, datasets, engine, initializers, losses, optimizers, schedules
from .checks import collapse, gradient_check, gradient_errors, gradient_norms, numerical_gradients
from .data import Standardizer, minibatches
from .errors import DivergenceError, GlassnetError, GlassnetTypeError, ModelFileError
from .network import Dense, Network
from .optimizers import Adam, AdamW, GradientDescent, Momentum, Nesterov, RMSProp
from .training import History, TrainingInterrupted, train

__version__ = "0.1.0"

__all__ = [
    "Dense",
    "DivergenceError",
    "GlassnetError",
    "GlassnetTypeError",
    "GradientDescent",
    "History",
    "ModelFileError",
    "Momentum",
    "Nesterov",
    "RMSProp",
    "Adam",
    "AdamW",
    "Network",
    "Standardizer",
    "TrainingInterrupted",
    "__version__",
    "activations",
    "datasets",
    "engine",
    "schedules",
    "collapse",
    "gradient_check",
    "gradient_errors",
    "gradient_norms",
    "initializers",
    "losses",
    "minibatches",
    "numerical_gradients",
    "optimizers",
    "train",
]
