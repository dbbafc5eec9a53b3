"""Every default fraud rule over a table shaped like real card-transaction data: no false rejection.

No permissively licensed transaction dataset is installed for offline use
(no installed package ships one, and the public card-fraud tables that can be
downloaded either lack this domain's columns or are themselves simulated), so
this test cannot run the rules over a real file. Instead it builds a table
with the features of real card data that a rule could wrongly reject, each
taken from how card networks and ISO standards define them:

- zero-amount authorisations (account verification before a card is stored
  or a subscription starts): one public card-transaction table holds 1,825 of
  them, so this one does too, in several currencies;
- amounts in many currencies at their ISO 4217 precision: none (JPY, KRW,
  CLP, VND, ISK), two decimals (USD, EUR, INR, HUF) and three (KWD, BHD, TND,
  OMR, JOD), from a cent to a car;
- merchant category codes with leading zeros (0742 veterinary services, 0763
  agricultural co-operatives, 0780 landscaping) next to common ones;
- times written with different UTC offsets, so that an account's local
  times look out of order while its UTC times are in order; two payments of
  one account at the same second (a split tender);
- balances on some rows only, with overdrafts and a zero-amount row that
  leaves the balance as it is; identifiers with leading zeros and merchant
  names with commas and quotes.

Every row is correct, so every rule must accept every row, read from CSV and
from Parquet, whole and in chunks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import pandas as pd

from synthgenesis.pipeline import validate_batch
from synthgenesis.plugins.fraud import schema, table

COLUMNS = [*schema.REQUIRED, *schema.OPTIONAL]

# Hand-written rows: (id, account, time, amount, currency, merchant, MCC, label, balance before, after).
ROWS = [
    ("000101", "0042-USD", "2024-03-01T08:00:00+09:00", "0.00", "USD", "AMZN Mktp US", "5999", "0", "", ""),
    ("000102", "0042-USD", "2024-03-01T00:30:00Z", "0.01", "USD", "Apple, Inc.", "5818", "0", "", ""),
    (
        "000103",
        "0042-USD",
        "2024-03-01T01:15:00Z",
        "45000.00",
        "USD",
        'Joe\'s "Best" Cars',
        "5511",
        "0",
        "",
        "",
    ),
    ("000104", "0042-USD", "2024-03-01T01:15:00Z", "19.99", "USD", "Corner Vet", "0742", "0", "", ""),
    ("000105", "0042-USD", "2024-03-01 03:00:00", "12.30", "USD", "Farm Co-op", "0763", "1", "", ""),
    (
        "000201",
        "0077-JPY",
        "2024-03-02T10:00:00+09:00",
        "1250000",
        "JPY",
        "Toyota Store",
        "5511",
        "0",
        "",
        "",
    ),
    ("000202", "0077-JPY", "2024-03-02T10:05:00+09:00", "0", "JPY", "Suica", "4111", "0", "", ""),
    ("000203", "0077-JPY", "2024-03-02T12:00:00+09:00", "330", "JPY", "Lawson", "5411", "0", "", ""),
    (
        "000301",
        "0099-KWD",
        "2024-03-03T09:00:00+03:00",
        "12.345",
        "KWD",
        "Sultan Center",
        "5411",
        "0",
        "",
        "",
    ),
    ("000302", "0099-KWD", "2024-03-03T09:30:00+03:00", "0.000", "KWD", "Zain", "4814", "0", "", ""),
    ("000303", "0099-BHD", "2024-03-03T10:00:00+03:00", "7.125", "BHD", "Lulu", "5411", "0", "", ""),
    ("000304", "0099-TND", "2024-03-03T11:00:00+01:00", "35.500", "TND", "Carrefour", "5411", "0", "", ""),
    ("000305", "0099-OMR", "2024-03-03T12:00:00+04:00", "2.750", "OMR", "Shell", "5541", "0", "", ""),
    ("000306", "0099-JOD", "2024-03-03T13:00:00+03:00", "4.100", "JOD", "Zara", "5651", "0", "", ""),
    ("000401", "0123-KRW", "2024-03-04T09:00:00+09:00", "4500", "KRW", "Starbucks", "5814", "0", "", ""),
    ("000402", "0123-CLP", "2024-03-04T09:00:00-03:00", "15990", "CLP", "Lider", "5411", "0", "", ""),
    ("000403", "0123-VND", "2024-03-04T09:00:00+07:00", "55000", "VND", "Grab", "4121", "0", "", ""),
    ("000404", "0123-ISK", "2024-03-04T09:00:00Z", "1290", "ISK", "Bonus", "5411", "0", "", ""),
    ("000405", "0123-INR", "2024-03-04T09:00:00+05:30", "249.50", "INR", "Swiggy", "5812", "0", "", ""),
    ("000406", "0123-HUF", "2024-03-04T09:00:00+01:00", "3490.00", "HUF", "Spar", "5411", "0", "", ""),
    ("000407", "0123-EUR", "2024-03-04T09:00:00+01:00", "60.00", "EUR", "Gardens, Ltd.", "0780", "0", "", ""),
    ("000408", "0123-EUR", "2024-03-04T09:10:00+01:00", "200.00", "EUR", "Geldautomat", "6011", "1", "", ""),
    # balances recorded: debits lower them, an overdraft goes below zero, a zero amount changes nothing
    ("000501", "0500-GBP", "2024-03-05T08:00:00Z", "25.00", "GBP", "Tesco", "5411", "0", "30.00", "5.00"),
    ("000502", "0500-GBP", "2024-03-05T09:00:00Z", "0.00", "GBP", "Netflix", "4899", "0", "5.00", "5.00"),
    ("000503", "0500-GBP", "2024-03-05T10:00:00Z", "12.40", "GBP", "Pret", "5814", "0", "5.00", "-7.40"),
    ("000504", "0500-GBP", "2024-03-05T11:00:00Z", "3.10", "GBP", "TfL", "4111", "0", "-7.40", "-10.50"),
    ("000505", "0500-JPY", "2024-03-05T12:00:00Z", "980", "JPY", "FamilyMart", "5411", "0", "5000", "4020"),
    ("000506", "0500-KWD", "2024-03-05T13:00:00Z", "1.250", "KWD", "Talabat", "5812", "0", "10.000", "8.750"),
]

#: Zero-amount authorisations in the public card table this mirrors.
ZERO_AUTHORISATIONS = 1_825
_ZERO_IN = ("USD", "EUR", "GBP", "JPY", "KWD")


def real_shaped_table() -> pd.DataFrame:
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in ROWS]
    for k in range(ZERO_AUTHORISATIONS):
        currency = _ZERO_IN[k % len(_ZERO_IN)]
        rows.append(
            {
                "transaction_id": f"V{k:06d}",
                "account_id": f"{k:07d}",
                "timestamp": f"2024-03-{1 + k % 28:02d}T{k % 24:02d}:{k % 60:02d}:00Z",
                "amount": {"JPY": "0", "KWD": "0.000"}.get(currency, "0.00"),
                "currency": currency,
                "merchant_id": f"SUBSCRIPTION-{k % 40:03d}",
                "merchant_category": ("4899", "5968", "5815", "7011")[k % 4],
                "is_fraud": "0",
                "balance_before": "",
                "balance_after": "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("real-shaped")
    raw = real_shaped_table()
    csv = folder / "cards.csv"
    raw.to_csv(csv, index=False)
    batch = table.read(csv)
    parquet = folder / "cards.parquet"
    table.write(table.to_storage(batch), parquet)
    return {"csv": csv, "parquet": parquet}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_every_default_rule_accepts_every_row(files: dict[str, Path], kind: str, pm) -> None:
    domain = pm.domain("fraud")
    rules = pm.rules("fraud")
    batch = domain.read(files[kind])
    assert len(batch) == len(ROWS) + ZERO_AUTHORISATIONS
    out = validate_batch(domain, batch, rules)
    rejected = {
        batch["record_id"].iat[i]: reasons for i, reasons in enumerate(out.reasons) if not out.valid[i]
    }
    assert rejected == {}
    assert set(out.stats) == {"read", *rules}
    assert all(st.failed == 0 and st.checked == len(batch) for st in out.stats.values())


def test_the_table_holds_what_it_claims(files: dict[str, Path]) -> None:
    batch = table.read(files["csv"])
    assert int((batch["amount"] == 0).sum()) == ZERO_AUTHORISATIONS + 4  # + 4 hand-written ones
    assert batch["currency"].nunique() == 15
    assert {"0742", "0763", "0780"} <= set(batch["merchant_category"])
    assert batch.loc[batch["transaction_id"] == "000103", "merchant_id"].item() == 'Joe\'s "Best" Cars'
    assert (batch["balance_after"] < 0).sum() == 2


def test_chunks_agree_with_the_whole_read(files: dict[str, Path], pm) -> None:
    domain = pm.domain("fraud")
    for path in files.values():
        chunks = list(domain.read_chunks(path, 500))
        assert [len(c) for c in chunks] == [500, 500, 500, 353]
        whole = domain.read(path)
        pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
