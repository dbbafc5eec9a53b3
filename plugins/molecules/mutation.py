"""SELFIES mutation (``molecules-selfies``): :class:`SelfiesMutation`.

The generator encodes the reference molecules as SELFIES (Krenn et al. 2020)
and applies random token replacements, insertions and deletions; every
SELFIES string decodes to a molecule, so mutations never produce
unparseable text. ``selfies`` is an optional dependency of the molecules
extra, imported when the generator is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from rdkit import Chem

from synthgenesis._optional import import_optional
from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.molecules.parsing import captured_rdkit_log
from synthgenesis.plugins.molecules.rules import ORGANIC_ELEMENTS
from synthgenesis.plugins.molecules.sampling import (
    DEFAULT_MAX_HEAVY_ATOMS,
    check_int,
    reference_molecules,
    smiles_batch,
    smiles_column,
)
from synthgenesis.types import Generator

ALPHABETS = ("robust", "reference")


def _selfies() -> ModuleType:
    return import_optional("selfies", "molecules", "the molecules-selfies generator")


def _canonical(smiles: str) -> tuple[str, int] | None:
    """Canonical SMILES and heavy-atom count of a SMILES that RDKit sanitizes, else ``None``."""
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol), mol.GetNumHeavyAtoms()


class SelfiesMutation(Generator):
    """Mutate SELFIES strings of reference molecules.

    ``fit`` keeps the reference molecules of at most ``max_heavy_atoms`` heavy
    atoms (largest component, allowed elements) and encodes their canonical
    SMILES as SELFIES; the few that SELFIES cannot encode are left out.

    ``sample`` draws a parent molecule uniformly and applies 1 to
    ``max_mutations`` edits, each a replacement, insertion or deletion (equally
    likely) of one token at a uniform position, with tokens drawn uniformly
    from the alphabet: ``"robust"`` is the semantically robust alphabet of the
    ``selfies`` package (C, N, O, S, P, B, halogens, charges, bonds, branches,
    rings), ``"reference"`` the tokens seen in the reference SELFIES. The
    mutated string is decoded and canonicalised with RDKit. An edit that gives
    back the parent, a molecule over ``max_heavy_atoms`` or one RDKit cannot
    sanitize is drawn again, up to ``tries`` times; after that the parent
    itself is emitted (a copy, which novelty counts against the generator).
    """

    def __init__(
        self,
        *,
        max_mutations: int = 2,
        alphabet: str = "robust",
        max_heavy_atoms: int = DEFAULT_MAX_HEAVY_ATOMS,
        tries: int = 5,
    ) -> None:
        super().__init__()
        _selfies()  # a missing extra is reported when the generator is created
        self.max_mutations = check_int("max_mutations", max_mutations, 1)
        self.max_heavy_atoms = check_int("max_heavy_atoms", max_heavy_atoms, 1)
        self.tries = check_int("tries", tries, 1)
        if alphabet not in ALPHABETS:
            raise ValueError(f"alphabet must be one of {', '.join(ALPHABETS)}, got {alphabet!r}")
        self.alphabet = alphabet
        self.parents: list[tuple[str, str]] = []  # (SELFIES, canonical SMILES)
        self.tokens: list[str] = []
        self._split: list[list[str]] | None = None

    def _fit(self, reference: pd.DataFrame) -> None:
        sf = _selfies()
        parents = []
        for mol in reference_molecules(smiles_column(reference), max_heavy_atoms=self.max_heavy_atoms):
            smiles = Chem.MolToSmiles(mol)
            try:
                parents.append((sf.encoder(smiles, strict=True), smiles))
            except sf.EncoderError:
                continue
        if not parents:
            raise InvalidDataError(
                f"no reference molecule of at most {self.max_heavy_atoms} heavy atoms with only the elements "
                f"{', '.join(ORGANIC_ELEMENTS)} could be encoded as SELFIES"
            )
        if self.alphabet == "robust":
            tokens = set(sf.get_semantic_robust_alphabet())
        else:
            tokens = sf.get_alphabet_from_selfies(s for s, _ in parents)
        self.parents = parents
        self.tokens = sorted(tokens)  # a set's order differs between processes; the state's does not
        self._split = None

    def _mutate(self, tokens: list[str], rng: np.random.Generator) -> list[str]:
        out = list(tokens)
        for _ in range(int(rng.integers(1, self.max_mutations + 1))):
            op = int(rng.integers(3))
            if op == 1 or not out:  # insert
                out.insert(int(rng.integers(len(out) + 1)), self.tokens[int(rng.integers(len(self.tokens)))])
            elif op == 0 or len(out) == 1:  # replace
                out[int(rng.integers(len(out)))] = self.tokens[int(rng.integers(len(self.tokens)))]
            else:  # delete
                del out[int(rng.integers(len(out)))]
        return out

    def _sample(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        sf = _selfies()
        if self._split is None:
            self._split = [list(sf.split_selfies(s)) for s, _ in self.parents]
        out = []
        with captured_rdkit_log():
            for _ in range(n):
                k = int(rng.integers(len(self.parents)))
                parent = self.parents[k][1]
                chosen = parent
                for _ in range(self.tries):
                    try:
                        decoded = sf.decoder("".join(self._mutate(self._split[k], rng)))
                    except sf.DecoderError:
                        continue
                    result = _canonical(decoded)
                    if result is not None and result[0] != parent and result[1] <= self.max_heavy_atoms:
                        chosen = result[0]
                        break
                out.append(chosen)
        return smiles_batch(out)

    def get_state(self) -> dict[str, Any]:
        """Parameters, parent molecules and the token alphabet, as plain JSON values."""
        return {
            "kind": "molecules-selfies",
            "params": {
                "max_mutations": self.max_mutations,
                "alphabet": self.alphabet,
                "max_heavy_atoms": self.max_heavy_atoms,
                "tries": self.tries,
            },
            "parents": [[s, smi] for s, smi in self.parents],
            "tokens": list(self.tokens),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> SelfiesMutation:
        """The fitted generator :meth:`get_state` describes."""
        if state.get("kind") != "molecules-selfies":
            raise InvalidDataError(f"not a molecules-selfies state (kind {state.get('kind')!r})")
        gen = cls(**state["params"])
        gen.parents = [(str(s), str(smi)) for s, smi in state["parents"]]
        gen.tokens = [str(t) for t in state["tokens"]]
        gen._fitted = True
        return gen
