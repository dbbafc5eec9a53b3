"""The ISO 4217 minor-unit table: known entries and what unknown codes say."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

from synthgenesis.plugins.fraud.currencies import MINOR_UNITS, currency_problem, minor_unit


@pytest.mark.parametrize(
    ("code", "decimals"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("ISK", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("TND", 3),
        ("CLF", 4),
        ("UYW", 4),
        ("XAU", None),
        ("XXX", None),
    ],
)
def test_known_minor_units(code: str, decimals: int | None) -> None:
    assert minor_unit(code) == decimals


def test_table_is_list_one() -> None:
    assert len(MINOR_UNITS) == 178
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in MINOR_UNITS)
    assert set(MINOR_UNITS.values()) == {0, 2, 3, 4, None}


@pytest.mark.parametrize("code", ["usd", "GPB", "HRK", "", None, 840, "US D"])
def test_unknown_codes_are_named(code: object) -> None:
    assert minor_unit(code) is None
    problem = currency_problem(code)
    assert problem is not None and repr(code) in problem and "ISO 4217" in problem


def test_non_transaction_currency() -> None:
    assert "no minor unit" in str(currency_problem("XAU"))
    assert currency_problem("JPY") is None
