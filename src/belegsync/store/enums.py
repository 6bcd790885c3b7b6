"""The closed value sets stored as strings (non-native enums with a CHECK constraint).

The domain package owns the meaning of these values; the store only guarantees that
nothing outside these sets reaches the database.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ConnectionState = Literal["none", "pending", "active", "failed"]
FailureReason = Literal["invalid_key", "expired", "contract", "missing_permission"]
TaxAdvisorAccess = Literal["not_set_up", "invitation_sent", "confirmed"]
ReviewReason = Literal["no_longer_paid", "deleted", "changed_after_close"]
SyncTrigger = Literal["schedule", "manual", "webhook", "connect", "cli"]
SyncRunStatus = Literal["queued", "running", "succeeded", "failed", "failed_transient"]

CONNECTION_STATES: Final[tuple[str, ...]] = get_args(ConnectionState)
FAILURE_REASONS: Final[tuple[str, ...]] = get_args(FailureReason)
TAX_ADVISOR_ACCESS_STATES: Final[tuple[str, ...]] = get_args(TaxAdvisorAccess)
REVIEW_REASONS: Final[tuple[str, ...]] = get_args(ReviewReason)
SYNC_TRIGGERS: Final[tuple[str, ...]] = get_args(SyncTrigger)
SYNC_RUN_STATUSES: Final[tuple[str, ...]] = get_args(SyncRunStatus)

# A run in one of these states blocks further claims for the same connection.
ACTIVE_SYNC_RUN_STATUSES: Final[tuple[SyncRunStatus, ...]] = ("queued", "running")
FINISHED_SYNC_RUN_STATUSES: Final[tuple[SyncRunStatus, ...]] = (
    "succeeded",
    "failed",
    "failed_transient",
)
