"""registry records and the personal data usage log

Revision ID: registries_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "registries_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_records",
        sa.Column("registry", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("data", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registry", "record_id", name="pk_registry_records"),
    )
    op.create_table(
        "personal_data_usage",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("registry", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("client", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(500), nullable=True),
        sa.Column("issue", sa.String(255), nullable=True),
        sa.Column("message_id", sa.String(100), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_usage_person", "personal_data_usage", ["person_id", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_usage_person", "personal_data_usage")
    op.drop_table("personal_data_usage")
    op.drop_table("registry_records")
