"""Generators of the ``crystals`` domain: ionic substitution and lattice/coordinate perturbation.

Both learn a set of parent structures from the reference batch and make each
new crystal from one parent picked at random:

- :class:`Substitution` (``crystals-substitution``) keeps a parent's geometry
  and replaces some of its ions by chemically similar ions of the same charge,
  drawn from the data-mined substitution probabilities of Hautier et al.
  (2011) that ship with pymatgen, then rescales the cell to the volume the new
  ionic radii call for (pymatgen's reference lattice scaling). The parent's
  charge-balanced oxidation states are found with the same search as the
  ``crystals-charge-balance`` rule, and only substitutions by ions whose charge
  is among the new element's oxidation states in that rule are drawn, so every
  sample is charge balanced by construction.
- :class:`Perturbation` (``crystals-perturbation``) keeps a parent's
  composition and applies a small random symmetric strain to the lattice and
  Gaussian noise to the atomic positions.

Everything random is drawn from the ``rng`` given to ``_sample``. The fitted
state is plain JSON (parents as lattice matrix, species and fractional
coordinates; substitution candidates with their probabilities and radii), so
block-engine workers rebuild a generator without pymatgen's substitution table.
"""

from __future__ import annotations

import functools
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import DummySpecies, Element, IStructure, Lattice, Species, Structure

from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.crystals.charge import charge_balance, oxidation_states
from synthgenesis.plugins.crystals.formats import ID_COLUMN, SAMPLE_COLUMN
from synthgenesis.plugins.crystals.reference import pymatgen_data_file
from synthgenesis.types import Batch, Generator

#: Column naming the reference record each sample was made from.
PARENT_COLUMN = "parent"
#: Column listing the substitutions of a ``crystals-substitution`` sample (``Ca2+→Sr2+, O2-→S2-``).
SUBSTITUTION_COLUMN = "substitution"
#: pymatgen's table of substitution weights (Hautier et al. 2011), relative to the package root.
LAMBDA_FILE = ("core", "structure_prediction", "data", "lambda.json")
#: Weight of a species pair never observed to substitute (pymatgen's ``alpha`` default).
UNOBSERVED_LAMBDA = -5.0
#: Draws of a prototype whose substitutions all collide before sampling gives up.
MAX_ATTEMPTS = 1000
STATE_VERSION = 1
_SPECIES = re.compile(r"^([A-Z][a-z]?)(\d*)([+-])$")


# ----------------------------------------------------------------------------- parents


def pack_structure(structure: IStructure) -> dict[str, Any]:
    """Lattice matrix, per-site species (a string, or ``{species: occupancy}``) and fractional coordinates."""
    species: list[Any] = []
    for site in structure:
        if site.is_ordered:
            species.append(str(site.specie))
        else:
            species.append({str(sp): float(occu) for sp, occu in site.species.items()})
    return {
        "lattice": np.asarray(structure.lattice.matrix, dtype=float).tolist(),
        "species": species,
        "frac": np.asarray(structure.frac_coords, dtype=float).tolist(),
    }


@dataclass(frozen=True)
class Parent:
    """A reference structure in the arrays sampling needs."""

    record_id: str
    matrix: np.ndarray
    species: list[Any]
    frac: np.ndarray

    @classmethod
    def from_packed(cls, record_id: str, packed: Mapping[str, Any]) -> Parent:
        matrix = np.asarray(packed["lattice"], dtype=float).reshape(3, 3)
        frac = np.asarray(packed["frac"], dtype=float).reshape(-1, 3)
        return cls(str(record_id), matrix, list(packed["species"]), frac)

    def build(self, matrix: np.ndarray, frac: np.ndarray, species: Sequence[Any] | None = None) -> Structure:
        return Structure(Lattice(matrix), list(self.species if species is None else species), frac)


