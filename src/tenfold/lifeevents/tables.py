"""SIB's own tables: the event intake (also its work queue), decisions, offers, confirmations,
enrolments, payment instructions, notifications, the exception queue, journey steps,
overpayments, social-assistance applications and SIB's settings."""

from sqlalchemy import (JSON, BigInteger, Column, Date, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.dialects.postgresql import JSONB

from tenfold.storage.types import UTCDateTime

metadata = MetaData()
Json = JSON().with_variant(JSONB(), "postgresql")
Serial = BigInteger().with_variant(Integer, "sqlite")

# Every event once: deduplicated on (source, event id). The table is also the work queue:
# received -> processing (leased) -> processed | error (retried until max attempts).
life_events = Table(
    "life_events", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(10), nullable=False),          # birth | death
    Column("subject", String(32), nullable=False),             # the child / the deceased
    Column("payload", Json, nullable=False),                   # normalised
    Column("raw", Json, nullable=False),                       # as received
    Column("state", String(12), nullable=False),
    Column("outcome", String(40), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("trace_parent", String(60), nullable=True),
    Column("message_id", String(100), nullable=True),          # the X-Road message that delivered it
    Column("registered_at", UTCDateTime(), nullable=True),     # when the register committed it (if it says)
    Column("received_at", UTCDateTime(), nullable=False),
    Column("processed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("source", "event_id", name="uq_life_events_source_event"),
    Index("ix_life_events_due", "state", "next_attempt_at"),
    Index("ix_life_events_subject", "subject"),
)

decisions = Table(
    "decisions", metadata,
    Column("id", String(30), primary_key=True),
    Column("journey", String(12), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("program", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("rule_version", String(40), nullable=False),
    Column("parameter_version", String(80), nullable=False),
    Column("record", Json, nullable=False),                    # the rules' decision record
    Column("facts", Json, nullable=False),                     # each gathered fact with its X-Road message id
    Column("event_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_decisions_subject", "subject"),
)

offers = Table(
    "offers", metadata,
    Column("id", String(30), primary_key=True),
    Column("journey", String(12), nullable=False),             # birth | death
    Column("subject", String(32), nullable=False),             # the child / the deceased
    Column("program", String(40), nullable=False),
    Column("addressee", String(32), nullable=False),           # who is asked to confirm
    Column("state", String(12), nullable=False),
    Column("mode", String(10), nullable=False),                # offer | automatic
    Column("items", Json, nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("recipient_options", Json, nullable=False),
    Column("iban", String(40), nullable=True),
    Column("iban_options", Json, nullable=False),
    Column("decision_id", String(30), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("confirmation", Json, nullable=True),
    Column("event_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("notified_at", UTCDateTime(), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),        # confirmed, declined or expired
    Column("paid_at", UTCDateTime(), nullable=True),
    UniqueConstraint("journey", "subject", "program", name="uq_offers_subject"),
    Index("ix_offers_addressee", "addressee"),
    Index("ix_offers_state", "state", "deadline"),
    Index("ix_offers_recipient", "recipient"),   # a person's offers: addressee, recipient or subject
    Index("ix_offers_subject", "subject"),
    Index("ix_offers_event", "event_id"),        # the journeys list joins events to their offers
)

# Mojaloop's duplicate rule for confirmations: the same key and body hash replays the stored
# answer; the same key with another body is refused.
confirmations = Table(
    "offer_confirmations", metadata,
    Column("offer_id", String(30), primary_key=True),
    Column("idempotency_key", String(100), primary_key=True),
    Column("body_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("answer", Json, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

enrolments = Table(
    "enrolments", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("program", String(40), nullable=False),
    Column("benefit", String(60), nullable=False),
    Column("person", String(32), nullable=False),              # whom the item is for (child, family's recipient...)
    Column("recipient", String(32), nullable=False),
    Column("iban", String(40), nullable=False),
    Column("kind", String(10), nullable=False),                # monthly | one_off
    Column("amount_cents", BigInteger, nullable=False),
    Column("from_month", String(7), nullable=False),
    Column("to_month", String(7), nullable=True),              # last month paid, when known
    Column("state", String(10), nullable=False),               # active | ended
    Column("offer_id", String(30), nullable=True),
    Column("decision_id", String(30), nullable=False),
    Column("reason", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("program", "benefit", "person", "from_month", name="uq_enrolments_item"),
    Index("ix_enrolments_person", "person"),
    Index("ix_enrolments_recipient", "recipient"),
)

payment_instructions = Table(
    "payment_instructions", metadata,
    Column("request_id", String(64), primary_key=True),        # stable: the treasury's duplicate rule
    Column("enrolment_id", BigInteger, nullable=False),
    Column("program", String(40), nullable=False),
    Column("benefit", String(60), nullable=False),
    Column("person", String(32), nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("month", String(7), nullable=False),                # the month paid for (one-offs: the month due)
    Column("amount_cents", BigInteger, nullable=False),
    Column("iban", String(40), nullable=False),
    Column("due_on", Date, nullable=False),                    # the payment run
    Column("state", String(12), nullable=False),               # planned | submitted | refused | cancelled
    Column("batch_id", String(20), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=True),
    UniqueConstraint("enrolment_id", "month", name="uq_payment_instructions_month"),
    Index("ix_payment_instructions_due", "state", "due_on"),
)

notifications = Table(
    "notifications", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("offer_id", String(30), nullable=True),
    Column("person", String(32), nullable=False),
    Column("channel", String(10), nullable=False),             # email | portal
    Column("address", String(200), nullable=True),
    Column("template", String(40), nullable=False),
    Column("params", Json, nullable=False),
    Column("state", String(10), nullable=False),               # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    Index("ix_notifications_pending", "state", "id"),
)

exception_queue = Table(
    "exception_queue", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),                # birth | death | assistance | appeal | intake | overpayment | payment
    Column("reason_code", String(40), nullable=False),
    Column("params", Json, nullable=False),
    Column("subject", String(32), nullable=True),
    Column("event_id", BigInteger, nullable=True),
    Column("offer_id", String(30), nullable=True),
    Column("decision_id", String(30), nullable=True),
    Column("application_id", String(30), nullable=True),
    Column("state", String(10), nullable=False),               # open | resolved
    Column("resolution", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Index("ix_exception_queue_state", "state", "id"),
)

# Every step of a journey, stamped (event, decision, offer, notification, confirmation, payment;
# a death's stops and recalculations): the CX figures and the family's timeline read them.
journey_steps = Table(
    "journey_steps", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("journey", String(12), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("step", String(40), nullable=False),
    Column("detail", Json, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_journey_steps_subject", "subject", "id"),
)

overpayments = Table(
    "overpayments", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("death_subject", String(32), nullable=False),
    Column("request_id", String(64), nullable=False, unique=True),
    Column("recipient", String(32), nullable=False),
    Column("benefit", String(60), nullable=False),
    Column("month", String(7), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("state", String(10), nullable=False),               # open | recovered | waived (by a caseworker)
    Column("created_at", UTCDateTime(), nullable=False),
)

applications = Table(
    "assistance_applications", metadata,
    Column("id", String(30), primary_key=True),
    Column("applicant", String(32), nullable=False),
    Column("state", String(20), nullable=False),               # decided | needs_caseworker | appealed
    Column("decision_id", String(30), nullable=False),
    Column("offer_id", String(30), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_assistance_applicant", "applicant"),
)

sib_settings = Table(
    "sib_settings", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
