"""Patient records: clinical tables with physiological and cross-field validity rules.

Registers the ``patients`` domain (CSV/Parquet tables following the patient
contract), real reference cohorts that load offline (ACTG 175, GBSG-2,
diabetes), a Gaussian-copula generator, validity rules and transfer
tasks. Domain libraries are imported when the manager first asks for these
records, never at import time.
"""

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec, TransferTask

SURVIVAL_TRANSFER = lazy("synthgenesis.plugins.patients.transfer:survival_transfer")

PLUGIN = LazyPlugin(
    extra="patients",
    requires=("lifelines",),
    domains="synthgenesis.plugins.patients.domain:DOMAIN",
    rules="synthgenesis.plugins.patients.rules:RULES",
    generators=[
        GeneratorSpec(
            name="patients-gaussian-copula",
            domain="patients",
            factory=lazy("synthgenesis.plugins.patients.generators:gaussian_copula"),
            description="per-column marginals (numeric, integer, categorical, dates, missingness) "
            "joined by a Gaussian copula",
        ),
        GeneratorSpec(
            name="patients-survival",
            domain="patients",
            factory=lazy("synthgenesis.plugins.patients.generators:survival_aware"),
            description="covariates from a table generator; event and censoring times from Weibull "
            "AFT models, so time and event are consistent and follow the covariates",
        ),
        GeneratorSpec(
            name="patients-bayesian-network",
            domain="patients",
            factory=lazy("synthgenesis.plugins.patients.generators:bayesian_network"),
            description="Chow-Liu tree Bayesian network over discretised columns; keeps multi-modal "
            "and conditional structure",
        ),
    ],
    transfer_tasks=[
        TransferTask(
            name="actg175-survival",
            domain="patients",
            reference="actg175",
            target="time",
            kind="survival",
            description="Cox model of time to AIDS, death or CD4 decline; concordance on real patients",
            sensitive=("sex", "race"),
            evaluator=SURVIVAL_TRANSFER,
        ),
        TransferTask(
            name="gbsg2-survival",
            domain="patients",
            reference="gbsg2",
            target="time",
            kind="survival",
            description="Cox model of recurrence-free survival; concordance on real patients",
            evaluator=SURVIVAL_TRANSFER,
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
    ],
)
