"""The GovStack Consent API: configuration objects with revisions, consent records for an
individual and a data consumer, withdrawal, signatures, verification, audit; bad input is 4xx."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import ECKey

from tests.consent.conftest import AGREEMENT, BANK, PORTAL, as_individual, consent, person_id

VERIFY = "/service/verification/consent-records/"


def test_the_seeded_agreement_and_policy_are_there_with_their_revisions(client: TestClient) -> None:
    agreement = client.get(f"/service/data-agreement/{AGREEMENT}/", headers=PORTAL).json()
    assert agreement["dataAgreement"]["lawfulBasis"] == "consent" and agreement["dataAgreement"]["forgettable"] is True
    assert agreement["revision"]["seq"] == 1 and agreement["revision"]["predecessorHash"] is None
    policy = agreement["dataAgreement"]["policy"]
    assert client.get(f"/config/policy/{policy}/revisions/", headers=PORTAL).json()["revisions"][0]["objectId"] == policy


def test_updating_an_agreement_makes_a_revision_linked_to_the_last(client: TestClient) -> None:
    current = client.get(f"/config/data-agreement/{AGREEMENT}/", headers=PORTAL).json()
    body = {k: v for k, v in current["dataAgreement"].items() if k != "id"}
    body["version"] = "1.1"
    changed = client.put(f"/config/data-agreement/{AGREEMENT}/", json=body, headers=PORTAL).json()
    assert changed["revision"]["seq"] == 2 and changed["revision"]["predecessorHash"] == current["revision"]["serializedHash"]
    assert changed["revision"]["authorizedByOther"] == PORTAL["X-Road-Client"]


def test_consent_is_given_verified_per_consumer_and_withdrawn(client: TestClient) -> None:
    person = person_id(11)
    made = consent(client, person)
    record = made["consentRecord"]
    assert record["optIn"] is True and record["dataConsumer"] == BANK and record["state"] == "unsigned"
    query = {"dataAgreementId": AGREEMENT, "individualExternalId": person}
    assert [r["id"] for r in client.get(VERIFY, params={**query, "dataConsumer": BANK}, headers=PORTAL).json()["consentRecords"]] == [record["id"]]
    assert client.get(VERIFY, params={**query, "dataConsumer": "DEMO/COM/BANK2"}, headers=PORTAL).json()["consentRecords"] == []
    withdrawn = client.put(f"/service/individual/record/consent-record/{record['id']}/", json={"optIn": False}, headers=as_individual(person))
    assert withdrawn.json()["consentRecord"]["optIn"] is False and withdrawn.json()["revision"]["seq"] == 2
    found = client.get(VERIFY, params={**query, "dataConsumer": BANK}, headers=PORTAL).json()["consentRecords"]
    assert [r["optIn"] for r in found] == [False]
    assert client.get(f"/audit/consent-record/{record['id']}/", headers=PORTAL).json()["revisions"][1]["predecessorHash"] == made["revision"]["serializedHash"]


def test_one_record_per_agreement_individual_and_consumer(client: TestClient) -> None:
    person = person_id(12)
    consent(client, person)
    again = client.post(f"/service/individual/record/data-agreement/{AGREEMENT}/", params={"dataConsumer": BANK}, headers=as_individual(person))
    assert again.status_code == 409
    assert consent(client, person, "DEMO/COM/BANK2")["consentRecord"]["dataConsumer"] == "DEMO/COM/BANK2"
    assert len(client.get("/service/individual/record/consent-record/", headers=as_individual(person)).json()["consentRecords"]) == 2


def test_an_individual_signs_the_current_revision_with_a_verified_jws(client: TestClient) -> None:
    person = person_id(13)
    record = consent(client, person)["consentRecord"]["id"]
    draft = client.post(f"/service/individual/record/consent-record/{record}/signature/", headers=as_individual(person)).json()["signature"]
    key = ECKey.generate_key("P-256", private=True)
    header = json.dumps({"alg": "ES256", "jwk": key.as_dict(private=False)})
    body = {"signature": jws.serialize_compact({"alg": "ES256"}, draft["verificationPayloadHash"].encode(), key),
            "verificationPayloadHash": draft["verificationPayloadHash"], "verificationSignedBy": "resident's wallet key",
            "verificationJwsHeader": header}
    signed = client.put(f"/service/individual/record/consent-record/{record}/signature/", json=body, headers=as_individual(person))
    assert signed.status_code == 200 and signed.json()["consentRecord"]["state"] == "signed"
    other = ECKey.generate_key("P-256", private=True)
    forged = {**body, "signature": jws.serialize_compact({"alg": "ES256"}, draft["verificationPayloadHash"].encode(), other)}
    assert client.put(f"/service/individual/record/consent-record/{record}/signature/", json=forged, headers=as_individual(person)).status_code == 400


@pytest.mark.parametrize("method, path, body, headers", [
    ("post", "/config/data-agreement/", {"version": "1", "purpose": "x"}, PORTAL),
    ("post", "/config/data-agreement/", {"version": "1", "purpose": "x", "lawfulBasis": "because", "policy": "p",
                                         "controller": {"id": "DEMO/GOV/X", "name": "X"}}, PORTAL),
    ("post", "/config/data-agreement/", {"version": "1", "purpose": "x", "lawfulBasis": "consent", "policy": "no-such-policy",
                                         "controller": {"id": "DEMO/GOV/X", "name": "X"}}, PORTAL),
    ("post", f"/service/individual/record/data-agreement/{AGREEMENT}/", None, PORTAL),
    ("post", f"/service/individual/record/data-agreement/{AGREEMENT}/", None, {**PORTAL, "X-ConsentBB-IndividualId": "12345678901"}),
    ("post", f"/service/individual/record/data-agreement/{AGREEMENT}/?dataConsumer=not-a-member", None, as_individual(person_id(14))),
    ("put", "/service/individual/record/consent-record/x/", {"optIn": "maybe"}, as_individual(person_id(14))),
    ("post", "/service/individual/record/consent-record/", {"consentRecord": {"dataAgreement": AGREEMENT}, "extra": 1}, as_individual(person_id(14))),
    ("get", "/config/policy/a%20b/", None, PORTAL),
    ("get", "/config/policies/", None, {}),
])
def test_malformed_consent_objects_are_400(client: TestClient, method: str, path: str, body: object, headers: dict) -> None:
    answer = getattr(client, method)(path, **({"json": body} if body is not None else {}), headers=headers)
    assert answer.status_code == 400, answer.text


def test_unknown_objects_are_404(client: TestClient) -> None:
    person = person_id(15)
    assert client.get("/config/data-agreement/nothing/", headers=PORTAL).status_code == 404
    assert client.post("/service/individual/record/data-agreement/nothing/", headers=as_individual(person)).status_code == 404
    assert client.get("/service/individual/record/consent-record/", headers=as_individual(person)).status_code == 404
    assert client.put("/service/individual/record/consent-record/nothing/", json={"optIn": False}, headers=as_individual(person)).status_code == 404
