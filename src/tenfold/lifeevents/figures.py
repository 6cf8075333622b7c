"""The journeys' figures for the operator's dashboards and the open-data page: aggregates only,
never a person. How many journeys a day; how many ran without a caseworker; how long from the
event to the offer, to the confirmation and to the payment; where journeys got stuck; the
exception queue by reason."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Engine, func, select

from tenfold.lifeevents.records import now
from tenfold.lifeevents.tables import exception_queue, life_events, offers, payment_instructions

# Upper bounds (ms) of the duration histograms' buckets: from a tenth of a second to a month.
BUCKETS_MS = (100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000, 7 * 86_400_000,
              30 * 86_400_000)
STAGES = ("event_to_offer", "offer_to_confirm", "confirm_to_paid", "event_to_paid")


def _ms(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max((later - earlier).total_seconds() * 1000, 0.0)


def distribution(values: Iterable[float]) -> dict[str, Any]:
    """Count, quantiles and histogram of durations in milliseconds."""
    found = sorted(values)
    if not found:
        return {"count": 0, "p50": None, "p90": None, "p95": None, "max": None, "buckets": [[b, 0] for b in BUCKETS_MS] + [[None, 0]]}

    def quantile(q: float) -> float:
        return round(found[min(len(found) - 1, int(q * len(found)))], 1)

    counts = Counter(next((b for b in BUCKETS_MS if v <= b), None) for v in found)
    return {"count": len(found), "p50": quantile(0.5), "p90": quantile(0.9), "p95": quantile(0.95), "max": round(found[-1], 1),
            "buckets": [[b, counts.get(b, 0)] for b in BUCKETS_MS] + [[None, counts.get(None, 0)]]}


def _per_day(rows: list[Any]) -> list[dict[str, Any]]:
    days: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        key = (row.received_at.date().isoformat(), row.event_type)
        days[key]["journeys"] += 1
        days[key]["exception" if row.outcome == "exception" else "automatic" if row.state == "processed" else "open"] += 1
    return [{"day": day, "type": kind, "journeys": c["journeys"], "withoutCaseworker": c["automatic"], "withCaseworker": c["exception"],
             "inProgress": c["open"]} for (day, kind), c in sorted(days.items())]


def _durations(engine: Engine, since: datetime) -> dict[str, Any]:
    query = (select(life_events.c.registered_at, life_events.c.received_at, offers.c.created_at, offers.c.decided_at, offers.c.paid_at,
                    offers.c.state, offers.c.mode, offers.c.confirmation)
             .select_from(offers.outerjoin(life_events, offers.c.event_id == life_events.c.id)).where(offers.c.created_at >= since))
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    modes: Counter[str] = Counter()
    with engine.connect() as connection:
        for row in connection.execute(query):
            start = row.registered_at or row.received_at
            confirmed = row.decided_at if row.state in ("confirmed", "paid") else None
            for stage, value in (("event_to_offer", _ms(row.created_at, start)), ("offer_to_confirm", _ms(confirmed, row.created_at)),
                                 ("confirm_to_paid", _ms(row.paid_at, confirmed)), ("event_to_paid", _ms(row.paid_at, start))):
                if value is not None:
                    stages[stage].append(value)
            if confirmed is not None:
                modes[(row.confirmation or {}).get("mode", "citizen")] += 1
    return {"durations": {stage: distribution(values) for stage, values in stages.items()}, "confirmations": dict(modes)}


def figures(engine: Engine, days: int = 30) -> dict[str, Any]:
    since = now() - timedelta(days=days)
    with engine.connect() as connection:
        events = connection.execute(select(life_events.c.event_type, life_events.c.state, life_events.c.outcome, life_events.c.received_at)
                                    .where(life_events.c.received_at >= since)).all()
        offer_states = dict(connection.execute(select(offers.c.state, func.count()).group_by(offers.c.state)).all())
        instructions = dict(connection.execute(select(payment_instructions.c.state, func.count()).group_by(payment_instructions.c.state)).all())
        reasons = connection.execute(select(exception_queue.c.reason_code, exception_queue.c.state, func.count())
                                     .group_by(exception_queue.c.reason_code, exception_queue.c.state)).all()
    outcomes = Counter(r.outcome or r.state for r in events)
    exceptions: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "resolved": 0})
    for code, state, count in reasons:
        exceptions[code][state] = int(count)
    processed = [r for r in events if r.state == "processed"]
    return {
        "asOf": now().isoformat(), "days": days, "journeysPerDay": _per_day(events),
        "journeys": {"total": len(events), "processed": len(processed),
                     "withoutCaseworker": sum(1 for r in processed if r.outcome != "exception"),
                     "withCaseworker": sum(1 for r in processed if r.outcome == "exception"), "outcomes": dict(outcomes)},
        **_durations(engine, since),
        "stuck": {"eventsInError": sum(1 for r in events if r.state == "error"),
                  "eventsWaiting": sum(1 for r in events if r.state in ("received", "processing")),
                  "offersWaitingForConfirmation": int(offer_states.get("proposed", 0)) + int(offer_states.get("notified", 0)),
                  "offersConfirmedNotPaid": int(offer_states.get("confirmed", 0)),
                  "instructionsRefused": int(instructions.get("refused", 0)), "instructionsPlanned": int(instructions.get("planned", 0)),
                  "exceptionsOpen": sum(v["open"] for v in exceptions.values())},
        "offers": {str(k): int(v) for k, v in offer_states.items()},
        "instructions": {str(k): int(v) for k, v in instructions.items()},
        "exceptionsByReason": dict(sorted(exceptions.items())),
    }
