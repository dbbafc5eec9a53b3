"""Validity rules for molecules given as SMILES.

- ``molecules-sanitization``: RDKit can sanitize the molecule (valences,
  kekulization of aromatic rings, ring perception); the reason names the atom
  and the problem RDKit found;
- ``molecules-allowed-elements``: only elements from an allowed set (by
  default the set GuacaMol keeps from ChEMBL: H, B, C, N, O, F, Si, P, S, Cl,
  Se, Br, I); the metal ions of a salt (``[Na+]`` beside an organic anion)
  are counter-ions, not part of the molecule;
- ``molecules-net-charge``: the net formal charge that acids and bases cannot
  explain (what is left after RDKit's ``Uncharger`` (de)protonates them) is at
  most 2 in magnitude;
- ``molecules-size``: between 1 and 150 heavy atoms.

Each rule judges one molecule at a time (a :class:`~synthgenesis.rules.SampleRule`
on the domain's ``smiles`` column); a SMILES string that does not parse
fails every rule with the parser's reason. None is repairable: changing atoms, charges or bonds would make
a different molecule, and which one is intended cannot be known.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from rdkit import Chem

from synthgenesis.plugins.molecules.formats import SAMPLE_COLUMN
from synthgenesis.plugins.molecules.parsing import Parsed, captured_rdkit_log, parse_smiles, sanitized
from synthgenesis.rules import RuleSpec, SampleRule

DOMAIN = "molecules"
#: Elements of typical organic chemistry; the generators learn from molecules made of these only.
ORGANIC_ELEMENTS = ("H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Br", "I")
#: Default of ``molecules-allowed-elements``: the elements GuacaMol keeps when it filters ChEMBL for
#: drug-like molecules (Brown et al., J. Chem. Inf. Model. 59, 1096-1108, 2019): the organic set and Se.
DRUG_LIKE_ELEMENTS = ("H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Se", "Br", "I")
#: Metal ions that are counter-ions when they stand alone beside an organic molecule (``[Na+].[O-]C(=O)...``):
#: the alkali and alkaline-earth cations of pharmaceutical salts.
COUNTER_IONS = ("Li", "Na", "K", "Mg", "Ca")
MAX_PROBLEMS_SHOWN = 3


# ----------------------------------------------------------------------------- helpers


def _atom_label(atom: Chem.Atom) -> str:
    charge = atom.GetFormalCharge()
    sign = "" if charge == 0 else (f"+{charge}" if charge > 0 else str(charge))
    return f"{atom.GetSymbol()}{sign}"


def _explicit_valence(atom: Chem.Atom) -> int:
    valence_type = getattr(Chem, "ValenceType", None)
    if valence_type is not None:
        return int(atom.GetValence(valence_type.EXPLICIT))
    return int(atom.GetExplicitValence())  # pragma: no cover - RDKit before 2024.09


def describe_problem(mol: Chem.Mol, problem: Any) -> str:
    """One sentence per RDKit chemistry problem, naming the atom(s) involved."""
    kind = problem.GetType()
    if kind == "AtomValenceException":
        idx = problem.GetAtomIdx()
        atom = mol.GetAtomWithIdx(idx)
        valence = _explicit_valence(atom)
        allowed = list(Chem.GetPeriodicTable().GetValenceList(atom.GetAtomicNum()))
        if atom.GetFormalCharge() == 0 and allowed and -1 not in allowed:
            limit = f" > {max(allowed)} permitted"
        else:
            limit = f", more than RDKit permits for {_atom_label(atom)}"
        return f"atom {idx} ({_atom_label(atom)}) has explicit valence {valence}{limit}"
    if kind == "KekulizeException":
        idxs = list(problem.GetAtomIndices())
        atoms = [mol.GetAtomWithIdx(i) for i in idxs]
        symbols = ",".join(a.GetSymbol().lower() if a.GetIsAromatic() else a.GetSymbol() for a in atoms)
        return f"aromatic atoms {', '.join(map(str, idxs))} ({symbols}) cannot be kekulized"
    if kind == "AtomKekulizeException":
        idx = problem.GetAtomIdx()
        return f"atom {idx} ({mol.GetAtomWithIdx(idx).GetSymbol()}) is marked aromatic but is not in a ring"
    return str(problem.Message())


def chemistry_problems(parsed: Parsed) -> list[str]:
    """Why RDKit cannot sanitize a parsed molecule, described (empty if it sanitizes).

    Sanitization itself is the verdict (it also untangles organometallic
    bonding, which ``DetectChemistryProblems`` alone would flag);
    ``DetectChemistryProblems`` then names the atoms for the reason.
    """
    assert parsed.mol is not None
    if sanitized(parsed) is not None:
        return []
    mol = Chem.Mol(parsed.mol)
    with captured_rdkit_log():
        mol.UpdatePropertyCache(strict=False)
        problems = list(Chem.DetectChemistryProblems(mol))
    described = [describe_problem(mol, p) for p in problems]
    if not described:
        trial = Chem.Mol(parsed.mol)
        with captured_rdkit_log() as log:
            failed = Chem.SanitizeMol(trial, catchErrors=True)
        described = [
            f"RDKit sanitization failed at step {failed}" + (f": {log.summary()}" if log.summary() else "")
        ]
    return described


# ----------------------------------------------------------------------------- rules


class MoleculeRule(SampleRule):
    """A rule on one SMILES of the ``smiles`` column; a SMILES that does not parse fails it."""

    sample_column = SAMPLE_COLUMN

    def _validate(self, sample: Any) -> str | None:
        parsed = parse_smiles(sample)
        return parsed.reason if parsed.mol is None else self.molecule_reason(parsed)

    @abstractmethod
    def molecule_reason(self, parsed: Parsed) -> str | None:
        """Why the parsed molecule (``parsed.mol`` is set) fails the rule, or ``None``."""


class Sanitization(MoleculeRule):
    """Fail molecules RDKit cannot sanitize: bad valences, unkekulizable rings, unparseable SMILES."""

    def molecule_reason(self, parsed: Parsed) -> str | None:
        """RDKit's problems with the molecule, described, or ``None`` when it sanitizes."""
        problems = chemistry_problems(parsed)
        if not problems:
            return None
        more = f" (+{len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        return "; ".join(problems[:MAX_PROBLEMS_SHOWN]) + more


