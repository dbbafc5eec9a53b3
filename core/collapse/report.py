"""Verdict sentences built from the per-generation numbers, and the self-contained HTML report."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthgenesis.collapse.lab import REGIMES, CollapseConfig, CollapseResult


@dataclass(frozen=True)
class VerdictRule:
    """A metric judged by a threshold: ``higher_is_better`` says which side is healthy."""

    key: str
    label: str
    threshold: float
    higher_is_better: bool = True


#: The rules behind the verdict, in the order the sentences are written.
VERDICT_RULES: tuple[VerdictRule, ...] = (
    VerdictRule("diversity.recall", "recall", 0.5),
    VerdictRule("diversity.coverage", "coverage", 0.5),
    VerdictRule("spread.variance_ratio", "numeric variance relative to real", 0.5),
    VerdictRule("spread.entropy_ratio", "categorical entropy relative to real", 0.8),
    VerdictRule("rare_events.share", "rare-event survival", 0.5),
    VerdictRule("utility.ratio", "TSTR/TRTR utility ratio", 0.75),
    VerdictRule("detection.c2st_auc", "detection AUC", 0.8, higher_is_better=False),
)

#: Metrics plotted in the report, with their axis labels.
PLOTTED: dict[str, str] = {
    "fidelity.score": "fidelity score",
    "detection.c2st_auc": "detection AUC (0.5 = indistinguishable)",
    "diversity.precision": "precision",
    "diversity.recall": "recall",
    "diversity.density": "density",
    "diversity.coverage": "coverage",
    "rare_events.share": "rare-event survival",
    "rare_events.tail_share": "tail survival",
    "rare_events.rare_category_share": "rare-category survival",
    "spread.variance_ratio": "variance / real variance",
    "spread.entropy_ratio": "entropy / real entropy",
    "utility.tstr": "TSTR (lead metric)",
    "utility.ratio": "TSTR / TRTR",
}

COLOURS = {"replace": "#c0392b", "accumulate": "#1f6f8b", "anchor": "#6a994e"}


def regime_label(regime: str, config: CollapseConfig) -> str:
    """How a regime is named in sentences, e.g. ``anchoring with 10% real (fresh anchors)``."""
    guided = "guided " if config.guided else ""
    if regime == "anchor":
        kind = "fresh" if config.fresh_anchors else "fixed"
        return f"{guided}anchoring with {config.anchor_fraction:.0%} real ({kind} anchors)"
    if regime == "accumulate":
        return f"{guided}accumulating all data"
    return f"{guided}replace"


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def verdicts(result: CollapseResult) -> list[dict[str, Any]]:
    """One entry per judged metric: the sentence and the numbers it was built from.

    For each regime the first generation on the unhealthy side of the rule's threshold is
    named (with the value at generation 1 and at the last generation); regimes that never
    crossed it are said to have kept the metric above (or below) their worst value.
    """
    config = result.config
    out = []
    for rule in VERDICT_RULES:
        per_regime: dict[str, dict[str, Any]] = {}
        for regime in config.regimes:
            values = [(g + 1, v) for g, v in enumerate(result.series(rule.key, regime)) if v is not None]
            if not values:
                continue
            crossed = [
                g for g, v in values if (v < rule.threshold if rule.higher_is_better else v > rule.threshold)
            ]
            worst = min(v for _, v in values) if rule.higher_is_better else max(v for _, v in values)
            per_regime[regime] = {
                "first_crossing": crossed[0] if crossed else None,
                "first": values[0][1],
                "last": values[-1][1],
                "worst": worst,
                "generations": values[-1][0],
            }
        if not per_regime:
            continue
        side = "below" if rule.higher_is_better else "above"
        keep = "above" if rule.higher_is_better else "below"
        parts = []
        for regime, facts in per_regime.items():
            label = regime_label(regime, config)
            if facts["first_crossing"] is not None:
                parts.append(
                    f"{rule.label} fell {side} {rule.threshold:g} at generation {facts['first_crossing']} "
                    f"under {label} ({_fmt(facts['first'])} at generation 1, {_fmt(facts['last'])} "
                    f"at generation {facts['generations']})"
                    if rule.higher_is_better
                    else f"{rule.label} rose {side} {rule.threshold:g} at generation "
                    f"{facts['first_crossing']} under {label} ({_fmt(facts['first'])} at generation 1, "
                    f"{_fmt(facts['last'])} at generation {facts['generations']})"
                )
            else:
                bound = "at or above" if keep == "above" else "at or below"
                parts.append(
                    f"{label} kept {rule.label} {bound} {_fmt(facts['worst'])} "
                    f"(threshold {rule.threshold:g}; {_fmt(facts['last'])} at generation "
                    f"{facts['generations']})"
                )
        sentence = "; ".join(parts)
        out.append(
            {
                "metric": rule.key,
                "threshold": rule.threshold,
                "higher_is_better": rule.higher_is_better,
                "regimes": per_regime,
                "sentence": sentence[0].upper() + sentence[1:] + ".",
            }
        )
    return out


def summary_sentence(entries: Sequence[Mapping[str, Any]]) -> str:
    """The headline: the first judged metric's sentence (recall when it was measured)."""
    return str(entries[0]["sentence"]) if entries else "No metric was measured, so there is no verdict."


