"""End-to-end patient example, offline: validate a site export, then compare generators on ACTG 175.

    python examples/patients/run.py            # about five minutes on a laptop
    python examples/patients/run.py --quick    # a smaller run that checks everything works

Writes runs under examples/patients/runs/ and prints where the reports are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthgenesis import get_plugin_manager
from synthgenesis.config import load_config
from synthgenesis.pipeline import validate_batch
from synthgenesis.progress import RichProgress
from synthgenesis.study import run_study

HERE = Path(__file__).parent


def validate_site_export(pm) -> None:
    """A site's own table, mapped onto the contract by site_export.schema.toml, checked against the rules."""
    domain = pm.domain("patients")
    table = domain.read(HERE / "data" / "site_export.csv")
    outcome = validate_batch(domain, table, pm.rules("patients"))
    print(f"site export: {int(outcome.valid.sum())} of {len(table)} records valid")
    for name, stats in outcome.stats.items():
        for example in stats.examples:
            print(f"  {name}: {example}")


def main() -> None:
    """Validate the site export, run the study with each patients generator and print their scores."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small samples and fewer metrics")
    parser.add_argument("--out", type=Path, default=HERE / "runs", help="folder for the runs")
    args = parser.parse_args()

    pm = get_plugin_manager()
    validate_site_export(pm)

    rows = []
    for generator in ("patients-gaussian-copula", "patients-bayesian-network", "patients-survival"):
        config = load_config(HERE / "study.toml")
        config.study.name = generator.removeprefix("patients-")
        config.generator.name = generator
        config.generator.params = {"bins": 16} if generator.endswith("network") else {}
        if generator.endswith("survival"):
            config.evaluation.transfer_task = "actg175-survival"
        if args.quick:
            config.sampling.n = 300
            config.evaluation.metrics = ["fidelity", "detection", "diversity"]
            config.output.formats = [".csv"]
        result = run_study(
            config, pm, out=args.out / config.study.name, overwrite=True, progress=RichProgress()
        )
        metrics = json.loads((result.out / "metrics.json").read_text())
        utility = metrics.get("utility", {})
        survival = metrics.get("transfer", {}).get("actg175-survival", {})
        rows.append(
            (
                generator,
                metrics["fidelity"]["score"],
                metrics["detection"]["c2st_auc"],
                metrics["diversity"]["coverage"],
                utility.get("ratio", survival.get("ratio")),
                result.out / "report.html",
            )
        )
    print(f"\n{'generator':28} {'fidelity':>8} {'c2st AUC':>8} {'coverage':>8} {'TSTR/TRTR':>9}  report")
    for name, fid, auc, cov, ratio, report in rows:
        ratio_text = "-" if ratio is None else f"{ratio:.3f}"
        print(f"{name:28} {fid:8.3f} {auc:8.3f} {cov:8.3f} {ratio_text:>9}  {report}")


if __name__ == "__main__":
    main()
