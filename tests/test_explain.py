"""The backprop trace: its numbers are the network's own backprop, its formulas the lecture's.

Every array of ``gn.explain`` is compared with ``cost_and_gradients`` of an identical network,
and the chain rule it displays is checked on its own arrays: dZ[L] = A[L] - Y,
dZ[l] = dA[l] * g'(Z[l]), dW[l] = (1/m) dZ[l] A[l-1]^T, db[l] = (1/m) sum_i dZ[l](i).
"""

import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets
from glassnet.explain import Trace, corner, explain

NETWORKS = {
    "relu, sigmoid": dict(sizes=[2, 7, 5, 1], hidden="relu"),
    "tanh, sigmoid": dict(sizes=[2, 6, 1], hidden="tanh", dtype=np.float64),
    "sigmoid, softmax": dict(sizes=[2, 4, 3], hidden="sigmoid", output="softmax"),
    "relu, identity": dict(sizes=[2, 5, 2], hidden="relu", output="identity"),
    "l2": dict(sizes=[2, 5, 4, 1], l2=0.3),
    "l1 and l2": dict(sizes=[2, 5, 4, 1], l1=0.2, l2=0.3),
    "dropout": dict(sizes=[2, 8, 6, 1], dropout=0.3),
    "batch norm": dict(sizes=[2, 6, 4, 1], batch_norm=True),
}


def data(net, m=40):
    X, y = datasets.two_moons(m, noise=0.2, seed=1)
    if net.output.name == "softmax":
        return X, np.eye(3)[np.arange(m) % 3]
    if net.output.name == "identity":
        return X, np.column_stack([X.sum(axis=1), X[:, 0] - X[:, 1]])
    return X, y


def make(options, seed=4):
    options = dict(options)
    return gn.Network(options.pop("sizes"), seed=seed, **options)


@pytest.mark.parametrize("name", NETWORKS)
def test_the_numbers_are_those_of_cost_and_gradients(name):
    net = make(NETWORKS[name])
    X, y = data(net)
    reference = net.copy()  # the same weights and, with dropout, the same next masks
    trace = explain(net, X, y, batch_size=24)
    J, gradients = reference.cost_and_gradients(X[:24], y[:24])
    assert trace.cost == J and trace.m == 24
    assert len(trace.gradients) == len(gradients) == len(net.layers)
    for l, (mine, theirs) in enumerate(zip(trace.gradients, gradients), start=1):
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(trace[f"dW[{l}]"], theirs[0])
        np.testing.assert_array_equal(trace[f"db[{l}]"], theirs[1][:, None])  # a column
        layer = reference.layers[l - 1]
        np.testing.assert_array_equal(trace[f"Z[{l}]"], layer.Z.T)  # the lecture's (n_l, m)
        np.testing.assert_array_equal(trace[f"A[{l}]"], layer.A.T)
        np.testing.assert_array_equal(trace[f"dZ[{l}]"], layer.dZ.T)


@pytest.mark.parametrize("name", ["relu, sigmoid", "tanh, sigmoid", "sigmoid, softmax"])
def test_the_trace_follows_the_chain_rule_it_shows(name):
    net = make(NETWORKS[name])
    X, y = data(net)
    trace = explain(net, X, y, batch_size=None)
    L, m = len(net.layers), trace.m
    assert m == 40
    np.testing.assert_allclose(trace[f"dZ[{L}]"], trace[f"A[{L}]"] - trace["Y"], atol=1e-7)
    A = {0: np.asarray(X, dtype=net.dtype).T, **{l: trace[f"A[{l}]"] for l in range(1, L + 1)}}
    for l in range(1, L + 1):
        W, b = net.layers[l - 1].W, net.layers[l - 1].b
        np.testing.assert_allclose(trace[f"Z[{l}]"], W @ A[l - 1] + b[:, None], atol=1e-5)
        dZ = trace[f"dZ[{l}]"]
        np.testing.assert_allclose(trace[f"dW[{l}]"], dZ @ A[l - 1].T / m, atol=1e-6)
        np.testing.assert_allclose(trace[f"db[{l}]"], dZ.sum(axis=1, keepdims=True) / m,
                                   atol=1e-6)  # fmt: skip
        if l < L:
            upper = net.layers[l]
            np.testing.assert_allclose(trace[f"dA[{l}]"], upper.W.T @ trace[f"dZ[{l + 1}]"],
                                       atol=1e-6)  # fmt: skip
            np.testing.assert_allclose(dZ, trace[f"dA[{l}]"] * trace[f"g'(Z[{l}])"], atol=1e-7)


