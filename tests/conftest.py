import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def randomize_biases(net, rng, scale=0.1):
    """Move biases off zero so that no ReLU sits exactly on its kink (Z = 0) during a check."""
    for layer in net.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape) * scale


def table_of(**columns):
    """A glassnet.tables.Table of columns given as lists, as a file has them: numbers become
    float64 (None -> NaN), anything else text (None: missing); row i is line i + 2 of t.csv."""
    from glassnet.tables import Table

    names, arrays = [], []
    for name, values in columns.items():
        if all(v is None or isinstance(v, int | float) for v in values):
            arrays.append(np.array([np.nan if v is None else v for v in values], dtype=float))
        else:
            arrays.append(np.array(values, dtype=object))
        names.append(name)
    return Table(names, arrays, lambda i: f"line {i + 2} of t.csv")
