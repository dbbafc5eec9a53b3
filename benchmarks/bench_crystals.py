"""Crystal generators against the same work written directly with pymatgen, and the charge rule against SMACT.

    python benchmarks/bench_crystals.py            # 4,000 structures per engine run
    python benchmarks/bench_crystals.py --quick    # 300 structures per engine run

Every timed row runs in its own subprocess (``harness``):

- synthgenesis ``crystals-substitution`` and ``crystals-perturbation``, fitted
  on the 288 AFLOW prototypes shipped with pymatgen, generating and validating
  (every crystals rule) on the block engine with 1 and 2 workers;
- "plain pymatgen": the same two generators and the same four checks written
  directly against pymatgen (``SubstitutionProbability``,
  ``RLSVolumePredictor``, ``Deformation``, ``get_neighbor_list``,
  ``Composition.oxi_state_guesses``), without synthgenesis. Its setup (loading
  the prototypes and the substitution table, guessing oxidation states) is
  reported apart and left out of its throughput, as the fit is for
  synthgenesis;
- the two compositional rules against SMACT's ``smact_validity`` on real
  compositions: every distinct formula of the AFLOW prototypes, of the
  Materials Project structures in ``pymatgen/util/structures`` and of the
  experimental and computed tables in ``pymatgen/analysis/compatibility``
  (2,359 formulas). The default ``crystals-charge-neutrality`` (SMACT's
  definition on pymatgen's element data, mixed valence allowed), the same
  with SMACT's literature settings (``oxidation_states="all"``, one state
  per element) and the opt-in ionic ``crystals-charge-balance`` are compared
  with ``smact_validity`` as CDVAE and later papers ran it (SMACT's 2014
  oxidation states, ``oxidation_states_set="smact14"``), with its
  ``mixed_valence=True`` and with the current SMACT default (ICSD 2024
  states). Agreement and the formulas on which they disagree are printed.

Then, in this process, acceptance (one round of generation under every rule),
uniqueness and novelty against AFLOW (pymatgen ``StructureMatcher``) of each
generator on a sample.

SMACT is a benchmark dependency only (it pulls in ASE, LGPL): ``pip install smact``.
Without it the SMACT rows are skipped with a message.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import importlib.util
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

REFERENCE = "crystals-aflow-prototypes"
GENERATORS = ("crystals-substitution", "crystals-perturbation")
THRESHOLD = 1e-3  # minimum substitution probability, as crystals-substitution's default
SIGMA, STRAIN = 0.05, 0.02  # crystals-perturbation's defaults
VOLUME_RANGE = (3.0, 150.0)  # crystals-volume-per-atom's default


# ----------------------------------------------------------------------------- plain pymatgen


def _aflow_structures() -> list[Any]:
    """The AFLOW prototypes, read straight from pymatgen's data file."""
    from pymatgen.core import Structure

    spec = importlib.util.find_spec("pymatgen")
    root = next(Path(p) for p in spec.submodule_search_locations)  # type: ignore[union-attr]
    with gzip.open(root / "analysis" / "prototypes" / "aflow_prototypes.json.gz", "rt") as fh:
        return [Structure.from_dict(entry["snl"]) for entry in json.load(fh)]


def _plain_valid(structure: Any, radii: dict[str, float]) -> bool:
    """The four crystals rules written with pymatgen calls (covalent radii as in crystals-min-distance)."""
    from pymatgen.core import DummySpecies

    comp = structure.composition
    if any(isinstance(sp, DummySpecies) for sp in comp):
        return False
    vpa = structure.volume / comp.num_atoms
    if not VOLUME_RANGE[0] <= vpa <= VOLUME_RANGE[1]:
        return False
    r = np.array([_radius(radii, site.specie.symbol) for site in structure])
    cutoff = max(0.5, float(np.nanmax(r))) if np.isfinite(r).any() else 0.5
    centres, points, _images, dist = structure.get_neighbor_list(cutoff)
    if len(dist) and (dist < np.fmax(0.5, 0.5 * (r[centres] + r[points]))).any():
        return False
    if len(comp.elements) == 1 or all(el.is_metal for el in comp.elements):
        return True
    return bool(comp.reduced_composition.oxi_state_guesses())


def _radius(radii: dict[str, float], symbol: str) -> float:
    """Covalent radius, else pymatgen's atomic radius, else NaN (the absolute 0.5 Å floor applies)."""
    from pymatgen.core import Element

    if symbol in radii:
        return radii[symbol]
    atomic = Element(symbol).atomic_radius
    return float(atomic) if atomic is not None else float("nan")


