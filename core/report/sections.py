"""Assemble the report's content from an evaluation result: one section per failure mode."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from synthgenesis.evaluation.bias import describe_amplification
from synthgenesis.evaluation.result import EvaluationResult, Verdict, interval, plus_minus
from synthgenesis.report import figures

Facts = list[tuple[str, str]]


@dataclass
class Section:
    """A failure mode's verdict, its key figures and its evidence plots."""

    key: str
    title: str
    status: str
    summary: str
    label: str = ""
    reason: str = ""
    facts: Facts = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    wide_figures: list[tuple[str, str]] = field(default_factory=list)


def fmt(value: Any) -> str:
    """Short human form of a metric value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}" if abs(value) >= 100 else f"{value:.3f}"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def _level(m: dict[str, Any]) -> str:
    return f"{m.get('evidence_level', 0.95):.0%}"


def _diversity(m: dict[str, Any], _art: dict[str, Any]) -> tuple[Facts, list[tuple[str, str]]]:
    spread = m.get("spread") if m.get("repeats", 1) > 1 else None
    facts = [
        (name, plus_minus(m[name], spread[name]) if spread else fmt(m[name]))
        for name in ("precision", "recall", "density", "coverage")
    ]
    compared = f"{min(m['rows'])} per table"
    available = m.get("rows_available")
    if m.get("subsampled") and available:
        compared += f", drawn from {available[0]} real and {available[1]} synthetic"
        if m.get("repeats", 1) > 1:
            compared += f" (mean ± sd of {m['repeats']} draws)"
    decision = m["mode_collapse"]["detected"]
    facts += [
        (
            "duplicate rows (synthetic / real)",
            f"{_pct(m['duplicate_rate'])} / {_pct(m['real_duplicate_rate'])}",
        ),
        ("rows compared (size-matched)", compared),
        ("mode collapse", "cannot be judged" if decision is None else fmt(decision)),
    ]
    return facts, [("Precision, recall, density and coverage", figures.prdc(m))]


def _bias(m: dict[str, Any], _art: dict[str, Any]) -> tuple[Facts, list[tuple[str, str]]]:
    amp = m["max_amplification"]
    facts = [
        ("max amplification", fmt(amp)),
        ("min amplification", fmt(m["min_amplification"])),
    ]
    if amp is not None and amp != 1:
        facts.append(("max amplification means", describe_amplification(amp)))
    low = m["min_amplification"]
    if low is not None and low < 0 and (amp is None or amp >= 0):
        facts.append(("min amplification means", describe_amplification(low)))
    facts += [
        ("largest subgroup share change", _pct(m["max_representation_gap"])),
        ("rate compared", fmt(m["rate"])),
        ("sensitive columns", ", ".join(m["columns"])),
    ]
    if m.get("judged_groups") is not None:
        facts.append(("subgroups judged", f"{m['judged_groups']} (at least {m['min_group_rows']} rows each)"))
    plot = figures.subgroups(m)
    caption = "Label rate per subgroup" if m["rate"] else "Share of rows per subgroup"
    return facts, [(caption, plot)] if plot else []


def _detection(
    m: dict[str, Any], art: dict[str, Any], fid: dict[str, Any] | None
) -> tuple[Facts, list[tuple[str, str]]]:
    facts = [
        ("C2ST AUC (mean ± sd over folds)", plus_minus(m["c2st_auc"], m["c2st_auc_std"])),
    ]
    if m.get("c2st_auc_interval"):
        facts.append((f"{_level(m)} interval of the AUC", interval(m["c2st_auc_interval"])))
        facts.append(("p-value against chance", fmt(m.get("c2st_p_value"))))
    facts += [
        ("rows per class", fmt(m["rows_per_class"])),
        ("most telling columns", ", ".join(t["feature"] for t in m["top_features"][:3])),
    ]
    plots: list[tuple[str, str]] = []
    plot = figures.importances(m["top_features"])
    if plot:
        plots.append(("Permutation importance in the real-vs-synthetic classifier", plot))
    if fid and fid.get("applicable", True):
        facts += [
            ("fidelity score", fmt(fid["score"])),
            ("mean column distance", fmt(fid["column_distance_mean"])),
            ("association mean |diff|", fmt(fid["association"].get("mean_abs_diff"))),
            ("MMD²", fmt(fid["mmd2"])),
        ]
    return facts, plots


def _fidelity_plots(fid: dict[str, Any] | None, art: dict[str, Any]) -> list[tuple[str, str]]:
    """Wide evidence plots of the fidelity family, shown under generator artifacts."""
    if not fid or not fid.get("applicable", True):
        return []
    plots: list[tuple[str, str]] = []
    plot = figures.marginals(art.get("marginals", {}), fid["columns"])
    if plot:
        plots.append(("Marginals of the most different columns, real versus synthetic", plot))
    assoc = art.get("association")
    if assoc:
        plot = figures.association(assoc["real"], assoc["synthetic"], assoc["columns"])
        if plot:
            plots.append(
                (
                    "Association matrices: Pearson (numeric pairs), Cramér's V "
                    "(categorical pairs), correlation ratio (mixed pairs)",
                    plot,
                )
            )
    return plots


def _rare(m: dict[str, Any], _art: dict[str, Any]) -> tuple[Facts, list[tuple[str, str]]]:
    facts = [
        ("rare regions reproduced", _pct(m["share"])),
        ("tails reproduced", f"{_pct(m['tail_share'])} of {m['n_tails']}"),
        ("rare categories present", f"{_pct(m['rare_category_share'])} of {m['n_rare_categories']}"),
    ]
    if m.get("n_not_judged"):
        facts.append(
            ("regions too rare to judge", f"{m['n_not_judged']} (under {m['min_expected']:g} expected rows)")
        )
    minority = m.get("minority_label")
    if minority:
        facts.append(
            (
                f"label {minority['label']!r} rate (synthetic / real)",
                f"{fmt(minority['synthetic_rate'])} / {fmt(minority['real_rate'])}"
                + ("" if minority.get("judged", True) else " (not judged: too few rows)"),
            )
        )
    plot = figures.rare_regions(m)
    return facts, [("Rare regions: real versus synthetic share", plot)] if plot else []


def _privacy(m: dict[str, Any], art: dict[str, Any]) -> tuple[Facts, list[tuple[str, str]]]:
    facts = [
        ("share closer to train", fmt(m["dcr_share_closer_to_train"])),
    ]
    if m.get("dcr_share_interval"):
        facts.append((f"{_level(m)} interval of the share", interval(m["dcr_share_interval"])))
    facts.append(("membership-inference AUC", fmt(m["mia_auc"])))
    if m.get("mia_auc_interval"):
        facts.append((f"{_level(m)} interval of the AUC", interval(m["mia_auc_interval"])))
    facts += [
        ("exact copies of real rows", fmt(m["exact_copies"])),
        ("median DCR (train / holdout)", f"{fmt(m['dcr_train']['q50'])} / {fmt(m['dcr_holdout']['q50'])}"),
    ]
    if "nndr_train" in m:
        facts.append(
            (
                "mean NNDR (train / holdout)",
                f"{fmt(m['nndr_train']['mean'])} / {fmt(m['nndr_holdout']['mean'])}",
            )
        )
    facts.append(("reference rows each", fmt(m["reference_rows"])))
    plots = []
    if "dcr_train" in art:
        plots.append(("Distance to closest record", figures.dcr(art["dcr_train"], art["dcr_holdout"])))
    return facts, plots


def _utility(m: dict[str, Any], _art: dict[str, Any]) -> tuple[Facts, list[tuple[str, str]]]:
    lead = m["lead_metric"]
    facts = [
        ("lead metric", lead.upper()),
        ("TSTR (mean ± sd over repeats)", plus_minus(m["tstr"][lead]["mean"], m["tstr"][lead]["std"])),
        ("TRTR (mean ± sd over repeats)", plus_minus(m["trtr"][lead]["mean"], m["trtr"][lead]["std"])),
        ("chance level", fmt(m.get("chance"))),
        ("ratio", fmt(m["ratio"])),
        ("test set", f"{m['test_set']['source']} ({m['test_set']['rows']} rows)"),
        ("model", m["model"]),
    ]
    rates = m.get("label_rate")
    if rates:
        facts.append(
            (
                f"label {rates['positive_label']!r} rate (synthetic / real)",
                f"{fmt(rates['synthetic'])} / {fmt(rates['real'])}",
            )
        )
    return facts, [("Train on synthetic versus train on real, tested on real data", figures.transfer(m))]


_FAMILY = {
    "mode_collapse": "diversity",
    "bias_amplification": "bias",
    "generator_artifacts": "detection",
    "rare_event_loss": "rare_events",
    "privacy_leak": "privacy",
    "poor_transfer": "utility",
}


def build_sections(result: EvaluationResult) -> list[Section]:
    """Sections in verdict order, with facts and figures where the family was computed."""
    out: list[Section] = []
    for verdict in result.verdicts:
        out.append(_section(verdict, result))
    return out


def _section(verdict: Verdict, result: EvaluationResult) -> Section:
    section = Section(
        verdict.failure_mode, verdict.title, verdict.status, verdict.summary, verdict.label, verdict.reason
    )
    family = _FAMILY.get(verdict.failure_mode)
    metrics = result.metrics.get(family) if family else None
    if not metrics or not metrics.get("applicable", True):
        return section
    art = result.artifacts.get(family, {}) if family else {}
    if family == "diversity":
        section.facts, section.figures = _diversity(metrics, art)
    elif family == "bias":
        section.facts, section.figures = _bias(metrics, art)
    elif family == "detection":
        section.facts, section.figures = _detection(metrics, art, result.metrics.get("fidelity"))
        section.wide_figures = _fidelity_plots(
            result.metrics.get("fidelity"), result.artifacts.get("fidelity", {})
        )
    elif family == "rare_events":
        section.facts, section.figures = _rare(metrics, art)
    elif family == "privacy":
        section.facts, section.figures = _privacy(metrics, art)
    elif family == "utility":
        section.facts, section.figures = _utility(metrics, art)
        plot = figures.hybrid(metrics)
        if plot:
            section.wide_figures = [("Hybrid curve: one line per fraction of the real training rows", plot)]
    return section


def flatten(metrics: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Dotted key paths and formatted values of a nested metrics dict."""
    rows: list[tuple[str, str]] = []
    if isinstance(metrics, dict):
        for key, value in metrics.items():
            rows += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(metrics, list) and any(isinstance(v, (dict, list)) for v in metrics):
        for i, value in enumerate(metrics):
            rows += flatten(value, f"{prefix}.{i}")
    else:
        rows.append((prefix, fmt(metrics)))
    return rows


def validity_section(summary: dict[str, Any]) -> dict[str, str]:
    """The report section on validity, from a run's ``validation.json`` summary."""
    rows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{st['kind']}</td><td>{st['checked']}</td><td>{st['failed']}</td>"
        f"<td>{st['repaired']}</td><td>{html.escape('; '.join(st['examples'][:2]))}</td></tr>"
        for n, st in summary["rules"].items()
    )
    body = (
        f"<p>{summary['accepted']} of {summary['requested']} requested samples accepted from "
        f"{summary['drawn']} drawn in {summary['rounds']} round(s) "
        f"(acceptance {summary['acceptance_rate']:.1%}).</p>"
        "<table><thead><tr><th>rule</th><th>kind</th><th>checked</th><th>failed</th><th>repaired</th>"
        f"<th>examples</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return {"title": "Validity: rules applied to the generated samples", "html": body}
