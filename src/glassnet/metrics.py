"""How good a model is: accuracy, precision / recall / F1, the confusion matrix, R^2, RMSE, MAE.

Each function takes true and predicted values as arrays (labels 0..K-1 for classifiers, numbers
for regression); ``output_accuracy`` reads a network's output A against its targets Y, as training
records it after each epoch. A ratio with a zero denominator is 0, as in scikit-learn.
"""

from __future__ import annotations

import numpy as np


def output_accuracy(A: np.ndarray, Y: np.ndarray, output: str) -> float:
    """Fraction of samples classified correctly from a network's output A (m, n_L) and its
    targets Y: for a "softmax" output the most probable class against the one-hot row, for a
    "sigmoid" output A thresholded at 0.5 against the 0/1 label."""
    if output == "softmax":
        return float(np.mean(A.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean((A > 0.5) == (Y > 0.5)))


def accuracy(y, predicted) -> float:
    """Fraction of predicted labels equal to the true ones."""
    y, predicted = np.asarray(y), np.asarray(predicted)
    return float(np.mean(y == predicted))


def confusion_matrix(y, predicted, n_classes: int) -> np.ndarray:
    """C[true, predicted]: how many samples of class i were predicted as class j (labels 0..K-1)."""
    y = np.asarray(y, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    return np.bincount(y * n_classes + predicted, minlength=n_classes**2).reshape(n_classes, -1)


def binary_metrics(y, predicted) -> dict:
    """Accuracy, precision TP/(TP+FP), recall TP/(TP+FN), F1 = 2PR/(P+R) of the positive class 1,
    and the confusion matrix [[TN, FP], [FN, TP]]."""
    C = confusion_matrix(y, predicted, 2)
    (tn, fp), (fn, tp) = C.tolist()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "accuracy": (tp + tn) / C.sum(),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "confusion": C.tolist(),
    }


def class_metrics(y, predicted, n_classes: int) -> dict:
    """Per class k, from C = confusion_matrix: precision C[k,k] / sum_i C[i,k], recall
    C[k,k] / sum_j C[k,j], F1 = 2PR/(P+R), support sum_j C[k,j]; the macro average is their plain
    mean over the classes that occur in y or in the predictions (scikit-learn's convention);
    accuracy = trace(C) / m."""
    C = confusion_matrix(y, predicted, n_classes)
    correct = np.diag(C).astype(np.float64)
    predicted_as, support = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(correct, predicted_as, out=np.zeros(n_classes), where=predicted_as > 0)
    recall = np.divide(correct, support, out=np.zeros(n_classes), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(n_classes), where=both > 0)
    seen = (support > 0) | (predicted_as > 0)
    return {
        "accuracy": float(correct.sum() / C.sum()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "macro": {
            "precision": float(precision[seen].mean()),
            "recall": float(recall[seen].mean()),
            "f1": float(f1[seen].mean()),
        },
        "confusion": C.tolist(),
    }


def regression_metrics(y, predicted) -> dict:
    """RMSE = sqrt(mean (a - y)^2), MAE = mean |a - y|, and R^2 (see ``r2``), over every value."""
    y = np.asarray(y, dtype=np.float64)
    error = np.asarray(predicted, dtype=np.float64) - y
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": r2(y, predicted),
    }


def r2(y, predicted) -> float:
    """R^2 = 1 - sum (y - a)^2 / sum (y - y_bar)^2, the coefficient of determination; for a
    constant y 1 if every prediction is exact, else 0 (as scikit-learn does). Several targets
    (columns) are averaged uniformly, each with its own y_bar."""
    y = np.asarray(y, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(y.shape)
    if y.ndim == 2:
        return float(np.mean([r2(y[:, j], predicted[:, j]) for j in range(y.shape[1])]))
    residual = float(np.sum((y - predicted) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    if total > 0:
        return 1.0 - residual / total
    return 1.0 if residual == 0 else 0.0
