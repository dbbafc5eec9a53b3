"""Basic physical validity rules for crystal structures.

Four default rules that every crystal, real or generated, should pass:

- ``crystals-elements``: every species is a chemical element;
- ``crystals-min-distance``: no two atoms (periodic images included) closer
  than max(0.5 Å, 0.5 × the sum of their covalent radii);
- ``crystals-charge-neutrality``: SMACT's compositional validity, the test
  the crystal-generation literature reports: a neutral assignment of known
  oxidation states that passes Pauling's electronegativity test, single
  elements and all-metal compositions excepted;
- ``crystals-volume-per-atom``: the cell volume per atom lies in a physical range.

and one opt-in rule, the stricter ionic check:

- ``crystals-charge-balance``: a neutral assignment of ICSD-observed or
  common oxidation states only. It rejects real compounds that SMACT's
  definition accepts (LiAlO3, CaYO3 and KBO3 perovskites need a state outside
  those lists), so it is not a default; name it to use it.

Every rule judges one structure at a time (a :class:`~synthgenesis.rules.SampleRule`
on the domain's ``structure`` column). None of them can be repaired: moving
atoms or changing the composition would invent a different crystal.
"""

from __future__ import annotations

import functools
import math
import warnings
from abc import abstractmethod
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core import Composition, DummySpecies, Element, IStructure

from synthgenesis.plugins.crystals.charge import (
    OXIDATION_STATE_SETS,
    OxidationStateSet,
    charge_balance,
    charge_neutrality,
)
from synthgenesis.plugins.crystals.formats import SAMPLE_COLUMN
from synthgenesis.plugins.crystals.geometry import (
    DegenerateLatticeError,
    check_lattice,
    nearest_neighbour_bound,
    pairs_within,
    reduced,
)
from synthgenesis.rules import RuleSpec, SampleRule

DOMAIN = "crystals"
NO_SAMPLE = "no sample (read error)"
#: Expected neighbours per atom within the clash cutoff above which a cell is
#: rejected without listing pairs (real solids have about ten within 2.5 Å).
MAX_NEIGHBOURS = 10_000


def as_structure(sample: Any) -> tuple[IStructure | None, str | None]:
    """The sample as a non-empty structure, or the reason it is not one."""
    if sample is None or sample is pd.NA or (isinstance(sample, float) and math.isnan(sample)):
        return None, NO_SAMPLE
    if not isinstance(sample, IStructure):
        return None, f"sample is a {type(sample).__name__}, not a pymatgen Structure"
    if len(sample) == 0:
        return None, "structure has no sites"
    return sample, None


def dummy_species(structure: IStructure) -> list[str]:
    """Species that are not chemical elements (pymatgen turns unknown CIF symbols into these)."""
    return sorted({sp.symbol for sp in structure.composition if isinstance(sp, DummySpecies)})


# ----------------------------------------------------------------------------- radii


@functools.cache
def _covalent_radii() -> dict[str, float]:
    from pymatgen.analysis.molecule_structure_comparator import CovalentRadius

    return {str(k): float(v) for k, v in CovalentRadius.radius.items()}


def covalent_radius(symbol: str) -> float:
    """Cordero et al. (2008) covalent radius in Å; else pymatgen's atomic radius; else NaN."""
    table = _covalent_radii()
    if symbol in table:
        return table[symbol]
    try:
        radius = Element(symbol).atomic_radius
    except ValueError:
        return math.nan
    return float(radius) if radius is not None else math.nan


def site_radius(site: Any) -> float:
    """Occupancy-weighted covalent radius of a (possibly disordered) site."""
    total = 0.0
    weight = 0.0
    for species, occu in site.species.items():
        r = covalent_radius(getattr(species, "symbol", str(species)))
        if math.isnan(r):
            return math.nan
        total += r * occu
        weight += occu
    return total / weight if weight > 0 else math.nan


# ----------------------------------------------------------------------------- rules


class StructureRule(SampleRule):
    """A rule on one structure of the ``structure`` column; rows without a structure fail it."""

    sample_column = SAMPLE_COLUMN

    def _validate(self, sample: Any) -> str | None:
        structure, reason = as_structure(sample)
        if structure is None:
            return reason
        return self.structure_reason(structure)

    @abstractmethod
    def structure_reason(self, structure: IStructure) -> str | None:
        """Why ``structure`` fails the rule, or ``None`` when it passes."""