def _covalent_radii() -> dict[str, float]:
    from pymatgen.analysis.molecule_structure_comparator import CovalentRadius

    return {str(k): float(v) for k, v in CovalentRadius.radius.items()}


def plain_substitution(n: int, seed: int) -> dict[str, Any]:
    """Hautier substitution + RLS volume + the four checks, straight pymatgen."""
    t0 = time.perf_counter()
    from pymatgen.analysis.structure_prediction.substitution_probability import SubstitutionProbability
    from pymatgen.analysis.structure_prediction.volume_predictor import RLSVolumePredictor
    from pymatgen.core import Element, Species

    warnings.simplefilter("ignore")
    table = SubstitutionProbability()
    predictor = RLSVolumePredictor(check_isostructural=False, use_bv=False)
    radii = _covalent_radii()
    options: dict[Any, list[tuple[Any, float]]] = {}
    parents = []
    for s in _aflow_structures():
        comp = s.composition
        if len(comp.elements) < 2 or all(el.is_metal for el in comp.elements):
            continue
        guesses = comp.reduced_composition.oxi_state_guesses()
        if not guesses or not all(float(v).is_integer() for v in guesses[0].values()):
            continue
        ions = {el: Species(el, int(v)) for el, v in guesses[0].items()}
        for ion in ions.values():
            if ion not in options:
                options[ion] = [
                    (t, table.cond_prob(t, ion))
                    for t in sorted(table.species, key=str)
                    if t.oxi_state == ion.oxi_state
                    and t.symbol != ion.symbol
                    and t.oxi_state
                    in set(Element(t.symbol).icsd_oxidation_states or ())
                    | set(Element(t.symbol).common_oxidation_states)
                    and table.get_lambda(t, ion) != table.alpha
                    and table.cond_prob(t, ion) >= THRESHOLD
                ]
        if any(options[ion] for ion in ions.values()):
            decorated = s.copy()
            decorated.add_oxidation_state_by_element({el: ion.oxi_state for el, ion in ions.items()})
            parents.append((s, decorated, ions))
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    accepted = 0
    for _ in range(n):
        while True:
            s, decorated, ions = parents[rng.integers(len(parents))]
            changeable = [el for el, ion in ions.items() if options[ion]]
            chosen = rng.permutation(len(changeable))[: rng.integers(1, len(changeable) + 1)]
            present = set(ions)
            mapping = {}
            for i in chosen:
                el = changeable[i]
                cands = [(t, p) for t, p in options[ions[el]] if t.symbol not in present]
                if cands:
                    w = np.array([p for _t, p in cands])
                    new = cands[rng.choice(len(cands), p=w / w.sum())][0]
                    mapping[el] = new
                    present.discard(el)
                    present.add(new.symbol)
            if mapping:
                break
        new_decorated = decorated.copy()
        new_decorated.replace_species({ions[el]: ion for el, ion in mapping.items()})
        volume = predictor.predict(new_decorated, decorated)
        new_structure = s.copy()
        new_structure.replace_species({el: ion.symbol for el, ion in mapping.items()})
        new_structure.scale_lattice(volume)
        accepted += _plain_valid(new_structure, radii)
    return {"n": n, "accepted": accepted, "acceptance": accepted / n, "setup_seconds": setup}


def plain_perturbation(n: int, seed: int) -> dict[str, Any]:
    """Symmetric strain (pymatgen ``Deformation``) + Gaussian displacements + the four checks."""
    t0 = time.perf_counter()
    from pymatgen.analysis.elasticity.strain import Deformation
    from pymatgen.core import Structure

    warnings.simplefilter("ignore")
    parents = _aflow_structures()
    radii = _covalent_radii()
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    accepted = 0
    for _ in range(n):
        s = parents[rng.integers(len(parents))]
        g = rng.normal(0.0, STRAIN, size=(3, 3))
        new = Deformation(np.eye(3) + (g + g.T) / 2).apply_to_structure(s)
        moves = rng.normal(0.0, SIGMA, size=(len(new), 3))
        new = Structure(new.lattice, new.species_and_occu, new.cart_coords + moves, coords_are_cartesian=True)
        accepted += _plain_valid(new, radii)
    return {"n": n, "accepted": accepted, "acceptance": accepted / n, "setup_seconds": setup}


# ----------------------------------------------------------------------------- charge balance


