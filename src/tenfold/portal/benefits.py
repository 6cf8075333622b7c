"""What the portal asks SIB (its benefits service) through the exchange: a person's offers,
an offer, its decision, the confirmation (idempotent), contesting a decision, payments,
messages, a death's timeline, social assistance, the exception queue and the journeys' figures.
Every method takes who is acting and why; a 404 or 403 answer means "nothing for you here"."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.portal.context import PageNotFound
from tenfold.portal.xroad import Acting, Answer, Exchange

SIB = "DEMO/GOV/SIB/benefits/benefits"


class OfferNotOpen(TenfoldError):
    """The offer was answered already (differently), or has expired."""

    def __init__(self, message: str, expired: bool = False):
        super().__init__(message)
        self.expired = expired


class ChoiceRefused(InvalidInput):
    """SIB refused the recipient or the account."""


def idempotency_key(offer_id: str, recipient: str, iban: str) -> str:
    """The same offer, recipient and account give the same key: a refresh, a second click or a
    second tab confirm once (SIB replays its first answer)."""
    return "portal-" + hashlib.sha256(f"{offer_id}\x1f{recipient}\x1f{iban}".encode()).hexdigest()[:40]


def _found(answer: Answer) -> Any:
    if answer.status in (403, 404):
        raise PageNotFound("not found at SIB")
    if not answer.ok:
        raise InvalidInput(f"SIB answered {answer.status}")
    return answer.body


@dataclass
class Benefits:
    exchange: Exchange

    async def _get(self, path: str, acting: Acting, **params: Any) -> Any:
        return _found(await self.exchange.call("GET", SIB, path, acting, params={k: v for k, v in params.items() if v is not None}))

    async def offers(self, person: str, acting: Acting) -> list[dict[str, Any]]:
        return list((await self._get("/offers", acting, personId=person))["offers"])

    async def offer(self, offer_id: str, acting: Acting) -> dict[str, Any]:
        return dict(await self._get(f"/offers/{offer_id}", acting))

    async def decision(self, decision_id: str, acting: Acting) -> dict[str, Any]:
        return dict(await self._get(f"/decisions/{decision_id}", acting))

    async def confirm(self, offer_id: str, recipient: str, iban: str, acting: Acting) -> dict[str, Any]:
        answer = await self.exchange.call("POST", SIB, f"/offers/{offer_id}/confirm", acting, body={"recipient": recipient, "iban": iban},
                                          headers={"Idempotency-Key": idempotency_key(offer_id, recipient, iban)})
        if answer.status in (409, 410):
            raise OfferNotOpen(str((answer.body or {}).get("detail", "")), expired=answer.status == 410)
        if answer.status == 400:
            raise ChoiceRefused(str((answer.body or {}).get("detail", "")))
        return dict(_found(answer))

    async def contest(self, offer_id: str, reason: str, acting: Acting) -> dict[str, Any]:
        answer = await self.exchange.call("POST", SIB, f"/offers/{offer_id}/appeal", acting, body={"reason": reason})
        return dict(_found(answer))

    async def payments(self, person: str, acting: Acting) -> list[dict[str, Any]]:
        return list((await self._get("/payments", acting, personId=person))["payments"])

    async def notifications(self, person: str, acting: Acting) -> list[dict[str, Any]]:
        return list((await self._get("/notifications", acting, personId=person))["notifications"])

    async def timeline(self, person: str, acting: Acting) -> dict[str, Any]:
        return dict(await self._get("/timeline", acting, personId=person))

    async def apply(self, person: str, acting: Acting) -> dict[str, Any]:
        answer = await self.exchange.call("POST", SIB, "/assistance/applications", acting, body={"personId": person})
        return dict(_found(answer))

    async def application(self, application_id: str, acting: Acting) -> dict[str, Any]:
        return dict(await self._get(f"/assistance/applications/{application_id}", acting))

    async def appeal(self, application_id: str, reason: str, acting: Acting) -> dict[str, Any]:
        answer = await self.exchange.call("POST", SIB, f"/assistance/applications/{application_id}/appeal", acting, body={"reason": reason})
        return dict(_found(answer))

    async def exceptions(self, acting: Acting, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return list((await self._get("/exceptions", acting, state=state, limit=limit))["exceptions"])

    async def exception(self, exception_id: int, acting: Acting) -> dict[str, Any]:
        return dict(await self._get(f"/exceptions/{exception_id}", acting))

    async def resolve(self, exception_id: int, resolution: str, acting: Acting) -> dict[str, Any]:
        answer = await self.exchange.call("POST", SIB, f"/exceptions/{exception_id}/resolve", acting, body={"resolution": resolution})
        return dict(_found(answer))

    async def figures(self, acting: Acting) -> dict[str, Any]:
        return dict(await self._get("/figures", acting))
