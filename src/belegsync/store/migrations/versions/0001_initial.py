"""Initial schema: tenants, connections, vouchers (versions, payments, files), sync runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 06:14:42.909050
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bookkeeping_service", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("name", name=op.f("uq_tenants_name")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_tenant_id_created_at", ["tenant_id", "created_at"], unique=False
        )

    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "none",
                "pending",
                "active",
                "failed",
                name="connection_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "failure_reason",
            sa.Enum(
                "invalid_key",
                "expired",
                "contract",
                "missing_permission",
                name="failure_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("failure_detail", sa.Text(), nullable=True),
        sa.Column("encrypted_api_key", sa.LargeBinary(), nullable=True),
        sa.Column("key_last4", sa.String(length=4), nullable=True),
        sa.Column("key_expires_on", sa.Date(), nullable=True),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=True),
        sa.Column("company_name", sa.String(length=255), nullable=True),
        sa.Column("lexware_connection_id", sa.String(length=64), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("success_banner_pending", sa.Boolean(), nullable=False),
        sa.Column(
            "tax_advisor_access",
            sa.Enum(
                "not_set_up",
                "invitation_sent",
                "confirmed",
                name="tax_advisor_access",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("expiry_warned_30", sa.Boolean(), nullable=False),
        sa.Column("expiry_warned_7", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "failure_reason IS NULL OR state = 'failed'",
            name=op.f("ck_connections_failure_reason_only_when_failed"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_connections_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_connections_tenant_id")),
    )
    op.create_table(
        "tax_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tax_years_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_years")),
        sa.UniqueConstraint("tenant_id", "year", name=op.f("uq_tax_years_tenant_id_year")),
    )
    op.create_table(
        "vat_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_vat_returns_period_order")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_vat_returns_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_returns")),
        sa.UniqueConstraint("tenant_id", "period", name=op.f("uq_vat_returns_tenant_id_period")),
    )
    op.create_table(
        "vouchers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("lexware_id", sa.String(length=64), nullable=False),
        sa.Column("voucher_type", sa.String(length=32), nullable=False),
        sa.Column("voucher_status", sa.String(length=32), nullable=False),
        sa.Column("voucher_number", sa.String(length=255), nullable=True),
        sa.Column("voucher_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=255), nullable=True),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.Column("total_gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_tax_cents", sa.BigInteger(), nullable=True),
        sa.Column("open_amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("lexware_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lexware_version", sa.Integer(), nullable=True),
        sa.Column("raw_json", sa.JSON(), nullable=False),
        sa.Column("raw_list_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("raw_payments_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column(
            "review_reason",
            sa.Enum(
                "no_longer_paid",
                "deleted",
                "changed_after_close",
                name="review_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("review_detail", sa.Text(), nullable=True),
        sa.Column("review_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_vouchers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint(
            "tenant_id", "lexware_id", name=op.f("uq_vouchers_tenant_id_lexware_id")
        ),
    )
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vouchers_tenant_id_review_reason", ["tenant_id", "review_reason"], unique=False
        )
        batch_op.create_index(
            "ix_vouchers_tenant_id_voucher_date", ["tenant_id", "voucher_date"], unique=False
        )

    op.create_table(
        "payment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payment_item_type", sa.String(length=64), nullable=False),
        sa.Column("posting_date", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_payment_items_voucher_id_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_items")),
        sa.UniqueConstraint(
            "voucher_id", "position", name=op.f("uq_payment_items_voucher_id_position")
        ),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum(
                "schedule",
                "manual",
                "webhook",
                "connect",
                "cli",
                name="sync_trigger",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "failed_transient",
                name="sync_run_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("checkpoint", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("report", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_sync_runs_connection_id_connections"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sync_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_runs_status_updated_at", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_sync_runs_tenant_id_queued_at", ["tenant_id", "queued_at"], unique=False
        )
        batch_op.create_index(
            "uq_sync_runs_one_active_per_connection",
            ["connection_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )

    op.create_table(
        "voucher_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("voucher_id", sa.String(length=36), nullable=False),
        sa.Column("lexware_file_id", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_voucher_files_voucher_id_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_files")),
        sa.UniqueConstraint(
            "voucher_id",
            "lexware_file_id",
            name=op.f("uq_voucher_files_voucher_id_lexware_file_id"),
        ),
    )
    op.create_table(
        "voucher_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.String(length=36), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lexware_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lexware_version", sa.Integer(), nullable=True),
        sa.Column("voucher_status", sa.String(length=32), nullable=False),
        sa.Column("raw_json", sa.JSON(), nullable=False),
        sa.Column("raw_payments_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["vouchers.id"],
            name=op.f("fk_voucher_versions_voucher_id_vouchers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_versions")),
    )
    with op.batch_alter_table("voucher_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_versions_voucher_id"), ["voucher_id"], unique=False
        )

    op.create_table(
        "sync_run_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("voucher_lexware_id", sa.String(length=64), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["sync_runs.id"],
            name=op.f("fk_sync_run_errors_run_id_sync_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_run_errors")),
    )
    with op.batch_alter_table("sync_run_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_run_errors_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_run_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_run_errors_run_id"))

    op.drop_table("sync_run_errors")
    with op.batch_alter_table("voucher_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_versions_voucher_id"))

    op.drop_table("voucher_versions")
    op.drop_table("voucher_files")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sync_runs_one_active_per_connection",
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index("ix_sync_runs_tenant_id_queued_at")
        batch_op.drop_index("ix_sync_runs_status_updated_at")

    op.drop_table("sync_runs")
    op.drop_table("payment_items")
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_index("ix_vouchers_tenant_id_voucher_date")
        batch_op.drop_index("ix_vouchers_tenant_id_review_reason")

    op.drop_table("vouchers")
    op.drop_table("vat_returns")
    op.drop_table("tax_years")
    op.drop_table("connections")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_tenant_id_created_at")

    op.drop_table("audit_log")
    op.drop_table("tenants")
