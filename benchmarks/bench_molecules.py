"""Molecule generators and the molecules rules against the same work done with bare RDKit.

    python benchmarks/bench_molecules.py            # 20,000 molecules per engine run
    python benchmarks/bench_molecules.py --quick    # 2,000

Every timed row runs in its own subprocess (``harness``):

- synthgenesis ``molecules-brics`` and ``molecules-selfies``, fitted on the
  NCI set shipped with RDKit (``molecules-nci-5k``), generating and validating
  (every molecules rule) on the block engine with 1 and 2 workers; the fit is
  timed apart and left out of the throughput;
- "bare RDKit BRICS": RDKit's own ``BRICS.BRICSBuild`` on small fragment sets
  drawn (numpy, weighted by count) from the same fragment library, keeping the
  first product of each set that sanitizes and passes the same four checks
  written inline (organic elements, net charge within ±2, 1 to 150 heavy
  atoms);
- "bare selfies + RDKit": the SELFIES mutation loop of ``molecules-selfies``
  (same parents, alphabet, edits and checks) written directly against
  ``selfies`` and RDKit, without synthgenesis;
- validation of the NCI SMILES (repeated to the row count): synthgenesis'
  ``validate_batch`` with every molecules rule against ``Chem.MolFromSmiles``
  plus the same checks inline.

Library sets (the fragment library, the SELFIES parents, the SMILES to
validate) are prepared in this process and handed to the peers as files, so
every timed row starts from the same data.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

DOMAIN = "molecules"
REFERENCE = "molecules-nci-5k"
GENERATORS = ("molecules-brics", "molecules-selfies")
#: The molecules rules' defaults: organic elements, |net charge| <= 2, 1..150 heavy atoms.
ORGANIC = frozenset({1, 5, 6, 7, 8, 9, 14, 15, 16, 17, 35, 53})
MAX_CHARGE, MIN_HEAVY, MAX_HEAVY = 2, 1, 150


# ----------------------------------------------------------------------------- bare RDKit


def _passes(mol: Any) -> bool:
    """The four molecules rules written inline for a sanitized RDKit molecule."""
    from rdkit import Chem

    return (
        all(a.GetAtomicNum() in ORGANIC for a in mol.GetAtoms())
        and abs(Chem.GetFormalCharge(mol)) <= MAX_CHARGE
        and MIN_HEAVY <= mol.GetNumHeavyAtoms() <= MAX_HEAVY
    )


def bare_brics(library: str, n: int, seed: int, per_set: int = 3, depth: int = 2) -> dict[str, Any]:
    """``n`` valid molecules from ``BRICS.BRICSBuild`` on fragment sets of ``per_set`` drawn by count."""
    import numpy as np
    from rdkit import Chem, RDLogger
    from rdkit.Chem import BRICS

    RDLogger.DisableLog("rdApp.*")
    entries = json.loads(Path(library).read_text())
    mols = [Chem.MolFromSmiles(smi) for smi, _ in entries]
    weights = np.array([c for _, c in entries], dtype=float)
    rng = np.random.default_rng(seed)
    out: list[str] = []
    sets = failed = 0
    while len(out) < n:
        sets += 1
        chosen = rng.choice(len(mols), size=per_set, replace=False, p=weights / weights.sum())
        for product in BRICS.BRICSBuild([mols[k] for k in chosen], scrambleReagents=False, maxDepth=depth):
            try:
                Chem.SanitizeMol(product)
            except Exception:
                failed += 1
                continue
            if _passes(product):
                out.append(Chem.MolToSmiles(product))
                break
            failed += 1
    return {"n": len(out), "fragment_sets": sets, "failed": failed, "unique": len(set(out))}


def bare_selfies(parents: str, n: int, seed: int, max_mutations: int = 2, tries: int = 5) -> dict[str, Any]:
    """``n`` molecules by SELFIES token edits of the parents, as ``molecules-selfies`` does, inline."""
    import numpy as np
    import selfies as sf
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    data = json.loads(Path(parents).read_text())
    tokens = [list(sf.split_selfies(s)) for s, _ in data["parents"]]
    alphabet = data["tokens"]
    rng = np.random.default_rng(seed)
    out: list[str] = []
    valid = 0
    for _ in range(n):
        k = int(rng.integers(len(tokens)))
        chosen = data["parents"][k][1]
        for _ in range(tries):
            edit = list(tokens[k])
            for _ in range(int(rng.integers(1, max_mutations + 1))):
                op = int(rng.integers(3))
                if op == 1 or not edit:
                    edit.insert(int(rng.integers(len(edit) + 1)), alphabet[int(rng.integers(len(alphabet)))])
                elif op == 0 or len(edit) == 1:
                    edit[int(rng.integers(len(edit)))] = alphabet[int(rng.integers(len(alphabet)))]
                else:
                    del edit[int(rng.integers(len(edit)))]
            mol = Chem.MolFromSmiles(sf.decoder("".join(edit)))
            if mol is not None and mol.GetNumAtoms() and mol.GetNumHeavyAtoms() <= 50:
                smiles = Chem.MolToSmiles(mol)
                if smiles != chosen:
                    chosen = smiles
                    break
        mol = Chem.MolFromSmiles(chosen)
        valid += bool(mol is not None and _passes(mol))
        out.append(chosen)
    return {"n": len(out), "valid": valid, "unique": len(set(out))}


def bare_validate(smiles: str) -> dict[str, Any]:
    """``Chem.MolFromSmiles`` (parse + sanitize) and the four checks inline, per SMILES."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    samples = json.loads(Path(smiles).read_text())
    valid = 0
    for s in samples:
        mol = Chem.MolFromSmiles(s)
        valid += bool(mol is not None and _passes(mol))
    return {"n": len(samples), "valid": valid}


