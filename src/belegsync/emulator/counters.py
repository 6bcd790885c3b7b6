"""Request counters, so tests and benchmarks can check call budgets and throttling."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Counters:
    def __init__(self) -> None:
        self.requests_by_key: Counter[str] = Counter()
        self.throttled_by_key: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_resource: Counter[str] = Counter()
        self.faults_injected = 0
        self.webhooks_delivered = 0
        self.webhooks_failed = 0

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": sum(self.requests_by_key.values()),
            "requestsByKey": dict(self.requests_by_key),
            "throttled": sum(self.throttled_by_key.values()),
            "throttledByKey": dict(self.throttled_by_key),
            "byStatus": {str(k): v for k, v in sorted(self.by_status.items())},
            "byResource": dict(self.by_resource),
            "faultsInjected": self.faults_injected,
            "webhooksDelivered": self.webhooks_delivered,
            "webhooksFailed": self.webhooks_failed,
        }
