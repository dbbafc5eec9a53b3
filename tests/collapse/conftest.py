from __future__ import annotations

import pandas as pd
import pytest

from synthgenesis.types import Domain


def _unreadable(path: object) -> pd.DataFrame:
    raise NotImplementedError("the test domain has no file format")


def _unwritable(batch: pd.DataFrame, path: object) -> None:
    raise NotImplementedError("the test domain has no file format")


@pytest.fixture
def table_domain() -> Domain:
    """A domain whose samples are plain numeric rows (featurize is the identity)."""
    return Domain(
        name="toy-table",
        description="numeric rows for collapse tests",
        featurize=lambda batch: batch,
        read=_unreadable,
        write=_unwritable,
        formats=(".csv",),
    )
