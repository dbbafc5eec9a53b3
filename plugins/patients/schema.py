"""The patient table contract: canonical column names, their meaning and units.

A table read from a file must say how old each patient is (``age`` or
``birth_date``, see :data:`REQUIRED_ANY`); every other column is optional and
rules apply to the columns a table has. A column is
recognised by its exact name or by the name followed by ``_`` and a suffix,
so ``cd4_baseline`` and ``cd4_week20`` are both CD4 counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ID_COLUMN = "patient_id"
SEX_VALUES = ("F", "M")

#: Columns every patient table read from a file must have: how old each patient
#: is, as ``age`` or as ``birth_date`` (an EHR export often carries the date,
#: not the age). A table with neither is refused; a row with both empty is
#: rejected by ``patients-required-fields``.
REQUIRED_ANY: tuple[tuple[str, ...], ...] = (("age", "birth_date"),)


@dataclass(frozen=True)
class Measure:
    """A physiological quantity with the range of values it has been measured at in real patients.

    ``source`` names the clinical report or reference that fixes the limits:
    the most extreme value recorded in a patient (who lived, or was being
    resuscitated), with a margin, so that real pathology always passes.
    """

    name: str
    low: float
    high: float
    unit: str
    description: str
    source: str = ""


# Plausibility limits, not normal ranges. They reject values that no patient
# has ever been measured at, or that are in another unit (98.6 in a Celsius
# column, a weight in grams), never abnormal values: real cohorts hold extreme
# pathology (PBC cholesterol of 1,775 mg/dL, a leg-press blood pressure of
# 480/350 mmHg) and synthetic data must be allowed to keep it.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "age",
        0,
        125,
        "years",
        "age at enrolment or encounter",
        "oldest verified human 122.45 years: Robine JM, Allard M (1998) Science 279:1834-1835",
    ),
    Measure(
        "height_cm",
        20,
        275,
        "cm",
        "body height",
        "tallest recorded man 272 cm (R. Wadlow; Guinness World Records); crown-heel length of "
        "surviving 22-week preterm infants about 25 cm: Fenton TR, Kim JH (2013) BMC Pediatr 13:59",
    ),
    Measure(
        "weight_kg",
        0.2,
        700,
        "kg",
        "body weight",
        "heaviest recorded man about 635 kg (J.B. Minnoch, 1978; Guinness World Records); smallest "
        "surviving newborns 212-245 g (University of Iowa Tiniest Babies Registry)",
    ),
    Measure(
        "bmi",
        3,
        250,
        "kg/m2",
        "body-mass index",
        "derived from the weight and height limits: 635 kg at 185 cm gives 185 kg/m2; a 250 g, "
        "24 cm newborn gives 4.3 kg/m2",
    ),
    Measure(
        "heart_rate",
        0,
        600,
        "beats/min",
        "heart rate",
        "600 beats/min recorded in pre-excited atrial fibrillation: Chhabra L et al. (2012) Indian "
        "Pacing Electrophysiol J 12:32-35; 0 is asystole, recorded during resuscitation",
    ),
    Measure(
        "systolic_bp",
        0,
        500,
        "mmHg",
        "systolic blood pressure",
        "480/350 mmHg measured intra-arterially during a double-leg press: MacDougall JD et al. (1985) "
        "J Appl Physiol 58:785-790; 0 during circulatory arrest",
    ),
    Measure(
        "diastolic_bp",
        0,
        400,
        "mmHg",
        "diastolic blood pressure",
        "350 mmHg: MacDougall JD et al. (1985) J Appl Physiol 58:785-790; near 0 in severe aortic "
        "regurgitation and circulatory arrest",
    ),
    Measure(
        "mean_arterial_pressure",
        0,
        420,
        "mmHg",
        "mean arterial pressure",
        "from the blood-pressure limits: 480/350 mmHg gives a mean of about 393 mmHg",
    ),
    Measure(
        "temperature",
        10,
        47,
        "degC",
        "body temperature",
        "survival at 13.7 degC: Gilbert M et al. (2000) Lancet 355:375-376; 46.5 degC in heat stroke "
        "(W. Jones, 1980; Guinness World Records)",
    ),
    Measure(
        "resp_rate",
        0,
        150,
        "breaths/min",
        "respiratory rate",
        "99th centile 66/min at birth: Fleming S et al. (2011) Lancet 377:1011-1018; tachypnoeic "
        "newborns exceed 100/min; 0 is apnoea",
    ),
    Measure(
        "spo2",
        0,
        100,
        "%",
        "peripheral oxygen saturation",
        "a percentage; healthy newborns read 30-60% in the first minute: Dawson JA et al. (2010) "
        "Pediatrics 125:e1340-e1347",
    ),
    Measure(
        "cd4",
        0,
        1_000_000,
        "cells/uL",
        "CD4 T-cell count",
        "a subset of the leukocyte count, which exceeds 100,000/uL in hyperleukocytic leukaemia "
        "(Ganzel C et al. (2012) Blood Rev 26:117-122), with CD4+ clones in Sezary syndrome",
    ),
    Measure(
        "cd8",
        0,
        1_000_000,
        "cells/uL",
        "CD8 T-cell count",
        "a subset of the leukocyte count (see cd4); CD8+ T-cell leukaemias reach such counts",
    ),
    Measure(
        "hemoglobin",
        0.5,
        30,
        "g/dL",
        "haemoglobin",
        "survival after 0.6 g/dL: Kariya T et al. (2015) A A Case Rep 4:132-136; 0.7 g/dL: Dai J et al. "
        "(2010) Anesth Analg 111:1204-1206; above 25 g/dL in polycythaemia and cyanotic heart disease",
    ),
    Measure(
        "glucose",
        0,
        6000,
        "mg/dL",
        "blood glucose",
        "5,600 mg/dL with survival: Soni A et al. (1990) Diabetes Care 13:181-182; 2,656 mg/dL "
        "(Guinness World Records, 2008); hypoglycaemia reads near 0",
    ),
    Measure(
        "creatinine",
        0.05,
        80,
        "mg/dL",
        "serum creatinine",
        "73.8 mg/dL, the highest recorded: Case Rep Nephrol (2021) 2021:6048919",
    ),
    Measure(
        "cholesterol_total",
        10,
        3000,
        "mg/dL",
        "total cholesterol",
        "1,775 mg/dL in the Mayo Clinic PBC trial (Fleming TR, Harrington DP (1991) Counting Processes "
        "and Survival Analysis, appendix D); 1,730 mg/dL with lipoprotein X in cholestasis: Front Pediatr "
        "(2022) 10:969081; below 50 mg/dL in abetalipoproteinaemia",
    ),
    Measure(
        "ldl",
        0,
        2000,
        "mg/dL",
        "LDL cholesterol",
        "500-1,000 mg/dL untreated in homozygous familial hypercholesterolaemia: Cuchel M et al. (2023) "
        "Eur Heart J 44:2277-2291; lipoprotein X is reported as LDL; undetectable in abetalipoproteinaemia",
    ),
    Measure(
        "hdl",
        0,
        400,
        "mg/dL",
        "HDL cholesterol",
        "above 200 mg/dL in CETP deficiency: Inazu A et al. (1990) N Engl J Med 323:1234-1238; "
        "near 0 in Tangier disease",
    ),
    Measure(
        "karnofsky",
        0,
        100,
        "score",
        "Karnofsky performance score",
        "the scale's own definition: Karnofsky DA, Burchenal JH (1949)",
    ),
    Measure(
        "tumour_size_mm",
        0,
        1000,
        "mm",
        "largest tumour diameter",
        "above the largest reported tumours (ovarian cysts of over 100 kg, some 60 cm across)",
    ),
    Measure(
        "positive_nodes",
        0,
        800,
        "count",
        "positive lymph nodes",
        "cannot exceed the lymph nodes of a body, about 450-800 (Standring S, ed. Gray's Anatomy)",
    ),
    Measure(
        "time",
        0,
        45_700,
        "days",
        "follow-up time to event or censoring",
        "a follow-up cannot outlast the longest life (125 years; see age)",
    ),
)

MEASURE_BY_NAME = {m.name: m for m in MEASURES}

CATEGORICAL = {
    "sex": "administrative sex, 'F' or 'M'",
    "race": "race or ethnicity as recorded by the source",
    "arm": "treatment arm",
    "diagnosis": "ICD-10 code(s); several separated by ';'",
    "event": "1 if the event (death, progression) was observed, 0 if censored",
    "outcome": "binary outcome",
    "visit": "visit number or name, in a table with one row per visit (long format)",
    "event_type": "kind of event a row records, in a table with one row per event (long format)",
}

#: Columns that tell apart several rows of one patient in a long-format table
#: (one row per visit, per event or per counting-process interval).
LONG_FORMAT_KEYS: tuple[str, ...] = ("visit", "event_type", "encounter_date", "start", "stop")

NUMBERS_NOT_MEASURED = {
    "start": "start of a counting-process interval, days (long format)",
    "stop": "end of a counting-process interval, days (long format)",
}

DATES = {
    "birth_date": "date of birth",
    "encounter_date": "date of the encounter the row describes",
}


def measure_for(column: str) -> Measure | None:
    """The measure a column records, by exact name or ``<measure>_<suffix>``."""
    if column in MEASURE_BY_NAME:
        return MEASURE_BY_NAME[column]
    for m in MEASURES:
        if column.startswith(m.name + "_"):
            return m
    return None


def numeric_columns(table: pd.DataFrame) -> list[str]:
    """Columns of ``table`` that the contract says are numbers."""
    return [c for c in table.columns if measure_for(c) is not None or c in ("event", "outcome")]


def describe() -> dict[str, str]:
    """Column name -> description with unit, for ``synthgenesis domains``."""
    out = {ID_COLUMN: "identifier (never modelled; regenerated in synthetic data)"}
    out.update({m.name: f"{m.description} [{m.unit}], plausible {m.low:g}..{m.high:g}" for m in MEASURES})
    out.update(CATEGORICAL)
    out.update(NUMBERS_NOT_MEASURED)
    out.update(DATES)
    return out


def missing_required(columns: object) -> list[tuple[str, ...]]:
    """The groups of :data:`REQUIRED_ANY` of which ``columns`` holds no column."""
    present = set(map(str, columns))  # type: ignore[call-overload]
    return [group for group in REQUIRED_ANY if not present & set(group)]
