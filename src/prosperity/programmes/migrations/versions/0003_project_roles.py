"""Roles per project: a submitter may be named for single projects of a programme (``user_project``), and a return
in the service may be one project's (``service_return.project_id``; empty for a whole programme's return).

Existing accounts keep their roles: ``user_programme`` is untouched, so everyone named for a programme still works
on all of its projects, and every existing return stays a whole programme's return.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("user_project",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(80), nullable=False),
        sa.Column("programme_id", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_project_user_id_app_user")),
        sa.PrimaryKeyConstraint("user_id", "project_id", name=op.f("pk_user_project")))  # fmt: skip
    with op.batch_alter_table("service_return") as batch:
        batch.add_column(sa.Column("project_id", sa.String(80), nullable=True))
    op.create_index("ix_service_return_programme_project_round", "service_return",
                    ["programme_id", "project_id", "round_id"])  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_service_return_programme_project_round", table_name="service_return")
    with op.batch_alter_table("service_return") as batch:
        batch.drop_column("project_id")
    op.drop_table("user_project")
