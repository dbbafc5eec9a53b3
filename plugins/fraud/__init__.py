"""Fraud: payment transactions as table rows, with the rules real transaction data obeys.

A sample is one transaction (account, UTC time, amount, ISO 4217 currency,
merchant and merchant category code, fraud label, optional balances). The
rules check what a real ledger guarantees: non-negative amounts, amounts in whole
minor units of their currency, each account's history in time order, unique
transaction ids, balance arithmetic and well-formed MCCs. An agent-based
simulator (``fraud-simulator``) generates such tables with compromised-card,
compromised-terminal and account-takeover fraud. pandas is the only library
it needs.
"""

from __future__ import annotations

from typing import Any

from synthgenesis.hookspecs import hookimpl

SYNTHGENESIS_EXTRA = "fraud"
SYNTHGENESIS_REQUIRES = ("pandas",)


@hookimpl
def synthgenesis_register_domains() -> list[Any]:
    from synthgenesis.plugins.fraud.domain import DOMAIN

    return [DOMAIN]


@hookimpl
def synthgenesis_register_constraints() -> list[Any]:
    from synthgenesis.plugins.fraud import rules

    return list(rules.constraints())


@hookimpl
def synthgenesis_register_generators() -> list[Any]:
    from synthgenesis.plugins.fraud.simulator import FraudSimulator
    from synthgenesis.types import GeneratorSpec

    return [
        GeneratorSpec(
            name="fraud-simulator",
            domain="fraud",
            factory=FraudSimulator,
            description="agent-based simulator: customers buy at nearby merchants and online, with "
            "exact balances, plus compromised-card, compromised-terminal and account-takeover fraud",
        )
    ]


@hookimpl
def synthgenesis_default_generator(domain: str) -> str | None:
    return "fraud-simulator" if domain == "fraud" else None
