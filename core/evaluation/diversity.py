"""Diversity: precision, recall, density and coverage (Naeem et al., 2020), and duplicates.

With ``r(x)`` the distance from a real row to its k-th nearest other real row and
``s(y)`` the same for a synthetic row among synthetic rows (strictly-closer comparisons,
as in the published definitions):

* precision = share of synthetic rows within ``r(x)`` of some real row ``x``;
* recall    = share of real rows within ``s(y)`` of some synthetic row ``y``;
* density   = (1/k) * mean over synthetic rows of the number of real balls containing it;
* coverage  = share of real rows whose nearest synthetic row lies within ``r(x)``.

Distances are Euclidean in the standardised one-hot space (see ``encoding``).
Everything runs on neighbour indexes with chunked queries (see ``neighbors``): no
N x M distance matrix is ever held.

The four numbers depend on the table sizes, not only on the distributions: with
fewer synthetic than real rows, each real neighbourhood is less likely to hold a
synthetic row, so coverage falls (200 synthetic against 4,000 real rows of one
distribution give a coverage near 0.2 instead of about 0.97), while recall rises as
the synthetic radii grow. :func:`size_matched_prdc` therefore compares equal
numbers of rows: the larger table is subsampled (seeded) to the size of the smaller
one and the figures are averaged over ``diversity_repeats`` subsamples, as privacy
compares equal-sized references.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.copies import duplicate_rate
from synthgenesis.evaluation.encoding import FeatureEncoder
from synthgenesis.evaluation.neighbors import build_index, kth_neighbor_radius
from synthgenesis.evaluation.preprocess import PreparedData, subsample_index

#: The figures of PRDC, in report order.
PRDC_KEYS = ("precision", "recall", "density", "coverage")

#: Above this share of zero k-NN radii (many duplicate rows), PRDC cannot judge collapse.
ZERO_RADIUS_LIMIT = 0.2


def compute_prdc(
    real: np.ndarray,
    synthetic: np.ndarray,
    k: int = 5,
    chunk: int = 2048,
    method: str = "auto",
) -> dict[str, Any]:
    """Precision, recall, density and coverage of ``synthetic`` against ``real``.

    Both arrays need more than ``k`` rows. Also returns the shares of zero radii.
    ``method`` picks the neighbour index (see :func:`neighbors.build_index`).
    """
    if len(real) <= k or len(synthetic) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} rows in each table")
    real_index, syn_index = build_index(real, method), build_index(synthetic, method)
    real_radii = kth_neighbor_radius(real_index, real, k, chunk)
    syn_radii = kth_neighbor_radius(syn_index, synthetic, k, chunk)
    syn_in_real, counts = syn_index.within(real, real_radii, chunk)
    real_in_syn, _ = real_index.within(synthetic, syn_radii, chunk)
    return {
        "precision": float(syn_in_real.mean()),
        "recall": float(real_in_syn.mean()),
        "density": float(counts.sum() / (k * len(synthetic))),
        # the nearest synthetic row is inside the ball exactly when the ball holds any
        "coverage": float(np.mean(counts > 0)),
        "zero_radius_share_real": float(np.mean(real_radii == 0.0)),
        "zero_radius_share_synthetic": float(np.mean(syn_radii == 0.0)),
    }


def size_matched_prdc(
    real: np.ndarray,
    synthetic: np.ndarray,
    k: int,
    rng: np.random.Generator,
    repeats: int = 3,
    max_rows: int | None = None,
    chunk: int = 2048,
) -> dict[str, Any]:
    """PRDC on equal numbers of real and synthetic rows, averaged over subsamples.

    Both tables are cut to ``n = min(len(real), len(synthetic), max_rows)`` rows by
    seeded draws without replacement; a table that already has ``n`` rows is used
    whole. When neither table is subsampled (``subsampled`` false) the result is :func:`compute_prdc` on the
    full tables. Otherwise the figures are the means over ``repeats`` draws and
    ``spread`` holds their standard deviations.
    """
    n = min(len(real), len(synthetic))
    if max_rows is not None:
        n = min(n, max_rows)
    drawn = len(real) > n or len(synthetic) > n
    runs: list[dict[str, Any]] = []
    for _ in range(repeats if drawn else 1):
        ri = subsample_index(len(real), n, rng)
        si = subsample_index(len(synthetic), n, rng)
        runs.append(compute_prdc(real[ri], synthetic[si], k=k, chunk=chunk))
    out: dict[str, Any] = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
    out["rows"] = [n, n]
    out["rows_available"] = [len(real), len(synthetic)]
    out["subsampled"] = drawn
    out["repeats"] = len(runs)
    out["spread"] = {key: float(np.std([r[key] for r in runs])) for key in PRDC_KEYS}
    return out


def mode_collapse(metrics: dict[str, Any], config: EvaluationConfig) -> dict[str, Any]:
    """Decide mode collapse from PRDC and the duplicate rate, with a reason in words.

    ``detected`` is None when the evidence cannot decide: too few rows compared, or
    too many zero radii.
    """
    precision, recall = metrics["precision"], metrics["recall"]
    coverage, dup = metrics["coverage"], metrics["duplicate_rate"]
    real_dup = metrics["real_duplicate_rate"]
    if dup - real_dup >= config.duplicate_rate_fail:
        return {
            "detected": True,
            "reason": f"{dup:.1%} of synthetic rows repeat another synthetic row against "
            f"{real_dup:.1%} in the real data (limit: {config.duplicate_rate_fail:.0%} more)",
        }
    compared = min(metrics["rows"])
    if compared < config.diversity_min_rows:
        return {
            "detected": None,
            "reason": f"only {compared} rows per table were compared; neighbourhood metrics need at "
            f"least {config.diversity_min_rows} rows per table (diversity_min_rows) to judge collapse",
        }
    if max(metrics["zero_radius_share_real"], metrics["zero_radius_share_synthetic"]) > (ZERO_RADIUS_LIMIT):
        return {
            "detected": None,
            "reason": f"over {ZERO_RADIUS_LIMIT:.0%} of rows have k or more exact duplicates, "
            "so their neighbourhood radii are zero and PRDC cannot judge collapse",
        }
    if coverage < config.coverage_fail:
        if precision == 0.0:
            what = (
                "no synthetic row lies inside any real row's neighbourhood (precision 0, coverage "
                f"{coverage:.3f}): the synthetic data does not overlap the real data at all"
            )
        else:
            what = (
                f"coverage {coverage:.3f} is below {config.coverage_fail:g}: synthetic rows reach "
                f"only {coverage:.1%} of the real rows' neighbourhoods"
            )
        return {"detected": True, "reason": what}
    limit = config.collapse_ratio * precision
    low = [
        f"{name} {value:.3f}" for name, value in (("recall", recall), ("coverage", coverage)) if value < limit
    ]
    if low:
        return {
            "detected": True,
            "reason": f"{' and '.join(low)} below {config.collapse_ratio:g} x precision "
            f"({precision:.3f}): synthetic rows are realistic but cover only part of the real data",
        }
    return {
        "detected": False,
        "reason": f"recall {recall:.3f} and coverage {coverage:.3f} are at least "
        f"{config.collapse_ratio:g} x precision ({precision:.3f})",
    }


def diversity(
    data: PreparedData, encoder: FeatureEncoder, config: EvaluationConfig, seed: int
) -> dict[str, Any]:
    """Size-matched diversity metrics of the prepared tables (see :func:`size_matched_prdc`)."""
    rng = np.random.default_rng(seed)
    n = min(len(data.real), len(data.synthetic))
    if config.diversity_max_rows is not None:
        n = min(n, config.diversity_max_rows)
    # Draw rows first and encode only those: the full tables may be large.
    repeats = config.diversity_repeats if n <= config.diversity_repeat_max_rows else 1
    pool_real = subsample_index(len(data.real), n * repeats, rng)
    pool_syn = subsample_index(len(data.synthetic), n * repeats, rng)
    real_x = encoder.onehot(data.real.iloc[pool_real])
    syn_x = encoder.onehot(data.synthetic.iloc[pool_syn])
    metrics: dict[str, Any] = size_matched_prdc(
        real_x, syn_x, config.k, rng, repeats=repeats, max_rows=n, chunk=config.neighbor_chunk_rows
    )
    metrics["rows_available"] = [len(data.real), len(data.synthetic)]
    metrics["subsampled"] = len(data.real) > n or len(data.synthetic) > n
    metrics["k"] = config.k
    metrics["duplicate_rate"] = duplicate_rate(data.synthetic)
    metrics["real_duplicate_rate"] = duplicate_rate(data.real)
    metrics["mode_collapse"] = mode_collapse(metrics, config)
    return metrics
