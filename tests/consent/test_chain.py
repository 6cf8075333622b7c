"""The revision hash chain is tamper-evident: `tenfold consent verify` names a changed byte, a
removed revision (in the middle or at the end), a flipped field, a forged signature."""

from __future__ import annotations

from sqlalchemy import text
from fastapi.testclient import TestClient

from tenfold.consent import ConsentService
from tenfold.consent.verify import verify
from tests.consent.conftest import as_individual, consent, person_id


def _record_with_history(client: TestClient, person: str) -> str:
    record = consent(client, person)["consentRecord"]["id"]
    for opt_in in (False, True, False):
        assert client.put(f"/service/individual/record/consent-record/{record}/", json={"optIn": opt_in},
                          headers=as_individual(person)).status_code == 200
    return str(record)


def _problems(service: ConsentService) -> list[str]:
    return [str(p) for p in verify(service.engine, service.signer.key)[1]]


def _sql(service: ConsentService, statement: str, **values: object) -> None:
    with service.engine.begin() as connection:
        connection.execute(text(statement), values)


def test_an_untouched_history_verifies(service: ConsentService, client: TestClient) -> None:
    _record_with_history(client, person_id(1))
    chains, problems = verify(service.engine, service.signer.key)
    assert problems == [] and chains == 3  # the policy, the data agreement, the record


def test_a_changed_byte_in_a_snapshot_is_found(service: ConsentService, client: TestClient) -> None:
    record = _record_with_history(client, person_id(2))
    _sql(service, "UPDATE consent_revisions SET serialized_snapshot = REPLACE(serialized_snapshot, :old, :new) "
         "WHERE object_id = :record AND seq = 2", old='"optIn":false', new='"optIn":true ', record=record)
    assert any("revision 2: the snapshot does not hash" in p for p in _problems(service))


def test_a_recomputed_hash_still_breaks_the_signature_and_the_next_link(service: ConsentService, client: TestClient) -> None:
    import hashlib

    record = _record_with_history(client, person_id(3))
    with service.engine.connect() as connection:
        snapshot = connection.execute(text("SELECT serialized_snapshot FROM consent_revisions WHERE object_id = :r AND seq = 2"),
                                      {"r": record}).scalar_one()
    forged = snapshot.replace('"optIn":false', '"optIn":true')
    _sql(service, "UPDATE consent_revisions SET serialized_snapshot = :s, serialized_hash = :h WHERE object_id = :r AND seq = 2",
         s=forged, h=hashlib.sha256(forged.encode()).hexdigest(), r=record)
    problems = _problems(service)
    assert any("revision 2: the building block's signature does not verify" in p for p in problems)
    assert any("revision 3: the link to the previous revision is broken" in p for p in problems)


def test_a_removed_revision_is_found_in_the_middle_and_at_the_end(service: ConsentService, client: TestClient) -> None:
    middle, last = _record_with_history(client, person_id(4)), _record_with_history(client, person_id(5))
    _sql(service, "UPDATE consent_revisions SET successor_id = NULL WHERE object_id = :r AND seq = 1", r=middle)
    _sql(service, "DELETE FROM consent_revisions WHERE object_id = :r AND seq = 2", r=middle)
    _sql(service, "UPDATE consent_revisions SET successor_id = NULL WHERE object_id = :r AND seq = 3", r=last)
    _sql(service, "DELETE FROM consent_revisions WHERE object_id = :r AND seq = 4", r=last)
    problems = _problems(service)
    assert any(middle in p and "a revision is missing" in p for p in problems)
    assert any(last in p and "does not point at its last revision" in p for p in problems)


def test_a_flipped_field_in_the_record_table_is_found(service: ConsentService, client: TestClient) -> None:
    record = _record_with_history(client, person_id(6))
    _sql(service, "UPDATE consent_records SET opt_in = :yes WHERE id = :r", yes=True, r=record)
    assert any(record in p and "fields differ from its last revision" in p for p in _problems(service))


def test_the_right_to_be_forgotten_leaves_an_intact_history_and_an_erasure_entry(service: ConsentService, client: TestClient) -> None:
    person = person_id(7)
    _record_with_history(client, person)
    assert client.delete("/service/individual/record/", headers=as_individual(person)).json() == {"deleted": 1}
    assert _problems(service) == []
    erased = client.get("/audit/erasures/", headers=as_individual(person)).json()["erasures"]
    assert len(erased) == 1 and erased[0]["revisions"] == 4 and person not in str(erased)
    assert client.get("/service/individual/record/consent-record/", headers=as_individual(person)).json()["consentRecords"] == []


def test_the_cli_exits_1_naming_the_problem(service: ConsentService, client: TestClient, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tenfold.cli import consent as consent_cli

    record = _record_with_history(client, person_id(8))
    monkeypatch.setattr(consent_cli, "_service", lambda: service)
    runner = CliRunner()
    intact = runner.invoke(consent_cli.app, ["verify", "--json"])
    assert intact.exit_code == 0 and '"intact": true' in intact.output
    _sql(service, "DELETE FROM consent_revisions WHERE object_id = :r AND seq = 1", r=record)
    broken = runner.invoke(consent_cli.app, ["verify"])
    assert broken.exit_code == 1 and record in broken.output
