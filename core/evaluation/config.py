"""Settings of the evaluation engine: sample caps, neighbour counts and verdict thresholds.

Every number a verdict compares against lives here, so a study can tighten or relax
it in one place. The defaults are documented in ``docs/evaluation.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from synthgenesis.errors import ConfigError

#: The metric families, in the order they are computed and reported.
METRIC_FAMILIES: tuple[str, ...] = (
    "fidelity",
    "detection",
    "diversity",
    "rare_events",
    "bias",
    "privacy",
    "utility",
)


@dataclass(frozen=True)
class EvaluationConfig:
    """Tunable settings of :func:`synthgenesis.evaluation.evaluate`.

    Row caps (``*_max_rows``) bound time and memory: a family that sees more rows
    works on a seeded random subsample of that many rows per table and says so
    in its metrics. ``None`` means no cap.
    """

    # preprocessing
    max_categories: int = 50
    """Categories kept per column when encoding; rarer ones share one "other" slot."""
    sensitive_max_levels: int = 20
    """A numeric sensitive column with more distinct values is cut into quartile bins."""

    # fidelity
    mmd_max_rows: int = 2000
    marginal_plot_columns: int = 6

    # detection
    detection_max_rows: int = 10_000
    detection_folds: int = 5
    detection_importance_rows: int = 2000
    detection_importance_repeats: int = 3
    detection_top_features: int = 10

    # diversity
    k: int = 5
    diversity_max_rows: int | None = 10_000
    diversity_repeats: int = 3
    """Size-matched PRDC is averaged over this many seeded subsamples of the larger table."""
    diversity_repeat_max_rows: int = 5000
    """Above this many compared rows per table one subsample is used (its noise is small)."""
    neighbor_chunk_rows: int = 2048

    # rare events
    tail_quantile: float = 0.01
    rare_category_frequency: float = 0.05

    # privacy
    privacy_max_rows: int | None = 10_000

    # utility
    utility_seeds: int = 3
    utility_test_fraction: float = 0.25
    utility_max_train_rows: int | None = 20_000
    hybrid_real_fractions: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)
    hybrid_synthetic_multipliers: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
    auprc_positive_rate: float = 0.2
    """AUPRC leads instead of AUROC when the positive rate of real data is below this."""

    # evidence a verdict needs (see docs/evaluation.md, "Evidence")
    evidence_level: float = 0.95
    """Two-sided confidence level of the intervals a pass is checked against."""
    diversity_min_rows: int = 50
    """Rows per table (after size matching) below which mode collapse is not judged."""
    detection_min_rows: int = 50
    """Rows per class below which the classifier two-sample test is not judged."""
    rare_min_expected: float = 5.0
    """A rare region is judged only when a faithful synthetic table would put this many rows in it."""
    bias_min_group_rows: int = 20
    """Rows a subgroup (and the rest of its table) needs before its share or disparity is judged."""
    privacy_min_rows: int = 50
    """Holdout-sized reference rows (and synthetic rows) below which privacy is not judged."""
    utility_min_test_rows: int = 50
    utility_min_train_rows: int = 50
    """Real and synthetic training rows below which transfer is not judged."""
    utility_min_class_rows: int = 10
    """Rows of the positive label the real test set needs for a classification score."""
    utility_min_lift: float = 0.05
    """The real-data model must beat chance by this much for transfer to be judged."""

    # verdict thresholds
    collapse_ratio: float = 0.6
    """Mode collapse when recall or coverage is below this fraction of precision."""
    collapse_warn_ratio: float = 0.8
    duplicate_rate_fail: float = 0.5
    duplicate_rate_warn: float = 0.05
    coverage_fail: float = 0.1
    """Mode collapse when coverage is below this, whatever the precision."""
    c2st_warn: float = 0.6
    c2st_fail: float = 0.8
    rare_warn: float = 0.8
    rare_fail: float = 0.5
    amplification_warn: float = 1.2
    amplification_fail: float = 1.5
    min_real_disparity: float = 0.02
    """Real disparities smaller than this leave the amplification factor undefined."""
    representation_warn: float = 0.2
    """Warn when a subgroup's synthetic share differs from its real share by this fraction."""
    privacy_share_warn: float = 0.55
    privacy_share_fail: float = 0.6
    mia_warn: float = 0.55
    mia_fail: float = 0.6
    exact_copy_excess_fail: float = 0.01
    """Fail when the exact-copy rate to train exceeds the rate to holdout by this much."""
    transfer_warn: float = 0.9
    transfer_fail: float = 0.75

    def __post_init__(self) -> None:
        self._check_counts()
        self._check_ranges()
        self._check_order()

    def _check_counts(self) -> None:
        positive_ints = (
            "max_categories",
            "sensitive_max_levels",
            "mmd_max_rows",
            "detection_folds",
            "detection_importance_rows",
            "detection_importance_repeats",
            "detection_top_features",
            "k",
            "neighbor_chunk_rows",
            "utility_seeds",
            "diversity_repeats",
            "diversity_repeat_max_rows",
            "diversity_min_rows",
            "detection_min_rows",
            "bias_min_group_rows",
            "privacy_min_rows",
            "utility_min_test_rows",
            "utility_min_train_rows",
            "utility_min_class_rows",
        )
        for name in positive_ints:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(name, f"must be a positive integer, got {value!r}")
        if self.detection_folds < 2:
            raise ConfigError("detection_folds", "must be at least 2")
        if not 2 <= self.max_categories <= 250:
            raise ConfigError("max_categories", "must be between 2 and 250")
        for name in (
            "detection_max_rows",
            "diversity_max_rows",
            "privacy_max_rows",
            "utility_max_train_rows",
        ):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 10):
                raise ConfigError(name, f"must be None or an integer >= 10, got {value!r}")

    def _check_ranges(self) -> None:
        if not 0.5 <= self.evidence_level < 1.0:
            raise ConfigError("evidence_level", "must lie in [0.5, 1)")
        if self.rare_min_expected <= 0:
            raise ConfigError("rare_min_expected", "must be positive")
        if not 0.0 <= self.utility_min_lift < 1.0:
            raise ConfigError("utility_min_lift", "must lie in [0, 1)")
        if not 0.0 <= self.coverage_fail < 1.0:
            raise ConfigError("coverage_fail", "must lie in [0, 1)")
        if not 0.0 < self.tail_quantile < 0.5:
            raise ConfigError("tail_quantile", "must lie strictly between 0 and 0.5")
        if not 0.0 < self.rare_category_frequency < 1.0:
            raise ConfigError("rare_category_frequency", "must lie strictly between 0 and 1")
        if not 0.0 < self.utility_test_fraction < 1.0:
            raise ConfigError("utility_test_fraction", "must lie strictly between 0 and 1")
        if not self.hybrid_real_fractions or any(not 0.0 < f <= 1.0 for f in self.hybrid_real_fractions):
            raise ConfigError("hybrid_real_fractions", "must be fractions in (0, 1]")
        if not self.hybrid_synthetic_multipliers or any(m < 0 for m in self.hybrid_synthetic_multipliers):
            raise ConfigError("hybrid_synthetic_multipliers", "must be non-negative")

    def _check_order(self) -> None:
        pairs = (
            ("c2st_warn", "c2st_fail"),
            ("amplification_warn", "amplification_fail"),
            ("privacy_share_warn", "privacy_share_fail"),
            ("mia_warn", "mia_fail"),
        )
        for low, high in pairs:
            if getattr(self, low) > getattr(self, high):
                raise ConfigError(low, f"must not exceed {high}")
        for low, high in (
            ("rare_fail", "rare_warn"),
            ("transfer_fail", "transfer_warn"),
            ("collapse_ratio", "collapse_warn_ratio"),
        ):
            if getattr(self, low) > getattr(self, high):
                raise ConfigError(low, f"must not exceed {high}")

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dict (tuples become lists)."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}
