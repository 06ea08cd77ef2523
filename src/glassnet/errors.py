"""The errors glassnet raises: one family rooted at GlassnetError.

Every message names the problem and, where there is one, the fix. Catch ``GlassnetError`` to
handle any of them; each one is also a ``ValueError`` (or ``TypeError`` for a wrong type), so
code that already catches the built-in exceptions keeps working.
"""

from __future__ import annotations


class GlassnetError(ValueError):
    """Base of every error glassnet raises on purpose."""


class GlassnetTypeError(GlassnetError, TypeError):
    """An argument has the wrong type or dtype (for example strings where numbers belong)."""


class DivergenceError(GlassnetError, FloatingPointError):
    """Training produced a NaN or infinite cost or gradient; the weights were left finite."""


class ModelFileError(GlassnetError):
    """A model or checkpoint file is missing, corrupt, hostile or of another format version."""


class MissingDependencyError(GlassnetError, ImportError):
    """An optional feature's package is not installed; the message names the extra to install."""


class ConvergenceWarning(UserWarning):
    """Training ended at its epochs cap while the validation cost was still falling; the message
    names the option to raise (like scikit-learn's ``ConvergenceWarning``)."""
