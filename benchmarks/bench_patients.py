"""Patient generators side by side with SDV's GaussianCopula and CTGAN on the same real table.

    python benchmarks/bench_patients.py            # ACTG 175, 2,000 synthetic patients
    python benchmarks/bench_patients.py --quick    # fewer rows, CTGAN with fewer epochs

For each generator, in its own subprocess (so peak memory is its own): fit on
70% of ACTG 175 and sample; then, on the same real holdout, the SDMetrics
quality score, the detection AUC of synthetic vs real (synthgenesis'
classifier two-sample test; 0.5 = indistinguishable) and the TSTR/TRTR ratio
for predicting the event. Ratios are printed against SDV's GaussianCopula.

SDV and SDMetrics are source-available: they are used here only, never by
synthgenesis itself. Install them in a separate environment, torch first with
its pin so pip does not resolve a large accelerator build:

    pip install torch==2.13.0 && pip install sdv -e ".[patients]"

Without SDV the script still runs the synthgenesis generators and says what it skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
from harness import own_peak_mib

OURS = ("patients-gaussian-copula", "patients-bayesian-network", "patients-survival")
SDV = ("sdv-gaussian-copula", "sdv-ctgan")


def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """ACTG 175 split 70/30 (stratified on the event) the way the study engine splits it."""
    from synthgenesis.plugins.patients.datasets import load_actg175
    from synthgenesis.study import split_reference

    return split_reference(load_actg175(), 0.3, seed=0, stratify="event")


def worker(name: str, n: int, out: Path, epochs: int) -> None:
    """Fit and sample one generator; print its timings and peak memory as JSON."""
    warnings.filterwarnings("ignore")
    train, _ = split()
    start = time.perf_counter()
    if name in OURS:
        import synthgenesis.plugins.patients as patients
        from synthgenesis.manager import PluginManager

        pm = PluginManager(autoload=False)
        pm.register(patients, name="patients")
        gen = pm.generator(name).create().fit(train)
        fitted = time.perf_counter()
        synthetic = gen.sample(n, seed=0)
    else:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer

        metadata = Metadata.detect_from_dataframes({"patients": train.drop(columns=["patient_id"])})
        synth = (
            GaussianCopulaSynthesizer(metadata)
            if name == "sdv-gaussian-copula"
            else CTGANSynthesizer(metadata, epochs=epochs)
        )
        synth.fit({"patients": train.drop(columns=["patient_id"])})
        fitted = time.perf_counter()
        synthetic = synth.sample(n)["patients"]
        synthetic.insert(0, "patient_id", range(1, n + 1))
    done = time.perf_counter()
    synthetic.to_parquet(out)
    peak_mib = own_peak_mib()
    print(json.dumps({"fit_s": fitted - start, "sample_s": done - fitted, "peak_mib": peak_mib}))


def quality(train: pd.DataFrame, synthetic: pd.DataFrame) -> float | None:
    """SDMetrics' quality score of ``synthetic`` against ``train``; None without sdmetrics."""
    if importlib.util.find_spec("sdmetrics") is None:
        return None
    from sdmetrics.reports.single_table.quality_report import QualityReport
    from sdv.metadata import Metadata

    real = train.drop(columns=["patient_id"])
    metadata = Metadata.detect_from_dataframes({"patients": real}).to_dict()["tables"]["patients"]
    report = QualityReport()
    report.generate(real, synthetic[real.columns], metadata, verbose=False)
    return float(report.get_score())


def main() -> None:
    """Compare the patients generators with SDV's, each in its own process."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=300, help="CTGAN epochs")
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.n, args.out, args.epochs)
        return
    if args.quick:
        args.n, args.epochs = 500, 30
    from synthgenesis.evaluation import evaluate
    from synthgenesis.plugins.patients.domain import featurize

    have_sdv = importlib.util.find_spec("sdv") is not None
    names = list(OURS) + (list(SDV) if have_sdv else [])
    if not have_sdv:
        print("SDV is not installed: running synthgenesis generators only (see the docstring to add SDV)")
    train, holdout = split()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            path = Path(tmp) / f"{name}.parquet"
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                name,
                "--n",
                str(args.n),
                "--epochs",
                str(args.epochs),
                "--out",
                str(path),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}")
                continue
            timing = json.loads(proc.stdout.strip().splitlines()[-1])
            synthetic = pd.read_parquet(path)
            result = evaluate(
                featurize(train),
                featurize(synthetic),
                holdout=featurize(holdout),
                target="event",
                task="classification",
                metrics=["detection", "utility"],
                seed=0,
            )
            rows.append(
                {
                    "generator": name,
                    "fit+sample s": timing["fit_s"] + timing["sample_s"],
                    "peak MiB": timing["peak_mib"],
                    "quality": quality(train, synthetic),
                    "detection AUC": result.metrics["detection"]["c2st_auc"],
                    "TSTR/TRTR": result.metrics["utility"]["ratio"],
                }
            )
            print(f"done: {name}", file=sys.stderr)
    table = pd.DataFrame(rows).set_index("generator")
    base = "sdv-gaussian-copula" if "sdv-gaussian-copula" in table.index else None
    print(
        f"\nACTG 175: fit on {len(train)} real patients, {args.n} synthetic, "
        f"evaluated on {len(holdout)} real (CTGAN epochs {args.epochs})\n"
    )
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    if base is not None:
        ratios = table[["fit+sample s", "peak MiB"]] / table.loc[base, ["fit+sample s", "peak MiB"]]
        print(f"\ncost relative to {base} (below 1 is cheaper):\n")
        print(ratios.to_string(float_format=lambda v: f"{v:.2f}x"))


if __name__ == "__main__":
    main()
