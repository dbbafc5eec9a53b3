"""Domain-agnostic building blocks for tabular generators (used by table domains)."""

from synthgenesis.tabular.bayesnet import ChowLiuNetwork
from synthgenesis.tabular.columns import ColumnModel, infer_columns
from synthgenesis.tabular.copula import GaussianCopula
from synthgenesis.tabular.mixture import GaussianMixture

__all__ = ["ChowLiuNetwork", "ColumnModel", "GaussianCopula", "GaussianMixture", "infer_columns"]
