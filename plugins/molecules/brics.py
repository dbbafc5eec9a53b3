"""BRICS fragment recombination (``molecules-brics``): :class:`BricsRecombination`.

The generator cuts the reference molecules at their BRICS bonds (Degen et
al. 2008) into a fragment library with counts, then joins fragments at
compatible attachment points following the BRICS linking rules until a
target size drawn from the reference's size distribution is reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import BRICS

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.molecules.parsing import captured_rdkit_log
from synthgenesis.plugins.molecules.rules import ORGANIC_ELEMENTS
from synthgenesis.plugins.molecules.sampling import (
    DEFAULT_MAX_HEAVY_ATOMS,
    check_int,
    reference_molecules,
    smiles_batch,
    smiles_column,
    weighted_index,
)
from synthgenesis.types import Generator


@cache
def brics_partners() -> dict[int, tuple[int, ...]]:
    """Which BRICS attachment labels may be joined, from RDKit's BRICS reaction definitions.

    Labels are the isotopes of the dummy atoms that ``BRICS.BreakBRICSBonds``
    leaves (``[16*]c1ccccc1``); the two sides of the double bond ``7a``/``7b``
    are both labelled 7.
    """
    partners: dict[int, set[int]] = {}
    for group in BRICS.reactionDefs:
        for left, right, _ in group:
            a, b = int(left.rstrip("ab")), int(right.rstrip("ab"))
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    return {label: tuple(sorted(p)) for label, p in sorted(partners.items())}


def brics_fragments(mol: Chem.Mol) -> list[str]:
    """Canonical SMILES of the pieces of ``mol`` cut at every BRICS bond, labelled dummy atoms included."""
    pieces = Chem.GetMolFrags(BRICS.BreakBRICSBonds(mol), asMols=True, sanitizeFrags=False)
    return [Chem.MolToSmiles(piece) for piece in pieces]


@dataclass(frozen=True)
class _Fragment:
    mol: Chem.Mol
    heavy: int  # heavy atoms (dummy atoms have atomic number 0 and are not counted)
    dummies: tuple[tuple[int, int], ...]  # (atom index, BRICS label)


@dataclass(frozen=True)
class _Candidates:
    """Every (fragment, dummy atom) that can join an attachment point of one label."""

    fragment: np.ndarray
    dummy: np.ndarray
    weight: np.ndarray
    heavy: np.ndarray
    terminal: np.ndarray  # the fragment has this one attachment point only
    extra: np.ndarray  # expected cost of closing the fragment's other attachment points


class BricsRecombination(Generator):
    """Recombine BRICS fragments of the reference molecules.

    ``fit`` cuts every reference molecule at its BRICS bonds and counts the
    resulting fragments (dummy atoms ``[n*]`` mark the attachment points and
    their BRICS environment ``n``), and records the reference's heavy-atom
    counts. Fragments without attachment points (molecules with no BRICS
    bond) cannot be joined and are left out, as are fragments seen fewer than
    ``min_fragment_count`` times.

    ``sample`` builds each molecule from a target size drawn from the
    reference sizes (at most ``max_heavy_atoms``) and a start fragment drawn
    with weight ``count ** count_power`` among those whose expected size fits
    the target. Open attachment points are filled first in, first out, by
    fragments (same weights) whose attachment label BRICS allows to join it.
    Each open point is counted at the mean size of the single-attachment
    fragments that could close it; while a fragment with further attachment
    points brings the expected size nearer the target than closing the point
    would, the molecule grows, otherwise a single-attachment fragment closes
    the point, and a point nothing can close within ``max_heavy_atoms`` is
    capped with hydrogen. Joined pairs of dummy atoms are zipped into bonds by
    ``Chem.molzip`` (which keeps stereocentres), the molecule is sanitized and
    written as canonical SMILES. A molecule that does not sanitize is written
    unsanitized so that the domain's rules report it.
    """

    def __init__(
        self,
        *,
        max_heavy_atoms: int = DEFAULT_MAX_HEAVY_ATOMS,
        min_fragment_count: int = 1,
        count_power: float = 1.0,
    ) -> None:
        super().__init__()
        self.max_heavy_atoms = check_int("max_heavy_atoms", max_heavy_atoms, 1)
        self.min_fragment_count = check_int("min_fragment_count", min_fragment_count, 1)
        if isinstance(count_power, bool) or not isinstance(count_power, (int, float)) or count_power < 0:
            raise ValueError(f"count_power must be a number >= 0, got {count_power!r}")
        self.count_power = float(count_power)
        self.fragments: list[tuple[str, int]] = []
        self.sizes: list[tuple[int, int]] = []
        self._index: _BricsIndex | None = None

    def _fit(self, reference: pd.DataFrame) -> None:
        mols = reference_molecules(smiles_column(reference))
        if not mols:
            raise InvalidDataError(
                "no reference molecule RDKit can sanitize with only the elements "
                f"{', '.join(ORGANIC_ELEMENTS)}; nothing to fragment"
            )
        counts: Counter[str] = Counter()
        sizes: Counter[int] = Counter()
        with captured_rdkit_log():
            for mol in mols:
                sizes[mol.GetNumHeavyAtoms()] += 1
                counts.update(brics_fragments(mol))
        fragments = sorted(
            (smi, c) for smi, c in counts.items() if c >= self.min_fragment_count and "*" in smi
        )
        if not fragments:
            raise InvalidDataError(
                f"the {len(mols)} usable reference molecules have no BRICS fragment with an attachment "
                f"point seen at least {self.min_fragment_count} time(s); nothing to recombine"
            )
        self.fragments = fragments
        self.sizes = sorted(sizes.items())
        self._index = None

    @property
    def index(self) -> _BricsIndex:
        """The parsed fragment library, built once per generator."""
        if self._index is None:
            self._index = _BricsIndex(self.fragments, self.sizes, self.max_heavy_atoms, self.count_power)
        return self._index

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        index = self.index
        with captured_rdkit_log():
            return smiles_batch([index.build(rng) for _ in range(n)])

    def get_state(self) -> dict[str, Any]:
        """Parameters, fragment counts and reference sizes, as plain JSON values."""
        return {
            "kind": "molecules-brics",
            "params": {
                "max_heavy_atoms": self.max_heavy_atoms,
                "min_fragment_count": self.min_fragment_count,
                "count_power": self.count_power,
            },
            "fragments": [[smi, c] for smi, c in self.fragments],
            "sizes": [[s, c] for s, c in self.sizes],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> BricsRecombination:
        """The fitted generator :meth:`get_state` describes."""
        if state.get("kind") != "molecules-brics":
            raise InvalidDataError(f"not a molecules-brics state (kind {state.get('kind')!r})")
        gen = cls(**state["params"])
        gen.fragments = [(str(smi), int(c)) for smi, c in state["fragments"]]
        gen.sizes = [(int(s), int(c)) for s, c in state["sizes"]]
        gen._fitted = True
        return gen


class _BricsIndex:
    """Parsed fragments and, per attachment label, the fragments that can join it.

    ``cost(label)`` is the expected size of closing an attachment point of
    ``label``: the mean heavy-atom count (by weight) of the single-attachment
    fragments that can join it. Growth uses it to aim at the target size.
    """

    def __init__(
        self,
        fragments: Sequence[tuple[str, int]],
        sizes: Sequence[tuple[int, int]],
        max_heavy: int,
        power: float,
    ) -> None:
        self.max_heavy = max_heavy
        self.fragments: list[_Fragment] = []
        with captured_rdkit_log():
            for smi, _ in fragments:
                mol = Chem.MolFromSmiles(smi, sanitize=False)
                if mol is None:
                    raise InvalidDataError(f"BRICS fragment {smi!r} in the state does not parse")
                dummies = tuple((a.GetIdx(), a.GetIsotope()) for a in mol.GetAtoms() if a.GetAtomicNum() == 0)
                self.fragments.append(_Fragment(mol, mol.GetNumHeavyAtoms(), dummies))
        weights = np.array([c for _, c in fragments], dtype=float) ** power
        self.size_values = np.array([min(s, max_heavy) for s, _ in sizes])
        self.size_cumulative = np.cumsum(np.array([c for _, c in sizes], dtype=float))

        partners = brics_partners()
        joins: dict[int, list[tuple[int, int]]] = {}
        for k, frag in enumerate(self.fragments):
            for atom, label in frag.dummies:
                for partner in partners.get(label, ()):
                    joins.setdefault(partner, []).append((k, atom))
        self.close_cost: dict[int, float] = {}
        for label, pairs in joins.items():
            closing = [k for k, _ in pairs if len(self.fragments[k].dummies) == 1]
            if closing:
                heavy = [self.fragments[k].heavy for k in closing]
                self.close_cost[label] = float(np.average(heavy, weights=weights[closing]))

        def open_cost(k: int, skip: int | None = None) -> float:
            return sum(self.cost(lab) for a, lab in self.fragments[k].dummies if a != skip)

        self.candidates: dict[int, _Candidates] = {}
        for label, pairs in joins.items():
            ks = np.array([k for k, _ in pairs])
            self.candidates[label] = _Candidates(
                fragment=ks,
                dummy=np.array([a for _, a in pairs]),
                weight=weights[ks],
                heavy=np.array([self.fragments[k].heavy for k in ks]),
                terminal=np.array([len(self.fragments[k].dummies) == 1 for k in ks]),
                extra=np.array([open_cost(k, a) for k, a in pairs]),
            )
        starts = [k for k, f in enumerate(self.fragments) if f.heavy <= max_heavy]
        if not starts:
            raise InvalidDataError(f"no BRICS fragment has at most {max_heavy} heavy atoms")
        self.starts = np.array(starts)
        self.start_weight = weights[self.starts]
        self.start_expected = np.array([self.fragments[k].heavy + open_cost(k) for k in starts])

    def cost(self, label: int) -> float:
        """Expected heavy atoms that closing an attachment point of ``label`` adds (0: it is capped)."""
        return self.close_cost.get(label, 0.0)

    def _draw(self, rng: np.random.Generator, weight: np.ndarray, masks: Iterable[np.ndarray]) -> int | None:
        """Index drawn by ``weight`` among the first mask that admits anything, else None."""
        for mask in masks:
            cumulative = np.cumsum(np.where(mask, weight, 0.0))
            if cumulative[-1] > 0:
                return weighted_index(rng, cumulative)
        return None

    def _choose(
        self, rng: np.random.Generator, label: int, heavy: int, room: float
    ) -> tuple[int, int] | None:
        """A (fragment, dummy atom) to join an attachment point of ``label``, or None to cap it.

        ``room`` is how many heavy atoms this attachment point may still bring
        in. While it exceeds the cost of closing the point, the molecule grows:
        a fragment with further attachment points whose atoms plus the
        expected cost of closing them fit in ``room``. Otherwise (or if none
        fits) a single-attachment fragment closes the point: one that fits in
        ``room`` if any, else any that keeps the molecule within ``max_heavy``.
        """
        cand = self.candidates.get(label)
        if cand is None:
            return None
        masks = []
        closing = self.cost(label)
        if room > closing:  # growing gets nearer the target than closing for fragments up to 2 room - closing
            masks.append(~cand.terminal & (cand.heavy + cand.extra <= 2 * room - closing))
        masks.append(cand.terminal & (cand.heavy <= self.max_heavy - heavy))
        k = self._draw(rng, cand.weight, masks)
        return None if k is None else (int(cand.fragment[k]), int(cand.dummy[k]))

    def build(self, rng: np.random.Generator) -> str:
        """One molecule as canonical SMILES (unsanitized SMILES if it does not sanitize)."""
        target = int(self.size_values[weighted_index(rng, self.size_cumulative)])
        start = self._draw(rng, self.start_weight, [self.start_expected <= target, self.start_weight > 0])
        first = self.fragments[int(self.starts[start or 0])]
        mol = Chem.RWMol(first.mol)
        heavy = first.heavy
        pending = list(first.dummies)
        capped: list[int] = []
        links = 0
        while pending:
            atom, label = pending.pop(0)
            room = target - heavy - sum(self.cost(lab) for _, lab in pending)
            choice = self._choose(rng, label, heavy, room)
            if choice is None:
                capped.append(atom)
                continue
            k, partner = choice
            frag = self.fragments[k]
            offset = mol.GetNumAtoms()
            mol.InsertMol(frag.mol)
            links += 1
            mol.GetAtomWithIdx(atom).SetAtomMapNum(links)
            mol.GetAtomWithIdx(offset + partner).SetAtomMapNum(links)
            heavy += frag.heavy
            pending.extend((offset + a, lab) for a, lab in frag.dummies if a != partner)
        if capped:
            _cap_with_hydrogen(mol, capped)
        out = Chem.molzip(mol) if links else Chem.Mol(mol)
        if Chem.SanitizeMol(out, catchErrors=True) != Chem.SanitizeFlags.SANITIZE_NONE:
            out.UpdatePropertyCache(strict=False)
        return Chem.MolToSmiles(out)


def _cap_with_hydrogen(mol: Chem.RWMol, dummies: list[int]) -> None:
    """Remove the dummy atoms ``dummies``, giving each neighbour the hydrogen(s) the bond stood for.

    Atoms whose hydrogen count is fixed (bracket atoms such as ``[nH]`` or
    ``[N+]``, aromatic heteroatoms) get explicit hydrogens; the others get
    theirs back as implicit hydrogens when the molecule is sanitized.
    """
    for idx in dummies:
        dummy = mol.GetAtomWithIdx(idx)
        for bond in dummy.GetBonds():
            neighbour = bond.GetOtherAtom(dummy)
            if neighbour.GetNoImplicit() or (neighbour.GetIsAromatic() and neighbour.GetAtomicNum() != 6):
                order = int(bond.GetBondTypeAsDouble())
                neighbour.SetNumExplicitHs(neighbour.GetNumExplicitHs() + order)
    mol.BeginBatchEdit()
    for idx in dummies:
        mol.RemoveAtom(idx)
    mol.CommitBatchEdit()
