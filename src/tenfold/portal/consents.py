"""A resident's consents at the CONSENT member (GovStack Consent API), through the exchange:
the records with their data agreements, giving consent to an agreement, and withdrawing it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from tenfold.portal.context import PageNotFound
from tenfold.portal.xroad import Acting, Exchange

CONSENT = "DEMO/GOV/CONSENT/consent/consent"
RECORDS = "/service/individual/record/consent-record/"
PURPOSE = "Showing a resident their consents (self-service portal)"
CHANGE = "A resident gives or withdraws consent (self-service portal)"


@dataclass
class Consents:
    exchange: Exchange

    def _individual(self, person: str) -> dict[str, str]:
        return {"X-ConsentBB-IndividualId": person}

    async def _call(self, method: str, path: str, person: str, acting: Acting, body: Any = None) -> Any:
        answer = await self.exchange.call(method, CONSENT, path, replace(acting, person=person), body=body, headers=self._individual(person))
        if answer.status in (403, 404):
            raise PageNotFound("no such consent record")
        if not answer.ok:
            raise PageNotFound(f"the consent service answered {answer.status}")
        return answer.body

    async def agreement(self, agreement_id: str, acting: Acting) -> dict[str, Any] | None:
        answer = await self.exchange.call("GET", CONSENT, f"/service/data-agreement/{agreement_id}/", acting)
        return answer.body.get("dataAgreement") if answer.ok and isinstance(answer.body, dict) else None

    async def agreements(self, acting: Acting) -> list[dict[str, Any]]:
        answer = await self.exchange.call("GET", CONSENT, "/service/verification/data-agreements/", acting)
        return list(answer.body.get("dataAgreements", [])) if answer.ok and isinstance(answer.body, dict) else []

    async def records(self, person: str, acting: Acting) -> list[dict[str, Any]]:
        """The person's consent records, each with its data agreement (as the person sees it)."""
        answer = await self.exchange.call("GET", CONSENT, RECORDS, replace(acting, person=person), headers=self._individual(person))
        if answer.status == 404:  # nobody has recorded a consent of this person yet
            return []
        if not answer.ok or not isinstance(answer.body, dict):
            raise PageNotFound(f"the consent service answered {answer.status}")
        found = answer.body.get("consentRecords", [])
        ids = sorted({r["dataAgreement"] for r in found})
        agreements = dict(zip(ids, await asyncio.gather(*(self.agreement(i, acting) for i in ids))))
        return [{**record, "agreement": agreements.get(record["dataAgreement"]) or {}} for record in found]

    async def give(self, person: str, agreement_id: str, consumer: str | None, acting: Acting) -> dict[str, Any]:
        body = {"consentRecord": {"dataAgreement": agreement_id, "dataConsumer": consumer, "optIn": True}}
        return dict(await self._call("POST", RECORDS, person, acting, body))

    async def withdraw(self, person: str, record_id: str, acting: Acting) -> dict[str, Any]:
        return dict(await self._call("PUT", f"{RECORDS}{record_id}/", person, acting, {"optIn": False}))
