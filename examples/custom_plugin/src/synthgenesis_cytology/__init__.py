"""synthgenesis-cytology: a third-party synthgenesis plugin for breast-cancer cytology.

Everything a domain needs, through the same declaration the built-in domains use:
the records live in their own modules (``domain.py``, ``generators.py``,
``rules.py``) and are imported the first time synthgenesis asks for them.
"""

from __future__ import annotations

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec, TransferTask

__version__ = "0.1.0"

PLUGIN = LazyPlugin(
    # scikit-learn is a core dependency of synthgenesis, so no extra installs anything more.
    requires=("sklearn",),
    domains="synthgenesis_cytology.domain:DOMAIN",
    rules="synthgenesis_cytology.rules:RULES",
    generators=[
        GeneratorSpec(
            name="cytology-class-gaussian",
            domain="cytology",
            factory=lazy("synthgenesis_cytology.generators:ClassGaussian"),
            description="multivariate normal of log measurements, one per diagnosis class",
        )
    ],
    transfer_tasks=[
        TransferTask(
            name="wdbc-malignant",
            domain="cytology",
            reference="wdbc",
            target="malignant",
            kind="classification",
            description="tell malignant from benign masses from nuclear measurements",
        )
    ],
)
