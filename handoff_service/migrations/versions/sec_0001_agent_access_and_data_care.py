"""agent access (token version, disabling, TOTP), sign-in throttle, erasure records, job leases

Revision ID: sec_0001
Revises: con_0001
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from handoff_service.models import UTCDateTime

revision = "sec_0001"
down_revision = "con_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("password_changed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "erasure_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("next_run_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_table("erasure_records")
    op.drop_table("login_throttle")
    with op.batch_alter_table("agents") as batch:
        for column in ("totp_last_step", "totp_secret", "disabled_at", "password_changed_at", "token_version"):
            batch.drop_column(column)
