"""What the page may ask for: the settings of one playground session, checked on the server.

Every value the browser sends goes through ``check_settings`` before it touches a network. A bad
value raises ``SettingError``, which names the setting (so the page can show the message next to
its control), the problem and the fix. The limits keep one tab from taking the machine:
at most ``MAX_PARAMETERS`` weights, ``MAX_SAMPLES`` points, ``MAX_HIDDEN_LAYERS`` layers.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from .. import datasets, optimizers
from ..errors import GlassnetError
from ..recipe import Recipe
from .problems import FEATURES, REGRESSION

MAX_PARAMETERS = 5_000_000
MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 4096
MIN_SAMPLES, MAX_SAMPLES = 10, 20_000
MAX_NOISE = 5.0
MAX_BATCH_SIZE = 1_000_000
MAX_SEED = 2**32 - 1
MAX_CATS = 1_000
# The work of one uninterruptible call (a training step, a forward chunk) in rows x parameters:
# about 0.1 s on one core, so that pause, closing a tab and stopping the server act within
# about 0.2 s however large the network and the data (the limits below still allow 5 million
# parameters, with mini-batches of at most MAX_STEP_WORK / parameters rows).
MAX_STEP_WORK = 60_000_000
MAX_L2 = 100.0
MAX_L1 = 100.0
MAX_DROPOUT = 0.9

ACTIVATIONS = ("sigmoid", "relu", "tanh", "identity")
INITIALIZERS = ("auto", "lecun", "he", "glorot", "normal", "zeros")
# every optimizer glassnet has, by its own name (not the alias "sgd")
OPTIMIZERS = tuple(name for name, cls in optimizers.OPTIMIZERS.items() if cls.name == name)
# the optimizers whose momentum is the setting "beta" (the page shows the field for them only)
WITH_BETA = tuple(name for name in OPTIMIZERS if "beta" in optimizers.defaults(name))

DEFAULTS: dict = {
    "dataset": "xor",
    "n_samples": 400,
    "noise": 0.1,
    "validation_fraction": 0.25,
    "x2_scale": 1.0,
    "x2_offset": 0.0,
    "features": ["x1", "x2"],
    "n_cats": 200,
    "hidden": [8, 8],
    "activation": "tanh",
    "init": "auto",
    "init_scale": 0.01,
    "normalize": True,
    "l2": 0.0,
    "l1": 0.0,
    "dropout": 0.0,
    "batch_norm": False,
    "optimizer": "momentum",
    "lr": 0.1,
    "beta": 0.9,
    "batch_size": 32,
    "seed": 0,
}


class SettingError(GlassnetError):
    """A setting the page sent is unknown or out of range; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def has_cats() -> bool:
    """Whether this glassnet has the built-in cat images (``glassnet.datasets.cats``)."""
    return callable(getattr(datasets, "cats", None))


def dataset_names() -> list[str]:
    return [*datasets.TWO_D, *REGRESSION, *(["cats"] if has_cats() else [])]


def task_of(settings: dict) -> str:
    """"regression" for the regression problems (identity output, mean squared error), else
    "classification" (one sigmoid unit, binary cross-entropy)."""
    return "regression" if settings["dataset"] in REGRESSION else "classification"


def n_inputs(settings: dict) -> int:
    return 64 * 64 * 3 if settings["dataset"] == "cats" else len(settings["features"])


