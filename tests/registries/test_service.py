from datetime import date

import pytest
from sqlalchemy import func, select

from tenfold.ids import InvalidPersonalCode, isikukood
from tenfold.registries import AmbiguousQuery, Reader, RecordExists, RecordInvalid, RecordNotFound, UnknownRegistry
from tenfold.registries.tables import records, usage
from tenfold.storage import outbox

from .conftest import CHILD, FATHER, MOTHER, person

SIB = Reader(client="DEMO/GOV/SIB/benefits", user_id="EE60001019906", purpose="family benefits", message_id="m-1")


def _count(service, table) -> int:  # type: ignore[no-untyped-def]
    with service.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_create_then_read_records_the_read_in_the_usage_log(pop) -> None:  # type: ignore[no-untyped-def]
    pop.create(SIB, "persons", "1.0", person(MOTHER))
    assert pop.read(SIB, "persons", "1.0", {"ID": MOTHER})["firstName"] == "Mari"
    [entry] = pop.usage(MOTHER)
    assert (entry["client"], entry["purpose"], entry["user_id"], entry["operation"], entry["message_id"]) == (
        "DEMO/GOV/SIB/benefits", "family benefits", "EE60001019906", "read", "m-1")
    assert entry["read_at"].tzinfo is not None


def test_a_birth_record_concerns_child_and_both_parents(pop) -> None:  # type: ignore[no-untyped-def]
    birth = {"ID": "B-1", "childId": CHILD, "motherId": MOTHER, "fatherId": FATHER, "birthDate": "2026-02-03",
             "place": "Tartu", "multipleBirthSize": 1}
    pop.create(SIB, "births", "1.0", birth)
    pop.list(SIB, "births", "1.0", filters={"motherId": MOTHER})
    for code in (CHILD, MOTHER, FATHER):
        assert [e["registry"] for e in pop.usage(code)] == ["births"]


def test_creating_a_birth_raises_new_birth_in_the_same_transaction(pop) -> None:  # type: ignore[no-untyped-def]
    birth = {"ID": "B-2", "childId": CHILD, "motherId": MOTHER, "fatherId": None, "birthDate": "2026-02-03",
             "place": "Tartu", "multipleBirthSize": 2, "registeredAt": "2026-02-04T10:00:00Z"}
    pop.create(SIB, "births", "1.0", birth)
    with pop.engine.begin() as connection:
        [event] = outbox.claim(connection)
    assert event.event_type == "newBirth"
    assert event.payload == {"birthId": "B-2", "childId": CHILD, "motherId": MOTHER, "fatherId": None,
                             "birthDate": "2026-02-03", "place": "Tartu", "multipleBirthSize": 2,
                             "registeredAt": "2026-02-04T10:00:00Z"}


def test_changing_an_address_raises_address_change_and_other_updates_do_not(pop) -> None:  # type: ignore[no-untyped-def]
    pop.create(SIB, "persons", "1.0", person(MOTHER))
    pop.update(SIB, "persons", "1.0", {"ID": MOTHER}, {"lastName": "Kask"})
    pop.update(SIB, "persons", "1.0", {"ID": MOTHER}, {"addressId": "A-9"})
    with pop.engine.begin() as connection:
        types = [(e.event_type, e.payload) for e in outbox.claim(connection)]
    assert types[0][0] == "registry.create"
    assert types[1][0] == "registry.update"
    assert types[2] == ("addressChange", {"personId": MOTHER, "addressId": "A-9", "previousAddressId": "A-1"})


def test_bad_records_are_refused_and_nothing_is_written(pop) -> None:  # type: ignore[no-untyped-def]
    bad_check = MOTHER[:10] + str((int(MOTHER[10]) + 1) % 10)
    with pytest.raises(RecordInvalid) as caught:
        pop.create(SIB, "persons", "1.0", person(bad_check, sex="X", shoeSize=42))
    locations = {tuple(e["loc"]) for e in caught.value.errors}
    assert ("write", "content", "ID") in locations
    assert ("write", "content", "sex") in locations
    assert ("write", "content", "shoeSize") in locations
    with pytest.raises(RecordInvalid, match="birthDate"):
        pop.create(SIB, "persons", "1.0", person(MOTHER, birthDate=19900517))
    assert _count(pop, records) == 0
    with pop.engine.begin() as connection:
        assert outbox.pending_count(connection) == 0


