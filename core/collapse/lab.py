"""The generation loop: fit, sample, measure against the original real data, build the next training set."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConfigError, InvalidDataError
from synthgenesis.evaluation import METRIC_FAMILIES, EvaluationConfig
from synthgenesis.evaluation.neighbors import build_index, kth_neighbor_radius
from synthgenesis.execution import generate
from synthgenesis.pipeline import validate_batch
from synthgenesis.progress import Progress
from synthgenesis.rules import RuleSpec
from synthgenesis.seeding import derive_seed
from synthgenesis.types import Batch, Domain, Generator

#: The regimes, in the order whose positions seed them (``derive_seed(seed, index, generation)``).
REGIMES: tuple[str, ...] = ("replace", "accumulate", "anchor")

#: Metric families measured per generation by default (bias and privacy are left out).
DEFAULT_METRICS: tuple[str, ...] = ("fidelity", "detection", "diversity", "rare_events", "utility")

#: Small caps so that one generation's evaluation costs seconds, not minutes.
COLLAPSE_EVALUATION = EvaluationConfig(
    mmd_max_rows=500,
    marginal_plot_columns=1,
    detection_max_rows=1000,
    detection_folds=3,
    detection_importance_rows=50,
    detection_importance_repeats=1,
    detection_top_features=3,
    diversity_max_rows=2000,
    privacy_max_rows=2000,
    utility_seeds=1,
    utility_max_train_rows=2000,
    hybrid_real_fractions=(1.0,),
    hybrid_synthetic_multipliers=(0.0,),
)

#: Flat metric keys of a generation's record and where they come from in ``evaluate()``'s metrics.
EVALUATION_KEYS: dict[str, tuple[str, ...]] = {
    "fidelity.score": ("fidelity", "score"),
    "detection.c2st_auc": ("detection", "c2st_auc"),
    "diversity.precision": ("diversity", "precision"),
    "diversity.recall": ("diversity", "recall"),
    "diversity.density": ("diversity", "density"),
    "diversity.coverage": ("diversity", "coverage"),
    "rare_events.share": ("rare_events", "share"),
    "rare_events.tail_share": ("rare_events", "tail_share"),
    "rare_events.rare_category_share": ("rare_events", "rare_category_share"),
    "rare_events.minority_label_ratio": ("rare_events", "minority_label", "ratio"),
    "utility.tstr": ("utility", "tstr"),
    "utility.trtr": ("utility", "trtr"),
    "utility.ratio": ("utility", "ratio"),
}
SPREAD_KEYS: tuple[str, ...] = ("spread.variance_ratio", "spread.entropy_ratio")


@dataclass(frozen=True)
class CollapseConfig:
    """Settings of a model-collapse experiment.

    ``n`` is the number of samples drawn per generation (default: the size of the real
    training set). ``anchor_fraction`` is the share of real records in each training set
    of the ``anchor`` regime; ``fresh_anchors`` draws new ones every generation, otherwise
    one fixed set is reused. ``filter_valid`` keeps only samples passing the domain's rules
    before they are measured and reused. ``guided`` up-weights poorly covered real regions
    in the next training set (see :func:`coverage_gaps`) by a factor ``1 + guide_weight``.
    ``metrics`` picks the families of :func:`synthgenesis.evaluation.evaluate` (an empty
    tuple measures only the spread, which is cheap).
    """

    generations: int = 5
    regimes: tuple[str, ...] = REGIMES
    n: int | None = None
    anchor_fraction: float = 0.1
    fresh_anchors: bool = True
    filter_valid: bool = False
    guided: bool = False
    guide_weight: float = 10.0
    guide_k: int = 5
    metrics: tuple[str, ...] = DEFAULT_METRICS
    target: str | None = None
    task: str | None = None
    seed: int = 0
    evaluation: EvaluationConfig = field(default_factory=lambda: COLLAPSE_EVALUATION)
    keep_samples: bool = False

    def __post_init__(self) -> None:
        if (
            isinstance(self.generations, bool)
            or not isinstance(self.generations, int)
            or self.generations < 1
        ):
            raise ConfigError("generations", f"must be an integer >= 1, got {self.generations!r}")
        regimes = (self.regimes,) if isinstance(self.regimes, str) else tuple(self.regimes)
        object.__setattr__(self, "regimes", regimes)
        if not regimes:
            raise ConfigError("regime", f"name at least one of {', '.join(REGIMES)}")
        for regime in regimes:
            if regime not in REGIMES:
                raise ConfigError("regime", f"unknown regime {regime!r}; use {', '.join(REGIMES)} or all")
        if len(set(regimes)) != len(regimes):
            raise ConfigError("regime", "each regime may be named once")
        if not isinstance(self.anchor_fraction, (int, float)) or not 0.0 < self.anchor_fraction <= 1.0:
            raise ConfigError("anchor_fraction", f"must lie in (0, 1], got {self.anchor_fraction!r}")
        if self.n is not None and (isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 2):
            raise ConfigError("n", f"must be an integer >= 2 samples per generation, got {self.n!r}")
        if not self.guide_weight >= 0:
            raise ConfigError("guide_weight", f"must be non-negative, got {self.guide_weight!r}")
        if not isinstance(self.guide_k, int) or self.guide_k < 1:
            raise ConfigError("guide_k", f"must be a positive integer, got {self.guide_k!r}")
        metrics = (self.metrics,) if isinstance(self.metrics, str) else tuple(self.metrics)
        object.__setattr__(self, "metrics", metrics)
        for family in metrics:
            if family not in METRIC_FAMILIES:
                raise ConfigError(
                    "metrics", f"unknown metric family {family!r}; use {', '.join(METRIC_FAMILIES)}"
                )

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (for manifests)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "evaluation"}
        out["regimes"] = list(self.regimes)
        out["metrics"] = list(self.metrics)
        out["evaluation"] = self.evaluation.to_dict()
        return out


@dataclass
class CollapseResult:
    """Per-generation records of every regime, plus the samples when asked to keep them."""

    config: CollapseConfig
    records: list[dict[str, Any]]
    samples: dict[tuple[str, int], Batch] = field(default_factory=dict)

    def series(self, metric: str, regime: str) -> list[float | None]:
        """Values of ``metric`` for generations 1..G under ``regime``."""
        rows = sorted((r for r in self.records if r["regime"] == regime), key=lambda r: r["generation"])
        return [r["metrics"].get(metric) for r in rows]


# ----------------------------------------------------------------------------- measures


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [
        str(c)
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _entropy(values: pd.Series) -> float:
    p = values.astype(str).value_counts(normalize=True).to_numpy()
    return float(-(p * np.log(p)).sum())


def spread(real: pd.DataFrame, synthetic: pd.DataFrame) -> dict[str, Any]:
    """Spread of ``synthetic`` relative to ``real``, column by column.

    Numeric columns: variance (divisor ``n``, missing values left out) of the synthetic
    column over that of the real one. Other columns: Shannon entropy of the categories,
    synthetic over real (missing counts as a category). Columns constant in the real data
    are skipped. ``variance_ratio`` and ``entropy_ratio`` are the means over columns
    (``None`` when no column qualifies); 1 means the same spread as real, 0 a point mass.
    """
    numeric = set(_numeric_columns(real))
    variances: dict[str, float] = {}
    entropies: dict[str, float] = {}
    for column in real.columns:
        if column not in synthetic.columns:
            continue
        name = str(column)
        if name in numeric:
            r = pd.to_numeric(real[column], errors="coerce").to_numpy(dtype=float)
            s = pd.to_numeric(synthetic[column], errors="coerce").to_numpy(dtype=float)
            r, s = r[np.isfinite(r)], s[np.isfinite(s)]
            real_var = float(np.var(r)) if r.size else 0.0
            if real_var > 0 and s.size:
                variances[name] = float(np.var(s)) / real_var
        else:
            real_h = _entropy(real[column].fillna("<missing>"))
            if real_h > 0:
                entropies[name] = _entropy(synthetic[column].fillna("<missing>")) / real_h
    return {
        "variance_ratio": float(np.mean(list(variances.values()))) if variances else None,
        "entropy_ratio": float(np.mean(list(entropies.values()))) if entropies else None,
        "columns": {**variances, **entropies},
    }


def _dig(metrics: Mapping[str, Any], path: tuple[str, ...], lead: str | None) -> float | None:
    value: Any = metrics
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    if isinstance(value, Mapping) and lead is not None:  # tstr/trtr summaries: the lead metric's mean
        value = value.get(lead, {}).get("mean") if isinstance(value.get(lead), Mapping) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def measure(
    real: pd.DataFrame,
    holdout: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    config: CollapseConfig,
    seed: int,
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Flat metrics of one generation's synthetic features, and the spread per column."""
    out: dict[str, float | None] = {}
    if config.metrics:
        from synthgenesis.evaluation import evaluate

        result = evaluate(
            real,
            synthetic,
            holdout=holdout,
            target=config.target,
            task=config.task,
            metrics=list(config.metrics),
            seed=seed,
            config=config.evaluation,
        )
        metrics = result.metrics
        lead = metrics.get("utility", {}).get("lead_metric")
        for key, path in EVALUATION_KEYS.items():
            if path[0] in config.metrics:
                out[key] = _dig(metrics, path, lead)
    s = spread(real, synthetic)
    out["spread.variance_ratio"] = s["variance_ratio"]
    out["spread.entropy_ratio"] = s["entropy_ratio"]
    return out, s["columns"]


