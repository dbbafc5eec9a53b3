"""Rules a transaction table must obey, vectorised over the batch, with reasons.

Each rule fails a row with one sentence that starts with the transaction id
and names the offending values. Rows the reader could not parse fail every
rule with "no sample (read error)"; a batch that lacks a column a rule needs
fails that rule on every row, naming the column. Rules never raise on odd
values: anything that is not a number, a time or a code is a failing value.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np
import pandas as pd

from synthgenesis.plugins.fraud.currencies import MINOR_UNITS, currency_problem
from synthgenesis.plugins.fraud.schema import as_float, as_text, as_utc, is_text, reason_prefixes, show
from synthgenesis.rules import CheckResult, Rule, RuleSpec
from synthgenesis.types import READ_ERROR_COLUMN

DOMAIN = "fraud"


def _num(value: float) -> str:
    return f"{float(value):.12g}"


def _money(value: float, decimals: int) -> str:
    """``value`` with the currency's decimals, or in full when it has more (so it is never misquoted)."""
    on_grid = bool(_on_grid(np.array([value]), np.array([float(decimals)]))[0])
    return f"{value:.{decimals}f}" if on_grid else _num(value)


def _minor_units(codes: pd.Series) -> np.ndarray:
    """Decimals of each row's currency as floats; NaN where the code is unknown or N.A."""
    return codes.map(MINOR_UNITS).to_numpy(dtype=float)  # codes are text or None (``as_text``)


