"""Known feature values, missing rows and robustness of the crystal featurizer."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Lattice, Structure

from synthgenesis.plugins.crystals import features, geometry


def test_rock_salt_known_values(make_batch, nacl: Structure) -> None:
    row = features.featurize(make_batch(nacl)).iloc[0]
    assert row["n_sites"] == 8 and row["n_elements"] == 2
    assert row["volume_per_atom"] == pytest.approx(5.64**3 / 8)
    assert row["density"] == pytest.approx(4 * (22.98977 + 35.453) / (5.64**3) / 0.602214076, rel=1e-3)
    assert row["spacegroup_number"] == 225 and row["crystal_system"] == "cubic"
    assert (row["a"], row["alpha"]) == (pytest.approx(5.64), pytest.approx(90.0))
    assert row["electronegativity_mean"] == pytest.approx((0.93 + 3.16) / 2)
    assert row["electronegativity_std"] == pytest.approx((3.16 - 0.93) / 2)
    assert row["atomic_mass_mean"] == pytest.approx((22.98977 + 35.453) / 2, rel=1e-4)
    assert row["min_distance"] == pytest.approx(5.64 / 2)


def test_symmetry_of_other_lattices(make_batch, bcc) -> None:
    hexagonal = Structure(
        Lattice.hexagonal(2.51, 4.07), ["Co", "Co"], [[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]]
    )
    out = features.featurize(make_batch(bcc(), hexagonal))
    assert list(out["spacegroup_number"]) == [229, 194]
    assert list(out["crystal_system"]) == ["cubic", "hexagonal"]
    assert out["min_distance"].iloc[0] == pytest.approx(2.8665 * math.sqrt(3) / 2)


def test_min_distance_includes_self_images() -> None:
    chain = Structure(Lattice.orthorhombic(1.2, 9.0, 9.0), ["C"], [[0, 0, 0]])
    assert geometry.min_distance(chain) == pytest.approx(1.2)
    sparse = Structure(Lattice.cubic(40.0), ["Ar"], [[0, 0, 0]])
    assert geometry.min_distance(sparse) == pytest.approx(40.0)


def test_missing_and_foreign_rows_are_nan_with_same_index(make_batch, nacl: Structure) -> None:
    batch = make_batch(nacl, None, "not a structure", Structure(Lattice.cubic(3.0), [], []))
    batch.index = [10, 20, 30, 40]
    out = features.featurize(batch)
    assert list(out.index) == [10, 20, 30, 40]
    assert list(out.columns) == list(features.FEATURE_COLUMNS)
    assert out.loc[10].notna().all()
    assert out.loc[[20, 30, 40], list(features.NUMERIC_FEATURES)].isna().all().all()
    assert out.loc[[20, 30, 40], "crystal_system"].isna().all()
    assert all(out[c].dtype == float for c in features.NUMERIC_FEATURES)


def test_batch_without_structure_column() -> None:
    out = features.featurize(pd.DataFrame({"x": [1, 2]}))
    assert out.shape == (2, len(features.FEATURE_COLUMNS)) and out["n_sites"].isna().all()


def test_degenerate_cell_gives_nan_not_error(make_batch) -> None:
    flat = Structure(Lattice([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), ["Na"], [[0, 0, 0]])
    out = features.featurize(make_batch(flat))
    assert math.isnan(out["min_distance"].iloc[0])


def test_every_feature_is_described() -> None:
    assert set(features.FEATURE_DESCRIPTIONS) == set(features.FEATURE_COLUMNS)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # pymatgen's Lattice on zero-length vectors
@settings(max_examples=30, deadline=None)
@given(
    matrix=st.lists(st.floats(-10, 10, allow_nan=False), min_size=9, max_size=9),
    n=st.integers(1, 4),
    data=st.data(),
)
def test_random_cells_never_raise(matrix: list[float], n: int, data: st.DataObject) -> None:
    coords = data.draw(st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=n, max_size=n))
    structure = Structure(Lattice(np.array(matrix).reshape(3, 3)), ["O"] * n, coords)
    start = time.perf_counter()
    out = features.featurize(pd.DataFrame({"structure": pd.Series([structure], dtype=object)}))
    assert time.perf_counter() - start < 5.0
    assert out.shape == (1, len(features.FEATURE_COLUMNS))
