"""Names of the people an offer is about (the other parent, the child), read from the population
register through the exchange so that the page can say "Mari" instead of a personal code. Each
read is in that person's data tracker; a name read once is kept for a few minutes per reader."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Iterable

from tenfold.portal.xroad import Acting, Exchange, ExchangeUnavailable

POP = "DEMO/GOV/POP/registry/registry"
KEEP_SECONDS = 600


@dataclass
class Names:
    exchange: Exchange
    _known: dict[tuple[str | None, str], tuple[float, str]] = field(default_factory=dict)

    async def of(self, people: Iterable[str], acting: Acting) -> dict[str, str]:
        wanted = [p for p in dict.fromkeys(people) if p]
        now = time.monotonic()
        found = {p: hit[1] for p in wanted if (hit := self._known.get((acting.user, p))) and hit[0] > now}
        missing = [p for p in wanted if p not in found]
        answers = await asyncio.gather(*(self._read(p, acting) for p in missing))
        for person, name in zip(missing, answers):
            if name:
                found[person] = name
                self._known[(acting.user, person)] = (now + KEEP_SECONDS, name)
        if len(self._known) > 50_000:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        return found

    async def _read(self, person: str, acting: Acting) -> str | None:
        try:
            answer = await self.exchange.call("POST", POP, "/data/persons/1.0/read", acting,
                                              body={"query": {"content": {"ID": person}}})
        except ExchangeUnavailable:
            return None
        if not answer.ok or not isinstance(answer.body, dict):
            return None
        record = answer.body.get("content") or {}
        return f"{record.get('firstName', '')} {record.get('lastName', '')}".strip() or None