def test_duplicates_unknown_registries_and_missing_records(pop) -> None:  # type: ignore[no-untyped-def]
    pop.create(SIB, "persons", "1.0", person(MOTHER))
    with pytest.raises(RecordExists):
        pop.create(SIB, "persons", "1.0", person(MOTHER))
    with pytest.raises(UnknownRegistry, match="no registry 'incomes'"):
        pop.read(SIB, "incomes", "1.0", {"ID": "x"})
    with pytest.raises(UnknownRegistry, match="no version '9.9'"):
        pop.read(SIB, "persons", "9.9", {"ID": MOTHER})
    with pytest.raises(RecordNotFound):
        pop.read(SIB, "persons", "1.0", {"ID": FATHER})
    assert pop.exists(SIB, "persons", "1.0", {"ID": FATHER}) is False
    assert pop.usage(FATHER) == []


def test_update_needs_exactly_one_match_and_keeps_the_primary_key(pop) -> None:  # type: ignore[no-untyped-def]
    pop.create(SIB, "persons", "1.0", person(MOTHER))
    pop.create(SIB, "persons", "1.0", person(FATHER, firstName="Jaan"))
    with pytest.raises(AmbiguousQuery):
        pop.update(SIB, "persons", "1.0", {"householdId": "H-1"}, {"lastName": "Kask"})
    with pytest.raises(RecordInvalid, match="cannot be changed"):
        pop.update(SIB, "persons", "1.0", {"ID": MOTHER}, {"ID": FATHER})
    assert pop.update_entries(SIB, "persons", "1.0", {"householdId": "H-1"}, {"lastName": "Kask"}) == 2
    names = {r["lastName"] for r in pop.list(SIB, "persons", "1.0", filters={"householdId": "H-1"}).results}
    assert names == {"Kask"}


def test_update_or_create_creates_once_then_updates(pop) -> None:  # type: ignore[no-untyped-def]
    query = {"ID": "A-77"}
    write = {"street": "Rüütli", "house": "1", "settlement": "Tartu", "municipality": "Tartu linn",
             "county": "Tartu maakond", "postalCode": "51007"}
    _, created = pop.update_or_create(SIB, "addresses", "1.0", query, write)
    record, created_again = pop.update_or_create(SIB, "addresses", "1.0", query, {"house": "2"})
    assert (created, created_again, record["house"], record["street"]) == (True, False, "2", "Rüütli")


def test_list_filters_searches_orders_and_pages(pop) -> None:  # type: ignore[no-untyped-def]
    codes = [isikukood.generate(date(1980 + i, 1, 1), "F", i) for i in range(7)]
    for index, code in enumerate(codes):
        pop.create(SIB, "persons", "1.0", person(code, lastName=f"Tamm{index}", householdId="H-7" if index % 2 else "H-8"))
    page = pop.list(SIB, "persons", "1.0", filters={"householdId": "H-7"}, ordering="-birthDate", page=1, page_size=2)
    assert page.count == 3 and page.has_next
    assert [r["lastName"] for r in page.results] == ["Tamm5", "Tamm3"]
    searched = pop.list(SIB, "persons", "1.0", filters={}, search="tamm6", search_field="lastName")
    assert [r["ID"] for r in searched.results] == [codes[6]]
    everywhere = pop.list(SIB, "persons", "1.0", filters={}, search="%")
    assert everywhere.count == 0
    with pytest.raises(RecordInvalid, match="pageSize"):
        pop.list(SIB, "persons", "1.0", filters={}, page_size=10**9)
    with pytest.raises(RecordInvalid, match="no field 'shoeSize'"):
        pop.list(SIB, "persons", "1.0", filters={"shoeSize": "42"})
    with pytest.raises(RecordInvalid, match="no field 'height'"):
        pop.list(SIB, "persons", "1.0", filters={}, ordering="height")


def test_delete_removes_the_record_and_leaves_an_event(pop) -> None:  # type: ignore[no-untyped-def]
    pop.create(SIB, "persons", "1.0", person(MOTHER))
    pop.delete(SIB, "persons", "1.0", MOTHER)
    with pytest.raises(RecordNotFound):
        pop.delete(SIB, "persons", "1.0", MOTHER)
    with pop.engine.begin() as connection:
        assert [e.event_type for e in outbox.claim(connection)] == ["registry.create", "registry.delete"]


def test_usage_of_a_bad_personal_code_is_refused(pop) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidPersonalCode):
        pop.usage("12345")
    assert _count(pop, usage) == 0
