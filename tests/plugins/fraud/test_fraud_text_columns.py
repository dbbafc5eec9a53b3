"""Text coercion and the MCC rule take a fast path for columns that are text already: same answers."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

from synthgenesis.plugins.fraud.rules import MerchantCategoryFormat
from synthgenesis.plugins.fraud.schema import _text_value, as_text

# text with the characters that matter: digits, letters, ASCII and Unicode whitespace, NUL, Arabic digits
TEXT = st.text(alphabet=st.sampled_from(list("07ab \t\n\x00\u00a0\u3000\u0663-")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=12), st.sampled_from(["object", "string"]))
def test_text_columns_coerce_as_value_by_value(values: list[str], dtype: str) -> None:
    series = pd.Series(values, dtype=dtype, index=range(5, 5 + len(values)))
    out = as_text(series)
    assert out.dtype == object and list(out.index) == list(series.index)
    assert out.tolist() == [_text_value(v) for v in values]
    assert series.tolist() == values  # the input column is left as it was


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.none()), max_size=12))
def test_string_dtype_with_missing_values(values: list[str | None]) -> None:
    out = as_text(pd.Series(values, dtype="string"))
    assert out.tolist() == [_text_value(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_mcc_rule_agrees_with_a_character_check(values: list[str]) -> None:
    batch = pd.DataFrame(
        {"transaction_id": [f"T{i}" for i in range(len(values))], "merchant_category": values}
    )
    mask = MerchantCategoryFormat().check(batch).mask
    expected = [len(v) == 4 and v.isascii() and v.isdigit() for v in values]
    assert mask.tolist() == expected
