"""FHIR export and import of patient tables: one Bundle of Patient, Observation and Condition resources.

Every resource is built and validated with ``fhir.resources`` (its R4B models:
FHIR 4.3, whose Patient, Observation, Condition and Bundle are the R4 ones).
Each table column becomes part of a resource, so a table written as a bundle
reads back to the same table:

- ``patient_id``, ``sex`` and ``birth_date`` -> ``Patient`` (id, gender, birthDate);
- ``diagnosis`` codes -> one ``Condition`` each, coded in ICD-10;
- every other column -> an ``Observation`` whose ``code.text`` is the column
  name; known measures also carry their LOINC code and a UCUM quantity,
  other numbers a plain quantity, categories a ``valueString``;
- ``encounter_date`` -> the observations' ``effectiveDateTime``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgenesis._optional import import_optional
from synthgenesis.errors import InvalidDataError
from synthgenesis.io import write_text
from synthgenesis.limits import check_record_bytes, json_depth, limits, shown
from synthgenesis.plugins.patients import schema
from synthgenesis.readers import read_text
from synthgenesis.types import READ_ERROR_COLUMN

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

# measure -> (LOINC code, display, UCUM code)
LOINC_CODES: dict[str, tuple[str, str, str]] = {
    "age": ("30525-0", "Age", "a"),
    "height_cm": ("8302-2", "Body height", "cm"),
    "weight_kg": ("29463-7", "Body weight", "kg"),
    "bmi": ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2"),
    "heart_rate": ("8867-4", "Heart rate", "/min"),
    "systolic_bp": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic_bp": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "mean_arterial_pressure": ("8478-0", "Mean blood pressure", "mm[Hg]"),
    "temperature": ("8310-5", "Body temperature", "Cel"),
    "resp_rate": ("9279-1", "Respiratory rate", "/min"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "cd4": ("24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood", "/uL"),
    "cd8": ("14135-1", "CD3+CD8+ cells [#/volume] in Blood", "/uL"),
    "hemoglobin": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    "glucose": ("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL"),
    "creatinine": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL"),
    "cholesterol_total": ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL"),
    "ldl": ("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", "mg/dL"),
    "hdl": ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL"),
    "karnofsky": ("89243-0", "Karnofsky Performance Status score", "{score}"),
}
GENDER = {"F": "female", "M": "male"}
PATIENT_COLUMNS = {schema.ID_COLUMN, "sex", "birth_date", "diagnosis", "encounter_date", READ_ERROR_COLUMN}


def _models() -> Any:
    import_optional("fhir.resources", "patients", "FHIR export")
    from fhir.resources.R4B import bundle, condition, observation, patient

    return bundle.Bundle, patient.Patient, observation.Observation, condition.Condition


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _fhir_datetime(value: Any) -> str:
    """A FHIR dateTime: a plain date at midnight, else a time with its zone (UTC when naive)."""
    ts = pd.Timestamp(value)
    if ts == ts.normalize():
        return ts.date().isoformat()
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts).isoformat()


def _observation(column: str, value: Any, subject: str, when: str | None, oid: str) -> dict[str, Any]:
    measure = schema.measure_for(column)
    code: dict[str, Any] = {"text": column}
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "subject": {"reference": subject},
    }
    if measure is not None and measure.name in LOINC_CODES:
        loinc, display, ucum = LOINC_CODES[measure.name]
        code["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
        obs["valueQuantity"] = {"value": float(value), "unit": measure.unit, "system": UCUM, "code": ucum}
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        obs["valueQuantity"] = {"value": float(value)}
    else:
        obs["valueString"] = str(value)
    obs["code"] = code
    if when:
        obs["effectiveDateTime"] = when
    return obs


class RecordsRefusedError(InvalidDataError):
    """Some patients could not become valid FHIR resources; the others were written.

    Exit code 6, as for invalid records in ``validate``: the output holds every
    patient that could be converted, and the message names each refused one.
    """

    exit_code = 6


def _validation_reason(resource: str, exc: Exception) -> str:
    """``Observation.valueQuantity.value: <message> (value inf)`` for each error pydantic reports."""
    details = getattr(exc, "errors", None)
    if not callable(details):
        return f"{resource}: {type(exc).__name__}: {shown(str(exc))}"
    parts = []
    for err in details()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        value = (
            f" (value {shown(err['input'])})" if "input" in err and not isinstance(err["input"], dict) else ""
        )
        parts.append(f"{resource}{'.' + where if where else ''}: {err.get('msg', 'invalid')}{value}")
    return "; ".join(parts) or f"{resource}: invalid"


def _patient_resources(row: Mapping[Any, Any], i: int, models: tuple[Any, Any, Any]) -> tuple[str, list[Any]]:
    """The validated resources of one table row; raises ``ValueError`` naming the resource and field."""
    patient_model, observation_model, condition_model = models
    pid = str(row.get(schema.ID_COLUMN, i + 1))
    subject = f"Patient/{pid}"
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if not _missing(row.get("sex")):
        patient["gender"] = GENDER.get(str(row["sex"]), "unknown")
    if not _missing(row.get("birth_date")):
        try:
            patient["birthDate"] = pd.Timestamp(row["birth_date"]).date().isoformat()
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"Patient.birthDate: {shown(row['birth_date'])} is not a date ({exc})") from None
    try:
        resources = [patient_model.model_validate(patient)]
    except ValueError as exc:
        raise ValueError(_validation_reason("Patient", exc)) from None
    when = None
    if not _missing(row.get("encounter_date")):
        try:
            when = _fhir_datetime(row["encounter_date"])
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(
                f"Observation.effectiveDateTime: {shown(row['encounter_date'])} is not a date ({exc})"
            ) from None
    for code in [] if _missing(row.get("diagnosis")) else str(row["diagnosis"]).split(";"):
        code = code.strip()
        if code:
            try:
                resources.append(
                    condition_model.model_validate(
                        {
                            "resourceType": "Condition",
                            "id": f"{pid}-dx-{code.replace('.', '')}",
                            "subject": {"reference": subject},
                            "code": {"coding": [{"system": ICD10, "code": code}], "text": code},
                        }
                    )
                )
            except ValueError as exc:
                raise ValueError(_validation_reason(f"Condition {shown(code)}", exc)) from None
    for j, (column, value) in enumerate(row.items()):
        if column in PATIENT_COLUMNS or _missing(value):
            continue
        try:
            obs = _observation(str(column), value, subject, when, f"{pid}-obs-{j}")
            resources.append(observation_model.model_validate(obs))
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(_validation_reason(f"Observation {column}", exc)) from None
    return pid, resources


def build_bundle(batch: pd.DataFrame) -> tuple[dict[str, Any] | None, list[str]]:
    """A FHIR collection Bundle (as JSON data) of the patients that validate, and why the others did not.

    Each row is built and validated on its own: a value FHIR refuses (an id
    with a space, an infinite number) makes that one patient a reason
    ``patient <id>: <Resource>.<field>: <message> (value ...)``, and every
    other patient is in the bundle. The bundle is ``None`` when no patient
    validates.
    """
    bundle_model, patient_model, observation_model, condition_model = _models()
    models = (patient_model, observation_model, condition_model)
    entries: list[dict[str, Any]] = []
    refused: list[str] = []
    for i, row in enumerate(batch.to_dict("records")):
        label = row.get(schema.ID_COLUMN, f"row {i}")
        try:
            _, resources = _patient_resources(row, i, models)
        except ValueError as exc:
            name = f"patient {shown(label) if isinstance(label, str) else label}"
            refused.append(f"{name}: {exc}")
            continue
        entries.extend(
            {"fullUrl": f"urn:synthgenesis:{type(r).__name__}/{r.id}", "resource": r} for r in resources
        )
    if not entries:
        return None, refused
    bundle = bundle_model.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
    return json.loads(bundle.model_dump_json()), refused


def to_bundle(batch: pd.DataFrame) -> dict[str, Any]:
    """A FHIR collection Bundle (as JSON data) for ``batch``; :class:`RecordsRefusedError` if a patient
    cannot be expressed in FHIR (use :func:`build_bundle` to keep the others)."""
    bundle, refused = build_bundle(batch)
    if refused or bundle is None:
        raise RecordsRefusedError(_refusal_message(len(batch), refused, None))
    return bundle


def _refusal_message(total: int, refused: list[str], path: Path | None) -> str:
    kept = total - len(refused)
    where = (
        f"{path}: wrote {kept} of {total} patients"
        if path is not None and kept
        else (f"{path}: nothing written" if path is not None else f"{kept} of {total} patients converted")
    )
    shown_reasons = "; ".join(refused[:5]) + (f"; and {len(refused) - 5} more" if len(refused) > 5 else "")
    return f"{where}; {len(refused)} refused by FHIR validation: {shown_reasons}"


def write_bundle(batch: pd.DataFrame, path: Path) -> None:
    """Write the patients of ``batch`` as a Bundle; refused patients are named in the error raised after.

    Every patient that validates is written first, so one record FHIR refuses
    never costs the others; then :class:`RecordsRefusedError` (exit code 6)
    names each refused patient and field. When none validates nothing is
    written.
    """
    table = batch.drop(columns=[READ_ERROR_COLUMN], errors="ignore")
    bundle, refused = build_bundle(table)
    if bundle is not None:
        write_text(path, json.dumps(bundle, indent=1))
    if refused:
        error = RecordsRefusedError(_refusal_message(len(table), refused, path))
        for reason in refused[:20]:
            error.add_note(reason)
        raise error


def read_bundle(path: Path) -> pd.DataFrame:
    """Read a FHIR Bundle back into a patient table; an invalid resource marks its patient's row."""
    _, patient_model, observation_model, condition_model = _models()
    models = {"Patient": patient_model, "Observation": observation_model, "Condition": condition_model}
    rows: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for k, entry in enumerate(_bundle_entries(Path(path))):
        pid, problem = _read_entry(k, entry, models, rows)
        if problem is not None:
            errors.setdefault(pid, []).append(problem)
    if not rows:
        raise InvalidDataError(f"{path}: the bundle has no patients")
    table = _integer_columns(pd.DataFrame(list(rows.values())))
    table[READ_ERROR_COLUMN] = [
        f"patient {pid}: " + "; ".join(errors[pid]) if pid in errors else None for pid in rows
    ]
    return table


