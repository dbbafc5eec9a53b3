"""The agent-based transaction simulator: determinism, validity, fraud rates and scenario signatures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

from synthgenesis.errors import ConfigError
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.fraud import merchants
from synthgenesis.plugins.fraud.currencies import MINOR_UNITS
from synthgenesis.plugins.fraud.schema import REQUIRED
from synthgenesis.plugins.fraud.simulator import COLUMNS, PRICE_LEVEL, FraudSimulator

N = 60_000


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """One market with raised fraud rates, so every scenario has enough rows to judge."""
    gen = FraudSimulator(card_fraud_rate=0.01, terminal_fraud_rate=0.01, takeover_fraud_rate=0.01)
    return gen.sample(N, seed=7)


def _usd(frame: pd.DataFrame) -> pd.Series:
    """Amounts on one scale (US-dollar equivalents) so currencies can be compared."""
    return frame["amount"] / frame["currency"].map(PRICE_LEVEL)


def test_registered_as_the_fraud_default(pm: PluginManager) -> None:
    spec = pm.default_generator("fraud")
    assert spec.name == "fraud-simulator" and spec.domain == "fraud"
    assert {"card_fraud_rate", "terminal_fraud_rate", "takeover_fraud_rate", "days"} <= set(spec.parameters())
    gen = spec.create(days=10)
    assert not gen.requires_fit and gen.sample(5, seed=0).shape == (5, len(COLUMNS))


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    gen = FraudSimulator()
    a, b = gen.sample(3000, seed=11), gen.sample(3000, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = gen.sample(3000, seed=12)
    assert not set(a["account_id"]) & set(c["account_id"])
    assert not a["amount"].equals(c["amount"])


def test_state_round_trips_through_json() -> None:
    gen = FraudSimulator(currencies={"CHF": 1.0, "JPY": 2.0}, days=45, card_fraud_rate=0.02)
    state = json.loads(json.dumps(gen.get_state()))
    again = FraudSimulator.from_state(state)
    assert again.params == gen.params
    pd.testing.assert_frame_equal(again.sample(800, seed=3), gen.sample(800, seed=3))
    assert set(again.sample(800, seed=3)["currency"]) == {"CHF", "JPY"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"card_fraud_rate": 0.5}, "card_fraud_rate: must be at most 0.2"),
        ({"takeover_fraud_rate": -0.1}, "takeover_fraud_rate: must be a finite number >= 0"),
        ({"currencies": {"XAU": 1.0}}, "no minor unit"),
        ({"currencies": {"HRK": 1.0}}, "not an ISO 4217 code"),
        ({"currencies": {"VND": 1.0}}, "has no price level here"),
        ({"days": 0}, "days: must be a whole number"),
        ({"start": "yesterday"}, "not an ISO 8601 time"),
        ({"card_fraud_transactions": 0.5}, "card_fraud_transactions: must be a finite number >= 1"),
    ],
)
def test_bad_parameters_are_refused_by_name(params: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FraudSimulator(**params)


def test_exact_row_counts_including_tiny_and_empty() -> None:
    gen = FraudSimulator()
    for n in (0, 1, 7, 1001):
        out = gen.sample(n, seed=n)
        assert len(out) == n and list(out.columns) == list(COLUMNS)
    empty = gen.sample(0, seed=0)
    assert str(empty["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_every_row_passes_every_fraud_rule(pm: PluginManager, table: pd.DataFrame, tmp_path: Path) -> None:
    domain = pm.domain("fraud")
    outcome = validate_batch(domain, table, pm.rules("fraud"))
    failed = {name: st.examples[:1] for name, st in outcome.stats.items() if st.failed}
    assert failed == {}
    assert outcome.valid.all() and len(outcome.stats) == 7
    # and the same once written to CSV and read back as a user's file would be
    domain.write(table.head(5000), tmp_path / "simulated.csv")
    again = domain.read(tmp_path / "simulated.csv")
    assert again["_read_error"].isna().all()
    assert validate_batch(domain, again, pm.rules("fraud")).valid.all()


def test_amounts_and_balances_are_whole_minor_units(table: pd.DataFrame) -> None:
    unit = 10.0 ** table["currency"].map(MINOR_UNITS).astype(float)
    for col in ("amount", "balance_before", "balance_after"):
        scaled = table[col] * unit
        assert np.allclose(scaled, np.rint(scaled), rtol=0, atol=1e-6), col
    minor = np.rint((table["balance_before"] - table["amount"] - table["balance_after"]) * unit)
    assert (minor == 0).all()
    assert (table["amount"] > 0).all()
    assert set(table.loc[table["currency"] == "JPY", "amount"] % 1) == {0.0}


def test_each_account_history_is_in_time_order_and_its_balance_carries_over() -> None:
    """Next balance_before = previous balance_after, plus the same income on each pay day."""
    frame = FraudSimulator(days=95, start="2024-03-10").sample(20_000, seed=5)
    assert frame["timestamp"].is_monotonic_increasing  # the ledger is one time-ordered feed
    assert frame.groupby("account_id")["timestamp"].is_monotonic_increasing.all()
    unit = 10.0 ** frame["currency"].map(MINOR_UNITS).astype(float)
    before = np.rint(frame["balance_before"] * unit)
    after = np.rint(frame["balance_after"] * unit)
    by_account = frame.assign(before=before, after=after).groupby("account_id", sort=False)
    credit = (by_account["before"].shift(-1) - frame.assign(after=after)["after"]).dropna()
    credit = credit[credit != 0]
    assert (credit > 0).all()  # only income arrives between two purchases
    accounts = frame.loc[credit.index, "account_id"]
    smallest = credit.groupby(accounts).transform("min")
    assert np.allclose(credit / smallest, np.rint(credit / smallest))  # whole pay days of one income
    # 10 March to 13 June holds 3 or 4 pay days of each day of the month 1-28 (4 for the 11th-12th)
    assert set((credit / smallest).groupby(accounts).sum()) <= {1.0, 2.0, 3.0, 4.0}
    assert (credit / smallest).groupby(accounts).sum().max() == 4
    assert by_account.size().gt(20).mean() > 0.9 and accounts.nunique() > 0.9 * frame["account_id"].nunique()


def test_ids_are_unique_and_merchant_codes_are_real(table: pd.DataFrame) -> None:
    assert table["transaction_id"].is_unique
    known = {c.mcc for c in merchants.POS + merchants.ONLINE}
    assert set(table["merchant_category"]) <= known
    assert "0742" in set(table["merchant_category"])  # leading zero kept as text
    # a merchant has one category and one channel
    assert (table.groupby("merchant_id")[["merchant_category", "channel"]].nunique() == 1).all().all()


def test_fraud_rate_follows_the_parameters() -> None:
    default = FraudSimulator()
    rate = default.sample(100_000, seed=1)["is_fraud"].mean()
    assert default.expected_fraud_rate == pytest.approx(0.01)
    assert abs(rate - 0.01) < 0.003
    high = FraudSimulator(card_fraud_rate=0.03, terminal_fraud_rate=0.01, takeover_fraud_rate=0.005)
    shares = high.sample(50_000, seed=2)["fraud_scenario"].value_counts(normalize=True)
    assert shares["compromised_card"] == pytest.approx(0.03, rel=0.25)
    assert shares["compromised_terminal"] == pytest.approx(0.01, rel=0.35)
    assert shares["account_takeover"] == pytest.approx(0.005, rel=0.35)
    none = FraudSimulator(card_fraud_rate=0, terminal_fraud_rate=0, takeover_fraud_rate=0)
    assert none.sample(20_000, seed=3)["is_fraud"].sum() == 0


def test_compromised_cards_buy_resale_goods_online_for_more(table: pd.DataFrame) -> None:
    card = table[table["fraud_scenario"] == "compromised_card"]
    genuine = table[table["is_fraud"] == 0]
    assert (card["channel"] == "online").all()
    assert set(card["merchant_category"]) <= set(merchants.CARD_FRAUD)
    assert np.log(_usd(card)).mean() > np.log(_usd(genuine)).mean() + 1.0
    night = card["timestamp"].dt.hour.lt(6).mean()
    assert night > 2 * genuine["timestamp"].dt.hour.lt(6).mean()
    # the card's owner keeps buying in between: fraud rows are a fraction of those accounts' rows
    owners = table[table["account_id"].isin(card["account_id"])]
    assert 0.05 < owners["is_fraud"].mean() < 0.5


def test_compromised_terminals_are_few_and_take_every_payment_in_their_window(table: pd.DataFrame) -> None:
    terminal = table[table["fraud_scenario"] == "compromised_terminal"]
    assert len(terminal) > 300
    assert (terminal["channel"] == "pos").all()
    per_terminal = terminal.groupby("merchant_id")["timestamp"].agg(["min", "max", "size"])
    assert len(per_terminal) <= len(terminal) / 20  # clustered on few terminals
    assert (per_terminal["max"] - per_terminal["min"] <= pd.Timedelta(days=5)).all()
    for merchant, row in per_terminal.iterrows():
        window = table[
            (table["merchant_id"] == merchant) & table["timestamp"].between(row["min"], row["max"])
        ]
        assert (window["fraud_scenario"] == "compromised_terminal").all()
    # amounts look like everyone else's: only the terminal and the window give them away
    ratio = _usd(terminal).median() / _usd(table[table["is_fraud"] == 0]).median()
    assert 0.5 < ratio < 2


def test_takeover_is_a_fast_burst_of_probes_then_a_cash_out(table: pd.DataFrame) -> None:
    burst = table[table["fraud_scenario"] == "account_takeover"]
    assert burst["account_id"].nunique() > 30
    probes, jumps, drained = [], [], []
    for _, rows in burst.groupby("account_id"):
        assert len(rows) >= 2
        assert (rows["timestamp"].diff().dropna() <= pd.Timedelta(minutes=10)).all()
        usd = _usd(rows).to_numpy()
        probes.append(usd[0])
        jumps.append(usd.max() / usd[0])
        start, end = rows["balance_before"].iat[0], rows["balance_after"].iat[-1]
        if start > 0:
            drained.append(end < 0.35 * start)
    assert max(probes) <= 5.01  # the first payment is a small probe (at most 5 dollars' worth)
    assert np.median(jumps) > 20  # then a cash-out
    assert np.mean(drained) > 0.9  # that takes most of the balance
    assert set(burst["merchant_category"]) <= set(merchants.TAKEOVER_PROBE) | set(merchants.TAKEOVER_CASH_OUT)
    hours = burst.groupby("account_id")["timestamp"].first().dt.hour
    assert hours.isin([22, 23, 0, 1, 2, 3, 4, 5, 6, 7]).mean() > 0.75  # mostly at night


def test_required_columns_first_then_simulator_columns(table: pd.DataFrame) -> None:
    assert list(table.columns[: len(REQUIRED)]) == list(REQUIRED)
    assert set(table["channel"]) == {"pos", "online"}
    assert set(table["fraud_scenario"]) == {
        "none",
        "compromised_card",
        "compromised_terminal",
        "account_takeover",
    }
    assert ((table["fraud_scenario"] != "none") == (table["is_fraud"] == 1)).all()
