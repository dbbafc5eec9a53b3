"""Merchant categories the transaction simulator draws from: ISO 18245 codes with shares and price levels.

Each category is a real merchant category code (MCC) with where it sells
(``"pos"``: a card-present terminal at a place; ``"online"``: card not
present), its share of a customer's purchases in that channel, and a price
factor: the typical ticket relative to the customer's own typical amount
(a grocery basket is 1, a coffee 0.35, a flight 12). Shares and price
factors are hand-set round numbers of a plausible card spend, not values
fitted to data.

Card fraud and account takeover favour goods that resell or cash out easily
(electronics, jewellery, gift and digital goods, money transfer and
quasi-cash), which is why those codes also carry a weight in the fraud
tables below. Genuine customers buy them too, more rarely, so a code alone
never gives a transaction away.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """One merchant category: ISO 18245 code, name, channel, share of purchases and price factor."""

    mcc: str
    name: str
    channel: str
    share: float
    price: float


#: Card-present categories: shops with a terminal at a place.
POS: tuple[Category, ...] = (
    Category("5411", "grocery stores, supermarkets", "pos", 0.265, 1.0),
    Category("5812", "eating places, restaurants", "pos", 0.11, 1.1),
    Category("5814", "fast food restaurants", "pos", 0.10, 0.35),
    Category("5541", "service stations", "pos", 0.08, 1.3),
    Category("5912", "drug stores, pharmacies", "pos", 0.06, 0.7),
    Category("5499", "miscellaneous food stores, convenience", "pos", 0.06, 0.3),
    Category("4111", "local and suburban commuter transport", "pos", 0.06, 0.15),
    Category("5813", "drinking places, bars", "pos", 0.04, 0.9),
    Category("5311", "department stores", "pos", 0.04, 2.2),
    Category("5651", "family clothing stores", "pos", 0.04, 2.0),
    Category("5331", "variety stores", "pos", 0.03, 0.6),
    Category("5999", "miscellaneous and specialty retail", "pos", 0.02, 1.2),
    Category("5200", "home supply warehouse stores", "pos", 0.02, 3.0),
    Category("7230", "beauty and barber shops", "pos", 0.02, 1.2),
    Category("7832", "motion picture theatres", "pos", 0.015, 0.6),
    Category("5942", "book stores", "pos", 0.01, 0.8),
    Category("8011", "doctors", "pos", 0.01, 3.0),
    Category("5732", "electronics stores", "pos", 0.01, 5.0),
    Category("0742", "veterinary services", "pos", 0.005, 4.0),
    Category("5944", "jewellery, watch and clock stores", "pos", 0.005, 6.0),
)

#: Card-not-present categories: web shops, apps and subscriptions.
ONLINE: tuple[Category, ...] = (
    Category("5399", "miscellaneous general merchandise (marketplaces)", "online", 0.30, 1.5),
    Category("4121", "taxicabs and ride hailing", "online", 0.15, 0.8),
    Category("4899", "cable, satellite and streaming services", "online", 0.10, 0.5),
    Category("5815", "digital goods: books, movies, music", "online", 0.10, 0.3),
    Category("4814", "telecommunication services", "online", 0.04, 1.2),
    Category("4511", "airlines", "online", 0.04, 12.0),
    Category("7011", "lodging: hotels, motels, resorts", "online", 0.04, 8.0),
    Category("5999", "miscellaneous and specialty retail", "online", 0.06, 1.5),
    Category("5732", "electronics stores", "online", 0.05, 6.0),
    Category("5816", "digital goods: games", "online", 0.04, 0.6),
    Category("5045", "computers, peripherals and software", "online", 0.02, 4.0),
    Category("7995", "betting, lottery, casino gaming chips", "online", 0.02, 1.5),
    Category("4829", "wire transfers and money orders", "online", 0.02, 4.0),
    Category("5944", "jewellery, watch and clock stores", "online", 0.01, 6.0),
    Category("6051", "non-financial institutions: quasi-cash, crypto", "online", 0.01, 4.0),
)

#: Where a compromised card is used (online codes and their weights): goods that resell.
CARD_FRAUD: dict[str, float] = {
    "5732": 0.25,
    "5999": 0.20,
    "4829": 0.15,
    "5944": 0.10,
    "6051": 0.10,
    "7995": 0.08,
    "5045": 0.07,
    "5816": 0.05,
}

#: Account takeover: small probes first (does the card work?), then the cash-out.
TAKEOVER_PROBE: tuple[str, ...] = ("5816", "5815", "5999")
TAKEOVER_CASH_OUT: tuple[str, ...] = ("4829", "6051", "5732", "5944")


def _check() -> None:
    """The tables are consistent: 4-digit codes, shares summing to 1, fraud codes sold online."""
    online = {c.mcc for c in ONLINE}
    for table in (POS, ONLINE):
        if abs(sum(c.share for c in table) - 1.0) > 1e-9:
            raise ValueError("merchant category shares of a channel must sum to 1")
        for c in table:
            if not (len(c.mcc) == 4 and c.mcc.isdigit()) or c.price <= 0:
                raise ValueError(f"merchant category {c.mcc!r} is malformed")
    missing = (set(CARD_FRAUD) | set(TAKEOVER_PROBE) | set(TAKEOVER_CASH_OUT)) - online
    if missing:
        raise ValueError(f"fraud codes {sorted(missing)} have no online merchant category")


_check()
