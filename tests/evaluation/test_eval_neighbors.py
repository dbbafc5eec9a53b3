"""Tree and blocked-scan neighbour indexes give identical exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from synthgenesis.evaluation import neighbors
from synthgenesis.evaluation.diversity import compute_prdc
from synthgenesis.evaluation.neighbors import build_index, kth_neighbor_radius

METHODS = ["kd_tree", "ball_tree", "brute"]


def brute_reference(points: np.ndarray, queries: np.ndarray) -> np.ndarray:
    return np.sqrt(((queries[:, None, :] - points[None, :, :]) ** 2).sum(-1))


@pytest.mark.parametrize("method", METHODS)
def test_knn_matches_full_distance_matrix(method: str) -> None:
    rng = np.random.default_rng(0)
    points, queries = rng.normal(size=(120, 5)), rng.normal(size=(40, 5))
    dist, index = build_index(points, method).knn(queries, 4, chunk=7)
    full = brute_reference(points, queries)
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :4], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.take_along_axis(full, index, axis=1), dist, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_within_is_strict_and_counts(method: str) -> None:
    rng = np.random.default_rng(1)
    points, queries = rng.normal(size=(90, 3)), rng.normal(size=(30, 3))
    full = brute_reference(points, queries)
    radii = np.quantile(full, 0.1, axis=1)
    radii[0] = 0.0  # a zero radius contains nothing
    radii[1] = full[1, 5]  # a point exactly at the radius is outside
    covered, counts = build_index(points, method).within(queries, radii, chunk=4)
    inside = full < radii[:, None]
    np.testing.assert_array_equal(counts, inside.sum(axis=1))
    np.testing.assert_array_equal(covered, inside.any(axis=0))
    assert counts[0] == 0


@pytest.mark.parametrize("method", METHODS)
def test_duplicates_and_self_radius(method: str) -> None:
    points = np.array([[0.0, 0.0]] * 3 + [[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]])
    radii = kth_neighbor_radius(build_index(points, method), points, k=2)
    # the three copies find two others at distance 0
    np.testing.assert_allclose(radii, [0.0, 0.0, 0.0, 1.0, 2.0, np.hypot(4.0, 5.0)])
    # the three copies lie exactly at the radius and stay outside; the point itself is in
    covered, counts = build_index(points, method).within(points[3:4], np.array([1.0]))
    assert counts[0] == 1
    np.testing.assert_array_equal(covered, [False, False, False, True, False, False])


def test_small_blocks_give_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(150, 20)), rng.normal(0.2, 1.0, size=(140, 20))
    expected = compute_prdc(real, fake, k=3, method="kd_tree")
    monkeypatch.setattr(neighbors, "BLOCK_BYTES", 8 * 140 * 3)
    assert compute_prdc(real, fake, k=3, method="brute") == expected
    assert compute_prdc(real, fake, k=3) == expected  # 20 dimensions: scan


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown neighbour method"):
        build_index(np.zeros((3, 2)), "annoy")
