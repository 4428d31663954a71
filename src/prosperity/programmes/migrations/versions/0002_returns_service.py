"""The returns service: accounts, programmes per account, sessions, returns in their workflow, comments, the
append-only audit log (triggers refuse UPDATE and DELETE) and the programmes marked public.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("app_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")))  # fmt: skip
    op.create_table("user_programme",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_programme_user_id_app_user")),
        sa.PrimaryKeyConstraint("user_id", "programme_id", name=op.f("pk_user_programme")))  # fmt: skip
    op.create_table("user_session",
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user")),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_user_session")))  # fmt: skip
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table("service_return",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme_id", sa.String(80), nullable=False),
        sa.Column("round_id", sa.String(12), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_service_return_created_by_app_user")),
        sa.ForeignKeyConstraint(["updated_by"], ["app_user.id"], name=op.f("fk_service_return_updated_by_app_user")),
        sa.ForeignKeyConstraint(["submitted_by"], ["app_user.id"], name=op.f("fk_service_return_submitted_by_app_user")),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], name=op.f("fk_service_return_decided_by_app_user")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"],
                                name=op.f("fk_service_return_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_return")))  # fmt: skip
    op.create_index(op.f("ix_service_return_programme_id"), "service_return", ["programme_id"])
    op.create_index("ix_service_return_programme_round", "service_return", ["programme_id", "round_id"])
    op.create_table("return_comment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["return_id"], ["service_return.id"],
                                name=op.f("fk_return_comment_return_id_service_return")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_return_comment_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_comment")))  # fmt: skip
    op.create_index(op.f("ix_return_comment_return_id"), "return_comment", ["return_id"])
    op.create_table("audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_kind", sa.String(20), nullable=False),
        sa.Column("object_id", sa.String(80), nullable=False),
        sa.Column("programme_id", sa.String(80), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")))  # fmt: skip
    op.create_index("ix_audit_entry_object", "audit_entry", ["object_kind", "object_id"])
    op.create_table("public_programme",
        sa.Column("programme_id", sa.String(80), nullable=False),
        sa.Column("marked_by", sa.String(80), nullable=False),
        sa.Column("marked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_public_programme")),
        sa.UniqueConstraint("programme_id", name="uq_public_programme_programme_id"))  # fmt: skip
    message = "the audit log is append-only: entries cannot be changed or deleted"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN RAISE EXCEPTION '{message}'; END $$""")
        op.execute("""CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entry
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""")
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_entry_no_{what.lower()} BEFORE {what} ON audit_entry
                           BEGIN SELECT RAISE(ABORT, '{message}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    for t in ("public_programme", "audit_entry", "return_comment", "service_return", "user_session", "user_programme",
              "app_user"):
        op.drop_table(t)
