"""An agent-based transaction simulator: customers shop at nearby merchants; three kinds of fraud.

Each call to ``sample(n, seed)`` simulates one independent market over the
same calendar window (``start`` + ``days``): enough customers to produce
``n`` transactions, and merchants in proportion to them.

- **Merchants** sit in the cells of a square grid, at least one per cell and
  more in a few dense "town" cells; each has an ISO 18245 category drawn by
  its share of purchases (:mod:`~synthgenesis.plugins.fraud.merchants`) and
  a popularity. Web shops form a separate pool with no place.
- **Customers** live in a cell (where the shops are), have a currency, a
  daily purchase rate, a typical amount (log-normal, with their own spread),
  a preferred hour of the day, a share of online purchases, a starting
  balance and a monthly income paid on their pay day. A card-present
  purchase happens in the home cell or one up to two cells away, at a
  merchant chosen by popularity.
- **Balances** are kept in whole minor units of the currency (cents, yen,
  fils), so ``balance_after = balance_before - amount`` holds exactly and
  ``balance_before`` of the next purchase equals ``balance_after`` of the
  previous one plus any income paid in between. Balances may go below zero
  (an overdraft); no rule forbids it.

Fraud scenarios, each with its expected share of all rows as a parameter:

- **compromised card** (``card_fraud_rate``): from a compromise time, a
  fraudster uses the card online for ``card_fraud_days`` days, at merchants
  that sell goods that resell (electronics, jewellery, money transfer,
  quasi-cash...), at any hour, for larger amounts than the customer's own.
- **compromised terminal** (``terminal_fraud_rate``): every card-present
  transaction at a terminal during a ``terminal_window_days`` window is
  fraud (skimming). The rows look ordinary one by one: only the terminal and
  the time window give them away.
- **account takeover** (``takeover_fraud_rate``): a burst, mostly at night,
  of one or two small probe payments seconds to minutes apart, then one or
  more cash-out payments that drain most of the balance.

Transaction ids are the account id and the transaction's number within the
account; account and merchant ids are drawn from a 60-bit and a 40-bit
space, so separate samples (the blocks of a run) do not share accounts.
Every random number comes from the generator passed to ``_sample``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis.errors import ConfigError
from synthgenesis.plugins.fraud import merchants
from synthgenesis.plugins.fraud.currencies import currency_problem, minor_unit
from synthgenesis.types import Generator

DAY = 86_400
HOUR = 3_600

#: Units of each currency that buy about what one US dollar buys (orders of magnitude of
#: 2024 exchange rates). They put amounts on each currency's own scale; nothing is converted.
PRICE_LEVEL: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.9,
    "GBP": 0.8,
    "CHF": 0.9,
    "CAD": 1.35,
    "AUD": 1.5,
    "NZD": 1.6,
    "JPY": 150.0,
    "KRW": 1300.0,
    "CNY": 7.2,
    "HKD": 7.8,
    "SGD": 1.35,
    "INR": 83.0,
    "BRL": 5.0,
    "MXN": 17.0,
    "CLP": 900.0,
    "ZAR": 18.0,
    "SEK": 10.5,
    "NOK": 10.5,
    "DKK": 6.9,
    "PLN": 4.0,
    "CZK": 23.0,
    "HUF": 360.0,
    "ISK": 138.0,
    "TRY": 32.0,
    "AED": 3.67,
    "SAR": 3.75,
    "KWD": 0.31,
    "BHD": 0.38,
    "OMR": 0.38,
    "JOD": 0.71,
    "TND": 3.1,
}

DEFAULT_CURRENCIES: dict[str, float] = {"USD": 0.55, "EUR": 0.25, "GBP": 0.10, "JPY": 0.07, "KWD": 0.03}

#: Output columns, in order: the domain's columns, then what the simulator knows besides.
COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "account_id",
    "timestamp",
    "amount",
    "currency",
    "merchant_id",
    "merchant_category",
    "is_fraud",
    "balance_before",
    "balance_after",
    "channel",
    "fraud_scenario",
)
#: Values of the ``fraud_scenario`` column, by code.
SCENARIOS: tuple[str, ...] = ("none", "compromised_card", "compromised_terminal", "account_takeover")
GENUINE, CARD, TERMINAL, TAKEOVER = range(4)

# Account takeover: probe payments (1 or 2) then cash-out payments (1 + Poisson).
_PROBES_MEAN = 1.5
_CASH_OUTS_EXTRA = 1.0


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
        return {"kind": "fraud-simulator", "params": dict(self.params)}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FraudSimulator:
        return cls(**state["params"])

    @property
    def expected_fraud_rate(self) -> float:
        """Expected share of fraudulent rows: the sum of the three scenario rates."""
        p = self.params
        return p["card_fraud_rate"] + p["terminal_fraud_rate"] + p["takeover_fraud_rate"]

    # ------------------------------------------------------------------ simulation

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        if n == 0:
            return _empty_frame()
        p = self.params
        people = _customers(p, n, rng)
        market = _Market.build(p, people.size, rng)
        people.home = rng.choice(market.n_cells, size=people.size, p=market.cell_weight)
        span = p["days"] * DAY

        genuine = _genuine(p, people, market, rng)
        # Card fraud and takeover add rows; their rates are shares of the final table.
        total = len(genuine["cust"]) / (1.0 - p["card_fraud_rate"] - p["takeover_fraud_rate"])
        card = _card_fraud(p, people, market, p["card_fraud_rate"] * total, rng)
        burst = _takeover(p, people, market, p["takeover_fraud_rate"] * total, rng)
        shown = len(genuine["cust"]) + len(card["cust"]) + len(burst["cust"])
        _compromise_terminals(p, genuine, market, p["terminal_fraud_rate"] * shown, rng)

        # Money in whole minor units (int64): the balance arithmetic is exact.
        per_usd = people.per_usd
        rows = _sorted(_concat(genuine, card))
        rows["amount"] = _minor(rows["usd"] * per_usd[rows["cust"]])
        pay = _Paydays(self.start_seconds, people.payday)
        opening = np.rint(people.opening * per_usd).astype(np.int64)
        income = np.rint(people.income * per_usd).astype(np.int64)

        # A takeover cashes out most of what the account holds when it starts.
        who = burst["account"]
        held = _balance_at(rows, who, burst["t0"], opening, income, pay)
        probe_minor = _minor(burst["usd"] * per_usd[burst["cust"]])
        groups = len(who)
        probed = np.bincount(burst["group"], weights=probe_minor * burst["probe"], minlength=groups)
        floor = people.median[who] * 5.0 * per_usd[who]
        left = held - probed
        drain = np.where(left > floor, left * rng.uniform(0.7, 0.95, groups), floor)
        weight = np.where(burst["probe"], 0.0, burst["usd"])
        share = weight / np.bincount(burst["group"], weights=weight, minlength=groups)[burst["group"]]
        burst["amount"] = np.where(burst["probe"], probe_minor, _minor(drain[burst["group"]] * share))
        rows = _sorted(_concat(rows, {k: burst[k] for k in rows}))
        rows = {k: v[:n] for k, v in rows.items()}
        rows["t"] = np.minimum(rows["t"], span - 1)  # monotone: keeps each account's order

        cust = rows["cust"]
        first = np.r_[True, cust[1:] != cust[:-1]]
        start_of = np.maximum.accumulate(np.where(first, np.arange(len(cust)), 0))
        spent = np.cumsum(rows["amount"]) - rows["amount"]
        spent = spent - spent[start_of]
        rows["before"] = opening[cust] + income[cust] * pay.count(rows["t"], cust) - spent
        rows["seq"] = np.arange(len(cust)) - start_of
        return _frame(
            rows, market, people.account_ids, list(p["currencies"]), people.currency, self.start_seconds
        )


# ---------------------------------------------------------------------- agents


class _People:
    """Customer attributes, one array entry per customer (all amounts in US-dollar equivalents)."""

    def __init__(self, p: Mapping[str, Any], rate: np.ndarray, count: np.ndarray, rng: np.random.Generator):
        size = len(rate)
        self.size = size
        self.rate = rate
        self.count = count
        codes = list(p["currencies"])
        weights = np.array([p["currencies"][c] for c in codes])
        self.currency = rng.choice(len(codes), size=size, p=weights / weights.sum())
        unit = np.array([10.0 ** int(minor_unit(c) or 0) for c in codes])
        level = np.array([PRICE_LEVEL[c] for c in codes])
        self.per_usd = (level * unit)[self.currency]  # minor units of the customer's currency per USD
        self.median = p["median_amount"] * np.exp(rng.normal(0.0, 0.5, size))
        self.sigma = rng.uniform(0.4, 0.8, size)
        self.peak_hour = rng.normal(14.0, 2.5, size)
        share = p["online_share"]
        if 0.0 < share < 1.0:
            self.online = rng.beta(2.0, 2.0 * (1.0 - share) / share, size)
        else:
            self.online = np.full(size, share)
        self.payday = rng.integers(1, 29, size)
        price = (1.0 - self.online) * _MEAN_PRICE["pos"] + self.online * _MEAN_PRICE["online"]
        monthly = rate * 30.44 * self.median * np.exp(self.sigma**2 / 2.0) * price
        self.income = monthly * rng.uniform(0.95, 1.35, size)
        self.opening = monthly * np.exp(rng.normal(math.log(1.5), 0.5, size))
        self.account_ids = [f"AC{v:015X}" for v in _unique_ints(rng, size, 60).tolist()]
        self.home = np.zeros(size, dtype=np.int64)


_MEAN_PRICE = {
    "pos": sum(c.share * c.price for c in merchants.POS),
    "online": sum(c.share * c.price for c in merchants.ONLINE),
}


def _customers(p: Mapping[str, Any], n: int, rng: np.random.Generator) -> _People:
    """Enough customers for ``n`` genuine transactions over the window (daily rates are Gamma(2))."""
    expected = p["transactions_per_day"] * p["days"]
    rates: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    have = 0
    while have < n:
        size = max(8, math.ceil(1.1 * (n - have) / expected))
        rate = rng.gamma(2.0, p["transactions_per_day"] / 2.0, size)
        count = rng.poisson(rate * p["days"])
        rates.append(rate)
        counts.append(count)
        have += int(count.sum())
    return _People(p, np.concatenate(rates), np.concatenate(counts), rng)


def _unique_ints(rng: np.random.Generator, size: int, bits: int) -> np.ndarray:
    """``size`` distinct integers below ``2**bits`` (redrawn in the rare case of a repeat)."""
    while True:
        values = rng.integers(0, 1 << bits, size, dtype=np.int64)
        if len(np.unique(values)) == size:
            return values


class _Market:
    """Merchants: card-present ones on a grid of cells (sorted by cell), then web shops by category."""

    def __init__(self) -> None:
        self.grid = 1
        self.n_cells = 1
        self.cell_weight = np.ones(1)
        self.cell_lo = np.zeros(1, dtype=np.int64)
        self.cell_hi = np.zeros(1, dtype=np.int64)
        self.pos_cum = np.zeros(1)
        self.n_pos = 0
        self.online_cum = np.zeros(1)
        self.online_range: dict[str, tuple[int, int]] = {}
        self.ids = np.zeros(0, dtype=object)
        self.mcc = np.zeros(0, dtype=object)
        self.channel = np.zeros(0, dtype=object)
        self.price = np.zeros(0)

    @classmethod
    def build(cls, p: Mapping[str, Any], customers: int, rng: np.random.Generator) -> _Market:
        m = cls()
        wanted = max(20, round(customers * p["merchants_per_customer"]))
        m.grid = max(1, round(math.sqrt(wanted / 4.0)))  # about four shops per cell
        m.n_cells = m.grid * m.grid
        # at least one shop per cell; the rest crowd into a few dense cells (Gamma(0.7) densities)
        density = rng.gamma(0.7, 1.0, m.n_cells)
        per_cell = 1 + rng.multinomial(max(0, wanted - m.n_cells), density / density.sum())
        m.cell_weight = per_cell / per_cell.sum()
        m.cell_hi = np.cumsum(per_cell)
        m.cell_lo = m.cell_hi - per_cell
        m.n_pos = int(per_cell.sum())
        pos_share = np.array([c.share for c in merchants.POS])
        pos_cat = rng.choice(len(merchants.POS), size=m.n_pos, p=pos_share)
        m.pos_cum = np.r_[0.0, np.cumsum(rng.lognormal(0.0, 0.8, m.n_pos))]

        # web shops: a few per category (at least one), popularity scaled so categories keep their shares
        total_online = max(len(merchants.ONLINE), round(m.n_pos * 0.2))
        per_cat = [max(1, round(total_online * c.share)) for c in merchants.ONLINE]
        online_cat = np.repeat(np.arange(len(merchants.ONLINE)), per_cat)
        scale = np.repeat([c.share / k for c, k in zip(merchants.ONLINE, per_cat, strict=True)], per_cat)
        m.online_cum = np.r_[0.0, np.cumsum(rng.lognormal(0.0, 0.8, len(online_cat)) * scale)]
        start = m.n_pos
        for c, k in zip(merchants.ONLINE, per_cat, strict=True):
            m.online_range[c.mcc] = (start, k)
            start += k

        cats = [merchants.POS[i] for i in pos_cat.tolist()] + [
            merchants.ONLINE[i] for i in online_cat.tolist()
        ]
        m.mcc = np.array([c.mcc for c in cats], dtype=object)
        m.channel = np.array([c.channel for c in cats], dtype=object)
        m.price = np.array([c.price for c in cats])
        m.ids = np.array([f"M{v:010X}" for v in _unique_ints(rng, len(cats), 40).tolist()], dtype=object)
        return m

    def nearby(self, home: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A card-present merchant for each home cell: half the time at home, else up to 2 cells away."""
        size = len(home)
        move = rng.random(size) < 0.5
        dx = rng.integers(-2, 3, size) * move
        dy = rng.integers(-2, 3, size) * move
        cx = np.clip(home % self.grid + dx, 0, self.grid - 1)
        cy = np.clip(home // self.grid + dy, 0, self.grid - 1)
        cell = cy * self.grid + cx
        lo, hi = self.cell_lo[cell], self.cell_hi[cell]
        u = self.pos_cum[lo] + rng.random(size) * (self.pos_cum[hi] - self.pos_cum[lo])
        return np.clip(np.searchsorted(self.pos_cum, u, side="right") - 1, lo, hi - 1)

    def online(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Web shops chosen by popularity."""
        u = rng.random(size) * self.online_cum[-1]
        count = len(self.online_cum) - 1
        return self.n_pos + np.clip(np.searchsorted(self.online_cum, u, side="right") - 1, 0, count - 1)

    def online_of(
        self, codes: list[str], weights: np.ndarray, size: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Web shops of the given categories (chosen by ``weights``), uniformly within a category."""
        pick = rng.choice(len(codes), size=size, p=weights / weights.sum())
        first = np.array([self.online_range[c][0] for c in codes])
        count = np.array([self.online_range[c][1] for c in codes])
        return first[pick] + (rng.random(size) * count[pick]).astype(np.int64)


# ---------------------------------------------------------------------- transactions


def _genuine(
    p: Mapping[str, Any], people: _People, market: _Market, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every customer's own purchases: Poisson counts, their preferred hours, nearby shops or the web."""
    cust = np.repeat(np.arange(people.size), people.count)
    size = len(cust)
    day = rng.integers(0, p["days"], size)
    hour = (people.peak_hour[cust] * HOUR + rng.normal(0.0, 3.5 * HOUR, size)) % DAY
    online = rng.random(size) < people.online[cust]
    merchant = np.where(online, market.online(size, rng), market.nearby(people.home[cust], rng))
    usd = (
        people.median[cust] * market.price[merchant] * np.exp(people.sigma[cust] * rng.standard_normal(size))
    )
    return _rows(cust, day * DAY + hour.astype(np.int64), merchant, usd, GENUINE)


def _card_fraud(
    p: Mapping[str, Any], people: _People, market: _Market, expected: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Compromised cards: 1 + Poisson extra online purchases at resale goods, any hour, larger amounts."""
    mean = p["card_fraud_transactions"]
    chance = min(1.0, expected / (mean * people.size))
    if chance >= 1.0:
        mean = expected / people.size
    account = np.flatnonzero(rng.random(people.size) < chance)
    per = 1 + rng.poisson(mean - 1.0, len(account))
    cust = np.repeat(account, per)
    size = len(cust)
    span = p["days"] * DAY
    compromised = rng.random(len(account)) * span
    window = np.minimum(p["card_fraud_days"] * DAY, span - compromised)
    t = np.repeat(compromised, per) + rng.random(size) * np.repeat(window, per)
    codes = list(merchants.CARD_FRAUD)
    merchant = market.online_of(codes, np.array([merchants.CARD_FRAUD[c] for c in codes]), size, rng)
    usd = (
        people.median[cust]
        * market.price[merchant]
        * np.exp(people.sigma[cust] * rng.standard_normal(size))
        * np.exp(rng.normal(math.log(2.5), 0.4, size))
    )
    return _rows(cust, t.astype(np.int64), merchant, usd, CARD)


def _takeover(
    p: Mapping[str, Any], people: _People, market: _Market, expected: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Takeover bursts: 1-2 probes, then 1 + Poisson cash-outs, seconds to minutes apart, mostly at night.

    Cash-out amounts are set later from the balance; here ``usd`` holds
    their relative weights (and the probes' amounts).
    """
    extra = _CASH_OUTS_EXTRA
    chance = min(1.0, expected / ((_PROBES_MEAN + 1.0 + extra) * people.size))
    if chance >= 1.0:
        extra = expected / people.size - _PROBES_MEAN - 1.0
    account = np.flatnonzero(rng.random(people.size) < chance)
    groups = len(account)
    probes = rng.integers(1, 3, groups)
    per = probes + 1 + rng.poisson(max(extra, 0.0), groups)
    group = np.repeat(np.arange(groups), per)
    size = len(group)
    k = np.arange(size) - np.repeat(np.cumsum(per) - per, per)
    probe = k < probes[group]
    gap = np.where(k == 0, 0.0, np.where(probe, rng.uniform(20, 180, size), rng.uniform(30, 600, size)))
    since = np.cumsum(gap)
    since -= np.repeat(since[np.cumsum(per) - per], per)
    t0 = rng.integers(0, p["days"], groups) * DAY + (rng.normal(3.0, 2.0, groups) * HOUR % DAY).astype(
        np.int64
    )
    cust = account[group]
    probe_merchant = market.online_of(list(merchants.TAKEOVER_PROBE), np.ones(3), size, rng)
    cash_codes = list(merchants.TAKEOVER_CASH_OUT)
    cash_merchant = market.online_of(cash_codes, np.ones(len(cash_codes)), size, rng)
    merchant = np.where(probe, probe_merchant, cash_merchant)
    usd = np.where(probe, rng.uniform(0.5, 5.0, size), rng.uniform(0.5, 1.5, size))
    rows = _rows(cust, t0[group] + since.astype(np.int64), merchant, usd, TAKEOVER)
    rows.update(account=account, t0=t0, group=group, probe=probe)
    return rows


def _compromise_terminals(
    p: Mapping[str, Any],
    rows: dict[str, np.ndarray],
    market: _Market,
    expected: float,
    rng: np.random.Generator,
) -> None:
    """Mark every card-present purchase at a compromised terminal during its window as fraud.

    Terminals are compromised in random order until their windows hold the
    expected number of rows; the last one is taken with the probability
    that makes the expectation exact.
    """
    if market.n_pos == 0 or expected <= 0:
        return
    span = p["days"] * DAY
    width = min(p["terminal_window_days"] * DAY, span)
    opens = (rng.random(market.n_pos) * (span - width + 1)).astype(np.int64)
    pos = rows["merchant"] < market.n_pos
    at = np.where(pos, rows["merchant"], 0)
    inside = pos & (rows["t"] >= opens[at]) & (rows["t"] < opens[at] + width)
    counts = np.bincount(at[inside], minlength=market.n_pos)
    order = rng.permutation(market.n_pos)
    filled = np.cumsum(counts[order])
    k = int(np.searchsorted(filled, expected, side="left"))
    chosen = order[: min(k, market.n_pos)]
    u = rng.random()
    if k < market.n_pos and counts[order[k]] > 0:
        before = filled[k - 1] if k > 0 else 0.0
        if u < (expected - before) / counts[order[k]]:
            chosen = order[: k + 1]
    hit = np.zeros(market.n_pos, dtype=bool)
    hit[chosen] = True
    rows["scenario"][inside & hit[at]] = TERMINAL


# ---------------------------------------------------------------------- ledger


def _rows(
    cust: np.ndarray, t: np.ndarray, merchant: np.ndarray, usd: np.ndarray, scenario: int
) -> dict[str, np.ndarray]:
    return {
        "cust": cust.astype(np.int64),
        "t": t.astype(np.int64),
        "merchant": merchant.astype(np.int64),
        "usd": usd.astype(float),
        "scenario": np.full(len(cust), scenario, dtype=np.int8),
    }


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _sorted(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows by customer, then time (stable: equal times keep their order)."""
    order = np.lexsort((rows["t"], rows["cust"]))
    return {k: v[order] for k, v in rows.items()}


def _minor(values: np.ndarray) -> np.ndarray:
    """Amounts rounded to whole minor units, at least one."""
    return np.maximum(1, np.rint(values)).astype(np.int64)


class _Paydays:
    """How many pay days (midnight UTC of the customer's day of the month) fall in (start, start + t]."""

    def __init__(self, start_seconds: int, payday: np.ndarray) -> None:
        self.start = start_seconds
        self.payday = payday
        self.at_start = self._index(np.zeros(len(payday), dtype=np.int64), payday)

    def _index(self, t: np.ndarray, payday: np.ndarray) -> np.ndarray:
        moment = (self.start + t).astype("datetime64[s]")
        month = moment.astype("datetime64[M]")
        day = (moment.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) + 1
        return month.astype(np.int64) + (day >= payday)

    def count(self, t: np.ndarray, cust: np.ndarray) -> np.ndarray:
        return self._index(t, self.payday[cust]) - self.at_start[cust]


def _balance_at(
    rows: dict[str, np.ndarray],
    who: np.ndarray,
    t: np.ndarray,
    opening: np.ndarray,
    income: np.ndarray,
    pay: _Paydays,
) -> np.ndarray:
    """Balance (minor units) of each customer ``who`` just after ``t``; ``rows`` sorted by customer, time."""
    if len(who) == 0:
        return np.zeros(0)
    shift = np.int64(1) << 34  # above any time offset in seconds (3660 days < 2**34 s)
    key = rows["cust"] * shift + rows["t"]
    lo = np.searchsorted(key, who * shift, side="left")
    hi = np.searchsorted(key, who * shift + t, side="right")
    spent = np.r_[0, np.cumsum(rows["amount"])]
    return (opening[who] + income[who] * pay.count(t, who) - (spent[hi] - spent[lo])).astype(float)


def _empty_frame() -> pd.DataFrame:
    """No rows, with the columns and dtypes of :func:`_frame`."""
    out = {c: pd.Series([], dtype=object) for c in COLUMNS}
    out["timestamp"] = pd.Series([], dtype="datetime64[ns, UTC]")
    for c in ("amount", "balance_before", "balance_after"):
        out[c] = pd.Series([], dtype=float)
    out["is_fraud"] = pd.Series([], dtype="Int8")
    return pd.DataFrame(out)


def _frame(
    rows: Mapping[str, np.ndarray],
    market: _Market,
    account_ids: list[str],
    codes: list[str],
    currency: np.ndarray,
    start_seconds: int,
) -> pd.DataFrame:
    """The transaction table, in time order (each account's rows keep their order)."""
    order = np.lexsort((np.arange(len(rows["t"])), rows["t"]))
    cust = rows["cust"][order]
    merchant = rows["merchant"][order]
    scenario = rows["scenario"][order]
    seq = rows["seq"][order]
    cur = currency[cust]
    unit = np.array([10.0 ** int(minor_unit(c) or 0) for c in codes])[cur]
    amount = rows["amount"][order]
    before = rows["before"][order]
    accounts = np.array(account_ids, dtype=object)[cust]
    ns = (start_seconds + rows["t"][order]) * 1_000_000_000
    return pd.DataFrame(
        {
            "transaction_id": pd.Series(
                [f"{a}-{s:05d}" for a, s in zip(accounts.tolist(), seq.tolist(), strict=True)], dtype=object
            ),
            "account_id": pd.Series(accounts, dtype=object),
            "timestamp": pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC"),
            "amount": amount / unit,
            "currency": pd.Series(np.array(codes, dtype=object)[cur], dtype=object),
            "merchant_id": pd.Series(market.ids[merchant], dtype=object),
            "merchant_category": pd.Series(market.mcc[merchant], dtype=object),
            "is_fraud": pd.array((scenario != GENUINE).astype(np.int8), dtype="Int8"),
            "balance_before": before / unit,
            "balance_after": (before - amount) / unit,
            "channel": pd.Series(market.channel[merchant], dtype=object),
            "fraud_scenario": pd.Series(np.array(SCENARIOS, dtype=object)[scenario], dtype=object),
        }
    )
