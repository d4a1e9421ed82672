"""The hash chain and its signed checkpoints: any edit, deletion, reordering or insertion
of rows at or before a checkpoint is detected, whatever hypothesis tries."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC
from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure import ledger
from infrastructure.errors import LedgerError

KEY = ECC.construct(curve="ed25519", seed=bytes(range(32)))
OTHER_KEY = ECC.construct(curve="ed25519", seed=bytes(range(1, 33)))


def log(n: int) -> list[ledger.Row]:
    return [ledger.Row(i, f"stream-{i % 7}", i // 7 + 1, "domain.model:Child.ConflictRecorded",
                       f"ciphertext {i}".encode()) for i in range(1, n + 1)]


TRUSTED = (ledger.public_key_hex(KEY),)


def signed(rows: list[ledger.Row], key: ECC.EccKey = KEY,
           after: ledger.Checkpoint | None = None) -> ledger.Checkpoint:
    chain = ledger.Chain()
    for row in rows:
        chain.add(row)
    return ledger.sign(key, chain.position, chain.count, chain.head,
                       previous=after.digest if after else ledger.FIRST)


def linked(rows: list[ledger.Row], *ends: int) -> list[ledger.Checkpoint]:
    """Checkpoints after rows[:end] for each end, each signing the one before."""
    made: list[ledger.Checkpoint] = []
    for end in ends:
        made.append(signed(rows[:end], after=made[-1] if made else None))
    return made


def test_an_untouched_log_verifies():
    rows = log(50)
    verdict = ledger.verify(rows, linked(rows, 30, 50), TRUSTED)
    assert verdict.ok and verdict.events == 50 and verdict.covered == 50, verdict.problems


def test_events_after_the_last_checkpoint_are_reported_as_not_yet_covered():
    rows = log(50)
    verdict = ledger.verify(rows, linked(rows, 30), TRUSTED)
    assert verdict.ok and verdict.covered == 30 and "20 recorded after" in verdict.summary()


def test_a_log_without_checkpoints_does_not_verify():
    assert not ledger.verify(log(5), [], TRUSTED).ok


def test_a_forged_or_foreign_signature_is_refused():
    rows = log(10)
    good = signed(rows)
    forged = dataclasses.replace(good, head="00" * 32)
    assert not ledger.verify(rows, [forged], TRUSTED).ok
    foreign = signed(rows, OTHER_KEY)
    assert not ledger.verify(rows, [foreign], TRUSTED).ok
    assert ledger.verify(rows, [good], TRUSTED).ok


def test_nothing_verifies_without_a_trusted_key():
    # Finding 8: a rewrite re-signed with the attacker's own key verified when no key was
    # named; now a verification trusts only the keys it is given.
    rows = log(10)
    verdict = ledger.verify(rows, [signed(rows, OTHER_KEY)])
    assert not verdict.ok and "no checkpoint key is trusted" in verdict.summary()


def test_a_deleted_checkpoint_breaks_the_links_of_those_after_it():
    # Finding 6: each checkpoint signs the one before, so one cannot go missing unseen.
    rows = log(60)
    first, second, third = linked(rows, 20, 40, 60)
    assert ledger.verify(rows, [first, second, third], TRUSTED).ok
    verdict = ledger.verify(rows, [first, third], TRUSTED)
    assert not verdict.ok and "a checkpoint is missing" in verdict.summary()


def test_a_log_rolled_back_before_a_kept_head_does_not_verify(tmp_path: Path):
    # Finding 6: delete the newest checkpoint and everything after an earlier one; what is
    # left is consistent, but the heads written down outside the store remember.
    rows = log(60)
    checkpoints = linked(rows, 20, 40)
    heads = ledger.HeadsFile(tmp_path / "heads.jsonl")
    for checkpoint in checkpoints:
        heads.append(checkpoint)
    rolled_back = checkpoints[:1]
    assert ledger.verify(rows[:21], rolled_back, TRUSTED).ok  # alone, it looks fine
    assert ledger.rolled_back(rolled_back, heads.read()) != []
    assert ledger.rolled_back(checkpoints, heads.read()) == []
    kept = ledger.expected_head(f"{checkpoints[1].position}:{checkpoints[1].head}")
    assert ledger.missing_heads(rolled_back, [kept]) != []
    assert ledger.missing_heads(checkpoints, [kept]) == []


TAMPERING = st.sampled_from(["edit-state", "edit-topic", "edit-stream", "edit-version",
                             "delete", "swap", "insert", "move-id"])


@settings(max_examples=300, deadline=None)
@given(size=st.integers(2, 40), how=TAMPERING, data=st.data())
def test_any_tampering_before_a_checkpoint_is_detected(size, how, data):
    rows = log(size)
    checkpoint = signed(rows)
    i = data.draw(st.integers(0, size - 1), label="row")
    tampered = list(rows)
    row = rows[i]
    if how == "edit-state":
        bit = data.draw(st.integers(0, len(row.state) * 8 - 1), label="bit")
        state = bytearray(row.state)
        state[bit // 8] ^= 1 << (bit % 8)
        tampered[i] = dataclasses.replace(row, state=bytes(state))
    elif how == "edit-topic":
        tampered[i] = dataclasses.replace(row, topic=row.topic + "X")
    elif how == "edit-stream":
        tampered[i] = dataclasses.replace(row, originator_id=row.originator_id + "0")
    elif how == "edit-version":
        tampered[i] = dataclasses.replace(row, version=row.version + 1)
    elif how == "delete":
        del tampered[i]
    elif how == "swap":
        j = data.draw(st.integers(0, size - 1).filter(lambda j: j != i), label="other")
        # Swap the contents but keep the ids in order, as an UPDATE of two rows would.
        tampered[i] = dataclasses.replace(rows[j], id=row.id)
        tampered[j] = dataclasses.replace(row, id=rows[j].id)
    elif how == "insert":
        new = ledger.Row(row.id, "stream-x", 1, row.topic, b"forged")
        tampered.insert(i, new)
        tampered = [dataclasses.replace(r, id=k + 1) for k, r in enumerate(tampered)]
    elif how == "move-id":
        tampered[i] = dataclasses.replace(row, id=row.id + 1000)
        tampered.sort(key=lambda r: r.id)
    if tampered == rows:
        return
    assert not ledger.verify(tampered, [checkpoint], TRUSTED).ok, how


def test_an_export_verifies_offline_and_an_edited_export_does_not(tmp_path: Path):
    rows = log(30)
    path = tmp_path / "ledger.jsonl"
    out = ledger.ExportFile(path, [signed(rows)], "2026-11-21T00:00:00+00:00")
    for row in rows:
        out.write(row)
    out.close()
    assert out.count == 30
    checkpoints, read = ledger.read_export(path)
    assert ledger.verify(read, checkpoints, TRUSTED).ok
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace('"version": 1', '"version": 2')
    lines[7] = lines[7].replace("Y2lwaGVydGV4dCA3", "Y2lwaGVydGV4dCA4")
    path.write_text("\n".join(lines) + "\n")
    checkpoints, read = ledger.read_export(path)
    assert not ledger.verify(read, checkpoints, TRUSTED).ok


def test_the_signing_key_comes_from_the_environment_or_a_file(tmp_path: Path):
    import base64

    seed = base64.b64encode(bytes(range(32))).decode()
    assert ledger.public_key_hex(ledger.load_signing_key(seed)) == ledger.public_key_hex(KEY)
    with pytest.raises(LedgerError):
        ledger.load_signing_key(path=tmp_path / "none.key")
    made = ledger.load_signing_key(path=tmp_path / "k.key", create=True)
    again = ledger.load_signing_key(path=tmp_path / "k.key")
    assert ledger.public_key_hex(made) == ledger.public_key_hex(again)
    assert oct((tmp_path / "k.key").stat().st_mode)[-3:] == "600"


def test_checkpoints_signed_before_links_still_verify_and_the_next_one_links_to_them():
    rows = log(40)
    legacy = signed(rows[:20], after=None)
    legacy = ledger.sign(KEY, legacy.position, legacy.count, bytes.fromhex(legacy.head),
                         previous="")  # the first format: (position, count, head) only
    assert ledger.checkpoint_message(1, 2, "ab") == b"kopir.ledger/1|1|2|ab"
    chain = ledger.Chain()
    for row in rows:
        chain.add(row)
    after = ledger.sign(KEY, chain.position, chain.count, chain.head,
                        previous=ledger.follows([legacy]))
    assert ledger.verify(rows, [legacy, after], TRUSTED).ok
