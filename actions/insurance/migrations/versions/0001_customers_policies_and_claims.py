"""customers, policies and claims

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=50), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_number', sa.String(length=10), nullable=False),
    sa.Column('product', sa.Enum('home', 'motor', 'travel', 'life', name='product', native_enum=False, length=24), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('cover_level', sa.String(length=60), nullable=False),
    sa.Column('excess_gbp', sa.Integer(), nullable=False),
    sa.Column('monthly_premium_pence', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'cancelled', 'lapsed', name='policystatus', native_enum=False, length=24), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('renews_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_policy_number'), ['policy_number'], unique=True)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=9), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('incident_type', sa.String(length=40), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('received', 'with_assessor', 'awaiting_documents', 'approved', 'settled', 'declined', name='claimstatus', native_enum=False, length=24), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('next_step_due_on', sa.Date(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_reference'), ['reference'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_reference'))
        batch_op.drop_index(batch_op.f('ix_claims_policy_id'))

    op.drop_table('claims')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_policy_number'))
        batch_op.drop_index(batch_op.f('ix_policies_customer_id'))

    op.drop_table('policies')
    op.drop_table('customers')
