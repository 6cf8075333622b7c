"""exchange: the data tracker records each request's lawful basis (and for consent, the data
agreement and the consent record)

Revision ID: exchange_0002
Revises: exchange_0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "exchange_0002"
down_revision = "exchange_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_tracker") as batch:
        batch.add_column(sa.Column("lawful_basis", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("data_agreement", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("consent_record", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_tracker") as batch:
        batch.drop_column("consent_record")
        batch.drop_column("data_agreement")
        batch.drop_column("lawful_basis")
