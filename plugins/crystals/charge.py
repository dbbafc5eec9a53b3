"""Charge balance: can the composition be given oxidation states that sum to zero?

Two definitions are offered:

- :func:`charge_neutrality` is the compositional validity test of SMACT
  (``smact.screening.smact_validity``), the one the crystal-generation
  literature reports (CDVAE and later models): a single element or a
  composition of metals only is valid; otherwise some assignment of known
  oxidation states must sum to zero *and* pass Pauling's electronegativity
  test (every cation less electronegative than every anion). It is
  implemented here on pymatgen's element data, because SMACT itself depends on
  ASE (LGPL); the ``crystals-charge-neutrality`` rule uses it.
- :func:`charge_balance` is the stricter ionic check of the
  ``crystals-charge-balance`` rule: ICSD and common oxidation states only, no
  electronegativity test, metals listed by pymatgen only.

The ionic check has two exact answers from the same per-element lists of
oxidation states:

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

import numpy as np
from pymatgen.core import Composition, Element

OxidationStateSet = Literal["known", "icsd+common", "icsd", "common", "all"]

OXIDATION_STATE_SETS: tuple[str, ...] = ("known", "icsd+common", "icsd", "common", "all")

#: Elements SMACT counts as metals (``smact.metals``) that pymatgen's ``Element.is_metal``
#: calls metalloids. With them, germanides and antimonides of metals (Mn5Ge3, NiSb) are
#: alloys, as in ``smact_validity``.
SMACT_EXTRA_METALS = frozenset({"Ge", "Sb", "Po"})
#: Boolean masks up to this many cells are convolved directly, larger ones by FFT.
_DIRECT_CONVOLUTION = 4_000_000

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

    ``"known"`` (the default of ``crystals-charge-neutrality``) is every state
    pymatgen knows for the element: ``Element.oxidation_states`` together
    with the ICSD-observed and the common states, which add states seen in
    real structures that the first list lacks (B -3 in borides, As -1 in
    skutterudite CoAs3, Se -1 and Te -1 in pyrite-type FeSe2 and AuTe2).
    ``"all"`` is ``Element.oxidation_states`` alone, the list closest to
    SMACT's own (its 2014 list differs for 38 elements, mostly by states
    pymatgen does not list). ``"icsd"`` is pymatgen's own default (states observed in the ICSD, else the
    common ones), ``"common"`` the common states only, ``"all"`` every known
    state, and ``"icsd+common"`` (the default here) the union of the first two:
    the ICSD list lacks high states of some anions (Cl only -1, so chlorates
    would fail) and the common list lacks low states of some cations (Cu only
    +2, so Cu2O and CuCl would fail).
    """
    el = Element(element)
    states: Iterable[int]
    if which == "known":
        states = set(el.oxidation_states) | set(el.icsd_oxidation_states) | set(el.common_oxidation_states)
    elif which == "icsd+common":
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


def integer_composition(composition: Composition, reduce: bool = True) -> Composition:
    """The composition with integer amounts (partial occupancies scaled up), fully reduced by default.

    With ``reduce=False`` an integer composition (the content of a cell) is
    kept as it is; fractional ones are still scaled to the smallest integers.
    """
    comp = composition.element_composition
    if all(float(a).is_integer() for a in comp.values()):
        return comp.reduced_composition if reduce else comp
    formula, _factor = comp.get_integer_formula_and_factor(max_denominator=MAX_DENOMINATOR)
    return Composition(formula).reduced_composition


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sumset of two sets of integers held as boolean masks (index = value - offset)."""
    if a.size * b.size <= _DIRECT_CONVOLUTION:
        return np.convolve(a.astype(np.int64), b.astype(np.int64)) > 0
    # Entries count how many pairs reach a value (at most min(a.size, b.size)); rounding
    # error of the FFT is far below 0.5, so thresholding at 0.5 is exact.
    n = a.size + b.size - 1
    size = 1 << (n - 1).bit_length()
    product = np.fft.rfft(a.astype(np.float64), size) * np.fft.rfft(b.astype(np.float64), size)
    return np.fft.irfft(product, size)[:n] > 0.5


@dataclass(frozen=True)
class _Reach:
    """A set of integers: ``offset + i`` for every ``i`` where ``mask[i]`` is true."""

    offset: int
    mask: np.ndarray

    @classmethod
    def of(cls, values: Iterable[int]) -> _Reach:
        vals = sorted(set(values))
        mask = np.zeros(vals[-1] - vals[0] + 1, dtype=bool)
        mask[np.asarray(vals) - vals[0]] = True
        return cls(vals[0], mask)

    def __add__(self, other: _Reach) -> _Reach:
        return _Reach(self.offset + other.offset, _convolve(self.mask, other.mask))

    def __contains__(self, value: int) -> bool:
        i = value - self.offset
        return 0 <= i < self.mask.size and bool(self.mask[i])


def _n_fold(states: Sequence[int], n: int) -> _Reach:
    """Totals of ``n`` values drawn with replacement from ``states`` (by repeated doubling)."""
    result = _Reach.of([0])
    power = _Reach.of(states)
    while n:
        if n & 1:
            result = result + power
        n >>= 1
        if n:
            power = power + power
    return result


#: Below this span of reachable totals, plain Python sets are faster than masks.
_SMALL_SPAN = 256


def _reaches_zero(amounts: Mapping[str, int], allowed: Mapping[str, Sequence[int]], mixed: bool) -> bool:
    """Whether some choice of states sums to zero: one state per element, or one per atom (``mixed``)."""
    if any(not allowed[el] for el in amounts):
        return False
    span = sum(n * (max(allowed[el]) - min(allowed[el])) for el, n in amounts.items())
    if span <= _SMALL_SPAN:
        totals = {0}
        for el, n in amounts.items():
            states = allowed[el]
            for _ in range(n if mixed else 1):
                step = states if mixed else [n * st for st in states]
                totals = {t + v for t in totals for v in step}
        return 0 in totals
    total = _Reach.of([0])
    for el, n in amounts.items():
        states = allowed[el]
        if not states:
            return False
        total = total + (_n_fold(states, n) if mixed else _Reach.of(n * s for s in states))
    return 0 in total


def _sumset_balanced(amounts: Mapping[str, int], states: Mapping[str, tuple[int, ...]]) -> bool:
    return _reaches_zero(amounts, states, mixed=True)


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


# ----------------------------------------------------------------------------- SMACT's definition


@dataclass(frozen=True)
class NeutralityResult:
    """Outcome of :func:`charge_neutrality`.

    ``method`` says what decided: ``"element"``, ``"alloy"``, ``"no-states"``
    (an element has no known oxidation state), ``"neutral"`` (a neutral
    assignment passes the electronegativity test, or the test does not apply),
    ``"not-neutral"`` (no assignment sums to zero) or ``"electronegativity"``
    (neutral assignments exist, but each puts a cation at or above an anion
    in electronegativity).
    """

    valid: bool
    formula: str
    method: str
    states: Mapping[str, tuple[int, ...]]
    electronegativity: Mapping[str, float]
    pauling_applied: bool = True

    def describe_states(self) -> str:
        """``Fe: +2/+3; O: -2`` for messages."""
        return BalanceResult(self.valid, self.formula, self.states).describe_states()

    def describe_electronegativity(self) -> str:
        """``Li 0.98 < Al 1.61 < O 3.44`` for messages."""
        order = sorted(self.electronegativity.items(), key=lambda kv: kv[1])
        return " < ".join(f"{el} {x:.2f}" for el, x in order)


def is_smact_metal(symbol: str) -> bool:
    """A metal as SMACT counts them: pymatgen's ``Element.is_metal``, plus Ge, Sb and Po."""
    return symbol in SMACT_EXTRA_METALS or bool(Element(symbol).is_metal)


