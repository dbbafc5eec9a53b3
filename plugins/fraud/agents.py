"""The agents of the fraud simulator: customers with their habits and money, merchants on a grid.

- **Merchants** sit in the cells of a square grid, at least one per cell and
  more in a few dense "town" cells; each has an ISO 18245 category drawn by
  its share of purchases (:mod:`~synthgenesis.plugins.fraud.merchants`) and
  a popularity. Web shops form a separate pool with no place.
- **Customers** live in a cell (where the shops are), have a currency, a
  daily purchase rate, a typical amount (log-normal, with their own spread),
  a preferred hour of the day, a share of online purchases, a starting
  balance and a monthly income paid on their pay day.

Account and merchant ids are drawn from a 60-bit and a 40-bit space, so
separate samples (the blocks of a run) do not share accounts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthgenesis.plugins.fraud import merchants
from synthgenesis.plugins.fraud.currencies import minor_unit

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


class Customers:
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
        self.account_ids = [f"AC{v:015X}" for v in unique_ints(rng, size, 60).tolist()]
        self.home = np.zeros(size, dtype=np.int64)


_MEAN_PRICE = {
    "pos": sum(c.share * c.price for c in merchants.POS),
    "online": sum(c.share * c.price for c in merchants.ONLINE),
}


def draw_customers(p: Mapping[str, Any], n: int, rng: np.random.Generator) -> Customers:
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
    return Customers(p, np.concatenate(rates), np.concatenate(counts), rng)


def unique_ints(rng: np.random.Generator, size: int, bits: int) -> np.ndarray:
    """``size`` distinct integers below ``2**bits`` (redrawn in the rare case of a repeat)."""
    while True:
        values = rng.integers(0, 1 << bits, size, dtype=np.int64)
        if len(np.unique(values)) == size:
            return values


class Market:
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
    def build(cls, p: Mapping[str, Any], customers: int, rng: np.random.Generator) -> Market:
        """The merchants of a market for ``customers`` customers (``p``: the simulator's parameters)."""
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
        m.ids = np.array([f"M{v:010X}" for v in unique_ints(rng, len(cats), 40).tolist()], dtype=object)
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
