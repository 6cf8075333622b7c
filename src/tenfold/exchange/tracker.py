"""The data tracker: a provider gateway records every request that concerns a person.

A service declares where its requests carry the person's id (``person_refs``: a dotted path in
the JSON body, a query parameter, a path pattern with ``{id}``, or the X-Road-Represented-Party
header). Values that are not valid personal codes of the configured scheme are ignored, so a
birth record id in the same field is not mistaken for a person. The rows are written with the
request's log entries, so nothing is answered whose access is not on record; ``findUsage``
shows them to the person (through the portal), newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable
from urllib.parse import parse_qsl

import orjson
from sqlalchemy import Engine, func, select

from tenfold.errors import InvalidInput
from tenfold.exchange.tables import tracker
from tenfold.ids import scheme
from tenfold.topology import PersonReference

MAX_LIMIT = 1000


def _path_pattern(pattern: str) -> re.Pattern[str]:
    parts = []
    for segment in pattern.split("/")[1:]:
        if segment == "**":
            parts.append("(?:/.*)?")
            break
        parts.append("/([^/]+)" if segment == "{id}" else "/[^/]+" if segment == "*" else "/" + re.escape(segment))
    return re.compile("^" + "".join(parts) + "$")


def _dig(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


@dataclass(frozen=True)
class PersonFinder:
    """Where one service's requests name persons."""

    body_paths: tuple[tuple[str, ...], ...]
    query_names: tuple[str, ...]
    path_patterns: tuple[re.Pattern[str], ...]
    header: bool

    @classmethod
    def of(cls, refs: Iterable[PersonReference]) -> PersonFinder:
        refs = list(refs)
        return cls(
            tuple(tuple(r.body.split(".")) for r in refs if r.body),
            tuple(r.query for r in refs if r.query),
            tuple(_path_pattern(r.path) for r in refs if r.path),
            any(r.header for r in refs),
        )

    @property
    def empty(self) -> bool:
        return not (self.body_paths or self.query_names or self.path_patterns or self.header)

    def persons(self, path: str, query: str, body: bytes, represented_party: str | None) -> list[str]:
        found: list[Any] = []
        for pattern in self.path_patterns:
            match = pattern.match(path)
            if match:
                found.append(match.group(1))
        if self.query_names and query:
            wanted = set(self.query_names)
            found += [v for k, v in parse_qsl(query, keep_blank_values=False) if k in wanted]
        if self.body_paths and body[:1] in (b"{", b"["):
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                document = None
            found += [_dig(document, p) for p in self.body_paths]
        if self.header and represented_party:
            found.append(represented_party.rsplit("/", 1)[-1])
        return _valid_codes(found)


def _valid_codes(values: Iterable[Any]) -> list[str]:
    checker = scheme()
    result: list[str] = []
    for value in values:
        if not isinstance(value, str) or len(value) > 32:
            continue
        try:
            code = checker.validate(value)
        except InvalidInput:
            continue
        if code not in result:
            result.append(code)
    return result


@dataclass(frozen=True)
class LawfulBasis:
    """What a request for personal data rests on (the service's declaration), and for consent
    the data agreement and each person's consent record (in the order of the persons)."""

    basis: str
    data_agreement: str | None = None
    consent_records: tuple[str, ...] = ()


def rows_for(persons: list[str], *, at: datetime, client: str, service: str, purpose: str | None,
             user_id: str | None, issue: str | None, message_id: str, basis: LawfulBasis | None = None) -> list[dict[str, Any]]:
    records = basis.consent_records if basis else ()
    return [
        {"person_id": p, "at": at, "client": client, "service": service, "purpose": purpose,
         "user_id": user_id, "issue": issue, "message_id": message_id, "lawful_basis": basis.basis if basis else None,
         "data_agreement": basis.data_agreement if basis else None, "consent_record": records[i] if i < len(records) else None}
        for i, p in enumerate(persons)
    ]


def find_usage(engine: Engine, person_id: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Who used this person's data here, newest first."""
    person = scheme().validate(person_id)
    if not 0 <= offset <= 10**7 or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"offset must be 0 or more and limit between 1 and {MAX_LIMIT}")
    query = (select(tracker).where(tracker.c.person_id == person)
             .order_by(tracker.c.at.desc(), tracker.c.id.desc()).offset(offset).limit(limit))
    with engine.connect() as connection:
        return [
            {"logtime": r["at"].isoformat().replace("+00:00", "Z"), "receiver": "/".join(r["client"].split("/")[:3]),
             "client": r["client"], "service": r["service"], "action": r["purpose"], "purpose": r["purpose"],
             "userId": r["user_id"], "issue": r["issue"], "messageId": r["message_id"], "lawfulBasis": r["lawful_basis"],
             "dataAgreement": r["data_agreement"], "consentRecordId": r["consent_record"]}
            for r in connection.execute(query).mappings()
        ]


def volumes(engine: Engine, days: int = 30) -> list[dict[str, Any]]:
    """How many uses of persons' data were recorded here, by day, client and service (counts only,
    never a person): what the platform operator's dashboards show."""
    if not 1 <= days <= 3660:
        raise InvalidInput("days must be between 1 and 3660")
    day = func.date(tracker.c.at)
    query = (select(day.label("day"), tracker.c.client, tracker.c.service, func.count().label("count"))
             .where(tracker.c.at >= datetime.now(UTC) - timedelta(days=days))
             .group_by(day, tracker.c.client, tracker.c.service).order_by(day, tracker.c.client, tracker.c.service))
    with engine.connect() as connection:
        return [{"day": str(r.day)[:10], "client": r.client, "service": r.service, "count": int(r.count)} for r in connection.execute(query)]
