"""The population register's own use cases: registering a birth and registering a death, each
in ONE transaction, as the register's front office (or a civil registration system) does it.

A birth creates the child's person record, the birth record (whose creation raises ``newBirth``
through the outbox) and a ``parentOf`` relation from each known parent; a death creates the death
record (raising ``death``) and marks the person deceased. Either all of it is committed or none
of it: a subscriber never sees a ``newBirth`` whose child or relations are missing.

Both are idempotent on their record id (the birth or death registration number): registering the
same birth again is refused with 409 and changes nothing, so a front office that retries after a
crash can tell "already registered" from "failed".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from tenfold.registries import store
from tenfold.registries.schema import RecordInvalid
from tenfold.registries.service import Reader, RecordExists, RecordNotFound, RegistryService
from tenfold.web import FastJSONResponse

VERSION = "1.0"
REQUIRED = ("persons", "births", "deaths", "relations")


class BirthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ID: str | None = Field(None, min_length=1, max_length=64, description="Birth registration number (made here when absent)")
    motherId: str = Field(min_length=1, max_length=32)
    fatherId: str | None = Field(None, max_length=32)
    birthDate: str = Field(min_length=10, max_length=10)
    place: str = Field(min_length=1, max_length=200)
    multipleBirthSize: int = Field(1, ge=1, le=9)


class ChildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ID: str = Field(min_length=1, max_length=32, description="The child's personal code, as assigned by the register")
    firstName: str = Field(min_length=1, max_length=100)
    lastName: str = Field(min_length=1, max_length=100)
    sex: str = Field(pattern="^[FM]$")
    citizenship: str | None = Field(None, pattern="^[A-Z]{2}$")
    addressId: str | None = Field(None, min_length=1, max_length=64, description="Default: the mother's residence")
    householdId: str | None = Field(None, min_length=1, max_length=64, description="Default: the mother's household")


class BirthRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    birth: BirthIn
    child: ChildIn


class DeathIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ID: str | None = Field(None, min_length=1, max_length=64, description="Death registration number (made here when absent)")
    personId: str = Field(min_length=1, max_length=32)
    deathDate: str = Field(min_length=10, max_length=10)
    place: str = Field(min_length=1, max_length=200)


class DeathRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    death: DeathIn


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _person(service: RegistryService, connection: Any, person_id: str, field: str) -> dict[str, Any]:
    service.schema("persons", VERSION).validate_partial({"ID": person_id}, ("body", field))
    found = store.get(connection, "persons", person_id)
    if found is None:
        raise RecordNotFound(f"{field}: no person with this personal code")
    return found


def _day(text: str, where: tuple[str, ...]) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RecordInvalid([{"loc": list(where), "msg": "expected a date written YYYY-MM-DD", "type": "value_error"}]) from None


def register_birth(service: RegistryService, reader: Reader, registration: BirthRegistration) -> dict[str, Any]:
    """Create the child, the birth record and the parents' relations in one transaction."""
    birth, child = registration.birth, registration.child
    born = _day(birth.birthDate, ("body", "birth", "birthDate"))
    schemas = {name: service.schema(name, VERSION) for name in REQUIRED}
    with service.engine.begin() as connection:
        mother = _person(service, connection, birth.motherId, "birth.motherId")
        if birth.fatherId is not None:
            _person(service, connection, birth.fatherId, "birth.fatherId")
        if born < date.fromisoformat(mother["birthDate"]):
            raise RecordInvalid([{"loc": ["body", "birth", "birthDate"], "msg": "before the mother's birth", "type": "value_error"}])
        person = {
            "ID": child.ID, "firstName": child.firstName, "lastName": child.lastName, "birthDate": birth.birthDate,
            "sex": child.sex, "status": "alive", "addressId": child.addressId or mother["addressId"],
            "householdId": child.householdId or mother["householdId"],
            **({"citizenship": child.citizenship} if child.citizenship else {}),
        }
        record = {**birth.model_dump(exclude_none=True), "childId": child.ID, "registeredAt": _now_text()}
        record.setdefault("fatherId", None)
        if "ID" not in record:
            record["ID"] = _new_id(schemas["births"].id_prefix or "B-")
        schemas["persons"].validate(person, ("body", "child"))
        schemas["births"].validate(record, ("body", "birth"))
        service._insert(connection, schemas["persons"], person, reader)
        service._insert(connection, schemas["births"], record, reader)
        relations = []
        for parent in filter(None, (birth.motherId, birth.fatherId)):
            relation = {"ID": _new_id("R-"), "kind": "parentOf", "fromPersonId": parent, "toPersonId": child.ID,
                        "validFrom": birth.birthDate, "validTo": None}
            service._insert(connection, schemas["relations"], relation, reader)
            relations.append(relation)
    return {"birth": schemas["births"].project(record), "child": person, "relations": relations}


def register_death(service: RegistryService, reader: Reader, registration: DeathRegistration) -> dict[str, Any]:
    """Create the death record and mark the person deceased in one transaction."""
    death = registration.death
    died = _day(death.deathDate, ("body", "death", "deathDate"))
    schemas = {name: service.schema(name, VERSION) for name in ("persons", "deaths")}
    with service.engine.begin() as connection:
        person = _person(service, connection, death.personId, "death.personId")
        if person.get("status") == "deceased":
            raise RecordExists("death.personId: this person's death is registered already")
        if died < date.fromisoformat(person["birthDate"]):
            raise RecordInvalid([{"loc": ["body", "death", "deathDate"], "msg": "before the person's birth", "type": "value_error"}])
        record = {**death.model_dump(exclude_none=True), "registeredAt": _now_text()}
        if "ID" not in record:
            record["ID"] = _new_id(schemas["deaths"].id_prefix or "D-")
        schemas["deaths"].validate(record, ("body", "death"))
        service._insert(connection, schemas["deaths"], record, reader)
        service._update(connection, schemas["persons"], person, {"status": "deceased", "deathDate": death.deathDate}, reader)
    return {"death": schemas["deaths"].project(record)}


def _new_id(prefix: str) -> str:
    import uuid

    return f"{prefix}{uuid.uuid4().hex[:16].upper()}"


def keeps_population(service: RegistryService) -> bool:
    return all(name in service.registries for name in REQUIRED)


def population_router(service: RegistryService, reader_dependency: Any) -> APIRouter:
    """``POST /population/births`` and ``POST /population/deaths`` (the register's front office)."""
    router = APIRouter(prefix="/population", tags=["population register"])

    @router.post("/births", status_code=201, summary="Register a birth: child, birth record and relations in one transaction",
                 responses={404: {"description": "a parent is not registered"}, 409: {"description": "already registered"}})
    async def births(body: BirthRegistration, who: Reader = Depends(reader_dependency)) -> FastJSONResponse:
        return FastJSONResponse(register_birth(service, who, body), status_code=201)

    @router.post("/deaths", status_code=201, summary="Register a death: death record and the person's status in one transaction",
                 responses={404: {"description": "the person is not registered"}, 409: {"description": "already registered"}})
    async def deaths(body: DeathRegistration, who: Reader = Depends(reader_dependency)) -> FastJSONResponse:
        return FastJSONResponse(register_death(service, who, body), status_code=201)

    return router
