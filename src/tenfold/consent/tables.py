"""Tables of the GovStack Consent building block, in the CONSENT member's own database.

Every change to a policy, a data agreement or a consent record writes an immutable *revision*:
the object's serialized snapshot, its SHA-256 hash, the hash of the object's previous revision
(also inside the snapshot, so the hash covers the link) and the building block's signature over
the hash. An object row points at its newest revision, so a removed tail is seen too.
"""

from sqlalchemy import JSON, Boolean, Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from tenfold.storage.types import UTCDateTime

metadata = MetaData()

policies = Table(
    "consent_policies", metadata,
    Column("id", String(64), primary_key=True),
    Column("data", JSON, nullable=False),  # name, version, url, jurisdiction... as the API shows them
    Column("revision_id", String(36), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

data_agreements = Table(
    "consent_data_agreements", metadata,
    Column("id", String(64), primary_key=True),
    Column("data", JSON, nullable=False),  # version, purpose, lawfulBasis, controller, policy, attributes...
    Column("active", Boolean, nullable=False),
    Column("forgettable", Boolean, nullable=False),
    Column("revision_id", String(36), nullable=False),
    Column("revision_hash", String(64), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

individuals = Table(
    "consent_individuals", metadata,
    Column("id", String(36), primary_key=True),
    Column("external_id", String(64), nullable=True),
    Column("external_id_type", String(50), nullable=True),
    Column("identity_provider_id", String(255), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("external_id", "external_id_type", name="uq_consent_individual_external"),
)

# data_consumer: the member the consent is given to ("" when the agreement's controller is meant).
consent_records = Table(
    "consent_records", metadata,
    Column("id", String(36), primary_key=True),
    Column("data_agreement_id", String(64), nullable=False),
    Column("data_agreement_revision_id", String(36), nullable=False),
    Column("data_agreement_revision_hash", String(64), nullable=False),
    Column("individual_id", String(36), nullable=False),
    Column("data_consumer", String(255), nullable=False),
    Column("opt_in", Boolean, nullable=False),
    Column("state", String(20), nullable=False),
    Column("signature_id", String(36), nullable=True),
    Column("revision_id", String(36), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("data_agreement_id", "individual_id", "data_consumer", name="uq_consent_record"),
    Index("ix_consent_records_individual", "individual_id"),
)

revisions = Table(
    "consent_revisions", metadata,
    Column("id", String(36), primary_key=True),
    Column("schema_name", String(30), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("serialized_snapshot", Text, nullable=False),
    Column("serialized_hash", String(64), nullable=False),
    Column("timestamp", UTCDateTime(), nullable=False),
    Column("authorized_by_individual", String(36), nullable=True),
    Column("authorized_by_other", String(255), nullable=True),
    Column("predecessor_hash", String(64), nullable=True),
    Column("predecessor_signature", Text, nullable=True),
    Column("successor_id", String(36), nullable=True),
    Column("signature", Text, nullable=False),  # the building block's JWS over serialized_hash
    UniqueConstraint("schema_name", "object_id", "seq", name="uq_consent_revision_seq"),
)

signatures = Table(
    "consent_signatures", metadata,
    Column("id", String(36), primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("object_reference", String(36), nullable=False),
    Column("payload", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("verification_method", String(50), nullable=False),
    Column("verification_payload", Text, nullable=False),
    Column("verification_payload_hash", String(64), nullable=False),
    Column("verification_signed_by", String(500), nullable=False),
    Column("verification_signed_as", String(20), nullable=True),
    Column("verification_jws_header", Text, nullable=True),
    Column("timestamp", UTCDateTime(), nullable=False),
)

# What the right to be forgotten removed: which chain, when, under which agreement (no person).
erasures = Table(
    "consent_erasures", metadata,
    Column("id", String(36), primary_key=True),
    Column("schema_name", String(30), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("data_agreement_id", String(64), nullable=False),
    Column("revisions", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)
