"""Families in the register hold together: mothers of every child, plausible ages, shared
addresses, spouses both ways, elderly parents linked to children who live elsewhere."""

from collections import defaultdict
from datetime import date

from tests.country.conftest import records_of


def _years(born: str, on: str) -> float:
    return (date.fromisoformat(on) - date.fromisoformat(born)).days / 365.25


def _register(settings):  # type: ignore[no-untyped-def]
    persons = {p["ID"]: p for p in records_of(settings, "POP", "persons")}
    relations = records_of(settings, "POP", "relations")
    return persons, relations


def test_every_child_under_18_has_a_mother_in_the_register_older_by_a_plausible_gap(written) -> None:
    persons, relations = _register(written[0])
    mothers = {r["toPersonId"]: r["fromPersonId"] for r in relations if r["kind"] == "parentOf" and persons[r["fromPersonId"]]["sex"] == "F"}
    children = [p for p in persons.values() if _years(p["birthDate"], "2026-01-01") < 18]
    assert children
    for child in children:
        mother = persons[mothers[child["ID"]]]
        assert 16.5 <= _years(mother["birthDate"], child["birthDate"]) <= 47
    for relation in relations:
        if relation["kind"] == "parentOf":
            parent, child = persons[relation["fromPersonId"]], persons[relation["toPersonId"]]
            assert _years(parent["birthDate"], child["birthDate"]) >= 16.5
            assert relation["validFrom"] == child["birthDate"]


def test_births_records_match_the_relations(written) -> None:
    persons, relations = _register(written[0])
    parents = defaultdict(set)
    for r in relations:
        if r["kind"] == "parentOf":
            parents[r["toPersonId"]].add(r["fromPersonId"])
    for birth in records_of(written[0], "POP", "births"):
        assert birth["motherId"] in parents[birth["childId"]]
        assert birth["fatherId"] is None or birth["fatherId"] in parents[birth["childId"]]
        assert birth["birthDate"] == persons[birth["childId"]]["birthDate"]


def test_a_household_shares_one_address_and_minors_live_with_a_parent(written) -> None:
    persons, relations = _register(written[0])
    address_of = defaultdict(set)
    for person in persons.values():
        address_of[person["householdId"]].add(person["addressId"])
    assert all(len(addresses) == 1 for addresses in address_of.values())
    parents = defaultdict(set)
    for r in relations:
        if r["kind"] == "parentOf":
            parents[r["toPersonId"]].add(r["fromPersonId"])
    minors = [p for p in persons.values() if _years(p["birthDate"], "2026-01-01") < 18]
    for child in minors:
        assert any(persons[parent]["householdId"] == child["householdId"] for parent in parents[child["ID"]])


def test_spouses_are_written_both_ways_and_a_death_ends_the_marriage(written) -> None:
    persons, relations = _register(written[0])
    spouses = {(r["fromPersonId"], r["toPersonId"]): r for r in relations if r["kind"] == "spouseOf"}
    assert spouses
    for (a, b), relation in spouses.items():
        back = spouses[(b, a)]
        assert back["validFrom"] == relation["validFrom"] and back.get("validTo") == relation.get("validTo")
        assert persons[a]["householdId"] == persons[b]["householdId"]
        died = [persons[x].get("deathDate") for x in (a, b) if persons[x]["status"] == "deceased"]
        assert relation.get("validTo") == (died[0] if died else None)


def test_elderly_people_have_adult_children_living_elsewhere(written) -> None:
    persons, relations = _register(written[0])
    linked = [(persons[r["fromPersonId"]], persons[r["toPersonId"]]) for r in relations if r["kind"] == "parentOf"]
    elsewhere = [(parent, child) for parent, child in linked
                 if _years(parent["birthDate"], "2026-01-01") >= 70 and parent["householdId"] != child["householdId"]]
    assert len(elsewhere) > 50


def test_deceased_people_died_in_the_year_before_the_as_of_date(written) -> None:
    persons, _relations = _register(written[0])
    deaths = {d["personId"]: d for d in records_of(written[0], "POP", "deaths")}
    dead = [p for p in persons.values() if p["status"] == "deceased"]
    assert dead and len(dead) == len(deaths)
    for person in dead:
        assert "2025-01-01" <= person["deathDate"] < "2026-01-01"
        assert deaths[person["ID"]]["deathDate"] == person["deathDate"]
