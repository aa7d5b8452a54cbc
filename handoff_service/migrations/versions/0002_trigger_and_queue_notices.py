"""ticket trigger, trigger words, last queue position told to the customer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("trigger", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("trigger_words", sa.Text(), nullable=True))
        batch.add_column(sa.Column("notified_position", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("notified_position")
        batch.drop_column("trigger_words")
        batch.drop_column("trigger")
