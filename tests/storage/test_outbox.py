import pytest

from tenfold.storage import make_engine, migrate, outbox


@pytest.fixture
def engine(any_database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(any_database_url)
    migrate(engine)
    return engine


def test_an_event_is_kept_only_if_its_transaction_commits(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        with engine.begin() as connection:
            outbox.append(connection, event_type="newBirth", source="DEMO/GOV/POP", payload={"childId": "x"})
            raise RuntimeError("the change failed")
    with engine.begin() as connection:
        event_id = outbox.append(connection, event_type="death", source="DEMO/GOV/POP", payload={"personId": "y"})
    with engine.begin() as connection:
        pending = outbox.claim(connection)
    assert [(e.event_id, e.event_type, e.payload) for e in pending] == [(event_id, "death", {"personId": "y"})]
    assert pending[0].created_at.tzinfo is not None


def test_claimed_events_come_oldest_first_and_leave_once_published(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        ids = [outbox.append(connection, event_type="e", source="S", payload={"n": n}) for n in range(5)]
    with engine.begin() as connection:
        first = outbox.claim(connection, limit=3)
        assert [e.event_id for e in first] == ids[:3]
        outbox.mark_published(connection, [e.id for e in first])
    with engine.begin() as connection:
        rest = outbox.claim(connection)
        assert [e.event_id for e in rest] == ids[3:]
        assert outbox.pending_count(connection) == 2


def test_claim_can_filter_event_types_and_failures_are_counted(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        outbox.append(connection, event_type="registry.create", source="S", payload={})
        wanted = outbox.append(connection, event_type="newBirth", source="S", payload={})
    with engine.begin() as connection:
        [event] = outbox.claim(connection, event_types=["newBirth"])
        assert event.event_id == wanted
        outbox.mark_failed(connection, event.id, "subscriber down")
    with engine.begin() as connection:
        [again] = outbox.claim(connection, event_types=["newBirth"])
        assert again.attempts == 1
