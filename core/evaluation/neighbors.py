"""Nearest-neighbour queries on a tree index, in chunks, without an N x M distance matrix.

Distances are exact Euclidean distances computed by scikit-learn's KD tree (up to 16
dimensions) or ball tree (more dimensions). Queries run over chunks of rows so memory
stays bounded by the chunk size, never by the product of the table sizes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeAlias

import numpy as np
from sklearn.neighbors import BallTree, KDTree

Tree: TypeAlias = KDTree | BallTree

#: Radius queries shrink radii by this relative amount, so "within" means strictly closer
#: than the radius, as in the published definitions (a point at exactly the radius is out).
_STRICT = 1.0 - 1e-10
#: Upper bound on neighbour indices held at once by :func:`covered_within`.
_INDEX_BUDGET = 8_000_000


def build_tree(points: np.ndarray) -> Tree:
    """A KD tree for low-dimensional points, a ball tree otherwise."""
    points = np.ascontiguousarray(points, dtype=float)
    if points.shape[1] <= 16:
        return KDTree(points, leaf_size=40)
    return BallTree(points, leaf_size=40)


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, max(1, size)):
        yield slice(start, min(n, start + size))


def knn(
    tree: Tree, queries: np.ndarray, k: int, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest indexed points of every query row."""
    n = len(queries)
    dist = np.empty((n, k))
    index = np.empty((n, k), dtype=np.int64)
    for part in _chunks(n, chunk):
        d, i = tree.query(queries[part], k=k)
        dist[part], index[part] = d, i
    return dist, index


def kth_neighbor_radius(tree: Tree, points: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Distance from each indexed point to its k-th nearest *other* indexed point.

    ``points`` must be the points the tree was built on; each point finds itself at
    distance 0, so the (k+1)-th neighbour is the k-th other one.
    """
    dist, _ = knn(tree, points, k + 1, chunk)
    return dist[:, k]


def covered_within(
    tree: Tree, n_indexed: int, queries: np.ndarray, radii: np.ndarray, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """For balls of ``radii`` around ``queries``: which indexed points fall in any, and counts.

    Returns ``(covered, counts)``: ``covered[j]`` is True when indexed point ``j`` is strictly
    inside the ball of at least one query; ``counts[i]`` is the number of indexed points
    strictly inside the ball of query ``i``.
    """
    covered = np.zeros(n_indexed, dtype=bool)
    counts = np.zeros(len(queries), dtype=np.int64)
    radii = np.asarray(radii, dtype=float) * _STRICT
    active = np.flatnonzero(radii > 0)
    step = max(1, min(chunk, _INDEX_BUDGET // max(1, n_indexed)))
    for part in _chunks(len(active), step):
        rows = active[part]
        found = tree.query_radius(queries[rows], r=radii[rows])
        counts[rows] = [len(f) for f in found]
        if len(found):
            covered[np.concatenate(list(found))] = True
    return covered, counts
