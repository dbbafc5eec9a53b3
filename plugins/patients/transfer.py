"""Survival transfer: does a Cox model fitted on synthetic patients rank real patients' risk?

Train-on-synthetic/test-on-real for time-to-event data: a penalised Cox
proportional-hazards model (lifelines) is fitted once on the synthetic set and
once on the real training set, and both are scored by Harrell's concordance
index on the real holdout. The Kaplan-Meier curves of real and synthetic data
are compared as well (largest vertical gap and a log-rank test), and plotted
for the report.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis._optional import import_optional
from synthgenesis.errors import InvalidDataError
from synthgenesis.plugins.patients.survival import Design

TIME, EVENT = "time", "event"


def _check(table: pd.DataFrame, name: str) -> None:
    for col in (TIME, EVENT):
        if col not in table.columns:
            raise InvalidDataError(f"survival transfer needs {col!r} in the {name} table")


def _cox(table: pd.DataFrame, design: Design, penalizer: float) -> Any:
    lifelines = import_optional("lifelines", "patients", "survival transfer")
    x = design.matrix(table.drop(columns=[TIME, EVENT]))
    x = (x - x.mean()) / x.std().replace(0, 1).fillna(1)
    frame = x.assign(
        _t=np.maximum(table[TIME].astype(float).to_numpy(), 1e-6), _e=table[EVENT].astype(int).to_numpy()
    )
    fitter = lifelines.CoxPHFitter(penalizer=penalizer)
    fitter.fit(frame, duration_col="_t", event_col="_e")
    return fitter, x.mean(), x.std().replace(0, 1).fillna(1)


def _concordance(model: Any, design: Design, holdout: pd.DataFrame) -> float:
    from lifelines.utils import concordance_index

    fitter, _, _ = model
    x = design.matrix(holdout.drop(columns=[TIME, EVENT]))
    x = (x - x.mean()) / x.std().replace(0, 1).fillna(1)
    risk = fitter.predict_partial_hazard(x).to_numpy()
    return float(concordance_index(holdout[TIME], -risk, holdout[EVENT]))


def _km_plot(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[str, float]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    grid = np.linspace(0, float(max(real[TIME].max(), synthetic[TIME].max())), 200)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    curves = {}
    for label, table, colour in (("real (train)", real, "#1f77b4"), ("synthetic", synthetic, "#d62728")):
        km = KaplanMeierFitter().fit(table[TIME], table[EVENT], label=label)
        km.plot_survival_function(ax=ax, color=colour, ci_show=label == "real (train)")
        curves[label] = km.predict(grid).to_numpy()
    gap = float(np.max(np.abs(curves["real (train)"] - curves["synthetic"])))
    ax.set_xlabel(f"{TIME}")
    ax.set_ylabel("survival probability")
    ax.set_title(f"Kaplan-Meier: largest gap {gap:.3f}")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode(), gap


def survival_transfer(
    train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, seed: int, penalizer: float = 0.1
) -> dict[str, Any]:
    """C-index on real holdout of Cox models trained on synthetic (TSTR) and real (TRTR) data."""
    from lifelines.statistics import logrank_test

    for table, name in ((train, "real"), (synthetic, "synthetic"), (holdout, "holdout")):
        _check(table, name)
    design = Design.fit(train.drop(columns=[TIME, EVENT]))
    tstr = _concordance(_cox(synthetic, design, penalizer), design, holdout)
    trtr = _concordance(_cox(train, design, penalizer), design, holdout)
    image, gap = _km_plot(train, synthetic)
    logrank = logrank_test(train[TIME], synthetic[TIME], train[EVENT], synthetic[EVENT])
    metrics = {
        "c_index_tstr": round(tstr, 6),
        "c_index_trtr": round(trtr, 6),
        # Concordance above chance (0.5) kept by synthetic training, relative to real training.
        "ratio": round((tstr - 0.5) / (trtr - 0.5), 6) if trtr > 0.5 else None,
        "km_max_gap": round(gap, 6),
        "logrank_p": round(float(logrank.p_value), 6),
        "event_rate_real": round(float(train[EVENT].mean()), 6),
        "event_rate_synthetic": round(float(synthetic[EVENT].mean()), 6),
    }
    html = (
        f"<p>A Cox model trained on synthetic patients ranks real holdout patients with concordance "
        f"<b>{tstr:.3f}</b>; trained on real patients, <b>{trtr:.3f}</b> (0.5 is chance). "
        f"Kaplan-Meier curves differ by at most {gap:.3f} (log-rank p = {logrank.p_value:.3g}); event rate "
        f"{metrics['event_rate_synthetic']:.1%} synthetic vs {metrics['event_rate_real']:.1%} real.</p>"
        f'<img alt="Kaplan-Meier curves, real and synthetic" src="data:image/png;base64,{image}"/>'
    )
    return {"metrics": metrics, "sections": [{"title": "Survival transfer", "html": html}]}
