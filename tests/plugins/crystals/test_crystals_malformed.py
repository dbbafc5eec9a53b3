"""Malformed CIF and JSON files: every record accounted for, every reason naming the record and the rule.

Each case is one class of malformed input, written to a file and run through
the crystals reader and the core validation with the domain's default rules
(a few also through the ``synthgenesis validate`` command). A file is either
refused with one clear line (``InvalidDataError``, exit code 2), or every
record in it ends up valid or rejected, with reasons that name the record and
start with the rule that failed it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("pymatgen", reason='needs the crystals extra: pip install "synthgenesis[crystals]"')

from pymatgen.core import Lattice, Structure
from typer.testing import CliRunner

from synthgenesis.errors import InvalidDataError
from synthgenesis.limits import override_limits
from synthgenesis.manager import PluginManager
from synthgenesis.pipeline import validate_batch
from synthgenesis.types import READ_ERROR_COLUMN


def cif_block(
    name: str = "NaCl",
    a: str = "5.64",
    b: str = "5.64",
    c: str = "5.64",
    angles: tuple[str, str, str] = ("90", "90", "90"),
    sites: str = "Na1 Na 0 0 0 1\nCl1 Cl 0.5 0.5 0.5 1\nNa2 Na 0.5 0.5 0 1\nCl2 Cl 0 0 0.5 1\n",
    extra: str = "",
) -> str:
    """One P1 CIF block; ``sites`` are rows of label, symbol, x, y, z, occupancy."""
    return (
        f"data_{name}\n_symmetry_space_group_name_H-M 'P 1'\n"
        f"_cell_length_a {a}\n_cell_length_b {b}\n_cell_length_c {c}\n"
        f"_cell_angle_alpha {angles[0]}\n_cell_angle_beta {angles[1]}\n_cell_angle_gamma {angles[2]}\n"
        f"{extra}"
        "loop_\n_atom_site_label\n_atom_site_type_symbol\n"
        "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
        f"{sites}\n"
    )


GOOD = cif_block("good")
LAST = cif_block("last")


def structure_dict(record_id: str = "nacl", **changes: object) -> dict:
    s = Structure(Lattice.cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    data = s.as_dict()
    data["properties"] = {"record_id": record_id}
    for key, value in changes.items():
        if key == "site0":
            data["sites"][0].update(value)  # type: ignore[arg-type]
        else:
            data[key] = value
    return data


def json_text(*entries: object) -> str:
    return json.dumps(list(entries))


@dataclass(frozen=True)
class Case:
    """A malformed file: its bytes, how many records it holds and what must happen to some of them."""

    name: str
    suffix: str
    content: bytes
    records: int | None  # None: the file is refused
    valid: int | None = None  # how many must pass every default rule (None: not fixed)
    rules: dict[str, str] = field(default_factory=dict)  # record id -> the rule that must reject it
    limits: dict[str, int] = field(default_factory=dict)


def cif(name: str, text: str, records: int | None, **kw: object) -> Case:
    return Case(name, ".cif", text.encode("utf-8"), records, **kw)  # type: ignore[arg-type]


def js(name: str, text: str, records: int | None, **kw: object) -> Case:
    return Case(name, ".json", text.encode("utf-8"), records, **kw)  # type: ignore[arg-type]


MILLION_ATOMS = cif_block(
    "million",
    a="500",
    b="500",
    c="500",
    sites="".join(f"Na{i} Na 0.{i % 89:02d} 0.{i % 83:02d} 0.{i % 79:02d} 1\n" for i in range(1_000_000)),
)

CASES = [
    # ------------------------------------------------------------------ CIF
    cif("cif-empty-file", "", None),
    cif("cif-comments-only", "# nothing here\n# at all\n", None),
    Case("cif-binary-garbage", ".cif", bytes(range(256)) * 40, None),
    Case(
        "cif-nul-bytes",
        ".cif",
        (GOOD + cif_block("nul").replace("Cl1 Cl", "Cl1 C\x00l") + LAST).encode(),
        3,
        rules={"nul": "read"},
    ),
    Case("cif-utf8-bom", ".cif", b"\xef\xbb\xbf" + GOOD.encode(), 1, valid=1),
    Case(
        "cif-latin1-title",
        ".cif",
        GOOD.replace("data_good\n", "data_good\n_publ_section_title 'Caf\xe9'\n").encode("latin-1"),
        1,
        valid=1,
    ),
    Case(
        "cif-invalid-utf8", ".cif", GOOD.encode() + b"# junk \xff\xfe \xc3\x28\n" + LAST.encode(), 2, valid=2
    ),
    cif("cif-crlf-line-endings", (GOOD + LAST).replace("\n", "\r\n"), 2, valid=2),
    cif("cif-upper-case-data-keyword", GOOD.replace("data_good", "DATA_good"), 1, valid=1),
    cif("cif-truncated-mid-loop", GOOD + LAST[: LAST.index("Cl1 Cl") + 9], 2, rules={}),
    cif("cif-header-only", GOOD + "data_empty\n" + LAST, 3, valid=2, rules={"empty": "read"}),
    cif(
        "cif-missing-cell-length",
        GOOD + cif_block("nolength").replace("_cell_length_b 5.64\n", "") + LAST,
        3,
        valid=2,
        rules={"nolength": "read"},
    ),
    cif(
        "cif-negative-cell-length",
        GOOD + cif_block("neg", a="-5.64") + LAST,
        3,
        valid=2,
        rules={"neg": "read"},
    ),
    cif("cif-zero-cell-length", GOOD + cif_block("zero", c="0") + LAST, 3, valid=2, rules={"zero": "read"}),
    cif("cif-nan-cell-length", GOOD + cif_block("nan", b="nan") + LAST, 3, valid=2, rules={"nan": "read"}),
    cif(
        "cif-angle-over-180",
        GOOD + cif_block("obtuse", angles=("200", "90", "90")) + LAST,
        3,
        valid=2,
        rules={"obtuse": "read"},
    ),
    cif(
        "cif-impossible-angles",
        GOOD + cif_block("flat", angles=("30", "30", "90")) + LAST,
        3,
        valid=2,
        rules={"flat": "read"},
    ),
    cif(
        "cif-non-numeric-cell", GOOD + cif_block("word", a="five") + LAST, 3, valid=2, rules={"word": "read"}
    ),
    cif(
        "cif-negative-occupancy",
        GOOD + cif_block("negocc", sites="Na1 Na 0 0 0 -0.5\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"negocc": "read"},
    ),
    cif(
        "cif-occupancy-over-one",
        GOOD + cif_block("occ", sites="Na1 Na 0 0 0 1.7\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"occ": "read"},
    ),
    cif(
        "cif-nan-coordinate",
        GOOD + cif_block("nanxyz", sites="Na1 Na nan 0 0 1\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"nanxyz": "read"},
    ),
    cif(
        "cif-inf-coordinate",
        GOOD + cif_block("infxyz", sites="Na1 Na 0 inf 0 1\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"infxyz": "read"},
    ),
    cif(
        "cif-unknown-element",
        GOOD + cif_block("qq", sites="Qq1 Qq 0 0 0 1\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"qq": "crystals-elements"},
    ),
    cif("cif-duplicate-block-names", GOOD + GOOD + LAST, 3, valid=3),
    cif(  # pymatgen merges two atoms at one position into one site of occupancy 2, and refuses it
        "cif-coincident-atoms",
        GOOD + cif_block("same", sites="Na1 Na 0 0 0 1\nNa2 Na 0 0 0 1\n") + LAST,
        3,
        valid=2,
        rules={"same": "read"},
    ),
    cif(
        "cif-clashing-atoms",
        GOOD + cif_block("clash", sites="Na1 Na 0 0 0 1\nNa2 Na 0.01 0 0 1\n") + LAST,
        3,
        valid=2,
        rules={"clash": "crystals-min-distance"},
    ),
    cif(
        "cif-not-charge-neutral",
        GOOD + cif_block("cacl", sites="Ca1 Ca 0 0 0 1\nCl1 Cl 0.5 0.5 0.5 1\n") + LAST,
        3,
        valid=2,
        rules={"cacl": "crystals-charge-neutrality"},
    ),
    cif(
        "cif-exploded-cell",
        GOOD + cif_block("huge", a="60", b="60", c="60") + LAST,
        3,
        valid=2,
        rules={"huge": "crystals-volume-per-atom"},
    ),
    cif(
        "cif-unterminated-quote",
        GOOD + cif_block("quote", extra="_chemical_name_common 'rock salt\n") + LAST,
        3,
        rules={},
    ),
    cif(
        "cif-unterminated-text-field",
        GOOD + cif_block("text", extra="_publ_section_title\n;never closed\n") + LAST,
        2,
        rules={},
    ),
    cif(
        "cif-extra-tags-and-columns", cif_block("extra", extra="_my_own_tag 42\n_another 'x y'\n"), 1, valid=1
    ),
    cif(
        "cif-over-record-bytes",
        GOOD + cif_block("big", extra="_note '" + "x" * 5_000 + "'\n") + LAST,
        3,
        valid=2,
        rules={"big": "read"},
        limits={"max_record_bytes": 4_000},
    ),
    cif(
        "cif-over-max-atoms",
        GOOD
        + cif_block(
            "many",
            a="40",
            b="40",
            c="40",
            sites="".join(f"Na{i} Na 0.{i:03d} 0.5 0.5 1\n" for i in range(60)),
        )
        + LAST,
        3,
        valid=2,
        rules={"many": "read"},
        limits={"max_atoms": 50},
    ),
    cif(
        "cif-over-max-atoms-after-symmetry",
        GOOD
        + cif_block("sym")
        .replace("'P 1'", "'F m -3 m'")
        .replace("_cell_angle_gamma 90\n", "_cell_angle_gamma 90\n_symmetry_Int_Tables_number 225\n")
        + LAST,
        3,
        valid=2,
        rules={"sym": "read"},
        limits={"max_atoms": 6},
    ),
    Case(
        "cif-million-atoms",
        ".cif",
        (GOOD + MILLION_ATOMS + LAST).encode(),
        3,
        valid=2,
        rules={"million": "read"},
    ),
    # ------------------------------------------------------------------ JSON
    js("json-empty-file", "", None),
    js("json-whitespace-only", "  \n\t\n", None),
    js("json-not-json", "this is not json", None),
    js("json-scalar", "3", None),
    Case("json-binary-garbage", ".json", b"[" + bytes(range(256)) * 20, 1, valid=0, rules={"#0": "read"}),
    Case("json-utf8-bom", ".json", b"\xef\xbb\xbf" + json_text(structure_dict()).encode(), 1, valid=1),
    js(
        "json-truncated",
        json_text(structure_dict("a"), structure_dict("b"))[:-30],
        2,
        valid=1,
        rules={"#1": "read"},
    ),
    js(
        "json-missing-comma",
        json_text(structure_dict("a"))[:-1] + " " + json.dumps(structure_dict("b")) + "]",
        2,
        valid=1,
        rules={"#1": "read"},
    ),
    js(
        "json-trailing-garbage",
        json_text(structure_dict("a")) + " trailing",
        2,
        valid=1,
        rules={"#1": "read"},
    ),
    js(
        "json-deep-nesting",
        "["
        + json.dumps(structure_dict("a"))
        + ", "
        + "[" * 10_000
        + "]" * 10_000
        + ", "
        + json.dumps(structure_dict("c"))
        + "]",
        3,
        valid=2,
        rules={"#1": "read"},
    ),
    js(
        "json-over-record-bytes",
        json_text(structure_dict("a"), structure_dict("big", note="x" * 5_000), structure_dict("c")),
        3,
        valid=2,
        rules={"big": "read"},
        limits={"max_record_bytes": 4_000},
    ),
    js(
        "json-over-max-atoms",
        json_text(
            structure_dict("a"),
            structure_dict(
                "many",
                sites=[
                    {"species": [{"element": "Na", "occu": 1}], "abc": [i / 100, 0, 0]} for i in range(60)
                ],
            ),
        ),
        2,
        valid=1,
        rules={"many": "read"},
        limits={"max_atoms": 50},
    ),
    js(
        "json-wrong-entry-type",
        json_text(structure_dict("a"), "not a structure", 42, None),
        4,
        valid=1,
        rules={"#1": "read", "#2": "read", "#3": "read"},
    ),
    js(
        "json-missing-lattice",
        json_text(structure_dict("a"), {k: v for k, v in structure_dict("nolat").items() if k != "lattice"}),
        2,
        valid=1,
        rules={"nolat": "read"},
    ),
    js(
        "json-missing-sites",
        json_text({"lattice": structure_dict()["lattice"], "properties": {"record_id": "nosites"}}),
        1,
        valid=0,
        rules={"nosites": "read"},
    ),
    js(
        "json-nan-coordinate",
        json_text(structure_dict("a"), structure_dict("nan", site0={"abc": [float("nan"), 0, 0]})),
        2,
        valid=1,
        rules={"nan": "read"},
    ),
    js(
        "json-infinite-lattice",
        json_text(structure_dict("inf", lattice={"matrix": [[float("inf"), 0, 0], [0, 5, 0], [0, 0, 5]]})),
        1,
        valid=0,
        rules={"inf": "read"},
    ),
    js(
        "json-string-coordinates",
        json_text(structure_dict("str", site0={"abc": ["0", "0", "0"]})),
        1,
        valid=0,
        rules={"str": "read"},
    ),
    js(
        "json-negative-occupancy",
        json_text(structure_dict("neg", site0={"species": [{"element": "Na", "occu": -0.5}]})),
        1,
        valid=0,
        rules={"neg": "read"},
    ),
    js(
        "json-occupancies-over-one",
        json_text(
            structure_dict(
                "over", site0={"species": [{"element": "Na", "occu": 0.8}, {"element": "K", "occu": 0.8}]}
            )
        ),
        1,
        valid=0,
        rules={"over": "read"},
    ),
    js(
        "json-degenerate-lattice",
        json_text(structure_dict("flat", lattice={"matrix": [[1, 0, 0], [0, 1, 0], [1, 1, 0]]})),
        1,
        valid=0,
        rules={"flat": "crystals-min-distance"},
    ),
    js(
        "json-unknown-element",
        json_text(structure_dict("qq", site0={"species": [{"element": "Qq", "occu": 1}]})),
        1,
        valid=0,
        rules={"qq": "read"},
    ),
    js("json-duplicate-ids", json_text(structure_dict("same"), structure_dict("same")), 2, valid=2),
    js("json-nul-in-id", json_text(structure_dict("a\x00b")), 1, valid=1),
    js("json-empty-list", "[]", 0, valid=0),
    js("json-extra-fields", json_text({**structure_dict("extra"), "my_field": [1, 2, 3]}), 1, valid=1),
]


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    import synthgenesis.plugins.crystals as crystals_plugin

    manager = PluginManager(autoload=False)
    manager.register(crystals_plugin, name="crystals")
    return manager


def test_there_are_at_least_25_classes_per_format() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    assert sum(c.suffix == ".cif" for c in CASES) >= 25 and sum(c.suffix == ".json" for c in CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input(case: Case, pm: PluginManager, tmp_path: Path) -> None:
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.content)
    domain = pm.domain("crystals")
    start = time.perf_counter()
    with override_limits(**case.limits):
        if case.records is None:
            with pytest.raises(InvalidDataError) as info:
                domain.read(path)
            message = str(info.value)
            assert str(path) in message and "\n" not in message
            return
        batch = domain.read(path)
        outcome = validate_batch(domain, batch, pm.rules("crystals"))
    assert time.perf_counter() - start < 10.0
    assert len(batch) == case.records, batch[READ_ERROR_COLUMN].tolist()
    assert batch["record_id"].is_unique
    n_valid = int(outcome.valid.sum())
    assert n_valid + len(outcome.rejected) == case.records
    if case.valid is not None:
        assert n_valid == case.valid, outcome.reasons
    rule_names = {"read", *pm.rules("crystals")}
    ids = batch["record_id"].tolist()
    for rid, ok, reasons in zip(ids, outcome.valid, outcome.reasons, strict=True):
        if ok:
            continue
        assert reasons, rid
        for reason in reasons:
            rule = reason.split(":", 1)[0]
            assert rule in rule_names, reason
        read_error = batch.loc[batch["record_id"] == rid, READ_ERROR_COLUMN].iloc[0]
        if read_error is not None:  # a read error names the record itself (block name, JSON entry)
            assert str(rid).split("#")[0] in read_error or "JSON entry" in read_error, read_error
    for rid, rule in case.rules.items():
        k = ids.index(rid)
        assert not outcome.valid[k], (rid, outcome.reasons[k])
        assert any(r.startswith(f"{rule}:") for r in outcome.reasons[k]), outcome.reasons[k]


CLI_CASES = ["cif-negative-occupancy", "json-deep-nesting", "cif-empty-file", "json-truncated"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_malformed_input_through_the_command(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthgenesis.cli import app

    case = next(c for c in CASES if c.name == name)
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.content)
    monkeypatch.setenv("SYNTHGENESIS_TRACEBACK", "0")
    result = CliRunner().invoke(app, ["validate", "crystals", str(path), "--json"])
    output = result.stdout + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output
    if case.records is None:
        assert result.exit_code == 2 and str(path.name) in output
        return
    assert result.exit_code in (0, 6), output
    summary = json.loads(result.stdout)
    assert summary["records"] == case.records
    assert summary["valid"] + summary["invalid"] == case.records
