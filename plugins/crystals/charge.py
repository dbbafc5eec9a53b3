"""Charge balance: can the composition be given oxidation states that sum to zero?

Two exact answers from the same per-element lists of oxidation states:

- pymatgen's :meth:`Composition.oxi_state_guesses` enumerates, element by
  element, every multiset of oxidation states for that element's atoms (so
  mixed valence such as Fe3O4 is allowed), keeps the combinations whose total
  charge is zero and ranks them by ICSD statistics. It gives an assignment,
  but the enumeration grows combinatorially with the number of atoms per
  formula unit (K3C60 alone takes seconds) and costs milliseconds even on
  small formulas.
- sumsets: the set of totals reachable by ``n`` atoms of an element is the
  ``n``-fold sumset of its oxidation states, and the composition balances iff
  0 is in the sum of those sets. This answers yes or no only, without
  enumerating assignments, and is many times faster.

:func:`charge_balance` uses pymatgen when an assignment is asked for
(``guess=True``) and the estimated work is within budget, and sumsets
otherwise; the ``crystals-charge-balance`` rule needs no assignment and always
uses sumsets. Both paths use the identical state lists, which are passed to
pymatgen explicitly.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pymatgen.core import Composition, Element

OxidationStateSet = Literal["icsd+common", "icsd", "common", "all"]

OXIDATION_STATE_SETS: tuple[str, ...] = ("icsd+common", "icsd", "common", "all")

#: Largest number of oxidation-state combinations pymatgen may enumerate before
#: the sumset path is used instead (a few tens of milliseconds at most).
ENUMERATION_BUDGET = 20_000
#: Fractional occupancies are turned into an integer formula with this denominator.
MAX_DENOMINATOR = 100


@dataclass(frozen=True)
class BalanceResult:
    """Outcome of a charge-balance check."""

    balanced: bool
    formula: str
    states: Mapping[str, tuple[int, ...]]
    guess: Mapping[str, float] | None = None
    metallic: bool = False
    method: str = "pymatgen"

    def describe_states(self) -> str:
        """``Fe: +2/+3; O: -2`` for messages."""
        parts = []
        for el, states in self.states.items():
            listed = "/".join(f"{s:+d}" for s in states) if states else "none known"
            parts.append(f"{el}: {listed}")
        return "; ".join(parts)


def oxidation_states(element: str, which: OxidationStateSet = "icsd+common") -> tuple[int, ...]:
    """The oxidation states of ``element`` considered in the search.

    ``"icsd"`` is pymatgen's own default (states observed in the ICSD, else the
    common ones), ``"common"`` the common states only, ``"all"`` every known
    state, and ``"icsd+common"`` (the default here) the union of the first two:
    the ICSD list lacks high states of some anions (Cl only -1, so chlorates
    would fail) and the common list lacks low states of some cations (Cu only
    +2, so Cu2O and CuCl would fail).
    """
    el = Element(element)
    states: Iterable[int]
    if which == "icsd+common":
        states = set(el.icsd_oxidation_states) | set(el.common_oxidation_states)
    elif which == "icsd":
        states = el.icsd_oxidation_states or el.common_oxidation_states
    elif which == "common":
        states = el.common_oxidation_states
    elif which == "all":
        states = el.oxidation_states
    else:
        raise ValueError(f"oxidation state set must be one of {OXIDATION_STATE_SETS}, got {which!r}")
    return tuple(sorted(int(s) for s in states))


def integer_composition(composition: Composition) -> Composition:
    """The composition with integer amounts (partial occupancies scaled up), fully reduced."""
    comp = composition.element_composition
    if all(float(a).is_integer() for a in comp.values()):
        return comp.reduced_composition
    formula, _factor = comp.get_integer_formula_and_factor(max_denominator=MAX_DENOMINATOR)
    return Composition(formula).reduced_composition


def _n_fold_sumset(states: Sequence[int], n: int) -> set[int]:
    """All totals of ``n`` values drawn with replacement from ``states`` (by repeated doubling)."""
    result: set[int] = {0}
    power: set[int] = set(states)
    while n:
        if n & 1:
            result = {a + b for a in result for b in power}
        n >>= 1
        if n:
            power = {a + b for a in power for b in power}
    return result


def _sumset_balanced(amounts: Mapping[str, int], states: Mapping[str, tuple[int, ...]]) -> bool:
    totals: set[int] = {0}
    for el, n in amounts.items():
        totals = {a + b for a in totals for b in _n_fold_sumset(states[el], n)}
    return 0 in totals


def _enumeration_cost(amounts: Mapping[str, int], states: Mapping[str, tuple[int, ...]]) -> float:
    """Work pymatgen would do: per-element multisets plus the product of per-element totals."""
    multisets = sum(math.comb(n + len(states[el]) - 1, n) for el, n in amounts.items())
    product = 1.0
    for el, n in amounts.items():
        s = states[el]
        product *= n * (max(s) - min(s)) + 1
    return multisets + product


def is_metallic(elements: Iterable[str]) -> bool:
    """True for a composition made only of metals (pymatgen ``Element.is_metal``)."""
    els = list(elements)
    return bool(els) and all(Element(e).is_metal for e in els)


def charge_balance(
    composition: Composition,
    *,
    which: OxidationStateSet = "icsd+common",
    allow_metallic: bool = True,
    budget: int = ENUMERATION_BUDGET,
    guess: bool = True,
) -> BalanceResult:
    """Check whether ``composition`` admits a charge-neutral assignment of oxidation states.

    An element on its own is neutral by definition (oxidation state 0). Metals
    and alloys have no meaningful ionic charge balance; with ``allow_metallic``
    an all-metal composition passes without a search (as in CDVAE's and
    SMACT's validity checks). With ``guess`` (and the enumeration within
    ``budget``) the result carries pymatgen's most probable balanced
    assignment; without, only the verdict is computed, by sumsets.
    """
    with warnings.catch_warnings():
        # pymatgen warns about missing electronegativities while ordering formulas (e.g. He).
        warnings.simplefilter("ignore")
        return _charge_balance(composition, which, allow_metallic, budget if guess else -1)


def _charge_balance(
    composition: Composition, which: OxidationStateSet, allow_metallic: bool, budget: int
) -> BalanceResult:
    if composition.num_atoms <= 0:
        raise ValueError("composition is empty")
    comp = integer_composition(composition)
    amounts = {el.symbol: round(amt) for el, amt in comp.items()}
    formula = comp.reduced_formula
    states = {el: oxidation_states(el, which) for el in amounts}
    if len(amounts) == 1:
        return BalanceResult(True, formula, states, guess={next(iter(amounts)): 0.0}, method="element")
    if allow_metallic and is_metallic(amounts):
        return BalanceResult(True, formula, states, metallic=True, method="metallic")
    if any(not s for s in states.values()):
        return BalanceResult(False, formula, states, method="no-states")
    if budget >= 0 and _enumeration_cost(amounts, states) <= budget:
        guesses = comp.oxi_state_guesses(oxi_states_override={el: list(s) for el, s in states.items()})
        guess = dict(guesses[0]) if guesses else None
        return BalanceResult(bool(guesses), formula, states, guess=guess, method="pymatgen")
    return BalanceResult(_sumset_balanced(amounts, states), formula, states, method="sumset")
