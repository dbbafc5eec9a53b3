"""What a run's report shows besides the metrics, and how a rebuilt report's metrics are compared."""

from __future__ import annotations

from typing import Any


def same_metrics(stored: dict[str, Any], rebuilt: dict[str, Any]) -> bool:
    """Whether two ``metrics.json`` contents agree on everything but how long each family took."""

    def measured(metrics: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in metrics.get("meta", {}).items() if k != "timings_seconds"}
        return {**metrics, "meta": meta}

    return measured(stored) == measured(rebuilt)


def report_context(
    manifest: dict[str, Any], validation: dict[str, Any] | None, sections: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """What the HTML report shows about a run besides the metrics."""
    from synthgenesis.report.sections import validity_section

    config = manifest["config"]
    return {
        "run": {
            "domain": manifest["domain"],
            "generator": manifest["generator"],
            "reference": config["reference"]["dataset"] or config["reference"]["path"] or "none",
            "transfer task": manifest.get("transfer_task") or "-",
            "seed": manifest["seed"],
            **_reference_check_row(manifest),
        },
        "sections": ([validity_section(validation)] if validation else []) + list(sections or []),
    }


def _reference_check_row(manifest: dict[str, Any]) -> dict[str, str]:
    check = manifest.get("reference_check")
    if not check or not check.get("invalid"):
        return {}
    verb = {"drop": "left out", "keep": "kept", "refuse": "refused"}.get(check.get("policy"), "found")
    rules = ", ".join(f"{name}: {n}" for name, n in check.get("by_rule", {}).items())
    return {f"real records breaking rules ({verb})": f"{check['invalid']} of {check['checked']} ({rules})"}