def reference_structures(reference: Batch) -> list[tuple[str, IStructure]]:
    """``(record id, structure)`` of every reference row holding a structure of chemical elements.

    Rows without a structure (read errors) and structures with dummy species
    (unknown symbols) cannot be parents and are left out.
    """
    if SAMPLE_COLUMN not in reference.columns:
        raise InvalidDataError(f"crystal reference has no {SAMPLE_COLUMN!r} column")
    ids = (
        reference[ID_COLUMN].tolist()
        if ID_COLUMN in reference.columns
        else [f"#{k}" for k in range(len(reference))]
    )
    out = []
    for rid, structure in zip(ids, reference[SAMPLE_COLUMN].tolist(), strict=True):
        if not isinstance(structure, IStructure) or len(structure) == 0:
            continue
        if any(isinstance(sp, DummySpecies) for sp in structure.composition):
            continue
        out.append((str(rid), structure))
    return out


def _batch(rows: list[dict[str, Any]], columns: Sequence[str], rng: np.random.Generator) -> Batch:
    """The rows as a batch; record ids get a tag drawn last from ``rng``, so draws do not share ids."""
    tag = f"{int(rng.integers(16**6)):06x}"
    for row in rows:
        row[ID_COLUMN] = f"{row[ID_COLUMN]}-{tag}"
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(dict.fromkeys(columns, object))


def _record_id(structure: Structure, k: int) -> str:
    return f"{structure.composition.reduced_formula}-{k + 1}"


# ----------------------------------------------------------------------------- perturbation


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
                    ID_COLUMN: _record_id(structure, k),
                    SAMPLE_COLUMN: structure,
                    PARENT_COLUMN: parent.record_id,
                }
            )
        return _batch(rows, (ID_COLUMN, SAMPLE_COLUMN, PARENT_COLUMN), rng)

    def get_state(self) -> dict[str, Any]:
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
        _check_state(state, "crystals-perturbation")
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


def _check_state(state: Mapping[str, Any], kind: str) -> None:
    if not isinstance(state, Mapping) or state.get("kind") != kind:
        found = state.get("kind") if isinstance(state, Mapping) else type(state).__name__
        raise InvalidDataError(f"not a {kind} state (kind {found!r})")
    if state.get("version") != STATE_VERSION:
        raise InvalidDataError(f"{kind} state version {state.get('version')!r}; expected {STATE_VERSION}")


# ----------------------------------------------------------------------------- substitution table


def species_key(symbol: str, charge: int) -> str:
    """The notation of pymatgen's substitution table: ``Na1+``, ``O2-``."""
    return f"{symbol}{abs(charge)}{'+' if charge > 0 else '-'}"


def parse_species_key(key: str) -> tuple[str, int]:
    """``("O", -2)`` from ``"O2-"``."""
    match = _SPECIES.match(key)
    if not match:
        raise ValueError(f"not a species of the substitution table: {key!r}")
    charge = int(match.group(2) or 1)
    return match.group(1), charge if match.group(3) == "+" else -charge


def ion_label(key: str) -> str:
    """pymatgen's notation for a table species: ``Na+`` for ``Na1+``, ``O2-`` unchanged."""
    match = _SPECIES.match(key)
    if not match:
        return key
    digits = "" if match.group(2) in ("", "1") else match.group(2)
    return f"{match.group(1)}{digits}{match.group(3)}"


@dataclass(frozen=True)
class SubstitutionTable:
    """pymatgen's ionic substitution weights: ``P(new | old) = exp(lambda(new, old)) / p(old)``.

    ``p(old)`` sums ``exp(lambda(t, old))`` over every species ``t`` of the
    table, unobserved pairs weighing ``exp(-5)``, exactly as
    ``pymatgen...SubstitutionProbability.cond_prob`` computes it.
    """

    weights: Mapping[str, Mapping[str, float]]
    normaliser: Mapping[str, float]

    def cond_prob(self, new: str, old: str) -> float:
        """Probability that ``old`` is replaced by ``new`` (table notation, e.g. ``Sr2+``, ``Ca2+``)."""
        if old not in self.normaliser:
            return 0.0
        return math.exp(self.weights[old].get(new, UNOBSERVED_LAMBDA)) / self.normaliser[old]

    def observed(self, old: str) -> Mapping[str, float]:
        """Species observed to replace ``old``, with their weights ``lambda``."""
        return self.weights.get(old, {})


