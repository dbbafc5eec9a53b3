"""Turn metrics into one verdict per failure mode, each with the figures that decided it.

Thresholds come from :class:`EvaluationConfig`; ``docs/evaluation.md`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.result import Status, Verdict

Metrics = dict[str, Any]


def _not_applicable(family: Metrics | None, name: str) -> str | None:
    if family is None:
        return f"{name} was not computed (not requested)"
    if not family.get("applicable", True):
        return str(family.get("reason", f"{name} does not apply"))
    return None


def _grade(value: float, warn: float, fail: float, higher_is_worse: bool = True) -> Status:
    if higher_is_worse:
        return "fail" if value >= fail else "warn" if value >= warn else "pass"
    return "fail" if value < fail else "warn" if value < warn else "pass"


def _worst(*statuses: Status) -> Status:
    order = {"pass": 0, "warn": 1, "fail": 2}
    return max(statuses, key=lambda s: order[s])


def mode_collapse(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["diversity"]
    figures = (
        f"precision {d['precision']:.3f}, recall {d['recall']:.3f}, density "
        f"{d['density']:.3f}, coverage {d['coverage']:.3f}; {d['duplicate_rate']:.1%} "
        f"duplicate synthetic rows"
    )
    decision = d["mode_collapse"]
    if decision["detected"] is None:
        return Verdict("mode_collapse", "n/a", f"{figures}. {decision['reason']}.")
    if decision["detected"]:
        return Verdict("mode_collapse", "fail", f"Mode collapse: {decision['reason']} ({figures}).")
    warn_limit = c.collapse_warn_ratio * d["precision"]
    extra_dup = d["duplicate_rate"] - d["real_duplicate_rate"]
    if min(d["recall"], d["coverage"]) < warn_limit or extra_dup >= c.duplicate_rate_warn:
        return Verdict(
            "mode_collapse",
            "warn",
            f"Diversity is somewhat low: {figures} (warn below {c.collapse_warn_ratio:g} x "
            f"precision or {c.duplicate_rate_warn:.0%} extra duplicates).",
        )
    return Verdict("mode_collapse", "pass", f"No sign of mode collapse: {figures}.")


def generator_artifacts(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["detection"]
    auc = d["c2st_auc"]
    features = ", ".join(t["feature"] for t in d["top_features"][:3] if t["importance"] > 0)
    fid = m.get("fidelity") or {}
    score = fid.get("score")
    tail = f"; fidelity score {score:.3f}" if isinstance(score, float) else ""
    relies = f"; it relies most on {features}" if features else ""
    status = _grade(auc, c.c2st_warn, c.c2st_fail)
    lead = {
        "pass": "Synthetic rows are hard to tell from real ones",
        "warn": "A classifier partly tells synthetic rows from real ones",
        "fail": "A classifier easily tells synthetic rows from real ones",
    }[status]
    return Verdict(
        "generator_artifacts",
        status,
        f"{lead}: C2ST AUC {auc:.3f} (0.5 = indistinguishable, warn at {c.c2st_warn:g}, fail "
        f"at {c.c2st_fail:g}){relies}{tail}.",
    )


def rare_event_loss(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["rare_events"]
    share, minority = d["share"], d.get("minority_label")
    if share is None and minority is None:
        return Verdict(
            "rare_event_loss",
            "n/a",
            "No rare region (tail or rare category) and no classification target to check.",
        )
    parts: list[str] = []
    statuses: list[Status] = []
    if share is not None:
        parts.append(
            f"{share:.0%} of {d['n_tails'] + d['n_rare_categories']} rare regions reproduced "
            f"({d['n_tails']} tails, {d['n_rare_categories']} rare categories)"
        )
        statuses.append(_grade(share, c.rare_warn, c.rare_fail, higher_is_worse=False))
    if minority is not None:
        parts.append(
            f"minority label {minority['label']!r} rate {minority['synthetic_rate']:.3f} vs "
            f"{minority['real_rate']:.3f} real (ratio {minority['ratio']:.2f})"
        )
        statuses.append(_grade(minority["ratio"], c.rare_warn, c.rare_fail, higher_is_worse=False))
    status = _worst(*statuses)
    lead = {
        "pass": "Rare events are kept",
        "warn": "Some rare events are thinned out",
        "fail": "Rare events are lost",
    }[status]
    return Verdict("rare_event_loss", status, f"{lead}: {'; '.join(parts)}.")


def bias_amplification(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["bias"]
    gap = d["max_representation_gap"]
    rep = f"largest subgroup share change {gap:.1%}" if gap is not None else ""
    rep_status: Status = "warn" if gap is not None and gap > c.representation_warn else "pass"
    amp, low = d["max_amplification"], d["min_amplification"]
    if amp is None:
        reason = (
            "no target was given, so only subgroup shares are compared"
            if d["rate"] is None
            else "no subgroup has a real disparity large enough to define an amplification factor"
        )
        return Verdict("bias_amplification", rep_status, f"{rep.capitalize()}; {reason}.")
    status = _grade(amp, c.amplification_warn, c.amplification_fail)
    reversed_note = ""
    if low is not None and low < 0:
        status = _worst(status, "warn")
        reversed_note = f"; a subgroup's disparity is reversed (factor {low:.2f})"
    status = _worst(status, rep_status)
    lead = {
        "pass": "Subgroup disparities are preserved",
        "warn": "Subgroup disparities shift",
        "fail": "Bias is amplified",
    }[status]
    return Verdict(
        "bias_amplification",
        status,
        f"{lead}: max amplification {amp:.2f} (1 = kept, warn above {c.amplification_warn:g}, "
        f"fail above {c.amplification_fail:g}) for {d['rate']}; {rep}{reversed_note}.",
    )


def privacy_leak(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["privacy"]
    share, mia, excess = d["dcr_share_closer_to_train"], d["mia_auc"], d["exact_copy_excess_rate"]
    status = _worst(
        _grade(share, c.privacy_share_warn, c.privacy_share_fail),
        _grade(mia, c.mia_warn, c.mia_fail),
        "fail" if excess > c.exact_copy_excess_fail else "warn" if excess > 0 else "pass",
    )
    lead = {
        "pass": "No sign of training-data leakage",
        "warn": "Synthetic rows lean towards the training rows",
        "fail": "Synthetic data leaks training rows",
    }[status]
    return Verdict(
        "privacy_leak",
        status,
        f"{lead}: {share:.0%} of synthetic rows are closer to train than to holdout (0.5 is "
        f"healthy), membership-inference AUC {mia:.3f}, {d['exact_copies']} exact copies of "
        f"real rows ({d['exact_copies_train_reference']} vs {d['exact_copies_holdout']} against "
        f"equal-sized train and holdout references).",
    )


def poor_transfer(m: Metrics, c: EvaluationConfig) -> Verdict:
    d = m["utility"]
    lead = d["lead_metric"]
    tstr, trtr = d["tstr"][lead], d["trtr"][lead]
    figures = (
        f"TSTR {lead.upper()} {tstr['mean']:.3f} ± {tstr['std']:.3f} vs TRTR "
        f"{trtr['mean']:.3f} ± {trtr['std']:.3f}"
    )
    rates = d.get("label_rate")
    if rates:
        figures += (
            f"; positive label {rates['positive_label']!r} rate "
            f"{rates['synthetic']:.3f} synthetic vs {rates['real']:.3f} real"
        )
    ratio = d["ratio"]
    if ratio is None:
        return Verdict(
            "poor_transfer",
            "n/a",
            f"{figures}; the ratio is undefined because the real-data model scores {trtr['mean']:.3f}.",
        )
    status = _grade(ratio, c.transfer_warn, c.transfer_fail, higher_is_worse=False)
    text = {
        "pass": "Models trained on synthetic data transfer to real data",
        "warn": "Models trained on synthetic data lose some accuracy on real data",
        "fail": "Models trained on synthetic data transfer poorly to real data",
    }[status]
    return Verdict(
        "poor_transfer",
        status,
        f"{text}: ratio {ratio:.2f} (warn below {c.transfer_warn:g}, fail below "
        f"{c.transfer_fail:g}); {figures}.",
    )


_RULES: tuple[tuple[str, str, Callable[[Metrics, EvaluationConfig], Verdict]], ...] = (
    ("mode_collapse", "diversity", mode_collapse),
    ("bias_amplification", "bias", bias_amplification),
    ("generator_artifacts", "detection", generator_artifacts),
    ("rare_event_loss", "rare_events", rare_event_loss),
    ("privacy_leak", "privacy", privacy_leak),
    ("poor_transfer", "utility", poor_transfer),
)


def judge(metrics: Metrics, config: EvaluationConfig) -> list[Verdict]:
    """One verdict per failure mode, in report order."""
    out: list[Verdict] = []
    for mode, family, rule in _RULES:
        reason = _not_applicable(metrics.get(family), family)
        if reason is not None:
            out.append(
                Verdict(mode, "n/a", reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else "."))
            )
            continue
        out.append(rule(metrics, config))
    return out
