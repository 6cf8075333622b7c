from pathlib import Path

import pytest

from tenfold.settings import DEMO_TOPOLOGY
from tenfold.topology import TopologyError, load, parse

DEMO_TEXT = DEMO_TOPOLOGY.read_text(encoding="utf-8")


def _problems(text: str) -> list:
    with pytest.raises(TopologyError) as caught:
        parse(text, DEMO_TOPOLOGY)
    return caught.value.problems


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def test_the_demo_topology_is_valid() -> None:
    topology = load(DEMO_TOPOLOGY)
    assert topology.instance == "DEMO"
    codes = {m.code for m in topology.members}
    assert {"POP", "TAX", "SIB", "TRE", "IDP", "CONSENT", "PORTAL", "LAND", "VEH", "PEN", "BANK1", "BANK2"} <= codes
    pop = topology.member("POP")
    assert pop.id == "DEMO/GOV/POP"
    assert pop.registries == ["persons", "births", "deaths", "relations", "addresses"]
    assert [e.code for e in pop.rooms[0].event_types] == ["newBirth", "death", "addressChange"]
    assert topology.member("DEMO/GOV/TAX").registries == ["incomes", "accounts"]


def test_a_syntax_error_names_its_line() -> None:
    text = DEMO_TEXT.replace('instance = "DEMO"', 'instance = "DEMO', 1)
    [problem] = _problems(text)
    assert problem.line == _line_of(text, 'instance = "DEMO')
    assert "not valid TOML" in problem.message


def test_a_bad_subsystem_code_names_its_line_and_location() -> None:
    text = DEMO_TEXT.replace('code = "pensions"', 'code = "pen sions"')
    [problem] = _problems(text)
    assert problem.line == _line_of(text, 'code = "pen sions"')
    assert problem.location == "members[9].subsystems[0].code"
    assert "may only contain" in problem.message


def test_an_unknown_client_in_a_right_names_its_line() -> None:
    text = DEMO_TEXT.replace('client = "DEMO/GOV/IDP/identity"', 'client = "DEMO/GOV/NOPE/identity"', 1)
    [problem] = _problems(text)
    assert problem.line == _line_of(text, "DEMO/GOV/NOPE/identity")
    assert "no subsystem DEMO/GOV/NOPE/identity" in problem.message


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = DEMO_TEXT.replace('subscriber = "DEMO/GOV/PEN/pensions"', 'subscriber = "DEMO/GOV/PEN/gone"')
    text = text.replace('event_type = "addressChange"\n', 'event_type = "nothing"\n')
    text = text.replace('id = "DEMO/GOV/VEH"', 'id = "OTHER/GOV/VEH"')
    problems = _problems(text)
    messages = " | ".join(p.message for p in problems)
    assert "no subsystem DEMO/GOV/PEN/gone" in messages
    assert "not in instance DEMO" in messages
    assert all(p.line for p in problems)


def test_a_subscription_to_an_unknown_event_type_is_refused(tmp_path: Path) -> None:
    text = DEMO_TEXT.replace(
        'subscriber = "DEMO/GOV/SIB/benefits"\nevent_type = "death"',
        'subscriber = "DEMO/GOV/SIB/benefits"\nevent_type = "marriage"',
    )
    [problem] = _problems(text)
    assert "no event type 'marriage'" in problem.message
    assert problem.line == _line_of(text, 'event_type = "marriage"')


def test_a_missing_schema_file_and_a_missing_field_are_refused() -> None:
    text = DEMO_TEXT.replace('schema_file = "event_types/death.json"', 'schema_file = "event_types/nowhere.json"')
    text = text.replace('name = { en = "State Treasury", zh-Hant = "國庫署" }\n', "")
    problems = _problems(text)
    assert any(p.location == "members[3].name" and p.message == "Field required" for p in problems)


def test_a_consent_service_must_name_its_data_agreement() -> None:
    text = DEMO_TEXT.replace('lawful_basis = "public_task"', 'lawful_basis = "consent"', 1)
    [problem] = _problems(text)
    assert "data_agreement" in problem.message
    assert problem.line is not None


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="cannot read the file"):
        load(tmp_path / "missing.toml")
