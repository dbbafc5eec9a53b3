"""The fraud simulator through the block engine, the command line, and a detector trained on its output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pandas", reason='needs the fraud extra: pip install "synthgenesis[fraud]"')

import synthgenesis.plugins.fraud as fraud_plugin
from synthgenesis import manager
from synthgenesis.cli import app
from synthgenesis.execution import GenerationPlan, execute, read_samples
from synthgenesis.manager import PluginManager
from synthgenesis.plugins.fraud import merchants
from synthgenesis.plugins.fraud.simulator import PRICE_LEVEL, FraudSimulator

CODES = {c.mcc for c in merchants.POS + merchants.ONLINE}


@pytest.fixture
def fraud_pm() -> PluginManager:
    """The fraud plugin alone, as the process-wide manager (what the CLI and in-process workers use)."""
    pm = PluginManager(autoload=False)
    pm.register(fraud_plugin, name="fraud")
    manager.reset_plugin_manager(lambda: pm)
    return pm


def part_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "samples").glob("*.parquet"))}


def test_block_engine_bytes_do_not_depend_on_workers(fraud_pm: PluginManager, tmp_path: Path) -> None:
    plan = GenerationPlan(
        domain="fraud",
        generator="fraud-simulator",
        state=None,
        n=4500,
        seed=21,
        block_size=1500,
        generator_params={"card_fraud_rate": 0.01, "days": 20},
    )
    one = execute(plan, tmp_path / "one")
    # two spawned processes: plugins come from entry points there, not from this test's manager
    two = execute(plan, tmp_path / "two", workers=2)
    assert one.complete and one.accepted == one.drawn == 4500  # every row passes every rule
    assert len(one.parts()) == 3
    assert part_bytes(tmp_path / "two") == part_bytes(tmp_path / "one")
    assert two.summary()["rules"] == one.summary()["rules"]
    samples = read_samples(one, from_storage=fraud_pm.domain("fraud").from_storage)
    assert samples["transaction_id"].is_unique
    accounts = [set(pd.read_parquet(p)["account_id"]) for p in one.parts()]
    assert not (accounts[0] & accounts[1]) and not (accounts[1] & accounts[2])  # blocks are separate markets
    # the plan may also carry the state instead of the parameters: same rows
    state = FraudSimulator(card_fraud_rate=0.01, days=20).get_state()
    with_state = GenerationPlan(**{**plan.to_dict(), "state": state, "generator_params": {}})
    execute(with_state, tmp_path / "state")
    assert part_bytes(tmp_path / "state") == part_bytes(tmp_path / "one")


def test_generate_command_writes_valid_transactions(
    fraud_pm: PluginManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reference needed: the domain's default generator is the simulator, which needs no fit."""
    runner = CliRunner()
    out = tmp_path / "run"
    args = ["generate", "fraud", "-n", "2000", "--seed", "4", "-p", "takeover_fraud_rate=0.01"]
    result = runner.invoke(
        app, [*args, "-p", "currencies={ GBP = 1.0, KWD = 1.0 }", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "complete" and summary["counts"]["accepted"] == 2000
    assert summary["counts"]["acceptance_rate"] == 1.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"] == "fraud-simulator"
    table = fraud_pm.domain("fraud").read(out / "samples.csv")
    assert len(table) == 2000 and table["_read_error"].isna().all()
    assert set(table["currency"]) == {"GBP", "KWD"}
    checked = runner.invoke(app, ["validate", "fraud", str(out / "samples.csv")])
    assert checked.exit_code == 0, checked.output

    # the block engine, fitted on nothing, through the same command: same rule counts, ids unique
    blocks = runner.invoke(app, [*args, "--block-size", "700", "--out", str(tmp_path / "blocks"), "--json"])
    assert blocks.exit_code == 0, blocks.output
    assert len(list((tmp_path / "blocks" / "samples").glob("part-*.parquet"))) == 3
    stored = fraud_pm.domain("fraud").read(tmp_path / "blocks" / "samples.csv")
    assert len(stored) == 2000 and stored["transaction_id"].is_unique

    monkeypatch.chdir(tmp_path)  # where the default output folder would go
    bad = runner.invoke(app, ["generate", "fraud", "-n", "10", "-p", "card_fraud_rate=0.5"])
    assert bad.exit_code == 2 and "card_fraud_rate: must be at most 0.2" in bad.stderr
    assert not (tmp_path / "runs").exists()  # refused before any output is written


def test_a_detector_learns_the_fraud_signal(fraud_pm: PluginManager) -> None:
    """Trained on one simulated market, scored on another: AUPRC far above the fraud rate."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score

    domain = fraud_pm.domain("fraud")
    gen = FraudSimulator()

    def features(seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        batch = gen.sample(40_000, seed=seed)
        frame = domain.featurize(batch)
        y = frame.pop("is_fraud").to_numpy(dtype=int)
        for col, values in (("currency", PRICE_LEVEL), ("merchant_category", CODES)):
            frame[col] = pd.Categorical(frame[col], categories=sorted(values)).codes  # fixed codes
        return frame, y, batch["fraud_scenario"].to_numpy()

    x_train, y_train, _ = features(1)
    x_test, y_test, scenario = features(2)
    model = HistGradientBoostingClassifier(
        categorical_features=["currency", "merchant_category"], max_iter=150, random_state=0
    ).fit(x_train, y_train)
    score = model.predict_proba(x_test)[:, 1]
    base = y_test.mean()
    assert 0.005 < base < 0.02
    auprc = average_precision_score(y_test, score)
    assert auprc > 15 * base
    # account takeover (fast bursts at cash-out merchants) is the easiest to spot, terminals the hardest
    for kind, floor in (("account_takeover", 0.5), ("compromised_card", 0.1)):
        keep = (scenario == kind) | (y_test == 0)
        assert average_precision_score(y_test[keep], score[keep]) > floor, kind
