"""X-Road identifiers: ``INSTANCE/CLASS/MEMBER[/SUBSYSTEM[/SERVICE]]``.

Each part is percent-encoded on its own (the ``/`` separators never are) and may only use the
characters the X-Road REST protocol allows: ``A-Z a-z 0-9 ' ( ) + , - . = ?`` (PR-REST 4.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from tenfold.errors import InvalidInput

_ALLOWED = re.compile(r"^[A-Za-z0-9'()+,\-.=?]+$")
_PART_NAMES = ("instance", "member class", "member code", "subsystem code", "service code")
MAX_PART_LENGTH = 255


class InvalidIdentifier(InvalidInput):
    """An X-Road identifier that cannot be parsed or breaks the character rules."""


def check_part(value: str, what: str = "identifier part") -> str:
    if not value:
        raise InvalidIdentifier(f"the {what} is empty")
    if len(value) > MAX_PART_LENGTH:
        raise InvalidIdentifier(f"the {what} is longer than {MAX_PART_LENGTH} characters")
    if not _ALLOWED.fullmatch(value):
        raise InvalidIdentifier(
            f"the {what} {value!r} may only contain letters, digits and ' ( ) + , - . = ?"
        )
    return value


@dataclass(frozen=True, order=True)
class XRoadId:
    """A member (3 parts), subsystem (4 parts) or service (5 parts)."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str | None = None
    service: str | None = None

    def __post_init__(self) -> None:
        parts = self.parts
        for name, value in zip(_PART_NAMES, parts):
            check_part(value, name)
        if self.service is not None and self.subsystem is None:
            raise InvalidIdentifier("a service identifier needs a subsystem")

    @property
    def parts(self) -> tuple[str, ...]:
        values = (self.instance, self.member_class, self.member_code, self.subsystem, self.service)
        return tuple(v for v in values if v is not None)

    @property
    def kind(self) -> str:
        return {3: "MEMBER", 4: "SUBSYSTEM", 5: "SERVICE"}[len(self.parts)]

    @property
    def member(self) -> XRoadId:
        return XRoadId(self.instance, self.member_class, self.member_code)

    @property
    def client(self) -> XRoadId:
        """The member or subsystem part (a service identifier without its service code)."""
        return XRoadId(self.instance, self.member_class, self.member_code, self.subsystem)

    def with_subsystem(self, subsystem: str) -> XRoadId:
        return XRoadId(self.instance, self.member_class, self.member_code, subsystem)

    def with_service(self, service: str) -> XRoadId:
        if self.subsystem is None:
            raise InvalidIdentifier("a service identifier needs a subsystem")
        return XRoadId(self.instance, self.member_class, self.member_code, self.subsystem, service)

    def encoded(self) -> str:
        """The identifier as it appears in a URL path or header: each part percent-encoded."""
        return "/".join(quote(p, safe="") for p in self.parts)

    def __str__(self) -> str:
        return "/".join(self.parts)


def parse(text: str, *, parts: tuple[int, ...] = (3, 4, 5)) -> XRoadId:
    """Parse an identifier, decoding each part; ``parts`` says which lengths are acceptable."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidIdentifier("the identifier is empty")
    raw = text.split("/")
    if len(raw) not in parts:
        wanted = " or ".join(str(n) for n in parts)
        raise InvalidIdentifier(f"expected {wanted} parts separated by '/', got {len(raw)} in {text!r}")
    try:
        decoded = [unquote(p, errors="strict") for p in raw]
    except UnicodeDecodeError:
        raise InvalidIdentifier(f"the identifier {text!r} is not valid percent-encoded UTF-8") from None
    return XRoadId(*decoded)


def parse_member(text: str) -> XRoadId:
    return parse(text, parts=(3,))


def parse_client(text: str) -> XRoadId:
    """A client: a member or (usually) a subsystem."""
    return parse(text, parts=(3, 4))


def parse_subsystem(text: str) -> XRoadId:
    return parse(text, parts=(4,))


def parse_service(text: str) -> XRoadId:
    return parse(text, parts=(5,))