@functools.cache
def substitution_table() -> SubstitutionTable:
    """The table of Hautier et al. (2011) shipped with pymatgen, without deuterium (as pymatgen reads it)."""
    path = pymatgen_data_file(*LAMBDA_FILE)
    rows = json.loads(path.read_text(encoding="utf-8"))
    weights: dict[str, dict[str, float]] = {}
    for a, b, value in rows:
        if "D1+" in (a, b):
            continue
        weights.setdefault(a, {})[b] = float(value)
        weights.setdefault(b, {})[a] = float(value)
    species = sorted(weights)
    unobserved = math.exp(UNOBSERVED_LAMBDA)
    normaliser = {}
    for s in species:
        seen = weights[s]
        normaliser[s] = sum(math.exp(v) for v in seen.values()) + unobserved * (len(species) - len(seen))
    return SubstitutionTable(weights, normaliser)


def species_radii(symbol: str, charge: int) -> tuple[float | None, float | None]:
    """Ionic radius of the ion (pymatgen's Shannon-based ``Species.ionic_radius``) and atomic radius, Å."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns where no ionic radius is tabulated
        try:
            ionic = Species(symbol, charge).ionic_radius
        except (ValueError, KeyError):
            ionic = None
        atomic = Element(symbol).atomic_radius
    return (None if ionic is None else float(ionic)), (None if atomic is None else float(atomic))


def volume_ratio_from_radii(
    counts: Mapping[str, float],
    old: Mapping[str, tuple[float | None, float | None]],
    new: Mapping[str, tuple[float | None, float | None]],
) -> float:
    """Reference lattice scaling: ``V_new / V_old = (sum r_new n^(1/3) / sum r_old n^(1/3))**3``.

    ``counts`` maps each parent element to its number of atoms in the cell,
    ``old``/``new`` map it to the (ionic, atomic) radii of the parent's ion and
    its replacement. Ionic radii are used if every ion on both sides has one,
    else atomic radii, as in pymatgen's ``RLSVolumePredictor``
    (``radii_type="ionic-atomic"``); if neither is complete the volume is kept.
    """
    for which in (0, 1):
        radii_old = [old[el][which] for el in counts]
        radii_new = [new[el][which] for el in counts]
        if any(r is None for r in radii_old + radii_new):
            continue
        weights = [n ** (1.0 / 3.0) for n in counts.values()]
        num = sum(r * w for r, w in zip(radii_new, weights, strict=True))  # type: ignore[operator]
        den = sum(r * w for r, w in zip(radii_old, weights, strict=True))  # type: ignore[operator]
        if den > 0 and num > 0:
            return (num / den) ** 3
    return 1.0


# ----------------------------------------------------------------------------- substitution


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
            elements = [el.symbol for el in structure.composition.element_composition]
            if len(elements) < 2:
                skipped["single element"] += 1
                continue
            result = charge_balance(structure.composition)
            if result.metallic:
                skipped["metals only"] += 1
                continue
            if not result.balanced:
                skipped["no charge-balanced oxidation states"] += 1
                continue
            if result.guess is None:
                skipped["too many atoms per formula unit to assign oxidation states"] += 1
                continue
            if not all(float(v).is_integer() for v in result.guess.values()):
                skipped["mixed valence"] += 1
                continue
            states = {el: int(result.guess[el]) for el in elements}
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
        return _batch(rows, (ID_COLUMN, SAMPLE_COLUMN, PARENT_COLUMN, SUBSTITUTION_COLUMN), rng)

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
            ID_COLUMN: _record_id(structure, k),
            SAMPLE_COLUMN: structure,
            PARENT_COLUMN: proto.parent.record_id,
            SUBSTITUTION_COLUMN: change,
        }

    # -- state

    def get_state(self) -> dict[str, Any]:
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
        _check_state(state, "crystals-substitution")
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


# ----------------------------------------------------------------------------- factories


def substitution(
    *, threshold: float = 1e-3, max_substituted: int | None = None, scale_volume: bool = True
) -> Substitution:
    """Data-mined ionic substitution (Hautier et al. 2011) on charge-balanced parents, volume rescaled."""
    return Substitution(threshold=threshold, max_substituted=max_substituted, scale_volume=scale_volume)


def perturbation(*, sigma: float = 0.05, strain: float = 0.02) -> Perturbation:
    """Random symmetric lattice strain (``strain``) and Gaussian atomic displacements (``sigma``, Å)."""
    return Perturbation(sigma=sigma, strain=strain)
