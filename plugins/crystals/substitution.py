"""Ionic substitution (``crystals-substitution``): :class:`Substitution`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymatgen.core import IStructure, Structure

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.crystals.charge import charge_balance, oxidation_states
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
from synthgenesis.plugins.crystals.substitution_table import (
    ion_label,
    parse_species_key,
    species_key,
    species_radii,
    substitution_table,
    volume_ratio_from_radii,
)
from synthgenesis.types import Batch, Generator

#: Column listing the substitutions of a ``crystals-substitution`` sample (``Ca2+→Sr2+, O2-→S2-``).
SUBSTITUTION_COLUMN = "substitution"
#: Draws of a prototype whose substitutions all collide before sampling gives up.
MAX_ATTEMPTS = 1000


@dataclass(frozen=True)
class Prototype:
    """A parent with charge-balanced oxidation states and the ions each of its elements may become."""

    parent: Parent
    states: dict[str, int]  # element -> oxidation state in the parent
    counts: dict[str, float]  # element -> atoms in the cell
    substitutable: list[str]  # elements with at least one candidate, in cell order


class Substitution(Generator):
    """Replace ions of a charge-balanced parent by similar ions of the same charge.

    Fit: for every reference structure with at least two elements, the
    oxidation states are those of the first charge-balanced assignment the
    ``crystals-charge-balance`` search finds (pymatgen's most probable by ICSD
    statistics). Parents without one, with a mixed-valence element (a
    non-integer average state), made only of metals, or whose ions have no
    candidate substitute are skipped (:attr:`skipped` counts them by reason).
    The candidates for an ion are the ions the table has observed replacing
    it that have the same charge, belong to another element whose oxidation
    states in the rule include that charge, and have substitution probability
    ``P(new | old) >= threshold``.

    Sample: pick a parent uniformly; pick how many of its substitutable
    elements change (uniformly from 1 to ``max_substituted``, or to all of
    them) and which; for each, in a random order, draw the replacement with
    probability proportional to ``P(new | old)`` among candidates whose element
    is not already in the structure. With ``scale_volume`` the lattice is then
    scaled by reference lattice scaling on the ionic radii of the old and new
    ions (:func:`volume_ratio_from_radii`). The fractional coordinates are the
    parent's.
    """

    def __init__(
        self, *, threshold: float = 1e-3, max_substituted: int | None = None, scale_volume: bool = True
    ) -> None:
        super().__init__()
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold < 1:
            raise ValueError(f"threshold must be a probability in [0, 1), got {threshold!r}")
        if max_substituted is not None and (
            isinstance(max_substituted, bool) or not isinstance(max_substituted, int) or max_substituted < 1
        ):
            raise ValueError(f"max_substituted must be a positive integer or None, got {max_substituted!r}")
        if not isinstance(scale_volume, bool):
            raise ValueError(f"scale_volume must be true or false, got {scale_volume!r}")
        self.threshold = float(threshold)
        self.max_substituted = max_substituted
        self.scale_volume = scale_volume
        self.prototypes: list[Prototype] = []
        #: ion (``Ca2+``) -> [(new element, new ion, P(new | old))], sorted by ion
        self.candidates: dict[str, list[tuple[str, str, float]]] = {}
        #: ion -> (ionic radius, atomic radius) in Å, for every parent ion and candidate
        self.radii: dict[str, tuple[float | None, float | None]] = {}
        #: reference structures not used as parents, counted by reason
        self.skipped: dict[str, int] = {}

    # -- fit

    def _candidates_for(self, symbol: str, charge: int) -> list[tuple[str, str, float]]:
        table = substitution_table()
        old = species_key(symbol, charge)
        found = []
        for new in sorted(table.observed(old)):
            el, ch = parse_species_key(new)
            if el == symbol or ch != charge or charge not in oxidation_states(el):
                continue
            p = table.cond_prob(new, old)
            if p >= self.threshold:
                found.append((el, new, p))
        return found

    def _fit(self, reference: Batch) -> None:
        skipped: Counter[str] = Counter()
        prototypes: list[Prototype] = []
        candidates: dict[str, list[tuple[str, str, float]]] = {}
        radii: dict[str, tuple[float | None, float | None]] = {}
        for rid, structure in reference_structures(reference):
            states, reason = parent_states(structure)
            if reason is not None:
                skipped[reason] += 1
                continue
            elements = list(states)
            substitutable = []
            for el in elements:
                key = species_key(el, states[el]) if states[el] else el
                if states[el] and key not in candidates:
                    candidates[key] = self._candidates_for(el, states[el])
                if states[el] and candidates[key]:
                    substitutable.append(el)
                if key not in radii:
                    radii[key] = (
                        species_radii(el, states[el]) if states[el] else (None, species_radii(el, 1)[1])
                    )
            if not substitutable:
                skipped["no ion with a candidate substitute"] += 1
                continue
            packed = pack_structure(_elements_only(structure))
            counts = {el.symbol: float(n) for el, n in structure.composition.element_composition.items()}
            prototypes.append(Prototype(Parent.from_packed(rid, packed), states, counts, substitutable))
        for options in candidates.values():
            for el, new, _p in options:
                if new not in radii:
                    radii[new] = species_radii(el, parse_species_key(new)[1])
        if not prototypes:
            reasons = ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items())) or "no structures"
            raise InvalidDataError(
                f"crystals-substitution: no reference structure can be a parent ({reasons}); it needs ionic "
                f"compounds of two or more elements with charge-balanced integer oxidation states"
            )
        self.prototypes = prototypes
        self.candidates = {k: v for k, v in sorted(candidates.items()) if v}
        self.radii = dict(sorted(radii.items()))
        self.skipped = dict(sorted(skipped.items()))

    # -- sample

    def _ion(self, proto: Prototype, el: str) -> str:
        state = proto.states[el]
        return species_key(el, state) if state else el

    def _draw(self, proto: Prototype, rng: np.random.Generator) -> dict[str, str]:
        """Element -> replacement ion for one sample of ``proto`` (empty if every draw collided)."""
        k = len(proto.substitutable)
        top = k if self.max_substituted is None else min(k, self.max_substituted)
        m = int(rng.integers(1, top + 1))
        order = rng.permutation(k)[:m]
        present = set(proto.states)
        mapping: dict[str, str] = {}
        for i in order:
            el = proto.substitutable[int(i)]
            options = [c for c in self.candidates[self._ion(proto, el)] if c[0] not in present]
            u = rng.random()
            if not options:
                continue
            cum = np.cumsum([p for _el, _new, p in options])
            j = min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(options) - 1)
            new_el, new_ion, _p = options[j]
            mapping[el] = new_ion
            present.discard(el)
            present.add(new_el)
        return mapping

    def _sample(self, n: int, rng: np.random.Generator) -> Batch:
        rows = []
        for k in range(n):
            for _ in range(MAX_ATTEMPTS):
                proto = self.prototypes[int(rng.integers(len(self.prototypes)))]
                mapping = self._draw(proto, rng)
                if mapping:
                    break
            else:  # pragma: no cover - needs every candidate of every draw to collide
                raise RuntimeError(f"crystals-substitution: no substitution found in {MAX_ATTEMPTS} draws")
            rows.append(self._substitute(proto, mapping, k))
        return sample_batch(rows, (ID_COLUMN, SAMPLE_COLUMN, PARENT_COLUMN, SUBSTITUTION_COLUMN), rng)

    def _substitute(self, proto: Prototype, mapping: Mapping[str, str], k: int) -> dict[str, Any]:
        new_symbol = {el: parse_species_key(ion)[0] for el, ion in mapping.items()}
        species = [_rename(sp, new_symbol) for sp in proto.parent.species]
        matrix = proto.parent.matrix
        if self.scale_volume:
            old = {el: self.radii[self._ion(proto, el)] for el in proto.counts}
            new = {el: self.radii[mapping[el]] if el in mapping else old[el] for el in proto.counts}
            matrix = matrix * volume_ratio_from_radii(proto.counts, old, new) ** (1.0 / 3.0)
        structure = proto.parent.build(matrix, proto.parent.frac, species)
        change = ", ".join(
            f"{ion_label(self._ion(proto, el))}→{ion_label(mapping[el])}"
            for el in proto.states
            if el in mapping
        )
        return {
            ID_COLUMN: sample_record_id(structure, k),
            SAMPLE_COLUMN: structure,
            PARENT_COLUMN: proto.parent.record_id,
            SUBSTITUTION_COLUMN: change,
        }

    # -- state

    def get_state(self) -> dict[str, Any]:
        """Parameters, prototypes, candidates and radii, as plain JSON values."""
        return {
            "kind": "crystals-substitution",
            "version": STATE_VERSION,
            "params": {
                "threshold": self.threshold,
                "max_substituted": self.max_substituted,
                "scale_volume": self.scale_volume,
            },
            "prototypes": [
                {
                    "record_id": p.parent.record_id,
                    "lattice": p.parent.matrix.tolist(),
                    "species": p.parent.species,
                    "frac": p.parent.frac.tolist(),
                    "states": p.states,
                    "counts": p.counts,
                    "substitutable": p.substitutable,
                }
                for p in self.prototypes
            ],
            "candidates": {k: [list(c) for c in v] for k, v in self.candidates.items()},
            "radii": {k: list(v) for k, v in self.radii.items()},
            "skipped": self.skipped,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Substitution:
        """The fitted generator :meth:`get_state` describes."""
        check_state(state, "crystals-substitution")
        gen = cls(**state["params"])
        gen.prototypes = [
            Prototype(
                Parent.from_packed(p["record_id"], p),
                {str(k): int(v) for k, v in p["states"].items()},
                {str(k): float(v) for k, v in p["counts"].items()},
                [str(e) for e in p["substitutable"]],
            )
            for p in state["prototypes"]
        ]
        if not gen.prototypes:
            raise InvalidDataError("crystals-substitution state has no prototypes")
        gen.candidates = {
            str(k): [(str(el), str(ion), float(p)) for el, ion, p in v]
            for k, v in state["candidates"].items()
        }
        gen.radii = {
            str(k): (None if v[0] is None else float(v[0]), None if v[1] is None else float(v[1]))
            for k, v in state["radii"].items()
        }
        gen.skipped = {str(k): int(v) for k, v in state.get("skipped", {}).items()}
        gen._fitted = True
        return gen


def parent_states(structure: IStructure) -> tuple[dict[str, int], str | None]:
    """A parent's integer oxidation states by element (in cell order), or why it cannot be a parent.

    The states are those of the first charge-balanced assignment of the
    ``crystals-charge-balance`` search; a structure of one element, of metals
    only, without a charge-balanced or an integer assignment is refused.
    """
    elements = [el.symbol for el in structure.composition.element_composition]
    if len(elements) < 2:
        return {}, "single element"
    result = charge_balance(structure.composition)
    if result.metallic:
        return {}, "metals only"
    if not result.balanced:
        return {}, "no charge-balanced oxidation states"
    if result.guess is None:
        return {}, "too many atoms per formula unit to assign oxidation states"
    if not all(float(v).is_integer() for v in result.guess.values()):
        return {}, "mixed valence"
    return {el: int(result.guess[el]) for el in elements}, None


def _elements_only(structure: IStructure) -> Structure:
    """The structure with oxidation states removed (species as plain elements)."""
    plain = Structure.from_sites(structure)
    if any(hasattr(sp, "oxi_state") for sp in plain.composition):
        plain.remove_oxidation_states()
    return plain


def _rename(species: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(species, str):
        return mapping.get(species, species)
    return {mapping.get(sp, sp): occu for sp, occu in species.items()}
