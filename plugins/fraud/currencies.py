"""ISO 4217 minor units: how many decimals an amount in each currency may carry.

A card network settles amounts in whole minor units (cents, fils, yen), so an
amount with more decimals than its currency's minor unit cannot have been
charged. The table is built from the Unicode CLDR currency data that Babel
ships (BSD licence), corrected where CLDR departs from ISO 4217:

* the codes are the currencies CLDR lists as in use in some territory today,
  with the funds codes (BOV, CHE, USN, ...), less CLDR's offshore renminbi
  ``CNH`` (not an ISO code), plus ``SVC``, which ISO 4217 List one still holds;
* the decimals are CLDR's, except for :data:`ISO_DIGITS`: CLDR gives 0 digits
  where a minor unit exists but is not used in practice (Colombian peso,
  Hungarian forint, Indonesian rupiah, ...), ISO 4217 gives the unit that
  exists, and an amount in it is a valid amount;
* codes CLDR keeps for no territory (precious metals, bond-market units, SDR,
  testing and no-currency codes) have the minor unit "N.A." in ISO 4217 and map
  to ``None``: they are not transaction currencies.

``tests/plugins/fraud/test_fraud_currencies.py`` compares the result with ISO
4217 List one as published on :data:`ISO4217_PUBLISHED`; when a new Babel
release changes CLDR, that test names every code that differs.
"""

from __future__ import annotations

from synthgenesis._optional import import_optional

#: Publication date of the ISO 4217 List one the corrections were checked against.
ISO4217_PUBLISHED = "2026-01-01"

#: Decimals where ISO 4217 and CLDR disagree (CLDR: 0, the cash or accounting practice), and
#: the Arab accounting dinar, which CLDR keeps for no territory but ISO gives two decimals.
ISO_DIGITS: dict[str, int] = {
    "AFN": 2,
    "ALL": 2,
    "COP": 2,
    "HUF": 2,
    "IDR": 2,
    "IQD": 3,
    "IRR": 2,
    "KPW": 2,
    "LAK": 2,
    "LBP": 2,
    "MGA": 2,
    "MMK": 2,
    "SOS": 2,
    "SYP": 2,
    "YER": 2,
    "XAD": 2,
}
#: CLDR codes in use that are not ISO 4217 codes, and ISO codes CLDR lists as out of use.
NOT_ISO: frozenset[str] = frozenset({"CNH"})
ISO_ONLY: frozenset[str] = frozenset({"SVC"})
#: CLDR's pseudo-territory for currencies of no territory.
_NO_TERRITORY = "ZZ"


def _minor_units() -> dict[str, int | None]:
    babel_core = import_optional("babel.core", extra="fraud", purpose="ISO 4217 currency minor units")
    numbers = import_optional("babel.numbers", extra="fraud", purpose="ISO 4217 currency minor units")
    territories = babel_core.get_global("territory_currencies")
    in_use = {
        code for entries in territories.values() for code, _start, end, _tender in entries if end is None
    }
    no_minor_unit = {
        code for code, _start, end, _tender in territories.get(_NO_TERRITORY, ()) if end is None
    } - set(ISO_DIGITS)
    table: dict[str, int | None] = {}
    for code in sorted((in_use - NOT_ISO) | ISO_ONLY):
        if code in no_minor_unit:
            table[code] = None
        else:
            table[code] = ISO_DIGITS.get(code, numbers.get_currency_precision(code))
    return table


#: Currency code -> number of decimals of its minor unit (``None``: not applicable).
MINOR_UNITS: dict[str, int | None] = _minor_units()


def minor_unit(code: object) -> int | None:
    """Decimals of ``code``'s minor unit; ``None`` for unknown codes and N.A. entries."""
    return MINOR_UNITS.get(code) if isinstance(code, str) else None


def currency_problem(code: object) -> str | None:
    """Why ``code`` cannot be used for a transaction amount, or ``None`` if it can."""
    if not isinstance(code, str) or code not in MINOR_UNITS:
        return f"currency {code!r} is not an ISO 4217 code (List one, published {ISO4217_PUBLISHED})"
    if MINOR_UNITS[code] is None:
        return f"currency {code!r} has no minor unit in ISO 4217 (not a transaction currency)"
    return None
