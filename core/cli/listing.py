"""``plugins`` and ``domains``: what is installed and what each domain offers."""

from __future__ import annotations

from typing import Any

from synthgenesis.cli._app import (
    JsonOpt,
    _pm,
    _print_json,
    _stdout,
    app,
    handle_errors,
)


@app.command()
@handle_errors
def plugins(as_json: JsonOpt = False) -> None:
    """List every plugin (built-in and third-party) with version, status and hooks."""
    infos = _pm().plugin_infos()
    if as_json:
        _print_json([i.to_dict() for i in infos])
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="synthgenesis plugins")
    for col in ("name", "version", "status", "source", "hooks", "note"):
        table.add_column(col)
    colour = {"active": "green", "missing-extra": "yellow", "disabled": "dim", "error": "red"}
    for i in infos:
        hooks = ", ".join(h.removeprefix("synthgenesis_") for h in i.hooks)
        table.add_row(
            i.name, i.version or "-", f"[{colour[i.status]}]{i.status}[/]", i.source, hooks, escape(i.message)
        )
    _stdout().print(table)


def _domain_listing(pm: Any) -> list[dict[str, Any]]:
    out = []
    for name, dom in sorted(pm.domains().items()):
        rules = pm.all_rules(name)
        out.append(
            {
                "name": name,
                "description": dom.description,
                "extra": dom.extra,
                "sample_type": dom.sample_type,
                "formats": list(dom.formats),
                "generators": sorted(pm.generators(name)),
                "rules": sorted(rules),
                "opt_in_rules": sorted(n for n, r in rules.items() if not r.default),
                "reference_datasets": [
                    {
                        "name": d.name,
                        "description": d.description,
                        "licence": d.licence,
                        "citation": d.citation,
                    }
                    for d in dom.reference_datasets
                ],
                "transfer_tasks": [
                    {"name": t.name, "reference": t.reference, "target": t.target, "kind": t.kind}
                    for t in pm.transfer_tasks(name).values()
                ],
            }
        )
    return out


@app.command()
@handle_errors
def domains(as_json: JsonOpt = False) -> None:
    """List each available domain with its generators, rules, reference datasets and transfer tasks."""
    from rich.markup import escape

    pm = _pm()
    listing = _domain_listing(pm)
    if as_json:
        _print_json(listing)
        return
    console = _stdout()
    for d in listing:
        kind = f"{d['sample_type']}; {', '.join(d['formats'])}"
        console.print(f"[bold]{d['name']}[/] ({kind}): {escape(d['description'])}")
        for key in ("generators", "rules"):
            console.print(f"  {key}: {', '.join(d[key]) or '-'}")
        if d["opt_in_rules"]:
            console.print(f"  opt-in rules (apply with --rule): {', '.join(d['opt_in_rules'])}")
        console.print(f"  reference datasets: {', '.join(x['name'] for x in d['reference_datasets']) or '-'}")
        console.print(f"  transfer tasks: {', '.join(x['name'] for x in d['transfer_tasks']) or '-'}")
    missing = [i for i in pm.plugin_infos() if i.status != "active"]
    for i in missing:
        console.print(f"[dim]{i.name}: {i.status} ({escape(i.message)})[/]")


@app.command()
@handle_errors
def schema() -> None:
    """Print the JSON schema of study files (for editors, and to check study files elsewhere)."""
    from synthgenesis.config import study_schema

    _print_json(study_schema())
