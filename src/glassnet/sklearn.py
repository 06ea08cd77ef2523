"""scikit-learn estimators around glassnet's Network, for Pipeline, GridSearchCV and friends.

``GlassClassifier`` with two classes is the lecture's network: one sigmoid output unit trained
with binary cross-entropy. For a sample x with logit z = Z[L](x):

    decision_function(x) = z
    predict_proba(x)     = [1 - sigma(z), sigma(z)]       sigma(z) = 1 / (1 + e^-z)
    predict(x)           = classes_[1] if sigma(z) > 0.5 else classes_[0]

With K > 2 classes it has K softmax output units trained with categorical cross-entropy:
decision_function(x) = z (K logits), predict_proba(x) = softmax(z), predict(x) = the class of
the largest probability. ``classes_`` are the sorted labels (integers or strings).

``GlassRegressor`` has identity output units trained with mean squared error, one per target.

A pandas DataFrame is taken as HistGradientBoosting takes it, missing values and text,
boolean or category columns included: a DataFrame with such a column or a missing value is a
table, and a ``glassnet.tables.Plan`` fitted on the training rows (``plan_``) fills, scales and
one-hot encodes its columns by name, as ``glassnet train`` does for a CSV file; the same plan
prepares every DataFrame given to ``predict``. Numbers alone, an array or a DataFrame of number
columns without a gap, go through a ``gn.Standardizer`` fitted on the training rows
(``standardize=True``): x' = (x - mu) / sigma, as scikit-learn's MLP takes them.

The estimators set nothing up themselves: their parameters become a ``glassnet.recipe.Recipe``
(``_recipe``) and ``recipe.fit`` builds the network, the optimizer, the validation split and the
scalers, and trains. ``warm_start`` and ``partial_fit`` continue the fitted model (``previous=``).

This module *is* the scikit-learn integration, so it imports scikit-learn (>= 1.6) at once;
``import glassnet`` alone never does. Each estimator fills the hooks of ``_GlassEstimator``:
``_task``, ``_init_targets``, ``_encode_targets`` and ``_keep_fitted``.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_array, check_is_fitted, validate_data
except ImportError as error:  # validate_data arrived in scikit-learn 1.6
    raise ImportError(
        f"glassnet.sklearn needs scikit-learn >= 1.6 ({error}); install it with "
        'pip install "glassnet[sklearn]"'
    ) from error

from . import activations, recipe
from .errors import ConvergenceWarning, GlassnetError
from .history import History
from .network import Network
from .recipe import Fitted, Recipe
from .tables import SCALINGS, as_table, is_frame
from .validation import check_fraction

__all__ = ["GlassClassifier", "GlassRegressor"]

# Inputs are validated by scikit-learn into one of these; the network then casts to its dtype.
_FLOATS = (np.float64, np.float32)
_SEED_LIMIT = np.iinfo(np.int32).max


def _is_table(X) -> bool:
    """Whether X is a DataFrame that needs a plan: a column that is not numbers (text,
    category, boolean, dates) or a missing value."""
    if not is_frame(X):
        return False
    for dtype in X.dtypes:
        if getattr(dtype, "kind", "O") not in "iuf" or getattr(dtype, "name", "") == "category":
            return True
    return bool(X.isna().to_numpy().any())


class _GlassEstimator(BaseEstimator):
    """What every glassnet estimator shares: parameters, fitting, continuing, the forward pass.

    A subclass names its task (``_task``) and says how labels become ``recipe.fit``'s targets
    (``_init_targets`` on a fresh start, ``_encode_targets`` on every call).
    """

    def __init__(
        self,
        recipe: str = "default",
        hidden_layer_sizes=None,
        activation: str | None = None,
        init: str | None = None,
        optimizer: str | None = None,
        learning_rate: float | None = None,
        beta: float | None = None,
        batch_size: int | str | None = None,
        epochs: int | None = None,
        l2: float | None = None,
        l1: float | None = None,
        early_stopping: int | bool | None = None,
        standardize: bool = True,
        validation_fraction: float | None = None,
        random_state=None,
        verbose: bool = False,
        warm_start: bool = False,
        dtype: str = "float32",
        scaling: str | None = None,
        keep=None,
        callbacks=None,
    ) -> None:
        self.recipe = recipe
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.beta = beta
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.l1 = l1
        self.early_stopping = early_stopping
        self.standardize = standardize
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.dtype = dtype
        self.scaling = scaling
        self.keep = keep
        self.callbacks = callbacks

    # ---- hooks for subclasses -------------------------------------------------------------

    _task = ""  # the task of ``recipe.fit``: "classification" or "regression"
    _target_checks: dict = {}  # for validate_data, e.g. {"y_numeric": True} for a regressor

    def _init_targets(self, y: np.ndarray, classes) -> int:
        """Learn what the targets are (e.g. ``classes_``) and return ``recipe.fit``'s n_outputs:
        the number of classes, or of targets."""
        raise NotImplementedError

    def _encode_targets(self, y: np.ndarray) -> np.ndarray:
        """``recipe.fit``'s targets for validated labels y: class indices, or numbers."""
        raise NotImplementedError

    def _keep_fitted(self, fitted: Fitted) -> None:
        """Keep what else the estimator needs from ``fitted`` (a regressor: its target scaler)."""

    # ---- fitting --------------------------------------------------------------------------

    def _base(self) -> Recipe:
        """The named recipe (``recipe``) with every parameter that is not None put in
        (``recipe.customized``: another optimizer starts from its own defaults)."""
        base = recipe.named(self.recipe)
        # beta given to an optimizer without momentum is refused by recipe.customized, as the
        # command and the sweep refuse it: an option that does not apply is never dropped
        beta = self.beta
        patience = self.early_stopping
        if patience is True:
            patience = recipe.DEFAULT.early_stopping
        stopping = {}
        if patience is not None:
            off = patience is False or patience == 0
            stopping = dict(early_stopping=None if off else patience, restore_best=not off)
            if off:
                base = base.replace(early_stopping=None, restore_best=False)
        batch = self.batch_size
        if batch == "full":
            base, batch = base.replace(batch_size=None), None
        return recipe.customized(
            base,
            beta=beta,
            hidden_layers=None if self.hidden_layer_sizes is None else self._hidden_sizes(),
            activation=self.activation,
            init=self.init,
            optimizer=self.optimizer,
            lr=self.learning_rate,
            batch_size=batch,
            epochs=self.epochs,
            l2=self.l2,
            l1=self.l1,
            **stopping,
        )

    def _recipe(self, seed: int, partial: bool) -> Recipe:
        """The estimator's parameters as the Recipe of one fit (``partial``: one epoch, no
        validation split)."""
        fraction = None
        if self.validation_fraction is not None and not partial:
            fraction = check_fraction(
                self.validation_fraction, "validation_fraction", closed_low=False
            )
        base = self._base()
        if self.scaling is not None and self.scaling not in SCALINGS:
            raise GlassnetError(
                f"scaling must be one of {', '.join(SCALINGS)} (or None: the recipe's), got "
                f"{self.scaling!r}"
            )
        table = {"scaling": base.scaling if self.scaling is None else self.scaling}
        if not self.standardize:
            table["scaling"] = "none"
        if self.keep is not None:
            table["keep"] = (self.keep,) if isinstance(self.keep, str) else tuple(self.keep)
        return base.replace(
            **table,
            epochs=1 if partial else base.epochs,
            seed=seed,
            validation_split=fraction,
            standardize=self.standardize,
            scale_targets=self.standardize,
            dtype=self.dtype,
        )

    def _fit(self, X, y, *, partial: bool, classes=None):
        """Start a fresh model or continue the fitted one, then train it (``recipe.fit``).

        ``fit`` trains ``epochs`` epochs and starts afresh unless ``warm_start`` is set;
        ``partial_fit`` trains one epoch on the given rows and always continues.
        An int ``random_state`` is the recipe's seed itself (the initial weights, the first
        shuffling and the validation split, so that ``validation_fraction=f`` holds out the rows
        of ``gn.data.split_rows(m, f, random_state, labels)``); None or a RandomState draws it.
        """
        fresh = not hasattr(self, "network_") or not (partial or self.warm_start)
        if _is_table(X) or (not fresh and self.plan_ is not None):
            X, y = self._validate_table(X, y, reset=fresh)
        else:
            X, y = validate_data(self, X, y, reset=fresh, dtype=_FLOATS, **self._target_checks)
        if fresh:
            n_outputs = self._init_targets(y, classes)
            self._seed = self._draw_seed()
            # later calls (warm start, partial_fit) shuffle with seeds drawn from this
            self._shuffle_rng = np.random.default_rng([self._seed, 2])
        elif classes is not None:
            self._check_same_classes(classes)
        Y = self._encode_targets(y)
        plan = self._recipe(self._seed, partial)

        previous, shuffle_seed = None, None
        if not fresh:
            self._check_same_architecture()
            previous = Fitted(
                plan,
                self.network_,
                self.optimizer_,
                self.history_,
                self.standardizer_,
                getattr(self, "target_scaler_", None),
                plan=self.plan_,
            )
            wanted = recipe.make_optimizer(plan)
            if wanted.config() != self.optimizer_.config():  # new hyper-parameters, new state
                previous.optimizer = wanted
            shuffle_seed = int(self._shuffle_rng.integers(_SEED_LIMIT))
            n_outputs = None  # the fitted network has its output layer already

        fitted = recipe.fit(
            plan,
            X,
            Y,
            self._task,
            target=getattr(self, "_target_name", None),
            n_outputs=n_outputs,
            previous=previous,
            shuffle_seed=shuffle_seed,
            callbacks=[*(self.callbacks or ()), *([self._report] if self.verbose else [])],
        )
        self.network_, self.optimizer_ = fitted.network, fitted.optimizer
        self.history_, self.standardizer_ = fitted.history, fitted.standardizer
        self.plan_ = fitted.plan
        self._keep_fitted(fitted)
        self.n_iter_ = self.history_.epochs
        if not partial and recipe.still_falling(
            self.history_, plan.early_stopping or recipe.DEFAULT.early_stopping
        ):
            warnings.warn(
                f"{type(self).__name__} stopped at epochs={plan.epochs} while the "
                f"{recipe.monitored(self.history_)} cost was still falling; raise epochs for a "
                "better model",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _validate_table(self, X, y, *, reset: bool):
        """(the table, y) of a DataFrame: its columns by name (``feature_names_in_``), any
        dtype, missing values included; y checked as scikit-learn checks it."""
        if not is_frame(X):
            raise GlassnetError(
                f"{type(self).__name__} was fitted on a DataFrame; continue it with a DataFrame "
                f"with the columns {list(self.feature_names_in_)}, not {type(X).__name__}"
            )
        names = [str(c) for c in X.columns]
        if reset:
            self.feature_names_in_ = np.asarray(names, dtype=object)
            self.n_features_in_ = len(names)
        numeric = self._target_checks.get("y_numeric", False)
        name = getattr(y, "name", None)
        self._target_name = None if name is None else str(name)
        y = check_array(
            y, ensure_2d=False, dtype="numeric" if numeric else None, input_name="y",
            ensure_all_finite=numeric,
        )  # fmt: skip
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}; give one target per row")
        if y.ndim == 2 and y.shape[1] == 1 and not numeric:
            y = y[:, 0]
        return as_table(X), y

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The names of the network's inputs: for a DataFrame the plan's (``age``,
        ``age (missing)``, ``sex=female``, ...), else the input features' names."""
        check_is_fitted(self)
        if self.plan_ is not None:
            return np.asarray(self.plan_.feature_names, dtype=object)
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return np.asarray(names, dtype=object)
        return np.asarray([f"x{j}" for j in range(self.n_features_in_)], dtype=object)

    def _draw_seed(self) -> int:
        """The recipe's seed: an int ``random_state`` as it is, else one drawn from it."""
        if isinstance(self.random_state, Integral) and not isinstance(self.random_state, bool):
            check_random_state(self.random_state)  # scikit-learn's rule for a valid int
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(_SEED_LIMIT))

    def _hidden_sizes(self) -> list:
        sizes = self.hidden_layer_sizes
        return [sizes] if isinstance(sizes, Integral) else list(sizes)

    def _check_same_architecture(self) -> None:
        net = self.network_
        base = self._base()
        wanted = (
            list(base.hidden_layers),
            activations.get(base.activation).name,
            np.dtype(self.dtype),
        )
        if (net.sizes[1:-1], net.hidden.name, net.dtype) != wanted:
            raise GlassnetError(
                f"{type(self).__name__} continues the fitted network_ {net} (warm_start=True or "
                "partial_fit), but hidden_layer_sizes, activation or dtype changed since; set "
                "warm_start=False and call fit to train a new network"
            )

    def _check_same_classes(self, classes) -> None:
        raise NotImplementedError

    def _report(self, history: History) -> None:
        line = f"epoch {history.epochs}: cost {history.epoch_costs[-1]:.6f}"
        if history.val_costs:
            line += f", validation cost {history.val_costs[-1]:.6f}"
        if history.val_accuracies:
            line += f", validation accuracy {history.val_accuracies[-1]:.4f}"
        print(line, flush=True)

    # ---- pickling -------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        """Pickle ``network_`` as its plain config and weight arrays (Keras-style).

        A Network holds initializer objects that the pickle module cannot store by reference;
        its config names them instead, and the weights travel as arrays.
        """
        state = super().__getstate__()
        if "network_" in state:
            net = state["network_"]
            state = dict(state, network_={"config": net.config(), "weights": net.parameters()})
        return state

    def __setstate__(self, state: dict) -> None:
        saved = state.get("network_")
        if isinstance(saved, dict):
            net = Network.from_config(saved["config"])
            for p, weights in zip(net.parameters(), saved["weights"], strict=True):
                p[...] = weights
            state = dict(state, network_=net)
        super().__setstate__(state)

    # ---- prediction -----------------------------------------------------------------------

    def _scale(self, X: np.ndarray) -> np.ndarray:
        return X if self.standardizer_ is None else self.standardizer_.transform(X)

    def _logits(self, X) -> np.ndarray:
        """Z[L] for validated X, of shape (m, n_outputs): ``Network.logits``, the forward pass
        in prediction mode that keeps no caches, so predicting leaves the fitted estimator
        untouched (small to pickle, safe to share between threads)."""
        check_is_fitted(self)
        if self.plan_ is not None:  # fitted on a DataFrame: the plan prepares the columns
            X, report = self.plan_.transform(self.plan_.read(X))
            for line in report.lines():
                warnings.warn(line, UserWarning, stacklevel=4)
            return self.network_.logits(X, dtype=np.result_type(X.dtype, self.network_.dtype))
        X = validate_data(self, X, reset=False, dtype=_FLOATS)
        # float64 input is predicted in float64, as scikit-learn's own estimators do, so that a
        # prediction does not depend on which other rows share its batch
        dtype = np.result_type(X.dtype, self.network_.dtype)
        return self.network_.logits(self._scale(X), dtype=dtype)


class GlassClassifier(ClassifierMixin, _GlassEstimator):
    """A classifier: glassnet's L-layer network with one sigmoid output unit for two classes,
    or K softmax output units for K > 2 classes.

    Parameters (all plain data, as scikit-learn requires). ``recipe`` names the starting point,
    ``glassnet.recipe.DEFAULT`` ("default", chosen by measurement against scikit-learn's MLP:
    one hidden layer of 100 ReLU units, Adam lr 0.0015, batches of 128, L2 1e-4, up to 200
    epochs with early stopping after 11 without progress, keeping the best epoch) or
    ``glassnet.recipe.LECTURE`` ("lecture": the lecture's (20, 7, 5) ReLU network with momentum
    lr 0.01, beta 0.9); every other hyper-parameter left at None is the recipe's.

    - ``hidden_layer_sizes``: units per hidden layer, e.g. (20, 7, 5); () is logistic regression.
    - ``activation``: hidden activation, "relu", "tanh", "sigmoid" or "identity".
    - ``init``: initializer name ("auto": he for ReLU, lecun otherwise; "glorot", ...).
    - ``optimizer``, ``learning_rate``, ``beta``: any name in ``gn.optimizers`` ("gd", "sgd",
      "momentum", "nesterov", "rmsprop", "adam", "adamw", "adagrad"); an optimizer other than
      the recipe's starts from its own published defaults; ``beta`` goes to those that take one.
    - ``batch_size`` ("full": full batch) and ``epochs`` (the cap): the mini-batch schedule of
      ``gn.train``.
    - ``l2``: the L2 penalty lambda, (lambda / 2m) sum ||W||^2 (None: the recipe's).
    - ``l1``: the L1 penalty lambda1, (lambda1 / m) sum |W|, which drives the weights the data
      does not need to zero (None: the recipe's, 0); it combines with ``l2``.
    - ``early_stopping``: patience in epochs (False or 0: off); it watches the validation cost
      with ``validation_fraction``, else the training cost (a fall counts when it is more than
      ``glassnet.training.TOL``, as scikit-learn's ``tol``), and keeps the best epoch's
      weights. When training ends at ``epochs`` while that cost still falls, ``fit`` warns with
      ``glassnet.errors.ConvergenceWarning``.
    - ``standardize``: fit a ``gn.Standardizer`` on the training rows and apply it everywhere.
    - ``validation_fraction``: None to train on every row, or a fraction in (0, 1) held out
      (``gn.data.split_rows``: stratified by class, seeded by ``random_state``) so that
      ``history_`` records ``val_costs`` and ``val_accuracies`` after each epoch. Used by
      ``fit``; ``partial_fit`` trains on all it gets.
    - ``random_state``: None, an int or a RandomState; it gives the recipe's seed (the initial
      weights, the shuffling and the split), so an int makes ``fit`` reproducible bit for bit.
      An int is that seed itself: ``fit`` holds out the rows ``gn.train(...,
      validation_split=f, seed=random_state)`` holds out.
    - ``verbose``: print the cost after every epoch.
    - ``warm_start``: ``fit`` continues training the fitted ``network_`` (same optimizer state,
      same Standardizer) instead of starting over.
    - ``dtype``: "float32" (default) or "float64" for the network.
    - ``scaling``: a DataFrame's number columns, "robust" (median and interquartile range, then
      smooth clipping x / sqrt(1 + (x/3)^2)) or "standard" (mean and std); None: the recipe's.
    - ``keep``: a DataFrame's columns to use even where the plan would drop them (ids, free
      text, columns of one value).
    - ``callbacks``: ``glassnet.callbacks.Callback`` objects (or functions of the history)
      called by the training loop: e.g. ``CSVLogger("log.csv")``, ``TensorBoard("runs")``.

    Fitted attributes: ``network_`` (a ``gn.Network``), ``plan_`` (the ``glassnet.tables.Plan``
    of a DataFrame, else None), ``standardizer_`` (a ``gn.Standardizer`` or None),
    ``optimizer_``, ``history_`` (a ``gn.History`` that keeps growing across warm
    starts and partial fits), ``classes_``, ``n_features_in_``, ``n_iter_`` (epochs trained) and,
    for pandas input, ``feature_names_in_``.

    """

    _task = "classification"

    def fit(self, X, y) -> GlassClassifier:
        """Train on X (m, n_features) and labels y (m,) of two classes; returns self."""
        return self._fit(X, y, partial=False)

    def partial_fit(self, X, y, classes=None) -> GlassClassifier:
        """One epoch of mini-batches on (X, y), continuing the network and optimizer state.

        ``classes`` (both labels) is required on the first call, since one batch may hold only
        one of them.
        """
        if not hasattr(self, "network_") and classes is None:
            raise GlassnetError(
                "classes must be given on the first call to partial_fit, e.g. "
                "partial_fit(X, y, classes=[0, 1]): one batch may not contain every class"
            )
        return self._fit(X, y, partial=True, classes=classes)

    def decision_function(self, X) -> np.ndarray:
        """The logits: z = Z[L] of shape (m,) for two classes (positive means ``classes_[1]``),
        shape (m, K) for K classes."""
        Z = self._logits(X)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X) -> np.ndarray:
        """[1 - sigma(z), sigma(z)] for two classes, softmax(z) for K; shape (m, K)."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return activations.softmax.forward(z)
        p = activations.sigmoid.forward(z)
        return np.column_stack([1 - p, p])

    def predict_log_proba(self, X) -> np.ndarray:
        """log of predict_proba, computed from the logits so that it is never log(0):
        [-log(1 + e^z), -log(1 + e^-z)] for two classes, z - logsumexp(z) for K."""
        z = self.decision_function(X)
        if z.ndim == 2:
            top = z.max(axis=1, keepdims=True)
            return z - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True))
        return np.column_stack([-np.logaddexp(0, z), -np.logaddexp(0, -z)])

    def predict(self, X) -> np.ndarray:
        """The class of the largest probability (for two classes: ``classes_[1]`` where
        sigma(z) > 0.5)."""
        proba = self.predict_proba(X)
        if proba.shape[1] == 2:
            return self.classes_[(proba[:, 1] > 0.5).astype(np.intp)]
        return self.classes_[proba.argmax(axis=1)]

    # ---- the hooks ------------------------------------------------------------------------

    def _init_targets(self, y: np.ndarray, classes) -> int:
        check_classification_targets(y)
        target = type_of_target(y, input_name="y", raise_unknown=True)
        labels = np.unique(y if classes is None else np.asarray(classes))
        if target not in ("binary", "multiclass"):
            raise GlassnetError(
                f"GlassClassifier learns one label per sample; the type of the target is {target}"
            )
        if len(labels) < 2:
            raise GlassnetError(
                "GlassClassifier needs two classes to learn from, but y contains only one class "
                f"({labels.tolist()[0]!r}); give it samples of both classes"
            )
        self.classes_ = labels
        return len(labels)

    def _encode_targets(self, y: np.ndarray) -> np.ndarray:
        """The index of each label in ``classes_``: 0/1 for two classes (1 is ``classes_[1]``,
        the sigmoid unit's positive class), 0..K-1 for K classes."""
        known = np.isin(y, self.classes_)
        if not known.all():
            raise GlassnetError(
                f"y contains the label {y[~known].tolist()[0]!r}, which is not one of the classes "
                f"{self.classes_.tolist()} this classifier was fitted with; use warm_start=False "
                "to fit anew with other classes"
            )
        return np.searchsorted(self.classes_, y)

    def _check_same_classes(self, classes) -> None:
        if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise GlassnetError(
                f"classes={list(classes)} differs from the classes_ {self.classes_.tolist()} "
                "of the first partial_fit call; pass the same classes every time (or none)"
            )


