"""The purchases of the fraud simulator: customers' own and those of the three fraud scenarios.

A card-present purchase happens in the customer's home cell or one up to two
cells away, at a merchant chosen by popularity; the others are at web shops.

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
  more cash-out payments (their amounts are set from the balance by the
  simulator, :mod:`~synthgenesis.plugins.fraud.ledger`).

Purchases are rows of numpy arrays (customer, time in seconds from the
start, merchant, amount in US-dollar equivalents, scenario code).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthgenesis.plugins.fraud import merchants
from synthgenesis.plugins.fraud.agents import Customers, Market

DAY = 86_400
HOUR = 3_600

#: Values of the ``fraud_scenario`` column, by code.
SCENARIOS: tuple[str, ...] = ("none", "compromised_card", "compromised_terminal", "account_takeover")
GENUINE, CARD, TERMINAL, TAKEOVER = range(4)

# Account takeover: probe payments (1 or 2) then cash-out payments (1 + Poisson).
_PROBES_MEAN = 1.5
_CASH_OUTS_EXTRA = 1.0


def purchase_rows(
    cust: np.ndarray, t: np.ndarray, merchant: np.ndarray, usd: np.ndarray, scenario: int
) -> dict[str, np.ndarray]:
    """Purchases as the row arrays the simulator concatenates, all of one ``scenario``."""
    return {
        "cust": cust.astype(np.int64),
        "t": t.astype(np.int64),
        "merchant": merchant.astype(np.int64),
        "usd": usd.astype(float),
        "scenario": np.full(len(cust), scenario, dtype=np.int8),
    }


def genuine_purchases(
    p: Mapping[str, Any], people: Customers, market: Market, rng: np.random.Generator
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
    return purchase_rows(cust, day * DAY + hour.astype(np.int64), merchant, usd, GENUINE)


def card_fraud(
    p: Mapping[str, Any], people: Customers, market: Market, expected: float, rng: np.random.Generator
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
    return purchase_rows(cust, t.astype(np.int64), merchant, usd, CARD)


def takeover_bursts(
    p: Mapping[str, Any], people: Customers, market: Market, expected: float, rng: np.random.Generator
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
    rows = purchase_rows(cust, t0[group] + since.astype(np.int64), merchant, usd, TAKEOVER)
    rows.update(account=account, t0=t0, group=group, probe=probe)
    return rows


def compromise_terminals(
    p: Mapping[str, Any],
    rows: dict[str, np.ndarray],
    market: Market,
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
