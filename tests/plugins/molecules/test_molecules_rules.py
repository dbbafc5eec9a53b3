"""Known answers and malformed input for the molecule rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("rdkit", reason='needs the molecules extra: pip install "synthgenesis[molecules]"')

from hypothesis import given, settings
from hypothesis import strategies as st

from synthgenesis.plugins.molecules import formats, rules
from synthgenesis.plugins.molecules.parsing import parse_smiles

SANITIZATION = rules.Sanitization()
ELEMENTS = rules.AllowedElements()
CHARGE = rules.NetCharge()
SIZE = rules.MoleculeSize()

VALID = [
    "CC(=O)Oc1ccccc1C(=O)O",
    "c1ccccc1",
    "C[N+](C)(C)CC(=O)[O-]",
    "[NH4+].[Cl-]",
    "O=S(=O)(O)O",
    "CN1CCC[C@H]1c1cccnc1",
    "FC(F)(F)Br",
    "B(O)(O)c1ccccc1",
    "C[Si](C)(C)C",
    "Ic1ccccc1",
]


# ----------------------------------------------------------------------------- sanitization


@pytest.mark.parametrize("smiles", VALID)
def test_sanitization_passes_valid_molecules(smiles: str) -> None:
    assert SANITIZATION.validate(smiles) is None


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CC(C)(C)(C)C", "atom 1 (C) has explicit valence 5 > 4 permitted"),
        ("CN(C)(C)C", "atom 1 (N) has explicit valence 4 > 3 permitted"),
        ("C[N+](C)(C)(C)C", "atom 1 (N+1) has explicit valence 5, more than RDKit permits for N+1"),
        ("FO(F)F", "atom 1 (O) has explicit valence 3 > 2 permitted"),
        ("c1cccc1", "aromatic atoms 0, 1, 2, 3, 4 (c,c,c,c,c) cannot be kekulized"),
        ("Cc", "atom 1 (C) is marked aromatic but is not in a ring"),
    ],
)
def test_sanitization_names_the_atom(smiles: str, expected: str) -> None:
    assert SANITIZATION.validate(smiles) == expected


def test_sanitization_lists_several_problems() -> None:
    reason = SANITIZATION.validate("CC(C)(C)(C)C.FO(F)F")
    assert (
        reason
        == "atom 1 (C) has explicit valence 5 > 4 permitted; atom 7 (O) has explicit valence 3 > 2 permitted"
    )


def test_sanitization_accepts_organometallics_rdkit_can_clean_up() -> None:
    # ferrocene-like sandwich from the NCI set: RDKit's sanitization turns the bonds dative
    assert SANITIZATION.validate("CN(C)C[C-]12C3=C4C5=C1[Fe++]23456789[C-]%10C6=C7C8=C9%10") is None


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (None, "no sample (read error)"),
        (float("nan"), "no sample (read error)"),
        (pd.NA, "no sample (read error)"),
        (42, "sample is a int, not a SMILES string"),
        ("", "empty SMILES"),
        ("   ", "empty SMILES"),
        ("CC O", "SMILES has a character that SMILES never contains (' ' at position 2)"),
        ("CCé", "SMILES has a character that SMILES never contains ('é' at position 2)"),
        ("C1CC", "SMILES could not be parsed: unclosed ring for input: 'C1CC'"),
    ],
)
def test_every_rule_reports_unusable_samples(sample: object, expected: str) -> None:
    for validator in (SANITIZATION, ELEMENTS):
        assert validator.validate(sample) == expected
    batch = pd.DataFrame({"smiles": pd.Series([sample], dtype=object)})
    for constraint in (CHARGE, SIZE):
        assert constraint.check(batch).reasons == [expected]


def test_syntax_error_reason_carries_rdkit_message() -> None:
    reason = SANITIZATION.validate("C1CC(")
    assert reason == (
        "SMILES could not be parsed: syntax error while parsing: C1CC(; check for mistakes around position 5"
    )


# ----------------------------------------------------------------------------- allowed elements


@pytest.mark.parametrize("smiles", VALID)
def test_allowed_elements_pass_organic_molecules(smiles: str) -> None:
    assert ELEMENTS.validate(smiles) is None


def test_allowed_elements_name_the_offenders() -> None:
    reason = ELEMENTS.validate("[Fe+2].[Cl-].[Cl-].C[Te]C[Te]C")
    assert reason == (
        "elements not allowed: Fe (atom 0); Te (atoms 4, 6); "
        "allowed: H, B, C, N, O, F, Si, P, S, Cl, Se, Br, I"
    )


@pytest.mark.parametrize(
    "smiles",
    [
        "O=C1c2ccccc2[Se]N1c1ccccc1",  # ebselen, an organoselenium drug candidate (GuacaMol keeps Se)
        "[Na+].[O-]C(=O)c1ccccc1",  # sodium benzoate: Na+ is the counter-ion of a salt
        "[K+].[K+].[O-]C(=O)CC(O)(CC(=O)[O-])C(=O)O",  # dipotassium citrate
        "[Ca+2].CC(=O)[O-].CC(=O)[O-]",  # calcium acetate
    ],
)
def test_allowed_elements_accept_selenium_and_salt_counter_ions(smiles: str) -> None:
    assert ELEMENTS.validate(smiles) is None


@pytest.mark.parametrize(
    ("smiles", "offender"),
    [
        ("[Na+].[Cl-]", "Na (atom 0)"),  # no organic molecule: Na+ is not anyone's counter-ion
        ("CC(=O)O[Na]", "Na (atom 4)"),  # bonded, not an ion
        ("[Fe+2].CC(=O)[O-].CC(=O)[O-]", "Fe (atom 0)"),  # only alkali/alkaline-earth ions are counter-ions
    ],
)
def test_allowed_elements_judge_metals_that_are_not_counter_ions(smiles: str, offender: str) -> None:
    assert ELEMENTS.validate(smiles).startswith(f"elements not allowed: {offender};")
    assert rules.AllowedElements(counter_ions=()).validate("[Na+].[O-]C(=O)c1ccccc1") is not None


def test_allowed_elements_judges_molecules_with_bad_valence() -> None:
    assert ELEMENTS.validate("CC(C)(C)(C)C") is None
    assert ELEMENTS.validate("[Hg](C)(C)(C)C").startswith("elements not allowed: Hg (atom 0)")


def test_allowed_elements_dummy_atoms_and_custom_set() -> None:
    assert ELEMENTS.validate("*CC").startswith("elements not allowed: * (atom 0)")
    only_cho = rules.AllowedElements({"C", "H", "O"})
    assert only_cho.validate("CCO") is None
    assert only_cho.validate("CCN") == "elements not allowed: N (atom 2); allowed: H, C, O"
    with pytest.raises(ValueError, match="not an element symbol"):
        rules.AllowedElements({"C", "Qq"})
    with pytest.raises(ValueError):
        rules.AllowedElements(())


# ----------------------------------------------------------------------------- charge and size


def test_net_charge(make_batch) -> None:
    batch = make_batch(
        "CCO", "C[N+](C)(C)C", "[NH4+].[NH4+]", "C[N+](C)(C)CC[N+](C)(C)CC[N+](C)(C)C", "[O-]C(=O)C"
    )
    result = CHARGE.check(batch)
    assert list(result.mask) == [True, True, True, False, True]
    assert result.reasons[3] == "net charge +3 exceeds ±2 (charged atoms 1 (N+1), 6 (N+1), 11 (N+1))"
    # NH4+ and acetate are neutralised by (de)protonation; the quaternary ammonium ions are not
    assert list(rules.NetCharge(max_abs=0).check(batch).mask) == [True, False, True, False, True]
    with pytest.raises(ValueError):
        rules.NetCharge(max_abs=-1)


@pytest.mark.parametrize(
    "smiles",
    [
        # ATP as ZINC writes it (its state in water): -4 as written, 0 once the phosphates are protonated
        "Nc1ncnc2c1ncn2C1OC(COP(=O)([O-])OP(=O)([O-])OP(=O)([O-])[O-])C(O)C1O",
        "NC(=[NH2+])NCCC[NH3+]",  # agmatine, both bases protonated
        "CC(=O)[O-].CC(=O)[O-].CC(=O)[O-]",
    ],
)
def test_net_charge_does_not_count_acids_and_bases(smiles: str, make_batch) -> None:
    assert CHARGE.check(make_batch(smiles)).n_failed == 0


def test_net_charge_reason_says_what_neutralising_left(make_batch) -> None:
    smiles = "C[N+](C)(C)CC[N+](C)(C)CC[N+](C)(C)CCC(=O)O.[NH4+]"
    reason = CHARGE.check(make_batch(smiles)).reasons[0]
    assert reason.startswith("net charge +4, +3 after neutralising acids and bases exceeds ±2")


def test_size(make_batch) -> None:
    batch = make_batch("C", "[H][H]", "C" * 151, "C" * 150)
    result = SIZE.check(batch)
    assert list(result.mask) == [True, False, False, True]
    assert result.reasons[1] == "0 heavy atoms, fewer than 1"
    assert result.reasons[2] == "151 heavy atoms, more than 150"
    with pytest.raises(ValueError):
        rules.MoleculeSize(min_heavy=5, max_heavy=2)


def test_every_rule_needs_the_smiles_column() -> None:
    for rule in (SANITIZATION, ELEMENTS, CHARGE, SIZE):
        assert rule.check(pd.DataFrame({"x": [1]})).reasons == ["batch has no 'smiles' column"]


def test_every_rule_judges_one_molecule_and_a_crash_fails_only_that_molecule() -> None:
    from synthgenesis.plugins.molecules.rules import RULES, MoleculeRule

    assert all(isinstance(spec.rule, MoleculeRule) for spec in RULES)

    class Fussy(MoleculeRule):
        def molecule_reason(self, parsed):  # type: ignore[no-untyped-def]
            if parsed.mol.GetNumAtoms() == 2:
                raise RuntimeError("two atoms confuse this rule")
            return None

    result = Fussy().check(pd.DataFrame({"smiles": ["C", "CC", "CCC", "C1CC"]}))
    assert result.mask.tolist() == [True, False, True, False]
    assert result.reasons[1] == "could not be checked: RuntimeError: two atoms confuse this rule"
    assert result.reasons[3] == "SMILES could not be parsed: unclosed ring for input: 'C1CC'"


# ----------------------------------------------------------------------------- example files


def test_invalid_example_reasons(examples: Path) -> None:
    batch = formats.read(examples / "invalid.smi").set_index("record_id")
    assert SANITIZATION.validate(batch.loc["pentavalent carbon", "smiles"]) == (
        "atom 1 (C) has explicit valence 5 > 4 permitted"
    )
    assert "cannot be kekulized" in SANITIZATION.validate(
        batch.loc["five-membered ring that cannot be kekulized", "smiles"]
    )
    assert SANITIZATION.validate(batch.loc["unclosed branch (SMILES syntax error)", "smiles"]) == (
        "no sample (read error)"
    )
    assert ELEMENTS.validate(
        batch.loc["iron(II) chloride (Fe is not an organic element)", "smiles"]
    ).startswith("elements not allowed: Fe")
    for valid in ("aspirin (valid)", "ethanol (valid)"):
        assert SANITIZATION.validate(batch.loc[valid, "smiles"]) is None
        assert ELEMENTS.validate(batch.loc[valid, "smiles"]) is None


# ----------------------------------------------------------------------------- property tests


SMILES_ALPHABET = "CNOSPFIBrlcnos()[]=#@+-123456789%/\\.*H"


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(st.text(SMILES_ALPHABET, max_size=40), st.text(max_size=20)))
def test_garbled_smiles_never_raise(text: str) -> None:
    parsed = parse_smiles(text)
    batch = pd.DataFrame({"smiles": pd.Series([text], dtype=object)})
    for validator in (SANITIZATION, ELEMENTS):
        reason = validator.validate(text)
        assert reason is None or (isinstance(reason, str) and reason)
        assert not (reason or "").startswith("could not be checked"), reason
        if parsed.mol is None:
            assert reason == parsed.reason
    for constraint in (CHARGE, SIZE):
        result = constraint.check(batch)
        assert len(result.reasons) == 1
        assert not (result.reasons[0] or "").startswith("could not be checked")


def test_log_capture_fallback_for_older_rdkit() -> None:
    """Without ``rdBase.CaptureErrorLog`` the parse message still reaches the reason.

    Run in a fresh interpreter: the fallback reroutes RDKit's log for the whole process.
    """
    code = (
        "from rdkit import rdBase\n"
        "from synthgenesis.plugins.molecules import parsing\n"
        "old = {'LogToPythonStderr': staticmethod(rdBase.LogToPythonStderr)}\n"
        "parsing.rdBase = type('OldRDBase', (), old)\n"
        "print(parsing.parse_smiles('C1CC').reason)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "SMILES could not be parsed: unclosed ring for input: 'C1CC'"
