"""Turn metrics into one verdict per failure mode, each with the figures that decided it,
and those verdicts into one overall verdict.

Thresholds come from :class:`EvaluationConfig`; ``docs/evaluation.md`` lists them.

A verdict needs evidence. Each rule checks first that its family saw enough rows (the
``*_min_rows`` settings) and, where the statistic has an interval, that the interval
supports the verdict; otherwise the status is ``insufficient`` ("insufficient
evidence") and ``Verdict.reason`` says what is missing. No rule passes on too little
or degenerate data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from synthgenesis.evaluation.bias import describe_amplification
from synthgenesis.evaluation.config import EvaluationConfig
from synthgenesis.evaluation.result import OverallVerdict, Status, Verdict, interval, plus_minus

Metrics = dict[str, Any]

#: The failure modes the overall verdict cannot do without: whether the synthetic rows
#: give themselves away, leak training rows, and still train a model for real data.
DECIDING: tuple[str, ...] = ("generator_artifacts", "privacy_leak", "poor_transfer")


def _not_applicable(family: Metrics | None, name: str) -> tuple[Status, str] | None:
    if family is None:
        return "n/a", f"{name} was not computed (not requested)"
    if not family.get("applicable", True):
        status: Status = "insufficient" if family.get("insufficient_evidence") else "n/a"
        return status, str(family.get("reason", f"{name} does not apply"))
    return None


def _grade(value: float, warn: float, fail: float, higher_is_worse: bool = True) -> Status:
    if higher_is_worse:
        return "fail" if value >= fail else "warn" if value >= warn else "pass"
    return "fail" if value < fail else "warn" if value < warn else "pass"


def _worst(*statuses: Status) -> Status:
    order = {"pass": 0, "warn": 1, "fail": 2}
    return max(statuses, key=lambda s: order[s])


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def mode_collapse(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on mode collapse, from PRDC and the duplicate rate."""
    d = m["diversity"]
    figures = (
        f"precision {d['precision']:.3f}, recall {d['recall']:.3f}, density "
        f"{d['density']:.3f}, coverage {d['coverage']:.3f}; {d['duplicate_rate']:.1%} "
        f"duplicate synthetic rows"
    )
    compared = min(d["rows"])
    basis = f"{compared} rows per table"
    available = d.get("rows_available")
    if d.get("subsampled") and available:
        basis += (
            f" (drawn from {available[0]} real and {available[1]} synthetic rows"
            f"{', mean of ' + str(d['repeats']) + ' draws' if d.get('repeats', 1) > 1 else ''})"
        )
    decision = d["mode_collapse"]
    if decision["detected"] is None:
        return Verdict(
            "mode_collapse",
            "insufficient",
            f"Mode collapse cannot be judged: {figures}.",
            _sentence(decision["reason"]),
        )
    if decision["detected"]:
        return Verdict(
            "mode_collapse",
            "fail",
            f"Mode collapse: {decision['reason']} ({figures}).",
            _sentence(f"{decision['reason']}; compared on {basis}"),
        )
    warn_limit = c.collapse_warn_ratio * d["precision"]
    extra_dup = d["duplicate_rate"] - d["real_duplicate_rate"]
    if min(d["recall"], d["coverage"]) < warn_limit or extra_dup >= c.duplicate_rate_warn:
        return Verdict(
            "mode_collapse",
            "warn",
            f"Diversity is somewhat low: {figures} (warn below {c.collapse_warn_ratio:g} x "
            f"precision or {c.duplicate_rate_warn:.0%} extra duplicates).",
            _sentence(
                f"recall or coverage below {warn_limit:.3f}, or duplicate excess {extra_dup:.1%}; {basis}"
            ),
        )
    return Verdict(
        "mode_collapse",
        "pass",
        f"No sign of mode collapse: {figures}.",
        _sentence(
            f"recall and coverage are at least {c.collapse_warn_ratio:g} x precision, coverage is above "
            f"{c.coverage_fail:g} and duplicates are not in excess, on {basis}"
        ),
    )


