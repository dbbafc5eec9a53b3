"""Fraud: payment transactions as table rows, with the rules real transaction data obeys.

A sample is one transaction (account, UTC time, amount, ISO 4217 currency,
merchant and merchant category code, fraud label, optional balances). The
rules check what a real ledger guarantees: non-negative amounts, amounts in whole
minor units of their currency, each account's history in time order, unique
transaction ids, balance arithmetic and well-formed MCCs. An agent-based
simulator (``fraud-simulator``) generates such tables with compromised-card,
compromised-terminal and account-takeover fraud. It needs pandas, and Babel
for the CLDR currency data.
"""

from synthgenesis.lazyplugin import LazyPlugin, lazy
from synthgenesis.types import GeneratorSpec

PLUGIN = LazyPlugin(
    extra="fraud",
    requires=("pandas", "babel"),
    domains="synthgenesis.plugins.fraud.domain:DOMAIN",
    rules="synthgenesis.plugins.fraud.rules:RULES",
    generators=[
        GeneratorSpec(
            name="fraud-simulator",
            domain="fraud",
            factory=lazy("synthgenesis.plugins.fraud.simulator:FraudSimulator"),
            description="agent-based simulator: customers buy at nearby merchants and online, with "
            "exact balances, plus compromised-card, compromised-terminal and account-takeover fraud",
        )
    ],
)