def charge_neutrality(
    composition: Composition,
    *,
    which: OxidationStateSet = "known",
    mixed_valence: bool = True,
    pauling: bool = True,
    include_alloys: bool = True,
) -> NeutralityResult:
    """SMACT's compositional validity (``smact_validity``) on pymatgen's element data.

    Valid when the composition is a single element; or (``include_alloys``)
    made of metals only (:func:`is_smact_metal`); or when each element can be
    given one of its oxidation states (``which``, zero excluded as in SMACT)
    so that the charges of the atoms sum to zero and, with
    ``pauling``, every element with a positive state has a lower Pauling
    electronegativity (pymatgen ``Element.X``) than every element with a
    negative one. An element without a Pauling electronegativity (He, Ne,
    Ar) leaves the test inapplicable, so charge neutrality alone decides (as
    in CDVAE's use of SMACT). With ``mixed_valence`` the atoms of one element
    may take different states of the same sign (Fe3O4 = Fe2+ Fe3+2 O4), as
    SMACT's ``mixed_valence=True`` allows, judged on the atoms of the
    composition as given (the content of the cell for a structure, so TlSe
    passes as Tl8Se8); without, one state per element on the reduced
    formula, as ``smact_validity``'s default.

    The search is exact and needs no enumeration of assignments: the elements
    are sorted by electronegativity, and for each cut of that order (cations
    below, anions above) the reachable totals are sumsets of each element's
    states of the allowed sign, held as boolean masks.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if composition.num_atoms <= 0:
            raise ValueError("composition is empty")
        # Mixed valence is judged on the atoms as given (a cell's content): TlSe = Tl+ Tl3+ (Se2-)2
        # is neutral in its cell of Tl8Se8 but not as one formula unit.
        comp = integer_composition(composition, reduce=not mixed_valence)
        amounts = {el.symbol: round(amt) for el, amt in comp.items()}
        formula = comp.reduced_formula
        states = {el: tuple(s for s in oxidation_states(el, which) if s != 0) for el in amounts}
        x = {el: float(Element(el).X) for el in amounts}
    known_x = {el: v for el, v in x.items() if math.isfinite(v)}

    def result(valid: bool, method: str, applied: bool = True) -> NeutralityResult:
        return NeutralityResult(valid, formula, method, states, known_x, applied)

    if len(amounts) == 1:
        return result(True, "element")
    if include_alloys and all(is_smact_metal(el) for el in amounts):
        return result(True, "alloy")
    if any(not s for s in states.values()):
        return result(False, "no-states")
    applied = pauling and len(known_x) == len(x)
    if not applied:
        neutral = _reaches_zero(amounts, states, mixed_valence)
        return result(neutral, "neutral" if neutral else "not-neutral", applied=False)
    for cut in sorted(set(x.values())):
        allowed = {el: tuple(s for s in states[el] if (s > 0) == (x[el] <= cut)) for el in amounts}
        if _reaches_zero(amounts, allowed, mixed_valence):
            return result(True, "neutral")
    neutral = _reaches_zero(amounts, states, mixed_valence)
    return result(False, "electronegativity" if neutral else "not-neutral")