#: The compositional rules compared with SMACT: label -> (rule class, constructor arguments).
OUR_CHARGE_RULES = {
    "synthgenesis crystals-charge-neutrality (default)": ("ChargeNeutrality", {}),
    "synthgenesis crystals-charge-neutrality, literature settings": (
        "ChargeNeutrality",
        {"oxidation_states": "all", "mixed_valence": False},
    ),
    "synthgenesis crystals-charge-balance (opt-in, ionic)": ("ChargeBalance", {}),
}
#: SMACT's settings compared: label -> ``smact_validity`` keyword arguments.
SMACT_SETTINGS = {
    "SMACT smact_validity, 2014 states (CDVAE)": {"oxidation_states_set": "smact14"},
    "SMACT smact_validity, 2014 states, mixed valence": {
        "oxidation_states_set": "smact14",
        "mixed_valence": True,
    },
    "SMACT smact_validity, current default (ICSD 2024)": {},
}


def ours_charge(path: str, rule: str, options: dict[str, Any]) -> dict[str, Any]:
    """A compositional rule's verdict on each formula."""
    t0 = time.perf_counter()
    from pymatgen.core import Composition

    from synthgenesis.plugins.crystals import rules

    checker = getattr(rules, rule)(**options)
    formulas = json.loads(Path(path).read_text())
    setup = time.perf_counter() - t0
    verdicts = [checker.composition_reason(Composition(f)) is None for f in formulas]
    return {"n": len(formulas), "verdicts": verdicts, "formulas": formulas, "setup_seconds": setup}


