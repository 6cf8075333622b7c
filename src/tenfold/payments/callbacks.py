"""Signed callbacks to the program that sent a batch (GovStack's batch status update).

A callback is written to the outbox in the transaction that changes what it reports, and sent
later, at least once, with retries. It is signed with the treasury's Ed25519 key:

    X-Tenfold-Signature: t=<unix time>,kid=<key id>,ed25519=<base64 signature of "<t>." + body>

The public key is published at ``GET /callbacks/keys`` (a JWK set); :func:`verify` checks a
callback the way a receiver should (signature and freshness).
"""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select, update

from tenfold.payments.errors import InvalidInput
from tenfold.payments.models import OPEN, REJECTED, RETURNED, SETTLED, end_to_end_id
from tenfold.payments.money import format_cents
from tenfold.payments.tables import disbursement_batches, payment_instructions, signing_keys
from tenfold.storage import outbox

EVENT_TYPE = "payments.callback"
HEADER = "X-Tenfold-Signature"
MAX_FAILURES_LISTED = 1000


def check_url(url: str | None, allowed_hosts: list[str]) -> str | None:
    if url is None or url == "":
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("X-Callback-URL must be an http(s) URL")
    if parts.hostname not in allowed_hosts:
        raise InvalidInput(f"callbacks may only go to {', '.join(allowed_hosts)} (the member's own gateway), not {parts.hostname}")
    return url


def signing_key(connection: Connection, now: datetime) -> tuple[str, Ed25519PrivateKey]:
    row = connection.execute(select(signing_keys.c.key_id, signing_keys.c.secret).where(signing_keys.c.purpose == "callback")
                             .order_by(signing_keys.c.created_at.desc())).first()
    if row is not None:
        key = serialization.load_pem_private_key(row[1].encode(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return row[0], key
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = base64.urlsafe_b64encode(raw[:12]).decode()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    connection.execute(signing_keys.insert().values(key_id=key_id, purpose="callback", secret=pem,
                                                    public=base64.urlsafe_b64encode(raw).decode().rstrip("="), created_at=now))
    return key_id, key


def public_keys(connection: Connection) -> dict[str, Any]:
    rows = connection.execute(select(signing_keys.c.key_id, signing_keys.c.public).where(signing_keys.c.purpose == "callback"))
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x, "use": "sig", "alg": "EdDSA"} for kid, x in rows]}


def sign(key_id: str, key: Ed25519PrivateKey, body: bytes, at: int | None = None) -> str:
    stamp = int(at if at is not None else time.time())
    signature = key.sign(f"{stamp}.".encode() + body)
    return f"t={stamp},kid={key_id},ed25519={base64.b64encode(signature).decode()}"