# ----------------------------------------------------------------------------- guidance


def encode(real: pd.DataFrame, *others: pd.DataFrame) -> list[np.ndarray]:
    """``real`` and ``others`` as points of the evaluation engine's distance space.

    The tables are cleaned together by :func:`synthgenesis.evaluation.preprocess.prepare`
    (missing numbers at the real median plus a missing indicator, categories as text) and
    encoded by :meth:`synthgenesis.evaluation.encoding.FeatureEncoder.onehot` fitted on
    ``real``: the space that PRDC coverage and the privacy distances use, so a gap here is
    a gap there. Encode every table of one comparison in one call: the missing indicators
    depend on all of them.
    """
    from synthgenesis.evaluation.encoding import FeatureEncoder
    from synthgenesis.evaluation.preprocess import prepare

    if not others:
        raise ValueError("encode needs the real table and at least one other table")
    sizes = [len(frame) for frame in others]
    pooled = pd.concat([frame.reset_index(drop=True) for frame in others], ignore_index=True)
    data = prepare(real.reset_index(drop=True), pooled)
    encoder = FeatureEncoder(data, data.columns)
    pooled_x = encoder.onehot(data.synthetic)
    bounds = np.cumsum([0, *sizes])
    return [encoder.onehot(data.real), *(pooled_x[a:b] for a, b in itertools.pairwise(bounds))]