class GlassRegressor(RegressorMixin, _GlassEstimator):
    """A regressor: glassnet's L-layer network with identity output units (one per target)
    trained with mean squared error J = (1/m) sum (1/2) ||a - y||^2.

    The parameters and fitted attributes are those of ``GlassClassifier`` (without
    ``classes_``); ``predict`` returns shape (m,) for one target, (m, n_targets) for several.
    With ``standardize=True`` the targets are standardized too (y' = (y - target_mean_) /
    target_std_, the recipe's target scaler ``target_scaler_`` fitted on the training rows of
    the first training call) and predictions mapped back, so that the learning rate does not
    depend on the targets' units.
    """

    _task = "regression"
    _target_checks = {"y_numeric": True, "multi_output": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # one identity unit per target
        return tags

    def fit(self, X, y) -> GlassRegressor:
        """Train on X (m, n_features) and targets y (m,) or (m, n_targets); returns self."""
        return self._fit(X, y, partial=False)

    def partial_fit(self, X, y) -> GlassRegressor:
        """One epoch of mini-batches on (X, y), continuing the network and optimizer state."""
        return self._fit(X, y, partial=True)

    def predict(self, X) -> np.ndarray:
        """A[L] = Z[L] (mapped back to the targets' units): shape (m,) for one target,
        (m, n_targets) for several."""
        Y = self._logits(X) * self.target_std_ + self.target_mean_
        return Y[:, 0] if self._single_target else Y

    def _init_targets(self, y: np.ndarray, classes) -> int:
        self._single_target = y.ndim == 1
        return 1 if y.ndim == 1 else y.shape[1]

    def _encode_targets(self, y: np.ndarray) -> np.ndarray:
        return y  # the recipe scales them (``target_scaler_``)

    def _keep_fitted(self, fitted: Fitted) -> None:
        """``target_scaler_`` (None without ``standardize``), and its mean and scale."""
        self.target_scaler_ = scaler = fitted.target_scaler
        n = fitted.network.n_outputs
        if scaler is None:
            self.target_mean_, self.target_std_ = np.zeros(n), np.ones(n)
        else:  # a constant target is only centered, as Standardizer.inverse_transform does
            self.target_mean_ = scaler.mean_
            self.target_std_ = np.where(scaler.std_ > 0, scaler.std_, 1.0)

    def _check_same_classes(self, classes) -> None:  # a regressor has no classes
        pass
