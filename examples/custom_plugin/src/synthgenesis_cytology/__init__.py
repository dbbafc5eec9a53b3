"""synthgenesis-cytology: a third-party synthgenesis plugin for breast-cancer cytology.

Everything a domain needs, through the same hooks the built-in domains use.
"""

from __future__ import annotations

from synthgenesis import hookimpl

__version__ = "0.1.0"

# scikit-learn is a core dependency of synthgenesis, so nothing extra is required.
SYNTHGENESIS_REQUIRES = ("sklearn",)


@hookimpl
def synthgenesis_register_domains():
    from synthgenesis_cytology.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_generators():
    from synthgenesis import GeneratorSpec
    from synthgenesis_cytology.generator import ClassGaussian

    return [
        GeneratorSpec(
            name="cytology-class-gaussian",
            domain="cytology",
            factory=ClassGaussian,
            description="multivariate normal of log measurements, one per diagnosis class",
        )
    ]


@hookimpl
def synthgenesis_register_constraints():
    from synthgenesis_cytology.rules import constraints

    return constraints()


@hookimpl
def synthgenesis_register_transfer_tasks():
    from synthgenesis import TransferTask

    return [
        TransferTask(
            name="wdbc-malignant",
            domain="cytology",
            reference="wdbc",
            target="malignant",
            kind="classification",
            description="tell malignant from benign masses from nuclear measurements",
        )
    ]
