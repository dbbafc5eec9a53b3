"""Interatomic distances of periodic crystals, including periodic images.

Both the featurizer (``min_distance``) and the clash rule need the shortest
distance between atoms of an infinite crystal: between two sites of the cell,
and between a site and its own periodic image when a lattice vector is short.
pymatgen's neighbour list covers both; this module chooses a search radius
that is guaranteed to contain the nearest neighbour, reduces the lattice
first so that skewed cells (common in generated samples) stay cheap, and
refuses cells so dense or thin that the search itself would take minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pymatgen.core import IStructure, Structure

#: Most periodic images a neighbour search may generate. More only happens for
#: cells far denser or thinner than any crystal (the 288 AFLOW prototypes need
#: at most about 600), where the search would take minutes.
MAX_SEARCH_WORK = 2_000_000
#: Kepler's bound: equal spheres fill at most pi/sqrt(18) of space, so in a
#: periodic arrangement of N points in volume V the nearest-neighbour distance
#: d satisfies N * (pi/6) * d**3 <= (pi/sqrt(18)) * V, i.e. d**3 <= sqrt(2) * V / N.
_KEPLER_FACTOR = math.sqrt(2.0)


class DegenerateLatticeError(ValueError):
    """The lattice has no finite, positive volume, so distances are meaningless."""


@dataclass(frozen=True)
class Pairs:
    """Site pairs within a cutoff, each listed once.

    ``i <= j``; ``i == j`` is a site and one of its periodic images.
    """

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
    worst possible clash. Raises :class:`DegenerateLatticeError` when the cell
    is so dense or thin that the search would generate more than
    :data:`MAX_SEARCH_WORK` periodic images.
    """
    work = search_work(structure, cutoff)
    if work > MAX_SEARCH_WORK:
        raise DegenerateLatticeError(
            f"cell too dense or too thin for a neighbour search ({work:.3g} periodic images to scan; "
            f"interplanar spacing {min(interplanar_spacings(structure)):.3g} Å)"
        )
    centers, points, images, dists = structure.get_neighbor_list(float(cutoff))
    images = np.asarray(images).reshape(-1, 3)
    # Each pair appears twice (i->j at +image, j->i at -image); keep one of the two.
    nonzero = images != 0
    first = np.argmax(nonzero, axis=1)
    sign = np.where(nonzero.any(axis=1), images[np.arange(len(images)), first], 0)
    keep = (centers < points) | ((centers == points) & (sign > 0))
    return Pairs(np.asarray(centers[keep]), np.asarray(points[keep]), np.asarray(dists[keep], dtype=float))


def interplanar_spacings(structure: IStructure) -> np.ndarray:
    """Distances between adjacent lattice planes spanned by each pair of cell vectors (V / |b x c| ...)."""
    m = np.asarray(structure.lattice.matrix, dtype=float)
    volume = abs(float(np.linalg.det(m)))
    areas = np.linalg.norm(np.cross(m[[1, 2, 0]], m[[2, 0, 1]]), axis=1)
    return volume / np.where(areas > 0, areas, np.inf)


def search_work(structure: IStructure, cutoff: float) -> float:
    """Periodic images pymatgen's neighbour search would generate and bin for ``cutoff``.

    pymatgen searches at least 1 Å (smaller radii are searched at 1 Å and
    filtered), over every image cell the sphere can reach, keeping the images
    within ``radius`` of the sites' bounding box.
    """
    radius = max(float(cutoff), 1.0)
    spacing = interplanar_spacings(structure)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        cells = float(np.prod(2.0 * np.ceil(radius / spacing) + 1.0))
        cart = np.asarray(structure.cart_coords, dtype=float)
        box = float(np.prod(cart.max(axis=0) - cart.min(axis=0) + 2.0 * radius))
        kept = len(structure) * box / structure.volume
    return max(cells, kept) if np.isfinite(cells) and np.isfinite(kept) else math.inf


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
    try:
        pairs = pairs_within(red, nearest_neighbour_bound(red))
    except DegenerateLatticeError:
        return math.nan
    return float(pairs.distance.min()) if len(pairs.distance) else math.nan
