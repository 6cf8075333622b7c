"""The country as data: members, subsystems, services, access rights and event rooms.

These are plain pydantic models: the loader validates a TOML file into them, and every other
building block reads them. Identifiers are X-Road identifiers (``INSTANCE/CLASS/MEMBER...``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tenfold.ids import xroad

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Services a member's gateway answers itself (``app = "gateway"`` in a service declaration).
GATEWAY_APP = "gateway"
GATEWAY_SERVICES = ("findUsage",)
# Metadata services every provider gateway answers (X-Road PR-MREST); no service may use these codes.
METADATA_SERVICES = ("listMethods", "allowedMethods", "getOpenAPI")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing text in both languages."""

    en: str = Field(min_length=1)
    zh_Hant: str = Field(min_length=1, alias="zh-Hant")

    def get(self, language: str) -> str:
        return self.zh_Hant if language == "zh-Hant" else self.en


class AccessRight(_Strict):
    """A client subsystem may call a service, optionally only some methods and paths.

    ``paths`` are patterns on the service path: ``*`` matches one path segment, a trailing
    ``**`` matches the rest. No methods or paths means the whole service.
    """

    client: str
    methods: list[Literal["GET", "POST", "PUT", "PATCH", "DELETE"]] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list)

    @field_validator("client")
    @classmethod
    def _client_is_subsystem(cls, value: str) -> str:
        xroad.parse_subsystem(value)
        return value

    @field_validator("paths")
    @classmethod
    def _paths_are_absolute(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"path pattern {path!r} must start with '/'")
        return value


class PersonReference(_Strict):
    """Where a service's request carries the id of the person it concerns (for the data tracker).

    ``path`` is a service-path pattern with an ``{id}`` segment; ``body`` a dotted JSON path;
    ``query`` a query parameter; ``header`` says the ``X-Road-Represented-Party`` header does.
    """

    path: str | None = None
    body: str | None = None
    query: str | None = None
    header: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> PersonReference:
        given = [x for x in (self.path, self.body, self.query) if x] + ([True] if self.header else [])
        if len(given) != 1:
            raise ValueError("give exactly one of path, body, query or header")
        if self.path is not None and (not self.path.startswith("/") or "/{id}" not in self.path):
            raise ValueError("a path reference starts with '/' and has an {id} segment, e.g. /data/persons/*/{id}")
        return self


class Service(_Strict):
    """A service code of a subsystem, served by one of the member's applications."""

    code: str
    app: str = Field(description="Which application of the member serves it, e.g. 'registry' ('gateway': the gateway itself).")
    base_path: str = "/"
    openapi: str = Field("/openapi.json", description="Where the application publishes the service's OpenAPI document.")
    description: Text
    lawful_basis: Literal["public_task", "legal_obligation", "consent", "contract"] = "public_task"
    data_agreement: str | None = None
    person_refs: list[PersonReference] = Field(default_factory=list)
    rights: list[AccessRight] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        xroad.check_part(value, "service code")
        if value in METADATA_SERVICES:
            raise ValueError(f"{value!r} is a metadata service every gateway answers; choose another code")
        return value

    @field_validator("base_path", "openapi")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} must start with '/'")
        return value

    @model_validator(mode="after")
    def _consent_needs_agreement(self) -> Service:
        if self.lawful_basis == "consent" and not self.data_agreement:
            raise ValueError("a service whose lawful basis is consent must name its data_agreement")
        return self

    @model_validator(mode="after")
    def _gateway_services_are_known(self) -> Service:
        if self.app == GATEWAY_APP and self.code not in GATEWAY_SERVICES:
            known = ", ".join(GATEWAY_SERVICES)
            raise ValueError(f"the gateway itself serves only {known}, not {self.code!r}")
        return self


class Subsystem(_Strict):
    code: str
    description: Text | None = None
    services: list[Service] = Field(default_factory=list)
    inbox: str | None = Field(
        None, description="The service code of this subsystem that receives events pushed from rooms it subscribes to."
    )

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return xroad.check_part(value, "subsystem code")

    @model_validator(mode="after")
    def _inbox_is_a_service(self) -> Subsystem:
        if self.inbox is not None and self.inbox not in {s.code for s in self.services}:
            raise ValueError(f"inbox {self.inbox!r} is not a service of subsystem {self.code}")
        return self


class Subscription(_Strict):
    subscriber: str
    event_type: str
    delivery: Literal["PUSH", "PULL"] = "PUSH"

    @field_validator("subscriber")
    @classmethod
    def _subscriber(cls, value: str) -> str:
        xroad.parse_subsystem(value)
        return value


class EventType(_Strict):
    code: str
    schema_file: str = Field(description="JSON Schema of the event, relative to the topology file.")
    description: Text

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return xroad.check_part(value, "event type")


class Room(_Strict):
    """A pub/sub room owned by a member, addressed like a subsystem (``INSTANCE/CLASS/MEMBER/ROOM``)."""

    code: str
    description: Text
    event_types: list[EventType] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return xroad.check_part(value, "room code")


class Member(_Strict):
    id: str
    name: Text
    registries: list[str] = Field(default_factory=list, description="Registries this member keeps.")
    subsystems: list[Subsystem] = Field(default_factory=list)
    rooms: list[Room] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        xroad.parse_member(value)
        return value

    @property
    def xroad_id(self) -> xroad.XRoadId:
        return xroad.parse_member(self.id)

    @property
    def code(self) -> str:
        """The member code (``POP``), which also names the member's database."""
        return self.xroad_id.member_code

    @property
    def apps(self) -> list[str]:
        """The applications this member runs, in the order their services first appear."""
        seen: list[str] = []
        for subsystem in self.subsystems:
            for service in subsystem.services:
                if service.app not in seen and service.app != GATEWAY_APP:
                    seen.append(service.app)
        return seen


class Central(_Strict):
    member: str
    name: Text
    configuration_expiry_seconds: int = Field(600, ge=30, le=86400)

    @field_validator("member")
    @classmethod
    def _member(cls, value: str) -> str:
        xroad.parse_member(value)
        return value


class Topology(_Strict):
    instance: str
    central: Central
    members: list[Member]

    @field_validator("instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        return xroad.check_part(value, "instance")

    def member(self, code_or_id: str) -> Member:
        """A member by code (``POP``) or full id (``DEMO/GOV/POP``)."""
        for member in self.members:
            if code_or_id in (member.id, member.code):
                return member
        known = ", ".join(m.code for m in self.members)
        raise KeyError(f"no member {code_or_id!r} in the topology (known: {known})")

    def subsystem_ids(self) -> set[str]:
        return {f"{m.id}/{s.code}" for m in self.members for s in m.subsystems}

    def room_ids(self) -> set[str]:
        return {f"{m.id}/{r.code}" for m in self.members for r in m.rooms}
