"""Data makers shared by the evaluation tests. Every table is built from a fixed seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgenesis.evaluation import EvaluationConfig


def mixed_table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Two correlated numeric columns, a categorical with a rare level, a binary label."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, n)
    x2 = 0.6 * x1 + rng.normal(0.0, 0.8, n)
    colour = rng.choice(["red", "green", "blue", "violet"], size=n, p=[0.5, 0.3, 0.17, 0.03])
    group = rng.choice(["A", "B"], size=n)
    label = (x1 + 0.5 * (group == "B") + rng.normal(0.0, 1.0, n) > 0.6).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "group": group, "label": label})


def clusters(n: int, seed: int, centres: list[int] | None = None) -> pd.DataFrame:
    """Rows around four well separated centres in 3 dimensions (or only ``centres``)."""
    rng = np.random.default_rng(seed)
    grid = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]], dtype=float)
    chosen = rng.choice(centres if centres is not None else [0, 1, 2, 3], size=n)
    points = grid[chosen] + rng.normal(0.0, 1.0, (n, 3))
    return pd.DataFrame(points, columns=["a", "b", "c"])


#: Small hybrid grid and two repeats keep utility tests fast.
FAST = EvaluationConfig(
    utility_seeds=2,
    hybrid_real_fractions=(0.5, 1.0),
    hybrid_synthetic_multipliers=(0.0, 1.0),
    detection_importance_repeats=2,
)
