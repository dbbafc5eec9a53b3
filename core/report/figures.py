"""Evidence plots of the report, rendered with Matplotlib's Agg canvas to base64 PNG.

Figures are built with :class:`matplotlib.figure.Figure` on a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, never through ``pyplot``,
so no global figure state is touched and nothing needs closing afterwards.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REAL, SYNTHETIC, HOLDOUT = "#1f6f8b", "#e07a2f", "#6a994e"
_DPI = 100


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig: Figure) -> str:
    """PNG of ``fig`` as a ``data:`` URI; the figure is cleared afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _numeric_panel(ax: Axes, real: np.ndarray, synthetic: np.ndarray) -> None:
    pooled = np.concatenate([real, synthetic]).astype(float)
    low, high = np.quantile(pooled, [0.005, 0.995])
    if not high > low:
        low, high = float(pooled.min()) - 0.5, float(pooled.max()) + 0.5
    bins = np.linspace(low, high, 31).tolist()
    ax.hist(np.clip(real, low, high), bins=bins, density=True, alpha=0.55, color=REAL, label="real")
    ax.hist(
        np.clip(synthetic, low, high), bins=bins, density=True, alpha=0.55, color=SYNTHETIC, label="synthetic"
    )


def _categorical_panel(ax: Axes, real: np.ndarray, synthetic: np.ndarray) -> None:
    levels, counts = np.unique(real.astype(str), return_counts=True)
    order = [levels[i] for i in np.argsort(-counts, kind="stable")][:12]
    syn = synthetic.astype(str)
    p = [float(np.mean(real.astype(str) == v)) for v in order]
    q = [float(np.mean(syn == v)) for v in order]
    x = np.arange(len(order))
    ax.bar(x - 0.2, p, width=0.4, color=REAL, label="real")
    ax.bar(x + 0.2, q, width=0.4, color=SYNTHETIC, label="synthetic")
    ax.set_xticks(x, [_short(v, 10) for v in order], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("share", fontsize=8)


def marginals(samples: dict[str, dict[str, Any]], distances: dict[str, Any]) -> str | None:
    """Real versus synthetic marginals of the most different columns."""
    if not samples:
        return None
    columns = list(samples)
    ncols = min(3, len(columns))
    nrows = int(np.ceil(len(columns) / ncols))
    fig = _figure(3.3 * ncols, 2.6 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, column in zip(axes, columns, strict=False):
        entry = samples[column]
        if entry["kind"] == "numeric":
            _numeric_panel(ax, np.asarray(entry["real"]), np.asarray(entry["synthetic"]))
        else:
            _categorical_panel(ax, np.asarray(entry["real"]), np.asarray(entry["synthetic"]))
        info = distances.get(column, {})
        value = info.get("distance")
        label = f"{info.get('statistic', '').upper()} {value:.3f}" if value is not None else ""
        ax.set_title(f"{_short(column)}\n{label}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    return to_data_uri(fig)


def association(
    real: np.ndarray, synthetic: np.ndarray, columns: Sequence[str], limit: int = 25
) -> str | None:
    """Heatmaps of the real and synthetic association matrices and their difference."""
    real, synthetic = np.asarray(real, dtype=float), np.asarray(synthetic, dtype=float)
    if len(columns) < 2:
        return None
    keep = np.arange(len(columns))
    if len(columns) > limit:
        keep = np.sort(np.argsort(-np.abs(real - synthetic).sum(axis=1))[:limit])
    names = [_short(columns[int(i)], 16) for i in keep]
    sub = np.ix_(keep, keep)
    diff = np.abs(real - synthetic)[sub]
    fig = _figure(11, 3.9)
    axes = fig.subplots(1, 3)
    panels = (
        (real[sub], "real", "RdBu_r", -1.0, 1.0),
        (synthetic[sub], "synthetic", "RdBu_r", -1.0, 1.0),
        (diff, "|real - synthetic|", "Reds", 0.0, max(0.1, float(diff.max()))),
    )
    for ax, (matrix, title, cmap, vmin, vmax) in zip(axes, panels, strict=True):
        image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=10)
        ticks = np.arange(len(names))
        fontsize = 8 if len(names) <= 15 else 6
        ax.set_xticks(ticks, names, rotation=90, fontsize=fontsize)
        ax.set_yticks(ticks, names if ax is axes[0] else [], fontsize=fontsize)
        fig.colorbar(image, ax=ax, shrink=0.75)
    return to_data_uri(fig)


def prdc(metrics: dict[str, Any]) -> str:
    """Bars of precision, recall, density and coverage."""
    names = ["precision", "recall", "density", "coverage"]
    values = [metrics[n] for n in names]
    fig = _figure(5.2, 3.0)
    ax = fig.subplots()
    colors = [REAL, SYNTHETIC, "#8d6cab", HOLDOUT]
    bars = ax.bar(names, values, color=colors)
    ax.axhline(1.0, color="#555", linestyle="--", linewidth=1)
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_ylim(0, max(1.15, max(values) * 1.15))
    ax.set_title(f"PRDC (k = {metrics.get('k', '?')}); 1 = matches real", fontsize=10)
    return to_data_uri(fig)


def importances(top: list[dict[str, Any]]) -> str | None:
    """Columns the real-vs-synthetic classifier relies on most."""
    if not top:
        return None
    top = top[::-1]
    fig = _figure(5.2, 0.35 * len(top) + 1.2)
    ax = fig.subplots()
    ax.barh(
        [_short(t["feature"]) for t in top],
        [t["importance"] for t in top],
        xerr=[t["std"] for t in top],
        color=SYNTHETIC,
    )
    ax.set_xlabel("drop in C2ST AUC when shuffled", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title("What gives synthetic rows away", fontsize=10)
    return to_data_uri(fig)


def rare_regions(metrics: dict[str, Any], limit: int = 16) -> str | None:
    """Real versus synthetic share of the rare regions, the most depleted first."""
    rows: list[tuple[str, float, float]] = []
    for column, entry in metrics.get("tails", {}).items():
        for side in ("low", "high"):
            tail = entry.get(side)
            if tail and "ratio" in tail:
                rows.append((f"{column} {side} tail", tail["real_share"], tail["synthetic_share"]))
    for column, cats in metrics.get("rare_categories", {}).items():
        for value, info in cats.items():
            rows.append((f"{column}={value}", info["real_frequency"], info["synthetic_frequency"]))
    minority = metrics.get("minority_label")
    if minority:
        rows.append((f"label {minority['label']}", minority["real_rate"], minority["synthetic_rate"]))
    if not rows:
        return None
    rows.sort(key=lambda r: r[2] / r[1] if r[1] > 0 else 1.0)
    rows = rows[:limit][::-1]
    fig = _figure(6.0, 0.32 * len(rows) + 1.3)
    ax = fig.subplots()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, [r[1] for r in rows], height=0.4, color=REAL, label="real")
    ax.barh(y - 0.2, [r[2] for r in rows], height=0.4, color=SYNTHETIC, label="synthetic")
    ax.set_yticks(y, [_short(r[0], 32) for r in rows], fontsize=7)
    ax.set_xlabel("share of rows in the region", fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title("Rare regions, most depleted at the top", fontsize=10)
    return to_data_uri(fig)


def subgroups(metrics: dict[str, Any]) -> str | None:
    """Per sensitive column: subgroup label rates (or shares without a target)."""
    columns = metrics.get("columns", {})
    if not columns:
        return None
    with_rate = metrics.get("rate") is not None
    key_real, key_syn = ("real_rate", "synthetic_rate") if with_rate else ("real_share", "synthetic_share")
    fig = _figure(4.2 * len(columns), 3.2)
    axes = np.atleast_1d(fig.subplots(1, len(columns), squeeze=False)).ravel()
    for ax, (column, entry) in zip(axes, columns.items(), strict=True):
        groups = list(entry["groups"])[:12]
        x = np.arange(len(groups))
        real = [entry["groups"][g].get(key_real) or 0.0 for g in groups]
        syn = [entry["groups"][g].get(key_syn) or 0.0 for g in groups]
        ax.bar(x - 0.2, real, width=0.4, color=REAL, label="real")
        ax.bar(x + 0.2, syn, width=0.4, color=SYNTHETIC, label="synthetic")
        ax.set_xticks(x, [_short(g, 12) for g in groups], rotation=30, ha="right", fontsize=7)
        amp = entry.get("max_amplification")
        suffix = ""
        if amp is not None:
            suffix = f"\nmax amplification {amp:.2f}" + (" (gap reversed)" if amp < 0 else "")
        ax.set_title(f"{_short(column)}{suffix}", fontsize=9)
        ax.set_ylabel("label rate" if with_rate else "share of rows", fontsize=8)
    axes[0].legend(fontsize=7)
    return to_data_uri(fig)


def dcr(train: np.ndarray, holdout: np.ndarray) -> str:
    """Histograms of distances to closest record: to train versus to holdout."""
    train, holdout = np.asarray(train, dtype=float), np.asarray(holdout, dtype=float)
    high = float(np.quantile(np.concatenate([train, holdout]), 0.99)) or 1.0
    bins = np.linspace(0.0, high, 41).tolist()
    fig = _figure(5.6, 3.2)
    ax = fig.subplots()
    ax.hist(np.clip(train, 0, high), bins=bins, alpha=0.55, color=REAL, label="to train")
    ax.hist(np.clip(holdout, 0, high), bins=bins, alpha=0.55, color=HOLDOUT, label="to holdout")
    ax.set_xlabel("distance of a synthetic row to its closest real row", fontsize=8)
    ax.set_ylabel("synthetic rows", fontsize=8)
    ax.legend(fontsize=8)
    ax.set_title("DCR: equal curves mean no memorisation", fontsize=10)
    return to_data_uri(fig)


def transfer(metrics: dict[str, Any]) -> str:
    """TSTR versus TRTR bars of the lead metric, with the spread over repeats."""
    lead = metrics["lead_metric"]
    fig = _figure(4.6, 3.2)
    ax = fig.subplots()
    means = [metrics["tstr"][lead]["mean"], metrics["trtr"][lead]["mean"]]
    stds = [metrics["tstr"][lead]["std"], metrics["trtr"][lead]["std"]]
    bars = ax.bar(
        ["train synthetic\n(TSTR)", "train real\n(TRTR)"],
        means,
        yerr=stds,
        color=[SYNTHETIC, REAL],
        capsize=4,
    )
    ax.bar_label(bars, fmt="%.3f", fontsize=9)
    ax.set_ylim(min(0.0, *means) * 1.1, max(1.0, *means) * 1.12)
    ax.set_title(f"{lead.upper()} on real test data", fontsize=10)
    return to_data_uri(fig)


def hybrid(metrics: dict[str, Any]) -> str | None:
    """The lead metric after adding synthetic rows to fractions of the real rows."""
    records = metrics.get("hybrid", [])
    if not records:
        return None
    lead = metrics["lead_metric"]
    fig = _figure(9.5, 3.6)
    ax = fig.subplots()
    for fraction in sorted({r["real_fraction"] for r in records}):
        points = sorted(
            (r["synthetic_multiplier"], r["value"]) for r in records if r["real_fraction"] == fraction
        )
        n_real = next(r["n_real"] for r in records if r["real_fraction"] == fraction)
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            label=f"{fraction:.0%} of real ({n_real:,} rows)",
        )
    ax.set_xticks(sorted({r["synthetic_multiplier"] for r in records}))
    ax.set_xlabel("synthetic rows added, as a multiple of the real rows used", fontsize=9)
    ax.set_ylabel(f"{lead.upper()} on real test data", fontsize=9)
    ax.set_title("Hybrid training: where adding synthetic rows helps or hurts", fontsize=10)
    ax.legend(
        fontsize=8,
        title="real training rows",
        title_fontsize=8,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )
    ax.grid(alpha=0.3)
    return to_data_uri(fig)
