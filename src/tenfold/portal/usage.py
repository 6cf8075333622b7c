"""The data tracker across the country: every member that keeps a ``findUsage`` service (the
topology says which) is asked, through the exchange, who used the person's data there; the
answers are merged newest first. A member that does not answer is named, never left out silently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tenfold.portal.xroad import Acting, Exchange, ExchangeUnavailable
from tenfold.topology import Topology

PURPOSE = "Showing a resident who used their data (the data tracker)"
PER_MEMBER = 500


@dataclass(frozen=True)
class Usage:
    entries: list[dict[str, Any]]
    unavailable: list[str] = field(default_factory=list)


def tracker_services(topology: Topology) -> dict[str, str]:
    """The findUsage service of each member that has one: {member id: service id}."""
    found: dict[str, str] = {}
    for member in topology.members:
        for subsystem in member.subsystems:
            for service in subsystem.services:
                if service.code == "findUsage" and member.id not in found:
                    found[member.id] = f"{member.id}/{subsystem.code}/findUsage"
    return found


@dataclass(frozen=True)
class UsageFilter:
    member: str | None = None    # the member whose data was read (where it is recorded)
    reader: str | None = None    # the member that read it
    since: date | None = None
    until: date | None = None

    def keeps(self, entry: dict[str, Any]) -> bool:
        day = entry["logtime"][:10]
        return ((not self.member or entry["holder"] == self.member) and (not self.reader or entry["receiver"] == self.reader)
                and (not self.since or day >= self.since.isoformat()) and (not self.until or day <= self.until.isoformat()))


class DataTracker:
    def __init__(self, exchange: Exchange, topology: Topology):
        self.exchange, self.services = exchange, tracker_services(topology)

    async def _member(self, holder: str, service: str, person: str, acting: Acting) -> tuple[str, list[dict[str, Any]] | None]:
        try:
            answer = await self.exchange.call("GET", service, "", acting, params={"personId": person, "limit": PER_MEMBER})
        except ExchangeUnavailable:
            return holder, None
        if not answer.ok or not isinstance(answer.body, dict):
            return holder, None
        return holder, [{**entry, "holder": holder} for entry in answer.body.get("usage", [])]

    async def of(self, person: str, acting: Acting, wanted: UsageFilter | None = None) -> Usage:
        answers = await asyncio.gather(*(self._member(h, s, person, acting) for h, s in self.services.items()))
        entries = [e for _h, found in answers if found for e in found if wanted is None or wanted.keeps(e)]
        entries.sort(key=lambda e: (e["logtime"], e["messageId"]), reverse=True)
        return Usage(entries, sorted(h for h, found in answers if found is None))