def verify(header: str, body: bytes, public_x: str, max_age_seconds: int = 300, now: float | None = None) -> bool:
    """Check a callback: the signature over the body with the published key, and its age."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        stamp = int(fields["t"])
        key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_x + "=" * (-len(public_x) % 4)))
        key.verify(base64.b64decode(fields["ed25519"]), f"{stamp}.".encode() + body)
    except (KeyError, ValueError, InvalidSignature):
        return False
    return abs((now if now is not None else time.time()) - stamp) <= max_age_seconds


def batch_status(connection: Connection, batch_id: str, now: datetime) -> dict[str, Any]:
    """The batch's status in GovStack's status-update shape, with the failed instructions."""
    batch = connection.execute(select(disbursement_batches).where(disbursement_batches.c.batch_id == batch_id)).mappings().one()
    t = payment_instructions
    counts = {state: (int(n), int(s or 0)) for state, n, s in connection.execute(
        select(t.c.state, func.count(), func.sum(t.c.amount_cents)).where(t.c.batch_id == batch_id).group_by(t.c.state))}
    failed_states = (REJECTED, RETURNED)
    failures = [{"requestId": r, "endToEndId": end_to_end_id(batch_id, s), "state": st, "reasonCode": c, "reason": why}
                for r, s, st, c, why in connection.execute(
                    select(t.c.request_id, t.c.seq, t.c.state, t.c.reason_code, t.c.reason)
                    .where(t.c.batch_id == batch_id, t.c.state.in_(failed_states)).order_by(t.c.seq).limit(MAX_FAILURES_LISTED))]

    def total(states: tuple[str, ...], index: int) -> int:
        return sum(counts.get(s, (0, 0))[index] for s in states)

    return {
        "requestId": batch["correlation_id"], "batchId": batch_id, "programId": batch["program_id"], "state": batch["state"],
        "TotalTransactions": total(tuple(counts), 0), "ongoing": total(OPEN, 0), "failed": total(failed_states, 0),
        "completed": total((SETTLED,), 0), "returned": counts.get(RETURNED, (0, 0))[0], "currency": batch["currency"],
        "totalAmount": format_cents(total(tuple(counts), 1)), "completed_amount": format_cents(total((SETTLED,), 1)),
        "ongoing_amount": format_cents(total(OPEN, 1)), "failed_amount": format_cents(total(failed_states, 1)),
        "result_file": None, "resultGeneratedAt": now.isoformat().replace("+00:00", "Z"),
        "note": "all instructions final" if total(OPEN, 0) == 0 else "in progress", "failures": failures,
    }


def settle_batches(connection: Connection, batch_ids: set[str], now: datetime, *, failures: bool) -> None:
    """After reconciliation: complete the batches with nothing open, and tell each program."""
    t = payment_instructions
    for batch_id in sorted(batch_ids):
        batch = connection.execute(select(disbursement_batches.c.state, disbursement_batches.c.callback_url)
                                   .where(disbursement_batches.c.batch_id == batch_id)).first()
        if batch is None:
            continue
        still_open = connection.execute(select(func.count()).select_from(t).where(t.c.batch_id == batch_id, t.c.state.in_(OPEN))).scalar_one()
        newly_complete = not still_open and batch[0] != "completed"
        if newly_complete:
            connection.execute(update(disbursement_batches).where(disbursement_batches.c.batch_id == batch_id)
                               .values(state="completed", completed_at=now))
        if newly_complete or (failures and batch[0] == "completed"):
            enqueue(connection, batch_id, now)


def enqueue(connection: Connection, batch_id: str, now: datetime) -> None:
    url = connection.execute(select(disbursement_batches.c.callback_url).where(disbursement_batches.c.batch_id == batch_id)).scalar_one()
    connection.execute(update(disbursement_batches).where(disbursement_batches.c.batch_id == batch_id)
                       .values(callbacks=disbursement_batches.c.callbacks + 1))
    if url:
        enqueue_payload(connection, url, batch_id, batch_status(connection, batch_id, now))


def enqueue_payload(connection: Connection, url: str, subject: str, body: dict[str, Any]) -> None:
    outbox.append(connection, event_type=EVENT_TYPE, source="payments", subject=subject, payload={"url": url, "body": body})


def deliver(engine: Engine, client: str, max_attempts: int, now: datetime, not_before: dict[int, float] | None = None,
            limit: int = 200, timeout: float = 10.0) -> int:
    """Send pending callbacks; returns how many were delivered. A failed one waits before its
    next try (``not_before``: outbox id -> monotonic time, doubling up to five minutes)."""
    not_before = {} if not_before is None else not_before
    with engine.begin() as connection:
        key_id, key = signing_key(connection, now)
        events = outbox.claim(connection, limit=limit, event_types=[EVENT_TYPE])
    delivered = 0
    for event in events:
        if not_before.get(event.id, 0.0) > time.monotonic():
            continue
        body = orjson.dumps(event.payload["body"])
        headers = {"Content-Type": "application/json", HEADER: sign(key_id, key, body), "X-Road-Client": client}
        request = urllib.request.Request(event.payload["url"], data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - allow-listed hosts only
                ok, error = 200 <= response.status < 300, f"HTTP {response.status}"
        except urllib.error.HTTPError as failure:
            ok, error = False, f"HTTP {failure.code}"
        except (urllib.error.URLError, OSError) as failure:
            ok, error = False, str(getattr(failure, "reason", failure))
        with engine.begin() as connection:
            if ok:
                outbox.mark_published(connection, [event.id])
                delivered += 1
            else:
                outbox.mark_failed(connection, event.id, error)
                not_before[event.id] = time.monotonic() + min(2.0 ** event.attempts, 300.0)
                if event.attempts + 1 >= max_attempts:
                    outbox.mark_published(connection, [event.id])  # dead letter: kept with its last_error
    return delivered


__all__ = ["batch_status", "check_url", "deliver", "enqueue", "public_keys", "settle_batches", "sign", "signing_key", "verify"]
