"""Consent enforcement at the provider gateway.

A service whose lawful basis is ``consent`` names a data agreement. Before such a request is
forwarded, the provider's gateway asks the CONSENT member, through the exchange and as the
service's own subsystem, whether each person the request concerns (found with the service's
``person_refs``, as the data tracker finds them) has an opt-in consent record under that
agreement for the calling member (GovStack Consent's verification API). When one has none, or
withdrew it, the request is refused (``Server.ServerProxy.ConsentRequired`` or
``...ConsentWithdrawn``, 403); when CONSENT cannot be asked, it is refused too
(``...ConsentUnavailable``, 503). Other lawful bases pass unchecked; every request's basis goes
into its data-tracker entries.

Positive answers are kept ``cache_seconds`` (5 s by default, 0 turns the cache off), so a
withdrawal takes effect within that bound; negative answers are never kept, so a new consent
takes effect at once.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.exchange.context import GatewayContext
from tenfold.exchange.globalconf import ServiceEntry
from tenfold.exchange.pipeline import Exchange, x_road_headers
from tenfold.exchange.protocol import ExchangeError, ServiceAddress, provider_error
from tenfold.exchange.tracker import LawfulBasis
from tenfold.ids.xroad import XRoadId

VERIFICATION_PATH = "/service/verification/consent-records/"


class ConsentCheckSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_EXCHANGE_CONSENT_", extra="ignore")

    service: str | None = Field(None, description="The Consent service to ask (default INSTANCE/GOV/CONSENT/consent/consent).")
    cache_seconds: float = Field(5.0, ge=0, le=300, description="How long a positive answer is kept.")


@lru_cache(maxsize=1)
def check_settings() -> ConsentCheckSettings:
    return ConsentCheckSettings()


_positive: dict[tuple[str, str, str, str], tuple[float, str]] = {}  # (gateway member, agreement, person, consumer) -> (until, record)
_now = time.monotonic  # the cache's clock (a test moves it instead of waiting)


async def lawful_basis(context: GatewayContext, entry: ServiceEntry, client: str, persons: list[str]) -> LawfulBasis:
    """The basis the request rests on; raises when it needs consent that is not there."""
    service = entry.service
    if service.lawful_basis != "consent":
        return LawfulBasis(service.lawful_basis)
    agreement = str(service.data_agreement)
    consumer = "/".join(client.split("/")[:3])
    if not persons:
        raise provider_error("ConsentRequired", f"{entry.id} releases a person's data only with their consent under data agreement "
                             f"'{agreement}', and this request names no person", 403)
    records = [await _consent_record(context, entry, agreement, person, consumer) for person in persons]
    return LawfulBasis("consent", agreement, tuple(records))


async def _consent_record(context: GatewayContext, entry: ServiceEntry, agreement: str, person: str, consumer: str) -> str:
    key = (context.member_id, agreement, person, consumer)
    kept = _positive.get(key)
    if kept is not None and kept[0] > _now():
        return kept[1]
    records = await _ask(context, entry, agreement, person, consumer)
    given = [r for r in records if isinstance(r, dict) and r.get("optIn") is True and isinstance(r.get("id"), str)]
    if given:
        settings = check_settings()
        if settings.cache_seconds > 0:
            if len(_positive) > 100_000:
                _positive.clear()
            _positive[key] = (_now() + settings.cache_seconds, given[0]["id"])
        return str(given[0]["id"])
    _positive.pop(key, None)
    if records:
        raise provider_error("ConsentWithdrawn", f"the person withdrew their consent under data agreement '{agreement}' "
                             f"for {consumer}; {entry.id} does not release their data", 403)
    raise provider_error("ConsentRequired", f"the person has not consented under data agreement '{agreement}' for {consumer}; "
                         f"{entry.id} does not release their data without it", 403)


async def _ask(context: GatewayContext, entry: ServiceEntry, agreement: str, person: str, consumer: str) -> list[Any]:
    """The consent records CONSENT holds for (agreement, person, consumer), asked through the exchange."""
    from tenfold.exchange import consumer as consumer_side

    target = check_settings().service or f"{context.instance}/GOV/CONSENT/consent/consent"
    query = urlencode({"dataAgreementId": agreement, "individualExternalId": person, "dataConsumer": consumer}, quote_via=quote)
    address = ServiceAddress(XRoadId(*target.split("/")), VERIFICATION_PATH, query)
    asker = XRoadId(*entry.id.split("/")[:4])
    headers = [("X-Road-Purpose", f"Consent check for {entry.id}")]
    exchange = Exchange("consumer", "GET")
    try:
        answer = await consumer_side.send(context, exchange, "GET", address, asker, headers, b"")
        await exchange.finish(context, answer.status, {"status": answer.status, "headers": x_road_headers(answer.headers)}, answer.body,
                              error_type=answer.index.get("x-road-error"))
    except ExchangeError as error:
        await consumer_side.refuse(context, exchange, error, "GET", address.path_and_query)
        raise provider_error("ConsentUnavailable", f"the consent service could not be asked ({error.type}); refusing to release "
                             "data that needs consent", 503) from None
    if answer.status != 200:
        raise provider_error("ConsentUnavailable", f"the consent service answered {answer.status}; refusing to release data that needs consent", 503)
    try:
        found = orjson.loads(answer.body).get("consentRecords")
    except (orjson.JSONDecodeError, AttributeError):
        found = None
    if not isinstance(found, list):
        raise provider_error("ConsentUnavailable", "the consent service's answer is not a list of consent records", 503)
    return found
