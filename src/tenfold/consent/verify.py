"""``tenfold consent verify``: check every revision chain of the building block.

For each policy, data agreement and consent record: the chain itself (hashes, links, sequence,
signatures; see chain.py), that the object points at its last revision and that its fields are
the ones that revision holds. Revisions whose object is gone are reported unless an erasure (the
right to be forgotten) accounts for them, and so are signatures of revisions that are gone.
"""

from __future__ import annotations

from typing import Any

from joserfc.jwk import ECKey
from sqlalchemy import Engine, select

from tenfold.consent.chain import Problem, check_chain, check_tail
from tenfold.consent.records import record_view
from tenfold.consent.tables import consent_records, data_agreements, erasures, policies, revisions, signatures


def _objects(connection: Any) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(schema, id) -> (head revision id, the fields the last revision must hold)."""
    found: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for row in connection.execute(select(policies)).mappings():
        fields = {"id": row["id"], **row["data"], **({"deleted": True} if row["deleted"] else {})}
        found[("policy", row["id"])] = (row["revision_id"], fields)
    for row in connection.execute(select(data_agreements)).mappings():
        fields = {"id": row["id"], **row["data"], "active": row["active"], "forgettable": row["forgettable"],
                  **({"deleted": True} if row["deleted"] else {})}
        found[("dataAgreement", row["id"])] = (row["revision_id"], fields)
    for row in connection.execute(select(consent_records)).mappings():
        found[("consentRecord", row["id"])] = (row["revision_id"], record_view(row))
    return found


def verify(engine: Engine, public: ECKey) -> tuple[int, list[Problem]]:
    """How many chains were checked, and every problem found."""
    with engine.connect() as connection:
        objects = _objects(connection)
        rows = [dict(r) for r in connection.execute(select(revisions).order_by(revisions.c.schema_name, revisions.c.object_id,
                                                                              revisions.c.seq)).mappings()]
        erased = {(r.schema_name, r.object_id) for r in connection.execute(select(erasures.c.schema_name, erasures.c.object_id))}
        revision_ids = {r["id"] for r in rows}
        orphan_signatures = [r.id for r in connection.execute(select(signatures.c.id, signatures.c.object_reference))
                             if r.object_reference not in revision_ids]
    chains: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        chains.setdefault((row["schema_name"], row["object_id"]), []).append(row)
    problems: list[Problem] = []
    for key in sorted(set(objects) | set(chains)):
        chain = chains.get(key, [])
        if key not in objects:
            why = "revisions of an erased object are still here" if key in erased else "revisions of an object that is not here (deleted?)"
            problems.append(Problem(key[0], key[1], None, why))
            continue
        head, fields = objects[key]
        problems += check_chain(key[0], key[1], chain, public, head, fields) + check_tail(key[0], key[1], chain)
    problems += [Problem("signature", s, None, "signs a revision that is not here") for s in orphan_signatures]
    return len(set(objects) | set(chains)), problems