def _bundle_entries(path: Path) -> list[Any]:
    """The entries of the Bundle in ``path``; the file is refused if it holds no Bundle one can read."""
    text = read_text(path)
    depth = json_depth(text)
    if depth > limits().max_json_depth:
        raise InvalidDataError(
            f"{path}: the bundle nests JSON {depth:,} levels deep, over the limit of "
            f"{limits().max_json_depth} (raise SYNTHGENESIS_MAX_JSON_DEPTH to accept it)"
        )
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidDataError(f"{path}: not a JSON file: {exc}") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidDataError(f"{path}: expected a FHIR Bundle, found {type(data).__name__}")
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidDataError(f"{path}: Bundle.entry must be a list, found {type(entries).__name__}")
    return entries


def _read_entry(
    k: int, entry: Any, models: dict[str, Any], rows: dict[str, dict[str, Any]]
) -> tuple[str, str | None]:
    """Put entry ``k`` into its patient's row of ``rows``: that patient's id and why it failed, if it did."""
    raw = entry.get("resource") if isinstance(entry, dict) else None
    if not isinstance(raw, dict):
        pid = f"entry-{k}"
        rows.setdefault(pid, {schema.ID_COLUMN: pid})
        return pid, f"entry {k}: not a resource ({shown(entry)})"
    size_reason = check_record_bytes(len(json.dumps(raw)), f"entry {k}")
    kind = raw.get("resourceType")
    subject = raw.get("subject")
    ref = subject.get("reference", "") if isinstance(subject, dict) else ""
    if kind == "Patient":
        ref = f"Patient/{raw.get('id')}"
    pid = (ref.removeprefix("Patient/") if isinstance(ref, str) else "") or f"entry-{k}"
    row = rows.setdefault(pid, {schema.ID_COLUMN: pid})
    if size_reason:
        return pid, size_reason
    if kind not in models:
        return pid, f"entry {k}: unsupported resource {shown(kind)}"
    try:
        resource = models[kind].model_validate(raw)
    except (ValueError, TypeError, RecursionError) as exc:
        first = str(exc).splitlines()[1] if len(str(exc).splitlines()) > 1 else str(exc)
        return pid, f"entry {k} ({kind}): {shown(first.strip())[1:-1]}"
    try:
        _fill_row(row, kind, resource, k)
    except (ValueError, TypeError, OverflowError) as exc:  # valid FHIR a table cannot hold
        return pid, f"entry {k} ({kind}): {shown(str(exc))[1:-1]}"
    return pid, None


