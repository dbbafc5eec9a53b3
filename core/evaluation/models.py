"""Fit a model and score it on a real test set, for the utility family.

The default model is scikit-learn's HistGradientBoosting (classifier or regressor) on
raw numeric values and native categorical codes. A caller's estimator is cloned with
``sklearn.base.clone`` (``copy.deepcopy`` when it does not support cloning), given the
repeat's ``random_state`` when it has one, and fed the standardised one-hot matrix.
Class scores come from ``predict_proba``, else ``decision_function``, else the hard
predictions. A training set with a single class gives a constant predictor.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)


def make_model(estimator: Any, task: str, mask: np.ndarray, seed: int) -> Any:
    """A fresh, seeded copy of ``estimator``, or histogram gradient boosting when it is None."""
    if estimator is None:
        categorical = mask if mask.any() else None
        if task == "classification":
            return HistGradientBoostingClassifier(categorical_features=categorical, random_state=seed)
        return HistGradientBoostingRegressor(categorical_features=categorical, random_state=seed)
    try:
        model = clone(estimator)
    except TypeError:
        model = copy.deepcopy(estimator)
    if hasattr(model, "get_params") and "random_state" in model.get_params():
        model.set_params(random_state=seed)
    return model


def _scores(model: Any, x: np.ndarray, trained: Sequence[str], labels: list[str]) -> np.ndarray:
    """Score matrix with one column per entry of ``labels`` (0 for untrained classes)."""
    columns = list(getattr(model, "classes_", trained))
    if hasattr(model, "predict_proba"):
        raw = np.asarray(model.predict_proba(x), dtype=float)
    elif hasattr(model, "decision_function"):
        raw = np.asarray(model.decision_function(x), dtype=float)
        if raw.ndim == 1:
            raw = np.column_stack([-raw, raw])
    else:
        pred = np.asarray(model.predict(x)).astype(str)
        raw = (pred[:, None] == np.asarray(columns, dtype=str)[None, :]).astype(float)
    out = np.zeros((len(x), len(labels)))
    index = {label: j for j, label in enumerate(labels)}
    for j, label in enumerate(columns):
        if str(label) in index:
            out[:, index[str(label)]] = raw[:, j]
    return out


def classification_scores(
    y_true: np.ndarray, scores: np.ndarray, pred: np.ndarray, labels: list[str], positive: str
) -> dict[str, float]:
    """AUROC, AUPRC and F1; for the positive label when binary, macro one-vs-rest otherwise."""
    if len(labels) == 2:
        truth = y_true == positive
        score = scores[:, labels.index(positive)]
        return {
            "auroc": float(roc_auc_score(truth, score)),
            "auprc": float(average_precision_score(truth, score)),
            "f1": float(f1_score(truth, pred == positive, zero_division=0)),
        }
    present = [c for c in labels if np.any(y_true == c) and not np.all(y_true == c)]
    auroc = [roc_auc_score(y_true == c, scores[:, labels.index(c)]) for c in present]
    auprc = [average_precision_score(y_true == c, scores[:, labels.index(c)]) for c in present]
    f1 = f1_score(y_true, pred, labels=present, average="macro", zero_division=0)
    return {"auroc": float(np.mean(auroc)), "auprc": float(np.mean(auprc)), "f1": float(f1)}


def fit_score(
    model: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    task: str,
    labels: list[str] | None = None,
    positive: str | None = None,
) -> tuple[dict[str, float], bool]:
    """Fit on the training rows, score on the test rows; also says if the fit was constant."""
    if task == "regression":
        model.fit(x_train, y_train)
        pred = np.asarray(model.predict(x_test), dtype=float)
        return {"mae": float(mean_absolute_error(y_test, pred)), "r2": float(r2_score(y_test, pred))}, False
    assert labels is not None and positive is not None
    trained = sorted(set(y_train.tolist()))
    if len(trained) < 2:
        scores = np.zeros((len(x_test), len(labels)))
        if trained and trained[0] in labels:
            scores[:, labels.index(trained[0])] = 1.0
        pred = np.full(len(x_test), trained[0] if trained else labels[0], dtype=object)
        return classification_scores(y_test, scores, pred, labels, positive), True
    model.fit(x_train, y_train)
    scores = _scores(model, x_test, trained, labels)
    pred = np.asarray(model.predict(x_test)).astype(str)
    return classification_scores(y_test, scores, pred, labels, positive), False