class MinDistance(StructureRule):
    """Fail structures with atoms closer than ``max(absolute, relative × (r_i + r_j))``.

    ``absolute`` (Å) is the fixed floor used by CDVAE-style validity checks;
    ``relative`` scales the sum of the two covalent radii, which catches
    clashes between large atoms that a fixed 0.5 Å would miss (two Cs atoms
    2 Å apart). Pairs of partially occupied sites whose occupancies add up to
    at most 1 are alternative positions of one atom (split sites in
    experimental CIFs) and are not clashes.
    """

    def __init__(self, absolute: float = 0.5, relative: float = 0.5) -> None:
        if absolute < 0 or relative < 0:
            raise ValueError("absolute and relative thresholds must be non-negative")
        self.absolute = float(absolute)
        self.relative = float(relative)

    def structure_reason(self, structure: IStructure) -> str | None:
        """The closest clashing pair described, or ``None`` when no atoms clash."""
        try:
            red = reduced(structure)
        except DegenerateLatticeError as exc:
            return str(exc)
        radii = np.array([site_radius(site) for site in red])
        occupancy = np.array([site.species.num_atoms for site in red])
        largest = float(np.nanmax(radii)) if np.isfinite(radii).any() else 0.0
        cutoff = max(self.absolute, self.relative * 2.0 * largest) + 1e-6
        density = len(red) / red.volume
        if density * 4.0 / 3.0 * math.pi * cutoff**3 > MAX_NEIGHBOURS:
            # Far denser than any solid: enumerating the pairs would take minutes, and
            # Kepler's packing bound already proves that some atoms nearly coincide.
            return (
                f"{len(red)} sites in {red.volume:.3g} Å³ ({density:.3g} atoms/Å³): "
                f"some pair must be closer than {nearest_neighbour_bound(red):.3g} Å"
            )
        try:
            pairs = pairs_within(red, cutoff)
        except DegenerateLatticeError as exc:
            return str(exc)
        if len(pairs.distance) == 0:
            return None
        rsum = radii[pairs.i] + radii[pairs.j]
        threshold = np.where(np.isnan(rsum), self.absolute, np.fmax(self.absolute, self.relative * rsum))
        split = (
            (pairs.i != pairs.j)
            & (occupancy[pairs.i] < 1.0)
            & (occupancy[pairs.j] < 1.0)
            & (occupancy[pairs.i] + occupancy[pairs.j] <= 1.0 + 1e-6)
        )
        bad = (pairs.distance < threshold) & ~split
        if not bad.any():
            return None
        idx = np.flatnonzero(bad)
        worst = idx[np.argmin(pairs.distance[idx] / threshold[idx])]
        return self._describe(red, pairs.i[worst], pairs.j[worst], pairs.distance[worst], radii, len(idx))

    def _describe(
        self, structure: IStructure, i: int, j: int, d: float, radii: np.ndarray, n_bad: int
    ) -> str:
        si, sj = structure[i].species_string, structure[j].species_string
        who = (
            f"site {i} ({si}) and its own periodic image"
            if i == j
            else f"site {i} ({si}) and site {j} ({sj})"
        )
        rel = self.relative * (radii[i] + radii[j])
        if np.isfinite(rel) and rel > self.absolute:
            limit = f"{rel:.2f} Å = {self.relative:g} × ({radii[i]:.2f} + {radii[j]:.2f} Å covalent radii)"
        else:
            limit = f"the {self.absolute:g} Å absolute minimum"
        more = f" ({n_bad} clashing pairs in all)" if n_bad > 1 else ""
        return f"{who} are {d:.3f} Å apart, below {limit}{more}"


class KnownElements(StructureRule):
    """Fail structures with species that are not chemical elements.

    pymatgen reads an unknown symbol (a typo such as ``Qq``, a vacancy written
    as ``X``) as a ``DummySpecies`` without complaint; every other rule would
    then reason about an atom that does not exist.
    """

    def structure_reason(self, structure: IStructure) -> str | None:
        """The species that are not elements, with their sites, or ``None``."""
        unknown = dummy_species(structure)
        if unknown:
            sites = [
                i
                for i, site in enumerate(structure)
                if any(isinstance(sp, DummySpecies) for sp in site.species)
            ]
            shown = ", ".join(str(i) for i in sites[:10]) + (" ..." if len(sites) > 10 else "")
            return f"not chemical elements: {', '.join(unknown)} (site {shown})"
        return None


