"""A tree-structured Bayesian network over discretised columns (Chow-Liu).

Every column is discretised — numbers into quantile bins, categories as they
are, and a missing value as a state of its own — and the network is the
maximum-weight spanning tree of pairwise mutual information (Chow and Liu,
1968), the dependence tree that best approximates the joint distribution.
Sampling is ancestral: the root first, then each column given its parent's
state. A numeric value is drawn inside its bin from the bin's own quantiles,
so multi-modal marginals and the conditional structure between columns
(a lab value given the arm, an outcome given a score) are kept, which a
Gaussian copula smooths over.

The state is conditional probability tables and bin quantiles: JSON, no raw
records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from synthgenesis.tabular.columns import Kind, _py, datetime_ns, infer_kind
from synthgenesis.types import Generator

MISSING = "__missing__"


@dataclass
class Discrete:
    """How one column maps to states and back."""

    name: str
    kind: Kind
    states: list[Any] = field(default_factory=list)  # categories, or bin indices for numbers
    edges: list[float] = field(default_factory=list)  # bin edges for numbers
    within: list[list[float]] = field(default_factory=list)  # quantiles inside each bin
    has_missing: bool = False
    timezone: str | None = None

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (binned) rather than categories."""
        return self.kind in ("numeric", "integer", "datetime")

    @property
    def n_states(self) -> int:
        """Number of states, the missing state included."""
        return len(self.states) + int(self.has_missing)

    def _values(self, series: pd.Series) -> np.ndarray:
        if self.kind == "datetime":
            return datetime_ns(series)
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)

    @classmethod
    def fit(cls, series: pd.Series, bins: int, categorical_threshold: int, knots: int) -> Discrete:
        """Discretise ``series``: categories as states, numbers in quantile bins."""
        kind = infer_kind(series, categorical_threshold)
        has_missing = bool(series.isna().any())
        present = series.dropna()
        if len(present) == 0:
            raise ValueError(f"column {series.name!r} has no values; drop it or fill it before fitting")
        col = cls(str(series.name), kind, has_missing=has_missing)
        if not col.numeric:
            col.states = [_py(v) for v in present.value_counts().index]
            return col
        if kind == "datetime":
            tz = pd.to_datetime(present).dt.tz
            col.timezone = str(tz) if tz is not None else None
        x = col._values(present)
        edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
        if len(edges) == 1:
            edges = np.array([edges[0], edges[0]])
        col.edges = edges.tolist()
        codes = col._bin(x)
        col.states = list(range(len(edges) - 1))
        probs = np.linspace(0, 1, knots)
        col.within = [
            np.quantile(x[codes == b], probs).tolist() if (codes == b).any() else [edges[b], edges[b + 1]]
            for b in col.states
        ]
        return col

    def _bin(self, x: np.ndarray) -> np.ndarray:
        inner = np.asarray(self.edges[1:-1])
        return np.searchsorted(inner, x, side="right")

    def encode(self, series: pd.Series) -> np.ndarray:
        """State index of every value (missing -> the last state)."""
        missing = series.isna().to_numpy()
        codes = np.zeros(len(series), dtype=np.int64)
        if self.numeric:
            x = self._values(series)
            codes[~missing] = self._bin(x[~missing])
        else:
            index = {s: i for i, s in enumerate(self.states)}
            codes[~missing] = [index.get(_py(v), 0) for v in series[~missing]]
        codes[missing] = len(self.states)
        return codes

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        """Values for state codes: categories as they are, numbers drawn within their bin."""
        missing = codes >= len(self.states)
        n = len(codes)
        if not self.numeric:
            cats = np.empty(len(self.states) + 1, dtype=object)
            cats[: len(self.states)] = self.states
            cats[-1] = None
            values = pd.Series(cats[codes], name=self.name)
            if self.kind == "boolean":
                return values.astype("boolean") if missing.any() else values.astype(bool)
            if all(isinstance(s, int) and not isinstance(s, bool) for s in self.states):
                return values.astype("Int64") if missing.any() else values.astype(np.int64)
            return values
        x = np.full(n, np.nan)
        u = rng.uniform(size=n)
        for b in range(len(self.states)):
            rows = np.flatnonzero(codes == b)
            if len(rows):
                knots = np.asarray(self.within[b])
                x[rows] = np.interp(u[rows], np.linspace(0, 1, len(knots)), knots)
        if self.kind == "integer":
            out = pd.Series(np.rint(x), name=self.name)
            return out.astype("Int64") if missing.any() else out.astype(np.int64)
        if self.kind == "datetime":
            ints = pd.array(np.where(missing, 0, np.rint(x)).astype("int64"))
            dt = pd.Series(pd.to_datetime(ints, utc=self.timezone is not None), name=self.name)
            return dt.mask(missing)
        return pd.Series(x, name=self.name)

    def to_dict(self) -> dict[str, Any]:
        """The discretisation as plain data (for the generator state)."""
        return asdict(self)


