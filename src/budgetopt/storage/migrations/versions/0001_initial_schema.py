"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'regions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_regions'))
    )
    op.create_table(
        'datasets',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('region_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('source_format', sa.String(length=20), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('row_counts', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_datasets_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets'))
    )
    op.create_index(op.f('ix_datasets_created_at'), 'datasets', ['created_at'])
    op.create_index(op.f('ix_datasets_region_id'), 'datasets', ['region_id'])
    op.create_table(
        'scenarios',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('region_id', sa.String(length=64), nullable=False),
        sa.Column('dataset_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('parameters', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('parent_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'],
                                name=op.f('fk_scenarios_dataset_id_datasets')),
        sa.ForeignKeyConstraint(['parent_id'], ['scenarios.id'],
                                name=op.f('fk_scenarios_parent_id_scenarios'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_scenarios_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scenarios'))
    )
    op.create_index(op.f('ix_scenarios_created_at'), 'scenarios', ['created_at'])
    op.create_index(op.f('ix_scenarios_dataset_id'), 'scenarios', ['dataset_id'])
    op.create_index(op.f('ix_scenarios_region_id'), 'scenarios', ['region_id'])
    op.create_table(
        'jobs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('region_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('scenario_id', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=255), nullable=True),
        sa.Column('request_sha256', sa.String(length=64), nullable=True),
        sa.Column('input_sha256', sa.String(length=64), nullable=False),
        sa.Column('phase', sa.String(length=50), nullable=True),
        sa.Column('progress', sa.JSON(), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('worker', sa.String(length=255), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_jobs_region_id_regions')),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_jobs_scenario_id_scenarios'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('region_id', 'idempotency_key', name=op.f('uq_jobs_region_id_idempotency_key'))
    )
    op.create_index(op.f('ix_jobs_created_at'), 'jobs', ['created_at'])
    op.create_index(op.f('ix_jobs_region_id'), 'jobs', ['region_id'])
    op.create_index(op.f('ix_jobs_scenario_id'), 'jobs', ['scenario_id'])
    op.create_index('ix_jobs_status_queued_at', 'jobs', ['status', 'queued_at'])
    op.create_table(
        'scenario_tags',
        sa.Column('scenario_id', sa.String(length=36), nullable=False),
        sa.Column('tag', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenarios.id'],
                                name=op.f('fk_scenario_tags_scenario_id_scenarios'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('scenario_id', 'tag', name=op.f('pk_scenario_tags'))
    )
    op.create_index(op.f('ix_scenario_tags_tag'), 'scenario_tags', ['tag'])
    op.create_table(
        'results',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('job_id', sa.String(length=36), nullable=False),
        sa.Column('region_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('frontier', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['jobs.id'],
                                name=op.f('fk_results_job_id_jobs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_results_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
        sa.UniqueConstraint('job_id', name=op.f('uq_results_job_id'))
    )
    op.create_index(op.f('ix_results_region_id'), 'results', ['region_id'])
    op.create_table(
        'result_files',
        sa.Column('result_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['result_id'], ['results.id'],
                                name=op.f('fk_result_files_result_id_results'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('result_id', 'name', name=op.f('pk_result_files'))
    )


def downgrade() -> None:
    op.drop_table('result_files')
    op.drop_index(op.f('ix_results_region_id'), table_name='results')
    op.drop_table('results')
    op.drop_index(op.f('ix_scenario_tags_tag'), table_name='scenario_tags')
    op.drop_table('scenario_tags')
    op.drop_index('ix_jobs_status_queued_at', table_name='jobs')
    op.drop_index(op.f('ix_jobs_scenario_id'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_region_id'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_created_at'), table_name='jobs')
    op.drop_table('jobs')
    op.drop_index(op.f('ix_scenarios_region_id'), table_name='scenarios')
    op.drop_index(op.f('ix_scenarios_dataset_id'), table_name='scenarios')
    op.drop_index(op.f('ix_scenarios_created_at'), table_name='scenarios')
    op.drop_table('scenarios')
    op.drop_index(op.f('ix_datasets_region_id'), table_name='datasets')
    op.drop_index(op.f('ix_datasets_created_at'), table_name='datasets')
    op.drop_table('datasets')
    op.drop_table('regions')
