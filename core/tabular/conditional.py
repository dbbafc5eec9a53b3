"""Conditional sampling and rare-outcome enrichment for any table generator.

Both work by rejection from the fitted generator's own joint distribution,
so the rows they return follow the generator's *conditional* distribution
exactly: enriching an event to 30% draws the extra events from
``P(x | event = 1)``, with the covariate structure of real events, rather
than duplicating or reweighting rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConstraintsNotMetError, InvalidDataError
from synthgenesis.seeding import derive_seed
from synthgenesis.types import Generator


def _matches(batch: pd.DataFrame, conditions: Mapping[str, Any]) -> np.ndarray:
    mask = np.ones(len(batch), dtype=bool)
    for column, wanted in conditions.items():
        if column not in batch.columns:
            raise InvalidDataError(
                f"condition on column {column!r}, which the generator does not produce; "
                f"columns: {', '.join(map(str, batch.columns))}"
            )
        values = batch[column]
        if isinstance(wanted, (list, tuple, set)):
            mask &= values.isin(list(wanted)).to_numpy()
        else:
            mask &= (values == wanted).fillna(False).to_numpy(dtype=bool)
    return mask


def sample_where(
    generator: Generator,
    n: int,
    seed: int,
    conditions: Mapping[str, Any],
    *,
    exclude: Mapping[str, Any] | None = None,
    max_draws: int = 2_000_000,
) -> pd.DataFrame:
    """``n`` samples whose columns equal ``conditions`` and do not equal ``exclude``.

    A condition's value may be a list of allowed values. Raises
    :class:`ConstraintsNotMetError` if the condition is too rare to meet within
    ``max_draws`` generated rows, saying how many matched.
    """
    kept: list[pd.DataFrame] = []
    have = drawn = round_ = 0
    rate = 1.0
    while have < n:
        if drawn >= max_draws:
            raise ConstraintsNotMetError(
                f"only {have} of {n} samples met {dict(conditions)} after {drawn} draws "
                f"(rate {have / max(drawn, 1):.2%}); relax the condition or raise max_draws"
            )
        size = min(max_draws - drawn, max(64, int((n - have) / rate * 1.2)))
        batch = generator.sample(size, seed=derive_seed(seed, round_))
        mask = _matches(batch, conditions)
        if exclude:
            mask &= ~_matches(batch, exclude)
        kept.append(batch[mask])
        have += int(mask.sum())
        drawn += size
        rate = max(have / drawn, 1e-4)
        round_ += 1
    return pd.concat(kept, ignore_index=True).head(n)


class Conditioned(Generator):
    """Wrap a fitted generator: fix some columns, and/or enrich one outcome to a target rate.

    ``conditions`` keep only rows whose columns equal the given values.
    ``enrich = {"column": "event", "value": 1, "rate": 0.3}`` makes 30% of the
    rows have ``event == 1`` (drawn from the generator's conditional
    distribution given the event) and 70% not.
    """

    requires_fit = False

    def __init__(
        self,
        base: Generator,
        *,
        conditions: Mapping[str, Any] | None = None,
        enrich: Mapping[str, Any] | None = None,
        max_draws: int = 2_000_000,
    ) -> None:
        super().__init__()
        self.base = base
        self.conditions = dict(conditions or {})
        self.enrich = dict(enrich or {})
        self.max_draws = max_draws
        if self.enrich:
            missing = {"column", "value", "rate"} - set(self.enrich)
            if missing:
                raise InvalidDataError(
                    f"enrich needs column, value and rate; missing {', '.join(sorted(missing))}"
                )
            if not 0 <= float(self.enrich["rate"]) <= 1:
                raise InvalidDataError(f"enrich rate must be in [0, 1], got {self.enrich['rate']}")
            if self.enrich["column"] in self.conditions:
                raise InvalidDataError(f"column {self.enrich['column']!r} is both conditioned and enriched")

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        seed = int(rng.integers(2**32))
        if not self.enrich:
            return sample_where(self.base, n, seed, self.conditions, max_draws=self.max_draws)
        outcome = {self.enrich["column"]: self.enrich["value"]}
        n_rare = round(n * float(self.enrich["rate"]))
        rare = sample_where(
            self.base, n_rare, derive_seed(seed, 1), {**self.conditions, **outcome}, max_draws=self.max_draws
        )
        rest = sample_where(
            self.base,
            n - n_rare,
            derive_seed(seed, 2),
            self.conditions,
            exclude=outcome,
            max_draws=self.max_draws,
        )
        out = pd.concat([rare, rest], ignore_index=True)
        return out.iloc[rng.permutation(len(out))].reset_index(drop=True)
