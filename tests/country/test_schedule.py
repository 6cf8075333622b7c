"""The future: births with personal codes reserved for their dates, and deaths, kept in the
simulator's own database and not in any agency's."""

from datetime import date, timedelta

from stdnum.ee import ik

from tenfold.registries import catalogue

from tests.country.conftest import records_of, schedule_of


def test_the_schedule_has_births_and_deaths_within_the_next_year(written) -> None:
    events = schedule_of(written[0])
    births = [e for e in events if e["kind"] == "birth"]
    deaths = [e for e in events if e["kind"] == "death"]
    assert births and deaths
    first, last = date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=364)
    assert all(first <= e["due_date"] <= last and e["released_at"] is None for e in events)
    assert [e["due_date"] for e in events] == sorted(e["due_date"] for e in events)


def test_scheduled_children_have_valid_future_codes_unique_against_the_register(written) -> None:
    settings, _outcome = written
    persons = {p["ID"]: p for p in records_of(settings, "POP", "persons")}
    births = [e["payload"] for e in schedule_of(settings) if e["kind"] == "birth"]
    codes = [b["childId"] for b in births]
    assert len(set(codes)) == len(codes) and not set(codes) & set(persons)
    birth_ids = {b["ID"] for b in records_of(settings, "POP", "births")}
    for birth in births:
        assert ik.is_valid(birth["childId"])
        assert ik.get_birth_date(birth["childId"]).isoformat() == birth["birthDate"]
        assert birth["birthId"] not in birth_ids
        mother = persons[birth["motherId"]]
        assert mother["sex"] == "F" and mother["status"] == "alive"
        assert 18 <= (date.fromisoformat(birth["birthDate"]) - date.fromisoformat(mother["birthDate"])).days / 365.25 < 46.5
        assert birth["person"]["addressId"] == mother["addressId"] and birth["person"]["householdId"] == mother["householdId"]
        catalogue().get("persons", "1.0").validate(birth["person"])
        record = {k: birth[k] for k in ("childId", "motherId", "fatherId", "birthDate", "place", "multipleBirthSize")}
        catalogue().get("births", "1.0").validate({"ID": birth["birthId"], **record})


def test_at_least_one_scheduled_birth_is_a_multiple_birth(written) -> None:
    births = [e["payload"] for e in schedule_of(written[0]) if e["kind"] == "birth"]
    multiple = [b for b in births if b["multipleBirthSize"] > 1]
    assert multiple
    delivery = [b for b in births if b["deliveryId"] == multiple[0]["deliveryId"]]
    assert len(delivery) == multiple[0]["multipleBirthSize"]
    assert len({(b["motherId"], b["birthDate"]) for b in delivery}) == 1


def test_scheduled_deaths_are_of_living_people(written) -> None:
    settings, _outcome = written
    persons = {p["ID"]: p for p in records_of(settings, "POP", "persons")}
    deaths = [e["payload"] for e in schedule_of(settings) if e["kind"] == "death"]
    assert len({d["personId"] for d in deaths}) == len(deaths)
    for death in deaths:
        assert persons[death["personId"]]["status"] == "alive"
        catalogue().get("deaths", "1.0").validate({"ID": death["deathId"], **{k: v for k, v in death.items() if k != "deathId"}})