class AllowedElements(MoleculeRule):
    """Fail molecules with an element outside ``allowed`` (implicit hydrogens are not atoms here).

    A single-atom ion of an element in ``counter_ions`` is the counter-ion of
    a salt, not part of the molecule, when the record also holds carbon: it is
    not judged. Dummy atoms (``*``, attachment points) are never elements and
    always fail.
    """

    def __init__(
        self, allowed: Iterable[str] = DRUG_LIKE_ELEMENTS, counter_ions: Iterable[str] = COUNTER_IONS
    ) -> None:
        self.allowed = frozenset(allowed)
        self.counter_ions = frozenset(counter_ions)
        if not self.allowed:
            raise ValueError("allowed elements must not be empty")
        table = Chem.GetPeriodicTable()
        for symbol in self.allowed | self.counter_ions:
            try:
                table.GetAtomicNumber(symbol)
            except Exception as exc:
                raise ValueError(f"{symbol!r} is not an element symbol") from exc
        numbers = sorted(table.GetAtomicNumber(symbol) for symbol in self.allowed)
        #: Any atom outside the allowed set, dummy atoms (atomic number 0) included.
        self._outside = Chem.MolFromSmarts("[" + ";".join(f"!#{z}" for z in numbers) + "]")

    def molecule_reason(self, parsed: Parsed) -> str | None:
        """The atoms of elements outside the allowed set, or ``None``."""
        assert parsed.mol is not None
        if not parsed.mol.HasSubstructMatch(self._outside):  # one C++ pass; names the atoms only on failure
            return None
        has_carbon = any(atom.GetAtomicNum() == 6 for atom in parsed.mol.GetAtoms())
        offending: dict[str, list[int]] = {}
        for atom in parsed.mol.GetAtoms():
            symbol = atom.GetSymbol() if atom.GetAtomicNum() > 0 else "*"
            if symbol in self.allowed:
                continue
            lone_ion = atom.GetDegree() == 0 and atom.GetFormalCharge() != 0
            if has_carbon and lone_ion and symbol in self.counter_ions:
                continue  # the counter-ion of a salt
            offending.setdefault(symbol, []).append(atom.GetIdx())
        if not offending:
            return None
        parts = []
        for symbol, idxs in offending.items():
            shown = ", ".join(map(str, idxs[:5])) + (" ..." if len(idxs) > 5 else "")
            parts.append(f"{symbol} (atom{'s' if len(idxs) > 1 else ''} {shown})")
        return f"elements not allowed: {'; '.join(parts)}; allowed: {', '.join(self._ordered())}"

    def _ordered(self) -> list[str]:
        table = Chem.GetPeriodicTable()
        return sorted(self.allowed, key=table.GetAtomicNumber)