def _check_state_set(oxidation_states: str) -> None:
    if oxidation_states not in OXIDATION_STATE_SETS:
        raise ValueError(f"oxidation_states must be one of {OXIDATION_STATE_SETS}, got {oxidation_states!r}")


def _given_states_reason(comp: Composition) -> tuple[bool, str | None]:
    """For species that all carry oxidation states: (True, reason if their total is not zero)."""
    assigned = [getattr(sp, "oxi_state", None) for sp in comp]
    given = [float(ox) for ox in assigned if ox is not None]
    if not assigned or len(given) != len(assigned):
        return False, None
    total = sum(ox * amt for ox, amt in zip(given, comp.values(), strict=True))
    if abs(total) > 1e-6:
        formula = comp.reduced_formula
        return True, f"{formula} carries total charge {total:+.3g} from its assigned oxidation states"
    return True, None


class _CompositionRule(StructureRule):
    """A rule on the composition of a structure; dummy species fail it."""

    def structure_reason(self, structure: IStructure) -> str | None:
        """Dummy species fail; otherwise the composition's verdict."""
        unknown = dummy_species(structure)
        if unknown:
            return f"cannot be charge balanced: {', '.join(unknown)} not a chemical element"
        return self.composition_reason(structure.composition)

    @abstractmethod
    def composition_reason(self, comp: Composition) -> str | None:
        """Why ``comp`` fails the rule, or ``None`` when it passes."""


class ChargeNeutrality(_CompositionRule):
    """SMACT's compositional validity (``smact_validity``), on pymatgen's element data.

    Structures whose species carry oxidation states (pymatgen ``Species``)
    are checked as given: their total charge must be zero. Otherwise see
    :func:`.charge.charge_neutrality`: single elements and (with
    ``include_alloys``) all-metal compositions pass; others need an
    assignment of oxidation states from ``oxidation_states`` (default
    ``"known"``: every state pymatgen lists for the element) that sums to
    zero and, with ``pauling``, puts every cation below every anion in Pauling
    electronegativity. ``mixed_valence`` lets atoms of one element take
    different states of the same sign.
    """

    def __init__(
        self,
        oxidation_states: OxidationStateSet = "known",
        mixed_valence: bool = True,
        pauling: bool = True,
        include_alloys: bool = True,
    ) -> None:
        _check_state_set(oxidation_states)
        self.oxidation_states: OxidationStateSet = oxidation_states
        self.mixed_valence = bool(mixed_valence)
        self.pauling = bool(pauling)
        self.include_alloys = bool(include_alloys)

    def composition_reason(self, comp: Composition) -> str | None:
        """The rule's verdict on a composition: ``None`` if valid, else the reason."""
        given, reason = _given_states_reason(comp)
        if given:
            return reason
        result = charge_neutrality(
            comp,
            which=self.oxidation_states,
            mixed_valence=self.mixed_valence,
            pauling=self.pauling,
            include_alloys=self.include_alloys,
        )
        if result.valid:
            return None
        if result.method == "no-states":
            missing = ", ".join(el for el, s in result.states.items() if not s)
            return f"{result.formula} cannot be charge neutral: no known oxidation states for {missing}"
        if result.method == "electronegativity":
            return (
                f"{result.formula}: no charge-neutral assignment of oxidation states has every cation less "
                f"electronegative than every anion (Pauling test; {result.describe_electronegativity()}; "
                f"{result.describe_states()})"
            )
        return (
            f"{result.formula} admits no charge-neutral assignment of oxidation states "
            f"({result.describe_states()})"
        )


