"""An agent-based transaction simulator: customers shop at nearby merchants; three kinds of fraud.

Each call to ``sample(n, seed)`` simulates one independent market over the
same calendar window (``start`` + ``days``): enough customers to produce
``n`` transactions, and merchants in proportion to them.

- the agents, customers with their habits and money and merchants on a grid
  of cells, are :mod:`~synthgenesis.plugins.fraud.agents`;
- their purchases and the three fraud scenarios (compromised card,
  compromised terminal, account takeover), each with its expected share of
  all rows as a parameter, are :mod:`~synthgenesis.plugins.fraud.fraud_patterns`;
- balances in whole minor units (``balance_after = balance_before - amount``
  holds exactly; balances may go below zero, an overdraft), pay days and the
  output table are :mod:`~synthgenesis.plugins.fraud.ledger`.

This module holds the simulator and checks its parameters. Transaction ids
are the account id and the transaction's number within the account. Every
random number comes from the generator passed to ``_sample``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConfigError
from synthgenesis.plugins.fraud.agents import PRICE_LEVEL, Market, draw_customers
from synthgenesis.plugins.fraud.currencies import currency_problem
from synthgenesis.plugins.fraud.fraud_patterns import (
    DAY,
    card_fraud,
    compromise_terminals,
    genuine_purchases,
    takeover_bursts,
)
from synthgenesis.plugins.fraud.ledger import (
    COLUMNS,
    Paydays,
    balance_at,
    concat_rows,
    empty_frame,
    minor_units,
    sorted_rows,
    transaction_frame,
)
from synthgenesis.types import Generator

__all__ = ["COLUMNS", "DEFAULT_CURRENCIES", "PRICE_LEVEL", "FraudSimulator"]

DEFAULT_CURRENCIES: dict[str, float] = {"USD": 0.55, "EUR": 0.25, "GBP": 0.10, "JPY": 0.07, "KWD": 0.03}


def _positive(name: str, value: Any, *, minimum: float = 0.0, strict: bool = True) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = value > minimum if strict else value >= minimum
    if not ok:
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise ConfigError(f"generator.params.{name}", f"must be a finite number {bound}, got {value!r}")
    return float(value)


class FraudSimulator(Generator):
    """Agent-based payment transactions with compromised-card, compromised-terminal and takeover fraud.

    Needs no fit: it is built from its parameters (see the module docstring
    and ``docs/domains/fraud.md``).
    """

    requires_fit = False

    def __init__(
        self,
        *,
        start: str = "2024-01-01T00:00:00Z",
        days: int = 30,
        currencies: Mapping[str, float] | None = None,
        transactions_per_day: float = 1.5,
        median_amount: float = 25.0,
        online_share: float = 0.15,
        merchants_per_customer: float = 0.1,
        card_fraud_rate: float = 0.005,
        terminal_fraud_rate: float = 0.003,
        takeover_fraud_rate: float = 0.002,
        card_fraud_days: float = 7.0,
        card_fraud_transactions: float = 5.0,
        terminal_window_days: float = 5.0,
    ) -> None:
        super().__init__()
        try:
            stamp = pd.Timestamp(start)
        except (TypeError, ValueError) as exc:
            raise ConfigError("generator.params.start", f"{start!r} is not an ISO 8601 time") from exc
        if stamp is pd.NaT or not isinstance(start, str):
            raise ConfigError("generator.params.start", f"{start!r} is not an ISO 8601 time")
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        self.start_seconds = int(stamp.floor("s").value // 1_000_000_000)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
            raise ConfigError(
                "generator.params.days", f"must be a whole number of days in 1..3660, got {days!r}"
            )
        weights = dict(DEFAULT_CURRENCIES if currencies is None else currencies)
        if not weights:
            raise ConfigError("generator.params.currencies", "give at least one currency and its weight")
        for code, weight in weights.items():
            problem = currency_problem(code)
            if problem is None and code not in PRICE_LEVEL:
                problem = (
                    f"currency {code!r} has no price level here; use one of {', '.join(sorted(PRICE_LEVEL))}"
                )
            if problem:
                raise ConfigError("generator.params.currencies", problem)
            _positive(f"currencies.{code}", weight)
        rates = {
            "card_fraud_rate": card_fraud_rate,
            "terminal_fraud_rate": terminal_fraud_rate,
            "takeover_fraud_rate": takeover_fraud_rate,
        }
        for name, rate in rates.items():
            if _positive(name, rate, strict=False) > 0.2:
                raise ConfigError(
                    f"generator.params.{name}", f"must be at most 0.2 (fraud is rare), got {rate!r}"
                )
        if not 0.0 <= _positive("online_share", online_share, strict=False) <= 1.0:
            raise ConfigError("generator.params.online_share", f"must be in [0, 1], got {online_share!r}")
        self.params: dict[str, Any] = {
            "start": start,
            "days": days,
            "currencies": {str(k): float(v) for k, v in weights.items()},
            "transactions_per_day": _positive("transactions_per_day", transactions_per_day),
            "median_amount": _positive("median_amount", median_amount),
            "online_share": float(online_share),
            "merchants_per_customer": _positive("merchants_per_customer", merchants_per_customer),
            **{k: float(v) for k, v in rates.items()},
            "card_fraud_days": _positive("card_fraud_days", card_fraud_days),
            "card_fraud_transactions": _positive(
                "card_fraud_transactions", card_fraud_transactions, minimum=1.0, strict=False
            ),
            "terminal_window_days": _positive("terminal_window_days", terminal_window_days),
        }

    # ------------------------------------------------------------------ state

    def get_state(self) -> dict[str, Any]:
        """The parameters, as given (plain JSON values)."""
        return {"kind": "fraud-simulator", "params": dict(self.params)}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FraudSimulator:
        """The simulator :meth:`get_state` describes."""
        return cls(**state["params"])

    @property
    def expected_fraud_rate(self) -> float:
        """Expected share of fraudulent rows: the sum of the three scenario rates."""
        p = self.params
        return p["card_fraud_rate"] + p["terminal_fraud_rate"] + p["takeover_fraud_rate"]

    # ------------------------------------------------------------------ simulation

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        if n == 0:
            return empty_frame()
        p = self.params
        people = draw_customers(p, n, rng)
        market = Market.build(p, people.size, rng)
        people.home = rng.choice(market.n_cells, size=people.size, p=market.cell_weight)
        span = p["days"] * DAY

        genuine = genuine_purchases(p, people, market, rng)
        # Card fraud and takeover add rows; their rates are shares of the final table.
        total = len(genuine["cust"]) / (1.0 - p["card_fraud_rate"] - p["takeover_fraud_rate"])
        card = card_fraud(p, people, market, p["card_fraud_rate"] * total, rng)
        burst = takeover_bursts(p, people, market, p["takeover_fraud_rate"] * total, rng)
        shown = len(genuine["cust"]) + len(card["cust"]) + len(burst["cust"])
        compromise_terminals(p, genuine, market, p["terminal_fraud_rate"] * shown, rng)

        # Money in whole minor units (int64): the balance arithmetic is exact.
        per_usd = people.per_usd
        rows = sorted_rows(concat_rows(genuine, card))
        rows["amount"] = minor_units(rows["usd"] * per_usd[rows["cust"]])
        pay = Paydays(self.start_seconds, people.payday)
        opening = np.rint(people.opening * per_usd).astype(np.int64)
        income = np.rint(people.income * per_usd).astype(np.int64)

        # A takeover cashes out most of what the account holds when it starts.
        who = burst["account"]
        held = balance_at(rows, who, burst["t0"], opening, income, pay)
        probe_minor = minor_units(burst["usd"] * per_usd[burst["cust"]])
        groups = len(who)
        probed = np.bincount(burst["group"], weights=probe_minor * burst["probe"], minlength=groups)
        floor = people.median[who] * 5.0 * per_usd[who]
        left = held - probed
        drain = np.where(left > floor, left * rng.uniform(0.7, 0.95, groups), floor)
        weight = np.where(burst["probe"], 0.0, burst["usd"])
        share = weight / np.bincount(burst["group"], weights=weight, minlength=groups)[burst["group"]]
        burst["amount"] = np.where(burst["probe"], probe_minor, minor_units(drain[burst["group"]] * share))
        rows = sorted_rows(concat_rows(rows, {k: burst[k] for k in rows}))
        rows = {k: v[:n] for k, v in rows.items()}
        rows["t"] = np.minimum(rows["t"], span - 1)  # monotone: keeps each account's order

        cust = rows["cust"]
        first = np.r_[True, cust[1:] != cust[:-1]]
        start_of = np.maximum.accumulate(np.where(first, np.arange(len(cust)), 0))
        spent = np.cumsum(rows["amount"]) - rows["amount"]
        spent = spent - spent[start_of]
        rows["before"] = opening[cust] + income[cust] * pay.count(rows["t"], cust) - spent
        rows["seq"] = np.arange(len(cust)) - start_of
        return transaction_frame(
            rows, market, people.account_ids, list(p["currencies"]), people.currency, self.start_seconds
        )
