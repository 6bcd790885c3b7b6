"""When and how long to retry a Lexware request.

Reads (GET, HEAD) and DELETE are idempotent and are retried on 429, 500, 502, 503, 504,
timeouts and connection errors. Writes (POST, PUT) are retried only where Lexware
cannot have executed them: on 429 ("the actual call will not be performed") and on
errors raised before the request left (connect errors, pool timeouts). A 500 or 504
on a write may mean it was applied, so the caller must check with a GET first.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime

from belegsync.lexware.transport import Answer, WireError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff parameters (seconds) handed to stamina.

    ``timeout`` bounds the total time spent retrying one request; tests pass zeros for
    the waits to make retries instant.
    """

    attempts: int = 8
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    wait_exp_base: float = 2.0


class RetryableStatusError(Exception):
    """Internal: a retryable HTTP status; turned into a LexwareError after retries."""

    def __init__(self, response: Answer, retry_after: float | None) -> None:
        self.response = response
        self.retry_after = retry_after
        super().__init__(f"HTTP {response.status_code}")

    def __repr__(self) -> str:
        # stamina logs repr(exc); keep it free of URLs and headers.
        return f"RetryableStatusError(status={self.response.status_code})"


def should_retry_status(method: str, status: int) -> bool:
    """Whether a response status warrants another attempt for this method."""
    if status not in RETRYABLE_STATUSES:
        return False
    return method in IDEMPOTENT_METHODS or status == 429


def should_retry_transport_error(method: str, error: WireError) -> bool:
    """Whether a timeout or connection error warrants another attempt: for a write only
    if the request cannot have reached Lexware (refused connection, connect timeout)."""
    if not error.retryable:
        return False
    return method in IDEMPOTENT_METHODS or not error.sent


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
