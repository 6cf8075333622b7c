"""The scheduled events as the simulator will release them: one birth per child, one death.

A birth carries everything the population register will need: the birth record (its id
continues the register's numbering) and the child's person record with the personal code
already assigned. A death carries the death record.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from tenfold.country import records
from tenfold.country.addresses import GAZETTEER
from tenfold.country.models import Country
from tenfold.country.naming import NAMES
from tenfold.country.population import iso_dates

BIRTH, DEATH = "birth", "death"


def scheduled_births(country: Country) -> list[dict[str, Any]]:
    people, s = country.people, country.schedule
    first_id = len(records.registered_births(country))
    ids = records.numbered("B-", first_id, len(s.birth_day))
    mother, father = s.birth_mother, s.birth_father
    household = people.household[mother]
    address = country.household_address[household]
    places = GAZETTEER.municipalities[records.municipality_of(country, mother)].tolist()
    citizenship = np.where((people.citizenship[mother] == "EE") | ((father >= 0) & (people.citizenship[np.maximum(father, 0)] == "EE")),
                           "EE", people.citizenship[mother])
    rows = []
    for i, born in enumerate(iso_dates(s.birth_day)):
        child = str(s.birth_code[i])
        person = {
            "ID": child, "firstName": str(NAMES.first[s.birth_first_name[i]]),
            "lastName": str(NAMES.surname_forms[s.birth_surname[i], s.birth_sex[i]]), "birthDate": born,
            "sex": "F" if s.birth_sex[i] else "M", "status": "alive",
            "addressId": f"A-{address[i] + 1:0{records.ID_DIGITS}d}",
            "householdId": f"H-{household[i] + 1:0{records.ID_DIGITS}d}", "citizenship": str(citizenship[i]),
        }
        payload = {
            "birthId": ids[i], "childId": child, "motherId": str(people.code[mother[i]]),
            "fatherId": str(people.code[father[i]]) if father[i] >= 0 else None, "birthDate": born,
            "place": places[i], "multipleBirthSize": int(s.birth_size[i]),
            "deliveryId": f"L-{int(s.birth_delivery[i]) + 1:0{records.ID_DIGITS}d}", "person": person,
        }
        rows.append({"event_key": ids[i], "kind": BIRTH, "due_date": date.fromisoformat(born), "payload": payload})
    return rows


def scheduled_deaths(country: Country) -> list[dict[str, Any]]:
    s = country.schedule
    first_id = len(records.registered_deaths(country))
    ids = records.numbered("D-", first_id, len(s.death_person))
    places = GAZETTEER.municipalities[records.municipality_of(country, s.death_person)].tolist()
    rows = []
    for i, died in enumerate(iso_dates(s.death_day)):
        payload = {"deathId": ids[i], "personId": str(country.people.code[s.death_person[i]]), "deathDate": died, "place": places[i]}
        rows.append({"event_key": ids[i], "kind": DEATH, "due_date": date.fromisoformat(died), "payload": payload})
    return rows


def scheduled_events(country: Country) -> list[dict[str, Any]]:
    """Births and deaths together, by due date (births first on a day)."""
    return sorted(scheduled_births(country) + scheduled_deaths(country), key=lambda e: (e["due_date"], e["kind"], e["event_key"]))
