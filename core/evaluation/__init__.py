"""Domain-agnostic evaluation of synthetic feature tables against real ones.

>>> from synthgenesis.evaluation import evaluate
>>> result = evaluate(real, synthetic, holdout=holdout, target="label")  # doctest: +SKIP
>>> result.to_json("metrics.json")  # doctest: +SKIP

See ``docs/evaluation.md`` for every metric, its JSON key and how verdicts are decided.
"""

from synthgenesis.evaluation.config import METRIC_FAMILIES, EvaluationConfig
from synthgenesis.evaluation.engine import evaluate
from synthgenesis.evaluation.result import FAILURE_MODES, EvaluationResult, Verdict

__all__ = [
    "FAILURE_MODES",
    "METRIC_FAMILIES",
    "EvaluationConfig",
    "EvaluationResult",
    "Verdict",
    "evaluate",
]
