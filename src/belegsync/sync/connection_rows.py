"""Moving the connection state between its database row and the domain state machine."""

from __future__ import annotations

from datetime import datetime

from belegsync.domain.connection import Connection, ConnectionState, FailureReason
from belegsync.store.models import Connection as ConnectionRow


def to_domain(row: ConnectionRow) -> Connection:
    """The domain view of a stored connection (without the encrypted key)."""
    reason = FailureReason(row.failure_reason) if row.failure_reason else None
    return Connection(
        state=ConnectionState(row.state),
        failure_reason=reason,
        missing_permission=row.failure_detail
        if reason is FailureReason.MISSING_PERMISSION
        else None,
        organization_id=row.organization_id,
        company_name=row.company_name,
        connection_id=row.lexware_connection_id,
        key_last4=row.key_last4,
        key_expires_on=row.key_expires_on,
        connected_at=row.connected_at,
        success_banner_pending=row.success_banner_pending,
    )


def apply_domain(row: ConnectionRow, connection: Connection, *, now: datetime) -> None:
    """Write a domain state back to the row. Disconnecting deletes the stored key."""
    row.state = connection.state.value
    row.failure_reason = connection.failure_reason.value if connection.failure_reason else None
    row.failure_detail = connection.missing_permission
    row.organization_id = connection.organization_id
    row.company_name = connection.company_name
    row.lexware_connection_id = connection.connection_id
    row.key_last4 = connection.key_last4
    row.key_expires_on = connection.key_expires_on
    row.connected_at = connection.connected_at
    row.success_banner_pending = connection.success_banner_pending
    if connection.state is ConnectionState.NONE:
        row.encrypted_api_key = None
        row.last_sync_watermark = None
    row.updated_at = now
