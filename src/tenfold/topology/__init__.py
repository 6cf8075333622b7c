"""The country as data: a TOML topology file validated into pydantic models."""

from tenfold.topology.loader import Problem, TopologyError, current, event_schema, load, parse
from tenfold.topology.models import (
    GATEWAY_APP,
    GATEWAY_SERVICES,
    HTTP_METHODS,
    METADATA_SERVICES,
    AccessRight,
    Central,
    EventType,
    Member,
    PersonReference,
    Room,
    Service,
    Subscription,
    Subsystem,
    Text,
    Topology,
)

__all__ = [
    "GATEWAY_APP", "GATEWAY_SERVICES", "HTTP_METHODS", "METADATA_SERVICES",
    "AccessRight", "Central", "EventType", "Member", "PersonReference", "Problem", "Room", "Service",
    "Subscription", "Subsystem", "Text", "Topology", "TopologyError", "current", "event_schema", "load", "parse",
]