# ----------------------------------------------------------------------------- figures


def metric_figure(result: CollapseResult, key: str, label: str) -> str | None:
    """PNG data URI of ``key`` across generations, one line per regime; None if never measured."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from synthgenesis.report.figures import to_data_uri

    lines = {r: result.series(key, r) for r in result.config.regimes}
    if not any(v is not None for values in lines.values() for v in values):
        return None
    fig = Figure(figsize=(5.0, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for regime, values in lines.items():
        points = [(g + 1, v) for g, v in enumerate(values) if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(
                xs,
                ys,
                marker="o",
                color=COLOURS.get(regime),
                label=regime_label(regime, result.config),
            )
    for rule in VERDICT_RULES:
        if rule.key == key:
            ax.axhline(rule.threshold, color="#888888", linestyle="--", linewidth=1)
    ax.set_xlabel("generation")
    ax.set_ylabel(label)
    ax.set_title(key)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7)
    return to_data_uri(fig)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}table{border-collapse:collapse;margin:1em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.verdict{background:#fff8e6;padding:.6em 1em;
border-left:4px solid #e07a2f}.grid{display:flex;flex-wrap:wrap;gap:1em}.grid img{width:500px}
"""


def render_report(
    result: CollapseResult, entries: Sequence[Mapping[str, Any]], *, title: str, run: Mapping[str, Any]
) -> str:
    """The HTML report: run facts, verdict sentences, one figure per metric, the final values."""
    esc = html.escape
    facts = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in run.items())
    sentences = "".join(f"<p>{esc(str(e['sentence']))}</p>" for e in entries)
    figures = []
    for key, label in PLOTTED.items():
        uri = metric_figure(result, key, label)
        if uri is not None:
            figures.append(f'<figure><img alt="{esc(key)} across generations" src="{uri}"></figure>')
    keys = [k for k in PLOTTED if any(r["metrics"].get(k) is not None for r in result.records)]
    head = "".join(f"<th>{esc(k)}</th>" for k in keys)
    rows = []
    for record in result.records:
        cells = "".join(
            f"<td>{record['metrics'][k]:.3f}</td>" if record["metrics"].get(k) is not None else "<td>-</td>"
            for k in keys
        )
        rows.append(
            f"<tr><td>{esc(regime_label(record['regime'], result.config))}</td>"
            f"<td>{record['generation']}</td><td>{record['training_rows']}</td>"
            f"<td>{record['real_share']:.2f}</td>{cells}</tr>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><table>{facts}</table>"
        f"<h2>Verdict</h2><div class='verdict'>{sentences or '<p>No metric was measured.</p>'}</div>"
        "<p>Every generation is measured against the original real training data and the real "
        "holdout; dashed lines mark the verdict thresholds.</p>"
        f"<h2>Metrics across generations</h2><div class='grid'>{''.join(figures)}</div>"
        "<h2>Every generation</h2><table><thead><tr><th>regime</th><th>generation</th>"
        f"<th>training rows</th><th>real share</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>"
    )


def write_report(
    result: CollapseResult,
    entries: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    title: str,
    run: Mapping[str, Any],
) -> Path:
    """Write the collapse report (HTML with its plots) for ``result`` to ``path``."""
    from synthgenesis.io import write_text

    return write_text(path, render_report(result, entries, title=title, run=run))


__all__ = [
    "PLOTTED",
    "REGIMES",
    "VERDICT_RULES",
    "VerdictRule",
    "metric_figure",
    "regime_label",
    "render_report",
    "summary_sentence",
    "verdicts",
    "write_report",
]
