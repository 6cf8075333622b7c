"""SQL for the Consent building block: objects and their revision chains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from tenfold.consent.chain import NewRevision, RevisionSigner, make_revision, timestamp
from tenfold.consent.tables import revisions


def last_revision(connection: Connection, schema_name: str, object_id: str) -> dict[str, Any] | None:
    row = connection.execute(select(revisions).where(revisions.c.schema_name == schema_name, revisions.c.object_id == object_id)
                             .order_by(revisions.c.seq.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def append_revision(connection: Connection, signer: RevisionSigner, schema_name: str, object_id: str, data: dict[str, Any],
                    at: datetime, *, individual: str | None = None, other: str | None = None) -> NewRevision:
    """Write the object's next revision and link its predecessor to it (in the caller's transaction)."""
    previous = last_revision(connection, schema_name, object_id)
    revision = make_revision(signer, schema_name, object_id, data, at, previous, individual=individual, other=other)
    connection.execute(revisions.insert().values(**revision.row()))
    if previous is not None:
        connection.execute(update(revisions).where(revisions.c.id == previous["id"]).values(successor_id=revision.id))
    return revision


def chain(connection: Connection, schema_name: str, object_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(select(revisions).where(revisions.c.schema_name == schema_name, revisions.c.object_id == object_id)
                              .order_by(revisions.c.seq)).mappings().all()
    return [dict(r) for r in rows]


def revision_view(row: dict[str, Any] | NewRevision) -> dict[str, Any]:
    """A revision as GovStack shows it (plus ``seq`` and the building block's ``signature``)."""
    data = row.row() if isinstance(row, NewRevision) else row
    return {
        "id": data["id"], "schemaName": data["schema_name"], "objectId": data["object_id"], "seq": data["seq"],
        "signedWithoutObjectId": False, "serializedSnapshot": data["serialized_snapshot"], "serializedHash": data["serialized_hash"],
        "timestamp": timestamp(data["timestamp"]), "authorizedByIndividual": data["authorized_by_individual"],
        "authorizedByOther": data["authorized_by_other"], "successor": data["successor_id"], "predecessorHash": data["predecessor_hash"],
        "predecessorSignature": data["predecessor_signature"], "signature": data["signature"],
    }