class NetCharge(MoleculeRule):
    """Net formal charge that acids and bases do not explain within ``[-max_abs, +max_abs]``.

    Drug-like molecules are written neutral, with one or two charged groups,
    or in the protonation state they have in water (ZINC writes ATP as its
    tetra-anion). Charges that (de)protonation removes are not counted: the
    molecule is judged by its net charge after RDKit's ``Uncharger``
    (``rdMolStandardize``) neutralises acids and bases where it can.
    Permanent charges (quaternary ammonium, charges drawn on dative bonds to
    metals) remain; more than two of them net mostly come from broken
    generations or from ions written without their counter-ions.
    """

    def __init__(self, max_abs: int = 2) -> None:
        if max_abs < 0:
            raise ValueError("max_abs must be non-negative")
        self.max_abs = int(max_abs)

    def molecule_reason(self, parsed: Parsed) -> str | None:
        """The net charge left after neutralising acids and bases, when it exceeds the bound."""
        assert parsed.mol is not None
        net = Chem.GetFormalCharge(parsed.mol)
        if abs(net) <= self.max_abs:
            return None
        residual = _uncharged_net_charge(parsed)
        if residual is not None and abs(residual) <= self.max_abs:
            return None
        charged = [a for a in parsed.mol.GetAtoms() if a.GetFormalCharge() != 0]
        shown = ", ".join(f"{a.GetIdx()} ({_atom_label(a)})" for a in charged[:6]) + (
            " ..." if len(charged) > 6 else ""
        )
        left = ""
        if residual is not None and residual != net:
            left = f", {residual:+d} after neutralising acids and bases"
        return f"net charge {net:+d}{left} exceeds ±{self.max_abs} (charged atoms {shown})"


_UNCHARGER: Any = None


def _uncharged_net_charge(parsed: Parsed) -> int | None:
    """Net charge after RDKit's ``Uncharger``; ``None`` for a molecule RDKit cannot sanitize."""
    global _UNCHARGER
    mol = sanitized(parsed)
    if mol is None:
        return None
    if _UNCHARGER is None:
        from rdkit.Chem.MolStandardize import rdMolStandardize

        _UNCHARGER = rdMolStandardize.Uncharger()
    try:
        with captured_rdkit_log():
            return int(Chem.GetFormalCharge(_UNCHARGER.uncharge(mol)))
    except Exception:  # RDKit could not neutralise it: judge the charge as written
        return None


class MoleculeSize(MoleculeRule):
    """Number of heavy (non-hydrogen) atoms within ``[min_heavy, max_heavy]``."""

    def __init__(self, min_heavy: int = 1, max_heavy: int = 150) -> None:
        if not 0 <= min_heavy <= max_heavy:
            raise ValueError(f"need 0 <= min_heavy <= max_heavy, got {min_heavy}, {max_heavy}")
        self.min_heavy = int(min_heavy)
        self.max_heavy = int(max_heavy)

    def molecule_reason(self, parsed: Parsed) -> str | None:
        """The heavy-atom count when it is outside the bounds, else ``None``."""
        assert parsed.mol is not None
        heavy = parsed.mol.GetNumHeavyAtoms()  # atoms with atomic number > 1
        if heavy < self.min_heavy:
            return f"{heavy} heavy atoms, fewer than {self.min_heavy}"
        if heavy > self.max_heavy:
            return f"{heavy} heavy atoms, more than {self.max_heavy}"
        return None


# ----------------------------------------------------------------------------- registration


#: Every rule of the molecules domain, with default settings.
RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        name="molecules-sanitization",
        domain=DOMAIN,
        rule=Sanitization(),
        description="RDKit parses and sanitizes the SMILES (valences, aromaticity, rings)",
    ),
    RuleSpec(
        name="molecules-allowed-elements",
        domain=DOMAIN,
        rule=AllowedElements(),
        description=f"only the elements {', '.join(DRUG_LIKE_ELEMENTS)} "
        f"({', '.join(COUNTER_IONS)} also as counter-ions of salts)",
    ),
    RuleSpec(
        name="molecules-net-charge",
        domain=DOMAIN,
        rule=NetCharge(),
        description="net formal charge between -2 and +2 once acids and bases are neutralised",
    ),
    RuleSpec(
        name="molecules-size",
        domain=DOMAIN,
        rule=MoleculeSize(),
        description="between 1 and 150 heavy atoms",
    ),
)
