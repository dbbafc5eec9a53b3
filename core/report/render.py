"""Write the evaluation report as one self-contained HTML file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from synthgenesis.errors import InvalidDataError
from synthgenesis.evaluation.result import STATUS_LABELS, EvaluationResult, OverallVerdict
from synthgenesis.evaluation.verdicts import not_evaluated as not_evaluated_verdict
from synthgenesis.io import write_text
from synthgenesis.report.sections import build_sections, flatten, fmt
from synthgenesis.report.template import CSS, TEMPLATE

#: CSS class of each overall verdict.
_OVERALL_CSS = {
    "usable": "pass",
    "usable with warnings": "warn",
    "not usable": "fail",
    "insufficient evidence": "insufficient",
}


def _css_status(status: str) -> str:
    return "na" if status == "n/a" else _OVERALL_CSS.get(status, status)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["css_status"] = _css_status
    env.filters["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    return env


def _sizes(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    meta = metrics.get("meta", {})
    rows = meta.get("rows", {})
    columns = meta.get("columns", {})
    out = [
        ("real rows", fmt(rows.get("real"))),
        ("synthetic rows", fmt(rows.get("synthetic"))),
        ("holdout rows", fmt(rows.get("holdout"))),
        (
            "columns (numeric / categorical)",
            f"{len(columns.get('numeric', []))} / {len(columns.get('categorical', []))}",
        ),
        ("target", fmt(meta.get("target"))),
        ("task", fmt(meta.get("task"))),
        ("sensitive columns", ", ".join(meta.get("sensitive", [])) or "—"),
        ("seed", fmt(meta.get("seed"))),
    ]
    return out


def _context(context: Mapping[str, Any] | None) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """Split the caller's context into header run info and extra sections."""
    if context is None:
        return [], []
    if not isinstance(context, Mapping):
        raise InvalidDataError(f"context must be a dict, got {type(context).__name__}")
    info: list[tuple[str, str]] = []
    sections: list[dict[str, str]] = []
    for key, value in context.items():
        if key == "sections":
            for i, item in enumerate(value or []):
                if not isinstance(item, Mapping) or "title" not in item or "html" not in item:
                    raise InvalidDataError(
                        f"context['sections'][{i}] must be a dict with 'title' and 'html' keys"
                    )
                sections.append({"title": str(item["title"]), "html": str(item["html"])})
        elif isinstance(value, Mapping):
            info += [(str(k), fmt(v)) for k, v in value.items()]
        else:
            info.append((str(key), fmt(value)))
    return info, sections


def render_html(
    result: EvaluationResult | None,
    title: str = "Synthetic data evaluation",
    context: Mapping[str, Any] | None = None,
    *,
    not_evaluated: str | None = None,
) -> str:
    """The report as an HTML string (see :func:`write_html_report`)."""
    run_info, extra = _context(context)
    if (result is None) == (not_evaluated is None):
        raise InvalidDataError(
            "a report needs either an evaluation result or, for a run that was not evaluated, "
            "the reason (not_evaluated=...), not both"
            if result is not None
            else "a report without an evaluation result needs the reason it was not evaluated "
            "(not_evaluated=...)"
        )
    overall: OverallVerdict
    if result is None:
        assert not_evaluated is not None
        reason = str(not_evaluated).strip() or "no reason was given"
        overall = not_evaluated_verdict(reason)
        sections, tables, sizes, notes = [], [], [], []
    else:
        reason = None
        overall = result.overall
        sections = build_sections(result)
        tables = [(family, flatten(values)) for family, values in result.metrics.items() if family != "meta"]
        meta = result.metrics.get("meta", {})
        tables.append(("meta", flatten({k: v for k, v in meta.items() if k != "config"})))
        tables.append(("config", flatten(meta.get("config", {}))))
        sizes = _sizes(result.metrics)
        notes = meta.get("notes", [])
    return (
        _environment()
        .from_string(TEMPLATE)
        .render(
            title=title,
            css=CSS,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            sizes=sizes,
            run_info=run_info,
            notes=notes,
            overall=overall,
            not_evaluated=reason,
            sections=sections,
            extra_sections=extra,
            metric_tables=tables,
        )
    )


def write_html_report(
    result: EvaluationResult | None,
    path: str | os.PathLike[str],
    title: str = "Synthetic data evaluation",
    context: Mapping[str, Any] | None = None,
    *,
    not_evaluated: str | None = None,
) -> Path:
    """Write a self-contained HTML report of ``result`` to ``path`` atomically.

    ``context`` adds caller information: ``context["sections"]`` is a list of
    ``{"title": ..., "html": ...}`` sections appended after the verdicts (their HTML is
    inserted as given and must itself be self-contained). Every other key goes into the
    header's run table: a dict value (e.g. ``context["run"]``) contributes its items, a
    plain value one row.

    For a run whose evaluation was skipped, pass ``result=None`` and the reason as
    ``not_evaluated``: the report then says "Not evaluated: <reason>", gives the overall
    verdict "insufficient evidence" and still shows the run table and caller sections.
    """
    return write_text(path, render_html(result, title, context, not_evaluated=not_evaluated))
