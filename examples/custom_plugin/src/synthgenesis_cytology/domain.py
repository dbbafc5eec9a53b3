"""The ``cytology`` domain: one row per fine-needle aspirate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from synthgenesis import Domain, InvalidDataError, ReferenceDataset
from synthgenesis.io import read_table, write_table

FEATURES = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave_points",
    "symmetry",
    "fractal_dimension",
)
STATS = ("mean", "se", "worst")
COLUMNS = [f"{f}_{s}" for s in STATS for f in FEATURES]


def _column_name(sklearn_name: str) -> str:
    """'mean concave points' -> 'concave_points_mean'; 'radius error' -> 'radius_se'."""
    if sklearn_name.endswith(" error"):
        return sklearn_name.removesuffix(" error").replace(" ", "_") + "_se"
    stat, feature = sklearn_name.split(" ", 1)
    return f"{feature.replace(' ', '_')}_{stat}"


def load_wdbc() -> pd.DataFrame:
    """Wisconsin Diagnostic Breast Cancer: 569 aspirates, 30 measurements, diagnosis."""
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer(as_frame=True)
    frame = raw.frame.rename(columns={c: _column_name(c) for c in raw.feature_names})
    # scikit-learn codes 0 = malignant, 1 = benign.
    frame["malignant"] = (frame.pop("target") == 0).astype("int64")
    return frame[[*COLUMNS, "malignant"]]


def read(path: Path) -> pd.DataFrame:
    """A CSV or Parquet table of aspirates; refused, naming the columns, if measurements are missing."""
    table = read_table(path)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InvalidDataError(
            f"{path}: missing cytology columns {', '.join(missing[:5])}"
            + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        )
    return table


def write(batch: pd.DataFrame, path: Path) -> None:
    """Write the batch as CSV or Parquet, by the suffix of ``path``."""
    write_table(batch, path)


DOMAIN = Domain(
    name="cytology",
    description="Breast-mass fine-needle aspirates: 30 measurements of cell nuclei and the diagnosis",
    featurize=lambda batch: batch[[c for c in [*COLUMNS, "malignant"] if c in batch.columns]],
    read=read,
    write=write,
    formats=(".csv", ".parquet"),
    sample_type="table row (one aspirate)",
    schema={c: "nuclear measurement (mean, standard error or worst of the cells)" for c in COLUMNS}
    | {"malignant": "1 if the mass was malignant"},
    reference_datasets=(
        ReferenceDataset(
            name="wdbc",
            domain="cytology",
            load=load_wdbc,
            description="Wisconsin Diagnostic Breast Cancer, 569 aspirates",
            licence="distributed with scikit-learn (BSD-3-Clause); UCI Machine Learning Repository",
            citation="Street WN, Wolberg WH, Mangasarian OL (1993) Proc. SPIE 1905:861-870",
            target="malignant",
        ),
    ),
)