def mutual_information(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> float:
    """Mutual information (nats) of two discrete arrays from their contingency table."""
    joint = np.zeros((ka, kb))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


class ChowLiuNetwork(Generator):
    """Bayesian network whose structure is the Chow-Liu dependence tree.

    Parameters
    ----------
    bins:
        quantile bins per numeric column (fewer for columns with fewer distinct values).
    categorical_threshold:
        integer columns with at most this many distinct values are categories.
    alpha:
        Dirichlet smoothing of the conditional tables; 0 keeps only observed combinations.
    exclude:
        identifier columns left out and regenerated as 1..n.
    """

    def __init__(
        self,
        *,
        bins: int = 20,
        categorical_threshold: int = 10,
        alpha: float = 0.0,
        knots: int = 11,
        exclude: tuple[str, ...] | list[str] = (),
    ) -> None:
        super().__init__()
        if bins < 1 or knots < 2 or alpha < 0:
            raise ValueError("bins >= 1, knots >= 2 and alpha >= 0 are required")
        self.bins, self.categorical_threshold, self.alpha, self.knots = (
            bins,
            categorical_threshold,
            alpha,
            knots,
        )
        self.exclude = tuple(exclude)
        self.columns: list[Discrete] = []
        self.column_order: list[str] = []
        self.order: list[int] = []
        self.parents: list[int] = []
        self.tables: list[list[list[float]]] = []

    def _fit(self, reference: pd.DataFrame) -> None:
        self.column_order = list(reference.columns)
        table = reference.drop(columns=[c for c in self.exclude if c in reference.columns])
        self.columns = [
            Discrete.fit(table[c], self.bins, self.categorical_threshold, self.knots) for c in table.columns
        ]
        codes = [col.encode(table[col.name]) for col in self.columns]
        d = len(self.columns)
        mi = np.zeros((d, d))
        for i in range(d):
            for j in range(i + 1, d):
                mi[i, j] = mutual_information(
                    codes[i], codes[j], self.columns[i].n_states, self.columns[j].n_states
                )
        root = 0
        if d > 1:
            # The minimum spanning tree of (max MI + 1 - MI) is the maximum-MI tree; every
            # weight is positive so that no pair, however independent, reads as "no edge".
            weights = np.triu(mi.max() + 1.0 - mi, k=1)
            tree = minimum_spanning_tree(weights)
            sym = tree + tree.T
            strength = (mi + mi.T).sum(axis=1)
            root = int(np.argmax(strength))
            order, preds = breadth_first_order(sym, root, directed=False, return_predecessors=True)
            self.order = [int(o) for o in order]
            self.parents = [int(p) if p >= 0 else -1 for p in preds]
        else:
            self.order, self.parents = list(range(d)), [-1] * d
        self.tables = []
        for i, col in enumerate(self.columns):
            p = self.parents[i]
            kp = 1 if p < 0 else self.columns[p].n_states
            counts = np.full((kp, col.n_states), self.alpha)
            parent_codes = np.zeros(len(codes[i]), dtype=np.int64) if p < 0 else codes[p]
            np.add.at(counts, (parent_codes, codes[i]), 1.0)
            totals = counts.sum(axis=1, keepdims=True)
            # A parent state never seen with this column falls back to the column's marginal.
            marginal = np.bincount(codes[i], minlength=col.n_states) / len(codes[i])
            probs = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), marginal)
            self.tables.append(probs.tolist())

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        states: dict[int, np.ndarray] = {}
        for i in self.order:
            probs = np.asarray(self.tables[i])
            p = self.parents[i]
            rows = probs[np.zeros(n, dtype=np.int64) if p < 0 else states[p]]
            cum = np.cumsum(rows, axis=1)
            u = rng.uniform(size=(n, 1)) * cum[:, -1:]
            states[i] = np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)
        frame = pd.DataFrame(
            {
                col.name: col.decode(states[i], rng).reset_index(drop=True)
                for i, col in enumerate(self.columns)
            },
            index=range(n),
        )
        for name in self.exclude:
            if name in self.column_order:
                frame[name] = np.arange(1, n + 1)
        return frame[[c for c in self.column_order if c in frame.columns]]

    def edges(self) -> list[tuple[str, str]]:
        """(parent, child) column pairs of the learned tree."""
        return [(self.columns[p].name, self.columns[i].name) for i, p in enumerate(self.parents) if p >= 0]

    def get_state(self) -> dict[str, Any]:
        """Parameters and fitted tables as plain data (no pickle)."""
        return {
            "kind": "chow-liu-network",
            "params": {
                "bins": self.bins,
                "categorical_threshold": self.categorical_threshold,
                "alpha": self.alpha,
                "knots": self.knots,
                "exclude": list(self.exclude),
            },
            "column_order": self.column_order,
            "columns": [c.to_dict() for c in self.columns],
            "order": self.order,
            "parents": self.parents,
            "tables": self.tables,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ChowLiuNetwork:
        """Rebuild a fitted network from :meth:`get_state`."""
        gen = cls(**state["params"])
        gen.column_order = list(state["column_order"])
        gen.columns = [Discrete(**c) for c in state["columns"]]
        gen.order, gen.parents = list(state["order"]), list(state["parents"])
        gen.tables = [list(t) for t in state["tables"]]
        gen._fitted = True
        return gen
