"""The distributed mode's checkpointer: `kopir checkpointer` signs the log's head every so
many events (one instance active, another standing by), and every checkpoint is also
published to the ledger's heads topic on a real Kafka, so that a PostgreSQL store rolled
back to an earlier, consistent state is found out by `kopir verify-log`."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from bench.stack import ROOT, manual_clock, new_stack, record_history, wait_for
from consumers.heads import KafkaHeads
from infrastructure import ledger
from processes import audit

SEED = base64.b64encode(bytes(range(32))).decode()
EVERY = 20


@pytest.fixture
def stack(postgres_databases, tmp_path):  # type: ignore[no-untyped-def]
    s = new_stack(postgres_databases, tmp_path)
    env = s.env
    s.env = lambda: {**env(), "KOPIR_LEDGER_KEY": SEED,  # type: ignore[method-assign]
                     "KOPIR_CHECKPOINT_EVERY": str(EVERY), "KOPIR_POLL_INTERVAL": "0.1"}
    yield s
    s.stop_all()


def kopir(stack, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "kopir.cli", *args], cwd=ROOT, env=stack.env(),
                          capture_output=True, text=True, timeout=120)


def stored(stack) -> list[ledger.Checkpoint]:  # type: ignore[no-untyped-def]
    app = stack.app()
    try:
        return audit.checkpoints(app)
    finally:
        app.close()


def signed(checkpoints: list[ledger.Checkpoint]) -> list[tuple[int, str, str]]:
    return [(c.position, c.head, c.signature) for c in checkpoints]


def test_checkpoints_reach_the_heads_topic_and_a_rollback_is_found(stack):
    app = stack.app(manual_clock())
    record_history(app, events=2 * EVERY, children=4)
    stack.start("checkpointer-a", "checkpointer")
    wait_for(lambda: "checkpointer from position" in stack.log("checkpointer-a"), 60,
             "the first checkpointer to start")
    stack.start("checkpointer-b", "checkpointer")
    wait_for(lambda: len(stored(stack)) >= 1, 60, "a checkpoint signed by the active one")
    wait_for(lambda: "standing by" in stack.log("checkpointer-b"), 60, "the standby")
    heads = KafkaHeads(stack.kafka)
    wait_for(lambda: signed(heads.read()) == signed(stored(stack)), 30, "the checkpoints on the topic")
    # The active one killed: the standby takes over and signs what comes next.
    stack.kill9("checkpointer-a")
    before = len(stored(stack))
    record_history(app, events=2 * EVERY, children=4, seed=2)
    wait_for(lambda: len(stored(stack)) > before, 60, "a checkpoint after the takeover")
    assert "taking over" in stack.log("checkpointer-b")
    wait_for(lambda: signed(heads.read()) == signed(stored(stack)), 30, "the new checkpoints on the topic")
    stack.stop("checkpointer-b")
    verified = kopir(stack, "verify-log")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # Someone with the database rolls it back to before the newest checkpoint and removes
    # the heads file beside the store; the topic still remembers.
    checkpoints = stored(stack)
    engine = create_engine(stack.settings.events_url())
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM schoolintegration_events WHERE id > :p"),
                           {"p": checkpoints[-2].position + 1})
    engine.dispose()
    (stack.log_dir / "ledger-heads.jsonl").unlink()
    rolled_back = kopir(stack, "verify-log")
    assert rolled_back.returncode != 0
    assert "kept outside the store is not in it" in rolled_back.stdout
    assert "Traceback" not in rolled_back.stderr
    app.close()


def test_a_broker_that_cannot_be_reached_is_named_not_trusted(stack):
    app = stack.app(manual_clock())
    record_history(app, events=10, children=2)
    app.close()
    env = stack.env
    stack.env = lambda: {**env(), "KOPIR_KAFKA_BOOTSTRAP": "127.0.0.1:1",  # type: ignore[method-assign]
                         "KOPIR_KAFKA_HEADS_PATIENCE_SECONDS": "3"}
    result = kopir(stack, "verify-log")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "a rollback cannot be ruled out" in result.stdout
