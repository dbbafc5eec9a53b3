"""Interatomic distances of periodic crystals, including periodic images.

Both the featurizer (``min_distance``) and the clash rule need the shortest
distance between atoms of an infinite crystal: between two sites of the cell,
and between a site and its own periodic image when a lattice vector is short.
pymatgen's neighbour list covers both; this module only chooses a search
radius that is guaranteed to contain the nearest neighbour, and reduces the
lattice first so that skewed cells (common in generated samples) stay cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pymatgen.core import IStructure, Structure

#: Kepler's bound: equal spheres fill at most pi/sqrt(18) of space, so in a
#: periodic arrangement of N points in volume V the nearest-neighbour distance
#: d satisfies N * (pi/6) * d**3 <= (pi/sqrt(18)) * V, i.e. d**3 <= sqrt(2) * V / N.
_KEPLER_FACTOR = math.sqrt(2.0)


class DegenerateLatticeError(ValueError):
    """The lattice has no finite, positive volume, so distances are meaningless."""


@dataclass(frozen=True)
class Pairs:
    """Site pairs within a cutoff, each listed once (``i <= j``; ``i == j`` is a periodic self-image)."""

    i: np.ndarray
    j: np.ndarray
    distance: np.ndarray


def reduced(structure: IStructure) -> IStructure:
    """The structure on its LLL-reduced lattice (same sites, same order).

    Neighbour searches scan every periodic image cell that a sphere can touch;
    in a strongly skewed cell that number explodes. LLL reduction gives a
    nearly orthogonal basis without changing the crystal.
    """
    check_lattice(structure)
    try:
        return structure.get_reduced_structure(reduction_algo="LLL")
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return structure


def check_lattice(structure: IStructure) -> None:
    """Raise :class:`DegenerateLatticeError` if the cell has no usable volume."""
    matrix = np.asarray(structure.lattice.matrix, dtype=float)
    if not np.all(np.isfinite(matrix)):
        raise DegenerateLatticeError("lattice matrix has non-finite entries")
    volume = abs(float(np.linalg.det(matrix)))
    if not volume > 1e-6:
        raise DegenerateLatticeError(f"lattice volume is {volume:.3g} Å³ (degenerate cell)")
    if not np.all(np.isfinite(structure.frac_coords)):
        raise DegenerateLatticeError("site coordinates are not finite")


def pairs_within(structure: IStructure, cutoff: float) -> Pairs:
    """Every pair of sites closer than ``cutoff`` Å, periodic images included.

    ``structure`` should already be reduced (see :func:`reduced`). Pairs of
    distinct sites at the same position (distance 0) are kept: they are the
    worst possible clash.
    """
    centers, points, _images, dists = structure.get_neighbor_list(float(cutoff))
    keep = centers <= points
    return Pairs(np.asarray(centers[keep]), np.asarray(points[keep]), np.asarray(dists[keep], dtype=float))


def nearest_neighbour_bound(structure: IStructure) -> float:
    """A radius that certainly contains every site's nearest neighbour.

    The smaller of Kepler's packing bound and the shortest cell edge (a site's
    image along that edge is a neighbour at exactly that distance).
    """
    n = max(len(structure), 1)
    kepler = (_KEPLER_FACTOR * structure.volume / n) ** (1.0 / 3.0)
    return min(kepler, min(structure.lattice.abc)) * 1.001 + 1e-6


def min_distance(structure: IStructure | Structure) -> float:
    """Shortest interatomic distance in Å over all pairs and periodic images (NaN if undefined)."""
    if len(structure) == 0:
        return math.nan
    try:
        red = reduced(structure)
    except DegenerateLatticeError:
        return math.nan
    pairs = pairs_within(red, nearest_neighbour_bound(red))
    return float(pairs.distance.min()) if len(pairs.distance) else math.nan
