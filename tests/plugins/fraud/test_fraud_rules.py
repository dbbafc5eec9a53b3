"""Fraud rules: known answers, repairs, read errors and garbled batches."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

from synthgenesis.plugins.fraud import rules
from synthgenesis.plugins.fraud.schema import REQUIRED


def reasons(constraint, batch: pd.DataFrame) -> list[str | None]:
    result = constraint.check(batch)
    assert [r is None for r in result.reasons] == result.mask.tolist()
    return result.reasons


# ----------------------------------------------------------------------------- amount sign


def test_non_negative_amount_accepts_zero_amount_authorisations(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="ok", amount="0.01"),
        transaction(transaction_id="zero", amount="0"),
        transaction(transaction_id="zero-decimals", amount="0.00"),
        transaction(transaction_id="neg", amount="-12.5"),
        transaction(transaction_id="neg-zero", amount="-0.00"),
    )
    assert reasons(rules.NonNegativeAmount(), batch) == [
        None,
        None,
        None,
        "transaction neg: amount -12.5 is negative (no transaction type marks refunds)",
        None,  # -0.0 is zero
    ]


def test_strict_positive_amount_refuses_zero(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="ok", amount="0.01"),
        transaction(transaction_id="zero", amount="0"),
        transaction(transaction_id="neg", amount="-12.5"),
    )
    assert reasons(rules.PositiveAmount(), batch) == [
        None,
        "transaction zero: amount 0 is not positive (zero-amount authorisations are refused by this rule)",
        "transaction neg: amount -12.5 is negative (no transaction type marks refunds)",
    ]


def test_amount_rules_refuse_non_finite_values(transaction) -> None:
    # a batch built in code (not read from a file) can hold inf; the rules name it
    batch = pd.DataFrame([transaction(transaction_id="inf", amount=float("inf"))])
    for rule in (rules.NonNegativeAmount(), rules.PositiveAmount()):
        assert reasons(rule, batch) == ["transaction inf: amount inf is not a finite number"]


def test_the_registered_amount_rule_is_the_non_negative_one(pm) -> None:
    registered = pm.rules("fraud")
    assert "fraud-positive-amount" not in registered
    assert type(registered["fraud-non-negative-amount"].rule) is rules.NonNegativeAmount
    # the strict rule is registered as opt-in: applied only when named
    strict = pm.rules("fraud", ["fraud-positive-amount"])["fraud-positive-amount"]
    assert type(strict.rule) is rules.PositiveAmount and not strict.default


# ----------------------------------------------------------------------------- currency precision


@pytest.mark.parametrize(
    ("amount", "currency", "ok"),
    [
        ("1500", "JPY", True),
        ("1500.5", "JPY", False),
        ("19.99", "USD", True),
        ("0.29", "EUR", True),
        ("1.005", "USD", False),
        ("12.345", "KWD", True),
        ("12.3456", "KWD", False),
        ("1.2345", "CLF", True),
        ("123456789012.34", "USD", True),
    ],
)
def test_currency_precision_known_answers(
    make_batch, transaction, amount: str, currency: str, ok: bool
) -> None:
    batch = make_batch(transaction(amount=amount, currency=currency))
    reason = reasons(rules.CurrencyPrecision(), batch)[0]
    if ok:
        assert reason is None
    else:
        assert reason is not None and f"{currency} has more decimals than the currency's minor unit" in reason
        assert amount.rstrip("0") in reason


def test_currency_precision_unknown_currency(make_batch, transaction) -> None:
    batch = make_batch(transaction(currency="GPB"), transaction(transaction_id="T2", currency="XAU"))
    got = reasons(rules.CurrencyPrecision(), batch)
    assert got[0] == "transaction T1: currency 'GPB' is not an ISO 4217 code (List one, published 2026-01-01)"
    assert (
        got[1] == "transaction T2: currency 'XAU' has no minor unit in ISO 4217 (not a transaction currency)"
    )


def test_currency_precision_repair_rounds_to_minor_unit(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="a", amount="1500.5", currency="JPY"),
        transaction(transaction_id="b", amount="19.999", currency="USD"),
        transaction(transaction_id="c", amount="7.12345", currency="KWD"),
        transaction(transaction_id="d", amount="3.333", currency="ZZZ"),
    )
    constraint = rules.CurrencyPrecision()
    repaired = constraint.repair(batch)
    assert repaired["amount"].tolist() == [1500.0, 20.0, 7.123, 3.333]  # half to even; unknown unchanged
    assert constraint.check(repaired).mask.tolist() == [True, True, True, False]


# ----------------------------------------------------------------------------- time order


def _ordered(make_batch, transaction, *spec: tuple[str, str, str]) -> pd.DataFrame:
    return make_batch(*(transaction(transaction_id=t, account_id=a, timestamp=ts) for t, a, ts in spec))


def test_time_order_known_answers(make_batch, transaction) -> None:
    batch = _ordered(
        make_batch,
        transaction,
        ("t1", "A", "2024-03-01T10:00:00Z"),
        ("t2", "B", "2024-03-01T09:00:00Z"),  # other account: earlier time is fine
        ("t3", "A", "2024-03-01T09:59:00Z"),  # before t1 of the same account
        ("t4", "A", "2024-03-01T10:00:00Z"),  # equal to the latest so far: fine
        ("t5", "A", "2024-03-01T09:30:00Z"),  # before t1 again, not just before its neighbour
    )
    got = reasons(rules.AccountTimeOrder(), batch)
    assert got[0] is None and got[1] is None and got[3] is None
    assert got[2] == (
        "transaction t3: at 2024-03-01T09:59:00+00:00 is listed after transaction t1 at "
        "2024-03-01T10:00:00+00:00 of the same account A"
    )
    assert got[4] is not None and "after transaction t4 at 2024-03-01T10:00:00" in got[4]  # latest holder


def test_time_order_repair_moves_rows_only_within_their_account(make_batch, transaction) -> None:
    batch = _ordered(
        make_batch,
        transaction,
        ("a3", "A", "2024-03-01T12:00:00Z"),
        ("b1", "B", "2024-03-01T08:00:00Z"),
        ("a1", "A", "2024-03-01T10:00:00Z"),
        ("b2", "B", "2024-03-01T09:00:00Z"),
        ("a2", "A", "2024-03-01T11:00:00Z"),
    )
    constraint = rules.AccountTimeOrder()
    assert constraint.check(batch).n_failed == 2
    repaired = constraint.repair(batch)
    assert repaired["transaction_id"].tolist() == ["a1", "b1", "a2", "b2", "a3"]
    assert repaired.index.tolist() == [2, 1, 4, 3, 0]  # rows keep their labels
    assert constraint.check(repaired).mask.all()


# ----------------------------------------------------------------------------- unique ids


def test_unique_transaction_id(make_batch, transaction) -> None:
    batch = make_batch(transaction(), transaction(transaction_id="T2"), transaction(), transaction())
    got = reasons(rules.UniqueTransactionId(), batch)
    assert got[:2] == [None, None]
    assert (
        got[2] == got[3] == "transaction T1: transaction id already used by an earlier row (3 rows share it)"
    )


# ----------------------------------------------------------------------------- balances


def test_balance_arithmetic(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(transaction_id="ok", amount="25.10", balance_before="100.00", balance_after="74.90"),
        transaction(transaction_id="off", amount="25.10", balance_before="100.00", balance_after="75.90"),
        transaction(
            transaction_id="jpy", amount="500", currency="JPY", balance_before="1000", balance_after="500.4"
        ),
        transaction(
            transaction_id="yen", amount="500", currency="JPY", balance_before="1000", balance_after="499.4"
        ),
        transaction(transaction_id="none", balance_before=None, balance_after=None),
        transaction(transaction_id="half", balance_before="10.00", balance_after=None),
        transaction(transaction_id="unk", currency="ABC", balance_before="10.00", balance_after="-0.50"),
    )
    got = reasons(rules.BalanceArithmetic(), batch)
    assert got[0] is None
    assert (
        got[1] == "transaction off: balance_after 75.90 != balance_before 100.00 - amount 25.10 = 74.90 USD"
    )
    assert got[2] is None  # 0.4 yen is below half a minor unit
    # values off the currency's grid are quoted in full, never rounded into agreement
    assert got[3] == "transaction yen: balance_after 499.4 != balance_before 1000 - amount 500 = 500 JPY"
    assert got[4] is None  # balances not recorded
    assert got[5] == "transaction half: balance_before is recorded but balance_after is missing"
    assert got[6] is not None and got[6].startswith(
        "transaction unk: balance cannot be checked: currency 'ABC'"
    )


def test_balance_rule_passes_tables_without_balances(make_batch, transaction) -> None:
    batch = make_batch(transaction())
    assert reasons(rules.BalanceArithmetic(), batch) == [None]


# ----------------------------------------------------------------------------- MCC and label


def test_mcc_format(make_batch, transaction) -> None:
    batch = make_batch(
        transaction(merchant_category="0742"),
        transaction(transaction_id="T2", merchant_category="742"),
        transaction(transaction_id="T3", merchant_category="54 11"),
        transaction(transaction_id="T4", merchant_category="５４１１"),  # full-width digits
    )
    got = reasons(rules.MerchantCategoryFormat(), batch)
    assert got[0] is None
    assert got[1] == "transaction T2: merchant_category '742' is not a 4-digit code"
    assert got[2] is not None and got[3] is not None


def test_mcc_as_number_fails() -> None:
    batch = pd.DataFrame({"transaction_id": ["x"], "merchant_category": [5411]})
    assert reasons(rules.MerchantCategoryFormat(), batch) == [
        "transaction x: merchant_category 5411 is not a 4-digit code"
    ]


def test_binary_label() -> None:
    batch = pd.DataFrame({"transaction_id": ["a", "b", "c", "d"], "is_fraud": [0, 1, 0.5, None]})
    got = reasons(rules.BinaryLabel(), batch)
    assert got[:2] == [None, None]
    assert got[2] == "transaction c: is_fraud 0.5 is not 0 or 1"
    assert got[3] is not None


# ----------------------------------------------------------------------------- shared behaviour


ALL = [spec.rule for spec in rules.RULES]


@pytest.mark.parametrize("constraint", ALL, ids=lambda c: type(c).__name__)
def test_example_file_passes(constraint, examples) -> None:
    from synthgenesis.plugins.fraud.table import read

    assert constraint.check(read(examples / "transactions.csv")).mask.all()


@pytest.mark.parametrize("constraint", ALL, ids=lambda c: type(c).__name__)
def test_read_errors_fail_every_rule(constraint, make_batch, transaction) -> None:
    batch = make_batch(transaction(), transaction(transaction_id="T2", amount="abc"))
    got = reasons(constraint, batch)
    assert got[0] is None
    assert got[1] == "transaction T2: no sample (read error)"


@pytest.mark.parametrize(
    "constraint",
    [c for c in ALL if not isinstance(c, rules.BalanceArithmetic)],
    ids=lambda c: type(c).__name__,
)
def test_missing_column_fails_every_row(constraint, make_batch, transaction) -> None:
    batch = make_batch(transaction(), transaction(transaction_id="T2"))
    needed = constraint.columns[0]
    got = reasons(constraint, batch.drop(columns=[needed]))
    prefix = "" if needed == "transaction_id" else "transaction T2: "  # no id left to name the row by
    assert got[1] == f"{prefix}column(s) {needed} missing from the batch"


def test_registered_names_are_prefixed_and_unique() -> None:
    names = [spec.name for spec in rules.RULES]
    assert len(set(names)) == len(names) == 8  # seven default rules and the opt-in strict amount rule
    assert all(n.startswith("fraud-") for n in names)
    assert {spec.name for spec in rules.RULES if spec.rule.repairable} == {
        "fraud-currency-precision",
        "fraud-account-time-order",
    }


_anything = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.datetimes(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [column(c, elements=_anything, dtype=object) for c in (*REQUIRED, "balance_before", "balance_after")]
    )
)
def test_garbled_batches_never_raise(batch: pd.DataFrame) -> None:
    for constraint in ALL:
        result = constraint.check(batch)
        assert len(result.mask) == len(batch)
        for ok, reason in zip(result.mask, result.reasons, strict=True):
            assert ok == (reason is None)
            assert ok or (isinstance(reason, str) and reason)
        if constraint.repairable:
            assert len(constraint.repair(batch)) == len(batch)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0.01, max_value=1e9), min_size=1, max_size=20),
    st.sampled_from(["JPY", "USD", "KWD"]),
)
def test_repaired_amounts_always_pass_precision(amounts: list[float], currency: str) -> None:
    batch = pd.DataFrame(
        {"transaction_id": [str(i) for i in range(len(amounts))], "amount": amounts, "currency": currency}
    )
    constraint = rules.CurrencyPrecision()
    repaired = constraint.repair(batch)
    assert constraint.check(repaired).mask.all()
    decimals = {"JPY": 0, "USD": 2, "KWD": 3}[currency]
    assert np.allclose(repaired["amount"], np.round(amounts, decimals), rtol=0, atol=10.0**-decimals)
