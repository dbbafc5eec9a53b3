"""Domain-agnostic building blocks for tabular generators (used by table domains)."""

from synthgenesis.tabular.bayesnet import ChowLiuNetwork
from synthgenesis.tabular.columns import ColumnModel, infer_columns
from synthgenesis.tabular.copula import GaussianCopula

__all__ = ["ChowLiuNetwork", "ColumnModel", "GaussianCopula", "infer_columns"]