def _on_grid(amount: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """True where ``amount`` has at most ``decimals`` decimals, up to float rounding.

    ``19.99 * 100`` is ``1998.9999999999998`` in binary floating point, so the
    scaled amount may miss an integer by a few units in the last place; a
    genuine extra decimal misses it by far more.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = amount * np.power(10.0, decimals)
        return np.abs(scaled - np.rint(scaled)) <= 4 * np.spacing(np.abs(scaled))


class TransactionRule(Rule):
    """Shared frame: missing columns, read errors and reason prefixes; subclasses find failures."""

    columns: ClassVar[tuple[str, ...]] = ()

    def _check(self, batch: pd.DataFrame) -> CheckResult:
        n = len(batch)
        missing = [c for c in self.columns if c not in batch.columns]
        if missing:
            why = f"column(s) {', '.join(missing)} missing from the batch"
            return CheckResult(np.zeros(n, dtype=bool), [f"{p}{why}" for p in reason_prefixes(batch)])
        active = np.ones(n, dtype=bool)
        failures: dict[int, str] = {}
        if READ_ERROR_COLUMN in batch.columns:
            active = batch[READ_ERROR_COLUMN].isna().to_numpy()
            failures = dict.fromkeys(np.flatnonzero(~active).tolist(), "no sample (read error)")
        failures.update(self._failures(batch, active))
        reasons: list[str | None] = [None] * n
        rows = sorted(failures)  # prefixes only for failing rows: naming every row costs more than checking
        for i, prefix in zip(rows, reason_prefixes(batch, rows), strict=True):
            reasons[i] = f"{prefix}{failures[i]}"
        mask = np.ones(n, dtype=bool)
        mask[rows] = False
        return CheckResult(mask, reasons)

    @abstractmethod
    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        """Reasons for the failing rows among ``active`` ones, by position."""


class NonNegativeAmount(TransactionRule):
    """A transaction moves a finite, non-negative amount; negative amounts are refused.

    Zero is a real amount: card networks carry zero-amount authorisations
    (account verification before a card is stored or a subscription starts,
    status checks by fuel pumps and hotels), and public card tables hold
    them. A negative amount would be a refund or reversal, and the schema has
    no transaction type to say so, so it fails. :class:`PositiveAmount` is the
    strict variant that refuses zero too.
    """

    columns = ("amount",)
    #: Whether zero fails as well (see :class:`PositiveAmount`).
    strict: ClassVar[bool] = False

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        raw = batch["amount"]
        amount = as_float(raw).to_numpy()
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(amount) & ((amount > 0) if self.strict else (amount >= 0))
        out: dict[int, str] = {}
        for i in np.flatnonzero(active & ~ok).tolist():
            if not np.isfinite(amount[i]):
                out[int(i)] = f"amount {show(raw.iat[i])} is not a finite number"
            elif amount[i] < 0:
                out[int(i)] = f"amount {_num(amount[i])} is negative (no transaction type marks refunds)"
            else:
                out[int(i)] = "amount 0 is not positive (zero-amount authorisations are refused by this rule)"
        return out


class PositiveAmount(NonNegativeAmount):
    """Strict amounts: a finite number above zero; zero-amount authorisations fail too.

    Registered as the opt-in rule ``fraud-positive-amount`` (real card tables
    hold zero-amount authorisations, so it is not a default): name it with
    ``--rule fraud-positive-amount`` or ``[rules] include`` for data that must
    hold payments only.
    """

    strict = True


class CurrencyPrecision(TransactionRule):
    """Amounts carry no more decimals than the currency's ISO 4217 minor unit (JPY 0, USD 2, KWD 3).

    Repair rounds the amount to the minor unit (half to even, as ``numpy.rint``);
    rows with an unknown currency or a non-numeric amount are left unchanged.
    """

    columns = ("amount", "currency")
    repairable = True

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        codes = as_text(batch["currency"])
        decimals = _minor_units(codes)
        amount = as_float(batch["amount"]).to_numpy()
        known = np.isfinite(decimals)
        finite = np.isfinite(amount)
        bad = active & ~(known & finite & _on_grid(amount, decimals))
        out: dict[int, str] = {}
        for i in np.flatnonzero(bad).tolist():
            if not known[i]:
                out[int(i)] = str(currency_problem(codes.iat[i]))
            elif not finite[i]:
                out[int(i)] = f"amount {show(batch['amount'].iat[i])} is not a finite number"
            else:
                out[int(i)] = (
                    f"amount {_num(amount[i])} {codes.iat[i]} has more decimals than the currency's "
                    f"minor unit ({int(decimals[i])})"
                )
        return out

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        decimals = _minor_units(as_text(batch["currency"]))
        amount = as_float(batch["amount"]).to_numpy()
        fix = np.isfinite(decimals) & np.isfinite(amount)
        scale = np.power(10.0, np.where(fix, decimals, 0.0))
        batch["amount"] = np.where(fix, np.rint(amount * scale) / scale, amount)
        return batch


class AccountTimeOrder(TransactionRule):
    """Within each account, transactions are listed in time order (equal times allowed).

    Velocity features and sequence models read an account's history in file
    order; a transaction listed after a later one of the same account breaks
    both. Repair reorders each account's rows by time within the positions the
    account already occupies, so other accounts' rows do not move.
    """

    columns = ("account_id", "timestamp")
    compares_records = True
    repairable = True

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        account = as_text(batch["account_id"])
        ts = as_utc(batch["timestamp"])
        out: dict[int, str] = {}
        for i in np.flatnonzero(active & account.isna().to_numpy()).tolist():
            out[int(i)] = "account_id is missing"
        for i in np.flatnonzero(active & account.notna().to_numpy() & ts.isna().to_numpy()).tolist():
            out[int(i)] = f"timestamp {show(batch['timestamp'].iat[i])} is not an ISO 8601 time"
        usable = active & account.notna().to_numpy() & ts.notna().to_numpy()
        if not usable.any():
            return out
        pos = np.flatnonzero(usable)
        frame = pd.DataFrame(
            {"account": account.iloc[pos].to_numpy(), "ts": ts.iloc[pos].reset_index(drop=True)}
        )
        running = frame.groupby("account", sort=False)["ts"].cummax()
        frame["prev_max"] = running.groupby(frame["account"], sort=False).shift(1)
        late = (frame["ts"] < frame["prev_max"]).to_numpy()
        if not late.any():
            return out
        # name the transaction each late one is listed after (only needed when some are late)
        ids = as_text(
            batch["transaction_id"] if "transaction_id" in batch.columns else pd.Series([None] * len(batch))
        )
        frame["id"] = [
            t if t is not None else f"at row {p + 1}" for t, p in zip(ids.iloc[pos], pos, strict=True)
        ]
        holder = frame["id"].where(frame["ts"] == running)
        frame["prev_holder"] = holder.groupby(frame["account"], sort=False).ffill()
        frame["prev_holder"] = frame["prev_holder"].groupby(frame["account"], sort=False).shift(1)
        for k in np.flatnonzero(late).tolist():
            row = frame.iloc[k]
            out[int(pos[k])] = (
                f"at {row['ts'].isoformat()} is listed after transaction {row['prev_holder']} at "
                f"{row['prev_max'].isoformat()} of the same account {row['account']}"
            )
        return out

    def _repair(self, batch: pd.DataFrame) -> pd.DataFrame:
        account = as_text(batch["account_id"])
        ts = as_utc(batch["timestamp"])
        usable = account.notna().to_numpy() & ts.notna().to_numpy()
        if READ_ERROR_COLUMN in batch.columns:
            usable &= batch[READ_ERROR_COLUMN].isna().to_numpy()
        pos = np.flatnonzero(usable)
        frame = pd.DataFrame(
            {"account": account.iloc[pos].to_numpy(), "ts": ts.iloc[pos].reset_index(drop=True), "pos": pos}
        )
        slots = frame.sort_values(["account", "pos"], kind="stable")["pos"].to_numpy()
        rows = frame.sort_values(["account", "ts", "pos"], kind="stable")["pos"].to_numpy()
        order = np.arange(len(batch))
        order[slots] = rows
        return batch.iloc[order]


class UniqueTransactionId(TransactionRule):
    """Every transaction id occurs once; repeats after the first occurrence fail (so one copy is kept)."""

    columns = ("transaction_id",)
    compares_records = True

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        ids = as_text(batch["transaction_id"])
        out: dict[int, str] = {
            int(i): "transaction_id is missing" for i in np.flatnonzero(active & ids.isna()).tolist()
        }
        frame = pd.DataFrame({"id": ids.to_numpy(), "pos": np.arange(len(ids))}).dropna(subset=["id"])
        first = frame.groupby("id", sort=False)["pos"].transform("first").to_numpy()
        counts = frame.groupby("id", sort=False)["pos"].transform("size").to_numpy()
        positions = frame["pos"].to_numpy()
        for k in np.flatnonzero(positions != first).tolist():
            p = int(positions[k])
            if active[p]:
                out[p] = f"transaction id already used by an earlier row ({counts[k]} rows share it)"
        return out


class BalanceArithmetic(TransactionRule):
    """When balances are recorded: balance_after = balance_before - amount, to the currency's minor unit.

    Amounts are debits, so the balance falls by the amount. The difference
    must be below half a minor unit (0.005 for USD, 0.5 for JPY), the
    largest error that rounding each value to the minor unit can explain.
    Tables without the two balance columns pass (nothing to check); a row
    where both balances are empty passes too (not recorded).
    """

    columns = ("amount", "currency")

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        if not {"balance_before", "balance_after"} <= set(batch.columns):
            return {}
        before = as_float(batch["balance_before"]).to_numpy()
        after = as_float(batch["balance_after"]).to_numpy()
        amount = as_float(batch["amount"]).to_numpy()
        codes = as_text(batch["currency"])
        decimals = _minor_units(codes)
        recorded = np.isfinite(before) | np.isfinite(after)
        complete = np.isfinite(before) & np.isfinite(after) & np.isfinite(amount) & np.isfinite(decimals)
        expected = before - amount
        with np.errstate(invalid="ignore"):
            off = np.abs(after - expected) >= 0.5 * np.power(10.0, -decimals)
        bad = active & recorded & (~complete | off)
        out: dict[int, str] = {}
        for i in np.flatnonzero(bad).tolist():
            if not (np.isfinite(before[i]) and np.isfinite(after[i])):
                have, lack = (
                    ("balance_before", "balance_after")
                    if np.isfinite(before[i])
                    else ("balance_after", "balance_before")
                )
                out[int(i)] = f"{have} is recorded but {lack} is missing"
            elif not np.isfinite(amount[i]):
                out[int(i)] = f"amount {show(batch['amount'].iat[i])} is not a finite number"
            elif not np.isfinite(decimals[i]):
                out[int(i)] = f"balance cannot be checked: {currency_problem(codes.iat[i])}"
            else:
                d = int(decimals[i])
                out[int(i)] = (
                    f"balance_after {_money(after[i], d)} != balance_before {_money(before[i], d)} - amount "
                    f"{_money(amount[i], d)} = {_money(expected[i], d)} {codes.iat[i]}"
                )
        return out


class MerchantCategoryFormat(TransactionRule):
    """The merchant category is an ISO 18245 MCC: exactly four ASCII digits, kept as text."""

    columns = ("merchant_category",)

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        values = batch["merchant_category"]
        if is_text(values):
            ok = values.str.fullmatch(r"[0-9]{4}").fillna(False).to_numpy(dtype=bool)
        else:
            ok = np.array(
                [isinstance(v, str) and len(v) == 4 and v.isascii() and v.isdigit() for v in values],
                dtype=bool,
            )
        bad = active & ~ok
        return {
            int(i): f"merchant_category {show(values.iat[i])} is not a 4-digit code"
            for i in np.flatnonzero(bad).tolist()
        }


class BinaryLabel(TransactionRule):
    """``is_fraud`` is 0 or 1: classifiers and transfer metrics read it as a binary label."""

    columns = ("is_fraud",)

    def _failures(self, batch: pd.DataFrame, active: np.ndarray) -> dict[int, str]:
        label = as_float(batch["is_fraud"]).to_numpy()
        bad = active & ~np.isin(label, (0.0, 1.0))
        return {
            int(i): f"is_fraud {show(batch['is_fraud'].iat[i])} is not 0 or 1"
            for i in np.flatnonzero(bad).tolist()
        }


_SPECS = (
    (
        "fraud-non-negative-amount",
        NonNegativeAmount(),
        "amount is a finite number >= 0 (zero-amount authorisations pass; negative amounts fail)",
    ),
    (
        "fraud-currency-precision",
        CurrencyPrecision(),
        "amount has no more decimals than the ISO 4217 minor unit of its currency (repair: round)",
    ),
    (
        "fraud-account-time-order",
        AccountTimeOrder(),
        "each account's transactions are listed in non-decreasing time (repair: reorder within account)",
    ),
    ("fraud-unique-transaction-id", UniqueTransactionId(), "no transaction id occurs twice"),
    (
        "fraud-balance-arithmetic",
        BalanceArithmetic(),
        "balance_after = balance_before - amount to half a minor unit, where balances are recorded",
    ),
    ("fraud-mcc-format", MerchantCategoryFormat(), "merchant_category is a 4-digit MCC"),
    ("fraud-label-binary", BinaryLabel(), "is_fraud is 0 or 1"),
)

#: Every fraud rule, as registered; ``fraud-positive-amount`` is opt-in (checked only when named).
RULES: tuple[RuleSpec, ...] = (
    *(RuleSpec(name=n, domain=DOMAIN, rule=r, description=d) for n, r, d in _SPECS),
    RuleSpec(
        name="fraud-positive-amount",
        domain=DOMAIN,
        rule=PositiveAmount(),
        description="opt-in: amount > 0 (zero-amount authorisations fail too); apply with --rule",
        default=False,
    ),
)