def generator_artifacts(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on generator artifacts, from the classifier two-sample test's AUC."""
    d = m["detection"]
    auc, n = d["c2st_auc"], d["rows_per_class"]
    bounds = d.get("c2st_auc_interval")
    level = d.get("evidence_level", c.evidence_level)
    spread = f", {level:.0%} interval {interval(bounds)}" if bounds else ""
    features = ", ".join(t["feature"] for t in d["top_features"][:3] if t["importance"] > 0)
    fid = m.get("fidelity") or {}
    score = fid.get("score")
    tail = f"; fidelity score {score:.3f}" if isinstance(score, float) else ""
    relies = f"; it relies most on {features}" if features else ""
    figures = (
        f"C2ST AUC {auc:.3f}{spread} on {n} rows per class (0.5 = indistinguishable, warn at "
        f"{c.c2st_warn:g}, fail at {c.c2st_fail:g}){relies}{tail}"
    )
    if n < c.detection_min_rows:
        return Verdict(
            "generator_artifacts",
            "insufficient",
            f"Too few rows to tell whether a classifier can spot synthetic rows: {figures}.",
            _sentence(
                f"the classifier two-sample test needs at least {c.detection_min_rows} rows per class "
                f"(detection_min_rows); with {n} its cross-validated AUC cannot separate artefacts "
                f"from chance"
            ),
        )
    status = _grade(auc, c.c2st_warn, c.c2st_fail)
    if status == "pass" and bounds and bounds[1] >= c.c2st_warn:
        return Verdict(
            "generator_artifacts",
            "insufficient",
            f"No clear sign of artefacts, but the evidence is weak: {figures}.",
            _sentence(
                f"the {level:.0%} interval {interval(bounds)} of the AUC reaches the warn threshold "
                f"{c.c2st_warn:g}, so {n} rows per class cannot rule out artefacts; more rows narrow it"
            ),
        )
    lead = {
        "pass": "Synthetic rows are hard to tell from real ones",
        "warn": "A classifier partly tells synthetic rows from real ones",
        "fail": "A classifier easily tells synthetic rows from real ones",
    }[status]
    reason = {
        "pass": f"the {level:.0%} interval {interval(bounds)} of the AUC lies below the warn threshold "
        f"{c.c2st_warn:g}"
        if bounds
        else f"AUC below the warn threshold {c.c2st_warn:g}",
        "warn": f"AUC {auc:.3f} is at or above the warn threshold {c.c2st_warn:g}",
        "fail": f"AUC {auc:.3f} is at or above the fail threshold {c.c2st_fail:g}",
    }[status]
    return Verdict(
        "generator_artifacts", status, f"{lead}: {figures}.", _sentence(f"{reason}; {n} rows per class")
    )


def rare_event_loss(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on lost rare events, from the rare-event share and the minority label ratio."""
    d = m["rare_events"]
    share, minority = d["share"], d.get("minority_label")
    minority_judged = minority is not None and minority.get("judged", True)
    rows = d.get("rows", {})
    n_syn, n_real = rows.get("synthetic"), rows.get("real")
    unjudged = d.get("n_not_judged", 0) + int(minority is not None and not minority_judged)
    if share is None and not minority_judged:
        numeric = (m.get("meta") or {}).get("columns", {}).get("numeric", [])
        if unjudged:
            plural = "s" if unjudged > 1 else ""
            return Verdict(
                "rare_event_loss",
                "insufficient",
                f"{unjudged} rare region{plural} (tails, rare categories or the minority label) "
                f"exist{'' if plural else 's'}, but "
                f"{n_real} real and {n_syn} synthetic rows are too few to judge "
                f"{'any of them' if plural else 'it'}.",
                _sentence(
                    f"a region is judged when a faithful synthetic table would hold at least "
                    f"{c.rare_min_expected:g} rows in it, and the minority label when the real table also "
                    f"has that many rows of it (rare_min_expected); below that an absence means nothing"
                ),
            )
        if numeric and n_real is not None and n_real * c.tail_quantile < c.rare_min_expected:
            return Verdict(
                "rare_event_loss",
                "insufficient",
                f"The real table has {n_real} rows: its {c.tail_quantile:.0%} tails hold fewer than "
                f"{c.rare_min_expected:g} rows, so no rare region can be defined.",
                _sentence(
                    f"rare regions need at least {c.rare_min_expected / c.tail_quantile:.0f} real rows "
                    f"(rare_min_expected / tail_quantile)"
                ),
            )
        return Verdict(
            "rare_event_loss",
            "n/a",
            "No rare region (tail or rare category) and no classification target to check.",
            "Nothing rare to reproduce.",
        )
    parts: list[str] = []
    statuses: list[Status] = []
    if share is not None:
        parts.append(
            f"{share:.0%} of {d['n_tails'] + d['n_rare_categories']} rare regions reproduced "
            f"({d['n_tails']} tails, {d['n_rare_categories']} rare categories)"
        )
        statuses.append(_grade(share, c.rare_warn, c.rare_fail, higher_is_worse=False))
    if minority is not None and minority_judged:
        which = (
            "minority label"
            if minority.get("minority", minority["label"]) == minority["label"]
            else "label (least kept)"
        )
        parts.append(
            f"{which} {minority['label']!r} rate {minority['synthetic_rate']:.3f} vs "
            f"{minority['real_rate']:.3f} real (ratio {minority['ratio']:.2f})"
        )
        statuses.append(_grade(minority["ratio"], c.rare_warn, c.rare_fail, higher_is_worse=False))
    if unjudged:
        parts.append(f"{unjudged} more too rare to judge on {n_syn} synthetic rows")
    status = _worst(*statuses)
    lead = {
        "pass": "Rare events are kept",
        "warn": "Some rare events are thinned out",
        "fail": "Rare events are lost",
    }[status]
    reason = {
        "pass": f"every judged share or ratio is at least {c.rare_warn:g}",
        "warn": f"a share or ratio is below {c.rare_warn:g}",
        "fail": f"a share or ratio is below {c.rare_fail:g}",
    }[status]
    return Verdict(
        "rare_event_loss",
        status,
        f"{lead}: {'; '.join(parts)}.",
        _sentence(
            f"{reason}; each judged region would hold at least {c.rare_min_expected:g} rows of a "
            f"faithful synthetic table"
        ),
    )


def bias_amplification(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on bias amplification, from the per-group disparities."""
    d = m["bias"]
    minimum = d.get("min_group_rows", c.bias_min_group_rows)
    if d.get("judged_groups") == 0:
        return Verdict(
            "bias_amplification",
            "insufficient",
            f"No subgroup of {', '.join(d['columns'])} has enough rows to compare.",
            _sentence(
                f"a subgroup is judged with at least {minimum} real rows and as many expected synthetic "
                f"rows (bias_min_group_rows)"
            ),
        )
    gap = d["max_representation_gap"]
    rep = f"largest subgroup share change {gap:.1%}" if gap is not None else ""
    rep_status: Status = "warn" if gap is not None and gap > c.representation_warn else "pass"
    rep_reason = (
        f"a subgroup share changed by more than {c.representation_warn:.0%}"
        if rep_status == "warn"
        else f"every judged subgroup share is within {c.representation_warn:.0%} of the real one"
    )
    amp, low = d["max_amplification"], d["min_amplification"]
    if amp is None:
        if d["rate"] is None:
            reason = "no target was given, so only subgroup shares are compared"
        elif d.get("disparity_judged_groups") == 0:
            return Verdict(
                "bias_amplification",
                "insufficient",
                f"{rep.capitalize()}; no subgroup has enough rows to compare {d['rate']}.",
                _sentence(
                    f"a disparity is judged when the subgroup and the rest of its table each have at "
                    f"least {minimum} rows in both tables (bias_min_group_rows)"
                ),
            )
        else:
            reason = "no subgroup has a real disparity large enough to define an amplification factor"
        return Verdict(
            "bias_amplification", rep_status, f"{rep.capitalize()}; {reason}.", _sentence(rep_reason)
        )
    status = _grade(amp, c.amplification_warn, c.amplification_fail)
    reversed_note = ""
    if low is not None and low < 0:
        status = _worst(status, "warn")
        reversed_note = (
            f"; a subgroup's disparity is reversed (factor {low:.2f}: the subgroup with the higher "
            f"rate in the real data has the lower rate in the synthetic data)"
        )
    status = _worst(status, rep_status)
    lead = {
        "pass": "Subgroup disparities are preserved"
        if amp >= 1 / c.amplification_warn
        else "No subgroup disparity is widened",
        "warn": "Subgroup disparities shift",
        "fail": "Bias is amplified",
    }[status]
    meaning = f"; here {describe_amplification(amp)}" if amp < 1 else ""
    if status == "fail":
        why = f"max amplification {amp:.2f} is at or above {c.amplification_fail:g}"
    elif status == "warn":
        why = (
            f"max amplification {amp:.2f} is at or above {c.amplification_warn:g}"
            if amp >= c.amplification_warn
            else "a disparity is reversed"
            if reversed_note
            else rep_reason
        )
    else:
        why = f"no amplification reaches {c.amplification_warn:g} and {rep_reason}"
    return Verdict(
        "bias_amplification",
        status,
        f"{lead}: max amplification {amp:.2f} (1 = kept, warn above {c.amplification_warn:g}, "
        f"fail above {c.amplification_fail:g}{meaning}) for {d['rate']}; {rep}{reversed_note}.",
        _sentence(f"{why}; subgroups with fewer than {minimum} rows are not judged"),
    )


def privacy_leak(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on privacy leaks, from distances to closest records, membership inference and copies."""
    d = m["privacy"]
    share, mia, excess = d["dcr_share_closer_to_train"], d["mia_auc"], d["exact_copy_excess_rate"]
    ref, n_syn = d["reference_rows"], d["synthetic_rows"]
    share_bounds, mia_bounds = d.get("dcr_share_interval"), d.get("mia_auc_interval")
    level = d.get("evidence_level", c.evidence_level)
    figures = (
        f"{share:.0%} of synthetic rows are closer to train than to holdout (0.5 is healthy"
        f"{', ' + f'{level:.0%} interval ' + interval(share_bounds) if share_bounds else ''}), "
        f"membership-inference AUC {mia:.3f}"
        f"{' ' + interval(mia_bounds) if mia_bounds else ''}, {d['exact_copies']} exact copies of "
        f"real rows ({d['exact_copies_train_reference']} vs {d['exact_copies_holdout']} against "
        f"equal-sized train and holdout references of {ref} rows)"
    )
    if min(ref, n_syn) < c.privacy_min_rows:
        return Verdict(
            "privacy_leak",
            "insufficient",
            f"Too few rows to check for leakage: {figures}.",
            _sentence(
                f"privacy needs at least {c.privacy_min_rows} holdout-sized reference rows and synthetic "
                f"rows (privacy_min_rows); this run has {ref} reference and {n_syn} synthetic rows"
            ),
        )
    status = _worst(
        _grade(share, c.privacy_share_warn, c.privacy_share_fail),
        _grade(mia, c.mia_warn, c.mia_fail),
        "fail" if excess > c.exact_copy_excess_fail else "warn" if excess > 0 else "pass",
    )
    reaching = []
    if share_bounds and share_bounds[1] >= c.privacy_share_fail:
        reaching.append(f"the share's interval {interval(share_bounds)} reaches {c.privacy_share_fail:g}")
    if mia_bounds and mia_bounds[1] >= c.mia_fail:
        reaching.append(f"the membership AUC's interval {interval(mia_bounds)} reaches {c.mia_fail:g}")
    if status == "pass" and reaching:
        return Verdict(
            "privacy_leak",
            "insufficient",
            f"No clear sign of leakage, but the evidence is weak: {figures}.",
            _sentence(
                f"{' and '.join(reaching)} (the fail thresholds), so {ref} reference rows cannot rule out "
                f"a leak; a larger holdout narrows the intervals"
            ),
        )
    lead = {
        "pass": "No sign of training-data leakage",
        "warn": "Synthetic rows lean towards the training rows",
        "fail": "Synthetic data leaks training rows",
    }[status]
    reason = {
        "pass": f"both {level:.0%} intervals stay below the fail thresholds ({c.privacy_share_fail:g}, "
        f"{c.mia_fail:g}), the estimates below the warn thresholds and no exact copy is in excess",
        "warn": f"the share or the membership AUC reaches a warn threshold ({c.privacy_share_warn:g}, "
        f"{c.mia_warn:g}) or exact copies of training rows exceed those of holdout rows",
        "fail": f"the share or the membership AUC reaches a fail threshold ({c.privacy_share_fail:g}, "
        f"{c.mia_fail:g}) or the exact-copy excess is above {c.exact_copy_excess_fail:.0%}",
    }[status]
    return Verdict(
        "privacy_leak",
        status,
        f"{lead}: {figures}.",
        _sentence(f"{reason}; {ref} reference rows each, {n_syn} synthetic rows"),
    )


def poor_transfer(m: Metrics, c: EvaluationConfig) -> Verdict:
    """Verdict on transfer, from train-on-synthetic against train-on-real scores."""
    d = m["utility"]
    lead = d["lead_metric"]
    tstr, trtr = d["tstr"][lead], d["trtr"][lead]
    figures = (
        f"TSTR {lead.upper()} {plus_minus(tstr['mean'], tstr['std'])} vs TRTR "
        f"{plus_minus(trtr['mean'], trtr['std'])}"
    )
    rates = d.get("label_rate")
    if rates:
        figures += (
            f"; positive label {rates['positive_label']!r} rate "
            f"{rates['synthetic']:.3f} synthetic vs {rates['real']:.3f} real"
        )
    test = d.get("test_set", {})
    train = d.get("train_rows", {})
    short: list[str] = []
    if test.get("rows", c.utility_min_test_rows) < c.utility_min_test_rows:
        short.append(
            f"the real test set has {test['rows']} rows (utility_min_test_rows {c.utility_min_test_rows})"
        )
    for name in ("real", "synthetic"):
        if train.get(name, c.utility_min_train_rows) < c.utility_min_train_rows:
            short.append(
                f"{train[name]} {name} training rows (utility_min_train_rows {c.utility_min_train_rows})"
            )
    positives = test.get("positive_rows")
    if positives is not None and positives < c.utility_min_class_rows:
        label = rates["positive_label"] if rates else ""
        short.append(
            f"{positives} test row{'' if positives == 1 else 's'} of the positive label {label!r} "
            f"(utility_min_class_rows {c.utility_min_class_rows})"
        )
    if short:
        return Verdict(
            "poor_transfer",
            "insufficient",
            f"Too few rows to judge transfer: {figures}.",
            _sentence("; ".join(short)),
        )
    chance = d.get("chance")
    if chance is not None and trtr["mean"] < chance + c.utility_min_lift:
        return Verdict(
            "poor_transfer",
            "insufficient",
            f"The model trained on real data does not beat chance, so there is nothing to transfer: "
            f"{figures}.",
            _sentence(
                f"TRTR {lead.upper()} {trtr['mean']:.3f} is below chance ({chance:.3f}) plus "
                f"{c.utility_min_lift:g} (utility_min_lift); a ratio to it says nothing"
            ),
        )
    ratio = d["ratio"]
    if ratio is None:
        return Verdict(
            "poor_transfer",
            "insufficient",
            f"{figures}; the ratio is undefined because the real-data model scores {trtr['mean']:.3f}.",
            "The TSTR / TRTR ratio is undefined.",
        )
    status = _grade(ratio, c.transfer_warn, c.transfer_fail, higher_is_worse=False)
    text = {
        "pass": "Models trained on synthetic data transfer to real data",
        "warn": "Models trained on synthetic data lose some accuracy on real data",
        "fail": "Models trained on synthetic data transfer poorly to real data",
    }[status]
    why = {
        "pass": f"ratio {ratio:.2f} is at least {c.transfer_warn:g}",
        "warn": f"ratio {ratio:.2f} is below {c.transfer_warn:g}",
        "fail": f"ratio {ratio:.2f} is below {c.transfer_fail:g}",
    }[status]
    return Verdict(
        "poor_transfer",
        status,
        f"{text}: ratio {ratio:.2f} (warn below {c.transfer_warn:g}, fail below "
        f"{c.transfer_fail:g}); {figures}.",
        _sentence(
            f"{why}; tested on {test.get('rows')} real rows ({test.get('source')}), the real-data model "
            f"beats chance ({chance if chance is not None else 0:.3f}) by at least {c.utility_min_lift:g}"
        ),
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
        refusal = _not_applicable(metrics.get(family), family)
        if refusal is not None:
            status, reason = refusal
            out.append(Verdict(mode, status, _sentence(reason), _sentence(reason)))
            continue
        out.append(rule(metrics, config))
    return out


def overall_verdict(verdicts: Sequence[Verdict]) -> OverallVerdict:
    """One verdict on the whole table from the per-mode verdicts, with the deciding reasons.

    The rule, in order:

    1. any ``fail`` -> **not usable** (a failure decides even where other checks lack evidence);
    2. any of the :data:`DECIDING` modes (generator artifacts, privacy leak, poor transfer)
       with ``insufficient`` evidence, or none of them judged at all -> **insufficient evidence**;
    3. any ``warn``, or any other mode with ``insufficient`` evidence -> **usable with warnings**;
    4. otherwise -> **usable**.

    Deciding modes that do not apply (``n/a``: no holdout, no target) are listed in the
    reasons as not checked; they do not change the status by themselves.
    """

    def line(v: Verdict, text: str) -> str:
        return text if text.startswith(v.title) else f"{v.title}: {text}"

    if not verdicts:
        return OverallVerdict("insufficient evidence", ("Nothing was evaluated.",))
    fails = [v for v in verdicts if v.status == "fail"]
    if fails:
        return OverallVerdict("not usable", tuple(line(v, v.summary) for v in fails))
    deciding = [v for v in verdicts if v.failure_mode in DECIDING]
    unchecked = [line(v, f"not checked. {v.summary}") for v in deciding if v.status == "n/a"]
    lacking = [v for v in deciding if v.status == "insufficient"]
    if lacking:
        return OverallVerdict(
            "insufficient evidence",
            tuple(line(v, f"insufficient evidence. {v.reason or v.summary}") for v in lacking)
            + tuple(unchecked),
        )
    if not any(v.status in ("pass", "warn") for v in deciding):
        return OverallVerdict(
            "insufficient evidence",
            (
                "None of the deciding checks (generator artifacts, privacy leak, poor transfer) was judged.",
                *unchecked,
            ),
        )
    warns = [line(v, v.summary) for v in verdicts if v.status == "warn"]
    weak = [
        line(v, f"insufficient evidence. {v.reason or v.summary}")
        for v in verdicts
        if v.status == "insufficient"
    ]
    if warns or weak:
        return OverallVerdict("usable with warnings", tuple(warns + weak + unchecked))
    passed = [line(v, v.reason or v.summary) for v in deciding if v.status == "pass"]
    return OverallVerdict("usable", tuple(passed + unchecked))


def not_evaluated(reason: str) -> OverallVerdict:
    """The overall verdict of a run whose evaluation did not take place."""
    return OverallVerdict("insufficient evidence", (_sentence(f"not evaluated: {reason}"),))
