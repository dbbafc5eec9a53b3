"""Fraud: payment transactions as table rows, with the rules real transaction data obeys.

A sample is one transaction (account, UTC time, amount, ISO 4217 currency,
merchant and merchant category code, fraud label, optional balances). The
rules check what a real ledger guarantees: positive amounts, amounts in whole
minor units of their currency, each account's history in time order, unique
transaction ids, balance arithmetic and well-formed MCCs. pandas is the only
library it needs.
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
