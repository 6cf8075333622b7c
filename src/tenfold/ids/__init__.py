"""National personal codes and X-Road identifiers."""

from tenfold.ids.isikukood import InvalidPersonalCode
from tenfold.ids.schemes import SCHEMES, PersonalIdScheme, scheme
from tenfold.ids.verhoeff import InvalidVerhoeffId
from tenfold.ids.xroad import (
    InvalidIdentifier,
    XRoadId,
    parse,
    parse_client,
    parse_member,
    parse_service,
    parse_subsystem,
)

__all__ = [
    "SCHEMES",
    "InvalidIdentifier",
    "InvalidPersonalCode",
    "InvalidVerhoeffId",
    "PersonalIdScheme",
    "XRoadId",
    "parse",
    "parse_client",
    "parse_member",
    "parse_service",
    "parse_subsystem",
    "scheme",
]
