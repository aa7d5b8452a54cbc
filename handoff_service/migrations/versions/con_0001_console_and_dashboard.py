"""console and dashboard: agent role, team and heartbeat; customer context and outcome on tickets; emotion on
messages; internal notes; saved replies

Revision ID: con_0001
Revises: 0003
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from handoff_service.models import UTCDateTime

revision = "con_0001"
down_revision = "0003"
branch_labels = None
depends_on = None

OUTCOMES = ("answered", "claim_opened", "claim_updated", "policy_changed", "complaint_logged", "callback_arranged",
            "referred", "no_action_needed")


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("role", sa.Enum("agent", "team_lead", name="agent_role", native_enum=False,
                                                   length=16), nullable=False, server_default="agent"))
        batch.add_column(sa.Column("team", sa.String(length=64), nullable=False, server_default="default"))
    # An agent who was online before this migration is treated as last seen when their presence last changed.
    op.execute("UPDATE agents SET last_seen_at = presence_changed_at")
    with op.batch_alter_table("agents") as batch:
        batch.alter_column("last_seen_at", existing_type=UTCDateTime(timezone=True), nullable=False)
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("customer_context", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.Enum(*OUTCOMES, name="resolve_outcome", native_enum=False,
                                                      length=32), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("intensity", sa.Double(), nullable=True))
        batch.add_column(sa.Column("emotion", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("band", sa.String(length=16), nullable=True))
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_notes_ticket_id", "ticket_notes", ["ticket_id"])
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team", "title", name="uq_saved_replies_team_title"),
    )
    op.create_index("ix_saved_replies_team", "saved_replies", ["team"])


def downgrade() -> None:
    op.drop_index("ix_saved_replies_team", table_name="saved_replies")
    op.drop_table("saved_replies")
    op.drop_index("ix_ticket_notes_ticket_id", table_name="ticket_notes")
    op.drop_table("ticket_notes")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("band")
        batch.drop_column("emotion")
        batch.drop_column("intensity")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("search_text")
        batch.drop_column("outcome")
        batch.drop_column("customer_context")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("team")
        batch.drop_column("role")
        batch.drop_column("last_seen_at")