def _fill_row(row: dict[str, Any], kind: str, resource: Any, k: int) -> None:
    """Copy what a validated Patient, Condition or Observation (entry ``k``) says into its row."""
    if kind == "Patient":
        if resource.gender:
            row["sex"] = {v: k for k, v in GENDER.items()}.get(resource.gender, resource.gender)
        if resource.birthDate:
            row["birth_date"] = pd.Timestamp(str(resource.birthDate))
    elif kind == "Condition":
        code = resource.code.coding[0].code if resource.code and resource.code.coding else None
        if code:
            row["diagnosis"] = f"{row['diagnosis']};{code}" if "diagnosis" in row else code
    else:
        column = resource.code.text or (resource.code.coding[0].code if resource.code.coding else f"obs-{k}")
        if resource.valueQuantity is not None:
            row[column] = float(resource.valueQuantity.value)
        elif resource.valueString is not None:
            row[column] = resource.valueString
        if resource.effectiveDateTime is not None:
            row["encounter_date"] = pd.Timestamp(str(resource.effectiveDateTime))


def _integer_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Float columns whose values are all whole numbers back as integers (counts and codes)."""
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values) and values.notna().any():
            present = values.dropna()
            if (present == present.round()).all():
                table[column] = values.astype("Int64") if values.isna().any() else values.astype("int64")
    return table