def n_parameters(sizes: list[int]) -> int:
    """sum over layers of n_l n_{l-1} (W[l]) + n_l (b[l])."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def check_settings(changes, current: dict | None = None) -> dict:
    """``current`` (default: DEFAULTS) updated with the checked ``changes``; raises SettingError.

    ``changes`` is the JSON object the page sent; missing keys keep their current values.
    """
    if not isinstance(changes, dict):
        raise SettingError("settings", "settings must be a JSON object of name: value pairs")
    settings = dict(DEFAULTS if current is None else current)
    for name in changes:
        if name not in DEFAULTS:
            valid = ", ".join(DEFAULTS)
            raise SettingError(name, f"unknown setting {name!r}; the settings are: {valid}")
    for name, value in changes.items():
        settings[name] = _CHECKS[name](name, value)
    _check_together(settings)
    return settings


def _check_together(settings: dict) -> None:
    """The rules between settings: the network's size and the split of the data."""
    sizes = [n_inputs(settings), *settings["hidden"], 1]
    count = n_parameters(sizes)
    if count > MAX_PARAMETERS:
        raise SettingError(
            "hidden",
            f"a network {sizes} has {count:,} parameters, over the playground's limit of "
            f"{MAX_PARAMETERS:,}; use fewer or narrower hidden layers",
        )
    m = settings["n_cats"] if settings["dataset"] == "cats" else settings["n_samples"]
    n_val = round(m * settings["validation_fraction"])
    if n_val < 2 or m - n_val < 2:
        raise SettingError(
            "validation_fraction",
            f"with {m} samples a validation fraction of {settings['validation_fraction']} leaves "
            "fewer than 2 samples in a split; use more samples or a fraction nearer 0.25",
        )
    rows = m - n_val if settings["batch_size"] is None else min(settings["batch_size"], m - n_val)
    if rows * count > MAX_STEP_WORK:
        most = max(1, MAX_STEP_WORK // count)
        raise SettingError(
            "batch_size",
            f"a batch of {rows:,} rows through {count:,} parameters is {rows * count:,} "
            f"rows x parameters per step, over the playground's {MAX_STEP_WORK:,} (one step must "
            f"take at most about 0.1 s so that pause acts at once); use batches of at most "
            f"{most:,} rows, or a smaller network",
        )


def _choice(choices):
    def check(name, value):
        options = choices() if callable(choices) else choices
        if not isinstance(value, str) or value.strip().lower() not in options:
            raise SettingError(
                name, f"unknown {name} {value!r}; choose one of: {', '.join(options)}"
            )
        return value.strip().lower()

    return check


def _integer(low: int, high: int, what: str = ""):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise SettingError(name, f"{name} must be a whole number{what}, got {value!r}")
        if not low <= value <= high:
            raise SettingError(name, f"{name} must be between {low} and {high:,}, got {value!r}")
        return int(value)

    return check


def _number(low: float, high: float, *, open_low: bool = False, open_high: bool = False):
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise SettingError(name, f"{name} must be a finite number, got {value!r}")
        too_low = value <= low if open_low else value < low
        too_high = value >= high if open_high else value > high
        if too_low or too_high:
            interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
            raise SettingError(name, f"{name} must be in {interval}, got {value!r}")
        return float(value)

    return check


def _learning_rate(name, value):
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SettingError(
            name, f"the learning rate must be a positive finite number, got {value!r}"
        )
    if value <= 0:
        raise SettingError(name, f"the learning rate must be a positive number, got {value!r}")
    return float(value)


def _hidden(name, value):
    """Hidden widths as a list [8, 8] or the text "8, 8" (empty: logistic regression)."""
    if isinstance(value, str):
        parts = [p for p in value.replace(",", " ").split() if p]
        try:
            value = [int(p) for p in parts]
        except ValueError:
            raise SettingError(
                name,
                f"hidden layers must be whole numbers separated by commas, e.g. '8, 8'; "
                f"got {value!r}",
            ) from None
    if not isinstance(value, list):
        raise SettingError(
            name, f"hidden layers must be a list of widths such as [8, 8], got {value!r}"
        )
    if len(value) > MAX_HIDDEN_LAYERS:
        raise SettingError(
            name, f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(value)}; use fewer layers"
        )
    check_width = _integer(1, MAX_WIDTH)
    for width in value:
        try:
            check_width("width", width)
        except SettingError as e:
            raise SettingError(name, f"each hidden layer {e}") from None
    return [int(w) for w in value]


