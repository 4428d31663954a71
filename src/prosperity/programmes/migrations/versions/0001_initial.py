"""The programme store: funds, programmes, projects, allocations, rounds, submissions and what they report.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fund',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund'))
    )
    op.create_table('reporting_round',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_round'))
    )
    op.create_table('programme',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('fund_id', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lead_organisation', sa.String(length=300), nullable=True),
    sa.Column('lead_org_id', sa.String(length=120), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('described_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_programme_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    op.create_table('submission',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.String(length=12), nullable=False),
    sa.Column('fund_id', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('template_version', sa.String(length=20), nullable=True),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('sign_off_name', sa.String(length=200), nullable=False),
    sa.Column('sign_off_role', sa.String(length=200), nullable=False),
    sa.Column('sign_off_date', sa.Date(), nullable=False),
    sa.Column('overall_rag', sa.String(length=12), nullable=True),
    sa.Column('commentary', sa.Text(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_submission_fund_id_fund')),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_submission_round_id_reporting_round')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['submission.id'], name=op.f('fk_submission_supersedes_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_file_sha256'), ['file_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_submission_round_received', ['round_id', 'received_at'], unique=False)

    op.create_table('programme_outcome',
    sa.Column('programme_id', sa.String(length=80), nullable=False),
    sa.Column('outcome_id', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_outcome_programme_id_programme')),
    sa.PrimaryKeyConstraint('programme_id', 'outcome_id', name=op.f('pk_programme_outcome'))
    )
    op.create_table('project',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('programme_id', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('delivery_organisation', sa.String(length=300), nullable=True),
    sa.Column('delivery_org_id', sa.String(length=120), nullable=True),
    sa.Column('intervention_theme', sa.String(length=200), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('postcode', sa.String(length=12), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivery_stage', sa.String(length=40), nullable=True),
    sa.Column('planned_start', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('described_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_project_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_programme_id'), ['programme_id'], unique=False)

    op.create_table('submission_issue',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('file', sa.String(length=300), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('column_name', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_issue_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_issue'))
    )
    with op.batch_alter_table('submission_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_issue_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_programme',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_submission_programme_programme_id_programme')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_programme_submission_id_submission')),  # noqa: E501
    sa.PrimaryKeyConstraint('submission_id', 'programme_id', name=op.f('pk_submission_programme'))
    )
    with op.batch_alter_table('submission_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_programme_programme_id'), ['programme_id'], unique=False)

    op.create_table('allocation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('programme_id', sa.String(length=80), nullable=False),
    sa.Column('project_id', sa.String(length=80), nullable=True),
    sa.Column('expense_type', sa.String(length=10), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=True),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_allocation_programme_id_programme')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_allocation_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation')),
    sa.UniqueConstraint('programme_id', 'project_id', 'expense_type', 'financial_year', 'source', name='uq_allocation_key')
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_project_id'), ['project_id'], unique=False)

    op.create_table('budget_line',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('budget_type', sa.String(length=10), nullable=False),
    sa.Column('budget_status', sa.String(length=12), nullable=False),
    sa.Column('capital_pence', sa.BigInteger(), nullable=False),
    sa.Column('revenue_pence', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_budget_line_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_budget_line_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line'))
    )
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_line_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_line_submission_id'), ['submission_id'], unique=False)

    op.create_table('change_request',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('baseline_value', sa.Float(), nullable=False),
    sa.Column('proposed_value', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_change_request_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_change_request_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_request'))
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_submission_id'), ['submission_id'], unique=False)

    op.create_table('forecast',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('expense_type', sa.String(length=10), nullable=False),
    sa.Column('value_pence', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_forecast_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_forecast_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecast'))
    )
    with op.batch_alter_table('forecast', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forecast_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forecast_submission_id'), ['submission_id'], unique=False)

    op.create_table('milestone',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('baseline_date', sa.Date(), nullable=False),
    sa.Column('forecast_date', sa.Date(), nullable=True),
    sa.Column('actual_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_milestone_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_milestone_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_submission_id'), ['submission_id'], unique=False)

    op.create_table('progress',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('delivery_status', sa.String(length=20), nullable=False),
    sa.Column('delivery_rag', sa.String(length=12), nullable=False),
    sa.Column('spend_rag', sa.String(length=12), nullable=False),
    sa.Column('risk_rag', sa.String(length=12), nullable=False),
    sa.Column('delay_factor', sa.Text(), nullable=True),
    sa.Column('commentary', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_progress_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_progress_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress'))
    )
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_submission_id'), ['submission_id'], unique=False)

    op.create_table('result_indicator',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('unit', sa.String(length=120), nullable=False),
    sa.Column('measure', sa.String(length=12), nullable=False),
    sa.Column('ascending', sa.Boolean(), nullable=False),
    sa.Column('baseline_date', sa.Date(), nullable=True),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('framework_indicator', sa.String(length=120), nullable=True),
    sa.Column('framework_outcome', sa.String(length=120), nullable=True),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_result_indicator_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_result_indicator_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_indicator'))
    )
    with op.batch_alter_table('result_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_indicator_framework_indicator'), ['framework_indicator'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_indicator_framework_outcome'), ['framework_outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_indicator_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_indicator_submission_id'), ['submission_id'], unique=False)

    op.create_table('risk',
    sa.Column('programme_id', sa.String(length=80), nullable=False),
    sa.Column('project_id', sa.String(length=80), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('mitigation', sa.Text(), nullable=True),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('likelihood', sa.Integer(), nullable=False),
    sa.Column('proximity', sa.Integer(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_risk_programme_id_programme')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_risk_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_risk_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk'))
    )
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_submission_id'), ['submission_id'], unique=False)

    op.create_table('spend',
    sa.Column('project_id', sa.String(length=80), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('transaction_date', sa.Date(), nullable=False),
    sa.Column('financial_year', sa.String(length=7), nullable=False),
    sa.Column('expense_type', sa.String(length=10), nullable=False),
    sa.Column('transaction_type', sa.String(length=20), nullable=False),
    sa.Column('value_pence', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_spend_project_id_project')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_spend_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spend'))
    )
    with op.batch_alter_table('spend', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spend_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spend_submission_id'), ['submission_id'], unique=False)

    op.create_table('indicator_period',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('actual', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('source_row', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['result_indicator.id'], name=op.f('fk_indicator_period_indicator_id_result_indicator')),  # noqa: E501
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_period'))
    )
    with op.batch_alter_table('indicator_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_period_indicator_id'), ['indicator_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_period_indicator_id'))

    op.drop_table('indicator_period')
    with op.batch_alter_table('spend', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spend_submission_id'))
        batch_op.drop_index(batch_op.f('ix_spend_project_id'))

    op.drop_table('spend')
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_submission_id'))
        batch_op.drop_index(batch_op.f('ix_risk_programme_id'))

    op.drop_table('risk')
    with op.batch_alter_table('result_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_indicator_submission_id'))
        batch_op.drop_index(batch_op.f('ix_result_indicator_project_id'))
        batch_op.drop_index(batch_op.f('ix_result_indicator_framework_outcome'))
        batch_op.drop_index(batch_op.f('ix_result_indicator_framework_indicator'))

    op.drop_table('result_indicator')
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_submission_id'))
        batch_op.drop_index(batch_op.f('ix_progress_project_id'))

    op.drop_table('progress')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_submission_id'))
        batch_op.drop_index(batch_op.f('ix_milestone_project_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('forecast', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forecast_submission_id'))
        batch_op.drop_index(batch_op.f('ix_forecast_project_id'))

    op.drop_table('forecast')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_submission_id'))
        batch_op.drop_index(batch_op.f('ix_change_request_project_id'))

    op.drop_table('change_request')
    with op.batch_alter_table('budget_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_line_submission_id'))
        batch_op.drop_index(batch_op.f('ix_budget_line_project_id'))

    op.drop_table('budget_line')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_project_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_programme_id'))

    op.drop_table('allocation')
    with op.batch_alter_table('submission_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_programme_programme_id'))

    op.drop_table('submission_programme')
    with op.batch_alter_table('submission_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_issue_submission_id'))

    op.drop_table('submission_issue')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_programme_id'))

    op.drop_table('project')
    op.drop_table('programme_outcome')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_round_received')
        batch_op.drop_index(batch_op.f('ix_submission_round_id'))
        batch_op.drop_index(batch_op.f('ix_submission_file_sha256'))

    op.drop_table('submission')
    op.drop_table('programme')
    op.drop_table('reporting_round')
    op.drop_table('fund')
