"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest
from eval_helpers import FAST

from synthgenesis.evaluation import EvaluationConfig


@pytest.fixture
def fast_config() -> EvaluationConfig:
    return FAST
