"""What the provider does when the population register publishes a death: the person's
credentials are deactivated, their sessions ended and their tokens revoked, once per event
(deduplicated on the event id, as deliveries are at-least-once), and the action is recorded so
that the family's timeline can show it (``GET /actions?personId=...`` through the exchange)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Callable

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.errors import InvalidInput
from tenfold.identity.tables import accounts, actions, events, sessions, tokens
from tenfold.ids import scheme

DEACTIVATED = "credentialsDeactivated"
NONE_HELD = "noCredentialsHeld"
MAX_LIMIT = 200


def record_death(engine: Engine, event_id: str, event: dict[str, Any], clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> str:
    """Act on one ``death`` event; returns the action taken, or ``duplicate``."""
    person = scheme().validate(str(event.get("personId", "")))
    now = clock()
    try:
        with engine.begin() as connection:
            connection.execute(events.insert().values(event_id=event_id, event_type="death", received_at=now))
            changed = connection.execute(update(accounts).where(accounts.c.person_id == person, accounts.c.status == "active").values(
                status="deactivated", deactivated_at=now, deactivation_reason="death registered"))
            connection.execute(update(sessions).where(sessions.c.person_id == person, sessions.c.ended_at.is_(None)).values(ended_at=now))
            revoked = connection.execute(update(tokens).where(tokens.c.person_id == person, tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            action = DEACTIVATED if changed.rowcount else NONE_HELD
            connection.execute(actions.insert().values(
                person_id=person, action=action, event_id=event_id, event_type="death", at=now,
                detail={"deathId": event.get("deathId"), "deathDate": event.get("deathDate"), "tokensRevoked": revoked.rowcount}))
    except IntegrityError:
        return "duplicate"
    return action


def actions_for(engine: Engine, person_id: str, offset: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """What the provider did about a person, newest first."""
    person = scheme().validate(person_id)
    if not 0 <= offset <= 10**6 or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"offset must be 0 or more and limit between 1 and {MAX_LIMIT}")
    query = (select(actions).where(actions.c.person_id == person).order_by(actions.c.at.desc(), actions.c.id.desc())
             .offset(offset).limit(limit))
    with engine.connect() as connection:
        return [{"at": r["at"].isoformat().replace("+00:00", "Z"), "action": r["action"], "eventId": r["event_id"],
                 "eventType": r["event_type"], "detail": r["detail"]} for r in connection.execute(query).mappings()]