def smact_charge(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """SMACT's ``smact_validity`` with ``options`` on each formula."""
    t0 = time.perf_counter()
    from pymatgen.core import Composition
    from smact.screening import smact_validity

    warnings.simplefilter("ignore")
    formulas = json.loads(Path(path).read_text())
    setup = time.perf_counter() - t0
    verdicts = [bool(smact_validity(Composition(f), **options)) for f in formulas]
    return {"n": len(formulas), "verdicts": verdicts, "setup_seconds": setup}


def real_formulas() -> list[str]:
    """Distinct formulas of the real structures and composition tables pymatgen ships."""
    from pymatgen.core import Composition, Structure

    from synthgenesis.plugins.crystals.reference import load_aflow_prototypes, pymatgen_data_file

    warnings.simplefilter("ignore")
    root = pymatgen_data_file("core").parent
    formulas = {s.composition.reduced_formula for s in load_aflow_prototypes()["structure"]}
    formulas |= {
        Structure.from_file(f).composition.formula for f in (root / "util" / "structures").glob("*.json")
    }
    with gzip.open(root / "analysis" / "compatibility" / "exp_compounds.json.gz", "rt") as fh:
        formulas |= {entry["formula"] for entry in json.load(fh)}
    with gzip.open(root / "analysis" / "compatibility" / "calc_compounds.json.gz", "rt") as fh:
        formulas |= set(json.load(fh))
    distinct: dict[Composition, str] = {}
    for f in sorted(formulas):
        distinct.setdefault(Composition(f), f)
    return sorted(distinct.values())


# ----------------------------------------------------------------------------- in-process measures


@functools.cache
def _fitted() -> tuple[Any, Any, dict[str, Any]]:
    """The plugin manager, the AFLOW reference and both generators fitted on it (once per process)."""
    import synthgenesis.plugins.crystals as crystals
    from synthgenesis.manager import PluginManager
    from synthgenesis.plugins.crystals.reference import load_aflow_prototypes

    warnings.simplefilter("ignore")
    pm = PluginManager(autoload=False)
    pm.register(crystals, name="crystals")
    reference = load_aflow_prototypes()
    return (
        pm,
        reference,
        {name: pm.generator(name, "crystals").create().fit(reference) for name in GENERATORS},
    )


def quality(n: int, seed: int = 2024) -> list[dict[str, Any]]:
    """Acceptance (one round, every rule), uniqueness and novelty vs AFLOW of ``n`` samples per generator."""
    from synthgenesis.pipeline import validate_batch
    from synthgenesis.plugins.crystals.diversity import diversity

    pm, reference, fitted = _fitted()
    rows = []
    for name, gen in fitted.items():
        batch = gen.sample(n, seed=seed)
        outcome = validate_batch(pm.domain("crystals"), batch, pm.rules("crystals"))
        div = diversity(batch["structure"].tolist(), reference["structure"].tolist())
        rows.append(
            {
                "generator": name,
                "n": n,
                "acceptance": float(outcome.valid.mean()),
                "failed": {k: st.failed for k, st in outcome.stats.items() if st.failed},
                "uniqueness": div.uniqueness,
                "novelty": div.novelty,
            }
        )
    return rows


# ----------------------------------------------------------------------------- the table


def _peer_row(label: str, target: str, **kwargs: Any) -> dict[str, Any]:
    row = harness.peer_run(label, target, **kwargs)
    setup = row.pop("setup_seconds", 0.0)
    row["seconds"] -= setup
    row["per_s"] = row["n"] / row["seconds"]
    row["notes"] = f"setup {setup:.1f} s not counted"
    if "verdicts" in row:
        row["notes"] = f"{sum(row['verdicts']):,} of {row['n']:,} formulas pass; {row['notes']}"
    return row


def measure(quick: bool) -> list[dict[str, Any]]:
    """Engine rows (each generator, 1 and 2 workers) and peer rows, for the cross-domain table."""
    n = 300 if quick else 4000
    block = 100 if quick else 500
    rows = []
    for name in GENERATORS:
        for workers in (1, 2):
            rows.append(
                harness.engine_run("crystals", name, n, workers, reference=REFERENCE, block_size=block)
            )
    rows.append(
        _peer_row("plain pymatgen substitution + checks", "bench_crystals:plain_substitution", n=n, seed=1)
    )
    rows.append(
        _peer_row("plain pymatgen perturbation + checks", "bench_crystals:plain_perturbation", n=n, seed=1)
    )
    formulas = real_formulas()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "formulas.json"
        path.write_text(json.dumps(formulas))
        charge_rows = [
            _peer_row(label, "bench_crystals:ours_charge", path=str(path), rule=rule, options=options)
            for label, (rule, options) in OUR_CHARGE_RULES.items()
        ]
        if importlib.util.find_spec("smact") is not None:
            smact_rows = [
                _peer_row(label, "bench_crystals:smact_charge", path=str(path), options=options)
                for label, options in SMACT_SETTINGS.items()
            ]
            for peer in smact_rows:
                agreements = [_agreement(ours, peer, formulas) for ours in charge_rows]
                peer["notes"] += "; " + "; ".join(agreements)
            charge_rows += smact_rows
    for kind in ("substitution", "perturbation"):
        ours = next(r for r in rows if r["label"] == f"synthgenesis crystals-{kind}, 1 worker")
        plain = next(r for r in rows if r["label"] == f"plain pymatgen {kind} + checks")
        plain["notes"] += f"; synthgenesis (1 worker) / this: {harness.ratio(ours, plain):.1f}x"
    return rows + charge_rows


def _agreement(ours: dict[str, Any], peer: dict[str, Any], formulas: list[str]) -> str:
    a, b = ours["verdicts"], peer["verdicts"]
    only_ours = [f for f, x, y in zip(formulas, a, b, strict=True) if x and not y]
    only_peer = [f for f, x, y in zip(formulas, a, b, strict=True) if y and not x]
    agree = 1 - (len(only_ours) + len(only_peer)) / len(formulas)
    return (
        f"vs {ours['label']}: agreement {agree:.1%} on {len(formulas):,} formulas, "
        f"valid for synthgenesis only {len(only_ours)} (e.g. {', '.join(only_ours[:5]) or '-'}), "
        f"for SMACT only {len(only_peer)} (e.g. {', '.join(only_peer[:5]) or '-'})"
    )


def main() -> None:
    """Run the crystals benchmark and print its tables beside the peers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 structures per run instead of 4,000")
    args = parser.parse_args()
    print(f"machine: {harness.machine()}\n")
    n_quality = 60 if args.quick else 300
    rows = measure(args.quick)
    engine = [r for r in rows if r["label"].startswith("synthgenesis crystals-") and "workers" in r]
    harness.print_table(
        "crystals: generate + validate (AFLOW prototypes)", [r for r in rows if "verdicts" not in r]
    )
    harness.print_table("crystals: charge balance of compositions", [r for r in rows if "verdicts" in r])
    peers = {r["label"]: r for r in rows}
    for r in engine:
        kind = "substitution" if "substitution" in r["label"] else "perturbation"
        peer = peers[f"plain pymatgen {kind} + checks"]
        print(
            f"{r['label']} / plain pymatgen: throughput x{harness.ratio(r, peer):.2f}, "
            f"acceptance {r['acceptance']:.1%} vs {peer['acceptance']:.1%}, "
            f"peak memory x{r['peak_mib'] / peer['peak_mib']:.2f}"
        )
    if not any(r["label"].startswith("SMACT") for r in rows):
        print("SMACT is not installed: pip install smact to compare the compositional rules with it")
    print()
    table = [
        "| generator | samples | acceptance | rules failed | uniqueness | novelty vs AFLOW |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for q in quality(n_quality):
        failed = ", ".join(f"{k} {v}" for k, v in q["failed"].items()) or "-"
        table.append(
            f"| {q['generator']} | {q['n']} | {q['acceptance']:.1%} | {failed} "
            f"| {q['uniqueness']:.1%} | {q['novelty']:.1%} |"
        )
    print("### crystals: sample quality (one round, seed 2024)\n\n" + "\n".join(table))


if __name__ == "__main__":
    main()
