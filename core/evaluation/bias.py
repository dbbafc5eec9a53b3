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

Small subgroups give noisy shares and rates, so a subgroup is *judged* only with
enough rows (``bias_min_group_rows``, 20): its share when it has that many real rows
and a faithful synthetic table would give it as many (``real share x synthetic rows``);
its disparity when the subgroup and the rest of the table each have that many rows
in both tables. ``max_representation_gap`` and the amplifications use judged
subgroups only; the others say why in ``not_judged``.
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


def describe_amplification(value: float | None) -> str:
    """What an amplification factor means, in words."""
    if value is None:
        return "undefined: the real disparity is too small (or its subgroups too few) to divide by"
    if value < 0:
        return (
            "negative: the disparity is reversed, the subgroup that had the higher rate than the "
            "rest in the real data has the lower rate in the synthetic data (and vice versa)"
        )
    if value == 0:
        return "0: the real disparity is erased in the synthetic data"
    if value < 1:
        return f"between 0 and 1: the real disparity is narrowed to {value:.0%} of its size"
    if value == 1:
        return "1: the real disparity is kept"
    return f"above 1: the real disparity is widened {value:.2f} times"


def bias(data: PreparedData, config: EvaluationConfig) -> dict[str, Any]:
    """The bias family: per-group outcome rates in real and synthetic data and their gaps."""
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
    minimum = config.bias_min_group_rows
    n_real, n_syn = len(data.real), len(data.synthetic)
    disparity_judged = 0
    for column in data.sensitive:
        groups = subgroups(data, column, config.sensitive_max_levels)
        real_share = pd.Series(groups["real"]).value_counts(normalize=True)
        syn_share = pd.Series(groups["synthetic"]).value_counts(normalize=True)
        names = sorted(set(real_share.index) | set(syn_share.index))
        entries: dict[str, Any] = {}
        amplifications: list[float] = []
        for g in names:
            r_share, s_share = float(real_share.get(g, 0.0)), float(syn_share.get(g, 0.0))
            r_rows = int((groups["real"] == g).sum())
            s_rows = int((groups["synthetic"] == g).sum())
            entry: dict[str, Any] = {
                "real_share": r_share,
                "synthetic_share": s_share,
                "real_rows": r_rows,
                "synthetic_rows": s_rows,
                "representation_ratio": s_share / r_share if r_share > 0 else None,
                "judged": r_rows >= minimum and r_share * n_syn >= minimum,
            }
            if not entry["judged"]:
                entry["not_judged"] = (
                    f"{r_rows} real rows and {r_share * n_syn:.1f} expected synthetic rows; "
                    f"a share is judged from {minimum} of each"
                )
            if outcomes is not None:
                entry["real_rate"] = _rate(outcomes["real"][groups["real"] == g])
                entry["synthetic_rate"] = _rate(outcomes["synthetic"][groups["synthetic"] == g])
                d_real = _disparity(groups["real"], outcomes["real"], g)
                d_syn = _disparity(groups["synthetic"], outcomes["synthetic"], g)
                entry["real_disparity"], entry["synthetic_disparity"] = d_real, d_syn
                enough = min(r_rows, n_real - r_rows, s_rows, n_syn - s_rows) >= minimum
                disparity_judged += enough
                if not enough:
                    entry["amplification"] = None
                    entry["amplification_not_judged"] = (
                        f"the subgroup or the rest of a table has fewer than {minimum} rows "
                        f"({r_rows} / {n_real - r_rows} real, {s_rows} / {n_syn - s_rows} synthetic)"
                    )
                elif d_real is not None and d_syn is not None and abs(d_real) >= min_gap:
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
        if e["representation_ratio"] is not None and e["judged"]
    ]
    judged_groups = sum(e["judged"] for c in columns.values() for e in c["groups"].values())
    metrics: dict[str, Any] = {
        "max_amplification": max(overall) if overall else None,
        "min_amplification": min(overall) if overall else None,
        "max_representation_gap": max(abs(r - 1.0) for r in ratios) if ratios else None,
        "rate": definition,
        "judged_groups": judged_groups,
        "disparity_judged_groups": disparity_judged if outcomes is not None else None,
        "min_group_rows": minimum,
        "amplification_definition": "(rate_g - rate_rest) in synthetic / (rate_g - rate_rest) in real",
        "columns": columns,
    }
    return metrics
