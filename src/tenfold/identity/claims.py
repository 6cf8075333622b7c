"""Claims the provider releases, what a relying party asked for, and the pairwise subject.

A relying party asks for claims by scope (``profile``, ``address``, ``email``, ``phone``: voluntary
claims, as OpenID Connect has it) and with the ``claims`` parameter (``{"userinfo": {...},
"id_token": {...}}``, each claim ``null`` or ``{"essential": true}``). Only the claims the client was
registered for are considered; claims nobody knows are ignored (OpenID Connect Core 5.5). The
resident sees every remaining claim on the consent screen and may refuse the voluntary ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from tenfold.errors import InvalidInput
from tenfold.i18n import N_

CLAIMS = ("name", "birthdate", "gender", "address", "individual_id", "phone_number", "email")
SCOPE_CLAIMS = {"profile": ("name", "birthdate", "gender"), "address": ("address",), "email": ("email",), "phone": ("phone_number",)}
SCOPES = ("openid", *SCOPE_CLAIMS)
LABELS = {
    "name": N_("Your name"), "birthdate": N_("Your date of birth"), "gender": N_("Your sex as registered"),
    "address": N_("Your home address"), "individual_id": N_("Your personal code"),
    "phone_number": N_("Your phone number"), "email": N_("Your e-mail address"),
}
TARGETS = ("userinfo", "id_token")
MAX_CLAIMS_PARAMETER = 4000


@dataclass(frozen=True)
class ClaimRequest:
    """One claim as the relying party asked for it."""

    name: str
    essential: bool
    targets: tuple[str, ...]  # where it goes: userinfo and/or id_token

    @property
    def label(self) -> str:
        return LABELS[self.name]


def _from_parameter(claims: str | None) -> dict[str, dict[str, bool]]:
    """``{claim: {target: essential}}`` from the ``claims`` request parameter."""
    if not claims:
        return {}
    if len(claims) > MAX_CLAIMS_PARAMETER:
        raise InvalidInput("the claims parameter is too long")
    try:
        document = json.loads(claims)
    except ValueError:
        raise InvalidInput("the claims parameter is not JSON") from None
    if not isinstance(document, dict) or set(document) - set(TARGETS):
        raise InvalidInput("the claims parameter must be an object with userinfo and/or id_token members")
    found: dict[str, dict[str, bool]] = {}
    for target, members in document.items():
        if members is None:
            continue
        if not isinstance(members, dict):
            raise InvalidInput(f"claims.{target} must be an object")
        for name, spec in members.items():
            if spec is not None and not isinstance(spec, dict):
                raise InvalidInput(f"claims.{target}.{name} must be null or an object")
            essential = bool(spec.get("essential")) if isinstance(spec, dict) else False
            found.setdefault(name, {})[target] = essential
    return found


def requested(scope: str, claims: str | None, allowed: list[str] | tuple[str, ...]) -> list[ClaimRequest]:
    """The claims a request asks for, in a stable order, limited to what the client may get."""
    wanted: dict[str, dict[str, bool]] = {}
    for item in scope.split():
        for name in SCOPE_CLAIMS.get(item, ()):
            wanted.setdefault(name, {}).setdefault("userinfo", False)
    for name, targets in _from_parameter(claims).items():
        for target, essential in targets.items():
            wanted.setdefault(name, {})[target] = wanted.get(name, {}).get(target, False) or essential
    return [ClaimRequest(name, any(wanted[name].values()), tuple(t for t in TARGETS if t in wanted[name]))
            for name in CLAIMS if name in wanted and name in allowed]


def released(requests: list[ClaimRequest], chosen: set[str]) -> list[ClaimRequest]:
    """What the resident allowed: every essential claim and the voluntary ones they kept."""
    return [r for r in requests if r.essential or r.name in chosen]


def values(person: dict[str, Any], address: dict[str, Any] | None, names: set[str]) -> dict[str, Any]:
    """The claims ``names`` from a population-register record (and its address record)."""
    every: dict[str, Any] = {
        "name": f"{person.get('firstName', '')} {person.get('lastName', '')}".strip() or None,
        "birthdate": person.get("birthDate"),
        "gender": {"F": "female", "M": "male"}.get(person.get("sex") or ""),
        "individual_id": person.get("ID"),
        "phone_number": person.get("phone"),
        "email": person.get("email"),
        "address": _address(address) if address else None,
    }
    return {name: every[name] for name in CLAIMS if name in names and every.get(name) is not None}


def _address(record: dict[str, Any]) -> dict[str, str]:
    street = f"{record.get('street', '')} {record.get('house', '')}".strip()
    if record.get("apartment"):
        street += f"-{record['apartment']}"
    parts = {"street_address": street, "locality": record.get("settlement"), "region": record.get("county"),
             "postal_code": record.get("postalCode")}
    formatted = ", ".join(p for p in (street, f"{record.get('postalCode', '')} {record.get('settlement', '')}".strip(), record.get("county")) if p)
    return {"formatted": formatted, **{k: v for k, v in parts.items() if v}}


def pairwise_subject(salt: str, sector: str, person_id: str) -> str:
    """A subject identifier for one relying party (sector): stable for it, unlinkable across them."""
    digest = hmac.new(salt.encode(), f"{sector}\x00{person_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
