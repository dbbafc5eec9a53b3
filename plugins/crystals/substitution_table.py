"""pymatgen's data-mined ionic substitution probabilities (Hautier et al. 2011) and ionic radii.

The table ships with pymatgen; it is read here directly (as pymatgen's
``SubstitutionProbability`` reads it) so that the substitution generator
draws from the same probabilities without building pymatgen's predictor.
"""

from __future__ import annotations

import functools
import json
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from pymatgen.core import Element, Species

from synthgenesis.plugins.crystals.reference import pymatgen_data_file

#: pymatgen's table of substitution weights (Hautier et al. 2011), relative to the package root.
LAMBDA_FILE = ("core", "structure_prediction", "data", "lambda.json")
#: Weight of a species pair never observed to substitute (pymatgen's ``alpha`` default).
UNOBSERVED_LAMBDA = -5.0
_SPECIES = re.compile(r"^([A-Z][a-z]?)(\d*)([+-])$")


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
