"""Patient records: clinical tables with physiological and cross-field validity rules.

Registers the ``patients`` domain (CSV/Parquet tables following the patient
contract), real reference cohorts that load offline (ACTG 175, GBSG-2,
diabetes), a Gaussian-copula generator, validity constraints and transfer
tasks. Domain libraries are imported inside the hooks, never at import time.
"""

from synthgenesis.hookspecs import hookimpl

SYNTHGENESIS_EXTRA = "patients"
SYNTHGENESIS_REQUIRES = ("lifelines",)


@hookimpl
def synthgenesis_register_domains():
    from synthgenesis.plugins.patients.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_generators():
    from synthgenesis.plugins.patients import generators
    from synthgenesis.types import GeneratorSpec

    return [
        GeneratorSpec(
            name="patients-gaussian-copula",
            domain="patients",
            factory=generators.gaussian_copula,
            description="per-column marginals (numeric, integer, categorical, dates, missingness) "
            "joined by a Gaussian copula",
        ),
        GeneratorSpec(
            name="patients-survival",
            domain="patients",
            factory=generators.survival_aware,
            description="covariates from a table generator; event and censoring times from Weibull "
            "AFT models, so time and event are consistent and follow the covariates",
        ),
        GeneratorSpec(
            name="patients-bayesian-network",
            domain="patients",
            factory=generators.bayesian_network,
            description="Chow-Liu tree Bayesian network over discretised columns; keeps multi-modal "
            "and conditional structure",
        ),
    ]


@hookimpl
def synthgenesis_register_constraints():
    from synthgenesis.plugins.patients import rules

    return rules.constraints()


@hookimpl
def synthgenesis_register_transfer_tasks():
    from synthgenesis.plugins.patients.transfer import survival_transfer
    from synthgenesis.types import TransferTask

    return [
        TransferTask(
            name="actg175-survival",
            domain="patients",
            reference="actg175",
            target="time",
            kind="survival",
            description="Cox model of time to AIDS, death or CD4 decline; concordance on real patients",
            sensitive=("sex", "race"),
            evaluator=survival_transfer,
        ),
        TransferTask(
            name="gbsg2-survival",
            domain="patients",
            reference="gbsg2",
            target="time",
            kind="survival",
            description="Cox model of recurrence-free survival; concordance on real patients",
            evaluator=survival_transfer,
        ),
        TransferTask(
            name="actg175-event",
            domain="patients",
            reference="actg175",
            target="event",
            kind="classification",
            description="predict AIDS-defining event, death or CD4 decline in ACTG 175",
            sensitive=("sex", "race"),
        ),
        TransferTask(
            name="gbsg2-recurrence",
            domain="patients",
            reference="gbsg2",
            target="event",
            kind="classification",
            description="predict recurrence or death in GBSG-2",
            sensitive=("menopausal_status",),
        ),
        TransferTask(
            name="breast-cancer-malignant",
            domain="patients",
            reference="breast-cancer",
            target="outcome",
            kind="classification",
            description="tell malignant from benign breast masses from nuclear measurements",
        ),
        TransferTask(
            name="diabetes-progression",
            domain="patients",
            reference="diabetes",
            target="progression",
            kind="regression",
            description="predict one-year disease progression in the diabetes cohort",
            sensitive=("sex_code",),
        ),
    ]


@hookimpl
def synthgenesis_default_generator(domain):
    return "patients-gaussian-copula" if domain == "patients" else None
