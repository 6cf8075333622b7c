"""Log checkpoints: the gateway signs (member, sequence number, head hash, time) every N entries
or T seconds, and CENTRAL countersigns it with its own time (our batched time-stamping).

A checkpoint that CENTRAL has not countersigned yet (CENTRAL down) stays pending and is sent
again; the log keeps working meanwhile, as X-Road keeps working while time-stamping catches up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.exchange.messagelog import Head
from tenfold.exchange.pki import Anchor, load_cert
from tenfold.exchange.signing import Signer, checkpoint_digest, countersign_digest, verify
from tenfold.exchange.store import reason
from tenfold.exchange.tables import checkpoints
from tenfold.waiting import wait_event

log = logging.getLogger("tenfold.exchange.checkpoints")


def checkpoint_payload(row: dict[str, Any]) -> dict[str, Any]:
    """What the gateway sends CENTRAL to countersign."""
    return {
        "member_id": row["member_id"], "seq": row["seq"], "head": bytes(row["head"]).hex(),
        "created_at": row["created_at"].isoformat(), "signature": bytes(row["signature"]).hex(),
        "signer_pem": row["signer_pem"],
    }


def verify_countersignature(anchor: Anchor, row: dict[str, Any], central_time: datetime, signature: bytes) -> bool:
    digest = checkpoint_digest(row["member_id"], row["seq"], bytes(row["head"]), row["created_at"])
    public_key = load_cert(anchor.central_sign_pem).public_key()
    return verify(public_key, signature, countersign_digest(digest, bytes(row["signature"]), central_time))  # type: ignore[arg-type]


class Checkpointer:
    """Signs checkpoints of one member's log and has CENTRAL countersign them."""

    def __init__(self, engine: Engine, member_id: str, signer: Signer, anchor: Anchor, every_entries: int, every_seconds: float):
        self.engine = engine
        self.member_id = member_id
        self.signer = signer
        self.anchor = anchor
        self.every_entries = every_entries
        self.every_seconds = every_seconds
        with engine.connect() as connection:
            self.last_seq = int(connection.execute(select(func.coalesce(func.max(checkpoints.c.seq), 0))).scalar_one())
        self.last_time = time.monotonic()
        self.head: Head | None = None
        self._due = asyncio.Event()

    def on_commit(self, head: Head) -> None:
        self.head = head
        if head.seq - self.last_seq >= self.every_entries:
            self._due.set()

    async def run(self, session: aiohttp.ClientSession) -> None:
        while True:
            await wait_event(self._due, self.every_seconds)
            self._due.clear()
            head = self.head
            try:
                if head is not None and head.seq > self.last_seq:
                    await asyncio.to_thread(self.make, head)
                await self.countersign_pending(session)
            except Exception as error:  # the database is busy: the next round makes up for it
                log.warning("checkpointing failed, will retry: %s", reason(error))

    def make(self, head: Head) -> dict[str, Any]:
        created_at = datetime.now(UTC)
        row = {
            "seq": head.seq, "head": head.hash, "created_at": created_at, "member_id": self.member_id,
            "signer_pem": self.signer.certificate_pem,
            "signature": self.signer.sign(checkpoint_digest(self.member_id, head.seq, head.hash, created_at)),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(checkpoints).values(**row))
        except IntegrityError:
            pass  # this position is already checkpointed
        self.last_seq, self.last_time = head.seq, time.monotonic()
        return row

    async def countersign_pending(self, session: aiohttp.ClientSession) -> int:
        def pending() -> list[dict[str, Any]]:
            with self.engine.connect() as connection:
                query = select(checkpoints).where(checkpoints.c.central_signature.is_(None)).order_by(checkpoints.c.seq).limit(20)
                return [dict(r) for r in connection.execute(query).mappings()]

        done = 0
        for row in await asyncio.to_thread(pending):
            try:
                async with session.post(self.anchor.central_url + "/api/v1/checkpoints", json=checkpoint_payload(row),
                                        timeout=aiohttp.ClientTimeout(total=10)) as response:
                    if response.status != 200:
                        log.warning("CENTRAL refused checkpoint %s: %s", row["seq"], (await response.text())[:300])
                        return done
                    answer = await response.json()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                log.warning("checkpoint %s not countersigned yet: %s", row["seq"], error or type(error).__name__)
                return done
            central_time = datetime.fromisoformat(answer["central_time"])
            signature = bytes.fromhex(answer["signature"])
            if not verify_countersignature(self.anchor, row, central_time, signature):
                log.error("CENTRAL's countersignature of checkpoint %s does not verify", row["seq"])
                return done
            await asyncio.to_thread(self._store, row["seq"], central_time, signature)
            done += 1
        return done

    def _store(self, seq: int, central_time: datetime, signature: bytes) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(checkpoints).where(checkpoints.c.seq == seq).values(
                central_time=central_time, central_signature=signature))