def _features(name, value):
    """A non-empty list of feature names (see ``problems.FEATURES``), kept in FEATURES' order."""
    if isinstance(value, str):
        value = [p for p in value.replace(",", " ").split() if p]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingError(name, f"features must be a list of names such as ['x1', 'x2'], got "
                           f"{_short(value)}")
    unknown = [v for v in value if v not in FEATURES]
    if unknown:
        raise SettingError(
            name, f"unknown feature {unknown[0]!r}; the features are: {', '.join(FEATURES)}"
        )
    if not value:
        raise SettingError(name, "switch at least one input feature on (e.g. x1)")
    return [f for f in FEATURES if f in value]


def _short(value) -> str:
    """repr(value), cut to 60 characters for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _boolean(name, value):
    if not isinstance(value, bool):
        raise SettingError(name, f"{name} must be true or false, got {value!r}")
    return value


def _batch_size(name, value):
    """A whole number >= 1, or "full" (None) for full-batch gradient descent."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "full"):
        return None
    return _integer(1, MAX_BATCH_SIZE, ' or "full"')(name, value)


_CHECKS = {
    "dataset": _choice(dataset_names),
    "n_samples": _integer(MIN_SAMPLES, MAX_SAMPLES),
    "noise": _number(0.0, MAX_NOISE),
    "validation_fraction": _number(0.0, 0.9, open_low=True),
    "x2_scale": _number(1e-3, 1e4),
    "x2_offset": _number(-1e4, 1e4),
    "features": _features,
    "n_cats": _integer(MIN_SAMPLES, MAX_CATS),
    "hidden": _hidden,
    "activation": _choice(ACTIVATIONS),
    "init": _choice(INITIALIZERS),
    "init_scale": _number(0.0, 100.0, open_low=True),
    "normalize": _boolean,
    "l2": _number(0.0, MAX_L2),
    "l1": _number(0.0, MAX_L1),
    "dropout": _number(0.0, MAX_DROPOUT, open_high=True),
    "batch_norm": _boolean,
    "optimizer": _choice(OPTIMIZERS),
    "lr": _learning_rate,
    "beta": _number(0.0, 1.0, open_high=True),
    "batch_size": _batch_size,
    "seed": _integer(0, MAX_SEED),
}


def init_name(settings: dict) -> str:
    """The core's initializer name: "normal(0.01)" carries its scale."""
    if settings["init"] == "normal":
        return f"normal({settings['init_scale']!r})"
    return settings["init"]


def recipe_of(settings: dict) -> Recipe:
    """The checked settings as the setup layer's ``Recipe``: the network (hidden widths,
    activation, init, L2, L1, dropout, batch norm), the optimizer (name, lr, and beta for momentum
    and Nesterov; the others keep their published defaults), the mini-batch size, the seed, the
    validation fraction and whether inputs are standardized (regression targets are not scaled:
    the problems' targets already lie in about [-1, 1]). The playground trains
    until paused, so the recipe's ``epochs`` is not used; the data set's own settings (points,
    noise, stretch) are not the recipe's either."""
    options = {"beta": settings["beta"]} if settings["optimizer"] in WITH_BETA else {}
    return Recipe(
        hidden_layers=tuple(settings["hidden"]),
        activation=settings["activation"],
        init=init_name(settings),
        optimizer=settings["optimizer"],
        lr=settings["lr"],
        optimizer_options=options,
        batch_size=settings["batch_size"],
        seed=settings["seed"],
        validation_split=settings["validation_fraction"],
        standardize=settings["normalize"],
        scale_targets=False,
        l2=settings["l2"],
        l1=settings["l1"],
        dropout=settings["dropout"],
        batch_norm=settings["batch_norm"],
    )


# Each preset is a complete experiment: DEFAULTS with these settings. Its sentence says what the
# page shows; the numbers in them were measured with these settings and seed 0.
def noisy_spiral(**remedy) -> dict:
    """The overfitting network of the regularization presets (the same data, network and
    optimizer each time), with a ``remedy`` setting or none."""
    return {
        "dataset": "spiral",
        "n_samples": 200,
        "noise": 0.35,
        "validation_fraction": 0.5,
        "hidden": [64, 64],
        "activation": "relu",
        "optimizer": "adam",
        "lr": 0.01,
        **remedy,
    }


