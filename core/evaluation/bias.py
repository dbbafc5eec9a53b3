"""Bias: subgroup representation and label disparities, real versus synthetic.

For each sensitive column and each subgroup ``g`` of it:

* ``real_share`` / ``synthetic_share``: the subgroup's share of rows, and
  ``representation_ratio = synthetic_share / real_share``;
* with a target, the *rate* of ``g``: the share of the positive label (the real data's
  least frequent class) for classification, the mean target for regression;
* the *disparity* of ``g`` in a table: its rate minus the rate of the rest of that
  table (all rows outside ``g``);
* ``amplification = synthetic disparity / real disparity``. 1 means the gap is kept,
  above 1 the synthetic data widens it, between 0 and 1 it narrows it, below 0 it
  reverses it. It is undefined (``null``) when the real disparity is smaller than
  ``min_real_disparity`` (scaled by the real target's standard deviation for
  regression), because a ratio to a near-zero gap says nothing.

``max_amplification`` is the largest defined amplification over subgroups and columns.
A numeric sensitive column with more than ``sensitive_max_levels`` distinct values is
cut into quartile bins of the real data first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.preprocess import PreparedData
from synthgenesis.evaluation.rare_events import minority_label


def subgroups(data: PreparedData, column: str, max_levels: int) -> dict[str, np.ndarray]:
    """Subgroup labels (strings) of every row of the real and synthetic tables."""
    real, synthetic = data.real[column], data.synthetic[column]
    if data.kinds[column] == "categorical" or real.nunique() <= max_levels:
        return {"real": real.astype(str).to_numpy(), "synthetic": synthetic.astype(str).to_numpy()}
    edges = np.unique(np.quantile(real.to_numpy(dtype=float), [0.0, 0.25, 0.5, 0.75, 1.0]))
    inner = edges[1:-1] if len(edges) >= 3 else edges[-1:]
    labels = (
        [f"<{inner[0]:.4g}"]
        + [f"[{inner[i]:.4g}, {inner[i + 1]:.4g})" for i in range(len(inner) - 1)]
        + [f">={inner[-1]:.4g}"]
    )
    return {
        name: np.asarray(labels, dtype=object)[
            np.searchsorted(inner, values.to_numpy(dtype=float), side="right")
        ]
        for name, values in (("real", real), ("synthetic", synthetic))
    }


def _rate(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _disparity(groups: np.ndarray, outcome: np.ndarray, group: str) -> float | None:
    inside = groups == group
    if not inside.any() or inside.all():
        return None
    return float(outcome[inside].mean() - outcome[~inside].mean())


def bias(data: PreparedData, config: EvaluationConfig) -> dict[str, Any]:
    outcomes: dict[str, np.ndarray] | None = None
    min_gap = config.min_real_disparity
    definition = None
    if data.target is not None:
        if data.task == "classification":
            minority = minority_label(data)
            assert minority is not None
            positive = minority["label"]
            outcomes = {
                name: (data.table(name)[data.target].to_numpy().astype(str) == positive).astype(float)
                for name in ("real", "synthetic")
            }
            definition = f"share of rows with {data.target} = {positive!r}"
        else:
            outcomes = {
                name: data.table(name)[data.target].to_numpy(dtype=float) for name in ("real", "synthetic")
            }
            min_gap *= float(outcomes["real"].std())
            definition = f"mean of {data.target}"

    columns: dict[str, Any] = {}
    overall: list[float] = []
    for column in data.sensitive:
        groups = subgroups(data, column, config.sensitive_max_levels)
        real_share = pd.Series(groups["real"]).value_counts(normalize=True)
        syn_share = pd.Series(groups["synthetic"]).value_counts(normalize=True)
        names = sorted(set(real_share.index) | set(syn_share.index))
        entries: dict[str, Any] = {}
        amplifications: list[float] = []
        for g in names:
            r_share, s_share = float(real_share.get(g, 0.0)), float(syn_share.get(g, 0.0))
            entry: dict[str, Any] = {
                "real_share": r_share,
                "synthetic_share": s_share,
                "representation_ratio": s_share / r_share if r_share > 0 else None,
            }
            if outcomes is not None:
                entry["real_rate"] = _rate(outcomes["real"][groups["real"] == g])
                entry["synthetic_rate"] = _rate(outcomes["synthetic"][groups["synthetic"] == g])
                d_real = _disparity(groups["real"], outcomes["real"], g)
                d_syn = _disparity(groups["synthetic"], outcomes["synthetic"], g)
                entry["real_disparity"], entry["synthetic_disparity"] = d_real, d_syn
                if d_real is not None and d_syn is not None and abs(d_real) >= min_gap:
                    entry["amplification"] = d_syn / d_real
                    amplifications.append(entry["amplification"])
                else:
                    entry["amplification"] = None
            entries[g] = entry
        columns[column] = {
            "groups": entries,
            "max_amplification": max(amplifications) if amplifications else None,
            "min_amplification": min(amplifications) if amplifications else None,
        }
        overall += amplifications
    ratios = [
        e["representation_ratio"]
        for c in columns.values()
        for e in c["groups"].values()
        if e["representation_ratio"] is not None
    ]
    metrics: dict[str, Any] = {
        "max_amplification": max(overall) if overall else None,
        "min_amplification": min(overall) if overall else None,
        "max_representation_gap": max(abs(r - 1.0) for r in ratios) if ratios else None,
        "rate": definition,
        "amplification_definition": "(rate_g - rate_rest) in synthetic / (rate_g - rate_rest) in real",
        "columns": columns,
    }
    return metrics
