"""Turn cleaned tables into numeric matrices, with statistics learnt from the real table.

Two encodings share one fit:

* :meth:`FeatureEncoder.onehot` — the *distance space* used by MMD, PRDC, privacy and
  utility with a caller's estimator. Numeric columns are standardised by the real
  mean and standard deviation; numeric columns that are constant in the real data are
  left out (there is no scale to standardise by), with a note. Categorical columns are
  one-hot encoded and each indicator is scaled by ``1/sqrt(2)``, so two rows that differ
  in one category are at distance 1, like rows one real standard deviation apart.
* :meth:`FeatureEncoder.ordinal` — raw numeric values plus integer category codes, for
  tree models (HistGradientBoosting's native categorical support).

A column keeps its ``max_categories - 1`` most frequent real categories; every other
value (rare, or unseen in the real data) shares one "other" slot.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from synthgenesis.evaluation.preprocess import PreparedData

_ONEHOT_SCALE = 1.0 / np.sqrt(2.0)


class FeatureEncoder:
    """Encoding of ``columns`` of a :class:`PreparedData`, fit on its real table."""

    def __init__(self, data: PreparedData, columns: Sequence[str], max_categories: int = 50) -> None:
        self.columns = list(columns)
        self.kinds = {c: data.kinds[c] for c in self.columns}
        self.notes: list[str] = []
        self.mean: dict[str, float] = {}
        self.scale: dict[str, float] = {}
        self.levels: dict[str, list[str]] = {}
        real = data.real
        for column in self.columns:
            if self.kinds[column] == "numeric":
                values = real[column].to_numpy(dtype=float)
                std = float(values.std())
                self.mean[column] = float(values.mean())
                self.scale[column] = std
                if not std > 0.0:
                    self.notes.append(
                        f"numeric column {column!r} is constant in the real data; it is left "
                        f"out of standardised distances"
                    )
            else:
                counts = real[column].value_counts(sort=False)
                ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                self.levels[column] = [str(k) for k, _ in ranked[: max_categories - 1]]
                if len(ranked) > max_categories - 1:
                    self.notes.append(
                        f"categorical column {column!r} has {len(ranked)} categories; the "
                        f"{max_categories - 1} most frequent are encoded, the rest share one slot"
                    )

    @property
    def standardised_numeric(self) -> list[str]:
        """Numeric columns with a real spread (the constant ones are left out of distances)."""
        return [c for c in self.columns if self.kinds[c] == "numeric" and self.scale[c] > 0]

    def codes(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """Integer codes of a categorical column; ``len(levels)`` is the "other" slot."""
        levels = self.levels[column]
        lookup = pd.Index(levels)
        codes = lookup.get_indexer(pd.Index(frame[column].to_numpy()))
        codes[codes < 0] = len(levels)
        return codes.astype(np.int64)

    def n_codes(self, column: str) -> int:
        """Number of codes of a categorical column, the "other" slot included."""
        return len(self.levels[column]) + 1

    def onehot_names(self) -> list[str]:
        """Column names of :meth:`onehot`, in its order."""
        names = list(self.standardised_numeric)
        for column in self.columns:
            if self.kinds[column] == "categorical":
                names += [f"{column}={v}" for v in self.levels[column]]
                names.append(f"{column}=<other>")
        return names

    def onehot(self, frame: pd.DataFrame) -> np.ndarray:
        """Standardised numeric plus scaled one-hot columns, float64 of shape (n, d)."""
        n = len(frame)
        blocks: list[np.ndarray] = []
        numeric = self.standardised_numeric
        if numeric:
            values = frame[numeric].to_numpy(dtype=float)
            mean = np.array([self.mean[c] for c in numeric])
            scale = np.array([self.scale[c] for c in numeric])
            blocks.append((values - mean) / scale)
        for column in self.columns:
            if self.kinds[column] != "categorical":
                continue
            block = np.zeros((n, self.n_codes(column)))
            block[np.arange(n), self.codes(frame, column)] = _ONEHOT_SCALE
            blocks.append(block)
        if not blocks:
            return np.zeros((n, 0))
        return np.ascontiguousarray(np.hstack(blocks))

    def ordinal(self, frame: pd.DataFrame) -> np.ndarray:
        """Raw numeric values and category codes, one column per input column."""
        out = np.empty((len(frame), len(self.columns)))
        for j, column in enumerate(self.columns):
            if self.kinds[column] == "numeric":
                out[:, j] = frame[column].to_numpy(dtype=float)
            else:
                out[:, j] = self.codes(frame, column)
        return out

    @property
    def categorical_mask(self) -> np.ndarray:
        """Boolean mask of the categorical columns of :meth:`ordinal`."""
        return np.array([self.kinds[c] == "categorical" for c in self.columns], dtype=bool)