class ChargeBalance(_CompositionRule):
    """The stricter ionic check: ICSD-observed or common oxidation states, no electronegativity test.

    Structures whose species carry oxidation states (pymatgen ``Species``) are
    checked as given: their total charge must be zero. Otherwise an exact
    search over the oxidation states of each element decides (sumsets, see
    :mod:`.charge`; the verdict is pymatgen's ``oxi_state_guesses`` verdict on
    the same state lists, found faster); all-metal compositions (alloys,
    intermetallics of metals only) pass when ``allow_metallic`` is set.
    Opt-in: it rejects real compounds whose states lie outside these lists.
    """

    def __init__(
        self, oxidation_states: OxidationStateSet = "icsd+common", allow_metallic: bool = True
    ) -> None:
        _check_state_set(oxidation_states)
        self.oxidation_states: OxidationStateSet = oxidation_states
        self.allow_metallic = allow_metallic

    def composition_reason(self, comp: Composition) -> str | None:
        """The rule's verdict on a composition: ``None`` if it balances, else the reason."""
        given, reason = _given_states_reason(comp)
        if given:
            return reason
        result = charge_balance(
            comp, which=self.oxidation_states, allow_metallic=self.allow_metallic, guess=False
        )
        if result.balanced:
            return None
        if result.method == "no-states":
            missing = ", ".join(el for el, s in result.states.items() if not s)
            return f"{result.formula} cannot be charge balanced: no known oxidation states for {missing}"
        return (
            f"{result.formula} admits no charge-balanced assignment of oxidation states "
            f"({result.describe_states()})"
        )


class VolumePerAtom(StructureRule):
    """Cell volume per atom (Å³) within ``[low, high]``.

    Real solids at ambient pressure lie between about 5 Å³/atom (diamond,
    cubic BN, Be compounds) and about 120 Å³/atom (caesium). The default
    range [3, 150] leaves room for high-pressure phases and open frameworks;
    cells outside it are collapsed or exploded (a common generator failure).
    """

    def __init__(self, low: float = 3.0, high: float = 150.0) -> None:
        if not 0 <= low < high:
            raise ValueError(f"need 0 <= low < high, got low={low}, high={high}")
        self.low = float(low)
        self.high = float(high)

    def structure_reason(self, structure: IStructure) -> str | None:
        """The volume per atom when it is outside the range (or the lattice is degenerate), else ``None``."""
        try:
            check_lattice(structure)
        except DegenerateLatticeError as exc:
            return str(exc)
        n_atoms = structure.composition.num_atoms
        if n_atoms <= 0:
            return "structure has zero total occupancy"
        vpa = structure.volume / n_atoms
        if self.low <= vpa <= self.high:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pymatgen warns while ordering formulas with He, Ne, Ar
            formula = structure.composition.reduced_formula
        if vpa < self.low:
            return f"{formula}: {vpa:.2f} Å³ per atom, below {self.low:g} (collapsed cell)"
        if vpa > self.high:
            return f"{formula}: {vpa:.1f} Å³ per atom, above {self.high:g} (exploded cell)"
        return None


# ----------------------------------------------------------------------------- registration


#: Every rule of the crystals domain, with default thresholds. Opt-in rules
#: (``default=False``) are checked only when named (``--rule``, ``rules.include``).
RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        name="crystals-elements",
        domain=DOMAIN,
        rule=KnownElements(),
        description="every species is a chemical element (no dummy species from unknown symbols)",
    ),
    RuleSpec(
        name="crystals-min-distance",
        domain=DOMAIN,
        rule=MinDistance(),
        description="no two atoms (periodic images included) closer than "
        "max(0.5 Å, 0.5 × sum of covalent radii)",
    ),
    RuleSpec(
        name="crystals-charge-neutrality",
        domain=DOMAIN,
        rule=ChargeNeutrality(),
        description="SMACT compositional validity: a charge-neutral assignment of known oxidation "
        "states with every cation less electronegative (Pauling) than every anion; single elements "
        "and all-metal compositions pass",
    ),
    RuleSpec(
        name="crystals-volume-per-atom",
        domain=DOMAIN,
        rule=VolumePerAtom(),
        description="cell volume per atom within [3, 150] Å³",
    ),
    RuleSpec(
        name="crystals-charge-balance",
        domain=DOMAIN,
        rule=ChargeBalance(),
        description="opt-in, stricter ionic check: a charge-neutral assignment of ICSD-observed or "
        "common oxidation states, no electronegativity test (all-metal compositions pass)",
        default=False,
    ),
)
