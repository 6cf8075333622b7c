import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenfold.ids import InvalidIdentifier, XRoadId, parse, parse_client, parse_member, parse_service, parse_subsystem

ALLOWED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+,-.=?"
parts = st.text(alphabet=ALLOWED, min_size=1, max_size=20)


@given(st.lists(parts, min_size=3, max_size=5))
def test_format_then_parse_round_trips(values: list[str]) -> None:
    identifier = XRoadId(*values)
    assert parse(str(identifier)) == identifier
    assert parse(identifier.encoded()) == identifier
    assert identifier.kind == {3: "MEMBER", 4: "SUBSYSTEM", 5: "SERVICE"}[len(values)]


@given(st.lists(parts, min_size=3, max_size=5), st.integers(0, 4), st.sampled_from(["/", " ", "é", "%", "_", "\n"]))
def test_a_forbidden_character_in_any_part_is_refused(values: list[str], position: int, bad: str) -> None:
    position = min(position, len(values) - 1)
    values = list(values)
    values[position] = values[position] + bad
    text = "/".join(v.replace("/", "%2F") for v in values)
    with pytest.raises(InvalidIdentifier):
        parse(text)


def test_percent_encoded_parts_are_decoded_per_part() -> None:
    assert parse("DEMO/GOV/POP/vital%2Devents") == XRoadId("DEMO", "GOV", "POP", "vital-events")
    with pytest.raises(InvalidIdentifier, match="may only contain"):
        parse("DEMO/GOV/POP%2FX/registry")


def test_kind_specific_parsers_check_the_number_of_parts() -> None:
    assert parse_member("DEMO/GOV/POP").kind == "MEMBER"
    assert parse_subsystem("DEMO/GOV/POP/registry").member == parse_member("DEMO/GOV/POP")
    assert parse_service("DEMO/GOV/POP/registry/persons").client == parse_subsystem("DEMO/GOV/POP/registry")
    assert parse_client("DEMO/GOV/POP").kind == "MEMBER"
    for parser, text in [(parse_member, "DEMO/GOV/POP/x"), (parse_subsystem, "DEMO/GOV"), (parse_service, "DEMO/GOV/POP/x")]:
        with pytest.raises(InvalidIdentifier, match="expected"):
            parser(text)


@pytest.mark.parametrize("text", ["", "   ", "DEMO//POP", "DEMO/GOV/" + "X" * 256, "DEMO/GOV/POP/%FF"])
def test_malformed_identifiers_say_why(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse(text)
