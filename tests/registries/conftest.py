from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tenfold.ids import isikukood
from tenfold.registries import RegistryService, open_service
from tenfold.registries.api import create_registry_app
from tenfold.storage import make_engine

POP_REGISTRIES = ["persons", "births", "deaths", "relations", "addresses"]
SIB = {"Information-Mediator-Client": "DEMO/GOV/SIB/benefits", "X-Road-Purpose": "family benefits", "X-Road-UserId": "EE60001019906"}


def person(code: str, **changes: Any) -> dict[str, Any]:
    record = {
        "ID": code, "firstName": "Mari", "lastName": "Tamm", "birthDate": isikukood.birth_date(code).isoformat(),
        "sex": isikukood.sex(code), "status": "alive", "addressId": "A-1", "householdId": "H-1",
    }
    record.update(changes)
    return record


MOTHER = isikukood.generate(__import__("datetime").date(1990, 5, 17), "F", 12)
FATHER = isikukood.generate(__import__("datetime").date(1988, 1, 2), "M", 40)
CHILD = isikukood.generate(__import__("datetime").date(2026, 2, 3), "F", 1)


@pytest.fixture
def pop(any_database_url: str) -> RegistryService:
    return open_service(make_engine(any_database_url), "DEMO/GOV/POP", POP_REGISTRIES)


@pytest.fixture
def pop_sqlite(sqlite_url: str) -> RegistryService:
    return open_service(make_engine(sqlite_url), "DEMO/GOV/POP", POP_REGISTRIES)


@pytest.fixture
def client(pop_sqlite: RegistryService) -> TestClient:
    return TestClient(create_registry_app(pop_sqlite))
