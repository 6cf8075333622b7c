"""Prove a member's message log intact, or name the first entry that is not.

The chain is recomputed from the stored entry bytes: a changed byte breaks the hash of that
entry; a swapped entry carries another sequence number than its position; a deleted entry leaves
a gap; a deleted tail is caught by any checkpoint beyond the end. Checkpoints must carry the
member's valid signature and CENTRAL's countersignature, and their head hash must be the
recomputed one (so a log rewritten from some entry onwards fails at the first checkpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, select

from tenfold.exchange.checkpoints import verify_countersignature
from tenfold.exchange.messagelog import GENESIS, chain, decode_header
from tenfold.exchange.pki import Anchor, issued_by, load_cert, subject_of
from tenfold.exchange.signing import checkpoint_digest, verify
from tenfold.exchange.tables import checkpoints, messagelog


@dataclass
class Verdict:
    entries: int = 0
    checkpoints: int = 0
    countersigned: int = 0
    bad_seq: int | None = None
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.problem is None

    def fail(self, seq: int | None, problem: str) -> Verdict:
        self.bad_seq, self.problem = seq, problem
        return self


def _check_entry(row: Any, expected: int, previous: bytes) -> str | None:
    if row.seq != expected:
        return f"entry {expected} is missing (the next stored entry is {row.seq})"
    entry = bytes(row.entry)
    try:
        header = decode_header(entry)
    except orjson.JSONDecodeError:
        return f"entry {row.seq} is not readable (its content was changed)"
    if header.get("seq") != row.seq:
        return f"entry {row.seq} holds entry {header.get('seq')} (entries were reordered)"
    if header.get("message_id", "")[:255] != row.message_id:
        return f"entry {row.seq} has a changed message id"
    if chain(previous, entry) != bytes(row.hash):
        return f"entry {row.seq} was changed (its hash does not match the chain)"
    return None


def verify_log(engine: Engine, member_id: str, anchor: Anchor) -> Verdict:
    verdict = Verdict()
    with engine.connect() as connection:
        marks = {r["seq"]: dict(r) for r in connection.execute(select(checkpoints).order_by(checkpoints.c.seq)).mappings()}
        heads: dict[int, bytes] = {}
        previous, expected = GENESIS, 1
        rows = connection.execution_options(yield_per=2000).execute(select(messagelog).order_by(messagelog.c.seq))
        for row in rows:
            problem = _check_entry(row, expected, previous)
            if problem:
                return verdict.fail(expected if row.seq != expected else row.seq, problem)
            previous = bytes(row.hash)
            if row.seq in marks:
                heads[row.seq] = previous
            verdict.entries, expected = row.seq, row.seq + 1
    return _check_checkpoints(verdict, marks, heads, member_id, anchor)


def _check_checkpoints(verdict: Verdict, marks: dict[int, dict[str, Any]], heads: dict[int, bytes], member_id: str, anchor: Anchor) -> Verdict:
    ca = load_cert(anchor.ca_pem)
    for seq, mark in sorted(marks.items()):
        if seq > verdict.entries:
            return verdict.fail(verdict.entries + 1, f"entries {verdict.entries + 1} to {seq} are missing (checkpoint {seq} covers them)")
        if heads.get(seq) != bytes(mark["head"]):
            return verdict.fail(seq, f"checkpoint {seq} does not match the log: an entry up to {seq} was rewritten")
        signer = load_cert(mark["signer_pem"])
        digest = checkpoint_digest(mark["member_id"], seq, bytes(mark["head"]), mark["created_at"])
        if mark["member_id"] != member_id or subject_of(signer) != member_id or not issued_by(signer, ca):
            return verdict.fail(seq, f"checkpoint {seq} is not signed with a certificate of {member_id}")
        if not verify(signer.public_key(), bytes(mark["signature"]), digest):  # type: ignore[arg-type]
            return verdict.fail(seq, f"checkpoint {seq}: the member's signature does not verify")
        verdict.checkpoints += 1
        if mark["central_signature"] is None:
            verdict.warnings.append(f"checkpoint {seq} is not countersigned by CENTRAL yet")
            continue
        if not verify_countersignature(anchor, mark, mark["central_time"], bytes(mark["central_signature"])):
            return verdict.fail(seq, f"checkpoint {seq}: CENTRAL's countersignature does not verify")
        verdict.countersigned += 1
    return verdict
