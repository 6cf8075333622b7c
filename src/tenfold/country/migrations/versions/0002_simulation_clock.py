"""the simulator's clock: the last day released

Revision ID: country_0002
Revises: country_0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "country_0002"
down_revision = "country_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simulation_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
