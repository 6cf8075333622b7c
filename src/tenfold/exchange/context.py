"""What a gateway process holds while it runs, shared by its listeners and workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL
from sqlalchemy import Engine

from tenfold.exchange.config import ExchangeSettings
from tenfold.exchange.globalconf import ConfClient, GlobalConf
from tenfold.exchange.http import HttpClient
from tenfold.exchange.messagelog import MessageLog
from tenfold.exchange.monitoring import Metrics
from tenfold.exchange.pki import Anchor, MemberKeys
from tenfold.exchange.pubsub import Room
from tenfold.exchange.rights import RightsTable
from tenfold.exchange.signing import BatchSigner, Signer, Verifier


@dataclass
class GatewayContext:
    member_id: str
    instance: str
    engine: Engine
    anchor: Anchor
    keys: MemberKeys
    signer: Signer
    settings: ExchangeSettings
    confs: ConfClient
    app_urls: dict[str, str]
    metrics: Metrics = field(default_factory=Metrics.create)
    rights: RightsTable = field(default_factory=RightsTable)
    rooms: dict[str, Room] = field(default_factory=dict)
    messagelog: MessageLog | None = None
    app_session: aiohttp.ClientSession | None = None
    peer_client: HttpClient | None = None
    app_client: HttpClient | None = None
    openapi_cache: dict[str, tuple[float, Any]] = field(default_factory=dict)
    im: Any = None  # the FastAPI app of the IM services this gateway answers (pub/sub, directory)
    person_finders: dict[str, Any] = field(default_factory=dict)  # per service id, rebuilt with the configuration
    verifier: Verifier = field(default_factory=Verifier)  # other members' message signatures
    sealer: BatchSigner = field(init=False)  # this member's message signatures, in batches
    in_flight: int = 0  # exchanges being handled: with one, signing and logging need not wait to batch
    _origins: dict[str, tuple[str, int, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.sealer = BatchSigner(self.signer)

    @property
    def alone(self) -> bool:
        """Whether one exchange is in flight (then nothing would join its batches)."""
        return self.in_flight <= 1

    @property
    def conf(self) -> GlobalConf | None:
        return self.confs.current

    async def log_settled(self) -> None:
        """Before reading the log's tables (tracker, monitoring): everything answered is in them."""
        if self.messagelog is not None:
            await self.messagelog.flush()

    @property
    def member_code(self) -> str:
        return self.member_id.split("/")[2]

    def app_origin(self, app: str) -> tuple[str, int, str] | None:
        """Host, port and path prefix of one of the member's applications (plain HTTP)."""
        url = self.app_urls.get(app)
        if url is None:
            return None
        found = self._origins.get(url)
        if found is None:
            parsed = URL(url)
            found = self._origins[url] = (parsed.host or "127.0.0.1", parsed.port or 80, parsed.path.rstrip("/"))
        return found

    def owns(self, identifier: str) -> bool:
        """Whether a member, subsystem, service or room id belongs to this gateway's member."""
        return identifier == self.member_id or identifier.startswith(self.member_id + "/")
