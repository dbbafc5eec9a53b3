"""The ISO 4217 minor-unit table: known entries and what unknown codes say."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')
pytest.importorskip("babel", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

from babel.numbers import get_currency_precision

from synthgenesis.plugins.fraud.currencies import (
    ISO_DIGITS,
    ISO_ONLY,
    MINOR_UNITS,
    NOT_ISO,
    currency_problem,
    minor_unit,
)

#: ISO 4217 List one, published 2026-01-01: code -> decimals of the minor unit (None: "N.A.").
ISO4217_LIST_ONE: dict[str, int | None] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2,
    "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2,
    "BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2,
    "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2,
    "COP": 2, "COU": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2,
    "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2,
    "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2,
    "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3,
    "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2,
    "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2,
    "LKR": 2, "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2,
    "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2,
    "MXV": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2,
    "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2,
    "PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2,
    "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2,
    "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2, "TMT": 2,
    "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0,
    "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2, "VED": 2, "VES": 2,
    "VND": 0, "VUV": 0, "WST": 2, "XAD": 2, "XAF": 0, "XAG": None, "XAU": None, "XBA": None,
    "XBB": None, "XBC": None, "XBD": None, "XCD": 2, "XCG": 2, "XDR": None, "XOF": 0, "XPD": None,
    "XPF": 0, "XPT": None, "XSU": None, "XTS": None, "XUA": None, "XXX": None, "YER": 2, "ZAR": 2,
    "ZMW": 2, "ZWG": 2,
}  # fmt: skip


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
    differ = {
        c: (MINOR_UNITS.get(c, "absent"), ISO4217_LIST_ONE.get(c, "absent"))
        for c in set(MINOR_UNITS) | set(ISO4217_LIST_ONE)
        if MINOR_UNITS.get(c, "absent") != ISO4217_LIST_ONE.get(c, "absent")
    }
    assert not differ, f"CLDR-derived table (left) differs from ISO 4217 (right): {differ}"
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


def test_iso_corrections_are_the_known_ones_and_still_needed() -> None:
    # Where CLDR's digits depart from ISO 4217 (CLDR: 0, the practice; ISO: the unit that exists).
    assert ISO_DIGITS == {
        "AFN": 2, "ALL": 2, "COP": 2, "HUF": 2, "IDR": 2, "IQD": 3, "IRR": 2, "KPW": 2,
        "LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "SOS": 2, "SYP": 2, "YER": 2, "XAD": 2,
    }  # fmt: skip
    for code, digits in ISO_DIGITS.items():
        if code != "XAD":  # CLDR's default of 2 digits, but listed as a currency of no territory
            assert get_currency_precision(code) != digits, f"CLDR now agrees on {code}: drop the correction"
    assert set(NOT_ISO) == {"CNH"}
    assert set(ISO_ONLY) == {"SVC"}
    assert "CNH" not in MINOR_UNITS and MINOR_UNITS["SVC"] == 2
    # everything else is CLDR's own digits
    for code, digits in MINOR_UNITS.items():
        if digits is not None and code not in ISO_DIGITS:
            assert digits == get_currency_precision(code), code
