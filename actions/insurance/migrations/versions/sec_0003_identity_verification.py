"""identity verification: customers' number, date of birth and postcode; unverified claims; limit counters

Revision ID: sec_0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = "sec_0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("customer_number", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch.add_column(sa.Column("postcode", sa.String(length=8), nullable=True))
        batch.create_index("ix_customers_customer_number", ["customer_number"], unique=True)
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("reported_verified", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "identity_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identity_events_conversation", "identity_events", ["conversation"])
    op.create_index("ix_identity_events_subject", "identity_events", ["subject"])
    op.create_index("ix_identity_events_created_at", "identity_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_identity_events_created_at", table_name="identity_events")
    op.drop_index("ix_identity_events_subject", table_name="identity_events")
    op.drop_index("ix_identity_events_conversation", table_name="identity_events")
    op.drop_table("identity_events")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("reported_verified")
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_customer_number")
        batch.drop_column("postcode")
        batch.drop_column("date_of_birth")
        batch.drop_column("customer_number")
