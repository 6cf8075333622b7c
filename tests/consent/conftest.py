from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tenfold.consent import ConsentService, open_consent
from tenfold.consent.api import create_consent_app
from tenfold.storage import make_engine

PORTAL = {"X-Road-Client": "DEMO/GOV/PORTAL/portal"}
BANK = "DEMO/COM/BANK1"
AGREEMENT = "ekyc-bank-customer"


def person_id(serial: int = 1) -> str:
    from datetime import date

    from tenfold.ids import isikukood

    return isikukood.generate(date(1985, 3, 4), "F", serial)


def as_individual(person: str) -> dict[str, str]:
    return {**PORTAL, "X-ConsentBB-IndividualId": person}


@pytest.fixture
def service(any_database_url: str, tmp_path: Path) -> ConsentService:
    """The building block over SQLite, and over PostgreSQL where one is configured."""
    return open_consent(make_engine(any_database_url), tmp_path)


@pytest.fixture
def client(service: ConsentService) -> TestClient:
    return TestClient(create_consent_app(service))


def consent(client: TestClient, person: str, consumer: str = BANK) -> dict[str, Any]:
    answer = client.post(f"/service/individual/record/data-agreement/{AGREEMENT}/", params={"dataConsumer": consumer},
                         headers=as_individual(person))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
