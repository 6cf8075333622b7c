"""Every registry's records validate against the registry's own schema; personal codes,
IBANs, VINs and plates follow their rules."""

import random

import pytest
from schwifty import IBAN
from stdnum.ee import ik

from tenfold.country.banking import BANKS
from tenfold.country.property import vin_check_digits
from tenfold.registries import catalogue

from tests.country.conftest import records_of

REGISTRIES = [("POP", "persons"), ("POP", "addresses"), ("POP", "relations"), ("POP", "births"), ("POP", "deaths"),
              ("TAX", "incomes"), ("TAX", "accounts"), ("LAND", "parcels"), ("VEH", "vehicles"),
              ("BANK1", "customer-accounts"), ("BANK2", "customer-accounts"), ("PEN", "pensions")]


@pytest.mark.parametrize(("member", "registry"), REGISTRIES)
def test_a_sample_of_every_registry_validates_against_its_schema(written, member: str, registry: str) -> None:
    settings, _outcome = written
    rows = records_of(settings, member, registry)
    assert rows, f"{registry} at {member} is empty"
    schema = catalogue().get(registry, "1.0")
    for record in random.Random(1).sample(rows, min(400, len(rows))):
        schema.validate(record)


def test_personal_codes_are_valid_estonian_codes_and_unique(written) -> None:
    persons = records_of(written[0], "POP", "persons")
    codes = [p["ID"] for p in persons]
    assert len(set(codes)) == len(codes)
    for person in persons[:: max(1, len(persons) // 500)]:
        assert ik.is_valid(person["ID"])
        assert ik.get_birth_date(person["ID"]).isoformat() == person["birthDate"]
        assert ("M" if int(person["ID"][0]) % 2 else "F") == person["sex"]


def test_ibans_are_valid_and_the_same_account_is_at_the_tax_board_and_the_bank(written) -> None:
    settings, _outcome = written
    known = records_of(settings, "TAX", "accounts")
    at_banks = {member: {r["ID"]: r for r in records_of(settings, member, "customer-accounts")} for member in ("BANK1", "BANK2")}
    persons = {p["ID"]: p for p in records_of(settings, "POP", "persons")}
    for account in random.Random(2).sample(known, 300):
        iban = IBAN(account["iban"], validate_bban=True)
        member = account["bankMember"].split("/")[-1]
        bank = next(b for b in BANKS if b.member == account["bankMember"])
        assert str(iban.bic) == account["bic"] == bank.bic
        held = at_banks[member][account["iban"]]
        holder = persons[account["personId"]]
        assert held["holderId"] == account["personId"]
        assert held["holderName"] == f"{holder['firstName']} {holder['lastName']}"
    assert sum(len(b) for b in at_banks.values()) == len(known)


def test_vins_carry_their_check_digit_and_plates_are_unique(written) -> None:
    vehicles = records_of(written[0], "VEH", "vehicles")
    for vehicle in vehicles[:300]:
        vin = vehicle["ID"].encode()
        import numpy as np

        row = np.frombuffer(vin, dtype=np.uint8).reshape(1, 17)
        assert chr(vin_check_digits(row)[0]) == vehicle["ID"][8]
    plates = [v["registrationNumber"] for v in vehicles]
    assert len(set(plates)) == len(plates)


def test_the_verhoeff_scheme_gives_valid_distinct_codes_to_everyone_and_the_unborn() -> None:
    from tenfold.country import GenerationRequest
    from tenfold.country.generator import generate_country
    from tenfold.ids import scheme

    country = generate_country(GenerationRequest(persons=2000, seed=2, id_scheme="verhoeff"))
    codes = [*country.people.code.tolist(), *country.schedule.birth_code.tolist()]
    assert len(set(codes)) == len(codes) and all(len(code) == 12 for code in codes)
    assert all(scheme("verhoeff").is_valid(code) for code in codes[:: 10])


@pytest.mark.parametrize("as_of", ["1992-01-01", "2100-12-31"])
def test_records_validate_at_the_ends_of_the_as_of_range(as_of: str) -> None:
    from datetime import date

    from tenfold.country import GenerationRequest
    from tenfold.country import records as country_records
    from tenfold.country.generator import generate_country
    import orjson

    country = generate_country(GenerationRequest(persons=600, seed=3, as_of=date.fromisoformat(as_of)))
    for name, rows in (("persons", country_records.persons(country)), ("incomes", country_records.incomes(country)),
                       ("vehicles", country_records.vehicles(country)), ("births", country_records.births(country))):
        for _id, document in list(rows)[:200]:
            catalogue().get(name, "1.0").validate(orjson.loads(document))


def test_the_pension_register_holds_the_living_who_had_pension_income_last_year(written) -> None:
    settings, outcome = written
    last = outcome.request.as_of.year - 1
    pensions = records_of(settings, "PEN", "pensions")
    living = {p["ID"] for p in records_of(settings, "POP", "persons") if p["status"] == "alive"}
    paid = {i["personId"]: i["amountCents"] for i in records_of(settings, "TAX", "incomes") if i["kind"] == "pension" and i["year"] == last}
    assert {p["personId"] for p in pensions} == set(paid) & living
    for pension in pensions[:200]:
        assert pension["monthlyAmountCents"] == paid[pension["personId"]] // 12 and pension["status"] == "active"
