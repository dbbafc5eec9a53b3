"""Fixtures of the evaluation tests."""

from __future__ import annotations

import os

# HistGradientBoosting's OpenMP threads slow down sharply when the cores are busy; the
# test tables are small, so one thread is as fast and keeps the run time steady.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
from eval_helpers import FAST

from synthgenesis.evaluation import EvaluationConfig


@pytest.fixture
def fast_config() -> EvaluationConfig:
    return FAST
