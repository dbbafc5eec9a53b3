"""Fidelity: how closely the synthetic marginals and pairwise dependencies follow the real ones.

``fidelity.score = 1 - (mean column distance + min(1, association mean abs diff)) / 2``
(only the column term when the table has a single column). The column distance is
the Kolmogorov-Smirnov statistic for numeric and the total variation distance for
categorical columns, both in [0, 1]; so the score lies in [0, 1] and is 1 for
identical tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from synthgenesis.evaluation.association import association_matrix
from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.mmd import mmd2_unbiased
from synthgenesis.evaluation.preprocess import PreparedData, subsample_index

_PLOT_ROWS = 5000


def total_variation(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Total variation distance between the category frequencies of two arrays."""
    levels, codes = np.unique(np.concatenate([real, synthetic]), return_inverse=True)
    p = np.bincount(codes[: len(real)], minlength=len(levels)) / len(real)
    q = np.bincount(codes[len(real) :], minlength=len(levels)) / len(synthetic)
    return float(0.5 * np.abs(p - q).sum())


def ks_statistic(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (largest gap between the two ECDFs), by SciPy.

    Only the statistic is used, so the asymptotic p-value is asked for: SciPy's exact
    p-value costs time that grows with the sizes of both samples (and the asymptotic one
    divides by zero for a single value, hence the silenced warning).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(stats.ks_2samp(real, synthetic, method="asymp").statistic)


def column_distances(data: PreparedData, notes: list[str]) -> dict[str, dict[str, Any]]:
    """Per-column distance entries, keyed by column name."""
    out: dict[str, dict[str, Any]] = {}
    for column in data.columns:
        if data.kinds[column] == "categorical":
            out[column] = {
                "kind": "categorical",
                "statistic": "tvd",
                "distance": total_variation(data.real[column].to_numpy(), data.synthetic[column].to_numpy()),
            }
            continue
        real = data.observed("real", column)
        synthetic = data.observed("synthetic", column)
        entry: dict[str, Any] = {"kind": "numeric", "statistic": "ks"}
        if real.size == 0 or synthetic.size == 0:
            entry.update(distance=None, wasserstein_std=None)
            notes.append(
                f"column {column!r} has no observed value in "
                f"{'real' if real.size == 0 else 'synthetic'}; its distance is undefined "
                f"(its missing indicator still compares the missing rates)"
            )
            out[column] = entry
            continue
        entry["distance"] = ks_statistic(real, synthetic)
        std = float(real.std())
        if std > 0.0:
            entry["wasserstein_std"] = float(stats.wasserstein_distance(real, synthetic) / std)
        else:
            entry["wasserstein_std"] = None
            notes.append(
                f"column {column!r} is constant in the real data; its standardised "
                f"Wasserstein distance is left out"
            )
        out[column] = entry
    return out


def _association(data: PreparedData, encoder: FeatureEncoder) -> dict[str, Any]:
    columns = data.columns
    kinds = [data.kinds[c] for c in columns]

    def matrix(name: str) -> np.ndarray:
        frame = data.table(name)
        values = [
            frame[c].to_numpy(dtype=float) if k == "numeric" else encoder.codes(frame, c)
            for c, k in zip(columns, kinds, strict=True)
        ]
        return association_matrix(values, kinds)

    real, synthetic = matrix("real"), matrix("synthetic")
    result: dict[str, Any] = {"real": real, "synthetic": synthetic, "columns": columns}
    if len(columns) < 2:
        return result
    upper = np.triu_indices(len(columns), 1)
    diff = np.abs(real - synthetic)[upper]
    worst = int(np.argmax(diff))
    result.update(
        mean_abs_diff=float(diff.mean()),
        max_abs_diff=float(diff[worst]),
        worst_pair=[columns[upper[0][worst]], columns[upper[1][worst]]],
        n_pairs=int(diff.size),
    )
    return result


def _marginal_samples(
    data: PreparedData, ranked: list[str], count: int, rng: np.random.Generator
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for column in ranked[:count]:
        kind = data.kinds[column]
        entry: dict[str, Any] = {"kind": kind}
        for name in ("real", "synthetic"):
            values = data.observed(name, column) if kind == "numeric" else data.table(name)[column].to_numpy()
            entry[name] = values[subsample_index(len(values), _PLOT_ROWS, rng)]
        out[column] = entry
    return out


def fidelity(
    data: PreparedData, encoder: FeatureEncoder, config: EvaluationConfig, seed: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fidelity metrics and plot data. ``encoder`` must cover every column."""
    notes: list[str] = []
    rng = np.random.default_rng(seed)
    columns = column_distances(data, notes)
    defined = {c: e["distance"] for c, e in columns.items() if e["distance"] is not None}
    w1 = [e["wasserstein_std"] for e in columns.values() if e.get("wasserstein_std") is not None]
    column_mean = float(np.mean(list(defined.values()))) if defined else None

    assoc = _association(data, encoder)
    assoc_summary = {
        k: assoc[k] for k in ("mean_abs_diff", "max_abs_diff", "worst_pair", "n_pairs") if k in assoc
    }

    ri = subsample_index(len(data.real), config.mmd_max_rows, rng)
    si = subsample_index(len(data.synthetic), config.mmd_max_rows, rng)
    real_x = encoder.onehot(data.real.iloc[ri])
    syn_x = encoder.onehot(data.synthetic.iloc[si])
    mmd: dict[str, Any]
    if real_x.shape[1] == 0:
        mmd = {"mmd2": None, "mmd_bandwidth": None}
        notes.append("no column is left in the standardised space; MMD is undefined")
    else:
        value, bandwidth = mmd2_unbiased(real_x, syn_x)
        mmd = {"mmd2": value, "mmd_bandwidth": bandwidth, "mmd_rows": [len(ri), len(si)]}

    if column_mean is None:
        score = None
    elif "mean_abs_diff" in assoc:
        score = 1.0 - (column_mean + min(1.0, assoc["mean_abs_diff"])) / 2.0
    else:
        score = 1.0 - column_mean
    metrics: dict[str, Any] = {
        "score": score,
        "column_distance_mean": column_mean,
        "wasserstein_std_mean": float(np.mean(w1)) if w1 else None,
        "association": assoc_summary,
        **mmd,
        "columns": columns,
        "notes": notes,
    }
    ranked = sorted(defined, key=lambda c: -defined[c])
    artifacts = {
        "association": {k: assoc[k] for k in ("real", "synthetic", "columns")},
        "marginals": _marginal_samples(data, ranked, config.marginal_plot_columns, rng),
    }
    return metrics, artifacts
