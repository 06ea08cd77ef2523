"""Train the lecture's network on a small separable problem and print what it learned."""

import numpy as np

import glassnet as gn

rng = np.random.default_rng(0)
X = rng.standard_normal((1000, 20))
y = (X[:, :10].sum(axis=1) > X[:, 10:].sum(axis=1)).astype(int)
X_train, y_train, X_test, y_test = X[:800], y[:800], X[800:], y[800:]

scaler = gn.Standardizer().fit(X_train)
net = gn.Network([20, 20, 7, 5, 1], hidden="relu", output="sigmoid", seed=1)
history = gn.train(
    net,
    scaler.transform(X_train),
    y_train,
    optimizer=gn.Momentum(lr=0.05, beta=0.9),
    epochs=40,
    batch_size=64,
    validation_data=(scaler.transform(X_test), y_test),
    callbacks=[
        lambda h: (
            print(f"epoch {h.epochs:3d}  cost {h.epoch_costs[-1]:.4f}")
            if h.epochs % 10 == 0
            else None
        )
    ],
)
print(f"test accuracy {np.mean(net.predict(scaler.transform(X_test)) == y_test):.3f}")
print(f"gradient check {gn.gradient_check(net, X_test[:8], y_test[:8]):.1e}")
