"""the simulator's metadata and scheduled events

Revision ID: country_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "country_0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "country_metadata",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("id_scheme", sa.String(20), nullable=False),
        sa.Column("generator_version", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", _json(), nullable=False),
        sa.Column("figures", _json(), nullable=False),
    )
    op.create_table(
        "scheduled_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_scheduled_events_due", "scheduled_events", ["released_at", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_events_due", "scheduled_events")
    op.drop_table("scheduled_events")
    op.drop_table("country_metadata")
