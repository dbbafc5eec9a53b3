"""Real clinical reference datasets that load offline, mapped onto the patient contract.

Each loader reads a file shipped by an installed, permissively licensed
package and renames and recodes its columns to the contract (see
``docs/domains/patients.md`` for the full mapping).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from synthgenesis._optional import import_optional
from synthgenesis.types import ReferenceDataset

ACTG175_ARMS = {
    0: "zidovudine",
    1: "zidovudine+didanosine",
    2: "zidovudine+zalcitabine",
    3: "didanosine",
}


def _lifelines_csv(name: str, **kwargs: object) -> pd.DataFrame:
    import_optional("lifelines", "patients", "the built-in clinical reference datasets")
    path = resources.files("lifelines.datasets") / name
    with resources.as_file(path) as p:
        return pd.read_csv(p, **kwargs)  # type: ignore[call-overload]


def load_actg175() -> pd.DataFrame:
    """AIDS Clinical Trials Group study 175 (2,139 HIV-infected adults, four arms)."""
    raw = _lifelines_csv("ACTG175.csv", index_col=0)
    df = pd.DataFrame(
        {
            "patient_id": raw["pidnum"].astype("int64"),
            "age": raw["age"].astype("int64"),
            "sex": raw["gender"].map({1: "M", 0: "F"}),
            "race": raw["race"].map({0: "white", 1: "non-white"}),
            "weight_kg": raw["wtkg"].astype(float),
            "karnofsky": raw["karnof"].astype("int64"),
            "hemophilia": raw["hemo"].astype("int64"),
            "homosexual_activity": raw["homo"].astype("int64"),
            "iv_drug_use": raw["drugs"].astype("int64"),
            "prior_non_zdv_art": raw["oprior"].astype("int64"),
            "zdv_30_days_prior": raw["z30"].astype("int64"),
            "days_prior_art": raw["preanti"].astype("int64"),
            "antiretroviral_history": raw["str2"].map({0: "naive", 1: "experienced"}),
            "symptomatic": raw["symptom"].astype("int64"),
            "arm": raw["arms"].map(ACTG175_ARMS),
            "cd4_baseline": raw["cd40"].astype("int64"),
            "cd4_week20": raw["cd420"].astype("int64"),
            "cd4_week96": raw["cd496"].astype("Int64"),
            "cd8_baseline": raw["cd80"].astype("int64"),
            "cd8_week20": raw["cd820"].astype("int64"),
            "diagnosis": "B20",  # HIV disease: the trial's inclusion criterion
            "time": raw["days"].astype("int64"),
            "event": raw["cens"].astype("int64"),
        }
    )
    return df.reset_index(drop=True)


def load_gbsg2() -> pd.DataFrame:
    """German Breast Cancer Study Group 2 (686 women with primary node-positive breast cancer)."""
    raw = _lifelines_csv("gbsg2.csv")
    return pd.DataFrame(
        {
            "patient_id": range(1, len(raw) + 1),
            "age": raw["age"].astype("int64"),
            "sex": "F",
            "hormone_therapy": raw["horTh"].astype(str),
            "menopausal_status": raw["menostat"].astype(str),
            "tumour_size_mm": raw["tsize"].astype("int64"),
            "tumour_grade": raw["tgrade"].astype(str),
            "positive_nodes": raw["pnodes"].astype("int64"),
            "progesterone_receptor": raw["progrec"].astype("int64"),
            "estrogen_receptor": raw["estrec"].astype("int64"),
            "diagnosis": "C50",  # malignant neoplasm of breast
            "time": raw["time"].astype("int64"),
            "event": raw["cens"].astype("int64"),
        }
    )


def load_diabetes() -> pd.DataFrame:
    """Efron et al. diabetes cohort (442 patients; baseline labs and one-year disease progression)."""
    from sklearn.datasets import load_diabetes as sk_load

    raw = sk_load(as_frame=True, scaled=False).frame
    return pd.DataFrame(
        {
            "patient_id": range(1, len(raw) + 1),
            "age": raw["age"].astype("int64"),
            # The source codes sex as 1/2 without saying which is which; kept as a code.
            "sex_code": raw["sex"].astype("int64"),
            "bmi": raw["bmi"].astype(float),
            "mean_arterial_pressure": raw["bp"].astype(float),
            "cholesterol_total": raw["s1"].astype(float),
            "ldl": raw["s2"].astype(float),
            "hdl": raw["s3"].astype(float),
            "cholesterol_hdl_ratio": raw["s4"].astype(float),
            "log_triglycerides": raw["s5"].astype(float),
            "glucose": raw["s6"].astype(float),
            "progression": raw["target"].astype(float),
        }
    )


def load_breast_cancer() -> pd.DataFrame:
    """Wisconsin Diagnostic Breast Cancer: 569 women, 30 nuclear measurements, malignant or benign."""
    from sklearn.datasets import load_breast_cancer as sk_load

    raw = sk_load(as_frame=True)
    frame = raw.frame.rename(columns={c: c.replace(" ", "_") for c in raw.feature_names})
    # scikit-learn codes 0 = malignant, 1 = benign.
    outcome = (frame.pop("target") == 0).astype("int64")
    frame.insert(0, "patient_id", range(1, len(frame) + 1))
    frame.insert(1, "sex", "F")
    frame["diagnosis"] = "D48.6"  # neoplasm of uncertain behaviour of breast, before the biopsy result
    frame["outcome"] = outcome
    return frame


REFERENCE_DATASETS = (
    ReferenceDataset(
        name="actg175",
        domain="patients",
        load=load_actg175,
        description="ACTG 175 randomised HIV trial: 2,139 patients, demographics, CD4/CD8 counts, "
        "four treatment arms, time to AIDS, death or CD4 decline",
        licence="distributed with lifelines (MIT); trial data published by the AIDS Clinical Trials Group",
        citation="Hammer SM et al. (1996) N Engl J Med 335:1081-1090",
        target="event",
    ),
    ReferenceDataset(
        name="gbsg2",
        domain="patients",
        load=load_gbsg2,
        description="GBSG-2 breast cancer cohort: 686 women, tumour and receptor data, "
        "recurrence-free survival",
        licence="distributed with lifelines (MIT); data from the German Breast Cancer Study Group",
        citation="Schumacher M et al. (1994) J Clin Oncol 12:2086-2093",
        target="event",
    ),
    ReferenceDataset(
        name="diabetes",
        domain="patients",
        load=load_diabetes,
        description="Diabetes cohort: 442 patients, age, sex, BMI, blood pressure, six serum "
        "measurements, disease progression after one year",
        licence="distributed with scikit-learn (BSD-3-Clause)",
        citation="Efron B et al. (2004) Annals of Statistics 32:407-499",
        target="progression",
    ),
    ReferenceDataset(
        name="breast-cancer",
        domain="patients",
        load=load_breast_cancer,
        description="Wisconsin Diagnostic Breast Cancer: 569 fine-needle aspirates, 30 measurements "
        "of cell nuclei, malignant (outcome = 1) or benign",
        licence="distributed with scikit-learn (BSD-3-Clause); UCI Machine Learning Repository",
        citation="Street WN, Wolberg WH, Mangasarian OL (1993) Proc. SPIE 1905:861-870",
        target="outcome",
    ),
)
