"""A class-conditional Gaussian of log measurements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis import Generator
from synthgenesis_cytology.domain import COLUMNS


class ClassGaussian(Generator):
    """One multivariate normal per diagnosis class, fitted to log(measurement + offset).

    Logs keep sizes positive and model the multiplicative spread of nuclear
    sizes; per-class fits keep the class-specific correlations a classifier
    relies on. ``shrinkage`` pulls each covariance towards its diagonal.
    """

    def __init__(self, *, shrinkage: float = 0.0) -> None:
        super().__init__()
        if not 0 <= shrinkage <= 1:
            raise ValueError("shrinkage must be in [0, 1]")
        self.shrinkage = shrinkage
        self.classes: dict[str, dict[str, Any]] = {}

    def _fit(self, reference: pd.DataFrame) -> None:
        logs = np.log(reference[COLUMNS].to_numpy(float) + 1e-3)
        labels = reference["malignant"].to_numpy()
        self.classes = {}
        for label in np.unique(labels):
            x = logs[labels == label]
            cov = np.cov(x, rowvar=False)
            cov = (1 - self.shrinkage) * cov + self.shrinkage * np.diag(np.diag(cov))
            self.classes[str(int(label))] = {
                "weight": float((labels == label).mean()),
                "mean": x.mean(axis=0).tolist(),
                "cov": cov.tolist(),
            }

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        labels = list(self.classes)
        weights = np.array([self.classes[k]["weight"] for k in labels])
        counts = rng.multinomial(n, weights / weights.sum())
        parts = []
        for label, count in zip(labels, counts, strict=True):
            c = self.classes[label]
            x = rng.multivariate_normal(c["mean"], c["cov"], size=count, method="eigh")
            part = pd.DataFrame(np.exp(x) - 1e-3, columns=COLUMNS)
            part["malignant"] = int(label)
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        return out.iloc[rng.permutation(len(out))].reset_index(drop=True)

    def get_state(self) -> dict[str, Any]:
        """The fitted class means and covariances, as JSON-ready data."""
        return {"shrinkage": self.shrinkage, "classes": self.classes}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ClassGaussian:
        """The generator :meth:`get_state` described."""
        gen = cls(shrinkage=state["shrinkage"])
        gen.classes = dict(state["classes"])
        gen._fitted = True
        return gen
