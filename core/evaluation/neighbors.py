"""Exact nearest-neighbour queries in chunks, without an N x M distance matrix.

Two interchangeable indexes give the same answers (exact Euclidean distances):

* :class:`TreeIndex` wraps scikit-learn's KD tree (ball tree when asked for in more
  dimensions). Used up to :data:`TREE_MAX_DIMS` dimensions, where trees prune well.
* :class:`BruteIndex` scans the indexed points block by block with matrix products. In
  many dimensions a tree visits nearly every point anyway and is several times slower
  than this scan. Candidate distances from the matrix-product formula are refined:
  neighbours are re-ranked on exactly recomputed distances, and pairs whose distance
  is within rounding error of a radius are recomputed exactly before deciding.

Both bound memory by the chunk of query rows times the number of indexed rows (at most
:data:`BLOCK_BYTES` per block for the scan). "Within a radius" means strictly closer
than the radius, as in the published definitions: a point exactly at the radius is
outside, and a zero radius contains nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
from sklearn.neighbors import BallTree, KDTree

#: Trees are used up to this many dimensions; the blocked scan above it.
TREE_MAX_DIMS = 16
#: Memory of one block of squared distances in the scan.
BLOCK_BYTES = 32 * 2**20
#: Radii are shrunk by this relative amount to turn "<= r" into "strictly < r".
_STRICT = 1.0 - 1e-10
#: Extra candidates taken before exact re-ranking in the scan.
_MARGIN = 4
#: Upper bound on neighbour indices a tree radius query holds at once.
_INDEX_BUDGET = 8_000_000


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, max(1, size)):
        yield slice(start, min(n, start + size))


class NeighborIndex(Protocol):
    """What :func:`build_index` returns: exact k-nearest and within-radius queries in chunks."""

    def knn(self, queries: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest indexed points, nearest first."""

    def within(
        self, queries: np.ndarray, radii: np.ndarray, chunk: int = 2048
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(covered, counts)`` for balls of ``radii`` around ``queries``.

        ``covered[j]``: indexed point ``j`` lies strictly inside at least one ball;
        ``counts[i]``: number of indexed points strictly inside the ball of query ``i``.
        """


class TreeIndex:
    """KD tree (or ball tree) index of a point set."""

    def __init__(self, points: np.ndarray, ball: bool = False) -> None:
        self.points = np.ascontiguousarray(points, dtype=float)
        self.tree = (BallTree if ball else KDTree)(self.points, leaf_size=40)

    def knn(self, queries: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest indexed points, nearest first."""
        n = len(queries)
        dist, index = np.empty((n, k)), np.empty((n, k), dtype=np.int64)
        for part in _chunks(n, chunk):
            dist[part], index[part] = self.tree.query(queries[part], k=k)
        return dist, index

    def within(
        self, queries: np.ndarray, radii: np.ndarray, chunk: int = 2048
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(covered, counts)`` for balls of ``radii`` around ``queries`` (see :class:`NeighborIndex`)."""
        covered = np.zeros(len(self.points), dtype=bool)
        counts = np.zeros(len(queries), dtype=np.int64)
        shrunk = np.asarray(radii, dtype=float) * _STRICT
        active = np.flatnonzero(shrunk > 0)
        step = max(1, min(chunk, _INDEX_BUDGET // max(1, len(self.points))))
        for part in _chunks(len(active), step):
            rows = active[part]
            found = self.tree.query_radius(queries[rows], r=shrunk[rows])
            counts[rows] = [len(f) for f in found]
            if len(found):
                covered[np.concatenate(list(found))] = True
        return covered, counts


class BruteIndex:
    """Blocked exact scan over a point set."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = np.ascontiguousarray(points, dtype=float)
        self.sq = np.einsum("ij,ij->i", self.points, self.points)

    def _rows(self, chunk: int) -> int:
        return max(1, min(chunk, BLOCK_BYTES // (8 * max(1, len(self.points)))))

    def _sq_dist(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        block_sq = np.einsum("ij,ij->i", block, block)
        approx = block_sq[:, None] + self.sq[None, :] - 2.0 * (block @ self.points.T)
        np.maximum(approx, 0.0, out=approx)
        return approx, block_sq

    def _exact(self, block: np.ndarray, index: np.ndarray) -> np.ndarray:
        diff = block[:, None, :] - self.points[index]
        return np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))

    def knn(self, queries: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest indexed points, nearest first (exact re-ranking)."""
        n, m = len(queries), len(self.points)
        if k > m:
            raise ValueError(f"asked for {k} neighbours of {m} points")
        take = min(m, k + _MARGIN)
        dist, index = np.empty((n, k)), np.empty((n, k), dtype=np.int64)
        for part in _chunks(n, self._rows(chunk)):
            block = queries[part]
            approx, _ = self._sq_dist(block)
            if take < m:
                candidates = np.argpartition(approx, take - 1, axis=1)[:, :take]
            else:
                candidates = np.broadcast_to(np.arange(m), (len(block), m))
            exact = self._exact(block, candidates)
            order = np.lexsort((candidates, exact), axis=1)[:, :k]
            dist[part] = np.take_along_axis(exact, order, axis=1)
            index[part] = np.take_along_axis(candidates, order, axis=1)
        return dist, index

    def within(
        self, queries: np.ndarray, radii: np.ndarray, chunk: int = 2048
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(covered, counts)`` for balls of ``radii`` around ``queries`` (see :class:`NeighborIndex`)."""
        covered = np.zeros(len(self.points), dtype=bool)
        counts = np.zeros(len(queries), dtype=np.int64)
        shrunk = np.asarray(radii, dtype=float) * _STRICT
        active = np.flatnonzero(shrunk > 0)
        for part in _chunks(len(active), self._rows(chunk)):
            rows = active[part]
            block = queries[rows]
            gap, block_sq = self._sq_dist(block)
            limit = (shrunk[rows] ** 2)[:, None]
            # The rounding error of the matrix-product formula is far below this band;
            # pairs inside the band are decided on exactly recomputed distances.
            tol = 1e-9 * (float(block_sq.max()) + float(self.sq.max())) + 1e-300
            gap -= limit
            inside = gap < -tol
            np.abs(gap, out=gap)
            unsure = gap <= tol
            if unsure.any():
                unsure_i, unsure_j = np.nonzero(unsure)
                diff = block[unsure_i] - self.points[unsure_j]
                exact = np.einsum("ij,ij->i", diff, diff)
                inside[unsure_i, unsure_j] = exact <= limit[unsure_i, 0]
            counts[rows] = inside.sum(axis=1)
            covered |= inside.any(axis=0)
        return covered, counts


def build_index(points: np.ndarray, method: str = "auto") -> NeighborIndex:
    """A tree index up to :data:`TREE_MAX_DIMS` dimensions, the blocked scan above.

    ``method`` forces ``"kd_tree"``, ``"ball_tree"`` or ``"brute"``.
    """
    if method == "auto":
        method = "kd_tree" if points.shape[1] <= TREE_MAX_DIMS else "brute"
    if method == "kd_tree":
        return TreeIndex(points)
    if method == "ball_tree":
        return TreeIndex(points, ball=True)
    if method == "brute":
        return BruteIndex(points)
    raise ValueError(f"unknown neighbour method {method!r}; use auto, kd_tree, ball_tree, brute")


def kth_neighbor_radius(index: NeighborIndex, points: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Distance from each indexed point to its k-th nearest *other* indexed point.

    ``points`` must be the points the index was built on: each finds itself at distance
    0, so the (k+1)-th neighbour is the k-th other one.
    """
    dist, _ = index.knn(points, k + 1, chunk)
    return dist[:, k]