def ours_validate(smiles: str) -> dict[str, Any]:
    """synthgenesis ``validate_batch`` with every molecules rule on the same SMILES."""
    import pandas as pd

    import synthgenesis.plugins.molecules as molecules
    from synthgenesis.manager import PluginManager
    from synthgenesis.pipeline import validate_batch

    samples = json.loads(Path(smiles).read_text())
    pm = PluginManager(autoload=False)
    pm.register(molecules, name="molecules")
    batch = pd.DataFrame({"record_id": range(1, len(samples) + 1), "smiles": samples})
    outcome = validate_batch(pm.domain(DOMAIN), batch, pm.rules(DOMAIN))
    return {"n": len(samples), "valid": int(outcome.valid.sum())}


# ----------------------------------------------------------------------------- measuring


def _prepare(folder: Path, n_validate: int) -> dict[str, str]:
    """Fragment library, SELFIES parents and SMILES to validate, written as JSON for the peers."""
    from synthgenesis.plugins.molecules.generators import brics, selfies_mutation
    from synthgenesis.plugins.molecules.reference import load_nci_5k

    nci = load_nci_5k()
    paths = {name: str(folder / f"{name}.json") for name in ("library", "parents", "smiles")}
    Path(paths["library"]).write_text(json.dumps(brics().fit(nci).get_state()["fragments"]))
    state = selfies_mutation().fit(nci).get_state()
    Path(paths["parents"]).write_text(json.dumps({"parents": state["parents"], "tokens": state["tokens"]}))
    smiles = nci["smiles"].tolist()
    Path(paths["smiles"]).write_text(json.dumps((smiles * (n_validate // len(smiles) + 1))[:n_validate]))
    return paths


def _with_ratio(peer: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    ratio = harness.ratio(ours, peer)
    note = f"synthgenesis ({ours['label'].removeprefix('synthgenesis ')}) / this: {ratio:.2f}x items/s"
    return {**peer, "ratio": ratio, "notes": "; ".join(filter(None, [peer.get("notes", ""), note]))}


def measure(quick: bool) -> list[dict[str, Any]]:
    """Engine rows (1 and 2 workers) per generator, then the bare peers, then validation."""
    n = 2_000 if quick else 20_000
    n_brics_peer = 100 if quick else 1_000  # BRICSBuild manages tens of molecules per second
    n_validate = 5_000 if quick else 20_000
    block = 500 if quick else 2_000
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = _prepare(Path(tmp), n_validate)
        engine: dict[str, dict[str, Any]] = {}
        for generator in GENERATORS:
            for workers in (1, 2):
                row = harness.engine_run(
                    DOMAIN,
                    generator,
                    n,
                    workers,
                    reference=REFERENCE,
                    block_size=block,
                    id_column="record_id",
                )
                row["notes"] = f"fit on {REFERENCE}: {row['fit_seconds']:.1f} s, not counted"
                rows.append(row)
                engine.setdefault(generator, row)
        brics_peer = harness.peer_run(
            "bare RDKit BRICS.BRICSBuild",
            "bench_molecules:bare_brics",
            library=paths["library"],
            n=n_brics_peer,
            seed=2024,
        )
        brics_peer["notes"] = (
            f"{brics_peer['fragment_sets']} fragment sets, {brics_peer['unique']} distinct molecules"
        )
        rows.append(_with_ratio(brics_peer, engine["molecules-brics"]))
        selfies_peer = harness.peer_run(
            "bare selfies + RDKit mutation",
            "bench_molecules:bare_selfies",
            parents=paths["parents"],
            n=n,
            seed=2024,
        )
        selfies_peer["notes"] = f"{selfies_peer['valid']} pass the checks"
        rows.append(_with_ratio(selfies_peer, engine["molecules-selfies"]))
        ours = harness.peer_run(
            "synthgenesis validate_batch, 4 molecules rules",
            "bench_molecules:ours_validate",
            smiles=paths["smiles"],
        )
        ours["notes"] = f"{ours['valid']} valid"
        bare = harness.peer_run(
            "bare RDKit MolFromSmiles + checks", "bench_molecules:bare_validate", smiles=paths["smiles"]
        )
        bare["notes"] = f"{bare['valid']} valid"
        rows += [ours, _with_ratio(bare, ours)]
    return rows


def main() -> None:
    """Run the molecules benchmark and print the synthgenesis / bare ratios."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="2,000 molecules per engine run (under a minute)"
    )
    args = parser.parse_args()
    rows = measure(args.quick)
    harness.print_table(f"molecules ({'quick' if args.quick else 'full'} sizes; {harness.machine()})", rows)
    print("ratios, synthgenesis / bare (items per second; above 1: synthgenesis is faster):")
    for row in rows:
        if "ratio" in row:
            print(f"  {row['label']}: {row['ratio']:.2f}x")


if __name__ == "__main__":
    main()
