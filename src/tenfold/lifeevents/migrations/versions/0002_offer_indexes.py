"""Indexes for reading offers by recipient, by subject and by event: a person's offers (the
portal's home page) and the journeys list scanned every offer without them

Revision ID: lifeevents_0002
Revises: lifeevents_0001
Create Date: 2026-11-26
"""
from alembic import op

revision = "lifeevents_0002"
down_revision = "lifeevents_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_offers_recipient", "offers", ["recipient"], unique=False)
    op.create_index("ix_offers_subject", "offers", ["subject"], unique=False)
    op.create_index("ix_offers_event", "offers", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_offers_event", table_name="offers")
    op.drop_index("ix_offers_subject", table_name="offers")
    op.drop_index("ix_offers_recipient", table_name="offers")