def test_the_lectures_formulas_and_shapes_are_shown():
    net = gn.Network([4, 7, 5, 1], hidden="relu", seed=0)
    X = np.random.default_rng(0).normal(size=(10, 4))
    y = np.arange(10) % 2
    trace = explain(net, X, y)
    text = str(trace)
    assert "m = 10" in text and "Network([4, 7, 5, 1])" in text
    for line in [
        "Z[1] = W[1] A[0] + b[1]",
        "(7, 4)(4, m) + (7, 1) -> (7, m)",
        "A[3] = sigmoid(Z[3])",
        "J = -(1/m) sum_i [y log a + (1 - y) log(1 - a)]",
        "dZ[3] = A[3] - Y",
        "dW[3] = (1/m) dZ[3] A[2]^T",
        "(1, m)(m, 5) -> (1, 5)",  # the example
        "db[3] = (1/m) sum_i dZ[3](i)",
        "dA[2] = W[3]^T dZ[3]",
        "(5, 1)(1, m) -> (5, m)",
        "dZ[2] = dA[2] * relu'(Z[2])",
        "(5, m) * (5, m) -> (5, m)",
        "relu'(Z) = 1 where Z > 0, else 0, element-wise",
    ]:
        assert line in text, line
    phases = [line for line in text.splitlines() if line and not line.startswith(" ")][1:]
    assert phases == ["forward", "cost", "output", "backward"]
    assert f"dW[3] = {corner(trace['dW[3]'])}" in text  # the first values of the real array
    html = trace._repr_html_()
    assert html.startswith('<table class="glassnet-explain">')
    assert html.count("<tr>") == len(trace.steps) + 1
    assert "dW[3] = (1/m) dZ[3] A[2]^T" in html and "(1, m)(m, 5) -&gt; (1, 5)" in html


def test_the_network_is_left_as_it_was():
    net = gn.Network([2, 6, 1], dropout=0.5, batch_norm=True, seed=0)
    X, y = data(net)
    state = net.dropout_rng.bit_generator.state
    before = [p.copy() for p in net.parameters() + net.buffers()]
    explain(net, X, y)
    assert net.dropout_rng.bit_generator.state == state
    assert all(layer.Z is None and layer.dW is None for layer in net.layers)
    for a, b in zip(before, net.parameters() + net.buffers()):
        np.testing.assert_array_equal(a, b)


def test_regularization_and_batch_norm_are_named():
    text = str(explain(make(NETWORKS["l2"]), *data(make(NETWORKS["l2"]))))
    assert "+ (lambda / 2m) sum_l ||W[l]||^2" in text and "+ (lambda/m) W[1]" in text
    assert "lambda1" not in text
    text = str(explain(make(NETWORKS["l1 and l2"]), *data(make(NETWORKS["l1 and l2"]))))
    assert "||W[l]||^2 + (lambda1 / m) sum_l sum |W[l]|" in text
    assert "+ (lambda/m) W[2] + (lambda1/m) sign(W[2])" in text
    assert "lambda = 0.3, lambda1 = 0.2" in text and "L2, lambda = 0.3; L1, lambda1 = 0.2" in text
    text = str(explain(make(NETWORKS["dropout"]), *data(make(NETWORKS["dropout"]))))
    assert "inverted dropout" in text and "times D[1] / 0.7" in text
    net = make(NETWORKS["batch norm"])
    trace = explain(net, *data(net))
    assert "dZ[1] = batch_norm'(dZ~[1])" in str(trace)
    np.testing.assert_allclose(trace["dZ~[1]"], trace["dA[1]"] * trace["g'(Z[1])"])


def test_corner_shows_the_first_values():
    assert corner(np.array(0.5)) == "0.5"
    assert corner(np.array([1.0, -0.0, 2.5])) == "[[1 0 2.5]]"
    assert corner(np.arange(12.0).reshape(3, 4), shown=2) == "[[0 1 ...] [4 5 ...] ... (3 rows)]"


def test_explain_validates_at_the_boundary():
    net = gn.Network([2, 3, 1], seed=0)
    with pytest.raises(gn.GlassnetError, match="needs a glassnet Network"):
        explain("net", np.zeros((2, 2)), [0, 1])
    with pytest.raises(gn.GlassnetError, match="3 features"):
        explain(net, np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(gn.GlassnetError, match="batch_size"):
        explain(net, np.zeros((4, 2)), [0, 1, 0, 1], batch_size=0)
    with pytest.raises(KeyError, match="dW\\[9\\]"):
        explain(net, np.zeros((4, 2)), [0, 1, 0, 1])["dW[9]"]
    assert gn.explain is explain and isinstance(gn.explain(net, [[0, 1]], [1]), Trace)
