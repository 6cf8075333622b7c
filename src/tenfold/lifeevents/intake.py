"""Event intake: every birth and death is stored once, deduplicated on (source, event id), before
anything else happens. Three doors lead in:

- PUSH deliveries from POP's room ``vital-events`` (the gateway posts them to SIB's ``inbox``);
- OpenCRVS-style webhooks (at-least-once: the sender retries until it gets a 2xx, so a repeat
  must be answered as a success that changes nothing), signed with HMAC-SHA256;
- the nightly sweep, which asks POP for the births and deaths of a window.

Each door normalises its payload to the same shape; the work queue takes it from there.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.lifeevents.models import RECEIVED
from tenfold.lifeevents.records import now
from tenfold.lifeevents.tables import life_events

BIRTH, DEATH = "birth", "death"
ROOM_TYPES = {"newBirth": BIRTH, "death": DEATH}


class Birth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    birthId: str = Field(min_length=1, max_length=64)
    childId: str = Field(min_length=1, max_length=32)
    motherId: str = Field(min_length=1, max_length=32)
    fatherId: str | None = Field(None, max_length=32)
    birthDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    place: str = Field("", max_length=200)
    multipleBirthSize: int = Field(1, ge=1, le=9)
    registeredAt: str | None = Field(None, max_length=40)


class Death(BaseModel):
    model_config = ConfigDict(extra="ignore")
    deathId: str = Field(min_length=1, max_length=64)
    personId: str = Field(min_length=1, max_length=32)
    deathDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    place: str = Field("", max_length=200)
    registeredAt: str | None = Field(None, max_length=40)


class SignatureInvalid(TenfoldError):
    """A webhook whose signature does not check out (or no secret is configured)."""


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


def normalise(event_type: str, payload: Any, where: str = "event") -> tuple[dict[str, Any], str]:
    """The payload in SIB's shape and its subject (the child, the deceased)."""
    model = Birth if event_type == BIRTH else Death
    try:
        parsed = model.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"{where}.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    body = parsed.model_dump()
    return body, body["childId"] if event_type == BIRTH else body["personId"]


def _registered(payload: dict[str, Any]) -> datetime | None:
    text = payload.get("registeredAt")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def store(connection: Connection, source: str, event_id: str, event_type: str, payload: dict[str, Any], raw: Any,
          trace_parent: str | None = None, message_id: str | None = None) -> Stored:
    """Store an event once; the same (source, event id) again is a duplicate that changes nothing."""
    body, subject = normalise(event_type, payload)
    try:
        with connection.begin_nested():
            result = connection.execute(insert(life_events).values(
                source=source[:100], event_id=event_id[:100], event_type=event_type, subject=subject, payload=body, raw=raw,
                state=RECEIVED, attempts=0, next_attempt_at=now(), trace_parent=(trace_parent or "")[:60] or None,
                message_id=(message_id or "")[:100] or None,
                registered_at=_registered(body), received_at=now()))
        return Stored(int(result.inserted_primary_key[0]), False)
    except IntegrityError:
        found = connection.execute(select(life_events.c.id).where(
            life_events.c.source == source[:100], life_events.c.event_id == event_id[:100])).scalar_one()
        return Stored(int(found), True)


def from_room(body: Any, client: str | None, room: str) -> tuple[str, str, str, dict[str, Any]] | None:
    """(source, event id, type, payload) of a PUSH delivery; None for an event type SIB ignores."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not isinstance(body.get("event"), dict):
        raise InvalidInput("event: expected a delivery with id, eventType and event")
    source = body.get("room") or client or ""
    if source != room or (client is not None and client != room):
        raise InvalidInput(f"event: SIB takes deliveries from the room {room} only")
    kind = ROOM_TYPES.get(str(body.get("eventType")))
    if kind is None:
        return None
    return source, body["id"], kind, body["event"]


def check_signature(secret: str | None, body: bytes, header: str | None) -> None:
    """OpenCRVS-style webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC of the body>``."""
    if not secret:
        raise SignatureInvalid("webhooks are not accepted here (no shared secret is configured)")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(header.strip(), expected):
        raise SignatureInvalid("the webhook signature does not match")


# SIB's field -> the declaration field of an OpenCRVS-style record.
OPENCRVS_BIRTH = {"childId": "child.nid", "motherId": "mother.nid", "fatherId": "father.nid", "birthDate": "child.dob",
                  "place": "child.placeOfBirth", "multipleBirthSize": "child.multipleBirth"}
OPENCRVS_DEATH = {"personId": "deceased.nid", "deathDate": "eventDetails.date", "place": "eventDetails.place"}


def from_opencrvs(body: Any) -> tuple[str, str, str, dict[str, Any]] | None:
    """(source, event id, type, payload) of a REGISTER action of a birth or death record."""
    if not isinstance(body, dict) or not isinstance(body.get("action"), dict) or not isinstance(body.get("declaration"), dict):
        raise InvalidInput("webhook: expected a record with type, action and declaration")
    action, declared, kind = body["action"], body["declaration"], str(body.get("type", "")).removeprefix("v2.")
    if action.get("type") != "REGISTER" or kind not in (BIRTH, DEATH):
        return None
    action_id = action.get("id")
    if not isinstance(action_id, str) or not action_id:
        raise InvalidInput("webhook.action.id: missing")
    number = action.get("registrationNumber") or body.get("trackingId") or action_id
    fields = OPENCRVS_BIRTH if kind == BIRTH else OPENCRVS_DEATH
    payload = {ours: declared.get(theirs) for ours, theirs in fields.items()}
    payload.update({"birthId" if kind == BIRTH else "deathId": number, "registeredAt": action.get("createdAt"),
                    "place": payload.get("place") or ""})
    if kind == BIRTH:
        payload["multipleBirthSize"] = payload.get("multipleBirthSize") or 1
    try:
        normalise(kind, payload, "webhook")
    except InvalidInput as error:
        text = str(error).removeprefix("webhook.")
        field_name = text.split(":", 1)[0]
        raise InvalidInput(f"webhook.declaration.{fields.get(field_name, field_name)}:{text.split(':', 1)[1]}") from None
    return "opencrvs", action_id, kind, payload
