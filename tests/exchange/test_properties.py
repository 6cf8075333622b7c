"""Property-based tests: X-Road identifiers in paths, and access-right path patterns."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.exchange import protocol as p
from tenfold.exchange.protocol import ExchangeError
from tenfold.exchange.rights import Right, compile_pattern
from tenfold.ids.xroad import XRoadId

ALLOWED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+,-.=?"
part = st.text(alphabet=ALLOWED, min_size=1, max_size=20)
segment = st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=12)
plain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=10)


@given(st.tuples(part, part, part, part, part), st.lists(plain, max_size=4))
def test_an_encoded_service_id_in_a_path_parses_back(parts: tuple[str, ...], rest: list[str]) -> None:
    service = XRoadId(*parts)
    tail = "".join("/" + s for s in rest)
    address = p.parse_address(p.PROTOCOL_PREFIX + service.encoded() + tail, "")
    assert address.service == service
    assert address.path == tail


@settings(max_examples=300)
@given(st.text(max_size=300), st.text(max_size=50))
def test_any_path_is_parsed_or_refused_with_a_client_error(path: str, query: str) -> None:
    try:
        p.parse_address(path, query)
    except ExchangeError as error:
        assert 400 <= error.status < 500
        assert error.type.startswith("Client.")


@given(st.tuples(part, part, part, part), st.text(alphabet=" /%\u00e9\n", min_size=1, max_size=3))
def test_a_part_with_a_forbidden_character_is_refused(parts: tuple[str, ...], bad: str) -> None:
    raw = "/".join(parts) + "/x" + bad.replace("/", "%2F").replace("%", "%25") + "y"
    try:
        p.parse_address(p.PROTOCOL_PREFIX + raw, "")
    except ExchangeError as error:
        assert error.status == 400
    else:
        raise AssertionError(f"{raw!r} was accepted")


@given(st.lists(segment, min_size=1, max_size=5), segment)
def test_a_star_matches_exactly_one_segment(prefix: list[str], anything: str) -> None:
    literal = [s.replace("*", "x") for s in prefix]
    pattern = compile_pattern("/" + "/".join(literal) + "/*")
    assert pattern.match("/" + "/".join(literal) + "/" + anything)
    assert not pattern.match("/" + "/".join(literal))
    assert not pattern.match("/" + "/".join(literal) + "/" + anything + "/more")


@given(st.lists(segment, min_size=1, max_size=4), st.lists(segment, max_size=4))
def test_a_double_star_matches_any_rest_and_nothing_else(prefix: list[str], rest: list[str]) -> None:
    literal = [s.replace("*", "x") for s in prefix]
    base = "/" + "/".join(literal)
    right = Right.of("DEMO/GOV/SIB/benefits", ["GET"], [base + "/**"])
    assert right.allows("GET", base + "".join("/" + r for r in rest))
    assert not right.allows("POST", base)
    assert not right.allows("GET", base + "suffix")


@given(segment)
def test_literal_segments_are_matched_literally(text: str) -> None:
    literal = text.replace("*", "x")
    pattern = compile_pattern("/" + literal)
    assert pattern.match("/" + literal)
    other = re.sub(r".", "Q", literal, count=1) if literal[0] != "Q" else "R" + literal[1:]
    assert not pattern.match("/" + other)