PRESETS: dict[str, dict] = {
    "identity": {
        "title": "Identity activations",
        "look_for": "However deep the network, the boundary stays a straight line: a stack of "
        "linear layers is one linear map, so on the circles accuracy stays near chance (0.5).",
        "settings": {
            "dataset": "two_circles",
            "hidden": [8, 8, 8],
            "activation": "identity",
        },
    },
    "unnormalized": {
        "title": "Normalization off",
        "look_for": "The second feature is about 1000 times larger than the first and far from 0: "
        "every first-layer tanh unit saturates (tanh' = 1 - a^2 is 0 at a = +-1), so that layer's "
        "gradient vanishes and the cost stays at 0.693 = log 2. Then press 'Normalization on'.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 1000.0,
            "x2_offset": 1000.0,
            "normalize": False,
            "lr": 0.01,
        },
    },
    "normalized": {
        "title": "Normalization on",
        "look_for": "The same data and learning rate, standardized with the training split's "
        "mean and standard deviation: the cost falls at once and the moons are separated within "
        "a few hundred epochs.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 1000.0,
            "x2_offset": 1000.0,
            "normalize": True,
            "lr": 0.01,
        },
    },
    "bad_init": {
        "title": "Deep network, bad init",
        "look_for": "Six tanh layers with weights of standard deviation 0.01: the first layers' "
        "gradient norms are thousands of times smaller than the last one's (vanishing gradients) "
        "and the cost stays at 0.693 = log 2.",
        "settings": {
            "dataset": "two_circles",
            "hidden": [16] * 6,
            "init": "normal",
            "init_scale": 0.01,
        },
    },
    "good_init": {
        "title": "Deep network, good init",
        "look_for": "The same network with LeCun's Var(W) = 1/n_in: every layer's gradient norm "
        "is within a factor of about 20 of the others and the circles are separated.",
        "settings": {"dataset": "two_circles", "hidden": [16] * 6, "init": "lecun"},
    },
    "gd": {
        "title": "Gradient descent",
        "look_for": "Full-batch gradient descent with a large learning rate on a stretched "
        "feature: steps overshoot along the steep direction, so the cost jumps up and down. "
        "Then press 'Momentum'.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 5.0,
            "normalize": False,
            "optimizer": "gd",
            "lr": 5.0,
            "batch_size": "full",
        },
    },
    "momentum": {
        "title": "Momentum",
        "look_for": "The same learning rate with momentum, V = beta V + (1 - beta) dW: the "
        "gradient's back-and-forth parts average out and the cost falls smoothly, to about "
        "0.001 within 100 epochs.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 5.0,
            "normalize": False,
            "optimizer": "momentum",
            "lr": 5.0,
            "beta": 0.9,
            "batch_size": "full",
        },
    },
    "features": {
        "title": "Features: x1², x2² instead of layers",
        "look_for": "No hidden layer at all (logistic regression), but the inputs x1² and x2² "
        "switched on: the boundary sigma(w1 x1² + w2 x2² + b) = 0.5 is an ellipse, and the "
        "circles are separated. Switch x1² and x2² off again and it is a straight line.",
        "settings": {
            "dataset": "two_circles",
            "features": ["x1", "x2", "x1^2", "x2^2"],
            "hidden": [],
            "lr": 0.3,
        },
    },
    "overfit": {
        "title": "Regularization: overfitting a noisy spiral",
        "look_for": "200 noisy points and 2 x 64 ReLU units: the training cost keeps falling "
        "while the validation cost turns and climbs, and the boundary grows islands around "
        "single points. Then press 'Regularization: L2'.",
        "settings": noisy_spiral(),
    },
    "l2": {
        "title": "Regularization: L2",
        "look_for": "The same network and data with L2, J + (lambda / 2m) sum ||W||^2 and "
        "dW += (lambda / m) W: the weights stay small, the boundary smooth, and the validation "
        "cost no longer climbs (the graph's edges are thinner than without L2).",
        "settings": noisy_spiral(l2=1.0),
    },
    "l1": {
        "title": "Regularization: L1",
        "look_for": "All seven inputs and 8 tanh units on 200 noisy circles points, with L1, "
        "J + (lambda1 / m) sum |W| and dW += (lambda1 / m) sign(W): every weight is pulled "
        "towards 0 by the same step, so the ones the data does not need reach 0 (they then "
        "jitter by lr lambda1 / m around it) and their edges vanish from the graph. After 300 "
        "epochs 9 in 10 weights are below 0.01 and only x1² and x2² stay connected; L2 at "
        "lambda 1 only shrinks every weight, and without L1 every input is used.",
        "settings": {
            "dataset": "two_circles",
            "n_samples": 200,
            "noise": 0.3,
            "validation_fraction": 0.5,
            "features": ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"],
            "hidden": [8],
            "l1": 0.5,
        },
    },
    "dropout": {
        "title": "Regularization: dropout",
        "look_for": "The overfitting spiral again, each hidden unit dropped with probability "
        "0.3 in every training step (inverted dropout, A * mask / 0.7): the training cost is "
        "noisier and higher, the validation cost stays nearer to it.",
        "settings": noisy_spiral(dropout=0.3),
    },
    "batch_norm": {
        "title": "Batch norm rescues the bad init",
        "look_for": "The deep tanh network with weights of standard deviation 0.01 that stays "
        "at log 2 without help, now with batch normalization, Z~ = gamma (Z - mu_B) / "
        "sqrt(var_B + eps) + beta: every layer's Z is rescaled to unit variance, the gradients "
        "reach the first layers and the circles separate.",
        "settings": {
            "dataset": "two_circles",
            "hidden": [16] * 6,
            "init": "normal",
            "init_scale": 0.01,
            "batch_norm": True,
        },
    },
    "nesterov": {
        "title": "Nesterov momentum",
        "look_for": "The stretched moons of 'Gradient descent' with Nesterov's look-ahead "
        "momentum: the gradient is taken where the velocity is about to carry the weights, so "
        "the overshoot is corrected one step earlier than with plain momentum.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 5.0,
            "normalize": False,
            "optimizer": "nesterov",
            "lr": 5.0,
            "beta": 0.9,
            "batch_size": "full",
        },
    },
    "rmsprop": {
        "title": "RMSProp",
        "look_for": "The stretched moons of 'Gradient descent' with RMSProp: each weight's step "
        "is divided by the root of its mean squared gradient, S = rho S + (1 - rho) dW^2, "
        "W -= lr dW / (sqrt(S) + eps), so the steep and the flat direction get steps of about "
        "the same size lr.",
        "settings": {
            "dataset": "two_moons",
            "x2_scale": 5.0,
            "normalize": False,
            "optimizer": "rmsprop",
            "lr": 0.01,
            "batch_size": "full",
        },
    },
    "adam": {
        "title": "Adam",
        "look_for": "Adam, momentum and RMSProp together with bias correction (lr 0.01, "
        "beta1 0.9, beta2 0.999), on the spiral with 3 tanh layers: it needs no tuning of the "
        "learning rate to get going and the cost falls steadily.",
        "settings": {"dataset": "spiral", "hidden": [16, 16, 16], "optimizer": "adam", "lr": 0.01},
    },
    "regression": {
        "title": "Regression: multi-Gaussian",
        "look_for": "An identity output and the mean squared error J = (1/m) sum (1/2)(a - y)^2: "
        "the picture shows the network's output over the plane, the points their targets. The "
        "bumps appear one by one as the hidden units specialize.",
        "settings": {"dataset": "multi_gaussian", "hidden": [8, 8], "lr": 0.03},
    },
}


def preset_settings(name) -> dict:
    """DEFAULTS with a preset's settings applied; raises SettingError for an unknown name."""
    if not isinstance(name, str) or name not in PRESETS:
        raise SettingError(
            "preset", f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}"
        )
    return check_settings(PRESETS[name]["settings"])
