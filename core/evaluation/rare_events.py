"""Rare events: does the synthetic data keep the real data's tails and rare categories?

* Numeric tails: for each numeric column, the low tail is ``x <= q`` and the high tail
  ``x >= Q`` with ``q``/``Q`` the real ``tail_quantile`` and ``1 - tail_quantile``
  quantiles of the observed values. The tail's ratio is the synthetic share in it over
  the real share (1 = reproduced, 0 = dropped, above 1 = heavier than real). A tail
  holding more than ``5 x tail_quantile`` of the real data (many ties) is not rare
  and is skipped, as are columns whose two quantiles coincide.
* Rare categories: categories with real frequency below ``rare_category_frequency``;
  each counts as reproduced when it occurs at least once in the synthetic data.
* ``rare_events.share``: mean over all rare regions of ``min(1, ratio)`` for tails and
  presence (0 or 1) for categories; 1 means every rare region is present.
* With a classification target, ``minority_label`` compares the rate of the real data's
  least frequent class: ``ratio = synthetic rate / real rate``.

A region is *judged* only when a synthetic table that followed the real one would put
at least ``rare_min_expected`` (5) rows in it: ``real share x synthetic rows >= 5``.
Below that, a missing region says nothing (a faithful table of that size would often
miss it too: with 5 expected rows it misses by chance less than 1% of the time) and
the region is listed with ``judged: false`` and left out of the shares. The minority
label is judged when both the real rows of that label and the expected synthetic
rows reach the same minimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.preprocess import PreparedData


def _expected(real_share: float, n_synthetic: int, minimum: float) -> dict[str, Any]:
    """Whether a region of ``real_share`` can be judged on ``n_synthetic`` rows."""
    expected = float(real_share * n_synthetic)
    entry: dict[str, Any] = {"expected_synthetic_rows": expected, "judged": expected >= minimum}
    if not entry["judged"]:
        entry["not_judged"] = (
            f"a faithful synthetic table of {n_synthetic} rows would hold {expected:.1f} rows here, "
            f"fewer than {minimum:g}"
        )
    return entry


def _tail(
    real: np.ndarray, synthetic: np.ndarray, threshold: float, low: bool, limit: float, minimum: float
) -> dict[str, Any]:
    if low:
        real_share, syn_share = np.mean(real <= threshold), np.mean(synthetic <= threshold)
    else:
        real_share, syn_share = np.mean(real >= threshold), np.mean(synthetic >= threshold)
    entry: dict[str, Any] = {
        "threshold": float(threshold),
        "real_share": float(real_share),
        "synthetic_share": float(syn_share),
    }
    if real_share > limit:
        entry["skipped"] = f"the tail holds {real_share:.1%} of the real data, so it is not rare"
    else:
        entry["ratio"] = float(syn_share / real_share)
        entry.update(_expected(float(real_share), len(synthetic), minimum))
    return entry


def numeric_tails(data: PreparedData, config: EvaluationConfig) -> dict[str, Any]:
    """Per numeric column: the share of synthetic values beyond the real tail quantiles."""
    out: dict[str, Any] = {}
    limit = 5 * config.tail_quantile
    for column in data.numeric:
        real = data.observed("real", column)
        synthetic = data.observed("synthetic", column)
        if real.size == 0 or synthetic.size == 0:
            continue
        low_q, high_q = np.quantile(real, [config.tail_quantile, 1 - config.tail_quantile])
        if low_q == high_q:
            out[column] = {"skipped": "the real quantiles of both tails coincide"}
            continue
        out[column] = {
            "low": _tail(real, synthetic, low_q, True, limit, config.rare_min_expected),
            "high": _tail(real, synthetic, high_q, False, limit, config.rare_min_expected),
        }
    return out


def rare_categories(data: PreparedData, config: EvaluationConfig) -> dict[str, Any]:
    """Per categorical column: how often the rare real categories appear in the synthetic data."""
    out: dict[str, Any] = {}
    for column in data.categorical:
        real = data.real[column].value_counts(normalize=True)
        syn = data.synthetic[column].value_counts(normalize=True)
        rare = real[real < config.rare_category_frequency]
        if rare.empty:
            continue
        out[column] = {
            str(value): {
                "real_frequency": float(freq),
                "synthetic_frequency": float(syn.get(value, 0.0)),
                "present": bool(syn.get(value, 0.0) > 0),
                **_expected(float(freq), len(data.synthetic), config.rare_min_expected),
            }
            for value, freq in sorted(rare.items(), key=lambda kv: (kv[1], str(kv[0])))
        }
    return out


def minority_label(data: PreparedData) -> dict[str, Any] | None:
    """Rate of the real data's least frequent class in both tables, or of a class that vanished.

    Usually the real minority class is reported; but when a more frequent
    real class is missing from the synthetic table altogether (a label that
    vanished, while the minority may even look over-kept), the most frequent
    such class is reported instead, since it is the larger loss. ``minority``
    names the real minority, ``ratios`` gives every real class's ratio.
    """
    if data.target is None or data.task != "classification":
        return None
    real = data.real[data.target].value_counts(normalize=True)
    synthetic = data.synthetic[data.target].to_numpy()
    ratios = {label: float(np.mean(synthetic == label)) / float(rate) for label, rate in real.items()}
    minority = min(real.items(), key=lambda kv: (kv[1], str(kv[0])))[0]
    vanished = [k for k in real.index if ratios[k] == 0.0]
    label = max(vanished, key=lambda k: (real[k], str(k))) if vanished else minority
    rate = float(dict(real.items())[label])
    return {
        "label": str(label),
        "real_rate": rate,
        "synthetic_rate": ratios[label] * rate,
        "ratio": ratios[label],
        "minority": str(minority),
        "ratios": {str(k): v for k, v in ratios.items()},
    }


def rare_events(data: PreparedData, config: EvaluationConfig) -> dict[str, Any]:
    """The rare-events family: tails, rare categories and the minority label, summarised."""
    tails = numeric_tails(data, config)
    categories = rare_categories(data, config)
    tail_entries = [
        entry[key]
        for entry in tails.values()
        for key in ("low", "high")
        if key in entry and "ratio" in entry[key]
    ]
    category_entries = [v for entry in categories.values() for v in entry.values()]
    tail_scores = [min(1.0, e["ratio"]) for e in tail_entries if e["judged"]]
    category_scores = [1.0 if v["present"] else 0.0 for v in category_entries if v["judged"]]
    regions = tail_scores + category_scores
    not_judged = sum(not e["judged"] for e in tail_entries + category_entries)
    metrics: dict[str, Any] = {
        "share": float(np.mean(regions)) if regions else None,
        "tail_share": float(np.mean(tail_scores)) if tail_scores else None,
        "rare_category_share": float(np.mean(category_scores)) if category_scores else None,
        "n_tails": len(tail_scores),
        "n_rare_categories": len(category_scores),
        "n_not_judged": not_judged,
        "rows": {"real": len(data.real), "synthetic": len(data.synthetic)},
        "min_expected": config.rare_min_expected,
        "tail_quantile": config.tail_quantile,
        "rare_category_frequency": config.rare_category_frequency,
        "tails": tails,
        "rare_categories": categories,
    }
    if not regions:
        metrics["notes"] = (
            [f"{not_judged} rare regions exist but the synthetic table is too small to judge any of them"]
            if not_judged
            else ["no rare region found: no numeric tail or rare category qualified"]
        )
    minority = minority_label(data)
    if minority is not None:
        real_rows = round(minority["real_rate"] * len(data.real))
        judged = _expected(minority["real_rate"], len(data.synthetic), config.rare_min_expected)
        minority["real_rows"] = real_rows
        minority.update(judged)
        if real_rows < config.rare_min_expected:
            minority["judged"] = False
            minority["not_judged"] = (
                f"only {real_rows} real rows carry the label, fewer than {config.rare_min_expected:g}"
            )
        metrics["minority_label"] = minority
    return metrics
