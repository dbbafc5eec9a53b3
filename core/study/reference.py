"""The real reference of a study: checked with the study's rules, then split into train and holdout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import InvalidDataError
from synthgenesis.pipeline import validate_batch
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.types import READ_ERROR_COLUMN, Domain


@dataclass
class Split:
    """The real reference after its rule check, split into train and holdout."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    size: int
    check: dict[str, Any]


class _FiniteValues(Rule):
    """Rows holding an infinite number: never a measurement, so never something to fit on."""

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        numeric = batch.select_dtypes(include="number")
        if numeric.empty:
            return CheckResult(np.ones(len(batch), dtype=bool), [None] * len(batch))
        inf = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
        columns = list(numeric.columns)
        return CheckResult.from_mask(
            ~inf.any(axis=1),
            lambda i: "infinite value in " + ", ".join(str(columns[j]) for j in np.flatnonzero(inf[i])),
        )


def check_reference(
    batch: pd.DataFrame, domain: Domain, rules: dict[str, Any], policy: str, source: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check real records with the study's rules before anything is fitted on them.

    Records that cannot be read, break a rule or hold an infinite value are
    counted by rule with examples; ``policy`` then drops them ("drop"),
    refuses the reference with an error naming the first ones ("refuse"), or
    keeps them ("keep"). Returns the batch to fit on and the summary that the
    manifest and report show.
    """
    checks = {**rules, "finite-values": RuleSpec("finite-values", domain.name, _FiniteValues())}
    outcome = validate_batch(domain, batch, checks)
    bad = ~outcome.valid
    summary: dict[str, Any] = {
        "checked": len(batch),
        "invalid": int(bad.sum()),
        "policy": policy,
        "by_rule": {n: st.failed for n, st in outcome.stats.items() if st.failed},
        "examples": [e for st in outcome.stats.values() for e in st.examples][:10],
    }
    if not bad.any():
        return batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore"), summary
    if policy == "refuse" or bad.all():
        first = "; ".join(summary["examples"][:3])
        why = "every record" if bad.all() else f"{int(bad.sum())} of {len(batch)} records"
        fix = "fix the data" if bad.all() else "fix them, or set reference.invalid = 'drop' to leave them out"
        raise InvalidDataError(
            f"{source}: {why} of the reference break the {domain.name} rules ({first}); {fix}"
        )
    if policy == "drop":
        batch = outcome.batch[outcome.valid]
    elif READ_ERROR_COLUMN in batch.columns:  # "keep" still cannot fit on records that were never read
        batch = batch[batch[READ_ERROR_COLUMN].isna()]
    return batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore").reset_index(drop=True), summary


def split_reference(
    reference: pd.DataFrame, fraction: float, seed: int, stratify: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded train/holdout split, stratified on a classification target when it can be."""
    from sklearn.model_selection import train_test_split

    if len(reference) < 4:
        raise InvalidDataError(
            f"the reference has {len(reference)} rows; at least 4 are needed to hold some out"
        )
    strat = None
    if stratify is not None and stratify in reference.columns:
        counts = reference[stratify].value_counts()
        if len(counts) > 1 and counts.min() >= 2:
            strat = reference[stratify]
    train, holdout = train_test_split(reference, test_size=fraction, random_state=seed, stratify=strat)
    return train.reset_index(drop=True), holdout.reset_index(drop=True)
