"""Counting the API calls a client makes; the sync report shows them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ApiCallStats:
    """Counters of one client (or of whoever shares this object).

    ``requests_sent`` counts every HTTP request that went out, retries included;
    ``retries`` counts the repeated ones; ``rate_limited`` counts 429 answers seen.
    """

    requests_sent: int = 0
    retries: int = 0
    rate_limited: int = 0

    def snapshot(self) -> ApiCallStats:
        """A copy, for reporting while the client keeps counting."""
        return ApiCallStats(self.requests_sent, self.retries, self.rate_limited)
