"""The account mapper: functional ids (never personal codes), IBANs validated and routed to a
bank, duplicates reported per beneficiary, and every change of account logged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.payments.mapper import Beneficiary, check_payee_identity, pseudonym
from tests.payments.world import SIB, World, iban, payee


def test_duplicates_and_bad_addresses_are_reported_per_beneficiary(world: World) -> None:
    result = world.treasury.register(SIB, [
        Beneficiary("NEW-1", "00", iban(101)),
        Beneficiary(payee(1), "00", iban(1)),              # already registered
        Beneficiary("NEW-2", "00", "EE00 0000 0000 0000 0000"),  # bad check digits
        Beneficiary("NEW-3", "00", "DE89370400440532013000"),    # a valid IBAN of a bank TRE does not use
        Beneficiary("NEW-4", "01", "+3725551234"),               # mobile money is not paid here
        Beneficiary("NEW-1", "00", iban(102)),                   # twice in the request
        Beneficiary("38001010015", "00", iban(103)),              # a personal code as the payee identity
    ])
    assert result.registered == 1
    codes = {f.payee_identity: f.code for f in result.failures}
    assert codes == {payee(1): "DUPLICATE", "NEW-2": "INVALID_ADDRESS", "NEW-3": "INVALID_ADDRESS", "NEW-4": "UNSUPPORTED_MODALITY",
                     "NEW-1": "DUPLICATE", "38001010015": "INVALID_ID"}
    assert "no connection to the bank" in next(f.reason for f in result.failures if f.payee_identity == "NEW-3")
    assert set(world.treasury.lookup(SIB, ["NEW-1", "NEW-2"])) == {"NEW-1"}


def test_a_change_of_account_is_logged_with_who_and_why(world: World) -> None:
    result = world.treasury.update(SIB, [Beneficiary(payee(1), "00", iban(2)), Beneficiary("NOBODY", "00", iban(3))],
                                   changed_by="EE38001010015", channel="DEMO/GOV/PORTAL/portal", reason="moved banks")
    assert result.updated == 1 and [f.code for f in result.failures] == ["NOT_REGISTERED"]
    found, history = world.treasury.beneficiary(SIB, payee(1))
    assert found["financial_address"] == iban(2) and found["bank"] == "BANK2"
    assert [(h["old_address"], h["new_address"], h["changed_by"], h["channel"], h["reason"]) for h in history] == [
        (iban(1), iban(2), "EE38001010015", "DEMO/GOV/PORTAL/portal", "moved banks")]
    again = world.treasury.update(SIB, [Beneficiary(payee(1), "00", iban(2))], changed_by=None, channel="x", reason=None)
    assert again.unchanged == 1 and len(world.treasury.beneficiary(SIB, payee(1))[1]) == 1


def test_each_institution_sees_only_its_own_beneficiaries(world: World) -> None:
    assert world.treasury.lookup("DEMO/GOV/PEN/pensions", [payee(1)]) == {}


@settings(max_examples=60)
@given(st.dates().map(lambda d: d.isoformat()), st.integers(0, 999))
def test_a_pseudonym_is_a_functional_id_never_a_personal_code(born: str, serial: int) -> None:
    from datetime import date

    from tenfold.ids import isikukood

    code = isikukood.generate(date.fromisoformat(born), "F", serial) if 1800 <= int(born[:4]) <= 2199 else "38001010015"
    made = pseudonym(b"k" * 32, code)
    assert len(made) == 20 and check_payee_identity(made) is None
    assert pseudonym(b"k" * 32, code) == made != pseudonym(b"j" * 32, code)
    assert check_payee_identity(code) is not None
