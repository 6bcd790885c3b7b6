"""Injected faults: latency, 5xx, transient 401s, timeouts, malformed bodies, throttling."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

# "truncated": the real answer, cut to half its length (Content-Length adjusted), e.g. a
# file download that broke off
FAULT_KINDS = frozenset(
    {"latency", "error", "timeout", "malformed", "throttle", "gateway403", "truncated"}
)
# tag of the rule that PUT /_emulator/settings {"transientUnauthorized": n} manages
TRANSIENT_401 = "transient-401"


@dataclass
class FaultRule:
    kind: str
    status: int = 500
    rate: float = 1.0  # probability per matching request
    path_prefix: str = "/v1"
    method: str | None = None
    remaining: int | None = None  # None = unlimited occurrences
    latency_ms: int = 0
    timeout_seconds: float = 35.0
    # apply the request before answering with the error (a 504 that "may have succeeded")
    apply_first: bool = False
    seed: int | None = None
    tag: str | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._rng = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if not path.startswith(self.path_prefix):
            return False
        return self.rate >= 1.0 or self._rng.random() < self.rate

    def consume(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1

    def describe(self) -> dict[str, Any]:
        # floats as strings, like GET /settings: the JSON writer refuses floats (money)
        return {
            "kind": self.kind,
            "status": self.status,
            "rate": str(self.rate),
            "pathPrefix": self.path_prefix,
            "method": self.method,
            "remaining": self.remaining,
            "latencyMs": self.latency_ms,
            "timeoutSeconds": str(self.timeout_seconds),
            "applyFirst": self.apply_first,
            "seed": self.seed,
        }


class FaultPlan:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def replace(self, tag: str, rule: FaultRule) -> None:
        """Put ``rule`` in place of the rules carrying ``tag``."""
        rule.tag = tag
        self.rules = [r for r in self.rules if r.tag != tag]
        if rule.remaining is None or rule.remaining > 0:
            self.rules.append(rule)

    def remaining_of(self, tag: str) -> int:
        return sum(r.remaining or 0 for r in self.rules if r.tag == tag)

    def pick(self, method: str, path: str) -> list[FaultRule]:
        """Every rule that fires for this request; each firing uses up one occurrence."""
        fired = [rule for rule in self.rules if rule.matches(method, path)]
        for rule in fired:
            rule.consume()
        self.rules = [r for r in self.rules if r.remaining is None or r.remaining > 0]
        return fired


def error_message(status: int) -> str | None:
    if status == 401:
        # Lexware: a 401 may also mean "temporarily unavailable"; same body as a bad key
        return "Unauthorized"
    if status == 504:
        return "Endpoint request timed out"
    if status == 503:
        return "Service Unavailable"
    return None
