"""The exchange: an X-Road-compatible information mediator (GovStack IM).

One concern per module, as X-Road splits its components: ``pki`` (the platform CA),
``globalconf`` (the signed global configuration and its client), ``central`` (CENTRAL),
``protocol`` (X-Road's REST protocol, request hash, errors), ``signing`` (member signatures),
``rights`` (access rights), ``messagelog``/``checkpoints``/``logverify`` (the hash-chained log),
``tracker`` (the data tracker), ``monitoring`` (operational monitoring), ``directory`` (service
metadata), ``pubsub``/``delivery`` (rooms, publishing, PUSH and PULL), ``consumer``/``provider``
(the two sides of a gateway), ``gateway`` (its listeners and workers), ``runner`` (the
processes of ``tenfold serve``), ``http`` (the hot path's HTTP client).
"""

from tenfold.exchange.store import MIGRATIONS, VERSION_TABLE, migrate

__all__ = ["MIGRATIONS", "VERSION_TABLE", "migrate"]
