"""The version of glassnet, in one place (the package, the model files and the command read it)."""

__version__ = "0.1.0"