def coverage_gaps(real_x: np.ndarray, synthetic_x: np.ndarray, k: int = 5) -> np.ndarray:
    """For each real row, how far the synthetic data leave it uncovered.

    The gap of a real row is the distance to its nearest synthetic row divided by the
    distance to its own ``k``-th nearest real neighbour. A gap of 1 or more means the row
    is uncovered: the per-row test behind PRDC coverage. A lost mode has gaps far above 1,
    a thinly covered edge gaps just above 1.
    When there are more real rows than synthetic ones, ``k`` is scaled by their ratio so
    that a ball holds the same share of the real data as ``k`` synthetic rows would of the
    synthetic data (otherwise a small synthetic set leaves most real rows uncovered merely
    for being small). Neighbours come from the evaluation engine's exact, chunked indexes
    (:mod:`synthgenesis.evaluation.neighbors`).
    """
    if len(real_x) < 2 or len(synthetic_x) == 0:
        return np.full(len(real_x), np.inf)
    k = max(k, round(k * len(real_x) / len(synthetic_x)))
    k = min(k, len(real_x) - 1)
    radius = kth_neighbor_radius(build_index(real_x), real_x, k)
    nearest_syn = build_index(synthetic_x).knn(real_x, 1)[0][:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        gaps = np.where(radius > 0, nearest_syn / np.where(radius > 0, radius, 1.0), np.inf)
    return np.where((radius == 0) & (nearest_syn == 0), 0.0, gaps)


def gap_weights(gaps: np.ndarray, weight: float) -> np.ndarray:
    """Sampling weights from gaps: ``1 + weight * log(gap)`` for uncovered rows, 1 for covered ones.

    The logarithm lets a far, lost region outweigh thinly covered edges without letting
    one isolated record take over; gaps are capped at ``1e6``.
    """
    return 1.0 + weight * np.log(np.clip(gaps, 1.0, 1e6))


def guidance_weights(
    real_x: np.ndarray, gaps: np.ndarray, candidates_x: np.ndarray, weight: float
) -> np.ndarray:
    """Weights of candidate rows: the :func:`gap_weights` of their nearest real row."""
    if len(candidates_x) == 0:
        return np.ones(0)
    nearest = build_index(real_x).knn(candidates_x, 1)[1][:, 0]
    return gap_weights(gaps, weight)[nearest]


def _choose(
    rng: np.random.Generator, n_from: int, size: int, weights: np.ndarray | None, replace: bool
) -> np.ndarray:
    if n_from == 0 or size == 0:
        return np.zeros(0, dtype=int)
    p = None if weights is None else weights / weights.sum()
    if not replace:
        size = min(size, n_from)
        if p is not None:
            size = min(size, int(np.count_nonzero(p)))
    return np.sort(rng.choice(n_from, size=size, replace=replace, p=p))


# ----------------------------------------------------------------------------- loop


def _draw(
    domain: Domain,
    generator: Generator,
    n: int,
    seed: int,
    rules: Mapping[str, RuleSpec],
    filter_valid: bool,
) -> tuple[Batch, dict[str, Any]]:
    if filter_valid and rules:
        gen = generate(domain, generator, n, seed=seed, rules=rules, policy="reject")
        accepted = gen.samples
        assert accepted is not None  # in-memory generation keeps its samples
        validity: dict[str, Any] = {
            "filtered": True,
            "pass_rate": gen.acceptance_rate,
            "accepted": len(accepted),
            "drawn": gen.drawn,
            "complete": gen.complete,
        }
        if len(accepted) < 2:
            raise InvalidDataError(
                f"only {len(accepted)} of {gen.drawn} samples passed the {domain.name} rules; "
                "too few to go on (run without --filter-valid to see the collapse unfiltered)"
            )
        return accepted, validity
    samples = generator.sample(n, seed=seed)
    validity = {"filtered": False, "pass_rate": None}
    if rules:
        outcome = validate_batch(domain, samples, rules)
        validity["pass_rate"] = float(outcome.valid.mean()) if len(samples) else None
    return samples, validity


def run_generations(
    domain: Domain,
    factory: Callable[[], Generator],
    train: Batch,
    holdout: Batch | None,
    config: CollapseConfig,
    *,
    rules: Mapping[str, RuleSpec] | None = None,
    progress: Progress | None = None,
) -> CollapseResult:
    """Run ``config.generations`` generations of every regime in ``config.regimes``.

    ``factory()`` returns a fresh, unfitted generator. Generation 1 of every regime is fitted
    on the real ``train`` batch; generation ``t + 1`` on the training set built from
    generation ``t`` by the regime. Every generation is measured against the original
    ``train`` and ``holdout`` features (``domain.featurize``). Generation ``t`` of the regime
    at position ``i`` of :data:`REGIMES` samples with ``derive_seed(seed, i, t)``.
    """
    progress = progress or Progress()
    rules = dict(rules or {})
    if len(train) < 2:
        raise InvalidDataError(f"the real training set has {len(train)} rows; at least 2 are needed")
    n = config.n or len(train)
    train = train.reset_index(drop=True)
    train_f = domain.featurize(train).reset_index(drop=True)
    holdout_f = None if holdout is None else domain.featurize(holdout.reset_index(drop=True))
    if config.target is not None and config.target not in train_f.columns:
        raise ConfigError("target", f"{config.target!r} is not a feature column of {domain.name}")
    records: list[dict[str, Any]] = []
    kept: dict[tuple[str, int], Batch] = {}
    total = config.generations * len(config.regimes)
    done = 0
    with progress.task("generations x regimes", total) as update:
        for regime in config.regimes:
            r_index = REGIMES.index(regime)
            training = train
            real_rows = len(train)
            history: list[tuple[Batch, pd.DataFrame]] = []
            fixed: np.ndarray | None = None
            for generation in range(1, config.generations + 1):
                start = time.perf_counter()
                generator = factory()
                if not generator.requires_fit:
                    raise ConfigError(
                        "generator",
                        f"{type(generator).__name__} does not learn from data (a simulator), "
                        "so it cannot collapse; pick a generator that is fitted to data",
                    )
                generator.fit(training)
                seed = derive_seed(config.seed, r_index, generation)
                samples, validity = _draw(domain, generator, n, seed, rules, config.filter_valid)
                samples = samples.reset_index(drop=True)
                samples_f = domain.featurize(samples).reset_index(drop=True)
                metrics, columns = measure(
                    train_f, holdout_f, samples_f, config, derive_seed(config.seed, len(REGIMES), generation)
                )
                record: dict[str, Any] = {
                    "regime": regime,
                    "generation": generation,
                    "seed": seed,
                    "training_rows": len(training),
                    "real_share": real_rows / len(training),
                    "samples": len(samples),
                    "validity": validity,
                    "metrics": metrics,
                    "spread_columns": columns,
                }
                if config.keep_samples:
                    kept[(regime, generation)] = samples
                history.append((samples, samples_f))
                if generation < config.generations:
                    rng = np.random.default_rng(derive_seed(config.seed, r_index, generation, 1))
                    if fixed is None and regime == "anchor" and not config.fresh_anchors:
                        m = max(1, round(config.anchor_fraction * n))
                        fixed_rng = np.random.default_rng(derive_seed(config.seed, r_index, 0, 1))
                        fixed = _choose(fixed_rng, len(train), m, None, replace=m > len(train))
                    training, _, real_rows, guided = _next_training(
                        regime, config, n, train, train_f, history, fixed, rng
                    )
                    if guided is not None:
                        record["guidance"] = guided
                record["seconds"] = round(time.perf_counter() - start, 4)
                records.append(record)
                done += 1
                update(done)
    return CollapseResult(config=config, records=records, samples=kept)


def _next_training(
    regime: str,
    config: CollapseConfig,
    n: int,
    train: Batch,
    train_f: pd.DataFrame,
    history: Sequence[tuple[Batch, pd.DataFrame]],
    fixed: np.ndarray | None,
    rng: np.random.Generator,
) -> tuple[Batch, pd.DataFrame, int, dict[str, Any] | None]:
    """The next generation's training set, its features, how many rows are real, and guidance facts."""
    samples, samples_f = history[-1]
    gaps: np.ndarray | None = None
    real_x = syn_x = pool_x = None
    guided: dict[str, Any] | None = None
    if config.guided:
        # One call: the encoding's missing indicators depend on every table compared.
        if regime == "accumulate":
            pool_f = pd.concat([f for _, f in history], ignore_index=True)
            real_x, syn_x, pool_x = encode(train_f, samples_f, pool_f)
        else:
            real_x, syn_x = encode(train_f, samples_f)
        gaps = coverage_gaps(real_x, syn_x, config.guide_k)
        guided = {"uncovered_real_share": float(np.mean(gaps >= 1.0))}

    def weights_of(candidates_x: np.ndarray | None, real_rows: np.ndarray | None = None) -> np.ndarray | None:
        if gaps is None or real_x is None:
            return None
        if real_rows is not None:
            return gap_weights(gaps[real_rows], config.guide_weight)
        assert candidates_x is not None
        return guidance_weights(real_x, gaps, candidates_x, config.guide_weight)

    if regime == "replace":
        w = weights_of(syn_x)
        if w is None:
            return samples, samples_f, 0, guided
        rows = _choose(rng, len(samples), len(samples), w, replace=True)
        return _take(samples, rows), _take(samples_f, rows), 0, guided

    if regime == "accumulate":
        batches = [train, *(b for b, _ in history)]
        feats = [train_f, *(f for _, f in history)]
        pool = pd.concat(batches, ignore_index=True)
        pool_f = pd.concat(feats, ignore_index=True)
        if gaps is None:
            return pool, pool_f, len(train), guided
        w_real = weights_of(None, np.arange(len(train)))
        w_syn = weights_of(pool_x)
        assert w_real is not None and w_syn is not None
        rows = _choose(rng, len(pool), len(pool), np.concatenate([w_real, w_syn]), replace=True)
        return _take(pool, rows), _take(pool_f, rows), int(np.sum(rows < len(train))), guided

    # anchor: a share of real records, the rest from the latest generation
    m = max(1, round(config.anchor_fraction * n))
    n_syn = max(0, n - m)
    if fixed is not None:
        candidates = fixed
        w = weights_of(None, candidates)
        picks = candidates if w is None else candidates[_choose(rng, len(candidates), m, w, replace=True)]
    else:
        w = weights_of(None, np.arange(len(train)))
        picks = _choose(rng, len(train), m, w, replace=m > len(train))
    # The anchors carry the guidance: real records stand for the regions the synthetic data lost.
    syn_rows = _choose(rng, len(samples), n_syn, None, replace=n_syn > len(samples))
    batch = pd.concat([_take(train, picks), _take(samples, syn_rows)], ignore_index=True)
    anchored = pd.concat([_take(train_f, picks), _take(samples_f, syn_rows)], ignore_index=True)
    if guided is not None:
        guided["anchors_from_uncovered"] = int(np.sum(gaps[picks] >= 1.0)) if gaps is not None else 0
    return batch, anchored, len(picks), guided


def _take(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    return frame.iloc[rows].reset_index(drop=True)
