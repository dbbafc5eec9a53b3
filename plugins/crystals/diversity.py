"""Uniqueness and novelty of generated crystals, judged by pymatgen's ``StructureMatcher``.

Two structures are the same crystal when ``StructureMatcher`` (default
tolerances: fractional length 0.2, site 0.3, angle 5°, primitive cells,
volumes scaled) fits one onto the other. It only ever matches structures with
the same reduced composition, so both measures first bucket structures by
reduced formula and compare within a bucket only.

- *uniqueness*: distinct crystals among the samples divided by the number of
  samples (1.0 when no two samples are the same crystal);
- *novelty*: fraction of samples that match no reference structure.

Matching costs milliseconds per pair, so use these on a sample of a few
hundred structures.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pymatgen.core import IStructure
from pymatgen.core.structure_matcher import StructureMatcher


def _matcher(matcher: StructureMatcher | None) -> StructureMatcher:
    return matcher if matcher is not None else StructureMatcher()


def _buckets(structures: Iterable[IStructure]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for k, s in enumerate(structures):
        out[s.composition.reduced_formula].append(k)
    return out


def _fits(matcher: StructureMatcher, a: IStructure, b: IStructure) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spglib/pymatgen chatter on distorted cells
        try:
            return bool(matcher.fit(a, b))
        except Exception:  # a cell the matcher cannot reduce is not the same crystal
            return False


def crystal_groups(structures: Sequence[IStructure], matcher: StructureMatcher | None = None) -> list[int]:
    """A group number per structure (in order of first appearance); equal numbers: the same crystal.

    Greedy, as ``StructureMatcher.group_structures``: each structure joins the
    first earlier group whose first member it matches.
    """
    m = _matcher(matcher)
    heads: dict[str, list[int]] = defaultdict(list)  # reduced formula -> first member of each group
    labels: list[int] = []
    groups = 0
    for k, s in enumerate(structures):
        candidates = heads[s.composition.reduced_formula]
        match = next((h for h in candidates if _fits(m, s, structures[h])), None)
        if match is None:
            candidates.append(k)
            labels.append(groups)
            groups += 1
        else:
            labels.append(labels[match])
    return labels


@dataclass(frozen=True)
class Diversity:
    """Uniqueness and novelty of a set of samples (see the module docstring)."""

    n: int
    distinct: int
    novel: int

    @property
    def uniqueness(self) -> float:
        """Distinct structures over all structures (StructureMatcher groups); NaN for none."""
        return self.distinct / self.n if self.n else float("nan")

    @property
    def novelty(self) -> float:
        """Structures matching no reference structure over all structures; NaN for none."""
        return self.novel / self.n if self.n else float("nan")


def is_novel(
    structures: Sequence[IStructure], reference: Sequence[IStructure], matcher: StructureMatcher | None = None
) -> list[bool]:
    """For each structure, True if it matches no reference structure."""
    m = _matcher(matcher)
    by_formula = _buckets(reference)
    return [
        not any(_fits(m, s, reference[r]) for r in by_formula.get(s.composition.reduced_formula, ()))
        for s in structures
    ]


def diversity(
    structures: Sequence[IStructure], reference: Sequence[IStructure], matcher: StructureMatcher | None = None
) -> Diversity:
    """Count distinct crystals among ``structures`` and those absent from ``reference``."""
    m = _matcher(matcher)
    groups = crystal_groups(structures, m)
    novel = is_novel(structures, reference, m)
    return Diversity(n=len(structures), distinct=len(set(groups)), novel=sum(novel))
