"""Lattice and coordinate perturbation (``crystals-perturbation``): :class:`Perturbation`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.crystals.formats import ID_COLUMN, SAMPLE_COLUMN
from synthgenesis.plugins.crystals.parents import (
    PARENT_COLUMN,
    STATE_VERSION,
    Parent,
    check_state,
    pack_structure,
    reference_structures,
    sample_batch,
    sample_record_id,
)
from synthgenesis.types import Batch, Generator


class Perturbation(Generator):
    """Strain a parent's lattice and jitter its atoms; the composition is kept.

    For each sample a parent is picked uniformly; its lattice matrix (rows are
    the lattice vectors) is multiplied by ``I + e``, where ``e`` is a symmetric
    matrix with entries ``(g + g.T) / 2`` for ``g`` standard normal times
    ``strain``; then every atom moves by a Cartesian displacement drawn from
    ``N(0, sigma²)`` per axis (``sigma`` in Å). Fractional coordinates are
    wrapped into the cell.
    """

    def __init__(self, *, sigma: float = 0.05, strain: float = 0.02) -> None:
        super().__init__()
        for name, value in (("sigma", sigma), ("strain", strain)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        self.sigma = float(sigma)
        self.strain = float(strain)
        self.parents: list[Parent] = []

    def _fit(self, reference: Batch) -> None:
        found = reference_structures(reference)
        if not found:
            raise InvalidDataError("crystals-perturbation: the reference holds no usable structure")
        self.parents = [Parent.from_packed(rid, pack_structure(s)) for rid, s in found]

    def _sample(self, n: int, rng: np.random.Generator) -> Batch:
        picks = rng.integers(len(self.parents), size=n)
        strains = rng.normal(0.0, 1.0, size=(n, 3, 3)) * self.strain
        sizes = np.array([len(self.parents[p].species) for p in picks], dtype=np.int64)
        noise = rng.normal(0.0, 1.0, size=(int(sizes.sum()), 3)) * self.sigma
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        rows = []
        for k, p in enumerate(picks):
            parent = self.parents[p]
            e = (strains[k] + strains[k].T) / 2.0
            matrix = parent.matrix @ (np.eye(3) + e)
            shift = noise[offsets[k] : offsets[k + 1]] @ _inverse(matrix)
            structure = parent.build(matrix, np.mod(parent.frac + shift, 1.0))
            rows.append(
                {
                    ID_COLUMN: sample_record_id(structure, k),
                    SAMPLE_COLUMN: structure,
                    PARENT_COLUMN: parent.record_id,
                }
            )
        return sample_batch(rows, (ID_COLUMN, SAMPLE_COLUMN, PARENT_COLUMN), rng)

    def get_state(self) -> dict[str, Any]:
        """Parameters and parents, as plain JSON values."""
        return {
            "kind": "crystals-perturbation",
            "version": STATE_VERSION,
            "params": {"sigma": self.sigma, "strain": self.strain},
            "parents": [
                {
                    "record_id": p.record_id,
                    "lattice": p.matrix.tolist(),
                    "species": p.species,
                    "frac": p.frac.tolist(),
                }
                for p in self.parents
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Perturbation:
        """The fitted generator :meth:`get_state` describes."""
        check_state(state, "crystals-perturbation")
        gen = cls(**state["params"])
        gen.parents = [Parent.from_packed(p["record_id"], p) for p in state["parents"]]
        if not gen.parents:
            raise InvalidDataError("crystals-perturbation state has no parents")
        gen._fitted = True
        return gen


def _inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a lattice matrix; a singular (collapsed) cell gets a pseudo-inverse."""
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(matrix)
